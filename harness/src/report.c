#include "harness/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Widest a matrix cell may get before its text is cut (with "…"). */
enum { CELL_MAX_COLS = 34, ID_MAX_COLS = 44 };

void report_init(struct report *r) { memset(r, 0, sizeof *r); }

static void free_cell(struct report_cell *c) {
  free(c->scenario);
  free(c->profile);
  free(c->expected);
  free(c->actual);
  free(c->detail);
}

void report_free(struct report *r) {
  for (size_t i = 0; i < r->n_rows; i++) {
    free(r->rows[i].id);
    free(r->rows[i].description);
  }
  for (size_t i = 0; i < r->n_cells; i++) free_cell(&r->cells[i]);
  for (size_t i = 0; i < r->n_profiles; i++) free(r->profiles[i]);
  free(r->rows);
  free(r->cells);
  free(r->profiles);
  report_init(r);
}

static char *dup_or_null(const char *s) { return s != NULL ? strdup(s) : NULL; }

static bool grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap != 0 ? *cap * 2 : 16;
  while (n < need) n *= 2;
  void *p = realloc(*arr, n * elem);
  if (p == NULL) return false;
  *arr = p;
  *cap = n;
  return true;
}

bool report_add_row(struct report *r, const char *id, const char *description,
                    double ms, double floor_ms) {
  if (id == NULL ||
      !grow((void **)&r->rows, &r->cap_rows, r->n_rows + 1, sizeof *r->rows))
    return false;
  struct report_row row = {strdup(id), dup_or_null(description), ms, floor_ms};
  if (row.id == NULL || (description != NULL && row.description == NULL)) {
    free(row.id);
    free(row.description);
    return false;
  }
  r->rows[r->n_rows++] = row;
  return true;
}

static bool note_profile(struct report *r, const char *profile) {
  for (size_t i = 0; i < r->n_profiles; i++)
    if (strcmp(r->profiles[i], profile) == 0) return true;
  char **p = realloc(r->profiles, (r->n_profiles + 1) * sizeof *p);
  if (p == NULL) return false;
  r->profiles = p;
  if ((p[r->n_profiles] = strdup(profile)) == NULL) return false;
  r->n_profiles++;
  return true;
}

bool report_add_column(struct report *r, const char *profile) {
  return profile != NULL && note_profile(r, profile);
}

bool report_add_cell(struct report *r, const char *scenario,
                     const char *profile, enum report_verdict verdict,
                     const char *expected, const char *actual,
                     const char *detail, double ms) {
  if (scenario == NULL || profile == NULL || !note_profile(r, profile) ||
      !grow((void **)&r->cells, &r->cap_cells, r->n_cells + 1,
            sizeof *r->cells))
    return false;
  struct report_cell c = {strdup(scenario), strdup(profile), verdict,
                          dup_or_null(expected), dup_or_null(actual),
                          dup_or_null(detail), ms};
  if (c.scenario == NULL || c.profile == NULL ||
      (expected != NULL && c.expected == NULL) ||
      (actual != NULL && c.actual == NULL) ||
      (detail != NULL && c.detail == NULL)) {
    free_cell(&c);
    return false;
  }
  r->cells[r->n_cells++] = c;
  return true;
}

const char *report_verdict_name(enum report_verdict v) {
  switch (v) {
  case REPORT_MATCH: return "match";
  case REPORT_MISMATCH: return "mismatch";
  case REPORT_ERROR: return "error";
  case REPORT_SKIPPED: return "skipped";
  }
  return "?";
}

size_t report_count(const struct report *r, enum report_verdict v) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_cells; i++) n += r->cells[i].verdict == v;
  return n;
}

