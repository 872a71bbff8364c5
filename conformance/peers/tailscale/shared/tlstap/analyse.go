package tlstap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

const (
	recordCCS       = 20
	recordAlert     = 21
	recordHandshake = 22
	recordData      = 23

	msgClientHello = 1
	msgServerHello = 2
	msgCertificate = 11
	msgFinished    = 20

	extSupportedVersions = 0x002b

	versionTLS12 = 0x0303
	versionTLS13 = 0x0304
)

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3).
var helloRetryRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

type suite struct {
	hash   func() hash.Hash
	keyLen int
	ivLen  int // 4 = TLS 1.2 GCM implicit part (explicit 8 bytes per record); 12 = XOR with seq
	aead   func(key []byte) (cipher.AEAD, error)
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var (
	sha384 = func() hash.Hash { return sha512.New384() }
	// The AEAD suites Go's client offers (crypto/tls defaults, TLS 1.2
	// ECDHE and RSA-kex GCM included). CBC suites are left out: no peer
	// here negotiates them, and Problem says so if one ever does.
	suites13 = map[uint16]suite{
		0x1301: {sha256.New, 16, 12, gcm},
		0x1302: {sha384, 32, 12, gcm},
		0x1303: {sha256.New, 32, 12, chacha20poly1305.New},
	}
	suites12 = map[uint16]suite{
		0xc02b: {sha256.New, 16, 4, gcm}, 0xc02f: {sha256.New, 16, 4, gcm}, 0x009c: {sha256.New, 16, 4, gcm},
		0xc02c: {sha384, 32, 4, gcm}, 0xc030: {sha384, 32, 4, gcm}, 0x009d: {sha384, 32, 4, gcm},
		0xcca8: {sha256.New, 32, 12, chacha20poly1305.New}, 0xcca9: {sha256.New, 32, 12, chacha20poly1305.New},
	}
)

// record is one TLS record as it went over the wire.
type record struct {
	typ    byte
	header []byte // the 5 header bytes (TLS 1.3 AAD)
	body   []byte
}

func records(b []byte) []record {
	var out []record
	for len(b) >= 5 {
		n := int(binary.BigEndian.Uint16(b[3:5]))
		if len(b) < 5+n {
			break // cut off by the capture limit or the connection
		}
		out = append(out, record{b[0], b[:5], b[5 : 5+n]})
		b = b[5+n:]
	}
	return out
}

// messages splits reassembled handshake bytes into (type, body) pairs and
// returns what is left of an incomplete last message.
func messages(buf []byte, each func(typ byte, body []byte)) []byte {
	for len(buf) >= 4 {
		n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
		if len(buf) < 4+n {
			break
		}
		each(buf[0], buf[4:4+n])
		buf = buf[4+n:]
	}
	return buf
}

// direction decrypts one side's records once its keys are known.
type direction struct {
	s        suite
	aead     cipher.AEAD
	iv       []byte
	seq      uint64
	tls13    bool
	hs       []byte // reassembly of (decrypted) handshake messages
	data     []byte
	finished bool // TLS 1.3: this side's Finished went by, app keys from here
	stopped  bool // an alert or an undecryptable record: nothing more to learn
}

func (d *direction) setKey(key, iv []byte) error {
	a, err := d.s.aead(key)
	if err != nil {
		return err
	}
	d.aead, d.iv, d.seq = a, iv, 0
	return nil
}

func (d *direction) setSecret13(secret []byte) error {
	key, err := expandLabel(d.s.hash, secret, "key", d.s.keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(d.s.hash, secret, "iv", 12)
	if err != nil {
		return err
	}
	return d.setKey(key, iv)
}

// open decrypts an encrypted record; for TLS 1.3 it also strips the inner
// content type and returns it.
func (d *direction) open(r record) (byte, []byte, error) {
	nonce := make([]byte, 12)
	body := r.body
	if len(d.iv) == 4 { // TLS 1.2 GCM: implicit IV || explicit nonce
		if len(body) < 8 {
			return 0, nil, fmt.Errorf("short record")
		}
		copy(nonce, d.iv)
		copy(nonce[4:], body[:8])
		body = body[8:]
	} else {
		copy(nonce, d.iv)
		for i := 0; i < 8; i++ {
			nonce[4+i] ^= byte(d.seq >> (56 - 8*i))
		}
	}
	aad := r.header
	if !d.tls13 {
		n := len(body) - d.aead.Overhead()
		if n < 0 {
			return 0, nil, fmt.Errorf("short record")
		}
		aad = binary.BigEndian.AppendUint64(nil, d.seq)
		aad = append(aad, r.typ, r.header[1], r.header[2], byte(n>>8), byte(n))
	}
	pt, err := d.aead.Open(nil, nonce, body, aad)
	if err != nil {
		return 0, nil, err
	}
	d.seq++
	if !d.tls13 {
		return r.typ, pt, nil
	}
	pt = bytes.TrimRight(pt, "\x00")
	if len(pt) == 0 {
		return 0, nil, fmt.Errorf("record without content type")
	}
	return pt[len(pt)-1], pt[:len(pt)-1], nil
}

func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := []byte{byte(n >> 8), byte(n), byte(len(full))}
	info = append(info, full...)
	info = append(info, 0) // empty context
	return hkdf.Expand(h, secret, string(info), n)
}

// prf12 is the TLS 1.2 PRF (RFC 5246 §5) with the suite's hash.
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	seed = append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	var out []byte
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
	return out[:n]
}

