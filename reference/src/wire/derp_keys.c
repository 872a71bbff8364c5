#include "derp/derp_keys.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_box.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"

void derp_key_clamp(uint8_t priv[DERP_KEY_LEN]) {
  priv[0] &= 248;
  priv[31] = (uint8_t)((priv[31] & 127) | 64);
}

bool derp_key_is_zero(const uint8_t key[DERP_KEY_LEN]) {
  return sodium_is_zero(key, DERP_KEY_LEN) == 1;
}

bool derp_key_public_from_private(const uint8_t priv[DERP_KEY_LEN], uint8_t pub[DERP_KEY_LEN]) {
  return derp_box_public_key(pub, priv);
}

bool derp_keypair_generate(struct derp_keypair *out) {
  GUARD(sodium_init() >= 0);
  randombytes_buf(out->priv, sizeof out->priv);
  derp_key_clamp(out->priv);
  return derp_key_public_from_private(out->priv, out->pub);
}

bool derp_key_from_hex(const char *hex, size_t len, uint8_t out[DERP_KEY_LEN]) {
  return derp_hex_decode(hex, len, out, DERP_KEY_LEN);
}

static void key_text(const char *prefix, const uint8_t key[DERP_KEY_LEN],
                     char out[DERP_KEY_TEXT_SIZE]) {
  size_t plen = strlen(prefix);
  memcpy(out, prefix, plen);
  derp_hex_lower(key, DERP_KEY_LEN, out + plen);
}

void derp_key_public_text(const uint8_t pub[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]) {
  key_text(DERP_KEY_PUBLIC_PREFIX, pub, out);
}

void derp_key_private_text(const uint8_t priv[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]) {
  key_text(DERP_KEY_PRIVATE_PREFIX, priv, out);
}

bool derp_key_parse_text(const char *text, size_t len, const char *prefix,
                         uint8_t out[DERP_KEY_LEN]) {
  size_t plen = strlen(prefix);
  GUARD(text != NULL && len >= plen && memcmp(text, prefix, plen) == 0);
  return derp_key_from_hex(text + plen, len - plen, out);
}

/* ---- key file: parse/format (the file itself is derp-relay's relay_keyfile) ---- */

#define KEYFILE_FIELD "PrivateKey"

enum derp_keyfile_status derp_keyfile_parse(const uint8_t *json, size_t len,
                                            uint8_t priv[DERP_KEY_LEN], char *why, size_t why_cap) {
  /* Syntax as derper's json.Unmarshal judges it, in its words, at the byte
   * at fault; then jansson's tree (jansson alone reads a NUL after a number
   * as nothing, and says "end of file" at any other). */
  size_t at;
  char go_err[96];
  if (!go_json_check_valid(json, len, &at, go_err, sizeof go_err)) {
    int line, column;
    text_line_column((const char *)json, len, at, &line, &column);
    snprintf(why, why_cap, "invalid JSON at line %d column %d: %s", line, column, go_err);
    return DERP_KEYFILE_ERR_JSON;
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    snprintf(why, why_cap, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
             jerr.text);
    return DERP_KEYFILE_ERR_JSON;
  }
  enum derp_keyfile_status st = DERP_KEYFILE_OK;
  json_t *value = NULL;
  unsigned matches = 0;
  if (!json_is_object(root)) {
    snprintf(why, why_cap, "want a JSON object, not %s",
             json_is_array(root) ? "an array" : "a scalar");
    st = DERP_KEYFILE_ERR_JSON;
    goto out;
  }
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (go_json_field_index(k, strlen(k), (const char *const[]){KEYFILE_FIELD}, 1) == 0) {
      value = v;
      matches++;
    }
  }
  if (matches == 0 || json_is_null(value)) {
    snprintf(why, why_cap, "no \"PrivateKey\" field");
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (matches > 1) {
    snprintf(why, why_cap, "\"PrivateKey\" given %u times (names match case-insensitively)",
             matches);
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (!json_is_string(value)) {
    snprintf(why, why_cap, "\"PrivateKey\" is not a string");
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (!derp_key_parse_text(json_string_value(value), json_string_length(value),
                                  DERP_KEY_PRIVATE_PREFIX, priv)) {
    snprintf(why, why_cap, "\"PrivateKey\" must be \"privkey:\" followed by 64 hex digits");
    st = DERP_KEYFILE_ERR_KEY;
  }
out:
  json_decref(root);
  return st;
}

bool derp_keyfile_format(const uint8_t priv[DERP_KEY_LEN], char *out, size_t cap) {
  char text[DERP_KEY_TEXT_SIZE];
  derp_key_private_text(priv, text);
  int n = snprintf(out, cap, "{\n\t\"" KEYFILE_FIELD "\": \"%s\"\n}", text);
  sodium_memzero(text, sizeof text);
  return n > 0 && (size_t)n < cap;
}

static bool mesh_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool derp_mesh_key_parse(const uint8_t *text, size_t len, uint8_t key[DERP_KEY_LEN], char *why,
                         size_t cap) {
  while (len > 0 && mesh_space(text[0])) text++, len--;
  while (len > 0 && mesh_space(text[len - 1])) len--;
  if (len != 2 * DERP_KEY_LEN) {
    snprintf(why, cap, "must hold 64 hex digits, found %zu characters", len);
    return false;
  }
  if (!derp_hex_decode((const char *)text, len, key, DERP_KEY_LEN)) {
    snprintf(why, cap, "must hold 64 hex digits, found a character that is not one");
    return false;
  }
  return true;
}
