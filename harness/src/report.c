#include "harness/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "derp/go.h"
#include "report_internal.h"

/* Widest a matrix cell may get before its text is cut (with "…"). */
enum { CELL_MAX_COLS = 34, ID_MAX_COLS = 44 };

void report_init(struct report *r) { memset(r, 0, sizeof *r); }

static void free_cell(struct report_cell *c) {
  free(c->scenario);
  free(c->relay);
  free(c->column);
  free(c->profile);
  free(c->expected);
  free(c->actual);
  free(c->detail);
  free(c->deviation);
  free(c->stale);
  free(c->command);
  free(c->transcript);
}

static void free_row(struct report_row *row) {
  free(row->id);
  free(row->relay);
  free(row->description);
  free(row->spec);
}

void report_free(struct report *r) {
  for (size_t i = 0; i < r->n_rows; i++) free_row(&r->rows[i]);
  for (size_t i = 0; i < r->n_cells; i++) free_cell(&r->cells[i]);
  for (size_t i = 0; i < r->n_columns; i++) free(r->columns[i]);
  free(r->rows);
  free(r->cells);
  free(r->columns);
  report_init(r);
}

/* strdup that keeps NULL; *ok turns false when a copy fails. */
static char *dup_or_null(const char *s, bool *ok) {
  if (s == NULL) return NULL;
  char *d = strdup(s);
  if (d == NULL) *ok = false;
  return d;
}

/* Equal strings, NULL equal only to NULL. */
static bool same(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

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

bool report_add_row(struct report *r, const struct report_row *in) {
  if (in->id == NULL || !grow((void **)&r->rows, &r->cap_rows, r->n_rows + 1, sizeof *r->rows))
    return false;
  bool ok = true;
  struct report_row row = {dup_or_null(in->id, &ok),
                           dup_or_null(in->relay, &ok),
                           dup_or_null(in->description, &ok),
                           in->ms,
                           in->floor_ms,
                           dup_or_null(in->spec, &ok)};
  if (!ok) {
    free_row(&row);
    return false;
  }
  r->rows[r->n_rows++] = row;
  return true;
}

bool report_add_column(struct report *r, const char *column) {
  if (column == NULL) return false;
  for (size_t i = 0; i < r->n_columns; i++)
    if (strcmp(r->columns[i], column) == 0) return true;
  char **p = realloc(r->columns, (r->n_columns + 1) * sizeof *p);
  if (p == NULL) return false;
  r->columns = p;
  if ((p[r->n_columns] = strdup(column)) == NULL) return false;
  r->n_columns++;
  return true;
}

bool report_add_cell(struct report *r, const struct report_cell *in) {
  if (in->scenario == NULL || in->column == NULL || !report_add_column(r, in->column) ||
      !grow((void **)&r->cells, &r->cap_cells, r->n_cells + 1, sizeof *r->cells))
    return false;
  bool ok = true;
  struct report_cell c = {.scenario = dup_or_null(in->scenario, &ok),
                          .relay = dup_or_null(in->relay, &ok),
                          .column = dup_or_null(in->column, &ok),
                          .profile = dup_or_null(in->profile, &ok),
                          .verdict = in->verdict,
                          .expected = dup_or_null(in->expected, &ok),
                          .actual = dup_or_null(in->actual, &ok),
                          .detail = dup_or_null(in->detail, &ok),
                          .deviation = dup_or_null(in->deviation, &ok),
                          .stale = dup_or_null(in->stale, &ok),
                          .ms = in->ms,
                          .command = dup_or_null(in->command, &ok),
                          .transcript = dup_or_null(in->transcript, &ok)};
  if (!ok) {
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
    case REPORT_KNOWN: return "known deviation";
    case REPORT_FLAKY: return "flaky";
  }
  return "?";
}

static const char *const marks[REPORT_VERDICT_COUNT] = {"✓", "✗", "!", "-", "≈", "~"};

const char *report_verdict_mark(enum report_verdict v) {
  return (unsigned)v < REPORT_VERDICT_COUNT ? marks[v] : "?";
}

size_t report_count(const struct report *r, enum report_verdict v) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_cells; i++) n += r->cells[i].verdict == v;
  return n;
}

size_t report_count_stale(const struct report *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_cells; i++) n += r->cells[i].stale != NULL;
  return n;
}

