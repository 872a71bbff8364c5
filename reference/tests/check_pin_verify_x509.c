/* The C model of Go's x509.ParseCertificate (pin_verify_x509.c,
 * pin_verify_key.c, over cert_fields) on hand-built certificates, one input
 * class at a time: Go's string rules, its time grammar and round trip,
 * DER edges, version/extension rules, and what a pinning client finally
 * observes (accept, or crypto/tls's "tls: failed to parse certificate from
 * server: <Go's text>", and the fields it reads).
 *
 * Every certificate asserted here is also a corpus input, so Go itself
 * judges it: corpus/regressions/pin_verify/<name> holds the pin_verify fuzz
 * layout (profile current, pin = the certificate's own hash, server name
 * "", the case's clock, one certificate), and conformance/peers/oracle.sh
 * runs upstream's pin check and x509.ParseCertificate over it. A test fails
 * when its corpus file is missing or differs; run the program with
 * DERP_X509_CORPUS_WRITE=1 to (re)write them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "check_der_build.h"
#include "check_main.h"
#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/go.h"
#include "derp/pin_verify.h"

/* DERP_X509_CORPUS_WRITE=1: write every case's corpus file, and report
 * (rather than stop at) each assertion that fails, so one run shows them
 * all. */
static bool write_mode(void) { return getenv("DERP_X509_CORPUS_WRITE") != NULL; }

