#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_bounded.h"

static bool decode_steps(struct scenario *s) {
  const json_t *steps = json_object_get(s->doc, "steps");
  size_t n = json_array_size(steps); /* at least one: validated */
  s->steps = calloc(n, sizeof *s->steps);
  if (s->steps == NULL) return false;
  for (; s->n_steps < n; s->n_steps++)
    if (!scenario_step_of(json_array_get(steps, s->n_steps), &s->steps[s->n_steps])) {
      s->n_steps++; /* freed with the others */
      return false;
    }
  return true;
}

static bool fill_columns(struct scenario *s, bool relay_level) {
  size_t cap = 8;
  s->columns = calloc(cap, sizeof *s->columns);
  if (s->columns == NULL) return false;
  for (const char *const *p = scenario_client_profiles; *p != NULL; p++) {
    bool used = false;
    for (size_t i = 0; i < s->n_steps; i++) {
      const struct scenario_step *st = &s->steps[i];
      used = used || (st->kind == STEP_CLIENT && json_object_get(st->client.expect, *p) != NULL);
    }
    if (used) s->columns[s->n_columns++] = *p;
  }
  if (relay_level) s->columns[s->n_columns++] = SCENARIO_RELAY_COLUMN;
  return true;
}

/* Validate and decode a loaded document; takes doc (freed on failure). */
static bool scenario_take(json_t *doc, const char *path, struct scenario *out, char *err,
                          size_t errlen) {
  bool relay_level = false;
  if (!scenario_validate(doc, path, &relay_level, err, errlen)) {
    json_decref(doc);
    return false;
  }
  out->path = strdup(path);
  out->doc = doc;
  out->id = js_str(doc, "id", "");
  out->description = js_str(doc, "description", "");
  out->layer = js_str(doc, "layer", "derp");
  scenario_relay_of(json_object_get(doc, "relay"), &out->relay);
  if (out->path == NULL || !decode_steps(out) || !fill_columns(out, relay_level)) {
    fmt_bounded(err, errlen, "%s: out of memory", path);
    scenario_free(out);
    return false;
  }
  return true;
}

bool scenario_load(const char *path, struct scenario *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  json_error_t je;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) {
    fmt_bounded(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return false;
  }
  return scenario_take(doc, path, out, err, errlen);
}

bool scenario_parse(const char *text, size_t len, const char *name, struct scenario *out, char *err,
                    size_t errlen) {
  memset(out, 0, sizeof *out);
  json_error_t je;
  json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) {
    fmt_bounded(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
    return false;
  }
  return scenario_take(doc, name, out, err, errlen);
}

void scenario_free(struct scenario *s) {
  free(s->path);
  free(s->columns);
  for (size_t i = 0; i < s->n_steps; i++) scenario_step_free(&s->steps[i]);
  free(s->steps);
  json_decref(s->doc);
  memset(s, 0, sizeof *s);
}
