#include "harness/cert_factory.h"
#include "harness/det_rand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "derp/hex.h"

/* 2026-03-04 13:41:12 UTC */
#define NOW INT64_C(1772631672)

static struct factory_cert *make(struct cert_factory *f, const struct cert_spec *s) {
  struct factory_cert *c = cert_factory_make(f, s);
  ck_assert_msg(c != NULL, "factory: %s", cert_factory_error(f));
  return c;
}

static void assert_same_der(const struct factory_cert *a, const struct factory_cert *b) {
  ck_assert_uint_eq(a->der_len, b->der_len);
  ck_assert_mem_eq(a->der, b->der, a->der_len);
}

static bool same_der(const struct factory_cert *a, const struct factory_cert *b) {
  return a->der_len == b->der_len && memcmp(a->der, b->der, a->der_len) == 0;
}

static struct cert_spec spec_of_type(enum cert_key_type t, const char *label) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.label = label;
  s.key_type = t;
  return s;
}

static const enum cert_key_type all_types[] = {CERT_KEY_P256, CERT_KEY_P384, CERT_KEY_ED25519,
                                               CERT_KEY_RSA2048};

START_TEST(same_seed_gives_identical_der_for_every_key_type) {
  struct cert_factory *a = cert_factory_new(42), *b = cert_factory_new(42);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++) {
    struct cert_spec s = spec_of_type(all_types[i], "k");
    struct factory_cert *ca = make(a, &s), *cb = make(b, &s);
    assert_same_der(ca, cb);
    ck_assert_str_eq(ca->sha256_hex, cb->sha256_hex);
    factory_cert_free(ca);
    factory_cert_free(cb);
  }
  cert_factory_free(a);
  cert_factory_free(b);
}
END_TEST

START_TEST(different_seed_gives_different_key_serial_and_signature) {
  struct cert_factory *a = cert_factory_new(1), *b = cert_factory_new(2);
  for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++) {
    struct cert_spec s = spec_of_type(all_types[i], "k");
    struct factory_cert *ca = make(a, &s), *cb = make(b, &s);
    ck_assert(!same_der(ca, cb));
    ck_assert(EVP_PKEY_eq(X509_get0_pubkey(ca->x509), X509_get0_pubkey(cb->x509)) != 1);
    factory_cert_free(ca);
    factory_cert_free(cb);
  }
  cert_factory_free(a);
  cert_factory_free(b);
}
END_TEST

START_TEST(bytes_do_not_depend_on_what_was_made_before) {
  struct cert_factory *a = cert_factory_new(7), *b = cert_factory_new(7);
  struct cert_spec x = spec_of_type(CERT_KEY_P256, "x");
  struct cert_spec y = spec_of_type(CERT_KEY_P256, "y");
  struct factory_cert *ax = make(a, &x), *ay = make(a, &y);
  struct factory_cert *by = make(b, &y), *bx = make(b, &x);
  assert_same_der(ax, bx);
  assert_same_der(ay, by);
  ck_assert(!same_der(ax, ay));
  factory_cert_free(ax);
  factory_cert_free(ay);
  factory_cert_free(bx);
  factory_cert_free(by);
  cert_factory_free(a);
  cert_factory_free(b);
}
END_TEST

START_TEST(same_label_same_key_different_label_different_key) {
  struct cert_factory *f = cert_factory_new(9);
  struct cert_spec s1 = spec_of_type(CERT_KEY_P256, "one");
  struct cert_spec s2 = s1;
  s2.cn = "10.0.0.1";
  struct cert_spec s3 = spec_of_type(CERT_KEY_P256, "two");
  struct factory_cert *c1 = make(f, &s1), *c2 = make(f, &s2), *c3 = make(f, &s3);
  ck_assert_int_eq(EVP_PKEY_eq(X509_get0_pubkey(c1->x509), X509_get0_pubkey(c2->x509)), 1);
  ck_assert_int_ne(EVP_PKEY_eq(X509_get0_pubkey(c1->x509), X509_get0_pubkey(c3->x509)), 1);
  factory_cert_free(c1);
  factory_cert_free(c2);
  factory_cert_free(c3);
  cert_factory_free(f);
}
END_TEST

static const X509_EXTENSION *ext_at(const X509 *x, int i) { return X509_get_ext(x, i); }

static int ext_nid(const X509 *x, int i) {
  return OBJ_obj2nid(X509_EXTENSION_get_object((X509_EXTENSION *)ext_at(x, i)));
}

static void assert_ext_value(const X509 *x, int i, const uint8_t *want, size_t len) {
  const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data((X509_EXTENSION *)ext_at(x, i));
  ck_assert_int_eq(ASN1_STRING_length(v), (int)len);
  ck_assert_mem_eq(ASN1_STRING_get0_data(v), want, len);
}

