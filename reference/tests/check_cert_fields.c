#include "derp/cert_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check_der_build.h"
#include "check_main.h"
#include "derp/byte_cursor.h"
#include "harness/cert_factory.h"

/* 2026-03-04 13:41:12 UTC */
#define NOW INT64_C(1772631672)

/* ---------- certificates built by hand (check_der_build.h) ---------- */

static struct dbuf tlv_str(uint8_t tag, const char *s) {
  struct dbuf d = {.n = 0};
  put_tlv(&d, tag, s, strlen(s));
  return d;
}

/* Name with one RDN holding one CN of the given tag and bytes. */
static struct dbuf cn_name(uint8_t tag, const void *v, size_t n) {
  struct dbuf atv = RAW(0x06, 0x03, 0x55, 0x04, 0x03);
  put_tlv(&atv, tag, v, n);
  struct dbuf seq = wrap(0x30, &atv), set = wrap(0x31, &seq);
  return wrap(0x30, &set);
}

static struct dbuf ext(const struct dbuf *oid, int critical, const struct dbuf *value) {
  struct dbuf e = *oid;
  if (critical >= 0) put_tlv(&e, 0x01, (const uint8_t[]){(uint8_t)critical}, 1);
  put_tlv(&e, 0x04, value->b, value->n);
  return wrap(0x30, &e);
}

static struct dbuf oid_bc(void) { return RAW(0x06, 0x03, 0x55, 0x1d, 0x13); }
static struct dbuf oid_san(void) { return RAW(0x06, 0x03, 0x55, 0x1d, 0x11); }

static struct cert_parts base_parts(void) {
  struct cert_parts p;
  memset(&p, 0, sizeof p);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x02);
  p.serial = RAW(0x02, 0x01, 0x02);
  p.sigalg = RAW(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
  p.outer_sigalg = p.sigalg;
  p.issuer = cn_name(0x13, "1.2.3.4", 7);
  p.subject = p.issuer;
  p.not_before = tlv_str(0x17, "260304134112Z");
  p.not_after = tlv_str(0x17, "270304134112Z");
  /* An Ed25519 SubjectPublicKeyInfo (the key bytes do not matter here). */
  struct dbuf alg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  struct dbuf key = {.n = 0};
  uint8_t bits[33] = {0};
  put_tlv(&key, 0x03, bits, sizeof bits);
  struct dbuf spki_body = cat(&alg, &key);
  p.spki = wrap(0x30, &spki_body);
  p.signature = RAW(0x03, 0x03, 0x00, 0x01, 0x02);
  struct dbuf bc_value = RAW(0x30, 0x00), bc_oid = oid_bc();
  p.exts = ext(&bc_oid, 0xff, &bc_value);
  p.has_exts = true;
  return p;
}

static enum cert_fields_status parse(const struct dbuf *d, struct cert_fields *f) {
  return cert_fields_parse(d->b, d->n, f);
}

static bool openssl_parses(const struct dbuf *d) {
  const unsigned char *p = d->b;
  X509 *x = d2i_X509(NULL, &p, (long)d->n);
  X509_free(x);
  return x != NULL;
}

/* ---------- agreement with OpenSSL on factory certificates ---------- */

static BIGNUM *bn_twos_complement(struct der_slice s) {
  BIGNUM *bn = BN_bin2bn(s.ptr, (int)s.len, NULL);
  if (s.len > 0 && (s.ptr[0] & 0x80)) {
    BIGNUM *m = BN_new();
    BN_set_bit(m, (int)(8 * s.len));
    BN_sub(bn, bn, m);
    BN_free(m);
  }
  return bn;
}

static int64_t openssl_time(const ASN1_TIME *t) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  ck_assert_int_eq(ASN1_TIME_to_tm(t, &tm), 1);
  return (int64_t)timegm(&tm);
}

static void assert_agrees_with_openssl(const uint8_t *der, size_t len) {
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(der, len, &f), CERT_FIELDS_OK);
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_eq(f.raw.ptr, der);
  ck_assert_uint_eq(f.raw.len, len);
  ck_assert_int_eq(f.version, X509_get_version(x) + 1);

  BIGNUM *ours = bn_twos_complement(f.serial);
  BIGNUM *theirs = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  ck_assert_int_eq(BN_cmp(ours, theirs), 0);
  uint64_t small = 0;
  bool want_small = !BN_is_negative(theirs) && BN_num_bits(theirs) <= 8;
  ck_assert_int_eq(cert_serial_small(&f, 8, &small), want_small);
  if (want_small) ck_assert_uint_eq(small, BN_get_word(theirs));
  BN_free(ours);
  BN_free(theirs);

  const unsigned char *name_der;
  size_t name_len;
  ck_assert_int_eq(X509_NAME_get0_der(X509_get_issuer_name(x), &name_der, &name_len), 1);
  ck_assert_uint_eq(f.issuer.len, name_len);
  ck_assert_mem_eq(f.issuer.ptr, name_der, name_len);
  ck_assert_int_eq(X509_NAME_get0_der(X509_get_subject_name(x), &name_der, &name_len), 1);
  ck_assert_uint_eq(f.subject.len, name_len);
  ck_assert_mem_eq(f.subject.ptr, name_der, name_len);

  const X509_NAME *subject = X509_get_subject_name(x);
  const ASN1_STRING *last_cn = NULL;
  for (int i = 0; i < X509_NAME_entry_count(subject); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
      last_cn = X509_NAME_ENTRY_get_data(e);
  }
  ck_assert_int_eq(f.has_cn, last_cn != NULL);
  if (last_cn != NULL) {
    ck_assert_int_eq(f.cn_tag, ASN1_STRING_type(last_cn));
    ck_assert_uint_eq(f.cn.len, (size_t)ASN1_STRING_length(last_cn));
    if (f.cn.len > 0) ck_assert_mem_eq(f.cn.ptr, ASN1_STRING_get0_data(last_cn), f.cn.len);
  }

  unsigned char *spki = NULL;
  const int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
  ck_assert_int_gt(spki_len, 0);
  ck_assert_uint_eq(f.spki.len, (size_t)spki_len);
  ck_assert_mem_eq(f.spki.ptr, spki, f.spki.len);
  OPENSSL_free(spki);

  ck_assert_int_eq(f.not_before, openssl_time(X509_get0_notBefore(x)));
  ck_assert_int_eq(f.not_after, openssl_time(X509_get0_notAfter(x)));
  ck_assert_int_eq((int)f.extension_count, X509_get_ext_count(x));

  int crit = -1;
  BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
  ck_assert_int_eq(f.has_basic_constraints, crit != -1);
  if (bc != NULL) {
    ck_assert_int_eq(f.basic_constraints_ca, bc->ca != 0);
    ck_assert_int_eq(f.basic_constraints_critical, crit == 1);
    BASIC_CONSTRAINTS_free(bc);
  }

  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
  ck_assert_int_eq(f.has_san, crit != -1);
  struct cert_san_iter it;
  cert_san_iter_init(&f, &it);
  for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    unsigned tag;
    struct der_slice v;
    ck_assert(cert_san_next(&it, &tag, &v));
    ck_assert_uint_eq(tag, (unsigned)g->type);
    const ASN1_STRING *s = g->type == GEN_DNS     ? g->d.dNSName
                           : g->type == GEN_IPADD ? g->d.iPAddress
                                                  : NULL;
    if (s != NULL) {
      ck_assert_uint_eq(v.len, (size_t)ASN1_STRING_length(s));
      ck_assert_mem_eq(v.ptr, ASN1_STRING_get0_data(s), v.len);
    }
  }
  unsigned tag;
  struct der_slice v;
  ck_assert(!cert_san_next(&it, &tag, &v));
  ck_assert(!it.malformed);
  GENERAL_NAMES_free(gens);
  X509_free(x);
}

static struct cert_factory *factory;

static void factory_setup(void) {
  factory = cert_factory_new(2026);
  ck_assert_ptr_nonnull(factory);
}

static void factory_teardown(void) { cert_factory_free(factory); }

