/* Seeds for the certificate targets (cert_fields, metacert, pin_verify,
 * tls_certmsg): every certificate shape the spec cares about, made by the
 * harness factory with a fixed seed at GEN_NOW, plus broken DER around them
 * and Certificate messages carrying them. The CA-issued chains come twice:
 * the factory's web chains, and chains made with OpenSSL's own tools,
 * read from the committed fuzz/testdata/openssl-chains (its make.sh). */
#include <errno.h>
#include <openssl/asn1.h>
#include <stdio.h>
#include <string.h>

#include "gen_corpus.h"
#include "harness/cert_factory.h"

#define DAY 86400
#define FACTORY_SEED 0xde5bc0deu

enum shape {
  S_LEAF,
  S_LEAF_IP6,
  S_LEAF_EXPIRED,
  S_LEAF_NOT_YET,
  S_LEAF_WRONG_IP,
  S_LEAF_DNS,
  S_LEAF_NO_SAN,
  S_LEAF_RSA,
  S_LEAF_ED25519,
  S_META,
  S_META_UPPER,
  S_META_63,
  S_META_65,
  S_META_NONHEX,
  S_META_SERIAL0,
  S_META_SERIAL255,
  S_META_SERIAL256,
  S_META_NEGATIVE,
  S_META_HUGE_SERIAL,
  S_META_BMP,
  S_META_UTF8,
  S_META_NO_CN,
  S_V1,
  S_CA,
  S_INTERMEDIATE,
  S_CHAIN_LEAF,
  S_TIME_FRACTION,
  S_TIME_OFFSET,
  S_TIME_GARBAGE,
  S_TIME_2050,
  S_TIME_1950,
  S_DUP_SAN,
  S_UNKNOWN_CRITICAL,
  S_MANY_SANS,
  S_WEB_RSA_ROOT,
  S_WEB_RSA_INTERMEDIATE,
  S_WEB_RSA_LEAF,
  S_WEB_ECDSA_ROOT,
  S_WEB_ECDSA_INTERMEDIATE,
  S_WEB_ECDSA_LEAF,
  S_TIME_UTC_NO_SECONDS,
  S_TIME_MINUS_OFFSET,
  S_TIME_NO_SECONDS_PLUS,
  S_TIME_NO_SECONDS_MINUS,
  S_TIME_LEAP_DAY,
  S_TIME_FEB29_NON_LEAP,
  S_TIME_MONTH_13,
  S_TIME_HOUR_24,
  S_TIME_SECOND_60,
  S_TIME_TRUNCATED,
  S_TIME_NO_ZONE,
  S_TIME_MINUTES_ONLY,
  S_TIME_ZONE_X,
  S_TIME_AFTER_Z,
  S_TIME_FRACTION_EMPTY,
  S_TIME_FRACTION_NO_ZONE,
  S_TIME_GEN_TWO_DIGITS,
  S_TIME_OFFSET_13H,
  S_TIME_NON_DIGIT,
  S_BC_NOT_SEQUENCE,
  S_BC_BOOLEAN_01,
  S_BC_BOOLEAN_2_BYTES,
  S_BC_BOOLEAN_OVERRUN,
  S_BC_PATHLEN_NEGATIVE,
  S_BC_PATHLEN_EMPTY,
  S_BC_PATHLEN_OVERRUN,
  S_BC_CA_FALSE_EXPLICIT,
  S_BC_TRAILING,
  S_SAN_NOT_SEQUENCE,
  S_SAN_NAME_OVERRUN,
  S_SAN_OTHER_FORMS,
  S_SAN_X400_EDI,
  S_SAN_NOT_GENERAL_NAMES,
  S_SAN_CONSTRUCTED_DNS,
  S_SAN_PRIMITIVE_OTHERNAME,
  S_META_NUMERIC,
  S_META_T61,
  S_META_IA5,
  S_META_UNIVERSAL,
  S_META_BMP_70,
  S_META_BMP_NON_ASCII,
  S_META_WRONG_PREFIX,
  S_META_ZERO_KEY,
  S_OSSL_RSA_ROOT, /* from here on: files, not the factory */
  S_OSSL_RSA_INTERMEDIATE,
  S_OSSL_RSA_LEAF,
  S_OSSL_ECDSA_ROOT,
  S_OSSL_ECDSA_INTERMEDIATE,
  S_OSSL_ECDSA_LEAF,
  S_COUNT
};

static const char *const shape_names[S_COUNT] = {
    "leaf-ip4",
    "leaf-ip6",
    "leaf-expired",
    "leaf-not-yet-valid",
    "leaf-wrong-ip",
    "leaf-dns-san",
    "leaf-no-san",
    "leaf-rsa",
    "leaf-ed25519",
    "metacert",
    "metacert-uppercase-hex",
    "metacert-hex-63",
    "metacert-hex-65",
    "metacert-non-hex",
    "metacert-serial-0",
    "metacert-serial-255",
    "metacert-serial-256",
    "metacert-serial-negative",
    "metacert-serial-128bit",
    "metacert-bmpstring",
    "metacert-utf8string",
    "metacert-no-cn",
    "v1-cert",
    "test-ca",
    "intermediate",
    "leaf-signed-by-intermediate",
    "time-fractional-seconds",
    "time-with-offset",
    "time-garbage",
    "time-generalized-2050",
    "time-utc-1950",
    "duplicate-san",
    "unknown-critical-extension",
    "many-sans",
    "web-rsa-root",
    "web-rsa-intermediate",
    "web-rsa-leaf",
    "web-ecdsa-root",
    "web-ecdsa-intermediate",
    "web-ecdsa-leaf",
    "time-utc-no-seconds",
    "time-minus-offset",
    "time-no-seconds-plus-offset",
    "time-no-seconds-minus-offset",
    "time-generalized-leap-day",
    "time-feb-29-non-leap-year",
    "time-month-13",
    "time-hour-24",
    "time-second-60",
    "time-truncated-date",
    "time-no-zone",
    "time-ends-after-minutes",
    "time-zone-x",
    "time-byte-after-z",
    "time-fraction-no-digits",
    "time-fraction-no-zone",
    "time-generalized-2-digits",
    "time-offset-13-hours",
    "time-non-digit",
    "basic-constraints-not-sequence",
    "basic-constraints-boolean-01",
    "basic-constraints-boolean-2-bytes",
    "basic-constraints-boolean-overrun",
    "basic-constraints-pathlen-negative",
    "basic-constraints-pathlen-empty",
    "basic-constraints-pathlen-overrun",
    "basic-constraints-ca-false-explicit",
    "basic-constraints-trailing-bytes",
    "san-not-sequence",
    "san-name-overrun",
    "san-othername-registeredid-dirname",
    "san-x400address-edipartyname",
    "san-tag-9-and-universal",
    "san-constructed-dnsname",
    "san-primitive-othername",
    "metacert-numericstring",
    "metacert-t61string",
    "metacert-ia5string",
    "metacert-universalstring",
    "metacert-bmpstring-70-chars",
    "metacert-bmpstring-non-ascii",
    "metacert-prefix-derpkex",
    "metacert-zero-key",
    "openssl-rsa-root",
    "openssl-rsa-intermediate",
    "openssl-rsa-leaf",
    "openssl-ecdsa-root",
    "openssl-ecdsa-intermediate",
    "openssl-ecdsa-leaf",
};

/* The DERP key the metacerts name: 32 bytes 0x70..0x8f. */
static void meta_cn(char out[72], bool upper) {
  uint8_t key[32];
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0x70 + i);
  cert_metacert_cn(key, out);
  if (upper)
    for (int i = 7; i < 71; i++)
      if (out[i] >= 'a' && out[i] <= 'f') out[i] = (char)(out[i] - 'a' + 'A');
}

