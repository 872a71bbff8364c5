// Package jsonoracle compares derpcheck's C JSON decoders with upstream
// running for real: json.Unmarshal into the structs of the tailscale.com
// version the calling main links. "clientinfo": the relay's
// relay_client_info_decode against derp.ClientInfo, what derper's
// recvClientKey does with every client's opened box ("msg: " + its error is
// why the client is cut off); "serverinfo": the client's
// derp_client_decode_server_info against derp.ServerInfo, what the client's
// parseServerInfo does ("invalid JSON: " + its error); and the other
// kinds, each in its own file: "derpmap", "keyfile"/"meshkey", "hujson",
// "hostport" (the calling main supplies the version-bound ones, such as
// "rateconfig": derpserver.LoadRateConfig).
//
// Input: oracle_dump's JSON lines of those kinds (corpus/relay_client_info:
// every input is a JSON text, read once per kind), each with the text and
// the C verdict. Compared per line: the verdict (accept or reject), the
// error text when both reject, and every field the C side keeps when both
// accept. Every disagreement must be declared in the expectations file;
// over the standard corpus (-full) a declaration that matches nothing is
// stale. Both fail the run.
package jsonoracle

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"

	"derpcheck.local/peers/shared/declfile"
)

// Fields is what the C side keeps of a decoded struct, as text, by JSON
// name ("version": "2", "meshKey": 64 hex digits, "CanAckPings": "true").
type Fields map[string]string

// Decode is upstream's decoding of one kind: json.Unmarshal into its struct.
type Decode func(json []byte) (Fields, error)

