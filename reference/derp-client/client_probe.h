/* client_probe: `tailscale debug derp <region>` (spec §5.1), run against a
 * DERPMap, writing into a probe_report.
 *
 * Checks, in upstream's order: region selection and the region-level
 * Info/Warnings; then per node: STUNOnly short-cut; TCP+TLS over IPv4 and
 * over IPv6 with the node's TLS config (§5.2: the real client's dispatch,
 * or under debug-legacy the pre-1.100 bare config); the connectivity
 * summary; the captive-portal GET on port 80; five DERP connects (Go's
 * Connect semantics: done once ClientInfo is written) with the distinct
 * server keys counted; the IPv4 STUN check. Each failure also feeds the
 * Diagnosis with what was observed (certificates presented, their hashes,
 * validity, the pin, the relay's snippet hash if known).
 *
 * Deviation, on purpose (conformance/README.md notes): a family the node
 * cannot be dialled on (an IPv4 literal HostName has no IPv6) is skipped
 * rather than reported as a dial error. */
#ifndef DERP_CLIENT_PROBE_H
#define DERP_CLIENT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "client_conn.h"
#include "derp/derpmap.h"
#include "derp/ipcert.h"
#include "derp/pin_verify.h"
#include "derp/probe_report.h"

#define CLIENT_PROBE_DERP_TRIES 5
#define CLIENT_PROBE_STUN_WAIT_MS 5000
#define CLIENT_PROBE_CAPTIVE_WAIT_MS 3000
/* How long the first DERP try waits for ServerInfo (is the key admitted?). */
#define CLIENT_PROBE_ACCEPT_WAIT_MS 3000
#define CLIENT_REASON_MAX_PROBE (CLIENT_TLS_ERR_MAX + 256)

struct client_probe_input {
  const struct derp_map *map; /* NULL: "no DERP map" */
  const char *region;         /* selector as given (id or code) */
  /* Profile, CA file, TLS cap, keys, deadline, now. */
  const struct client_conn_options *conn;
  const char *snippet_sha256; /* NULL when unknown */
};

/* Facts for the verdict line, from the first DERP connection that worked. */
struct client_probe_summary {
  bool connected;
  const char *path; /* "fast" / "slow" */
  const char *tls_version;
  uint8_t server_key[32];
  size_t certs; /* presented by the last TLS handshake seen; 0 = none */
  bool has_certs;
};

void client_probe_run(const struct client_probe_input *in, struct probe_report *r,
                      struct client_probe_summary *sum);

/* The Diagnosis facts a TLS handshake left (certificates presented, which
 * were metacerts, the leaf's hash, validity and issuer) and the node's;
 * `room` holds the strings f points to. t may be NULL. */
struct client_probe_fact_room {
  char leaf_sha256[PIN_HEX_LEN + 1];
  char file_stem[IPCERT_NAME_MAX + 1];
};
void client_probe_facts(const struct client_tls *t, const struct derp_node *n,
                        const struct client_conn_options *o, struct client_probe_fact_room *room,
                        struct probe_facts *f);

#endif
