/* derp_box: the only calls into X25519 and the NaCl box (crypto_box:
 * X25519 + XSalsa20-Poly1305), for DERP's ClientInfo/ServerInfo (spec §6.5)
 * and node keys.
 *
 * Why one module: a fuzzing build (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION,
 * as OSS-Fuzz and BoringSSL's fuzzer mode use it) links derp_box_fuzzing.c
 * instead of derp_box.c: the same boxes, with every X25519 result memoized,
 * so the frame and session targets (which handshake with a few fixed keys
 * on every input) spend their time in protocol code, not in scalar
 * multiplications. Results are identical, so seeds written by an ordinary
 * build open in a fuzzing build and the oracles keep their meaning. The
 * memo keeps secrets for the life of the process: CMake refuses fuzzing
 * mode outside a fuzz build, and the programs refuse to run when built
 * with it. */
#ifndef DERP_BOX_H
#define DERP_BOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DERP_BOX_KEY_LEN 32
#define DERP_BOX_NONCE_LEN 24
#define DERP_BOX_TAG_LEN 16

/* X25519 base-point multiplication (clamping internally). */
bool derp_box_public_key(uint8_t pub[DERP_BOX_KEY_LEN], const uint8_t priv[DERP_BOX_KEY_LEN]);
/* crypto_box_beforenm: the key both ends of (peer_pub, my_sec) share. */
bool derp_box_beforenm(uint8_t shared[DERP_BOX_KEY_LEN], const uint8_t peer_pub[DERP_BOX_KEY_LEN],
                       const uint8_t my_sec[DERP_BOX_KEY_LEN]);
/* out = tag ‖ ciphertext (len + 16 bytes); out may overlap msg. */
bool derp_box_seal(uint8_t *out, const uint8_t *msg, size_t len,
                   const uint8_t nonce[DERP_BOX_NONCE_LEN], const uint8_t shared[DERP_BOX_KEY_LEN]);
/* Opens tag ‖ ciphertext (sealed_len >= 16) into out (sealed_len - 16
 * bytes); out may overlap sealed. False, out untouched, when it does not
 * authenticate. */
bool derp_box_open(uint8_t *out, const uint8_t *sealed, size_t sealed_len,
                   const uint8_t nonce[DERP_BOX_NONCE_LEN], const uint8_t shared[DERP_BOX_KEY_LEN]);
/* False in fuzzing mode (memoized X25519). */
bool derp_box_is_real(void);

#endif
