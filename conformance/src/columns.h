/* columns: the matrix columns of a run and which scenarios they judge.
 *
 * A column is one client implementation judged by one profile's
 * expectations: a profile of the reference client ("current", judged by
 * itself), a real upstream client from the peers registry
 * ("tailscale@v1.82.5", judged by the profile the registry maps that
 * version to; probe steps by its probe_profile), or "relay" (relay-level
 * steps, checked by the runner). A scenario with no expectation for a
 * column's profile, or with a step in a mode the column's client lacks
 * (the registry's "unsupported"), has no cell in that column. */
#ifndef DERPCHECK_COLUMNS_H
#define DERPCHECK_COLUMNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "peers.h"
#include "scenario.h"

enum { COLUMNS_MAX = 32 };

struct run_column {
  const char *name;          /* matrix column */
  const char *profile;       /* judged by; NULL for the relay column */
  const char *probe_profile; /* for probe steps; NULL: profile */
  const char *client_cmd;    /* NULL: the run's --client-cmd */
  const char *client_bin;    /* NULL: the run's --client-bin */
  const json_t *unsupported; /* client mode -> why it cannot run it */
  bool real;                 /* a registry peer (no reference-only flags) */
};

/* The profile whose expectation judges `col` in a step of `mode`. */
const char *column_profile(const struct run_column *col, const char *mode);

/* The columns of a run, in matrix order: reference client profiles, real
   clients (registry order), relay. `profiles` are the --profile names (a
   column name each, n_profiles 0: none given), `clients` the --client
   peers. With neither, every profile and relay; with --client alone, the
   real clients and relay. Real columns run `client_cmd` with their binary.
   Returns the count, 0 when more than `max`. */
size_t columns_select(const char *const *profiles, size_t n_profiles,
                      const struct peer *const *clients, size_t n_clients, const char *client_cmd,
                      struct run_column *out, size_t max);

/* The columns (of cols[n]) that have a cell for scenario s, in order: the
   relay column when s has relay-level steps, a client column when some
   step expects something of its profile and its client has every mode
   those steps use. */
size_t columns_of_scenario(const struct scenario *s, const struct run_column *cols, size_t n,
                           const struct run_column **out, size_t max);

/* The first mode a client column would run in s that its implementation
   cannot (*why: the registry's reason), or NULL. */
const char *column_gap(const struct run_column *col, const struct scenario *s, const char **why);

#endif