START_TEST(derper_ip_profile_follows_go_layout) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("1.2.3.4", NOW);
  struct factory_cert *c = make(f, &s);
  X509 *x = c->x509;
  ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
  ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
  ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
  ck_assert_int_eq(X509_NAME_entry_count(X509_get_subject_name(x)), 1);
  X509_NAME_ENTRY *e = X509_NAME_get_entry(X509_get_subject_name(x), 0);
  ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)), NID_commonName);
  ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)), V_ASN1_PRINTABLESTRING);
  ck_assert_str_eq((const char *)ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e)), "1.2.3.4");

  ck_assert_int_eq(X509_get_ext_count(x), 4);
  static const uint8_t ku[] = {0x03, 0x02, 0x05, 0xa0};
  static const uint8_t bc[] = {0x30, 0x00};
  static const uint8_t san[] = {0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4};
  ck_assert_int_eq(ext_nid(x, 0), NID_key_usage);
  ck_assert_int_eq(X509_EXTENSION_get_critical(ext_at(x, 0)), 1);
  assert_ext_value(x, 0, ku, sizeof ku);
  ck_assert_int_eq(ext_nid(x, 1), NID_ext_key_usage);
  ck_assert_int_eq(X509_EXTENSION_get_critical(ext_at(x, 1)), 0);
  ck_assert_int_eq(ext_nid(x, 2), NID_basic_constraints);
  ck_assert_int_eq(X509_EXTENSION_get_critical(ext_at(x, 2)), 1);
  assert_ext_value(x, 2, bc, sizeof bc);
  ck_assert_int_eq(ext_nid(x, 3), NID_subject_alt_name);
  ck_assert_int_eq(X509_EXTENSION_get_critical(ext_at(x, 3)), 0);
  assert_ext_value(x, 3, san, sizeof san);
  ck_assert_int_eq(X509_check_ip_asc(x, "1.2.3.4", 0), 1);

  /* notBefore = now, notAfter = now + 1 calendar year (2027 is not leap). */
  ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)NOW), 0);
  ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(NOW + 365 * 86400)), 0);
  /* A random 128-bit serial is non-negative and below 2^128. */
  BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  ck_assert(!BN_is_negative(serial));
  ck_assert_int_le(BN_num_bits(serial), 128);
  ck_assert_int_gt(BN_num_bits(serial), 64);
  BN_free(serial);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(metacert_profile_has_one_critical_basic_constraints) {
  struct cert_factory *f = cert_factory_new(3);
  uint8_t pub[32];
  for (int i = 0; i < 32; i++) pub[i] = (uint8_t)(0xa0 + i);
  char cn[72];
  cert_metacert_cn(pub, cn);
  ck_assert_uint_eq(strlen(cn), 71);
  ck_assert_str_eq(cn, "derpkeya0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  struct cert_spec s = cert_spec_metacert(cn, NOW);
  struct factory_cert *c = make(f, &s);
  X509 *x = c->x509;
  ck_assert_int_eq(X509_get_signature_nid(x), NID_ED25519);
  ck_assert_int_eq(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 2);
  ck_assert_int_eq(X509_get_ext_count(x), 1);
  ck_assert_int_eq(ext_nid(x, 0), NID_basic_constraints);
  ck_assert_int_eq(X509_EXTENSION_get_critical(ext_at(x, 0)), 1);
  static const uint8_t bc[] = {0x30, 0x00};
  assert_ext_value(x, 0, bc, sizeof bc);
  X509_NAME_ENTRY *e = X509_NAME_get_entry(X509_get_subject_name(x), 0);
  const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
  ck_assert_int_eq(ASN1_STRING_type(v), V_ASN1_PRINTABLESTRING);
  ck_assert_int_eq(ASN1_STRING_length(v), 71);
  ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)(NOW - 30 * 86400)), 0);
  ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(NOW + 30 * 86400)), 0);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(cn_keeps_any_length_and_requested_string_type) {
  struct cert_factory *f = cert_factory_new(3);
  char long_cn[301];
  memset(long_cn, 'a', 300);
  long_cn[300] = '\0';
  const int types[] = {V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, V_ASN1_IA5STRING,
                       V_ASN1_T61STRING};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.cn = long_cn;
    s.cn_asn1_type = types[i];
    struct factory_cert *c = make(f, &s);
    const ASN1_STRING *v =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(c->x509), 0));
    ck_assert_int_eq(ASN1_STRING_type(v), types[i]);
    ck_assert_int_eq(ASN1_STRING_length(v), 300);
    factory_cert_free(c);
  }
  cert_factory_free(f);
}
END_TEST

START_TEST(no_cn_gives_empty_subject_and_issuer) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.no_cn = true;
  struct factory_cert *c = make(f, &s);
  ck_assert_int_eq(X509_NAME_entry_count(X509_get_subject_name(c->x509)), 0);
  ck_assert_int_eq(X509_NAME_entry_count(X509_get_issuer_name(c->x509)), 0);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

static void assert_serial_bytes(struct cert_factory *f, const uint8_t *in, size_t len, long want) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.serial_kind = CERT_SERIAL_BYTES;
  s.serial_bytes = in;
  s.serial_len = len;
  struct factory_cert *c = make(f, &s);
  ck_assert_int_eq(ASN1_INTEGER_get(X509_get0_serialNumber(c->x509)), want);
  factory_cert_free(c);
}

