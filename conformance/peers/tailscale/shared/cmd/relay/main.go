// Command relay puts upstream's cmd/derper behind the relay contract of
// conformance/README.md: it picks the port when asked for port 0, starts
// derper (the binary beside it, or --derper), writes the ready file once
// derper listens, forwards SIGTERM/SIGINT and exits with derper's status.
// derper's stdout is derper's own file descriptor and its stderr reaches
// ours byte for byte (the runner reads the DERPMap snippet there); stderr
// is also watched for a lost race for the port this program picked.
//
// It has no tailscale.com dependency, so one source serves every version.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"derpcheck.local/peers/shared/contract"
)

// readyWait bounds how long derper may take to listen.
const readyWait = 10 * time.Second

// portAttempts bounds how often a port this program picked may be lost to
// another process between picking it and derper binding it.
const portAttempts = 5

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
	var df derperFlags
	fs.StringVar(&df.hostname, "hostname", "", "derper --hostname")
	fs.StringVar(&df.certmode, "certmode", "manual", "derper --certmode")
	fs.StringVar(&df.certdir, "certdir", "", "derper --certdir")
	fs.StringVar(&df.keyfile, "c", "", "derper -c (key file)")
	fs.IntVar(&df.stunPort, "stun-port", -2, "derper --stun-port (default: derper's)")
	readyFile := fs.String("ready-file", "", "written with host:port once derper listens")
	derper := fs.String("derper", "", "derper binary (default: derper beside this program)")
	fs.StringVar(&df.meshPSK, "mesh-psk-file", "", "derper --mesh-psk-file (the region's mesh key)")
	fs.StringVar(&df.meshWith, "mesh-with", "", "derper --mesh-with (the region's other relays)")
	// derper verifies mesh peers against the system roots only; a private
	// CA reaches Go's verifier the way an operator's would: SSL_CERT_FILE.
	meshCA := fs.String("mesh-ca-file", "", "PEM roots for mesh peers (SSL_CERT_FILE for derper)")
	fs.StringVar(&df.rateConfig, "rate-config", "", "derper --rate-config (v1.98 and later)")
	// Contract knobs derper has no equivalent for: only their derper
	// values are accepted, anything else is a configuration error (2).
	metacert := fs.String("metacert", "on", "on only: derper always appends its metacert")
	tlsMin := fs.String("tls-min", "1.2", "1.2 only: derper serves TLS 1.2 to 1.3")
	tlsMax := fs.String("tls-max", "1.3", "1.3 only: derper serves TLS 1.2 to 1.3")
	// derper's --verify-clients asks a local tailscaled; the list is served
	// to derper's --verify-client-url instead (admission.go).
	verifyClients := fs.Bool("verify-clients", false, "admit only the node keys of --verify-clients-file")
	verifyFile := fs.String("verify-clients-file", "", "nodekey:<hex> lines, served as derper's admission controller")
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
	case *verifyClients != (*verifyFile != ""):
		return usage("--verify-clients and --verify-clients-file go together (derper's tailscaled-based --verify-clients is not offered: the suite runs no tailscaled)")
	case df.meshWith != "" && df.meshPSK == "":
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
	picked := port == "0"
	if *verifyFile != "" {
		adm, err := startAdmission(host, *verifyFile)
		if err != nil {
			return usage("%v", err)
		}
		defer adm.close()
		df.verifyClientURL = adm.url()
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	for attempt := 1; ; attempt++ {
		if picked {
			// derper never says which port it bound, so choose one for it.
			// Another process can take it before derper binds; derper then
			// exits ("address already in use") and another port is tried.
			if port, err = freePort(host); err != nil {
				return usage("picking a port on %s: %v", host, err)
			}
		}
		status, lostPort := runDerper(*derper, host, port, df.args(net.JoinHostPort(host, port)),
			*meshCA, *readyFile, sigs)
		if !lostPort || !picked || attempt == portAttempts {
			return status
		}
		fmt.Fprintf(os.Stderr, "relay: port %s was taken before derper bound it; picking another (attempt %d of %d)\n",
			port, attempt+1, portAttempts)
	}
}

// derperFlags are the command-line flags passed on to derper.
type derperFlags struct {
	hostname, certmode, certdir, keyfile, meshPSK, meshWith, rateConfig, verifyClientURL string
	stunPort                                                                             int
}

