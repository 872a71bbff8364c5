/* encoding/json's reading of a text checkValid accepted: its string
 * unquoting (U+FFFD for what is not UTF-8 or an unpaired surrogate) and
 * json.Unmarshal into a flat struct (members in order, Go's
 * UnmarshalTypeError texts). Verified against Go 1.26 by conformance/peers'
 * json-oracle. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/hex.h"

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

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

/* strconv.ParseUint(literal, 10, 64), which Go's decoder runs for a uint64
 * field: digits only, within uint64. */
static bool uint64_literal(const uint8_t *p, size_t n, uint64_t *out) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    uint64_t d = (uint64_t)(p[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return n > 0;
}

/* The first type mismatch, kept to be reported at the end as Go does (it
 * keeps decoding): where the value is, and the field's Go type. */
struct type_error {
  const struct go_json_field *field; /* NULL: none yet */
  const uint8_t *value;
  size_t len;
  const char *go_type;
  bool quote; /* a number that an integer field refused: named as written */
};

static void note_type_error(struct type_error *te, const struct go_json_field *f, const uint8_t *v,
                            size_t n, const char *go_type) {
  bool number = v[0] == '-' || (v[0] >= '0' && v[0] <= '9');
  bool integer_field = f->kind == GO_JSON_INT || f->kind == GO_JSON_UINT64;
  if (te->field == NULL) *te = (struct type_error){f, v, n, go_type, number && integer_field};
}

/* Go's text for it: a number an integer field refused is named as written,
 * whole ("number 2.0", "number 1e2"), other values by their kind. */
static void put_type_error(const struct go_json_struct *st, const struct type_error *te, char *err,
                           size_t cap) {
  if (te->quote)
    snprintf(err, cap, "json: cannot unmarshal number %.*s into Go struct field %s.%s of type %s",
             (int)(te->len < INT_MAX ? te->len : INT_MAX), (const char *)te->value, st->struct_name,
             te->field->name, te->go_type);
  else
    snprintf(err, cap, "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
             value_kind(te->value[0]), st->struct_name, te->field->name, te->go_type);
}

/* One member's value into its field. False stops decoding (an
 * Unmarshaler's error, in err); a type mismatch is only noted. */
static bool store(const struct go_json_field *f, const uint8_t *v, size_t n, char *err, size_t cap,
                  struct type_error *te) {
  if (f->kind == GO_JSON_UNMARSHALER) return f->unmarshal(v, n, f->dst, err, cap);
  uint8_t first = v[0];
  if (first == 'n') return true; /* null leaves a field as it is */
  const char *go_type = "int";
  switch (f->kind) {
    case GO_JSON_INT:
    case GO_JSON_UINT64:
      if (f->kind == GO_JSON_UINT64) go_type = "uint64";
      if ((first == '-' || (first >= '0' && first <= '9')) &&
          (f->kind == GO_JSON_INT ? int64_literal(v, n, f->dst) : uint64_literal(v, n, f->dst)))
        return true;
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
    case GO_JSON_TEXT_UNMARSHALER:
      if (first == '"') return f->unmarshal(v, n, f->dst, err, cap);
      go_type = f->go_type;
      break;
    case GO_JSON_UNMARSHALER: break;
  }
  note_type_error(te, f, v, n, go_type);
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
  struct type_error te = {0};
  at = skip_space(text, len, at + 1);
  while (text[at] != '}') {
    size_t key_end = value_end(text, len, at);
    const struct go_json_field *f = field_for(st, text + at, key_end - at);
    at = skip_space(text, len, skip_space(text, len, key_end) + 1); /* past ':' */
    size_t end = value_end(text, len, at);
    if (f != NULL && !store(f, text + at, end - at, err, cap, &te)) return false;
    at = skip_space(text, len, end);
    if (text[at] == ',') at = skip_space(text, len, at + 1);
  }
  if (te.field == NULL) return true;
  put_type_error(st, &te, err, cap);
  return false;
}
