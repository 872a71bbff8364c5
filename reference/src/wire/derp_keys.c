#include "derp/derp_keys.h"

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

/* cmd/derper's config{PrivateKey key.NodePrivate}, read as derper's
 * loadConfig reads it: json.Unmarshal (the go module's model of it), so a
 * file derper takes is taken here and every refusal is in Go's words.
 * Stricter than derper on purpose, in derpcheck's words: a missing or null
 * PrivateKey (derper would run with the zero key) and one given twice
 * (Go keeps the last). */
struct keyfile_read {
  uint8_t *priv;
  unsigned times; /* PrivateKey members seen */
  bool bad_key;   /* key.NodePrivate.UnmarshalText refused one */
};

/* key.NodePrivate.UnmarshalText (types/key parseHex): the prefix, then the
 * length, then the digits (either case), each with its own text. */
static bool unmarshal_private_key(const uint8_t *tok, size_t len, void *dst, char *err,
                                  size_t cap) {
  struct keyfile_read *r = dst;
  r->times++;
  char s[DERP_KEY_TEXT_SIZE];
  size_t n = go_json_unquote(tok, len, (uint8_t *)s, sizeof s);
  const size_t plen = strlen(DERP_KEY_PRIVATE_PREFIX);
  r->bad_key = true;
  if (n < plen || memcmp(s, DERP_KEY_PRIVATE_PREFIX, plen) != 0) {
    snprintf(err, cap, "key hex string doesn't have expected type prefix %s",
             DERP_KEY_PRIVATE_PREFIX);
    return false;
  }
  if (n - plen != DERP_KEY_HEX_LEN) {
    snprintf(err, cap, "key hex has the wrong size, got %zu want %d", n - plen, DERP_KEY_HEX_LEN);
    return false;
  }
  if (!derp_key_from_hex(s + plen, DERP_KEY_HEX_LEN, r->priv)) {
    snprintf(err, cap, "invalid hex character in key");
    return false;
  }
  r->bad_key = false;
  return true;
}

enum derp_keyfile_status derp_keyfile_parse(const uint8_t *json, size_t len,
                                            uint8_t priv[DERP_KEY_LEN], char *why, size_t why_cap) {
  size_t at;
  char go_err[160];
  if (!go_json_check_valid(json, len, &at, go_err, sizeof go_err)) {
    int line, column;
    text_line_column((const char *)json, len, at, &line, &column);
    snprintf(why, why_cap, "invalid JSON at line %d column %d: %s", line, column, go_err);
    return DERP_KEYFILE_ERR_JSON;
  }
  uint8_t key[DERP_KEY_LEN] = {0};
  struct keyfile_read r = {key, 0, false};
  const struct go_json_field fields[] = {
      {KEYFILE_FIELD, GO_JSON_TEXT_UNMARSHALER, &r, unmarshal_private_key, "key.NodePrivate"},
  };
  const struct go_json_struct config = {"main.config", "config", fields, 1};
  size_t top = 0;
  while (top < len &&
         (json[top] == ' ' || json[top] == '\t' || json[top] == '\r' || json[top] == '\n'))
    top++;
  enum derp_keyfile_status st = DERP_KEYFILE_OK;
  if (!go_json_unmarshal_struct(json, len, &config, go_err, sizeof go_err)) {
    /* (the key's own texts do not name the field: derper's do not either) */
    snprintf(why, why_cap, "%s%s", r.bad_key ? KEYFILE_FIELD ": " : "", go_err);
    /* not an object at all; the key's own text; a field of the wrong type */
    st = json[top] != '{' ? DERP_KEYFILE_ERR_JSON
         : r.bad_key      ? DERP_KEYFILE_ERR_KEY
                          : DERP_KEYFILE_ERR_FIELD;
  } else if (r.times == 0) {
    snprintf(why, why_cap, "no \"PrivateKey\" field (derper would run with the zero key)");
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (r.times > 1) {
    snprintf(why, why_cap, "\"PrivateKey\" given %u times (names match case-insensitively)",
             r.times);
    st = DERP_KEYFILE_ERR_FIELD;
  } else {
    memcpy(priv, key, DERP_KEY_LEN);
  }
  sodium_memzero(key, sizeof key);
  return st;
}

bool derp_keyfile_format(const uint8_t priv[DERP_KEY_LEN], char *out, size_t cap) {
  char text[DERP_KEY_TEXT_SIZE];
  derp_key_private_text(priv, text);
  int n = snprintf(out, cap, "{\n\t\"" KEYFILE_FIELD "\": \"%s\"\n}", text);
  sodium_memzero(text, sizeof text);
  return n > 0 && (size_t)n < cap;
}

/* derper: key.ParseDERPMesh of the file, which trims as strings.TrimSpace
 * does (any Unicode white space; json-oracle found \v, \f, U+00A0 refused
 * here), then wants 64 hex digits of either case. derper runs without a
 * mesh key when the file is empty; here that is an error. */
bool derp_mesh_key_parse(const uint8_t *text, size_t len, uint8_t key[DERP_KEY_LEN], char *why,
                         size_t cap) {
  size_t start;
  len = go_trim_space(text, len, &start);
  text += start;
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