bool report_all_match(const struct report *r) {
  return r->n_cells > 0 && report_count(r, REPORT_MATCH) == r->n_cells;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double report_median_ms(const struct report *r) {
  if (r->n_rows == 0) return 0;
  double *v = malloc(r->n_rows * sizeof *v);
  if (v == NULL) return 0;
  for (size_t i = 0; i < r->n_rows; i++) v[i] = r->rows[i].ms;
  qsort(v, r->n_rows, sizeof *v, cmp_double);
  size_t m = r->n_rows / 2;
  double med = r->n_rows % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  free(v);
  return med;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there
   are not valid UTF-8 (overlong forms, surrogates, > U+10FFFF, truncation).
   The code point goes to *cp. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  unsigned v, min;
  if ((c & 0xe0) == 0xc0) n = 2, v = c & 0x1f, min = 0x80;
  else if ((c & 0xf0) == 0xe0) n = 3, v = c & 0x0f, min = 0x800;
  else if ((c & 0xf8) == 0xf0) n = 4, v = c & 0x07, min = 0x10000;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

/* A copy that is valid UTF-8: bad bytes become the text \xNN; with
   `controls`, so do control characters (for terminals). */
static char *clean_text(const char *s, bool controls) {
  if (s == NULL) return NULL;
  size_t len = strlen(s);
  char *out = malloc(len * 4 + 1);
  if (out == NULL) return NULL;
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
    unsigned cp = 0;
    size_t n = utf8_seq(p, &cp);
    bool control = cp < 0x20 || cp == 0x7f;
    if (n == 0 || (controls && control)) {
      o += (size_t)sprintf(out + o, "\\x%02x", *p);
      p++;
      continue;
    }
    memcpy(out + o, p, n);
    o += n;
    p += n;
  }
  out[o] = '\0';
  return out;
}

void report_xml_escape(FILE *out, const char *s) {
  if (s == NULL) return;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
    unsigned cp = 0;
    size_t n = utf8_seq(p, &cp);
    bool allowed = n != 0 && (cp == 0x9 || cp == 0xa || cp == 0xd ||
                              (cp >= 0x20 && cp <= 0xd7ff) ||
                              (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000);
    if (!allowed) {
      fprintf(out, "\\x%02x", *p);
      p++;
      continue;
    }
    switch (cp) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&apos;", out); break;
    /* Attribute values would normalise raw newlines to spaces. */
    case '\n': fputs("&#10;", out); break;
    case '\r': fputs("&#13;", out); break;
    case '\t': fputs("&#9;", out); break;
    default: fwrite(p, 1, n, out);
    }
    p += n;
  }
}

