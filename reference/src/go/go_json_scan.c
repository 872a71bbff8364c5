/* encoding/json's syntax check (scanner.go's checkValid, which
 * json.Unmarshal runs over the whole input before it decodes anything), so
 * a decoder built on it (go_json_struct.c) accepts exactly the texts Go
 * accepts and fails with Go's words. Verified against Go 1.26
 * json.Unmarshal by conformance/peers' json-oracle over the
 * relay_client_info corpus.
 *
 * Why not jansson's verdict: jansson reads a NUL byte after a number or a
 * literal as nothing ("[1\0]" parses), refuses invalid UTF-8 and lone
 * surrogate escapes in strings (Go substitutes U+FFFD) and integers beyond
 * int64 anywhere (Go only refuses them where an int is wanted). */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "derp/hex.h"

/* Go's maxNestingDepth. */
#define JSON_MAX_DEPTH 10000

enum scan_state {
  S_BEGIN_VALUE,
  S_BEGIN_VALUE_OR_EMPTY, /* after '[' */
  S_BEGIN_KEY_OR_EMPTY,   /* after '{' */
  S_BEGIN_KEY,            /* after ',' in an object */
  S_END_VALUE,
  S_END_TOP,
  S_STRING,
  S_STRING_ESC,
  S_STRING_U, /* \u: 4 hex digits to go, counted in `hex_left` */
  S_NEG,
  S_INT,  /* 1-9 then digits */
  S_ZERO, /* a lone 0 */
  S_DOT,
  S_FRAC,
  S_EXP,
  S_EXP_SIGN,
  S_EXP_DIGITS,
  S_LITERAL, /* the rest of true, false or null, in `literal` */
};

struct scanner {
  enum scan_state state;
  /* One bit per open container: 1 object, 0 array. */
  uint8_t kinds[(JSON_MAX_DEPTH + 8) / 8 + 1];
  size_t depth;
  bool after_key; /* in an object: the key is read, ':' not yet */
  int hex_left;
  const char *literal; /* "rue", "alse", "ull": what is still expected */
  const char *literal_name;
  char *err;
  size_t cap;
};

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* quoteChar: the byte as a rune (Latin-1) in strconv.Quote's escaping,
 * between single quotes; a ' is escaped, a " is not. */
static void quote_char(uint8_t c, char *out, size_t cap) {
  if (c == '\'' || c == '"') {
    snprintf(out, cap, c == '\'' ? "'\\''" : "'\"'");
    return;
  }
  uint8_t utf8[4];
  size_t n = go_utf8_encode(c, utf8);
  uint8_t quoted[16];
  struct byte_writer w = byte_writer_init(quoted, sizeof quoted);
  if (!go_quote_write(&w, utf8, n) || w.len < 2) {
    snprintf(out, cap, "'?'");
    return;
  }
  snprintf(out, cap, "'%.*s'", (int)(w.len - 2), (const char *)quoted + 1);
}

static bool fail_at(struct scanner *s, uint8_t c, const char *context) {
  char q[20];
  quote_char(c, q, sizeof q);
  snprintf(s->err, s->cap, "invalid character %s %s", q, context);
  return false;
}

static bool in_object(const struct scanner *s) {
  return s->depth > 0 && (s->kinds[(s->depth - 1) / 8] >> ((s->depth - 1) % 8)) & 1;
}

static bool push(struct scanner *s, uint8_t c, bool object) {
  if (s->depth >= JSON_MAX_DEPTH) return fail_at(s, c, "exceeded max depth");
  uint8_t bit = (uint8_t)(1u << (s->depth % 8));
  if (object)
    s->kinds[s->depth / 8] |= bit;
  else
    s->kinds[s->depth / 8] &= (uint8_t)~bit;
  s->depth++;
  return true;
}

/* A value ended: what may follow depends on the container around it. */
static enum scan_state after_value(const struct scanner *s) {
  return s->depth == 0 ? S_END_TOP : S_END_VALUE;
}

static bool begin_value(struct scanner *s, uint8_t c) {
  switch (c) {
    case '{': s->state = S_BEGIN_KEY_OR_EMPTY; return push(s, c, true);
    case '[': s->state = S_BEGIN_VALUE_OR_EMPTY; return push(s, c, false);
    case '"': s->state = S_STRING; return true;
    case '-': s->state = S_NEG; return true;
    case '0': s->state = S_ZERO; return true;
    case 't': s->literal = "rue", s->literal_name = "true"; break;
    case 'f': s->literal = "alse", s->literal_name = "false"; break;
    case 'n': s->literal = "ull", s->literal_name = "null"; break;
    default:
      if (c >= '1' && c <= '9') {
        s->state = S_INT;
        return true;
      }
      return fail_at(s, c, "looking for beginning of value");
  }
  s->state = S_LITERAL;
  return true;
}

/* stateEndValue: the byte after a complete value inside a container (or a
 * number's first byte past its end). */
