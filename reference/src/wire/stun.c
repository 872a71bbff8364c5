#include "derp/stun.h"

#include <string.h>

#include "derp/guard.h"

#define BINDING_REQUEST 0x0001
#define BINDING_SUCCESS 0x0101
#define FINGERPRINT_XOR UINT32_C(0x5354554e)
#define FINGERPRINT_ATTR_LEN 8 /* type + length + CRC */
#define FAMILY_IPV4 0x01
#define FAMILY_IPV6 0x02

static const uint8_t magic_cookie[4] = {0x21, 0x12, 0xa4, 0x42};
static const char software[] = "tailnode"; /* 8 bytes: no padding needed */

uint32_t stun_crc32_ieee(const uint8_t *data, size_t len) {
  /* Bitwise: STUN packets are small, and no table means nothing to get wrong. */
  uint32_t crc = UINT32_C(0xffffffff);
  struct byte_reader r = byte_reader_init(data, len);
  uint8_t b;
  while (byte_reader_u8(&r, &b)) {
    crc ^= b;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (UINT32_C(0xedb88320) & (0u - (crc & 1u)));
  }
  return crc ^ UINT32_C(0xffffffff);
}

bool stun_is(const uint8_t *pkt, size_t len) {
  struct byte_reader r = byte_reader_init(pkt, len);
  uint8_t first;
  const uint8_t *cookie;
  GUARD(byte_reader_remaining(&r) >= STUN_HEADER_LEN);
  GUARD(byte_reader_u8(&r, &first));
  GUARD((first & 0xc0) == 0);
  GUARD(byte_reader_skip(&r, 3));
  GUARD(byte_reader_borrow(&r, sizeof magic_cookie, &cookie));
  return memcmp(cookie, magic_cookie, sizeof magic_cookie) == 0;
}

/* One attribute: type, length, value (unpadded) and the padding skipped. */
struct stun_attr {
  uint16_t type;
  struct byte_reader value;
};

/* Next attribute, or false at the clean end; *malformed on a bad one. */
static bool next_attr(struct byte_reader *r, struct stun_attr *a, bool *malformed) {
  *malformed = false;
  if (byte_reader_remaining(r) == 0) return false;
  uint16_t len;
  *malformed = true;
  GUARD(byte_reader_u16be(r, &a->type));
  GUARD(byte_reader_u16be(r, &len));
  size_t padded = ((size_t)len + 3) & ~(size_t)3;
  GUARD(padded <= byte_reader_remaining(r));
  GUARD(byte_reader_sub(r, len, &a->value));
  GUARD(byte_reader_skip(r, padded - len));
  *malformed = false;
  return true;
}

static bool value_equals(const struct byte_reader *v, const void *want, size_t n) {
  return byte_reader_remaining(v) == n && (n == 0 || memcmp(byte_reader_peek(v), want, n) == 0);
}

enum stun_status stun_parse_binding_request(const uint8_t *pkt, size_t len,
                                            uint8_t txid[STUN_TXID_LEN]) {
  ENSURE(stun_is(pkt, len), STUN_ERR_NOT_STUN);
  struct byte_reader r = byte_reader_init(pkt, len);
  uint16_t type;
  uint8_t id[STUN_TXID_LEN];
  ENSURE(byte_reader_u16be(&r, &type), STUN_ERR_NOT_STUN);
  ENSURE(type == BINDING_REQUEST, STUN_ERR_NOT_BINDING_REQUEST);
  ENSURE(byte_reader_skip(&r, 2 + sizeof magic_cookie), STUN_ERR_NOT_STUN);
  ENSURE(byte_reader_copy(&r, id, sizeof id), STUN_ERR_NOT_STUN);

  bool software_ok = false, have_attr = false, malformed;
  uint16_t last_type = 0;
  uint32_t got_fp = 0;
  struct stun_attr a;
  while (next_attr(&r, &a, &malformed)) {
    have_attr = true;
    last_type = a.type;
    if (a.type == STUN_ATTR_SOFTWARE && value_equals(&a.value, software, strlen(software)))
      software_ok = true;
    if (a.type == STUN_ATTR_FINGERPRINT && byte_reader_remaining(&a.value) == 4)
      (void)byte_reader_u32be(&a.value, &got_fp);
  }
  ENSURE(!malformed, STUN_ERR_MALFORMED_ATTRS);
  ENSURE(software_ok, STUN_ERR_WRONG_SOFTWARE);
  ENSURE(have_attr && last_type == STUN_ATTR_FINGERPRINT, STUN_ERR_NO_FINGERPRINT);
  /* A FINGERPRINT attribute is at least 4 bytes and SOFTWARE another 12, so
   * len - 8 stays inside the header-plus-attributes. */
  uint32_t want_fp = stun_crc32_ieee(pkt, len - FINGERPRINT_ATTR_LEN) ^ FINGERPRINT_XOR;
  ENSURE(got_fp == want_fp, STUN_ERR_WRONG_FINGERPRINT);
  memcpy(txid, id, sizeof id);
  return STUN_OK;
}

