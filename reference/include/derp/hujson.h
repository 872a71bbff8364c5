/* hujson: the tailnet policy file's syntax ("HuJSON": JSON with // and
 * block comments and trailing commas, as Tailscale's policy files are
 * written) made standard JSON, sans I/O.
 *
 * Why in place and byte for byte: comments and trailing commas become
 * spaces (their tabs and line ends kept, as github.com/tailscale/hujson's
 * Standardize does), so every offset, line and column of the output is
 * the input's, and a JSON decoder's error position points into the user's
 * file. No allocation: the caller gives an output buffer as long as the
 * input. Columns count bytes from 1, as Tailscale's hujson package does. */
#ifndef DERP_HUJSON_H
#define DERP_HUJSON_H

#include <stdbool.h>
#include <stddef.h>

struct hujson_error {
  size_t offset;    /* of the construct at fault */
  int line, column; /* 1-based; column in bytes */
  char msg[96];
};

/* Standardize in[0..len) into out[0..len). False (out undefined) on an
 * unterminated string or comment (a line comment needs its line end, as
 * tailscale's hujson has it) or a comment that is not valid UTF-8; err says
 * where it starts. Text after the top-level value is left to the JSON
 * decoder. */
bool hujson_standardize(const char *in, size_t len, char *out, struct hujson_error *err);

#endif
