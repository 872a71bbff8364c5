// Package declfile reads the oracles' declaration files
// (conformance/expectations/oracle.json, json-oracle.json): a JSON array of
// entries, unknown fields refused, every glob valid, every entry saying why
// upstream and we differ. Each oracle keeps its own entry shape; the file
// rules and the glob matching are here, once.
package declfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"
)

// GlobMatch is path.Match with '*' matching '/' too (inputs are paths,
// upstream values are texts that may hold one).
func GlobMatch(pattern, s string) bool {
	ok, err := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return err == nil && ok
}

// Load decodes file, a JSON array of T, refusing fields T does not have.
func Load[T any](file string) ([]*T, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var entries []*T
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return entries, nil
}

// Check is the rule for entry i of file (label names it in messages):
// every required glob present and valid, every optional one valid when
// given, and a why.
func Check(file string, i int, label, why string, required, optional []string) error {
	for j, p := range append(append([]string{}, required...), optional...) {
		if _, err := path.Match(p, ""); err != nil || (p == "" && j < len(required)) {
			return fmt.Errorf("%s: entry %d: bad or empty glob %q", file, i, p)
		}
	}
	if strings.TrimSpace(why) == "" {
		return fmt.Errorf("%s: entry %d (%s): empty why", file, i, label)
	}
	return nil
}
