/* relay_log: derp-relay's log lines, in Go's standard-logger format.
 *
 * Why Go's format: operators and the conformance runner compare derp-relay's
 * stderr with derper's (the snippet of spec §1.5, `http: TLS handshake error
 * from <addr>: <err>`), so each line starts with `YYYY/MM/DD HH:MM:SS ` in
 * local time, and each call is one write(2) so lines never interleave. */
#ifndef DERP_RELAY_LOG_H
#define DERP_RELAY_LOG_H

#include <stddef.h>

/* One line (a newline is appended); the message may itself contain newlines
 * (the two-line snippet is logged as one message, as derper does). */
void relay_log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a message that already carries its prefix (e.g. ipcert's snippet,
 * formatted from an injected time) exactly as given, plus a newline if it
 * lacks one. */
void relay_log_raw(const char *text, size_t len);

#endif
