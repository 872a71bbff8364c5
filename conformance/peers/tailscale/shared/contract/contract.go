// Package contract holds the version-independent parts of the client and
// relay contracts of conformance/README.md: exit codes, the client's command
// line, the JSON verdict line and the atomically written ready file.
package contract

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Exit statuses (BoGo-shim style): a verdict is 0 or 1, anything that is
// not a verdict is 2.
const (
	ExitPass  = 0
	ExitFail  = 1
	ExitUsage = 2
)

// Client modes of the contract.
var Modes = []string{"connect", "send", "recv", "ping", "stun", "probe"}

// ClientFlags is the client's command line, as the reference client's
// default template passes it.
type ClientFlags struct {
	Mode      string
	DERPMap   string
	Region    string
	Profile   string
	JSON      bool
	KeyFile   string
	Peer      []byte // 32 bytes, or nil
	Packet    []byte // send
	ReadyFile string
	Wait      time.Duration // recv: how long to wait for a packet
	Timeout   time.Duration // the whole run (DefaultTimeout unless TimeoutGiven)
	CAFile    string
	Record    string // --record FILE: the connections' bytes after TLS (derpcheck's transcripts)
	WebSocket bool   // --websocket: derphttp's WebSocket transport (TS_DEBUG_DERP_WS_CLIENT)

	TimeoutGiven bool // --timeout was on the command line
}

// DefaultTimeout bounds a run, like the reference client's --timeout.
const DefaultTimeout = 10 * time.Second

// ParseClient parses `MODE [flags]`. Both -flag and --flag, with the value
// as the next word or after '='.
func ParseClient(args []string, stderr io.Writer) (*ClientFlags, error) {
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		return nil, errors.New("no mode given (connect, send, recv, ping, stun, probe)")
	}
	f := &ClientFlags{Mode: args[0]}
	known := false
	for _, m := range Modes {
		known = known || m == f.Mode
	}
	if !known {
		return nil, fmt.Errorf("unknown mode %q (want connect, send, recv, ping, stun or probe)", f.Mode)
	}
	fs := flag.NewFlagSet("client "+f.Mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var peer, packet, timeout string
	var waitMS int64
	fs.StringVar(&f.DERPMap, "derpmap", "", "DERPMap JSON file (\"-\" = stdin, or the JSON text itself)")
	fs.StringVar(&f.Region, "region", "", "region ID or RegionCode (default: the map's only region)")
	fs.StringVar(&f.Profile, "profile", "", "accepted and ignored: this peer is one upstream version")
	fs.BoolVar(&f.JSON, "json", false, "last stdout line is the JSON verdict")
	fs.StringVar(&f.KeyFile, "key-file", "", `node key file {"PrivateKey":"privkey:<hex>"} (default: a fresh key)`)
	fs.StringVar(&peer, "peer", "", "peer public key, 64 hex (or nodekey:HEX)")
	fs.StringVar(&packet, "packet-hex", "", "packet for send")
	fs.StringVar(&f.ReadyFile, "ready-file", "", "written (atomically) once connected")
	fs.Int64Var(&waitMS, "timeout-ms", 0, "recv: how long to wait for a packet (default: --timeout)")
	fs.StringVar(&timeout, "timeout", "", "bound on the whole run, e.g. 10s (default), 500ms")
	fs.StringVar(&f.CAFile, "ca-file", "", "extra trusted roots (PEM)")
	fs.StringVar(&f.Record, "record", "", "write each connection's bytes after TLS to FILE (derpcheck's record format)")
	fs.BoolVar(&f.WebSocket, "websocket", false, "DERP over WebSocket: upstream's own WebSocket dialer (TS_DEBUG_DERP_WS_CLIENT)")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.DERPMap == "" {
		return nil, errors.New("no relay given: use --derpmap")
	}
	if peer != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(peer, "nodekey:"))
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("invalid value %q for --peer: want 64 hex digits", peer)
		}
		f.Peer = b
	}
	if packet != "" {
		b, err := hex.DecodeString(packet)
		if err != nil || len(b) > 65536 {
			return nil, errors.New("invalid value for --packet-hex: want an even number of hex digits, at most 65536 bytes")
		}
		f.Packet = b
	}
	if f.Mode == "send" && (f.Peer == nil || f.Packet == nil) {
		return nil, errors.New("send needs --peer and --packet-hex")
	}
	if f.Mode != "send" && f.Packet != nil {
		return nil, errors.New("--packet-hex only applies to send")
	}
	f.Timeout = DefaultTimeout
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if n, nerr := strconv.Atoi(timeout); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("invalid value %q for --timeout: want e.g. 10s, 500ms, 2m", timeout)
		}
		f.Timeout, f.TimeoutGiven = d, true
	}
	if waitMS < 0 || waitMS > 3600000 {
		return nil, fmt.Errorf("invalid value %d for --timeout-ms: want 1..3600000", waitMS)
	}
	f.Wait = time.Duration(waitMS) * time.Millisecond
	if f.Wait == 0 {
		f.Wait = f.Timeout
	}
	// recv must be able to wait as long as asked and still connect first
	// (as the reference client does).
	if timeout == "" && f.Mode == "recv" && f.Wait+5*time.Second > f.Timeout {
		f.Timeout = f.Wait + 5*time.Second
	}
	return f, nil
}

