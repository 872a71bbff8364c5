/* encoding/json's syntax check (scanner.go's checkValid, which
 * json.Unmarshal runs over the whole input before it decodes anything), its
 * string unquoting, and its filling of a flat struct, so a C decoder built
 * on them accepts exactly the texts Go accepts and fails with Go's words. Verified against Go 1.26
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

/* ---- reading a valid text ---- */

static size_t skip_space(const uint8_t *text, size_t len, size_t at) {
  while (at < len && is_space(text[at])) at++;
  return at;
}

/* The end of the value whose first byte is at `at`, in a valid text. */
static size_t value_end(const uint8_t *text, size_t len, size_t at) {
  size_t depth = 0;
  do {
    if (at >= len) return len;
    uint8_t c = text[at];
    if (c == '"') {
      for (at++; at < len && text[at] != '"'; at++)
        if (text[at] == '\\') at++;
      at++;
    } else if (c == '{' || c == '[') {
      depth++, at++;
    } else if (c == '}' || c == ']') {
      depth--, at++;
    } else if (is_space(c) || c == ',' || c == ':') {
      at++;
    } else {
      while (at < len && !is_space(text[at]) && strchr(",:]}", text[at]) == NULL) at++;
    }
  } while (depth > 0);
  return at < len ? at : len;
}

static size_t put_rune(uint8_t *out, size_t cap, size_t w, uint32_t r) {
  uint8_t b[4];
  size_t n = go_utf8_encode(r, b);
  for (size_t i = 0; i < n; i++, w++)
    if (w < cap) out[w] = b[i];
  return w;
}

static uint32_t hex4(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = v << 4 | (uint32_t)derp_hex_digit_value(p[i]);
  return v;
}

