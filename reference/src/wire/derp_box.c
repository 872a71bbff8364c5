/* The real box: libsodium. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#error "fuzzing mode builds derp_box_fuzzing.c instead of the real crypto"
#endif
#include "derp/derp_box.h"

#include <sodium.h>

#include "derp/guard.h"

bool derp_box_public_key(uint8_t pub[DERP_BOX_KEY_LEN], const uint8_t priv[DERP_BOX_KEY_LEN]) {
  GUARD(sodium_init() >= 0);
  return crypto_scalarmult_base(pub, priv) == 0;
}

bool derp_box_beforenm(uint8_t shared[DERP_BOX_KEY_LEN], const uint8_t peer_pub[DERP_BOX_KEY_LEN],
                       const uint8_t my_sec[DERP_BOX_KEY_LEN]) {
  GUARD(sodium_init() >= 0);
  return crypto_box_beforenm(shared, peer_pub, my_sec) == 0;
}

bool derp_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
                   const uint8_t nonce[DERP_BOX_NONCE_LEN],
                   const uint8_t shared[DERP_BOX_KEY_LEN]) {
  GUARD(sodium_init() >= 0);
  return crypto_box_easy_afternm(out, msg, len, nonce, shared) == 0;
}

bool derp_box_open(uint8_t *out, const uint8_t *sealed, size_t sealed_len,
                   const uint8_t nonce[DERP_BOX_NONCE_LEN],
                   const uint8_t shared[DERP_BOX_KEY_LEN]) {
  GUARD(sodium_init() >= 0);
  GUARD(sealed_len >= crypto_box_MACBYTES);
  /* libsodium wants a writable pointer even for an empty message */
  uint8_t empty[1];
  return crypto_box_open_easy_afternm(sealed_len > crypto_box_MACBYTES ? out : empty, sealed,
                                      sealed_len, nonce, shared) == 0;
}

bool derp_box_is_real(void) { return true; }
