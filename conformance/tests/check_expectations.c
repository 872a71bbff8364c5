/* Declared upstream deviations (expectations.c): strict loading, which
   declaration governs a cell, and when a declaration has gone stale. */
#include "expectations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "peers.h"

static char dir[64];

static char *file_in_dir(const char *name) {
  static char p[160];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static void setup(void) {
  snprintf(dir, sizeof dir, "%s/check_expectations.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
  static const char *const names[] = {"ts.json", "derper.json", "oracle.json", NULL};
  for (const char *const *n = names; *n != NULL; n++) unlink(file_in_dir(*n));
  rmdir(dir);
}

static void write_file(const char *name, const char *text) {
  FILE *f = fopen(file_in_dir(name), "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static const char *const impls[] = {"ts", "derper", NULL};

/* Load ts.json = text; on failure the error must contain `want`. */
static void load_expect(const char *text, const char *want) {
  write_file("ts.json", text);
  struct expectations x;
  char err[512] = "";
  bool ok = expectations_load(dir, impls, &x, err, sizeof err);
  if (want == NULL) {
    ck_assert_msg(ok, "%s", err);
    expectations_free(&x);
  } else {
    ck_assert_msg(!ok, "loaded, expected error containing: %s", want);
    ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
  }
}

#define UP_FAIL "\"upstream\":{\"result\":\"fail\",\"reason\":\"r\"}"

START_TEST(declarations_are_strict) {
  load_expect("[]", NULL);
  load_expect("[{\"scenario\":\"a::b\",\"column\":\"ts@*\"," UP_FAIL ",\"why\":\"because\"}]",
              NULL);
  load_expect("{}", "ts.json: (top): expected an array of declarations");
  load_expect("[{\"scenario\":\"a::b\",\"colum\":\"x\"," UP_FAIL ",\"why\":\"w\"}]",
              "ts.json: [0].colum: unknown key");
  load_expect("[{\"scenario\":\"a::b\",\"column\":\"x\"," UP_FAIL "}]", "[0].why: missing");
  load_expect("[{\"scenario\":\"a::b\",\"column\":\"x\"," UP_FAIL ",\"why\":\"  \"}]",
              "[0].why: empty");
  load_expect("[{\"scenario\":\"a::b\",\"column\":\"x\",\"relay\":7," UP_FAIL ",\"why\":\"w\"}]",
              "[0].relay: expected string, got integer");
  load_expect(
      "[{\"scenario\":\"a::b\",\"column\":\"x\",\"upstream\":{"
      "\"result\":\"fail\",\"reson\":\"r\"},\"why\":\"w\"}]",
      "[0].upstream.reson: unknown key");
  load_expect(
      "[{\"scenario\":\"a::b\",\"column\":\"x\",\"upstream\":{"
      "\"result\":\"fail\"},\"why\":\"w\"}]",
      "[0].upstream: a fail expectation needs reason");
  load_expect("[{\"scenario\":\"a::b\",\"column\":\"\"," UP_FAIL ",\"why\":\"w\"}]",
              "[0].column: empty");
  load_expect("[{\"scenario\":\"a::b\",\"scenario\":\"a::c\"}]", "duplicate object key");
}
END_TEST

START_TEST(only_implementation_files_are_read) {
  /* other tools' files share the directory in their own format */
  write_file("oracle.json", "[{\"input\":\"*\",\"check\":\"pin:*\"}]");
  write_file("derper.json",
             "[{\"scenario\":\"a::b\",\"column\":\"relay\","
             "\"relay\":\"derper@*\"," UP_FAIL ",\"why\":\"w\"}]");
  write_file("ts.json", "[{\"scenario\":\"a::c\",\"column\":\"ts@*\"," UP_FAIL ",\"why\":\"w\"}]");
  struct expectations x;
  char err[512];
  ck_assert_msg(expectations_load(dir, impls, &x, err, sizeof err), "%s", err);
  ck_assert_uint_eq(x.n, 2);
  /* files by name: derper.json before ts.json */
  ck_assert_str_eq(x.d[0].where, "derper.json[0]");
  ck_assert_str_eq(x.d[1].where, "ts.json[0]");
  ck_assert_str_eq(x.d[1].relay, "*"); /* default */
  expectations_free(&x);
  /* no directory: no declarations */
  const char *none[] = {"ts", NULL};
  ck_assert(expectations_load("/nonexistent", none, &x, err, sizeof err));
  ck_assert_uint_eq(x.n, 0);
  expectations_free(&x);
}
END_TEST

START_TEST(first_matching_declaration_governs_a_cell) {
  write_file("ts.json", "[{\"scenario\":\"pin::a\",\"column\":\"ts@v1.80.*\"," UP_FAIL
                        ",\"why\":\"old\"},"
                        "{\"scenario\":\"pin::a\",\"column\":\"ts@*\",\"relay\":"
                        "\"derper@*\"," UP_FAIL
                        ",\"why\":\"on derper\"},"
                        "{\"scenario\":\"pin::a\",\"column\":\"*\"," UP_FAIL ",\"why\":\"any\"}]");
  struct expectations x;
  char err[512];
  ck_assert_msg(expectations_load(dir, impls, &x, err, sizeof err), "%s", err);
  const struct deviation *d = expectations_find(&x, "pin::a", "ts@v1.80.3", "reference");
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d->why, "old");
  d = expectations_find(&x, "pin::a", "ts@v1.82.5", "derper@v1.102.5");
  ck_assert_str_eq(d->why, "on derper");
  d = expectations_find(&x, "pin::a", "current", "reference");
  ck_assert_str_eq(d->why, "any");
  /* scenario ids are exact */
  ck_assert_ptr_null(expectations_find(&x, "pin::ab", "current", "reference"));
  ck_assert_ptr_null(expectations_find(NULL, "pin::a", "current", "x"));
  expectations_free(&x);
}
END_TEST

START_TEST(unknown_scenario_is_an_error) {
  write_file("ts.json",
             "[{\"scenario\":\"pin::gone\",\"column\":\"*\"," UP_FAIL ",\"why\":\"w\"}]");
  struct expectations x;
  char err[512];
  ck_assert(expectations_load(dir, impls, &x, err, sizeof err));
  struct scenario s = {.id = "pin::here"};
  ck_assert(!expectations_check_scenarios(&x, &s, 1, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "ts.json[0]: scenario \"pin::gone\" does not exist"));
  s.id = "pin::gone";
  ck_assert(expectations_check_scenarios(&x, &s, 1, err, sizeof err));
  expectations_free(&x);
}
END_TEST

START_TEST(resolve_known_or_stale) {
  const char *stale;
  /* missed the scenario, met the declaration: a known deviation */
  ck_assert_int_eq(expectations_resolve(REPORT_MISMATCH, true, &stale), REPORT_KNOWN);
  ck_assert_ptr_null(stale);
  /* missed both: still a mismatch, and the declaration is stale */
  ck_assert_int_eq(expectations_resolve(REPORT_MISMATCH, false, &stale), REPORT_MISMATCH);
  ck_assert_ptr_nonnull(strstr(stale, "neither"));
  /* upstream was fixed (or the scenario changed): stale */
  ck_assert_int_eq(expectations_resolve(REPORT_MATCH, true, &stale), REPORT_MATCH);
  ck_assert_ptr_nonnull(strstr(stale, "now matches"));
  /* no verdict proves nothing either way */
  ck_assert_int_eq(expectations_resolve(REPORT_ERROR, false, &stale), REPORT_ERROR);
  ck_assert_ptr_null(stale);
  ck_assert_int_eq(expectations_resolve(REPORT_SKIPPED, false, &stale), REPORT_SKIPPED);
  ck_assert_ptr_null(stale);
}
END_TEST

/* What the lead ships in conformance/expectations/ must load and name
   scenarios that exist. */
START_TEST(shipped_declarations_load) {
  struct peers p;
  char err[1024];
  ck_assert_msg(peers_load(DERPCHECK_PEERS_FILE, "/pd", &p, err, sizeof err), "%s", err);
  const char *names[64];
  size_t n = 0;
  for (size_t i = 0; i < p.n_clients && n < 32; i++) names[n++] = p.clients[i].impl;
  for (size_t i = 0; i < p.n_relays && n < 63; i++) names[n++] = p.relays[i].impl;
  names[n] = NULL;
  struct expectations x;
  ck_assert_msg(expectations_load(DERPCHECK_EXPECTATIONS_DIR, names, &x, err, sizeof err), "%s",
                err);
  struct scenario *all;
  size_t n_all;
  ck_assert_msg(scenario_load_dir(DERPCHECK_SCENARIO_DIR, &all, &n_all, err, sizeof err), "%s",
                err);
  ck_assert_msg(expectations_check_scenarios(&x, all, n_all, err, sizeof err), "%s", err);
  scenario_free_all(all, n_all);
  expectations_free(&x);
  peers_free(&p);
}
END_TEST

static Suite *expectations_suite(void) {
  Suite *s = suite_create("expectations");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, declarations_are_strict);
  tcase_add_test(tc, only_implementation_files_are_read);
  tcase_add_test(tc, first_matching_declaration_governs_a_cell);
  tcase_add_test(tc, unknown_scenario_is_an_error);
  tcase_add_test(tc, resolve_known_or_stale);
  tcase_add_test(tc, shipped_declarations_load);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(expectations_suite)