bool report_ok(const struct report *r) {
  return report_count(r, REPORT_MISMATCH) == 0 && report_count(r, REPORT_ERROR) == 0 &&
         report_count(r, REPORT_FLAKY) == 0 && report_count_stale(r) == 0 &&
         report_count(r, REPORT_MATCH) + report_count(r, REPORT_KNOWN) > 0;
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

char *report_clean_text(const char *s, bool controls) {
  if (s == NULL) return NULL;
  size_t len = strlen(s);
  char *out = malloc(len * 4 + 1);
  if (out == NULL) return NULL;
  size_t o = 0;
  const unsigned char *end = (const unsigned char *)s + len;
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
    uint32_t cp = 0;
    size_t n = go_utf8_rune(p, (size_t)(end - p), &cp);
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
  const unsigned char *end = (const unsigned char *)s + strlen(s);
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
    uint32_t cp = 0;
    size_t n = go_utf8_rune(p, (size_t)(end - p), &cp);
    bool allowed = n != 0 && (cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
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

/* Terminal columns of one code point: 0 for combining marks and
   zero-width characters, 2 for East Asian wide and fullwidth forms and
   emoji, else 1 (the ranges of Unicode's EastAsianWidth W/F that occur in
   practice; a terminal may differ on rare ones). */
static size_t cp_width(uint32_t cp) {
  static const uint32_t zero[][2] = {
      {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a}, {0x064b, 0x065f},
      {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x200b, 0x200f}, {0x202a, 0x202e}, {0x2060, 0x2064},
      {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}};
  static const uint32_t wide[][2] = {
      {0x1100, 0x115f},   {0x231a, 0x231b},  {0x2329, 0x232a}, {0x23e9, 0x23ec}, {0x2e80, 0x303e},
      {0x3041, 0x33ff},   {0x3400, 0x4dbf},  {0x4e00, 0x9fff}, {0xa000, 0xa4cf}, {0xac00, 0xd7a3},
      {0xf900, 0xfaff},   {0xfe30, 0xfe4f},  {0xff00, 0xff60}, {0xffe0, 0xffe6}, {0x1f300, 0x1f64f},
      {0x1f900, 0x1f9ff}, {0x20000, 0x3fffd}};
  for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
    if (cp >= zero[i][0] && cp <= zero[i][1]) return 0;
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
    if (cp >= wide[i][0] && cp <= wide[i][1]) return 2;
  return 1;
}

/* Display width of a clean UTF-8 string, and how many of its bytes fit in
   `width` columns (*fit, when not NULL). */
static size_t cols_fit(const char *s, size_t width, size_t *fit) {
  size_t w = 0;
  bool over = false;
  const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
  if (fit != NULL) *fit = 0;
  while (p < end) {
    uint32_t cp = 0;
    size_t n = go_utf8_rune(p, (size_t)(end - p), &cp);
    if (n == 0) n = 1; /* cleaned text has none; count a stray byte as one column */
    size_t cw = n == 1 && cp == 0 ? 1 : cp_width(cp);
    over = over || w + cw > width;
    if (fit != NULL && !over) *fit = (size_t)(p + n - (const unsigned char *)s);
    w += cw;
    p += n;
  }
  return w;
}

static size_t cols(const char *s) { return cols_fit(s, 0, NULL); }

/* Print s padded to width columns, cut with "…" when longer (a wide
   character that would straddle the cut goes, and a space pads for it). */
static void put_cell(FILE *out, const char *s, size_t width) {
  size_t c = cols(s);
  if (c <= width) {
    fputs(s, out);
    for (size_t i = c; i < width; i++) fputc(' ', out);
    return;
  }
  size_t fit;
  cols_fit(s, width > 0 ? width - 1 : 0, &fit);
  fwrite(s, 1, fit, out);
  fputs("…", out);
  char *head = strndup(s, fit);
  size_t shown = head != NULL ? cols(head) : width - 1;
  free(head);
  for (size_t i = shown + 1; i < width; i++) fputc(' ', out);
}

static const struct report_cell *find_cell(const struct report *r, const struct report_row *row,
                                           const char *column) {
  for (size_t i = 0; i < r->n_cells; i++)
    if (strcmp(r->cells[i].scenario, row->id) == 0 && same(r->cells[i].relay, row->relay) &&
        strcmp(r->cells[i].column, column) == 0)
      return &r->cells[i];
  return NULL;
}

char *report_cell_text(const struct report_cell *c) {
  if (c == NULL) return strdup("");
  char *exp = report_clean_text(c->expected != NULL ? c->expected : "?", true);
  char *act = report_clean_text(c->actual != NULL ? c->actual : "?", true);
  char *out = NULL;
  if (exp != NULL && act != NULL) {
    size_t n = strlen(exp) + strlen(act) + 48;
    out = malloc(n);
    if (out != NULL) {
      const char *mark = marks[c->verdict];
      /* a stale declaration fails the run whatever the cell's verdict */
      const char *stale = c->stale != NULL ? "stale decl.: " : "";
      if (c->stale != NULL) mark = marks[REPORT_MISMATCH];
      if (c->verdict == REPORT_MISMATCH)
        snprintf(out, n, "%s %s%s ≠ want %s", mark, stale, act, exp);
      else if (c->verdict == REPORT_ERROR)
        snprintf(out, n, "%s error", mark);
      else if (c->verdict == REPORT_SKIPPED)
        snprintf(out, n, "%s %s", mark, c->actual != NULL ? act : "skipped");
      else
        snprintf(out, n, "%s %s%s", mark, stale, act);
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

/* Print a (possibly NULL) text cleaned for a terminal. */
static void put_clean(FILE *out, const char *s, const char *dflt) {
  char *c = report_clean_text(s != NULL ? s : dflt, true);
  fputs(c != NULL ? c : "?", out);
  free(c);
}

/* "id [column]", " on <relay>" when rows are grouped by relay. */
static void put_label(FILE *out, const struct report *r, const struct report_cell *c) {
  put_clean(out, c->scenario, "?");
  fputs(" [", out);
  put_clean(out, c->column, "?");
  fputc(']', out);
  if (r->by_relay && c->relay != NULL) {
    fputs(" on ", out);
    put_clean(out, c->relay, "?");
  }
}

static void put_why(FILE *out, const char *why) {
  char *det = report_clean_text(why, false);
  if (det == NULL) return;
  fputs("    why:      ", out);
  put_indented(out, det);
  fputc('\n', out);
  free(det);
}

static void put_expected_actual(FILE *out, const struct report_cell *c) {
  fputs("    expected: ", out);
  put_clean(out, c->expected, "-");
  if (c->profile != NULL && strcmp(c->profile, c->column) != 0) {
    fputs(" (profile ", out);
    put_clean(out, c->profile, "?");
    fputc(')', out);
  }
  fputs("\n    actual:   ", out);
  put_clean(out, c->actual, "-");
  fputc('\n', out);
}

static void write_table(const struct report *r, FILE *out) {
  size_t id_w = strlen("scenario");
  for (size_t i = 0; i < r->n_rows; i++) {
    size_t c = cols(r->rows[i].id);
    if (c > id_w) id_w = c;
  }
  if (id_w > ID_MAX_COLS) id_w = ID_MAX_COLS;
  size_t *w = calloc(r->n_columns + 1, sizeof *w);
  if (w == NULL) return;
  for (size_t p = 0; p < r->n_columns; p++) {
    w[p] = cols(r->columns[p]);
    for (size_t i = 0; i < r->n_rows; i++) {
      char *t = report_cell_text(find_cell(r, &r->rows[i], r->columns[p]));
      if (t != NULL && cols(t) > w[p]) w[p] = cols(t);
      free(t);
    }
    if (w[p] > CELL_MAX_COLS) w[p] = CELL_MAX_COLS;
  }
  put_cell(out, "scenario", id_w);
  for (size_t p = 0; p < r->n_columns; p++) {
    fputs("  ", out);
    put_cell(out, r->columns[p], w[p]);
  }
  fputs("  time ms  floor ms\n", out);
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    if (r->by_relay && (i == 0 || !same(row->relay, r->rows[i - 1].relay))) {
      fputs("── relay ", out);
      put_clean(out, row->relay, "?");
      fputs(" ──\n", out);
    }
    char *id = report_clean_text(row->id, true);
    put_cell(out, id != NULL ? id : "?", id_w);
    free(id);
    for (size_t p = 0; p < r->n_columns; p++) {
      char *t = report_cell_text(find_cell(r, row, r->columns[p]));
      fputs("  ", out);
      put_cell(out, t != NULL ? t : "", w[p]);
      free(t);
    }
    fprintf(out, "  %7.1f  %8.1f\n", row->ms, row->floor_ms);
  }
  free(w);
}

/* Skipped cells grouped by reason: the reason once, then "id [columns]"
   per row it skipped. */
static void write_skipped(const struct report *r, FILE *out) {
  bool header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    bool first = c->verdict == REPORT_SKIPPED;
    for (size_t k = 0; first && k < i; k++) /* reason already listed? */
      first = !(r->cells[k].verdict == REPORT_SKIPPED && same(r->cells[k].detail, c->detail));
    if (!first) continue;
    if (!header) fputs("\nskipped:\n", out);
    header = true;
    fputs("- ", out);
    put_clean(out, c->detail, "not run");
    fputc('\n', out);
    const struct report_cell *prev = NULL;
    for (size_t k = i; k < r->n_cells; k++) {
      const struct report_cell *d = &r->cells[k];
      if (d->verdict != REPORT_SKIPPED || !same(d->detail, c->detail)) continue;
      bool same_row =
          prev != NULL && strcmp(prev->scenario, d->scenario) == 0 && same(prev->relay, d->relay);
      if (same_row) {
        fputs(", ", out);
      } else {
        if (prev != NULL) fputs("]\n", out);
        fputs("    ", out);
        put_clean(out, d->scenario, "?");
        if (r->by_relay && d->relay != NULL) {
          fputs(" on ", out);
          put_clean(out, d->relay, "?");
        }
        fputs(" [", out);
      }
      put_clean(out, d->column, "?");
      prev = d;
    }
    fputs("]\n", out);
  }
}

void report_write_matrix(const struct report *r, FILE *out) {
  write_table(r, out);
  bool header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    if (c->verdict != REPORT_MISMATCH && c->verdict != REPORT_ERROR && c->verdict != REPORT_FLAKY)
      continue;
    if (!header) fputs("\nmismatches and errors:\n", out);
    header = true;
    fprintf(out, "%s ", marks[c->verdict]);
    put_label(out, r, c);
    fputc('\n', out);
    put_expected_actual(out, c);
    if (c->detail != NULL) put_why(out, c->detail);
  }
  header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    if (c->verdict != REPORT_KNOWN) continue;
    if (!header) fputs("\nknown deviations (declared upstream behaviour):\n", out);
    header = true;
    fprintf(out, "%s ", marks[REPORT_KNOWN]);
    put_label(out, r, c);
    fputc('\n', out);
    put_expected_actual(out, c);
    put_why(out, c->deviation != NULL ? c->deviation : "?");
  }
  header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    if (c->stale == NULL) continue;
    if (!header) fputs("\nstale declarations:\n", out);
    header = true;
    fputs("✗ stale declaration: ", out);
    put_clean(out, c->stale, "?");
    fputc('\n', out);
  }
  write_skipped(r, out);
  char flaky[48] = ""; /* only --repeat makes them: said only when there are some */
  if (report_count(r, REPORT_FLAKY) > 0)
    snprintf(flaky, sizeof flaky, ", %zu flaky", report_count(r, REPORT_FLAKY));
  fprintf(out,
          "\n%zu cells: %zu match, %zu known deviation, %zu mismatch, "
          "%zu error, %zu skipped%s; %zu stale declarations\n"
          "wall %.1f ms (jobs %d), per-scenario median %.1f ms\n",
          r->n_cells, report_count(r, REPORT_MATCH), report_count(r, REPORT_KNOWN),
          report_count(r, REPORT_MISMATCH), report_count(r, REPORT_ERROR),
          report_count(r, REPORT_SKIPPED), flaky, report_count_stale(r), r->wall_ms, r->jobs,
          report_median_ms(r));
}

/* Markdown table text: | and backslash escaped, line breaks as spaces, and
   < > & as entities (GitHub renders inline HTML). */
static void md_text(FILE *out, const char *s) {
  char *c = report_clean_text(s != NULL ? s : "", true);
  for (const char *p = c != NULL ? c : ""; *p != '\0'; p++) {
    if (*p == '|' || *p == '\\' || *p == '`' || *p == '*' || *p == '_') fputc('\\', out);
    if (*p == '<')
      fputs("&lt;", out);
    else if (*p == '>')
      fputs("&gt;", out);
    else if (*p == '&')
      fputs("&amp;", out);
    else
      fputc(*p, out);
  }
  free(c);
}

void report_write_markdown(const struct report *r, FILE *out) {
  fprintf(out, "### derpcheck: %s\n\n", report_ok(r) ? "OK" : "FAILED");
  fputs("| scenario |", out);
  if (r->by_relay) fputs(" relay |", out);
  for (size_t p = 0; p < r->n_columns; p++) {
    fputc(' ', out);
    md_text(out, r->columns[p]);
    fputs(" |", out);
  }
  fputs("\n|---|", out);
  if (r->by_relay) fputs("---|", out);
  for (size_t p = 0; p < r->n_columns; p++) fputs("---|", out);
  fputc('\n', out);
  for (size_t i = 0; i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    fputs("| ", out);
    md_text(out, row->id);
    fputs(" |", out);
    if (r->by_relay) {
      fputc(' ', out);
      md_text(out, row->relay);
      fputs(" |", out);
    }
    for (size_t p = 0; p < r->n_columns; p++) {
      char *t = report_cell_text(find_cell(r, row, r->columns[p]));
      fputc(' ', out);
      md_text(out, t);
      fputs(" |", out);
      free(t);
    }
    fputc('\n', out);
  }
  fprintf(out,
          "\n%zu cells: %zu match, %zu known deviation, %zu mismatch, %zu error, %zu skipped, "
          "%zu flaky; %zu stale declarations\n",
          r->n_cells, report_count(r, REPORT_MATCH), report_count(r, REPORT_KNOWN),
          report_count(r, REPORT_MISMATCH), report_count(r, REPORT_ERROR),
          report_count(r, REPORT_SKIPPED), report_count(r, REPORT_FLAKY), report_count_stale(r));
  bool header = false;
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    if (c->verdict != REPORT_MISMATCH && c->verdict != REPORT_ERROR && c->verdict != REPORT_FLAKY &&
        c->stale == NULL)
      continue;
    if (!header) fputs("\n**mismatches, errors, flaky cells, stale declarations:**\n\n", out);
    header = true;
    fputs("- ", out);
    md_text(out, c->scenario);
    fputs(" [", out);
    md_text(out, c->column);
    fputs("]", out);
    if (c->relay != NULL && r->by_relay) {
      fputs(" on ", out);
      md_text(out, c->relay);
    }
    fputs(": expected ", out);
    md_text(out, c->expected != NULL ? c->expected : "-");
    fputs(", actual ", out);
    md_text(out, c->actual != NULL ? c->actual : "-");
    if (c->detail != NULL || c->stale != NULL) {
      fputs(" — ", out);
      md_text(out, c->stale != NULL ? c->stale : c->detail);
    }
    fputc('\n', out);
  }
}

