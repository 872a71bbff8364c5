#include "derp/stun.h"

#include <string.h>

#include "check_main.h"

static const uint8_t txid[STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* The request for txid 01..0c, computed independently (Python zlib.crc32). */
static const uint8_t known_request[STUN_REQUEST_LEN] = {
    0x00, 0x01, 0x00, 0x14, 0x21, 0x12, 0xa4, 0x42, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x80, 0x22, 0x00, 0x08, 0x74, 0x61, 0x69, 0x6c,
    0x6e, 0x6f, 0x64, 0x65, 0x80, 0x28, 0x00, 0x04, 0xb3, 0x2c, 0x37, 0x0f};

/* A packet under construction, for the negative cases. */
struct pkt {
  uint8_t b[256];
  size_t len;
};

static void pkt_header(struct pkt *p, uint16_t type) {
  memset(p, 0, sizeof *p);
  p->b[0] = (uint8_t)(type >> 8);
  p->b[1] = (uint8_t)type;
  memcpy(p->b + 4, "\x21\x12\xa4\x42", 4);
  memcpy(p->b + 8, txid, sizeof txid);
  p->len = STUN_HEADER_LEN;
}

static void pkt_fix_length(struct pkt *p) {
  size_t n = p->len - STUN_HEADER_LEN;
  p->b[2] = (uint8_t)(n >> 8);
  p->b[3] = (uint8_t)n;
}

static void pkt_attr(struct pkt *p, uint16_t type, const void *value, size_t n) {
  p->b[p->len++] = (uint8_t)(type >> 8);
  p->b[p->len++] = (uint8_t)type;
  p->b[p->len++] = (uint8_t)(n >> 8);
  p->b[p->len++] = (uint8_t)n;
  if (n) memcpy(p->b + p->len, value, n);
  p->len += (n + 3) & ~(size_t)3;
  pkt_fix_length(p);
}

static void pkt_fingerprint(struct pkt *p) {
  p->len += 8;
  pkt_fix_length(p);
  uint32_t fp = stun_crc32_ieee(p->b, p->len - 8) ^ UINT32_C(0x5354554e);
  p->len -= 8;
  uint8_t v[4] = {(uint8_t)(fp >> 24), (uint8_t)(fp >> 16), (uint8_t)(fp >> 8), (uint8_t)fp};
  pkt_attr(p, STUN_ATTR_FINGERPRINT, v, 4);
}

static enum stun_status parse_req(const struct pkt *p) {
  uint8_t got[STUN_TXID_LEN];
  return stun_parse_binding_request(p->b, p->len, got);
}

/* ---- CRC and request encoding ---- */

START_TEST(crc32_check_value) {
  ck_assert_uint_eq(stun_crc32_ieee((const uint8_t *)"123456789", 9), UINT32_C(0xcbf43926));
  ck_assert_uint_eq(stun_crc32_ieee(NULL, 0), 0);
}
END_TEST

START_TEST(request_matches_known_bytes) {
  uint8_t out[64];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_request(&w, txid), STUN_OK);
  ck_assert_uint_eq(w.len, STUN_REQUEST_LEN);
  ck_assert_mem_eq(out, known_request, STUN_REQUEST_LEN);
}
END_TEST

START_TEST(request_small_writer) {
  uint8_t out[39];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_request(&w, txid), STUN_ERR_NO_SPACE);
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

/* ---- server acceptance ---- */

START_TEST(own_request_accepted) {
  uint8_t out[64], got[STUN_TXID_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  const uint8_t other[STUN_TXID_LEN] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
                                        0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  ck_assert_int_eq(stun_write_request(&w, other), STUN_OK);
  ck_assert_int_eq(stun_parse_binding_request(out, w.len, got), STUN_OK);
  ck_assert_mem_eq(got, other, STUN_TXID_LEN);
  ck_assert(stun_is_binding_request_tailscale(known_request, sizeof known_request, got));
  ck_assert_mem_eq(got, txid, STUN_TXID_LEN);
}
END_TEST

START_TEST(other_software_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnodf", 8);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode!", 9);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
  /* The right value under another attribute type is not SOFTWARE. */
  pkt_header(&p, 0x0001);
  pkt_attr(&p, 0x8023, "tailnode", 8);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
  /* The control: same builder, right software. */
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_OK);
}
END_TEST

