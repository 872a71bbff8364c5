//go:build go1.25

// Package pinoracle compares derpcheck's C pin verifier and certificate
// reader with upstream running for real.
//
// Input: the JSON lines of fuzz/oracle_dump (one per corpus file: the raw
// certificate list, pin, server name and clock as the fuzz target decoded
// them, with the C verdict of every pin profile and go_parse_certificate's
// view of every certificate). For each line it
//
//  1. builds the client's tls.Config as upstream does,
//     conf := &tls.Config{ServerName: name}; tlsdial.SetConfigExpectedCertHash(conf, pin),
//     with the SetConfigExpectedCertHash of the tailscale.com version the
//     calling main links, and runs a real crypto/tls handshake against an
//     in-memory Go TLS 1.3 server that sends exactly the raw certificate list.
//     So crypto/tls itself parses the chain, checks key types, computes
//     ConnectionState.ServerName (empty for an IP literal) and calls the hook;
//     the hook's error, or the handshake's when the hook was never reached,
//     is upstream's verdict. The handshake runs in a testing/synctest bubble
//     whose fake clock is set to the line's "now", so time.Now() inside
//     upstream's hook is the C side's clock to the nanosecond. A bubble
//     reaches only 2000..2262; for another "now" it takes an instant in the
//     same order against every certificate's NotBefore/NotAfter (all the
//     hooks can see of the clock), or counts the case as out of reach;
//  2. compares that verdict (accept, or reject with the exact error text)
//     with the C verdict of the profile mapped to this version;
//  3. with -x509, compares crypto/x509.ParseCertificate of every certificate
//     with the C view: accept/reject, CommonName, serial, validity, SANs.
//
// Every disagreement must be declared in the expectations file (see
// Declaration); over the standard corpus (-full) a declaration that matches
// no disagreement is stale. Both fail the run.
//
// The go1.25 constraint: testing/synctest.Test is needed, and the version
// modules say go 1.24 (their GODEBUG defaults stay upstream's).
package pinoracle

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"derpcheck.local/peers/shared/declfile"
)

// SetHash is upstream's tlsdial.SetConfigExpectedCertHash.
type SetHash func(c *tls.Config, wantFullCertSHA256Hex string)

// Case is one line of oracle_dump's output.
type Case struct {
	File          string             `json:"file"`
	Target        string             `json:"target"`
	Kind          string             `json:"kind"`
	Now           int64              `json:"now"`
	ServerNameHex string             `json:"server_name_hex"`
	PinHex        string             `json:"pin_hex"`
	Certs         []string           `json:"certs"`
	Verdicts      map[string]Verdict `json:"verdicts"`
	X509          []CertView         `json:"x509"`
}

// Verdict is pin_verify's result in one profile.
type Verdict struct {
	OK         bool   `json:"ok"`
	Status     string `json:"status"`
	Index      int    `json:"index"`
	MessageHex string `json:"message_hex"`
	Truncated  bool   `json:"truncated"`
}

// CertView is the C side's reading of one certificate; the fields after
// GoErr are present when GoOK.
type CertView struct {
	Fields      string   `json:"fields"`
	GoOK        bool     `json:"go_ok"`
	GoErr       string   `json:"go_err"`
	CNHex       string   `json:"cn_hex"`
	CNTruncated bool     `json:"cn_truncated"`
	SerialHex   string   `json:"serial_hex"`
	NotBefore   int64    `json:"not_before"`
	NotAfter    int64    `json:"not_after"`
	NotBeforeGo string   `json:"not_before_go"`
	NotAfterGo  string   `json:"not_after_go"`
	DNSHex      []string `json:"dns_hex"`
	IPHex       []string `json:"ip_hex"`
}

// Declaration is one entry of conformance/expectations/oracle.json: a
// disagreement we keep on purpose or that is out of scope.
type Declaration struct {
	// Input is a glob (path.Match) over the input's path as dumped or its
	// base name.
	Input string `json:"input"`
	// Check: comma-separated globs over the check's names: "pin:<version>"
	// or "pin:<profile>" ("pin:v1.84.3", "pin:current"), or "x509".
	Check string `json:"check"`
	// Upstream is a glob over what upstream does, as the report prints it
	// ("reject: tls: failed to parse certificate from server: *").
	Upstream string `json:"upstream"`
	// Ours is an optional glob over the C side's value ("" means any).
	Ours string `json:"ours,omitempty"`
	// Why names upstream's behaviour and why we differ.
	Why string `json:"why"`

	matched int
}

