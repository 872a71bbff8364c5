/* transcript_decode: records made readable, hostile ones safely. */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"

struct rec {
  uint8_t b[8192];
  size_t n;
};

static void start(struct rec *r) {
  memcpy(r->b, TRANSCRIPT_MAGIC, strlen(TRANSCRIPT_MAGIC));
  r->n = strlen(TRANSCRIPT_MAGIC);
}

static void chunk(struct rec *r, char kind, uint8_t conn, const void *p, size_t n) {
  ck_assert_uint_lt(r->n + 6 + n, sizeof r->b);
  uint8_t h[6] = {(uint8_t)kind,     conn,      (uint8_t)(n >> 24), (uint8_t)(n >> 16),
                  (uint8_t)(n >> 8), (uint8_t)n};
  memcpy(r->b + r->n, h, 6);
  memcpy(r->b + r->n + 6, p, n);
  r->n += 6 + n;
}

static void frame(struct rec *r, char dir, uint8_t conn, uint8_t type, const uint8_t *p,
                  uint32_t n) {
  uint8_t buf[1024] = {type, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  if (n > 0) memcpy(buf + 5, p, n);
  chunk(r, dir, conn, buf, 5 + n);
}

static const char fast_req[] =
    "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\nDerp-Fast-Start: 1\r\n\r\n";

START_TEST(fast_start_in_odd_chunks) {
  struct rec r;
  start(&r);
  chunk(&r, 'N', 0, "127.0.0.1:443", 13);
  chunk(&r, 'C', 0, "\x30\x03\x02\x01\x01", 5); /* the chain served, one chunk each */
  /* the request head split mid-line, ClientInfo following it at once */
  chunk(&r, '>', 0, fast_req, 20);
  uint8_t ci[5 + 32 + 10] = {0x02, 0, 0, 0, 42};
  memset(ci + 5, 0xab, 32);
  uint8_t tail[sizeof fast_req - 1 - 20 + sizeof ci];
  memcpy(tail, fast_req + 20, sizeof fast_req - 1 - 20);
  memcpy(tail + sizeof fast_req - 1 - 20, ci, sizeof ci);
  chunk(&r, '>', 0, tail, sizeof tail);
  uint8_t sk[8 + 32] = {0x44, 0x45, 0x52, 0x50};
  memset(sk + 8, 0xcd, 32);
  frame(&r, '<', 0, 0x01, sk, sizeof sk); /* no 101: fast start */
  char *t = transcript_decode(r.b, r.n);
  ck_assert_ptr_nonnull(t);
  ck_assert_ptr_nonnull(strstr(t, "== connection 1: 127.0.0.1:443 ==\n"));
  ck_assert_ptr_nonnull(strstr(t, "certificate served: 5 bytes\n"));
  ck_assert_ptr_nonnull(strstr(t, "> GET /derp HTTP/1.1\n> Host: h\n"));
  ck_assert_ptr_nonnull(strstr(
      t, "> Derp-Fast-Start: 1\n> ClientInfo (0x02) 42 bytes: key abababab…, sealed 10 bytes\n"));
  ck_assert_ptr_nonnull(strstr(t, "< ServerKey (0x01) 40 bytes: key cdcdcdcd…\n"));
  free(t);
}
END_TEST

START_TEST(interleaved_connections_are_named_and_repeats_folded) {
  struct rec r;
  start(&r);
  chunk(&r, 'N', 0, "a", 1);
  chunk(&r, 'N', 1, "b", 1);
  chunk(&r, '>', 0, "GET /derp HTTP/1.1\r\n\r\n", 22);
  chunk(&r, '>', 1, "GET /derp HTTP/1.1\r\n\r\n", 22);
  uint8_t pkt[32 + 3] = {0};
  for (int i = 0; i < 5; i++) frame(&r, '>', 1, 0x04, pkt, sizeof pkt);
  frame(&r, '<', 0, 0x06, NULL, 0);
  char *t = transcript_decode(r.b, r.n);
  ck_assert_ptr_nonnull(t);
  ck_assert_ptr_nonnull(strstr(t, "a > GET /derp HTTP/1.1\n"));
  ck_assert_ptr_nonnull(strstr(t,
                               "b > SendPacket (0x04) 35 bytes: to 00000000…, 3 bytes\n"
                               "  (the line above 4 more times)\n"));
  free(t);
}
END_TEST

START_TEST(hostile_records_are_safe) {
  ck_assert_ptr_null(transcript_decode((const uint8_t *)"nope", 4));
  struct rec r;
  start(&r);
  chunk(&r, '>', 7, "x", 1); /* no such connection */
  chunk(&r, 'N', 0, "\x1b[31mred\x07", 9);
  chunk(&r, '>', 0, "GET / HTTP/1.1\r\nX: \x01\x02\r\n\r\n", 25);
  uint8_t huge[5] = {0x05, 0x7f, 0xff, 0xff, 0xff}; /* a frame that never completes */
  chunk(&r, '>', 0, huge, sizeof huge);
  r.b[r.n++] = '>'; /* a chunk header cut short */
  char *t = transcript_decode(r.b, r.n);
  ck_assert_ptr_nonnull(t);
  ck_assert_ptr_nonnull(strstr(t, "not a known kind, or no such connection"));
  ck_assert_ptr_nonnull(strstr(t, "\\x1b[31mred\\x07"));
  ck_assert_ptr_nonnull(strstr(t, "> X: \\x01\\x02\n"));
  ck_assert_ptr_nonnull(strstr(t, "(record cut short)"));
  ck_assert_ptr_nonnull(strstr(t, "> (5 bytes left over, not a whole frame)"));
  ck_assert_ptr_null(strchr(t, '\x1b'));
  free(t);
}
END_TEST

START_TEST(long_records_are_cut_with_a_note) {
  size_t cap = 1u << 20;
  uint8_t *b = malloc(cap);
  size_t n = strlen(TRANSCRIPT_MAGIC);
  memcpy(b, TRANSCRIPT_MAGIC, n);
  /* many connections, each a distinct line: nothing folds */
  for (unsigned i = 0; n + 64 < cap; i++) {
    char name[32];
    int l = snprintf(name, sizeof name, "conn-%u", i);
    uint8_t h[6] = {'N', (uint8_t)i, 0, 0, 0, (uint8_t)l};
    memcpy(b + n, h, 6);
    memcpy(b + n + 6, name, (size_t)l);
    n += 6 + (size_t)l;
  }
  char *t = transcript_decode(b, n);
  ck_assert_ptr_nonnull(t);
  ck_assert_uint_le(strlen(t), TRANSCRIPT_MAX_TEXT);
  ck_assert_ptr_nonnull(strstr(t, "(transcript cut)"));
  free(t);
  free(b);
}
END_TEST

static Suite *transcript_suite(void) {
  Suite *s = suite_create("transcript");
  TCase *tc = tcase_create("decode");
  tcase_add_test(tc, fast_start_in_odd_chunks);
  tcase_add_test(tc, interleaved_connections_are_named_and_repeats_folded);
  tcase_add_test(tc, hostile_records_are_safe);
  tcase_add_test(tc, long_records_are_cut_with_a_note);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(transcript_suite)
