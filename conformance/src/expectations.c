#include "expectations.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt_bounded.h"
#include "scenario_validate.h"

static bool check_entry(struct schema *v, const json_t *e, const char *path) {
  static const char *const keys[] = {"scenario", "column", "relay", "upstream", "why", NULL};
  if (!json_is_object(e)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, e, path, keys) ||
      !schema_field(v, e, path, "scenario", JSON_STRING, true) ||
      !schema_field(v, e, path, "column", JSON_STRING, true) ||
      !schema_field(v, e, path, "relay", JSON_STRING, false) ||
      !schema_field(v, e, path, "upstream", JSON_OBJECT, true) ||
      !schema_field(v, e, path, "why", JSON_STRING, true))
    return false;
  char p[512];
  fmt_bounded(p, sizeof p, "%s.upstream", path);
  if (!schema_expectation(v, json_object_get(e, "upstream"), p)) return false;
  if (js_str(e, "why", "")[strspn(js_str(e, "why", ""), " \t\n")] == '\0') {
    fmt_bounded(p, sizeof p, "%s.why", path);
    return schema_fail(v, p, "empty: say why upstream differs");
  }
  static const char *const globs[] = {"scenario", "column", "relay", NULL};
  for (const char *const *g = globs; *g != NULL; g++) {
    if (js_str(e, *g, "*")[0] != '\0') continue;
    fmt_bounded(p, sizeof p, "%s.%s", path, *g);
    return schema_fail(v, p, "empty");
  }
  return true;
}

static bool load_file(struct expectations *x, const char *path, const char *base, char *err,
                      size_t errlen) {
  json_error_t je;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (doc == NULL) {
    fmt_bounded(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return false;
  }
  json_t **docs = realloc(x->docs, (x->n_docs + 1) * sizeof *docs);
  if (docs == NULL) {
    json_decref(doc);
    fmt_bounded(err, errlen, "out of memory");
    return false;
  }
  x->docs = docs;
  x->docs[x->n_docs++] = doc; /* owned from here, even if invalid */
  struct schema v = {path, err, errlen};
  if (!json_is_array(doc)) return schema_fail(&v, "(top)", "expected an array of declarations");
  size_t i;
  json_t *e;
  json_array_foreach(doc, i, e) {
    char p[64];
    fmt_bounded(p, sizeof p, "[%zu]", i);
    if (!check_entry(&v, e, p)) return false;
  }
  if (json_array_size(doc) == 0) return true;
  struct deviation *d = realloc(x->d, (x->n + json_array_size(doc)) * sizeof *d);
  if (d == NULL) {
    fmt_bounded(err, errlen, "out of memory");
    return false;
  }
  x->d = d;
  json_array_foreach(doc, i, e) {
    size_t len = strlen(base) + 24;
    struct deviation *dv = &x->d[x->n];
    dv->where = malloc(len);
    if (dv->where == NULL) {
      fmt_bounded(err, errlen, "out of memory");
      return false;
    }
    fmt_bounded(dv->where, len, "%s[%zu]", base, i);
    dv->scenario = js_str(e, "scenario", "");
    dv->column = js_str(e, "column", "");
    dv->relay = js_str(e, "relay", "*");
    dv->upstream = json_object_get(e, "upstream");
    dv->why = js_str(e, "why", "");
    x->n++;
  }
  return true;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool expectations_load(const char *dir, const char *const *impls, struct expectations *x, char *err,
                       size_t errlen) {
  memset(x, 0, sizeof *x);
  size_t n = 0;
  while (impls[n] != NULL) n++;
  const char **sorted = calloc(n + 1, sizeof *sorted);
  if (sorted == NULL) {
    fmt_bounded(err, errlen, "out of memory");
    return false;
  }
  memcpy(sorted, impls, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, by_name);
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) {
    if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) continue;
    char path[4096], base[256];
    fmt_bounded(base, sizeof base, "%s.json", sorted[i]);
    fmt_bounded(path, sizeof path, "%s/%s", dir, base);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) continue;
    ok = load_file(x, path, base, err, errlen);
  }
  free(sorted);
  if (!ok) expectations_free(x);
  return ok;
}

void expectations_free(struct expectations *x) {
  for (size_t i = 0; i < x->n; i++) free(x->d[i].where);
  free(x->d);
  for (size_t i = 0; i < x->n_docs; i++) json_decref(x->docs[i]);
  free(x->docs);
  memset(x, 0, sizeof *x);
}

bool expectations_check_scenarios(const struct expectations *x, const struct scenario *all,
                                  size_t n, char *err, size_t errlen) {
  for (size_t i = 0; i < x->n; i++) {
    bool found = false;
    for (size_t k = 0; k < n && !found; k++) found = strcmp(all[k].id, x->d[i].scenario) == 0;
    if (!found) {
      fmt_bounded(err, errlen,
                  "%s: scenario \"%s\" does not exist (declarations name "
                  "scenarios of --scenarios; see --expectations)",
                  x->d[i].where, x->d[i].scenario);
      return false;
    }
  }
  return true;
}

const struct deviation *expectations_find(const struct expectations *x, const char *scenario,
                                          const char *column, const char *relay) {
  for (size_t i = 0; x != NULL && i < x->n; i++) {
    const struct deviation *d = &x->d[i];
    if (strcmp(d->scenario, scenario) == 0 && fnmatch(d->column, column, 0) == 0 &&
        fnmatch(d->relay, relay, 0) == 0)
      return d;
  }
  return NULL;
}

enum report_verdict expectations_resolve(enum report_verdict v, bool upstream_holds,
                                         const char **stale) {
  *stale = NULL;
  if (v == REPORT_MATCH) {
    *stale = "the cell now matches the scenario's expectation";
    return v;
  }
  if (v != REPORT_MISMATCH) return v;
  if (upstream_holds) return REPORT_KNOWN;
  *stale =
      "the cell matches neither the scenario's expectation nor the "
      "declared upstream behaviour";
  return v;
}
