/* ClientInfo JSON, decoded the way Go's encoding/json fills derp.ClientInfo:
 * so that a conformance run gets the same accept/reject decision and the
 * same error text as the upstream server (conformance/peers' json-oracle
 * runs tailscale.com's own decoding over the relay_client_info corpus).
 *
 * Straight off the text with the go module's json.Unmarshal
 * (go_json_unmarshal_struct), no JSON library: jansson's tree could not give
 * Go's verdicts (it skips a NUL byte after a number, refuses invalid UTF-8,
 * which Go substitutes with U+FFFD, and integers beyond int64 in any field).
 * The mesh key is key.DERPMesh's own UnmarshalJSON, written out here. */
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/hex.h"
#include "relay_internal.h"

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
static bool decode_mesh_key(const uint8_t *v, size_t len, void *dst, char *err, size_t cap) {
  struct relay_client_info *info = dst;
  uint8_t *out = info->mesh_key;
  uint8_t s[2 * DERP_KEY_LEN + 2];
  size_t n = v[0] == '"' ? go_json_unquote(v, len, s, sizeof s) : 0;
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
  info->has_mesh_key = true;
  return true;
}

bool relay_client_info_decode(const uint8_t *json, size_t len, struct relay_client_info *out,
                              char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  /* derp.ClientInfo's fields and their JSON names (struct tags). */
  const struct go_json_field fields[] = {
      {"meshKey", GO_JSON_UNMARSHALER, out, decode_mesh_key, NULL},
      {"version", GO_JSON_INT, &out->version, NULL, NULL},
      {"CanAckPings", GO_JSON_BOOL, &out->can_ack_pings, NULL, NULL},
      {"IsProber", GO_JSON_BOOL, &out->is_prober, NULL, NULL},
      {"AppName", GO_JSON_STRING, NULL, NULL, NULL},
  };
  const struct go_json_struct st = {"derp.ClientInfo", "ClientInfo", fields,
                                    sizeof fields / sizeof fields[0]};
  return go_json_unmarshal_struct(json, len, &st, err, err_cap);
}