size_t go_json_unquote(const uint8_t *tok, size_t len, uint8_t *out, size_t cap) {
  size_t w = 0;
  size_t end = len > 0 ? len - 1 : 0; /* the closing quote */
  for (size_t r = 1; r < end;) {
    uint8_t c = tok[r];
    if (c == '\\') {
      uint8_t e = tok[r + 1];
      if (e != 'u') {
        static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
        const char *at = strchr(from, e);
        uint8_t plain = at ? (uint8_t)to[at - from] : e; /* \\ \/ \" */
        if (w < cap) out[w] = plain;
        w++, r += 2;
        continue;
      }
      uint32_t u = hex4(tok + r + 2);
      r += 6;
      if (u >= 0xd800 && u < 0xdc00 && r + 6 <= end && tok[r] == '\\' && tok[r + 1] == 'u') {
        uint32_t lo = hex4(tok + r + 2);
        if (lo >= 0xdc00 && lo < 0xe000) {
          w = put_rune(out, cap, w, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
          r += 6;
          continue;
        }
      }
      w = put_rune(out, cap, w, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
      continue;
    }
    uint32_t rune;
    size_t n = c < 0x80 ? 1 : go_utf8_rune(tok + r, end - r, &rune);
    if (n == 0) { /* not UTF-8: one U+FFFD per byte, as utf8.DecodeRune steps */
      w = put_rune(out, cap, w, 0xfffd);
      r++;
      continue;
    }
    for (size_t i = 0; i < n; i++, w++)
      if (w < cap) out[w] = tok[r + i];
    r += n;
  }
  return w;
}

/* ---- json.Unmarshal into a flat struct ---- */

/* What Go's UnmarshalTypeError calls a value, from its first byte. */
static const char *value_kind(uint8_t first) {
  switch (first) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "bool";
    case 'n': return "null";
    default: return "number";
  }
}

/* strconv.ParseInt(literal, 10, 64), which Go's decoder runs for an int
 * field: digits with an optional '-' (JSON has no '+'), within int64. */
static bool int64_literal(const uint8_t *p, size_t n, int64_t *out) {
  bool neg = p[0] == '-';
  size_t i = neg ? 1 : 0;
  uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  if (i >= n) return false;
  for (; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    uint64_t d = (uint64_t)(p[i] - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

/* One member's value into its field. False stops decoding (an
 * Unmarshaler's error, in err); a type mismatch only goes to `saved` (the
 * first one), as Go keeps decoding and reports it at the end. */
static bool store(const struct go_json_struct *st, const struct go_json_field *f, const uint8_t *v,
                  size_t n, char *err, size_t cap, char *saved, size_t saved_cap) {
  if (f->kind == GO_JSON_UNMARSHALER) return f->unmarshal(v, n, f->dst, err, cap);
  uint8_t first = v[0];
  if (first == 'n') return true; /* null leaves a field as it is */
  const char *go_type = "int";
  switch (f->kind) {
    case GO_JSON_INT:
      if (first == '-' || (first >= '0' && first <= '9')) {
        if (int64_literal(v, n, f->dst)) return true;
        /* Go names the literal as written: "number 2.0", "number 1e2" */
        if (saved[0] == '\0')
          snprintf(saved, saved_cap,
                   "json: cannot unmarshal number %.*s into Go struct field %s.%s of type int",
                   (int)(n < 64 ? n : 64), (const char *)v, st->struct_name, f->name);
        return true;
      }
      break;
    case GO_JSON_BOOL:
      if (first == 't' || first == 'f') {
        *(bool *)f->dst = first == 't';
        return true;
      }
      go_type = "bool";
      break;
    case GO_JSON_STRING:
      if (first == '"') return true; /* the value itself is not kept */
      go_type = "string";
      break;
    case GO_JSON_UNMARSHALER: break;
  }
  if (saved[0] == '\0')
    snprintf(saved, saved_cap, "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
             value_kind(first), st->struct_name, f->name, go_type);
  return true;
}

/* A key as Go compares it with the field names: unquoted (escapes, U+FFFD
 * for bad bytes). Longer than any spelling of a name can be: no field. */
static const struct go_json_field *field_for(const struct go_json_struct *st, const uint8_t *key,
                                             size_t n) {
  const char *names[GO_JSON_MAX_FIELDS];
  size_t count = st->count < GO_JSON_MAX_FIELDS ? st->count : GO_JSON_MAX_FIELDS;
  for (size_t i = 0; i < count; i++) names[i] = st->fields[i].name;
  uint8_t text[3 * 32]; /* a 32-rune name, every rune 3 bytes at most in a fold */
  size_t len = go_json_unquote(key, n, text, sizeof text);
  if (len > sizeof text) return NULL;
  int i = go_json_field_index((const char *)text, len, names, count);
  return i < 0 ? NULL : &st->fields[i];
}

bool go_json_unmarshal_struct(const uint8_t *text, size_t len, const struct go_json_struct *st,
                              char *err, size_t cap) {
  if (cap) err[0] = '\0';
  if (!go_json_check_valid(text, len, NULL, err, cap)) return false;
  size_t at = skip_space(text, len, 0);
  if (text[at] == 'n') return true; /* null: nothing to set */
  if (text[at] != '{') {
    snprintf(err, cap, "json: cannot unmarshal %s into Go value of type %s", value_kind(text[at]),
             st->type_name);
    return false;
  }
  char saved[320] = "";
  at = skip_space(text, len, at + 1);
  while (text[at] != '}') {
    size_t key_end = value_end(text, len, at);
    const struct go_json_field *f = field_for(st, text + at, key_end - at);
    at = skip_space(text, len, skip_space(text, len, key_end) + 1); /* past ':' */
    size_t end = value_end(text, len, at);
    if (f != NULL && !store(st, f, text + at, end - at, err, cap, saved, sizeof saved))
      return false;
    at = skip_space(text, len, end);
    if (text[at] == ',') at = skip_space(text, len, at + 1);
  }
  if (saved[0] == '\0') return true;
  snprintf(err, cap, "%s", saved);
  return false;
}