json_t *report_json_text(const char *s) {
  if (s == NULL) return json_null();
  char *c = report_clean_text(s, false);
  json_t *j = c != NULL ? json_string(c) : NULL;
  free(c);
  return j;
}

static json_t *cell_json(const struct report_cell *c) {
  return json_pack(
      "{s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o}", "column",
      report_json_text(c->column), "profile", report_json_text(c->profile ? c->profile : c->column),
      "relay", report_json_text(c->relay), "verdict", report_verdict_name(c->verdict), "expected",
      report_json_text(c->expected), "actual", report_json_text(c->actual), "detail",
      report_json_text(c->detail), "deviation", report_json_text(c->deviation), "stale",
      report_json_text(c->stale), "ms", c->ms, "command", report_json_text(c->command),
      "transcript", report_json_text(c->transcript));
}

static json_t *build_json(const struct report *r) {
  json_t *scen = json_array();
  json_t *relays = json_array();
  for (size_t i = 0; scen != NULL && i < r->n_rows; i++) {
    const struct report_row *row = &r->rows[i];
    json_t *cells = json_array();
    for (size_t k = 0; cells != NULL && k < r->n_cells; k++) {
      const struct report_cell *c = &r->cells[k];
      if (strcmp(c->scenario, row->id) == 0 && same(c->relay, row->relay))
        json_array_append_new(cells, cell_json(c));
    }
    json_array_append_new(
        scen, json_pack("{s:o, s:o, s:o, s:o, s:f, s:f, s:o}", "id", report_json_text(row->id),
                        "relay", report_json_text(row->relay), "description",
                        report_json_text(row->description), "spec", report_json_text(row->spec),
                        "ms", row->ms, "floor_ms", row->floor_ms, "cells", cells));
    if (row->relay != NULL && (i == 0 || !same(row->relay, r->rows[i - 1].relay)))
      json_array_append_new(relays, report_json_text(row->relay));
  }
  json_t *columns = json_array();
  for (size_t p = 0; columns != NULL && p < r->n_columns; p++)
    json_array_append_new(columns, report_json_text(r->columns[p]));
  char seed[24];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
  return json_pack(
      "{s:i, s:s, s:i, s:f, s:f, s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
      "s:o, s:o, s:o}",
      "derpcheck_report", 2, "seed", seed, "jobs", r->jobs, "wall_ms", r->wall_ms, "median_ms",
      report_median_ms(r), "ok", report_ok(r), "summary", "cells", (json_int_t)r->n_cells, "match",
      (json_int_t)report_count(r, REPORT_MATCH), "known_deviation",
      (json_int_t)report_count(r, REPORT_KNOWN), "mismatch",
      (json_int_t)report_count(r, REPORT_MISMATCH), "error",
      (json_int_t)report_count(r, REPORT_ERROR), "skipped",
      (json_int_t)report_count(r, REPORT_SKIPPED), "flaky",
      (json_int_t)report_count(r, REPORT_FLAKY), "stale", (json_int_t)report_count_stale(r),
      "columns", columns, "relays", relays, "scenarios", scen);
}