// Disagreement is one difference between upstream and the C side.
type Disagreement struct {
	File     string
	Check    string // "pin:v1.84.3", "x509"
	Alias    string // "pin:<profile>" for pin checks
	Field    string // "verdict", "harness", "accept", "cn", ...
	Upstream string
	Ours     string
	Declared *Declaration
}

func (d *Disagreement) matches(decl *Declaration) bool {
	return checkMatch(decl.Check, d.Check, d.Alias) && declfile.GlobMatch(decl.Upstream, d.Upstream) &&
		(decl.Ours == "" || declfile.GlobMatch(decl.Ours, d.Ours)) &&
		(declfile.GlobMatch(decl.Input, d.File) || declfile.GlobMatch(decl.Input, path.Base(d.File)))
}

// checkMatch: any of the comma-separated globs matches any of the names.
func checkMatch(patterns string, names ...string) bool {
	for _, p := range strings.Split(patterns, ",") {
		for _, n := range names {
			if n != "" && declfile.GlobMatch(strings.TrimSpace(p), n) {
				return true
			}
		}
	}
	return false
}

// Options configure one run.
type Options struct {
	Version string  // "v1.84.3"
	Profile string  // pin_verify profile mapped to it: "tailscale-1.84"
	SetHash SetHash // upstream's tlsdial.SetConfigExpectedCertHash
	X509    bool    // also compare x509.ParseCertificate
	// Full: the run covers the whole standard corpus, so a declaration
	// that applies to this check and matches no disagreement is stale (a
	// partial corpus, e.g. a new campaign's, need not show every one).
	Full bool
	Out  io.Writer
}

// Totals summarise a run.
type Totals struct {
	Inputs, Compared        int
	ClockShifted, ClockSkip int
	Disagreements           []*Disagreement
	Stale                   []*Declaration
}

// Undeclared counts disagreements no declaration covers.
func (t *Totals) Undeclared() int {
	n := 0
	for _, d := range t.Disagreements {
		if d.Declared == nil {
			n++
		}
	}
	return n
}

// Main is what each version's oracle/main.go calls.
func Main(version, profile string, setHash SetHash) {
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	casesPath := fs.String("cases", "-", "oracle_dump output (JSON lines); - for stdin")
	expectPath := fs.String("expect", "", "declarations (conformance/expectations/oracle.json)")
	x509Too := fs.Bool("x509", false, "also compare crypto/x509.ParseCertificate with the C certificate view")
	full := fs.Bool("full", false, "the standard corpus: a declaration matching no disagreement is stale")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [-cases FILE] [-expect FILE] [-x509] [-full]\n"+
			"Runs tailscale.com@%s's pin check over oracle_dump's cases (profile %s).\n", os.Args[0], version, profile)
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])

	var decls []*Declaration
	if *expectPath != "" {
		var err error
		if decls, err = LoadDeclarations(*expectPath); err != nil {
			fmt.Fprintln(os.Stderr, "pinoracle:", err)
			os.Exit(2)
		}
	}
	in := os.Stdin
	if *casesPath != "-" {
		f, err := os.Open(*casesPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pinoracle:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	cases, err := ReadCases(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pinoracle:", err)
		os.Exit(2)
	}
	opts := Options{Version: version, Profile: profile, SetHash: setHash, X509: *x509Too, Full: *full, Out: os.Stdout}
	// synctest bubbles need a *testing.T: run the comparison as the one test
	// of a test main (os.Args are ours, so testing sees no flags).
	os.Args = os.Args[:1]
	testing.Main(func(_, _ string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "PinOracle", F: func(t *testing.T) {
			tot := Run(t, cases, decls, opts)
			code := 0
			if tot.Undeclared() > 0 || len(tot.Stale) > 0 {
				code = 1
			}
			os.Exit(code)
		}}}, nil, nil)
}

// LoadDeclarations reads the expectations file (a JSON array).
func LoadDeclarations(file string) ([]*Declaration, error) {
	decls, err := declfile.Load[Declaration](file)
	if err != nil {
		return nil, err
	}
	for i, d := range decls {
		required := []string{d.Input, strings.ReplaceAll(d.Check, ",", ""), d.Upstream}
		if err := declfile.Check(file, i, d.Input, d.Why, required, []string{d.Ours}); err != nil {
			return nil, err
		}
	}
	return decls, nil
}