#define EXPECT(cond, ...)                                        \
  do {                                                           \
    if (write_mode()) {                                          \
      if (!(cond)) {                                             \
        fprintf(stderr, "MISMATCH %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                            \
        fputc('\n', stderr);                                     \
      }                                                          \
    } else {                                                     \
      ck_assert_msg(cond, __VA_ARGS__);                          \
    }                                                            \
  } while (0)
#define EXPECT_TRUE(cond) EXPECT(cond, "%s", #cond)
#define EXPECT_INT(a, b) \
  EXPECT((a) == (b), "%s == %lld, want %lld", #a, (long long)(a), (long long)(b))

/* 2026-03-04 13:41:12 UTC, inside the base certificate's validity. */
#define NOW INT64_C(1772631672)
#define NOT_BEFORE NOW
#define NOT_AFTER INT64_C(1804167672) /* 2027-03-04 13:41:12 UTC */

#define TLS_PREFIX "tls: failed to parse certificate from server: "
#define RDN_VALUE "x509: invalid RDNSequence: invalid attribute value: "

/* ---------- certificates built by hand (check_der_build.h) ---------- */

static struct dbuf tlv(uint8_t tag, const void *v, size_t n) {
  struct dbuf d = {.n = 0};
  put_tlv(&d, tag, v, n);
  return d;
}

static struct dbuf tlv_str(uint8_t tag, const char *s) { return tlv(tag, s, strlen(s)); }

/* A Name of one RDN holding one attribute (type OID content, value TLV). */
static struct dbuf name_of(const struct dbuf *type_oid, const struct dbuf *value) {
  struct dbuf atv = wrap(0x06, type_oid);
  atv = cat(&atv, value);
  struct dbuf seq = wrap(0x30, &atv), set = wrap(0x31, &seq);
  return wrap(0x30, &set);
}

static struct dbuf cn_name(uint8_t tag, const void *v, size_t n) {
  struct dbuf type = RAW(0x55, 0x04, 0x03), value = tlv(tag, v, n);
  return name_of(&type, &value);
}

/* Extension with critical absent (-1), FALSE (0) or TRUE (0xff). */
static struct dbuf ext(const uint8_t *oid, size_t oid_len, int critical, const struct dbuf *value) {
  struct dbuf e = tlv(0x06, oid, oid_len);
  if (critical >= 0) put_tlv(&e, 0x01, (const uint8_t[]){(uint8_t)critical}, 1);
  put_tlv(&e, 0x04, value->b, value->n);
  return wrap(0x30, &e);
}

static const uint8_t OID_KU[] = {0x55, 0x1d, 0x0f};
static const uint8_t OID_SAN[] = {0x55, 0x1d, 0x11};
static const uint8_t OID_BC[] = {0x55, 0x1d, 0x13};
static const uint8_t OID_EKU[] = {0x55, 0x1d, 0x25};
static const uint8_t OID_SKI[] = {0x55, 0x1d, 0x0e};
static const uint8_t OID_AKI[] = {0x55, 0x1d, 0x23};
static const uint8_t OID_AIA[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_CRLDP[] = {0x55, 0x1d, 0x1f};
static const uint8_t OID_POLICIES[] = {0x55, 0x1d, 0x20};
static const uint8_t OID_POLICY_MAPPINGS[] = {0x55, 0x1d, 0x21};
static const uint8_t OID_POLICY_CONSTRAINTS[] = {0x55, 0x1d, 0x24};
static const uint8_t OID_INHIBIT_ANY[] = {0x55, 0x1d, 0x36};
static const uint8_t OID_PRIVATE[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x01};

#define EXT(oid, critical, value) ext(oid, sizeof oid, critical, value)

static struct cert_parts base_parts(void) {
  struct cert_parts p;
  memset(&p, 0, sizeof p);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x02);
  p.serial = RAW(0x02, 0x01, 0x02);
  p.sigalg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70); /* Ed25519 */
  p.outer_sigalg = p.sigalg;
  p.issuer = cn_name(0x13, "issuer", 6);
  p.subject = cn_name(0x13, "1.2.3.4", 7);
  p.not_before = tlv_str(0x17, "260304134112Z");
  p.not_after = tlv_str(0x17, "270304134112Z");
  /* Ed25519: Go decodes any 32 octets, and crypto/tls takes the key type. */
  struct dbuf alg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  uint8_t bits[33] = {0};
  for (size_t i = 1; i < sizeof bits; i++) bits[i] = (uint8_t)i;
  struct dbuf key = tlv(0x03, bits, sizeof bits);
  struct dbuf spki_body = cat(&alg, &key);
  p.spki = wrap(0x30, &spki_body);
  p.signature = RAW(0x03, 0x03, 0x00, 0x01, 0x02);
  struct dbuf bc = RAW(0x30, 0x00);
  p.exts = EXT(OID_BC, 0xff, &bc);
  p.has_exts = true;
  return p;
}

/* ---------- the corpus file of a case ---------- */

static struct dbuf pin_input(const struct dbuf *der, int64_t now, const char *server_name) {
  struct dbuf in = {.n = 0};
  const uint64_t u = (uint64_t)now;
  /* profile current, pin mode 1 (the hash of certificate 0), k 0 */
  put(&in, (const uint8_t[]){0, 1, 0}, 3);
  for (int shift = 56; shift >= 0; shift -= 8)
    put(&in, (const uint8_t[]){(uint8_t)(u >> shift)}, 1);
  /* the server name, no pin text, one certificate */
  const size_t name_len = strlen(server_name);
  ck_assert_uint_lt(name_len, 256);
  put(&in, (const uint8_t[]){(uint8_t)name_len}, 1);
  put(&in, server_name, name_len);
  put(&in, (const uint8_t[]){0, 1, (uint8_t)(der->n >> 8), (uint8_t)der->n}, 4);
  put(&in, der->b, der->n);
  return in;
}

static void corpus_sync_named(const char *name, const struct dbuf *der, int64_t now,
                              const char *server_name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/corpus/regressions/pin_verify/%s", DERP_SOURCE_DIR, name);
  const struct dbuf want = pin_input(der, now, server_name);
  if (write_mode()) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(want.b, 1, want.n, f), want.n);
    ck_assert_int_eq(fclose(f), 0);
    return;
  }
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "%s: %s (write it with DERP_X509_CORPUS_WRITE=1)", path,
                strerror(errno));
  static uint8_t have[sizeof want.b + 1];
  const size_t n = fread(have, 1, sizeof have, f);
  fclose(f);
  ck_assert_msg(n == want.n && memcmp(have, want.b, n) == 0,
                "%s differs from the case (rewrite it with DERP_X509_CORPUS_WRITE=1)", path);
}

static void corpus_sync(const char *name, const struct dbuf *der, int64_t now) {
  corpus_sync_named(name, der, now, "");
}

/* ---------- what a client observes ---------- */

static struct pin_verify_result pin_of_named(const struct dbuf *der, int64_t now,
                                             const char *server_name) {
  char pin[PIN_HEX_LEN + 1];
  ck_assert(pin_hex_of_der(der->b, der->n, pin));
  const struct der_slice cert = {der->b, der->n};
  const struct pin_verify_input in = {&cert, 1, pin, server_name, now, PIN_PROFILE_CURRENT};
  struct pin_verify_result r;
  ck_assert_int_eq(pin_verify(&in, &r), r.status == PIN_VERIFY_OK);
  return r;
}

static struct pin_verify_result pin_of(const struct dbuf *der, int64_t now) {
  return pin_of_named(der, now, "");
}

/* Go refuses the certificate with `text`, so crypto/tls fails the handshake
 * with it before any pin check. */
static void rejected_der(const char *name, const struct dbuf *d, int64_t now, const char *text) {
  const struct dbuf der = *d;
  corpus_sync(name, &der, now);
  struct cert_fields f;
  const char *got = go_parse_certificate(der.b, der.n, &f);
  EXPECT(got != NULL && strcmp(got, text) == 0, "%s: \"%s\", Go says \"%s\"", name,
         got ? got : "(accepted)", text);
  const struct pin_verify_result r = pin_of(&der, now);
  char want[PIN_VERIFY_MESSAGE_MAX];
  snprintf(want, sizeof want, TLS_PREFIX "%s", text);
  EXPECT(r.status == PIN_VERIFY_TLS_PARSE_ERROR && strcmp(r.message, want) == 0,
         "%s: verdict \"%s\"", name, r.message);
}

static void rejected(const char *name, const struct cert_parts *p, const char *text) {
  const struct dbuf der = cert_parts_build(p);
  rejected_der(name, &der, NOW, text);
}

/* Go parses the certificate: its fields as a client reads them, and the
 * pin check's verdict at `now` (message "" for OK). */
static struct cert_fields accepted_at(const char *name, const struct cert_parts *p, int64_t now,
                                      const char *verdict) {
  const struct dbuf der = cert_parts_build(p);
  corpus_sync(name, &der, now);
  struct cert_fields f;
  memset(&f, 0, sizeof f);
  const char *got = go_parse_certificate(der.b, der.n, &f);
  EXPECT(got == NULL, "%s: refused (%s), Go accepts", name, got);
  const struct pin_verify_result r = pin_of(&der, now);
  EXPECT(strcmp(r.message, verdict) == 0 && !r.message_truncated, "%s: verdict \"%s\", want \"%s\"",
         name, r.message, verdict);
  /* The slices point into `der`, which is gone: callers look at values. */
  f.raw = f.tbs = f.issuer = f.subject = f.san = f.spki = f.extensions = (struct der_slice){0};
  return f;
}

static struct cert_fields accepted(const char *name, const struct cert_parts *p) {
  return accepted_at(name, p, NOW, "");
}

/* The subject CN Go reads (Subject.CommonName), and the name it has. */
static void cn_is(const char *name, const struct cert_parts *p, const char *want, size_t want_len) {
  (void)accepted(name, p);
  const struct dbuf der = cert_parts_build(p);
  struct cert_fields f;
  if (go_parse_certificate(der.b, der.n, &f) != NULL) return; /* reported above */
  char cn[256];
  const size_t n = go_common_name(&f, cn, sizeof cn);
  EXPECT(n == want_len && memcmp(cn, want, want_len) == 0, "%s: CN of %zu bytes", name, n);
}

static struct cert_parts with_cn(uint8_t tag, const void *v, size_t n) {
  struct cert_parts p = base_parts();
  p.subject = cn_name(tag, v, n);
  return p;
}

#define CN(tag, lit) with_cn(tag, lit, sizeof(lit) - 1)

/* ---------- strings: parseASN1String ---------- */

START_TEST(utf8_values_must_be_valid_utf8) {
  struct cert_parts p = CN(0x0c, "caf\xc3\xa9 \xe2\x80\xa8\xef\xbb\xbf\xf4\x8f\xbf\xbf");
  cn_is("str-utf8-edges-valid", &p, "caf\xc3\xa9 \xe2\x80\xa8\xef\xbb\xbf\xf4\x8f\xbf\xbf", 16);
  /* The first rune of each UTF-8 length, and one with distinct bit groups. */
  p = CN(0x0c, "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf0\x9f\x98\x80");
  cn_is("str-utf8-length-boundaries", &p,
        "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf0\x9f\x98\x80", 16);
  const char *bad = RDN_VALUE "invalid UTF-8 string";
  p = CN(0x0c, "a\xc0\xaf");
  rejected("str-utf8-overlong-slash", &p, bad);
  p = CN(0x0c, "\xe0\x80\xaf");
  rejected("str-utf8-overlong-3-byte", &p, bad);
  p = CN(0x0c, "\xed\xa0\x80");
  rejected("str-utf8-surrogate-d800", &p, bad);
  p = CN(0x0c, "\xed\xbf\xbf");
  rejected("str-utf8-surrogate-dfff", &p, bad);
  p = CN(0x0c, "\xf4\x90\x80\x80");
  rejected("str-utf8-above-10ffff", &p, bad);
  p = CN(0x0c, "ab\xe2\x82");
  rejected("str-utf8-truncated", &p, bad);
  p = CN(0x0c, "\x80");
  rejected("str-utf8-lone-continuation", &p, bad);
  p = CN(0x0c, "\xff");
  rejected("str-utf8-ff", &p, bad);
  /* A bad value anywhere in a name fails the parse, not only a CN. */
  struct dbuf o = RAW(0x55, 0x04, 0x0a), v = tlv(0x0c, "\xc0\xaf", 2);
  p = base_parts();
  p.issuer = name_of(&o, &v);
  rejected("str-utf8-invalid-in-issuer-o", &p, bad);
}
END_TEST

START_TEST(bmpstring_is_ucs2_without_surrogates_or_noncharacters) {
  struct cert_parts p = CN(0x1e,
                           "\x00"
                           "a\xd7\xff\xe0\x00\xfd\xcf\xfd\xf0\xff\xfd");
  cn_is("str-bmp-edges-valid", &p, "a\xed\x9f\xbf\xee\x80\x80\xef\xb7\x8f\xef\xb7\xb0\xef\xbf\xbd",
        16);
  const char *bad = RDN_VALUE "invalid BMPString";
  p = CN(0x1e,
         "\x00"
         "a\x00");
  rejected("str-bmp-odd-length", &p, bad);
  p = CN(0x1e, "\xd8\x00");
  rejected("str-bmp-surrogate-d800", &p, bad);
  p = CN(0x1e, "\xdf\xff");
  rejected("str-bmp-surrogate-dfff", &p, bad);
  p = CN(0x1e, "\xd8\x3d\xde\x00"); /* a valid UTF-16 pair is still refused */
  rejected("str-bmp-surrogate-pair", &p, bad);
  p = CN(0x1e, "\xfd\xd0");
  rejected("str-bmp-nonchar-fdd0", &p, bad);
  p = CN(0x1e, "\xfd\xef");
  rejected("str-bmp-nonchar-fdef", &p, bad);
  p = CN(0x1e, "\xff\xfe");
  rejected("str-bmp-nonchar-fffe", &p, bad);
  p = CN(0x1e, "\xff\xff");
  rejected("str-bmp-nonchar-ffff", &p, bad);
  /* One trailing U+0000 is a terminator Go strips; only one. */
  p = CN(0x1e,
         "\x00"
         "a\x00\x00");
  cn_is("str-bmp-terminator-stripped", &p, "a", 1);
  p = CN(0x1e,
         "\x00"
         "a\x00\x00\x00\x00");
  cn_is("str-bmp-second-nul-kept", &p, "a\0", 2);
  p = CN(0x1e, "\x00\x00");
  cn_is("str-bmp-only-terminator", &p, "", 0);
  p = CN(0x1e,
         "\x00\x00"
         "\x00"
         "a");
  cn_is("str-bmp-leading-nul-kept", &p, "\0a", 2);
  p = CN(0x1e, "");
  cn_is("str-bmp-empty", &p, "", 0);
}
END_TEST

START_TEST(printable_numeric_ia5_and_t61_character_sets) {
  struct cert_parts p = CN(0x13, "az AZ 09 '()+,-./:=? *&");
  cn_is("str-printable-every-allowed-class", &p, "az AZ 09 '()+,-./:=? *&", 23);
  static const char not_printable[] = "@!\"#$%;<>[\\]^_`{|}~\t\x7f";
  for (size_t i = 0; i < sizeof not_printable - 1; i++) {
    char name[64];
    snprintf(name, sizeof name, "str-printable-refuses-%02x", (unsigned)(uint8_t)not_printable[i]);
    p = with_cn(0x13, &not_printable[i], 1);
    rejected(name, &p, RDN_VALUE "invalid PrintableString");
  }
  p = CN(0x12, "0123 456789 ");
  cn_is("str-numeric-digits-and-spaces", &p, "0123 456789 ", 12);
  p = CN(0x12, "12-3");
  rejected("str-numeric-refuses-dash", &p, RDN_VALUE "invalid NumericString");
  p = CN(0x12, "12a");
  rejected("str-numeric-refuses-letter", &p, RDN_VALUE "invalid NumericString");
  p = CN(0x12, "/");
  rejected("str-numeric-refuses-slash", &p, RDN_VALUE "invalid NumericString");
  p = CN(0x12, ":");
  rejected("str-numeric-refuses-colon", &p, RDN_VALUE "invalid NumericString");
  p = CN(0x16, "\x00\x7f~@");
  cn_is("str-ia5-nul-and-del", &p, "\0\x7f~@", 4);
  p = CN(0x16, "a\x80");
  rejected("str-ia5-refuses-80", &p, RDN_VALUE "invalid IA5String");
  p = CN(0x16, "\xff");
  rejected("str-ia5-refuses-ff", &p, RDN_VALUE "invalid IA5String");
  /* T61String is read as Latin-1: every octet is a code point. */
  p = CN(0x14, "caf\xe9\x80\xff");
  cn_is("str-t61-as-latin1", &p, "caf\xc3\xa9\xc2\x80\xc3\xbf", 9);
}
END_TEST

START_TEST(other_value_types_are_unsupported_with_their_tag) {
  struct cert_parts p = CN(0x1a, "derp");
  rejected("str-visiblestring-cn", &p, RDN_VALUE "unsupported string type: 26");
  p = CN(0x1c,
         "\x00\x00\x00"
         "a");
  rejected("str-universalstring-cn", &p, RDN_VALUE "unsupported string type: 28");
  p = CN(0x04, "derp");
  rejected("str-octetstring-cn", &p, RDN_VALUE "unsupported string type: 4");
  p = CN(0x2c,
         "\x0c\x01"
         "a");
  rejected("str-constructed-utf8-cn", &p, RDN_VALUE "unsupported string type: 44");
  p = CN(0x80, "derp");
  rejected("str-context-tag-cn", &p, RDN_VALUE "unsupported string type: 128");
  p = CN(0x00, "");
  rejected("str-tag-zero-cn", &p, RDN_VALUE "unsupported string type: 0");
  p = CN(0x05, "");
  rejected("str-null-cn", &p, RDN_VALUE "unsupported string type: 5");
}
END_TEST

START_TEST(last_cn_wins_and_names_walk_every_rdn) {
  /* Two RDNs, then one RDN with two CNs: the last string CN is Go's. */
  struct dbuf cn = RAW(0x06, 0x03, 0x55, 0x04, 0x03);
  struct dbuf a = tlv_str(0x13, "first"), b = tlv_str(0x0c, "second"), c = tlv_str(0x16, "third");
  struct dbuf atv_a = cat(&cn, &a), atv_b = cat(&cn, &b), atv_c = cat(&cn, &c);
  struct dbuf sa = wrap(0x30, &atv_a), sb = wrap(0x30, &atv_b), sc = wrap(0x30, &atv_c);
  struct dbuf set1 = wrap(0x31, &sa), pair = cat(&sb, &sc), set2 = wrap(0x31, &pair);
  struct dbuf rdns = cat(&set1, &set2);
  struct cert_parts p = base_parts();
  p.subject = wrap(0x30, &rdns);
  cn_is("str-last-cn-in-multivalued-rdn", &p, "third", 5);
  /* Other attributes after the CN are not the CN. */
  struct dbuf o_type = RAW(0x06, 0x03, 0x55, 0x04, 0x0a), o_value = tlv_str(0x13, "org");
  struct dbuf atv_o = cat(&o_type, &o_value), so = wrap(0x30, &atv_o), set_o = wrap(0x31, &so);
  struct dbuf cn_then_o = cat(&set1, &set_o);
  p.subject = wrap(0x30, &cn_then_o);
  cn_is("str-cn-then-organization", &p, "first", 5);
  /* An empty RDN SET and an empty Name are taken by Go. */
  struct dbuf empty_set = RAW(0x31, 0x00), with_empty = cat(&empty_set, &set1);
  p.subject = wrap(0x30, &with_empty);
  cn_is("str-empty-rdn-then-cn", &p, "first", 5);
  p.subject = RAW(0x30, 0x00);
  cn_is("str-empty-subject", &p, "", 0);
}
END_TEST

/* ---------- times: readASN1Time's parse and round trip ---------- */

static struct cert_parts with_times(uint8_t nb_tag, const char *nb, uint8_t na_tag,
                                    const char *na) {
  struct cert_parts p = base_parts();
  p.not_before = tlv_str(nb_tag, nb);
  p.not_after = tlv_str(na_tag, na);
  return p;
}

#define UTC 0x17
#define GEN 0x18
#define NB_UTC(s) with_times(UTC, s, UTC, "270304134112Z")
#define NA_UTC(s) with_times(UTC, "260304134112Z", UTC, s)
#define NB_GEN(s) with_times(GEN, s, UTC, "270304134112Z")
#define NA_GEN(s) with_times(UTC, "260304134112Z", GEN, s)

START_TEST(utctime_years_pivot_between_49_and_50) {
  struct cert_parts p = NA_UTC("491231235959Z");
  struct cert_fields f = accepted("time-utc-49-is-2049", &p);
  EXPECT_INT(f.not_after, INT64_C(2524607999));
  p = NB_UTC("500101000000Z");
  f = accepted("time-utc-50-is-1950", &p);
  EXPECT_INT(f.not_before, INT64_C(-631152000));
  p = NB_UTC("490101000000Z");
  accepted_at("time-utc-49-not-yet-valid", &p, NOW,
              "cert not yet valid until 2049-01-01 00:00:00 +0000 UTC; is your clock correct?");
  p = NA_UTC("500101000000Z");
  accepted_at("time-utc-50-expired", &p, NOW, "cert expired 1950-01-01 00:00:00 +0000 UTC");
  p = NA_UTC("991231235959Z");
  accepted_at("time-utc-99-expired", &p, NOW, "cert expired 1999-12-31 23:59:59 +0000 UTC");
  p = NB_UTC("000101000000Z");
  f = accepted("time-utc-00-is-2000", &p);
  EXPECT_INT(f.not_before, INT64_C(946684800));
}
END_TEST

START_TEST(generalizedtime_takes_any_four_digit_year) {
  struct cert_parts p = NA_GEN("20500101000000Z");
  struct cert_fields f = accepted("time-gen-2050", &p);
  EXPECT_INT(f.not_after, INT64_C(2524608000));
  p = NA_GEN("21000101000000Z");
  f = accepted("time-gen-2100", &p);
  EXPECT_INT(f.not_after, INT64_C(4102444800));
  p = NA_GEN("99991231235959Z");
  f = accepted("time-gen-9999", &p);
  EXPECT_INT(f.not_after, INT64_C(253402300799));
  p = NB_GEN("19491231235959Z");
  f = accepted("time-gen-1949", &p);
  EXPECT_INT(f.not_before, INT64_C(-631152001));
  p = NB_GEN("20260304134112Z");
  f = accepted("time-gen-2026-same-instant", &p);
  EXPECT_INT(f.not_before, NOW);
  p = NB_GEN("00000101000000Z");
  f = accepted("time-gen-year-0", &p);
  EXPECT_INT(f.not_before, INT64_C(-62167219200));
}
END_TEST

START_TEST(day_of_month_limits_and_leap_years) {
  struct cert_parts p = NB_UTC("240229000000Z");
  accepted("time-utc-2024-02-29", &p);
  p = NB_UTC("250229000000Z");
  rejected("time-utc-2025-02-29", &p, "x509: malformed UTCTime");
  p = NB_UTC("000229000000Z");
  accepted("time-utc-2000-02-29", &p);
  p = NA_GEN("21000229000000Z");
  rejected("time-gen-2100-02-29", &p, "x509: malformed GeneralizedTime");
  p = NA_GEN("24000229000000Z");
  accepted("time-gen-2400-02-29", &p);
  p = NB_GEN("20000229000000Z");
  accepted("time-gen-2000-02-29", &p);
  p = NB_GEN("19000229000000Z");
  rejected("time-gen-1900-02-29", &p, "x509: malformed GeneralizedTime");
  p = NA_UTC("260228235959Z");
  accepted_at("time-utc-feb-28", &p, NOW, "cert expired 2026-02-28 23:59:59 +0000 UTC");
  static const char *const thirty[] = {"260431000000Z", "260631000000Z", "260931000000Z",
                                       "261131000000Z"};
  static const char *const thirty_names[] = {"time-utc-april-31", "time-utc-june-31",
                                             "time-utc-september-31", "time-utc-november-31"};
  for (size_t i = 0; i < 4; i++) {
    p = NA_UTC(thirty[i]);
    rejected(thirty_names[i], &p, "x509: malformed UTCTime");
  }
  p = NA_UTC("260430235959Z");
  accepted_at("time-utc-april-30", &p, INT64_C(1777593600),
              "cert expired 2026-04-30 23:59:59 +0000 UTC");
  p = NA_UTC("261231235959Z");
  accepted("time-utc-december-31", &p);
  p = NA_UTC("260100000000Z");
  rejected("time-utc-day-00", &p, "x509: malformed UTCTime");
  p = NA_UTC("260001000000Z");
  rejected("time-utc-month-00", &p, "x509: malformed UTCTime");
  p = NA_UTC("261301000000Z");
  rejected("time-utc-month-13", &p, "x509: malformed UTCTime");
  p = NA_UTC("260132000000Z");
  rejected("time-utc-january-32", &p, "x509: malformed UTCTime");
}
END_TEST

START_TEST(clock_fields_in_range) {
  struct cert_parts p = NA_UTC("261231240000Z");
  rejected("time-utc-hour-24", &p, "x509: malformed UTCTime");
  p = NA_UTC("261231236000Z");
  rejected("time-utc-minute-60", &p, "x509: malformed UTCTime");
  p = NA_UTC("261231235960Z");
  rejected("time-utc-second-60", &p, "x509: malformed UTCTime");
  p = NA_GEN("20261231235960Z");
  rejected("time-gen-second-60", &p, "x509: malformed GeneralizedTime");
  p = NA_UTC("2612312359Z");
  struct cert_fields f = accepted("time-utc-no-seconds", &p);
  EXPECT_INT(f.not_after, INT64_C(1798761540));
  p = NA_GEN("202612312359Z");
  rejected("time-gen-no-seconds", &p, "x509: malformed GeneralizedTime");
  p = NA_UTC("261231235959.5Z");
  rejected("time-utc-fraction", &p, "x509: malformed UTCTime");
  p = NA_GEN("20261231235959.0Z");
  rejected("time-gen-fraction-zero", &p, "x509: malformed GeneralizedTime");
  p = NA_UTC("261231235959z");
  rejected("time-utc-lowercase-z", &p, "x509: malformed UTCTime");
  p = NA_UTC("261231235959");
  rejected("time-utc-no-zone", &p, "x509: malformed UTCTime");
  p = NA_UTC("261231235959Z0");
  rejected("time-utc-after-zone", &p, "x509: malformed UTCTime");
  p = NA_UTC("2612312359590Z");
  rejected("time-utc-seven-pairs", &p, "x509: malformed UTCTime");
  p = NA_UTC(" 61231235959Z");
  rejected("time-utc-space-digit", &p, "x509: malformed UTCTime");
  p = NA_GEN("+0261231235959Z");
  rejected("time-gen-signed-year", &p, "x509: malformed GeneralizedTime");
  p = NA_UTC("");
  rejected("time-utc-empty", &p, "x509: malformed UTCTime");
}
END_TEST

START_TEST(offsets_up_to_24_hours_keep_their_zone) {
  struct cert_parts p = NB_UTC("260304144112+0100");
  struct cert_fields f = accepted("time-offset-plus-0100-same-instant", &p);
  EXPECT_INT(f.not_before, NOW);
  p = NB_UTC("270101000000+1400");
  accepted_at("time-offset-plus-1400", &p, NOW,
              "cert not yet valid until 2027-01-01 00:00:00 +1400 +1400; is your clock correct?");
  p = NA_UTC("260101000000-1200");
  accepted_at("time-offset-minus-1200", &p, NOW, "cert expired 2026-01-01 00:00:00 -1200 -1200");
  p = NA_UTC("260101000000+2400");
  f = accepted_at("time-offset-plus-2400", &p, NOW, "cert expired 2026-01-01 00:00:00 +2400 +2400");
  EXPECT_INT(f.not_after, INT64_C(1767139200));
  p = NA_UTC("260101000000-2400");
  accepted_at("time-offset-minus-2400", &p, NOW, "cert expired 2026-01-01 00:00:00 -2400 -2400");
  p = NA_UTC("260101000000+2401");
  accepted_at("time-offset-plus-2401", &p, NOW, "cert expired 2026-01-01 00:00:00 +2401 +2401");
  p = NA_UTC("260101000000+0059");
  accepted_at("time-offset-plus-0059", &p, NOW, "cert expired 2026-01-01 00:00:00 +0059 +0059");
  p = NA_UTC("260101000000+2500");
  rejected("time-offset-plus-2500", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000+0060");
  rejected("time-offset-plus-0060", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000+0000");
  rejected("time-offset-plus-0000", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000-0000");
  rejected("time-offset-minus-0000", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000 0100");
  rejected("time-offset-space-sign", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000+01");
  rejected("time-offset-hours-only", &p, "x509: malformed UTCTime");
  p = NA_UTC("260101000000+01:00");
  rejected("time-offset-colon", &p, "x509: malformed UTCTime");
  p = NA_UTC("2601010000+0100");
  f = accepted_at("time-offset-no-seconds", &p, NOW,
                  "cert expired 2026-01-01 00:00:00 +0100 +0100");
  EXPECT_INT(f.not_after, INT64_C(1767222000));
  p = NA_GEN("20260101000000+0530");
  accepted_at("time-gen-offset", &p, NOW, "cert expired 2026-01-01 00:00:00 +0530 +0530");
  /* An offset may carry the instant past 9999 or before year 0. */
  p = NA_GEN("99991231235959-2359");
  f = accepted("time-gen-offset-past-9999", &p);
  EXPECT_INT(f.not_after, INT64_C(253402300799) + 86340);
}
END_TEST

START_TEST(validity_is_checked_at_whole_seconds_inclusive) {
  struct cert_parts p = base_parts();
  accepted_at("time-now-at-not-before", &p, NOT_BEFORE, "");
  accepted_at("time-now-before-not-before", &p, NOT_BEFORE - 1,
              "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC; is your clock correct?");
  accepted_at("time-now-at-not-after", &p, NOT_AFTER, "");
  accepted_at("time-now-after-not-after", &p, NOT_AFTER + 1,
              "cert expired 2027-03-04 13:41:12 +0000 UTC");
  p = NA_UTC("270304144112+0100");
  accepted_at("time-now-at-offset-not-after", &p, NOT_AFTER, "");
  accepted_at("time-now-after-offset-not-after", &p, NOT_AFTER + 1,
              "cert expired 2027-03-04 14:41:12 +0100 +0100");
  /* Both bounds violated (notBefore after notAfter): expiry is reported. */
  p = with_times(UTC, "270101000000Z", UTC, "250101000000Z");
  accepted_at("time-inverted-validity", &p, NOW, "cert expired 2025-01-01 00:00:00 +0000 UTC");
}
END_TEST

START_TEST(validity_element_types) {
  struct cert_parts p = base_parts();
  p.not_before = tlv_str(0x04, "260304134112Z");
  rejected("time-octetstring-not-before", &p, "x509: unsupported time format");
  p = base_parts();
  p.not_after = tlv_str(0x37, "270304134112Z");
  rejected("time-constructed-utctime", &p, "x509: unsupported time format");
  p = base_parts();
  p.not_after = (struct dbuf){.n = 0};
  rejected("time-missing-not-after", &p, "x509: unsupported time format");
  p = base_parts();
  p.not_after = RAW(0x17, 0x82, 0x00, 0x0d);
  rejected("time-utctime-bad-length", &p, "x509: malformed UTCTime");
  p = base_parts();
  p.validity_tag = 0x31;
  rejected("time-validity-is-a-set", &p, "x509: malformed validity");
  /* Go reads two times and ignores what follows them in the Validity. */
  p = base_parts();
  p.validity_extra = tlv_str(0x17, "280304134112Z");
  accepted("time-third-validity-element", &p);
}
END_TEST

/* ---------- DER: lengths, forms, BIT STRINGs, OIDs, INTEGERs ---------- */

START_TEST(lengths_must_be_definite_minimal_and_fit) {
  struct cert_parts p = base_parts();
  const struct dbuf good = cert_parts_build(&p);
  /* The outer length re-encoded non-minimally, then indefinitely. */
  ck_assert_uint_eq(good.b[1], 0x81);
  struct dbuf body = raw(good.b + 3, good.n - 3);
  struct dbuf d = RAW(0x30, 0x82, 0x00, (uint8_t)body.n);
  d = cat(&d, &body);
  rejected_der("der-certificate-non-minimal-length", &d, NOW, "x509: malformed certificate");
  d = RAW(0x30, 0x80);
  d = cat(&d, &body);
  struct dbuf eoc = RAW(0x00, 0x00);
  d = cat(&d, &eoc);
  rejected_der("der-certificate-indefinite-length", &d, NOW, "x509: malformed certificate");
  d = raw(good.b, good.n - 1);
  rejected_der("der-certificate-truncated", &d, NOW, "x509: malformed certificate");
  d = good;
  d.b[0] = 0x31;
  rejected_der("der-certificate-is-a-set", &d, NOW, "x509: malformed certificate");
  /* Inside: a serial with a long-form length below 128 (81 01), a length
   * of five octets, a length running past its parent. */
  p = base_parts();
  p.serial = RAW(0x02, 0x81, 0x01, 0x02);
  rejected("der-serial-long-form-short-length", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x82, 0x00, 0x81, 0x02);
  rejected("der-serial-leading-zero-length-octet", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02);
  rejected("der-serial-five-length-octets", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02);
  rejected("der-serial-length-overflow", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x80, 0x02, 0x00, 0x00);
  rejected("der-serial-indefinite-length", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x82, 0x0f, 0xff, 0x02);
  rejected("der-serial-length-past-parent", &p, "x509: malformed serial number");
  /* A high-tag-number identifier where the serial should be. */
  p.serial = RAW(0x1f, 0x02, 0x01, 0x02);
  rejected("der-serial-high-tag-number", &p, "x509: malformed serial number");
}
END_TEST

START_TEST(serial_numbers_as_go_reads_them) {
  struct cert_parts p = base_parts();
  p.serial = RAW(0x02, 0x01, 0x00);
  struct cert_fields f = accepted("x509-serial-zero", &p);
  EXPECT_INT(f.serial.len, 1);
  uint8_t wide[21] = {0x00, 0x80};
  p.serial = tlv(0x02, wide, sizeof wide); /* 21 octets, 161 bits: Go does not cap it */
  accepted("x509-serial-21-octets", &p);
  uint8_t wider[40];
  memset(wider, 0x7f, sizeof wider);
  p.serial = tlv(0x02, wider, sizeof wider);
  accepted("x509-serial-40-octets", &p);
  p.serial = RAW(0x02, 0x01, 0xff);
  rejected("x509-serial-minus-one", &p, "x509: negative serial number");
  p.serial = RAW(0x02, 0x02, 0x80, 0x00);
  rejected("x509-serial-negative-two-octets", &p, "x509: negative serial number");
  p.serial = RAW(0x02, 0x02, 0x00, 0x7f);
  rejected("x509-serial-redundant-zero", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x02, 0xff, 0x80);
  rejected("x509-serial-redundant-ff", &p, "x509: malformed serial number");
  p.serial = RAW(0x02, 0x00);
  rejected("x509-serial-empty", &p, "x509: malformed serial number");
  p.serial = RAW(0x04, 0x01, 0x02);
  rejected("x509-serial-octet-string", &p, "x509: malformed serial number");
  p.serial = RAW(0x22, 0x03, 0x02, 0x01, 0x02);
  rejected("x509-serial-constructed", &p, "x509: malformed serial number");
}
END_TEST

static struct cert_parts with_signature(const struct dbuf *sig) {
  struct cert_parts p = base_parts();
  p.signature = *sig;
  return p;
}

START_TEST(bit_strings_need_valid_unused_bits_and_zero_padding) {
  struct dbuf s = RAW(0x03, 0x02, 0x07, 0x80);
  struct cert_parts p = with_signature(&s);
  accepted("der-signature-seven-unused-bits", &p);
  s = RAW(0x03, 0x01, 0x00);
  p = with_signature(&s);
  accepted("der-signature-empty", &p);
  s = RAW(0x03, 0x02, 0x08, 0x00);
  p = with_signature(&s);
  rejected("der-signature-eight-unused-bits", &p, "x509: malformed signature");
  s = RAW(0x03, 0x02, 0x01, 0x01);
  p = with_signature(&s);
  rejected("der-signature-padding-bit-set", &p, "x509: malformed signature");
  s = RAW(0x03, 0x02, 0x07, 0x40);
  p = with_signature(&s);
  rejected("der-signature-padding-bit-set-7", &p, "x509: malformed signature");
  s = RAW(0x03, 0x01, 0x01);
  p = with_signature(&s);
  rejected("der-signature-empty-with-unused-bits", &p, "x509: malformed signature");
  s = RAW(0x03, 0x00);
  p = with_signature(&s);
  rejected("der-signature-no-octets", &p, "x509: malformed signature");
  s = RAW(0x23, 0x04, 0x03, 0x02, 0x00, 0x01);
  p = with_signature(&s);
  rejected("der-signature-constructed", &p, "x509: malformed signature");
  s = (struct dbuf){.n = 0};
  p = with_signature(&s);
  rejected("der-signature-missing", &p, "x509: malformed signature");
  /* The key's BIT STRING: the same rules, Go's own text. */
  p = base_parts();
  struct dbuf alg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  uint8_t bits[33] = {0x01};
  bits[32] = 0x01;
  struct dbuf key = tlv(0x03, bits, sizeof bits), body = cat(&alg, &key);
  p.spki = wrap(0x30, &body);
  rejected("der-key-padding-bit-set", &p, "x509: malformed subjectPublicKey");
  bits[0] = 0x08;
  bits[32] = 0;
  key = tlv(0x03, bits, sizeof bits), body = cat(&alg, &key);
  p.spki = wrap(0x30, &body);
  rejected("der-key-eight-unused-bits", &p, "x509: malformed subjectPublicKey");
}
END_TEST

static struct cert_parts with_sigalg_oid(const struct dbuf *oid_tlv) {
  struct cert_parts p = base_parts();
  p.sigalg = wrap(0x30, oid_tlv);
  p.outer_sigalg = p.sigalg;
  return p;
}

START_TEST(object_identifiers_as_cryptobyte_reads_them) {
  /* 1.2.2147483647 would need arc 2^31-1: five octets, value below 2^31. */
  struct dbuf o = RAW(0x06, 0x06, 0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f);
  struct cert_parts p = with_sigalg_oid(&o);
  accepted("der-oid-arc-2p31-minus-1", &p);
  o = RAW(0x06, 0x06, 0x2a, 0x88, 0x80, 0x80, 0x80, 0x00);
  p = with_sigalg_oid(&o);
  rejected("der-oid-arc-2p31", &p, "x509: malformed OID");
  o = RAW(0x06, 0x0b, 0x2a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
  p = with_sigalg_oid(&o);
  rejected("der-oid-arc-2p63", &p, "x509: malformed OID");
  o = RAW(0x06, 0x00);
  p = with_sigalg_oid(&o);
  rejected("der-oid-empty", &p, "x509: malformed OID");
  o = RAW(0x06, 0x03, 0x2a, 0x80, 0x01);
  p = with_sigalg_oid(&o);
  rejected("der-oid-arc-leading-80", &p, "x509: malformed OID");
  o = RAW(0x06, 0x02, 0x80, 0x01);
  p = with_sigalg_oid(&o);
  rejected("der-oid-first-arc-leading-80", &p, "x509: malformed OID");
  o = RAW(0x06, 0x02, 0x2a, 0x86);
  p = with_sigalg_oid(&o);
  rejected("der-oid-truncated-arc", &p, "x509: malformed OID");
  /* The first sub-identifier may take five octets too: 2.2147483567. */
  o = RAW(0x06, 0x05, 0x87, 0xff, 0xff, 0xff, 0x7f);
  p = with_sigalg_oid(&o);
  accepted("der-oid-first-arc-five-octets", &p);
  /* The first sub-identifier carries two arcs: 2.999 is 0x88 0x37. */
  o = RAW(0x06, 0x03, 0x88, 0x37, 0x01);
  p = with_sigalg_oid(&o);
  accepted("der-oid-joint-iso-itu-t-999", &p);
  /* Parameters of any tag are taken, but must be one well-formed element. */
  struct dbuf ai = RAW(0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00);
  p = with_sigalg_oid(&ai);
  accepted("der-sigalg-null-parameters", &p);
  ai = RAW(0x06, 0x03, 0x2b, 0x65, 0x70, 0x24, 0x00);
  p = with_sigalg_oid(&ai);
  accepted("der-sigalg-constructed-octetstring-parameters", &p);
  ai = RAW(0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x00, 0x05, 0x00);
  p = with_sigalg_oid(&ai);
  accepted("der-sigalg-two-parameters", &p);
  ai = RAW(0x06, 0x03, 0x2b, 0x65, 0x70, 0x05, 0x81, 0x00);
  p = with_sigalg_oid(&ai);
  rejected("der-sigalg-bad-parameters", &p, "x509: malformed parameters");
}
END_TEST

/* ---------- x509: structure in parseCertificate's order ---------- */

START_TEST(versions_v1_v2_v3_and_nothing_else) {
  struct cert_parts p = base_parts();
  p.version = (struct dbuf){.n = 0};
  p.has_exts = false;
  struct cert_fields f = accepted("x509-version-absent-is-v1", &p);
  EXPECT_INT(f.version, 1);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x00);
  f = accepted("x509-version-explicit-v1", &p);
  EXPECT_INT(f.version, 1);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x01);
  f = accepted("x509-version-v2", &p);
  EXPECT_INT(f.version, 2);
  p = base_parts();
  f = accepted("x509-version-v3", &p);
  EXPECT_INT(f.version, 3);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x03);
  rejected("x509-version-v4", &p, "x509: invalid version");
  p.version = RAW(0xa0, 0x04, 0x02, 0x02, 0x01, 0x00);
  rejected("x509-version-256", &p, "x509: invalid version");
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0xff);
  rejected("x509-version-minus-one", &p, "x509: malformed version");
  p.version = RAW(0xa0, 0x04, 0x02, 0x02, 0x00, 0x02);
  rejected("x509-version-redundant-zero", &p, "x509: malformed version");
  p.version = RAW(0xa0, 0x0b, 0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0);
  rejected("x509-version-nine-octets", &p, "x509: malformed version");
  p.version = RAW(0xa0, 0x05, 0x02, 0x01, 0x02, 0x05, 0x00);
  rejected("x509-version-trailing-element", &p, "x509: malformed version");
  p.version = RAW(0xa0, 0x03, 0x04, 0x01, 0x02);
  rejected("x509-version-octet-string", &p, "x509: malformed version");
  p.version = RAW(0x80, 0x01, 0x02);
  rejected("x509-version-implicit-tag", &p, "x509: malformed serial number");
}
END_TEST

START_TEST(structure_errors_name_the_stage) {
  struct cert_parts p = base_parts();
  p.outer_sigalg = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71);
  rejected("x509-outer-sigalg-differs", &p,
           "x509: inner and outer signature algorithm identifiers don't match");
  p = base_parts();
  p.sigalg = RAW(0x31, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  rejected("x509-sigalg-not-sequence", &p, "x509: malformed signature algorithm identifier");
  p = base_parts();
  p.outer_sigalg = RAW(0x05, 0x00);
  rejected("x509-outer-sigalg-missing", &p, "x509: malformed algorithm identifier");
  p = base_parts();
  p.issuer = RAW(0x31, 0x00);
  rejected("x509-issuer-not-sequence", &p, "x509: malformed issuer");
  p = base_parts();
  p.subject = RAW(0x31, 0x00);
  rejected("x509-subject-not-sequence", &p, "x509: malformed issuer");
  p = base_parts();
  p.subject = RAW(0x30, 0x02, 0x30, 0x00);
  rejected("x509-rdn-not-set", &p, "x509: invalid RDNSequence");
  p.subject = RAW(0x30, 0x03, 0x31, 0x00, 0x31);
  rejected("x509-name-lone-octet-after-rdn", &p, "x509: invalid RDNSequence");
  p.subject = RAW(0x30, 0x03, 0x31, 0x01, 0x30);
  rejected("x509-rdn-lone-octet", &p, "x509: invalid RDNSequence: invalid attribute");
  p.subject = RAW(0x30, 0x04, 0x31, 0x02, 0x31, 0x00);
  rejected("x509-atv-not-sequence", &p, "x509: invalid RDNSequence: invalid attribute");
  p.subject = RAW(0x30, 0x08, 0x31, 0x06, 0x30, 0x04, 0x04, 0x02, 0x55, 0x04);
  rejected("x509-atv-type-not-oid", &p, "x509: invalid RDNSequence: invalid attribute type");
  p.subject = RAW(0x30, 0x07, 0x31, 0x05, 0x30, 0x03, 0x06, 0x01, 0x55);
  rejected("x509-atv-value-missing", &p, "x509: invalid RDNSequence: invalid attribute value");
  /* Go reads the type and the value and ignores what follows. */
  p.subject =
      RAW(0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x01, 0x55, 0x13, 0x01, 'a', 0x05, 0x00);
  accepted("x509-atv-trailing-element", &p);
  p = base_parts();
  p.spki = RAW(0x31, 0x00);
  rejected("x509-spki-not-sequence", &p, "x509: malformed spki");
  p.spki = RAW(0x30, 0x02, 0x05, 0x00);
  rejected("x509-spki-algorithm-not-sequence", &p,
           "x509: malformed public key algorithm identifier");
  p.spki = RAW(0x30, 0x04, 0x30, 0x02, 0x05, 0x00);
  rejected("x509-spki-algorithm-no-oid", &p, "x509: malformed OID");
  p.spki = RAW(0x30, 0x07, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70);
  rejected("x509-spki-no-key", &p, "x509: malformed subjectPublicKey");
  p = base_parts();
  p.not_before = (struct dbuf){.n = 0};
  p.not_after = (struct dbuf){.n = 0};
  rejected("x509-validity-empty", &p, "x509: unsupported time format");
}
END_TEST

START_TEST(trailing_bytes_after_the_certificate) {
  struct cert_parts p = base_parts();
  /* Inside the Certificate SEQUENCE, after the signature: never read. */
  p.cert_tail = RAW(0x05, 0x00);
  accepted("x509-element-after-signature", &p);
  p = base_parts();
  /* Inside the TBSCertificate, after the extensions: never read either. */
  p.tbs_tail = RAW(0x05, 0x00);
  accepted("x509-element-after-extensions", &p);
  p = base_parts();
  p.tail = RAW(0x00);
  rejected("x509-trailing-zero-octet", &p, "x509: trailing data");
  p.tail = RAW(0x30, 0x00);
  rejected("x509-trailing-empty-sequence", &p, "x509: trailing data");
}
END_TEST

START_TEST(unique_ids_are_skipped_unread_in_v2_and_v3) {
  struct cert_parts p = base_parts();
  p.uids = RAW(0x81, 0x02, 0x00, 0xaa, 0x82, 0x02, 0x00, 0xbb);
  accepted("x509-unique-ids-v3", &p);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x01);
  p.has_exts = false;
  accepted("x509-unique-ids-v2", &p);
  p = base_parts();
  p.uids = RAW(0x82, 0x02, 0x00, 0xbb);
  accepted("x509-subject-unique-id-only", &p);
  p.uids = RAW(0x81, 0x82, 0x00, 0x01, 0x00);
  rejected("x509-issuer-unique-id-bad-length", &p, "x509: malformed issuerUniqueID");

  p.uids = RAW(0x81, 0x01, 0x00, 0x82, 0x82, 0x00, 0x01, 0x00);
  rejected("x509-subject-unique-id-bad-length", &p, "x509: malformed subjectUniqueID");
  /* A lone identifier octet is still that element, and unreadable. */
  p = base_parts();
  p.has_exts = false;
  p.tbs_tail = RAW(0x81);
  rejected("x509-issuer-unique-id-lone-tag", &p, "x509: malformed issuerUniqueID");
  p.tbs_tail = RAW(0x82);
  rejected("x509-subject-unique-id-lone-tag", &p, "x509: malformed subjectUniqueID");
  p.tbs_tail = RAW(0xa3);
  rejected("x509-extensions-lone-tag", &p, "x509: malformed extensions");
  /* v1 never gets there. */
  p.version = (struct dbuf){.n = 0};
  p.tbs_tail = RAW(0x81, 0x82, 0x00, 0x01, 0x00);
  accepted("x509-v1-ignores-bad-unique-id", &p);
}
END_TEST

/* ---------- extensions ---------- */

static struct cert_parts with_exts(const struct dbuf *exts) {
  struct cert_parts p = base_parts();
  p.exts = *exts;
  return p;
}

static struct cert_parts with_ext(const uint8_t *oid, size_t oid_len, int critical,
                                  const struct dbuf *value) {
  struct dbuf e = ext(oid, oid_len, critical, value);
  return with_exts(&e);
}

#define WITH_EXT(oid, critical, value) with_ext(oid, sizeof oid, critical, value)

START_TEST(extensions_read_only_in_v3) {
  /* A v1 or v2 certificate's [3] is never read: not even a broken one. */
  struct dbuf bad_san = RAW(0x30, 0x03, 0x87, 0x01, 0x01);
  struct cert_parts p = WITH_EXT(OID_SAN, -1, &bad_san);
  p.version = (struct dbuf){.n = 0};
  struct cert_fields f = accepted("x509-v1-ignores-bad-san", &p);
  EXPECT_TRUE(!f.has_san);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x01);
  f = accepted("x509-v2-ignores-bad-san", &p);
  EXPECT_TRUE(!f.has_san);
  struct dbuf good_san = RAW(0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4);
  p = WITH_EXT(OID_SAN, -1, &good_san);
  p.version = (struct dbuf){.n = 0};
  f = accepted("x509-v1-ignores-good-san", &p);
  EXPECT_TRUE(!f.has_san);
  struct dbuf bc = RAW(0x30, 0x00), e1 = EXT(OID_BC, -1, &bc), two = cat(&e1, &e1);
  p = with_exts(&two);
  p.version = (struct dbuf){.n = 0};
  accepted("x509-v1-ignores-duplicate-extensions", &p);
  p.version = RAW(0xa0, 0x03, 0x02, 0x01, 0x02);
  rejected("x509-v3-duplicate-basic-constraints", &p,
           "x509: certificate contains duplicate extension with OID \"2.5.29.19\"");
}
END_TEST

START_TEST(extension_framing) {
  struct cert_parts p = base_parts();
  p.exts = RAW(0xa3, 0x02, 0x31, 0x00);
  p.exts_raw = true;
  rejected("x509-extensions-not-sequence", &p, "x509: malformed extensions");
  p.exts = RAW(0xa3, 0x82, 0x00, 0x02, 0x30, 0x00);
  rejected("x509-extensions-bad-length", &p, "x509: malformed extensions");
  p.exts = RAW(0xa3, 0x02, 0x30, 0x00);
  struct cert_fields f = accepted("x509-extensions-empty", &p);
  EXPECT_INT(f.extension_count, 0);
  p.exts = RAW(0x83, 0x02, 0x30, 0x00);
  accepted("x509-extensions-primitive-tag-ignored", &p);
  p = base_parts();
  p.exts = RAW(0x31, 0x00);
  rejected("x509-extension-not-sequence", &p, "x509: malformed extension");
  p.exts = RAW(0x30, 0x05, 0x04, 0x03, 0x55, 0x1d, 0x13);
  rejected("x509-extension-id-not-oid", &p, "x509: malformed extension OID field");
  p.exts = RAW(0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0x01, 0x04, 0x00);
  rejected("x509-extension-critical-01", &p, "x509: malformed extension critical field");
  p.exts = RAW(0x30, 0x0b, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x02, 0xff, 0xff, 0x04, 0x00);
  rejected("x509-extension-critical-two-octets", &p, "x509: malformed extension critical field");
  p.exts = RAW(0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x05, 0x00);
  rejected("x509-extension-value-not-octet-string", &p, "x509: malformed extension value field");
  p.exts = RAW(0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04);
  rejected("x509-extension-value-missing", &p, "x509: malformed extension value field");
  /* An explicit critical FALSE is taken, and bytes after the value too. */
  struct dbuf bc = RAW(0x30, 0x00);
  p = WITH_EXT(OID_BC, 0x00, &bc);
  f = accepted("x509-extension-explicit-false", &p);
  EXPECT_TRUE(f.has_basic_constraints && !f.basic_constraints_critical);
  p.exts = RAW(0x30, 0x09, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x00, 0x05, 0x00);
  accepted("x509-extension-trailing-element", &p);
}
END_TEST

START_TEST(unknown_and_duplicate_extensions) {
  struct dbuf v = RAW(0x05, 0x00);
  struct cert_parts p = WITH_EXT(OID_PRIVATE, 0xff, &v);
  accepted("x509-unknown-critical-extension", &p);
  struct dbuf e = EXT(OID_PRIVATE, -1, &v), two = cat(&e, &e);
  p = with_exts(&two);
  rejected("x509-duplicate-private-extension", &p,
           "x509: certificate contains duplicate extension with OID \"1.3.6.1.4.1.311.1\"");
  /* Duplicates are found by OID alone, before any value is read. */
  struct dbuf san = RAW(0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4), bad = RAW(0x05, 0x00);
  struct dbuf a = EXT(OID_SAN, -1, &san), b = EXT(OID_SAN, 0xff, &bad);
  two = cat(&a, &b);
  p = with_exts(&two);
  rejected("x509-duplicate-san-before-value", &p,
           "x509: certificate contains duplicate extension with OID \"2.5.29.17\"");
  /* 2.999.2147483647: every arc printed in full. */
  static const uint8_t big[] = {0x88, 0x37, 0x87, 0xff, 0xff, 0xff, 0x7f};
  e = ext(big, sizeof big, -1, &v);
  two = cat(&e, &e);
  p = with_exts(&two);
  rejected("x509-duplicate-extension-large-arcs", &p,
           "x509: certificate contains duplicate extension with OID \"2.999.2147483647\"");
  /* The first octet carries two arcs: X.Y with X = 0, 1 below 80. */
  static const struct {
    uint8_t first;
    const char *name, *dotted;
  } firsts[] = {{0x00, "x509-duplicate-extension-oid-0-0", "0.0.7"},
                {0x27, "x509-duplicate-extension-oid-0-39", "0.39.7"},
                {0x28, "x509-duplicate-extension-oid-1-0", "1.0.7"},
                {0x4f, "x509-duplicate-extension-oid-1-39", "1.39.7"},
                {0x50, "x509-duplicate-extension-oid-2-0", "2.0.7"}};
  for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
    const uint8_t oid[] = {firsts[i].first, 0x07};
    e = ext(oid, sizeof oid, -1, &v);
    two = cat(&e, &e);
    p = with_exts(&two);
    char want[96];
    snprintf(want, sizeof want, "x509: certificate contains duplicate extension with OID \"%s\"",
             firsts[i].dotted);
    rejected(firsts[i].name, &p, want);
  }
  /* A broken later extension is found before an earlier value is read. */
  struct dbuf bad_bc = RAW(0x05, 0x00), b1 = EXT(OID_BC, -1, &bad_bc);
  struct dbuf broken = RAW(0x30, 0x03, 0x06, 0x01, 0x2a);
  two = cat(&b1, &broken);
  p = with_exts(&two);
  rejected("x509-extension-framing-before-values", &p, "x509: malformed extension value field");
}
END_TEST

