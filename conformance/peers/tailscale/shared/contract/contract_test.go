package contract

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseClient(t *testing.T) {
	f, err := ParseClient([]string{"recv", "--derpmap", "m.json", "--region", "900", "--profile", "current",
		"--json", "--key-file", "k", "--timeout-ms", "7000", "--ready-file", "r"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.Mode != "recv" || f.Region != "900" || !f.JSON || f.Wait != 7*time.Second || f.Timeout != 12*time.Second || f.TimeoutGiven {
		t.Fatalf("got %+v", f)
	}
	f, err = ParseClient([]string{"probe", "--derpmap", "m", "--timeout", "20"}, io.Discard)
	if err != nil || f.Timeout != 20*time.Second || !f.TimeoutGiven {
		t.Fatalf("got %+v, %v", f, err)
	}
	for _, bad := range [][]string{
		{},
		{"dance", "--derpmap", "m"},
		{"connect"},
		{"connect", "--derpmap", "m", "--bogus"},
		{"send", "--derpmap", "m", "--peer", "00"},
		{"connect", "--derpmap", "m", "--packet-hex", "00"},
	} {
		if _, err := ParseClient(bad, io.Discard); err == nil {
			t.Errorf("ParseClient(%q) accepted", bad)
		}
	}
}

func TestVerdictReport(t *testing.T) {
	var b strings.Builder
	v := &Verdict{Result: "fail", Reason: Str("x"), Report: map[string][]string{"Errors": {"x"}}, Peer: "p"}
	if err := v.Write(&b, true); err != nil {
		t.Fatal(err)
	}
	want := `{"result":"fail","reason":"x","path":null,"tls_version":null,"server_key":null,"certs":null,"report":{"Errors":["x"]},"peer":"p"}` + "\n"
	if b.String() != want {
		t.Fatalf("got %s", b.String())
	}
	b.Reset()
	v.Write(&b, false)
	if want := "{\n \"Errors\": [\n  \"x\"\n ]\n}\nresult: fail\nreason: x\n"; b.String() != want {
		t.Fatalf("human form: got %q", b.String())
	}
}

func TestWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ready")
	if err := WriteFileAtomic(p, "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "127.0.0.1:1\n" {
		t.Fatalf("got %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
