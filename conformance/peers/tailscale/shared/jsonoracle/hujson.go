package jsonoracle

// The "hujson" kind: a tailnet policy file made standard JSON, as
// github.com/tailscale/hujson's Standardize does (tailscale's own HuJSON
// package: comments and trailing commas become spaces, offsets kept),
// against hujson_standardize followed by Go's JSON syntax check (what
// derp-client --policy-file does before it reads the derpMap). Compared:
// the verdict and the standard JSON, byte for byte.

import (
	"encoding/hex"

	"github.com/tailscale/hujson"
)

// DecodeHuJSON is upstream's standardization of a "hujson" case.
func DecodeHuJSON(b []byte) (Fields, error) {
	out, err := hujson.Standardize(append([]byte(nil), b...))
	if err != nil {
		return nil, err
	}
	return Fields{"standard_hex": hex.EncodeToString(out)}, nil
}
