// Package debugderp runs upstream's own `tailscale debug derp` check (the
// LocalAPI handler ipn/localapi/debugderp.go, POST
// /localapi/v0/debug-derp-region) behind the client contract's `probe` mode.
//
// Upstream's check needs a running backend with a DERP map from control, so
// this starts, all in-process and on loopback only:
//
//   - upstream's fake control server (tstest/integration/testcontrol), whose
//     DERPMap is the contract's --derpmap file;
//   - a tsnet.Server (userspace networking, in-memory state, ephemeral,
//     temp dir) that logs in to it;
//
// then asks the tsnet node's LocalAPI for DebugDERPRegion(--region) and
// prints the report. Log upload is disabled (logtail.Disable,
// TS_NO_LOGS_NO_SUPPORT); every wait is bounded by one deadline.
//
// Everything here compiles against every tailscale.com version the
// per-version mains pin (v1.98.10, v1.100.0, v1.102.5): the module that
// builds a main decides the tailscale.com version.
package debugderp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"tailscale.com/envknob"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/logtail"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/tstest/integration/testcontrol"

	"derpcheck.local/peers/shared/contract"
	"derpcheck.local/peers/shared/derpmapfile"
)

// Deadline (default of --timeout) bounds the whole run: control start,
// tsnet Up (about 3 s: netcheck waits out its 3 s STUN timeout when the
// host has IPv6 but the node has none), the check itself (its STUN wait is
// up to 5 s, then 5 DERP connects). Below derpcheck's 20 s --client-timeout
// so a stuck run still ends with its own message.
const Deadline = 15 * time.Second

const usageText = `usage: debugderp probe --derpmap FILE [--region N] [--profile P] [--json] [--timeout 15s]
  (the client contract's other flags are accepted and ignored: debug derp
  makes its own throw-away keys and trusts the system roots, as tailscaled does)`

// usage reports something that is not a verdict and exits 2 (no stdout).
func usage(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "debugderp: "+format+"\n", a...)
	fmt.Fprintln(os.Stderr, usageText)
	os.Exit(contract.ExitUsage)
}

// Main runs the probe for upstream version v. nativeProfile is the matrix
// column this version's `debug derp` implements (debug-legacy before
// v1.100, current after); --profile is accepted and, like the other
// upstream peers, not acted on (one binary is one upstream version), only
// noted on stderr when it differs. Exit: 0 no Errors, 1 Errors, 2 anything
// that is not a verdict (usage, setup failure, deadline). The verdict's
// report is upstream's ipnstate.DebugDERPRegionReport, marshalled as
// upstream does (empty lists are null).
func Main(v, nativeProfile string) {
	f, err := contract.ParseClient(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Println(usageText)
		os.Exit(contract.ExitPass)
	}
	if err != nil {
		usage("%v", err)
	}
	if f.Mode != "probe" {
		usage("mode %q not implemented: upstream `debug derp` is a probe only", f.Mode)
	}
	if !f.TimeoutGiven {
		f.Timeout = Deadline
	}
	if f.Profile != "" && f.Profile != nativeProfile {
		fmt.Fprintf(os.Stderr, "debugderp: note: --profile %s, but tailscale %s `debug derp` behaves as %s\n", f.Profile, v, nativeProfile)
	}
	dm, err := derpmapfile.Load(f.DERPMap)
	if err != nil {
		usage("%v", err)
	}
	region := f.Region // any other value is upstream's to judge
	if region == "" {
		id, _, err := derpmapfile.Region(dm, "")
		if err != nil {
			usage("%v", err)
		}
		region = strconv.Itoa(id)
	}

	rep, err := run(v, dm, region, f.Timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "debugderp: no verdict: %v\n", err)
		os.Exit(contract.ExitUsage)
	}
	out := &contract.Verdict{Result: "pass", Report: rep, Peer: "tailscale@" + v + " debug derp"}
	code := contract.ExitPass
	if len(rep.Errors) > 0 {
		out.Result, out.Reason = "fail", &rep.Errors[0]
		code = contract.ExitFail
	}
	if err := out.Write(os.Stdout, f.JSON); err != nil {
		fmt.Fprintf(os.Stderr, "debugderp: writing the verdict: %v\n", err)
		os.Exit(contract.ExitUsage)
	}
	os.Exit(code)
}

func run(v string, dm *tailcfg.DERPMap, region string, timeout time.Duration) (*ipnstate.DebugDERPRegionReport, error) {
	// Nothing may leave loopback: no log uploads (logtail.Disable,
	// TS_NO_LOGS_NO_SUPPORT), no UPnP/NAT-PMP/PCP probes of the LAN gateway
	// (TS_DISABLE_PORTMAPPER; the mains are also built with
	// -tags ts_omit_portmapper,ts_omit_captiveportal, the latter because
	// netcheck's captive-portal check otherwise fetches
	// http://{controlplane,login}.tailscale.com/generate_204 and has no
	// runtime switch). This is tailscaled's state, not `debug derp`'s
	// logic: debugderp.go's own checks are untouched.
	envknob.SetNoLogsNoSupport()
	envknob.Setenv("TS_DISABLE_PORTMAPPER", "true")
	logtail.Disable()

	verbose := os.Getenv("DEBUGDERP_VERBOSE") != ""
	stderr := log.New(os.Stderr, "debugderp: ", log.Lmicroseconds)
	backendLogf := func(string, ...any) {}
	if verbose {
		backendLogf = log.New(os.Stderr, "tsnet: ", log.Lmicroseconds).Printf
	}
	log.SetOutput(io.Discard) // stray log.Printf from libraries
	if verbose {
		log.SetOutput(os.Stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	control := &testcontrol.Server{
		DERPMap: dm,
		Logf:    backendLogf,
	}
	control.HTTPTestServer = httptest.NewUnstartedServer(control) // 127.0.0.1:0
	control.HTTPTestServer.Start()
	defer control.HTTPTestServer.Close()
	stderr.Printf("tailscale %s: testcontrol at %s", v, control.HTTPTestServer.URL)

	dir, err := os.MkdirTemp("", "debugderp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	// logpolicy.LogsDir (used by ipnlocal's sockstat logger) would otherwise
	// create /var/lib/tailscale.
	os.Setenv("TS_LOGS_DIR", dir)

	s := &tsnet.Server{
		Dir:        dir,
		Store:      new(mem.Store),
		Hostname:   "debugderp",
		Ephemeral:  true,
		ControlURL: control.HTTPTestServer.URL,
		Logf:       backendLogf,
		UserLogf:   backendLogf,
	}
	defer func() {
		// Close is bounded too: never let teardown hang the verdict.
		done := make(chan struct{})
		go func() { s.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			stderr.Printf("tsnet Close did not finish within 3s; exiting anyway")
		}
	}()

	t0 := time.Now()
	if _, err := s.Up(ctx); err != nil {
		return nil, fmt.Errorf("tsnet Up: %w", err)
	}
	stderr.Printf("tsnet up after %v", time.Since(t0).Round(time.Millisecond))
	lc, err := s.LocalClient()
	if err != nil {
		return nil, fmt.Errorf("tsnet LocalClient: %w", err)
	}
	t1 := time.Now()
	rep, err := lc.DebugDERPRegion(ctx, region)
	if err != nil {
		return nil, fmt.Errorf("LocalAPI debug-derp-region: %w", err)
	}
	if rep == nil {
		return nil, errors.New("LocalAPI debug-derp-region: empty report")
	}
	stderr.Printf("debug-derp-region took %v", time.Since(t1).Round(time.Millisecond))
	return rep, nil
}
