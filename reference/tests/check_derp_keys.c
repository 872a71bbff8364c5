#include "derp/derp_keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"

static const char hex64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static char last_why[256]; /* parse_str's message */

static enum derp_keyfile_status parse_str(const char *json, uint8_t priv[32]) {
  return derp_keyfile_parse((const uint8_t *)json, strlen(json), priv, last_why, sizeof last_why);
}

/* A NUL byte after a number: jansson reads past it, derper's json.Unmarshal
 * does not (Go 1.26's text). */
START_TEST(keyfile_parse_refuses_nul_as_go_does) {
  char json[160];
  int n = snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%s\",\n\"x\":1", hex64);
  memcpy(json + n, "\0}", 3);
  uint8_t priv[32];
  char why[256];
  ck_assert_int_eq(derp_keyfile_parse((const uint8_t *)json, (size_t)n + 2, priv, why, sizeof why),
                   DERP_KEYFILE_ERR_JSON);
  ck_assert_str_eq(why,
                   "invalid JSON at line 2 column 6: invalid character '\\x00' after object "
                   "key:value pair");
}
END_TEST

START_TEST(generated_key_is_clamped_and_public_matches) {
  struct derp_keypair kp;
  ck_assert(derp_keypair_generate(&kp));
  ck_assert_uint_eq(kp.priv[0] & 7, 0);
  ck_assert_uint_eq(kp.priv[31] & 0xc0, 0x40);
  uint8_t want[32];
  ck_assert_int_eq(crypto_scalarmult_base(want, kp.priv), 0);
  ck_assert_mem_eq(kp.pub, want, 32);
  struct derp_keypair other;
  ck_assert(derp_keypair_generate(&other));
  ck_assert(memcmp(kp.priv, other.priv, 32) != 0);
}
END_TEST

START_TEST(public_from_private_matches_rfc7748_vector) {
  /* RFC 7748 §6.1: Alice's private key and public key. */
  static const char priv_hex[] = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
  static const char pub_hex[] = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
  uint8_t priv[32], pub[32], want[32];
  ck_assert(derp_key_from_hex(priv_hex, 64, priv));
  ck_assert(derp_key_from_hex(pub_hex, 64, want));
  ck_assert(derp_key_public_from_private(priv, pub));
  ck_assert_mem_eq(pub, want, 32);
}
END_TEST

START_TEST(hex_decode_accepts_either_case) {
  uint8_t lower[32], upper[32];
  char up[65];
  for (int i = 0; i < 64; i++) up[i] = (char)((hex64[i] >= 'a') ? hex64[i] - 32 : hex64[i]);
  up[64] = '\0';
  ck_assert(derp_key_from_hex(hex64, 64, lower));
  ck_assert(derp_key_from_hex(up, 64, upper));
  ck_assert_mem_eq(lower, upper, 32);
  ck_assert_uint_eq(lower[0], 0x01);
  ck_assert_uint_eq(lower[7], 0xef);
}
END_TEST

START_TEST(hex_decode_rejects_wrong_length) {
  uint8_t k[32];
  memset(k, 0x5a, sizeof k);
  ck_assert(!derp_key_from_hex(hex64, 63, k));
  char long_hex[66];
  snprintf(long_hex, sizeof long_hex, "%s0", hex64);
  ck_assert(!derp_key_from_hex(long_hex, 65, k));
  ck_assert(!derp_key_from_hex(hex64, 0, k));
  ck_assert(!derp_key_from_hex(NULL, 64, k));
  ck_assert_uint_eq(k[0], 0x5a); /* untouched on failure */
}
END_TEST

START_TEST(hex_decode_rejects_non_hex) {
  uint8_t k[32];
  char bad[65];
  memcpy(bad, hex64, 65);
  bad[40] = 'g';
  ck_assert(!derp_key_from_hex(bad, 64, k));
  bad[40] = ' ';
  ck_assert(!derp_key_from_hex(bad, 64, k));
  bad[40] = '\0';
  ck_assert(!derp_key_from_hex(bad, 64, k));
}
END_TEST