// ReadCases reads oracle_dump's JSON lines.
func ReadCases(r io.Reader) ([]*Case, error) {
	var cases []*Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		c := new(Case)
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("cases line %d: %w", line, err)
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

// Run compares every case and prints one line per disagreement and the
// summary. t must be a test's T (synctest bubbles hang off it).
func Run(t *testing.T, cases []*Case, decls []*Declaration, o Options) *Totals {
	tot := &Totals{Inputs: len(cases)}
	check := "pin:" + o.Version
	for _, c := range cases {
		ds, shifted, compared := comparePin(t, c, check, o)
		if shifted {
			tot.ClockShifted++
		}
		if !compared {
			tot.ClockSkip++
		} else {
			tot.Compared++
		}
		if o.X509 {
			ds = append(ds, compareX509(c)...)
		}
		for _, d := range ds {
			for _, decl := range decls {
				if d.matches(decl) {
					d.Declared = decl
					decl.matched++
					break
				}
			}
			tot.Disagreements = append(tot.Disagreements, d)
		}
	}
	for _, decl := range decls {
		applies := checkMatch(decl.Check, check, "pin:"+o.Profile) || (o.X509 && checkMatch(decl.Check, "x509"))
		if applies && decl.matched == 0 && o.Full {
			tot.Stale = append(tot.Stale, decl)
		}
	}
	report(o, tot)
	return tot
}

func report(o Options, tot *Totals) {
	w := o.Out
	byKind := map[string]int{}
	declared := 0
	for _, d := range tot.Disagreements {
		byKind[d.Check+" "+d.Field]++
		tag := "UNDECLARED"
		if d.Declared != nil {
			tag = "declared"
			declared++
		}
		fmt.Fprintf(w, "%s %s %s %s\n  upstream: %q\n  ours:     %q\n", tag, d.File, d.Check, d.Field,
			d.Upstream, d.Ours)
		if d.Declared != nil {
			fmt.Fprintf(w, "  why:      %s\n", d.Declared.Why)
		}
	}
	for _, s := range tot.Stale {
		fmt.Fprintf(w, "STALE declaration input=%q check=%q upstream=%q ours=%q: matches no disagreement\n",
			s.Input, s.Check, s.Upstream, s.Ours)
	}
	kinds := make([]string, 0, len(byKind))
	for k, n := range byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	by := ""
	if len(kinds) > 0 {
		by = " (" + strings.Join(kinds, ", ") + ")"
	}
	x := ""
	if o.X509 {
		x = " + x509"
	}
	fmt.Fprintf(w, "pinoracle tailscale.com@%s (%s%s): %d inputs compared, %d disagreements%s, %d declared, "+
		"%d undeclared, %d stale declarations; clock: %d moved to an equivalent instant, %d out of reach\n",
		o.Version, o.Profile, x, tot.Compared, len(tot.Disagreements), by, declared, tot.Undeclared(),
		len(tot.Stale), tot.ClockShifted, tot.ClockSkip)
}

// ---- pin check through a real handshake ----

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("oracle_dump wrote bad hex %q: %v", s, err))
	}
	return b
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func comparePin(t *testing.T, c *Case, check string, o Options) (ds []*Disagreement, shifted, compared bool) {
	v, ok := c.Verdicts[o.Profile]
	if !ok {
		return []*Disagreement{{File: c.File, Check: check, Alias: "pin:" + o.Profile, Field: "harness", Upstream: "-",
			Ours: "no verdict for profile " + o.Profile}}, false, true
	}
	raw := make([][]byte, len(c.Certs))
	for i, h := range c.Certs {
		raw[i] = unhex(h)
	}
	now := time.Unix(c.Now, 0)
	clock, shifted, ok := equivalentInstant(now, raw)
	if !ok {
		return nil, false, false
	}
	up := runUpstream(t, raw, string(unhex(c.ServerNameHex)), string(unhex(c.PinHex)), clock, o.SetHash)
	ours := "accept"
	if !v.OK {
		ours = "reject: " + string(unhex(v.MessageHex))
	}
	if up.harness != "" {
		return []*Disagreement{{File: c.File, Check: check, Alias: "pin:" + o.Profile, Field: "harness", Upstream: up.harness,
			Ours: ours}}, shifted, true
	}
	same := up.verdict == ours
	if !same && v.Truncated {
		same = strings.HasPrefix(up.verdict, ours)
	}
	if !same {
		ds = append(ds, &Disagreement{File: c.File, Check: check, Alias: "pin:" + o.Profile, Field: "verdict", Upstream: up.verdict,
			Ours: ours + " [" + v.Status + "]"})
	}
	return ds, shifted, true
}