bool stun_is_binding_request_tailscale(const uint8_t *pkt, size_t len,
                                       uint8_t txid[STUN_TXID_LEN]) {
  return stun_parse_binding_request(pkt, len, txid) == STUN_OK;
}

static bool write_header(struct byte_writer *w, uint16_t type, uint16_t attrs_len,
                         const uint8_t txid[STUN_TXID_LEN]) {
  GUARD(byte_writer_u16be(w, type));
  GUARD(byte_writer_u16be(w, attrs_len));
  GUARD(byte_writer_bytes(w, magic_cookie, sizeof magic_cookie));
  return byte_writer_bytes(w, txid, STUN_TXID_LEN);
}

static bool is_ipv4_mapped(const struct stun_endpoint *e) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return e->is_ipv6 && memcmp(e->addr, prefix, sizeof prefix) == 0;
}

/* The IPv4 form of an IPv4-mapped address; other addresses unchanged. */
static struct stun_endpoint unmapped(const struct stun_endpoint *e) {
  struct stun_endpoint u = *e;
  if (is_ipv4_mapped(e)) {
    memset(&u, 0, sizeof u);
    memcpy(u.addr, e->addr + 12, 4);
    u.port = e->port;
  }
  return u;
}

enum stun_status stun_write_response(struct byte_writer *w, const uint8_t txid[STUN_TXID_LEN],
                                     const struct stun_endpoint *peer) {
  struct stun_endpoint p = unmapped(peer);
  size_t addr_len = p.is_ipv6 ? 16 : 4;
  uint8_t xored[16];
  for (size_t i = 0; i < addr_len; i++)
    xored[i] = p.addr[i] ^ (i < 4 ? magic_cookie[i] : txid[i - 4]);
  size_t mark = w->len;
  bool ok = write_header(w, BINDING_SUCCESS, (uint16_t)(8 + addr_len), txid) &&
            byte_writer_u16be(w, STUN_ATTR_XOR_MAPPED_ADDRESS) &&
            byte_writer_u16be(w, (uint16_t)(4 + addr_len)) && byte_writer_u8(w, 0) &&
            byte_writer_u8(w, p.is_ipv6 ? FAMILY_IPV6 : FAMILY_IPV4) &&
            byte_writer_u16be(w, (uint16_t)(p.port ^ 0x2112)) &&
            byte_writer_bytes(w, xored, addr_len);
  if (!ok) w->len = mark;
  return ok ? STUN_OK : STUN_ERR_NO_SPACE;
}

enum stun_status stun_write_request(struct byte_writer *w, const uint8_t txid[STUN_TXID_LEN]) {
  ENSURE(byte_writer_space(w) >= STUN_REQUEST_LEN, STUN_ERR_NO_SPACE);
  const uint8_t *start = w->data + w->len;
  size_t software_len = strlen(software);
  bool ok =
      write_header(w, BINDING_REQUEST, (uint16_t)(4 + software_len + FINGERPRINT_ATTR_LEN), txid) &&
      byte_writer_u16be(w, STUN_ATTR_SOFTWARE) && byte_writer_u16be(w, (uint16_t)software_len) &&
      byte_writer_bytes(w, software, software_len);
  ENSURE(ok, STUN_ERR_NO_SPACE);
  uint32_t fp = stun_crc32_ieee(start, STUN_HEADER_LEN + 4 + software_len) ^ FINGERPRINT_XOR;
  ok = byte_writer_u16be(w, STUN_ATTR_FINGERPRINT) && byte_writer_u16be(w, 4) &&
       byte_writer_u32be(w, fp);
  ENSURE(ok, STUN_ERR_NO_SPACE);
  return STUN_OK;
}

/* (XOR-)MAPPED-ADDRESS value: reserved(1) family(1) port(2) address. Extra
 * bytes after the address are tolerated, as upstream. */
