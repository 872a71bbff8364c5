// Command debugderp runs tailscale v1.98.10's own `debug derp` check (LocalAPI
// debug-derp-region, in an in-process tsnet node fed by testcontrol) behind
// the client contract's probe mode. See package debugderp.
package main

import "derpcheck.local/peers/shared/debugderp"

func main() { debugderp.Main("v1.98.10", "debug-legacy") }
