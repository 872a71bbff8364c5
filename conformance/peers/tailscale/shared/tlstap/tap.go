// Package tlstap records the raw bytes of a TLS client's connections and,
// given the client's key log (tls.Config.KeyLogWriter), decrypts them after
// the fact.
//
// It exists so that the client peer can report what upstream's derphttp
// client actually did on the wire — which certificates the server presented
// (also when the handshake failed, where tls.ConnectionState is out of
// reach) and whether the upgrade request carried Derp-Fast-Start — without
// reimplementing any of upstream's decisions. The tap is passive: it copies
// bytes as they pass and never alters, delays or injects anything.
package tlstap

import (
	"bytes"
	"encoding/hex"
	"io"
	"net"
	"strings"
	"sync"
)

// captureLimit bounds what one direction of one connection keeps: the
// handshake and the first exchanges are all the analysis needs, and a long
// recv must not grow without bound.
const captureLimit = 4 << 20

// Tap collects the connections it wrapped and the key log.
type Tap struct {
	mu     sync.Mutex
	keylog []byte
	conns  []*conn
}

// KeyLog returns the writer to install as tls.Config.KeyLogWriter.
func (t *Tap) KeyLog() io.Writer { return keyLogWriter{t} }

type keyLogWriter struct{ t *Tap }

func (w keyLogWriter) Write(p []byte) (int, error) {
	w.t.mu.Lock()
	w.t.keylog = append(w.t.keylog, p...)
	w.t.mu.Unlock()
	return len(p), nil
}

// Wrap returns c with both directions recorded.
func (t *Tap) Wrap(c net.Conn) net.Conn {
	w := &conn{Conn: c, tap: t}
	t.mu.Lock()
	t.conns = append(t.conns, w)
	t.mu.Unlock()
	return w
}

type conn struct {
	net.Conn
	tap          *Tap
	sent, recved []byte // guarded by tap.mu
}

func appendCapped(dst, p []byte) []byte {
	if room := captureLimit - len(dst); len(p) > room {
		p = p[:max(room, 0)]
	}
	return append(dst, p...)
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.tap.mu.Lock()
		c.recved = appendCapped(c.recved, p[:n])
		c.tap.mu.Unlock()
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.tap.mu.Lock()
		c.sent = appendCapped(c.sent, p[:n])
		c.tap.mu.Unlock()
	}
	return n, err
}

// Report is what the recorded TLS connection showed.
type Report struct {
	Version    uint16   // negotiated version from the ServerHello; 0 if none was seen
	CertsSeen  bool     // a Certificate message from the server was read
	Certs      [][]byte // its certificates (DER), in order
	ClientData []byte   // decrypted application data the client sent
	ServerData []byte   // decrypted application data the client received
	// Problem says why the analysis stopped short ("" if it read all
	// that was captured): e.g. an unsupported cipher suite or a missing
	// key log line. What was learned before that point stays valid.
	Problem string
}

// Report analyses the last connection that carried a ClientHello. (derphttp
// may race IPv4 and IPv6 dials; the loser never sees TLS.)
func (t *Tap) Report() Report {
	t.mu.Lock()
	var c *conn
	for _, x := range t.conns {
		if len(x.sent) > 0 {
			c = x
		}
	}
	var sent, recved []byte
	if c != nil {
		sent, recved = bytes.Clone(c.sent), bytes.Clone(c.recved)
	}
	keylog := string(t.keylog)
	t.mu.Unlock()
	if c == nil {
		return Report{Problem: "no TLS connection was made"}
	}
	return analyse(sent, recved, keylog)
}

// Reports analyses every connection that carried a ClientHello, in the
// order they were dialled, each with the address it reached.
func (t *Tap) Reports() (reps []Report, addrs []string) {
	t.mu.Lock()
	type capture struct {
		sent, recved []byte
		addr         string
	}
	var caps []capture
	for _, x := range t.conns {
		if len(x.sent) > 0 {
			caps = append(caps, capture{bytes.Clone(x.sent), bytes.Clone(x.recved), x.RemoteAddr().String()})
		}
	}
	keylog := string(t.keylog)
	t.mu.Unlock()
	for _, c := range caps {
		reps = append(reps, analyse(c.sent, c.recved, keylog))
		addrs = append(addrs, c.addr)
	}
	return reps, addrs
}

// WriteRecord writes what the connections carried after TLS in derpcheck's
// record format ("DERPREC1\n", then chunks: kind, connection number, u32
// big-endian length, bytes). The tap holds each direction as one stream,
// so a connection's client bytes come first, then the relay's: the
// transcript shows both in full, not their interleaving.
func (t *Tap) WriteRecord(w io.Writer) error {
	reps, addrs := t.Reports()
	buf := []byte("DERPREC1\n")
	chunk := func(kind byte, id int, p []byte) {
		n := len(p)
		buf = append(buf, kind, byte(id), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		buf = append(buf, p...)
	}
	for i, r := range reps {
		if i > 255 {
			break
		}
		chunk('N', i, []byte(addrs[i]))
		if len(r.ClientData) > 0 {
			chunk('>', i, r.ClientData)
		}
		if len(r.ServerData) > 0 {
			chunk('<', i, r.ServerData)
		}
	}
	_, err := w.Write(buf)
	return err
}

// secrets returns the key log entries (label -> secret) of one handshake.
func secrets(keylog string, clientRandom []byte) map[string][]byte {
	want := hex.EncodeToString(clientRandom)
	out := map[string][]byte{}
	for _, line := range strings.Split(keylog, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || !strings.EqualFold(f[1], want) {
			continue
		}
		if s, err := hex.DecodeString(f[2]); err == nil {
			out[f[0]] = s
		}
	}
	return out
}
