/* Fuzz target stun: the relay's binding-request filter and the client's
 * response parser against the rules of spec §7.2 written out independently
 * here, plus write -> parse round trips.
 *
 * Input layout:
 *   u8  control  bit 0: round-trip endpoint is IPv6; bit 1: ask the response
 *                parser for a transaction ID other than the packet's
 *   ... one UDP payload, parsed as a request and as a response. The round
 *       trips take their transaction ID from payload bytes 8..20 and their
 *       endpoint from bytes 20..36 (address) and 2..4 (port), zero-padded.
 *
 * Oracles:
 *  - request: the status is exactly what upstream's ParseBindingRequest
 *    returns (header check, binding type, attribute walk over all bytes,
 *    SOFTWARE "tailnode", FINGERPRINT last and equal to CRC-32 of all but the
 *    last 8 bytes XOR 0x5354554e); the yes/no variant agrees; txid = bytes
 *    8..20;
 *  - response: accepted exactly when upstream's ParseResponse accepts (type
 *    0x0101, attributes within the header's length, XOR-MAPPED-ADDRESS or
 *    0x8020 last one winning, else MAPPED-ADDRESS, IPv4-mapped unmapped),
 *    with the same endpoint, and never for another transaction ID;
 *  - stun_write_request parses back as a Tailscale request with its txid;
 *    stun_write_response parses back to the endpoint it was given (an
 *    IPv4-mapped IPv6 peer comes back as IPv4). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/stun.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STUN_FUZZ_MAX_INPUT 2048u
static const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};
static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

FUZZ_ORACLE static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
FUZZ_ORACLE static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bitwise CRC-32/IEEE: deliberately not the module's table-driven one. */
FUZZ_ORACLE static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

FUZZ_ORACLE static bool spec_is_stun(const uint8_t *p, size_t n) {
  return n >= STUN_HEADER_LEN && (p[0] & 0xc0) == 0 && memcmp(p + 4, cookie, 4) == 0;
}

/* Attribute walk: type(2) len(2) value, padded to 4, must fit. Calls `visit`
 * with each attribute; false when malformed. */
typedef void (*attr_visit)(void *ctx, uint16_t type, const uint8_t *v, size_t len);
FUZZ_ORACLE static bool spec_walk_attrs(const uint8_t *p, size_t n, attr_visit visit, void *ctx) {
  while (n > 0) {
    if (n < 4) return false;
    uint16_t type = be16(p), len = be16(p + 2);
    size_t padded = ((size_t)len + 3) & ~(size_t)3;
    p += 4;
    n -= 4;
    if (padded > n) return false;
    visit(ctx, type, p, len);
    p += padded;
    n -= padded;
  }
  return true;
}

struct request_walk {
  bool software_ok;
  uint16_t last_type;
  uint32_t fingerprint;
};

FUZZ_ORACLE static void visit_request_attr(void *ctx, uint16_t type, const uint8_t *v, size_t len) {
  struct request_walk *w = ctx;
  w->last_type = type;
  if (type == STUN_ATTR_SOFTWARE && len == 8 && memcmp(v, "tailnode", 8) == 0)
    w->software_ok = true;
  if (type == STUN_ATTR_FINGERPRINT && len == 4) w->fingerprint = be32(v);
}

FUZZ_ORACLE static enum stun_status spec_parse_request(const uint8_t *p, size_t n) {
  if (!spec_is_stun(p, n)) return STUN_ERR_NOT_STUN;
  if (p[0] != 0x00 || p[1] != 0x01) return STUN_ERR_NOT_BINDING_REQUEST;
  struct request_walk w = {false, 0, 0};
  if (!spec_walk_attrs(p + STUN_HEADER_LEN, n - STUN_HEADER_LEN, visit_request_attr, &w))
    return STUN_ERR_MALFORMED_ATTRS;
  if (!w.software_ok) return STUN_ERR_WRONG_SOFTWARE;
  if (w.last_type != STUN_ATTR_FINGERPRINT) return STUN_ERR_NO_FINGERPRINT;
  if (w.fingerprint != (crc32_bitwise(p, n - 8) ^ 0x5354554eu)) return STUN_ERR_WRONG_FINGERPRINT;
  return STUN_OK;
}

struct response_walk {
  const uint8_t *txid;
  bool malformed;
  bool has_xor, has_plain;
  struct stun_endpoint xor_ep, plain_ep;
};

