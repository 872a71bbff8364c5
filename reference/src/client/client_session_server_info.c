/* ServerInfo (spec §6.4/§6.6): nonce ‖ box sealed by the server's key to
 * ours, holding JSON. Checks and texts follow Go's parseServerInfo. */
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

bool derp_client_decode_server_info(const uint8_t *json, size_t len,
                                    struct derp_server_info_msg *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  /* derp.ServerInfo's fields and their JSON names (struct tags). */
  const struct go_json_field fields[] = {
      {"version", GO_JSON_INT, &out->version, NULL, NULL},
      {"TokenBucketBytesPerSecond", GO_JSON_INT, &out->token_bucket_bytes_per_second, NULL, NULL},
      {"TokenBucketBytesBurst", GO_JSON_INT, &out->token_bucket_bytes_burst, NULL, NULL},
  };
  const struct go_json_struct st = {"derp.ServerInfo", "ServerInfo", fields,
                                    sizeof fields / sizeof fields[0]};
  return go_json_unmarshal_struct(json, len, &st, err, err_cap);
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
  /* Go: "invalid JSON: " + json.Unmarshal's error (Go's texts quote no raw
   * control character). */
  char why[320];
  if (derp_client_decode_server_info(sealed, plain_len, out, why, sizeof why)) return true;
  return info_fail(err, err_cap, "invalid JSON: %s", why);
}