/* Two extensions with the OID 1.2.1.1...1(.10): its dotted form is
 * `dotted_len` characters (>= 3). */
static struct cert_parts duplicate_long_oid(size_t dotted_len, char *dotted, size_t cap) {
  uint8_t oid[2048] = {0x2a};
  size_t n = 1;
  size_t len = 3;
  snprintf(dotted, cap, "1.2");
  while (len < dotted_len) {
    const bool ten = dotted_len - len == 3;
    oid[n++] = ten ? 10 : 1;
    strcat(dotted, ten ? ".10" : ".1");
    len += ten ? 3 : 2;
  }
  ck_assert_uint_eq(strlen(dotted), dotted_len);
  struct dbuf v = RAW(0x05, 0x00), e = ext(oid, n, -1, &v), two = cat(&e, &e);
  return with_exts(&two);
}

START_TEST(long_texts_are_cut_and_flagged_at_the_buffer_size) {
  static char dotted[PIN_VERIFY_MESSAGE_MAX], full[2 * PIN_VERIFY_MESSAGE_MAX];
  const char *head = TLS_PREFIX "x509: certificate contains duplicate extension with OID \"";
  /* Go prints every arc; the message fits exactly, then one over. */
  const size_t fits = PIN_VERIFY_MESSAGE_MAX - 1 - strlen(head) - 1;
  for (size_t extra = 0; extra < 2; extra++) {
    struct cert_parts p = duplicate_long_oid(fits + extra, dotted, sizeof dotted);
    snprintf(full, sizeof full, "%s%s\"", head, dotted);
    const struct dbuf der = cert_parts_build(&p);
    const struct pin_verify_result r = pin_of(&der, NOW);
    EXPECT_INT(r.status, PIN_VERIFY_TLS_PARSE_ERROR);
    EXPECT_INT(r.message_truncated, extra == 1);
    EXPECT_INT(strlen(r.message), PIN_VERIFY_MESSAGE_MAX - 1);
    EXPECT(strncmp(r.message, full, PIN_VERIFY_MESSAGE_MAX - 1) == 0, "message %.80s...",
           r.message);
    corpus_sync(extra ? "x509-duplicate-oid-message-one-over" : "x509-duplicate-oid-message-fits",
                &der, NOW);
  }
  /* A few hundred characters: whole. */
  struct cert_parts p = duplicate_long_oid(301, dotted, sizeof dotted);
  snprintf(full, sizeof full, "x509: certificate contains duplicate extension with OID \"%s\"",
           dotted);
  rejected("x509-duplicate-oid-301-characters", &p, full);
}
END_TEST

