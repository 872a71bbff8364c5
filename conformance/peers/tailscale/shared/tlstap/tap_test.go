package tlstap

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"testing"
	"time"
)

func testCert(t *testing.T, cn string) ([]byte, *ecdsa.PrivateKey) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der, k
}

// run makes one client connection through a Tap to a crypto/tls server
// presenting two certificates; the server echoes one line back.
func run(t *testing.T, srv *tls.Config, failVerify bool) Report {
	leaf, key := testCert(t, "leaf")
	extra, _ := testCert(t, "derpkeyextra")
	srv.Certificates = []tls.Certificate{{Certificate: [][]byte{leaf, extra}, PrivateKey: key}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err == nil {
			c.Write([]byte("world"))
		}
	}()
	var tap Tap
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{InsecureSkipVerify: true, KeyLogWriter: tap.KeyLog()}
	if failVerify {
		cfg.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { return errors.New("no") }
	}
	c := tls.Client(tap.Wrap(raw), cfg)
	defer c.Close()
	if err := c.Handshake(); err != nil {
		if !failVerify {
			t.Fatal(err)
		}
		return tap.Report()
	}
	c.Write([]byte("hello"))
	io.ReadFull(c, make([]byte, 5))
	return tap.Report()
}

func TestTap(t *testing.T) {
	cases := []struct {
		name    string
		cfg     *tls.Config
		version uint16
	}{
		{"tls13", &tls.Config{MinVersion: tls.VersionTLS13}, versionTLS13},
		{"tls12-aes128gcm", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, versionTLS12},
		{"tls12-aes256gcm", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, versionTLS12},
		{"tls12-chacha", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, versionTLS12},
		{"tls13-hrr", &tls.Config{MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.CurveP384}}, versionTLS13},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.cfg.Clone(), false)
			if r.Problem != "" || r.Version != tc.version || !r.CertsSeen || len(r.Certs) != 2 ||
				string(r.ClientData) != "hello" || string(r.ServerData) != "world" {
				t.Fatalf("got version %#x certs %v/%d client %q server %q problem %q",
					r.Version, r.CertsSeen, len(r.Certs), r.ClientData, r.ServerData, r.Problem)
			}
			r = run(t, tc.cfg.Clone(), true)
			if r.Version != tc.version || !r.CertsSeen || len(r.Certs) != 2 || len(r.ClientData) != 0 {
				t.Fatalf("failed handshake: version %#x certs %v/%d client %q problem %q",
					r.Version, r.CertsSeen, len(r.Certs), r.ClientData, r.Problem)
			}
		})
	}
}
