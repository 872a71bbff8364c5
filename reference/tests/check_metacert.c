#include "derp/metacert.h"

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "check_main.h"
#include "derp/cert_fields.h"
#include "derp/hex.h"

#define NOW 1700000000LL
#define DAYS30 (30LL * 86400)

static const char hex64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void key_from_byte(uint8_t key[32], uint8_t b) {
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(b + i);
}

struct built {
  uint8_t der[METACERT_DER_MAX];
  size_t len;
};

static struct built build(const uint8_t key[32], long version) {
  struct built b;
  ck_assert_int_eq(metacert_build(key, version, NOW, b.der, sizeof b.der, &b.len), METACERT_OK);
  return b;
}

static struct der_slice slice(const uint8_t *p, size_t n) {
  struct der_slice s = {p, n};
  return s;
}

/* ---- odd certificates, made with plain OpenSSL ----
 * Metacert-shaped (Ed25519, self-signed, basicConstraints) with any CN bytes,
 * CN string type and serial, which metacert_build deliberately cannot make. */

struct odd_cert {
  uint8_t der[1024];
  size_t der_len;
};

static void odd_meta_into(struct odd_cert *out, const char *cn, size_t cn_len, int cn_type,
                          const uint8_t *serial, size_t serial_len, bool serial_negative) {
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  ck_assert_ptr_nonnull(k);
  X509 *x = X509_new();
  ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
  if (serial != NULL) {
    BIGNUM *bn = BN_bin2bn(serial, (int)serial_len, NULL);
    BN_set_negative(bn, serial_negative);
    ck_assert_ptr_nonnull(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
    BN_free(bn);
  } else {
    ASN1_INTEGER_set(X509_get_serialNumber(x), 2);
  }
  X509_NAME *name = X509_get_subject_name(x);
  ck_assert_int_eq(
      X509_NAME_add_entry_by_NID(name, NID_commonName, cn_type ? cn_type : V_ASN1_PRINTABLESTRING,
                                 (const unsigned char *)cn, cn_len ? (int)cn_len : -1, -1, 0),
      1);
  X509_set_issuer_name(x, name);
  ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(NOW - DAYS30));
  ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(NOW + DAYS30));
  X509_set_pubkey(x, k);
  BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
  ck_assert_int_eq(X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT), 1);
  BASIC_CONSTRAINTS_free(bc);
  ck_assert_int_gt(X509_sign(x, k, NULL), 0);
  int len = i2d_X509(x, NULL);
  ck_assert_int_gt(len, 0);
  ck_assert_uint_le((size_t)len, sizeof out->der);
  unsigned char *p = out->der;
  ck_assert_int_eq(i2d_X509(x, &p), len);
  out->der_len = (size_t)len;
  X509_free(x);
  EVP_PKEY_free(k);
}

static struct odd_cert meta_with_cn(const char *cn) {
  struct odd_cert c;
  odd_meta_into(&c, cn, 0, 0, NULL, 0, false);
  return c;
}

static struct odd_cert meta_with_serial(const uint8_t *serial, size_t len, bool negative) {
  char cn[72];
  snprintf(cn, sizeof cn, "derpkey%s", hex64);
  struct odd_cert c;
  odd_meta_into(&c, cn, 0, 0, serial, len, negative);
  return c;
}

/* Any certificate that is not a metacert (CN "127.0.0.1"). */
static struct odd_cert leaf_cert(void) { return meta_with_cn("127.0.0.1"); }

static bool parse_one(const struct odd_cert *c, struct metacert_info *info) {
  struct der_slice s = slice(c->der, c->der_len);
  return metacert_parse(&s, 1, info);
}

/* ---- build: fields as spec §2 ---- */

START_TEST(build_fields_exact) {
  uint8_t key[32];
  key_from_byte(key, 0xa0);
  struct built b = build(key, 2);
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(b.der, b.len, &f), CERT_FIELDS_OK);
  ck_assert_int_eq(f.version, 3);
  ck_assert_uint_eq(f.serial.len, 1);
  ck_assert_uint_eq(f.serial.ptr[-2], 0x02); /* INTEGER tag, length 1, value 2: 02 01 02 */
  ck_assert_uint_eq(f.serial.ptr[-1], 0x01);
  ck_assert_uint_eq(f.serial.ptr[0], 0x02);
  ck_assert(f.has_cn);
  ck_assert_uint_eq(f.cn_tag, 0x13); /* PrintableString */
  ck_assert_uint_eq(f.cn.len, 71);
  char want_cn[72] = "derpkey";
  derp_hex_lower(key, 32, want_cn + 7);
  ck_assert_mem_eq(f.cn.ptr, want_cn, 71);
  ck_assert_uint_eq(f.issuer.len, f.subject.len);
  ck_assert_mem_eq(f.issuer.ptr, f.subject.ptr, f.subject.len);
  ck_assert_int_eq(f.not_before, NOW - DAYS30);
  ck_assert_int_eq(f.not_after, NOW + DAYS30);
  ck_assert(!f.has_san);
}
END_TEST

