/* Fuzz target derp_keyfile: the relay's `-c` key file parser
 * (derp_keyfile_parse) and its writer (derp_keyfile_format), the mesh key
 * file (derp_mesh_key_parse) and the "nodekey:" text form.
 *
 * Input layout: the whole input is the key file's bytes.
 *
 * Oracles:
 *  - never crashes or reads past the input; the status is one the parser
 *    documents (OK, TOO_LARGE, JSON, FIELD, KEY);
 *  - failure: `why` is non-empty and NUL-terminated within its cap; a short
 *    cap gives a prefix of the same text and the same status;
 *  - success: "privkey:" + the key's 64 hex digits (either case) occur in the
 *    input, unless the input uses JSON escapes; derp_keyfile_format of the
 *    key parses back to the same key, holds its lowercase text form, fits in
 *    the documented 96 bytes, and is refused one byte short of its length;
 *  - the input's first 32 bytes, taken as a key, also round trip through
 *    format -> parse (the writer sees every key, not only parsed ones);
 *  - mesh key: accepted exactly when the input is 64 hex digits between
 *    optional white space as Go's strings.TrimSpace has it (\v, \f, U+00A0,
 *    U+3000...), as that key; refused with a why;
 *  - "nodekey:" text: accepted exactly when the prefix is followed by 64 hex
 *    digits and nothing else, and derp_key_public_text gives it back
 *    (lowercased). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/derp_keys.h"
#include "derp/go.h"
#include "derp/hex.h"
#include "fuzz_inputs.h"
#include "key_text_oracle.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHY_CAP 512u
#define SHORT_CAP 9u
#define FORMAT_CAP 96u /* the documented need */

FUZZ_ORACLE static void check_format_round_trip(const uint8_t key[DERP_KEY_LEN],
                                                const char *origin) {
  char text[FORMAT_CAP];
  memset(text, 'x', sizeof text);
  ORACLE_ASSERT(derp_keyfile_format(key, text, sizeof text), "format refused %zu bytes (%s)",
                sizeof text, origin);
  ORACLE_ASSERT(memchr(text, '\0', sizeof text) != NULL, "formatted text not NUL-terminated (%s)",
                origin);
  /* Exact fit is text + NUL; one byte less must be refused. */
  size_t need = strlen(text) + 1;
  char exact[FORMAT_CAP];
  ORACLE_ASSERT(derp_keyfile_format(key, exact, need) && strcmp(exact, text) == 0,
                "format refused its exact size %zu (%s)", need, origin);
  ORACLE_ASSERT(!derp_keyfile_format(key, exact, need - 1), "format fit in %zu bytes (%s)",
                need - 1, origin);

  char key_text[DERP_KEY_TEXT_SIZE];
  derp_key_private_text(key, key_text);
  ORACLE_ASSERT(strstr(text, key_text) != NULL, "formatted file lacks %s (%s)", key_text, origin);

  uint8_t back[DERP_KEY_LEN];
  char why[WHY_CAP];
  why[0] = '\0';
  enum derp_keyfile_status st =
      derp_keyfile_parse((const uint8_t *)text, strlen(text), back, why, sizeof why);
  if (st != DERP_KEYFILE_OK || memcmp(back, key, DERP_KEY_LEN) != 0) {
    oracle_mismatch("derp_keyfile_format -> derp_keyfile_parse (%s)", origin);
    oracle_view("file: %s", text);
    oracle_view("parse: status %d %s", (int)st, why);
    oracle_hex("key", key, DERP_KEY_LEN);
    if (st == DERP_KEYFILE_OK) oracle_hex("parsed", back, DERP_KEY_LEN);
    oracle_abort();
  }
}

/* Go white space runes (unicode.IsSpace) from `at` on; returns where they
 * stop. Forward decoding only: the parser trims the end backwards. */
FUZZ_ORACLE static size_t skip_space_runes(const uint8_t *data, size_t size, size_t at) {
  uint32_t r;
  size_t n;
  while (at < size && (n = go_utf8_rune(data + at, size - at, &r)) > 0 && go_is_space(r)) at += n;
  return at;
}

