/* Go's x509.ParseCertificate, as far as pinning can observe it: which
 * certificates it refuses, how it reads validity times and the subject CN.
 * cert_fields already enforces strict DER and the X.509 shape; the checks
 * here are the ones Go adds on top (crypto/x509/parser.go, cryptobyte). */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"
#include "derp/pin_verify.h"
#include "pin_verify_internal.h"

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_UTF8STRING 0x0c
#define TAG_NUMERICSTRING 0x12
#define TAG_PRINTABLESTRING 0x13
#define TAG_T61STRING 0x14
#define TAG_IA5STRING 0x16
#define TAG_UTCTIME 0x17
#define TAG_GENERALIZEDTIME 0x18
#define TAG_BMPSTRING 0x1e
#define TAG_SEQUENCE 0x30

static struct byte_reader reader_of(struct der_slice s) { return byte_reader_init(s.ptr, s.len); }

static bool first_octet(struct der_slice s, uint8_t *b) {
  struct byte_reader r = reader_of(s);
  return byte_reader_u8(&r, b);
}

static bool slice_is(struct der_slice s, const uint8_t *want, size_t len) {
  return s.len == len && memcmp(s.ptr, want, len) == 0;
}

bool go_oid_valid(struct der_slice oid) {
  GUARD(der_oid_valid(oid));
  struct byte_reader r = reader_of(oid);
  uint32_t arc = 0;
  uint8_t b;
  while (byte_reader_u8(&r, &b)) {
    GUARD(arc < (1u << 24));
    arc = (arc << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) arc = 0;
  }
  return true;
}

/* cryptobyte's BIT STRING: the unused bits must be zero. */
static bool go_bit_string_valid(struct der_slice v) {
  struct byte_reader r = reader_of(v);
  uint8_t unused, last = 0;
  GUARD(byte_reader_u8(&r, &unused) && unused <= 7);
  if (byte_reader_remaining(&r) == 0) return unused == 0;
  GUARD(byte_reader_skip(&r, byte_reader_remaining(&r) - 1) && byte_reader_u8(&r, &last));
  return (last & ((1u << unused) - 1)) == 0;
}

static bool all_ascii(struct der_slice v) {
  struct byte_reader r = reader_of(v);
  uint8_t b;
  while (byte_reader_u8(&r, &b))
    if (b >= 0x80) return false;
  return true;
}

/* --- strings: validation and decoding to UTF-8, as parseASN1String --- */

enum go_string_kind { GO_STRING_OK, GO_STRING_INVALID, GO_STRING_NOT_A_STRING };

struct utf8_sink {
  char *buf;
  size_t cap;
  size_t len; /* full length, even past cap */
};

static void sink_rune(struct utf8_sink *s, uint32_t r) {
  uint8_t b[4];
  size_t n;
  if (r < 0x80) {
    b[0] = (uint8_t)r, n = 1;
  } else if (r < 0x800) {
    b[0] = (uint8_t)(0xc0 | (r >> 6)), b[1] = (uint8_t)(0x80 | (r & 0x3f)), n = 2;
  } else if (r < 0x10000) {
    b[0] = (uint8_t)(0xe0 | (r >> 12)), b[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
    b[2] = (uint8_t)(0x80 | (r & 0x3f)), n = 3;
  } else {
    b[0] = (uint8_t)(0xf0 | (r >> 18)), b[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3f));
    b[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (r & 0x3f)), n = 4;
  }
  for (size_t i = 0; i < n; i++, s->len++)
    if (s->buf != NULL && s->len + 1 < s->cap) s->buf[s->len] = (char)b[i];
}

static bool printable_char(uint8_t b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
         (b >= '\'' && b <= ')') || (b >= '+' && b <= '/') || b == ' ' || b == ':' || b == '=' ||
         b == '?' || b == '*' || b == '&';
}

