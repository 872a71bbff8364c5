/* hex: base-16 text of bytes, the one encoder and decoder every module uses.
 *
 * Output is lowercase, as Go's encoding/hex writes it and as every text form
 * derpcheck produces needs it (node key texts, sha256-raw pins, metacert
 * CNs, the Derp-Public-Key header); input digits may be either case, as
 * Go's hex.Decode takes them. */
#ifndef DERP_HEX_H
#define DERP_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

/* 2n lowercase digits of in[0..n) and a NUL: out needs 2n+1 bytes. */
void derp_hex_lower(const uint8_t *in, size_t n, char *out);

/* The same 2n digits, no NUL, onto a writer; false (nothing written) when
 * they do not fit. */
bool derp_hex_write_lower(struct byte_writer *w, const uint8_t *in, size_t n);

/* The value 0..15 of one hex digit of either case; -1 for any other byte. */
int derp_hex_digit_value(int c);

/* Exactly 2*out_len digits of either case into out_len bytes; false, with
 * out untouched, for any other length or a byte that is not a digit. */
bool derp_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t out_len);

#endif
