//go:build go1.25

package pinoracle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"
)

// hookLike has the shape of v1.86+'s SetConfigExpectedCertHash: a
// VerifyConnection that also reports the clock and server name it saw.
func hookLike(seen *string) SetHash {
	return func(c *tls.Config, want string) {
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			*seen = fmt.Sprintf("%d %q %d", time.Now().Unix(), cs.ServerName, len(cs.PeerCertificates))
			if PinOf(cs.PeerCertificates[0].Raw) != want {
				return errors.New("cert hash does not match expected cert hash")
			}
			return nil
		}
	}
}

func selfSigned(t *testing.T, notBefore, notAfter time.Time) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestHandshakeRunsTheHookAtTheCaseClock(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	der := selfSigned(t, nb, nb.AddDate(1, 0, 0))
	var seen string
	clock := time.Unix(1767225600+42, 0)
	r := runUpstream(t, [][]byte{der}, "127.0.0.1", PinOf(der), clock, hookLike(&seen))
	if r.verdict != "accept" || r.harness != "" {
		t.Fatalf("got %+v", r)
	}
	// An IP literal sends no SNI: ServerName is empty in the hook.
	if want := `1767225642 "" 1`; seen != want {
		t.Errorf("hook saw %s, want %s", seen, want)
	}
	r = runUpstream(t, [][]byte{der}, "derp.example.", "00", clock, hookLike(&seen))
	if r.verdict != "reject: cert hash does not match expected cert hash" {
		t.Errorf("got %+v", r)
	}
	if !strings.Contains(seen, `"derp.example"`) {
		t.Errorf("hook saw %s, want the name without its trailing dot", seen)
	}
}

func TestCryptoTLSJudgesBeforeTheHook(t *testing.T) {
	var seen string
	clock := time.Unix(1767225600, 0)
	if r := runUpstream(t, nil, "127.0.0.1", "", clock, hookLike(&seen)); r.verdict !=
		"reject: tls: received empty certificates message" {
		t.Errorf("empty list: %+v", r)
	}
	r := runUpstream(t, [][]byte{{0x30, 0x00}}, "127.0.0.1", "", clock, hookLike(&seen))
	if r.verdict != "reject: tls: failed to parse certificate from server: x509: malformed tbs certificate" {
		t.Errorf("garbage: %+v", r)
	}
	if seen != "" {
		t.Errorf("hook ran: %s", seen)
	}
}

func TestEquivalentInstant(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	der := selfSigned(t, nb, nb.AddDate(1, 0, 0))
	if got, shifted, ok := equivalentInstant(time.Unix(0, 0), [][]byte{der}); !ok || !shifted || !got.Equal(bubbleStart) {
		t.Errorf("1970: %v %v %v", got, shifted, ok)
	}
	if got, shifted, ok := equivalentInstant(nb, [][]byte{der}); !ok || shifted || !got.Equal(nb) {
		t.Errorf("2026: %v %v %v", got, shifted, ok)
	}
	// Year 3000 is after both bounds: any late instant will do.
	y3000 := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, _, ok := equivalentInstant(y3000, [][]byte{der}); !ok || !got.After(nb.AddDate(1, 0, 0)) {
		t.Errorf("3000: %v %v", got, ok)
	}
	// Between bounds the bubble cannot reach: out of reach.
	late := selfSigned(t, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, _, ok := equivalentInstant(y3000, [][]byte{late}); ok {
		t.Error("3000 inside 2300..9000 should be out of reach")
	}
}

func TestDeclarationsMatchAndGoStale(t *testing.T) {
	d := &Disagreement{File: "corpus/pin_verify/abc", Check: "pin:v1.84.3", Alias: "pin:tailscale-1.84",
		Upstream: "reject: tls: failed to parse certificate from server: x509: a/b", Ours: "accept"}
	for _, tc := range []struct {
		decl Declaration
		want bool
	}{
		{Declaration{Input: "abc", Check: "pin:tailscale-1.84,pin:current", Upstream: "reject: tls: *"}, true},
		{Declaration{Input: "corpus/pin_verify/*", Check: "pin:v1.8*", Upstream: "*x509: a/b"}, true},
		{Declaration{Input: "*", Check: "pin:current", Upstream: "*"}, false},
		{Declaration{Input: "*", Check: "pin:*", Upstream: "*", Ours: "reject*"}, false},
		{Declaration{Input: "other", Check: "pin:*", Upstream: "*"}, false},
	} {
		if got := d.matches(&tc.decl); got != tc.want {
			t.Errorf("%+v: got %v", tc.decl, got)
		}
	}

	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	der := fmt.Sprintf("%x", selfSigned(t, nb, nb.AddDate(1, 0, 0)))
	c := &Case{File: "corpus/pin_verify/x", Now: 1767225600, PinHex: fmt.Sprintf("%x", "00"), Certs: []string{der},
		Verdicts: map[string]Verdict{"current": {OK: false, Status: "hash-mismatch",
			MessageHex: fmt.Sprintf("%x", "cert hash does not match expected cert hash")}}}
	var seen string
	o := Options{Version: "v9.9.9", Profile: "current", SetHash: hookLike(&seen), Full: true, Out: io.Discard}
	decls := []*Declaration{{Input: "x", Check: "pin:current", Upstream: "*", Why: "stale on purpose"}}
	tot := Run(t, []*Case{c}, decls, o)
	if len(tot.Disagreements) != 0 || len(tot.Stale) != 1 || tot.Compared != 1 {
		t.Errorf("agreeing case: %+v", tot)
	}
	decls[0].matched = 0
	o.Full = false // a partial corpus: nothing is stale
	if tot = Run(t, []*Case{c}, decls, o); len(tot.Stale) != 0 {
		t.Errorf("partial corpus: %+v", tot)
	}
	o.Full = true
	c.Verdicts["current"] = Verdict{OK: true, Status: "ok"}
	decls[0].matched = 0
	tot = Run(t, []*Case{c}, decls, o)
	if len(tot.Disagreements) != 1 || tot.Undeclared() != 0 || len(tot.Stale) != 0 {
		t.Errorf("declared disagreement: %+v", tot)
	}
}
