/* scenario_run: one scenario, end to end, on loopback.
 *
 * Makes the scenario's materials in a private temp dir, starts the relay
 * from its command template (port 0, readiness from its ready file), an
 * optional metacert-stripping TLS proxy in front, writes the DERPMap, runs
 * each step (clients from the client template, once per expected profile;
 * relay-level steps by the runner's own peer), compares, stops everything
 * by PID and fills one report row plus one cell per column. Scenarios are
 * independent of each other: own dir, own ports, own processes.
 *
 * Columns share the scenario's relay. When a scenario has a background
 * client, each client column runs the steps in a pass of its own (the
 * relay-level steps in the first), so two columns' clients with the same
 * identity are never connected at once. A relay that lacks a capability
 * the scenario needs (peers.h) skips the row; a cell with a declared
 * deviation (expectations.h) is also judged against the declared upstream
 * behaviour. */
#ifndef DERPCHECK_SCENARIO_RUN_H
#define DERPCHECK_SCENARIO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "columns.h"
#include "expectations.h"
#include "harness/report.h"
#include "scenario.h"

/* A relay the scenarios run against: the reference relay (or whatever
   --relay-cmd starts), or a registry peer such as "derper@v1.102.5". */
struct run_relay {
  const char *name;
  const char *cmd;           /* template */
  const char *bin;           /* {relay_bin} */
  const json_t *unsupported; /* capability -> why (peers.h); NULL: none */
};

struct run_config {
  const char *client_cmd; /* template of the reference client's columns */
  const char *client_bin; /* {client_bin} */
  const char *proxy_bin;  /* derpcheck-proxy */
  /* relay.mesh_peer "reference": how the reference relay starts */
  const char *reference_relay_cmd, *reference_relay_bin;
  const char *adapters_dir;
  const char *tmp_root;
  /* The relay is a TLS peer, not a DERP server (e.g. openssl s_server):
   * connect steps stop after the certificate check (--tls-only). */
  bool tls_only;
  bool keep;              /* keep the temp dir */
  const char *record_dir; /* --record: copy each scenario's .rec files here */
  /* The reference client columns run derp-client's own template: it takes
     --record (a custom --client-cmd may not). */
  bool client_records;
  uint64_t seed;
  const struct run_column *columns; /* selected columns, in matrix order */
  size_t n_columns;
  const struct expectations *expectations; /* declared deviations */
  int ready_timeout_ms;
  int client_timeout_ms;
  /* Calibration for the per-scenario floor: one process start, one TLS
     handshake (see floor.h). */
  double proc_floor_ms;
  double tls_floor_ms;
  FILE *log; /* progress details (NULL: quiet) */
};

/* The selected columns with a cell for s (at most COLUMNS_MAX). */
size_t run_columns_of(const struct scenario *s, const struct run_config *cfg,
                      const struct run_column **out);

/* Adds one row (s on relay) and its cells to `out`. */
void scenario_run(const struct scenario *s, const struct run_relay *relay,
                  const struct run_config *cfg, struct report *out);

#endif