bool report_write_json(const struct report *r, FILE *out) {
  json_t *doc = build_json(r);
  if (doc == NULL) return false;
  int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
  json_decref(doc);
  return rc == 0 && fputc('\n', out) != EOF;
}

static void junit_property(FILE *out, const char *name, const char *value) {
  fprintf(out, "        <property name=\"%s\" value=\"", name);
  report_xml_escape(out, value);
  fputs("\"/>\n", out);
}

static void junit_testcase(const struct report *r, const struct report_cell *c, FILE *out) {
  fputs("    <testcase classname=\"", out);
  report_xml_escape(out, c->scenario);
  if (r->by_relay && c->relay != NULL) {
    fputs(" [", out);
    report_xml_escape(out, c->relay);
    fputc(']', out);
  }
  fputs("\" name=\"", out);
  report_xml_escape(out, c->column);
  fprintf(out, "\" time=\"%.3f\"", c->ms / 1000);
  bool props = (c->profile != NULL && strcmp(c->profile, c->column) != 0) || c->relay != NULL;
  if (c->verdict == REPORT_MATCH && c->stale == NULL && !props) {
    fputs("/>\n", out);
    return;
  }
  fputs(">\n", out);
  if (props) {
    fputs("      <properties>\n", out);
    junit_property(out, "profile", c->profile ? c->profile : c->column);
    if (c->relay != NULL) junit_property(out, "relay", c->relay);
    fputs("      </properties>\n", out);
  }
  if (c->verdict == REPORT_SKIPPED) {
    fputs("      <skipped message=\"", out);
    report_xml_escape(out, c->detail != NULL ? c->detail : "skipped");
    fputs("\"/>\n", out);
  } else if (c->verdict == REPORT_MISMATCH || c->verdict == REPORT_ERROR ||
             c->verdict == REPORT_FLAKY) {
    const char *tag = c->verdict == REPORT_ERROR ? "error" : "failure";
    fprintf(out, "      <%s type=\"%s\" message=\"", tag, report_verdict_name(c->verdict));
    report_xml_escape(out, c->detail != NULL ? c->detail : "");
    fputs("\">expected: ", out);
    report_xml_escape(out, c->expected != NULL ? c->expected : "-");
    fputs("&#10;actual: ", out);
    report_xml_escape(out, c->actual != NULL ? c->actual : "-");
    fprintf(out, "</%s>\n", tag);
  }
  if (c->stale != NULL && c->verdict != REPORT_MISMATCH) {
    fputs("      <failure type=\"stale\" message=\"stale declaration: ", out);
    report_xml_escape(out, c->stale);
    fputs("\"/>\n", out);
  }
  if (c->verdict == REPORT_KNOWN) {
    fputs("      <system-out>known deviation: ", out);
    report_xml_escape(out, c->deviation != NULL ? c->deviation : "?");
    fputs("&#10;expected: ", out);
    report_xml_escape(out, c->expected != NULL ? c->expected : "-");
    fputs("&#10;actual: ", out);
    report_xml_escape(out, c->actual != NULL ? c->actual : "-");
    fputs("</system-out>\n", out);
  }
  fputs("    </testcase>\n", out);
}

bool report_write_junit(const struct report *r, FILE *out) {
  size_t fails = report_count(r, REPORT_MISMATCH) + report_count(r, REPORT_FLAKY);
  for (size_t i = 0; i < r->n_cells; i++)
    fails += r->cells[i].stale != NULL && r->cells[i].verdict != REPORT_MISMATCH;
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
  for (size_t i = 0; i < r->n_cells; i++) junit_testcase(r, &r->cells[i], out);
  fputs("  </testsuite>\n</testsuites>\n", out);
  return !ferror(out);
}