FUZZ_ORACLE static bool decode_address(const uint8_t *v, size_t len, bool xored,
                                       const uint8_t *txid, struct stun_endpoint *ep) {
  if (len < 4) return false;
  size_t alen = v[1] == 0x01 ? 4 : v[1] == 0x02 ? 16 : 0;
  if (alen == 0 || len - 4 < alen) return false;
  memset(ep, 0, sizeof *ep);
  ep->port = be16(v + 2);
  uint8_t a[16];
  for (size_t i = 0; i < alen; i++) a[i] = v[4 + i];
  if (xored) {
    ep->port ^= 0x2112;
    for (size_t i = 0; i < alen; i++) a[i] ^= i < 4 ? cookie[i] : txid[i - 4];
  }
  if (alen == 16 && memcmp(a, v4_mapped_prefix, 12) == 0) {
    memcpy(ep->addr, a + 12, 4); /* Go's Unmap */
  } else {
    ep->is_ipv6 = alen == 16;
    memcpy(ep->addr, a, alen);
  }
  return true;
}

FUZZ_ORACLE static void visit_response_attr(void *ctx, uint16_t type, const uint8_t *v,
                                            size_t len) {
  struct response_walk *w = ctx;
  if (w->malformed) return;
  if (type == STUN_ATTR_XOR_MAPPED_ADDRESS || type == STUN_ATTR_XOR_MAPPED_ADDRESS_ALT) {
    if (!decode_address(v, len, true, w->txid, &w->xor_ep))
      w->malformed = true;
    else
      w->has_xor = true;
  } else if (type == STUN_ATTR_MAPPED_ADDRESS) {
    if (!decode_address(v, len, false, w->txid, &w->plain_ep))
      w->malformed = true;
    else
      w->has_plain = true;
  }
}

FUZZ_ORACLE static enum stun_status spec_parse_response(const uint8_t *p, size_t n,
                                                        struct stun_endpoint *ep) {
  if (!spec_is_stun(p, n)) return STUN_ERR_NOT_STUN;
  if (p[0] != 0x01 || p[1] != 0x01) return STUN_ERR_NOT_SUCCESS_RESPONSE;
  size_t attrs_len = be16(p + 2);
  if (attrs_len > n - STUN_HEADER_LEN) return STUN_ERR_MALFORMED_ATTRS;
  struct response_walk w;
  memset(&w, 0, sizeof w);
  w.txid = p + 8;
  if (!spec_walk_attrs(p + STUN_HEADER_LEN, attrs_len, visit_response_attr, &w) || w.malformed)
    return STUN_ERR_MALFORMED_ATTRS;
  if (w.has_xor)
    *ep = w.xor_ep;
  else if (w.has_plain)
    *ep = w.plain_ep;
  else
    return STUN_ERR_MALFORMED_ATTRS;
  return STUN_OK;
}

FUZZ_ORACLE static bool endpoint_equal(const struct stun_endpoint *a,
                                       const struct stun_endpoint *b) {
  size_t n = a->is_ipv6 ? 16 : 4;
  return a->is_ipv6 == b->is_ipv6 && a->port == b->port && memcmp(a->addr, b->addr, n) == 0;
}

FUZZ_ORACLE static void report_endpoint(const char *who, const struct stun_endpoint *e) {
  oracle_hex(who, e->addr, e->is_ipv6 ? 16 : 4);
  oracle_view("%s: %s port %u", who, e->is_ipv6 ? "IPv6" : "IPv4", e->port);
}

FUZZ_ORACLE static void check_request(const uint8_t *p, size_t n) {
  uint8_t txid[STUN_TXID_LEN], txid2[STUN_TXID_LEN];
  enum stun_status got = stun_parse_binding_request(p, n, txid);
  enum stun_status want = spec_parse_request(p, n);
  if (got != want) {
    oracle_mismatch("stun_parse_binding_request");
    oracle_view("module: %s", stun_status_str(got));
    oracle_view("spec:   %s", want == STUN_OK ? "OK" : stun_status_str(want));
    oracle_abort();
  }
  ORACLE_ASSERT(stun_is(p, n) == spec_is_stun(p, n), "stun_is disagrees with the header rules");
  ORACLE_ASSERT(stun_is_binding_request_tailscale(p, n, txid2) == (got == STUN_OK),
                "yes/no variant disagrees with the status");
  if (got == STUN_OK)
    ORACLE_ASSERT(
        memcmp(txid, p + 8, STUN_TXID_LEN) == 0 && memcmp(txid2, p + 8, STUN_TXID_LEN) == 0,
        "request txid is not bytes 8..20");
}

