/* The page, Markdown and diff renderings of a report. */
#include "harness/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

static char hostile[] = "</script><script>alert(1)</script> \"quoted\" 'single' & <b>";

static void sample(struct report *r) {
  report_init(r);
  struct report_row row = {
      .id = (char *)"pin::two-certs", .description = hostile, .ms = 10, .spec = (char *)"§4.2(a)"};
  ck_assert(report_add_row(r, &row));
  struct report_cell ok = {.scenario = "pin::two-certs",
                           .column = "current",
                           .verdict = REPORT_MATCH,
                           .expected = "pass (fast)",
                           .actual = "pass (fast)",
                           .ms = 1,
                           .command = "derp-client connect"};
  struct report_cell bad = {.scenario = "pin::two-certs",
                            .column = "tailscale-1.82",
                            .verdict = REPORT_MISMATCH,
                            .expected = "fail: x",
                            .actual = hostile,
                            .detail = "why </script>",
                            .ms = 2,
                            .transcript = "→ ClientInfo 4+72\n← ServerInfo <json>"};
  ck_assert(report_add_cell(r, &ok));
  ck_assert(report_add_cell(r, &bad));
  r->commit = "commit <abc>";
  r->started = "2026-12-05 00:00:00 UTC";
}

__attribute__((noinline)) static char *render(const struct report *r, int which) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (which == 0)
    ck_assert(report_write_html(r, f));
  else if (which == 1)
    report_write_markdown(r, f);
  else
    ck_assert(report_write_json(r, f));
  fclose(f);
  return buf;
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) n++;
  return n;
}

