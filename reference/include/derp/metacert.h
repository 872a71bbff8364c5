/* metacert: the DERP "meta certificate" a relay appends after its leaf.
 *
 * Why: inside a TLS 1.3 Certificate message (encrypted) it tells the client
 * the relay's DERP public key and protocol version, so the client can send
 * ClientInfo at once instead of waiting for the HTTP 101 and the ServerKey
 * frame (fast start, spec §3.3). It never chains to anything and its
 * signature and validity are never checked; only its subject CN and serial
 * carry meaning.
 *
 * Build (relay, spec §2): a fresh Ed25519 key signs a v3 certificate with
 * serial = protocol version, subject = issuer = CN "derpkey" + 64 lowercase
 * hex of the DERP public key (PrintableString, 71 chars), notBefore = now -
 * 30 days, notAfter = now + 30 days, and exactly one extension: critical
 * basicConstraints cA=FALSE (value 30 00). The Ed25519 private key is freed
 * right after signing.
 *
 * Parse (client, spec §3.2): the caller's rule, not this module's, is that
 * the metacert is only *used* when the negotiated TLS version is >= 1.3 (for
 * TLS 1.2 the certificate is present but must be ignored). Certificates are
 * read with cert_fields (no d2i_X509); one that cert_fields cannot parse is
 * skipped like any non-matching one (Go would fail the whole handshake on an
 * unparseable certificate before getting here). */
#ifndef DERP_METACERT_H
#define DERP_METACERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/cert_fields.h"

#define METACERT_CN_PREFIX "derpkey"
#define METACERT_CN_LEN 71 /* "derpkey" + 64 hex */
#define METACERT_PROTOCOL_VERSION 2
#define METACERT_VALIDITY_SECONDS (30 * 24 * 60 * 60)
/* Upper bound of a built metacert's DER (one is 359 bytes here). */
#define METACERT_DER_MAX 512

enum metacert_status {
  METACERT_OK = 0,
  METACERT_ERR_ARG,    /* version < 0 or > INT32_MAX, or now +- 30 days out of range */
  METACERT_ERR_SPACE,  /* out_cap too small */
  METACERT_ERR_CRYPTO, /* OpenSSL key generation, encoding or signing failed */
};

/* Build a metacert for `derp_pub` into out (at most METACERT_DER_MAX bytes).
 * `now` is Unix seconds (injected; the relay passes its start time). */
enum metacert_status metacert_build(const uint8_t derp_pub[32], long protocol_version, int64_t now,
                                    uint8_t *out, size_t out_cap, size_t *out_len);
const char *metacert_status_str(enum metacert_status st);

struct metacert_info {
  uint8_t key[32];  /* server DERP public key; all zero when none found */
  uint64_t version; /* serial as integer (0..255); 0 when none found */
  size_t index;     /* position of the winning certificate; n when none */
};

/* Go's parseMetaCert over certs[0..n) in order: the first certificate whose
 * subject CN is "derpkey" + exactly 64 hex digits (either case) and whose
 * serial is non-negative with bit length <= 8 wins. Returns true when one
 * matched; otherwise out is (zero key, version 0). */
bool metacert_parse(const struct der_slice *certs, size_t n, struct metacert_info *out);

/* Fast start needs a non-zero key and a non-zero version (spec §3.3). */
bool metacert_fast_start_usable(const struct metacert_info *info);

#endif