START_TEST(missing_fingerprint_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_NO_FINGERPRINT);
}
END_TEST

START_TEST(fingerprint_not_last_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  pkt_fingerprint(&p);
  pkt_attr(&p, 0x8029, "\x00\x00\x00\x00", 4);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_NO_FINGERPRINT);
}
END_TEST

START_TEST(bad_crc_ignored) {
  uint8_t pkt[STUN_REQUEST_LEN], got[STUN_TXID_LEN];
  memcpy(pkt, known_request, sizeof pkt);
  pkt[39] ^= 0x01;
  ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_ERR_WRONG_FINGERPRINT);
  memcpy(pkt, known_request, sizeof pkt);
  pkt[10] ^= 0x80; /* txid byte: covered by the CRC */
  ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_ERR_WRONG_FINGERPRINT);
}
END_TEST

START_TEST(bad_cookie_ignored) {
  uint8_t pkt[STUN_REQUEST_LEN], got[STUN_TXID_LEN];
  memcpy(pkt, known_request, sizeof pkt);
  pkt[7] = 0x43;
  ck_assert(!stun_is(pkt, sizeof pkt));
  ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_ERR_NOT_STUN);
}
END_TEST

START_TEST(top_bits_set_ignored) {
  uint8_t pkt[STUN_REQUEST_LEN], got[STUN_TXID_LEN];
  for (uint8_t bit = 0x40; bit; bit <<= 1) {
    memcpy(pkt, known_request, sizeof pkt);
    pkt[0] |= bit;
    ck_assert(!stun_is(pkt, sizeof pkt));
    ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_ERR_NOT_STUN);
  }
  memcpy(pkt, known_request, sizeof pkt);
  pkt[0] |= 0x20; /* not a top bit: then merely not a binding request */
  ck_assert(stun_is(pkt, sizeof pkt));
  ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_ERR_NOT_BINDING_REQUEST);
}
END_TEST

START_TEST(truncated_attributes_ignored) {
  uint8_t got[STUN_TXID_LEN];
  /* Every cut inside the attributes leaves a partial attribute. */
  for (size_t len = STUN_HEADER_LEN + 1; len < STUN_REQUEST_LEN; len++) {
    enum stun_status st = stun_parse_binding_request(known_request, len, got);
    ck_assert_msg(st != STUN_OK, "accepted a %zu-byte prefix", len);
    if (len != 32) ck_assert_int_eq(st, STUN_ERR_MALFORMED_ATTRS);
  }
  /* Cut right after SOFTWARE: well-formed, but no FINGERPRINT. */
  ck_assert_int_eq(stun_parse_binding_request(known_request, 32, got), STUN_ERR_NO_FINGERPRINT);
  for (size_t len = 0; len < STUN_HEADER_LEN; len++)
    ck_assert_int_eq(stun_parse_binding_request(known_request, len, got), STUN_ERR_NOT_STUN);
  ck_assert_int_eq(stun_parse_binding_request(NULL, 40, got), STUN_ERR_NOT_STUN);
}
END_TEST

START_TEST(attribute_length_past_end_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  pkt_fingerprint(&p);
  p.b[23] = 0x11; /* SOFTWARE claims 17 bytes: padded to 20, past the end */
  ck_assert_int_eq(parse_req(&p), STUN_ERR_MALFORMED_ATTRS);
  p.b[22] = 0xff; /* 0xff11 bytes */
  ck_assert_int_eq(parse_req(&p), STUN_ERR_MALFORMED_ATTRS);
}
END_TEST

