/* Fuzz target scenario: a conformance scenario file as derpcheck loads it
 * (scenario_parse: jansson with duplicate keys refused, then
 * scenario_validate's strict schema and the decoding of the relay block and
 * every step). Scenarios are the data contributors write (design principle
 * 3); a malformed one must get an error naming the file and the JSON path,
 * never a crash, a leak or a half-read scenario.
 *
 * Input layout: the whole input is the file's text.
 *
 * Oracles, beyond "no crash, no leak":
 *  - a refusal names the file first ("<file>:"), and says something after;
 *  - an accepted scenario has an id, a layer ("tls" or "derp"), at least one
 *    step, every step decoded, and columns that are known profiles or
 *    "relay", each at most once;
 *  - reading is deterministic, and the document jansson kept, written back
 *    (compact, keys sorted), reads to the same verdict, id, steps and
 *    columns. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_report.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCENARIO_FUZZ_MAX_INPUT (64u * 1024u)
#define NAME "fuzz.json"

FUZZ_ORACLE static void check_accepted(const struct scenario *s) {
  ORACLE_ASSERT(s->id != NULL && s->id[0] != '\0', "accepted without an id");
  ORACLE_ASSERT(strcmp(s->layer, "tls") == 0 || strcmp(s->layer, "derp") == 0, "layer \"%s\"",
                s->layer);
  ORACLE_ASSERT(s->n_steps >= 1 && s->steps != NULL, "accepted with %zu steps", s->n_steps);
  ORACLE_ASSERT(strcmp(s->path, NAME) == 0, "path \"%s\"", s->path);
  for (size_t i = 0; i < s->n_columns; i++) {
    const char *c = s->columns[i];
    ORACLE_ASSERT(scenario_is_profile(c) || strcmp(c, SCENARIO_RELAY_COLUMN) == 0, "column \"%s\"",
                  c);
    for (size_t k = 0; k < i; k++)
      ORACLE_ASSERT(strcmp(s->columns[k], c) != 0, "column \"%s\" twice", c);
  }
}

FUZZ_ORACLE static void check_same(const struct scenario *a, const struct scenario *b,
                                   const char *how) {
  ORACLE_ASSERT(strcmp(a->id, b->id) == 0 && strcmp(a->layer, b->layer) == 0 &&
                    a->n_steps == b->n_steps && a->n_columns == b->n_columns,
                "%s: id %s/%s, %zu/%zu steps, %zu/%zu columns", how, a->id, b->id, a->n_steps,
                b->n_steps, a->n_columns, b->n_columns);
  for (size_t i = 0; i < a->n_steps; i++)
    ORACLE_ASSERT(a->steps[i].kind == b->steps[i].kind, "%s: step %zu kind %d/%d", how, i,
                  a->steps[i].kind, b->steps[i].kind);
  for (size_t i = 0; i < a->n_columns; i++)
    ORACLE_ASSERT(strcmp(a->columns[i], b->columns[i]) == 0, "%s: column %zu %s/%s", how, i,
                  a->columns[i], b->columns[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > SCENARIO_FUZZ_MAX_INPUT) return -1;
  static char err[1024], err2[1024];
  struct scenario s, again;
  bool ok = scenario_parse((const char *)data, size, NAME, &s, err, sizeof err);
  bool ok2 = scenario_parse((const char *)data, size, NAME, &again, err2, sizeof err2);
  ORACLE_ASSERT(ok == ok2, "read twice: %d then %d", ok, ok2);
  if (!ok) {
    ORACLE_ASSERT(strcmp(err, err2) == 0, "refused as \"%s\", then as \"%s\"", err, err2);
    ORACLE_ASSERT(strncmp(err, NAME ":", sizeof NAME) == 0 && strlen(err) > sizeof NAME + 1,
                  "refusal \"%s\" does not name the file first", err);
    return 0;
  }
  check_accepted(&s);
  check_same(&s, &again, "read twice");
  scenario_free(&again);

  char *text = json_dumps(s.doc, JSON_COMPACT | JSON_SORT_KEYS);
  ORACLE_ASSERT(text != NULL, "json_dumps of an accepted scenario failed");
  bool back = scenario_parse(text, strlen(text), NAME, &again, err2, sizeof err2);
  ORACLE_ASSERT(back, "written back, the scenario is refused: %s", err2);
  check_same(&s, &again, "written back");
  scenario_free(&again);
  free(text);
  scenario_free(&s);
  return 0;
}
