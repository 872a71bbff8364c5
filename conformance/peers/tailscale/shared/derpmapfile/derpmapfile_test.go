package derpmapfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadAndRegion(t *testing.T) {
	text := `{"Regions":{"900":{"RegionID":900,"RegionCode":"custom","Nodes":[{"Name":"a","RegionID":900,"HostName":"127.0.0.1"}]}}}`
	p := filepath.Join(t.TempDir(), "map.json")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{p, text, " " + text} {
		dm, err := Load(arg)
		if err != nil {
			t.Fatalf("Load(%.20q): %v", arg, err)
		}
		for _, sel := range []string{"", "900", "custom"} {
			id, r, err := Region(dm, sel)
			if err != nil || id != 900 || r == nil || r.RegionCode != "custom" {
				t.Errorf("Region(%q) = %d, %v, %v", sel, id, r, err)
			}
		}
		if _, _, err := Region(dm, "901"); err == nil {
			t.Error("Region(901) accepted")
		}
	}
	for _, bad := range []string{`{"Regions":{}}`, `{`, filepath.Join(t.TempDir(), "missing")} {
		if _, err := Load(bad); err == nil {
			t.Errorf("Load(%q) accepted", bad)
		}
	}
}
