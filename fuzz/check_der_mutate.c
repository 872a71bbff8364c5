/* der_mutate on a real certificate: deterministic per seed, inside the
 * caller's buffer, and mostly well-formed: a mutation changes one node and
 * re-encodes the lengths around it, so (apart from the lengths broken on
 * purpose, about one in sixteen) the result is DER that OpenSSL's ASN.1
 * reader walks to the end, and most mutations change what the certificate
 * parser sees. */
#include "der_mutate.h"

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

static uint8_t cert[8192];
static size_t cert_len;

static void load(void) {
  FILE *f = fopen(DER_MUTATE_SEED, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", DER_MUTATE_SEED);
  cert_len = fread(cert, 1, sizeof cert, f);
  fclose(f);
  const unsigned char *p = cert;
  X509 *x = d2i_X509(NULL, &p, (long)cert_len);
  ck_assert_msg(x != NULL, "the seed is not a certificate");
  X509_free(x);
}

/* One whole DER element, walked by OpenSSL's ASN.1 reader. */
static bool well_formed(const uint8_t *p, size_t n) {
  const unsigned char *q = p;
  long len;
  int tag, cls;
  int r = ASN1_get_object(&q, &len, &tag, &cls, (long)n);
  return !(r & 0x80) && (size_t)(q - p) + (size_t)len == n;
}

START_TEST(mutations_are_deterministic_bounded_and_mostly_der) {
  load();
  static uint8_t a[1 << 16], b[1 << 16];
  int produced = 0, der = 0, changed = 0, parsed_differently = 0;
  for (uint32_t seed = 0; seed < 2000; seed++) {
    size_t n = der_mutate(cert, cert_len, a, sizeof a, seed);
    size_t m = der_mutate(cert, cert_len, b, sizeof b, seed);
    ck_assert_uint_eq(n, m);
    ck_assert(memcmp(a, b, n) == 0);
    if (n == 0) continue;
    produced++;
    der += well_formed(a, n);
    changed += n != cert_len || memcmp(a, cert, n) != 0;
    const unsigned char *p = a;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    parsed_differently += x == NULL || (size_t)(p - a) != n;
    X509_free(x);
  }
  ck_assert_int_gt(produced, 1900);
  ck_assert_int_gt(der, produced * 8 / 10);
  ck_assert_int_gt(changed, produced * 9 / 10);
  ck_assert_int_gt(parsed_differently, 0);
  /* too small a buffer: nothing, not an overflow */
  ck_assert_uint_eq(der_mutate(cert, cert_len, a, 10, 1), 0);
  /* not DER at the top: refused */
  ck_assert_uint_eq(der_mutate((const uint8_t *)"\x30\x05\x01", 3, a, sizeof a, 1), 0);
}
END_TEST

START_TEST(crossover_keeps_the_tree) {
  load();
  static uint8_t a[1 << 16];
  int der = 0;
  for (uint32_t seed = 0; seed < 500; seed++) {
    size_t n = der_crossover(cert, cert_len, cert, cert_len, a, sizeof a, seed);
    ck_assert_uint_gt(n, 0);
    der += well_formed(a, n);
  }
  ck_assert_int_eq(der, 500); /* a node for a node: lengths re-encoded, never broken */
}
END_TEST

/* The seed has SAN DNS names and IP addresses, a CN and two UTC times: the
 * picks find each kind, and only it. */
START_TEST(pick_finds_names_and_times) {
  load();
  int dns = 0, ip = 0, cn = 0, times = 0;
  for (uint32_t seed = 0; seed < 400; seed++) {
    const uint8_t *v;
    uint8_t tag;
    size_t n = der_pick(cert, cert_len, DER_PICK_NAME, seed, &v, &tag);
    ck_assert_uint_gt(n, 0);
    ck_assert(v > cert && v + n <= cert + cert_len);
    dns += tag == 0x82;
    ip += tag == 0x87 && (n == 4 || n == 16);
    cn += tag != 0x82 && tag != 0x87;
    n = der_pick(cert, cert_len, DER_PICK_TIME, seed, &v, &tag);
    ck_assert(tag == 0x17 || tag == 0x18);
    times += (tag == 0x17 && n == 13) || (tag == 0x18 && n == 15);
  }
  ck_assert_int_gt(dns, 0);
  ck_assert_int_gt(ip, 0);
  ck_assert_int_gt(cn, 0);
  ck_assert_int_eq(times, 400);
  const uint8_t *v;
  uint8_t tag;
  ck_assert_uint_eq(der_pick((const uint8_t *)"\x30\x05\x01", 3, DER_PICK_NAME, 1, &v, &tag), 0);
}
END_TEST

static Suite *der_mutate_suite(void) {
  Suite *s = suite_create("der_mutate");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, mutations_are_deterministic_bounded_and_mostly_der);
  tcase_add_test(tc, crossover_keeps_the_tree);
  tcase_add_test(tc, pick_finds_names_and_times);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(der_mutate_suite)
