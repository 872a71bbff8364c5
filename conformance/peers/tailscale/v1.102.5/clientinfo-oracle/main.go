// Command clientinfo-oracle runs tailscale.com@v1.102.5's ClientInfo
// decoding (derpserver's json.Unmarshal into derp.ClientInfo) over
// oracle_dump's clientinfo cases and compares it with relay_client_info_decode
// (see derpcheck.local/peers/shared/jsonoracle).
package main

import (
	"encoding/json"

	"derpcheck.local/peers/shared/jsonoracle"
	"tailscale.com/derp"
)

func main() {
	jsonoracle.Main("v1.102.5", func(b []byte) (jsonoracle.Fields, error) {
		var ci derp.ClientInfo
		if err := json.Unmarshal(b, &ci); err != nil {
			return jsonoracle.Fields{}, err
		}
		return jsonoracle.Fields{Version: int64(ci.Version), MeshKeyHex: ci.MeshKey.String(),
			CanAckPings: ci.CanAckPings, IsProber: ci.IsProber}, nil
	})
}
