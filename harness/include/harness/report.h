/* report: the conformance matrix and its three renderings.
 *
 * A conformance run produces one cell per (scenario, relay, column): the
 * expected outcome, the observed one, and whether they match. The lead's question
 * ("does every cell match, and if not, why?") is answered by a text matrix
 * for people, JSON for tools and JUnit XML for CI. Texts in cells come from
 * the programs under test and are hostile: every renderer escapes them
 * (control characters, invalid UTF-8, XML metacharacters) so a client that
 * prints garbage cannot break a report. */
#ifndef HARNESS_REPORT_H
#define HARNESS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum report_verdict {
  REPORT_MATCH,    /* observed == expected */
  REPORT_MISMATCH, /* a verdict, but not the expected one */
  REPORT_ERROR,    /* no verdict: setup failed, usage error, timeout... */
  REPORT_SKIPPED,  /* not run (the relay or client cannot do what it needs) */
  REPORT_KNOWN,    /* not the expected verdict, but a declared upstream
                      deviation: OK for the exit status, listed with its why */
  REPORT_FLAKY,    /* --repeat: the runs of this cell disagreed (fails the run;
                      actual lists each run's verdict) */
};
#define REPORT_VERDICT_COUNT 6

/* One mark per verdict, for text: ✓ ✗ ! - ≈ ~ */
const char *report_verdict_mark(enum report_verdict v);

/* One cell: a scenario on one relay, in one matrix column. A column is a
   client profile ("current"), a real client judged by a profile
   ("tailscale@v1.82.5" by "tailscale-1.82") or "relay". */
struct report_cell {
  char *scenario;
  char *relay;   /* the relay it ran against; NULL: the only one */
  char *column;  /* matrix column */
  char *profile; /* expectations it is judged by; NULL: the column's name */
  enum report_verdict verdict;
  char *expected; /* short text, e.g. "fail: unexpected multiple certs..." */
  char *actual;
  char *detail;    /* why it mismatched, errored or was skipped */
  char *deviation; /* REPORT_KNOWN: the declaration's why and where it is */
  char *stale;     /* a declaration for this cell that no longer holds: the
                      run fails (the cell keeps its own verdict) */
  double ms;
  char *command;    /* the client's command line as run (NULL: none, e.g. relay) */
  char *transcript; /* what went over the wire, decoded, one line per event */
};

struct report_row {
  char *id;
  char *relay; /* NULL: the only one */
  char *description;
  double ms;       /* the scenario's wall time */
  double floor_ms; /* its own process starts + TLS handshakes, estimated */
  char *spec;      /* the spec sections it cites (NULL: none) */
};

struct report {
  struct report_row *rows;
  size_t n_rows, cap_rows;
  struct report_cell *cells;
  size_t n_cells, cap_cells;
  char **columns; /* matrix columns, in order of first appearance */
  size_t n_columns;
  /* Rows come grouped per relay (a line names each relay); off when only
     the default relay ran, so that matrix reads as it always did. */
  bool by_relay;
  double wall_ms;
  int jobs;
  uint64_t seed;
  /* For the HTML header (borrowed; NULL: not shown). */
  const char *commit;
  const char *started; /* e.g. "2026-12-05 05:30:00 UTC" */
};

void report_init(struct report *r);
void report_free(struct report *r);

/* Declare a matrix column ahead of its cells, to fix the column order
   (otherwise: order of first appearance). */
bool report_add_column(struct report *r, const char *column);

/* Copy a row / a cell (every string; NULLs stay NULL). False on allocation
   failure. */
bool report_add_row(struct report *r, const struct report_row *row);
bool report_add_cell(struct report *r, const struct report_cell *cell);

const char *report_verdict_name(enum report_verdict v);
size_t report_count(const struct report *r, enum report_verdict v);
size_t report_count_stale(const struct report *r);
/* The run's verdict: no mismatch, no error, no flaky cell, no stale
   declaration, and at least one cell that ran (match or known deviation). */
bool report_ok(const struct report *r);
/* Median of the rows' wall times (0 with no rows). */
double report_median_ms(const struct report *r);

/* Scenario x column table (✓ match, ≈ known deviation, ✗ mismatch,
   ! error, - skipped; a line per relay when by_relay), then expected,
   actual and why of every mismatch and error, the known deviations with
   their why, stale declarations, skip reasons, the counts and the timing
   summary. */
void report_write_matrix(const struct report *r, FILE *out);
/* One JSON document (jansson); false on a write or allocation failure. */
bool report_write_json(const struct report *r, FILE *out);
/* JUnit XML: one testsuite, one testcase per cell (classname = scenario,
   with " [relay]" when by_relay; name = column; properties profile and
   relay), <failure> for mismatches and stale declarations, <error>,
   <skipped/>; a known deviation passes with its why in <system-out>. */
bool report_write_junit(const struct report *r, FILE *out);

/* A self-contained HTML page (inline CSS and script, no network): the
   matrix by namespace with one colour per verdict, filters and a search
   box, and per cell on click (or #cell=N in the URL) expected vs actual,
   why, the command line, the scenario's description and spec, the
   transcript. Every text from the run is escaped (hostile strings cannot
   break the markup); the cells' data rides in a JSON island with <, >, &
   escaped. */
bool report_write_html(const struct report *r, FILE *out);

/* The matrix as a Markdown table (for CI step summaries): one row per
   scenario (and relay), the counts, then every mismatch and error. */
void report_write_markdown(const struct report *r, FILE *out);

/* Compare two JSON reports (report_write_json) cell by cell, write the
   cells whose verdict or actual changed, appeared or disappeared (each
   tagged worse/better), then a count line. 1 when something got worse (an
   OK cell now failing or gone, a new failing cell), 0 when not, -1 (why
   set) when a document is not a report. */
struct json_t;
int report_diff(const struct json_t *old_doc, const struct json_t *new_doc, FILE *out, char *why,
                size_t cap);

/* XML text/attribute escaping as used by the JUnit writer: & < > " ' as
   entities; characters XML 1.0 forbids and bytes that are not valid UTF-8
   as the visible text \xNN. */
void report_xml_escape(FILE *out, const char *s);

#endif