START_TEST(serial_bytes_are_twos_complement) {
  struct cert_factory *f = cert_factory_new(3);
  const uint8_t zero[] = {0x00}, minus_one[] = {0xff}, minus_256[] = {0xff, 0x00},
                v256[] = {0x01, 0x00}, v255[] = {0x00, 0xff};
  assert_serial_bytes(f, zero, 1, 0);
  assert_serial_bytes(f, NULL, 0, 0);
  assert_serial_bytes(f, minus_one, 1, -1);
  assert_serial_bytes(f, minus_256, 2, -256);
  assert_serial_bytes(f, v256, 2, 256);
  assert_serial_bytes(f, v255, 2, 255);
  cert_factory_free(f);
}
END_TEST

START_TEST(ca_signed_leaf_verifies_against_ca_key) {
  struct cert_factory *f = cert_factory_new(5);
  struct cert_spec ca_spec = spec_of_type(CERT_KEY_P384, "ca");
  ca_spec.cn = "derpcheck test CA";
  ca_spec.ip_san_count = 0;
  ca_spec.ext_profile = CERT_EXT_CA;
  struct factory_cert *ca = make(f, &ca_spec);
  struct cert_spec leaf_spec = spec_of_type(CERT_KEY_P256, "leaf");
  leaf_spec.issuer = ca;
  struct factory_cert *leaf = make(f, &leaf_spec);
  ck_assert_int_eq(X509_verify(leaf->x509, X509_get0_pubkey(ca->x509)), 1);
  ck_assert_int_ne(X509_verify(leaf->x509, X509_get0_pubkey(leaf->x509)), 1);
  ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(leaf->x509), X509_get_subject_name(ca->x509)),
                   0);
  ck_assert_int_eq(X509_get_signature_nid(leaf->x509), NID_ecdsa_with_SHA384);
  ck_assert_int_eq(X509_check_ca(ca->x509), 1);
  factory_cert_free(leaf);
  factory_cert_free(ca);
  cert_factory_free(f);
}
END_TEST

START_TEST(self_signed_certs_verify_and_match_their_keys) {
  struct cert_factory *f = cert_factory_new(11);
  const int sig_nids[] = {NID_ecdsa_with_SHA256, NID_ecdsa_with_SHA384, NID_ED25519,
                          NID_sha256WithRSAEncryption};
  for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++) {
    struct cert_spec s = spec_of_type(all_types[i], "k");
    struct factory_cert *c = make(f, &s);
    ck_assert_int_eq(X509_verify(c->x509, X509_get0_pubkey(c->x509)), 1);
    ck_assert_int_eq(X509_check_private_key(c->x509, c->key), 1);
    ck_assert_int_eq(X509_get_signature_nid(c->x509), sig_nids[i]);
    factory_cert_free(c);
  }
  cert_factory_free(f);
}
END_TEST

START_TEST(sha256_hex_is_digest_of_der) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  struct factory_cert *c = make(f, &s);
  uint8_t md[32];
  unsigned int n = 0;
  ck_assert_int_eq(X509_digest(c->x509, EVP_sha256(), md, &n), 1);
  char hex[65];
  derp_hex_lower(md, sizeof md, hex);
  ck_assert_str_eq(c->sha256_hex, hex);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(time_text_override_is_encoded_verbatim) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.not_before_text = "20300101000000.5Z";
  s.not_before_text_type = V_ASN1_GENERALIZEDTIME;
  s.not_after_text = "garbage";
  struct factory_cert *c = make(f, &s);
  const ASN1_TIME *nb = X509_get0_notBefore(c->x509), *na = X509_get0_notAfter(c->x509);
  ck_assert_int_eq(ASN1_STRING_type(nb), V_ASN1_GENERALIZEDTIME);
  ck_assert_str_eq((const char *)ASN1_STRING_get0_data(nb), "20300101000000.5Z");
  ck_assert_int_eq(ASN1_STRING_type(na), V_ASN1_UTCTIME);
  ck_assert_int_eq(ASN1_TIME_check(na), 0);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(years_from_2050_use_generalized_time) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.not_after = INT64_C(2524608000);  /* 2050-01-01 */
  s.not_before = INT64_C(-631152000); /* 1950-01-01 */
  struct factory_cert *c = make(f, &s);
  ck_assert_int_eq(ASN1_STRING_type(X509_get0_notAfter(c->x509)), V_ASN1_GENERALIZEDTIME);
  ck_assert_int_eq(ASN1_STRING_type(X509_get0_notBefore(c->x509)), V_ASN1_UTCTIME);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(dns_then_ip_sans_and_extra_extensions_in_order) {
  struct cert_factory *f = cert_factory_new(3);
  static const uint8_t bc_again[] = {0x30, 0x00};
  const struct cert_extra_ext extra[] = {{"2.5.29.19", false, bc_again, sizeof bc_again}};
  struct cert_spec s = cert_spec_derper_ip("::1", NOW);
  s.dns_sans[0] = "derp.example";
  s.dns_san_count = 1;
  s.ext_profile = CERT_EXT_NONE;
  s.extra_exts = extra;
  s.extra_ext_count = 1;
  struct factory_cert *c = make(f, &s);
  ck_assert_int_eq(X509_get_ext_count(c->x509), 2);
  ck_assert_int_eq(ext_nid(c->x509, 0), NID_subject_alt_name);
  ck_assert_int_eq(ext_nid(c->x509, 1), NID_basic_constraints);
  static const uint8_t san[] = {0x30, 0x20, 0x82, 0x0c, 'd',  'e',  'r', 'p', '.', 'e', 'x', 'a',
                                'm',  'p',  'l',  'e',  0x87, 0x10, 0,   0,   0,   0,   0,   0,
                                0,    0,    0,    0,    0,    0,    0,   0,   0,   1};
  assert_ext_value(c->x509, 0, san, sizeof san);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(bad_ip_san_is_an_error_not_a_crash) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("not-an-ip", NOW);
  ck_assert_ptr_null(cert_factory_make(f, &s));
  ck_assert_ptr_nonnull(strstr(cert_factory_error(f), "not an IP"));
  cert_factory_free(f);
}
END_TEST