// The synctest bubble's clock starts at 2000-01-01 UTC and only moves
// forward, by at most what a time.Duration holds.
var (
	bubbleStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	bubbleEnd   = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// equivalentInstant returns now if the bubble can reach it, else an
// instant the bubble can reach that upstream cannot tell from now: the
// hooks read the clock only through now.After(NotAfter) and
// now.Before(NotBefore), so any instant in the same order against every
// certificate's validity bounds gives the same verdict and messages.
func equivalentInstant(now time.Time, raw [][]byte) (time.Time, bool, bool) {
	if !now.Before(bubbleStart) && now.Before(bubbleEnd) {
		return now, false, true
	}
	var bounds []time.Time
	for _, r := range raw {
		if c, err := x509.ParseCertificate(r); err == nil {
			bounds = append(bounds, c.NotBefore, c.NotAfter)
		}
	}
	order := func(x time.Time) []int {
		o := make([]int, len(bounds))
		for i, b := range bounds {
			o[i] = x.Compare(b)
		}
		return o
	}
	want := order(now)
	candidates := []time.Time{bubbleStart, bubbleEnd.Add(-time.Second)}
	for _, b := range bounds {
		candidates = append(candidates, b, b.Add(-time.Nanosecond), b.Add(time.Nanosecond))
	}
	for _, x := range candidates {
		if x.Before(bubbleStart) || !x.Before(bubbleEnd) {
			continue
		}
		if got := order(x); slices.Equal(got, want) {
			return x, true, true
		}
	}
	return time.Time{}, false, false
}

type upstreamResult struct {
	verdict string // "accept" or "reject: <text>"
	harness string // non-empty: the comparison itself went wrong
}

// The server's own key: it signs CertificateVerify, which the client checks
// only after the pin hook, so it never needs to match the fuzzed leaf.
var serverKey = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// runUpstream does one handshake in a fresh bubble at the given instant.
func runUpstream(t *testing.T, raw [][]byte, serverName, pin string, clock time.Time, setHash SetHash) upstreamResult {
	var res upstreamResult
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(clock.Sub(time.Now()))
		if !time.Now().Equal(clock) {
			res.harness = fmt.Sprintf("bubble clock %v, wanted %v", time.Now(), clock)
			return
		}
		res = handshake(raw, serverName, pin, setHash)
	})
	return res
}

func handshake(raw [][]byte, serverName, pin string, setHash SetHash) upstreamResult {
	conf := &tls.Config{ServerName: serverName}
	setHash(conf, pin)
	var hookCalled bool
	var hookErr error
	// Record the hook upstream installed (1.82/1.84 VerifyPeerCertificate,
	// 1.86+ VerifyConnection) without changing what it does.
	if vpc := conf.VerifyPeerCertificate; vpc != nil {
		conf.VerifyPeerCertificate = func(rawCerts [][]byte, chains [][]*x509.Certificate) error {
			hookCalled = true
			hookErr = vpc(rawCerts, chains)
			return hookErr
		}
	}
	if vc := conf.VerifyConnection; vc != nil {
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			hookCalled = true
			hookErr = vc(cs)
			return hookErr
		}
	}
	cc, sc := bufferedPipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := tls.Server(sc, &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{{Certificate: raw, PrivateKey: serverKey}},
		})
		s.Handshake()
		s.Close()
	}()
	client := tls.Client(cc, conf)
	err := client.Handshake()
	client.Close()
	<-done
	switch {
	case hookCalled && hookErr == nil:
		return upstreamResult{verdict: "accept"}
	case hookCalled:
		if err == nil || err.Error() != hookErr.Error() {
			return upstreamResult{harness: fmt.Sprintf("hook said %q but the handshake %v", hookErr, err)}
		}
		return upstreamResult{verdict: "reject: " + hookErr.Error()}
	case err == nil:
		return upstreamResult{harness: "handshake passed without calling the pin hook"}
	case strings.HasPrefix(err.Error(), "remote error:"):
		// Our server gave up before the client judged the certificates.
		return upstreamResult{harness: "server failed: " + err.Error()}
	default:
		return upstreamResult{verdict: "reject: " + err.Error()}
	}
}

