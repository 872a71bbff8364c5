/* ClientInfo JSON, decoded the way Go's encoding/json fills derp.ClientInfo:
 * so that a conformance run gets the same accept/reject decision (and, where
 * it is ours to produce, the same error text) as the upstream server.
 *
 * Known differences, all on inputs Go also rejects or that jansson cannot
 * represent: syntax errors carry jansson's wording; a duplicate key is seen
 * once (its last value); integers beyond int64 are a syntax error; invalid
 * UTF-8 is rejected (Go substitutes U+FFFD). */
#include <jansson.h>
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

static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    case JSON_NULL: return "null";
  }
  return "value";
}

static void type_error(char *err, size_t cap, const json_t *v, const char *field,
                       const char *go_type) {
  char value[48];
  if (json_is_real(v) && strcmp(go_type, "int") == 0) {
    snprintf(value, sizeof value, "number %g", json_real_value(v));
  } else {
    snprintf(value, sizeof value, "%s", json_kind(v));
  }
  snprintf(err, cap, "json: cannot unmarshal %s into Go struct field ClientInfo.%s of type %s",
           value, field, go_type);
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

/* key.DERPMesh.UnmarshalJSON: any non-string is taken as "", the decoded
 * length must be 32 bytes, then every digit must be hex. */
static bool decode_mesh_key(const json_t *v, uint8_t out[DERP_KEY_LEN], char *err, size_t cap) {
  const uint8_t *s = (const uint8_t *)(json_is_string(v) ? json_string_value(v) : "");
  size_t n = json_is_string(v) ? json_string_length(v) : 0;
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

static bool only_whitespace(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return false;
  }
  return true;
}

/* Applies one member. Returns false to stop at once (Go aborts on an
 * Unmarshaler error); a type mismatch is only remembered in `saved`, as Go
 * keeps decoding and reports the first one at the end. */
static bool apply_member(enum client_info_field f, const json_t *v, struct relay_client_info *out,
                         char *err, size_t cap, char *saved, size_t saved_cap) {
  if (f == FIELD_MESH_KEY) {
    GUARD(decode_mesh_key(v, out->mesh_key, err, cap));
    out->has_mesh_key = true;
    return true;
  }
  if (json_is_null(v)) return true;
  const char *name = NULL, *go_type = NULL;
  switch (f) {
    case FIELD_VERSION:
      if (json_is_integer(v)) {
        out->version = json_integer_value(v);
        return true;
      }
      name = "version", go_type = "int";
      break;
    case FIELD_CAN_ACK_PINGS:
    case FIELD_IS_PROBER:
      if (json_is_boolean(v)) {
        bool *dst = f == FIELD_IS_PROBER ? &out->is_prober : &out->can_ack_pings;
        *dst = json_is_true(v);
        return true;
      }
      name = f == FIELD_IS_PROBER ? "IsProber" : "CanAckPings", go_type = "bool";
      break;
    case FIELD_APP_NAME:
      if (json_is_string(v)) return true;
      name = "AppName", go_type = "string";
      break;
    default: return true;
  }
  if (saved[0] == '\0') type_error(saved, saved_cap, v, name, go_type);
  return true;
}

bool relay_client_info_decode(const uint8_t *json, size_t len, struct relay_client_info *out,
                              char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  if (err_cap) err[0] = '\0';
  if (only_whitespace(json, len)) {
    snprintf(err, err_cap, "unexpected end of JSON input");
    return false;
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
  if (!root) {
    snprintf(err, err_cap, "%s", jerr.text);
    return false;
  }
  bool ok = true;
  if (json_is_object(root)) {
    char saved[RELAY_REASON_CAP] = "";
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach(root, key, key_len, v) {
      if (!apply_member(field_of(key, key_len), v, out, err, err_cap, saved, sizeof saved)) {
        ok = false;
        break;
      }
    }
    if (ok && saved[0]) {
      snprintf(err, err_cap, "%s", saved);
      ok = false;
    }
  } else if (!json_is_null(root)) {
    snprintf(err, err_cap, "json: cannot unmarshal %s into Go value of type derp.ClientInfo",
             json_kind(root));
    ok = false;
  }
  json_decref(root);
  return ok;
}