START_TEST(text_forms_round_trip) {
  struct derp_keypair kp;
  ck_assert(derp_keypair_generate(&kp));
  char pub[DERP_KEY_TEXT_SIZE], priv[DERP_KEY_TEXT_SIZE];
  derp_key_public_text(kp.pub, pub);
  derp_key_private_text(kp.priv, priv);
  ck_assert_uint_eq(strlen(pub), 72);
  ck_assert(strncmp(pub, "nodekey:", 8) == 0);
  ck_assert(strncmp(priv, "privkey:", 8) == 0);
  uint8_t back[32];
  ck_assert(derp_key_parse_text(pub, strlen(pub), DERP_KEY_PUBLIC_PREFIX, back));
  ck_assert_mem_eq(back, kp.pub, 32);
  ck_assert(derp_key_parse_text(priv, strlen(priv), DERP_KEY_PRIVATE_PREFIX, back));
  ck_assert_mem_eq(back, kp.priv, 32);
}
END_TEST

START_TEST(text_parse_rejects_wrong_prefix) {
  char text[DERP_KEY_TEXT_SIZE + 1];
  uint8_t k[32];
  snprintf(text, sizeof text, "nodekey:%s", hex64);
  ck_assert(!derp_key_parse_text(text, strlen(text), DERP_KEY_PRIVATE_PREFIX, k));
  snprintf(text, sizeof text, "Privkey:%s", hex64);
  ck_assert(!derp_key_parse_text(text, strlen(text), DERP_KEY_PRIVATE_PREFIX, k));
  ck_assert(!derp_key_parse_text(hex64, 64, DERP_KEY_PRIVATE_PREFIX, k));
  ck_assert(!derp_key_parse_text("privkey", 7, DERP_KEY_PRIVATE_PREFIX, k));
}
END_TEST

START_TEST(keyfile_format_is_go_marshalindent) {
  uint8_t priv[32];
  ck_assert(derp_key_from_hex(hex64, 64, priv));
  char out[128];
  ck_assert(derp_keyfile_format(priv, out, sizeof out));
  ck_assert_str_eq(
      out,
      "{\n\t\"PrivateKey\": "
      "\"privkey:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n}");
  ck_assert(!derp_keyfile_format(priv, out, 90));
}
END_TEST

START_TEST(keyfile_parse_accepts_compact_and_case_insensitive_name) {
  char json[160];
  uint8_t priv[32], want[32];
  ck_assert(derp_key_from_hex(hex64, 64, want));
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%s\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_OK);
  ck_assert_mem_eq(priv, want, 32);
  memset(priv, 0, sizeof priv);
  snprintf(json, sizeof json, "{\"other\":1,\"privatekey\":\"privkey:%s\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_OK);
  ck_assert_mem_eq(priv, want, 32);
}
END_TEST

START_TEST(keyfile_parse_rejects_bad_json) {
  uint8_t priv[32];
  char why[256];
  const char *json = "{\"PrivateKey\": ";
  ck_assert_int_eq(derp_keyfile_parse((const uint8_t *)json, strlen(json), priv, why, sizeof why),
                   DERP_KEYFILE_ERR_JSON);
  ck_assert_ptr_nonnull(strstr(why, "invalid JSON"));
  ck_assert_int_eq(parse_str("[]", priv), DERP_KEYFILE_ERR_JSON);
  ck_assert_int_eq(parse_str("", priv), DERP_KEYFILE_ERR_JSON);
}
END_TEST