static struct cert_spec spec_for(enum shape sh, char *cn_buf, uint8_t *bmp_buf,
                                 struct factory_cert *const *made) {
  static const uint8_t neg_serial[] = {0xfe};
  static const uint8_t huge_serial[] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  static const uint8_t dup_san_value[] = {0x30, 0x06, 0x87, 0x04, 10, 0, 0, 1};
  static const uint8_t unknown_value[] = {0x05, 0x00};
  static const struct cert_extra_ext dup_san = {"2.5.29.17", false, dup_san_value,
                                                sizeof dup_san_value};
  static const struct cert_extra_ext unknown = {"1.3.6.1.4.1.99999.1", true, unknown_value,
                                                sizeof unknown_value};
  /* basicConstraints and subjectAltName values that are malformed or
   * unusual, in the order of S_BC_NOT_SEQUENCE.. */
  static const uint8_t bc_not_seq[] = {0x05, 0x00}, bc_bool_01[] = {0x30, 0x03, 0x01, 0x01, 0x01},
                       bc_bool_2[] = {0x30, 0x04, 0x01, 0x02, 0xff, 0xff},
                       bc_bool_overrun[] = {0x30, 0x02, 0x01, 0x05},
                       bc_path_neg[] = {0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x80},
                       bc_path_empty[] = {0x30, 0x02, 0x02, 0x00},
                       bc_path_overrun[] = {0x30, 0x02, 0x02, 0x05},
                       bc_false_explicit[] = {0x30, 0x06, 0x01, 0x01, 0x00, 0x02, 0x01, 0x03},
                       bc_trailing[] = {0x30, 0x03, 0x01, 0x01, 0xff, 0x05, 0x00},
                       san_not_seq[] = {0x05, 0x00}, san_overrun[] = {0x30, 0x02, 0x82, 0x05},
                       /* otherName 1.2.3.4 [0] UTF8 "a", registeredID 1.2.3.4,
                        * directoryName (empty Name), dNSName "a.example" */
      san_other_forms[] = {0x30, 0x20, 0xa0, 0x0a, 0x06, 0x03, 0x2a, 0x03, 0x04, 0xa0, 0x03, 0x0c,
                           0x01, 0x61, 0x88, 0x03, 0x2a, 0x03, 0x04, 0xa4, 0x02, 0x30, 0x00, 0x82,
                           0x09, 'a',  '.',  'e',  'x',  'a',  'm',  'p',  'l',  'e'},
                       /* x400Address (empty), ediPartyName { partyName [1] UTF8 "a" } */
      san_x400_edi[] = {0x30, 0x09, 0xa3, 0x00, 0xa5, 0x05, 0xa1, 0x03, 0x0c, 0x01, 0x61},
                       /* [9], a universal SEQUENCE, then dNSName "a" */
      san_not_general[] = {0x30, 0x08, 0x89, 0x01, 0x00, 0x30, 0x00, 0x82, 0x01, 0x61},
                       san_constructed_dns[] = {0x30, 0x05, 0xa2, 0x03, 0x04, 0x01, 0x61},
                       san_primitive_other[] = {0x30, 0x03, 0x80, 0x01, 0x00};
#define BC(v) \
  { "2.5.29.19", true, v, sizeof v }
#define SAN(v) \
  { "2.5.29.17", false, v, sizeof v }
  static const struct cert_extra_ext odd_exts[] = {
      BC(bc_not_seq),           BC(bc_bool_01),        BC(bc_bool_2),
      BC(bc_bool_overrun),      BC(bc_path_neg),       BC(bc_path_empty),
      BC(bc_path_overrun),      BC(bc_false_explicit), BC(bc_trailing),
      SAN(san_not_seq),         SAN(san_overrun),      SAN(san_other_forms),
      SAN(san_x400_edi),        SAN(san_not_general),  SAN(san_constructed_dns),
      SAN(san_primitive_other),
  };
#undef BC
#undef SAN
  _Static_assert(
      sizeof odd_exts / sizeof odd_exts[0] == S_SAN_PRIMITIVE_OTHERNAME - S_BC_NOT_SEQUENCE + 1,
      "one odd extension per shape");
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", GEN_NOW);
  meta_cn(cn_buf, false);
  struct cert_spec m = cert_spec_metacert(cn_buf, GEN_NOW);
  switch (sh) {
    case S_LEAF: break;
    case S_LEAF_IP6:
      s.cn = "::1";
      s.ip_sans[0] = "::1";
      break;
    case S_LEAF_EXPIRED:
      s.not_before = GEN_NOW - 400 * DAY;
      s.not_after = GEN_NOW - DAY;
      break;
    case S_LEAF_NOT_YET:
      s.not_before = GEN_NOW + DAY;
      s.not_after = GEN_NOW + 400 * DAY;
      break;
    case S_LEAF_WRONG_IP:
      s.cn = "127.0.0.2";
      s.ip_sans[0] = "127.0.0.2";
      break;
    case S_LEAF_DNS:
      s.cn = "derp.example.com";
      s.ip_san_count = 0;
      s.dns_sans[0] = "derp.example.com";
      s.dns_san_count = 1;
      break;
    case S_LEAF_NO_SAN: s.ip_san_count = 0; break;
    case S_LEAF_RSA:
      s.key_type = CERT_KEY_RSA2048;
      s.label = "leaf-rsa";
      break;
    case S_LEAF_ED25519:
      s.key_type = CERT_KEY_ED25519;
      s.label = "leaf-ed25519";
      break;
    case S_META: return m;
    case S_META_UPPER: meta_cn(cn_buf, true); return m;
    case S_META_63: m.cn_len = 70; return m;
    case S_META_65:
      cn_buf[71] = '0';
      cn_buf[72] = '\0';
      m.cn_len = 72;
      return m;
    case S_META_NONHEX: cn_buf[40] = 'g'; return m;
    case S_META_SERIAL0: m.serial_small = 0; return m;
    case S_META_SERIAL255: m.serial_small = 255; return m;
    case S_META_SERIAL256: m.serial_small = 256; return m;
    case S_META_NEGATIVE:
      m.serial_kind = CERT_SERIAL_BYTES;
      m.serial_bytes = neg_serial;
      m.serial_len = sizeof neg_serial;
      return m;
    case S_META_HUGE_SERIAL:
      m.serial_kind = CERT_SERIAL_BYTES;
      m.serial_bytes = huge_serial;
      m.serial_len = sizeof huge_serial;
      return m;
    case S_META_BMP:
      for (int i = 0; i < 71; i++) {
        bmp_buf[2 * i] = 0;
        bmp_buf[2 * i + 1] = (uint8_t)cn_buf[i];
      }
      m.cn = (const char *)bmp_buf;
      m.cn_len = 142;
      m.cn_asn1_type = V_ASN1_BMPSTRING;
      return m;
    case S_META_UTF8: m.cn_asn1_type = V_ASN1_UTF8STRING; return m;
    case S_META_NO_CN: m.no_cn = true; return m;
    case S_V1:
      s.version = 1;
      s.ext_profile = CERT_EXT_NONE;
      s.ip_san_count = 0;
      break;
    case S_CA:
      s.label = "test-ca";
      s.cn = "derpcheck test CA";
      s.ext_profile = CERT_EXT_CA;
      s.ip_san_count = 0;
      s.serial_kind = CERT_SERIAL_SMALL;
      s.serial_small = 1;
      break;
    case S_INTERMEDIATE:
      s.label = "intermediate";
      s.cn = "derpcheck intermediate";
      s.ext_profile = CERT_EXT_CA;
      s.ip_san_count = 0;
      s.issuer = made[S_CA];
      break;
    case S_CHAIN_LEAF:
      s.label = "chain-leaf";
      s.issuer = made[S_INTERMEDIATE];
      break;
    case S_TIME_FRACTION:
      s.not_before_text = "20260101000000.5Z";
      s.not_before_text_type = V_ASN1_GENERALIZEDTIME;
      break;
    case S_TIME_OFFSET: s.not_before_text = "260101000000+0100"; break;
    case S_TIME_GARBAGE: s.not_after_text = "garbage"; break;
    case S_TIME_2050: s.not_after = 2524608000; break;  /* 2050-01-01: GeneralizedTime */
    case S_TIME_1950: s.not_before = -631152000; break; /* 1950-01-01: UTCTime "50..." */
    case S_DUP_SAN:
      s.extra_exts = &dup_san;
      s.extra_ext_count = 1;
      break;
    case S_UNKNOWN_CRITICAL:
      s.extra_exts = &unknown;
      s.extra_ext_count = 1;
      break;
    case S_MANY_SANS:
      s.dns_sans[0] = "a.example";
      s.dns_sans[1] = "*.example.net";
      s.dns_san_count = 2;
      s.ip_sans[1] = "::1";
      s.ip_sans[2] = "192.0.2.9";
      s.ip_san_count = 3;
      break;
    case S_WEB_RSA_ROOT: return cert_spec_web_root(true, GEN_NOW);
    case S_WEB_RSA_INTERMEDIATE:
      return cert_spec_web_intermediate(true, made[S_WEB_RSA_ROOT], GEN_NOW);
    case S_WEB_RSA_LEAF: return cert_spec_web_leaf(true, made[S_WEB_RSA_INTERMEDIATE], GEN_NOW);
    case S_WEB_ECDSA_ROOT: return cert_spec_web_root(false, GEN_NOW);
    case S_WEB_ECDSA_INTERMEDIATE:
      return cert_spec_web_intermediate(false, made[S_WEB_ECDSA_ROOT], GEN_NOW);
    case S_WEB_ECDSA_LEAF:
      return cert_spec_web_leaf(false, made[S_WEB_ECDSA_INTERMEDIATE], GEN_NOW);
    case S_TIME_UTC_NO_SECONDS: s.not_before_text = "2601010000Z"; break;
    case S_TIME_MINUS_OFFSET: s.not_before_text = "251231223000-0130"; break;
    case S_TIME_NO_SECONDS_PLUS: s.not_before_text = "2601010100+0100"; break;
    case S_TIME_NO_SECONDS_MINUS: s.not_before_text = "2512312300-0100"; break;
    case S_TIME_LEAP_DAY:
      s.not_after_text = "20280229235959Z";
      s.not_after_text_type = V_ASN1_GENERALIZEDTIME;
      break;
    case S_TIME_FEB29_NON_LEAP: s.not_after_text = "270229000000Z"; break;
    case S_TIME_MONTH_13: s.not_after_text = "271301000000Z"; break;
    case S_TIME_HOUR_24: s.not_after_text = "270101240000Z"; break;
    case S_TIME_SECOND_60: s.not_after_text = "270101000060Z"; break;
    case S_TIME_TRUNCATED: s.not_after_text = "2701"; break;
    case S_TIME_NO_ZONE: s.not_after_text = "270101000000"; break;
    case S_TIME_MINUTES_ONLY: s.not_after_text = "2701010000"; break;
    case S_TIME_ZONE_X: s.not_after_text = "270101000000X"; break;
    case S_TIME_AFTER_Z: s.not_after_text = "270101000000Z0"; break;
    case S_TIME_FRACTION_EMPTY:
      s.not_after_text = "20270101000000.Z";
      s.not_after_text_type = V_ASN1_GENERALIZEDTIME;
      break;
    case S_TIME_FRACTION_NO_ZONE:
      s.not_after_text = "20270101000000.25";
      s.not_after_text_type = V_ASN1_GENERALIZEDTIME;
      break;
    case S_TIME_GEN_TWO_DIGITS:
      s.not_after_text = "20";
      s.not_after_text_type = V_ASN1_GENERALIZEDTIME;
      break;
    case S_TIME_OFFSET_13H: s.not_after_text = "270101000000+1300"; break;
    case S_TIME_NON_DIGIT: s.not_after_text = "27a101000000Z"; break;
    case S_BC_NOT_SEQUENCE:
    case S_BC_BOOLEAN_01:
    case S_BC_BOOLEAN_2_BYTES:
    case S_BC_BOOLEAN_OVERRUN:
    case S_BC_PATHLEN_NEGATIVE:
    case S_BC_PATHLEN_EMPTY:
    case S_BC_PATHLEN_OVERRUN:
    case S_BC_CA_FALSE_EXPLICIT:
    case S_BC_TRAILING:
    case S_SAN_NOT_SEQUENCE:
    case S_SAN_NAME_OVERRUN:
    case S_SAN_OTHER_FORMS:
    case S_SAN_X400_EDI:
    case S_SAN_NOT_GENERAL_NAMES:
    case S_SAN_CONSTRUCTED_DNS:
    case S_SAN_PRIMITIVE_OTHERNAME:
      /* One extension, written verbatim: the profile's are left out. */
      s.ext_profile = CERT_EXT_NONE;
      s.ip_san_count = 0;
      s.extra_exts = &odd_exts[sh - S_BC_NOT_SEQUENCE];
      s.extra_ext_count = 1;
      break;
    case S_META_NUMERIC: m.cn_asn1_type = V_ASN1_NUMERICSTRING; return m;
    case S_META_T61: m.cn_asn1_type = V_ASN1_T61STRING; return m;
    case S_META_IA5: m.cn_asn1_type = V_ASN1_IA5STRING; return m;
    case S_META_UNIVERSAL:
      for (int i = 0; i < 71; i++) {
        memset(bmp_buf + 4 * i, 0, 3);
        bmp_buf[4 * i + 3] = (uint8_t)cn_buf[i];
      }
      m.cn = (const char *)bmp_buf;
      m.cn_len = 4 * 71;
      m.cn_asn1_type = V_ASN1_UNIVERSALSTRING;
      return m;
    case S_META_BMP_70:
    case S_META_BMP_NON_ASCII:
      for (int i = 0; i < 71; i++) {
        bmp_buf[2 * i] = 0;
        bmp_buf[2 * i + 1] = (uint8_t)cn_buf[i];
      }
      if (sh == S_META_BMP_NON_ASCII) bmp_buf[2 * 20 + 1] = 0xe9; /* U+00E9 for one hex digit */
      m.cn = (const char *)bmp_buf;
      m.cn_len = sh == S_META_BMP_70 ? 140 : 142;
      m.cn_asn1_type = V_ASN1_BMPSTRING;
      return m;
    case S_META_WRONG_PREFIX: cn_buf[6] = 'x'; return m;
    case S_META_ZERO_KEY: memset(cn_buf + 7, '0', 64); return m;
    default: break; /* S_OSSL_*: read from files */
  }
  return s;
}

