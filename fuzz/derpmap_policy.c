/* Fuzz target derpmap_policy: a tailnet policy file (HuJSON: JSON with
 * comments and trailing commas) whose "derpMap" value derp-client
 * --policy-file reads, into the map, dial plan and TLS plan.
 *
 * Input: the file's text, given to derp_map_parse_policy and, alone, to
 * hujson_standardize. A target of its own (not a fourth parser in derpmap)
 * so each text form gets a whole execution and a corpus of its kind.
 *
 * Oracles, beyond "no crash / no leak":
 *  - a parsed map passes every check of the derpmap target
 *    (derpmap_oracle.h); failure leaves *out NULL with a message;
 *  - HuJSON: the standard text differs only by spaces where comments and
 *    trailing commas were (tabs and line ends kept, as tailscale's hujson
 *    keeps them), a second pass is the identity, errors point inside the
 *    input. Its corpus is also judged by tailscale's hujson itself
 *    (interop.json-oracle). */
#include <stddef.h>
#include <stdint.h>

#include "derp/hujson.h"
#include "derpmap_oracle.h"
#include "json_arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

JSON_ARENA_INITIALIZE()

/* HuJSON standardization keeps every byte's position: the output differs
 * from the input only where the input had a comment (blanked to spaces,
 * tabs and line ends kept) or a trailing comma (one space); once standard, a second
 * pass changes nothing. */
FUZZ_ORACLE static void check_hujson(const char *in, size_t len) {
  static char out[DERPMAP_FUZZ_MAX_INPUT], again[DERPMAP_FUZZ_MAX_INPUT];
  struct hujson_error err;
  memset(&err, 0x5a, sizeof err);
  if (!hujson_standardize(in, len, out, &err)) {
    ORACLE_ASSERT(err.offset < len && err.line >= 1 && err.column >= 1,
                  "error at %zu (line %d col %d) outside the input", err.offset, err.line,
                  err.column);
    ORACLE_ASSERT(memchr(err.msg, '\0', sizeof err.msg) != NULL && err.msg[0] != '\0',
                  "error without a message");
    return;
  }
  /* Nothing to blank: the second pass would read the same bytes again. */
  if (len == 0 || memcmp(out, in, len) == 0) return;
  for (size_t i = 0; i < len; i++)
    if (out[i] != in[i])
      ORACLE_ASSERT(out[i] == ' ' && in[i] != '\n' && in[i] != '\r' && in[i] != '\t',
                    "byte %zu changed from 0x%02x to 0x%02x", i, (unsigned char)in[i],
                    (unsigned char)out[i]);
  ORACLE_ASSERT(hujson_standardize(out, len, again, &err), "standard output refused: %s", err.msg);
  ORACLE_ASSERT(memcmp(out, again, len) == 0, "standardizing twice changed the text");
}

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > DERPMAP_FUZZ_MAX_INPUT) return -1;
  run_parser("derp_map_parse_policy", derp_map_parse_policy, (const char *)data, size);
  check_hujson((const char *)data, size);
  json_arena_end();
  return 0;
}
