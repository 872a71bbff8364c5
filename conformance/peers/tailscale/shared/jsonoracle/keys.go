package jsonoracle

// The "keyfile" and "meshkey" kinds: the files derper reads at start, as
// derper reads them, against derp-relay's readers (derp_keyfile_parse,
// derp_mesh_key_parse). cmd/derper's loadConfig does json.Unmarshal into
// config{PrivateKey key.NodePrivate}; its --mesh-psk-file is the file's
// bytes (setec.StaticFile) given to SetMeshKey, key.ParseDERPMesh, unless
// the file is empty: then derper runs with no mesh key.

import (
	"encoding/json"

	"tailscale.com/types/key"
)

// config is cmd/derper's config type, named as derper names it (its errors
// say "config.PrivateKey"; cmd/derper is a main package: not importable).
type config struct {
	PrivateKey key.NodePrivate
}

// DecodeKeyFile is derper's reading of its -c file.
func DecodeKeyFile(b []byte) (Fields, error) {
	var cfg config
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, err
	}
	text, err := cfg.PrivateKey.MarshalText()
	if err != nil {
		return nil, err
	}
	return Fields{"PrivateKey": string(text)}, nil
}

// DecodeMeshKey is derper's reading of its --mesh-psk-file.
func DecodeMeshKey(b []byte) (Fields, error) {
	if len(b) == 0 {
		return Fields{"MeshKey": ""}, nil // "No mesh key configured"
	}
	k, err := key.ParseDERPMesh(string(b))
	if err != nil {
		return nil, err
	}
	return Fields{"MeshKey": k.String()}, nil
}
