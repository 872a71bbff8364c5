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
    default: break; /* S_OSSL_*: read from files */
  }
  return s;
}

struct der {
  uint8_t bytes[4096];
  size_t len;
};

static struct der certs[S_COUNT];

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
    uint8_t bmp[160];
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

/* metacert layout: control, key[32], u16 version, u64 now, certs. */
static void meta_seed(struct corpus_sink *s, const char *name, uint8_t control, uint16_t version,
                      int64_t now, const enum shape *list, size_t n) {
  uint8_t buf[16384];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  uint8_t key[32];
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0xa0 + i);
  bool ok = byte_writer_u8(&w, (uint8_t)(control | (n & 7))) && byte_writer_bytes(&w, key, 32) &&
            byte_writer_u16be(&w, version) &&
            byte_writer_u32be(&w, (uint32_t)((uint64_t)now >> 32)) &&
            byte_writer_u32be(&w, (uint32_t)now);
  for (size_t i = 0; i < n && ok; i++)
    ok = byte_writer_u16be(&w, (uint16_t)certs[list[i]].len) &&
         byte_writer_bytes(&w, certs[list[i]].bytes, certs[list[i]].len);
  corpus_put_writer(s, "metacert", name, &w, ok);
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
  meta_seed(s, "leaf-then-metacert", 0, 0, 0, leaf_meta, 2);
  meta_seed(s, "metacert-only", 0, 0, 0, meta_only, 1);
  meta_seed(s, "leaf-only", 0, 0, 0, leaf_only, 1);
  meta_seed(s, "chain-then-metacert", 0, 0, 0, chain_meta, 3);
  meta_seed(s, "near-misses-then-metacert", 0, 0, 0, near_misses, 4);
  meta_seed(s, "serials-256-negative-huge-255", 0, 0, 0, serials, 4);
  meta_seed(s, "serial-0-wins-first", 0, 0, 0, zero_first, 2);
  meta_seed(s, "bmp-and-utf8-cn", 0, 0, 0, encodings, 2);
  meta_seed(s, "uppercase-hex", 0, 0, 0, upper, 1);
  meta_seed(s, "no-cn", 0, 0, 0, no_cn, 2);
  static const enum shape web_chain_meta[] = {S_WEB_ECDSA_LEAF, S_WEB_ECDSA_INTERMEDIATE, S_META};
  static const enum shape ossl_chain_meta[] = {S_OSSL_RSA_LEAF, S_OSSL_RSA_INTERMEDIATE, S_META};
  meta_seed(s, "web-chain-then-metacert", 0, 0, 0, web_chain_meta, 3);
  meta_seed(s, "openssl-chain-then-metacert", 0, 0, 0, ossl_chain_meta, 3);
  meta_seed(s, "round-trip-v2", 0x80, 2, GEN_NOW, NULL, 0);
  meta_seed(s, "round-trip-v0-epoch", 0x80, 0, 0, NULL, 0);
  meta_seed(s, "round-trip-v255", 0x80, 255, GEN_NOW, NULL, 0);
  meta_seed(s, "round-trip-v256-2106", 0x80, 256, 4294967295LL, NULL, 0);
  meta_seed(s, "round-trip-v65535-negative-now", 0x80, 65535, -1, leaf_meta, 2);
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
  if (s->only && strcmp(s->only, "cert_fields") != 0 && strcmp(s->only, "metacert") != 0 &&
      strcmp(s->only, "pin_verify") != 0 && strcmp(s->only, "tls_certmsg") != 0)
    return true;
  if (!make_all(s)) return false;
  gen_cert_fields(s);
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
