/* ws_frame: RFC 6455 framing for DERP over WebSocket. */
#include "derp/ws_frame.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"

START_TEST(accept_key_is_the_rfc_example) {
  char out[WS_ACCEPT_LEN + 1];
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
  ck_assert(ws_accept_key(key, strlen(key), out));
  ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  ck_assert(!ws_accept_key("", 0, out));
}
END_TEST

START_TEST(subprotocol_offer_as_derper_reads_it) {
  ck_assert(ws_offers_derp("derp", 4));
  ck_assert(ws_offers_derp("chat, derp", 10));
  ck_assert(!ws_offers_derp("der", 3));
  ck_assert(!ws_offers_derp("chat", 4));
}
END_TEST

/* The RFC's masked "Hello", as a binary frame from a client. */
static const uint8_t hello[] = {0x82, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};

START_TEST(masked_client_frame_in_any_chunking) {
  for (size_t step = 1; step <= sizeof hello; step++) {
    struct ws_decoder d;
    ws_decoder_init(&d, true, 1 << 20);
    uint8_t out[16];
    size_t got = 0;
    for (size_t at = 0; at < sizeof hello;) {
      size_t n = sizeof hello - at < step ? sizeof hello - at : step;
      struct ws_result r = ws_decode(&d, hello + at, n, out + got, sizeof out - got);
      ck_assert_int_ne(r.event, WS_EV_ERROR);
      got += r.out_len;
      at += r.consumed;
      ck_assert(r.consumed > 0 || r.out_len > 0);
    }
    ck_assert_uint_eq(got, 5);
    ck_assert(memcmp(out, "Hello", 5) == 0);
  }
}
END_TEST

static struct ws_result decode_all(struct ws_decoder *d, const uint8_t *in, size_t n, uint8_t *out,
                                   size_t cap, size_t *got) {
  struct ws_result r = {0};
  size_t at = 0;
  *got = 0;
  while (at < n) {
    r = ws_decode(d, in + at, n - at, out + *got, cap - *got);
    *got += r.out_len;
    at += r.consumed;
    if (r.event == WS_EV_ERROR || r.event == WS_EV_CONTROL) return r;
    if (r.consumed == 0 && r.out_len == 0) break;
  }
  return r;
}

