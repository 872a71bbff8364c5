/* Fuzz target relay_client_info: the relay's ClientInfo JSON decoder
 * (relay_client_info_decode), fed the raw input as the decrypted JSON.
 *
 * Input layout: the whole input is the JSON text.
 *
 * Oracles:
 *  - never crashes, never reads past the input (the replay driver gives each
 *    input an exact-size buffer);
 *  - deterministic: a second decode gives the same verdict, fields and text;
 *  - success: has_mesh_key => the 32 key bytes, as 64 hex digits, occur in
 *    the input case-insensitively (unless the input uses JSON escapes, which
 *    can spell the digits differently); no mesh key => key bytes all zero;
 *  - failure: the error text is non-empty and NUL-terminated within the cap;
 *    with a 1-byte and a short cap it is still NUL-terminated, the verdict
 *    does not depend on the cap. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/hex.h"
#include "derp/relay_core.h"
#include "fuzz_inputs.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERR_CAP 512u
#define SHORT_CAP 7u

/* Does `key` occur in data as 64 hex digits of either case? */
static bool hex_key_in_input(const uint8_t *data, size_t size, const uint8_t key[DERP_KEY_LEN]) {
  if (size < 2 * DERP_KEY_LEN) return false;
  for (size_t at = 0; at + 2 * DERP_KEY_LEN <= size; at++) {
    size_t i = 0;
    for (; i < 2 * DERP_KEY_LEN; i++) {
      int want = (i & 1) ? key[i / 2] & 0x0f : key[i / 2] >> 4;
      if (derp_hex_digit_value(data[at + i]) != want) break;
    }
    if (i == 2 * DERP_KEY_LEN) return true;
  }
  return false;
}

static bool nul_within(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static bool info_equal(const struct relay_client_info *a, const struct relay_client_info *b) {
  return a->version == b->version && a->has_mesh_key == b->has_mesh_key &&
         memcmp(a->mesh_key, b->mesh_key, DERP_KEY_LEN) == 0 &&
         a->can_ack_pings == b->can_ack_pings && a->is_prober == b->is_prober;
}

static void report_info(const char *who, const struct relay_client_info *ci) {
  oracle_view("%s: version %lld mesh %d ack %d prober %d", who, (long long)ci->version,
              ci->has_mesh_key, ci->can_ack_pings, ci->is_prober);
  oracle_hex("mesh_key", ci->mesh_key, DERP_KEY_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > CLIENT_INFO_FUZZ_MAX_INPUT) return -1;

  struct relay_client_info ci;
  char err[ERR_CAP];
  memset(&ci, 0, sizeof ci);
  memset(err, 'x', sizeof err);
  bool ok = relay_client_info_decode(data, size, &ci, err, sizeof err);

  if (ok) {
    if (ci.has_mesh_key && memchr(data, '\\', size) == NULL &&
        !hex_key_in_input(data, size, ci.mesh_key)) {
      oracle_mismatch("decoded mesh key is not 64 hex digits of the input");
      report_info("decoded", &ci);
      oracle_hex("input", data, size);
      oracle_abort();
    }
    if (!ci.has_mesh_key) {
      static const uint8_t zero[DERP_KEY_LEN];
      ORACLE_ASSERT(memcmp(ci.mesh_key, zero, DERP_KEY_LEN) == 0,
                    "mesh key bytes without has_mesh_key");
    }
  } else {
    ORACLE_ASSERT(nul_within(err, sizeof err), "error text not NUL-terminated within the cap");
    ORACLE_ASSERT(err[0] != '\0', "rejected with an empty error text");
  }

  struct relay_client_info again;
  char err2[ERR_CAP];
  memset(&again, 0, sizeof again);
  memset(err2, 'y', sizeof err2);
  bool ok2 = relay_client_info_decode(data, size, &again, err2, sizeof err2);
  if (ok2 != ok || (ok && !info_equal(&ci, &again)) || (!ok && strcmp(err, err2) != 0)) {
    oracle_mismatch("second decode differs");
    oracle_view("first:  %s %s", ok ? "ok" : "error", ok ? "" : err);
    oracle_view("second: %s %s", ok2 ? "ok" : "error", ok2 ? "" : err2);
    if (ok) report_info("first", &ci);
    if (ok2) report_info("second", &again);
    oracle_abort();
  }

  /* A small cap truncates the text, never the verdict. */
  char small[SHORT_CAP];
  memset(small, 'z', sizeof small);
  memset(&again, 0, sizeof again);
  ok2 = relay_client_info_decode(data, size, &again, small, sizeof small);
  ORACLE_ASSERT(ok2 == ok, "verdict depends on the error capacity");
  if (!ok) {
    ORACLE_ASSERT(nul_within(small, sizeof small), "short error text not NUL-terminated");
    ORACLE_ASSERT(strncmp(small, err, sizeof small - 1) == 0,
                  "short error text is not a prefix: %s / %s", small, err);
  }
  char one[1] = {'w'};
  memset(&again, 0, sizeof again);
  ok2 = relay_client_info_decode(data, size, &again, one, sizeof one);
  ORACLE_ASSERT(ok2 == ok, "verdict depends on a 1-byte error capacity");
  if (!ok) ORACLE_ASSERT(one[0] == '\0', "1-byte error buffer not NUL-terminated");
  return 0;
}
