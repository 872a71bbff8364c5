/* Fuzz target go_text: the Go text rules of the go module that parse or
 * print numbers and times: strconv.ParseInt (go_parse_int; derp-relay
 * parses its integer flags with base 0: 0x, 0o, 0b, a leading 0 for
 * octal, '_' between digits; the DERPMap code with base 10) and time.Time's
 * texts (Time.String, the RFC 3339 layout, AddDate), which the client's and
 * the verifier's messages print certificate times with. One target for
 * both: each alone is too little code for a campaign (OSS-Fuzz wants 100
 * edges).
 *
 * Input: u8 selector. Below 0x80, ParseInt: base = selector % 40 (0, the
 * valid 2..36, and the invalid 1 and 37..39), then the text. 0x80-0xbf,
 * time texts: i64be Unix seconds, i32be zone offset (folded into Go's
 * +-25 h), u32be nanoseconds (folded below 1e9), u8 flags (bit 0: the zone
 * is UTC), i16be years to add. From 0xc0, Go's %q (go_quote_write and
 * go_quote): u16be a cut point, then the text to quote.
 *
 * Oracles, beyond "no crash / no leak":
 *  - ParseInt: status and value equal a second reading of Go's rules
 *    written here (digits accumulated in 128 bits; a range error as soon as
 *    the value passes 2^64-1, before later syntax is seen; '_' checked
 *    afterwards, as Go's underscoreOK does, only for base 0); a value read
 *    prints back in base 10 (and 16) and reads to itself;
 *  - times, wherever glibc's gmtime_r and timegm reach and the year is
 *    0001..9999: the RFC 3339 text is gmtime's fields printed
 *    "YYYY-MM-DDThh:mm:ssZ"; Time.String() is gmtime's fields of the
 *    instant moved by the offset, the fraction without trailing zeros, then
 *    "+hhmm" and the zone's name ("UTC" or the offset again); AddDate(y, 0,
 *    0) is timegm of the date with the year moved (Feb 29 of a common year
 *    rolling to Mar 1, as both Go and timegm normalise); every instant
 *    prints in 64 bytes exactly when the zone shift stays in int64; a
 *    buffer one byte short is refused;
 *  - %q: the byte writer's quoting and the text builder's agree on any text
 *    without NUL, and the text builder cut short (at the length the cut
 *    point picks) says so and keeps a NUL-terminated prefix of the quote. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GO_TEXT_MAX_INPUT 256

FUZZ_ORACLE static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Go's underscoreOK: '_' only between digits, the base prefix counting as
 * one; s without its sign. */
FUZZ_ORACLE static bool model_underscores_ok(const char *s, size_t n) {
  char saw = '^';
  size_t i = 0;
  bool hex = false;
  if (n >= 2 && s[0] == '0' && (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
    hex = lower(s[1]) == 'x';
    i = 2;
    saw = '0';
  }
  for (; i < n; i++) {
    char c = lower(s[i]);
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      saw = '0';
    } else if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
    } else {
      if (saw == '_') return false;
      saw = '!';
    }
  }
  return saw != '_';
}

FUZZ_ORACLE static enum go_int_status model_parse(const char *s, size_t n, int base, int64_t *out) {
  if (n == 0) return GO_INT_SYNTAX;
  bool neg = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s++, n--;
  if (n == 0) return GO_INT_SYNTAX;
  const char *digits = s;
  size_t nd = n;
  bool base0 = base == 0;
  if (base0) {
    base = 10;
    if (s[0] == '0') {
      char p = n >= 3 ? lower(s[1]) : 0;
      size_t skip = 1;
      base = 8;
      if (p == 'b') base = 2, skip = 2;
      if (p == 'o') skip = 2;
      if (p == 'x') base = 16, skip = 2;
      digits += skip, nd -= skip;
    }
  } else if (base < 2 || base > 36) {
    return GO_INT_SYNTAX;
  }
  unsigned __int128 v = 0;
  bool underscores = false;
  for (size_t i = 0; i < nd; i++) {
    char c = lower(digits[i]);
    int d;
    if (base0 && c == '_') {
      underscores = true;
      continue;
    }
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 10;
    else
      return GO_INT_SYNTAX;
    if (d >= base) return GO_INT_SYNTAX;
    v = v * (unsigned)base + (unsigned)d;
    if (v > UINT64_MAX) return GO_INT_RANGE;
  }
  if (underscores && !model_underscores_ok(s, n)) return GO_INT_SYNTAX;
  const unsigned __int128 limit = (unsigned __int128)1 << 63;
  if (neg ? v > limit : v >= limit) return GO_INT_RANGE;
  *out = neg ? (int64_t)(0 - (uint64_t)v) : (int64_t)v;
  return GO_INT_OK;
}

