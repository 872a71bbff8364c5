// Command json-oracle runs tailscale.com@v1.102.5's decoding of ClientInfo
// (derper: json.Unmarshal into derp.ClientInfo), ServerInfo (the client:
// json.Unmarshal into derp.ServerInfo), DERPMaps (json.Unmarshal into
// tailcfg.DERPMap), derper's key files (its -c config, its mesh key
// file), tailnet policy files (github.com/tailscale/hujson's
// Standardize), derper's --rate-config file (derpserver.LoadRateConfig) and
// its address flags (net.SplitHostPort) over oracle_dump's cases and compares it with the C decoders (see
// derpcheck.local/peers/shared/jsonoracle).
package main

import (
	"encoding/json"
	"os"
	"strconv"

	"derpcheck.local/peers/shared/jsonoracle"
	"tailscale.com/derp"
	"tailscale.com/derp/derpserver"
)

// rateConfig is derper's --rate-config reading: derpserver.LoadRateConfig
// of a file holding the bytes (it takes only a path).
func rateConfig(b []byte) (jsonoracle.Fields, error) {
	f, err := os.CreateTemp("", "json-oracle-rate-*.json")
	if err != nil {
		panic(err) // the oracle's own failure, not a verdict
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	rc, err := derpserver.LoadRateConfig(f.Name())
	if err != nil {
		return nil, err
	}
	return jsonoracle.Fields{
		"PerClientRateLimitBytesPerSec": strconv.FormatUint(rc.PerClientRateLimitBytesPerSec, 10),
		"PerClientRateBurstBytes":       strconv.FormatUint(rc.PerClientRateBurstBytes, 10)}, nil
}

func main() {
	jsonoracle.Main("v1.102.5", map[string]jsonoracle.Decode{
		"hostport":   jsonoracle.DecodeHostPort,
		"rateconfig": rateConfig,
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
