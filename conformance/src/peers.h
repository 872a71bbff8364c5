/* peers: the registry of real upstream peers (conformance/peers/peers.json).
 *
 * The registry is the contract between the runner and the peers build
 * (conformance/peers/build.sh): which client and relay implementations exist
 * in which versions, where their binaries land under the peers dir, which
 * profile a client version is judged by, and what a peer cannot do
 * ("unsupported": capability -> why). Loaded strictly like scenarios:
 * unknown keys, wrong types, unknown profiles or capabilities are errors
 * naming the file and the JSON path, because a registry the runner
 * misreads would judge real upstream code by the wrong expectations.
 *
 * Capabilities a relay may lack, and the scenario fields that need them:
 *   metacert_off    relay.metacert "off" (the relay must serve the chain
 *                   file alone: odd metacerts ride at its end)
 *   tls_versions    relay.tls_min / tls_max other than 1.2 / 1.3
 *   verify_clients  relay.verify_clients
 *   chain_generate  relay.chain "generate" (the relay makes its own cert)
 * A client may lack a mode: connect, probe, stun, send, recv, ping. */
#ifndef DERPCHECK_PEERS_H
#define DERPCHECK_PEERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "scenario_validate.h"

struct peer {
  char *name;          /* "tailscale@v1.82.5" */
  const char *impl;    /* "tailscale" (borrowed from the document) */
  const char *version; /* "v1.82.5" */
  /* clients: the profile whose expectations judge it, and the one for probe
     steps (NULL: profile). NULL for relays. */
  const char *profile, *probe_profile;
  char *binary;        /* <peers dir>/<the registry's "binary"> */
  json_t *unsupported; /* capability -> why: the implementation's, then the
                          version's (never NULL once loaded) */
};

struct peers {
  json_t *doc;
  struct peer *clients, *relays; /* in file order */
  size_t n_clients, n_relays;
};

/* Load `file`; binaries resolve under `peers_dir`. */
bool peers_load(const char *file, const char *peers_dir, struct peers *p, char *err, size_t errlen);
void peers_free(struct peers *p);

/* Mark in chosen[] (one per list entry) the peers `spec` names:
   "tailscale" or "tailscale@all" (every version), "tailscale@v1.82.5".
   False with err for an unknown implementation or version. */
bool peers_select(const struct peer *list, size_t n, const char *spec, bool *chosen, char *err,
                  size_t errlen);

/* The first capability of `unsupported` the scenario's relay setup needs
   (its name; *why gets the registry's reason), or NULL when it needs none. */
const char *peers_relay_gap(const json_t *unsupported, const struct scenario_relay *relay,
                            const char **why);

#endif
