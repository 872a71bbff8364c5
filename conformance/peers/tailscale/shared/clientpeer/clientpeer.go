// Package clientpeer puts upstream's derphttp client (tailscale.com, at the
// version the enclosing module pins) behind the client contract of
// conformance/README.md.
//
// Every decision — dialing, TLS verification and pinning, fast start or
// fallback, the DERP handshake — is upstream's. This package only chooses
// what to call (per mode), bounds the waits, and reports what it observed:
// upstream's own accessors where they exist (TLSConnectionState,
// ServerPublicKey) and a passive wire tap (package tlstap) where they do not
// (certificates of a failed handshake, whether Derp-Fast-Start was sent).
package clientpeer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/proxy"
	"tailscale.com/derp"
	"tailscale.com/derp/derphttp"
	"tailscale.com/net/netmon"
	"tailscale.com/tailcfg"
	"tailscale.com/types/key"

	"derpcheck.local/peers/shared/contract"
	"derpcheck.local/peers/shared/derpmapfile"
	"derpcheck.local/peers/shared/tlstap"
)

// Main runs the client peer for upstream version (e.g. "v1.82.5") and exits.
func Main(version string) {
	os.Exit(run(version, os.Args[1:], os.Stdout, os.Stderr))
}

type usageError struct{ error }

func run(version string, args []string, stdout, stderr io.Writer) int {
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "client tailscale@%s: %s\n", version, fmt.Sprintf(format, a...))
	}
	v := &contract.Verdict{Peer: "tailscale@" + version}
	asJSON := false
	for _, a := range args {
		asJSON = asJSON || a == "--json" || a == "-json"
	}
	f, err := contract.ParseClient(args, stderr)
	if err != nil {
		err = usageError{err}
	} else {
		err = runMode(f, v, logf)
	}
	code := contract.ExitPass
	switch {
	case errors.As(err, new(usageError)):
		logf("%v", err)
		code = contract.ExitUsage
		v.Result, v.Reason = "fail", contract.Str(err.Error())
	case err != nil:
		logf("fail: %v", err)
		code = contract.ExitFail
		v.Result, v.Reason = "fail", contract.Str(err.Error())
	default:
		v.Result = "pass"
	}
	if werr := v.Write(stdout, asJSON); werr != nil && code != contract.ExitUsage {
		logf("writing the verdict: %v", werr)
		return contract.ExitUsage
	}
	return code
}

// runMode returns nil for a pass, a usageError for a configuration problem,
// and otherwise the failure whose text is the verdict's reason.
func runMode(f *contract.ClientFlags, v *contract.Verdict, logf func(string, ...any)) error {
	if f.Mode == "probe" || f.Mode == "stun" {
		return usageError{fmt.Errorf("mode %s not implemented by this peer (it is upstream's derphttp client)", f.Mode)}
	}
	if f.Profile != "" {
		logf("--profile %s ignored: this peer behaves as its upstream version does", f.Profile)
	}
	dm, err := derpmapfile.Load(f.DERPMap)
	if err != nil {
		return usageError{err}
	}
	_, region, err := derpmapfile.Region(dm, f.Region)
	if err != nil {
		return usageError{err}
	}
	priv, err := loadKey(f.KeyFile)
	if err != nil {
		return usageError{err}
	}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil || !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return usageError{fmt.Errorf("cannot load --ca-file %s: not readable PEM certificates", f.CAFile)}
		}
		// Every version's tlsdial verifies against Go's system roots
		// first; on Linux those include SSL_CERT_FILE (read on first
		// use, so setting it here is in time). Only v1.98+ would also
		// take tls.Config.RootCAs as extra roots, so this is the one
		// mechanism that means the same for all versions.
		os.Setenv("SSL_CERT_FILE", f.CAFile)
	}
	if f.WebSocket {
		// derphttp reads it when it connects (envknob.Bool, not at init)
		os.Setenv("TS_DEBUG_DERP_WS_CLIENT", "true")
	}
	tap := &tlstap.Tap{}
	installTap(tap)

	deadline := time.Now().Add(f.Timeout)
	// A wait that upstream does not bound itself (a blocked Send, say)
	// must not outlive the run: that is not a verdict, so exit 2.
	time.AfterFunc(f.Timeout+2*time.Second, func() {
		logf("run exceeded --timeout %v inside an upstream call", f.Timeout)
		os.Exit(contract.ExitUsage)
	})

	c := derphttp.NewRegionClient(priv, func(format string, a ...any) { logf("derphttp: "+format, a...) },
		netmon.NewStatic(), func() *tailcfg.DERPRegion { return region })
	// The only field set: KeyLogWriter, so the tap can read the TLS
	// records. tlsdial.Config clones this base and adds its own checks;
	// it uses the base's KeyLogWriter unless SSLKEYLOGFILE is set.
	c.TLSConfig = &tls.Config{KeyLogWriter: tap.KeyLog()}
	defer c.Close()

	s := &session{c: c, region: region, f: f, v: v, deadline: deadline}
	err = s.run()
	s.observe(tap, logf)
	if f.Record != "" {
		if rf, ferr := os.Create(f.Record); ferr != nil {
			logf("--record: %v", ferr)
		} else {
			if werr := tap.WriteRecord(rf); werr != nil {
				logf("--record: %v", werr)
			}
			rf.Close()
		}
	}
	return err
}