START_TEST(basic_constraints_and_key_usage_values) {
  struct dbuf v = RAW(0x30, 0x03, 0x01, 0x01, 0xff);
  struct cert_parts p = WITH_EXT(OID_BC, 0xff, &v);
  struct cert_fields f = accepted("x509-bc-ca-true", &p);
  EXPECT_TRUE(f.has_basic_constraints && f.basic_constraints_ca && f.basic_constraints_critical);
  v = RAW(0x30, 0x03, 0x02, 0x01, 0x00);
  p = WITH_EXT(OID_BC, -1, &v);
  f = accepted("x509-bc-pathlen-zero", &p);
  EXPECT_TRUE(!f.basic_constraints_ca);
  v = RAW(0x30, 0x0a, 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  p = WITH_EXT(OID_BC, -1, &v);
  accepted("x509-bc-pathlen-maxint", &p);
  v = RAW(0x30, 0x0b, 0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0);
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-pathlen-2p63", &p, "x509: invalid basic constraints");
  v = RAW(0x30, 0x03, 0x02, 0x01, 0xff);
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-pathlen-negative", &p, "x509: invalid basic constraints");
  v = RAW(0x30, 0x04, 0x02, 0x02, 0x00, 0x01);
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-pathlen-redundant-zero", &p, "x509: invalid basic constraints");
  v = RAW(0x30, 0x03, 0x01, 0x01, 0x01);
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-ca-01", &p, "x509: invalid basic constraints");
  v = RAW(0x31, 0x00);
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-not-sequence", &p, "x509: invalid basic constraints");
  v = (struct dbuf){.n = 0};
  p = WITH_EXT(OID_BC, -1, &v);
  rejected("x509-bc-empty-value", &p, "x509: invalid basic constraints");
  /* After cA and pathLen, and after the SEQUENCE, Go reads nothing. */
  v = RAW(0x30, 0x05, 0x01, 0x01, 0xff, 0x05, 0x00, 0x05, 0x00);
  p = WITH_EXT(OID_BC, -1, &v);
  f = accepted("x509-bc-trailing-elements", &p);
  EXPECT_TRUE(f.basic_constraints_ca);
  /* pathLen before cA: the INTEGER is read, the BOOLEAN after it is not. */
  v = RAW(0x30, 0x06, 0x02, 0x01, 0x01, 0x01, 0x01, 0xff);
  p = WITH_EXT(OID_BC, -1, &v);
  f = accepted("x509-bc-pathlen-before-ca", &p);
  EXPECT_TRUE(!f.basic_constraints_ca);

  v = RAW(0x03, 0x02, 0x05, 0xa0);
  p = WITH_EXT(OID_KU, 0xff, &v);
  accepted("x509-key-usage-valid", &p);
  v = RAW(0x03, 0x02, 0x05, 0xa1);
  p = WITH_EXT(OID_KU, 0xff, &v);
  rejected("x509-key-usage-padding-bit-set", &p, "x509: invalid key usage");
  v = RAW(0x03, 0x01, 0x03);
  p = WITH_EXT(OID_KU, 0xff, &v);
  rejected("x509-key-usage-empty-with-unused-bits", &p, "x509: invalid key usage");
  v = RAW(0x04, 0x02, 0x05, 0xa0);
  p = WITH_EXT(OID_KU, 0xff, &v);
  rejected("x509-key-usage-not-bit-string", &p, "x509: invalid key usage");
  v = RAW(0x03, 0x01, 0x00);
  p = WITH_EXT(OID_KU, 0xff, &v);
  accepted("x509-key-usage-empty", &p);
}
END_TEST

START_TEST(subject_alt_names_as_go_reads_them) {
  struct dbuf v = RAW(0x30, 0x00);
  struct cert_parts p = WITH_EXT(OID_SAN, 0xff, &v);
  struct cert_fields f = accepted("x509-san-empty-critical", &p);
  EXPECT_TRUE(f.has_san);
  /* Names of kinds Go does not read, and of other classes, are skipped. */
  v = RAW(0x30, 0x15, 0x80, 0x00, 0xa0, 0x00, 0x88, 0x01, 0x2a, 0x83, 0x01, 0xff, 0x04, 0x01, 0xff,
          0x1f, 0x00, 0x87, 0x04, 1, 2, 3, 4);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-high-tag-number", &p, "x509: invalid subject alternative name");
  v = RAW(0x30, 0x13, 0x80, 0x00, 0xa0, 0x00, 0x88, 0x01, 0x2a, 0x83, 0x01, 0xff, 0x04, 0x01, 0xff,
          0x87, 0x04, 1, 2, 3, 4);
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-unknown-kinds-skipped", &p);
  v = RAW(0x30, 0x04, 0xa2, 0x02, 'a', 'b');
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-constructed-dns-skipped", &p);
  v = RAW(0x30, 0x04, 0x24, 0x02, 'a', 'b');
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-constructed-octetstring-skipped", &p);
  v = RAW(0x30, 0x02, 0x00, 0x00);
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-tag-zero-skipped", &p);
  v = RAW(0x30, 0x03, 0x82, 0x01, 0x7f);
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-dns-del", &p);
  v = RAW(0x30, 0x03, 0x82, 0x01, 0x80);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-dns-8bit", &p, "x509: SAN dNSName is malformed");
  v = RAW(0x30, 0x03, 0x81, 0x01, 0xc3);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-email-8bit", &p, "x509: SAN rfc822Name is malformed");
  v = RAW(0x30, 0x03, 0x86, 0x01, 0xff);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-uri-8bit", &p, "x509: SAN uniformResourceIdentifier is malformed");
  v = RAW(0x30, 0x02, 0x87, 0x00);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-ip-empty", &p, "x509: cannot parse IP address of length 0");
  v = RAW(0x30, 0x13, 0x87, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-ip-17", &p, "x509: cannot parse IP address of length 17");
  v = RAW(0x30, 0x03, 0x87, 0x05, 1);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-name-past-end", &p, "x509: invalid subject alternative name");
  v = RAW(0x31, 0x00);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-not-sequence", &p, "x509: invalid subject alternative names");
  v = RAW(0x30, 0x07, 0x87, 0x04, 1, 2, 3, 4, 0x82);
  p = WITH_EXT(OID_SAN, -1, &v);
  rejected("x509-san-lone-octet-after-name", &p, "x509: invalid subject alternative name");
  /* After the GeneralNames SEQUENCE, Go reads nothing. */
  v = RAW(0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4, 0x05, 0x00);
  p = WITH_EXT(OID_SAN, -1, &v);
  accepted("x509-san-trailing-element", &p);
}
END_TEST

START_TEST(other_extensions_go_interprets) {
  struct dbuf v = RAW(0x30, 0x05, 0x06, 0x03, 0x2b, 0x06, 0x01);
  struct cert_parts p = WITH_EXT(OID_EKU, -1, &v);
  accepted("x509-eku-unknown-oid", &p);
  v = RAW(0x30, 0x02, 0x05, 0x00);
  p = WITH_EXT(OID_EKU, -1, &v);
  rejected("x509-eku-not-oid", &p, "x509: invalid extended key usages");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_EKU, -1, &v);
  rejected("x509-eku-not-sequence", &p, "x509: invalid extended key usages");
  v = RAW(0x30, 0x06, 0x06, 0x03, 0x2b, 0x06, 0x01, 0x06);
  p = WITH_EXT(OID_EKU, -1, &v);
  rejected("x509-eku-lone-octet", &p, "x509: invalid extended key usages");
  v = RAW(0x04, 0x01, 0xab);
  p = WITH_EXT(OID_SKI, -1, &v);
  accepted("x509-ski-valid", &p);
  p = WITH_EXT(OID_SKI, 0xff, &v);
  rejected("x509-ski-critical", &p, "x509: subject key identifier incorrectly marked critical");
  v = RAW(0x03, 0x01, 0x00);
  p = WITH_EXT(OID_SKI, -1, &v);
  rejected("x509-ski-not-octet-string", &p, "x509: invalid subject key identifier");
  v = RAW(0x30, 0x03, 0x80, 0x01, 0xab);
  p = WITH_EXT(OID_AKI, -1, &v);
  accepted("x509-aki-valid", &p);
  p = WITH_EXT(OID_AKI, 0xff, &v);
  rejected("x509-aki-critical", &p, "x509: authority key identifier incorrectly marked critical");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_AKI, -1, &v);
  rejected("x509-aki-not-sequence", &p, "x509: invalid authority key identifier");
  v = RAW(0x30, 0x00);
  p = WITH_EXT(OID_AIA, -1, &v);
  accepted("x509-aia-empty", &p);
  p = WITH_EXT(OID_AIA, 0xff, &v);
  rejected("x509-aia-critical", &p, "x509: authority info access incorrectly marked critical");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_AIA, -1, &v);
  rejected("x509-aia-not-sequence", &p, "x509: invalid authority info access");
  v = RAW(0x30, 0x02, 0x05, 0x00);
  p = WITH_EXT(OID_AIA, -1, &v);
  rejected("x509-aia-description-not-sequence", &p, "x509: invalid authority info access");
  v = RAW(0x30, 0x04, 0x30, 0x02, 0x05, 0x00);
  p = WITH_EXT(OID_AIA, -1, &v);
  rejected("x509-aia-method-not-oid", &p, "x509: invalid authority info access");
  v = RAW(0x30, 0x08, 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x30);
  p = WITH_EXT(OID_AIA, -1, &v);
  rejected("x509-aia-lone-octet", &p, "x509: invalid authority info access");
  /* id-ad-ocsp with a [6] URI, then a method with no location. */
  v = RAW(0x30, 0x16, 0x30, 0x0d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x86,
          0x01, 'u', 0x30, 0x05, 0x06, 0x03, 0x2a, 0x03, 0x04);
  p = WITH_EXT(OID_AIA, -1, &v);
  accepted("x509-aia-ocsp-and-bare-method", &p);
  v = RAW(0x30, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x86, 0x82, 0x00, 0x01);
  p = WITH_EXT(OID_AIA, -1, &v);
  rejected("x509-aia-bad-location-length", &p, "x509: invalid authority info access");
  v = RAW(0x30, 0x04, 0x80, 0x82, 0x00, 0x01);
  p = WITH_EXT(OID_AKI, -1, &v);
  rejected("x509-aki-bad-key-id-length", &p, "x509: invalid authority key identifier");
  v = RAW(0x30, 0x04, 0x81, 0x82, 0x00, 0x01);
  p = WITH_EXT(OID_AKI, -1, &v);
  accepted("x509-aki-other-field-unread", &p);
}
END_TEST

