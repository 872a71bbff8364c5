/* scenario_run: one scenario, end to end, on loopback.
 *
 * Makes the scenario's materials in a private temp dir, starts the relay
 * from its command template (port 0, readiness from its ready file), an
 * optional metacert-stripping TLS proxy in front, writes the DERPMap, runs
 * each step (clients from the client template, once per expected profile;
 * relay-level steps by the runner's own peer), compares, stops everything
 * by PID and fills one report row plus one cell per column. Scenarios are
 * independent of each other: own dir, own ports, own processes. */
#ifndef DERPCHECK_SCENARIO_RUN_H
#define DERPCHECK_SCENARIO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report.h"
#include "scenario.h"

struct run_config {
  const char *relay_cmd;  /* template */
  const char *client_cmd; /* template */
  const char *relay_bin;  /* {relay_bin} */
  const char *client_bin; /* {client_bin} */
  const char *proxy_bin;  /* derpcheck-proxy */
  const char *adapters_dir;
  const char *tmp_root;
  /* The relay is a TLS peer, not a DERP server (e.g. openssl s_server):
   * connect steps stop after the certificate check (--tls-only). */
  bool tls_only;
  bool keep; /* keep the temp dir */
  uint64_t seed;
  const char *const *profiles; /* selected columns; NULL: all */
  int ready_timeout_ms;
  int client_timeout_ms;
  /* Calibration for the per-scenario floor: one process start, one TLS
     handshake (see floor.h). */
  double proc_floor_ms;
  double tls_floor_ms;
  FILE *log; /* progress details (NULL: quiet) */
};

bool run_config_selects(const struct run_config *cfg, const char *column);

/* Adds one row and its cells to `out`. */
void scenario_run(const struct scenario *s, const struct run_config *cfg,
                  struct report *out);

#endif
