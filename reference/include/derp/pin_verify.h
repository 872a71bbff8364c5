/* pin_verify: the client's `CertName: "sha256-raw:<hex>"` check, as three
 * Tailscale releases did it (spec §4.2 (a), (b), (c)).
 *
 * Why: the self-signed IP-certificate feature broke in the field because of
 * how the verifier treated the DERP metacert (1.82 refused any second cert)
 * and how it checked names (1.84 checked the IP literal, current skips names
 * for IP literals). derpcheck must reproduce each behaviour to the error
 * string, so the conformance suite can show which client releases a relay
 * configuration breaks. The verifier is a pure function: certificates as the
 * exact DER bytes received, the pin text, the configured server name and the
 * current time in; verdict, failing certificate index and Go's error text
 * out. No I/O, no clock; nothing is allocated except inside OpenSSL (its
 * SHA-256, and one EC_POINT per EC key checked on its curve; the curve
 * groups are built once per process).
 *
 * What "parses" means here: Go's x509.ParseCertificate reads the
 * certificate with cryptobyte's strict DER rules, in its own order, and
 * leaves some parts unread; this module walks it the same way
 * (pin_verify_x509.c), so it accepts exactly what Go reads and never looks
 * at what Go skips: elements after the two validity times, after an
 * attribute value, after an AlgorithmIdentifier's parameters, after an
 * extension's value, after the extensions in the TBSCertificate and after
 * the signature; the unique IDs' contents; the extensions of a v1 or v2
 * certificate. It checks what Go checks: negative serial, inner/outer
 * signature algorithm equality, name attribute strings, Go's UTCTime /
 * GeneralizedTime forms (offsets up to 24 hours, any instant they give),
 * SAN name syntax, keyUsage / extKeyUsage / basicConstraints / subject and
 * authority key identifier / authority info access / CRL distribution
 * point / certificate policy / policy mapping and constraint / inhibit
 * anyPolicy shapes, BIT STRING padding, and the public key as x509's
 * parsePublicKey decodes it (RSA, DSA, ECDSA on P-224/256/384/521 including
 * the on-curve check, Ed25519; see go_parse_public_key). It does NOT check
 * name-constraint extension contents, URI syntax, or (newest Go)
 * IPv4-mapped IPv6 SANs. Name attribute values must be one of the string
 * types Go 1.26 decodes (T61, Printable, UTF8, BMP, IA5, Numeric); a
 * GeneralizedTime with a fraction does not parse (Go's re-format round
 * trip). Every profile reports a certificate that does not parse as
 * crypto/tls does, "tls: failed to parse certificate from server: <err>":
 * crypto/tls parses the whole list before it calls any hook, so the
 * 1.82/1.84 hooks' own "ParseCertificate: <err>" is never reached (observed
 * with upstream, fuzz/oracle.sh). The <err> is Go's own x509 text: see
 * go_parse_certificate(). After the parse, crypto/tls's own key checks
 * come before any hook: an RSA key over 8192 bits (per certificate, in the
 * parse loop) and a leaf key type it cannot use. */
#ifndef DERP_PIN_VERIFY_H
#define DERP_PIN_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/cert_fields.h"
#include "derp/go.h"

enum pin_profile {
  PIN_PROFILE_CURRENT = 0,    /* "current": v1.86.0..HEAD, VerifyConnection (§4.2c) */
  PIN_PROFILE_TAILSCALE_1_82, /* "tailscale-1.82": one cert only (§4.2a) */
  PIN_PROFILE_TAILSCALE_1_84, /* "tailscale-1.84": metacerts skipped (§4.2b) */
};

/* "current", "tailscale-1.82", "tailscale-1.84" (exact, case-sensitive). */
bool pin_profile_from_name(const char *name, enum pin_profile *out);
const char *pin_profile_name(enum pin_profile p);