static void check_spec(const struct cert_spec *s) {
  struct factory_cert *c = cert_factory_make(factory, s);
  ck_assert_msg(c != NULL, "factory: %s", cert_factory_error(factory));
  assert_agrees_with_openssl(c->der, c->der_len);
  factory_cert_free(c);
}

START_TEST(agrees_on_derper_ip_certs_of_every_key_type) {
  const enum cert_key_type types[] = {CERT_KEY_P256, CERT_KEY_P384, CERT_KEY_ED25519,
                                      CERT_KEY_RSA2048};
  for (size_t i = 0; i < 4; i++) {
    struct cert_spec s = cert_spec_derper_ip(i % 2 ? "::1" : "127.0.0.1", NOW);
    s.key_type = types[i];
    check_spec(&s);
  }
}
END_TEST

START_TEST(agrees_on_metacerts_and_ca_chains) {
  uint8_t pub[32];
  for (int i = 0; i < 32; i++) pub[i] = (uint8_t)(i * 7);
  char cn[72];
  cert_metacert_cn(pub, cn);
  struct cert_spec meta = cert_spec_metacert(cn, NOW);
  check_spec(&meta);

  struct cert_spec ca = cert_spec_derper_ip("127.0.0.1", NOW);
  ca.label = "ca";
  ca.cn = "derpcheck CA";
  ca.ip_san_count = 0;
  ca.ext_profile = CERT_EXT_CA;
  struct factory_cert *ca_cert = cert_factory_make(factory, &ca);
  ck_assert_ptr_nonnull(ca_cert);
  assert_agrees_with_openssl(ca_cert->der, ca_cert->der_len);
  struct cert_spec leaf = cert_spec_derper_ip("10.1.2.3", NOW);
  leaf.dns_sans[0] = "derp.example";
  leaf.dns_sans[1] = "*.derp.example";
  leaf.dns_san_count = 2;
  leaf.issuer = ca_cert;
  check_spec(&leaf);
  factory_cert_free(ca_cert);
}
END_TEST

START_TEST(agrees_on_cn_string_types_lengths_and_absence) {
  const int types[] = {V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, V_ASN1_IA5STRING,
                       V_ASN1_T61STRING,       V_ASN1_BMPSTRING,  V_ASN1_UNIVERSALSTRING,
                       V_ASN1_NUMERICSTRING};
  char long_cn[201];
  memset(long_cn, '7', 200);
  long_cn[200] = '\0';
  /* BMPString/UniversalString bytes must be UCS-2/UCS-4 for OpenSSL to
   * copy the name: "7" as 00 37 / 00 00 00 37. */
  char wide[200];
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.cn = long_cn;
    s.cn_asn1_type = types[i];
    size_t unit = types[i] == V_ASN1_BMPSTRING ? 2 : types[i] == V_ASN1_UNIVERSALSTRING ? 4 : 1;
    if (unit > 1) {
      for (size_t j = 0; j < sizeof wide; j++) wide[j] = (j % unit == unit - 1) ? '7' : '\0';
      s.cn = wide;
      s.cn_len = sizeof wide;
    }
    check_spec(&s);
  }
  struct cert_spec none = cert_spec_derper_ip("127.0.0.1", NOW);
  none.no_cn = true;
  check_spec(&none);
  struct cert_spec empty = cert_spec_derper_ip("127.0.0.1", NOW);
  empty.cn = "";
  check_spec(&empty);
}
END_TEST

START_TEST(agrees_on_serials_zero_negative_and_wide) {
  const uint8_t zero[] = {0x00}, neg[] = {0xfb}, v255[] = {0x00, 0xff}, v256[] = {0x01, 0x00},
                wide[] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  const struct {
    const uint8_t *b;
    size_t n;
  } serials[] = {{zero, 1}, {neg, 1}, {v255, 2}, {v256, 2}, {wide, sizeof wide}};
  for (size_t i = 0; i < sizeof serials / sizeof serials[0]; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.serial_kind = CERT_SERIAL_BYTES;
    s.serial_bytes = serials[i].b;
    s.serial_len = serials[i].n;
    check_spec(&s);
  }
  struct cert_spec random = cert_spec_derper_ip("127.0.0.1", NOW);
  check_spec(&random);
}
END_TEST

START_TEST(agrees_on_odd_but_valid_times) {
  const struct {
    const char *text;
    int type;
  } times[] = {
      {"2603041341Z", V_ASN1_UTCTIME},
      {"260304134112+0100", V_ASN1_UTCTIME},
      {"260304134112-1130", V_ASN1_UTCTIME},
      {"20260304134112.25Z", V_ASN1_GENERALIZEDTIME},
      {"202603041341Z", V_ASN1_GENERALIZEDTIME},
      {"00000101000000Z", V_ASN1_GENERALIZEDTIME},
      {"99991231235959Z", V_ASN1_GENERALIZEDTIME},
      {"500101000000Z", V_ASN1_UTCTIME},
      {"491231235959Z", V_ASN1_UTCTIME},
      {"20260304134112.5-0100", V_ASN1_GENERALIZEDTIME},
  };
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.not_before_text = times[i].text;
    s.not_before_text_type = times[i].type;
    check_spec(&s);
  }
  struct cert_spec far = cert_spec_derper_ip("127.0.0.1", NOW);
  far.not_after = INT64_C(4102444800); /* 2100: GeneralizedTime */
  check_spec(&far);
}
END_TEST

START_TEST(agrees_on_v1_and_extension_profiles) {
  const enum cert_ext_profile profiles[] = {CERT_EXT_DERPER_IP, CERT_EXT_METACERT, CERT_EXT_CA,
                                            CERT_EXT_NONE};
  for (size_t i = 0; i < 4; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.ext_profile = profiles[i];
    check_spec(&s);
  }
  struct cert_spec v1 = cert_spec_derper_ip("127.0.0.1", NOW);
  v1.version = 1;
  v1.ip_san_count = 0;
  v1.ext_profile = CERT_EXT_NONE;
  check_spec(&v1);
}
END_TEST

START_TEST(metacert_fields_as_go_sees_them) {
  uint8_t pub[32] = {0};
  char cn[72];
  cert_metacert_cn(pub, cn);
  struct cert_spec s = cert_spec_metacert(cn, NOW);
  struct factory_cert *c = cert_factory_make(factory, &s);
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(c->der, c->der_len, &f), CERT_FIELDS_OK);
  ck_assert(f.has_cn);
  ck_assert_uint_eq(f.cn_tag, 0x13);
  ck_assert_uint_eq(f.cn.len, 71);
  ck_assert_mem_eq(f.cn.ptr, cn, 71);
  uint64_t serial;
  ck_assert(cert_serial_small(&f, 8, &serial));
  ck_assert_uint_eq(serial, 2);
  ck_assert_uint_eq(f.extension_count, 1);
  ck_assert(f.has_basic_constraints && f.basic_constraints_critical && !f.basic_constraints_ca);
  ck_assert(!f.has_san);
  ck_assert_int_eq(f.not_before, NOW - 30 * 86400);
  ck_assert_int_eq(f.not_after, NOW + 30 * 86400);
  factory_cert_free(c);
}
END_TEST

/* ---------- rejections ---------- */

START_TEST(every_truncation_is_rejected) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  struct factory_cert *c = cert_factory_make(factory, &s);
  struct cert_fields f;
  for (size_t n = 0; n < c->der_len; n++)
    ck_assert_int_ne(cert_fields_parse(c->der, n, &f), CERT_FIELDS_OK);
  ck_assert_int_eq(cert_fields_parse(c->der, c->der_len, &f), CERT_FIELDS_OK);
  factory_cert_free(c);
}
END_TEST

START_TEST(garbage_and_empty_input_are_rejected) {
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(NULL, 0, &f), CERT_FIELDS_ERR_DER);
  ck_assert_int_eq(cert_fields_parse(NULL, 64, &f), CERT_FIELDS_ERR_DER);
  ck_assert_int_eq(cert_fields_parse((const uint8_t *)"", 0, &f), CERT_FIELDS_ERR_DER);
  uint8_t junk[512];
  uint32_t x = 12345;
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof junk; i++) {
      x = x * 1103515245u + 12345u;
      junk[i] = (uint8_t)(x >> 16);
    }
    junk[0] = 0x30; /* get past the first check at least */
    ck_assert_int_ne(cert_fields_parse(junk, sizeof junk, &f), CERT_FIELDS_OK);
  }
  const uint8_t not_a_sequence[] = {0x02, 0x01, 0x00};
  ck_assert_int_eq(cert_fields_parse(not_a_sequence, 3, &f), CERT_FIELDS_ERR_STRUCTURE);
}
END_TEST