static enum go_string_kind go_string(uint8_t tag, struct der_slice v, struct utf8_sink *out) {
  struct byte_reader r = reader_of(v);
  uint8_t b;
  switch (tag) {
  case TAG_PRINTABLESTRING:
  case TAG_IA5STRING:
  case TAG_NUMERICSTRING:
    while (byte_reader_u8(&r, &b)) {
      bool ok = tag == TAG_PRINTABLESTRING ? printable_char(b)
                : tag == TAG_IA5STRING     ? b < 0x80
                                           : (b >= '0' && b <= '9') || b == ' ';
      if (!ok) return GO_STRING_INVALID;
      sink_rune(out, b);
    }
    return GO_STRING_OK;
  case TAG_T61STRING: /* taken as Latin-1 */
    while (byte_reader_u8(&r, &b)) sink_rune(out, b);
    return GO_STRING_OK;
  case TAG_UTF8STRING:
    while (byte_reader_remaining(&r) > 0) {
      uint32_t rune;
      size_t n = go_utf8_rune(byte_reader_peek(&r), byte_reader_remaining(&r), &rune);
      if (n == 0) return GO_STRING_INVALID;
      sink_rune(out, rune);
      ENSURE(byte_reader_skip(&r, n), GO_STRING_INVALID);
    }
    return GO_STRING_OK;
  case TAG_BMPSTRING: {
    if (v.len % 2 != 0) return GO_STRING_INVALID;
    size_t units = v.len / 2;
    /* A trailing U+0000 is a terminator Go strips. */
    struct byte_reader tail = r;
    uint16_t last;
    if (units > 0 && byte_reader_skip(&tail, v.len - 2) && byte_reader_u16be(&tail, &last) && last == 0)
      units--;
    for (size_t i = 0; i < units; i++) {
      uint16_t u;
      ENSURE(byte_reader_u16be(&r, &u), GO_STRING_INVALID);
      if (u == 0xfffe || u == 0xffff || (u >= 0xfdd0 && u <= 0xfdef) || (u >= 0xd800 && u <= 0xdfff))
        return GO_STRING_INVALID;
      sink_rune(out, u);
    }
    return GO_STRING_OK;
  }
  default: return GO_STRING_NOT_A_STRING;
  }
}

/* --- times: time.Parse with Go's layouts, then the round-trip check --- */