static bool read_mapped_address(struct byte_reader *v, bool xored, const uint8_t *txid,
                                struct stun_endpoint *out) {
  uint8_t reserved, family;
  uint16_t port;
  GUARD(byte_reader_u8(v, &reserved));
  GUARD(byte_reader_u8(v, &family));
  GUARD(byte_reader_u16be(v, &port));
  GUARD(family == FAMILY_IPV4 || family == FAMILY_IPV6);
  size_t addr_len = family == FAMILY_IPV6 ? 16 : 4;
  struct stun_endpoint e;
  memset(&e, 0, sizeof e);
  GUARD(byte_reader_copy(v, e.addr, addr_len));
  e.is_ipv6 = family == FAMILY_IPV6;
  e.port = xored ? (uint16_t)(port ^ 0x2112) : port;
  if (xored)
    for (size_t i = 0; i < addr_len; i++) e.addr[i] ^= (i < 4 ? magic_cookie[i] : txid[i - 4]);
  *out = unmapped(&e);
  return true;
}

enum stun_status stun_parse_response(const uint8_t *pkt, size_t len,
                                     const uint8_t want_txid[STUN_TXID_LEN],
                                     struct stun_endpoint *mapped) {
  ENSURE(stun_is(pkt, len), STUN_ERR_NOT_STUN);
  struct byte_reader r = byte_reader_init(pkt, len);
  uint16_t type, attrs_len;
  uint8_t txid[STUN_TXID_LEN];
  ENSURE(byte_reader_u16be(&r, &type), STUN_ERR_NOT_STUN);
  ENSURE(byte_reader_u16be(&r, &attrs_len), STUN_ERR_NOT_STUN);
  ENSURE(byte_reader_skip(&r, sizeof magic_cookie), STUN_ERR_NOT_STUN);
  ENSURE(byte_reader_copy(&r, txid, sizeof txid), STUN_ERR_NOT_STUN);
  ENSURE(type == BINDING_SUCCESS, STUN_ERR_NOT_SUCCESS_RESPONSE);
  ENSURE(want_txid == NULL || memcmp(want_txid, txid, sizeof txid) == 0, STUN_ERR_TXID_MISMATCH);
  struct byte_reader attrs;
  /* Trailing bytes past the header's length are ignored, as upstream. */
  ENSURE(byte_reader_sub(&r, attrs_len, &attrs), STUN_ERR_MALFORMED_ATTRS);

  bool have_primary = false, have_fallback = false, malformed;
  struct stun_endpoint primary, fallback;
  struct stun_attr a;
  while (next_attr(&attrs, &a, &malformed)) {
    switch (a.type) {
      case STUN_ATTR_XOR_MAPPED_ADDRESS:
      case STUN_ATTR_XOR_MAPPED_ADDRESS_ALT:
        ENSURE(read_mapped_address(&a.value, true, txid, &primary), STUN_ERR_MALFORMED_ATTRS);
        have_primary = true;
        break;
      case STUN_ATTR_MAPPED_ADDRESS:
        ENSURE(read_mapped_address(&a.value, false, txid, &fallback), STUN_ERR_MALFORMED_ATTRS);
        have_fallback = true;
        break;
      default: break;
    }
  }
  ENSURE(!malformed, STUN_ERR_MALFORMED_ATTRS);
  ENSURE(have_primary || have_fallback, STUN_ERR_MALFORMED_ATTRS);
  *mapped = have_primary ? primary : fallback;
  return STUN_OK;
}

const char *stun_status_str(enum stun_status st) {
  switch (st) {
    case STUN_OK: return "ok";
    case STUN_ERR_NOT_STUN: return "response is not a STUN packet";
    case STUN_ERR_NOT_BINDING_REQUEST: return "STUN request not a binding request";
    case STUN_ERR_MALFORMED_ATTRS: return "STUN response has malformed attributes";
    case STUN_ERR_WRONG_SOFTWARE: return "STUN request came from non-Tailscale software";
    case STUN_ERR_NO_FINGERPRINT: return "STUN request didn't end in fingerprint";
    case STUN_ERR_WRONG_FINGERPRINT: return "STUN request had bogus fingerprint";
    case STUN_ERR_NOT_SUCCESS_RESPONSE: return "STUN packet is not a response";
    case STUN_ERR_TXID_MISMATCH: return "STUN response transaction ID mismatch";
    case STUN_ERR_NO_SPACE: return "STUN output buffer too small";
  }
  return "unknown stun status";
}