struct der {
  uint8_t bytes[4096];
  size_t len;
};

static struct der certs[S_COUNT + 1]; /* [S_COUNT]: the leaf cut in half */

/* fuzz/testdata/openssl-chains/<name>.der; the directory is compiled in. */
static bool load_fixture(const char *name, struct der *out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.der", DERP_OPENSSL_CHAINS_DIR, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
    return false;
  }
  out->len = fread(out->bytes, 1, sizeof out->bytes, f);
  bool ok = ferror(f) == 0 && feof(f) && out->len > 0;
  fclose(f);
  if (!ok) fprintf(stderr, "gen_corpus: %s: unreadable or too large\n", path);
  return ok;
}

static bool make_all(struct corpus_sink *s) {
  struct cert_factory *fac = cert_factory_new(FACTORY_SEED);
  if (!fac) return false;
  struct factory_cert *made[S_COUNT] = {0};
  bool ok = true;
  for (int i = S_OSSL_RSA_ROOT; i < S_COUNT && ok; i++)
    ok = load_fixture(shape_names[i], &certs[i]);
  for (int i = 0; i < S_OSSL_RSA_ROOT && ok; i++) {
    char cn[80];
    uint8_t bmp[4 * 71];
    struct cert_spec spec = spec_for((enum shape)i, cn, bmp, made);
    made[i] = cert_factory_make(fac, &spec);
    if (!made[i] || made[i]->der_len > sizeof certs[i].bytes) {
      fprintf(stderr, "gen_corpus: certificate %s: %s\n", shape_names[i],
              made[i] ? "too large" : cert_factory_error(fac));
      ok = false;
      break;
    }
    memcpy(certs[i].bytes, made[i]->der, made[i]->der_len);
    certs[i].len = made[i]->der_len;
  }
  for (int i = 0; i < S_COUNT; i++) factory_cert_free(made[i]);
  cert_factory_free(fac);
  certs[S_COUNT] = certs[S_LEAF];
  certs[S_COUNT].len = certs[S_LEAF].len / 2;
  if (!ok) s->failed = true;
  return ok;
}