/* Display columns of a clean UTF-8 string (one per code point). */
static size_t cols(const char *s) {
  size_t n = 0;
  for (; *s != '\0'; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

/* Print s padded to width columns, cut with "…" when longer. */
static void put_cell(FILE *out, const char *s, size_t width) {
  size_t c = cols(s);
  if (c <= width) {
    fputs(s, out);
    for (size_t i = c; i < width; i++) fputc(' ', out);
    return;
  }
  size_t shown = 0;
  const char *p = s;
  while (*p != '\0' && shown < width - 1) {
    p++;
    while (((unsigned char)*p & 0xc0) == 0x80) p++;
    shown++;
  }
  fwrite(s, 1, (size_t)(p - s), out);
  fputs("…", out);
}

static const struct report_cell *find_cell(const struct report *r,
                                           const char *scenario,
                                           const char *profile) {
  for (size_t i = 0; i < r->n_cells; i++)
    if (strcmp(r->cells[i].scenario, scenario) == 0 &&
        strcmp(r->cells[i].profile, profile) == 0)
      return &r->cells[i];
  return NULL;
}

/* The text of one matrix cell; caller frees. */
static char *cell_text(const struct report_cell *c) {
  if (c == NULL) return strdup("");
  static const char *const mark[] = {"✓", "✗", "!", "-"};
  char *exp = clean_text(c->expected != NULL ? c->expected : "?", true);
  char *act = clean_text(c->actual != NULL ? c->actual : "?", true);
  char *out = NULL;
  if (exp != NULL && act != NULL) {
    size_t n = strlen(exp) + strlen(act) + 32;
    out = malloc(n);
    if (out != NULL) {
      if (c->verdict == REPORT_MISMATCH)
        snprintf(out, n, "%s %s ≠ want %s", mark[c->verdict], act, exp);
      else if (c->verdict == REPORT_ERROR)
        snprintf(out, n, "%s error", mark[c->verdict]);
      else if (c->verdict == REPORT_SKIPPED)
        snprintf(out, n, "%s skipped", mark[c->verdict]);
      else
        snprintf(out, n, "%s %s", mark[c->verdict], act);
    }
  }
  free(exp);
  free(act);
  return out;
}

static void put_indented(FILE *out, const char *s) {
  for (; *s != '\0'; s++) {
    fputc(*s, out);
    if (*s == '\n' && s[1] != '\0') fputs("      ", out);
  }
}

void report_write_matrix(const struct report *r, FILE *out) {
  size_t id_w = strlen("scenario");
  for (size_t i = 0; i < r->n_rows; i++) {
    size_t c = cols(r->rows[i].id);
    if (c > id_w) id_w = c;
  }
  if (id_w > ID_MAX_COLS) id_w = ID_MAX_COLS;
  size_t *w = calloc(r->n_profiles + 1, sizeof *w);
  if (w == NULL) return;
  for (size_t p = 0; p < r->n_profiles; p++) {
    w[p] = cols(r->profiles[p]);
    for (size_t i = 0; i < r->n_rows; i++) {
      char *t = cell_text(find_cell(r, r->rows[i].id, r->profiles[p]));
      if (t != NULL && cols(t) > w[p]) w[p] = cols(t);
      free(t);
    }
    if (w[p] > CELL_MAX_COLS) w[p] = CELL_MAX_COLS;
  }
  put_cell(out, "scenario", id_w);
  for (size_t p = 0; p < r->n_profiles; p++) {
    fputs("  ", out);
    put_cell(out, r->profiles[p], w[p]);
  }
  fputs("  time ms  floor ms\n", out);
  for (size_t i = 0; i < r->n_rows; i++) {
    char *id = clean_text(r->rows[i].id, true);
    put_cell(out, id != NULL ? id : "?", id_w);
    free(id);
    for (size_t p = 0; p < r->n_profiles; p++) {
      char *t = cell_text(find_cell(r, r->rows[i].id, r->profiles[p]));
      fputs("  ", out);
      put_cell(out, t != NULL ? t : "", w[p]);
      free(t);
    }
    fprintf(out, "  %7.1f  %8.1f\n", r->rows[i].ms, r->rows[i].floor_ms);
  }
  free(w);

  bool header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    if (c->verdict != REPORT_MISMATCH && c->verdict != REPORT_ERROR) continue;
    if (!header) fputs("\nmismatches and errors:\n", out);
    header = true;
    char *id = clean_text(c->scenario, true);
    char *prof = clean_text(c->profile, true);
    char *exp = clean_text(c->expected != NULL ? c->expected : "-", true);
    char *act = clean_text(c->actual != NULL ? c->actual : "-", true);
    char *det = clean_text(c->detail, false);
    fprintf(out, "%s %s [%s]\n    expected: %s\n    actual:   %s\n",
            c->verdict == REPORT_MISMATCH ? "✗" : "!", id ? id : "?",
            prof ? prof : "?", exp ? exp : "?", act ? act : "?");
    if (det != NULL) {
      fputs("    why:      ", out);
      put_indented(out, det);
      fputc('\n', out);
    }
    free(id);
    free(prof);
    free(exp);
    free(act);
    free(det);
  }
  fprintf(out,
          "\n%zu cells: %zu match, %zu mismatch, %zu error, %zu skipped\n"
          "wall %.1f ms (jobs %d), per-scenario median %.1f ms\n",
          r->n_cells, report_count(r, REPORT_MATCH),
          report_count(r, REPORT_MISMATCH), report_count(r, REPORT_ERROR),
          report_count(r, REPORT_SKIPPED), r->wall_ms, r->jobs,
          report_median_ms(r));
}

/* json_string of a cleaned copy (jansson refuses invalid UTF-8). */
static json_t *jstr(const char *s) {
  if (s == NULL) return json_null();
  char *c = clean_text(s, false);
  json_t *j = c != NULL ? json_string(c) : NULL;
  free(c);
  return j;
}

static json_t *build_json(const struct report *r) {
  json_t *scen = json_array();
  for (size_t i = 0; scen != NULL && i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    json_t *cells = json_array();
    for (size_t k = 0; cells != NULL && k < r->n_cells; k++) {
      const struct report_cell *c = &r->cells[k];
      if (strcmp(c->scenario, row->id) != 0) continue;
      json_array_append_new(
          cells, json_pack("{s:o, s:s, s:o, s:o, s:o, s:f}", "profile",
                           jstr(c->profile), "verdict",
                           report_verdict_name(c->verdict), "expected",
                           jstr(c->expected), "actual", jstr(c->actual),
                           "detail", jstr(c->detail), "ms", c->ms));
    }
    json_array_append_new(
        scen, json_pack("{s:o, s:o, s:f, s:f, s:o}", "id", jstr(row->id),
                        "description", jstr(row->description), "ms", row->ms,
                        "floor_ms", row->floor_ms, "cells", cells));
  }
  json_t *profiles = json_array();
  for (size_t p = 0; profiles != NULL && p < r->n_profiles; p++)
    json_array_append_new(profiles, jstr(r->profiles[p]));
  char seed[24];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
  return json_pack(
      "{s:i, s:s, s:i, s:f, s:f, s:b, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o}",
      "derpcheck_report", 1, "seed", seed, "jobs", r->jobs, "wall_ms",
      r->wall_ms, "median_ms", report_median_ms(r), "all_match",
      report_all_match(r), "summary", "cells", (json_int_t)r->n_cells,
      "match", (json_int_t)report_count(r, REPORT_MATCH), "mismatch",
      (json_int_t)report_count(r, REPORT_MISMATCH), "error",
      (json_int_t)report_count(r, REPORT_ERROR), "skipped",
      (json_int_t)report_count(r, REPORT_SKIPPED), "profiles", profiles,
      "scenarios", scen);
}

bool report_write_json(const struct report *r, FILE *out) {
  json_t *doc = build_json(r);
  if (doc == NULL) return false;
  int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                               JSON_REAL_PRECISION(8));
  json_decref(doc);
  return rc == 0 && fputc('\n', out) != EOF;
}