func (f *derperFlags) args(addr string) []string {
	dargs := []string{"-a", addr, "--certmode", f.certmode, "--http-port", "-1"}
	for _, kv := range [][2]string{{"--hostname", f.hostname}, {"--certdir", f.certdir}, {"-c", f.keyfile},
		{"--mesh-psk-file", f.meshPSK}, {"--mesh-with", f.meshWith}, {"--rate-config", f.rateConfig}} {
		if kv[1] != "" {
			dargs = append(dargs, kv[0], kv[1])
		}
	}
	if f.verifyClientURL != "" {
		// fail closed: a controller that cannot be asked admits nobody
		dargs = append(dargs, "--verify-client-url", f.verifyClientURL, "--verify-client-url-fail-open=false")
	}
	if f.stunPort != -2 {
		dargs = append(dargs, "--stun-port", strconv.Itoa(f.stunPort))
	}
	return dargs
}

// runDerper runs derper once, until it exits, and gives its exit status and
// whether it exited before listening because the port was in use.
func runDerper(derper, host, port string, dargs []string, meshCA, readyFile string,
	sigs <-chan os.Signal) (status int, lostPort bool) {
	cmd := exec.Command(derper, dargs...)
	var tail stderrTail
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, io.MultiWriter(os.Stderr, &tail)
	if meshCA != "" {
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+meshCA)
	}
	if err := cmd.Start(); err != nil {
		return usage("starting %s: %v", derper, err), false
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stopForwarding := make(chan struct{})
	defer close(stopForwarding)
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-stopForwarding:
				return
			}
		}
	}()

	if err := waitListening(host, port, cmd.Process.Pid, exited); err != nil {
		select {
		case <-exited: // derper's own exit status tells the story
			lostPort = tail.contains("address already in use")
		default:
			fmt.Fprintf(os.Stderr, "relay: %v\n", err)
			cmd.Process.Signal(syscall.SIGTERM)
			<-exited
			return contract.ExitUsage, false
		}
	} else if err := contract.WriteFileAtomic(readyFile, net.JoinHostPort(host, port)); err != nil {
		fmt.Fprintf(os.Stderr, "relay: writing the ready file: %v\n", err)
		cmd.Process.Signal(syscall.SIGTERM)
	}
	<-exited
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), lostPort
	}
	return ws.ExitStatus(), lostPort
}

// stderrTail keeps the last bytes derper wrote to stderr, for telling a
// lost port from any other early exit.
type stderrTail struct {
	mu  sync.Mutex
	buf []byte
}

const stderrTailMax = 4096

func (t *stderrTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > stderrTailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-stderrTailMax:]...)
	}
	return len(p), nil
}

func (t *stderrTail) contains(s string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Contains(t.buf, []byte(s))
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
// /proc/net/tcp{,6} and derper's /proc/PID/fd rather than connecting,
// because a probe connection would show up in derper's log as a TLS
// handshake error, and a listener on the port that is not derper's (a
// process that took the port first) must not count; without /proc it falls
// back to connecting.
func waitListening(host, port string, pid int, exited <-chan struct{}) error {
	p, _ := strconv.Atoi(port)
	deadline := time.Now().Add(readyWait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		ok, err := procListening(p, pid)
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

// procListening says whether process pid holds a TCP socket listening on port.
func procListening(port, pid int) (bool, error) {
	inodes, read := map[string]bool{}, 0
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		read++
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode;
			// address = HEXIP:HEXPORT, st 0A = LISTEN
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" {
				continue
			}
			if i := strings.LastIndexByte(fields[1], ':'); i >= 0 {
				if v, err := strconv.ParseUint(fields[1][i+1:], 16, 16); err == nil && int(v) == port {
					inodes["socket:["+fields[9]+"]"] = true
				}
			}
		}
		f.Close()
	}
	if read == 0 {
		return false, errors.New("no /proc/net/tcp")
	}
	if len(inodes) == 0 {
		return false, nil
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return false, err
	}
	for _, fd := range fds {
		if target, err := os.Readlink(fdDir + "/" + fd.Name()); err == nil && inodes[target] {
			return true, nil
		}
	}
	return false, nil
}
