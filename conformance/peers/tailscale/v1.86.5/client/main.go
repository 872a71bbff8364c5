package main

import "derpcheck.local/peers/shared/clientpeer"

func main() { clientpeer.Main("v1.86.5") }
