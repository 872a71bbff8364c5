package jsonoracle

import "testing"

// The address flag's Go reading, as derp-relay's relay_split_host_port_any
// must match it (check_relay_flags holds the C side of the same rows).
func TestDecodeHostPortIsSplitHostPortAndLookupPort(t *testing.T) {
	for _, tc := range []struct{ addr, hostHex, port, err string }{
		{"127.0.0.1:+80", "3132372e302e302e31", "80", ""},
		{"[::1]:000443", "3a3a31", "443", ""},
		{":", "", "0", ""},
		{":HTTPS", "", "443", ""},
		{"a]b:1", "", "", "address a]b:1: unexpected ']' in address"},
		{"[a]:[", "", "", "address [a]:[: unexpected '[' in address"},
		{"", "", "", "missing port in address"},
		{":65536", "", "", "address 65536: invalid port"},
		{":x", "", "", "lookup tcp/x: unknown port"},
	} {
		got, err := DecodeHostPort([]byte(tc.addr))
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.addr, err, tc.err)
			}
			continue
		}
		if err != nil || got["host_hex"] != tc.hostHex || got["port"] != tc.port {
			t.Errorf("%q: %v %v, want host %s port %s", tc.addr, got, err, tc.hostHex, tc.port)
		}
	}
}
