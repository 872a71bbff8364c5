// Command oracle runs tailscale.com@v1.82.5's own pin check over oracle_dump's
// cases and compares it with pin_verify's "tailscale-1.82" profile (see
// derpcheck.local/peers/shared/pinoracle).
package main

import (
	"derpcheck.local/peers/shared/pinoracle"
	"tailscale.com/net/tlsdial"
)

func main() { pinoracle.Main("v1.82.5", "tailscale-1.82", tlsdial.SetConfigExpectedCertHash) }
