/* probe_conn: the integration tests' TLS client connection to derp-relay.
 *
 * Why blocking I/O with socket timeouts: a test client does one thing at a
 * time and must never hang; SO_RCVTIMEO/SO_SNDTIMEO bound every call, so a
 * relay that stops answering fails the test instead of stalling it. */
#ifndef PROBE_CONN_H
#define PROBE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "derp/pin_verify.h"

#define PROBE_CERTS_MAX 8
#define PROBE_CN_MAX 128

struct probe_tls_options {
  int tls_version;  /* 0 = any, else TLS1_2_VERSION / TLS1_3_VERSION */
  const char *sni;  /* NULL = no SNI */
  const char *alpn; /* NULL = no ALPN, else one protocol name */
  int timeout_ms;   /* per read/write; 0 = 5000 */
  int rcvbuf;       /* SO_RCVBUF before connect; 0 = the OS default */
};

struct probe_conn {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  int version;                            /* negotiated, e.g. TLS1_3_VERSION */
  size_t n_certs;                         /* served chain length (leaf included) */
  char leaf_pin[PIN_HEX_LEN + 1];         /* pin_hex_of_der of the served leaf */
  char cn[PROBE_CERTS_MAX][PROBE_CN_MAX]; /* subject CN of each served cert */
  long serial[PROBE_CERTS_MAX];           /* serial of each (-1 if it does not fit) */
};

/* Connect to "host:port" / "[v6]:port" and complete the TLS handshake. On
 * failure err says which step failed. */
bool probe_connect(struct probe_conn *c, const char *addr, const struct probe_tls_options *o,
                   char *err, size_t errcap);
void probe_close(struct probe_conn *c);

bool probe_write_all(struct probe_conn *c, const void *buf, size_t len);
/* > 0 bytes read, 0 on a clean or unclean close by the peer, -1 on timeout. */
int probe_read(struct probe_conn *c, uint8_t *buf, size_t cap);

#endif
