/* fuzz_keys: the fixed DERP keys of the frame targets and their seed generator.
 *
 * A seed can only carry a ClientInfo or ServerInfo box that opens if it was
 * sealed with the keys the target uses, so both sides derive them here, from
 * constant secrets (test material, never a real key). Fuzzing mode gives the
 * same keys and boxes (memoized, derp_box.h), so the seeds gen_corpus
 * writes in an ordinary build open there too. */
#ifndef DERP_FUZZ_KEYS_H
#define DERP_FUZZ_KEYS_H

#include <stdint.h>
#include <string.h>

#include "derp/derp_box.h"

#define FUZZ_SERVER_SECRET_FILL 0x11
/* Clients A, B, C of relay_core; A is also client_session's. */
#define FUZZ_CLIENT_SECRET_FILL(i) (0x21 + 0x10 * (i))
#define FUZZ_MESH_KEY_FILL 0x5a
#define FUZZ_HOST "127.0.0.1"

static inline void fuzz_keypair(uint8_t fill, uint8_t sec[32], uint8_t pub[32]) {
  memset(sec, fill, 32);
  derp_box_public_key(pub, sec);
}

#endif