START_TEST(v1_certificate_has_no_version_field) {
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.version = 1;
  s.ip_san_count = 0;
  s.ext_profile = CERT_EXT_NONE;
  struct factory_cert *c = make(f, &s);
  ck_assert_int_eq(X509_get_version(c->x509), X509_VERSION_1);
  /* TBSCertificate starts with the serial INTEGER, not [0]. */
  const uint8_t *p = c->der;
  size_t off = (p[1] & 0x80) ? 2 + (p[1] & 0x7f) : 2;
  off += (p[off + 1] & 0x80) ? 2 + (p[off + 1] & 0x7f) : 2;
  ck_assert_uint_eq(p[off], 0x02);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

START_TEST(add_one_year_matches_go_add_date) {
  ck_assert_int_eq(cert_add_one_year(NOW), NOW + 365 * 86400);
  /* 2024-02-29 12:00:00 -> 2025-03-01 12:00:00 */
  ck_assert_int_eq(cert_add_one_year(INT64_C(1709208000)), INT64_C(1740830400));
  /* 2027-06-01 -> 2028-06-01 crosses Feb 29 2028 */
  ck_assert_int_eq(cert_add_one_year(INT64_C(1811808000)), INT64_C(1811808000) + 366 * 86400);
}
END_TEST

static char tmpdir[64];

static void make_tmpdir(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/check_cert_factory.XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

START_TEST(pem_writers_round_trip_chain_and_key) {
  make_tmpdir();
  struct cert_factory *f = cert_factory_new(3);
  struct cert_spec ls = cert_spec_derper_ip("127.0.0.1", NOW);
  uint8_t pub[32] = {1};
  char cn[72];
  cert_metacert_cn(pub, cn);
  struct cert_spec ms = cert_spec_metacert(cn, NOW);
  struct factory_cert *leaf = make(f, &ls), *meta = make(f, &ms);
  char crt[128], key[128], key2[128];
  snprintf(crt, sizeof crt, "%s/127.0.0.1.crt", tmpdir);
  snprintf(key, sizeof key, "%s/127.0.0.1.key", tmpdir);
  snprintf(key2, sizeof key2, "%s/pkcs8.key", tmpdir);
  const struct factory_cert *chain[] = {leaf, meta};
  ck_assert(factory_write_chain_pem(crt, chain, 2));
  ck_assert(factory_write_key_pem(key, leaf, CERT_KEY_PEM_TRADITIONAL));
  ck_assert(factory_write_key_pem(key2, leaf, CERT_KEY_PEM_PKCS8));

  FILE *fp = fopen(crt, "r");
  ck_assert_ptr_nonnull(fp);
  X509 *r0 = PEM_read_X509(fp, NULL, NULL, NULL), *r1 = PEM_read_X509(fp, NULL, NULL, NULL);
  X509 *r2 = PEM_read_X509(fp, NULL, NULL, NULL);
  fclose(fp);
  ck_assert_ptr_nonnull(r0);
  ck_assert_ptr_nonnull(r1);
  ck_assert_ptr_null(r2);
  ck_assert_int_eq(X509_cmp(r0, leaf->x509), 0);
  ck_assert_int_eq(X509_cmp(r1, meta->x509), 0);

  char line[64];
  fp = fopen(key, "r");
  ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
  fclose(fp);
  ck_assert_str_eq(line, "-----BEGIN EC PRIVATE KEY-----\n");
  fp = fopen(key2, "r");
  ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
  rewind(fp);
  EVP_PKEY *k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
  fclose(fp);
  ck_assert_str_eq(line, "-----BEGIN PRIVATE KEY-----\n");
  ck_assert_int_eq(X509_check_private_key(r0, k), 1);
  struct stat st;
  ck_assert_int_eq(stat(key, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0600);
  ck_assert_int_eq(stat(crt, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0644);

  EVP_PKEY_free(k);
  X509_free(r0);
  X509_free(r1);
  unlink(crt);
  unlink(key);
  unlink(key2);
  rmdir(tmpdir);
  factory_cert_free(leaf);
  factory_cert_free(meta);
  cert_factory_free(f);
}
END_TEST

START_TEST(det_rand_stream_repeats_after_reseed) {
  uint8_t a[40], b[40];
  det_rand_reseed(99);
  det_rand_fill(a, sizeof a);
  det_rand_reseed(99);
  det_rand_fill(b, 13);
  det_rand_fill(b + 13, sizeof b - 13);
  ck_assert_mem_eq(a, b, sizeof a);
  det_rand_reseed(100);
  det_rand_fill(b, sizeof b);
  ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

START_TEST(det_rand_drives_rand_bytes_of_its_context) {
  OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
  struct det_rand_providers providers;
  ck_assert(det_rand_install(ctx, 5, &providers));
  uint8_t a[32], b[32], want[32];
  ck_assert_int_eq(RAND_bytes_ex(ctx, a, sizeof a, 0), 1);
  det_rand_reseed(5);
  ck_assert_int_eq(RAND_priv_bytes_ex(ctx, b, sizeof b, 0), 1);
  ck_assert_mem_eq(a, b, sizeof a);
  det_rand_reseed(5);
  det_rand_fill(want, sizeof want);
  ck_assert_mem_eq(a, want, sizeof a);
  /* The default context keeps its real DRBG. */
  det_rand_reseed(5);
  ck_assert_int_eq(RAND_bytes(b, sizeof b), 1);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  det_rand_uninstall(&providers);
  OSSL_LIB_CTX_free(ctx);
}
END_TEST

/* ---------- web-PKI chains ---------- */

static void assert_name(const X509_NAME *n, const char *const *want_nid_value, size_t n_attrs) {
  ck_assert_int_eq(X509_NAME_entry_count(n), (int)n_attrs);
  for (size_t i = 0; i < n_attrs; i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, (int)i);
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
    ck_assert_str_eq(OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))), want_nid_value[2 * i]);
    ck_assert_int_eq(ASN1_STRING_type(v), V_ASN1_PRINTABLESTRING);
    ck_assert_int_eq(ASN1_STRING_length(v), (int)strlen(want_nid_value[2 * i + 1]));
    ck_assert_mem_eq(ASN1_STRING_get0_data(v), want_nid_value[2 * i + 1],
                     strlen(want_nid_value[2 * i + 1]));
  }
}

static void assert_ext_order(const X509 *x, const int *nids, size_t n) {
  ck_assert_int_eq(X509_get_ext_count(x), (int)n);
  for (size_t i = 0; i < n; i++) ck_assert_int_eq(ext_nid(x, (int)i), nids[i]);
}

static bool ext_critical(const X509 *x, int nid) {
  int i = X509_get_ext_by_NID(x, nid, -1);
  ck_assert_int_ge(i, 0);
  return X509_EXTENSION_get_critical(ext_at(x, i)) == 1;
}

static void assert_ext_value_of(const X509 *x, int nid, const uint8_t *want, size_t len) {
  int i = X509_get_ext_by_NID(x, nid, -1);
  ck_assert_int_ge(i, 0);
  assert_ext_value(x, i, want, len);
}

/* RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
static void assert_key_id(const ASN1_OCTET_STRING *id, const X509 *of) {
  uint8_t want[20];
  unsigned len = 0;
  ck_assert_int_eq(X509_pubkey_digest(of, EVP_sha1(), want, &len), 1);
  ck_assert_ptr_nonnull(id);
  ck_assert_int_eq(ASN1_STRING_length(id), 20);
  ck_assert_mem_eq(ASN1_STRING_get0_data(id), want, 20);
}

static bool chain_verifies(const struct web_chain *c, int64_t at, const char *host) {
  X509_STORE *store = X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  STACK_OF(X509) *untrusted = sk_X509_new_null();
  ck_assert(store && ctx && untrusted);
  ck_assert_int_eq(X509_STORE_add_cert(store, c->root->x509), 1);
  sk_X509_push(untrusted, c->intermediate->x509);
  ck_assert_int_eq(X509_STORE_CTX_init(ctx, store, c->leaf->x509, untrusted), 1);
  X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_time(p, (time_t)at);
  X509_VERIFY_PARAM_set_purpose(p, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_X509_STRICT | X509_V_FLAG_POLICY_CHECK);
  X509_VERIFY_PARAM_set1_host(p, host, 0);
  bool ok = X509_verify_cert(ctx) == 1;
  sk_X509_free(untrusted);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

START_TEST(web_chain_verifies_root_to_leaf_for_its_names) {
  struct cert_factory *f = cert_factory_new(21);
  for (int rsa = 0; rsa < 2; rsa++) {
    struct web_chain c;
    ck_assert_msg(cert_factory_make_web_chain(f, rsa, NOW, &c), "%s", cert_factory_error(f));
    ck_assert(chain_verifies(&c, NOW, "derp.test"));
    ck_assert(chain_verifies(&c, NOW, "relay.derp.test"));
    ck_assert(!chain_verifies(&c, NOW, "derpcheck.example")); /* the URI SAN's host */
    ck_assert(!chain_verifies(&c, NOW + 91 * 86400, "derp.test"));
    ck_assert_int_eq(X509_check_ip_asc(c.leaf->x509, "127.0.0.1", 0), 1);
    ck_assert_int_eq(X509_check_ip_asc(c.leaf->x509, "::1", 0), 1);
    /* The intermediate is not self-signed: the root's key signs it. */
    ck_assert_int_ne(X509_NAME_cmp(X509_get_issuer_name(c.intermediate->x509),
                                   X509_get_subject_name(c.intermediate->x509)),
                     0);
    ck_assert_int_eq(X509_verify(c.intermediate->x509, X509_get0_pubkey(c.root->x509)), 1);
    ck_assert_int_ne(X509_verify(c.intermediate->x509, X509_get0_pubkey(c.intermediate->x509)), 1);
    ck_assert_int_eq(X509_check_private_key(c.leaf->x509, c.leaf->key), 1);
    const int sig = rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA384;
    ck_assert_int_eq(X509_get_signature_nid(c.leaf->x509), sig);
    ck_assert_int_eq(X509_get_signature_nid(c.intermediate->x509), sig);
    ck_assert_int_eq(EVP_PKEY_get_bits(X509_get0_pubkey(c.leaf->x509)), rsa ? 2048 : 256);
    ck_assert_int_eq(EVP_PKEY_get_bits(X509_get0_pubkey(c.root->x509)), rsa ? 2048 : 384);
    web_chain_free(&c);
    ck_assert_ptr_null(c.leaf);
  }
  cert_factory_free(f);
}
END_TEST

