/* key_text_oracle: whether a key is written in a text, for the targets whose
 * parsers read keys out of files (derp_keyfile, relay_config). */
#ifndef DERP_FUZZ_KEY_TEXT_ORACLE_H
#define DERP_FUZZ_KEY_TEXT_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "derp/derp_keys.h"
#include "derp/hex.h"
#include "oracle_report.h"

/* Whether `prefix` ("privkey:", "nodekey:") and the key's 64 hex digits, in
 * either case, occur in text[0..len). */
FUZZ_ORACLE static inline bool fuzz_key_text_in(const uint8_t *text, size_t len, const char *prefix,
                                                const uint8_t key[DERP_KEY_LEN]) {
  size_t plen = strlen(prefix), need = plen + DERP_KEY_HEX_LEN;
  for (size_t at = 0; len >= need && at <= len - need; at++) {
    if (memcmp(text + at, prefix, plen) != 0) continue;
    size_t i = 0;
    for (; i < DERP_KEY_HEX_LEN; i++) {
      int want = (i & 1) ? key[i / 2] & 0x0f : key[i / 2] >> 4;
      if (derp_hex_digit_value(text[at + plen + i]) != want) break;
    }
    if (i == DERP_KEY_HEX_LEN) return true;
  }
  return false;
}

#endif
