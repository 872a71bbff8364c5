module derpcheck.local/peers/shared

go 1.24
