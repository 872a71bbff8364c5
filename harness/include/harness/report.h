/* report: the conformance matrix and its three renderings.
 *
 * A conformance run produces one cell per (scenario, profile): the expected
 * outcome, the observed one, and whether they match. The lead's question
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
  REPORT_SKIPPED,  /* not run (filtered profile, unsupported by an adapter) */
};

struct report_cell {
  char *scenario;
  char *profile;
  enum report_verdict verdict;
  char *expected; /* short text, e.g. "fail: unexpected multiple certs..." */
  char *actual;
  char *detail; /* why it mismatched or errored; NULL on a match */
  double ms;
};

struct report_row {
  char *id;
  char *description;
  double ms;       /* the scenario's wall time */
  double floor_ms; /* its own process starts + TLS handshakes, estimated */
};

struct report {
  struct report_row *rows;
  size_t n_rows, cap_rows;
  struct report_cell *cells;
  size_t n_cells, cap_cells;
  char **profiles; /* matrix columns, in order of first appearance */
  size_t n_profiles;
  double wall_ms;
  int jobs;
  uint64_t seed;
};

void report_init(struct report *r);
void report_free(struct report *r);

/* Declare a matrix column ahead of its cells, to fix the column order
   (otherwise: order of first appearance). */
bool report_add_column(struct report *r, const char *profile);

/* Copies every string. False on allocation failure. */
bool report_add_row(struct report *r, const char *id, const char *description,
                    double ms, double floor_ms);
bool report_add_cell(struct report *r, const char *scenario,
                     const char *profile, enum report_verdict verdict,
                     const char *expected, const char *actual,
                     const char *detail, double ms);

const char *report_verdict_name(enum report_verdict v);
size_t report_count(const struct report *r, enum report_verdict v);
/* True when there is at least one cell and every cell is a match. */
bool report_all_match(const struct report *r);
/* Median of the rows' wall times (0 with no rows). */
double report_median_ms(const struct report *r);

/* Scenario x profile table (✓ match, ✗ mismatch, ! error, - skipped), then
   one line per mismatch/error with expected, actual and why, then the timing
   summary. */
void report_write_matrix(const struct report *r, FILE *out);
/* One JSON document (jansson); false on a write or allocation failure. */
bool report_write_json(const struct report *r, FILE *out);
/* JUnit XML: one testsuite, one testcase per cell (classname = scenario,
   name = profile), <failure> for mismatches, <error>, <skipped/>. */
bool report_write_junit(const struct report *r, FILE *out);

/* XML text/attribute escaping as used by the JUnit writer: & < > " ' as
   entities; characters XML 1.0 forbids and bytes that are not valid UTF-8
   as the visible text \xNN. */
void report_xml_escape(FILE *out, const char *s);

#endif