enum pin_verify_status {
  PIN_VERIFY_OK = 0,
  PIN_VERIFY_NO_CERTS,       /* "no certs presented" (1.82 only) */
  PIN_VERIFY_MULTIPLE_CERTS, /* "unexpected multiple certs presented" */
  PIN_VERIFY_HASH_MISMATCH,  /* "cert hash does not match expected cert hash" */
  PIN_VERIFY_PARSE_ERROR,    /* "ParseCertificate: <err>": the 1.82/1.84 hooks' own, never returned
                                   (crypto/tls parses first); kept so status names stay put */
  PIN_VERIFY_TLS_PARSE_ERROR, /* "tls: failed to parse certificate from server: <err>" (all profiles) */
  PIN_VERIFY_NAME_MISMATCH, /* "cert does not match server name \"<name>\": <x509 err>" */
  PIN_VERIFY_EXPIRED,       /* "cert expired <notAfter>" */
  PIN_VERIFY_NOT_YET_VALID, /* "cert not yet valid until <notBefore>; is your clock correct?" */
  PIN_VERIFY_NOT_PRESENTED, /* "expected cert not presented" (1.84, current) */
  PIN_VERIFY_BAD_INPUT,     /* caller error: unknown profile, NULL bytes with a length */
  PIN_VERIFY_TLS_KEY_ERROR, /* crypto/tls's key checks, before any hook (all profiles):
                                   "tls: server sent certificate containing RSA key larger than 8192 bits",
                                   "tls: server's certificate contains an unsupported type of public key: <T>" */
};

const char *pin_verify_status_name(enum pin_verify_status st); /* "ok", "hash-mismatch", ... */

struct pin_verify_input {
  const struct der_slice *certs; /* as received, leaf first; each the exact DER */
  size_t n_certs;
  const char *pin_hex;     /* text after "sha256-raw:", compared as is (NUL-terminated) */
  const char *server_name; /* tls.Config.ServerName = DERPNode.HostName; NULL = "" */
  int64_t now;             /* Unix seconds */
  enum pin_profile profile;
};

/* Go's messages embed the server name and the certificate's SAN list, so
 * they are unbounded in principle; longer ones are cut and flagged. */
#define PIN_VERIFY_MESSAGE_MAX 2048

struct pin_verify_result {
  enum pin_verify_status status;
  /* Index of the certificate the error is about: the second certificate
   * for 1.82's "unexpected multiple certs" (1 always), the second
   * non-metacert for 1.84/current; n_certs for "expected cert not
   * presented", 0 for "no certs presented". For OK, the index of the
   * certificate that matched the pin. */
  size_t cert_index;
  char message[PIN_VERIFY_MESSAGE_MAX]; /* "" when OK */
  bool message_truncated;
};

/* Runs the profile's algorithm. Returns true iff the status is OK.
 * current with zero certificates says "expected cert not presented" as
 * §4.2(c) reads; a real Go TLS 1.3 client never gets that far ("tls:
 * received empty certificates message"). The TLS version is not an input:
 * every profile judges the list it is given (TLS 1.2 delivers the same
 * [leaf, metacert] list). */
bool pin_verify(const struct pin_verify_input *in, struct pin_verify_result *out);

/* A pin is SHA-256 (32 bytes) as hex digits. */
#define PIN_HEX_LEN 64

/* The pin of a certificate, the one every part of derpcheck computes: what
 * pin_verify compares and what follows "sha256-raw:" in a CertName. The
 * lowercase hex of SHA-256 over the exact DER bytes given (never a
 * re-encoding), NUL-terminated. False, with out "", if hashing fails. */
bool pin_hex_of_der(const uint8_t *der, size_t len, char out[PIN_HEX_LEN + 1]);

/* --- the Go behaviours the verifier is built from (exported for tests,
 * fuzz targets and the client's probe report) --- */

