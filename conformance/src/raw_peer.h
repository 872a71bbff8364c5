/* raw_peer: the runner itself as a TLS / DERP / STUN peer of the relay.
 *
 * Relay behaviour that no well-behaved client would trigger (a bad Upgrade
 * header, each malformed frame of spec §6.6, a generic STUN request, a
 * hundred handshakes in a row) is exercised by the runner directly, as
 * tlsfuzzer does: a scenario lists operations (open, send, expect) on named
 * connections, and the runner reports the first expectation that did not
 * hold. The peer has its own minimal DERP framing and ClientInfo sealing
 * (libsodium crypto_box) instead of the reference library's, so a bug in the
 * reference code cannot hide itself from the conformance suite.
 *
 * Every read has a deadline; a peer that closes early, resets, or sends
 * garbage is an observation, never a crash or a hang. */
#ifndef DERPCHECK_RAW_PEER_H
#define DERPCHECK_RAW_PEER_H

#include <jansson.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "materials.h"
#include "scenario_validate.h"
#include "template.h"

struct peer_target {
  const char *addr; /* 127.0.0.1 or ::1 */
  int port;
  int stun_port;
  const char *host_header;
  FILE *record; /* the connections' bytes after TLS, as transcript.h reads them; or NULL */
  /* restart_mesh_peer: stop the scenario's second relay, start it again on
     its port and wait until the two are meshed again; NULL: none. */
  bool (*restart_mesh_peer)(void *ctx, char *detail, size_t len);
  void *restart_ctx;
};

/* A TLS client context: no verification (the relay's chain is what is
   being observed), TLS 1.2..1.3, no SNI for IP targets. */
SSL_CTX *peer_ctx_new(void);

/* Each returns true when every expectation held; otherwise `detail` says
   which operation failed and what was observed. `handshakes` is how many TLS
   handshakes were made (for the timing floor). */
bool raw_script_run(const struct scenario_raw_op *ops, size_t n_ops, SSL_CTX *ctx,
                    const struct peer_target *t, struct materials *m, struct tvars *vars,
                    int *handshakes, char *detail, size_t detail_len);
bool tls_handshakes_run(const struct scenario_tls_handshakes_step *spec, SSL_CTX *ctx,
                        const struct peer_target *t, const struct tvars *vars, int *handshakes,
                        char *detail, size_t detail_len);
bool udp_step_run(const struct scenario_udp_step *spec, const struct peer_target *t,
                  const struct tvars *vars, char *detail, size_t detail_len);

/* Readiness of two meshed relays, in the protocol itself: a mesh watcher
   on the relay at t (whose key is `server`) waits until `present` (the
   other relay's key, its mesh connection) is registered there, i.e. that
   relay now watches this one. */
bool raw_await_mesh_peer(SSL_CTX *ctx, const struct peer_target *t, struct materials *m,
                         struct tvars *vars, const struct identity *server,
                         const uint8_t present[32], int timeout_ms, int *handshakes, char *detail,
                         size_t detail_len);

/* Decode hex (after placeholder expansion) into a new buffer. */
uint8_t *hex_decode(const char *hex, size_t *len);

#endif
