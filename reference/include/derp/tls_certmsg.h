/* tls_certmsg: the certificate list of a TLS Certificate handshake message.
 *
 * Why: pinning hashes the exact DER bytes the server sent (Go's cert.Raw).
 * OpenSSL hands the client parsed X509 objects, and i2d_X509 may re-encode
 * them. The client therefore captures the raw handshake message with
 * SSL_CTX_set_msg_callback (TLS 1.3 messages arrive there decrypted) and
 * splits it here, without allocating: each entry points into the message.
 *
 * Layouts (RFC 8446 §4.4.2, RFC 5246 §7.4.2), after the 4-byte handshake
 * header (type 11, u24 length):
 *   TLS 1.3: u8 context_len, context, u24 list_len, { u24 len, cert, u16 ext_len, ext }*
 *   TLS 1.2: u24 list_len, { u24 len, cert }*                                   */
#ifndef DERP_TLS_CERTMSG_H
#define DERP_TLS_CERTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/cert_fields.h"

#define TLS_CERTMSG_MAX_CERTS 16
#define TLS_HANDSHAKE_CERTIFICATE 11

struct tls_certmsg {
  size_t n_certs;
  struct der_slice certs[TLS_CERTMSG_MAX_CERTS];
};

enum tls_certmsg_status {
  TLS_CERTMSG_OK = 0,
  TLS_CERTMSG_ERR_NOT_CERTIFICATE, /* handshake type is not 11 */
  TLS_CERTMSG_ERR_TRUNCATED,       /* a length runs past the message */
  TLS_CERTMSG_ERR_TRAILING,        /* bytes left after the list */
  TLS_CERTMSG_ERR_EMPTY_CERT,      /* a zero-length certificate entry */
  TLS_CERTMSG_ERR_TOO_MANY,        /* more than TLS_CERTMSG_MAX_CERTS */
};

/* `msg` is the whole handshake message including its 4-byte header, as
 * OpenSSL's msg_callback delivers it; `tls13` selects the layout. */
enum tls_certmsg_status tls_certmsg_parse(const uint8_t *msg, size_t len, bool tls13,
                                          struct tls_certmsg *out);
const char *tls_certmsg_status_str(enum tls_certmsg_status st);

#endif
