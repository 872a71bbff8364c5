/* ClientInfo JSON, decoded the way Go's encoding/json fills derp.ClientInfo:
 * so that a conformance run gets the same accept/reject decision and the
 * same error text as the upstream server (conformance/peers' clientinfo-oracle
 * runs tailscale.com's own decoding over the relay_client_info corpus).
 *
 * Straight off the text, no JSON library: Go's syntax check first
 * (go_json_check_valid), then every member in order, duplicates included.
 * jansson's tree could not give Go's verdicts: it skips a NUL byte after a
 * number, refuses invalid UTF-8 (Go substitutes U+FFFD) and integers beyond
 * int64 in any field. */
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"
#include "relay_internal.h"

enum client_info_field {
  FIELD_NONE,
  FIELD_MESH_KEY,
  FIELD_VERSION,
  FIELD_CAN_ACK_PINGS,
  FIELD_IS_PROBER,
  FIELD_APP_NAME,
};

/* The JSON names Go derives from ClientInfo's struct tags, in the order of
 * enum client_info_field after FIELD_NONE. */
static const char *const client_info_names[] = {"meshKey", "version", "CanAckPings", "IsProber",
                                                "AppName"};

static enum client_info_field field_of(const char *key, size_t key_len) {
  int i = go_json_field_index(key, key_len, client_info_names,
                              sizeof client_info_names / sizeof client_info_names[0]);
  return i < 0 ? FIELD_NONE : (enum client_info_field)(FIELD_MESH_KEY + i);
}