static void gen_cert_fields(struct corpus_sink *s) {
  for (int i = 0; i < S_COUNT; i++)
    corpus_put(s, "cert_fields", shape_names[i], certs[i].bytes, certs[i].len);
  const struct der *leaf = &certs[S_LEAF];
  corpus_put(s, "cert_fields", "truncated-leaf", leaf->bytes, leaf->len / 2);
  uint8_t buf[4097];
  memcpy(buf, leaf->bytes, leaf->len);
  buf[leaf->len] = 0x00;
  corpus_put(s, "cert_fields", "leaf-trailing-byte", buf, leaf->len + 1);
  memcpy(buf, leaf->bytes, leaf->len);
  buf[1] = 0x80; /* indefinite length: BER, not DER */
  corpus_put(s, "cert_fields", "leaf-indefinite-length", buf, leaf->len);
  corpus_put(s, "cert_fields", "empty", buf, 0);
  corpus_put(s, "cert_fields", "not-der", (const uint8_t *)"-----BEGIN CERTIFICATE-----\n", 28);
}

/* ---- cert_fields: one element of the IP leaf changed, lengths redone ---- */

struct piece {
  const uint8_t *p;
  size_t n;
};

/* The header and total length of the DER TLV at p (definite lengths of up
 * to 4 octets); false if it does not fit in n bytes. */
static bool tlv_span(const uint8_t *p, size_t n, size_t *total) {
  if (n < 2) return false;
  size_t len = p[1], hdr = 2;
  if (len & 0x80) {
    size_t k = len & 0x7f;
    if (k == 0 || k > 4 || n < 2 + k) return false;
    len = 0;
    for (size_t i = 0; i < k; i++) len = len << 8 | p[2 + i];
    hdr += k;
  }
  if (len > n - hdr) return false;
  *total = hdr + len;
  return true;
}

/* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signatureValue }: the
 * TBSCertificate's elements, then the other two. */
#define TBS_MAX 12
struct cert_split {
  struct piece tbs[TBS_MAX];
  size_t n_tbs;
  struct piece alg, sig;
};

static size_t header_len(const uint8_t *p) { return (p[1] & 0x80) ? 2 + (p[1] & 0x7f) : 2; }

static bool split_cert(const struct der *d, struct cert_split *out) {
  size_t total, tbs_total, n;
  if (!tlv_span(d->bytes, d->len, &total) || total != d->len) return false;
  const uint8_t *p = d->bytes + header_len(d->bytes), *end = d->bytes + total;
  if (!tlv_span(p, (size_t)(end - p), &tbs_total)) return false;
  const uint8_t *q = p + header_len(p), *q_end = p + tbs_total;
  out->n_tbs = 0;
  while (q < q_end) {
    if (out->n_tbs == TBS_MAX || !tlv_span(q, (size_t)(q_end - q), &n)) return false;
    out->tbs[out->n_tbs++] = (struct piece){q, n};
    q += n;
  }
  p = q_end;
  if (!tlv_span(p, (size_t)(end - p), &n)) return false;
  out->alg = (struct piece){p, n};
  p += n;
  if (!tlv_span(p, (size_t)(end - p), &n)) return false;
  out->sig = (struct piece){p, n};
  return p + n == end;
}

static bool put_header(struct byte_writer *w, uint8_t tag, size_t len) {
  if (!byte_writer_u8(w, tag)) return false;
  if (len < 0x80) return byte_writer_u8(w, (uint8_t)len);
  if (len < 0x100) return byte_writer_u8(w, 0x81) && byte_writer_u8(w, (uint8_t)len);
  return len <= 0xffff && byte_writer_u8(w, 0x82) && byte_writer_u16be(w, (uint16_t)len);
}

static size_t der_size(size_t len) {
  return len < 0x80 ? 2 + len : len < 0x100 ? 3 + len : 4 + len;
}

/* SEQUENCE { tbs_tag { tbs... }, tail... } */
static void put_rebuilt(struct corpus_sink *s, const char *name, uint8_t tbs_tag,
                        const struct piece *tbs, size_t n_tbs, const struct piece *tail,
                        size_t n_tail) {
  static uint8_t buf[8192];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  size_t tbs_len = 0, tail_len = 0;
  for (size_t i = 0; i < n_tbs; i++) tbs_len += tbs[i].n;
  for (size_t i = 0; i < n_tail; i++) tail_len += tail[i].n;
  bool ok = put_header(&w, 0x30, der_size(tbs_len) + tail_len) && put_header(&w, tbs_tag, tbs_len);
  for (size_t i = 0; i < n_tbs && ok; i++)
    ok = tbs[i].n == 0 || byte_writer_bytes(&w, tbs[i].p, tbs[i].n);
  for (size_t i = 0; i < n_tail && ok; i++)
    ok = tail[i].n == 0 || byte_writer_bytes(&w, tail[i].p, tail[i].n);
  char full[96];
  snprintf(full, sizeof full, "der-%s", name);
  corpus_put_writer(s, "cert_fields", full, &w, ok);
}

/* TBSCertificate elements of the v3 IP leaf. */
enum { T_VERSION, T_SERIAL, T_SIGALG, T_ISSUER, T_VALIDITY, T_SUBJECT, T_SPKI, T_EXTENSIONS };

enum edit_op {
  E_REPLACE,   /* element `at` becomes the bytes */
  E_INSERT,    /* the bytes go before element `at` (T_EXTENSIONS + 1: at the end) */
  E_KEEP,      /* only the first `at` elements, then the bytes */
  E_SIGALG,    /* signatureAlgorithm becomes the bytes */
  E_SIGNATURE, /* signatureValue becomes the bytes (none: left out) */
  E_TAIL,      /* the bytes after signatureValue */
  E_TBS_TAG,   /* the TBSCertificate's tag becomes the first byte */
};

struct edit {
  const char *name;
  enum edit_op op;
  int at;
  const uint8_t *bytes;
  size_t n;
};

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void apply_edit(struct corpus_sink *s, const struct cert_split *c, const struct edit *e) {
  struct piece tbs[TBS_MAX + 1], tail[3] = {c->alg, c->sig, {e->bytes, e->n}};
  size_t n = 0, n_tail = 2;
  uint8_t tbs_tag = 0x30;
  const struct piece mine = {e->bytes, e->n};
  for (size_t i = 0; i < c->n_tbs; i++) {
    if (e->op == E_KEEP && (int)i == e->at) break;
    if (e->op == E_INSERT && (int)i == e->at) tbs[n++] = mine;
    tbs[n++] = e->op == E_REPLACE && (int)i == e->at ? mine : c->tbs[i];
  }
  if ((e->op == E_INSERT && e->at == (int)c->n_tbs) || e->op == E_KEEP) tbs[n++] = mine;
  if (e->op == E_SIGALG) tail[0] = mine;
  if (e->op == E_SIGNATURE) {
    tail[1] = mine;
    if (e->n == 0) n_tail = 1;
  }
  if (e->op == E_TAIL) n_tail = 3;
  if (e->op == E_TBS_TAG) tbs_tag = e->bytes[0];
  put_rebuilt(s, e->name, tbs_tag, tbs, n, tail, n_tail);
}

/* Every way each step of the walk can stop (and a few shapes it accepts
 * that real certificates do not have), on the IP leaf. */
