/* expectations: declared upstream deviations (conformance/expectations/).
 *
 * The scenarios state what the spec says. Real upstream releases sometimes
 * do otherwise on purpose or by history (v1.80 knew no sha256-raw: pins);
 * such a cell is declared once, with what upstream does and why, instead of
 * staying red or being weakened in the scenario. A declaration is a claim
 * the run re-checks every time: a declared cell that now matches the
 * scenario, or no longer behaves as declared either, fails the run as a
 * stale declaration, so the files cannot rot.
 *
 * <dir>/<implementation>.json, one file per registry implementation
 * (tailscale.json, derper.json); other files there belong to other tools
 * (oracle.json: conformance/peers/oracle.sh). Each is an array of
 *   {"scenario": "<id>", "column": "<glob>", "relay": "<glob, default *>",
 *    "upstream": {<expectation, as in a scenario>}, "why": "<non-empty>"}
 * loaded strictly: unknown keys, wrong types, a missing why are errors
 * naming the file and the JSON path. The first declaration (files by
 * name, entries in order) whose globs match a cell governs it. */
#ifndef DERPCHECK_EXPECTATIONS_H
#define DERPCHECK_EXPECTATIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/report.h"
#include "scenario.h"

struct deviation {
  char *where;                           /* "tailscale.json[2]" */
  const char *scenario, *column, *relay; /* borrowed from the document */
  const json_t *upstream;
  const char *why;
};

struct expectations {
  json_t **docs;
  size_t n_docs;
  struct deviation *d;
  size_t n;
};

/* Load <dir>/<name>.json for each name in impls (NULL-terminated) that
   exists. A missing dir holds no declarations. */
bool expectations_load(const char *dir, const char *const *impls, struct expectations *x, char *err,
                       size_t errlen);
void expectations_free(struct expectations *x);

/* Every declaration names a loaded scenario. */
bool expectations_check_scenarios(const struct expectations *x, const struct scenario *all,
                                  size_t n, char *err, size_t errlen);

/* The declaration governing a cell, or NULL. */
const struct deviation *expectations_find(const struct expectations *x, const char *scenario,
                                          const char *column, const char *relay);

/* A declared cell's outcome. v: its verdict against the scenario;
   upstream_holds: every step that missed the scenario's expectation met
   the declared upstream one. Returns the cell's verdict (REPORT_KNOWN when
   the declaration explains it) and sets *stale to why the declaration no
   longer holds (NULL when it does). Errors and skips prove nothing. */
enum report_verdict expectations_resolve(enum report_verdict v, bool upstream_holds,
                                         const char **stale);

#endif
