#include "scenario.h"

#include <dirent.h>
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

bool scenario_load(const char *path, struct scenario *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  json_error_t je;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) {
    fmt_bounded(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return false;
  }
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

void scenario_free(struct scenario *s) {
  free(s->path);
  free(s->columns);
  for (size_t i = 0; i < s->n_steps; i++) scenario_step_free(&s->steps[i]);
  free(s->steps);
  json_decref(s->doc);
  memset(s, 0, sizeof *s);
}

void scenario_free_all(struct scenario *s, size_t n) {
  for (size_t i = 0; i < n; i++) scenario_free(&s[i]);
  free(s);
}

static int by_id(const void *a, const void *b) {
  return strcmp(((const struct scenario *)a)->id, ((const struct scenario *)b)->id);
}

bool scenario_load_dir(const char *dir, struct scenario **out, size_t *n, char *err,
                       size_t errlen) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) {
    fmt_bounded(err, errlen, "%s: cannot open scenario directory", dir);
    return false;
  }
  struct scenario *list = NULL;
  size_t count = 0, cap = 0;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 32;
      struct scenario *p = realloc(list, cap * sizeof *p);
      if (p == NULL) {
        fmt_bounded(err, errlen, "out of memory");
        ok = false;
        break;
      }
      list = p;
    }
    char path[4096];
    fmt_bounded(path, sizeof path, "%s/%s", dir, e->d_name);
    ok = scenario_load(path, &list[count], err, errlen);
    if (ok) count++;
  }
  closedir(d);
  if (ok) {
    qsort(list, count, sizeof *list, by_id);
    for (size_t i = 1; i < count && ok; i++) {
      if (strcmp(list[i - 1].id, list[i].id) == 0) {
        fmt_bounded(err, errlen, "%s and %s both have id %s", list[i - 1].path, list[i].path,
                    list[i].id);
        ok = false;
      }
    }
  }
  if (!ok) {
    scenario_free_all(list, count);
    return false;
  }
  *out = list;
  *n = count;
  return true;
}