static void gen_cert_fields_der(struct corpus_sink *s) {
  struct cert_split c;
  if (!split_cert(&certs[S_LEAF], &c) || c.n_tbs != T_EXTENSIONS + 1) {
    fprintf(stderr, "gen_corpus: the IP leaf does not split into 8 TBS elements\n");
    s->failed = true;
    return;
  }
  /* Validity with a third time after the two. */
  uint8_t three_times[2 + 3 * 15];
  struct byte_writer tw = byte_writer_init(three_times, sizeof three_times);
  bool ok = put_header(&tw, 0x30, 3 * 15);
  for (int i = 0; i < 3 && ok; i++)
    ok = put_header(&tw, 0x17, 13) &&
         byte_writer_str(&tw, i == 1 ? "270101000000Z" : "260101000000Z");
  /* 257 extensions (one over CERT_FIELDS_MAX_EXTENSIONS), all 1.2.3.4 with
   * an empty value: the count is checked before duplicates. */
  static uint8_t many[4 + 4 + 257 * 9];
  struct byte_writer mw = byte_writer_init(many, sizeof many);
  ok = ok && put_header(&mw, 0xa3, der_size(257 * 9)) && put_header(&mw, 0x30, 257 * 9);
  for (int i = 0; i < 257 && ok; i++)
    ok = byte_writer_bytes(
        &mw, (const uint8_t[]){0x30, 0x07, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x00}, 9);
  if (!ok) {
    s->failed = true;
    return;
  }
  const struct edit edits[] = {
      /* version [0] */
      {"version-overrun", E_KEEP, 0, BYTES(0xa0, 0x7f, 0x02, 0x01, 0x02)},
      {"version-not-integer", E_REPLACE, T_VERSION, BYTES(0xa0, 0x03, 0x04, 0x01, 0x02)},
      {"version-trailing-null", E_REPLACE, T_VERSION,
       BYTES(0xa0, 0x05, 0x02, 0x01, 0x02, 0x05, 0x00)},
      {"version-non-minimal", E_REPLACE, T_VERSION, BYTES(0xa0, 0x04, 0x02, 0x02, 0x00, 0x02)},
      {"version-256", E_REPLACE, T_VERSION, BYTES(0xa0, 0x04, 0x02, 0x02, 0x01, 0x00)},
      {"version-4", E_REPLACE, T_VERSION, BYTES(0xa0, 0x03, 0x02, 0x01, 0x03)},
      {"version-2-with-extensions", E_REPLACE, T_VERSION, BYTES(0xa0, 0x03, 0x02, 0x01, 0x01)},
      /* serialNumber */
      {"tbs-ends-after-version", E_KEEP, 1, NULL, 0},
      {"serial-octet-string", E_REPLACE, T_SERIAL, BYTES(0x04, 0x01, 0x05)},
      {"serial-empty", E_REPLACE, T_SERIAL, BYTES(0x02, 0x00)},
      {"serial-non-minimal", E_REPLACE, T_SERIAL, BYTES(0x02, 0x02, 0x00, 0x05)},
      /* signature AlgorithmIdentifier */
      {"sigalg-null", E_REPLACE, T_SIGALG, BYTES(0x05, 0x00)},
      {"sigalg-no-oid", E_REPLACE, T_SIGALG, BYTES(0x30, 0x02, 0x05, 0x00)},
      {"sigalg-empty-oid", E_REPLACE, T_SIGALG, BYTES(0x30, 0x02, 0x06, 0x00)},
      {"sigalg-params-overrun", E_REPLACE, T_SIGALG,
       BYTES(0x30, 0x05, 0x06, 0x01, 0x2a, 0x05, 0x05)},
      {"sigalg-after-params", E_REPLACE, T_SIGALG,
       BYTES(0x30, 0x07, 0x06, 0x01, 0x2a, 0x05, 0x00, 0x05, 0x00)},
      /* issuer Name */
      {"issuer-set", E_REPLACE, T_ISSUER, BYTES(0x31, 0x00)},
      {"issuer-rdn-sequence", E_REPLACE, T_ISSUER, BYTES(0x30, 0x02, 0x30, 0x00)},
      {"issuer-atv-set", E_REPLACE, T_ISSUER, BYTES(0x30, 0x04, 0x31, 0x02, 0x31, 0x00)},
      {"issuer-type-integer", E_REPLACE, T_ISSUER,
       BYTES(0x30, 0x08, 0x31, 0x06, 0x30, 0x04, 0x02, 0x00, 0x0c, 0x00)},
      {"issuer-atv-trailing", E_REPLACE, T_ISSUER,
       BYTES(0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 'a',
             0x05, 0x00)},
      {"issuer-value-overrun", E_REPLACE, T_ISSUER,
       BYTES(0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x05, 'a')},
      {"issuer-empty-rdn", E_REPLACE, T_ISSUER, BYTES(0x30, 0x02, 0x31, 0x00)},
      /* validity */
      {"tbs-ends-after-issuer", E_KEEP, T_VALIDITY, NULL, 0},
      {"validity-set", E_REPLACE, T_VALIDITY, BYTES(0x31, 0x00)},
      {"validity-empty", E_REPLACE, T_VALIDITY, BYTES(0x30, 0x00)},
      {"validity-three-times", E_REPLACE, T_VALIDITY, three_times, sizeof three_times},
      /* subjectPublicKeyInfo (Ed25519 OID 1.3.101.112) */
      {"spki-set", E_REPLACE, T_SPKI, BYTES(0x31, 0x00)},
      {"spki-algorithm-null", E_REPLACE, T_SPKI, BYTES(0x30, 0x04, 0x05, 0x00, 0x03, 0x00)},
      {"spki-key-octet-string", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x0b, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x02, 0x00, 0x00)},
      {"spki-key-no-unused-octet", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x09, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x00)},
      {"spki-key-unused-8", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x0b, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x02, 0x08, 0x00)},
      {"spki-key-empty-unused-5", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x0a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x01, 0x05)},
      {"spki-key-empty", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x0a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x01, 0x00)},
      {"spki-trailing-null", E_REPLACE, T_SPKI,
       BYTES(0x30, 0x0d, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x02, 0x00, 0x00, 0x05,
             0x00)},
      /* issuerUniqueID [1], subjectUniqueID [2] */
      {"issuer-unique-id", E_INSERT, T_EXTENSIONS, BYTES(0x81, 0x02, 0x00, 0xaa)},
      {"subject-unique-id", E_INSERT, T_EXTENSIONS, BYTES(0x82, 0x02, 0x04, 0xb0)},
      {"issuer-unique-id-unused-8", E_INSERT, T_EXTENSIONS, BYTES(0x81, 0x01, 0x08)},
      {"subject-unique-id-unused-9", E_INSERT, T_EXTENSIONS, BYTES(0x82, 0x02, 0x09, 0x00)},
      {"issuer-unique-id-overrun", E_REPLACE, T_EXTENSIONS, BYTES(0x81, 0x05, 0x00)},
      {"subject-unique-id-overrun", E_REPLACE, T_EXTENSIONS, BYTES(0x82, 0x05, 0x00)},
      /* extensions [3] */
      {"extensions-overrun", E_REPLACE, T_EXTENSIONS, BYTES(0xa3, 0x05, 0x30, 0x03)},
      {"extensions-set", E_REPLACE, T_EXTENSIONS, BYTES(0xa3, 0x02, 0x31, 0x00)},
      {"extensions-trailing-null", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x04, 0x30, 0x00, 0x05, 0x00)},
      {"extensions-empty", E_REPLACE, T_EXTENSIONS, BYTES(0xa3, 0x02, 0x30, 0x00)},
      {"extension-overrun", E_REPLACE, T_EXTENSIONS, BYTES(0xa3, 0x04, 0x30, 0x02, 0x30, 0x05)},
      {"extension-set", E_REPLACE, T_EXTENSIONS, BYTES(0xa3, 0x04, 0x30, 0x02, 0x31, 0x00)},
      {"extension-no-oid", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x06, 0x30, 0x04, 0x30, 0x02, 0x04, 0x00)},
      {"extension-critical-07", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x0e, 0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x07,
             0x04, 0x00)},
      {"extension-critical-false-explicit", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x12, 0x30, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x00,
             0x04, 0x04, 0x03, 0x02, 0x05, 0xa0)},
      {"extension-no-value", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x09, 0x30, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55, 0x1d, 0x0f)},
      {"extension-trailing-null", E_REPLACE, T_EXTENSIONS,
       BYTES(0xa3, 0x0d, 0x30, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x04, 0x00, 0x05,
             0x00)},
      {"257-extensions", E_REPLACE, T_EXTENSIONS, many, mw.len},
      {"tbs-trailing-null", E_INSERT, T_EXTENSIONS + 1, BYTES(0x05, 0x00)},
      /* Certificate */
      {"tbs-set", E_TBS_TAG, 0, BYTES(0x31)},
      {"signature-algorithm-null", E_SIGALG, 0, BYTES(0x05, 0x00)},
      {"no-signature", E_SIGNATURE, 0, NULL, 0},
      {"signature-octet-string", E_SIGNATURE, 0, BYTES(0x04, 0x01, 0x00)},
      {"signature-unused-8", E_SIGNATURE, 0, BYTES(0x03, 0x02, 0x08, 0x00)},
      {"certificate-trailing-null", E_TAIL, 0, BYTES(0x05, 0x00)},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) apply_edit(s, &c, &edits[i]);
  /* The outer SEQUENCE given as a SET, and empty. */
  uint8_t buf[4096];
  memcpy(buf, certs[S_LEAF].bytes, certs[S_LEAF].len);
  buf[0] = 0x31;
  corpus_put(s, "cert_fields", "der-certificate-set", buf, certs[S_LEAF].len);
  corpus_put(s, "cert_fields", "der-certificate-empty", (const uint8_t[]){0x30, 0x00}, 2);
}

