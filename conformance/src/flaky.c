#include "flaky.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* The run-th cell (0-based, in run order) of row's scenario and relay in
 * `column`, or NULL: the repeated rows share id and relay, their cells
 * come in the order the runs were merged. */
static const struct report_cell *cell_of(const struct report *r, const struct report_row *row,
                                         const char *column, size_t run) {
  for (size_t i = 0; i < r->n_cells; i++)
    if (strcmp(r->cells[i].scenario, row->id) == 0 && same(r->cells[i].relay, row->relay) &&
        strcmp(r->cells[i].column, column) == 0 && run-- == 0)
      return &r->cells[i];
  return NULL;
}

/* Runs agree when verdict, staleness and actual are the same: a cell that
 * matched twice with different reasons is as unsteady as one that did not. */
static bool agree(const struct report_cell *a, const struct report_cell *b) {
  return a->verdict == b->verdict && (a->stale == NULL) == (b->stale == NULL) &&
         (a->verdict == REPORT_MATCH || same(a->actual, b->actual));
}

/* Append the strings (NULL-terminated list), cut at cap. */
static void append(char *buf, size_t cap, ...) {
  va_list ap;
  va_start(ap, cap);
  for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
    size_t used = strlen(buf);
    if (used + 1 < cap) snprintf(buf + used, cap - used, "%s", s);
  }
  va_end(ap);
}

static bool fold_cell(struct report *out, const struct report *raw, const struct report_row *row,
                      size_t repeat, const char *column) {
  const struct report_cell *first = cell_of(raw, row, column, 0);
  if (first == NULL) return true;
  bool steady = true;
  for (size_t k = 1; k < repeat && steady; k++) {
    const struct report_cell *c = cell_of(raw, row, column, k);
    steady = c != NULL && agree(first, c);
  }
  if (steady) return report_add_cell(out, first);
  char actual[1024] = "", detail[4096] = "";
  snprintf(actual, sizeof actual, "flaky over %zu runs:", repeat);
  for (size_t k = 0; k < repeat; k++) {
    const struct report_cell *c = cell_of(raw, row, column, k);
    const char *v = c != NULL ? report_verdict_name(c->verdict) : "missing";
    append(actual, sizeof actual, k > 0 ? ", " : " ", v, NULL);
    char run[32];
    snprintf(run, sizeof run, "run %zu: ", k + 1);
    append(detail, sizeof detail, run, c != NULL && c->actual ? c->actual : "-", NULL);
    if (c != NULL && c->detail != NULL) append(detail, sizeof detail, " (", c->detail, ")", NULL);
    if (k + 1 < repeat) append(detail, sizeof detail, "; ", NULL);
  }
  struct report_cell flaky = *first;
  flaky.verdict = REPORT_FLAKY;
  flaky.actual = actual;
  flaky.detail = detail;
  flaky.deviation = NULL;
  return report_add_cell(out, &flaky);
}

bool flaky_fold(const struct report *raw, size_t repeat, struct report *out) {
  if (repeat < 1) repeat = 1;
  for (size_t p = 0; p < raw->n_columns; p++)
    if (!report_add_column(out, raw->columns[p])) return false;
  for (size_t i = 0; i + repeat <= raw->n_rows; i += repeat) {
    struct report_row row = raw->rows[i];
    double ms = 0;
    for (size_t k = 0; k < repeat; k++) ms += raw->rows[i + k].ms;
    row.ms = ms / (double)repeat;
    if (!report_add_row(out, &row)) return false;
    for (size_t p = 0; p < raw->n_columns; p++)
      if (!fold_cell(out, raw, &raw->rows[i], repeat, raw->columns[p])) return false;
  }
  return true;
}