type hello struct {
	random  []byte
	version uint16
	suite   uint16
}

func parseClientHello(body []byte) (hello, bool) {
	if len(body) < 34 {
		return hello{}, false
	}
	return hello{random: body[2:34]}, true
}

func parseServerHello(body []byte) (hello, bool) {
	if len(body) < 35 {
		return hello{}, false
	}
	h := hello{random: body[2:34], version: binary.BigEndian.Uint16(body)}
	p := body[34:]
	sid := int(p[0])
	if len(p) < 1+sid+3 {
		return hello{}, false
	}
	p = p[1+sid:]
	h.suite = binary.BigEndian.Uint16(p)
	p = p[3:] // suite, compression
	if len(p) < 2 {
		return h, true // no extensions: TLS 1.2 or older
	}
	p = p[2:]
	for len(p) >= 4 {
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+n {
			break
		}
		if typ == extSupportedVersions && n == 2 {
			h.version = binary.BigEndian.Uint16(p[4:])
		}
		p = p[4+n:]
	}
	return h, true
}

// parseCertificates reads a Certificate message body (TLS 1.3 when tls13:
// request context and per-entry extensions).
func parseCertificates(body []byte, tls13 bool) ([][]byte, bool) {
	if tls13 {
		if len(body) < 1 || len(body) < 1+int(body[0]) {
			return nil, false
		}
		body = body[1+int(body[0]):]
	}
	if len(body) < 3 {
		return nil, false
	}
	n := int(body[0])<<16 | int(body[1])<<8 | int(body[2])
	if len(body) < 3+n {
		return nil, false
	}
	list := body[3 : 3+n]
	certs := [][]byte{}
	for len(list) > 0 {
		if len(list) < 3 {
			return nil, false
		}
		l := int(list[0])<<16 | int(list[1])<<8 | int(list[2])
		if len(list) < 3+l {
			return nil, false
		}
		certs = append(certs, bytes.Clone(list[3:3+l]))
		list = list[3+l:]
		if tls13 {
			if len(list) < 2 || len(list) < 2+int(binary.BigEndian.Uint16(list)) {
				return nil, false
			}
			list = list[2+int(binary.BigEndian.Uint16(list)):]
		}
	}
	return certs, true
}

// plainHandshake reads plaintext handshake records until a message
// accept()s and returns the records after the one that completed it.
func plainHandshake(rs []record, accept func(typ byte, body []byte) bool) ([]record, bool) {
	var buf []byte
	for i, r := range rs {
		if r.typ != recordHandshake {
			continue
		}
		buf = append(buf, r.body...)
		done := false
		buf = messages(buf, func(typ byte, body []byte) {
			if !done && accept(typ, body) {
				done = true
			}
		})
		if done {
			return rs[i+1:], true
		}
	}
	return nil, false
}

func analyse(sent, recved []byte, keylog string) (rep Report) {
	cRecs, sRecs := records(sent), records(recved)

	var ch hello
	cRest, ok := plainHandshake(cRecs, func(typ byte, body []byte) bool {
		if typ == msgClientHello {
			ch, _ = parseClientHello(body)
			return ch.random != nil
		}
		return false
	})
	if !ok {
		rep.Problem = "no ClientHello sent"
		return rep
	}
	var sh hello
	sRest, ok := plainHandshake(sRecs, func(typ byte, body []byte) bool {
		if typ != msgServerHello {
			return false
		}
		h, ok := parseServerHello(body)
		if !ok || bytes.Equal(h.random, helloRetryRandom) {
			return false // HelloRetryRequest: the real ServerHello follows
		}
		sh = h
		return true
	})
	if !ok {
		rep.Problem = "no ServerHello received"
		return rep
	}
	rep.Version = sh.version
	sec := secrets(keylog, ch.random)
	if sh.version == versionTLS13 {
		return analyse13(rep, sh, cRest, sRest, sec)
	}
	// TLS 1.2: the rest of the ServerHello's record may hold Certificate
	// etc.; re-read the server's plaintext handshake from the start.
	return analyse12(rep, ch, sh, cRecs, sRecs, sec)
}

