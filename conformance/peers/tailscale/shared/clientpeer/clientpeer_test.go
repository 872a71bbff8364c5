package clientpeer

import (
	"errors"
	"testing"

	"tailscale.com/tailcfg"

	"derpcheck.local/peers/shared/tlstap"
)

func TestUpstreamStripsOnlyTheConnectWrapper(t *testing.T) {
	s := &session{region: &tailcfg.DERPRegion{RegionID: 900, RegionCode: "custom"}}
	for in, want := range map[string]string{
		"derphttp.Client.Connect connect to region 900 (custom): unexpected multiple certs presented": "unexpected multiple certs presented",
		"derphttp.Client.Recv connect to region 900 (custom): context deadline exceeded: EOF":         "context deadline exceeded: EOF",
		"derphttp.Client.Recv connect to region 901 (other): EOF":                                     "derphttp.Client.Recv connect to region 901 (other): EOF",
		"unexpected EOF": "unexpected EOF",
	} {
		if got := s.upstream(errors.New(in)).Error(); got != want {
			t.Errorf("upstream(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPath(t *testing.T) {
	req := "GET /derp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n"
	for _, tc := range []struct {
		client, server string
		want           string
	}{
		{req + "Derp-Fast-Start: 1\r\n\r\n\x02\x00\x00\x00", "", "fast"},
		{req + "\r\n", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: DERP\r\n\r\n\x01", "slow"},
		{req + "\r\n", "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n", ""},
		{req + "Derp-Fast-Start: 0\r\n\r\n", "", ""},
		{"", "", ""},
	} {
		got := path(tlstap.Report{ClientData: []byte(tc.client), ServerData: []byte(tc.server)})
		if (got == nil) != (tc.want == "") || got != nil && *got != tc.want {
			t.Errorf("path(%q, %q) = %v, want %q", tc.client, tc.server, got, tc.want)
		}
	}
}
