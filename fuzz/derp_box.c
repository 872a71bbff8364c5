/* Fuzz target derp_box: the box contract (derp_box.h) on fuzzed keys, nonce
 * and message, for whichever box the build links: libsodium's in an
 * ordinary build (ctest's replay), the memoized one in fuzzing mode (so the
 * stand-in the frame targets rely on is held to the same contract); and
 * spec §6.5's layer on it (derp_frame.h): the message as ClientInfo and
 * ServerInfo JSON, sealed into frames and opened back.
 *
 * Input layout (every field optional: missing bytes read as zero):
 *   [32] secret a   [32] secret b   [32] raw peer key   [24] nonce
 *   u8   control    bit 0: a's peer is the raw key (any 32 bytes: low-order
 *                   points, non-canonical encodings), else b's public key
 *                   bit 1: libsodium fails to initialize (fault injection;
 *                   only the real box calls sodium_init on every entry, so
 *                   fuzzing mode ignores the bit)
 *   u16be cut       where the tampering below happens
 *   then the message (at most BOX_FUZZ_MAX_MESSAGE bytes).
 *
 * Oracles:
 *  - libsodium not initialized: every entry point refuses and writes
 *    nothing (the real box only);
 *  - public keys: always made, the same twice;
 *  - agreement: beforenm(pub b, sec a) == beforenm(pub a, sec b), never
 *    refused for a real public key; for a raw peer key, refused exactly
 *    when libsodium's X25519 of it is refused (an all-zero result);
 *  - seal then open gives the message back, also in place (out == msg,
 *    out == sealed), and the sealed bytes are the same either way;
 *  - a box with one bit flipped (at cut), cut short (to cut % its length,
 *    down to nothing), or opened with another nonce or key does not open,
 *    and leaves out untouched;
 *  - §6.5, for a real pair (a the client, b the relay): the sealed
 *    ClientInfo frame is type 2, key ‖ nonce ‖ box, decodes to a's key and
 *    the nonce, and opens to the message with (a's public key, b's secret);
 *    the ServerInfo frame sealed with the relay's shared key is type 3,
 *    nonce ‖ box, and the client opens it with (b's public key, a's secret)
 *    to the message, also through its own shared key; an output one byte
 *    short of the message is refused. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_box.h"
#include "derp/derp_frame.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define BOX_FUZZ_MAX_MESSAGE 4096u
#define KEY DERP_BOX_KEY_LEN
#define SEALED_MAX (BOX_FUZZ_MAX_MESSAGE + DERP_BOX_TAG_LEN)

/* Linked with -Wl,--wrap=sodium_init: every sodium_init call in the target
 * and the box comes here, and fails while sodium_init_fails is set (a real
 * failure needs a broken pthread mutex or entropy source). */
int __real_sodium_init(void);
int __wrap_sodium_init(void);
static bool sodium_init_fails;
int __wrap_sodium_init(void) { return sodium_init_fails ? -1 : __real_sodium_init(); }

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

/* libsodium failed to initialize: no key, no box, and no output written. */
FUZZ_ORACLE static void check_uninitialized(const uint8_t sec[KEY], const uint8_t peer[KEY],
                                            const uint8_t nonce[DERP_BOX_NONCE_LEN],
                                            const uint8_t *msg, size_t len) {
  static uint8_t out[SEALED_MAX], sealed[SEALED_MAX];
  uint8_t key[KEY], untouched[KEY];
  memset(untouched, 0xa5, KEY);
  memset(out, 0xa5, sizeof out);
  memset(key, 0xa5, KEY);
  /* a box that opens once libsodium is back, so only the failure refuses it */
  ORACLE_ASSERT(derp_box_seal(sealed, msg, len, nonce, sec), "seal failed");

  sodium_init_fails = true;
  bool made = derp_box_public_key(key, sec);
  bool shared = derp_box_beforenm(key, peer, sec);
  bool sealed_again = derp_box_seal(out, msg, len, nonce, sec);
  bool opened = derp_box_open(out, sealed, len + DERP_BOX_TAG_LEN, nonce, sec);
  sodium_init_fails = false;

  ORACLE_ASSERT(!made && !shared && !sealed_again && !opened,
                "without libsodium: public key %d, shared key %d, seal %d, open %d", made, shared,
                sealed_again, opened);
  ORACLE_ASSERT(memcmp(key, untouched, KEY) == 0, "without libsodium a key was written");
  for (size_t i = 0; i < sizeof out; i++)
    ORACLE_ASSERT(out[i] == 0xa5, "without libsodium byte %zu of out was written", i);
  ORACLE_ASSERT(
      derp_box_open(out, sealed, len + DERP_BOX_TAG_LEN, nonce, sec) && memcmp(out, msg, len) == 0,
      "the box did not open once libsodium was back");
}