/* What Go's UnmarshalTypeError calls a value, from its first byte. */
static const char *json_kind(uint8_t first) {
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

/* A value token of a valid text: its bytes [ptr, ptr + len). */
struct json_token {
  const uint8_t *ptr;
  size_t len;
};

static void type_error(char *err, size_t cap, struct json_token v, const char *field,
                       const char *go_type) {
  snprintf(err, cap, "json: cannot unmarshal %s into Go struct field ClientInfo.%s of type %s",
           json_kind(v.ptr[0]), field, go_type);
}

/* strconv.ParseInt(literal, 10, 64), which Go's decoder runs for an int
 * field: digits with an optional '-' (JSON has no '+'), within int64. */
static bool int64_literal(struct json_token v, int64_t *out) {
  bool neg = v.ptr[0] == '-';
  size_t i = neg ? 1 : 0;
  uint64_t n = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  GUARD(i < v.len);
  for (; i < v.len; i++) {
    GUARD(v.ptr[i] >= '0' && v.ptr[i] <= '9');
    uint64_t d = (uint64_t)(v.ptr[i] - '0');
    GUARD(n <= (limit - d) / 10);
    n = n * 10 + d;
  }
  *out = neg ? (int64_t)(0 - n) : (int64_t)n;
  return true;
}

/* Go's %#U of the byte taken as a rune: "U+0067 'g'", the quoted part only
 * when the rune is printable. */
static void rune_text(uint8_t b, char *out, size_t cap) {
  bool printable = (b >= 0x20 && b <= 0x7e) || (b >= 0xa1 && b != 0xad);
  if (!printable) {
    snprintf(out, cap, "U+%04X", b);
  } else if (b < 0x80) {
    snprintf(out, cap, "U+%04X '%c'", b, b);
  } else {
    snprintf(out, cap, "U+%04X '%c%c'", b, (char)(0xc0 | (b >> 6)), (char)(0x80 | (b & 0x3f)));
  }
}

/* key.DERPMesh.UnmarshalJSON: any non-string is taken as "" (its own
 * json.Unmarshal into a string fails and the error is dropped), the decoded
 * length must be 32 bytes, then every digit must be hex. */
static bool decode_mesh_key(struct json_token v, uint8_t out[DERP_KEY_LEN], char *err, size_t cap) {
  uint8_t s[2 * DERP_KEY_LEN + 2];
  size_t n = v.ptr[0] == '"' ? go_json_unquote(v.ptr, v.len, s, sizeof s) : 0;
  if (n / 2 != DERP_KEY_LEN) {
    snprintf(err, cap,
             "types/key/derp: cannot unmarshal, incorrect size mesh key len: %zu, must be 32, "
             "invalid mesh key",
             n / 2);
    return false;
  }
  char bad[16];
  for (size_t i = 0; i + 1 < n; i += 2) {
    int hi = derp_hex_digit_value(s[i]), lo = derp_hex_digit_value(s[i + 1]);
    if (hi < 0 || lo < 0) {
      rune_text(hi < 0 ? s[i] : s[i + 1], bad, sizeof bad);
      snprintf(err, cap,
               "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: invalid "
               "byte: %s",
               bad);
      return false;
    }
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  if (n % 2) {
    if (derp_hex_digit_value(s[n - 1]) < 0) {
      rune_text(s[n - 1], bad, sizeof bad);
      snprintf(err, cap,
               "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: invalid "
               "byte: %s",
               bad);
    } else {
      snprintf(err, cap,
               "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: odd length "
               "hex string");
    }
    return false;
  }
  return true;
}

/* Applies one member. Returns false to stop at once (Go aborts on an
 * Unmarshaler error); a type mismatch is only remembered in `saved`, as Go
 * keeps decoding and reports the first one at the end. */
static bool apply_member(enum client_info_field f, struct json_token v,
                         struct relay_client_info *out, char *err, size_t cap, char *saved,
                         size_t saved_cap) {
  if (f == FIELD_MESH_KEY) {
    GUARD(decode_mesh_key(v, out->mesh_key, err, cap));
    out->has_mesh_key = true;
    return true;
  }
  uint8_t first = v.ptr[0];
  if (first == 'n') return true; /* null leaves a field as it is */
  const char *name = NULL, *go_type = NULL;
  switch (f) {
    case FIELD_VERSION:
      if (first == '-' || (first >= '0' && first <= '9')) {
        if (int64_literal(v, &out->version)) return true;
        /* Go names the literal as written: "number 2.0", "number 1e2" */
        if (saved[0] == '\0')
          snprintf(saved, saved_cap,
                   "json: cannot unmarshal number %.*s into Go struct field ClientInfo.version of "
                   "type int",
                   (int)(v.len < 64 ? v.len : 64), (const char *)v.ptr);
        return true;
      }
      name = "version", go_type = "int";
      break;
    case FIELD_CAN_ACK_PINGS:
    case FIELD_IS_PROBER:
      if (first == 't' || first == 'f') {
        bool *dst = f == FIELD_IS_PROBER ? &out->is_prober : &out->can_ack_pings;
        *dst = first == 't';
        return true;
      }
      name = f == FIELD_IS_PROBER ? "IsProber" : "CanAckPings", go_type = "bool";
      break;
    case FIELD_APP_NAME:
      if (first == '"') return true;
      name = "AppName", go_type = "string";
      break;
    default: return true;
  }
  if (saved[0] == '\0') type_error(saved, saved_cap, v, name, go_type);
  return true;
}

/* A key as Go compares it with the field names: unquoted (escapes, U+FFFD
 * for bad bytes). Longer than any spelling of a name can be (11 runes of
 * at most 3 bytes): no field. */
static enum client_info_field key_field(struct json_token key) {
  uint8_t text[48];
  size_t n = go_json_unquote(key.ptr, key.len, text, sizeof text);
  return n > sizeof text ? FIELD_NONE : field_of((const char *)text, n);
}

bool relay_client_info_decode(const uint8_t *json, size_t len, struct relay_client_info *out,
                              char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  if (err_cap) err[0] = '\0';
  /* As json.Unmarshal: the whole text's syntax first, then the fields. */
  GUARD(go_json_check_valid(json, len, err, err_cap));
  size_t at = go_json_skip_space(json, len, 0);
  if (json[at] == 'n') return true; /* null: nothing to set */
  if (json[at] != '{') {
    snprintf(err, err_cap, "json: cannot unmarshal %s into Go value of type derp.ClientInfo",
             json_kind(json[at]));
    return false;
  }
  char saved[RELAY_REASON_CAP] = "";
  at = go_json_skip_space(json, len, at + 1);
  while (json[at] != '}') {
    size_t key_end = go_json_value_end(json, len, at);
    struct json_token key = {json + at, key_end - at};
    at = go_json_skip_space(json, len, key_end) + 1; /* past ':' */
    at = go_json_skip_space(json, len, at);
    size_t value_end = go_json_value_end(json, len, at);
    struct json_token value = {json + at, value_end - at};
    GUARD(apply_member(key_field(key), value, out, err, err_cap, saved, sizeof saved));
    at = go_json_skip_space(json, len, value_end);
    if (json[at] == ',') at = go_json_skip_space(json, len, at + 1);
  }
  if (saved[0]) {
    snprintf(err, err_cap, "%s", saved);
    return false;
  }
  return true;
}
