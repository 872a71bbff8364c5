/* relay_mesh_peers: derp-relay's --mesh-with list and --mesh-pin list, parsed
 * once and checked when the flags are (a typo is exit 2, not a peer that
 * silently never connects).
 *
 * --mesh-with is derper's syntax: comma-separated entries, each "host" or
 * "host/dial-host". `host` is the URL's ("https://<host>/derp"): the TLS name,
 * the Host header, and the port (":port", default 443); `dial-host`, when
 * given, is the address dialed instead, on the same port. */
#ifndef DERP_RELAY_MESH_PEERS_H
#define DERP_RELAY_MESH_PEERS_H

#include <stdbool.h>
#include <stddef.h>

#define RELAY_MESH_PEERS_MAX 32
#define RELAY_MESH_HOST_MAX 256

struct relay_mesh_peer {
  char url_host[RELAY_MESH_HOST_MAX + 8]; /* "host" or "host:port", as in the URL */
  char name[RELAY_MESH_HOST_MAX];         /* host without port or brackets: TLS name */
  char dial[RELAY_MESH_HOST_MAX];         /* what is dialed (dial-host, else name) */
  int port;
  bool name_is_ip;
};

/* Parse the --mesh-with value into out[0..*n). On error, a message naming
 * the entry. */
bool relay_mesh_peers_parse(const char *list, struct relay_mesh_peer *out, size_t cap, size_t *n,
                            char *err, size_t errcap);

/* --mesh-pin: comma-separated "sha256-raw:<64 hex>" (the CertName a relay's
 * snippet prints). out gets the lowercase hex of each. */
#define RELAY_MESH_PINS_MAX 16
bool relay_mesh_pins_parse(const char *list, char out[][65], size_t cap, size_t *n, char *err,
                           size_t errcap);

#endif