/* A frame the encoder wrote: its type and length, and its payload. */
FUZZ_ORACLE static const uint8_t *frame_payload(const struct byte_writer *w, uint8_t type,
                                                size_t payload_len) {
  struct byte_reader r = byte_reader_init(w->data, w->len);
  struct derp_frame_header h;
  ORACLE_ASSERT(derp_frame_header_decode(&r, &h) && h.type == type && h.len == payload_len &&
                    byte_reader_remaining(&r) == payload_len,
                "frame type %u of %u bytes, expected type %u of %zu", h.type, h.len, type,
                payload_len);
  return w->data + DERP_FRAME_HEADER_LEN;
}

/* The handshake's two boxes (§6.5): a is the client, b the relay. */
static void check_info_frames(const uint8_t sec_a[KEY], const uint8_t pub_a[KEY],
                              const uint8_t sec_b[KEY], const uint8_t pub_b[KEY],
                              const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *msg, size_t len) {
  static uint8_t frame[DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + DERP_NONCE_LEN + SEALED_MAX];
  static uint8_t opened[SEALED_MAX];
  size_t got = 0;

  struct byte_writer w = byte_writer_init(frame, sizeof frame);
  ORACLE_ASSERT(derp_encode_client_info_sealed(&w, pub_a, sec_a, pub_b, nonce, msg, len),
                "ClientInfo of %zu bytes not sealed", len);
  const size_t ci_len = DERP_KEY_LEN + DERP_NONCE_LEN + len + DERP_BOX_TAG_LEN;
  const uint8_t *payload = frame_payload(&w, DERP_FRAME_CLIENT_INFO, ci_len);
  struct derp_client_info ci;
  ORACLE_ASSERT(derp_decode_client_info(payload, ci_len, &ci) == DERP_DECODE_OK &&
                    memcmp(ci.key, pub_a, KEY) == 0 &&
                    memcmp(ci.nonce, nonce, DERP_NONCE_LEN) == 0 &&
                    ci.sealed_len == len + DERP_BOX_TAG_LEN,
                "ClientInfo does not decode to the client's key, nonce and box");
  ORACLE_ASSERT(derp_open_box(opened, sizeof opened, &got, ci.sealed, ci.sealed_len, ci.nonce,
                              ci.key, sec_b) &&
                    got == len && memcmp(opened, msg, len) == 0,
                "the relay cannot open ClientInfo back to the message");
  if (len > 0)
    ORACLE_ASSERT(
        !derp_open_box(opened, len - 1, &got, ci.sealed, ci.sealed_len, ci.nonce, ci.key, sec_b),
        "ClientInfo opened into %zu bytes of %zu", len - 1, len);

  uint8_t relay_shared[DERP_BOX_SHARED_KEY_LEN], client_shared[DERP_BOX_SHARED_KEY_LEN];
  ORACLE_ASSERT(derp_box_shared_key(relay_shared, pub_a, sec_b) &&
                    derp_box_shared_key(client_shared, pub_b, sec_a),
                "no shared key for a real pair");
  w = byte_writer_init(frame, sizeof frame);
  ORACLE_ASSERT(derp_encode_server_info_sealed_shared(&w, relay_shared, nonce, msg, len),
                "ServerInfo of %zu bytes not sealed", len);
  const size_t si_len = DERP_NONCE_LEN + len + DERP_BOX_TAG_LEN;
  payload = frame_payload(&w, DERP_FRAME_SERVER_INFO, si_len);
  struct derp_server_info si;
  ORACLE_ASSERT(derp_decode_server_info(payload, si_len, &si) == DERP_DECODE_OK &&
                    memcmp(si.nonce, nonce, DERP_NONCE_LEN) == 0 &&
                    si.sealed_len == len + DERP_BOX_TAG_LEN,
                "ServerInfo does not decode to the nonce and box");
  ORACLE_ASSERT(derp_open_box(opened, sizeof opened, &got, si.sealed, si.sealed_len, si.nonce,
                              pub_b, sec_a) &&
                    got == len && memcmp(opened, msg, len) == 0,
                "the client cannot open ServerInfo back to the message");
  got = 0;
  ORACLE_ASSERT(derp_open_box_shared(opened, sizeof opened, &got, si.sealed, si.sealed_len,
                                     si.nonce, client_shared) &&
                    got == len && memcmp(opened, msg, len) == 0,
                "the client's shared key does not open ServerInfo");
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

  if ((control & 2) && derp_box_is_real()) {
    check_uninitialized(sec_a, raw_peer, nonce, msg, len);
    return 0;
  }

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
    check_info_frames(sec_a, pub_a, sec_b, pub_b, nonce, msg, len);
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