START_TEST(failed_parse_leaves_no_stale_fields) {
  struct cert_parts p = base_parts();
  p.not_after = tlv_str(0x17, "garbage");
  struct dbuf d = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_TIME);
  ck_assert(!f.has_cn);
  ck_assert_ptr_null(f.raw.ptr);
  ck_assert_uint_eq(f.serial.len, 0);
}
END_TEST

START_TEST(hand_built_base_certificate_parses_like_openssl) {
  struct cert_parts p = base_parts();
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  assert_agrees_with_openssl(d.b, d.n);
}
END_TEST

/* Each row: a deviation from the base certificate, what OpenSSL 3.0's
 * d2i_X509 does with it, and what cert_fields does. */
START_TEST(ber_lengths_and_trailing_bytes_rejected_though_openssl_takes_them) {
  struct cert_parts p = base_parts();
  struct dbuf d = cert_parts_build(&p);
  /* Outer length re-encoded in a longer form than needed. */
  struct dbuf body = raw(d.b + 3, d.n - 3); /* base cert has a 0x81 length */
  ck_assert_uint_eq(d.b[1], 0x81);
  struct dbuf longer = RAW(0x30, 0x82, 0x00);
  put(&longer, &d.b[2], 1);
  longer = cat(&longer, &body);
  struct dbuf indefinite = RAW(0x30, 0x80);
  indefinite = cat(&indefinite, &body);
  put(&indefinite, (const uint8_t[]){0, 0}, 2);
  struct dbuf trailing = d;
  put(&trailing, (const uint8_t[]){0x00}, 1);
  struct cert_fields f;
  ck_assert(openssl_parses(&longer));
  ck_assert_int_eq(parse(&longer, &f), CERT_FIELDS_ERR_DER);
  ck_assert(openssl_parses(&indefinite));
  ck_assert_int_eq(parse(&indefinite, &f), CERT_FIELDS_ERR_DER);
  ck_assert(openssl_parses(&trailing));
  ck_assert_int_eq(parse(&trailing, &f), CERT_FIELDS_ERR_DER);
}
END_TEST

START_TEST(version_outside_v1_to_v3_rejected) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x03);
  struct dbuf v4 = cert_parts_build(&p);
  ck_assert(openssl_parses(&v4));
  ck_assert_int_eq(parse(&v4, &f), CERT_FIELDS_ERR_STRUCTURE);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0xff);
  struct dbuf neg = cert_parts_build(&p);
  ck_assert_int_eq(parse(&neg, &f), CERT_FIELDS_ERR_STRUCTURE);
  /* Explicit v1 (a DEFAULT value written out) is taken, as by OpenSSL. */
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x00);
  struct dbuf v1 = cert_parts_build(&p);
  ck_assert_int_eq(parse(&v1, &f), CERT_FIELDS_OK);
  ck_assert_int_eq(f.version, 1);
  assert_agrees_with_openssl(v1.b, v1.n);
}
END_TEST

START_TEST(serial_must_be_minimal_nonempty_integer) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  p.serial = RAW(0x02, 0x02, 0x00, 0x05);
  struct dbuf padded = cert_parts_build(&p);
  ck_assert(!openssl_parses(&padded));
  ck_assert_int_eq(parse(&padded, &f), CERT_FIELDS_ERR_DER);
  p.serial = RAW(0x02, 0x00);
  struct dbuf empty = cert_parts_build(&p);
  ck_assert(!openssl_parses(&empty));
  ck_assert_int_ne(parse(&empty, &f), CERT_FIELDS_OK);
  p.serial = RAW(0x02, 0x02, 0xff, 0x80);
  struct dbuf neg_padded = cert_parts_build(&p);
  ck_assert_int_eq(parse(&neg_padded, &f), CERT_FIELDS_ERR_DER);
}
END_TEST

START_TEST(time_openssl_cannot_read_is_rejected) {
  const char *bad_utc[] = {
      "garbage",      "270229000000Z", "260304134112.5Z",   "260304240000Z",    "260304134160Z",
      "260304134112", "260304134112z", "260304134112+1300", "260304134112+010", "260304134112Z0"};
  struct cert_fields f;
  for (size_t i = 0; i < sizeof bad_utc / sizeof bad_utc[0]; i++) {
    struct cert_parts p = base_parts();
    p.not_before = tlv_str(0x17, bad_utc[i]);
    struct dbuf d = cert_parts_build(&p);
    ck_assert_msg(openssl_parses(&d), "d2i takes any time text: %s", bad_utc[i]);
    ck_assert_msg(parse(&d, &f) == CERT_FIELDS_ERR_TIME, "accepted %s", bad_utc[i]);
  }
  const char *bad_gen[] = {"20260304134112.Z", "202603041341.5Z", "2026030413Z"};
  for (size_t i = 0; i < sizeof bad_gen / sizeof bad_gen[0]; i++) {
    struct cert_parts p = base_parts();
    p.not_after = tlv_str(0x18, bad_gen[i]);
    struct dbuf d = cert_parts_build(&p);
    ck_assert_msg(parse(&d, &f) == CERT_FIELDS_ERR_TIME, "accepted %s", bad_gen[i]);
  }
  struct cert_parts p = base_parts();
  p.not_before = tlv_str(0x04, "260304134112Z");
  struct dbuf wrong_tag = cert_parts_build(&p);
  ck_assert(!openssl_parses(&wrong_tag));
  ck_assert_int_eq(parse(&wrong_tag, &f), CERT_FIELDS_ERR_STRUCTURE);
}
END_TEST

START_TEST(duplicate_extensions_rejected_though_openssl_parses) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  struct dbuf bc_oid = oid_bc(), bc_value = RAW(0x30, 0x00);
  struct dbuf a = ext(&bc_oid, -1, &bc_value);
  p.exts = cat(&a, &a);
  struct dbuf dup_bc = cert_parts_build(&p);
  ck_assert(openssl_parses(&dup_bc));
  ck_assert_int_eq(parse(&dup_bc, &f), CERT_FIELDS_ERR_EXTENSION);
  struct dbuf other_oid = RAW(0x06, 0x03, 0x2a, 0x03, 0x04), null_value = RAW(0x05, 0x00);
  struct dbuf o = ext(&other_oid, -1, &null_value);
  p.exts = cat(&o, &o);
  struct dbuf dup_other = cert_parts_build(&p);
  ck_assert(openssl_parses(&dup_other));
  ck_assert_int_eq(parse(&dup_other, &f), CERT_FIELDS_ERR_EXTENSION);
  /* Distinct OIDs of one arc octet each (1.2 and 1.3) are not duplicates. */
  struct dbuf oid_1_2 = RAW(0x06, 0x01, 0x2a), oid_1_3 = RAW(0x06, 0x01, 0x2b);
  struct dbuf e12 = ext(&oid_1_2, -1, &null_value), e13 = ext(&oid_1_3, -1, &null_value);
  p.exts = cat(&e12, &e13);
  struct dbuf distinct = cert_parts_build(&p);
  assert_agrees_with_openssl(distinct.b, distinct.n);
  ck_assert_int_eq(parse(&distinct, &f), CERT_FIELDS_OK);
  ck_assert_uint_eq(f.extension_count, 2);
  p.exts = cat(&e12, &e12);
  struct dbuf dup_short = cert_parts_build(&p);
  ck_assert_int_eq(parse(&dup_short, &f), CERT_FIELDS_ERR_EXTENSION);
}
END_TEST