START_TEST(generic_binding_request_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0001);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
  pkt_header(&p, 0x0001);
  pkt_fingerprint(&p); /* RFC 5389 client: FINGERPRINT but no SOFTWARE */
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
  pkt_header(&p, 0x0001);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "stunclient", 10);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_WRONG_SOFTWARE);
}
END_TEST

START_TEST(non_binding_type_ignored) {
  struct pkt p;
  pkt_header(&p, 0x0101);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_ERR_NOT_BINDING_REQUEST);
}
END_TEST

START_TEST(software_anywhere_and_length_field_ignored) {
  /* Upstream walks every byte after the header and does not read the
   * header's length; SOFTWARE need not come first. */
  struct pkt p;
  pkt_header(&p, 0x0001);
  pkt_attr(&p, 0x0024, "\x6e\x00\x01\xff", 4); /* PRIORITY */
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "tailnode", 8);
  pkt_fingerprint(&p);
  ck_assert_int_eq(parse_req(&p), STUN_OK);
  uint8_t pkt[STUN_REQUEST_LEN], got[STUN_TXID_LEN];
  memcpy(pkt, known_request, sizeof pkt);
  pkt[3] = 0x99; /* the length field is covered by the CRC, so recompute it */
  uint32_t fp = stun_crc32_ieee(pkt, 32) ^ UINT32_C(0x5354554e);
  pkt[36] = (uint8_t)(fp >> 24);
  pkt[37] = (uint8_t)(fp >> 16);
  pkt[38] = (uint8_t)(fp >> 8);
  pkt[39] = (uint8_t)fp;
  ck_assert_int_eq(stun_parse_binding_request(pkt, sizeof pkt, got), STUN_OK);
}
END_TEST

/* ---- responses ---- */

static struct stun_endpoint v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
  struct stun_endpoint e;
  memset(&e, 0, sizeof e);
  e.addr[0] = a;
  e.addr[1] = b;
  e.addr[2] = c;
  e.addr[3] = d;
  e.port = port;
  return e;
}

static struct stun_endpoint v6_1_4(uint16_t port) { /* 1::4 */
  struct stun_endpoint e;
  memset(&e, 0, sizeof e);
  e.is_ipv6 = true;
  e.addr[1] = 1;
  e.addr[15] = 4;
  e.port = port;
  return e;
}

static void round_trip(const struct stun_endpoint *peer, size_t want_len) {
  uint8_t out[STUN_RESPONSE_MAX_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, peer), STUN_OK);
  ck_assert_uint_eq(w.len, want_len);
  struct stun_endpoint got;
  ck_assert_int_eq(stun_parse_response(out, w.len, txid, &got), STUN_OK);
  ck_assert_int_eq(got.is_ipv6, peer->is_ipv6);
  ck_assert_mem_eq(got.addr, peer->addr, peer->is_ipv6 ? 16 : 4);
  ck_assert_uint_eq(got.port, peer->port);
}

START_TEST(response_round_trip_v4) {
  struct stun_endpoint a = v4(1, 2, 3, 4, 254), b = v4(1, 2, 3, 4, 257);
  round_trip(&a, 32);
  round_trip(&b, 32);
}
END_TEST

START_TEST(response_round_trip_v6) {
  struct stun_endpoint a = v6_1_4(254), b = v6_1_4(257);
  round_trip(&a, 44);
  round_trip(&b, 44);
}
END_TEST

START_TEST(response_v4_layout) {
  struct stun_endpoint peer = v4(1, 2, 3, 4, 254);
  uint8_t out[STUN_RESPONSE_MAX_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &peer), STUN_OK);
  const uint8_t want[32] = {0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42, 1,    2,    3,
                            4,    5,    6,    7,    8,    9,    10,   11,   12,   0x00, 0x20,
                            0x00, 0x08, 0x00, 0x01, 0x21, 0xec, 0x20, 0x10, 0xa7, 0x46};
  ck_assert_uint_eq(w.len, sizeof want);
  ck_assert_mem_eq(out, want, sizeof want);
}
END_TEST

