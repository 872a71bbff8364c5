/* client_tls: the client's TLS handshake, with the certificate check of the
 * CertName dispatch run *inside* the handshake.
 *
 * Why inside: Go's VerifyConnection / VerifyPeerCertificate run during the
 * handshake and abort it with a bad_certificate alert, so the relay logs a
 * TLS handshake error; a client that checked afterwards would look
 * different from the server's side. OpenSSL's cert_verify_callback gives the
 * same place (SSL_VERIFY_PEER, so a refusal aborts; OpenSSL's own chain
 * check is replaced by the callback, while it still verifies the handshake
 * signature with the leaf's key).
 *
 * Why the raw message: pinning hashes the exact DER the server sent.
 * OpenSSL hands out parsed X509 objects, so the Certificate handshake message
 * is captured with the message callback (TLS 1.3 handshake messages arrive
 * there decrypted) and split with tls_certmsg; the pin check, the metacert
 * parse and the chain summary all read those bytes. */
#ifndef DERP_CLIENT_TLS_H
#define DERP_CLIENT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "client_dispatch.h"
#include "derp/tls_certmsg.h"

#define CLIENT_TLS_ERR_MAX (PIN_VERIFY_MESSAGE_MAX + 128)
/* Largest Certificate message kept (OpenSSL's own default limit is 100 KiB). */
#define CLIENT_TLS_CERTMSG_MAX (256u * 1024u)

struct client_tls_options {
  const struct client_tls_setup *setup;
  const char *ca_file; /* NULL: system roots only */
  int tls_max;         /* 0: TLS 1.3 */
  int64_t now;         /* Unix seconds, for certificate validity */
};

struct client_tls {
  int fd;
  SSL_CTX *ctx;
  SSL *ssl;
  const struct client_tls_options *opts;
  /* The server's Certificate message as received, and its entries. */
  uint8_t *certmsg;
  size_t certmsg_len;
  bool certmsg_ok;
  struct tls_certmsg certs;
  int version; /* negotiated, e.g. TLS1_3_VERSION; 0 before */
  bool verify_failed;
  char verify_error[CLIENT_TLS_ERR_MAX]; /* the dispatch's refusal, Go's text */
  size_t pin_index;                      /* PIN success: which certificate matched */
};

enum client_tls_status {
  CLIENT_TLS_OK = 0,
  CLIENT_TLS_CONFIG_ERROR, /* e.g. unreadable --ca-file: a usage error, not a verdict */
  CLIENT_TLS_FAILED,       /* handshake failed: err holds the reason */
};

/* Handshake over the connected socket fd (ownership passes to t, also on
 * failure). err gets Go's text for the failure: the verifier's message when
 * the certificate check refused, else e.g. "remote error: tls: handshake
 * failure", "EOF", "context deadline exceeded". */
enum client_tls_status client_tls_handshake(struct client_tls *t, int fd,
                                            const struct client_tls_options *o, int64_t deadline_ms,
                                            char *err, size_t cap);

/* Write all of buf (one flush). False with err on failure or deadline. */
bool client_tls_write_all(struct client_tls *t, const uint8_t *buf, size_t len, int64_t deadline_ms,
                          char *err, size_t cap);
/* Read what is available (waiting until the deadline): > 0 bytes, 0 on
 * EOF (err = "EOF"), -1 on error or deadline (err set). */
ssize_t client_tls_read(struct client_tls *t, uint8_t *buf, size_t cap, int64_t deadline_ms,
                        char *err, size_t err_cap);
void client_tls_close(struct client_tls *t);

/* Whether path holds PEM certificates OpenSSL can load as roots (checked
 * before dialling, so a bad --ca-file is a usage error in every case). */
bool client_tls_check_ca_file(const char *path, char *err, size_t cap);

/* "TLSv1.3", "TLSv1.2"; NULL before a handshake. */
const char *client_tls_version_name(const struct client_tls *t);

#endif
