#include "derp/tls_certmsg.h"

#include <string.h>

#include "check_main.h"

/* A Certificate message with two entries "AB" and "CDE" in either layout. */
static size_t build_msg(uint8_t *m, bool tls13, const uint8_t *ctx, uint8_t ctx_len) {
  uint8_t body[64];
  size_t b = 0;
  if (tls13) {
    body[b++] = ctx_len;
    memcpy(body + b, ctx, ctx_len);
    b += ctx_len;
  }
  size_t list_at = b;
  b += 3;
  const char *certs[] = {"AB", "CDE"};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(certs[i]);
    body[b++] = 0;
    body[b++] = 0;
    body[b++] = (uint8_t)n;
    memcpy(body + b, certs[i], n);
    b += n;
    if (tls13) {
      body[b++] = 0;
      body[b++] = (uint8_t)(i == 1 ? 2 : 0);
      if (i == 1) {
        body[b++] = 0xee;
        body[b++] = 0xee;
      }
    }
  }
  size_t list_len = b - list_at - 3;
  body[list_at] = 0;
  body[list_at + 1] = 0;
  body[list_at + 2] = (uint8_t)list_len;
  m[0] = TLS_HANDSHAKE_CERTIFICATE;
  m[1] = 0;
  m[2] = 0;
  m[3] = (uint8_t)b;
  memcpy(m + 4, body, b);
  return b + 4;
}

START_TEST(tls13_two_certs_point_into_message) {
  uint8_t m[80];
  size_t n = build_msg(m, true, (const uint8_t *)"", 0);
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, n, true, &cm), TLS_CERTMSG_OK);
  ck_assert_uint_eq(cm.n_certs, 2);
  ck_assert_uint_eq(cm.certs[0].len, 2);
  ck_assert_mem_eq(cm.certs[0].ptr, "AB", 2);
  ck_assert_uint_eq(cm.certs[1].len, 3);
  ck_assert_mem_eq(cm.certs[1].ptr, "CDE", 3);
  ck_assert(cm.certs[0].ptr > m && cm.certs[1].ptr < m + n);
}
END_TEST

START_TEST(tls13_context_bytes_skipped) {
  uint8_t m[80];
  size_t n = build_msg(m, true, (const uint8_t *)"xyz", 3);
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, n, true, &cm), TLS_CERTMSG_OK);
  ck_assert_uint_eq(cm.n_certs, 2);
  ck_assert_mem_eq(cm.certs[1].ptr, "CDE", 3);
}
END_TEST

START_TEST(tls12_layout_has_no_extensions) {
  uint8_t m[80];
  size_t n = build_msg(m, false, NULL, 0);
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, n, false, &cm), TLS_CERTMSG_OK);
  ck_assert_uint_eq(cm.n_certs, 2);
  /* The same bytes read as TLS 1.3 must not parse. */
  ck_assert_int_ne(tls_certmsg_parse(m, n, true, &cm), TLS_CERTMSG_OK);
}
END_TEST

START_TEST(every_truncation_rejected) {
  uint8_t m[80];
  size_t n = build_msg(m, true, (const uint8_t *)"", 0);
  struct tls_certmsg cm;
  for (size_t cut = 0; cut < n; cut++)
    ck_assert_int_ne(tls_certmsg_parse(m, cut, true, &cm), TLS_CERTMSG_OK);
}
END_TEST

START_TEST(trailing_byte_rejected) {
  uint8_t m[80];
  size_t n = build_msg(m, false, NULL, 0);
  m[n] = 0;
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, n + 1, false, &cm), TLS_CERTMSG_ERR_TRAILING);
}
END_TEST

START_TEST(wrong_handshake_type_rejected) {
  uint8_t m[80];
  size_t n = build_msg(m, false, NULL, 0);
  m[0] = 2;
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, n, false, &cm), TLS_CERTMSG_ERR_NOT_CERTIFICATE);
}
END_TEST

START_TEST(empty_list_is_zero_certs) {
  const uint8_t m[] = {11, 0, 0, 4, 0, 0, 0, 0};
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, sizeof m, true, &cm), TLS_CERTMSG_OK);
  ck_assert_uint_eq(cm.n_certs, 0);
}
END_TEST

START_TEST(zero_length_entry_rejected) {
  const uint8_t m[] = {11, 0, 0, 6, 0, 0, 3, 0, 0, 0};
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, sizeof m, false, &cm), TLS_CERTMSG_ERR_EMPTY_CERT);
}
END_TEST

START_TEST(too_many_certs_rejected) {
  uint8_t m[4 + 3 + 4 * (TLS_CERTMSG_MAX_CERTS + 1)];
  size_t list_len = 4 * (TLS_CERTMSG_MAX_CERTS + 1);
  m[0] = 11;
  m[1] = 0;
  m[2] = 0;
  m[3] = (uint8_t)(3 + list_len);
  m[4] = 0;
  m[5] = 0;
  m[6] = (uint8_t)list_len;
  for (size_t i = 0; i <= TLS_CERTMSG_MAX_CERTS; i++) {
    uint8_t *e = m + 7 + 4 * i;
    e[0] = 0;
    e[1] = 0;
    e[2] = 1;
    e[3] = 0x30;
  }
  struct tls_certmsg cm;
  ck_assert_int_eq(tls_certmsg_parse(m, sizeof m, false, &cm), TLS_CERTMSG_ERR_TOO_MANY);
}
END_TEST

static Suite *tls_certmsg_suite(void) {
  Suite *s = suite_create("tls_certmsg");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, tls13_two_certs_point_into_message);
  tcase_add_test(tc, tls13_context_bytes_skipped);
  tcase_add_test(tc, tls12_layout_has_no_extensions);
  tcase_add_test(tc, every_truncation_rejected);
  tcase_add_test(tc, trailing_byte_rejected);
  tcase_add_test(tc, wrong_handshake_type_rejected);
  tcase_add_test(tc, empty_list_is_zero_certs);
  tcase_add_test(tc, zero_length_entry_rejected);
  tcase_add_test(tc, too_many_certs_rejected);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(tls_certmsg_suite)
