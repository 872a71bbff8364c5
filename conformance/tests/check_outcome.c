#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

static char out_path[64];
static struct tvars vars;

static void setup(void) {
  snprintf(out_path, sizeof out_path, "%s/check_outcome.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemp(out_path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  tvars_init(&vars);
  tvars_set(&vars, "server_key", "aa11");
  tvars_set(&vars, "cert:leaf:not_after", "2026-03-04 13:41:12 +0000 UTC");
  tvars_set(&vars, "key:b", "bb22");
  tvars_set(&vars, "cert:leaf:not_after_rfc3339", "2026-03-04T13:41:12Z");
  tvars_set_unavailable(&vars, "snippet:sha256", "the relay printed no pin");
}

static void teardown(void) {
  unlink(out_path);
  tvars_free(&vars);
}

/* Judge stdout `text` + exit code against the expectation JSON. */
static void judge(const char *text, int exit_code, const char *expect_json, struct judgement *j) {
  FILE *f = fopen(out_path, "w");
  fputs(text, f);
  fclose(f);
  struct outcome o;
  outcome_read(out_path, exit_code, &o);
  json_error_t e;
  json_t *exp = json_loads(expect_json, 0, &e);
  ck_assert_msg(exp != NULL, "%s", e.text);
  outcome_judge(&o, exp, &vars, j);
  json_decref(exp);
  outcome_free(&o);
}

#define PASS_FAST "{\"result\":\"pass\",\"reason\":null,\"path\":\"fast\"}\n"

START_TEST(pass_matches) {
  struct judgement j;
  judge("log line\n" PASS_FAST, 0, "{\"result\":\"pass\",\"path\":\"fast\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  ck_assert_str_eq(j.expected, "pass (fast)");
  ck_assert_str_eq(j.actual, "pass (fast)");
  ck_assert_ptr_null(j.detail);
  judgement_free(&j);
}
END_TEST

START_TEST(path_mismatch_is_reported) {
  struct judgement j;
  judge(PASS_FAST, 0, "{\"result\":\"pass\",\"path\":\"slow\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail, "path: expected slow, got fast");
  judgement_free(&j);
}
END_TEST

START_TEST(fail_reason_exact) {
  struct judgement j;
  judge(
      "{\"result\":\"fail\",\"reason\":\"unexpected multiple certs "
      "presented\"}",
      1,
      "{\"result\":\"fail\",\"reason\":\"unexpected multiple certs "
      "presented\"}",
      &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  judgement_free(&j);
  judge("{\"result\":\"fail\",\"reason\":\"unexpected multiple certs\"}", 1,
        "{\"result\":\"fail\",\"reason\":\"unexpected multiple certs "
        "presented\"}",
        &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail,
                   "reason: expected \"unexpected multiple certs "
                   "presented\", got \"unexpected multiple certs\"");
  judgement_free(&j);
}
END_TEST

START_TEST(reason_placeholders_expanded) {
  struct judgement j;
  judge(
      "{\"result\":\"fail\",\"reason\":\"cert expired 2026-03-04 13:41:12 "
      "+0000 UTC\"}",
      1,
      "{\"result\":\"fail\",\"reason\":\"cert expired "
      "{cert:leaf:not_after}\"}",
      &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  ck_assert_str_eq(j.expected, "fail: cert expired 2026-03-04 13:41:12 +0000 UTC");
  judgement_free(&j);
}
END_TEST

START_TEST(reason_contains_form) {
  struct judgement j;
  judge(
      "{\"result\":\"fail\",\"reason\":\"derphttp.Client.Recv connect to "
      "region 900 (custom): x509: certificate signed by unknown "
      "authority\"}",
      1,
      "{\"result\":\"fail\",\"reason_contains\":\"x509: certificate "
      "signed by unknown authority\"}",
      &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  ck_assert_ptr_nonnull(strstr(j.expected, "fail ~ x509"));
  judgement_free(&j);
}
END_TEST

START_TEST(result_mismatch) {
  struct judgement j;
  judge(PASS_FAST, 0, "{\"result\":\"fail\",\"reason\":\"x\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_ptr_nonnull(strstr(j.detail, "result: expected fail, got pass"));
  judgement_free(&j);
}
END_TEST

START_TEST(exit_code_and_json_must_agree) {
  struct judgement j;
  judge(PASS_FAST, 1, "{\"result\":\"pass\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_str_eq(j.detail, "exit code 1 but JSON result is pass");
  judgement_free(&j);
}
END_TEST

START_TEST(usage_error_is_never_a_verdict) {
  struct judgement j;
  judge("{\"result\":\"fail\",\"reason\":\"unknown flag --tls-min\"}", 2,
        "{\"result\":\"fail\",\"reason\":\"unknown flag --tls-min\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_str_eq(j.detail,
                   "client usage/config error (exit 2): unknown "
                   "flag --tls-min");
  judgement_free(&j);
}
END_TEST

START_TEST(crash_and_timeout_are_errors) {
  struct judgement j;
  judge("", 139, "{\"result\":\"fail\",\"reason\":\"x\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_str_eq(j.detail, "client ended with exit status 139 (not a verdict)");
  judgement_free(&j);
  judge("", -1, "{\"result\":\"pass\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_ptr_nonnull(strstr(j.detail, "did not exit"));
  judgement_free(&j);
}
END_TEST

START_TEST(no_json_judged_by_exit_code_unchecked) {
  struct judgement j;
  judge("connected!\n", 1, "{\"result\":\"fail\",\"reason\":\"x\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  ck_assert_str_eq(j.actual,
                   "fail (unchecked: last stdout line is "
                   "not a JSON object)");
  judgement_free(&j);
  judge("", 0, "{\"result\":\"pass\",\"path\":\"fast\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  ck_assert_str_eq(j.actual, "pass (unchecked: no output)");
  judgement_free(&j);
}
END_TEST

START_TEST(null_fields_unchecked_but_reason_required) {
  struct judgement j;
  judge("{\"result\":\"pass\",\"reason\":null,\"path\":null,\"certs\":null}", 0,
        "{\"result\":\"pass\",\"path\":\"fast\",\"certs\":2}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MATCH);
  judgement_free(&j);
  judge("{\"result\":\"fail\",\"reason\":null}", 1, "{\"result\":\"fail\",\"reason\":\"x\"}", &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail, "reason: expected \"x\", got null");
  judgement_free(&j);
}
END_TEST

START_TEST(certs_version_and_key_checked) {
  struct judgement j;
  judge(
      "{\"result\":\"pass\",\"tls_version\":\"TLSv1.2\",\"certs\":3,"
      "\"server_key\":\"ff\"}",
      0,
      "{\"result\":\"pass\",\"tls_version\":\"TLSv1.3\",\"certs\":2,"
      "\"server_key\":true}",
      &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail,
                   "tls_version: expected TLSv1.3, got TLSv1.2; "
                   "certs: expected 2, got 3; server_key: expected "
                   "aa11, got ff");
  judgement_free(&j);
}
END_TEST

START_TEST(output_checks) {
  struct judgement j;
  const char *out =
      "{\"result\":\"pass\",\"from\":\"bb22\",\"report\":{"
      "\"Errors\":[\"Error connecting to node over IPv6: x\"],"
      "\"Info\":[\"Successfully established a DERP "
      "connection\"]}}";
  judge(out, 0,
        "{\"result\":\"pass\",\"output\":["
        "{\"field\":\"from\",\"equals\":\"{key:b}\"},"
        "{\"field\":\"report.Errors\",\"not_contains\":\"IPv4\"},"
        "{\"field\":\"report.Info\",\"contains\":\"Successfully\"}]}",
        &j);
  ck_assert_msg(j.verdict == REPORT_MATCH, "%s", j.detail);
  judgement_free(&j);
  judge(out, 0,
        "{\"result\":\"pass\",\"output\":["
        "{\"field\":\"report.Errors\",\"not_contains\":\"IPv6\"},"
        "{\"field\":\"missing\",\"equals\":1}]}",
        &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail,
                   "output.report.Errors: unexpectedly contains "
                   "\"IPv6\"; output.missing: expected 1, got "
                   "(absent)");
  judgement_free(&j);
}
END_TEST

/* Upstream v1.80's x509 text: only the certificate's side is the scenario's
   to state; the current time is the client's clock. */
#define GO_EXPIRED                                                         \
  "{\"result\":\"fail\",\"reason\":\"x509: certificate has expired or is " \
  "not yet valid: current time 2026-03-05T09:00:01Z is after "             \
  "2026-03-04T13:41:12Z\"}"

START_TEST(rfc3339_side_of_go_validity_text) {
  struct judgement j;
  const char *want =
      "{\"result\":\"fail\",\"reason_contains\":\"x509: "
      "certificate has expired or is not yet valid: current "
      "time \",\"output\":[{\"field\":\"reason\",\"contains\":"
      "\"Z is after {cert:leaf:not_after_rfc3339}\"}]}";
  judge(GO_EXPIRED, 1, want, &j);
  ck_assert_msg(j.verdict == REPORT_MATCH, "%s", j.detail);
  judgement_free(&j);
  /* a notAfter a second off is a mismatch */
  tvars_set(&vars, "cert:leaf:not_after_rfc3339", "2026-03-04T13:41:13Z");
  judge(GO_EXPIRED, 1, want, &j);
  ck_assert_int_eq(j.verdict, REPORT_MISMATCH);
  ck_assert_str_eq(j.detail,
                   "output.reason: nothing contains \"Z is after "
                   "2026-03-04T13:41:13Z\"");
  judgement_free(&j);
}
END_TEST

START_TEST(unexpandable_expectation_is_an_error) {
  struct judgement j;
  const char *got =
      "{\"result\":\"fail\",\"reason\":\"x509: certificate is "
      "not valid for any names, but wanted to match "
      "sha256-raw:\"}";
  /* an unavailable pin must not expand to "" and match the text above */
  judge(got, 1,
        "{\"result\":\"fail\",\"reason_contains\":\"wanted to match "
        "sha256-raw:{snippet:sha256}\"}",
        &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_str_eq(j.detail,
                   "expected text \"wanted to match "
                   "sha256-raw:{snippet:sha256}\": {snippet:sha256} is "
                   "unavailable: the relay printed no pin");
  judgement_free(&j);
  /* in output checks too, and for unknown names */
  judge(got, 1,
        "{\"result\":\"fail\",\"reason\":\"x\",\"output\":["
        "{\"field\":\"reason\",\"not_contains\":\"{cert:leef:sha256}\"}]}",
        &j);
  ck_assert_int_eq(j.verdict, REPORT_ERROR);
  ck_assert_str_eq(j.detail,
                   "expected text \"{cert:leef:sha256}\": unknown "
                   "placeholder {cert:leef:sha256}");
  judgement_free(&j);
  /* with the pin printed: exact */
  tvars_set(&vars, "snippet:sha256", "0123abcd");
  judge(
      "{\"result\":\"fail\",\"reason\":\"x509: certificate is not valid "
      "for any names, but wanted to match sha256-raw:0123abcd\"}",
      1,
      "{\"result\":\"fail\",\"reason\":\"x509: certificate is not "
      "valid for any names, but wanted to match "
      "sha256-raw:{snippet:sha256}\"}",
      &j);
  ck_assert_msg(j.verdict == REPORT_MATCH, "%s", j.detail);
  judgement_free(&j);
}
END_TEST

START_TEST(verdict_read_after_megabytes_of_log) {
  FILE *f = fopen(out_path, "w");
  for (int i = 0; i < 30000; i++)
    fputs("debug: a long line of client logging on stdout, again and again\n", f);
  fputs(PASS_FAST, f);
  fclose(f);
  struct outcome o;
  outcome_read(out_path, 0, &o);
  ck_assert_ptr_nonnull(o.json);
  ck_assert_str_eq(json_string_value(json_object_get(o.json, "path")), "fast");
  outcome_free(&o);
}
END_TEST

START_TEST(json_path_walks_objects) {
  json_t *j = json_loads("{\"a\":{\"b\":{\"c\":3}}}", 0, NULL);
  ck_assert_int_eq(json_integer_value(json_path_get(j, "a.b.c")), 3);
  ck_assert_ptr_null(json_path_get(j, "a.x.c"));
  ck_assert_ptr_null(json_path_get(j, "a.b.c.d"));
  json_decref(j);
}
END_TEST

START_TEST(json_path_collects_over_arrays) {
  json_t *j = json_loads(
      "{\"Diagnosis\":[{\"code\":\"a\",\"severity\":\"info\"},{\"code\":\"b\"}],\"n\":null}", 0,
      NULL);
  json_t *codes = json_path_collect(j, "Diagnosis[].code");
  ck_assert_uint_eq(json_array_size(codes), 2);
  ck_assert_str_eq(json_string_value(json_array_get(codes, 1)), "b");
  json_decref(codes);
  json_t *sev = json_path_collect(j, "Diagnosis[].severity");
  ck_assert_uint_eq(json_array_size(sev), 1); /* elements without it are left out */
  json_decref(sev);
  ck_assert_ptr_null(json_path_collect(j, "n[].code")); /* null: absent, not [] */
  json_t *plain = json_path_collect(j, "Diagnosis");
  ck_assert(json_is_array(plain));
  json_decref(plain);
  json_decref(j);
}
END_TEST

static Suite *outcome_suite(void) {
  Suite *s = suite_create("outcome");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, pass_matches);
  tcase_add_test(tc, path_mismatch_is_reported);
  tcase_add_test(tc, fail_reason_exact);
  tcase_add_test(tc, reason_placeholders_expanded);
  tcase_add_test(tc, reason_contains_form);
  tcase_add_test(tc, result_mismatch);
  tcase_add_test(tc, exit_code_and_json_must_agree);
  tcase_add_test(tc, usage_error_is_never_a_verdict);
  tcase_add_test(tc, crash_and_timeout_are_errors);
  tcase_add_test(tc, no_json_judged_by_exit_code_unchecked);
  tcase_add_test(tc, null_fields_unchecked_but_reason_required);
  tcase_add_test(tc, certs_version_and_key_checked);
  tcase_add_test(tc, output_checks);
  tcase_add_test(tc, rfc3339_side_of_go_validity_text);
  tcase_add_test(tc, unexpandable_expectation_is_an_error);
  tcase_add_test(tc, verdict_read_after_megabytes_of_log);
  tcase_add_test(tc, json_path_walks_objects);
  tcase_add_test(tc, json_path_collects_over_arrays);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(outcome_suite)