static bool end_value(struct scanner *s, uint8_t c) {
  if (s->depth == 0) {
    s->state = S_END_TOP;
    return is_space(c) ? true : fail_at(s, c, "after top-level value");
  }
  if (is_space(c)) {
    s->state = S_END_VALUE;
    return true;
  }
  if (in_object(s)) {
    if (s->after_key) {
      if (c != ':') return fail_at(s, c, "after object key");
      s->after_key = false;
      s->state = S_BEGIN_VALUE;
      return true;
    }
    if (c == ',') {
      s->state = S_BEGIN_KEY;
      return true;
    }
    if (c != '}') return fail_at(s, c, "after object key:value pair");
  } else {
    if (c == ',') {
      s->state = S_BEGIN_VALUE;
      return true;
    }
    if (c != ']') return fail_at(s, c, "after array element");
  }
  s->depth--;
  s->state = after_value(s);
  return true;
}

static bool step(struct scanner *s, uint8_t c) {
  switch (s->state) {
    case S_BEGIN_VALUE_OR_EMPTY:
      if (is_space(c)) return true;
      if (c == ']') return end_value(s, c);
      return begin_value(s, c);
    case S_BEGIN_VALUE:
      if (is_space(c)) return true;
      return begin_value(s, c);
    case S_BEGIN_KEY_OR_EMPTY:
      if (is_space(c)) return true;
      if (c == '}') return end_value(s, c);
      /* fall through */
    case S_BEGIN_KEY:
      if (is_space(c)) return true;
      if (c != '"') return fail_at(s, c, "looking for beginning of object key string");
      s->after_key = true;
      s->state = S_STRING;
      return true;
    case S_END_VALUE: return end_value(s, c);
    case S_END_TOP: return is_space(c) ? true : fail_at(s, c, "after top-level value");
    case S_STRING:
      if (c == '"') {
        s->state = s->depth == 0 ? S_END_TOP : S_END_VALUE;
        return true;
      }
      if (c == '\\') {
        s->state = S_STRING_ESC;
        return true;
      }
      return c < 0x20 ? fail_at(s, c, "in string literal") : true;
    case S_STRING_ESC:
      if (c == 'u') {
        s->state = S_STRING_U;
        s->hex_left = 4;
        return true;
      }
      if (strchr("bfnrt\\/\"", c) == NULL || c == 0) return fail_at(s, c, "in string escape code");
      s->state = S_STRING;
      return true;
    case S_STRING_U:
      if (derp_hex_digit_value(c) < 0) return fail_at(s, c, "in \\u hexadecimal character escape");
      if (--s->hex_left == 0) s->state = S_STRING;
      return true;
    case S_NEG:
      if (c == '0') {
        s->state = S_ZERO;
        return true;
      }
      if (c >= '1' && c <= '9') {
        s->state = S_INT;
        return true;
      }
      return fail_at(s, c, "in numeric literal");
    case S_INT:
      if (is_digit(c)) return true;
      /* fall through */
    case S_ZERO:
      if (c == '.') {
        s->state = S_DOT;
        return true;
      }
      if (c == 'e' || c == 'E') {
        s->state = S_EXP;
        return true;
      }
      return end_value(s, c);
    case S_DOT:
      if (!is_digit(c)) return fail_at(s, c, "after decimal point in numeric literal");
      s->state = S_FRAC;
      return true;
    case S_FRAC:
      if (is_digit(c)) return true;
      if (c == 'e' || c == 'E') {
        s->state = S_EXP;
        return true;
      }
      return end_value(s, c);
    case S_EXP:
      if (c == '+' || c == '-') {
        s->state = S_EXP_SIGN;
        return true;
      }
      /* fall through */
    case S_EXP_SIGN:
      if (!is_digit(c)) return fail_at(s, c, "in exponent of numeric literal");
      s->state = S_EXP_DIGITS;
      return true;
    case S_EXP_DIGITS:
      if (is_digit(c)) return true;
      return end_value(s, c);
    case S_LITERAL: {
      if (c != (uint8_t)s->literal[0]) {
        char context[48];
        snprintf(context, sizeof context, "in literal %s (expecting '%c')", s->literal_name,
                 s->literal[0]);
        return fail_at(s, c, context);
      }
      if (*++s->literal == '\0') s->state = after_value(s);
      return true;
    }
  }
  return false;
}

bool go_json_check_valid(const uint8_t *text, size_t len, size_t *at, char *err, size_t cap) {
  static const struct scanner fresh = {.state = S_BEGIN_VALUE};
  struct scanner s = fresh;
  s.err = err;
  s.cap = cap;
  if (cap) err[0] = '\0';
  size_t where = len;
  bool ok = true;
  for (size_t i = 0; ok && i < len; i++) {
    ok = step(&s, text[i]);
    where = i;
  }
  /* eof(): Go steps one more space, which ends a number (or fails, e.g.
   * "invalid character ' ' after decimal point in numeric literal" for
   * "1."); unfinished after that is "unexpected end". */
  if (ok && s.state != S_END_TOP) {
    where = len;
    ok = step(&s, ' ');
    if (ok && s.state != S_END_TOP) {
      snprintf(err, cap, "unexpected end of JSON input");
      ok = false;
    }
  }
  if (!ok && at != NULL) *at = where;
  return ok;
}