START_TEST(more_than_max_extensions_rejected) {
  struct cert_parts p = base_parts();
  p.exts.n = 0;
  for (unsigned i = 0; i <= CERT_FIELDS_MAX_EXTENSIONS; i++) {
    /* 1.2.<128 + i>: always two base-128 octets, all distinct */
    const unsigned arc = 128 + i;
    struct dbuf oid = RAW(0x06, 0x03, 0x2a, (uint8_t)(0x80 | (arc >> 7)), (uint8_t)(arc & 0x7f));
    struct dbuf value = RAW(0x05, 0x00);
    struct dbuf e = ext(&oid, -1, &value);
    p.exts = cat(&p.exts, &e);
  }
  struct dbuf d = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_EXTENSION);
}
END_TEST

START_TEST(boolean_other_than_00_ff_rejected) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  struct dbuf bc_oid = oid_bc(), ca_01 = RAW(0x30, 0x03, 0x01, 0x01, 0x01);
  p.exts = ext(&bc_oid, 0x01, &ca_01);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d)); /* OpenSSL reads 01 as TRUE */
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_DER);
}
END_TEST

START_TEST(basic_constraints_read_as_go_reads_them) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  struct dbuf bc_oid = oid_bc();
  /* Explicit cA FALSE and critical FALSE: not DER, taken by everyone. */
  struct dbuf explicit_false = RAW(0x30, 0x03, 0x01, 0x01, 0x00);
  p.exts = ext(&bc_oid, 0x00, &explicit_false);
  struct dbuf a = cert_parts_build(&p);
  ck_assert_int_eq(parse(&a, &f), CERT_FIELDS_OK);
  ck_assert(f.has_basic_constraints && !f.basic_constraints_ca && !f.basic_constraints_critical);
  assert_agrees_with_openssl(a.b, a.n);
  /* Bytes after the SEQUENCE in extnValue: ignored by Go and OpenSSL. */
  struct dbuf trailing = RAW(0x30, 0x03, 0x01, 0x01, 0xff, 0x00);
  p.exts = ext(&bc_oid, 0xff, &trailing);
  struct dbuf b = cert_parts_build(&p);
  ck_assert_int_eq(parse(&b, &f), CERT_FIELDS_OK);
  ck_assert(f.basic_constraints_ca && f.basic_constraints_critical);
  assert_agrees_with_openssl(b.b, b.n);
  /* Not a SEQUENCE: OpenSSL parses the certificate but not the extension. */
  struct dbuf garbage = RAW(0x05, 0x00);
  p.exts = ext(&bc_oid, -1, &garbage);
  struct dbuf c = cert_parts_build(&p);
  ck_assert(openssl_parses(&c));
  ck_assert_int_eq(parse(&c, &f), CERT_FIELDS_ERR_EXTENSION);
  /* Negative pathLen. */
  struct dbuf negative = RAW(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff);
  p.exts = ext(&bc_oid, 0xff, &negative);
  struct dbuf d = cert_parts_build(&p);
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_EXTENSION);
  /* A lone BOOLEAN identifier octet inside the SEQUENCE: Go peeks the tag,
   * fails to read the BOOLEAN and refuses the certificate. */
  struct dbuf lone = RAW(0x30, 0x01, 0x01);
  p.exts = ext(&bc_oid, 0xff, &lone);
  struct dbuf e = cert_parts_build(&p);
  ck_assert_int_eq(parse(&e, &f), CERT_FIELDS_ERR_EXTENSION);
}
END_TEST

START_TEST(san_names_iterated_with_openssl_numbering) {
  struct cert_parts p = base_parts();
  struct dbuf san_oid = oid_san();
  struct dbuf names = RAW(0x82, 0x03, 'a', '.', 'b', 0x87, 0x04, 10, 0, 0, 1, 0x81, 0x03, 'x', '@',
                          'y', 0x86, 0x01, 'u');
  struct dbuf dirname = cn_name(0x13, "x", 1);
  struct dbuf dir = wrap(0xa4, &dirname);
  names = cat(&names, &dir);
  struct dbuf seq = wrap(0x30, &names);
  p.exts = ext(&san_oid, -1, &seq);
  struct dbuf d = cert_parts_build(&p);
  assert_agrees_with_openssl(d.b, d.n);
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
  struct cert_san_iter it;
  cert_san_iter_init(&f, &it);
  const unsigned want_tags[] = {2, 7, 1, 6, 4};
  const uint8_t want_ids[] = {0x82, 0x87, 0x81, 0x86, 0xa4};
  unsigned tag;
  struct der_slice v;
  for (size_t i = 0; i < 5; i++) {
    ck_assert(cert_san_next(&it, &tag, &v));
    ck_assert_uint_eq(tag, want_tags[i]);
    ck_assert_uint_eq(it.identifier, want_ids[i]);
  }
  ck_assert(!cert_san_next(&it, &tag, &v));

  /* A lone octet after the last name is not a name: Go refuses the
   * certificate (OpenSSL only fails to decode the extension). */
  struct dbuf tail = RAW(0x30, 0x04, 0x82, 0x01, 'a', 0x82);
  p.exts = ext(&san_oid, -1, &tail);
  d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_EXTENSION);
}
END_TEST

/* Which GeneralName alternatives DER requires constructed ([0] otherName,
 * [3] x400Address, [4] directoryName, [5] ediPartyName) and primitive
 * ([1], [2], [6], [7], [8]); numbers past 8 and other classes are not
 * GeneralNames cert_fields judges. */
START_TEST(general_name_forms_per_alternative) {
  struct cert_parts p = base_parts();
  struct dbuf san_oid = oid_san();
  struct cert_fields f;
  for (unsigned number = 0; number <= 10; number++) {
    const bool constructed_alt = number == 0 || number == 3 || number == 4 || number == 5;
    for (int constructed = 0; constructed < 2; constructed++) {
      const uint8_t id = (uint8_t)(0x80 | (constructed ? 0x20 : 0) | number);
      struct dbuf value = RAW(0x30, 0x02, id, 0x00);
      p.exts = ext(&san_oid, -1, &value);
      struct dbuf d = cert_parts_build(&p);
      const bool want = number > 8 || constructed == constructed_alt;
      ck_assert_msg(parse(&d, &f) == (want ? CERT_FIELDS_OK : CERT_FIELDS_ERR_EXTENSION),
                    "GeneralName identifier %02x", id);
    }
  }
  /* Universal and application classes are read, whatever their form, and
   * the iterator tells them from GeneralNames as 0x100 | identifier. */
  static const uint8_t others[] = {0x04, 0x30, 0x41, 0x61, 0xc2, 0xe2};
  for (size_t i = 0; i < sizeof others; i++) {
    struct dbuf value = RAW(0x30, 0x02, others[i], 0x00);
    p.exts = ext(&san_oid, -1, &value);
    struct dbuf d = cert_parts_build(&p);
    ck_assert_msg(parse(&d, &f) == CERT_FIELDS_OK, "identifier %02x", others[i]);
    struct cert_san_iter it;
    cert_san_iter_init(&f, &it);
    unsigned tag;
    struct der_slice v;
    ck_assert(cert_san_next(&it, &tag, &v));
    ck_assert_uint_eq(tag, 0x100u | others[i]);
    ck_assert_uint_eq(it.identifier, others[i]);
  }
}
END_TEST

