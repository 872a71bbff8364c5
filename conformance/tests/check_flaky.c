/* flaky_fold: --repeat's N runs of a row become one row. */
#include "flaky.h"

#include <string.h>

#include "check_main.h"

static void run(struct report *r, double ms, enum report_verdict a, const char *actual_a,
                enum report_verdict b) {
  struct report_row row = {.id = (char *)"pin::x", .relay = (char *)"reference", .ms = ms};
  ck_assert(report_add_row(r, &row));
  struct report_cell c1 = {.scenario = (char *)"pin::x",
                           .relay = (char *)"reference",
                           .column = (char *)"current",
                           .verdict = a,
                           .actual = (char *)actual_a};
  struct report_cell c2 = {.scenario = (char *)"pin::x",
                           .relay = (char *)"reference",
                           .column = (char *)"relay",
                           .verdict = b,
                           .actual = (char *)"ok"};
  ck_assert(report_add_cell(r, &c1));
  ck_assert(report_add_cell(r, &c2));
}

START_TEST(agreeing_runs_keep_their_verdict_disagreeing_ones_are_flaky) {
  struct report raw, out;
  report_init(&raw);
  report_init(&out);
  run(&raw, 10, REPORT_MATCH, "pass (fast)", REPORT_MATCH);
  run(&raw, 20, REPORT_MISMATCH, "pass (slow)", REPORT_MATCH);
  run(&raw, 30, REPORT_MATCH, "pass (fast)", REPORT_MATCH);
  ck_assert(flaky_fold(&raw, 3, &out));
  ck_assert_uint_eq(out.n_rows, 1);
  ck_assert_double_eq_tol(out.rows[0].ms, 20, 1e-9);
  ck_assert_uint_eq(out.n_cells, 2);
  ck_assert_int_eq(out.cells[0].verdict, REPORT_FLAKY);
  ck_assert_str_eq(out.cells[0].actual, "flaky over 3 runs: match, mismatch, match");
  ck_assert_ptr_nonnull(strstr(out.cells[0].detail, "run 2: pass (slow)"));
  ck_assert_int_eq(out.cells[1].verdict, REPORT_MATCH);
  ck_assert_int_eq(report_count(&out, REPORT_FLAKY), 1);
  ck_assert(!report_ok(&out));
  report_free(&raw);
  report_free(&out);
}
END_TEST

START_TEST(same_verdict_other_reason_is_flaky_too) {
  struct report raw, out;
  report_init(&raw);
  report_init(&out);
  run(&raw, 1, REPORT_MISMATCH, "fail: timeout", REPORT_MATCH);
  run(&raw, 1, REPORT_MISMATCH, "fail: reset", REPORT_MATCH);
  ck_assert(flaky_fold(&raw, 2, &out));
  ck_assert_int_eq(out.cells[0].verdict, REPORT_FLAKY);
  report_free(&raw);
  report_free(&out);
  report_init(&raw);
  report_init(&out);
  run(&raw, 1, REPORT_MISMATCH, "fail: timeout", REPORT_MATCH);
  run(&raw, 1, REPORT_MISMATCH, "fail: timeout", REPORT_MATCH);
  ck_assert(flaky_fold(&raw, 2, &out));
  ck_assert_int_eq(out.cells[0].verdict, REPORT_MISMATCH); /* steadily wrong: not flaky */
  report_free(&raw);
  report_free(&out);
}
END_TEST

static Suite *flaky_suite(void) {
  Suite *s = suite_create("flaky");
  TCase *tc = tcase_create("fold");
  tcase_add_test(tc, agreeing_runs_keep_their_verdict_disagreeing_ones_are_flaky);
  tcase_add_test(tc, same_verdict_other_reason_is_flaky_too);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(flaky_suite)