START_TEST(web_chain_is_the_same_for_the_same_seed) {
  struct cert_factory *a = cert_factory_new(22), *b = cert_factory_new(22);
  struct web_chain ca, cb;
  ck_assert(cert_factory_make_web_chain(a, false, NOW, &ca));
  ck_assert(cert_factory_make_web_chain(b, false, NOW, &cb));
  assert_same_der(ca.root, cb.root);
  assert_same_der(ca.intermediate, cb.intermediate);
  assert_same_der(ca.leaf, cb.leaf);
  web_chain_free(&ca);
  web_chain_free(&cb);
  cert_factory_free(a);
  cert_factory_free(b);
}
END_TEST

START_TEST(web_leaf_carries_a_public_cas_extensions_in_order) {
  static const int order[] = {NID_key_usage,
                              NID_ext_key_usage,
                              NID_basic_constraints,
                              NID_subject_key_identifier,
                              NID_authority_key_identifier,
                              NID_info_access,
                              NID_subject_alt_name,
                              NID_certificate_policies,
                              NID_crl_distribution_points,
                              NID_ct_precert_scts};
  static const uint8_t ku_ecdsa[] = {0x03, 0x02, 0x07, 0x80}, ku_rsa[] = {0x03, 0x02, 0x05, 0xa0};
  static const uint8_t eku[] = {0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
                                0x01, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
  static const uint8_t bc[] = {0x30, 0x00};
  static const uint8_t policies[] = {0x30, 0x0a, 0x30, 0x08, 0x06, 0x06,
                                     0x67, 0x81, 0x0c, 0x01, 0x02, 0x01};
  static const char *const subject[] = {
      "C", "CH", "ST", "Zurich", "O", "Derpcheck Relays/Zone Z", "CN", "derp.test"};
  struct cert_factory *f = cert_factory_new(23);
  for (int rsa = 0; rsa < 2; rsa++) {
    struct web_chain c;
    ck_assert(cert_factory_make_web_chain(f, rsa, NOW, &c));
    X509 *x = c.leaf->x509;
    assert_ext_order(x, order, sizeof order / sizeof order[0]);
    ck_assert(ext_critical(x, NID_key_usage));
    ck_assert(ext_critical(x, NID_basic_constraints));
    ck_assert(!ext_critical(x, NID_subject_alt_name));
    assert_ext_value_of(x, NID_key_usage, rsa ? ku_rsa : ku_ecdsa, 4);
    assert_ext_value_of(x, NID_ext_key_usage, eku, sizeof eku);
    assert_ext_value_of(x, NID_basic_constraints, bc, sizeof bc);
    assert_ext_value_of(x, NID_certificate_policies, policies, sizeof policies);
    assert_key_id(X509_get0_subject_key_id(x), x);
    assert_key_id(X509_get0_authority_key_id(x), c.intermediate->x509);
    assert_name(X509_get_subject_name(x), subject, 4);
    ck_assert_int_eq(
        X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(c.intermediate->x509)), 0);

    STACK_OF(OPENSSL_STRING) *ocsp = X509_get1_ocsp(x);
    ck_assert_int_eq(sk_OPENSSL_STRING_num(ocsp), 1);
    ck_assert_str_eq(sk_OPENSSL_STRING_value(ocsp, 0), "http://ocsp.derp.test");
    X509_email_free(ocsp);
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    ck_assert_int_eq(sk_ACCESS_DESCRIPTION_num(aia), 2);
    ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, 1);
    ck_assert_int_eq(OBJ_obj2nid(ad->method), NID_ad_ca_issuers);
    ck_assert_int_eq(ad->location->type, GEN_URI);
    AUTHORITY_INFO_ACCESS_free(aia);
    CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    ck_assert_int_eq(sk_DIST_POINT_num(dps), 1);
    const GENERAL_NAMES *full = sk_DIST_POINT_value(dps, 0)->distpoint->name.fullname;
    ck_assert_int_eq(sk_GENERAL_NAME_num(full), 1);
    ck_assert_int_eq(sk_GENERAL_NAME_value(full, 0)->type, GEN_URI);
    CRL_DIST_POINTS_free(dps);

    /* SANs in Go's order: DNS, IP, URI. */
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    static const int types[] = {GEN_DNS, GEN_DNS, GEN_IPADD, GEN_IPADD, GEN_URI};
    ck_assert_int_eq(sk_GENERAL_NAME_num(sans), 5);
    for (int i = 0; i < 5; i++) ck_assert_int_eq(sk_GENERAL_NAME_value(sans, i)->type, types[i]);
    const ASN1_IA5STRING *uri = sk_GENERAL_NAME_value(sans, 4)->d.uniformResourceIdentifier;
    ck_assert_str_eq((const char *)ASN1_STRING_get0_data(uri),
                     "spiffe://derpcheck.example/relay/z1");
    GENERAL_NAMES_free(sans);

    /* The SCT list decodes as RFC 6962 wants: two v1 SCTs from two logs,
     * stamped inside the validity, with ECDSA/SHA-256 signatures. */
    STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, NULL, NULL);
    ck_assert_int_eq(sk_SCT_num(scts), 2);
    unsigned char *id0, *id1;
    ck_assert_int_eq(SCT_get0_log_id(sk_SCT_value(scts, 0), &id0), 32);
    ck_assert_int_eq(SCT_get0_log_id(sk_SCT_value(scts, 1), &id1), 32);
    ck_assert(memcmp(id0, id1, 32) != 0);
    for (int i = 0; i < 2; i++) {
      const SCT *sct = sk_SCT_value(scts, i);
      ck_assert_int_eq(SCT_get_version(sct), SCT_VERSION_V1);
      ck_assert_int_eq(SCT_get_signature_nid(sct), NID_ecdsa_with_SHA256);
      ck_assert_uint_ge(SCT_get_timestamp(sct), (uint64_t)(NOW - 3600) * 1000);
      ck_assert_uint_lt(SCT_get_timestamp(sct), (uint64_t)(NOW + 90 * 86400) * 1000);
      unsigned char *sig;
      size_t sig_len = SCT_get0_signature(sct, &sig);
      const unsigned char *p = sig;
      ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
      ck_assert_ptr_nonnull(es);
      ck_assert_ptr_eq(p, sig + sig_len);
      ECDSA_SIG_free(es);
    }
    SCT_LIST_free(scts);

    ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), (time_t)(NOW - 3600)), 0);
    ck_assert_int_eq(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), (time_t)(NOW + 90 * 86400)), 0);
    web_chain_free(&c);
  }
  cert_factory_free(f);
}
END_TEST