START_TEST(bit_strings_unique_ids_and_lone_octets) {
  struct cert_parts p = base_parts();
  struct cert_fields f;
  /* Signature BIT STRINGs: 0..7 unused bits, empty only with none. */
  static const struct {
    uint8_t bytes[4];
    size_t n;
    bool ok;
  } sigs[] = {{{0x03, 0x02, 0x07, 0x80}, 4, true},
              {{0x03, 0x02, 0x01, 0x02}, 4, true},
              {{0x03, 0x01, 0x00}, 3, true},
              {{0x03, 0x01, 0x03}, 3, false},
              {{0x03, 0x01, 0x01}, 3, false},
              {{0x03, 0x02, 0x08, 0x00}, 4, false},
              {{0x03, 0x00}, 2, false}};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    p.signature = raw(sigs[i].bytes, sigs[i].n);
    struct dbuf d = cert_parts_build(&p);
    ck_assert_msg((parse(&d, &f) == CERT_FIELDS_OK) == sigs[i].ok, "signature %zu", i);
    if (sigs[i].ok) ck_assert(openssl_parses(&d));
  }
  /* Unique IDs before the extensions: issuer [1], subject [2], each a
   * BIT STRING. */
  p = base_parts();
  p.has_exts = false;
  p.tbs_tail = RAW(0x81, 0x02, 0x00, 0xaa, 0x82, 0x02, 0x07, 0x80);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
  p.tbs_tail = RAW(0x82, 0x01, 0x00);
  d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
  p.tbs_tail = RAW(0x82, 0x01, 0x05);
  d = cert_parts_build(&p);
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  /* A lone octet left in a Name or an RDN is not an element. */
  p = base_parts();
  p.subject = RAW(0x30, 0x03, 0x31, 0x00, 0x31);
  d = cert_parts_build(&p);
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  p.subject = RAW(0x30, 0x03, 0x31, 0x01, 0x30);
  d = cert_parts_build(&p);
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  /* An extension OID must be DER; the Validity holds two times only. */
  p = base_parts();
  struct dbuf bad_oid = RAW(0x06, 0x02, 0x2a, 0x80), empty = RAW(0x30, 0x00);
  p.exts = ext(&bad_oid, -1, &empty);
  d = cert_parts_build(&p);
  ck_assert(!openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  struct dbuf third = tlv_str(0x17, "280304134112Z");
  p.not_after = cat(&p.not_after, &third);
  d = cert_parts_build(&p);
  ck_assert(!openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  /* The key's BIT STRING follows the same rules; nothing may follow the
   * signature inside the Certificate. */
  p = base_parts();
  struct dbuf alg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  uint8_t bits[33] = {0x08};
  struct dbuf key = {.n = 0};
  put_tlv(&key, 0x03, bits, sizeof bits);
  struct dbuf spki_body = cat(&alg, &key);
  p.spki = wrap(0x30, &spki_body);
  d = cert_parts_build(&p);
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  const struct dbuf good = cert_parts_build(&p);
  struct dbuf body = raw(good.b + 3, good.n - 3), null = RAW(0x05, 0x00);
  ck_assert_uint_eq(good.b[1], 0x81);
  body = cat(&body, &null);
  d = wrap(0x30, &body);
  ck_assert(!openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  /* basicConstraints pathLen 1 and 127 are non-negative. */
  struct dbuf bc_oid = oid_bc();
  static const uint8_t lens[] = {0x01, 0x7f};
  for (size_t i = 0; i < sizeof lens; i++) {
    struct dbuf v = RAW(0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, lens[i]);
    p = base_parts();
    p.exts = ext(&bc_oid, 0xff, &v);
    d = cert_parts_build(&p);
    ck_assert(openssl_parses(&d));
    ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
    ck_assert(f.has_basic_constraints && f.basic_constraints_ca);
  }
}
END_TEST

START_TEST(san_constructed_string_form_rejected) {
  /* [2] dNSName in BER's constructed form: OpenSSL reassembles "a.b", Go
   * ignores the name; DER forbids it. */
  struct cert_parts p = base_parts();
  struct dbuf san_oid = oid_san();
  struct dbuf value = RAW(0x30, 0x07, 0xa2, 0x05, 0x16, 0x03, 'a', '.', 'b');
  p.exts = ext(&san_oid, -1, &value);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_EXTENSION);
  /* High-tag-number identifier inside GeneralNames. */
  struct dbuf high = RAW(0x30, 0x04, 0x9f, 0x81, 0x00, 0x00);
  p.exts = ext(&san_oid, -1, &high);
  struct dbuf e = cert_parts_build(&p);
  ck_assert(openssl_parses(&e));
  ck_assert_int_eq(parse(&e, &f), CERT_FIELDS_ERR_EXTENSION);
}
END_TEST

START_TEST(last_cn_wins_across_rdns_and_types) {
  struct cert_parts p = base_parts();
  struct dbuf atv1 = RAW(0x06, 0x03, 0x55, 0x04, 0x03), atv2 = atv1;
  put_tlv(&atv1, 0x13, "first", 5);
  put_tlv(&atv2, 0x0c, "second", 6);
  struct dbuf s1 = wrap(0x30, &atv1), s2 = wrap(0x30, &atv2);
  struct dbuf set1 = wrap(0x31, &s1), set2 = wrap(0x31, &s2);
  struct dbuf rdns = cat(&set1, &set2);
  p.subject = wrap(0x30, &rdns);
  struct dbuf d = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
  ck_assert_uint_eq(f.cn_tag, 0x0c);
  ck_assert_uint_eq(f.cn.len, 6);
  ck_assert_mem_eq(f.cn.ptr, "second", 6);
  assert_agrees_with_openssl(d.b, d.n);
}
END_TEST

START_TEST(empty_rdn_and_empty_name_accepted_like_openssl) {
  struct cert_parts p = base_parts();
  struct dbuf empty_set = RAW(0x31, 0x00);
  struct dbuf atv = RAW(0x06, 0x03, 0x55, 0x04, 0x03);
  put_tlv(&atv, 0x13, "x", 1);
  struct dbuf seq = wrap(0x30, &atv), set = wrap(0x31, &seq);
  struct dbuf rdns = cat(&empty_set, &set);
  p.subject = wrap(0x30, &rdns);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  assert_agrees_with_openssl(d.b, d.n);
  p.subject = RAW(0x30, 0x00);
  struct dbuf e = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_int_eq(parse(&e, &f), CERT_FIELDS_OK);
  ck_assert(!f.has_cn);
  assert_agrees_with_openssl(e.b, e.n);
}
END_TEST

START_TEST(constructed_string_cn_rejected_though_openssl_reassembles_it) {
  /* Found by the cert_fields fuzz target: CN as a constructed IA5String
   * (0x36) wrapping INTEGER 01; d2i_X509 reports CN "\x01". */
  struct cert_parts p = base_parts();
  const uint8_t chunks[] = {0x02, 0x01, 0x01};
  p.subject = cn_name(0x36, chunks, sizeof chunks);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
  struct byte_reader r =
      byte_reader_init((const uint8_t[]){0x10, 0x00}, 2); /* primitive SEQUENCE */
  struct der_tlv t;
  ck_assert(!der_read_tlv(&r, &t));
  r = byte_reader_init((const uint8_t[]){0x00, 0x00}, 2); /* end-of-contents */
  ck_assert(!der_read_tlv(&r, &t));
}
END_TEST

START_TEST(cn_value_of_non_string_type_is_reported_as_found) {
  struct cert_parts p = base_parts();
  struct dbuf seq_value = RAW(0x30, 0x03, 0x02, 0x01, 0x01);
  p.subject = cn_name(0x30, seq_value.b + 2, 3);
  struct dbuf d = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_OK);
  ck_assert(f.has_cn);
  ck_assert_uint_eq(f.cn_tag, 0x30);
  ck_assert(openssl_parses(&d)); /* OpenSSL keeps it as a V_ASN1_SEQUENCE blob */
}
END_TEST

