#include "client_versions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_flags.h"

static const struct {
  enum client_profile profile;
  const char *clients;
  bool tls_only; /* the pre-1.100 probe's check is a TLS handshake */
} ranges[CLIENT_VERSIONS_ROWS] = {
    {CLIENT_PROFILE_TAILSCALE_1_80, "<= 1.81", false},
    {CLIENT_PROFILE_TAILSCALE_1_82, "1.82.x", false},
    {CLIENT_PROFILE_TAILSCALE_1_84, "1.84.x", false},
    {CLIENT_PROFILE_CURRENT, "1.86+", false},
    {CLIENT_PROFILE_DEBUG_LEGACY, "debug derp < 1.100", true},
};

static void one_range(const struct derp_region *region, const struct client_conn_options *base,
                      size_t i, struct client_conn *c, struct client_version_row *row) {
  struct client_conn_options o = *base;
  o.profile = ranges[i].profile;
  o.legacy_tls = ranges[i].tls_only;
  o.tls_only = ranges[i].tls_only;
  row->clients = ranges[i].clients;
  row->profile = client_profile_name(o.profile);
  client_conn_init(c);
  enum client_conn_status st =
      client_conn_open_region(c, region, &o, row->reason, sizeof row->reason);
  row->works = st == CLIENT_CONN_OK;
  if (row->works) {
    row->reason[0] = '\0';
    row->path = o.tls_only ? NULL : c->fast ? "fast" : "slow";
    snprintf(row->summary, sizeof row->summary, "%s: works%s%s", row->clients,
             row->path ? ", " : "", row->path ? row->path : "");
    if (row->path != NULL)
      strncat(row->summary, " path", sizeof row->summary - strlen(row->summary) - 1);
  } else {
    struct client_probe_fact_room room = {0};
    struct probe_facts f = {.stage = c->failed_stage == CLIENT_STAGE_DIAL  ? PROBE_STAGE_DIAL
                                     : c->failed_stage == CLIENT_STAGE_TLS ? PROBE_STAGE_TLS
                                                                           : PROBE_STAGE_DERP,
                            .error = row->reason,
                            .addr = c->addr,
                            .http_status = c->http_status,
                            .now = o.now};
    client_probe_facts(&c->tls, &region->nodes[0], &o, &room, &f);
    struct probe_diagnosis *d = malloc(sizeof *d);
    row->code = d != NULL && probe_diagnose(&f, d) ? d->code : NULL; /* codes are static */
    free(d);
    snprintf(row->summary, sizeof row->summary, "%s: fails (%s)", row->clients, row->reason);
  }
  client_conn_close(c);
}

void client_versions_run(const struct derp_region *region, const struct client_conn_options *base,
                         struct client_versions *out) {
  memset(out, 0, sizeof *out);
  struct client_conn *c = malloc(sizeof *c);
  if (c == NULL || region == NULL || region->node_count == 0) {
    free(c);
    return;
  }
  for (size_t i = 0; i < CLIENT_VERSIONS_ROWS; i++)
    one_range(region, base, i, c, &out->rows[out->n++]);
  free(c);
}
