/* ServerInfo (spec §6.4/§6.6): nonce ‖ box sealed by the server's key to
 * ours, holding JSON. Checks and texts follow Go's parseServerInfo. */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "derp/client_session.h"
#include "derp/derp_keys.h"
#include "derp/go.h"
#include "derp/guard.h"

__attribute__((format(printf, 3, 4))) static bool info_fail(char *err, size_t cap, const char *fmt,
                                                            ...) {
  va_list ap;
  va_start(ap, fmt);
  if (cap) vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return false;
}

/* Go's json.Unmarshal into {version, TokenBucketBytesPerSecond,
 * TokenBucketBytesBurst int}: names match case-insensitively, unknown
 * fields and null are ignored, a later duplicate wins, any other type is an
 * error. */
static bool decode_info(const json_t *root, struct derp_server_info_msg *out, char *err,
                        size_t cap) {
  static const char *const names[] = {"version", "TokenBucketBytesPerSecond",
                                      "TokenBucketBytesBurst"};
  int64_t *fields[] = {&out->version, &out->token_bucket_bytes_per_second,
                       &out->token_bucket_bytes_burst};
  if (json_is_null(root)) return true;
  ENSURE(json_is_object(root), info_fail(err, cap, "invalid JSON: expected an object"));
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)root, key, value) {
    int i = go_json_field_index(key, strlen(key), names, sizeof names / sizeof names[0]);
    if (i < 0 || json_is_null(value)) continue;
    ENSURE(json_is_integer(value),
           info_fail(err, cap, "invalid JSON: field %s: expected an integer", names[i]));
    *fields[i] = json_integer_value(value);
  }
  return true;
}

bool derp_client_open_server_info(uint8_t *payload, size_t len,
                                  const uint8_t server_pub[DERP_KEY_LEN],
                                  const uint8_t client_priv[DERP_KEY_LEN],
                                  struct derp_server_info_msg *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  ENSURE(len >= DERP_SERVER_INFO_MIN_LEN, info_fail(err, err_cap, "short serverInfo frame"));
  ENSURE(len <= DERP_SERVER_INFO_MAX_LEN, info_fail(err, err_cap, "long serverInfo frame"));
  uint8_t *sealed = payload + DERP_NONCE_LEN;
  size_t sealed_len = len - DERP_NONCE_LEN;
  /* The box opens in place (plaintext where the ciphertext starts), which
   * spares a second 1 MiB buffer. */
  size_t plain_len = 0;
  bool opened = sealed_len >= DERP_BOX_OVERHEAD &&
                derp_open_box(sealed, sealed_len, &plain_len, sealed, sealed_len, payload,
                              server_pub, client_priv);
  if (!opened) {
    char key[DERP_KEY_TEXT_SIZE];
    derp_key_public_text(server_pub, key);
    return info_fail(err, err_cap, "failed to open naclbox from server key %s", key);
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)sealed, plain_len, JSON_DECODE_ANY, &jerr);
  if (!root) {
    /* jansson quotes the offending bytes: keep a hostile server's control
     * characters out of the message. */
    for (char *p = jerr.text; *p; p++)
      if (*p < 0x20 || *p == 0x7f) *p = '?';
    return info_fail(err, err_cap, "invalid JSON: %s", jerr.text);
  }
  bool ok = decode_info(root, out, err, err_cap);
  json_decref(root);
  return ok;
}