FUZZ_ORACLE static void check_mesh_key(const uint8_t *data, size_t size) {
  size_t a = skip_space_runes(data, size, 0), b = a + 2 * DERP_KEY_LEN;
  bool hex = b <= size && skip_space_runes(data, size, b) == size;
  for (size_t i = a; hex && i < b; i++) hex = derp_hex_digit_value(data[i]) >= 0;
  uint8_t key[DERP_KEY_LEN];
  char why[128];
  why[0] = '\0';
  bool ok = derp_mesh_key_parse(data, size, key, why, sizeof why);
  ORACLE_ASSERT(ok == hex, "mesh key parse says %d, 64 hex digits from byte %zu: %d (%s)", ok, a,
                hex, why);
  if (!ok) {
    ORACLE_ASSERT(why[0] != '\0', "mesh key refused without a why");
    return;
  }
  for (size_t i = 0; i < DERP_KEY_LEN; i++)
    ORACLE_ASSERT(key[i] == (derp_hex_digit_value(data[a + 2 * i]) << 4 |
                             derp_hex_digit_value(data[a + 2 * i + 1])),
                  "mesh key byte %zu is not the text's", i);
}

FUZZ_ORACLE static void check_public_text(const uint8_t *data, size_t size) {
  static const char prefix[] = DERP_KEY_PUBLIC_PREFIX;
  size_t plen = sizeof prefix - 1;
  bool want = size == plen + 2 * DERP_KEY_LEN && memcmp(data, prefix, plen) == 0;
  for (size_t i = plen; want && i < size; i++) want = derp_hex_digit_value(data[i]) >= 0;
  uint8_t key[DERP_KEY_LEN];
  bool ok = derp_key_parse_text((const char *)data, size, prefix, key);
  ORACLE_ASSERT(ok == want, "nodekey text parse says %d, expected %d", ok, want);
  if (!ok) return;
  char text[DERP_KEY_TEXT_SIZE];
  derp_key_public_text(key, text);
  for (size_t i = 0; i < size; i++) {
    uint8_t c = data[i] >= 'A' && data[i] <= 'F' ? (uint8_t)(data[i] + 32) : data[i];
    ORACLE_ASSERT((uint8_t)text[i] == c, "nodekey text differs at %zu", i);
  }
  ORACLE_ASSERT(text[size] == '\0', "nodekey text longer than the input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > KEYFILE_FUZZ_MAX_INPUT) return -1;
  check_mesh_key(data, size);
  check_public_text(data, size);

  uint8_t priv[DERP_KEY_LEN];
  char why[WHY_CAP];
  memset(why, 'x', sizeof why);
  enum derp_keyfile_status st = derp_keyfile_parse(data, size, priv, why, sizeof why);
  ORACLE_ASSERT(st == DERP_KEYFILE_OK || st == DERP_KEYFILE_ERR_TOO_LARGE ||
                    st == DERP_KEYFILE_ERR_JSON || st == DERP_KEYFILE_ERR_FIELD ||
                    st == DERP_KEYFILE_ERR_KEY,
                "pure parser returned status %d", (int)st);

  if (st == DERP_KEYFILE_OK) {
    if (memchr(data, '\\', size) == NULL &&
        !fuzz_key_text_in(data, size, DERP_KEY_PRIVATE_PREFIX, priv)) {
      oracle_mismatch("parsed key is not a privkey: text of the input");
      oracle_hex("key", priv, DERP_KEY_LEN);
      oracle_hex("input", data, size);
      oracle_abort();
    }
    check_format_round_trip(priv, "parsed key");
  } else {
    ORACLE_ASSERT(memchr(why, '\0', sizeof why) != NULL, "why not NUL-terminated within the cap");
    ORACLE_ASSERT(why[0] != '\0', "status %d with an empty why", (int)st);
    char small[SHORT_CAP];
    memset(small, 'y', sizeof small);
    uint8_t again[DERP_KEY_LEN];
    enum derp_keyfile_status st2 = derp_keyfile_parse(data, size, again, small, sizeof small);
    ORACLE_ASSERT(st2 == st, "status depends on the why capacity: %d vs %d", (int)st, (int)st2);
    ORACLE_ASSERT(memchr(small, '\0', sizeof small) != NULL, "short why not NUL-terminated");
    ORACLE_ASSERT(strncmp(small, why, sizeof small - 1) == 0, "short why is not a prefix: %s / %s",
                  small, why);
  }

  /* Mutations mostly keep the first 32 bytes: a key whose round trip has
   * passed (a pure function of the key) is not checked again. */
  static uint8_t passed_key[DERP_KEY_LEN];
  static bool have_passed_key;
  uint8_t key[DERP_KEY_LEN];
  memset(key, 0, sizeof key);
  memcpy(key, data, size < DERP_KEY_LEN ? size : DERP_KEY_LEN);
  if (have_passed_key && memcmp(key, passed_key, DERP_KEY_LEN) == 0) return 0;
  check_format_round_trip(key, "input bytes as a key");
  memcpy(passed_key, key, DERP_KEY_LEN);
  have_passed_key = true;
  return 0;
}
