package contract

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseClient(t *testing.T) {
	f, err := ParseClient([]string{"recv", "--derpmap", "m.json", "--region", "900", "--profile", "current",
		"--json", "--key-file", "k", "--timeout-ms", "7000", "--ready-file", "r"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f.Mode != "recv" || f.Region != "900" || !f.JSON || f.Wait != 7*time.Second || f.Timeout != 12*time.Second {
		t.Fatalf("got %+v", f)
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