/* metacert layout: control (the certificate count), certs. */
static void meta_seed(struct corpus_sink *s, const char *name, const enum shape *list, size_t n) {
  uint8_t buf[16384];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = byte_writer_u8(&w, (uint8_t)(n & 7));
  for (size_t i = 0; i < n && ok; i++)
    ok = byte_writer_u16be(&w, (uint16_t)certs[list[i]].len) &&
         byte_writer_bytes(&w, certs[list[i]].bytes, certs[list[i]].len);
  corpus_put_writer(s, "metacert", name, &w, ok);
}

/* metacert_build layout: key[32], u16 version, u64 now. */
static void build_seed(struct corpus_sink *s, const char *name, uint16_t version, int64_t now) {
  uint8_t buf[42], key[32];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0xa0 + i);
  bool ok = byte_writer_bytes(&w, key, 32) && byte_writer_u16be(&w, version) &&
            byte_writer_u32be(&w, (uint32_t)((uint64_t)now >> 32)) &&
            byte_writer_u32be(&w, (uint32_t)now);
  corpus_put_writer(s, "metacert_build", name, &w, ok);
}

static void gen_metacert(struct corpus_sink *s) {
  static const enum shape leaf_meta[] = {S_LEAF, S_META};
  static const enum shape meta_only[] = {S_META};
  static const enum shape leaf_only[] = {S_LEAF};
  static const enum shape chain_meta[] = {S_CHAIN_LEAF, S_INTERMEDIATE, S_META};
  static const enum shape near_misses[] = {S_META_63, S_META_65, S_META_NONHEX, S_META};
  static const enum shape serials[] = {S_META_SERIAL256, S_META_NEGATIVE, S_META_HUGE_SERIAL,
                                       S_META_SERIAL255};
  static const enum shape zero_first[] = {S_META_SERIAL0, S_META};
  static const enum shape encodings[] = {S_META_BMP, S_META_UTF8};
  static const enum shape upper[] = {S_META_UPPER};
  static const enum shape no_cn[] = {S_META_NO_CN, S_LEAF_DNS};
  meta_seed(s, "leaf-then-metacert", leaf_meta, 2);
  meta_seed(s, "metacert-only", meta_only, 1);
  meta_seed(s, "leaf-only", leaf_only, 1);
  meta_seed(s, "chain-then-metacert", chain_meta, 3);
  meta_seed(s, "near-misses-then-metacert", near_misses, 4);
  meta_seed(s, "serials-256-negative-huge-255", serials, 4);
  meta_seed(s, "serial-0-wins-first", zero_first, 2);
  meta_seed(s, "bmp-and-utf8-cn", encodings, 2);
  meta_seed(s, "uppercase-hex", upper, 1);
  meta_seed(s, "no-cn", no_cn, 2);
  static const enum shape web_chain_meta[] = {S_WEB_ECDSA_LEAF, S_WEB_ECDSA_INTERMEDIATE, S_META};
  static const enum shape ossl_chain_meta[] = {S_OSSL_RSA_LEAF, S_OSSL_RSA_INTERMEDIATE, S_META};
  meta_seed(s, "web-chain-then-metacert", web_chain_meta, 3);
  meta_seed(s, "openssl-chain-then-metacert", ossl_chain_meta, 3);
  /* CN string types one at a time (the first match ends the scan), then
   * four near misses in one list: UniversalString (a type the metacert
   * check does not decode), BMPString of 70 characters and with a non-ASCII unit, prefix
   * "derpkex". */
  static const enum shape utf8_only[] = {S_META_UTF8}, numeric[] = {S_META_NUMERIC},
                          t61[] = {S_META_T61}, ia5[] = {S_META_IA5},
                          cn_misses[] = {S_META_UNIVERSAL, S_META_BMP_70, S_META_BMP_NON_ASCII,
                                         S_META_WRONG_PREFIX},
                          zero_key[] = {S_META_ZERO_KEY}, broken_first[] = {S_COUNT, S_META};
  meta_seed(s, "utf8string-cn", utf8_only, 1);
  meta_seed(s, "numericstring-cn", numeric, 1);
  meta_seed(s, "t61string-cn", t61, 1);
  meta_seed(s, "ia5string-cn", ia5, 1);
  meta_seed(s, "universal-bmp70-bmp-non-ascii-derpkex", cn_misses, 4);
  /* Found, but key zero: not usable for a fast start. */
  meta_seed(s, "zero-key", zero_key, 1);
  /* S_COUNT: a truncated leaf, which cert_fields refuses. */
  meta_seed(s, "unparsable-then-metacert", broken_first, 2);
}

/* metacert_build: versions at the serial's and the parse's limits, and the
 * clock at the validity's: years 0001 and 9999 with 30 days to spare and
 * one second beyond each (refused), UTCTime's last year, 2106 (u32). */
static void gen_metacert_build(struct corpus_sink *s) {
  build_seed(s, "v2", 2, GEN_NOW);
  build_seed(s, "v0-epoch", 0, 0);
  build_seed(s, "v255", 255, GEN_NOW);
  build_seed(s, "v256-2106", 256, 4294967295LL);
  build_seed(s, "v65535-negative-now", 65535, -1);
  const int64_t min_now = -62135596800LL + 30 * DAY, max_now = 253402300799LL - 30 * DAY;
  build_seed(s, "year-1", 1, min_now);
  build_seed(s, "year-9999", 1, max_now);
  build_seed(s, "before-year-1", 1, min_now - 1);
  build_seed(s, "after-year-9999", 1, max_now + 1);
  /* notBefore in 1949 (GeneralizedTime), notAfter in 1950 (UTCTime). */
  build_seed(s, "1950-boundary", 3, -631152000 + 15 * DAY);
}

/* pin_verify layout: profile, pin mode, k, u64 now, name, pin text, count, certs. */
enum { PIN_TEXT = 0, PIN_HASH = 1, PIN_HASH_UPPER = 2, PIN_HASH_WRONG = 3 };

