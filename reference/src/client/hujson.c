#include "derp/hujson.h"

#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"

/* The scans below use memchr rather than byte-by-byte comparisons: policy
 * files are mostly strings, comments and indentation, and a fuzzer's
 * comparison hooks on every byte of those were half of the derpmap target's
 * time. */

/* Index of the first `ch` in text[from, to), or `to`. */
static size_t find_byte(const char *text, size_t from, size_t to, char ch) {
  if (from >= to) return to;
  const char *p = memchr(text + from, ch, to - from);
  return p ? (size_t)(p - text) : to;
}

static bool fail(const char *in, size_t len, size_t at, const char *msg, struct hujson_error *err) {
  err->offset = at;
  text_line_column(in, len, at, &err->line, &err->column);
  snprintf(err->msg, sizeof err->msg, "%s", msg);
  return false;
}

/* utf8.Valid of in[from, to): tailscale's hujson refuses a comment that
 * is not (its strings may be anything JSON's scanner takes). */
static bool valid_utf8(const char *in, size_t from, size_t to) {
  uint32_t rune;
  for (size_t i = from, n; i < to; i += n) {
    if ((unsigned char)in[i] < 0x80) {
      n = 1;
      continue;
    }
    n = go_utf8_rune((const uint8_t *)in + i, to - i, &rune);
    if (n == 0) return false;
  }
  return true;
}

/* Blank [from, to) but its white space, as hujson's Standardize does (so
 * the output is byte for byte Go's, and positions after it do not move). */
static void blank(char *out, const char *in, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    out[i] = in[i] == '\n' || in[i] == '\r' || in[i] == '\t' ? in[i] : ' ';
}

/* The closing quote of the string whose body starts at in[i], or len when
 * it has none: a raw newline (escaped or not) or the end comes first. A
 * backslash escapes the next byte, whatever it is. */
static size_t string_close(const char *in, size_t len, size_t i) {
  size_t quote = find_byte(in, i, len, '"'), newline = find_byte(in, i, len, '\n');
  for (;;) {
    size_t limit = quote < newline ? quote : newline;
    size_t slash = find_byte(in, i, limit, '\\');
    if (slash == limit) return quote < newline ? quote : len;
    i = slash + 1; /* the escaped byte */
    if (i >= len || i == newline) return len;
    if (i == quote) quote = find_byte(in, i + 1, len, '"');
    i++;
  }
}

/* Whether the block comment opened at in[i] is closed; *end is then past
 * its closing pair (the opener's star closes nothing: "/" "*" "/" is open). */
static bool block_comment_end(const char *in, size_t len, size_t i, size_t *end) {
  for (size_t star = find_byte(in, i + 2, len, '*'); star + 1 < len;
       star = find_byte(in, star + 1, len, '*')) {
    if (in[star + 1] == '/') {
      *end = star + 2;
      return true;
    }
  }
  return false;
}

bool hujson_standardize(const char *in, size_t len, char *out, struct hujson_error *err) {
  memcpy(out, in, len);
  /* The last comma seen outside strings whose fate is open: blanked if
   * the next significant byte closes an object or array. Only a comma
   * after a value trails one: in "[,]" or "1,,]" it stays, for the JSON
   * decoder to refuse (and a second pass to leave alone). */
  bool comma_open = false;
  size_t comma_at = 0;
  char prev = '\0'; /* the previous significant byte; '"' for a string */
  size_t i = 0;
  while (i < len) {
    char ch = in[i];
    switch (ch) {
      case ' ':
      case '\t':
      case '\n':
      case '\r': i++; continue;
      case '"': {
        size_t close = string_close(in, len, i + 1);
        if (close >= len) return fail(in, len, i, "unterminated string", err);
        i = close + 1;
        comma_open = false;
        prev = '"';
        continue;
      }
      case '/':
        if (i + 1 < len && in[i + 1] == '/') {
          /* tailscale's hujson ends a line comment at its '\n' only: one
           * that runs to the end of the file is refused there */
          size_t end = find_byte(in, i, len, '\n');
          if (end == len) return fail(in, len, i, "unterminated line comment", err);
          if (!valid_utf8(in, i, end)) return fail(in, len, i, "invalid UTF-8 in comment", err);
          blank(out, in, i, end);
          i = end;
          continue;
        }
        if (i + 1 < len && in[i + 1] == '*') {
          size_t end;
          if (!block_comment_end(in, len, i, &end))
            return fail(in, len, i, "unterminated block comment", err);
          if (!valid_utf8(in, i, end)) return fail(in, len, i, "invalid UTF-8 in comment", err);
          blank(out, in, i, end);
          i = end;
          continue;
        }
        break;
      case '}':
      case ']':
        if (comma_open) out[comma_at] = ' ';
        break;
      default: break;
    }
    comma_open = ch == ',' && prev != '\0' && prev != ',' && prev != '[' && prev != '{';
    comma_at = i;
    prev = ch;
    i++;
  }
  return true;
}