/* Go's x509.ParseCertificate under the model above: NULL when the
 * certificate parses (then *out holds its fields as Go reads them: a v1 or
 * v2 certificate has no extensions, the validity instants are Go's), else
 * Go 1.26's own text. The certificate is walked in parseCertificate's order
 * (version, serial, signature algorithms, issuer, validity, subject, key
 * decoded by go_parse_public_key, extensions read then interpreted,
 * signature, trailing data), so the first failing stage names itself as in
 * Go: "x509: malformed tbs certificate", "x509: invalid version", "x509:
 * invalid RDNSequence: invalid attribute value: invalid PrintableString",
 * "P256 point not on curve", "x509: certificate contains duplicate
 * extension with OID \"2.5.29.17\"", "x509: trailing data", ...
 * (pin_verify_x509.c). cert_fields_parse (OpenSSL's reading) is not
 * consulted: it refuses some certificates Go takes (cert_fields.h). The
 * slices point into `der`. The text is static, or (when Go formats a tag
 * number, an OID or a length) a per-thread buffer valid until the next
 * call on the same thread. */
const char *go_parse_certificate(const uint8_t *der, size_t len, struct cert_fields *out);

/* What x509.Certificate.PublicKey holds after the parse: crypto/tls checks
 * the leaf's type and every RSA modulus's size. UNKNOWN is Go's nil (an
 * algorithm x509 does not decode, X25519 included). */
enum go_key_type { GO_KEY_UNKNOWN = 0, GO_KEY_RSA, GO_KEY_DSA, GO_KEY_ECDSA, GO_KEY_ED25519 };
struct go_public_key {
  enum go_key_type type;
  size_t rsa_bits; /* N.BitLen() for RSA, else 0 */
};

/* go_parse_certificate that also says what key it decoded (`key` may be
 * NULL). */
const char *go_parse_certificate_key(const uint8_t *der, size_t len, struct cert_fields *out,
                                     struct go_public_key *key);

/* x509's parsePublicKey (Go 1.26) on a SubjectPublicKeyInfo TLV: NULL when
 * Go decodes it (or leaves an unknown algorithm undecoded), else Go's exact
 * text, e.g. "x509: unsupported elliptic curve", "x509: invalid ECDSA
 * parameters", "ecdsa: invalid uncompressed public key", "invalid P384 point
 * encoding", "invalid P256 element encoding", "P256 point not on curve",
 * "x509: wrong Ed25519 public key size", "x509: RSA key missing NULL
 * parameters", "x509: invalid RSA modulus", "x509: invalid DSA parameters".
 * Texts are amd64's (P-256 elements: the assembly field, not fiat's
 * "invalid P256Element encoding"). */
const char *go_parse_public_key(struct der_slice spki, struct go_public_key *out);

/* crypto/tls's %T of the key for the unsupported-type message: "<nil>",
 * "*dsa.PublicKey", ... */
const char *go_key_type_name(enum go_key_type t);

/* Go's readASN1Time: exactly the UTCTime/GeneralizedTime texts that
 * survive its parse-and-reformat round trip (print with go_time_string). */
bool go_time_parse(uint8_t tag, struct der_slice text, struct go_time *out);

/* x509.Certificate.VerifyHostname on a parsed certificate: true when `host`
 * (NULL meaning "") matches; otherwise writes Go's HostnameError text to
 * err_out, cut to err_cap. One bound Go does not have: a Subject CN longer
 * than 1023 bytes (as UTF-8) is never taken for the "relies on legacy
 * Common Name field" text, which only a host of 1023 bytes or more could
 * match. */
bool go_verify_hostname(const struct cert_fields *f, const char *host, char *err_out,
                        size_t err_cap);

/* Go's Subject.CommonName: the last CN attribute whose value is one of the
 * string types Go decodes (PrintableString, UTF8String, IA5String,
 * NumericString, T61String as Latin-1, BMPString as UCS-2), as UTF-8.
 * Writes at most cap-1 bytes plus a NUL; returns the full length (a return
 * >= cap means the text was cut). 0 when there is none. */
size_t go_common_name(const struct cert_fields *f, char *out, size_t cap);

#endif