START_TEST(policy_and_crl_extensions_go_interprets) {
  /* CRL distribution points: [0] { [0] fullName { [6] URI ... } } */
  struct dbuf v = RAW(0x30, 0x09, 0x30, 0x07, 0xa0, 0x05, 0xa0, 0x03, 0x86, 0x01, 'u');
  struct cert_parts p = WITH_EXT(OID_CRLDP, -1, &v);
  accepted("x509-crldp-uri", &p);
  v = RAW(0x30, 0x04, 0x30, 0x02, 0x81, 0x00);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  accepted("x509-crldp-no-name", &p);
  v = RAW(0x30, 0x03, 0x30, 0x00, 0x30);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  rejected("x509-crldp-lone-octet", &p, "x509: invalid CRL distribution point");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  rejected("x509-crldp-not-sequence", &p, "x509: invalid CRL distribution points");
  v = RAW(0x30, 0x02, 0x05, 0x00);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  rejected("x509-crldp-point-not-sequence", &p, "x509: invalid CRL distribution point");
  v = RAW(0x30, 0x06, 0x30, 0x04, 0xa0, 0x02, 0xa1, 0x00);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  rejected("x509-crldp-relative-name", &p, "x509: invalid CRL distribution point");
  v = RAW(0x30, 0x0b, 0x30, 0x09, 0xa0, 0x07, 0xa0, 0x05, 0x82, 0x01, 'd', 0x86, 0x00);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  accepted("x509-crldp-stops-at-non-uri", &p);
  v = RAW(0x30, 0x0a, 0x30, 0x08, 0xa0, 0x06, 0xa0, 0x04, 0x86, 0x82, 0x00, 0x01);
  p = WITH_EXT(OID_CRLDP, -1, &v);
  rejected("x509-crldp-bad-uri-length", &p, "x509: invalid CRL distribution point");
  /* Certificate policies: DER OIDs with arcs of any size, no repeats. */
  v = RAW(0x30, 0x0f, 0x30, 0x0d, 0x06, 0x0b, 0x2a, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
          0x80, 0x00);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  accepted("x509-policies-arc-2p63", &p);
  v = RAW(0x30, 0x0a, 0x30, 0x03, 0x06, 0x01, 0x2a, 0x30, 0x03, 0x06, 0x01, 0x2a);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  rejected("x509-policies-repeated", &p, "x509: invalid certificate policies");
  v = RAW(0x30, 0x06, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x80);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  rejected("x509-policies-truncated-oid", &p, "x509: invalid certificate policies");
  v = RAW(0x30, 0x04, 0x30, 0x02, 0x05, 0x00);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  rejected("x509-policies-no-oid", &p, "x509: invalid certificate policies");
  v = RAW(0x30, 0x02, 0x06, 0x00);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  rejected("x509-policies-info-not-sequence", &p, "x509: invalid certificate policies");
  v = RAW(0x30, 0x06, 0x30, 0x03, 0x06, 0x01, 0x2a, 0x30);
  p = WITH_EXT(OID_POLICIES, -1, &v);
  rejected("x509-policies-lone-octet", &p, "x509: invalid certificate policies");
  /* Policy mappings: OID pairs, their contents unread. */
  v = RAW(0x30, 0x06, 0x30, 0x04, 0x06, 0x00, 0x06, 0x00);
  p = WITH_EXT(OID_POLICY_MAPPINGS, -1, &v);
  accepted("x509-policy-mappings-empty-oids", &p);
  v = RAW(0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x2a);
  p = WITH_EXT(OID_POLICY_MAPPINGS, -1, &v);
  rejected("x509-policy-mappings-half-pair", &p, "x509: invalid policy mappings extension");
  v = RAW(0x30, 0x07, 0x30, 0x04, 0x06, 0x00, 0x06, 0x00, 0x30);
  p = WITH_EXT(OID_POLICY_MAPPINGS, -1, &v);
  rejected("x509-policy-mappings-lone-octet", &p, "x509: invalid policy mappings extension");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_POLICY_MAPPINGS, -1, &v);
  rejected("x509-policy-mappings-not-sequence", &p, "x509: invalid policy mappings extension");
  /* Policy constraints: [0] and [1] INTEGERs that fit an int64. */
  v = RAW(0x30, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0xff);
  p = WITH_EXT(OID_POLICY_CONSTRAINTS, -1, &v);
  accepted("x509-policy-constraints-both", &p);
  v = RAW(0x30, 0x0b, 0x80, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0);
  p = WITH_EXT(OID_POLICY_CONSTRAINTS, -1, &v);
  rejected("x509-policy-constraints-overflow", &p, "x509: invalid policy constraints extension");
  v = RAW(0x30, 0x04, 0x81, 0x02, 0x00, 0x01);
  p = WITH_EXT(OID_POLICY_CONSTRAINTS, -1, &v);
  rejected("x509-policy-constraints-redundant-zero", &p,
           "x509: invalid policy constraints extension");
  v = RAW(0x30, 0x02, 0x80, 0x00);
  p = WITH_EXT(OID_POLICY_CONSTRAINTS, -1, &v);
  rejected("x509-policy-constraints-empty-integer", &p,
           "x509: invalid policy constraints extension");
  v = RAW(0x04, 0x00);
  p = WITH_EXT(OID_POLICY_CONSTRAINTS, -1, &v);
  rejected("x509-policy-constraints-not-sequence", &p,
           "x509: invalid policy constraints extension");
  /* Inhibit anyPolicy: an INTEGER that fits an int, negative too. */
  v = RAW(0x02, 0x01, 0xff);
  p = WITH_EXT(OID_INHIBIT_ANY, -1, &v);
  accepted("x509-inhibit-any-minus-one", &p);
  v = RAW(0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0);
  p = WITH_EXT(OID_INHIBIT_ANY, -1, &v);
  rejected("x509-inhibit-any-overflow", &p, "x509: invalid inhibit any policy extension");
  v = RAW(0x05, 0x00);
  p = WITH_EXT(OID_INHIBIT_ANY, -1, &v);
  rejected("x509-inhibit-any-not-integer", &p, "x509: invalid inhibit any policy extension");
}
END_TEST