static bool two_digits(struct byte_reader *r, unsigned *v) {
  uint8_t a, b;
  GUARD(byte_reader_u8(r, &a) && byte_reader_u8(r, &b));
  GUARD(a >= '0' && a <= '9' && b >= '0' && b <= '9');
  *v = (unsigned)(a - '0') * 10 + (unsigned)(b - '0');
  return true;
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(int64_t y, unsigned m) {
  static const unsigned d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

static int64_t civil_days(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static bool next_is_digit(const struct byte_reader *r) {
  return byte_reader_remaining(r) > 0 && byte_reader_peek(r)[0] >= '0' &&
         byte_reader_peek(r)[0] <= '9';
}

/* "Z" or a non-zero "+hhmm"/"-hhmm" (Go prints a zero offset as "Z", so
 * "+0000" fails the round trip; it takes hours up to 24), then the end. */
static bool go_zone(struct byte_reader *r, struct go_time *t) {
  uint8_t sign;
  GUARD(byte_reader_u8(r, &sign));
  if (sign == 'Z') {
    t->utc = true;
    t->offset_seconds = 0;
    return byte_reader_remaining(r) == 0;
  }
  GUARD(sign == '+' || sign == '-');
  unsigned hh, mm;
  GUARD(two_digits(r, &hh) && two_digits(r, &mm) && byte_reader_remaining(r) == 0);
  GUARD(hh <= 24 && mm <= 59 && (hh | mm) != 0);
  t->utc = false;
  t->offset_seconds = (int32_t)(hh * 3600 + mm * 60) * (sign == '-' ? -1 : 1);
  return true;
}

bool go_time_parse(uint8_t tag, struct der_slice text, struct go_time *out) {
  GUARD(tag == TAG_UTCTIME || tag == TAG_GENERALIZEDTIME);
  struct byte_reader r = reader_of(text);
  int64_t year;
  unsigned a, b, month, day, hour, minute, second = 0;
  struct go_time t = {0};
  if (tag == TAG_UTCTIME) {
    GUARD(two_digits(&r, &a));
    /* time.Parse's two-digit years pivot at 69; crypto/x509 then moves
     * 2050..2068 back a century: together 1950..2049. */
    year = a >= 50 ? 1900 + a : 2000 + a;
  } else {
    GUARD(two_digits(&r, &a) && two_digits(&r, &b));
    year = (int64_t)a * 100 + b;
  }
  GUARD(two_digits(&r, &month) && month >= 1 && month <= 12);
  GUARD(two_digits(&r, &day) && day >= 1 && day <= month_days(year, month));
  GUARD(two_digits(&r, &hour) && hour < 24);
  GUARD(two_digits(&r, &minute) && minute < 60);
  /* Seconds: mandatory in GeneralizedTime; UTCTime falls back to a layout
   * without them when they are absent. */
  if (next_is_digit(&r)) {
    GUARD(two_digits(&r, &second) && second < 60);
  } else {
    GUARD(tag == TAG_UTCTIME);
  }
  /* time.Parse takes a ".999" fraction after the seconds, but cryptobyte
   * then re-formats with a layout that has none and compares: any fraction
   * fails that round trip ("x509: malformed GeneralizedTime"). */
  GUARD(go_zone(&r, &t));
  t.unix_seconds = civil_days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                   t.offset_seconds;
  *out = t;
  return true;
}

bool go_time_string(const struct go_time *t, char *out, size_t cap) {
  char date[48];
  GUARD(cert_time_format_go(t->unix_seconds + t->offset_seconds, date, sizeof date));
  const size_t suffix = strlen(" +0000 UTC");
  size_t date_len = strlen(date);
  GUARD(date_len > suffix);
  date[date_len - suffix] = '\0';
  char frac[12] = "";
  if (t->nanos != 0) {
    snprintf(frac, sizeof frac, ".%09u", (unsigned)(t->nanos % 1000000000u));
    size_t n = strlen(frac);
    while (frac[n - 1] == '0') frac[--n] = '\0';
  }
  /* Offsets are at most 24:59 (go_zone), so two digits each. */
  char zone[16];
  unsigned off = (unsigned)(t->offset_seconds < 0 ? -t->offset_seconds : t->offset_seconds) % 90000u;
  snprintf(zone, sizeof zone, "%c%02u%02u", t->offset_seconds < 0 ? '-' : '+', off / 3600,
           off / 60 % 60);
  int n = snprintf(out, cap, "%s%s %s %s", date, frac, zone, t->utc ? "UTC" : zone);
  return n > 0 && (size_t)n < cap;
}

/* --- names --- */

typedef bool (*atv_visit)(struct der_slice type, const struct der_tlv *value, void *ctx);

/* Walks a Name TLV that cert_fields already validated. */
static bool each_atv(struct der_slice name_tlv, atv_visit visit, void *ctx) {
  struct byte_reader outer = reader_of(name_tlv);
  struct der_tlv name, rdn, atv, type, value;
  GUARD(der_read_tlv(&outer, &name));
  struct byte_reader rdns = reader_of(name.value);
  while (byte_reader_remaining(&rdns) > 0) {
    GUARD(der_read_tlv(&rdns, &rdn));
    struct byte_reader atvs = reader_of(rdn.value);
    while (byte_reader_remaining(&atvs) > 0) {
      GUARD(der_read_tlv(&atvs, &atv));
      struct byte_reader in = reader_of(atv.value);
      GUARD(der_read_tlv(&in, &type) && der_read_tlv(&in, &value));
      GUARD(visit(type.value, &value, ctx));
    }
  }
  return true;
}

/* parseName -> parseASN1String: every attribute value must be one of the
 * string types Go decodes, and valid as that type; any other type (INTEGER,
 * OID, UTCTime, ...) is "unsupported string type" (Go 1.26). */
static bool go_atv_valid(struct der_slice type, const struct der_tlv *v, void *ctx) {
  (void)ctx;
  GUARD(go_oid_valid(type));
  struct utf8_sink discard = {NULL, 0, 0};
  return go_string(v->tag, v->value, &discard) == GO_STRING_OK;
}

static const uint8_t oid_common_name[] = {0x55, 0x04, 0x03};

struct cn_search {
  struct der_tlv last;
  bool found;
};

static bool remember_string_cn(struct der_slice type, const struct der_tlv *v, void *ctx) {
  struct cn_search *s = ctx;
  struct utf8_sink discard = {NULL, 0, 0};
  if (slice_is(type, oid_common_name, sizeof oid_common_name) &&
      go_string(v->tag, v->value, &discard) == GO_STRING_OK) {
    s->last = *v;
    s->found = true;
  }
  return true;
}

size_t go_common_name(const struct cert_fields *f, char *out, size_t cap) {
  if (cap > 0) out[0] = '\0';
  struct cn_search search = {.found = false};
  if (!each_atv(f->subject, remember_string_cn, &search) || !search.found) return 0;
  struct utf8_sink sink = {out, cap, 0};
  go_string(search.last.tag, search.last.value, &sink);
  if (cap > 0) out[sink.len < cap ? sink.len : cap - 1] = '\0';
  return sink.len;
}

/* --- extensions --- */

static const uint8_t oid_key_usage[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_ext_key_usage[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_subject_alt_name[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_subject_key_id[] = {0x55, 0x1d, 0x0e};
static const uint8_t oid_authority_key_id[] = {0x55, 0x1d, 0x23};
static const uint8_t oid_authority_info_access[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

#define IS(oid, name) slice_is(oid, name, sizeof name)

static const char *check_san(struct der_slice value) {
  struct byte_reader outer = reader_of(value);
  struct der_tlv seq, name;
  if (!der_read_expect(&outer, TAG_SEQUENCE, &seq)) return "x509: invalid subject alternative names";
  struct byte_reader in = reader_of(seq.value);
  while (der_read_tlv(&in, &name)) {
    const bool ia5 = all_ascii(name.value);
    switch (name.tag) {
    case 0x81:
      if (!ia5) return "x509: SAN rfc822Name is malformed";
      break;
    case 0x82:
      if (!ia5) return "x509: SAN dNSName is malformed";
      break;
    case 0x86:
      if (!ia5) return "x509: SAN uniformResourceIdentifier is malformed";
      break;
    case 0x87:
      if (name.value.len != 4 && name.value.len != 16)
        return "x509: SAN iPAddress is not 4 or 16 bytes";
      break;
    default: break;
    }
  }
  return NULL;
}

static const char *check_extension(struct der_slice oid, bool critical, struct der_slice value) {
  struct byte_reader r = reader_of(value);
  struct der_tlv t;
  if (IS(oid, oid_key_usage)) {
    if (!der_read_expect(&r, TAG_BIT_STRING, &t) || !go_bit_string_valid(t.value))
      return "x509: invalid key usage";
  } else if (IS(oid, oid_basic_constraints)) {
    /* cert_fields read it (pathLen non-negative); Go also wants it to fit
     * an int: at most 8 content octets. */
    struct der_tlv seq, item;
    if (der_read_expect(&r, TAG_SEQUENCE, &seq)) {
      struct byte_reader in = reader_of(seq.value);
      (void)der_read_expect(&in, TAG_BOOLEAN, &item);
      if (der_read_expect(&in, TAG_INTEGER, &item) && item.value.len > 8)
        return "x509: invalid basic constraints";
    }
  } else if (IS(oid, oid_subject_alt_name)) {
    return check_san(value);
  } else if (IS(oid, oid_ext_key_usage)) {
    struct der_tlv seq, item;
    if (!der_read_expect(&r, TAG_SEQUENCE, &seq)) return "x509: invalid extended key usages";
    struct byte_reader in = reader_of(seq.value);
    while (byte_reader_remaining(&in) > 0)
      if (!der_read_expect(&in, TAG_OID, &item) || !go_oid_valid(item.value))
        return "x509: invalid extended key usages";
  } else if (IS(oid, oid_subject_key_id)) {
    if (critical) return "x509: subject key identifier incorrectly marked critical";
    if (!der_read_expect(&r, TAG_OCTET_STRING, &t)) return "x509: invalid subject key identifier";
  } else if (IS(oid, oid_authority_key_id)) {
    if (critical) return "x509: authority key identifier incorrectly marked critical";
    if (!der_read_expect(&r, TAG_SEQUENCE, &t)) return "x509: invalid authority key identifier";
  } else if (IS(oid, oid_authority_info_access)) {
    if (critical) return "x509: authority info access incorrectly marked critical";
    if (!der_read_expect(&r, TAG_SEQUENCE, &t)) return "x509: invalid authority info access";
  }
  return NULL;
}

/* --- the whole certificate --- */

static const char *cert_fields_error_text(enum cert_fields_status st) {
  switch (st) {
  case CERT_FIELDS_ERR_TIME: return "x509: malformed validity time";
  case CERT_FIELDS_ERR_EXTENSION: return "x509: malformed or duplicate extension";
  default: return "x509: malformed certificate";
  }
}

static const char *algorithm_error(struct der_slice alg_tlv) {
  struct byte_reader r = reader_of(alg_tlv);
  struct der_tlv seq, oid;
  if (!der_read_tlv(&r, &seq)) return "x509: malformed algorithm identifier";
  struct byte_reader in = reader_of(seq.value);
  if (!der_read_tlv(&in, &oid) || !go_oid_valid(oid.value)) return "x509: malformed OID";
  return NULL;
}

const char *go_parse_certificate(const uint8_t *der, size_t len, struct cert_fields *out) {
  return go_parse_certificate_key(der, len, out, NULL);
}

const char *go_parse_certificate_key(const uint8_t *der, size_t len, struct cert_fields *out,
                                     struct go_public_key *key_out) {
  struct cert_fields f;
  enum cert_fields_status st = cert_fields_parse(der, len, &f);
  if (st != CERT_FIELDS_OK) return cert_fields_error_text(st);
  uint8_t sign;
  if (!first_octet(f.serial, &sign) || (sign & 0x80) != 0) return "x509: negative serial number";
  if (f.signature_algorithm.len != f.tbs_signature_algorithm.len ||
      memcmp(f.signature_algorithm.ptr, f.tbs_signature_algorithm.ptr, f.signature_algorithm.len))
    return "x509: inner and outer signature algorithm identifiers don't match";
  const char *e = algorithm_error(f.signature_algorithm);
  if (e != NULL) return e;
  if (!each_atv(f.issuer, go_atv_valid, NULL) || !each_atv(f.subject, go_atv_valid, NULL))
    return "x509: invalid RDNSequence";
  struct go_time t;
  if (!go_time_parse(f.not_before_tag, f.not_before_text, &t) ||
      !go_time_parse(f.not_after_tag, f.not_after_text, &t))
    return f.not_before_tag == TAG_UTCTIME ? "x509: malformed UTCTime" : "x509: malformed GeneralizedTime";

  struct byte_reader spki_outer = reader_of(f.spki);
  struct der_tlv spki, alg, key;
  if (!der_read_tlv(&spki_outer, &spki)) return "x509: malformed spki";
  struct byte_reader spki_in = reader_of(spki.value);
  if (!der_read_tlv(&spki_in, &alg) || algorithm_error(alg.whole) != NULL)
    return "x509: malformed public key algorithm identifier";
  if (!der_read_tlv(&spki_in, &key) || !go_bit_string_valid(key.value))
    return "x509: malformed subjectPublicKey";
  /* Go decodes the key right here, before the extensions. */
  struct go_public_key pub;
  e = go_parse_public_key(f.spki, &pub);
  if (e != NULL) return e;

  /* Go ignores the extensions of v1/v2 certificates altogether. */
  if (f.version == 3) {
    struct cert_ext_iter it;
    struct der_slice oid, value;
    bool critical;
    cert_ext_iter_init(&f, &it);
    while (cert_ext_next(&it, &oid, &critical, &value)) {
      if (!go_oid_valid(oid)) return "x509: malformed extension OID field";
      e = check_extension(oid, critical, value);
      if (e != NULL) return e;
    }
  }

  /* The signature: the last TLV of the Certificate SEQUENCE. */
  struct byte_reader cert_outer = reader_of(f.raw);
  struct der_tlv cert, item, signature = {0};
  if (!der_read_tlv(&cert_outer, &cert)) return "x509: malformed certificate";
  struct byte_reader body = reader_of(cert.value);
  while (der_read_tlv(&body, &item)) signature = item;
  if (!go_bit_string_valid(signature.value)) return "x509: malformed signature";
  *out = f;
  if (key_out != NULL) *key_out = pub;
  return NULL;
}
