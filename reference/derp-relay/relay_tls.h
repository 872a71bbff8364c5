/* relay_tls: derp-relay's server-side TLS context (spec §1.1, §1.3, §1.6).
 *
 * Why its own module: everything a client can observe of the relay's TLS
 * (which certificates are served and in what order, which SNI is accepted,
 * the ALPN answer, the TLS versions) is decided here, once, at start-up:
 *   - certificate: ipcert's load-or-generate from --certdir (manual mode);
 *   - chain: leaf, the .crt's intermediates in file order, then the metacert
 *     (unless --metacert=off), assembled once into the SSL_CTX, so nothing
 *     can grow per handshake (upstream bug #20352);
 *   - SNI: an IP --hostname accepts any SNI or none; a DNS --hostname needs
 *     SNI == hostname, else the handshake fails with derper's reason
 *     `cert mismatch with hostname: "<sni>"`;
 *   - ALPN: the server list is exactly ["http/1.1"]; a client that offers
 *     ALPN without http/1.1 is refused as Go refuses it;
 *   - SSL_MODE_RELEASE_BUFFERS, so an idle connection holds no record buffers.
 * Handshake failures are explained in Go's words (relay_tls_failure_reason)
 * for the `http: TLS handshake error from <addr>: <err>` log line. */
#ifndef DERP_RELAY_TLS_H
#define DERP_RELAY_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "relay_flags.h"

#define RELAY_TLS_SNIPPET_MAX 512
#define RELAY_TLS_NOTE_MAX 300

struct relay_tls {
  SSL_CTX *ctx;
  const char *hostname; /* the options' string: must outlive the context */
  bool hostname_is_ip;
  bool generated;      /* the certificate was generated at this start */
  size_t served_certs; /* length of the chain each handshake sends */
  /* For an IP hostname: derper's two-line snippet (spec §1.5), else "". */
  char snippet[RELAY_TLS_SNIPPET_MAX];
};

/* What a connection's handshake callbacks noted; embedded in the caller's
 * connection and attached with relay_tls_attach. */
struct relay_tls_note {
  char text[RELAY_TLS_NOTE_MAX];
};

struct relay_tls_options {
  const char *hostname;
  const char *certdir;
  bool metacert;
  enum relay_tls_version tls_min, tls_max;
  const uint8_t *derp_pub; /* 32 bytes: the key named by the metacert */
  int64_t now;             /* Unix seconds: cert generation, metacert validity, snippet */
  int32_t utc_offset;      /* seconds east of UTC for the snippet's timestamp */
};

/* Load or generate the certificate and build the context. On failure err has
 * derper's fatal message (e.g. `can not load x509 key pair for hostname ...`). */
bool relay_tls_init(struct relay_tls *t, const struct relay_tls_options *o, char *err,
                    size_t errcap);
void relay_tls_free(struct relay_tls *t);

/* A server SSL for one accepted connection, with `note` (owned by the
 * caller, zeroed here, outliving the SSL's handshake) receiving reasons. */
SSL *relay_tls_new_ssl(struct relay_tls *t, struct relay_tls_note *note);

/* Go-worded reason for a failed handshake: the note if a callback wrote one
 * (SNI mismatch, received alert, ALPN refusal), else the OpenSSL error
 * `ossl_err` (0 = none) as text, else "EOF" when the peer just closed. */
void relay_tls_failure_reason(const struct relay_tls_note *note, unsigned long ossl_err,
                              bool peer_eof, char *out, size_t cap);

#endif