START_TEST(keyfile_parse_rejects_missing_field) {
  uint8_t priv[32];
  ck_assert_int_eq(parse_str("{}", priv), DERP_KEYFILE_ERR_FIELD);
  ck_assert_int_eq(parse_str("{\"PublicKey\":\"x\"}", priv), DERP_KEYFILE_ERR_FIELD);
  ck_assert_int_eq(parse_str("{\"PrivateKey\":null}", priv), DERP_KEYFILE_ERR_FIELD);
  ck_assert_int_eq(parse_str("{\"PrivateKey\":42}", priv), DERP_KEYFILE_ERR_FIELD);
}
END_TEST

START_TEST(keyfile_parse_rejects_duplicate_field) {
  char json[256];
  uint8_t priv[32];
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%s\",\"privateKEY\":\"privkey:%s\"}",
           hex64, hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_FIELD);
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%s\",\"PrivateKey\":\"privkey:%s\"}",
           hex64, hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_FIELD);
  ck_assert_str_eq(last_why, "\"PrivateKey\" given 2 times (names match case-insensitively)");
}
END_TEST

START_TEST(keyfile_parse_rejects_wrong_prefix) {
  char json[160];
  uint8_t priv[32];
  snprintf(json, sizeof json, "{\"PrivateKey\":\"nodekey:%s\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
  snprintf(json, sizeof json, "{\"PrivateKey\":\"%s\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
}
END_TEST

START_TEST(keyfile_parse_rejects_63_hex) {
  char json[160];
  uint8_t priv[32];
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%.63s\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%s0\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
}
END_TEST

START_TEST(keyfile_parse_rejects_non_hex) {
  char json[160];
  uint8_t priv[32];
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%.63sz\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
}
END_TEST

/* derper's loadConfig is json.Unmarshal into config{PrivateKey
 * key.NodePrivate}: what it ignores may hold anything Go reads, and every
 * refusal is Go's text (each printed by Go 1.26 through json-oracle). */
START_TEST(keyfile_parse_is_derpers_json_unmarshal) {
  char json[256];
  uint8_t priv[32];
  snprintf(json, sizeof json,
           "{\"a\\u0000\":\"b\\u0000\\ud800\",\"x\":99999999999999999999999,"
           "\"PrivateKey\":\"privkey:%s\"}",
           hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_OK);
  ck_assert_uint_eq(priv[0], 0x01);
  static const struct {
    const char *json;
    enum derp_keyfile_status st;
    const char *why;
  } rows[] = {
      {"{\"PrivateKey\":5}", DERP_KEYFILE_ERR_FIELD,
       "json: cannot unmarshal number into Go struct field config.PrivateKey of type "
       "key.NodePrivate"},
      {"{\"PrivateKey\":true}", DERP_KEYFILE_ERR_FIELD,
       "json: cannot unmarshal bool into Go struct field config.PrivateKey of type "
       "key.NodePrivate"},
      {"[]", DERP_KEYFILE_ERR_JSON,
       "json: cannot unmarshal array into Go value of type main.config"},
      {"{\"PrivateKey\":\"\"}", DERP_KEYFILE_ERR_KEY,
       "PrivateKey: key hex string doesn't have expected type prefix privkey:"},
      {"{\"PrivateKey\":\"privkey:0\"}", DERP_KEYFILE_ERR_KEY,
       "PrivateKey: key hex has the wrong size, got 1 want 64"},
      {"\n", DERP_KEYFILE_ERR_JSON,
       "invalid JSON at line 2 column 1: unexpected end of JSON input"},
      {"null", DERP_KEYFILE_ERR_FIELD,
       "no \"PrivateKey\" field (derper would run with the zero key)"},
  };
  for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
    ck_assert_int_eq(parse_str(rows[k].json, priv), rows[k].st);
    ck_assert_str_eq(last_why, rows[k].why);
  }
  snprintf(json, sizeof json, "{\"PrivateKey\":\"privkey:%.63sz\"}", hex64);
  ck_assert_int_eq(parse_str(json, priv), DERP_KEYFILE_ERR_KEY);
  ck_assert_str_eq(last_why, "PrivateKey: invalid hex character in key");
}
END_TEST

/* derper's --mesh-psk-file goes through key.ParseDERPMesh: strings.TrimSpace
 * (any Unicode white space) and 64 hex digits of either case. */
START_TEST(mesh_key_trimmed_as_go_trims) {
  char text[128];
  uint8_t key[32];
  char why[128];
  int n = snprintf(text, sizeof text, "\v\f\xc2\xa0%s\xe3\x80\x80\xc2\x85", hex64);
  ck_assert_msg(derp_mesh_key_parse((const uint8_t *)text, (size_t)n, key, why, sizeof why), "%s",
                why);
  ck_assert_uint_eq(key[31], 0xef);
  n = snprintf(text, sizeof text, "\xef\xbb\xbf%s", hex64); /* a BOM is no space */
  ck_assert(!derp_mesh_key_parse((const uint8_t *)text, (size_t)n, key, why, sizeof why));
  ck_assert_str_eq(why, "must hold 64 hex digits, found 67 characters");
}
END_TEST

START_TEST(clientinfo_box_between_generated_pairs_opens) {
  struct derp_keypair client, server;
  ck_assert(derp_keypair_generate(&client));
  ck_assert(derp_keypair_generate(&server));
  const char msg[] = "{\"version\":2,\"CanAckPings\":true}";
  uint8_t nonce[crypto_box_NONCEBYTES];
  randombytes_buf(nonce, sizeof nonce);
  uint8_t boxed[sizeof msg + crypto_box_MACBYTES];
  ck_assert_int_eq(
      crypto_box_easy(boxed, (const uint8_t *)msg, sizeof msg, nonce, server.pub, client.priv), 0);
  uint8_t opened[sizeof msg];
  ck_assert_int_eq(
      crypto_box_open_easy(opened, boxed, sizeof boxed, nonce, client.pub, server.priv), 0);
  ck_assert_mem_eq(opened, msg, sizeof msg);
  /* Opening with a third party's key fails. */
  struct derp_keypair other;
  ck_assert(derp_keypair_generate(&other));
  ck_assert_int_ne(crypto_box_open_easy(opened, boxed, sizeof boxed, nonce, other.pub, server.priv),
                   0);
}
END_TEST

static Suite *derp_keys_suite(void) {
  Suite *s = suite_create("derp_keys");
  TCase *keys = tcase_create("keys");
  tcase_add_test(keys, generated_key_is_clamped_and_public_matches);
  tcase_add_test(keys, public_from_private_matches_rfc7748_vector);
  tcase_add_test(keys, hex_decode_accepts_either_case);
  tcase_add_test(keys, hex_decode_rejects_wrong_length);
  tcase_add_test(keys, hex_decode_rejects_non_hex);
  tcase_add_test(keys, text_forms_round_trip);
  tcase_add_test(keys, text_parse_rejects_wrong_prefix);
  tcase_add_test(keys, clientinfo_box_between_generated_pairs_opens);
  suite_add_tcase(s, keys);
  TCase *file = tcase_create("keyfile");
  tcase_add_test(file, keyfile_format_is_go_marshalindent);
  tcase_add_test(file, keyfile_parse_accepts_compact_and_case_insensitive_name);
  tcase_add_test(file, keyfile_parse_rejects_bad_json);
  tcase_add_test(file, keyfile_parse_rejects_missing_field);
  tcase_add_test(file, keyfile_parse_rejects_duplicate_field);
  tcase_add_test(file, keyfile_parse_rejects_wrong_prefix);
  tcase_add_test(file, keyfile_parse_rejects_63_hex);
  tcase_add_test(file, keyfile_parse_rejects_non_hex);
  tcase_add_test(file, keyfile_parse_is_derpers_json_unmarshal);
  tcase_add_test(file, mesh_key_trimmed_as_go_trims);
  tcase_add_test(file, keyfile_parse_refuses_nul_as_go_does);
  suite_add_tcase(s, file);
  return s;
}

CHECK_MAIN(derp_keys_suite)