START_TEST(response_v6_xors_txid) {
  struct stun_endpoint peer = v6_1_4(257);
  uint8_t out[STUN_RESPONSE_MAX_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &peer), STUN_OK);
  ck_assert_uint_eq(out[3], 24);
  ck_assert_uint_eq(out[25], 0x02);        /* family */
  ck_assert_uint_eq(out[28], 0x00 ^ 0x21); /* address byte 0 ^ cookie */
  ck_assert_uint_eq(out[29], 0x01 ^ 0x12); /* address byte 1 ^ cookie */
  ck_assert_uint_eq(out[32], 0x00 ^ 1);    /* address byte 4 ^ txid[0] */
  ck_assert_uint_eq(out[43], 0x04 ^ 12);   /* address byte 15 ^ txid[11] */
}
END_TEST

START_TEST(response_v4_mapped_reported_as_v4) {
  struct stun_endpoint mapped;
  memset(&mapped, 0, sizeof mapped);
  mapped.is_ipv6 = true;
  mapped.addr[10] = mapped.addr[11] = 0xff;
  mapped.addr[12] = 1;
  mapped.addr[13] = 2;
  mapped.addr[14] = 3;
  mapped.addr[15] = 4;
  mapped.port = 254;
  uint8_t out[STUN_RESPONSE_MAX_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &mapped), STUN_OK);
  ck_assert_uint_eq(w.len, 32);
  ck_assert_uint_eq(out[25], 0x01);
  struct stun_endpoint got, want = v4(1, 2, 3, 4, 254);
  ck_assert_int_eq(stun_parse_response(out, w.len, txid, &got), STUN_OK);
  ck_assert(!got.is_ipv6);
  ck_assert_mem_eq(got.addr, want.addr, 4);
}
END_TEST

START_TEST(response_small_writer) {
  struct stun_endpoint peer = v6_1_4(1);
  uint8_t out[43];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &peer), STUN_ERR_NO_SPACE);
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(parse_response_txid_must_match) {
  struct stun_endpoint peer = v4(1, 2, 3, 4, 254), got;
  uint8_t out[STUN_RESPONSE_MAX_LEN];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &peer), STUN_OK);
  uint8_t other[STUN_TXID_LEN];
  memcpy(other, txid, sizeof other);
  other[11] ^= 1;
  ck_assert_int_eq(stun_parse_response(out, w.len, other, &got), STUN_ERR_TXID_MISMATCH);
  ck_assert_int_eq(stun_parse_response(out, w.len, NULL, &got), STUN_OK);
}
END_TEST

START_TEST(parse_response_fallbacks) {
  struct stun_endpoint got;
  struct pkt p;
  /* MAPPED-ADDRESS only: plain, not XORed. */
  pkt_header(&p, 0x0101);
  pkt_attr(&p, STUN_ATTR_MAPPED_ADDRESS, "\x00\x01\x00\xfe\x01\x02\x03\x04", 8);
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_OK);
  ck_assert_uint_eq(got.port, 254);
  ck_assert_mem_eq(got.addr, "\x01\x02\x03\x04", 4);
  /* 0x8020 is XOR-encoded like 0x0020 and beats MAPPED-ADDRESS. */
  pkt_attr(&p, STUN_ATTR_XOR_MAPPED_ADDRESS_ALT, "\x00\x01\x21\x13\x2b\x12\xa4\x43", 8);
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_OK);
  ck_assert_uint_eq(got.port, 1);
  ck_assert_mem_eq(got.addr, "\x0a\x00\x00\x01", 4);
}
END_TEST

