/* Go's x509.ParseCertificate, as far as pinning can observe it: which
 * certificates it refuses, how it reads validity times and the subject CN.
 * go_walk reads the certificate in parseCertificate's order with
 * cryptobyte's rules (crypto/x509/parser.go), so a refusal carries Go's
 * text, and fills struct cert_fields with what Go read: nothing Go skips
 * is looked at (cert_fields_parse, OpenSSL's stricter reading, is not
 * consulted). */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/calendar.h"
#include "derp/cert_fields.h"
#include "derp/go.h"
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
  size_t n = go_utf8_encode(r, b);
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
      if (units > 0 && byte_reader_skip(&tail, v.len - 2) && byte_reader_u16be(&tail, &last) &&
          last == 0)
        units--;
      for (size_t i = 0; i < units; i++) {
        uint16_t u;
        ENSURE(byte_reader_u16be(&r, &u), GO_STRING_INVALID);
        if (u == 0xfffe || u == 0xffff || (u >= 0xfdd0 && u <= 0xfdef) ||
            (u >= 0xd800 && u <= 0xdfff))
          return GO_STRING_INVALID;
        sink_rune(out, u);
      }
      return GO_STRING_OK;
    }
    default: return GO_STRING_NOT_A_STRING;
  }
}

/* parseASN1String's error for a value go_string refused. */
static const char *go_string_error(uint8_t tag, char *buf, size_t cap) {
  switch (tag) {
    case TAG_PRINTABLESTRING: return "invalid PrintableString";
    case TAG_UTF8STRING: return "invalid UTF-8 string";
    case TAG_BMPSTRING: return "invalid BMPString";
    case TAG_IA5STRING: return "invalid IA5String";
    case TAG_NUMERICSTRING: return "invalid NumericString";
    default: snprintf(buf, cap, "unsupported string type: %u", (unsigned)tag); return buf;
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
  GUARD(two_digits(&r, &day) && day >= 1 && day <= calendar_days_in_month(year, month));
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
  t.unix_seconds = calendar_days_from_date((struct calendar_date){year, month, day}) * 86400 +
                   hour * 3600 + minute * 60 + second - t.offset_seconds;
  *out = t;
  return true;
}

/* --- names --- */

typedef bool (*atv_visit)(struct der_slice type, const struct der_tlv *value, void *ctx);

/* Walks a Name TLV that a parse already validated, reading each attribute
 * as Go does (any form; nothing after the value). */
static bool each_atv(struct der_slice name_tlv, atv_visit visit, void *ctx) {
  struct byte_reader outer = reader_of(name_tlv);
  struct der_tlv name, rdn, atv, type, value;
  GUARD(der_read_tlv_any_form(&outer, &name));
  struct byte_reader rdns = reader_of(name.value);
  while (byte_reader_remaining(&rdns) > 0) {
    GUARD(der_read_tlv_any_form(&rdns, &rdn));
    struct byte_reader atvs = reader_of(rdn.value);
    while (byte_reader_remaining(&atvs) > 0) {
      GUARD(der_read_tlv_any_form(&atvs, &atv));
      struct byte_reader in = reader_of(atv.value);
      GUARD(der_read_tlv_any_form(&in, &type) && der_read_tlv_any_form(&in, &value));
      GUARD(visit(type.value, &value, ctx));
    }
  }
  return true;
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

/* --- the walk: parseCertificate's reads, in its order --- */

/* Texts Go formats (a tag number, an OID) are built here: valid until the
 * next parse on the same thread. */
/* As long as any pin_verify message: a longer text (an OID of hundreds of
 * arcs) is cut here, and its message is then cut and flagged there. */
#define GO_ERROR_MAX PIN_VERIFY_MESSAGE_MAX
static _Thread_local char go_error_text[GO_ERROR_MAX];

/* cryptobyte's ReadASN1 with an expected identifier: the element's contents. */
static bool read_tag(struct byte_reader *r, uint8_t tag, struct der_tlv *out) {
  struct byte_reader probe = *r;
  GUARD(der_read_tlv_any_form(&probe, out) && out->tag == tag);
  *r = probe;
  return true;
}

static bool peek_tag(const struct byte_reader *r, uint8_t tag) {
  return byte_reader_remaining(r) > 0 && byte_reader_peek(r)[0] == tag;
}

static bool read_oid(struct byte_reader *r, struct der_slice *oid) {
  struct der_tlv t;
  GUARD(read_tag(r, TAG_OID, &t) && go_oid_valid(t.value));
  *oid = t.value;
  return true;
}

/* ReadASN1BitString: the BIT STRING element and its padding rules. */
static bool read_bit_string(struct byte_reader *r) {
  struct der_tlv t;
  return read_tag(r, TAG_BIT_STRING, &t) && go_bit_string_valid(t.value);
}

/* ReadASN1Boolean: one octet, 00 or FF. */
static bool read_boolean(struct byte_reader *r, bool *out) {
  struct der_tlv t;
  uint8_t v;
  GUARD(read_tag(r, TAG_BOOLEAN, &t) && t.value.len == 1 && first_octet(t.value, &v));
  GUARD(v == 0x00 || v == 0xff);
  *out = v == 0xff;
  return true;
}

/* parseAI on the contents of an AlgorithmIdentifier SEQUENCE. */
static const char *parse_ai(struct der_slice ai) {
  struct byte_reader r = reader_of(ai);
  struct der_slice oid;
  struct der_tlv params;
  if (!read_oid(&r, &oid)) return "x509: malformed OID";
  if (byte_reader_remaining(&r) > 0 && !der_read_tlv_any_form(&r, &params))
    return "x509: malformed parameters";
  return NULL;
}

/* parseName on the contents of a Name SEQUENCE; with `f`, the last CN
 * attribute goes to f->cn (FillFromRDNSequence: the last one wins). */
static const char *parse_name(struct der_slice name, struct cert_fields *f) {
  struct byte_reader rdns = reader_of(name);
  struct der_tlv set, atv, value;
  while (byte_reader_remaining(&rdns) > 0) {
    if (!read_tag(&rdns, 0x31, &set)) return "x509: invalid RDNSequence";
    struct byte_reader atvs = reader_of(set.value);
    while (byte_reader_remaining(&atvs) > 0) {
      if (!read_tag(&atvs, TAG_SEQUENCE, &atv))
        return "x509: invalid RDNSequence: invalid attribute";
      struct byte_reader in = reader_of(atv.value);
      struct der_slice type;
      if (!read_oid(&in, &type)) return "x509: invalid RDNSequence: invalid attribute type";
      /* Anything after the value is not read. */
      if (!der_read_tlv_any_form(&in, &value))
        return "x509: invalid RDNSequence: invalid attribute value";
      struct utf8_sink discard = {NULL, 0, 0};
      if (go_string(value.tag, value.value, &discard) != GO_STRING_OK) {
        char why[48];
        snprintf(go_error_text, sizeof go_error_text,
                 "x509: invalid RDNSequence: invalid attribute value: %s",
                 go_string_error(value.tag, why, sizeof why));
        return go_error_text;
      }
      if (f != NULL && slice_is(type, oid_common_name, sizeof oid_common_name)) {
        f->has_cn = true;
        f->cn_tag = value.tag;
        f->cn = value.value;
      }
    }
  }
  return NULL;
}

/* parseTime: the element's tag picks the reader. */
static const char *parse_time(struct byte_reader *r, uint8_t *tag, struct der_slice *text,
                              int64_t *unix_seconds) {
  struct der_tlv t;
  struct go_time when;
  const char *e;
  if (peek_tag(r, TAG_UTCTIME))
    e = "x509: malformed UTCTime";
  else if (peek_tag(r, TAG_GENERALIZEDTIME))
    e = "x509: malformed GeneralizedTime";
  else
    return "x509: unsupported time format";
  if (!read_tag(r, byte_reader_peek(r)[0], &t) || !go_time_parse(t.tag, t.value, &when)) return e;
  *tag = t.tag;
  *text = t.value;
  *unix_seconds = when.unix_seconds;
  return NULL;
}

/* ext.Id.String(): dotted decimal; the first octets carry two arcs. False
 * when the text was cut to fit `cap`. */
static bool oid_string(struct der_slice oid, char *out, size_t cap) {
  struct byte_reader r = reader_of(oid);
  size_t n = 0;
  uint32_t arc = 0;
  bool first = true;
  uint8_t b;
  out[0] = '\0';
  while (byte_reader_u8(&r, &b)) {
    arc = (arc << 7) | (b & 0x7f);
    if (b & 0x80) continue;
    int w = first ? snprintf(out + n, cap - n, "%u.%u", arc < 80 ? arc / 40 : 2,
                             arc < 80 ? arc % 40 : arc - 80)
                  : snprintf(out + n, cap - n, ".%u", arc);
    if (w < 0 || (size_t)w >= cap - n) return false;
    n += (size_t)w;
    first = false;
    arc = 0;
  }
  return true;
}

/* parseExtension on the contents of one Extension SEQUENCE. */
static const char *parse_extension(struct der_slice ext, struct der_slice *oid, bool *critical,
                                   struct der_slice *value) {
  struct byte_reader r = reader_of(ext);
  struct der_tlv t;
  if (!read_oid(&r, oid)) return "x509: malformed extension OID field";
  *critical = false;
  if (peek_tag(&r, TAG_BOOLEAN) && !read_boolean(&r, critical))
    return "x509: malformed extension critical field";
  if (!read_tag(&r, TAG_OCTET_STRING, &t)) return "x509: malformed extension value field";
  *value = t.value;
  return NULL;
}

/* --- processExtensions --- */

static const uint8_t oid_key_usage[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_ext_key_usage[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_subject_alt_name[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_subject_key_id[] = {0x55, 0x1d, 0x0e};
static const uint8_t oid_authority_key_id[] = {0x55, 0x1d, 0x23};
static const uint8_t oid_crl_distribution_points[] = {0x55, 0x1d, 0x1f};
static const uint8_t oid_certificate_policies[] = {0x55, 0x1d, 0x20};
static const uint8_t oid_policy_mappings[] = {0x55, 0x1d, 0x21};
static const uint8_t oid_policy_constraints[] = {0x55, 0x1d, 0x24};
static const uint8_t oid_inhibit_any_policy[] = {0x55, 0x1d, 0x36};
static const uint8_t oid_authority_info_access[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};

#define IS(oid, name) slice_is(oid, name, sizeof name)

/* parseSANExtension (forEachSAN): URI syntax is out of scope (pin_verify.h).
 * Every element is read whatever its tag; only [1], [2], [6] and [7]
 * (primitive, context-specific) are looked at. */
static const char *check_san(struct der_slice value, struct der_slice *names) {
  struct byte_reader outer = reader_of(value);
  struct der_tlv seq, name;
  if (!read_tag(&outer, TAG_SEQUENCE, &seq)) return "x509: invalid subject alternative names";
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    if (!der_read_tlv_any_form(&in, &name)) return "x509: invalid subject alternative name";
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
        if (name.value.len != 4 && name.value.len != 16) {
          snprintf(go_error_text, sizeof go_error_text,
                   "x509: cannot parse IP address of length %zu", name.value.len);
          return go_error_text;
        }
        break;
      default: break;
    }
  }
  *names = seq.value;
  return NULL;
}

/* parseBasicConstraintsExtension: pathLen is read as a uint that fits an
 * int; nothing after it (or after the SEQUENCE) is read. */
static bool basic_constraints_valid(struct der_slice value, bool *is_ca) {
  struct byte_reader r = reader_of(value);
  struct der_tlv seq, item;
  GUARD(read_tag(&r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  bool ca = false;
  if (peek_tag(&in, TAG_BOOLEAN)) GUARD(read_boolean(&in, &ca));
  if (peek_tag(&in, TAG_INTEGER)) {
    uint8_t sign;
    GUARD(read_tag(&in, TAG_INTEGER, &item) && der_integer_valid(item.value));
    GUARD(first_octet(item.value, &sign) && (sign & 0x80) == 0 && item.value.len <= 8);
  }
  *is_ca = ca;
  return true;
}

/* ReadASN1Int64WithTag / ReadASN1Integer into an int: a minimal INTEGER of
 * at most eight octets under `tag`. */
static bool read_int64(struct byte_reader *r, uint8_t tag) {
  struct der_tlv t;
  return read_tag(r, tag, &t) && der_integer_valid(t.value) && t.value.len <= 8;
}

/* The AuthorityInfoAccess SEQUENCE OF AccessDescription. */
static bool authority_info_access_valid(struct byte_reader *r) {
  struct der_tlv seq, desc, location;
  struct der_slice method;
  GUARD(read_tag(r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    GUARD(read_tag(&in, TAG_SEQUENCE, &desc));
    struct byte_reader d = reader_of(desc.value);
    GUARD(read_oid(&d, &method));
    if (peek_tag(&d, 0x86)) GUARD(read_tag(&d, 0x86, &location));
  }
  return true;
}

/* CRLDistributionPoints: each DistributionPoint's [0] name, whose [0]
 * fullName is read up to the first element that is not a [6] URI. */
static const char *crl_distribution_points_error(struct byte_reader *r) {
  struct der_tlv seq, dp, name, full, uri;
  if (!read_tag(r, TAG_SEQUENCE, &seq)) return "x509: invalid CRL distribution points";
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    if (!read_tag(&in, TAG_SEQUENCE, &dp)) return "x509: invalid CRL distribution point";
    struct byte_reader d = reader_of(dp.value);
    if (!peek_tag(&d, 0xa0)) continue;
    if (!read_tag(&d, 0xa0, &name)) return "x509: invalid CRL distribution point";
    struct byte_reader n = reader_of(name.value);
    if (!read_tag(&n, 0xa0, &full)) return "x509: invalid CRL distribution point";
    struct byte_reader f = reader_of(full.value);
    while (peek_tag(&f, 0x86))
      if (!read_tag(&f, 0x86, &uri)) return "x509: invalid CRL distribution point";
  }
  return NULL;
}

/* parseCertificatePoliciesExtension: every PolicyInformation opens with a
 * DER OID (arcs of any size), and no OID twice. */
static bool certificate_policies_valid(struct byte_reader *r) {
  struct der_tlv seq, info, oid, prev_info, prev_oid;
  GUARD(read_tag(r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    GUARD(read_tag(&in, TAG_SEQUENCE, &info));
    struct byte_reader i = reader_of(info.value);
    GUARD(read_tag(&i, TAG_OID, &oid));
    struct byte_reader seen = reader_of(seq.value);
    while (read_tag(&seen, TAG_SEQUENCE, &prev_info) && prev_info.value.ptr != info.value.ptr) {
      struct byte_reader p = reader_of(prev_info.value);
      GUARD(!(read_tag(&p, TAG_OID, &prev_oid) &&
              slice_is(prev_oid.value, oid.value.ptr, oid.value.len)));
    }
    GUARD(der_oid_valid(oid.value));
  }
  return true;
}

/* PolicyMappings: pairs of OBJECT IDENTIFIER elements (contents unread). */
static bool policy_mappings_valid(struct byte_reader *r) {
  struct der_tlv seq, pair, issuer, subject;
  GUARD(read_tag(r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    GUARD(read_tag(&in, TAG_SEQUENCE, &pair));
    struct byte_reader p = reader_of(pair.value);
    GUARD(read_tag(&p, TAG_OID, &issuer) && read_tag(&p, TAG_OID, &subject));
  }
  return true;
}

/* PolicyConstraints: optional [0] and [1] INTEGERs (implicit). */
static bool policy_constraints_valid(struct byte_reader *r) {
  struct der_tlv seq;
  GUARD(read_tag(r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  if (peek_tag(&in, 0x80)) GUARD(read_int64(&in, 0x80));
  if (peek_tag(&in, 0x81)) GUARD(read_int64(&in, 0x81));
  return true;
}

/* One extension's value, as processExtensions reads it; what it learns of
 * basicConstraints and subjectAltName goes to `f`. NameConstraints are out
 * of scope (pin_verify.h). */
static const char *check_extension(struct der_slice oid, bool critical, struct der_slice value,
                                   struct cert_fields *f) {
  struct byte_reader r = reader_of(value);
  struct der_tlv t;
  if (IS(oid, oid_key_usage)) {
    if (!read_bit_string(&r)) return "x509: invalid key usage";
  } else if (IS(oid, oid_basic_constraints)) {
    if (!basic_constraints_valid(value, &f->basic_constraints_ca))
      return "x509: invalid basic constraints";
    f->has_basic_constraints = true;
    f->basic_constraints_critical = critical;
  } else if (IS(oid, oid_subject_alt_name)) {
    const char *e = check_san(value, &f->san);
    if (e != NULL) return e;
    f->has_san = true;
  } else if (IS(oid, oid_crl_distribution_points)) {
    return crl_distribution_points_error(&r);
  } else if (IS(oid, oid_authority_key_id)) {
    if (critical) return "x509: authority key identifier incorrectly marked critical";
    struct der_tlv kid;
    if (!read_tag(&r, TAG_SEQUENCE, &t)) return "x509: invalid authority key identifier";
    struct byte_reader in = reader_of(t.value);
    if (peek_tag(&in, 0x80) && !read_tag(&in, 0x80, &kid))
      return "x509: invalid authority key identifier";
  } else if (IS(oid, oid_policy_constraints)) {
    if (!policy_constraints_valid(&r)) return "x509: invalid policy constraints extension";
  } else if (IS(oid, oid_ext_key_usage)) {
    struct der_tlv seq;
    struct der_slice item;
    if (!read_tag(&r, TAG_SEQUENCE, &seq)) return "x509: invalid extended key usages";
    struct byte_reader in = reader_of(seq.value);
    while (byte_reader_remaining(&in) > 0)
      if (!read_oid(&in, &item)) return "x509: invalid extended key usages";
  } else if (IS(oid, oid_subject_key_id)) {
    if (critical) return "x509: subject key identifier incorrectly marked critical";
    if (!read_tag(&r, TAG_OCTET_STRING, &t)) return "x509: invalid subject key identifier";
  } else if (IS(oid, oid_certificate_policies)) {
    if (!certificate_policies_valid(&r)) return "x509: invalid certificate policies";
  } else if (IS(oid, oid_policy_mappings)) {
    if (!policy_mappings_valid(&r)) return "x509: invalid policy mappings extension";
  } else if (IS(oid, oid_inhibit_any_policy)) {
    if (!read_int64(&r, TAG_INTEGER)) return "x509: invalid inhibit any policy extension";
  } else if (IS(oid, oid_authority_info_access)) {
    if (critical) return "x509: authority info access incorrectly marked critical";
    if (!authority_info_access_valid(&r)) return "x509: invalid authority info access";
  }
  return NULL;
}

/* The [3] contents: every Extension is read (and checked against the
 * earlier ones for a duplicate OID) before any is interpreted. */
static const char *parse_extensions(struct der_slice exts, struct cert_fields *f) {
  struct byte_reader r = reader_of(exts);
  struct der_tlv ext;
  struct der_slice oid, value;
  bool critical;
  const char *e;
  while (byte_reader_remaining(&r) > 0) {
    if (!read_tag(&r, TAG_SEQUENCE, &ext)) return "x509: malformed extension";
    if ((e = parse_extension(ext.value, &oid, &critical, &value)) != NULL) return e;
    /* Quadratic, without a map: the earlier extensions all parsed. */
    struct byte_reader seen = reader_of(exts);
    struct der_tlv prev;
    struct der_slice prev_oid, prev_value;
    bool prev_critical;
    while (read_tag(&seen, TAG_SEQUENCE, &prev) && prev.value.ptr != ext.value.ptr) {
      (void)parse_extension(prev.value, &prev_oid, &prev_critical, &prev_value);
      if (slice_is(prev_oid, oid.ptr, oid.len)) {
        /* Go's %q of the dotted OID (digits and dots: quoted as is); a
         * text too long for the buffer is cut, without its closing quote. */
        static const char head[] = "x509: certificate contains duplicate extension with OID \"";
        memcpy(go_error_text, head, sizeof head - 1);
        char *dotted = go_error_text + sizeof head - 1;
        const size_t room = sizeof go_error_text - (sizeof head - 1);
        if (oid_string(oid, dotted, room - 1)) memcpy(dotted + strlen(dotted), "\"", 2);
        return go_error_text;
      }
    }
    f->extension_count++;
  }
  f->has_extensions = true;
  f->extensions = exts;
  r = reader_of(exts);
  while (read_tag(&r, TAG_SEQUENCE, &ext)) {
    (void)parse_extension(ext.value, &oid, &critical, &value);
    if ((e = check_extension(oid, critical, value, f)) != NULL) return e;
  }
  return NULL;
}

/* [0] EXPLICIT INTEGER, read as Go's int: "malformed" when unreadable or
 * negative, "invalid" above v3. Sets *version to 1..3. */
static const char *parse_version(struct byte_reader *tbs, long *version) {
  struct der_tlv wrapper, v;
  *version = 1;
  if (!peek_tag(tbs, 0xa0)) return NULL;
  if (!read_tag(tbs, 0xa0, &wrapper)) return "x509: malformed version";
  struct byte_reader in = reader_of(wrapper.value);
  uint8_t b;
  if (!read_tag(&in, TAG_INTEGER, &v) || !der_integer_valid(v.value) || v.value.len > 8 ||
      byte_reader_remaining(&in) != 0 || !first_octet(v.value, &b) || (b & 0x80) != 0)
    return "x509: malformed version";
  if (v.value.len > 1 || b > 2) return "x509: invalid version";
  *version = (long)b + 1;
  return NULL;
}

/* Go's parseCertificate then ParseCertificate's trailing-data check; what
 * it reads goes to `f` (Go's view: nothing it leaves unread is looked at,
 * see pin_verify.h). */
static const char *go_walk(const uint8_t *der, size_t len, struct cert_fields *f,
                           struct go_public_key *pub) {
  struct byte_reader input = byte_reader_init(der, len);
  struct der_tlv cert, tbs_tlv, t, sig_ai, outer_ai, spki;
  const char *e;
  if (!read_tag(&input, TAG_SEQUENCE, &cert)) return "x509: malformed certificate";
  f->raw = cert.whole;
  struct byte_reader body = reader_of(cert.value);
  if (!read_tag(&body, TAG_SEQUENCE, &tbs_tlv)) return "x509: malformed tbs certificate";
  f->tbs = tbs_tlv.whole;
  struct byte_reader tbs = reader_of(tbs_tlv.value);
  if ((e = parse_version(&tbs, &f->version)) != NULL) return e;

  uint8_t sign;
  if (!read_tag(&tbs, TAG_INTEGER, &t) || !der_integer_valid(t.value))
    return "x509: malformed serial number";
  if (!first_octet(t.value, &sign) || (sign & 0x80) != 0) return "x509: negative serial number";
  f->serial = t.value;
  if (!read_tag(&tbs, TAG_SEQUENCE, &sig_ai))
    return "x509: malformed signature algorithm identifier";
  /* The outer copy is read from the Certificate before the inner is parsed. */
  if (!read_tag(&body, TAG_SEQUENCE, &outer_ai)) return "x509: malformed algorithm identifier";
  if (!slice_is(outer_ai.value, sig_ai.value.ptr, sig_ai.value.len))
    return "x509: inner and outer signature algorithm identifiers don't match";
  if ((e = parse_ai(sig_ai.value)) != NULL) return e;
  f->tbs_signature_algorithm = sig_ai.whole;
  f->signature_algorithm = outer_ai.whole;

  if (!read_tag(&tbs, TAG_SEQUENCE, &t)) return "x509: malformed issuer";
  if ((e = parse_name(t.value, NULL)) != NULL) return e;
  f->issuer = t.whole;
  if (!read_tag(&tbs, TAG_SEQUENCE, &t)) return "x509: malformed validity";
  /* Two times; whatever follows them in the Validity is not read. */
  struct byte_reader validity = reader_of(t.value);
  if ((e = parse_time(&validity, &f->not_before_tag, &f->not_before_text, &f->not_before)) !=
          NULL ||
      (e = parse_time(&validity, &f->not_after_tag, &f->not_after_text, &f->not_after)) != NULL)
    return e;
  /* Go's text for an unreadable subject names the issuer, too. */
  if (!read_tag(&tbs, TAG_SEQUENCE, &t)) return "x509: malformed issuer";
  if ((e = parse_name(t.value, f)) != NULL) return e;
  f->subject = t.whole;

  if (!read_tag(&tbs, TAG_SEQUENCE, &spki)) return "x509: malformed spki";
  struct byte_reader spki_in = reader_of(spki.value);
  if (!read_tag(&spki_in, TAG_SEQUENCE, &t))
    return "x509: malformed public key algorithm identifier";
  if ((e = parse_ai(t.value)) != NULL) return e;
  if (!read_bit_string(&spki_in)) return "x509: malformed subjectPublicKey";
  /* The key is decoded here, before the extensions are read. */
  if ((e = go_parse_public_key(spki.whole, pub)) != NULL) return e;
  f->spki = spki.whole;

  /* v1 stops here; v2 skips the unique IDs unread; only v3 reads [3]. */
  if (f->version > 1) {
    if (peek_tag(&tbs, 0x81) && !read_tag(&tbs, 0x81, &t)) return "x509: malformed issuerUniqueID";
    if (peek_tag(&tbs, 0x82) && !read_tag(&tbs, 0x82, &t)) return "x509: malformed subjectUniqueID";
    if (f->version == 3 && peek_tag(&tbs, 0xa3)) {
      struct der_tlv wrapper, exts;
      if (!read_tag(&tbs, 0xa3, &wrapper)) return "x509: malformed extensions";
      struct byte_reader in = reader_of(wrapper.value);
      if (!read_tag(&in, TAG_SEQUENCE, &exts)) return "x509: malformed extensions";
      if ((e = parse_extensions(exts.value, f)) != NULL) return e;
    }
  }
  /* Anything after the extensions in the TBS, or after the signature in
   * the Certificate, goes unread. */
  if (!read_bit_string(&body)) return "x509: malformed signature";
  if (byte_reader_remaining(&input) != 0) return "x509: trailing data";
  return NULL;
}

/* --- the whole certificate --- */

const char *go_parse_certificate(const uint8_t *der, size_t len, struct cert_fields *out) {
  return go_parse_certificate_key(der, len, out, NULL);
}

const char *go_parse_certificate_key(const uint8_t *der, size_t len, struct cert_fields *out,
                                     struct go_public_key *key_out) {
  struct go_public_key pub;
  struct cert_fields f;
  memset(&f, 0, sizeof f);
  const char *e = go_walk(der, len, &f, &pub);
  if (e != NULL) return e;
  *out = f;
  if (key_out != NULL) *key_out = pub;
  return NULL;
}
