#include "derp/tls_certmsg.h"

#include "derp/byte_cursor.h"
#include "derp/guard.h"

static bool read_u24(struct byte_reader *r, uint32_t *out) {
  uint8_t b[3];
  GUARD(byte_reader_copy(r, b, sizeof b));
  *out = ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2];
  return true;
}

enum tls_certmsg_status tls_certmsg_parse(const uint8_t *msg, size_t len, bool tls13,
                                          struct tls_certmsg *out) {
  struct byte_reader r = byte_reader_init(msg, len);
  uint8_t type;
  uint32_t body_len, list_len;
  struct byte_reader body, list;

  out->n_certs = 0;
  ENSURE(byte_reader_u8(&r, &type), TLS_CERTMSG_ERR_TRUNCATED);
  ENSURE(type == TLS_HANDSHAKE_CERTIFICATE, TLS_CERTMSG_ERR_NOT_CERTIFICATE);
  ENSURE(read_u24(&r, &body_len), TLS_CERTMSG_ERR_TRUNCATED);
  ENSURE(byte_reader_sub(&r, body_len, &body), TLS_CERTMSG_ERR_TRUNCATED);
  ENSURE(byte_reader_remaining(&r) == 0, TLS_CERTMSG_ERR_TRAILING);

  if (tls13) {
    uint8_t context_len;
    ENSURE(byte_reader_u8(&body, &context_len), TLS_CERTMSG_ERR_TRUNCATED);
    ENSURE(byte_reader_skip(&body, context_len), TLS_CERTMSG_ERR_TRUNCATED);
  }
  ENSURE(read_u24(&body, &list_len), TLS_CERTMSG_ERR_TRUNCATED);
  ENSURE(byte_reader_sub(&body, list_len, &list), TLS_CERTMSG_ERR_TRUNCATED);
  ENSURE(byte_reader_remaining(&body) == 0, TLS_CERTMSG_ERR_TRAILING);

  while (byte_reader_remaining(&list) > 0) {
    uint32_t cert_len;
    const uint8_t *cert;
    ENSURE(read_u24(&list, &cert_len), TLS_CERTMSG_ERR_TRUNCATED);
    ENSURE(cert_len > 0, TLS_CERTMSG_ERR_EMPTY_CERT);
    ENSURE(byte_reader_borrow(&list, cert_len, &cert), TLS_CERTMSG_ERR_TRUNCATED);
    if (tls13) {
      uint16_t ext_len;
      ENSURE(byte_reader_u16be(&list, &ext_len), TLS_CERTMSG_ERR_TRUNCATED);
      ENSURE(byte_reader_skip(&list, ext_len), TLS_CERTMSG_ERR_TRUNCATED);
    }
    ENSURE(out->n_certs < TLS_CERTMSG_MAX_CERTS, TLS_CERTMSG_ERR_TOO_MANY);
    out->certs[out->n_certs].ptr = cert;
    out->certs[out->n_certs].len = cert_len;
    out->n_certs++;
  }
  return TLS_CERTMSG_OK;
}

const char *tls_certmsg_status_str(enum tls_certmsg_status st) {
  switch (st) {
    case TLS_CERTMSG_OK: return "ok";
    case TLS_CERTMSG_ERR_NOT_CERTIFICATE: return "not a Certificate handshake message";
    case TLS_CERTMSG_ERR_TRUNCATED: return "truncated Certificate message";
    case TLS_CERTMSG_ERR_TRAILING: return "trailing bytes in Certificate message";
    case TLS_CERTMSG_ERR_EMPTY_CERT: return "empty certificate entry";
    case TLS_CERTMSG_ERR_TOO_MANY: return "too many certificates";
  }
  return "unknown tls_certmsg status";
}
