/* Fuzz target derp_box: the box contract (derp_box.h) on fuzzed keys, nonce
 * and message, for whichever box the build links: libsodium's in an
 * ordinary build (ctest's replay), the memoized one in fuzzing mode (so the
 * stand-in the frame targets rely on is held to the same contract).
 *
 * Input layout (every field optional: missing bytes read as zero):
 *   [32] secret a   [32] secret b   [32] raw peer key   [24] nonce
 *   u8   control    bit 0: a's peer is the raw key (any 32 bytes: low-order
 *                   points, non-canonical encodings), else b's public key
 *   u16be cut       where the tampering below happens
 *   then the message (at most BOX_FUZZ_MAX_MESSAGE bytes).
 *
 * Oracles:
 *  - public keys: always made, the same twice;
 *  - agreement: beforenm(pub b, sec a) == beforenm(pub a, sec b), never
 *    refused for a real public key; for a raw peer key, refused exactly
 *    when libsodium's X25519 of it is refused (an all-zero result);
 *  - seal then open gives the message back, also in place (out == msg,
 *    out == sealed), and the sealed bytes are the same either way;
 *  - a box with one bit flipped (at cut), cut short (to cut % its length,
 *    down to nothing), or opened with another nonce or key does not open,
 *    and leaves out untouched. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_box.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define BOX_FUZZ_MAX_MESSAGE 4096u
#define KEY DERP_BOX_KEY_LEN
#define SEALED_MAX (BOX_FUZZ_MAX_MESSAGE + DERP_BOX_TAG_LEN)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  return 0;
}

/* n bytes of the input, zeros for what is missing. */
static void take(struct byte_reader *r, uint8_t *out, size_t n) {
  size_t have = byte_reader_remaining(r) < n ? byte_reader_remaining(r) : n;
  memset(out, 0, n);
  byte_reader_copy(r, out, have);
}

/* A box that must not open: false, and out keeps its sentinel bytes. */
FUZZ_ORACLE static void check_refused(const char *what, const uint8_t *sealed, size_t len,
                                      const uint8_t nonce[DERP_BOX_NONCE_LEN],
                                      const uint8_t shared[KEY]) {
  static uint8_t out[SEALED_MAX];
  memset(out, 0xa5, sizeof out);
  bool opened = derp_box_open(out, sealed, len, nonce, shared);
  ORACLE_ASSERT(!opened, "%s: a %zu-byte box opened", what, len);
  for (size_t i = 0; i < sizeof out; i++)
    ORACLE_ASSERT(out[i] == 0xa5, "%s: refused, but byte %zu of out was written", what, i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 3 * KEY + DERP_BOX_NONCE_LEN + 3 + BOX_FUZZ_MAX_MESSAGE) return -1;
  struct byte_reader r = byte_reader_init(data, size);
  uint8_t sec_a[KEY], sec_b[KEY], raw_peer[KEY], nonce[DERP_BOX_NONCE_LEN], control = 0;
  uint16_t cut = 0;
  take(&r, sec_a, KEY);
  take(&r, sec_b, KEY);
  take(&r, raw_peer, KEY);
  take(&r, nonce, sizeof nonce);
  byte_reader_u8(&r, &control);
  byte_reader_u16be(&r, &cut);
  const size_t len = byte_reader_remaining(&r);
  const uint8_t *msg = (const uint8_t *)""; /* never NULL, even for no bytes */
  if (len > 0) byte_reader_borrow(&r, len, &msg);

  uint8_t pub_a[KEY], pub_b[KEY], again[KEY];
  ORACLE_ASSERT(derp_box_public_key(pub_a, sec_a) && derp_box_public_key(pub_b, sec_b),
                "no public key for a secret");
  ORACLE_ASSERT(derp_box_public_key(again, sec_a) && memcmp(again, pub_a, KEY) == 0,
                "a secret's public key changed");

  uint8_t shared[KEY];
  if (control & 1) {
    uint8_t direct[KEY];
    bool ok = derp_box_beforenm(shared, raw_peer, sec_a);
    bool sodium_ok = crypto_scalarmult(direct, sec_a, raw_peer) == 0;
    ORACLE_ASSERT(ok == sodium_ok, "beforenm %s a peer key libsodium's X25519 %s",
                  ok ? "took" : "refused", sodium_ok ? "takes" : "refuses");
    if (!ok) return 0;
  } else {
    uint8_t other[KEY];
    ORACLE_ASSERT(derp_box_beforenm(shared, pub_b, sec_a) && derp_box_beforenm(other, pub_a, sec_b),
                  "beforenm refused a real public key");
    ORACLE_ASSERT(memcmp(shared, other, KEY) == 0, "the two ends do not share a key");
  }

  static uint8_t sealed[SEALED_MAX], inplace[SEALED_MAX], opened[SEALED_MAX];
  const size_t sealed_len = len + DERP_BOX_TAG_LEN;
  ORACLE_ASSERT(derp_box_seal(sealed, msg, len, nonce, shared), "seal failed");
  memcpy(inplace, msg, len);
  ORACLE_ASSERT(derp_box_seal(inplace, inplace, len, nonce, shared) &&
                    memcmp(inplace, sealed, sealed_len) == 0,
                "sealing in place gave other bytes");
  ORACLE_ASSERT(
      derp_box_open(opened, sealed, sealed_len, nonce, shared) && memcmp(opened, msg, len) == 0,
      "a %zu-byte message did not come back", len);
  ORACLE_ASSERT(
      derp_box_open(inplace, inplace, sealed_len, nonce, shared) && memcmp(inplace, msg, len) == 0,
      "opening in place did not give the message back");

  memcpy(inplace, sealed, sealed_len);
  inplace[cut % sealed_len] ^= (uint8_t)(1u << (cut >> 13));
  check_refused("one bit flipped", inplace, sealed_len, nonce, shared);
  check_refused("cut short", sealed, cut % sealed_len, nonce, shared);
  uint8_t other_nonce[DERP_BOX_NONCE_LEN];
  memcpy(other_nonce, nonce, sizeof nonce);
  other_nonce[cut % sizeof nonce] ^= 0x80;
  check_refused("another nonce", sealed, sealed_len, other_nonce, shared);
  uint8_t other_key[KEY];
  memcpy(other_key, shared, KEY);
  other_key[cut % KEY] ^= 0x01;
  check_refused("another key", sealed, sealed_len, nonce, other_key);
  return 0;
}
