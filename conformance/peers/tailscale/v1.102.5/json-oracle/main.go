// Command json-oracle runs tailscale.com@v1.102.5's decoding of ClientInfo
// (derper: json.Unmarshal into derp.ClientInfo), ServerInfo (the client:
// json.Unmarshal into derp.ServerInfo), DERPMaps (json.Unmarshal into
// tailcfg.DERPMap), derper's key files (its -c config, its mesh key
// file) and tailnet policy files (github.com/tailscale/hujson's
// Standardize) over oracle_dump's cases and compares it with the C decoders (see
// derpcheck.local/peers/shared/jsonoracle).
package main

import (
	"encoding/json"
	"strconv"

	"derpcheck.local/peers/shared/jsonoracle"
	"tailscale.com/derp"
)

func main() {
	jsonoracle.Main("v1.102.5", map[string]jsonoracle.Decode{
		"clientinfo": func(b []byte) (jsonoracle.Fields, error) {
			var ci derp.ClientInfo
			if err := json.Unmarshal(b, &ci); err != nil {
				return nil, err
			}
			return jsonoracle.Fields{"version": strconv.Itoa(ci.Version), "meshKey": ci.MeshKey.String(),
				"CanAckPings": strconv.FormatBool(ci.CanAckPings), "IsProber": strconv.FormatBool(ci.IsProber)}, nil
		},
		"derpmap": jsonoracle.DecodeDERPMap,
		"hujson":  jsonoracle.DecodeHuJSON,
		"keyfile": jsonoracle.DecodeKeyFile,
		"meshkey": jsonoracle.DecodeMeshKey,
		"serverinfo": func(b []byte) (jsonoracle.Fields, error) {
			var si derp.ServerInfo
			if err := json.Unmarshal(b, &si); err != nil {
				return nil, err
			}
			return jsonoracle.Fields{"version": strconv.Itoa(si.Version),
				"TokenBucketBytesPerSecond": strconv.Itoa(si.TokenBucketBytesPerSecond),
				"TokenBucketBytesBurst":     strconv.Itoa(si.TokenBucketBytesBurst)}, nil
		},
	})
}