START_TEST(build_single_basic_constraints_extension) {
  uint8_t key[32];
  key_from_byte(key, 1);
  struct built b = build(key, 2);
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(b.der, b.len, &f), CERT_FIELDS_OK);
  ck_assert_uint_eq(f.extension_count, 1);
  ck_assert(f.has_basic_constraints);
  ck_assert(f.basic_constraints_critical);
  ck_assert(!f.basic_constraints_ca);
  /* OID 2.5.29.19, critical TRUE, value 30 00, as bytes inside the TBS. */
  static const uint8_t ext[] = {0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
                                0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00};
  ck_assert_ptr_nonnull(memmem(f.tbs.ptr, f.tbs.len, ext, sizeof ext));
}
END_TEST

START_TEST(build_ed25519_signature_verifies) {
  uint8_t key[32];
  key_from_byte(key, 7);
  struct built b = build(key, 2);
  const unsigned char *p = b.der;
  X509 *x = d2i_X509(NULL, &p, (long)b.len);
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_eq(p, b.der + b.len);
  EVP_PKEY *pub = X509_get0_pubkey(x);
  ck_assert_int_eq(EVP_PKEY_get_base_id(pub), EVP_PKEY_ED25519);
  ck_assert_int_eq(X509_get_signature_nid(x), NID_ED25519);
  ck_assert_int_eq(X509_verify(x, pub), 1);
  ck_assert_int_eq(X509_get_ext_count(x), 1);
  ck_assert_int_eq(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 0))),
                   NID_basic_constraints);
  X509_free(x);
}
END_TEST

START_TEST(build_uses_fresh_signing_key) {
  uint8_t key[32];
  key_from_byte(key, 9);
  struct built a = build(key, 2), b = build(key, 2);
  struct cert_fields fa, fb;
  ck_assert_int_eq(cert_fields_parse(a.der, a.len, &fa), CERT_FIELDS_OK);
  ck_assert_int_eq(cert_fields_parse(b.der, b.len, &fb), CERT_FIELDS_OK);
  ck_assert_uint_eq(fa.tbs.len, fb.tbs.len);
  ck_assert(memcmp(fa.tbs.ptr, fb.tbs.ptr, fa.tbs.len) != 0); /* only the Ed25519 key differs */
}
END_TEST

START_TEST(build_rejects_bad_arguments) {
  uint8_t key[32] = {1}, out[METACERT_DER_MAX];
  size_t len = 0;
  ck_assert_int_eq(metacert_build(key, -1, NOW, out, sizeof out, &len), METACERT_ERR_ARG);
  ck_assert_int_eq(metacert_build(key, 2, 300000000000LL, out, sizeof out, &len), METACERT_ERR_ARG);
  ck_assert_int_eq(metacert_build(key, 2, NOW, out, 100, &len), METACERT_ERR_SPACE);
  ck_assert_int_eq(metacert_build(NULL, 2, NOW, out, sizeof out, &len), METACERT_ERR_ARG);
  ck_assert_str_eq(metacert_status_str(METACERT_ERR_SPACE), "metacert: output buffer too small");
}
END_TEST

/* ---- round trip ---- */

START_TEST(round_trip_keys_and_versions) {
  static const long versions[] = {1, 2, 3, 127, 128, 255};
  for (size_t v = 0; v < sizeof versions / sizeof versions[0]; v++) {
    for (uint8_t seed = 0; seed < 3; seed++) {
      uint8_t key[32];
      key_from_byte(key, (uint8_t)(seed * 0x55 + 1));
      struct built b = build(key, versions[v]);
      struct der_slice s = slice(b.der, b.len);
      struct metacert_info info;
      ck_assert(metacert_parse(&s, 1, &info));
      ck_assert_mem_eq(info.key, key, 32);
      ck_assert_uint_eq(info.version, (uint64_t)versions[v]);
      ck_assert_uint_eq(info.index, 0);
      ck_assert(metacert_fast_start_usable(&info));
    }
  }
}
END_TEST