START_TEST(html_escapes_every_hostile_string) {
  struct report r;
  sample(&r);
  char *h = render(&r, 0);
  /* the page's own two scripts and nothing else open or close one */
  ck_assert_uint_eq(count(h, "<script"), 2);
  ck_assert_uint_eq(count(h, "</script>"), 2);
  ck_assert_ptr_null(strstr(h, "<b>"));
  ck_assert_ptr_null(strstr(h, "alert(1)</"));
  ck_assert_ptr_nonnull(strstr(h, "&lt;/script&gt;&lt;script&gt;alert(1)"));
  ck_assert_ptr_nonnull(strstr(h, "&quot;quoted&quot; &#39;single&#39; &amp;"));
  /* the JSON island carries the same texts as \u escapes */
  ck_assert_ptr_nonnull(strstr(h, "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
  ck_assert_ptr_nonnull(strstr(h, "commit &lt;abc&gt;"));
  free(h);
  report_free(&r);
}
END_TEST

START_TEST(html_has_one_cell_per_report_cell) {
  struct report r;
  sample(&r);
  char *h = render(&r, 0);
  ck_assert_uint_eq(count(h, "<td class=\"v "), 2);
  ck_assert_ptr_nonnull(strstr(h, "class=\"v v-mismatch\""));
  ck_assert_ptr_nonnull(strstr(h, "class=\"v v-match\""));
  ck_assert_ptr_nonnull(strstr(h, "<tr class=\"ns\"><th colspan=\"3\">pin</th></tr>"));
  ck_assert_ptr_nonnull(strstr(h, "FAILED — 2 cells: 1 match"));
  /* the island parses back as JSON with both cells */
  const char *a = strstr(h, "id=\"data\">");
  ck_assert_ptr_nonnull(a);
  a += strlen("id=\"data\">");
  const char *b = strstr(a, "</script>");
  json_error_t e;
  json_t *j = json_loadb(a, (size_t)(b - a), 0, &e);
  ck_assert_msg(j != NULL, "%s", e.text);
  ck_assert_uint_eq(json_array_size(json_object_get(j, "cells")), 2);
  ck_assert_str_eq(
      json_string_value(json_object_get(json_array_get(json_object_get(j, "cells"), 1), "actual")),
      hostile);
  json_decref(j);
  free(h);
  report_free(&r);
}
END_TEST

START_TEST(markdown_escapes_pipes_and_markup) {
  struct report r;
  sample(&r);
  struct report_cell pipe = {.scenario = "pin::two-certs",
                             .column = "tailscale-1.84",
                             .verdict = REPORT_MATCH,
                             .actual = "a|b *c* `d`",
                             .ms = 1};
  ck_assert(report_add_cell(&r, &pipe));
  char *m = render(&r, 1);
  ck_assert_ptr_nonnull(strstr(m, "| scenario | current | tailscale-1.82 | tailscale-1.84 |"));
  ck_assert_ptr_nonnull(strstr(m, "a\\|b \\*c\\* \\`d\\`"));
  ck_assert_ptr_null(strstr(m, "<script>"));
  ck_assert_ptr_nonnull(strstr(m, "3 cells: 2 match"));
  ck_assert_ptr_nonnull(strstr(m, "- pin::two-certs [tailscale-1.82]: expected fail: x"));
  free(m);
  report_free(&r);
}
END_TEST

static json_t *doc_of(const char *verdict_a, const char *verdict_b, bool with_c) {
  json_t *cells = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "column", "current", "verdict",
                            verdict_a, "actual", "pass (fast)", "column", "tailscale-1.82",
                            "verdict", verdict_b, "actual", "fail: x");
  if (with_c)
    json_array_append_new(cells,
                          json_pack("{s:s, s:s}", "column", "tailscale-1.84", "verdict", "match"));
  return json_pack("{s:i, s:[{s:s, s:n, s:o}]}", "derpcheck_report", 2, "scenarios", "id",
                   "pin::two-certs", "relay", "cells", cells);
}

__attribute__((noinline)) static char *diff(const json_t *a, const json_t *b, int *rc) {
  char *buf = NULL, why[128] = "";
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *rc = report_diff(a, b, f, why, sizeof why);
  fclose(f);
  return buf;
}

START_TEST(diff_reports_worse_better_new_gone) {
  json_t *old = doc_of("match", "mismatch", true), *now = doc_of("error", "match", false);
  int rc;
  char *out = diff(old, now, &rc);
  ck_assert_int_eq(rc, 1);
  ck_assert_ptr_nonnull(strstr(out, "worse        pin::two-certs [current]: match -> error"));
  ck_assert_ptr_nonnull(
      strstr(out, "better       pin::two-certs [tailscale-1.82]: mismatch -> match"));
  ck_assert_ptr_nonnull(strstr(out, "worse   gone pin::two-certs [tailscale-1.84]: was match"));
  ck_assert_ptr_nonnull(strstr(out, "2 worse, 1 better, 0 changed otherwise; 0 new, 1 gone"));
  free(out);
  out = diff(now, old, &rc); /* the other way round: a failing cell appears */
  ck_assert_int_eq(rc, 1);
  ck_assert_ptr_nonnull(strstr(out, "        new  pin::two-certs [tailscale-1.84]: match"));
  free(out);
  out = diff(old, old, &rc);
  ck_assert_int_eq(rc, 0);
  ck_assert_ptr_nonnull(strstr(out, "0 worse, 0 better"));
  free(out);
  json_t *junk = json_pack("{s:i}", "derpcheck_report", 1);
  out = diff(junk, old, &rc);
  ck_assert_int_eq(rc, -1);
  free(out);
  json_decref(junk);
  json_decref(old);
  json_decref(now);
}
END_TEST

/* A document whose cells cannot be told apart is not a report: two cells
 * of one (scenario, relay, column), or a cell without its column, would
 * make a report differ from itself (found by fuzz/report_diff). */
START_TEST(diff_refuses_cells_it_cannot_tell_apart) {
  json_t *twice = json_pack("{s:i, s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}]}", "derpcheck_report", 2,
                            "scenarios", "id", "a::b", "cells", "column", "current", "verdict",
                            "match", "column", "current", "verdict", "mismatch");
  json_t *no_column = json_pack("{s:i, s:[{s:s, s:[{s:s}]}]}", "derpcheck_report", 2, "scenarios",
                                "id", "a::b", "cells", "verdict", "match");
  char *buf = NULL, why[256] = "";
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_int_eq(report_diff(twice, twice, f, why, sizeof why), -1);
  ck_assert_ptr_nonnull(strstr(why, "a::b [current] appears twice"));
  ck_assert_int_eq(report_diff(no_column, no_column, f, why, sizeof why), -1);
  ck_assert_ptr_nonnull(strstr(why, "scenarios[0].cells[0] lacks its id, column or verdict"));
  fclose(f);
  free(buf);
  json_decref(twice);
  json_decref(no_column);
}
END_TEST

START_TEST(diff_reads_a_written_report) {
  struct report r;
  sample(&r);
  char *text = render(&r, 2);
  json_t *doc = json_loads(text, 0, NULL);
  int rc;
  char *out = diff(doc, doc, &rc);
  ck_assert_int_eq(rc, 0);
  ck_assert_ptr_nonnull(strstr(out, "(2 cells before, 2 now)"));
  free(out);
  json_decref(doc);
  free(text);
  report_free(&r);
}
END_TEST

static Suite *render_suite(void) {
  Suite *s = suite_create("report_render");
  TCase *tc = tcase_create("render");
  tcase_add_test(tc, html_escapes_every_hostile_string);
  tcase_add_test(tc, html_has_one_cell_per_report_cell);
  tcase_add_test(tc, markdown_escapes_pipes_and_markup);
  tcase_add_test(tc, diff_reports_worse_better_new_gone);
  tcase_add_test(tc, diff_reads_a_written_report);
  tcase_add_test(tc, diff_refuses_cells_it_cannot_tell_apart);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(render_suite)
