// Command oracle runs tailscale.com@v1.102.5's own pin check over oracle_dump's
// cases and compares it with pin_verify's "current" profile (see
// derpcheck.local/peers/shared/pinoracle).
package main

import (
	"derpcheck.local/peers/shared/pinoracle"
	"tailscale.com/net/tlsdial"
)

func main() { pinoracle.Main("v1.102.5", "current", tlsdial.SetConfigExpectedCertHash) }