// Case is one "clientinfo" or "serverinfo" line of oracle_dump.
type Case struct {
	File    string `json:"file"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	JSONHex string `json:"json_hex"`
	OK      bool   `json:"ok"`
	ErrHex  string `json:"err_hex"`
	// OwnWords: the C error texts are derpcheck's own (derpmap's name the
	// field), so a rejection's text is not compared with Go's; it is still
	// shown and declarations match it.
	OwnWords bool   `json:"own_words,omitempty"`
	Fields   Fields `json:"fields"`
}

// Declaration is one entry of conformance/expectations/json-oracle.json.
type Declaration struct {
	Input    string `json:"input"`          // glob over the input's path or base name
	Kind     string `json:"kind"`           // glob over "clientinfo", "serverinfo"
	Field    string `json:"field"`          // "verdict", "error", "version", ...
	Upstream string `json:"upstream"`       // glob over upstream's value as reported
	Ours     string `json:"ours,omitempty"` // glob over ours ("" means any)
	Why      string `json:"why"`

	matched int
}

// Disagreement is one difference on one input.
type Disagreement struct {
	File, Kind, Field, Upstream, Ours string
	Declared                          *Declaration
}

func (d *Disagreement) matches(decl *Declaration) bool {
	return declfile.GlobMatch(decl.Kind, d.Kind) && declfile.GlobMatch(decl.Field, d.Field) &&
		declfile.GlobMatch(decl.Upstream, d.Upstream) &&
		(decl.Ours == "" || declfile.GlobMatch(decl.Ours, d.Ours)) &&
		(declfile.GlobMatch(decl.Input, d.File) || declfile.GlobMatch(decl.Input, path.Base(d.File)))
}

// verdict prints a decode's outcome the way declarations match it.
func verdict(ok bool, err string) string {
	if ok {
		return "accept"
	}
	return "reject: " + err
}

// Compare runs upstream's decoding on one case.
func Compare(c *Case, decoders map[string]Decode) ([]*Disagreement, error) {
	decode := decoders[c.Kind]
	if decode == nil {
		return nil, fmt.Errorf("%s: no upstream decoder for kind %q", c.File, c.Kind)
	}
	text, err := hex.DecodeString(c.JSONHex)
	if err != nil {
		return nil, fmt.Errorf("%s: json_hex: %v", c.File, err)
	}
	ourErr, err := hex.DecodeString(c.ErrHex)
	if err != nil {
		return nil, fmt.Errorf("%s: err_hex: %v", c.File, err)
	}
	got, uerr := decode(text)
	up := verdict(uerr == nil, fmt.Sprint(uerr))
	ours := verdict(c.OK, string(ourErr))
	var ds []*Disagreement
	add := func(field, u, o string) {
		ds = append(ds, &Disagreement{File: c.File, Kind: c.Kind, Field: field, Upstream: u, Ours: o})
	}
	switch {
	case (uerr == nil) != c.OK:
		add("verdict", up, ours)
	case uerr != nil:
		if !c.OwnWords && up != ours {
			add("error", up, ours)
		}
	default:
		if len(got) != len(c.Fields) {
			add("fields", fmt.Sprint(got), fmt.Sprint(c.Fields))
		}
		for _, name := range slices.Sorted(maps.Keys(c.Fields)) {
			if u, ok := got[name]; !ok || u != c.Fields[name] {
				add(name, u, c.Fields[name])
			}
		}
	}
	return ds, nil
}

// ReadCases keeps oracle_dump's lines of the given kinds (the others are
// the pin oracle's).
func ReadCases(r io.Reader, kinds map[string]Decode) ([]*Case, error) {
	var cases []*Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var kind struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(b, &kind); err != nil {
			return nil, fmt.Errorf("cases line %d: %w", line, err)
		}
		if kinds[kind.Kind] == nil {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		c := new(Case)
		if err := dec.Decode(c); err != nil {
			return nil, fmt.Errorf("cases line %d: %w", line, err)
		}
		cases = append(cases, c)
	}
	return cases, sc.Err()
}

// LoadDeclarations reads the expectations file (a JSON array).
func LoadDeclarations(file string) ([]*Declaration, error) {
	decls, err := declfile.Load[Declaration](file)
	if err != nil {
		return nil, err
	}
	for i, d := range decls {
		required := []string{d.Input, d.Kind, d.Field, d.Upstream}
		if err := declfile.Check(file, i, d.Input, d.Why, required, []string{d.Ours}); err != nil {
			return nil, err
		}
	}
	return decls, nil
}

// Totals summarise a run.
type Totals struct {
	Inputs        int
	Disagreements []*Disagreement
	Stale         []*Declaration
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

// Run compares every case, matches declarations and prints the report:
// UNDECLARED and STALE entries first, then the declared ones, then the
// summary line.
func Run(out io.Writer, version string, cases []*Case, decls []*Declaration, decoders map[string]Decode, full bool) (*Totals, error) {
	tot := &Totals{Inputs: len(cases)}
	for _, c := range cases {
		ds, err := Compare(c, decoders)
		if err != nil {
			return nil, err
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
	if full {
		for _, decl := range decls {
			if decl.matched == 0 {
				tot.Stale = append(tot.Stale, decl)
			}
		}
	}
	for _, d := range tot.Disagreements {
		if d.Declared == nil {
			fmt.Fprintf(out, "UNDECLARED %s %s %s\n  upstream: %q\n  ours:     %q\n", d.File, d.Kind, d.Field, d.Upstream, d.Ours)
		}
	}
	for _, decl := range tot.Stale {
		fmt.Fprintf(out, "STALE declaration (matches nothing): input %q kind %q field %q upstream %q\n", decl.Input, decl.Kind, decl.Field, decl.Upstream)
	}
	for _, d := range tot.Disagreements {
		if d.Declared != nil {
			fmt.Fprintf(out, "declared %s %s %s: upstream %q, ours %q\n", d.File, d.Kind, d.Field, d.Upstream, d.Ours)
		}
	}
	fmt.Fprintf(out, "jsonoracle tailscale.com@%s: %d readings (ClientInfo, ServerInfo, DERPMap, key files, HuJSON, rate configs, addresses), %d disagreements (%d undeclared, %d declared), %d stale declarations\n",
		version, tot.Inputs, len(tot.Disagreements), tot.Undeclared(), len(tot.Disagreements)-tot.Undeclared(), len(tot.Stale))
	return tot, nil
}

// Main is what a version's json-oracle/main.go calls, with upstream's
// decoding per kind.
func Main(version string, decoders map[string]Decode) {
	fs := flag.NewFlagSet(os.Args[0], flag.ExitOnError)
	casesPath := fs.String("cases", "-", "oracle_dump output (JSON lines); - for stdin")
	expectPath := fs.String("expect", "", "declarations (conformance/expectations/json-oracle.json)")
	full := fs.Bool("full", false, "the standard corpus: a declaration matching no disagreement is stale")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [-cases FILE] [-expect FILE] [-full]\n"+
			"Runs tailscale.com@%s's ClientInfo, ServerInfo, DERPMap, key-file and HuJSON decoding over oracle_dump's cases.\n", os.Args[0], version)
		fs.PrintDefaults()
	}
	fs.Parse(os.Args[1:])
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "jsonoracle:", err)
		os.Exit(2)
	}
	var decls []*Declaration
	if *expectPath != "" {
		var err error
		if decls, err = LoadDeclarations(*expectPath); err != nil {
			fail(err)
		}
	}
	in := io.Reader(os.Stdin)
	if *casesPath != "-" {
		f, err := os.Open(*casesPath)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		in = f
	}
	cases, err := ReadCases(in, decoders)
	if err != nil {
		fail(err)
	}
	if len(cases) == 0 {
		fail(fmt.Errorf("no JSON cases in %s", *casesPath))
	}
	tot, err := Run(os.Stdout, version, cases, decls, decoders, *full)
	if err != nil {
		fail(err)
	}
	if tot.Undeclared() > 0 || len(tot.Stale) > 0 {
		os.Exit(1)
	}
}