type session struct {
	c         *derphttp.Client
	region    *tailcfg.DERPRegion
	f         *contract.ClientFlags
	v         *contract.Verdict
	deadline  time.Time
	connected bool
	msgs      chan recvResult
}

type recvResult struct {
	m   derp.ReceivedMessage
	err error
}

func (s *session) run() error {
	ctx, cancel := context.WithDeadline(context.Background(), s.deadline)
	defer cancel()
	if err := s.c.Connect(ctx); err != nil {
		return s.upstream(err)
	}
	s.connected = true
	s.msgs = make(chan recvResult, 16)
	go s.recvLoop()

	// Connect returns once ClientInfo is written; like the reference
	// client, a pass needs the ServerInfo that proves the relay took it.
	if err := s.await("ServerInfo", s.deadline, func(m derp.ReceivedMessage) bool {
		_, ok := m.(derp.ServerInfoMessage)
		return ok
	}); err != nil {
		return err
	}
	if s.f.ReadyFile != "" {
		text, _ := s.c.SelfPublicKey().MarshalText()
		if err := contract.WriteFileAtomic(s.f.ReadyFile, string(text)); err != nil {
			return usageError{fmt.Errorf("cannot write --ready-file: %v", err)}
		}
	}
	switch s.f.Mode {
	case "send":
		var peer key.NodePublic
		if err := peer.UnmarshalText([]byte("nodekey:" + hex.EncodeToString(s.f.Peer))); err != nil {
			return usageError{err}
		}
		if err := s.c.Send(peer, s.f.Packet); err != nil {
			return s.upstream(err)
		}
		// The relay handles a connection's frames in order, so its Pong
		// shows it took the packet before we hang up.
		return s.ping()
	case "ping":
		return s.ping()
	case "recv":
		until := time.Now().Add(s.f.Wait)
		if until.After(s.deadline) {
			until = s.deadline
		}
		err := s.await("", until, func(m derp.ReceivedMessage) bool {
			p, ok := m.(derp.ReceivedPacket)
			if ok {
				s.v.PacketHex = contract.Str(hex.EncodeToString(p.Data))
				s.v.From = contract.Str(hexKey(p.Source))
			}
			return ok
		})
		if errors.Is(err, errTimeout) {
			return fmt.Errorf("no packet received within %d ms", s.f.Wait.Milliseconds())
		}
		return err
	}
	return nil
}

// recvLoop feeds s.msgs until the first error. It stops there because
// another Recv would make derphttp reconnect, which no mode asks for.
func (s *session) recvLoop() {
	for {
		m, err := s.c.Recv()
		if p, ok := m.(derp.ReceivedPacket); ok {
			p.Data = bytes.Clone(p.Data) // Recv's data aliases the client's buffer
			m = p
		}
		s.msgs <- recvResult{m, err}
		if err != nil {
			return
		}
	}
}

var errTimeout = errors.New("timed out")

func (s *session) await(what string, until time.Time, match func(derp.ReceivedMessage) bool) error {
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	for {
		select {
		case r := <-s.msgs:
			if r.err != nil {
				return s.upstream(r.err)
			}
			if match(r.m) {
				return nil
			}
		case <-t.C:
			return fmt.Errorf("%w waiting for %s", errTimeout, what)
		}
	}
}

func (s *session) ping() error {
	var data [8]byte
	rand.Read(data[:])
	if err := s.c.SendPing(data); err != nil {
		return s.upstream(err)
	}
	return s.await("Pong", s.deadline, func(m derp.ReceivedMessage) bool {
		p, ok := m.(derp.PongMessage)
		return ok && p == derp.PongMessage(data)
	})
}

