/* scenario: one conformance scenario file, loaded strictly and validated.
 *
 * Scenarios are data (design principle 3): the runner is generic and every
 * DERP- or TLS-specific expectation lives in conformance/scenarios/<name>.json.
 * A typo in a scenario must not silently weaken it, so loading is strict:
 * jansson rejects duplicate keys and trailing garbage, and this module
 * rejects unknown keys, wrong types and values outside their enums, naming
 * the file and the JSON path (`steps[0].expect.current.reson: unknown key`).
 * The format is documented in conformance/README.md.
 *
 * After validation the relay block and the steps are decoded once, at load
 * (struct scenario_relay, struct scenario_step), by scenario_validate.c,
 * where each default is stated once; the run code reads those. The rest
 * of the document (certs, node, expectations, a raw op's action object) is
 * kept as JSON, read with json_get.h's accessors, which can then assume the
 * shapes checked here. */
#ifndef DERPCHECK_SCENARIO_H
#define DERPCHECK_SCENARIO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "json_get.h"
#include "scenario_validate.h"

struct scenario {
  char *path;
  json_t *doc;
  const char *id; /* borrowed from doc */
  const char *description;
  const char *layer; /* "tls" or "derp" */
  /* Profiles this scenario has expectations for, in
     scenario_client_profiles order, then "relay" when it has relay-level
     steps. Owned array, borrowed names. */
  const char **columns;
  size_t n_columns;
  struct scenario_relay relay; /* relay block, defaults applied */
  struct scenario_step *steps; /* owned array, decoded */
  size_t n_steps;
};

bool scenario_load(const char *path, struct scenario *out, char *err, size_t errlen);
/* The same from text[0..len) already read; name stands for the path in
 * the scenario and in errors (fuzz/scenario). */
bool scenario_parse(const char *text, size_t len, const char *name, struct scenario *out, char *err,
                    size_t errlen);
void scenario_free(struct scenario *s);

/* Every *.json in dir, sorted by id; duplicate ids are an error. */
bool scenario_load_dir(const char *dir, struct scenario **out, size_t *n, char *err, size_t errlen);
void scenario_free_all(struct scenario *s, size_t n);

#endif