START_TEST(parse_response_malformed) {
  struct stun_endpoint got;
  struct pkt p;
  pkt_header(&p, 0x0101);
  pkt_attr(&p, STUN_ATTR_XOR_MAPPED_ADDRESS, "\x00\x03\x21\x13\x2b\x12\xa4\x43", 8);
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_ERR_MALFORMED_ATTRS);
  pkt_header(&p, 0x0101);
  pkt_attr(&p, STUN_ATTR_XOR_MAPPED_ADDRESS, "\x00\x02\x21\x13\x2b\x12\xa4\x43", 8);
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_ERR_MALFORMED_ATTRS);
  pkt_header(&p, 0x0101);
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_ERR_MALFORMED_ATTRS);
  pkt_attr(&p, STUN_ATTR_SOFTWARE, "x", 1);
  p.b[3] = 0x40; /* header length beyond the packet */
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_ERR_MALFORMED_ATTRS);
  pkt_header(&p, 0x0111); /* binding error response */
  ck_assert_int_eq(stun_parse_response(p.b, p.len, txid, &got), STUN_ERR_NOT_SUCCESS_RESPONSE);
  ck_assert_int_eq(stun_parse_response(known_request, 40, txid, &got),
                   STUN_ERR_NOT_SUCCESS_RESPONSE);
  ck_assert_int_eq(stun_parse_response(p.b, 19, txid, &got), STUN_ERR_NOT_STUN);
}
END_TEST

START_TEST(parse_response_trailing_bytes_ignored) {
  struct stun_endpoint peer = v4(192, 0, 2, 1, 41641), got;
  uint8_t out[STUN_RESPONSE_MAX_LEN + 8];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(stun_write_response(&w, txid, &peer), STUN_OK);
  memset(out + w.len, 0xee, 8);
  ck_assert_int_eq(stun_parse_response(out, w.len + 8, txid, &got), STUN_OK);
  ck_assert_uint_eq(got.port, 41641);
}
END_TEST

START_TEST(status_strings) {
  ck_assert_str_eq(stun_status_str(STUN_ERR_WRONG_SOFTWARE),
                   "STUN request came from non-Tailscale software");
  ck_assert_str_eq(stun_status_str(STUN_ERR_NO_FINGERPRINT),
                   "STUN request didn't end in fingerprint");
}
END_TEST

static Suite *stun_suite(void) {
  Suite *s = suite_create("stun");
  TCase *enc = tcase_create("request");
  tcase_add_test(enc, crc32_check_value);
  tcase_add_test(enc, request_matches_known_bytes);
  tcase_add_test(enc, request_small_writer);
  suite_add_tcase(s, enc);
  TCase *srv = tcase_create("server");
  tcase_add_test(srv, own_request_accepted);
  tcase_add_test(srv, other_software_ignored);
  tcase_add_test(srv, missing_fingerprint_ignored);
  tcase_add_test(srv, fingerprint_not_last_ignored);
  tcase_add_test(srv, bad_crc_ignored);
  tcase_add_test(srv, bad_cookie_ignored);
  tcase_add_test(srv, top_bits_set_ignored);
  tcase_add_test(srv, truncated_attributes_ignored);
  tcase_add_test(srv, attribute_length_past_end_ignored);
  tcase_add_test(srv, generic_binding_request_ignored);
  tcase_add_test(srv, non_binding_type_ignored);
  tcase_add_test(srv, software_anywhere_and_length_field_ignored);
  suite_add_tcase(s, srv);
  TCase *resp = tcase_create("response");
  tcase_add_test(resp, response_round_trip_v4);
  tcase_add_test(resp, response_round_trip_v6);
  tcase_add_test(resp, response_v4_layout);
  tcase_add_test(resp, response_v6_xors_txid);
  tcase_add_test(resp, response_v4_mapped_reported_as_v4);
  tcase_add_test(resp, response_small_writer);
  tcase_add_test(resp, parse_response_txid_must_match);
  tcase_add_test(resp, parse_response_fallbacks);
  tcase_add_test(resp, parse_response_malformed);
  tcase_add_test(resp, parse_response_trailing_bytes_ignored);
  tcase_add_test(resp, status_strings);
  suite_add_tcase(s, resp);
  return s;
}

CHECK_MAIN(stun_suite)