// upstream returns err with derphttp's connect wrapper removed: the
// contract's reason is the verifier's or protocol's own text.
// derphttp's connect wraps every failure as
// "<caller> connect to region <id> (<code>): <err>" (callers below, the same
// in all versions here); anything else is returned whole.
func (s *session) upstream(err error) error {
	text := err.Error()
	target := fmt.Sprintf("region %d (%v)", s.region.RegionID, s.region.RegionCode)
	for _, caller := range []string{"Connect", "Recv", "Send", "ClosePeer", "ForwardPacket"} {
		if rest, ok := strings.CutPrefix(text, "derphttp.Client."+caller+" connect to "+target+": "); ok {
			return errors.New(rest)
		}
	}
	return err
}

// observe fills the verdict's facts: from upstream's accessors once
// connected, else from the tap.
func (s *session) observe(tap *tlstap.Tap, logf func(string, ...any)) {
	rep := tap.Report()
	if rep.Problem != "" {
		logf("wire tap: %s", rep.Problem)
	}
	var certs [][]byte
	var version uint16
	if cs, ok := s.c.TLSConnectionState(); ok && s.connected {
		version = cs.Version
		for _, c := range cs.PeerCertificates {
			certs = append(certs, c.Raw)
		}
		if certs == nil {
			certs = [][]byte{}
		}
	} else {
		version = rep.Version
		if rep.CertsSeen {
			certs = rep.Certs
		}
	}
	if name, ok := versionNames[version]; ok {
		s.v.TLSVersion = contract.Str(name)
	}
	if certs != nil {
		n := len(certs)
		s.v.Certs = &n
		s.v.Chain = summarise(certs)
	}
	if k := s.c.ServerPublicKey(); s.connected && !k.IsZero() {
		s.v.ServerKey = contract.Str(hexKey(k))
	}
	s.v.Path = path(rep)
}

// path reads the decrypted upgrade exchange: "fast" when the request carried
// Derp-Fast-Start: 1 (compared as derper compares it), "slow" when it did
// not and a 101 came back; null when the tap could not tell.
func path(rep tlstap.Report) *string {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(rep.ClientData)))
	if err != nil {
		return nil
	}
	if req.Header.Get("Derp-Fast-Start") == "1" {
		return contract.Str("fast")
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(rep.ServerData)), req)
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		return contract.Str("slow")
	}
	return nil
}

var versionNames = map[uint16]string{
	tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1",
	tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3",
}

func summarise(certs [][]byte) []contract.CertSummary {
	out := make([]contract.CertSummary, len(certs))
	for i, der := range certs {
		sum := sha256.Sum256(der)
		out[i].SHA256 = hex.EncodeToString(sum[:])
		if c, err := x509.ParseCertificate(der); err == nil {
			out[i].CN = contract.Str(c.Subject.CommonName)
			out[i].Metacert = strings.HasPrefix(c.Subject.CommonName, "derpkey")
		}
	}
	return out
}

func hexKey(k key.NodePublic) string {
	text, _ := k.MarshalText()
	return strings.TrimPrefix(string(text), "nodekey:")
}

// tapScheme is an ALL_PROXY scheme only this process knows. Upstream's
// dialer (net/netns) wraps its net.Dialer with golang.org/x/net/proxy's
// FromEnvironmentUsing; registering the scheme there hands the tap every
// connection upstream dials — with upstream's own net.Dialer doing the
// dialing — and nothing else changes. (SetURLDialer, the documented hook,
// only applies to URL clients, not region clients.)
const tapScheme = "derpcheck-tap"

func installTap(t *tlstap.Tap) {
	proxy.RegisterDialerType(tapScheme, func(_ *url.URL, fwd proxy.Dialer) (proxy.Dialer, error) {
		return tapDialer{fwd, t}, nil
	})
	for _, k := range []string{"ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"} {
		os.Unsetenv(k)
	}
	os.Setenv("ALL_PROXY", tapScheme+"://observe")
}

type tapDialer struct {
	fwd proxy.Dialer
	tap *tlstap.Tap
}

func (d tapDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

func (d tapDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	var err error
	if cd, ok := d.fwd.(proxy.ContextDialer); ok {
		c, err = cd.DialContext(ctx, network, addr)
	} else {
		c, err = d.fwd.Dial(network, addr)
	}
	if err != nil {
		return nil, err
	}
	return d.tap.Wrap(c), nil
}

func loadKey(path string) (key.NodePrivate, error) {
	if path == "" {
		return key.NewNode(), nil
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return key.NodePrivate{}, fmt.Errorf("--key-file: %v", err)
	}
	var kf struct{ PrivateKey key.NodePrivate }
	if err := json.Unmarshal(text, &kf); err != nil || kf.PrivateKey.IsZero() {
		return key.NodePrivate{}, fmt.Errorf("--key-file %s: want {\"PrivateKey\":\"privkey:<64 hex>\"}", path)
	}
	return kf.PrivateKey, nil
}
