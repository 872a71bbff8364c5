/* Fuzz target go_parse_int: Go's strconv.ParseInt(s, base, 64) as
 * go_parse_int (go.h) reads it; derp-relay parses its integer flags with
 * base 0 (0x, 0o, 0b, a leading 0 for octal, '_' between digits), the
 * DERPMap code with base 10.
 *
 * Input: u8 base selector (base = byte % 40: 0, the valid 2..36, and the
 * invalid 1 and 37..39), then the text.
 *
 * Oracles, beyond "no crash / no leak":
 *  - status and value equal a second reading of Go's rules written here
 *    (digits accumulated in 128 bits; a range error as soon as the value
 *    passes 2^64-1, before later syntax is seen; '_' checked afterwards, as
 *    Go's underscoreOK does, only for base 0);
 *  - a value read is printed back in base 10 (and, for base 16, in hex)
 *    and read again to itself. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GO_PARSE_INT_MAX_INPUT 256

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

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > GO_PARSE_INT_MAX_INPUT) return -1;
  int base = data[0] % 40;
  const char *s = (const char *)data + 1;
  size_t n = size - 1;
  int64_t got = 0, want = 0;
  enum go_int_status st = go_parse_int(s, n, base, &got);
  enum go_int_status model = model_parse(s, n, base, &want);
  if (st != model || (st == GO_INT_OK && got != want)) {
    oracle_mismatch("go_parse_int(\"%.*s\", base %d)", (int)n, s, base);
    oracle_view("go_parse_int: %s %lld", status_name(st), (long long)got);
    oracle_view("Go's rules:   %s %lld", status_name(model), (long long)want);
    oracle_abort();
  }
  if (st != GO_INT_OK) return 0;
  char text[32];
  snprintf(text, sizeof text, "%lld", (long long)got);
  check_reads_back(got, text, 10);
  check_reads_back(got, text, 0);
  uint64_t mag = got < 0 ? 0 - (uint64_t)got : (uint64_t)got;
  snprintf(text, sizeof text, "%s0x%llx", got < 0 ? "-" : "", (unsigned long long)mag);
  check_reads_back(got, text, 0);
  return 0;
}
