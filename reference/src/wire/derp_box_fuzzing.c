/* Fuzzing mode's box: cheap, deterministic stand-ins with the real one's
 * contract (derp_box.h). No secrecy, no security: only a fuzz build links
 * this (CMake refuses it anywhere else).
 *
 *   public(priv)        = clamp(priv) XOR 0x5a...
 *   shared(peer, mine)  = peer XOR public(mine)       (the same from both ends)
 *   seal                = tag ‖ (msg XOR keystream(shared, nonce))
 *   tag                 = two 64-bit FNV-1a hashes over shared, nonce and the
 *                         ciphertext, compared without an early exit, so a
 *                         fuzzer's comparison hooks cannot forge one byte by
 *                         byte: a box opens only as it was sealed. */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "derp_box_fuzzing.c is fuzzing mode's stand-in crypto; other builds use derp_box.c"
#endif
#include <string.h>

#include "derp/derp_box.h"

/* Nothing for a fuzzer to learn in here, and its comparison hooks must not
 * help it forge a tag: no coverage instrumentation. */
#if defined(__clang__)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

NO_COVERAGE static void clamped_xor(uint8_t out[DERP_BOX_KEY_LEN],
                                    const uint8_t priv[DERP_BOX_KEY_LEN]) {
  for (int i = 0; i < DERP_BOX_KEY_LEN; i++) out[i] = priv[i];
  out[0] &= 248;
  out[31] = (uint8_t)((out[31] & 127) | 64);
  for (int i = 0; i < DERP_BOX_KEY_LEN; i++) out[i] ^= 0x5a;
}

NO_COVERAGE bool derp_box_public_key(uint8_t pub[DERP_BOX_KEY_LEN],
                                     const uint8_t priv[DERP_BOX_KEY_LEN]) {
  clamped_xor(pub, priv);
  return true;
}

NO_COVERAGE bool derp_box_beforenm(uint8_t shared[DERP_BOX_KEY_LEN],
                                   const uint8_t peer_pub[DERP_BOX_KEY_LEN],
                                   const uint8_t my_sec[DERP_BOX_KEY_LEN]) {
  uint8_t mine[DERP_BOX_KEY_LEN];
  clamped_xor(mine, my_sec);
  for (int i = 0; i < DERP_BOX_KEY_LEN; i++) shared[i] = peer_pub[i] ^ mine[i];
  return true;
}

NO_COVERAGE static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
  return h;
}

NO_COVERAGE static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

NO_COVERAGE static void keystream_xor(uint8_t *p, size_t n, const uint8_t nonce[DERP_BOX_NONCE_LEN],
                                      const uint8_t shared[DERP_BOX_KEY_LEN]) {
  uint64_t s = fnv(fnv(0xcbf29ce484222325u, shared, DERP_BOX_KEY_LEN), nonce, DERP_BOX_NONCE_LEN);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t k = splitmix(&s);
    for (size_t j = 0; j < 8 && i + j < n; j++) p[i + j] ^= (uint8_t)(k >> (8 * j));
  }
}

NO_COVERAGE static void tag_of(uint8_t tag[DERP_BOX_TAG_LEN], const uint8_t *c, size_t n,
                               const uint8_t nonce[DERP_BOX_NONCE_LEN],
                               const uint8_t shared[DERP_BOX_KEY_LEN]) {
  uint64_t seeds[2] = {0xcbf29ce484222325u, 0x84222325cbf29ce4u};
  for (int h = 0; h < 2; h++) {
    uint64_t v = fnv(fnv(fnv(seeds[h], shared, DERP_BOX_KEY_LEN), nonce, DERP_BOX_NONCE_LEN), c, n);
    for (int j = 0; j < 8; j++) tag[8 * h + j] = (uint8_t)(v >> (8 * j));
  }
}

NO_COVERAGE bool derp_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
                               const uint8_t nonce[DERP_BOX_NONCE_LEN],
                               const uint8_t shared[DERP_BOX_KEY_LEN]) {
  memmove(out + DERP_BOX_TAG_LEN, msg, len);
  keystream_xor(out + DERP_BOX_TAG_LEN, len, nonce, shared);
  tag_of(out, out + DERP_BOX_TAG_LEN, len, nonce, shared);
  return true;
}

NO_COVERAGE bool derp_box_open(uint8_t *out, const uint8_t *sealed, size_t sealed_len,
                               const uint8_t nonce[DERP_BOX_NONCE_LEN],
                               const uint8_t shared[DERP_BOX_KEY_LEN]) {
  if (sealed_len < DERP_BOX_TAG_LEN) return false;
  size_t n = sealed_len - DERP_BOX_TAG_LEN;
  uint8_t tag[DERP_BOX_TAG_LEN];
  tag_of(tag, sealed + DERP_BOX_TAG_LEN, n, nonce, shared);
  uint8_t diff = 0;
  for (int i = 0; i < DERP_BOX_TAG_LEN; i++) diff |= (uint8_t)(tag[i] ^ sealed[i]);
  if (diff != 0) return false;
  memmove(out, sealed + DERP_BOX_TAG_LEN, n);
  keystream_xor(out, n, nonce, shared);
  return true;
}

NO_COVERAGE bool derp_box_is_real(void) { return false; }