bool report_write_junit(const struct report *r, FILE *out) {
  size_t fails = report_count(r, REPORT_MISMATCH);
  size_t errs = report_count(r, REPORT_ERROR);
  size_t skips = report_count(r, REPORT_SKIPPED);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf(out,
          "<testsuites name=\"derpcheck\" tests=\"%zu\" failures=\"%zu\" "
          "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
          r->n_cells, fails, errs, skips, r->wall_ms / 1000);
  fprintf(out,
          "  <testsuite name=\"conformance\" tests=\"%zu\" failures=\"%zu\" "
          "errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
          r->n_cells, fails, errs, skips, r->wall_ms / 1000);
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    fputs("    <testcase classname=\"", out);
    report_xml_escape(out, c->scenario);
    fputs("\" name=\"", out);
    report_xml_escape(out, c->profile);
    fprintf(out, "\" time=\"%.3f\"", c->ms / 1000);
    if (c->verdict == REPORT_MATCH) {
      fputs("/>\n", out);
      continue;
    }
    fputs(">\n", out);
    if (c->verdict == REPORT_SKIPPED) {
      fputs("      <skipped message=\"", out);
      report_xml_escape(out, c->detail != NULL ? c->detail : "skipped");
      fputs("\"/>\n", out);
    } else {
      const char *tag = c->verdict == REPORT_MISMATCH ? "failure" : "error";
      fprintf(out, "      <%s type=\"%s\" message=\"", tag,
              report_verdict_name(c->verdict));
      report_xml_escape(out, c->detail != NULL ? c->detail : "");
      fputs("\">expected: ", out);
      report_xml_escape(out, c->expected != NULL ? c->expected : "-");
      fputs("&#10;actual: ", out);
      report_xml_escape(out, c->actual != NULL ? c->actual : "-");
      fprintf(out, "</%s>\n", tag);
    }
    fputs("    </testcase>\n", out);
  }
  fputs("  </testsuite>\n</testsuites>\n", out);
  return !ferror(out);
}