func analyse13(rep Report, sh hello, cRecs, sRecs []record, sec map[string][]byte) Report {
	s, ok := suites13[sh.suite]
	if !ok {
		rep.Problem = fmt.Sprintf("TLS 1.3 cipher suite %#04x not supported by the tap", sh.suite)
		return rep
	}
	srv := &direction{s: s, tls13: true}
	cli := &direction{s: s, tls13: true}
	run := func(d *direction, recs []record, hsLabel, appLabel string, onMsg func(typ byte, body []byte)) string {
		hs, ok := sec[hsLabel]
		if !ok {
			return "key log has no " + hsLabel
		}
		if err := d.setSecret13(hs); err != nil {
			return err.Error()
		}
		for _, r := range recs {
			if d.stopped {
				break
			}
			if r.typ != recordData {
				if r.typ == recordAlert {
					d.stopped = true
				}
				continue // CCS (middlebox compatibility), a second ClientHello after HRR
			}
			typ, pt, err := d.open(r)
			if err != nil {
				d.stopped = true
				return "decrypt: " + err.Error()
			}
			switch typ {
			case recordData:
				d.data = appendCapped(d.data, pt)
			case recordAlert:
				d.stopped = true
			case recordHandshake:
				d.hs = append(d.hs, pt...)
				var problem string
				d.hs = messages(d.hs, func(typ byte, body []byte) {
					if onMsg != nil && !d.finished {
						onMsg(typ, body)
					}
					if typ == msgFinished && !d.finished {
						d.finished = true
						app, ok := sec[appLabel]
						if !ok {
							problem = "key log has no " + appLabel
							d.stopped = true
							return
						}
						if err := d.setSecret13(app); err != nil {
							problem = err.Error()
							d.stopped = true
						}
					}
				})
				if problem != "" {
					return problem
				}
			}
		}
		return ""
	}
	p1 := run(srv, sRecs, "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0", func(typ byte, body []byte) {
		if typ == msgCertificate && !rep.CertsSeen {
			rep.Certs, rep.CertsSeen = parseCertificates(body, true)
		}
	})
	p2 := run(cli, cRecs, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", nil)
	rep.ServerData, rep.ClientData = srv.data, cli.data
	rep.Problem = firstNonEmpty(p1, p2)
	return rep
}

func analyse12(rep Report, ch, sh hello, cRecs, sRecs []record, sec map[string][]byte) Report {
	// Certificates travel in the clear: no keys needed for them.
	var buf []byte
	for _, r := range sRecs {
		if r.typ == recordCCS {
			break
		}
		if r.typ != recordHandshake {
			continue
		}
		buf = messages(append(buf, r.body...), func(typ byte, body []byte) {
			if typ == msgCertificate && !rep.CertsSeen {
				rep.Certs, rep.CertsSeen = parseCertificates(body, false)
			}
		})
	}
	s, ok := suites12[sh.suite]
	if !ok {
		rep.Problem = fmt.Sprintf("TLS 1.2 cipher suite %#04x not supported by the tap", sh.suite)
		return rep
	}
	master, ok := sec["CLIENT_RANDOM"]
	if !ok {
		rep.Problem = "key log has no CLIENT_RANDOM"
		return rep
	}
	kb := prf12(s.hash, master, "key expansion", append(bytes.Clone(sh.random), ch.random...), 2*s.keyLen+2*s.ivLen)
	cKey, sKey := kb[:s.keyLen], kb[s.keyLen:2*s.keyLen]
	cIV, sIV := kb[2*s.keyLen:2*s.keyLen+s.ivLen], kb[2*s.keyLen+s.ivLen:]
	run := func(recs []record, key, iv []byte) ([]byte, string) {
		d := &direction{s: s}
		encrypted := false
		for _, r := range recs {
			switch {
			case r.typ == recordCCS:
				if err := d.setKey(key, iv); err != nil {
					return d.data, err.Error()
				}
				encrypted = true
			case !encrypted:
				if r.typ == recordAlert {
					return d.data, ""
				}
			default:
				typ, pt, err := d.open(r)
				if err != nil {
					return d.data, "decrypt: " + err.Error()
				}
				if typ == recordAlert {
					return d.data, ""
				}
				if typ == recordData {
					d.data = appendCapped(d.data, pt)
				}
			}
		}
		return d.data, ""
	}
	var p1, p2 string
	rep.ServerData, p1 = run(sRecs, sKey, sIV)
	rep.ClientData, p2 = run(cRecs, cKey, cIV)
	rep.Problem = firstNonEmpty(p1, p2)
	return rep
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