START_TEST(web_intermediate_and_root_are_cas_with_key_ids) {
  static const int inter_order[] = {NID_key_usage,
                                    NID_ext_key_usage,
                                    NID_basic_constraints,
                                    NID_subject_key_identifier,
                                    NID_authority_key_identifier,
                                    NID_info_access,
                                    NID_certificate_policies,
                                    NID_crl_distribution_points};
  static const int root_order[] = {NID_key_usage, NID_basic_constraints,
                                   NID_subject_key_identifier};
  static const uint8_t ku_inter[] = {0x03, 0x02, 0x01, 0x86}, ku_root[] = {0x03, 0x02, 0x01, 0x06};
  static const uint8_t bc_inter[] = {0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00};
  static const uint8_t bc_root[] = {0x30, 0x03, 0x01, 0x01, 0xff};
  static const char *const inter_name[] = {
      "C", "US", "O", "Derpcheck Test PKI Z/1", "CN", "Derpcheck Issuing CA E2"};
  struct cert_factory *f = cert_factory_new(24);
  struct web_chain c;
  ck_assert(cert_factory_make_web_chain(f, false, NOW, &c));
  X509 *i = c.intermediate->x509, *r = c.root->x509;
  assert_ext_order(i, inter_order, sizeof inter_order / sizeof inter_order[0]);
  assert_ext_value_of(i, NID_key_usage, ku_inter, sizeof ku_inter);
  assert_ext_value_of(i, NID_basic_constraints, bc_inter, sizeof bc_inter);
  ck_assert(ext_critical(i, NID_basic_constraints));
  ck_assert_int_eq(X509_check_ca(i), 1);
  assert_key_id(X509_get0_subject_key_id(i), i);
  assert_key_id(X509_get0_authority_key_id(i), r);
  assert_name(X509_get_subject_name(i), inter_name, 3);
  CERTIFICATEPOLICIES *cp = X509_get_ext_d2i(i, NID_certificate_policies, NULL, NULL);
  ck_assert_int_eq(sk_POLICYINFO_num(cp), 1);
  const POLICYINFO *pi = sk_POLICYINFO_value(cp, 0);
  ck_assert_int_eq(sk_POLICYQUALINFO_num(pi->qualifiers), 1);
  ck_assert_int_eq(OBJ_obj2nid(sk_POLICYQUALINFO_value(pi->qualifiers, 0)->pqualid), NID_id_qt_cps);
  CERTIFICATEPOLICIES_free(cp);

  assert_ext_order(r, root_order, sizeof root_order / sizeof root_order[0]);
  assert_ext_value_of(r, NID_key_usage, ku_root, sizeof ku_root);
  assert_ext_value_of(r, NID_basic_constraints, bc_root, sizeof bc_root);
  assert_key_id(X509_get0_subject_key_id(r), r);
  ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(r), X509_get_subject_name(r)), 0);
  ck_assert_int_eq(X509_verify(r, X509_get0_pubkey(r)), 1);
  web_chain_free(&c);
  cert_factory_free(f);
}
END_TEST