static const char *status_name(enum go_int_status st) {
  return st == GO_INT_OK ? "ok" : st == GO_INT_SYNTAX ? "syntax" : "range";
}

/* Printed by us, read back by go_parse_int: the same value. */
FUZZ_ORACLE static void check_reads_back(int64_t v, const char *fmt_text, int base) {
  int64_t back = 0;
  enum go_int_status st = go_parse_int(fmt_text, strlen(fmt_text), base, &back);
  ORACLE_ASSERT(st == GO_INT_OK && back == v, "%lld printed as \"%s\" reads back as %s %lld",
                (long long)v, fmt_text, status_name(st), (long long)back);
}

FUZZ_ORACLE static void check_parse_int(int base, const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  size_t n = size;
  int64_t got = 0, want = 0;
  enum go_int_status st = go_parse_int(s, n, base, &got);
  enum go_int_status model = model_parse(s, n, base, &want);
  if (st != model || (st == GO_INT_OK && got != want)) {
    oracle_mismatch("go_parse_int(\"%.*s\", base %d)", (int)n, s, base);
    oracle_view("go_parse_int: %s %lld", status_name(st), (long long)got);
    oracle_view("Go's rules:   %s %lld", status_name(model), (long long)want);
    oracle_abort();
  }
  if (st != GO_INT_OK) return;
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)got);
  check_reads_back(got, text, 10);
  check_reads_back(got, text, 0);
  uint64_t mag = got < 0 ? 0 - (uint64_t)got : (uint64_t)got;
  snprintf(text, sizeof text, "%s0x%llx", got < 0 ? "-" : "", (unsigned long long)mag);
  check_reads_back(got, text, 0);
}

#define YEAR_SECONDS_MIN INT64_C(-62135596800) /* 0001-01-01 */
#define YEAR_SECONDS_MAX INT64_C(253402300799) /* 9999-12-31 23:59:59 */

FUZZ_ORACLE static bool utc_fields(int64_t t, struct tm *out) {
  if (t < YEAR_SECONDS_MIN || t > YEAR_SECONDS_MAX) return false;
  time_t tt = (time_t)t;
  return gmtime_r(&tt, out) != NULL;
}

/* The text fits exactly: one byte less is refused. */
FUZZ_ORACLE static void check_exact(const char *what, const char *want,
                                    bool (*fmt)(int64_t, char *, size_t), int64_t t) {
  char got[96];
  ORACLE_ASSERT(fmt(t, got, sizeof got) && strcmp(got, want) == 0, "%s(%lld) = \"%s\", want \"%s\"",
                what, (long long)t, got, want);
  ORACLE_ASSERT(!fmt(t, got, strlen(want)), "%s(%lld) fit in %zu bytes", what, (long long)t,
                strlen(want));
}

