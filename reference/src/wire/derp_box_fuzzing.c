/* Fuzzing mode's box: the same libsodium box as derp_box.c, with every
 * X25519 result memoized. The frame and session harnesses handshake with a
 * handful of fixed keys on every input, so after the first input a public
 * key or a shared key is a table lookup instead of a scalar multiplication
 * (the bulk of those targets' time). The boxes stay real, so a seed sealed
 * by an ordinary build (gen_corpus) opens here too, and a box opens only as
 * it was sealed.
 *
 * Not for production: the table keeps private keys and shared secrets for
 * the life of the process, and is not thread-safe. Only a fuzz build links
 * this (CMake refuses fuzzing mode anywhere else). */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "derp_box_fuzzing.c is fuzzing mode's memoized crypto; other builds use derp_box.c"
#endif
#include <sodium.h>
#include <string.h>

#include "derp/derp_box.h"

/* Nothing for a fuzzer to learn in here: no coverage instrumentation. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

#define SLOTS 256 /* direct-mapped by a hash of the inputs */

struct memo {
  uint8_t in[2 * DERP_BOX_KEY_LEN]; /* (peer, secret) or (secret, zeros) */
  uint8_t out[DERP_BOX_KEY_LEN];
  bool used;
};

static struct memo public_keys[SLOTS], shared_keys[SLOTS];

NO_COVERAGE static size_t slot_of(const uint8_t in[2 * DERP_BOX_KEY_LEN]) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < 2 * DERP_BOX_KEY_LEN; i++) h = (h ^ in[i]) * 0x100000001b3u;
  return (size_t)(h % SLOTS);
}

/* The memoized value for `in`, computing (and keeping) it on a miss. */
NO_COVERAGE static bool memoized(struct memo *table, const uint8_t in[2 * DERP_BOX_KEY_LEN],
                                 uint8_t out[DERP_BOX_KEY_LEN], bool shared) {
  struct memo *m = &table[slot_of(in)];
  if (m->used && memcmp(m->in, in, sizeof m->in) == 0) {
    memcpy(out, m->out, DERP_BOX_KEY_LEN);
    return true;
  }
  if (sodium_init() < 0) return false;
  int rc = shared ? crypto_box_beforenm(out, in, in + DERP_BOX_KEY_LEN)
                  : crypto_scalarmult_base(out, in);
  if (rc != 0) return false;
  memcpy(m->in, in, sizeof m->in);
  memcpy(m->out, out, DERP_BOX_KEY_LEN);
  m->used = true;
  return true;
}

NO_COVERAGE bool derp_box_public_key(uint8_t pub[DERP_BOX_KEY_LEN],
                                     const uint8_t priv[DERP_BOX_KEY_LEN]) {
  uint8_t in[2 * DERP_BOX_KEY_LEN] = {0};
  memcpy(in, priv, DERP_BOX_KEY_LEN);
  return memoized(public_keys, in, pub, false);
}

NO_COVERAGE bool derp_box_beforenm(uint8_t shared[DERP_BOX_KEY_LEN],
                                   const uint8_t peer_pub[DERP_BOX_KEY_LEN],
                                   const uint8_t my_sec[DERP_BOX_KEY_LEN]) {
  uint8_t in[2 * DERP_BOX_KEY_LEN];
  memcpy(in, peer_pub, DERP_BOX_KEY_LEN);
  memcpy(in + DERP_BOX_KEY_LEN, my_sec, DERP_BOX_KEY_LEN);
  return memoized(shared_keys, in, shared, true);
}

NO_COVERAGE bool derp_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
                               const uint8_t nonce[DERP_BOX_NONCE_LEN],
                               const uint8_t shared[DERP_BOX_KEY_LEN]) {
  return crypto_box_easy_afternm(out, msg, len, nonce, shared) == 0;
}

NO_COVERAGE bool derp_box_open(uint8_t *out, const uint8_t *sealed, size_t sealed_len,
                               const uint8_t nonce[DERP_BOX_NONCE_LEN],
                               const uint8_t shared[DERP_BOX_KEY_LEN]) {
  if (sealed_len < crypto_box_MACBYTES) return false;
  uint8_t empty[1];
  return crypto_box_open_easy_afternm(sealed_len > crypto_box_MACBYTES ? out : empty, sealed,
                                      sealed_len, nonce, shared) == 0;
}

bool derp_box_is_real(void) { return false; }