FUZZ_ORACLE static void check_response(const uint8_t *p, size_t n, bool other_txid) {
  struct stun_endpoint got, want;
  memset(&got, 0, sizeof got);
  memset(&want, 0, sizeof want);
  uint8_t ask[STUN_TXID_LEN];
  if (n >= STUN_HEADER_LEN)
    memcpy(ask, p + 8, STUN_TXID_LEN);
  else
    memset(ask, 0, sizeof ask);
  if (other_txid) ask[0] ^= 0x01;
  enum stun_status st = stun_parse_response(p, n, ask, &got);
  enum stun_status spec = spec_parse_response(p, n, &want);
  ORACLE_ASSERT(stun_status_str(st) != NULL, "no text for status %d", (int)st);
  if (other_txid && spec == STUN_OK) {
    ORACLE_ASSERT(st != STUN_OK, "a response to another transaction was accepted");
    return;
  }
  if ((st == STUN_OK) != (spec == STUN_OK) || (st == STUN_OK && !endpoint_equal(&got, &want))) {
    oracle_mismatch("stun_parse_response");
    oracle_view("module: %s", stun_status_str(st));
    if (st == STUN_OK) report_endpoint("module", &got);
    oracle_view("spec:   %s", spec == STUN_OK ? "OK" : stun_status_str(spec));
    if (spec == STUN_OK) report_endpoint("spec", &want);
    oracle_abort();
  }
}

FUZZ_ORACLE static void check_round_trips(const uint8_t *p, size_t n, bool ipv6) {
  uint8_t pad[40];
  memset(pad, 0, sizeof pad);
  memcpy(pad, p, n < sizeof pad ? n : sizeof pad);
  const uint8_t *txid = pad + 8;

  uint8_t buf[64];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ORACLE_ASSERT(stun_write_request(&w, txid) == STUN_OK && w.len == STUN_REQUEST_LEN,
                "stun_write_request");
  uint8_t back[STUN_TXID_LEN];
  enum stun_status st = stun_parse_binding_request(buf, w.len, back);
  ORACLE_ASSERT(st == STUN_OK && memcmp(back, txid, STUN_TXID_LEN) == 0, "own request rejected: %s",
                stun_status_str(st));
  ORACLE_ASSERT(spec_parse_request(buf, w.len) == STUN_OK, "own request breaks the spec rules");

  struct stun_endpoint peer;
  memset(&peer, 0, sizeof peer);
  peer.is_ipv6 = ipv6;
  memcpy(peer.addr, pad + 20, ipv6 ? 16 : 4);
  peer.port = be16(pad + 2);
  w = byte_writer_init(buf, sizeof buf);
  st = stun_write_response(&w, txid, &peer);
  ORACLE_ASSERT(st == STUN_OK && w.len <= STUN_RESPONSE_MAX_LEN, "stun_write_response: %s",
                stun_status_str(st));

  struct stun_endpoint want = peer;
  if (ipv6 && memcmp(peer.addr, v4_mapped_prefix, 12) == 0) {
    memset(&want, 0, sizeof want);
    memcpy(want.addr, peer.addr + 12, 4);
    want.port = peer.port;
  }
  struct stun_endpoint got;
  st = stun_parse_response(buf, w.len, txid, &got);
  if (st != STUN_OK || !endpoint_equal(&got, &want)) {
    oracle_mismatch("response round trip");
    oracle_view("parse: %s", stun_status_str(st));
    report_endpoint("sent", &want);
    if (st == STUN_OK) report_endpoint("parsed", &got);
    oracle_abort();
  }

  /* All-or-nothing: a writer that runs out anywhere (the header, the
   * attribute, the address) writes nothing. */
  size_t response_len = w.len;
  for (size_t cap = (n > 0 ? p[0] : 0) % 8; cap < response_len; cap += 1 + response_len / 5) {
    struct byte_writer small = byte_writer_init(buf, cap);
    ORACLE_ASSERT(stun_write_response(&small, txid, &peer) == STUN_ERR_NO_SPACE && small.len == 0,
                  "response into %zu of %zu bytes", cap, response_len);
    small = byte_writer_init(buf, cap < STUN_REQUEST_LEN ? cap : STUN_REQUEST_LEN - 1);
    ORACLE_ASSERT(stun_write_request(&small, txid) == STUN_ERR_NO_SPACE && small.len == 0,
                  "request into %zu bytes", small.cap);
  }
  struct byte_writer small = byte_writer_init(buf, response_len - 1);
  ORACLE_ASSERT(stun_write_response(&small, txid, &peer) == STUN_ERR_NO_SPACE && small.len == 0,
                "short writer");
}

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > STUN_FUZZ_MAX_INPUT) return -1;
  uint8_t control = data[0];
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  ORACLE_ASSERT(stun_crc32_ieee(p, n) == crc32_bitwise(p, n), "stun_crc32_ieee");
  check_request(p, n);
  check_response(p, n, control & 2);
  check_round_trips(p, n, control & 1);
  return 0;
}
