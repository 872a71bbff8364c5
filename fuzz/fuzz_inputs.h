/* fuzz_inputs: the byte layouts of the fuzz targets the upstream comparison
 * reads (the certificate targets, relay_client_info), decoded in one place.
 *
 * Why shared: the fuzz targets (pin_verify.c, metacert.c) and the
 * upstream comparison (oracle_dump.c, read by the Go pin oracle) must see
 * the same certificates, pin, server name and clock in a corpus file; one
 * decoder keeps them from drifting. The layouts themselves are documented at
 * the top of each target's source. Decoding never allocates: slices point
 * into the caller's input buffer. */
#ifndef DERP_FUZZ_INPUTS_H
#define DERP_FUZZ_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "derp/cert_fields.h"
#include "derp/pin_verify.h"

/* cert_fields: the whole input is one certificate; larger ones are skipped
 * (not interesting, and they only slow d2i_X509 down). */
#define CERT_FIELDS_FUZZ_MAX (64u * 1024u)

/* relay_client_info: the whole input is the decrypted ClientInfo JSON. */
#define CLIENT_INFO_FUZZ_MAX_INPUT 4096u

/* derp_keyfile: the whole input is the key file (or mesh key file). */
#define KEYFILE_FUZZ_MAX_INPUT 4096u

/* derpmap, derpmap_policy: the whole input is the text. */
#define DERPMAP_FUZZ_MAX_INPUT (64u * 1024u)

#define PIN_FUZZ_MAX_INPUT (32u * 1024u)
#define PIN_FUZZ_MAX_CERTS 4

/* A decoded pin_verify input. `call` points into this struct (certs, pin,
 * server_name): use it in place, do not copy the struct. */
struct pin_fuzz_input {
  uint8_t pin_mode; /* 0..3 */
  struct der_slice certs[PIN_FUZZ_MAX_CERTS];
  char server_name[256]; /* C string: an embedded NUL ends it */
  char pin[256];         /* the pin text pin_verify gets */
  struct pin_verify_input call;
};

/* False (nothing decoded) when the input is larger than the target takes. */
bool pin_fuzz_decode(const uint8_t *data, size_t size, struct pin_fuzz_input *out);

#define METACERT_FUZZ_MAX_CERTS 4
#define METACERT_FUZZ_MAX_INPUT (32u * 1024u)

struct metacert_fuzz_input {
  uint8_t control;
  struct der_slice certs[METACERT_FUZZ_MAX_CERTS];
  size_t n_certs;
};

bool metacert_fuzz_decode(const uint8_t *data, size_t size, struct metacert_fuzz_input *out);

/* relay_config: byte 0 picks which of derp-relay's configuration parsers
 * reads the rest (its value modulo RELAY_CONFIG_MODES). A file's text is
 * taken whole; a flag's value ends at the first NUL, as an argv string
 * does. */
#define RELAY_CONFIG_FUZZ_MAX_INPUT 4096u

enum relay_config_mode {
  RELAY_CONFIG_RATE,      /* --rate-config file */
  RELAY_CONFIG_ALLOWLIST, /* --verify-clients-file */
  RELAY_CONFIG_LISTEN,    /* -a */
  RELAY_CONFIG_MESH_WITH, /* --mesh-with */
  RELAY_CONFIG_MESH_PIN,  /* --mesh-pin */
  RELAY_CONFIG_MODES
};

struct relay_config_fuzz_input {
  enum relay_config_mode mode;
  const uint8_t *text; /* a file's bytes (into the input) */
  size_t len;
  char flag[RELAY_CONFIG_FUZZ_MAX_INPUT]; /* a flag's value, NUL-terminated */
};

/* False when the input is empty or larger than the target takes. Inline:
 * the target links derp-relay's flag library only, not the certificate
 * modules fuzz_inputs.c needs. */
static inline bool relay_config_fuzz_decode(const uint8_t *data, size_t size,
                                            struct relay_config_fuzz_input *out) {
  if (size == 0 || size > RELAY_CONFIG_FUZZ_MAX_INPUT) return false;
  out->mode = (enum relay_config_mode)(data[0] % RELAY_CONFIG_MODES);
  out->text = data + 1;
  out->len = size - 1;
  const uint8_t *nul = memchr(out->text, 0, out->len);
  size_t flag_len = nul != NULL ? (size_t)(nul - out->text) : out->len;
  memcpy(out->flag, out->text, flag_len); /* flag_len < the buffer's size */
  out->flag[flag_len] = '\0';
  return true;
}

#endif
