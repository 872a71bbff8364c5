package declfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	Input string `json:"input"`
	Why   string `json:"why"`
}

func TestGlobMatchCrossesSlashes(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "corpus/pin_verify/x", true},
		{"reject: *", "reject: a/b", true},
		{"corpus/*/x", "corpus/a/b/x", true},
		{"x", "y", false},
		{"[", "[", false}, // a bad pattern matches nothing
	} {
		if got := GlobMatch(c.pattern, c.s); got != c.want {
			t.Errorf("GlobMatch(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}

func TestLoadAndCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		f := filepath.Join(dir, "d.json")
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := write(`[{"input": "a*", "why": "because"}]`)
	es, err := Load[entry](f)
	if err != nil || len(es) != 1 || es[0].Input != "a*" {
		t.Fatalf("Load: %v %v", es, err)
	}
	if err := Check(f, 0, es[0].Input, es[0].Why, []string{es[0].Input}, []string{""}); err != nil {
		t.Errorf("a good entry: %v", err)
	}
	if _, err := Load[entry](write(`[{"input": "a", "why": "w", "extra": 1}]`)); err == nil ||
		!strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("an unknown field: %v", err)
	}
	for _, c := range []struct {
		required []string
		why      string
		want     string
	}{
		{[]string{""}, "w", "bad or empty glob"},
		{[]string{"["}, "w", "bad or empty glob"},
		{[]string{"a"}, "  ", "empty why"},
	} {
		if err := Check(f, 3, "a", c.why, c.required, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %q: %v, want %s", c.required, c.why, err, c.want)
		}
	}
}
