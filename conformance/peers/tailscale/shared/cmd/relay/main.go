// Command relay puts upstream's cmd/derper behind the relay contract of
// conformance/README.md: it picks the port when asked for port 0, starts
// derper (the binary beside it, or --derper), writes the ready file once
// derper listens, forwards SIGTERM/SIGINT and exits with derper's status.
// derper's stdout and stderr are derper's own file descriptors: the runner
// reads the DERPMap snippet there, byte for byte.
//
// It has no tailscale.com dependency, so one source serves every version.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"derpcheck.local/peers/shared/contract"
)

// readyWait bounds how long derper may take to listen.
const readyWait = 10 * time.Second

func main() {
	os.Exit(run(os.Args[1:]))
}

func usage(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "relay: "+format+"\n", a...)
	return contract.ExitUsage
}

func run(args []string) int {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	listen := fs.String("a", "", "listen address host:port (port 0: pick a free one)")
	hostname := fs.String("hostname", "", "derper --hostname")
	certmode := fs.String("certmode", "manual", "derper --certmode")
	certdir := fs.String("certdir", "", "derper --certdir")
	keyfile := fs.String("c", "", "derper -c (key file)")
	stunPort := fs.Int("stun-port", -2, "derper --stun-port (default: derper's)")
	readyFile := fs.String("ready-file", "", "written with host:port once derper listens")
	derper := fs.String("derper", "", "derper binary (default: derper beside this program)")
	meshPSK := fs.String("mesh-psk-file", "", "derper --mesh-psk-file (the region's mesh key)")
	meshWith := fs.String("mesh-with", "", "derper --mesh-with (the region's other relays)")
	// derper verifies mesh peers against the system roots only; a private
	// CA reaches Go's verifier the way an operator's would: SSL_CERT_FILE.
	meshCA := fs.String("mesh-ca-file", "", "PEM roots for mesh peers (SSL_CERT_FILE for derper)")
	rateConfig := fs.String("rate-config", "", "derper --rate-config (v1.98 and later)")
	// Contract knobs derper has no equivalent for: only their derper
	// values are accepted, anything else is a configuration error (2).
	metacert := fs.String("metacert", "on", "on only: derper always appends its metacert")
	tlsMin := fs.String("tls-min", "1.2", "1.2 only: derper serves TLS 1.2 to 1.3")
	tlsMax := fs.String("tls-max", "1.3", "1.3 only: derper serves TLS 1.2 to 1.3")
	verifyFile := fs.String("verify-clients-file", "", "unsupported: derper's --verify-clients asks a local tailscaled")
	if err := fs.Parse(args); err != nil {
		return contract.ExitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usage("unexpected argument %q", fs.Arg(0))
	case *metacert != "on":
		return usage("--metacert=%s not supported: derper always appends its metacert (spec §1.6)", *metacert)
	case *tlsMin != "1.2" || *tlsMax != "1.3":
		return usage("--tls-min %s --tls-max %s not supported: derper always serves TLS 1.2 to 1.3 (spec §1.1)", *tlsMin, *tlsMax)
	case *verifyFile != "":
		return usage("--verify-clients-file not supported: derper's --verify-clients asks a local tailscaled, which the suite does not run")
	case *meshWith != "" && *meshPSK == "":
		return usage("--mesh-with requires --mesh-psk-file")
	case *listen == "" || *readyFile == "":
		return usage("-a and --ready-file are required")
	}
	if *derper == "" {
		self, err := os.Executable()
		if err != nil {
			return usage("cannot find derper: %v (use --derper)", err)
		}
		*derper = filepath.Join(filepath.Dir(self), "derper")
	}
	host, port, err := net.SplitHostPort(*listen)
	if err != nil {
		return usage("-a %s: %v", *listen, err)
	}
	if port == "0" {
		// derper never says which port it bound, so choose one for it.
		// Another process could take it before derper binds; derper then
		// exits ("address already in use") and the runner reports that.
		if port, err = freePort(host); err != nil {
			return usage("picking a port on %s: %v", host, err)
		}
	}
	addr := net.JoinHostPort(host, port)

	dargs := []string{"-a", addr, "--certmode", *certmode, "--http-port", "-1"}
	for _, kv := range [][2]string{{"--hostname", *hostname}, {"--certdir", *certdir}, {"-c", *keyfile},
		{"--mesh-psk-file", *meshPSK}, {"--mesh-with", *meshWith}, {"--rate-config", *rateConfig}} {
		if kv[1] != "" {
			dargs = append(dargs, kv[0], kv[1])
		}
	}
	if *stunPort != -2 {
		dargs = append(dargs, "--stun-port", strconv.Itoa(*stunPort))
	}
	cmd := exec.Command(*derper, dargs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	if *meshCA != "" {
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+*meshCA)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	if err := cmd.Start(); err != nil {
		return usage("starting %s: %v", *derper, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()

	if err := waitListening(host, port, exited); err != nil {
		select {
		case <-exited: // derper's own exit status tells the story
		default:
			fmt.Fprintf(os.Stderr, "relay: %v\n", err)
			cmd.Process.Signal(syscall.SIGTERM)
			<-exited
			return contract.ExitUsage
		}
	} else if err := contract.WriteFileAtomic(*readyFile, addr); err != nil {
		fmt.Fprintf(os.Stderr, "relay: writing the ready file: %v\n", err)
		cmd.Process.Signal(syscall.SIGTERM)
	}
	<-exited
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func freePort(host string) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// waitListening waits until derper's TCP listener exists. It looks in
// /proc/net/tcp{,6} rather than connecting, because a probe connection
// would show up in derper's log as a TLS handshake error; without /proc it
// falls back to connecting.
func waitListening(host, port string, exited <-chan struct{}) error {
	p, _ := strconv.Atoi(port)
	deadline := time.Now().Add(readyWait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		ok, err := procListening(p)
		if err != nil {
			c, derr := net.DialTimeout("tcp", net.JoinHostPort(host, port), 200*time.Millisecond)
			if ok = derr == nil; ok {
				c.Close()
			}
		}
		if ok {
			return nil
		}
		select {
		case <-exited:
			return errors.New("derper exited")
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("derper not listening on port %s after %v", port, readyWait)
		}
	}
}

func procListening(port int) (bool, error) {
	found, read := false, 0
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		read++
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st ...; address = HEXIP:HEXPORT, st 0A = LISTEN
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			if i := strings.LastIndexByte(fields[1], ':'); i >= 0 {
				if v, err := strconv.ParseUint(fields[1][i+1:], 16, 16); err == nil && int(v) == port {
					found = true
				}
			}
		}
		f.Close()
	}
	if read == 0 {
		return false, errors.New("no /proc/net/tcp")
	}
	return found, nil
}
