/* Go's text rules as the C code meets them: UTF-8 decoding,
 * strconv.Quote (%q) and strconv.ParseInt. Byte-oriented like Go's strings, never allocating. */
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "derp/hex.h"
#include "go_isprint_table.h"

/* --- strconv.Quote --- */

size_t go_utf8_rune(const uint8_t *s, size_t len, uint32_t *rune) {
  if (len == 0) return 0;
  uint8_t b = s[0];
  size_t n;
  uint32_t r, min;
  if (b < 0x80) {
    *rune = b;
    return 1;
  } else if ((b & 0xe0) == 0xc0) {
    n = 2, r = b & 0x1f, min = 0x80;
  } else if ((b & 0xf0) == 0xe0) {
    n = 3, r = b & 0x0f, min = 0x800;
  } else if ((b & 0xf8) == 0xf0) {
    n = 4, r = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n > len) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    r = (r << 6) | (s[i] & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return 0;
  *rune = r;
  return n;
}

size_t go_utf8_encode(uint32_t r, uint8_t b[4]) {
  if (r < 0x80) {
    b[0] = (uint8_t)r;
    return 1;
  }
  if (r < 0x800) {
    b[0] = (uint8_t)(0xc0 | (r >> 6)), b[1] = (uint8_t)(0x80 | (r & 0x3f));
    return 2;
  }
  if (r < 0x10000) {
    b[0] = (uint8_t)(0xe0 | (r >> 12)), b[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3f));
    b[2] = (uint8_t)(0x80 | (r & 0x3f));
    return 3;
  }
  b[0] = (uint8_t)(0xf0 | (r >> 18)), b[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3f));
  b[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (r & 0x3f));
  return 4;
}

bool go_is_space(uint32_t r) {
  if (r <= 0xff) return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xa0;
  return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f ||
         r == 0x205f || r == 0x3000;
}

size_t go_trim_space(const uint8_t *s, size_t len, size_t *start) {
  size_t a = 0, b = len;
  uint32_t r;
  size_t n;
  while (a < b && (n = go_utf8_rune(s + a, b - a, &r)) > 0 && go_is_space(r)) a += n;
  while (b > a) {
    /* utf8.DecodeLastRune: the rune that ends at b, if one does */
    size_t w = 0;
    for (size_t k = 1; k <= 4 && k <= b - a && w == 0; k++)
      if (go_utf8_rune(s + b - k, k, &r) == k) w = k;
    if (w == 0 || !go_is_space(r)) break;
    b -= w;
  }
  *start = a;
  return b - a;
}

bool go_is_print(uint32_t r) {
  size_t lo = 0, hi = sizeof go_isprint_ranges / sizeof go_isprint_ranges[0];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r < go_isprint_ranges[mid][0])
      hi = mid;
    else if (r > go_isprint_ranges[mid][1])
      lo = mid + 1;
    else
      return true;
  }
  return false;
}

/* Where quoted text goes: a cutting text_out (messages) or an
 * all-or-nothing byte_writer (wire-bound text). */
struct quote_sink {
  struct text_out *text;
  struct byte_writer *writer;
  bool failed;
};

static void emit(struct quote_sink *k, const char *s, size_t n) {
  if (k->text != NULL)
    text_out_bytes(k->text, s, n);
  else if (!k->failed)
    k->failed = !byte_writer_bytes(k->writer, s, n);
}

/* Printable ASCII but '"' and '\\' (0x20..0x7e less 0x22 and 0x5c): bytes
 * %q writes as themselves. Runs of them go out in one piece, one bit test
 * per byte instead of a rune decode and a table search (the log note quotes
 * whole header values, and that was most of a fuzzer's time there). */
static const uint64_t plain_ascii_bits[2] = {UINT64_C(0xfffffffb00000000),
                                             UINT64_C(0x7fffffffefffffff)};

static size_t plain_ascii_run(const uint8_t *p, size_t len) {
  size_t n = 0;
  while (n < len && p[n] < 128 && ((plain_ascii_bits[p[n] >> 6] >> (p[n] & 63)) & 1)) n++;
  return n;
}

/* \x.., \u.... or \U........: `bytes` bytes of v in lowercase hex. */
static void emit_hex_escape(struct quote_sink *k, char kind, uint32_t v, size_t bytes) {
  const uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  char esc[2 + 8 + 1] = {'\\', kind};
  derp_hex_lower(be + 4 - bytes, bytes, esc + 2);
  emit(k, esc, 2 + 2 * bytes);
}

