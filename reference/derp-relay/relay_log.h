/* relay_log: derp-relay's log lines, in Go's standard-logger format.
 *
 * Why Go's format: operators and the conformance runner compare derp-relay's
 * stderr with derper's (the snippet of spec §1.5, `http: TLS handshake error
 * from <addr>: <err>`), so each line starts with `YYYY/MM/DD HH:MM:SS ` in
 * local time, and each line is written whole so lines never interleave.
 *
 * Why a buffer: the relay is one event loop, and stderr may be a pipe that
 * nobody reads. Once attached to the loop, a line goes into a bounded buffer
 * that the loop drains with non-blocking writes; when the buffer is full the
 * line is dropped and counted, and a later line says how many were lost. So
 * a stalled log costs lines, never forwarding. Lines an outsider can cause at
 * will (handshake errors, bad requests, closes) are also rate-limited, with
 * the number suppressed said once the limit lets a line through again. */
#ifndef DERP_RELAY_LOG_H
#define DERP_RELAY_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;

/* One line (a newline is appended); the message may itself contain newlines
 * (the two-line snippet is logged as one message, as derper does). Before
 * relay_log_attach (start-up, nothing an outsider causes) it is written
 * straight away. */
void relay_log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line about one peer's failure (handshake errors, bad requests, closes):
 * as relay_log_printf, but at most RELAY_LOG_PEER_RATE per second on
 * average (bursts of RELAY_LOG_PEER_BURST). */
#define RELAY_LOG_PEER_RATE 50
#define RELAY_LOG_PEER_BURST 200
void relay_log_peer_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write a message that already carries its prefix (e.g. ipcert's snippet,
 * formatted from an injected time) exactly as given, plus a newline if it
 * lacks one. */
void relay_log_raw(const char *text, size_t len);

/* From now on lines are buffered and drained by `base`. false (and lines
 * still written directly) when the loop cannot watch stderr. */
bool relay_log_attach(struct event_base *base);

/* Before the loop is freed: what is buffered gets at most half a second to
 * be written, then it is dropped (a stalled stderr must not hold up the
 * exit) and writing is direct again. */
void relay_log_detach(void);

#endif