// bufferedPipe is an in-memory connection whose writes never block (a
// net.Pipe deadlocks when both sides write at once, e.g. the client's alert
// while the server's flight is unread). Channels made in the bubble keep
// synctest's deadlock detection meaningful.
func bufferedPipe() (net.Conn, net.Conn) {
	a := &half{ch: make(chan []byte, 4096)}
	b := &half{ch: make(chan []byte, 4096)}
	return &pipeEnd{r: a, w: b}, &pipeEnd{r: b, w: a}
}

type half struct {
	ch     chan []byte
	closed bool // by the writer; guarded by being touched only by it
}

type pipeEnd struct {
	r, w *half
	rest []byte
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	if len(p.rest) == 0 {
		chunk, ok := <-p.r.ch
		if !ok {
			return 0, io.EOF
		}
		p.rest = chunk
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	if p.w.closed {
		return 0, io.ErrClosedPipe
	}
	select {
	case p.w.ch <- bytes.Clone(b):
		return len(b), nil
	default:
		return 0, errors.New("pinoracle: pipe buffer full")
	}
}

func (p *pipeEnd) Close() error {
	if !p.w.closed {
		p.w.closed = true
		close(p.w.ch)
	}
	return nil
}

func (p *pipeEnd) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (p *pipeEnd) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (p *pipeEnd) SetDeadline(t time.Time) error      { return nil }
func (p *pipeEnd) SetReadDeadline(t time.Time) error  { return nil }
func (p *pipeEnd) SetWriteDeadline(t time.Time) error { return nil }

// ---- crypto/x509 against the C certificate view ----

func compareX509(c *Case) []*Disagreement {
	var ds []*Disagreement
	for i, h := range c.Certs {
		if i >= len(c.X509) {
			break
		}
		ours := c.X509[i]
		add := func(field, up, o string) {
			ds = append(ds, &Disagreement{File: c.File, Check: "x509", Field: fmt.Sprintf("cert[%d] %s", i, field),
				Upstream: up, Ours: o})
		}
		cert, err := x509.ParseCertificate(unhex(h))
		up, o := "accept", "accept"
		if err != nil {
			up = "reject: " + err.Error()
		}
		if !ours.GoOK {
			o = "reject: " + ours.GoErr + " [cert_fields " + ours.Fields + "]"
		}
		if (err == nil) != ours.GoOK {
			add("accept", up, o)
			continue
		}
		if err != nil {
			continue
		}
		if cn := string(unhex(ours.CNHex)); !ours.CNTruncated && cn != cert.Subject.CommonName {
			add("cn", quote(cert.Subject.CommonName), quote(cn))
		}
		if s := serialFromDER(unhex(ours.SerialHex)); s.Cmp(cert.SerialNumber) != 0 {
			add("serial", cert.SerialNumber.String(), s.String())
		}
		if cert.NotBefore.Unix() != ours.NotBefore {
			add("not_before", fmt.Sprint(cert.NotBefore.Unix()), fmt.Sprint(ours.NotBefore))
		}
		if cert.NotAfter.Unix() != ours.NotAfter {
			add("not_after", fmt.Sprint(cert.NotAfter.Unix()), fmt.Sprint(ours.NotAfter))
		}
		if s := cert.NotBefore.String(); s != ours.NotBeforeGo {
			add("not_before text", s, ours.NotBeforeGo)
		}
		if s := cert.NotAfter.String(); s != ours.NotAfterGo {
			add("not_after text", s, ours.NotAfterGo)
		}
		var dns, ips []string
		for _, d := range cert.DNSNames {
			dns = append(dns, hex.EncodeToString([]byte(d)))
		}
		for _, ip := range cert.IPAddresses {
			ips = append(ips, hex.EncodeToString(ip))
		}
		if !slices.Equal(dns, ours.DNSHex) {
			add("dns sans", hexList(dns), hexList(ours.DNSHex))
		}
		if !slices.Equal(ips, ours.IPHex) {
			add("ip sans", hexList(ips), hexList(ours.IPHex))
		}
	}
	return ds
}

func hexList(l []string) string {
	out := make([]string, len(l))
	for i, h := range l {
		out[i] = quote(string(unhex(h)))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// serialFromDER reads INTEGER content octets (two's complement).
func serialFromDER(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

// PinOf is the pin a certificate matches (exported for tests).
func PinOf(der []byte) string { return fmt.Sprintf("%x", sha256.Sum256(der)) }