START_TEST(round_trip_all_ff_key) {
  uint8_t key[32];
  memset(key, 0xff, sizeof key);
  struct built b = build(key, 2);
  struct der_slice s = slice(b.der, b.len);
  struct metacert_info info;
  ck_assert(metacert_parse(&s, 1, &info));
  ck_assert_mem_eq(info.key, key, 32);
}
END_TEST

/* ---- parse rules (spec §3.2) ---- */

START_TEST(parse_cn_hex_63_rejected) {
  char cn[80];
  snprintf(cn, sizeof cn, "derpkey%.63s", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_cn_hex_65_rejected) {
  char cn[80];
  snprintf(cn, sizeof cn, "derpkey%s0", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_cn_hex_64_accepted) {
  char cn[80];
  snprintf(cn, sizeof cn, "derpkey%s", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(parse_one(&c, &info));
  ck_assert_uint_eq(info.key[0], 0x01);
  ck_assert_uint_eq(info.key[31], 0xef);
  ck_assert_uint_eq(info.version, 2);
}
END_TEST

START_TEST(parse_cn_non_hex_rejected) {
  char cn[80];
  snprintf(cn, sizeof cn, "derpkey%.63sg", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_cn_uppercase_hex_accepted) {
  char cn[80] = "derpkey";
  for (int i = 0; i < 64; i++) cn[7 + i] = (char)(hex64[i] >= 'a' ? hex64[i] - 32 : hex64[i]);
  cn[71] = '\0';
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(parse_one(&c, &info));
  uint8_t want[32];
  for (int i = 0; i < 32; i++) want[i] = (uint8_t)((i % 8) * 0x22 + 0x01);
  ck_assert_mem_eq(info.key, want, 32);
}
END_TEST

START_TEST(parse_nodekey_prefix_rejected) {
  char cn[90];
  snprintf(cn, sizeof cn, "derpkeynodekey:%s", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
  snprintf(cn, sizeof cn, "nodekey:%s", hex64);
  c = meta_with_cn(cn);
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_prefix_is_case_sensitive) {
  char cn[80];
  snprintf(cn, sizeof cn, "DERPKEY%s", hex64);
  struct odd_cert c = meta_with_cn(cn);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_bmpstring_cn_accepted) {
  /* Go decodes a BMPString CN to the same text, so it matches too. */
  char cn[143];
  char ascii[72];
  snprintf(ascii, sizeof ascii, "derpkey%s", hex64);
  for (int i = 0; i < 71; i++) {
    cn[2 * i] = 0;
    cn[2 * i + 1] = ascii[i];
  }
  struct odd_cert c;
  odd_meta_into(&c, cn, 142, V_ASN1_BMPSTRING, NULL, 0, false);
  struct metacert_info info;
  ck_assert(parse_one(&c, &info));
  ck_assert_uint_eq(info.key[1], 0x23);
}
END_TEST

/* A BMPString CN as UTF-16 units: the ASCII text, then `extra` more
 * units of '0', and unit `wide` (if below 71) raised by 0x100. */
static struct odd_cert bmp_meta(size_t extra, size_t wide) {
  char ascii[72];
  snprintf(ascii, sizeof ascii, "derpkey%s", hex64);
  static char cn[2 * 80];
  size_t units = 71 + extra;
  for (size_t i = 0; i < units; i++) {
    cn[2 * i] = i == wide ? 0x01 : 0;
    cn[2 * i + 1] = i < 71 ? ascii[i] : '0';
  }
  struct odd_cert c;
  odd_meta_into(&c, cn, 2 * units, V_ASN1_BMPSTRING, NULL, 0, false);
  return c;
}

START_TEST(parse_bmpstring_cn_must_be_the_key_exactly) {
  /* Go reads "derpkey" + 65 hex digits, or U+0164 where the 'd' was, as
   * its text: not a DERP key, so the relay has no metacert. */
  struct metacert_info info;
  struct odd_cert c = bmp_meta(0, 99);
  ck_assert(parse_one(&c, &info));
  c = bmp_meta(1, 99);
  ck_assert(!parse_one(&c, &info));
  c = bmp_meta(0, 0);
  ck_assert(!parse_one(&c, &info));
  c = bmp_meta(0, 70);
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_cn_string_types) {
  char cn[80];
  snprintf(cn, sizeof cn, "derpkey%s", hex64);
  static const int taken[] = {V_ASN1_UTF8STRING, V_ASN1_IA5STRING, V_ASN1_T61STRING,
                              V_ASN1_NUMERICSTRING};
  struct metacert_info info;
  struct odd_cert c;
  for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
    odd_meta_into(&c, cn, 0, taken[i], NULL, 0, false);
    ck_assert_msg(parse_one(&c, &info), "string type %d", taken[i]);
  }
  /* VisibleString (which OpenSSL will not put in a Name) is no string type Go
   * decodes: retag the CN in the DER (signatures are never checked). */
  odd_meta_into(&c, cn, 0, V_ASN1_PRINTABLESTRING, NULL, 0, false);
  ck_assert(parse_one(&c, &info));
  static const uint8_t tagged[] = {0x13, 71, 'd', 'e', 'r', 'p', 'k', 'e', 'y'};
  int retagged = 0;
  for (uint8_t *at = c.der;
       (at = memmem(at, c.der_len - (size_t)(at - c.der), tagged, sizeof tagged)) != NULL;) {
    *at = V_ASN1_VISIBLESTRING;
    retagged++;
  }
  ck_assert_int_eq(retagged, 2); /* issuer and subject */
  ck_assert(!parse_one(&c, &info));
  /* Behind a metacert refused only for its serial (256 needs 9 bits), the
   * undecodable CN still names no key: nothing of the first CN carries over. */
  static const uint8_t serial_256[] = {0x01, 0x00};
  struct odd_cert first = meta_with_serial(serial_256, sizeof serial_256, false);
  struct der_slice both[2] = {slice(first.der, first.der_len), slice(c.der, c.der_len)};
  ck_assert(!metacert_parse(both, 2, &info));
}
END_TEST

START_TEST(parse_serial_0_matches_but_not_usable) {
  static const uint8_t zero[] = {0x00};
  struct odd_cert c = meta_with_serial(zero, sizeof zero, false);
  struct metacert_info info;
  ck_assert(parse_one(&c, &info));
  ck_assert_uint_eq(info.version, 0);
  ck_assert(!metacert_fast_start_usable(&info));
}
END_TEST

START_TEST(parse_serial_255_accepted) {
  static const uint8_t v255[] = {0x00, 0xff};
  struct odd_cert c = meta_with_serial(v255, sizeof v255, false);
  struct metacert_info info;
  ck_assert(parse_one(&c, &info));
  ck_assert_uint_eq(info.version, 255);
}
END_TEST

START_TEST(parse_serial_256_rejected) {
  static const uint8_t v256[] = {0x01, 0x00};
  struct odd_cert c = meta_with_serial(v256, sizeof v256, false);
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
  ck_assert_uint_eq(info.version, 0);
}
END_TEST

START_TEST(parse_serial_negative_rejected) {
  static const uint8_t one[] = {0x01};
  struct odd_cert c = meta_with_serial(one, sizeof one, true); /* -1: bit length 1, but negative */
  struct metacert_info info;
  ck_assert(!parse_one(&c, &info));
}
END_TEST

START_TEST(parse_first_match_wins) {
  uint8_t k1[32], k2[32];
  key_from_byte(k1, 0x10);
  key_from_byte(k2, 0x20);
  struct built a = build(k1, 2), b = build(k2, 3);
  struct der_slice certs[] = {slice(a.der, a.len), slice(b.der, b.len)};
  struct metacert_info info;
  ck_assert(metacert_parse(certs, 2, &info));
  ck_assert_mem_eq(info.key, k1, 32);
  ck_assert_uint_eq(info.version, 2);
  ck_assert_uint_eq(info.index, 0);
  /* A near-miss first (serial 256) does not stop the search. */
  static const uint8_t v256[] = {0x01, 0x00};
  struct odd_cert bad = meta_with_serial(v256, sizeof v256, false);
  struct der_slice mixed[] = {slice(bad.der, bad.der_len), slice(b.der, b.len)};
  ck_assert(metacert_parse(mixed, 2, &info));
  ck_assert_mem_eq(info.key, k2, 32);
  ck_assert_uint_eq(info.index, 1);
}
END_TEST

START_TEST(parse_metacert_in_any_position) {
  uint8_t key[32];
  key_from_byte(key, 0x33);
  struct built m = build(key, 2);
  struct odd_cert leaf = leaf_cert();
  struct der_slice l = slice(leaf.der, leaf.der_len), ms = slice(m.der, m.len);
  struct der_slice orders[3][3] = {{l, ms, l}, {ms, l, l}, {l, l, ms}};
  const size_t where[3] = {1, 0, 2};
  for (int i = 0; i < 3; i++) {
    struct metacert_info info;
    ck_assert(metacert_parse(orders[i], 3, &info));
    ck_assert_uint_eq(info.index, where[i]);
    ck_assert_mem_eq(info.key, key, 32);
  }
}
END_TEST

START_TEST(parse_no_metacert_gives_zero) {
  struct odd_cert leaf = leaf_cert();
  struct der_slice certs[] = {slice(leaf.der, leaf.der_len)};
  struct metacert_info info;
  memset(&info, 0x77, sizeof info);
  ck_assert(!metacert_parse(certs, 1, &info));
  uint8_t zero[32] = {0};
  ck_assert_mem_eq(info.key, zero, 32);
  ck_assert_uint_eq(info.version, 0);
  ck_assert_uint_eq(info.index, 1);
  ck_assert(!metacert_fast_start_usable(&info));
  ck_assert(!metacert_parse(NULL, 0, &info));
}
END_TEST

START_TEST(parse_skips_unparseable_certs) {
  uint8_t key[32];
  key_from_byte(key, 0x44);
  struct built m = build(key, 2);
  static const uint8_t garbage[] = {0x30, 0x82, 0xff, 0xff, 0x00};
  struct built truncated = m;
  truncated.len = m.len - 1;
  struct der_slice certs[] = {slice(garbage, sizeof garbage), slice(NULL, 10),
                              slice(truncated.der, truncated.len), slice(m.der, m.len)};
  struct metacert_info info;
  ck_assert(metacert_parse(certs, 4, &info));
  ck_assert_uint_eq(info.index, 3);
  ck_assert_mem_eq(info.key, key, 32);
}
END_TEST

START_TEST(fast_start_needs_key_and_version) {
  struct metacert_info info;
  memset(&info, 0, sizeof info);
  info.version = 2;
  ck_assert(!metacert_fast_start_usable(&info)); /* zero key */
  info.key[5] = 1;
  ck_assert(metacert_fast_start_usable(&info));
  info.version = 0;
  ck_assert(!metacert_fast_start_usable(&info));
  ck_assert(!metacert_fast_start_usable(NULL));
}
END_TEST

static Suite *metacert_suite(void) {
  Suite *s = suite_create("metacert");
  TCase *b = tcase_create("build");
  tcase_add_test(b, build_fields_exact);
  tcase_add_test(b, build_single_basic_constraints_extension);
  tcase_add_test(b, build_ed25519_signature_verifies);
  tcase_add_test(b, build_uses_fresh_signing_key);
  tcase_add_test(b, build_rejects_bad_arguments);
  tcase_add_test(b, round_trip_keys_and_versions);
  tcase_add_test(b, round_trip_all_ff_key);
  suite_add_tcase(s, b);
  TCase *p = tcase_create("parse");
  tcase_add_test(p, parse_cn_hex_63_rejected);
  tcase_add_test(p, parse_cn_hex_65_rejected);
  tcase_add_test(p, parse_cn_hex_64_accepted);
  tcase_add_test(p, parse_cn_non_hex_rejected);
  tcase_add_test(p, parse_cn_uppercase_hex_accepted);
  tcase_add_test(p, parse_nodekey_prefix_rejected);
  tcase_add_test(p, parse_prefix_is_case_sensitive);
  tcase_add_test(p, parse_bmpstring_cn_accepted);
  tcase_add_test(p, parse_bmpstring_cn_must_be_the_key_exactly);
  tcase_add_test(p, parse_cn_string_types);
  tcase_add_test(p, parse_serial_0_matches_but_not_usable);
  tcase_add_test(p, parse_serial_255_accepted);
  tcase_add_test(p, parse_serial_256_rejected);
  tcase_add_test(p, parse_serial_negative_rejected);
  tcase_add_test(p, parse_first_match_wins);
  tcase_add_test(p, parse_metacert_in_any_position);
  tcase_add_test(p, parse_no_metacert_gives_zero);
  tcase_add_test(p, parse_skips_unparseable_certs);
  tcase_add_test(p, fast_start_needs_key_and_version);
  suite_add_tcase(s, p);
  return s;
}

CHECK_MAIN(metacert_suite)