START_TEST(web_leaf_without_issuer_is_an_error) {
  struct cert_factory *f = cert_factory_new(25);
  struct cert_spec s = cert_spec_web_leaf(false, NULL, NOW);
  ck_assert_ptr_null(cert_factory_make(f, &s));
  ck_assert_str_eq(cert_factory_error(f), "a web intermediate or leaf needs an issuer");
  cert_factory_free(f);
}
END_TEST

START_TEST(name_attributes_precede_the_cn_and_uri_sans_follow_ips) {
  struct cert_factory *f = cert_factory_new(26);
  struct cert_spec s = cert_spec_derper_ip("10.0.0.1", NOW);
  s.name_attrs[0] = (struct cert_name_attr){"2.5.4.10", "Z/Org", 0};
  s.name_attrs[1] = (struct cert_name_attr){"2.5.4.11", "unit", V_ASN1_UTF8STRING};
  s.name_attr_count = 2;
  s.uri_sans[0] = "https://a.example/";
  s.uri_san_count = 1;
  struct factory_cert *c = make(f, &s);
  const X509_NAME *n = X509_get_subject_name(c->x509);
  ck_assert_int_eq(X509_NAME_entry_count(n), 3);
  ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 0))),
                   NID_organizationName);
  ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 1))),
                   V_ASN1_UTF8STRING);
  ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(n, 2))),
                   NID_commonName);
  static const uint8_t san[] = {0x30, 0x1a, 0x87, 0x04, 10,  0,   0,   1,   0x86, 0x12,
                                'h',  't',  't',  'p',  's', ':', '/', '/', 'a',  '.',
                                'e',  'x',  'a',  'm',  'p', 'l', 'e', '/'};
  assert_ext_value_of(c->x509, NID_subject_alt_name, san, sizeof san);
  factory_cert_free(c);
  cert_factory_free(f);
}
END_TEST