static void pin_seed(struct corpus_sink *s, const char *name, uint8_t pin_mode, uint8_t k,
                     int64_t now, const char *server_name, const char *pin_text,
                     const enum shape *list, size_t n) {
  static const char *const profile_tags[3] = {"current", "1.82", "1.84"};
  for (uint8_t profile = 0; profile < 3; profile++) {
    uint8_t buf[16384];
    struct byte_writer w = byte_writer_init(buf, sizeof buf);
    bool ok = byte_writer_u8(&w, profile) && byte_writer_u8(&w, pin_mode) &&
              byte_writer_u8(&w, k) && byte_writer_u32be(&w, (uint32_t)((uint64_t)now >> 32)) &&
              byte_writer_u32be(&w, (uint32_t)now) &&
              byte_writer_u8(&w, (uint8_t)strlen(server_name)) &&
              byte_writer_str(&w, server_name) && byte_writer_u8(&w, (uint8_t)strlen(pin_text)) &&
              byte_writer_str(&w, pin_text) && byte_writer_u8(&w, (uint8_t)n);
    for (size_t i = 0; i < n && ok; i++)
      ok = byte_writer_u16be(&w, (uint16_t)certs[list[i]].len) &&
           byte_writer_bytes(&w, certs[list[i]].bytes, certs[list[i]].len);
    char full[128];
    snprintf(full, sizeof full, "%s-%s", name, profile_tags[profile]);
    corpus_put_writer(s, "pin_verify", full, &w, ok);
  }
}

static void gen_pin(struct corpus_sink *s) {
  static const enum shape leaf[] = {S_LEAF};
  static const enum shape leaf_meta[] = {S_LEAF, S_META};
  static const enum shape meta_leaf[] = {S_META, S_LEAF};
  static const enum shape chain_meta[] = {S_CHAIN_LEAF, S_INTERMEDIATE, S_META};
  static const enum shape meta[] = {S_META};
  static const enum shape expired[] = {S_LEAF_EXPIRED, S_META};
  static const enum shape not_yet[] = {S_LEAF_NOT_YET, S_META};
  static const enum shape dns[] = {S_LEAF_DNS, S_META};
  static const enum shape wrong_ip[] = {S_LEAF_WRONG_IP, S_META};
  static const enum shape ip6[] = {S_LEAF_IP6};
  static const enum shape near_meta[] = {S_LEAF, S_META_63, S_META_BMP};
  static const enum shape fraction[] = {S_TIME_FRACTION};
  static const enum shape garbage[] = {S_LEAF, S_TIME_GARBAGE};
  const int64_t now = GEN_NOW + 3600;
  pin_seed(s, "leaf", PIN_HASH, 0, now, "127.0.0.1", "", leaf, 1);
  pin_seed(s, "leaf-metacert", PIN_HASH, 0, now, "127.0.0.1", "", leaf_meta, 2);
  pin_seed(s, "metacert-first", PIN_HASH, 1, now, "", "", meta_leaf, 2);
  pin_seed(s, "chain-metacert", PIN_HASH, 0, now, "127.0.0.1", "", chain_meta, 3);
  pin_seed(s, "metacert-only", PIN_HASH, 0, now, "127.0.0.1", "", meta, 1);
  pin_seed(s, "uppercase-pin", PIN_HASH_UPPER, 0, now, "127.0.0.1", "", leaf_meta, 2);
  pin_seed(s, "wrong-pin", PIN_HASH_WRONG, 0, now, "127.0.0.1", "", leaf_meta, 2);
  pin_seed(s, "literal-pin", PIN_TEXT, 0, now, "127.0.0.1", "00", leaf_meta, 2);
  pin_seed(s, "expired", PIN_HASH, 0, now, "127.0.0.1", "", expired, 2);
  pin_seed(s, "not-yet-valid", PIN_HASH, 0, now, "127.0.0.1", "", not_yet, 2);
  pin_seed(s, "dns-name-match", PIN_HASH, 0, now, "derp.example.com", "", dns, 2);
  pin_seed(s, "dns-name-mismatch", PIN_HASH, 0, now, "other.example.com", "", dns, 2);
  pin_seed(s, "dns-cert-ip-name", PIN_HASH, 0, now, "127.0.0.1", "", dns, 2);
  pin_seed(s, "wrong-ip", PIN_HASH, 0, now, "127.0.0.1", "", wrong_ip, 2);
  pin_seed(s, "ipv6", PIN_HASH, 0, now, "::1", "", ip6, 1);
  pin_seed(s, "near-metacerts", PIN_HASH, 0, now, "127.0.0.1", "", near_meta, 3);
  pin_seed(s, "fractional-not-before", PIN_HASH, 0, GEN_NOW, "127.0.0.1", "", fraction, 1);
  pin_seed(s, "unparsable-second", PIN_HASH, 0, now, "127.0.0.1", "", garbage, 2);
  pin_seed(s, "no-certs", PIN_TEXT, 0, now, "127.0.0.1", "", NULL, 0);
}

/* A CA-issued chain served by a relay, pinned by its leaf: [leaf, metacert]
 * (the chain file holds the leaf alone), [leaf] (metacert stripped), the
 * whole chain with and without the metacert (pinning takes one
 * non-metacert certificate only), the intermediate's pin, and the leaf's
 * names: its DNS SAN, a name its wildcard covers, its URI SAN's host
 * (which Go does not match). The clock is GEN_NOW + 1h, inside every
 * chain's validity; +100 days is past every leaf's notAfter. Two families
 * also get the edges: case and a trailing dot, two labels under the
 * wildcard, an IPv4-mapped IPv6 name, the metacert between leaf and
 * intermediate, the root served too, the clock at notAfter and just before
 * notBefore. */
static void gen_pin_chains(struct corpus_sink *s) {
  static const struct {
    const char *name;
    enum shape leaf, intermediate, root;
    bool more;                     /* also the edge seeds */
    int64_t not_before, not_after; /* the leaf's, for the edges */
  } fams[] = {
      {"web-rsa", S_WEB_RSA_LEAF, S_WEB_RSA_INTERMEDIATE, S_WEB_RSA_ROOT, false, 0, 0},
      {"web-ecdsa", S_WEB_ECDSA_LEAF, S_WEB_ECDSA_INTERMEDIATE, S_WEB_ECDSA_ROOT, true,
       GEN_NOW - 3600, GEN_NOW + 90 * DAY},
      {"openssl-rsa", S_OSSL_RSA_LEAF, S_OSSL_RSA_INTERMEDIATE, S_OSSL_RSA_ROOT, true,
       1765756800 /* 2025-12-15 */, 1773532800 /* 2026-03-15 */},
      {"openssl-ecdsa", S_OSSL_ECDSA_LEAF, S_OSSL_ECDSA_INTERMEDIATE, S_OSSL_ECDSA_ROOT, false, 0,
       0},
  };
  const int64_t now = GEN_NOW + 3600;
  for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
    const enum shape leaf_meta[] = {fams[i].leaf, S_META}, leaf[] = {fams[i].leaf},
                     chain_meta[] = {fams[i].leaf, fams[i].intermediate, S_META},
                     chain[] = {fams[i].leaf, fams[i].intermediate},
                     meta_between[] = {fams[i].leaf, S_META, fams[i].intermediate},
                     with_root[] = {fams[i].leaf, fams[i].intermediate, fams[i].root};
    char name[64];
#define CHAIN_SEED(stem, k, t, server, list, n)             \
  snprintf(name, sizeof name, "%s-%s", fams[i].name, stem); \
  pin_seed(s, name, PIN_HASH, k, t, server, "", list, n)
    CHAIN_SEED("leaf-metacert", 0, now, "127.0.0.1", leaf_meta, 2);
    CHAIN_SEED("leaf-only", 0, now, "127.0.0.1", leaf, 1);
    CHAIN_SEED("chain-metacert", 0, now, "127.0.0.1", chain_meta, 3);
    CHAIN_SEED("chain", 0, now, "127.0.0.1", chain, 2);
    CHAIN_SEED("intermediate-pin", 1, now, "127.0.0.1", chain_meta, 3);
    CHAIN_SEED("dns-name", 0, now, "derp.test", leaf_meta, 2);
    CHAIN_SEED("uri-host-name", 0, now, "derpcheck.example", leaf_meta, 2);
    if (fams[i].more) {
      CHAIN_SEED("wildcard-name", 0, now, "relay.derp.test", leaf_meta, 2);
      CHAIN_SEED("expired", 0, GEN_NOW + 100 * DAY, "127.0.0.1", leaf_meta, 2);
      CHAIN_SEED("name-case-trailing-dot", 0, now, "Relay.Derp.Test.", leaf_meta, 2);
      CHAIN_SEED("name-two-labels", 0, now, "a.relay.derp.test", leaf_meta, 2);
      CHAIN_SEED("name-ip4-in-ip6", 0, now, "::ffff:127.0.0.1", leaf_meta, 2);
      CHAIN_SEED("metacert-between", 0, now, "127.0.0.1", meta_between, 3);
      CHAIN_SEED("chain-root", 0, now, "127.0.0.1", with_root, 3);
      CHAIN_SEED("at-not-after", 0, fams[i].not_after, "127.0.0.1", leaf_meta, 2);
      CHAIN_SEED("before-not-before", 0, fams[i].not_before - 1, "127.0.0.1", leaf_meta, 2);
    }
#undef CHAIN_SEED
  }
}