START_TEST(structure_errors_match_openssl_rejections) {
  struct cert_fields f;
  struct cert_parts p = base_parts();
  p.tbs_tail = RAW(0x05, 0x00); /* a field after the extensions */
  struct dbuf a = cert_parts_build(&p);
  ck_assert(!openssl_parses(&a));
  ck_assert_int_eq(parse(&a, &f), CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  p.signature = RAW(0x03, 0x02, 0x08, 0x01); /* 8 unused bits */
  struct dbuf b = cert_parts_build(&p);
  ck_assert(!openssl_parses(&b));
  ck_assert_int_eq(parse(&b, &f), CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  p.sigalg = RAW(0x30, 0x04, 0x06, 0x02, 0x2a, 0x80); /* unterminated OID */
  struct dbuf c = cert_parts_build(&p);
  ck_assert(!openssl_parses(&c));
  ck_assert_int_eq(parse(&c, &f), CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  struct dbuf bc_oid = oid_bc();
  p.exts = bc_oid; /* Extension without extnValue */
  p.exts = wrap(0x30, &p.exts);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(!openssl_parses(&d));
  ck_assert_int_eq(parse(&d, &f), CERT_FIELDS_ERR_STRUCTURE);
}
END_TEST

static void assert_refused_like_openssl(const char *what, const struct dbuf *d,
                                        enum cert_fields_status want) {
  struct cert_fields f;
  ck_assert_msg(!openssl_parses(d), "%s: OpenSSL parses it", what);
  const enum cert_fields_status st = parse(d, &f);
  ck_assert_msg(st == want, "%s: %s, want %s", what, cert_fields_status_str(st),
                cert_fields_status_str(want));
}

/* One field at a time made into something d2i_X509 refuses: cert_fields
 * refuses it too, and says which kind of fault it is (a TLV that does not
 * read is "not DER"; a well-formed element in the wrong place is "not an
 * X.509 certificate"). A reader that let any of these through would hand
 * its consumers fields of a certificate no TLS library accepts. */
START_TEST(fields_openssl_refuses_are_refused_with_their_kind) {
  const struct dbuf null = RAW(0x05, 0x00), bc_oid = oid_bc(), empty = RAW(0x30, 0x00);
  struct cert_parts p = base_parts();
  p.sigalg = RAW(0x30, 0x0e, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x05, 0x00,
                 0x05, 0x00);
  struct dbuf d = cert_parts_build(&p);
  assert_refused_like_openssl("AlgorithmIdentifier with a third element", &d,
                              CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.issuer = RAW(0x30, 0x0a, 0x31, 0x08, 0x30, 0x06, 0x06, 0x02, 0x55, 0x84, 0x13, 0x00);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("issuer attribute type OID unterminated", &d,
                              CERT_FIELDS_ERR_STRUCTURE);
  p.issuer = RAW(0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x01, 'x',
                 0x05, 0x00);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("issuer attribute with a third element", &d,
                              CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.serial = RAW(0x04, 0x01, 0x02);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("serial number as an OCTET STRING", &d, CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.version = RAW(0xa0, 0x04, 0x02, 0x02, 0x00, 0x02);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("version INTEGER with a padding octet", &d, CERT_FIELDS_ERR_DER);
  p.version = RAW(0xa0, 0x05, 0x02, 0x01, 0x02, 0x05, 0x00);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("version [0] with a second element", &d, CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.spki = raw(p.spki.b + 2, p.spki.n - 2); /* its content: short-form length */
  p.spki = cat(&p.spki, &null);
  p.spki = wrap(0x30, &p.spki);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("SubjectPublicKeyInfo with a third element", &d,
                              CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.has_exts = false;
  p.tbs_tail = RAW(0x81, 0x02, 0x08, 0x00);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("issuerUniqueID with 8 unused bits", &d, CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.exts = ext(&bc_oid, -1, &empty); /* a well-formed Extension, tagged SET */
  p.exts.b[0] = 0x31;
  d = cert_parts_build(&p);
  assert_refused_like_openssl("an extension that is a SET", &d, CERT_FIELDS_ERR_STRUCTURE);
  p.exts = ext(&bc_oid, 0xff, &empty);
  p.exts = raw(p.exts.b + 2, p.exts.n - 2);
  p.exts = cat(&p.exts, &null);
  p.exts = wrap(0x30, &p.exts);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("an extension with an element after extnValue", &d,
                              CERT_FIELDS_ERR_STRUCTURE);
  p = base_parts();
  put(&p.exts, (const uint8_t[]){0x30}, 1);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("a lone octet after the last extension", &d, CERT_FIELDS_ERR_DER);
  p = base_parts();
  struct dbuf seq = wrap(0x30, &p.exts);
  seq = cat(&seq, &null);
  p.has_exts = false;
  p.tbs_tail = wrap(0xa3, &seq);
  d = cert_parts_build(&p);
  assert_refused_like_openssl("an element after the Extensions SEQUENCE in [3]", &d,
                              CERT_FIELDS_ERR_STRUCTURE);

  p = base_parts();
  p.validity_tag = 0x31;
  d = cert_parts_build(&p);
  assert_refused_like_openssl("Validity as a SET", &d, CERT_FIELDS_ERR_STRUCTURE);
  /* Base certificate: 30 81 xx | 30 81 yy (TBSCertificate) ... */
  p = base_parts();
  d = cert_parts_build(&p);
  ck_assert_uint_eq(d.b[3], 0x30);
  d.b[3] = 0x31;
  assert_refused_like_openssl("TBSCertificate as a SET", &d, CERT_FIELDS_ERR_STRUCTURE);
}
END_TEST

START_TEST(public_key_is_not_decoded) {
  /* An unknown algorithm and a junk key: OpenSSL parses (it defers key
   * errors), and so does cert_fields, which never looks inside. */
  struct cert_parts p = base_parts();
  struct dbuf alg = RAW(0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04),
              key = RAW(0x03, 0x02, 0x00, 0x01);
  struct dbuf body = cat(&alg, &key);
  p.spki = wrap(0x30, &body);
  struct dbuf d = cert_parts_build(&p);
  ck_assert(openssl_parses(&d));
  assert_agrees_with_openssl(d.b, d.n);
}
END_TEST

/* ---------- serials ---------- */

static bool small_of(const uint8_t *content, size_t n, unsigned bits, uint64_t *v) {
  struct cert_fields f;
  memset(&f, 0, sizeof f);
  f.serial = (struct der_slice){content, n};
  return cert_serial_small(&f, bits, v);
}

START_TEST(serial_small_uses_bit_length) {
  uint64_t v;
  ck_assert(small_of((const uint8_t[]){0x00}, 1, 8, &v) && v == 0);
  ck_assert(small_of((const uint8_t[]){0x02}, 1, 8, &v) && v == 2);
  ck_assert(small_of((const uint8_t[]){0x00, 0xff}, 2, 8, &v) && v == 255);
  ck_assert(!small_of((const uint8_t[]){0x01, 0x00}, 2, 8, &v));
  ck_assert(small_of((const uint8_t[]){0x01, 0x00}, 2, 9, &v) && v == 256);
  ck_assert(!small_of((const uint8_t[]){0xff}, 1, 8, &v)); /* -1 */
  ck_assert(!small_of((const uint8_t[]){0x80}, 1, 64, &v));
  ck_assert(small_of((const uint8_t[]){0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, 64,
                     &v) &&
            v == UINT64_MAX);
  ck_assert(!small_of((const uint8_t[]){0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 9, 64, &v));
  /* A limit past 64 bits still refuses what a uint64_t cannot hold. */
  ck_assert(!small_of((const uint8_t[]){0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 9, 72, &v));
  ck_assert(small_of((const uint8_t[]){0x00, 0x80, 0, 0, 0, 0, 0, 0, 0x01}, 9, 72, &v) &&
            v == (UINT64_C(1) << 63) + 1);
}
END_TEST

/* ---------- DER primitives ---------- */

static bool tlv_ok(const uint8_t *b, size_t n) {
  struct byte_reader r = byte_reader_init(b, n);
  struct der_tlv t;
  return der_read_tlv(&r, &t) && byte_reader_remaining(&r) == 0;
}

START_TEST(der_lengths_must_be_definite_minimal_and_in_bounds) {
  ck_assert(tlv_ok((const uint8_t[]){0x04, 0x01, 0xaa}, 3));
  ck_assert(!tlv_ok((const uint8_t[]){0x04, 0x81, 0x01, 0xaa}, 4)); /* long form < 128 */
  ck_assert(!tlv_ok((const uint8_t[]){0x04, 0x82, 0x00, 0x01, 0xaa}, 5));
  ck_assert(!tlv_ok((const uint8_t[]){0x30, 0x80, 0x00, 0x00}, 4));    /* indefinite */
  ck_assert(!tlv_ok((const uint8_t[]){0x04, 0x02, 0xaa}, 3));          /* past the end */
  ck_assert(!tlv_ok((const uint8_t[]){0x1f, 0x81, 0x00, 0x00}, 4));    /* high tag number */
  ck_assert(!tlv_ok((const uint8_t[]){0x04, 0x85, 1, 0, 0, 0, 0}, 7)); /* 5 length octets */
  ck_assert(!tlv_ok((const uint8_t[]){0x04, 0x84, 0xff, 0xff, 0xff, 0xff}, 6));
  ck_assert(!tlv_ok((const uint8_t[]){0x04}, 1));
  uint8_t big[300] = {0x04, 0x82, 0x01, 0x28};
  ck_assert(tlv_ok(big, 4 + 0x128));
  /* 0x80 is the smallest long-form length; five length octets are refused
   * even when their low four would fit. */
  uint8_t b128[2 + 1 + 128] = {0x04, 0x81, 0x80};
  ck_assert(tlv_ok(b128, sizeof b128));
  uint8_t five[7 + 0x81] = {0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x81};
  ck_assert(!tlv_ok(five, sizeof five));
  /* Four length octets are the most read: a 16 MiB value is taken. */
  const size_t n16 = (size_t)1 << 24;
  uint8_t *huge = calloc(1, 6 + n16);
  ck_assert_ptr_nonnull(huge);
  memcpy(huge, (const uint8_t[]){0x04, 0x84, 0x01, 0x00, 0x00, 0x00}, 6);
  ck_assert(tlv_ok(huge, 6 + n16));
  free(huge);
}
END_TEST

/* X.690 §10.2: a universal type has one form in DER. */
START_TEST(der_universal_types_have_one_form) {
  for (unsigned number = 0; number < 31; number++) {
    const bool constructed_type =
        number == 8 || number == 11 || number == 16 || number == 17 || number == 29;
    for (int constructed = 0; constructed < 2; constructed++) {
      const uint8_t id = (uint8_t)(number | (constructed ? 0x20 : 0));
      const uint8_t b[] = {id, 0x00};
      struct byte_reader r = byte_reader_init(b, sizeof b);
      struct der_tlv t;
      const bool want = number != 0 && constructed == constructed_type;
      ck_assert_msg(der_read_tlv(&r, &t) == want, "identifier %02x", id);
      /* The any-form reader takes both forms and tag 0. */
      r = byte_reader_init(b, sizeof b);
      ck_assert_msg(der_read_tlv_any_form(&r, &t) && t.tag == id, "identifier %02x", id);
    }
  }
  /* Other classes are never checked for form. */
  for (unsigned id = 0x40; id < 0x100; id++) {
    if ((id & 0x1f) == 0x1f) continue;
    const uint8_t b[] = {(uint8_t)id, 0x00};
    struct byte_reader r = byte_reader_init(b, sizeof b);
    struct der_tlv t;
    ck_assert_msg(der_read_tlv(&r, &t), "identifier %02x", id);
  }
  const uint8_t high[] = {0x3f, 0x01, 0x00};
  struct byte_reader r = byte_reader_init(high, sizeof high);
  struct der_tlv t;
  ck_assert(!der_read_tlv_any_form(&r, &t));
  ck_assert_uint_eq(byte_reader_remaining(&r), sizeof high); /* nothing consumed */
}
END_TEST

START_TEST(der_oid_and_integer_validity) {
  ck_assert(der_oid_valid((struct der_slice){(const uint8_t[]){0x55, 0x04, 0x03}, 3}));
  ck_assert(!der_oid_valid((struct der_slice){(const uint8_t[]){0x2a, 0x80}, 2}));
  ck_assert(!der_oid_valid((struct der_slice){(const uint8_t[]){0x2a, 0x80, 0x01}, 3}));
  ck_assert(!der_oid_valid((struct der_slice){NULL, 0}));
  ck_assert(der_integer_valid((struct der_slice){(const uint8_t[]){0x00, 0x80}, 2}));
  ck_assert(der_integer_valid((struct der_slice){(const uint8_t[]){0xff, 0x7f}, 2}));
  ck_assert(!der_integer_valid((struct der_slice){(const uint8_t[]){0x00, 0x7f}, 2}));
  ck_assert(!der_integer_valid((struct der_slice){(const uint8_t[]){0xff, 0x80}, 2}));
  ck_assert(!der_integer_valid((struct der_slice){NULL, 0}));
}
END_TEST

/* ---------- times ---------- */

static bool our_time(uint8_t tag, const char *s, int64_t *out) {
  return cert_time_parse_openssl(tag, (struct der_slice){(const uint8_t *)s, strlen(s)}, out);
}

START_TEST(time_grammar_agrees_with_asn1_time_to_tm) {
  const char *utc[] = {
      "260304134112Z", "2603041341Z", "260304134112+0100", "260304134112-1200", "260304134112+1259",
      "500101000000Z", "491231235959Z", "000229000000Z", "010229000000Z", "260304134112.5Z",
      "2603041341", "26030413411Z", "260304134112+1300", "260304134112+0160", "260431000000Z",
      "261304000000Z", "260304134112-", "260304134112Z ", "a60304134112Z", "260304134112+01000",
      /* each field at and past its limits */
      "260100000000Z", "260132000000Z", "260131000000Z", "260001000000Z", "261201000000Z",
      "260304240000Z", "260304230000Z", "260304236000Z", "260304235900Z", "260304235960Z",
      "260304235959Z", "260304134112+1200", "260304134112-1259", "260304134112+0059",
      "260304134112+0060", "260304134112+1260", "260304134112+", "260304134112+01",
      "260304134112+0a00", "2603041341+1200", "26030413Z", "260304134Z", "2603041341.5Z",
      "260304134112.5+0100", "000101000000Z", "991231235959Z", "240229000000Z", "250229000000Z",
      "260228000000Z", "260229000000Z", "260230000000Z", "260631000000Z", "260731000000Z",
      "260931000000Z", "261031000000Z", "261131000000Z", "261231000000Z", "2603041341125Z",
      "260304134112z", "26030413411 Z", "26-304134112Z"};
  const char *gen[] = {
      "20260304134112Z", "202603041341Z", "20260304134112.123456789123Z", "20260304134112.Z",
      "20260304134112.5+0130", "00000101000000Z", "99991231235959Z", "19000229000000Z",
      "20000229000000Z", "2026030413Z", "20260304134112,5Z", "202603041341.5Z",
      /* an offset moves the instant through OPENSSL_gmtime_adj,
                        * which keeps to 1900..9999 (found by the fuzz target) */
      "02620304134112.123+0100", "19000101000000+0001", "19000101010000+0100",
      "18991231235959-0001", "99991231235959-0100", "99991231225959-0100", "19000101000000+0000",
      "00000101000000-0000", "20261231235959Z", "20260230000000Z", "21000229000000Z",
      "24000229000000Z", "19991231235959+1200", "00000101000000+0100", "99991231235959+1200",
      "20260304134112.0Z", "20260304134112.00001Z", "20260304134112.5", "20260304134112.5-1200",
      "20260304134112.5-1300", "2026030413411Z", "202603041341125Z", "20260304134112+1300",
      "20260304240000Z", "20260304236000Z", "20260304235960Z", "20260100000000Z", "20261300000000Z",
      "2026030413", "20260304134112Z0", "19500101000000Z", "20500101000000Z", "19000101000000Z",
      "18991231235959Z", "1899123123595 Z"};
  /* Only the two time types have a grammar. */
  int64_t unused;
  ck_assert(
      !cert_time_parse_openssl(0x04, (struct der_slice){(const uint8_t *)gen[0], 15}, &unused));
  ck_assert(
      !cert_time_parse_openssl(0x13, (struct der_slice){(const uint8_t *)utc[0], 13}, &unused));
  for (int kind = 0; kind < 2; kind++) {
    const char **list = kind == 0 ? utc : gen;
    size_t n = kind == 0 ? sizeof utc / sizeof utc[0] : sizeof gen / sizeof gen[0];
    int type = kind == 0 ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME;
    for (size_t i = 0; i < n; i++) {
      ASN1_TIME *t = ASN1_STRING_type_new(type);
      ASN1_STRING_set(t, list[i], (int)strlen(list[i]));
      struct tm tm;
      memset(&tm, 0, sizeof tm);
      int theirs_ok = ASN1_TIME_to_tm(t, &tm);
      int64_t ours;
      bool ours_ok = our_time((uint8_t)type, list[i], &ours);
      ck_assert_msg(ours_ok == (theirs_ok == 1), "%s: ours %d openssl %d", list[i], ours_ok,
                    theirs_ok);
      if (ours_ok) ck_assert_msg(ours == (int64_t)timegm(&tm), "%s value", list[i]);
      ASN1_TIME_free(t);
    }
  }
}
END_TEST

START_TEST(utc_time_century_rule_1950_to_2049) {
  int64_t t;
  ck_assert(our_time(0x17, "491231235959Z", &t));
  ck_assert_int_eq(t, INT64_C(2524607999)); /* 2049-12-31 23:59:59 */
  ck_assert(our_time(0x17, "500101000000Z", &t));
  ck_assert_int_eq(t, INT64_C(-631152000)); /* 1950-01-01 */
  ck_assert(our_time(0x18, "20500101000000Z", &t));
  ck_assert_int_eq(t, INT64_C(2524608000));
  ck_assert(!our_time(0x02, "260304134112Z", &t));
}
END_TEST

/* The iterators stop, and say so, at an element they cannot read. */
START_TEST(iterators_report_malformed_elements) {
  static const uint8_t sans[] = {0x87, 0x04, 1, 2, 3, 4, 0x82, 0x05, 'a'};
  struct cert_fields f;
  memset(&f, 0, sizeof f);
  f.has_san = true;
  f.san = (struct der_slice){sans, sizeof sans};
  struct cert_san_iter it;
  cert_san_iter_init(&f, &it);
  unsigned tag;
  struct der_slice v;
  ck_assert(cert_san_next(&it, &tag, &v) && tag == 7 && v.len == 4 && !it.malformed);
  ck_assert(!cert_san_next(&it, &tag, &v) && it.malformed);
  ck_assert(!cert_san_next(&it, &tag, &v) && it.malformed);
  static const uint8_t exts[] = {0x30, 0x07, 0x06, 0x01, 0x2a, 0x04, 0x02,
                                 0xab, 0xcd, 0x30, 0x03, 0x06, 0x01, 0x2a};
  f.has_extensions = true;
  f.extensions = (struct der_slice){exts, sizeof exts};
  struct cert_ext_iter e;
  cert_ext_iter_init(&f, &e);
  struct der_slice oid, value;
  bool critical;
  ck_assert(cert_ext_next(&e, &oid, &critical, &value) && value.len == 2 && !e.malformed);
  ck_assert(!cert_ext_next(&e, &oid, &critical, &value) && e.malformed);
  ck_assert(!cert_ext_next(&e, &oid, &critical, &value) && e.malformed);
}
END_TEST

START_TEST(status_strings_exist) {
  for (int st = CERT_FIELDS_OK; st <= CERT_FIELDS_ERR_EXTENSION; st++)
    ck_assert_ptr_nonnull(cert_fields_status_str((enum cert_fields_status)st));
  ck_assert_str_eq(cert_fields_status_str(CERT_FIELDS_OK), "ok");
  /* Each status its own text (oracle_dump reports them). */
  ck_assert_str_eq(cert_fields_status_str(CERT_FIELDS_ERR_DER), "not DER");
  ck_assert_str_eq(cert_fields_status_str(CERT_FIELDS_ERR_STRUCTURE), "not an X.509 certificate");
  ck_assert_str_eq(cert_fields_status_str(CERT_FIELDS_ERR_TIME), "malformed validity time");
  ck_assert_str_eq(cert_fields_status_str(CERT_FIELDS_ERR_EXTENSION),
                   "malformed or duplicate extension");
}
END_TEST

START_TEST(extension_iterator_yields_oid_criticality_value_in_order) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  struct factory_cert *c = cert_factory_make(factory, &s);
  struct cert_fields f;
  ck_assert_int_eq(cert_fields_parse(c->der, c->der_len, &f), CERT_FIELDS_OK);
  struct cert_ext_iter it;
  cert_ext_iter_init(&f, &it);
  const uint8_t last_arc[] = {0x0f, 0x25, 0x13, 0x11};
  const bool critical[] = {true, false, true, false};
  struct der_slice oid, value;
  bool crit;
  for (size_t i = 0; i < 4; i++) {
    ck_assert(cert_ext_next(&it, &oid, &crit, &value));
    ck_assert_uint_eq(oid.len, 3);
    ck_assert_uint_eq(oid.ptr[2], last_arc[i]);
    ck_assert_int_eq(crit, critical[i]);
  }
  ck_assert(!cert_ext_next(&it, &oid, &crit, &value));
  ck_assert(!it.malformed);
  factory_cert_free(c);
}
END_TEST

static Suite *cert_fields_suite(void) {
  Suite *s = suite_create("cert_fields");
  TCase *agree = tcase_create("openssl_agreement");
  tcase_set_timeout(agree, 30);
  tcase_add_checked_fixture(agree, factory_setup, factory_teardown);
  tcase_add_test(agree, agrees_on_derper_ip_certs_of_every_key_type);
  tcase_add_test(agree, agrees_on_metacerts_and_ca_chains);
  tcase_add_test(agree, agrees_on_cn_string_types_lengths_and_absence);
  tcase_add_test(agree, agrees_on_serials_zero_negative_and_wide);
  tcase_add_test(agree, agrees_on_odd_but_valid_times);
  tcase_add_test(agree, agrees_on_v1_and_extension_profiles);
  tcase_add_test(agree, metacert_fields_as_go_sees_them);
  tcase_add_test(agree, hand_built_base_certificate_parses_like_openssl);
  tcase_add_test(agree, extension_iterator_yields_oid_criticality_value_in_order);
  suite_add_tcase(s, agree);

  TCase *reject = tcase_create("rejections");
  tcase_add_checked_fixture(reject, factory_setup, factory_teardown);
  tcase_add_test(reject, every_truncation_is_rejected);
  tcase_add_test(reject, garbage_and_empty_input_are_rejected);
  tcase_add_test(reject, failed_parse_leaves_no_stale_fields);
  tcase_add_test(reject, ber_lengths_and_trailing_bytes_rejected_though_openssl_takes_them);
  tcase_add_test(reject, version_outside_v1_to_v3_rejected);
  tcase_add_test(reject, serial_must_be_minimal_nonempty_integer);
  tcase_add_test(reject, time_openssl_cannot_read_is_rejected);
  tcase_add_test(reject, duplicate_extensions_rejected_though_openssl_parses);
  tcase_add_test(reject, more_than_max_extensions_rejected);
  tcase_add_test(reject, boolean_other_than_00_ff_rejected);
  tcase_add_test(reject, basic_constraints_read_as_go_reads_them);
  tcase_add_test(reject, san_names_iterated_with_openssl_numbering);
  tcase_add_test(reject, san_constructed_string_form_rejected);
  tcase_add_test(reject, general_name_forms_per_alternative);
  tcase_add_test(reject, bit_strings_unique_ids_and_lone_octets);
  tcase_add_test(reject, last_cn_wins_across_rdns_and_types);
  tcase_add_test(reject, empty_rdn_and_empty_name_accepted_like_openssl);
  tcase_add_test(reject, cn_value_of_non_string_type_is_reported_as_found);
  tcase_add_test(reject, constructed_string_cn_rejected_though_openssl_reassembles_it);
  tcase_add_test(reject, structure_errors_match_openssl_rejections);
  tcase_add_test(reject, fields_openssl_refuses_are_refused_with_their_kind);
  tcase_add_test(reject, public_key_is_not_decoded);
  suite_add_tcase(s, reject);

  TCase *prim = tcase_create("primitives");
  tcase_add_test(prim, serial_small_uses_bit_length);
  tcase_add_test(prim, der_lengths_must_be_definite_minimal_and_in_bounds);
  tcase_add_test(prim, der_oid_and_integer_validity);
  tcase_add_test(prim, der_universal_types_have_one_form);
  tcase_add_test(prim, time_grammar_agrees_with_asn1_time_to_tm);
  tcase_add_test(prim, utc_time_century_rule_1950_to_2049);
  tcase_add_test(prim, status_strings_exist);
  tcase_add_test(prim, iterators_report_malformed_elements);
  suite_add_tcase(s, prim);
  return s;
}

CHECK_MAIN(cert_fields_suite)