static void quote_into(struct quote_sink *k, const uint8_t *p, size_t len) {
  emit(k, "\"", 1);
  /* A writer that ran out of room stays failed: stop there. */
  for (size_t i = 0; i < len && !k->failed;) {
    size_t plain = plain_ascii_run(p + i, len - i);
    if (plain > 0) {
      emit(k, (const char *)p + i, plain);
      i += plain;
      continue;
    }
    uint32_t r;
    size_t n = go_utf8_rune(p + i, len - i, &r);
    if (n == 0) {
      /* Bytes that start no rune come in runs (binary values): their \xNN
       * escapes go out sixteen at a time. */
      uint8_t run[16];
      size_t m = 0;
      do {
        run[m++] = p[i++];
      } while (m < sizeof run && i < len && go_utf8_rune(p + i, len - i, &r) == 0);
      char hex[2 * sizeof run + 1], esc[4 * sizeof run];
      derp_hex_lower(run, m, hex);
      for (size_t j = 0; j < m; j++) {
        esc[4 * j] = '\\';
        esc[4 * j + 1] = 'x';
        memcpy(esc + 4 * j + 2, hex + 2 * j, 2);
      }
      emit(k, esc, 4 * m);
      continue;
    }
    if (r == '"' || r == '\\') {
      const char esc[2] = {'\\', (char)r};
      emit(k, esc, 2);
    } else if (go_is_print(r)) {
      emit(k, (const char *)p + i, n);
    } else if (r >= 7 && r <= 13) {
      static const char letters[] = "abtnvfr"; /* \a=7 .. \r=13 */
      const char esc[2] = {'\\', letters[r - 7]};
      emit(k, esc, 2);
    } else if (r < 0x20 || r == 0x7f) {
      emit_hex_escape(k, 'x', r, 1);
    } else if (r < 0x10000) {
      emit_hex_escape(k, 'u', r, 2);
    } else {
      emit_hex_escape(k, 'U', r, 4);
    }
    i += n;
  }
  emit(k, "\"", 1);
}

bool go_quote(const char *s, char *out, size_t cap) {
  struct text_out t;
  text_out_init(&t, out, cap);
  struct quote_sink k = {&t, NULL, false};
  const char *p = s != NULL ? s : "";
  quote_into(&k, (const uint8_t *)p, strlen(p));
  return !t.truncated;
}

bool go_quote_write(struct byte_writer *w, const uint8_t *s, size_t len) {
  size_t mark = w->len;
  struct quote_sink k = {NULL, w, false};
  quote_into(&k, s, len);
  if (k.failed) w->len = mark;
  return !k.failed;
}

/* Where a base-0 literal may hold '_': only between two digits, or between
 * a 0b/0o/0x prefix and a digit. */
static bool underscores_placed_well(const char *s, size_t len) {
  size_t i = 0;
  if (len > 0 && (s[0] == '+' || s[0] == '-')) s++, len--;
  enum { START, DIGIT, UNDERSCORE, OTHER } last = START;
  bool hex = false;
  if (len >= 2 && s[0] == '0' && strchr("box", go_lower_ascii(s[1])) != NULL) {
    i = 2;
    last = DIGIT; /* the prefix counts as a digit */
    hex = go_lower_ascii(s[1]) == 'x';
  }
  for (; i < len; i++) {
    char c = go_lower_ascii(s[i]);
    if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
      last = DIGIT;
    } else if (c == '_') {
      if (last != DIGIT) return false;
      last = UNDERSCORE;
    } else {
      if (last == UNDERSCORE) return false;
      last = OTHER;
    }
  }
  return last != UNDERSCORE;
}

/* strconv.ParseUint(s, base, 64), digit by digit in Go's order: a range
 * error stops the scan before later syntax is seen. */
static enum go_int_status parse_uint(const char *s, size_t len, int base, uint64_t *out) {
  if (len == 0) return GO_INT_SYNTAX;
  const char *s0 = s;
  size_t len0 = len;
  bool base0 = base == 0;
  if (base0) {
    base = 10;
    if (s[0] == '0') {
      char p = len >= 3 ? go_lower_ascii(s[1]) : '\0';
      base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
      size_t skip = base == 8 && p != 'o' ? 1 : 2;
      s += skip, len -= skip;
    }
  } else if (base < 2 || base > 36) {
    return GO_INT_SYNTAX;
  }
  uint64_t cutoff = UINT64_MAX / (uint64_t)base + 1, n = 0;
  bool underscores = false;
  for (size_t i = 0; i < len; i++) {
    char c = go_lower_ascii(s[i]);
    unsigned d;
    if (c == '_' && base0) {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = (unsigned)(c - '0');
    } else if (c >= 'a' && c <= 'z') {
      d = (unsigned)(c - 'a') + 10;
    } else {
      return GO_INT_SYNTAX;
    }
    if (d >= (unsigned)base) return GO_INT_SYNTAX;
    if (n >= cutoff) return GO_INT_RANGE;
    n *= (uint64_t)base;
    if (n + d < n) return GO_INT_RANGE;
    n += d;
  }
  if (underscores && !underscores_placed_well(s0, len0)) return GO_INT_SYNTAX;
  *out = n;
  return GO_INT_OK;
}

enum go_int_status go_parse_int(const char *s, size_t len, int base, int64_t *out) {
  if (len == 0) return GO_INT_SYNTAX;
  bool neg = s[0] == '-';
  if (s[0] == '+' || s[0] == '-') s++, len--;
  uint64_t un = UINT64_MAX;
  enum go_int_status st = parse_uint(s, len, base, &un);
  if (st == GO_INT_SYNTAX) return st;
  const uint64_t cutoff = UINT64_C(1) << 63;
  if (st == GO_INT_RANGE || (!neg && un >= cutoff) || (neg && un > cutoff)) return GO_INT_RANGE;
  *out = neg ? (int64_t)(0 - un) : (int64_t)un;
  return GO_INT_OK;
}
