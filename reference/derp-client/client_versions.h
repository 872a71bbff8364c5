/* client_versions: `probe --all-versions`, one compatibility verdict per
 * client release range against the region's node: the same connection made
 * with each profile's certificate logic (tailscale-1.80, -1.82, -1.84,
 * current: a full DERP connect; debug-legacy: the pre-1.100 `debug derp`
 * TLS check), each failure named by the Diagnosis rules.
 *
 * The ranges are the profiles' (conformance/README.md "Matrix columns"),
 * which the interop matrix checks against the real releases. */
#ifndef DERP_CLIENT_VERSIONS_H
#define DERP_CLIENT_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "client_conn.h"
#include "client_probe.h"
#include "derp/derpmap.h"

#define CLIENT_VERSIONS_ROWS 5

struct client_version_row {
  const char *clients; /* "<= 1.81", "1.82.x", ..., "debug derp < 1.100" */
  const char *profile; /* "tailscale-1.80", ... */
  bool works;
  const char *path; /* "fast" / "slow" when it works (NULL for the TLS-only row) */
  char reason[CLIENT_REASON_MAX_PROBE];
  const char *code;                            /* the Diagnosis code of the failure, or NULL */
  char summary[CLIENT_REASON_MAX_PROBE + 128]; /* "1.82.x: fails (...)" */
};

struct client_versions {
  size_t n;
  struct client_version_row rows[CLIENT_VERSIONS_ROWS];
};

/* Connect to the region's first node once per profile; `base` gives the
 * keys, CA file, TLS cap, deadline and clock. */
void client_versions_run(const struct derp_region *region, const struct client_conn_options *base,
                         struct client_versions *out);

#endif