/* ---- tls_certmsg: u8 layout (1: TLS 1.3) + a Certificate message ---- */

struct certmsg_entry {
  const uint8_t *der;
  size_t der_len;
  const uint8_t *ext; /* TLS 1.3 only */
  size_t ext_len;
};

static bool put_u24(struct byte_writer *w, size_t n) {
  return n <= 0xffffff && byte_writer_u8(w, (uint8_t)(n >> 16)) &&
         byte_writer_u16be(w, (uint16_t)n);
}

/* The message in either layout (RFC 8446 §4.4.2 / RFC 5246 §7.4.2), after
 * the layout byte; false if it does not fit. */
static bool certmsg(struct byte_writer *w, bool tls13, const uint8_t *context, size_t context_len,
                    const struct certmsg_entry *e, size_t n) {
  size_t list = 0;
  for (size_t i = 0; i < n; i++) list += 3 + e[i].der_len + (tls13 ? 2 + e[i].ext_len : 0);
  size_t body = (tls13 ? 1 + context_len : 0) + 3 + list;
  bool ok = byte_writer_u8(w, 11) && put_u24(w, body);
  if (tls13)
    ok =
        ok && byte_writer_u8(w, (uint8_t)context_len) && byte_writer_bytes(w, context, context_len);
  ok = ok && put_u24(w, list);
  for (size_t i = 0; ok && i < n; i++) {
    ok = put_u24(w, e[i].der_len) && byte_writer_bytes(w, e[i].der, e[i].der_len);
    if (tls13)
      ok = ok && byte_writer_u16be(w, (uint16_t)e[i].ext_len) &&
           byte_writer_bytes(w, e[i].ext, e[i].ext_len);
  }
  return ok;
}

static uint8_t certmsg_buf[16384];

/* Starts a seed: the layout byte. */
static struct byte_writer certmsg_begin(bool tls13, bool *ok) {
  struct byte_writer w = byte_writer_init(certmsg_buf, sizeof certmsg_buf);
  *ok = byte_writer_u8(&w, tls13 ? 1 : 0);
  return w;
}

static void certmsg_seed(struct corpus_sink *s, const char *name, bool layout13, bool tls13,
                         const uint8_t *context, size_t context_len, const struct certmsg_entry *e,
                         size_t n) {
  bool ok;
  struct byte_writer w = certmsg_begin(layout13, &ok);
  ok = ok && certmsg(&w, tls13, context, context_len, e, n);
  corpus_put_writer(s, "tls_certmsg", name, &w, ok);
}

static void gen_tls_certmsg(struct corpus_sink *s) {
  static const uint8_t der0[] = {0x30, 0x00}, der1[] = {0x30},
                       small[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  const struct certmsg_entry leaf = {certs[S_LEAF].bytes, certs[S_LEAF].len, NULL, 0};
  const struct certmsg_entry chain[2] = {
      leaf, {certs[S_INTERMEDIATE].bytes, certs[S_INTERMEDIATE].len, NULL, 0}};
  const struct certmsg_entry tiny[3] = {
      {der1, 1, NULL, 0}, {der0, 2, NULL, 0}, {(const uint8_t *)"x", 1, NULL, 0}};
  struct certmsg_entry empties[17];
  for (size_t i = 0; i < 17; i++) empties[i] = (struct certmsg_entry){der0, 2, NULL, 0};
  const struct certmsg_entry good = {small, sizeof small, NULL, 0};
  const struct certmsg_entry empty_entry = {der0, 0, NULL, 0};
  char name[32];
  for (int v = 0; v < 2; v++) {
    bool t = v == 0;
    const char *ver = t ? "13" : "12";
#define SEED(stem, e, n)                           \
  snprintf(name, sizeof name, "%s_%s", stem, ver); \
  certmsg_seed(s, name, t, t, NULL, 0, e, n)
    SEED("one", &leaf, 1);
    SEED("chain", chain, 2);
    SEED("empty_list", NULL, 0);
    SEED("tiny_certs", tiny, 3);
    SEED("max_certs", empties, 16);
    SEED("too_many", empties, 17);
    SEED("empty_entry", &empty_entry, 1);
#undef SEED
    /* Near misses around one small, well-formed message. */
    bool ok;
    struct byte_writer w = certmsg_begin(t, &ok);
    ok = ok && certmsg(&w, t, NULL, 0, &good, 1);
    size_t len = w.len;
    snprintf(name, sizeof name, "truncated_%s", ver);
    w.len = len - 1;
    corpus_put_writer(s, "tls_certmsg", name, &w, ok);
    w.len = len;
    snprintf(name, sizeof name, "trailing_%s", ver);
    ok = ok && byte_writer_u8(&w, 0x00);
    corpus_put_writer(s, "tls_certmsg", name, &w, ok);
    w.len = len;
    snprintf(name, sizeof name, "not_certificate_%s", ver);
    certmsg_buf[1] = 2; /* the handshake type after the layout byte */
    corpus_put_writer(s, "tls_certmsg", name, &w, ok);
  }
  static const uint8_t context[] = {1, 2, 3, 4}, ext_a[] = {0x00, 0x05, 0x00, 0x01, 0x00},
                       ext_b[] = {0x00, 0x12, 0x00, 0x00};
  certmsg_seed(s, "context_13", true, true, context, sizeof context, &leaf, 1);
  const struct certmsg_entry with_exts[2] = {{der0, 2, ext_a, sizeof ext_a},
                                             {der0, 2, ext_b, sizeof ext_b}};
  certmsg_seed(s, "extensions_13", true, true, NULL, 0, with_exts, 2);
  /* The last entry's extensions length rewritten to 0xffff. */
  bool ok;
  struct byte_writer w = certmsg_begin(true, &ok);
  ok = ok && certmsg(&w, true, NULL, 0, empties, 1);
  certmsg_buf[w.len - 2] = 0xff;
  certmsg_buf[w.len - 1] = 0xff;
  corpus_put_writer(s, "tls_certmsg", "ext_overrun_13", &w, ok);
  static const uint8_t header_only[] = {0, 0x0b, 0, 0, 0}, layout_only[] = {0};
  corpus_put(s, "tls_certmsg", "header_only", header_only, sizeof header_only);
  corpus_put(s, "tls_certmsg", "empty", layout_only, sizeof layout_only);
  /* A TLS 1.3 message given as TLS 1.2. */
  certmsg_seed(s, "layout_swap", false, true, NULL, 0, &leaf, 1);
}

bool gen_cert_seeds(struct corpus_sink *s) {
  gen_metacert_build(s); /* no certificates in its inputs */
  if (s->only && strcmp(s->only, "cert_fields") != 0 && strcmp(s->only, "metacert") != 0 &&
      strcmp(s->only, "pin_verify") != 0 && strcmp(s->only, "tls_certmsg") != 0)
    return true;
  if (!make_all(s)) return false;
  gen_cert_fields(s);
  gen_cert_fields_der(s);
  gen_metacert(s);
  gen_pin(s);
  gen_pin_chains(s);
  gen_tls_certmsg(s);
  return true;
}

struct cert_spec gen_test_ca_spec(int64_t now) {
  struct cert_spec ca = cert_spec_derper_ip("10.0.0.1", now);
  ca.label = "ca";
  ca.cn = "derpcheck test CA";
  ca.ip_san_count = 0;
  ca.ext_profile = CERT_EXT_CA;
  return ca;
}