static Suite *cert_factory_suite(void) {
  Suite *s = suite_create("cert_factory");
  TCase *det = tcase_create("determinism");
  tcase_set_timeout(det, 30);
  tcase_add_test(det, same_seed_gives_identical_der_for_every_key_type);
  tcase_add_test(det, different_seed_gives_different_key_serial_and_signature);
  tcase_add_test(det, bytes_do_not_depend_on_what_was_made_before);
  tcase_add_test(det, same_label_same_key_different_label_different_key);
  tcase_add_test(det, det_rand_stream_repeats_after_reseed);
  tcase_add_test(det, det_rand_drives_rand_bytes_of_its_context);
  suite_add_tcase(s, det);

  TCase *shape = tcase_create("shape");
  tcase_set_timeout(shape, 30);
  tcase_add_test(shape, derper_ip_profile_follows_go_layout);
  tcase_add_test(shape, metacert_profile_has_one_critical_basic_constraints);
  tcase_add_test(shape, cn_keeps_any_length_and_requested_string_type);
  tcase_add_test(shape, no_cn_gives_empty_subject_and_issuer);
  tcase_add_test(shape, serial_bytes_are_twos_complement);
  tcase_add_test(shape, ca_signed_leaf_verifies_against_ca_key);
  tcase_add_test(shape, self_signed_certs_verify_and_match_their_keys);
  tcase_add_test(shape, sha256_hex_is_digest_of_der);
  tcase_add_test(shape, time_text_override_is_encoded_verbatim);
  tcase_add_test(shape, years_from_2050_use_generalized_time);
  tcase_add_test(shape, dns_then_ip_sans_and_extra_extensions_in_order);
  tcase_add_test(shape, bad_ip_san_is_an_error_not_a_crash);
  tcase_add_test(shape, v1_certificate_has_no_version_field);
  tcase_add_test(shape, add_one_year_matches_go_add_date);
  tcase_add_test(shape, pem_writers_round_trip_chain_and_key);
  tcase_add_test(shape, name_attributes_precede_the_cn_and_uri_sans_follow_ips);
  suite_add_tcase(s, shape);

  TCase *web = tcase_create("web chains");
  tcase_set_timeout(web, 60);
  tcase_add_test(web, web_chain_verifies_root_to_leaf_for_its_names);
  tcase_add_test(web, web_chain_is_the_same_for_the_same_seed);
  tcase_add_test(web, web_leaf_carries_a_public_cas_extensions_in_order);
  tcase_add_test(web, web_intermediate_and_root_are_cas_with_key_ids);
  tcase_add_test(web, web_leaf_without_issuer_is_an_error);
  suite_add_tcase(s, web);
  return s;
}

CHECK_MAIN(cert_factory_suite)