// Verdict is the JSON object on the last stdout line. A nil pointer is
// printed as null: "not observed", which the runner shows as unchecked.
type Verdict struct {
	Result     string        `json:"result"`
	Reason     *string       `json:"reason"`
	Path       *string       `json:"path"`
	TLSVersion *string       `json:"tls_version"`
	ServerKey  *string       `json:"server_key"`
	Certs      *int          `json:"certs"`
	Chain      []CertSummary `json:"chain,omitempty"`
	PacketHex  *string       `json:"packet_hex,omitempty"`
	From       *string       `json:"from,omitempty"`
	// Report is a mode's own structured output (debugderp's probe:
	// upstream's DebugDERPRegionReport), marshalled as its type marshals.
	Report any    `json:"report,omitempty"`
	Peer   string `json:"peer,omitempty"` // which upstream version produced this verdict
}

// CertSummary describes one presented certificate (for humans reading the
// kept output; the runner only checks the count).
type CertSummary struct {
	CN       *string `json:"cn"`
	SHA256   string  `json:"sha256"`
	Metacert bool    `json:"metacert"`
}

// Str returns a pointer to s (for the optional verdict fields).
func Str(s string) *string { return &s }

// Write prints v: the JSON line when asJSON, else a short human form (the
// Report first, indented by one space as `tailscale debug derp` prints it).
func (v *Verdict) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
	var b strings.Builder
	if v.Report != nil {
		j, err := json.MarshalIndent(v.Report, "", " ")
		if err != nil {
			return err
		}
		b.Write(append(j, '\n'))
	}
	fmt.Fprintf(&b, "result: %s\n", v.Result)
	line := func(k string, p *string) {
		if p != nil {
			fmt.Fprintf(&b, "%s: %s\n", k, *p)
		}
	}
	line("reason", v.Reason)
	line("path", v.Path)
	line("tls", v.TLSVersion)
	line("server key", v.ServerKey)
	if v.Certs != nil {
		fmt.Fprintf(&b, "certificates presented: %d\n", *v.Certs)
	}
	for i, c := range v.Chain {
		cn := "(unparseable)"
		if c.CN != nil {
			cn = "CN=" + *c.CN
		}
		fmt.Fprintf(&b, "  [%d] %s sha256 %s\n", i, cn, c.SHA256)
	}
	line("packet", v.PacketHex)
	line("from", v.From)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFileAtomic writes text plus a newline to path through a temporary
// file and a rename, so a waiter never reads a partial line.
func WriteFileAtomic(path, text string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(text + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