/* ---------- keys: parsePublicKey, then crypto/tls's key checks ---------- */

static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t OID_DSA[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_X25519[] = {0x2b, 0x65, 0x6e};

/* SubjectPublicKeyInfo: algorithm OID, parameters (whole elements, may be
 * empty), BIT STRING with `unused` bits over `key`. */
static struct cert_parts with_key(const uint8_t *oid, size_t oid_len, const struct dbuf *params,
                                  uint8_t unused, const struct dbuf *key) {
  struct dbuf alg = tlv(0x06, oid, oid_len);
  alg = cat(&alg, params);
  alg = wrap(0x30, &alg);
  struct dbuf bits = raw(&unused, 1);
  bits = cat(&bits, key);
  bits = wrap(0x03, &bits);
  struct dbuf body = cat(&alg, &bits);
  struct cert_parts p = base_parts();
  p.spki = wrap(0x30, &body);
  return p;
}

#define KEY(oid, params, key) with_key(oid, sizeof oid, params, 0, key)

/* The generator of a curve, uncompressed: a point Go decodes. */
static struct dbuf generator(int nid) {
  EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
  ck_assert_ptr_nonnull(g);
  struct dbuf d = {.n = 0};
  d.n = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g), POINT_CONVERSION_UNCOMPRESSED, d.b,
                           sizeof d.b, NULL);
  ck_assert_uint_gt(d.n, 0);
  EC_GROUP_free(g);
  return d;
}

/* The curve's field prime p minus `minus`, big-endian at the element length. */
static void prime_minus(int nid, unsigned minus, uint8_t *out, size_t len) {
  EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
  BIGNUM *p = BN_new();
  ck_assert(g != NULL && p != NULL && EC_GROUP_get_curve(g, p, NULL, NULL, NULL) == 1);
  ck_assert(BN_sub_word(p, minus) == 1);
  ck_assert_int_eq(BN_bn2binpad(p, out, (int)len), (int)len);
  BN_free(p);
  EC_GROUP_free(g);
}

static struct dbuf curve_param(int nid) {
  static const uint8_t p224[] = {0x2b, 0x81, 0x04, 0x00, 0x21};
  static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
  static const uint8_t p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
  switch (nid) {
    case NID_secp224r1: return tlv(0x06, p224, sizeof p224);
    case NID_X9_62_prime256v1: return tlv(0x06, p256, sizeof p256);
    case NID_secp384r1: return tlv(0x06, p384, sizeof p384);
    default: return tlv(0x06, p521, sizeof p521);
  }
}

/* A key Go decodes but crypto/tls cannot use for the leaf. */
static void leaf_key_unusable(const char *name, const struct cert_parts *p, const char *type) {
  char verdict[160];
  snprintf(verdict, sizeof verdict,
           "tls: server's certificate contains an unsupported type of public key: %s", type);
  (void)accepted_at(name, p, NOW, verdict);
}

