/* relay_mesh_link: derp-relay's outbound mesh connections (--mesh-with), as
 * derper's mesh client runs them: one DERP client connection per peer relay,
 * authenticated with the relay's own key and the region's mesh key, which
 * sends WatchConns and turns the peer's PeerPresent/PeerGone into
 * relay_core's forwarders (relay_mesh_add/remove). relay_core forwards a
 * local client's packet for a key present at the peer by calling
 * relay_mesh_links_forward, which queues a ForwardPacket frame here.
 *
 * Why its own module: it is the only place the relay is a TLS *client*. The
 * DERP client side is the sans-I/O client_session (the same core derp-client
 * uses); this file only moves bytes over a bufferevent_openssl (a handful of
 * peers, so the bufferevent's memory does not matter here), checks the
 * peer's certificate (the CA roots for its host name or IP, or a --mesh-pin)
 * and reconnects: on any failure every forwarder of the peer is dropped and
 * the connection retried after 250 ms, doubling up to 5 s (derper waits a
 * fixed 5 s). A peer whose ServerKey is this relay's own key is the relay
 * itself (derper allows its own name in the list): dropped for good. */
#ifndef DERP_RELAY_MESH_LINK_H
#define DERP_RELAY_MESH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/derp_keys.h"

struct event_base;
struct relay;
struct relay_mesh_links;

struct relay_mesh_links_config {
  struct event_base *base;
  struct relay *core;
  const struct derp_keypair *keys; /* the relay's: the mesh client's identity */
  const uint8_t *mesh_key;         /* 32 bytes */
  const char *mesh_with;           /* validated by relay_flags */
  const char *ca_file;             /* NULL: system roots */
  const char *pins;                /* NULL or validated sha256-raw: list */
  /* relay_core queued output (a PeerGone): the caller drains its events. */
  void (*core_changed)(void *ctx);
  void *core_changed_ctx;
};

/* Start dialing every peer. NULL with err on a set-up failure (the CA file
 * unreadable, no memory). */
struct relay_mesh_links *relay_mesh_links_start(const struct relay_mesh_links_config *cfg,
                                                char *err, size_t errcap);
/* Close every connection (relay_core must still exist). */
void relay_mesh_links_free(struct relay_mesh_links *l);

/* relay_options.forward: `fwd` is one link registered by this module. */
bool relay_mesh_links_forward(void *ctx, void *fwd, const uint8_t src[DERP_KEY_LEN],
                              const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt, size_t len);

#endif
