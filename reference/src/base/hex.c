#include "derp/hex.h"

#include "derp/guard.h"

static void byte_digits(uint8_t b, char out[2]) {
  static const char digits[] = "0123456789abcdef";
  out[0] = digits[b >> 4];
  out[1] = digits[b & 15];
}

void derp_hex_lower(const uint8_t *in, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) byte_digits(in[i], out + 2 * i);
  out[2 * n] = '\0';
}

bool derp_hex_write_lower(struct byte_writer *w, const uint8_t *in, size_t n) {
  GUARD(n <= byte_writer_space(w) / 2);
  for (size_t i = 0; i < n; i++) {
    char pair[2];
    byte_digits(in[i], pair);
    GUARD(byte_writer_bytes(w, pair, sizeof pair));
  }
  return true;
}

int derp_hex_digit_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool derp_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len) {
  GUARD(hex != NULL && out_len <= SIZE_MAX / 2 && hex_len == 2 * out_len);
  /* Checked before anything is written, so a refusal leaves out as it was. */
  for (size_t i = 0; i < hex_len; i++) GUARD(derp_hex_digit_value((unsigned char)hex[i]) >= 0);
  for (size_t i = 0; i < out_len; i++)
    out[i] = (uint8_t)(derp_hex_digit_value((unsigned char)hex[2 * i]) << 4 |
                       derp_hex_digit_value((unsigned char)hex[2 * i + 1]));
  return true;
}