START_TEST(ec_keys_on_every_curve_go_knows) {
  static const struct {
    int nid;
    const char *name, *bad_length, *bad_element, *off_curve;
  } curves[] = {
      {NID_secp224r1, "p224", "invalid P224 point encoding", "invalid P224Element encoding",
       "P224 point not on curve"},
      {NID_X9_62_prime256v1, "p256", "invalid P256 point encoding", "invalid P256 element encoding",
       "P256 point not on curve"},
      {NID_secp384r1, "p384", "invalid P384 point encoding", "invalid P384Element encoding",
       "P384 point not on curve"},
      {NID_secp521r1, "p521", "invalid P521 point encoding", "invalid P521Element encoding",
       "P521 point not on curve"},
  };
  char name[64];
  for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
    const struct dbuf param = curve_param(curves[i].nid), g = generator(curves[i].nid);
    const size_t len = (g.n - 1) / 2;
    struct cert_parts p = KEY(OID_EC, &param, &g);
    snprintf(name, sizeof name, "x509-key-%s-generator", curves[i].name);
    accepted(name, &p);
    struct dbuf k = g;
    k.b[k.n - 1] ^= 0x01;
    p = KEY(OID_EC, &param, &k);
    snprintf(name, sizeof name, "x509-key-%s-off-curve", curves[i].name);
    rejected(name, &p, curves[i].off_curve);
    k = raw(g.b, g.n - 1);
    p = KEY(OID_EC, &param, &k);
    snprintf(name, sizeof name, "x509-key-%s-one-octet-short", curves[i].name);
    rejected(name, &p, curves[i].bad_length);
    /* y = p - 1 + 1 = p: not canonical, refused before the curve check. */
    k = g;
    memset(k.b + 1 + len, 0xff, len);
    if (curves[i].nid == NID_secp521r1) k.b[1 + len] = 0x01;
    p = KEY(OID_EC, &param, &k);
    snprintf(name, sizeof name, "x509-key-%s-y-all-ones", curves[i].name);
    rejected(name, &p, curves[i].bad_element);
    /* Each coordinate at p (not canonical) and at p - 1 (canonical, and
     * then not on the curve). */
    for (int coord = 0; coord < 2; coord++)
      for (unsigned minus = 0; minus < 2; minus++) {
        k = g;
        prime_minus(curves[i].nid, minus, k.b + 1 + (size_t)coord * len, len);
        p = KEY(OID_EC, &param, &k);
        snprintf(name, sizeof name, "x509-key-%s-%c-%s", curves[i].name, coord ? 'y' : 'x',
                 minus ? "p-minus-1" : "p");
        rejected(name, &p, minus ? curves[i].off_curve : curves[i].bad_element);
      }
  }
  /* P-521's top octet holds one bit: 0x02 is past the prime. */
  const struct dbuf param = curve_param(NID_secp521r1);
  struct dbuf k = generator(NID_secp521r1);
  k.b[1] = 0x02;
  struct cert_parts p = KEY(OID_EC, &param, &k);
  rejected("x509-key-p521-x-top-octet-2", &p, "invalid P521Element encoding");
  /* ...and 0x00 then all ones is below the prime: on to the curve check. */
  k = generator(NID_secp521r1);
  k.b[1] = 0x00;
  memset(k.b + 2, 0xff, 65);
  p = KEY(OID_EC, &param, &k);
  rejected("x509-key-p521-x-top-octet-0-rest-ones", &p, "P521 point not on curve");
  /* The point must be uncompressed; the curve must be named by its OID. */
  k = generator(NID_X9_62_prime256v1);
  struct dbuf compressed = raw(k.b, 33);
  compressed.b[0] = 0x02 | (k.b[64] & 1);
  const struct dbuf p256 = curve_param(NID_X9_62_prime256v1);
  p = KEY(OID_EC, &p256, &compressed);
  rejected("x509-key-p256-compressed", &p, "ecdsa: invalid uncompressed public key");
  struct dbuf none = {.n = 0};
  p = KEY(OID_EC, &none, &k);
  rejected("x509-key-ec-no-parameters", &p, "x509: invalid ECDSA parameters");
  struct dbuf null = RAW(0x05, 0x00);
  p = KEY(OID_EC, &null, &k);
  rejected("x509-key-ec-null-parameters", &p, "x509: invalid ECDSA parameters");
  struct dbuf secp256k1 = RAW(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a);
  p = KEY(OID_EC, &secp256k1, &k);
  rejected("x509-key-ec-secp256k1", &p, "x509: unsupported elliptic curve");
  /* Parameters are one element; more after it are not read. */
  struct dbuf two = cat(&p256, &null);
  p = KEY(OID_EC, &two, &k);
  accepted("x509-key-ec-element-after-parameters", &p);
  /* A BIT STRING with unused bits is shifted right before decoding: the
   * point shifted left one bit (0x04 loses no bit), one unused bit. */
  struct dbuf shifted = k;
  for (size_t i = 0; i < shifted.n; i++)
    shifted.b[i] = (uint8_t)(k.b[i] << 1 | (i + 1 < k.n ? k.b[i + 1] >> 7 : 0));
  p = with_key(OID_EC, sizeof OID_EC, &p256, 1, &shifted);
  accepted("x509-key-p256-right-aligned", &p);
  p = with_key(OID_EC, sizeof OID_EC, &p256, 0, &shifted);
  rejected("x509-key-p256-shifted-unaligned", &p, "ecdsa: invalid uncompressed public key");
  /* One octet, one unused bit: 0x08 aligns to 0x04, an uncompressed form
   * of the wrong length. */
  struct dbuf one = RAW(0x08);
  p = with_key(OID_EC, sizeof OID_EC, &p256, 1, &one);
  rejected("x509-key-p256-one-octet-right-aligned", &p, "invalid P256 point encoding");
}
END_TEST

START_TEST(rsa_keys_and_the_8192_bit_limit) {
  struct dbuf null = RAW(0x05, 0x00);
  struct dbuf key = RAW(0x30, 0x08, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x02, 0x01, 0x01);
  struct cert_parts p = KEY(OID_RSA, &null, &key);
  accepted("x509-key-rsa-8-bit-modulus", &p);
  struct dbuf none = {.n = 0};
  p = KEY(OID_RSA, &none, &key);
  rejected("x509-key-rsa-no-parameters", &p, "x509: RSA key missing NULL parameters");
  struct dbuf odd = RAW(0x24, 0x00);
  p = KEY(OID_RSA, &odd, &key);
  rejected("x509-key-rsa-constructed-octetstring-parameters", &p,
           "x509: RSA key missing NULL parameters");
  struct dbuf null_then = RAW(0x05, 0x00, 0x05, 0x00);
  p = KEY(OID_RSA, &null_then, &key);
  accepted("x509-key-rsa-element-after-null", &p);
  key = RAW(0x30, 0x0a, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x02, 0x01, 0x01, 0x05, 0x00);
  p = KEY(OID_RSA, &null, &key);
  accepted("x509-key-rsa-element-after-exponent", &p);
  key = RAW(0x30, 0x0e, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff);
  p = KEY(OID_RSA, &null, &key);
  accepted("x509-key-rsa-exponent-max-int64", &p);
  key = RAW(0x30, 0x07, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x01, 0xff);
  p = KEY(OID_RSA, &null, &key);
  rejected("x509-key-rsa-exponent-minus-one", &p,
           "x509: RSA public exponent is not a positive number");
  key = RAW(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x03);
  p = KEY(OID_RSA, &null, &key);
  rejected("x509-key-rsa-modulus-zero", &p, "x509: RSA modulus is not a positive number");
  key = RAW(0x30, 0x04, 0x02, 0x02, 0x00, 0xc1);
  p = KEY(OID_RSA, &null, &key);
  rejected("x509-key-rsa-no-exponent", &p, "x509: invalid RSA public exponent");
  key = RAW(0x31, 0x00);
  p = KEY(OID_RSA, &null, &key);
  rejected("x509-key-rsa-not-sequence", &p, "x509: invalid RSA public key");
  key = RAW(0x30, 0x03, 0x04, 0x01, 0x01);
  p = KEY(OID_RSA, &null, &key);
  rejected("x509-key-rsa-modulus-octet-string", &p, "x509: invalid RSA modulus");
  /* crypto/tls takes up to 8192 bits and refuses the 8193rd. */
  for (int over = 0; over < 2; over++) {
    struct dbuf n = RAW(0x00);
    uint8_t top = over ? 0x01 : 0x80;
    put(&n, &top, 1);
    uint8_t zeros[1024] = {0};
    put(&n, zeros, over ? 1024 : 1023);
    if (!over) n = raw(n.b, n.n); /* 0x00 0x80 00...: 8192 bits */
    struct dbuf body = tlv(0x02, over ? n.b + 1 : n.b, over ? n.n - 1 : n.n);
    struct dbuf e = RAW(0x02, 0x03, 0x01, 0x00, 0x01);
    body = cat(&body, &e);
    key = wrap(0x30, &body);
    p = KEY(OID_RSA, &null, &key);
    if (over) {
      const struct dbuf der = cert_parts_build(&p);
      corpus_sync("x509-key-rsa-8193-bits", &der, NOW);
      struct cert_fields f;
      EXPECT_TRUE(go_parse_certificate(der.b, der.n, &f) == NULL);
      const struct pin_verify_result r = pin_of(&der, NOW);
      EXPECT_INT(r.status, PIN_VERIFY_TLS_KEY_ERROR);
      EXPECT(strcmp(r.message,
                    "tls: server sent certificate containing RSA key larger than 8192 bits") == 0,
             "%s", r.message);
    } else {
      accepted("x509-key-rsa-8192-bits", &p);
    }
  }
}
END_TEST

START_TEST(dsa_ed25519_and_undecoded_keys) {
  struct dbuf params = RAW(0x30, 0x09, 0x02, 0x01, 0x07, 0x02, 0x01, 0x03, 0x02, 0x01, 0x02);
  struct dbuf y = RAW(0x02, 0x01, 0x05);
  struct cert_parts p = KEY(OID_DSA, &params, &y);
  leaf_key_unusable("x509-key-dsa-leaf", &p, "*dsa.PublicKey");
  struct dbuf q_zero = RAW(0x30, 0x09, 0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02);
  p = KEY(OID_DSA, &q_zero, &y);
  rejected("x509-key-dsa-q-zero", &p, "x509: zero or negative DSA parameter");
  struct dbuf no_g = RAW(0x30, 0x06, 0x02, 0x01, 0x07, 0x02, 0x01, 0x03);
  p = KEY(OID_DSA, &no_g, &y);
  rejected("x509-key-dsa-no-g", &p, "x509: invalid DSA parameters");
  struct dbuf y_neg = RAW(0x02, 0x01, 0x85);
  p = KEY(OID_DSA, &params, &y_neg);
  rejected("x509-key-dsa-y-negative", &p, "x509: zero or negative DSA parameter");
  struct dbuf y_bad = RAW(0x02, 0x02, 0x00, 0x05);
  p = KEY(OID_DSA, &params, &y_bad);
  rejected("x509-key-dsa-y-redundant-zero", &p, "x509: invalid DSA public key");

  uint8_t k32[32] = {1};
  struct dbuf key = raw(k32, 32), none = {.n = 0}, null = RAW(0x05, 0x00);
  p = KEY(OID_ED25519, &null, &key);
  rejected("x509-key-ed25519-null-parameters", &p,
           "x509: Ed25519 key encoded with illegal parameters");
  struct dbuf tag0 = RAW(0x00, 0x00);
  p = KEY(OID_ED25519, &tag0, &key);
  rejected("x509-key-ed25519-tag-zero-parameters", &p,
           "x509: Ed25519 key encoded with illegal parameters");
  key = raw(k32, 31);
  p = KEY(OID_ED25519, &none, &key);
  rejected("x509-key-ed25519-31-octets", &p, "x509: wrong Ed25519 public key size");
  key = raw(k32, 32);
  put(&key, k32, 1);
  p = KEY(OID_ED25519, &none, &key);
  rejected("x509-key-ed25519-33-octets", &p, "x509: wrong Ed25519 public key size");

  /* X25519 and unknown algorithms: Go's x509 leaves the key nil, whatever
   * its parameters; crypto/tls then refuses the leaf. */
  key = raw(k32, 32);
  p = KEY(OID_X25519, &none, &key);
  leaf_key_unusable("x509-key-x25519-leaf", &p, "<nil>");
  static const uint8_t private_alg[] = {0x2a, 0x03, 0x04};
  struct dbuf odd = RAW(0x24, 0x00);
  p = KEY(private_alg, &odd, &key);
  leaf_key_unusable("x509-key-unknown-algorithm-odd-parameters", &p, "<nil>");
}
END_TEST

/* ---------- messages: what Go quotes and how ---------- */

/* The server name is printed with %q (strconv.Quote); the SAN list and
 * the host after "not" are printed as they are. */
static void name_mismatch(const char *file, const char *server_name, const char *want) {
  struct dbuf bc = RAW(0x30, 0x00), b = EXT(OID_BC, 0xff, &bc);
  struct dbuf san = RAW(0x30, 0x0e, 0x82, 0x0c, 'd', 'e', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p',
                        'l', 'e'),
              s = EXT(OID_SAN, -1, &san), exts = cat(&b, &s);
  struct cert_parts p = with_exts(&exts);
  const struct dbuf der = cert_parts_build(&p);
  corpus_sync_named(file, &der, NOW, server_name);
  const struct pin_verify_result r = pin_of_named(&der, NOW, server_name);
  EXPECT(r.status == PIN_VERIFY_NAME_MISMATCH && strcmp(r.message, want) == 0, "%s: \"%s\"", file,
         r.message);
}

START_TEST(server_names_are_quoted_as_go_quotes_them) {
  name_mismatch("x509-name-quoted-space", "a b",
                "cert does not match server name \"a b\": x509: certificate is valid for "
                "derp.example, not a b");
  name_mismatch("x509-name-quoted-u2028",
                "a\xe2\x80\xa8"
                "b",
                "cert does not match server name \"a\\u2028b\": x509: certificate is valid for "
                "derp.example, not a\xe2\x80\xa8"
                "b");
  name_mismatch("x509-name-quoted-u2029",
                "a\xe2\x80\xa9"
                "b",
                "cert does not match server name \"a\\u2029b\": x509: certificate is valid for "
                "derp.example, not a\xe2\x80\xa9"
                "b");
  name_mismatch("x509-name-quoted-ufeff",
                "\xef\xbb\xbf"
                "a",
                "cert does not match server name \"\\ufeffa\": x509: certificate is valid for "
                "derp.example, not \xef\xbb\xbf"
                "a");
  name_mismatch("x509-name-quoted-quote-backslash", "a\"\\b",
                "cert does not match server name \"a\\\"\\\\b\": x509: certificate is valid "
                "for derp.example, not a\"\\b");
  name_mismatch("x509-name-quoted-latin", "caf\xc3\xa9",
                "cert does not match server name \"caf\xc3\xa9\": x509: certificate is valid for "
                "derp.example, not caf\xc3\xa9");
  name_mismatch("x509-name-quoted-invalid-utf8", "a\xff",
                "cert does not match server name \"a\\xff\": x509: certificate is valid for "
                "derp.example, not a\xff");
  name_mismatch("x509-name-quoted-tab", "a\tb",
                "cert does not match server name \"a\\tb\": x509: certificate is valid for "
                "derp.example, not a\tb");
}
END_TEST

/* ---------- the parsed fields, as go_parse_certificate hands them out ---------- */

static size_t offset_in(const struct dbuf *d, struct der_slice s) {
  ck_assert(s.ptr >= d->b && s.ptr + s.len <= d->b + d->n);
  return (size_t)(s.ptr - d->b);
}