START_TEST(errors_carry_the_rfc_status) {
  struct {
    uint8_t in[16];
    size_t n;
    uint16_t status;
    const char *why;
  } cases[] = {
      {{0x82, 0x01, 'x'}, 3, WS_STATUS_PROTOCOL_ERROR, "frame from the client not masked"},
      {{0xc2, 0x80, 0, 0, 0, 0}, 6, WS_STATUS_PROTOCOL_ERROR, "reserved bits set"},
      {{0x83, 0x80, 0, 0, 0, 0}, 6, WS_STATUS_PROTOCOL_ERROR, "unknown opcode"},
      {{0x09, 0x80, 0, 0, 0, 0}, 6, WS_STATUS_PROTOCOL_ERROR, "fragmented control frame"},
      {{0x89, 0xfe, 0x00, 0x7e, 0, 0, 0, 0},
       8,
       WS_STATUS_PROTOCOL_ERROR,
       "control frame longer than 125 bytes"},
      {{0x81, 0x80, 0, 0, 0, 0}, 6, WS_STATUS_UNSUPPORTED_DATA, "text message (DERP is binary)"},
      {{0x80, 0x80, 0, 0, 0, 0}, 6, WS_STATUS_PROTOCOL_ERROR, "continuation without a message"},
      {{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       14,
       WS_STATUS_PROTOCOL_ERROR,
       "length with the top bit set"},
      {{0x82, 0xff, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0},
       14,
       WS_STATUS_TOO_BIG,
       "message too big"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct ws_decoder d;
    ws_decoder_init(&d, true, 1 << 20);
    uint8_t out[8];
    size_t got;
    struct ws_result r = decode_all(&d, cases[i].in, cases[i].n, out, sizeof out, &got);
    ck_assert_msg(r.event == WS_EV_ERROR, "case %zu: no error", i);
    ck_assert_uint_eq(r.status, cases[i].status);
    ck_assert_str_eq(r.why, cases[i].why);
    /* and it stays in error */
    ck_assert_int_eq(ws_decode(&d, hello, sizeof hello, out, sizeof out).event, WS_EV_ERROR);
  }
  /* a client decoder refuses masked server frames */
  struct ws_decoder d;
  ws_decoder_init(&d, false, 1 << 20);
  uint8_t out[8];
  size_t got;
  ck_assert_int_eq(decode_all(&d, hello, sizeof hello, out, sizeof out, &got).status,
                   WS_STATUS_PROTOCOL_ERROR);
}
END_TEST

START_TEST(fragments_and_a_ping_between_them) {
  uint8_t in[64];
  size_t n = 0;
  uint8_t m[4] = {1, 2, 3, 4};
  n += ws_encode_header(in + n, sizeof in - n, WS_OP_BINARY, 3, m);
  in[0] &= 0x7f; /* not FIN: the message continues */
  memcpy(in + n, "Hel", 3);
  ws_mask(in + n, 3, m, 0);
  n += 3;
  n += ws_encode_header(in + n, sizeof in - n, WS_OP_PING, 2, m);
  memcpy(in + n, "pi", 2);
  ws_mask(in + n, 2, m, 0);
  n += 2;
  n += ws_encode_header(in + n, sizeof in - n, WS_OP_CONTINUATION, 2, m);
  memcpy(in + n, "lo", 2);
  ws_mask(in + n, 2, m, 0);
  n += 2;
  struct ws_decoder d;
  ws_decoder_init(&d, true, 1 << 20);
  uint8_t out[16];
  size_t got = 0, at = 0;
  bool pinged = false;
  while (at < n) {
    struct ws_result r = ws_decode(&d, in + at, n - at, out + got, sizeof out - got);
    ck_assert_int_ne(r.event, WS_EV_ERROR);
    if (r.event == WS_EV_CONTROL) {
      ck_assert_uint_eq(r.opcode, WS_OP_PING);
      ck_assert_uint_eq(r.control_len, 2);
      ck_assert(memcmp(r.control, "pi", 2) == 0);
      pinged = true;
    }
    got += r.out_len;
    at += r.consumed;
  }
  ck_assert(pinged);
  ck_assert_uint_eq(got, 5);
  ck_assert(memcmp(out, "Hello", 5) == 0);
}
END_TEST

START_TEST(long_lengths_and_a_small_output_buffer) {
  size_t lens[] = {125, 126, 65535, 65536, 200000};
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
    size_t len = lens[k];
    uint8_t *in = malloc(len + WS_MAX_HEADER_LEN), *out = malloc(len);
    uint8_t m[4] = {9, 8, 7, 6};
    size_t h = ws_encode_header(in, WS_MAX_HEADER_LEN, WS_OP_BINARY, len, m);
    ck_assert_uint_eq(h, 2 + (len < 126 ? 0 : len <= 0xffff ? 2 : 8) + 4);
    for (size_t i = 0; i < len; i++) in[h + i] = (uint8_t)(i * 31);
    ws_mask(in + h, len, m, 0);
    struct ws_decoder d;
    ws_decoder_init(&d, true, 1 << 20);
    size_t got = 0, at = 0;
    while (at < h + len) {
      size_t room = len - got < 1000 ? len - got : 1000; /* 1000 bytes at a time */
      struct ws_result r = ws_decode(&d, in + at, h + len - at, out + got, room);
      ck_assert_int_eq(r.event == WS_EV_ERROR, 0);
      got += r.out_len;
      at += r.consumed;
    }
    ck_assert_uint_eq(got, len);
    for (size_t i = 0; i < len; i++) ck_assert_uint_eq(out[i], (uint8_t)(i * 31));
    free(in);
    free(out);
  }
}
END_TEST

START_TEST(server_frames_and_close_payloads) {
  uint8_t h[WS_MAX_HEADER_LEN];
  ck_assert_uint_eq(ws_encode_header(h, sizeof h, WS_OP_BINARY, 40, NULL), 2);
  ck_assert_uint_eq(h[0], 0x82);
  ck_assert_uint_eq(h[1], 40);
  ck_assert_uint_eq(ws_encode_header(h, 1, WS_OP_BINARY, 40, NULL), 0);
  uint8_t p[WS_MAX_CONTROL_PAYLOAD];
  size_t n =
      ws_close_payload(p, WS_STATUS_POLICY_VIOLATION, "client must speak the derp subprotocol");
  ck_assert_uint_eq(n, 2 + strlen("client must speak the derp subprotocol"));
  ck_assert_uint_eq(p[0], 0x03);
  ck_assert_uint_eq(p[1], 0xf0);
  char longer[300];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  ck_assert_uint_eq(ws_close_payload(p, 1000, longer), WS_MAX_CONTROL_PAYLOAD);
  /* a client decoder reads a server's unmasked frame */
  struct ws_decoder d;
  ws_decoder_init(&d, false, 1 << 20);
  uint8_t in[8] = {0x82, 0x03, 'a', 'b', 'c'}, out[8];
  struct ws_result r = ws_decode(&d, in, 5, out, sizeof out);
  ck_assert_int_eq(r.event, WS_EV_DATA);
  ck_assert_uint_eq(r.out_len, 3);
}
END_TEST

static Suite *ws_suite(void) {
  Suite *s = suite_create("ws_frame");
  TCase *tc = tcase_create("ws");
  tcase_add_test(tc, accept_key_is_the_rfc_example);
  tcase_add_test(tc, subprotocol_offer_as_derper_reads_it);
  tcase_add_test(tc, masked_client_frame_in_any_chunking);
  tcase_add_test(tc, errors_carry_the_rfc_status);
  tcase_add_test(tc, fragments_and_a_ping_between_them);
  tcase_add_test(tc, long_lengths_and_a_small_output_buffer);
  tcase_add_test(tc, server_frames_and_close_payloads);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(ws_suite)