FUZZ_ORACLE static void check_time_texts(const uint8_t *data, size_t size) {
  struct byte_reader r = byte_reader_init(data, size);
  uint32_t hi = 0, lo = 0, off = 0, nanos = 0;
  uint16_t years = 0;
  uint8_t flags = 0;
  (void)(byte_reader_u32be(&r, &hi) && byte_reader_u32be(&r, &lo) && byte_reader_u32be(&r, &off) &&
         byte_reader_u32be(&r, &nanos) && byte_reader_u8(&r, &flags) &&
         byte_reader_u16be(&r, &years));
  const int64_t t = (int64_t)(((uint64_t)hi << 32) | lo);
  struct go_time gt = {t, nanos % 1000000000u, (int32_t)((int64_t)(int32_t)off % 90000), flags & 1};
  if (gt.utc) gt.offset_seconds = 0;

  /* Every instant prints (64 bytes hold any year), refused one byte short. */
  char s[96];
  int64_t shown;
  bool representable = !__builtin_add_overflow(t, (int64_t)gt.offset_seconds, &shown);
  ORACLE_ASSERT(go_time_string(&gt, s, 64) == representable,
                "Time.String of %lld (offset %d): fits 64 bytes %d, representable %d", (long long)t,
                gt.offset_seconds, !representable, representable);

  struct tm tm;
  if (utc_fields(t, &tm)) {
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    check_exact("go_utc_rfc3339", want, go_utc_rfc3339, t);
    snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d +0000 UTC", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    check_exact("go_utc_time_string", want, go_utc_time_string, t);

    int y = (int16_t)years;
    struct tm moved = tm;
    moved.tm_year += y;
    if (moved.tm_year + 1900 >= 1 && moved.tm_year + 1900 <= 9999) {
      int64_t want_t = (int64_t)timegm(&moved);
      ORACLE_ASSERT(go_add_years(t, y) == want_t, "AddDate(%d) of %lld: %lld, timegm says %lld", y,
                    (long long)t, (long long)go_add_years(t, y), (long long)want_t);
    }
  }

  struct tm local;
  if (representable && utc_fields(shown, &local)) {
    char frac[16] = "", zone[16], want[112];
    if (gt.nanos != 0) {
      snprintf(frac, sizeof frac, ".%09u", (unsigned)gt.nanos);
      for (size_t n = strlen(frac); frac[n - 1] == '0'; n--) frac[n - 1] = '\0';
    }
    int32_t o = gt.offset_seconds;
    unsigned a = (unsigned)(o < 0 ? -o : o);
    snprintf(zone, sizeof zone, "%c%02u%02u", o < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d%s %s %s", local.tm_year + 1900,
             local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, frac, zone,
             gt.utc ? "UTC" : zone);
    ORACLE_ASSERT(go_time_string(&gt, s, sizeof s) && strcmp(s, want) == 0,
                  "Time.String = \"%s\", want \"%s\"", s, want);
    ORACLE_ASSERT(!go_time_string(&gt, s, strlen(want)), "Time.String fit in %zu bytes",
                  strlen(want));
  }
}

/* Go's %q in its two forms: the byte writer's (log notes, http_head's
 * Upgrade value) and the cutting text builder's that messages use agree, and
 * the text cut short keeps a NUL-terminated prefix and says it was cut. */
FUZZ_ORACLE static void check_quote_forms(const uint8_t *v, size_t n, size_t cut) {
  enum { VALUE_MAX = GO_TEXT_MAX_INPUT, QUOTED_MAX = 4 * VALUE_MAX + 3 };
  if (memchr(v, '\0', n) != NULL) return; /* go_quote takes a C string */
  static char s[VALUE_MAX + 1], text[QUOTED_MAX];
  static uint8_t bytes[QUOTED_MAX];
  memcpy(s, v, n);
  s[n] = '\0';
  struct byte_writer w = byte_writer_init(bytes, sizeof bytes);
  ORACLE_ASSERT(go_quote_write(&w, v, n), "go_quote_write: a %zu-byte value does not fit", n);
  ORACLE_ASSERT(
      go_quote(s, text, sizeof text) && strlen(text) == w.len && memcmp(text, bytes, w.len) == 0,
      "go_quote and go_quote_write differ on a %zu-byte value", n);
  size_t cap = cut % (w.len + 1); /* 0 .. the quoted length: always short */
  ORACLE_ASSERT(!go_quote(s, text, cap), "go_quote into %zu bytes of %zu says it fit", cap,
                w.len + 1);
  if (cap > 0)
    ORACLE_ASSERT(strlen(text) == cap - 1 && memcmp(text, bytes, cap - 1) == 0,
                  "go_quote into %zu bytes is not the quoted text's prefix", cap);
}

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > GO_TEXT_MAX_INPUT) return -1;
  if (data[0] < 0x80) {
    check_parse_int(data[0] % 40, data + 1, size - 1);
  } else if (data[0] < 0xc0) {
    check_time_texts(data + 1, size - 1);
  } else if (size >= 3) {
    check_quote_forms(data + 3, size - 3, (size_t)data[1] << 8 | data[2]);
  }
  return 0;
}