START_TEST(fields_are_slices_of_what_go_read) {
  struct cert_parts p = base_parts();
  struct dbuf e2v = RAW(0x05, 0x00), bc = RAW(0x30, 0x03, 0x01, 0x01, 0xff);
  struct dbuf e1 = EXT(OID_BC, 0xff, &bc), e2 = EXT(OID_PRIVATE, -1, &e2v);
  p.exts = cat(&e1, &e2);
  p.subject = CN(0x0c, "derp").subject;
  const struct dbuf der = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(der.b, der.n, &f));
  ck_assert(f.raw.ptr == der.b && f.raw.len == der.n);
  /* 30 81 LL | tbs: 30 81 LL ... */
  ck_assert(der.b[1] == 0x81 && der.b[4] == 0x81);
  ck_assert_uint_eq(offset_in(&der, f.tbs), 3);
  ck_assert_uint_eq(f.tbs.len, 3 + der.b[5]);
  ck_assert_int_eq(f.version, 3);
  ck_assert_uint_eq(f.serial.len, 1);
  ck_assert_uint_eq(f.serial.ptr[0], 0x02);
  ck_assert_uint_eq(f.tbs_signature_algorithm.len, p.sigalg.n);
  ck_assert_mem_eq(f.tbs_signature_algorithm.ptr, p.sigalg.b, p.sigalg.n);
  ck_assert_uint_eq(offset_in(&der, f.signature_algorithm), offset_in(&der, f.tbs) + f.tbs.len);
  ck_assert_mem_eq(f.issuer.ptr, p.issuer.b, p.issuer.n);
  ck_assert_uint_eq(f.issuer.len, p.issuer.n);
  ck_assert_mem_eq(f.subject.ptr, p.subject.b, p.subject.n);
  ck_assert_uint_eq(f.subject.len, p.subject.n);
  ck_assert_mem_eq(f.spki.ptr, p.spki.b, p.spki.n);
  ck_assert_uint_eq(f.spki.len, p.spki.n);
  ck_assert(f.has_cn && f.cn_tag == 0x0c && f.cn.len == 4 && memcmp(f.cn.ptr, "derp", 4) == 0);
  ck_assert_int_eq(f.not_before, NOT_BEFORE);
  ck_assert_int_eq(f.not_after, NOT_AFTER);
  ck_assert(f.not_before_tag == 0x17 && f.not_before_text.len == 13);
  ck_assert_mem_eq(f.not_after_text.ptr, "270304134112Z", 13);
  ck_assert(f.has_extensions && f.extension_count == 2);
  ck_assert_uint_eq(f.extensions.len, p.exts.n);
  ck_assert_mem_eq(f.extensions.ptr, p.exts.b, p.exts.n);
  ck_assert(f.has_basic_constraints && f.basic_constraints_critical && f.basic_constraints_ca);
  ck_assert(!f.has_san);
  /* The last CN of the subject is the one kept, with its own tag. */
  struct dbuf cn = RAW(0x06, 0x03, 0x55, 0x04, 0x03);
  struct dbuf a = tlv_str(0x0c, "first"), b = tlv_str(0x13, "last");
  struct dbuf atv_a = cat(&cn, &a), atv_b = cat(&cn, &b);
  struct dbuf sa = wrap(0x30, &atv_a), sb = wrap(0x30, &atv_b), both = cat(&sa, &sb);
  struct dbuf set = wrap(0x31, &both);
  p.subject = wrap(0x30, &set);
  const struct dbuf der2 = cert_parts_build(&p);
  ck_assert_ptr_null(go_parse_certificate(der2.b, der2.n, &f));
  ck_assert(f.has_cn && f.cn_tag == 0x13 && f.cn.len == 4 && memcmp(f.cn.ptr, "last", 4) == 0);
}
END_TEST

START_TEST(nothing_is_left_over_from_an_earlier_parse) {
  struct dbuf san = RAW(0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4), bc = RAW(0x30, 0x03, 0x01, 0x01, 0xff);
  struct dbuf e1 = EXT(OID_SAN, -1, &san), e2 = EXT(OID_BC, 0xff, &bc), both = cat(&e1, &e2);
  struct cert_parts p3 = with_exts(&both);
  struct cert_parts p1 = p3;
  p1.version = (struct dbuf){.n = 0};
  p1.subject = RAW(0x30, 0x00);
  const struct dbuf v3 = cert_parts_build(&p3), v1 = cert_parts_build(&p1);
  for (int round = 0; round < 2; round++) {
    struct cert_fields f;
    ck_assert_ptr_null(go_parse_certificate(v3.b, v3.n, &f));
    ck_assert(f.has_san && f.has_cn && f.has_extensions && f.basic_constraints_ca);
    memset(&f, 0xa5, sizeof f);
    ck_assert_ptr_null(go_parse_certificate(v1.b, v1.n, &f));
    ck_assert(!f.has_san && !f.has_cn && !f.has_extensions && !f.has_basic_constraints);
    ck_assert(!f.basic_constraints_ca && !f.basic_constraints_critical);
    ck_assert_uint_eq(f.extension_count, 0);
    ck_assert_int_eq(f.version, 1);
  }
}
END_TEST

START_TEST(go_time_parse_reads_only_time_tags) {
  struct go_time t;
  const struct der_slice gen = {(const uint8_t *)"20260304134112Z", 15};
  const struct der_slice utc = {(const uint8_t *)"260304134112Z", 13};
  ck_assert(go_time_parse(0x18, gen, &t) && t.unix_seconds == NOW);
  ck_assert(go_time_parse(0x17, utc, &t) && t.unix_seconds == NOW);
  ck_assert(!go_time_parse(0x04, gen, &t));
  ck_assert(!go_time_parse(0x04, utc, &t));
  ck_assert(!go_time_parse(0x13, gen, &t));
  ck_assert(!go_time_parse(0x37, utc, &t));
}
END_TEST

START_TEST(go_common_name_writes_a_terminated_prefix) {
  /* BMPString a, b, U+0800: five octets of UTF-8. */
  struct cert_parts p = CN(0x1e,
                           "\x00"
                           "a\x00"
                           "b\x08\x00");
  const struct dbuf der = cert_parts_build(&p);
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(der.b, der.n, &f));
  char out[8];
  memset(out, 'x', sizeof out);
  ck_assert_uint_eq(go_common_name(&f, out, sizeof out), 5);
  ck_assert_str_eq(out, "ab\xe0\xa0\x80");
  memset(out, 'x', sizeof out);
  ck_assert_uint_eq(go_common_name(&f, out, 4), 5); /* cut: the full length says so */
  ck_assert_str_eq(out, "ab\xe0");
  memset(out, 'x', sizeof out);
  ck_assert_uint_eq(go_common_name(&f, out, 1), 5);
  ck_assert_str_eq(out, "");
  ck_assert_uint_eq(go_common_name(&f, out, 0), 5);
  /* No CN: "" and 0, whatever the buffer held. */
  p.subject = RAW(0x30, 0x00);
  const struct dbuf none = cert_parts_build(&p);
  ck_assert_ptr_null(go_parse_certificate(none.b, none.n, &f));
  for (size_t cap = 1; cap <= sizeof out; cap += sizeof out - 1) {
    memset(out, 'x', sizeof out);
    ck_assert_uint_eq(go_common_name(&f, out, cap), 0);
    ck_assert_str_eq(out, "");
  }
}
END_TEST

/* go_parse_public_key on its own (an exported function, pin_verify.h):
 * the AlgorithmIdentifier texts parseAI gives. */
START_TEST(go_parse_public_key_reads_the_algorithm_as_parse_ai) {
  struct go_public_key pub;
  const struct {
    struct dbuf spki;
    const char *want;
  } cases[] = {
      /* 1.2.2147483648: an arc cryptobyte refuses */
      {RAW(0x30, 0x0c, 0x30, 0x08, 0x06, 0x06, 0x2a, 0x88, 0x80, 0x80, 0x80, 0x00, 0x03, 0x00),
       "x509: malformed OID"},
      {RAW(0x30, 0x08, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x80, 0x03, 0x00), "x509: malformed OID"},
      {RAW(0x30, 0x09, 0x30, 0x05, 0x06, 0x01, 0x2a, 0x05, 0x81, 0x03, 0x00),
       "x509: malformed parameters"},
      {RAW(0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x2a), "x509: malformed subjectPublicKey"},
      {RAW(0x30, 0x04, 0x05, 0x00, 0x03, 0x00), "x509: malformed public key algorithm identifier"},
      {RAW(0x31, 0x00), "x509: malformed spki"},
      /* 1.2.2147483647: fine, and an algorithm Go leaves undecoded */
      {RAW(0x30, 0x0e, 0x30, 0x08, 0x06, 0x06, 0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f, 0x03, 0x02, 0x00,
           0x01),
       NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *got =
        go_parse_public_key((struct der_slice){cases[i].spki.b, cases[i].spki.n}, &pub);
    if (cases[i].want == NULL) {
      ck_assert_msg(got == NULL, "case %zu: %s", i, got);
    } else {
      ck_assert_msg(got != NULL && strcmp(got, cases[i].want) == 0, "case %zu: %s", i,
                    got ? got : "(null)");
    }
    ck_assert(pub.type == GO_KEY_UNKNOWN && pub.rsa_bits == 0);
  }
  /* A key that fails after its type is known leaves no type or size. */
  const struct dbuf rsa =
      RAW(0x30, 0x15, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
          0x05, 0x00, 0x03, 0x04, 0x00, 0x30, 0x01, 0x02);
  ck_assert_str_eq(go_parse_public_key((struct der_slice){rsa.b, rsa.n}, &pub),
                   "x509: invalid RSA modulus");
  ck_assert(pub.type == GO_KEY_UNKNOWN && pub.rsa_bits == 0);
  /* crypto/tls's %T of each key type. */
  ck_assert_str_eq(go_key_type_name(GO_KEY_RSA), "*rsa.PublicKey");
  ck_assert_str_eq(go_key_type_name(GO_KEY_DSA), "*dsa.PublicKey");
  ck_assert_str_eq(go_key_type_name(GO_KEY_ECDSA), "*ecdsa.PublicKey");
  ck_assert_str_eq(go_key_type_name(GO_KEY_ED25519), "ed25519.PublicKey");
  ck_assert_str_eq(go_key_type_name(GO_KEY_UNKNOWN), "<nil>");
}
END_TEST

static Suite *pin_verify_x509_suite(void) {
  Suite *s = suite_create("pin_verify_x509");
  TCase *str = tcase_create("strings");
  tcase_add_test(str, utf8_values_must_be_valid_utf8);
  tcase_add_test(str, bmpstring_is_ucs2_without_surrogates_or_noncharacters);
  tcase_add_test(str, printable_numeric_ia5_and_t61_character_sets);
  tcase_add_test(str, other_value_types_are_unsupported_with_their_tag);
  tcase_add_test(str, last_cn_wins_and_names_walk_every_rdn);
  suite_add_tcase(s, str);
  TCase *time = tcase_create("times");
  tcase_add_test(time, utctime_years_pivot_between_49_and_50);
  tcase_add_test(time, generalizedtime_takes_any_four_digit_year);
  tcase_add_test(time, day_of_month_limits_and_leap_years);
  tcase_add_test(time, clock_fields_in_range);
  tcase_add_test(time, offsets_up_to_24_hours_keep_their_zone);
  tcase_add_test(time, validity_is_checked_at_whole_seconds_inclusive);
  tcase_add_test(time, validity_element_types);
  suite_add_tcase(s, time);
  TCase *der = tcase_create("der");
  tcase_add_test(der, lengths_must_be_definite_minimal_and_fit);
  tcase_add_test(der, serial_numbers_as_go_reads_them);
  tcase_add_test(der, bit_strings_need_valid_unused_bits_and_zero_padding);
  tcase_add_test(der, object_identifiers_as_cryptobyte_reads_them);
  suite_add_tcase(s, der);
  TCase *x509 = tcase_create("x509");
  tcase_add_test(x509, versions_v1_v2_v3_and_nothing_else);
  tcase_add_test(x509, structure_errors_name_the_stage);
  tcase_add_test(x509, trailing_bytes_after_the_certificate);
  tcase_add_test(x509, unique_ids_are_skipped_unread_in_v2_and_v3);
  tcase_add_test(x509, extensions_read_only_in_v3);
  tcase_add_test(x509, extension_framing);
  tcase_add_test(x509, unknown_and_duplicate_extensions);
  tcase_add_test(x509, long_texts_are_cut_and_flagged_at_the_buffer_size);
  tcase_add_test(x509, basic_constraints_and_key_usage_values);
  tcase_add_test(x509, subject_alt_names_as_go_reads_them);
  tcase_add_test(x509, other_extensions_go_interprets);
  tcase_add_test(x509, policy_and_crl_extensions_go_interprets);
  suite_add_tcase(s, x509);
  TCase *msg = tcase_create("messages");
  tcase_add_test(msg, server_names_are_quoted_as_go_quotes_them);
  suite_add_tcase(s, msg);
  TCase *fields = tcase_create("fields");
  tcase_add_test(fields, fields_are_slices_of_what_go_read);
  tcase_add_test(fields, nothing_is_left_over_from_an_earlier_parse);
  tcase_add_test(fields, go_time_parse_reads_only_time_tags);
  tcase_add_test(fields, go_common_name_writes_a_terminated_prefix);
  suite_add_tcase(s, fields);
  TCase *keys = tcase_create("keys");
  tcase_add_test(keys, ec_keys_on_every_curve_go_knows);
  tcase_add_test(keys, rsa_keys_and_the_8192_bit_limit);
  tcase_add_test(keys, dsa_ed25519_and_undecoded_keys);
  tcase_add_test(keys, go_parse_public_key_reads_the_algorithm_as_parse_ai);
  suite_add_tcase(s, keys);
  return s;
}

CHECK_MAIN(pin_verify_x509_suite)
