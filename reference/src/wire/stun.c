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

/* CRC-32/IEEE (reflected 0xedb88320), one table step per byte: the bitwise
 * loop was a third of a fuzzer's time on STUN packets. The table holds the
 * polynomial's remainders of 0..255; the unit tests' check value and the
 * fuzz target's bitwise oracle check it. */
static const uint32_t crc32_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t stun_crc32_ieee(const uint8_t *data, size_t len) {
  uint32_t crc = UINT32_C(0xffffffff);
  for (size_t i = 0; i < len; i++) crc = crc32_table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
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
