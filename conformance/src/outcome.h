/* outcome: what a client under test said, and whether it is what the
 * scenario expected.
 *
 * The client contract (conformance/README.md) is BoGo-like: exit 0 = pass,
 * 1 = fail (a verdict), 2 = usage/config error (never a verdict), and the
 * last stdout line is one JSON object
 *   {"result","reason","path","tls_version","server_key","certs", ...}.
 * A client that prints nothing parseable is judged by its exit code alone;
 * what it did not report shows as "unchecked" instead of silently passing.
 * Exit code and JSON must agree, or the cell is an error: a client must not
 * be able to pass by printing "pass" and exiting 1. */
#ifndef DERPCHECK_OUTCOME_H
#define DERPCHECK_OUTCOME_H

#include <jansson.h>
#include <stdbool.h>

#include "harness/report.h"
#include "template.h"

struct outcome {
  int exit_code; /* -1: killed by the runner's timeout */
  json_t *json;  /* the last stdout line as an object, or NULL */
  char *note;    /* why json is NULL (no output / not an object) */
};

/* Read the client's captured stdout. */
void outcome_read(const char *stdout_path, int exit_code, struct outcome *o);
void outcome_free(struct outcome *o);

struct judgement {
  enum report_verdict verdict;
  char *expected; /* e.g. "fail: cert hash does not match expected cert hash" */
  char *actual;   /* e.g. "pass (fast)", "fail (reason unchecked)" */
  char *detail;   /* NULL on a match */
};

/* Compare with one validated expectation object; strings in it are expanded
   with `vars` first ({cert:leaf:not_after}, {server_key}, ...). A string
   that cannot be expanded (unknown or unavailable placeholder) makes the
   verdict REPORT_ERROR with the reason in detail. */
void outcome_judge(const struct outcome *o, const json_t *expect, const struct tvars *vars,
                   struct judgement *j);
void judgement_free(struct judgement *j);

/* The value at a dotted path ("report.Errors") in a JSON object. */
const json_t *json_path_get(const json_t *root, const char *dotted);
/* Like json_path_get, and "A[].b" maps over array A: a new reference. */
json_t *json_path_collect(const json_t *root, const char *path);

#endif
