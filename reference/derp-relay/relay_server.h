/* relay_server: derp-relay's listeners (TLS, and plain HTTP with
 * --http-port), relay_core and the timer that drives it. Accepted sockets go
 * to relay_connection (which also turns relay_core's events into writes and
 * closes), their DERP phase to relay_derp_io; neither calls back here.
 *
 * Why this split: every decision is a core's (relay_http routes requests,
 * relay_core runs DERP and its timers); the shell owns only what cannot be
 * sans-I/O: sockets, the TLS records, the clock, one timer, and the order in
 * which the cores' events are turned into writes and closes. One event loop,
 * one thread: a slow or hostile client can cost others CPU time, never a
 * blocked call. */
#ifndef DERP_RELAY_SERVER_H
#define DERP_RELAY_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/derp_keys.h"
#include "relay_flags.h"
#include "relay_tls.h"

struct event_base;
struct relay_server;

struct relay_server_config {
  const struct relay_flags *flags;        /* listen address, derp, timeouts, verify-clients */
  const struct derp_keypair *keys;        /* the DERP key (also in the metacert) */
  const uint8_t (*allowed)[DERP_KEY_LEN]; /* --verify-clients-file keys */
  size_t allowed_count;
  struct relay_tls *tls;                         /* built by relay_tls_init; outlives the server */
  const uint8_t *mesh_key;                       /* --mesh-psk-file's 32 bytes, or NULL */
  uint64_t rate_bytes_per_sec, rate_burst_bytes; /* --rate-config; 0: none */
};

/* Bind -a and start accepting. *bound gets the bound address. */
struct relay_server *relay_server_start(struct event_base *base,
                                        const struct relay_server_config *cfg, char *bound,
                                        size_t boundcap, char *err, size_t errcap);
/* Close every connection (close_notify where the TLS session is up) and free
 * everything. */
void relay_server_free(struct relay_server *s);

/* One log line of what the relay did since start (what derper exposes on
 * /debug/vars): connections, packets, and every packet dropped by reason,
 * so a missing packet is always accounted for. Logged at shutdown. */
void relay_server_log_stats(const struct relay_server *s);

/* New receive rate limits for every client (a --rate-config reload);
 * returns the burst applied (relay_set_rate_limit). */
uint64_t relay_server_set_rate_limit(struct relay_server *s, uint64_t bytes_per_sec,
                                     uint64_t burst_bytes);

#endif
