#include "columns.h"

#include <string.h>

const char *column_profile(const struct run_column *col, const char *mode) {
  bool probe =
      strcmp(mode, "probe") == 0 || strcmp(mode, "diagnose") == 0 || strcmp(mode, "versions") == 0;
  if (col->probe_profile != NULL && probe) return col->probe_profile;
  return col->profile;
}

static bool listed(const char *name, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], name) == 0) return true;
  return false;
}

size_t columns_select(const char *const *profiles, size_t n_profiles,
                      const struct peer *const *clients, size_t n_clients, const char *client_cmd,
                      struct run_column *out, size_t max) {
  size_t n = 0;
  /* --client alone means "these clients": the reference profiles only run
     when --profile names them */
  bool all = n_profiles == 0 && n_clients == 0;
  for (const char *const *p = scenario_client_profiles; *p != NULL; p++) {
    if (!all && !listed(*p, profiles, n_profiles)) continue;
    if (n == max) return 0;
    out[n++] = (struct run_column){.name = *p, .profile = *p};
  }
  for (size_t i = 0; i < n_clients; i++) {
    if (n == max) return 0;
    const struct peer *c = clients[i];
    out[n++] = (struct run_column){.name = c->name,
                                   .profile = c->profile,
                                   .probe_profile = c->probe_profile,
                                   .client_cmd = client_cmd,
                                   .client_bin = c->binary,
                                   .unsupported = c->unsupported,
                                   .real = true};
  }
  if (n_profiles == 0 || listed(SCENARIO_RELAY_COLUMN, profiles, n_profiles)) {
    if (n == max) return 0;
    out[n++] = (struct run_column){.name = SCENARIO_RELAY_COLUMN};
  }
  return n;
}

/* The mode of step st when it is a client step that expects something of
   col; NULL otherwise. */
static const char *expecting_mode(const struct scenario_step *st, const struct run_column *col) {
  if (st->kind != STEP_CLIENT) return NULL;
  const char *mode = st->client.mode;
  return json_object_get(st->client.expect, column_profile(col, mode)) != NULL ? mode : NULL;
}

/* Does some client step of s expect something of col? */
static bool judges(const struct scenario *s, const struct run_column *col) {
  for (size_t i = 0; i < s->n_steps; i++)
    if (expecting_mode(&s->steps[i], col) != NULL) return true;
  return false;
}

static bool has_relay_steps(const struct scenario *s) {
  for (size_t k = 0; k < s->n_columns; k++)
    if (strcmp(s->columns[k], SCENARIO_RELAY_COLUMN) == 0) return true;
  return false;
}

size_t columns_of_scenario(const struct scenario *s, const struct run_column *cols, size_t n,
                           const struct run_column **out, size_t max) {
  size_t k = 0;
  for (size_t i = 0; i < n && k < max; i++) {
    /* a client that lacks a mode the scenario needs is not a client of
       that scenario, as one judged by a profile it expects nothing of */
    bool used = cols[i].profile == NULL
                    ? has_relay_steps(s)
                    : judges(s, &cols[i]) && column_gap(&cols[i], s, NULL) == NULL;
    if (used) out[k++] = &cols[i];
  }
  return k;
}

const char *column_gap(const struct run_column *col, const struct scenario *s, const char **why) {
  if (col->profile == NULL || col->unsupported == NULL) return NULL;
  for (size_t i = 0; i < s->n_steps; i++) {
    const char *mode = expecting_mode(&s->steps[i], col);
    const char *w = mode != NULL ? js_str(col->unsupported, mode, NULL) : NULL;
    if (w != NULL) {
      if (why != NULL) *why = w;
      return mode;
    }
    /* a step over WebSocket needs that transport too */
    w = mode != NULL && s->steps[i].client.websocket ? js_str(col->unsupported, "websocket", NULL)
                                                     : NULL;
    if (w != NULL) {
      if (why != NULL) *why = w;
      return "websocket";
    }
  }
  return NULL;
}
