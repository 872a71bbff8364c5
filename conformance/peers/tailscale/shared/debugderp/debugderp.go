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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"time"

	"tailscale.com/envknob"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/logtail"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/tstest/integration/testcontrol"
)

// Deadline (default of --timeout) bounds the whole run: control start,
// tsnet Up (about 3 s: netcheck waits out its 3 s STUN timeout when the
// host has IPv6 but the node has none), the check itself (its STUN wait is
// up to 5 s, then 5 DERP connects). Below derpcheck's 20 s --client-timeout
// so a stuck run still ends with its own message.
const Deadline = 15 * time.Second

// verdict is the contract's last stdout line; report is the probe mode's
// extra (upstream's ipnstate.DebugDERPRegionReport, marshalled as upstream
// does: empty lists are null).
type verdict struct {
	Result     string                          `json:"result"`
	Reason     *string                         `json:"reason"`
	Path       *string                         `json:"path"`
	TLSVersion *string                         `json:"tls_version"`
	ServerKey  *string                         `json:"server_key"`
	Certs      *int                            `json:"certs"`
	Report     *ipnstate.DebugDERPRegionReport `json:"report"`
	Peer       string                          `json:"peer"`
}

type args struct {
	mode, derpmap, region, profile string
	json                           bool
	timeout                        time.Duration
}

// Flags of the client contract that take a value and mean nothing to
// `debug derp` (it makes its own throw-away keys and trusts the system
// roots, as tailscaled does).
var ignoredValueFlags = map[string]bool{
	"key-file": true, "peer": true, "packet-hex": true, "ready-file": true,
	"timeout-ms": true, "ca-file": true,
}

const usageText = `usage: debugderp probe --derpmap FILE --region N [--profile P] [--json] [--timeout 20s]
  (--key-file, --peer, --packet-hex, --ready-file, --timeout-ms, --ca-file: accepted, ignored)`

func usage(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "debugderp: "+format+"\n", a...)
	fmt.Fprintln(os.Stderr, usageText)
	os.Exit(2)
}

// parseArgs parses MODE [flags]: -flag or --flag, value as the next word or
// after '='.
func parseArgs(argv []string) args {
	a := args{timeout: Deadline}
	if len(argv) == 0 || strings.HasPrefix(argv[0], "-") {
		usage("no mode given (this peer only has probe)")
	}
	a.mode = argv[0]
	for i := 1; i < len(argv); i++ {
		arg := argv[i]
		if !strings.HasPrefix(arg, "-") {
			usage("unexpected argument %q", arg)
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name == "json" && !hasVal {
			a.json = true
			continue
		}
		if name == "h" || name == "help" {
			fmt.Println(usageText)
			os.Exit(0)
		}
		if !hasVal {
			if i+1 >= len(argv) {
				usage("flag needs an argument: %s", arg)
			}
			i++
			val = argv[i]
		}
		switch name {
		case "derpmap":
			a.derpmap = val
		case "region":
			a.region = val
		case "profile":
			a.profile = val
		case "timeout":
			d, err := time.ParseDuration(val)
			if n, nerr := strconv.Atoi(val); nerr == nil {
				d, err = time.Duration(n)*time.Second, nil
			}
			if err != nil || d <= 0 {
				usage("invalid value %q for --timeout: want e.g. 20s", val)
			}
			a.timeout = d
		default:
			if !ignoredValueFlags[name] {
				usage("flag provided but not defined: %s", arg)
			}
		}
	}
	return a
}

// readDERPMap reads --derpmap: a file, "-" for stdin, or the JSON itself.
func readDERPMap(arg string) (*tailcfg.DERPMap, error) {
	var raw []byte
	var err error
	switch {
	case arg == "-":
		raw, err = io.ReadAll(os.Stdin)
	case strings.HasPrefix(strings.TrimSpace(arg), "{"):
		raw = []byte(arg)
	default:
		raw, err = os.ReadFile(arg)
	}
	if err != nil {
		return nil, err
	}
	dm := new(tailcfg.DERPMap)
	if err := json.Unmarshal(raw, dm); err != nil {
		return nil, fmt.Errorf("--derpmap: %w", err)
	}
	if len(dm.Regions) == 0 {
		return nil, errors.New("--derpmap: no regions")
	}
	return dm, nil
}

// Main runs the probe for upstream version v. nativeProfile is the matrix
// column this version's `debug derp` implements (debug-legacy before
// v1.100, current after); --profile is accepted and, like the other
// upstream peers, not acted on (one binary is one upstream version), only
// noted on stderr when it differs. Exit: 0 no Errors, 1 Errors, 2 anything
// that is not a verdict (usage, setup failure, deadline).
func Main(v, nativeProfile string) {
	a := parseArgs(os.Args[1:])
	if a.mode != "probe" {
		usage("mode %q not implemented: upstream `debug derp` is a probe only", a.mode)
	}
	if a.derpmap == "" {
		usage("no relay given: use --derpmap")
	}
	if a.profile != "" && a.profile != nativeProfile {
		fmt.Fprintf(os.Stderr, "debugderp: note: --profile %s, but tailscale %s `debug derp` behaves as %s\n", a.profile, v, nativeProfile)
	}
	dm, err := readDERPMap(a.derpmap)
	if err != nil {
		usage("%v", err)
	}
	if a.region == "" {
		if len(dm.Regions) != 1 {
			usage("--region needed: the map has %d regions", len(dm.Regions))
		}
		for id := range dm.Regions {
			a.region = strconv.Itoa(id)
		}
	}

	rep, err := run(v, dm, a.region, a.timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "debugderp: no verdict: %v\n", err)
		os.Exit(2)
	}
	out := verdict{Result: "pass", Report: rep, Peer: "tailscale@" + v + " debug derp"}
	if len(rep.Errors) > 0 {
		out.Result = "fail"
		out.Reason = &rep.Errors[0]
	}
	if a.json {
		j, _ := json.Marshal(out)
		os.Stdout.Write(append(j, '\n'))
	} else {
		// Like `tailscale debug derp`: the report, one-space indent.
		j, _ := json.MarshalIndent(rep, "", " ")
		fmt.Printf("%s\nresult: %s\n", j, out.Result)
	}
	if out.Result == "fail" {
		os.Exit(1)
	}
	os.Exit(0)
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
