/* derp_keys: DERP node keys and the relay's `-c` key file.
 *
 * A DERP key pair is a Curve25519 (X25519) pair as NaCl's crypto_box uses it:
 * the relay seals ServerInfo with its private key and opens ClientInfo with it
 * (spec §6.5), and the metacert CN carries the public half (spec §2). Private
 * keys are generated as clamped scalars, like Go's key.NewNode().
 *
 * Text forms follow Tailscale's key package: `nodekey:<64 hex>` for a public
 * key, `privkey:<64 hex>` for a private one. Output is lowercase; input hex
 * may be either case (Go's hex.Decode), but must be exactly 64 digits.
 *
 * The key file (spec §7.3 `-c`) is JSON `{"PrivateKey":"privkey:<64 hex>"}`,
 * written in the layout Go's json.MarshalIndent(cfg, "", "\t") gives. Only
 * its bytes are here; reading and creating the file is derp-relay's
 * (relay_keyfile). */
#ifndef DERP_DERP_KEYS_H
#define DERP_DERP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DERP_KEY_LEN 32
#define DERP_KEY_HEX_LEN 64
#define DERP_KEY_PUBLIC_PREFIX "nodekey:"
#define DERP_KEY_PRIVATE_PREFIX "privkey:"
/* Either text form plus its NUL: 8-char prefix + 64 hex + 1. */
#define DERP_KEY_TEXT_SIZE 73
/* Largest key file read; a real one is about 90 bytes. */
#define DERP_KEYFILE_MAX_BYTES 65536
/* Room for any key file error message (path included). */
#define DERP_KEYFILE_ERR_SIZE 4400

struct derp_keypair {
  uint8_t priv[DERP_KEY_LEN];
  uint8_t pub[DERP_KEY_LEN];
};

/* Fresh random pair (libsodium CSPRNG), private half clamped. */
bool derp_keypair_generate(struct derp_keypair *out);
/* X25519 base-point multiplication (clamps internally, as crypto_box does). */
bool derp_key_public_from_private(const uint8_t priv[DERP_KEY_LEN], uint8_t pub[DERP_KEY_LEN]);
void derp_key_clamp(uint8_t priv[DERP_KEY_LEN]);
bool derp_key_is_zero(const uint8_t key[DERP_KEY_LEN]);

/* Exactly DERP_KEY_HEX_LEN hex digits of either case, nothing else. */
bool derp_key_from_hex(const char *hex, size_t len, uint8_t out[DERP_KEY_LEN]);

/* "nodekey:<hex>" / "privkey:<hex>", NUL-terminated. */
void derp_key_public_text(const uint8_t pub[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]);
void derp_key_private_text(const uint8_t priv[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]);
/* Text form with the given prefix (case-sensitive) and 64 hex digits. */
bool derp_key_parse_text(const char *text, size_t len, const char *prefix,
                         uint8_t out[DERP_KEY_LEN]);

/* What is wrong with a key file: parsing gives JSON/FIELD/KEY, the programs
 * reading the file the others. */
/* A mesh key file (derper's --mesh-psk-file): 64 hex digits, whitespace
 * around them ignored. False with why ("must hold 64 hex digits, ..."). */
bool derp_mesh_key_parse(const uint8_t *text, size_t len, uint8_t key[DERP_KEY_LEN], char *why,
                         size_t cap);

enum derp_keyfile_status {
  DERP_KEYFILE_OK = 0,
  DERP_KEYFILE_ERR_IO,        /* open/read/write/rename failed (errno text in the message) */
  DERP_KEYFILE_ERR_TOO_LARGE, /* over DERP_KEYFILE_MAX_BYTES, or not a regular file */
  DERP_KEYFILE_ERR_JSON,      /* not JSON, or not a JSON object */
  DERP_KEYFILE_ERR_FIELD,     /* PrivateKey missing, null, not a string, or given twice */
  DERP_KEYFILE_ERR_KEY,       /* PrivateKey not "privkey:" + 64 hex digits */
  DERP_KEYFILE_ERR_RANDOM,    /* no randomness for a new key */
};

/* Pure core: the private key from the file's bytes. Field names match
 * case-insensitively as Go's encoding/json does; other fields are ignored.
 * Stricter than Go: duplicate or case-variant PrivateKey fields and a null
 * value are errors, not "last wins" / zero key. On failure `why` holds what
 * is wrong (truncated to why_cap). */
enum derp_keyfile_status derp_keyfile_parse(const uint8_t *json, size_t len,
                                            uint8_t priv[DERP_KEY_LEN], char *why, size_t why_cap);
/* Pure core: the bytes a new key file holds, NUL-terminated; false if cap is
 * too small (needs 96). */
bool derp_keyfile_format(const uint8_t priv[DERP_KEY_LEN], char *out, size_t cap);

#endif
