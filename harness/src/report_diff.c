/* report_diff: two JSON reports (derpcheck_report 2), cell by cell.
 *
 * A cell is (scenario, relay, column). Its rank orders the verdicts by how
 * good they are for the run: match and known deviation (OK) above skipped
 * (nothing proven) above flaky, mismatch and error (the run fails); a stale
 * declaration counts as a mismatch. A change to a lower rank, or a cell
 * that was OK and is gone, is worse. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"

static int rank(const char *verdict, bool stale) {
  if (stale) return 0;
  if (strcmp(verdict, "match") == 0 || strcmp(verdict, "known deviation") == 0) return 2;
  if (strcmp(verdict, "skipped") == 0) return 1;
  return 0; /* mismatch, error, flaky, anything unknown */
}

struct flat_cell {
  const char *scenario, *relay, *column, *verdict, *actual, *detail;
  bool stale;
};

static const char *str_or(const json_t *o, const char *k, const char *dflt) {
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : dflt;
}

static bool same(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static const struct flat_cell *find(const struct flat_cell *cells, size_t n,
                                    const struct flat_cell *c) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(cells[i].scenario, c->scenario) == 0 && same(cells[i].relay, c->relay) &&
        strcmp(cells[i].column, c->column) == 0)
      return &cells[i];
  return NULL;
}

/* Every cell of a report, borrowed from doc; NULL (with why) when doc is
   not a derpcheck report: also when a cell lacks its scenario id, column
   or verdict, or a (scenario, relay, column) cell appears twice (a report
   compared with itself would then show changes). */
static struct flat_cell *flatten(const json_t *doc, size_t *n, char *why, size_t cap) {
  static const char not_report[] = "not a derpcheck JSON report (derpcheck run --json, format 2)";
  const json_t *scen = json_object_get(doc, "scenarios");
  if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "derpcheck_report")) != 2 ||
      !json_is_array(scen)) {
    snprintf(why, cap, "%s", not_report);
    return NULL;
  }
  size_t total = 0, i, k;
  json_t *row, *cell;
  json_array_foreach(scen, i, row) total += json_array_size(json_object_get(row, "cells"));
  struct flat_cell *out = calloc(total + 1, sizeof *out);
  if (out == NULL) {
    snprintf(why, cap, "out of memory");
    return NULL;
  }
  *n = 0;
  json_array_foreach(scen, i, row) {
    json_array_foreach(json_object_get(row, "cells"), k, cell) {
      struct flat_cell c = {str_or(row, "id", NULL),
                            str_or(row, "relay", NULL),
                            str_or(cell, "column", NULL),
                            str_or(cell, "verdict", NULL),
                            str_or(cell, "actual", NULL),
                            str_or(cell, "detail", NULL),
                            json_is_string(json_object_get(cell, "stale"))};
      if (c.scenario == NULL || c.column == NULL || c.verdict == NULL) {
        snprintf(why, cap, "%s: scenarios[%zu].cells[%zu] lacks its id, column or verdict",
                 not_report, i, k);
        free(out);
        return NULL;
      }
      if (find(out, *n, &c) != NULL) {
        snprintf(why, cap, "%s: %s [%s]%s%s appears twice", not_report, c.scenario, c.column,
                 c.relay ? " on " : "", c.relay ? c.relay : "");
        free(out);
        return NULL;
      }
      out[(*n)++] = c;
    }
  }
  return out;
}

static void label(FILE *out, const struct flat_cell *c) {
  fprintf(out, "%s [%s]%s%s", c->scenario, c->column, c->relay ? " on " : "",
          c->relay ? c->relay : "");
}

static const char *verdict_text(const struct flat_cell *c) {
  return c->stale ? "stale declaration" : c->verdict;
}

int report_diff(const struct json_t *old_doc, const struct json_t *new_doc, FILE *out, char *why,
                size_t cap) {
  size_t n_old = 0, n_new = 0;
  struct flat_cell *a = flatten(old_doc, &n_old, why, cap);
  struct flat_cell *b = a != NULL ? flatten(new_doc, &n_new, why, cap) : NULL;
  if (a == NULL || b == NULL) {
    free(a);
    return -1;
  }
  size_t worse = 0, better = 0, other = 0, appeared = 0, gone = 0;
  for (size_t i = 0; i < n_new; i++) {
    const struct flat_cell *now = &b[i], *was = find(a, n_old, now);
    if (was == NULL) {
      appeared++;
      bool bad = rank(now->verdict, now->stale) == 0;
      worse += bad;
      fputs(bad ? "worse   new  " : "        new  ", out);
      label(out, now);
      fprintf(out, ": %s%s%s\n", verdict_text(now), now->actual ? ": " : "",
              now->actual ? now->actual : "");
      continue;
    }
    int r0 = rank(was->verdict, was->stale), r1 = rank(now->verdict, now->stale);
    bool moved = strcmp(verdict_text(was), verdict_text(now)) != 0;
    if (!moved && same(was->actual, now->actual)) continue;
    other += r1 == r0;
    const char *tag = r1 < r0 ? "worse   " : r1 > r0 ? "better  " : "changed ";
    worse += r1 < r0;
    better += r1 > r0;
    fputs(tag, out);
    fputs("     ", out);
    label(out, now);
    fprintf(out, ": %s -> %s\n", verdict_text(was), verdict_text(now));
    if (!same(was->actual, now->actual))
      fprintf(out, "               actual was: %s\n               actual now: %s\n",
              was->actual ? was->actual : "-", now->actual ? now->actual : "-");
    if (r1 < r0 && now->detail != NULL) fprintf(out, "               why: %s\n", now->detail);
  }
  for (size_t i = 0; i < n_old; i++) {
    if (find(b, n_new, &a[i]) != NULL) continue;
    gone++;
    bool bad = rank(a[i].verdict, a[i].stale) == 2; /* an OK cell no longer proven */
    worse += bad;
    fputs(bad ? "worse   gone " : "        gone ", out);
    label(out, &a[i]);
    fprintf(out, ": was %s\n", verdict_text(&a[i]));
  }
  fprintf(out,
          "%zu worse, %zu better, %zu changed otherwise; %zu new, %zu gone (%zu cells before, %zu "
          "now)\n",
          worse, better, other, appeared, gone, n_old, n_new);
  free(a);
  free(b);
  return worse > 0 ? 1 : 0;
}
