/* Decoders of the pin_verify and metacert input layouts (see the
 * layout comments in pin_verify.c and metacert.c). */
#include "fuzz_inputs.h"

#include <string.h>

#include "derp/byte_cursor.h"

/* u16be length + DER each; the last one takes what is left on overrun. */
static void read_cert_list(struct byte_reader *r, size_t n, struct der_slice *certs) {
  for (size_t i = 0; i < n; i++) {
    uint16_t len = 0;
    if (!byte_reader_u16be(r, &len) || len > byte_reader_remaining(r))
      len = (uint16_t)byte_reader_remaining(r);
    const uint8_t *p = NULL;
    byte_reader_borrow(r, len, &p);
    certs[i] = (struct der_slice){p, len};
  }
}

static const enum pin_profile pin_profiles[3] = {PIN_PROFILE_CURRENT, PIN_PROFILE_TAILSCALE_1_82,
                                                 PIN_PROFILE_TAILSCALE_1_84};

bool pin_fuzz_decode(const uint8_t *data, size_t size, struct pin_fuzz_input *out) {
  memset(out, 0, sizeof *out);
  if (size > PIN_FUZZ_MAX_INPUT) return false;
  struct byte_reader r = byte_reader_init(data, size);
  uint8_t profile = 0, pin_mode = 0, k = 0, name_len = 0, pin_len = 0, count = 0;
  uint32_t now_hi = 0, now_lo = 0;
  char pin_text[256] = "";
  /* Fields read one by one: a short input leaves the rest zero. */
  (void)(byte_reader_u8(&r, &profile) && byte_reader_u8(&r, &pin_mode) && byte_reader_u8(&r, &k) &&
         byte_reader_u32be(&r, &now_hi) && byte_reader_u32be(&r, &now_lo) &&
         byte_reader_u8(&r, &name_len) && byte_reader_copy(&r, out->server_name, name_len) &&
         byte_reader_u8(&r, &pin_len) && byte_reader_copy(&r, pin_text, pin_len) &&
         byte_reader_u8(&r, &count));
  size_t n = count % (PIN_FUZZ_MAX_CERTS + 1);
  read_cert_list(&r, n, out->certs);
  out->pin_mode = pin_mode % 4;
  /* Names and pins are C strings in the API: an embedded NUL ends them. */
  memcpy(out->pin, pin_text, sizeof out->pin);
  if (out->pin_mode != 0 && n > 0) {
    const struct der_slice *c = &out->certs[k % n];
    (void)pin_hex_of_der(c->ptr, c->len, out->pin); /* "" if hashing fails */
    if (out->pin_mode == 2)
      for (char *d = out->pin; *d; d++)
        if (*d >= 'a' && *d <= 'f') *d = (char)(*d - 'a' + 'A');
    if (out->pin_mode == 3) out->pin[63] = out->pin[63] == '0' ? '1' : '0';
  }
  out->call = (struct pin_verify_input){out->certs,
                                        n,
                                        out->pin,
                                        out->server_name,
                                        (int64_t)(((uint64_t)now_hi << 32) | now_lo),
                                        pin_profiles[profile % 3]};
  return true;
}

bool metacert_fuzz_decode(const uint8_t *data, size_t size, struct metacert_fuzz_input *out) {
  memset(out, 0, sizeof *out);
  if (size > METACERT_FUZZ_MAX_INPUT) return false;
  struct byte_reader r = byte_reader_init(data, size);
  (void)byte_reader_u8(&r, &out->control);
  out->n_certs = (size_t)(out->control & 0x07) % (METACERT_FUZZ_MAX_CERTS + 1);
  read_cert_list(&r, out->n_certs, out->certs);
  return true;
}
