#include "harness/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

/* Render into a string with open_memstream; caller frees. Not inlined:
   gcc -O2 otherwise mistakes the result for a pointer to the local `buf`
   variable (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *render_matrix(const struct report *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  report_write_matrix(r, f);
  fclose(f);
  return buf;
}

__attribute__((noinline)) static char *render_junit(const struct report *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert(report_write_junit(r, f));
  fclose(f);
  return buf;
}

static json_t *render_json(const struct report *r) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert(report_write_json(r, f));
  fclose(f);
  json_error_t e;
  json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES, &e);
  ck_assert_msg(j != NULL, "invalid JSON: %s\n%s", e.text, buf);
  free(buf);
  return j;
}

__attribute__((noinline)) static char *escape(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  report_xml_escape(f, s);
  fclose(f);
  return buf;
}

/* Short forms of report_add_row/report_add_cell for the tests. */
static bool add_row(struct report *r, const char *id, const char *desc, double ms,
                    double floor_ms) {
  struct report_row row = {
      .id = (char *)id, .description = (char *)desc, .ms = ms, .floor_ms = floor_ms};
  return report_add_row(r, &row);
}

static bool add_cell(struct report *r, const char *scenario, const char *column,
                     enum report_verdict v, const char *expected, const char *actual,
                     const char *detail, double ms) {
  struct report_cell c = {.scenario = (char *)scenario,
                          .column = (char *)column,
                          .verdict = v,
                          .expected = (char *)expected,
                          .actual = (char *)actual,
                          .detail = (char *)detail,
                          .ms = ms};
  return report_add_cell(r, &c);
}

/* The pin::two-certs row of the teeth matrix: 1.82 fails as upstream did. */
static void two_certs(struct report *r) {
  report_init(r);
  r->jobs = 2;
  r->seed = 7;
  r->wall_ms = 1234.5;
  ck_assert(add_row(r, "pin::two-certs", "leaf + metacert", 40, 12));
  ck_assert(add_cell(r, "pin::two-certs", "tailscale-1.82", REPORT_MATCH,
                     "fail: unexpected multiple certs presented",
                     "fail: unexpected multiple certs presented", NULL, 10));
  ck_assert(add_cell(r, "pin::two-certs", "current", REPORT_MISMATCH, "pass (fast)", "pass (slow)",
                     "path: expected fast, got slow", 11));
}

START_TEST(counts_and_ok) {
  struct report r;
  report_init(&r);
  ck_assert(!report_ok(&r)); /* no cells is not a pass */
  ck_assert(add_row(&r, "a::b", NULL, 1, 0));
  ck_assert(add_cell(&r, "a::b", "current", REPORT_MATCH, "pass", "pass", NULL, 1));
  ck_assert(report_ok(&r));
  ck_assert(
      add_cell(&r, "a::b", "tailscale-1.84", REPORT_SKIPPED, "pass", NULL, "relay cannot", 0));
  ck_assert(report_ok(&r)); /* skipped: counted apart, fails nothing */
  ck_assert_uint_eq(report_count(&r, REPORT_MATCH), 1);
  ck_assert_uint_eq(report_count(&r, REPORT_SKIPPED), 1);
  ck_assert_uint_eq(r.n_columns, 2);
  report_free(&r);
  ck_assert_uint_eq(r.n_cells, 0);
}
END_TEST

START_TEST(declared_columns_keep_their_order) {
  struct report r;
  report_init(&r);
  ck_assert(report_add_column(&r, "tailscale-1.82"));
  ck_assert(report_add_column(&r, "current"));
  ck_assert(report_add_column(&r, "tailscale-1.82")); /* once only */
  add_row(&r, "relay::x", NULL, 1, 0);
  add_cell(&r, "relay::x", "relay", REPORT_MATCH, "ok", "ok", NULL, 1);
  add_cell(&r, "relay::x", "current", REPORT_MATCH, "pass", "pass", NULL, 1);
  ck_assert_uint_eq(r.n_columns, 3);
  ck_assert_str_eq(r.columns[0], "tailscale-1.82");
  ck_assert_str_eq(r.columns[1], "current");
  ck_assert_str_eq(r.columns[2], "relay");
  char *m = render_matrix(&r);
  /* a column with no cell in a row shows blank, not a mark */
  ck_assert_ptr_nonnull(strstr(m, "relay::x"));
  ck_assert_ptr_null(strstr(m, "! "));
  free(m);
  report_free(&r);
}
END_TEST

START_TEST(median_of_rows) {
  struct report r;
  report_init(&r);
  ck_assert(report_median_ms(&r) == 0);
  add_row(&r, "a", NULL, 30, 0);
  add_row(&r, "b", NULL, 10, 0);
  add_row(&r, "c", NULL, 20, 0);
  ck_assert(report_median_ms(&r) == 20);
  add_row(&r, "d", NULL, 100, 0);
  ck_assert(report_median_ms(&r) == 25);
  report_free(&r);
}
END_TEST

START_TEST(matrix_shows_marks_and_mismatch_reason) {
  struct report r;
  two_certs(&r);
  char *m = render_matrix(&r);
  /* header: scenario, then profiles in order of first appearance */
  char *h1 = strstr(m, "tailscale-1.82");
  char *h2 = strstr(m, "current");
  ck_assert(h1 != NULL && h2 != NULL && h1 < h2);
  ck_assert_ptr_nonnull(strstr(m, "pin::two-certs"));
  ck_assert_ptr_nonnull(strstr(m, "✓ fail: unexpected"));
  ck_assert_ptr_nonnull(strstr(m, "✗ pass (slow) ≠ want pass (fast)"));
  ck_assert_ptr_nonnull(strstr(m, "✗ pin::two-certs [current]"));
  ck_assert_ptr_nonnull(strstr(m, "why:      path: expected fast, got slow"));
  ck_assert_ptr_nonnull(strstr(m,
                               "2 cells: 1 match, 0 known deviation, 1 mismatch, 0 error, "
                               "0 skipped; 0 stale declarations"));
  ck_assert_ptr_nonnull(strstr(m, "wall 1234.5 ms (jobs 2)"));
  ck_assert_ptr_nonnull(strstr(m, "per-scenario median 40.0 ms"));
  free(m);
  report_free(&r);
}
END_TEST

/* Display columns up to byte offset `at` of line (wide CJK: 2, combining: 0). */
static size_t width_to(const char *line, size_t at) {
  size_t w = 0;
  for (size_t i = 0; i < at;) {
    unsigned char b = (unsigned char)line[i];
    size_t n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    uint32_t cp = b < 0x80 ? b : b < 0xe0 ? b & 0x1f : b < 0xf0 ? b & 0x0f : b & 0x07;
    for (size_t k = 1; k < n; k++) cp = cp << 6 | ((unsigned char)line[i + k] & 0x3f);
    w += (cp >= 0x4e00 && cp <= 0x9fff) ? 2 : (cp >= 0x300 && cp <= 0x36f) ? 0 : 1;
    i += n;
  }
  return w;
}

/* Every row's time column starts at the same display column, whatever the
   cells hold: marks (3 bytes, 1 column), CJK (3 bytes, 2 columns),
   combining accents (0 columns), a wide text cut in the middle. */
START_TEST(matrix_aligns_by_display_width) {
  struct report r;
  report_init(&r);
  const char *ids[] = {"a::ascii", "b::marks", "c::wide", "d::combining", "e::cut-wide"};
  const char *act[] = {"pass (fast)", "fail: ≠ ≈ ✓", "fail: 证书无效", "fail: e\u0301e\u0301",
                       "fail: 证书证书证书证书证书证书证书证书证书证书证书证书证书证书证书证书"};
  for (size_t i = 0; i < 5; i++) {
    char a[256];
    /* the combining one: write U+0301 as UTF-8 */
    const char *src = act[i];
    size_t o = 0;
    for (const char *p = src; *p && o < sizeof a - 3; p++) {
      if (strncmp(p, "\\u0301", 6) == 0) {
        a[o++] = (char)0xcc;
        a[o++] = (char)0x81;
        p += 5;
      } else {
        a[o++] = *p;
      }
    }
    a[o] = '\0';
    ck_assert(add_row(&r, ids[i], "d", 10, 1));
    ck_assert(add_cell(&r, ids[i], "current", REPORT_MATCH, a, a, NULL, 1));
  }
  char *m = render_matrix(&r);
  size_t want = 0, rows = 0;
  for (char *line = m; line != NULL && *line != '\0';) {
    char *nl = strchr(line, '\n');
    if (nl == NULL) break;
    *nl = '\0';
    char *t = strstr(line, "  10.0  ");
    if (t != NULL) {
      size_t at = width_to(line, (size_t)(t - line));
      if (rows++ == 0) want = at;
      ck_assert_msg(at == want, "row %zu: time at column %zu, want %zu: %s", rows, at, want, line);
    }
    line = nl + 1;
  }
  ck_assert_uint_eq(rows, 5);
  free(m);
  report_free(&r);
}
END_TEST

START_TEST(matrix_rows_show_time_and_floor) {
  struct report r;
  two_certs(&r);
  char *m = render_matrix(&r);
  ck_assert_ptr_nonnull(strstr(m, "time ms  floor ms"));
  ck_assert_ptr_nonnull(strstr(m, "   40.0      12.0\n"));
  free(m);
  report_free(&r);
}
END_TEST

START_TEST(matrix_cuts_long_cells_and_escapes_controls) {
  struct report r;
  report_init(&r);
  add_row(&r, "x::y", NULL, 1, 0);
  char longtxt[200];
  memset(longtxt, 'z', sizeof longtxt - 1);
  longtxt[sizeof longtxt - 1] = '\0';
  add_cell(&r, "x::y", "current", REPORT_MATCH, longtxt, longtxt, NULL, 1);
  add_row(&r, "x::z", NULL, 1, 0);
  add_cell(&r, "x::z", "current", REPORT_ERROR, "pass", "bad\x1b[31m\xff",
           "relay exited: code 1\nstderr tail", 1);
  char *m = render_matrix(&r);
  ck_assert_ptr_nonnull(strstr(m, "zzz…"));
  ck_assert_ptr_null(strstr(m, longtxt)); /* never the whole 199 chars */
  ck_assert_ptr_null(strchr(m, '\x1b'));
  ck_assert_ptr_nonnull(strstr(m, "bad\\x1b[31m\\xff"));
  ck_assert_ptr_nonnull(strstr(m, "! x::z [current]"));
  ck_assert_ptr_nonnull(strstr(m, "code 1\n      stderr tail"));
  free(m);
  report_free(&r);
}
END_TEST

START_TEST(json_has_cells_and_summary) {
  struct report r;
  two_certs(&r);
  json_t *j = render_json(&r);
  ck_assert_int_eq(json_integer_value(json_object_get(j, "derpcheck_report")), 2);
  ck_assert_str_eq(json_string_value(json_object_get(j, "seed")), "7");
  ck_assert(json_is_false(json_object_get(j, "ok")));
  json_t *sum = json_object_get(j, "summary");
  ck_assert_int_eq(json_integer_value(json_object_get(sum, "mismatch")), 1);
  json_t *sc = json_array_get(json_object_get(j, "scenarios"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(sc, "id")), "pin::two-certs");
  ck_assert(json_real_value(json_object_get(sc, "floor_ms")) == 12);
  json_t *cells = json_object_get(sc, "cells");
  ck_assert_uint_eq(json_array_size(cells), 2);
  json_t *c1 = json_array_get(cells, 1);
  ck_assert_str_eq(json_string_value(json_object_get(c1, "verdict")), "mismatch");
  ck_assert_str_eq(json_string_value(json_object_get(c1, "detail")),
                   "path: expected fast, got slow");
  ck_assert(json_is_null(json_object_get(json_array_get(cells, 0), "detail")));
  json_decref(j);
  report_free(&r);
}
END_TEST

START_TEST(json_survives_invalid_utf8) {
  struct report r;
  report_init(&r);
  add_row(&r, "a::b", "d", 1, 0);
  add_cell(&r, "a::b", "current", REPORT_MISMATCH, "pass",
           "fail: \xc3\x28 bad \xed\xa0\x80 surrogate", "é ok", 1);
  json_t *j = render_json(&r); /* asserts it parses */
  json_t *c = json_array_get(
      json_object_get(json_array_get(json_object_get(j, "scenarios"), 0), "cells"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(c, "actual")),
                   "fail: \\xc3( bad \\xed\\xa0\\x80 surrogate");
  ck_assert_str_eq(json_string_value(json_object_get(c, "detail")), "é ok");
  json_decref(j);
  report_free(&r);
}
END_TEST

START_TEST(xml_escape_metacharacters) {
  char *e = escape("a<b>&\"c\"'d'");
  ck_assert_str_eq(e, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  free(e);
  e = escape("line1\nline2\ttab");
  ck_assert_str_eq(e, "line1&#10;line2&#9;tab");
  free(e);
}
END_TEST

START_TEST(xml_escape_forbidden_chars_and_bad_utf8) {
  char *e = escape("nul\x01 esc\x1b ff\xff ok✓ \xef\xbf\xbe");
  /* U+FFFE (ef bf be) is valid UTF-8 but not an XML character */
  ck_assert_str_eq(e, "nul\\x01 esc\\x1b ff\\xff ok✓ \\xef\\xbf\\xbe");
  free(e);
  e = escape("\xf0\x9f\x94\x91 DERP key"); /* 4-byte sequence kept */
  ck_assert_str_eq(e, "\xf0\x9f\x94\x91 DERP key");
  free(e);
  e = escape("overlong \xc0\xaf");
  ck_assert_str_eq(e, "overlong \\xc0\\xaf");
  free(e);
}
END_TEST

START_TEST(junit_structure_and_counts) {
  struct report r;
  two_certs(&r);
  add_row(&r, "stun::x", NULL, 5, 1);
  add_cell(&r, "stun::x", "relay", REPORT_ERROR, "pass", NULL, "relay <exited> & \"code\" 1", 5);
  add_cell(&r, "stun::x", "current", REPORT_SKIPPED, "pass", NULL, NULL, 0);
  char *x = render_junit(&r);
  ck_assert_ptr_nonnull(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  ck_assert_ptr_nonnull(
      strstr(x, "tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"1.234\""));
  ck_assert_ptr_nonnull(strstr(x,
                               "<testcase classname=\"pin::two-certs\" name=\"tailscale-1.82\" "
                               "time=\"0.010\"/>"));
  ck_assert_ptr_nonnull(strstr(x,
                               "<failure type=\"mismatch\" message=\"path: expected fast, got "
                               "slow\">expected: pass (fast)&#10;actual: pass (slow)</failure>"));
  ck_assert_ptr_nonnull(strstr(x,
                               "<error type=\"error\" message=\"relay &lt;exited&gt; &amp; "
                               "&quot;code&quot; 1\">"));
  ck_assert_ptr_nonnull(strstr(x, "<skipped message=\"skipped\"/>"));
  ck_assert_ptr_nonnull(strstr(x, "</testsuite>\n</testsuites>\n"));
  free(x);
  report_free(&r);
}
END_TEST

/* Two relays, a real client column judged by a profile, a known deviation,
   a stale declaration and a skipped row. */
static void two_relays(struct report *r) {
  report_init(r);
  r->by_relay = true;
  struct report_row rows[] = {
      {.id = "pin::two-certs", .relay = "reference", .ms = 10},
      {.id = "pin::one-cert", .relay = "reference", .ms = 10},
      {.id = "pin::two-certs", .relay = "derper@v1.102.5", .ms = 10},
      {.id = "pin::one-cert", .relay = "derper@v1.102.5"},
  };
  for (size_t i = 0; i < 4; i++) ck_assert(report_add_row(r, &rows[i]));
  struct report_cell cells[] = {
      {.scenario = "pin::two-certs",
       .relay = "reference",
       .column = "ts@v1.80.3",
       .profile = "tailscale-1.80",
       .verdict = REPORT_KNOWN,
       .expected = "fail: pin mismatch",
       .actual = "fail: x509: not valid",
       .detail = "reason: expected ...",
       .deviation = "tailscale.json[0]: v1.80 knew no sha256-raw"},
      {.scenario = "pin::one-cert",
       .relay = "reference",
       .column = "ts@v1.80.3",
       .profile = "tailscale-1.80",
       .verdict = REPORT_MATCH,
       .expected = "pass",
       .actual = "pass (slow)",
       .stale = "tailscale.json[1] (pin::one-cert): now matches"},
      {.scenario = "pin::two-certs",
       .relay = "derper@v1.102.5",
       .column = "ts@v1.80.3",
       .profile = "tailscale-1.80",
       .verdict = REPORT_MATCH,
       .expected = "pass",
       .actual = "pass (fast)"},
      {.scenario = "pin::one-cert",
       .relay = "derper@v1.102.5",
       .column = "ts@v1.80.3",
       .profile = "tailscale-1.80",
       .verdict = REPORT_SKIPPED,
       .actual = "skipped (metacert_off)",
       .detail = "relay derper@v1.102.5 cannot do metacert_off: always on"},
      {.scenario = "pin::one-cert",
       .relay = "derper@v1.102.5",
       .column = "relay",
       .verdict = REPORT_SKIPPED,
       .actual = "skipped (metacert_off)",
       .detail = "relay derper@v1.102.5 cannot do metacert_off: always on"},
  };
  for (size_t i = 0; i < 5; i++) ck_assert(report_add_cell(r, &cells[i]));
}

START_TEST(matrix_groups_relays_and_lists_deviations) {
  struct report r;
  two_relays(&r);
  char *m = render_matrix(&r);
  char *s1 = strstr(m, "── relay reference ──\n");
  char *s2 = strstr(m, "── relay derper@v1.102.5 ──\n");
  ck_assert(s1 != NULL && s2 != NULL && s1 < s2);
  ck_assert_ptr_nonnull(strstr(m, "≈ fail: x509: not valid"));
  ck_assert_ptr_nonnull(strstr(m, "✗ stale decl.: pass (slow)"));
  ck_assert_ptr_nonnull(strstr(m, "- skipped (metacert_off)"));
  ck_assert_ptr_nonnull(strstr(m,
                               "known deviations (declared upstream behaviour):\n"
                               "≈ pin::two-certs [ts@v1.80.3] on reference\n"
                               "    expected: fail: pin mismatch (profile tailscale-1.80)\n"
                               "    actual:   fail: x509: not valid\n"
                               "    why:      tailscale.json[0]: v1.80 knew no sha256-raw\n"));
  ck_assert_ptr_nonnull(strstr(m,
                               "stale declarations:\n✗ stale declaration: tailscale.json[1] "
                               "(pin::one-cert): now matches\n"));
  /* the reason once, then the rows (and their columns) it skipped */
  ck_assert_ptr_nonnull(strstr(m,
                               "skipped:\n- relay derper@v1.102.5 cannot do metacert_off: always "
                               "on\n    pin::one-cert on derper@v1.102.5 [ts@v1.80.3, relay]\n"));
  ck_assert_ptr_nonnull(strstr(m,
                               "5 cells: 2 match, 1 known deviation, 0 mismatch, 0 error, "
                               "2 skipped; 1 stale declarations"));
  free(m);
  /* a known deviation is OK, a stale declaration is not */
  ck_assert(!report_ok(&r));
  free(r.cells[1].stale);
  r.cells[1].stale = NULL;
  ck_assert(report_ok(&r));
  report_free(&r);
}
END_TEST

START_TEST(single_default_relay_has_no_sections) {
  struct report r;
  two_certs(&r);
  char *m = render_matrix(&r);
  ck_assert_ptr_null(strstr(m, "── relay"));
  ck_assert_ptr_null(strstr(m, " on "));
  free(m);
  report_free(&r);
}
END_TEST

START_TEST(json_and_junit_carry_column_profile_relay) {
  struct report r;
  two_relays(&r);
  json_t *j = render_json(&r);
  ck_assert(json_is_false(json_object_get(j, "ok")));
  json_t *sum = json_object_get(j, "summary");
  ck_assert_int_eq(json_integer_value(json_object_get(sum, "known_deviation")), 1);
  ck_assert_int_eq(json_integer_value(json_object_get(sum, "stale")), 1);
  json_t *relays = json_object_get(j, "relays");
  ck_assert_uint_eq(json_array_size(relays), 2);
  ck_assert_str_eq(json_string_value(json_array_get(relays, 1)), "derper@v1.102.5");
  json_t *sc = json_array_get(json_object_get(j, "scenarios"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(sc, "relay")), "reference");
  json_t *c = json_array_get(json_object_get(sc, "cells"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(c, "column")), "ts@v1.80.3");
  ck_assert_str_eq(json_string_value(json_object_get(c, "profile")), "tailscale-1.80");
  ck_assert_str_eq(json_string_value(json_object_get(c, "verdict")), "known deviation");
  ck_assert_str_eq(json_string_value(json_object_get(c, "deviation")),
                   "tailscale.json[0]: v1.80 knew no sha256-raw");
  /* the relay column is judged by itself */
  sc = json_array_get(json_object_get(j, "scenarios"), 3);
  c = json_array_get(json_object_get(sc, "cells"), 1);
  ck_assert_str_eq(json_string_value(json_object_get(c, "profile")), "relay");
  json_decref(j);
  char *x = render_junit(&r);
  ck_assert_ptr_nonnull(strstr(x, "tests=\"5\" failures=\"1\" errors=\"0\" skipped=\"2\""));
  ck_assert_ptr_nonnull(strstr(x,
                               "<testcase classname=\"pin::two-certs [reference]\" "
                               "name=\"ts@v1.80.3\""));
  ck_assert_ptr_nonnull(strstr(x, "<property name=\"profile\" value=\"tailscale-1.80\"/>"));
  ck_assert_ptr_nonnull(strstr(x, "<property name=\"relay\" value=\"derper@v1.102.5\"/>"));
  ck_assert_ptr_nonnull(strstr(x,
                               "<system-out>known deviation: "
                               "tailscale.json[0]: v1.80 knew no "
                               "sha256-raw"));
  ck_assert_ptr_nonnull(strstr(x,
                               "<failure type=\"stale\" "
                               "message=\"stale declaration: "
                               "tailscale.json[1]"));
  free(x);
  report_free(&r);
}
END_TEST

static Suite *report_suite(void) {
  Suite *s = suite_create("report");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, counts_and_ok);
  tcase_add_test(tc, matrix_aligns_by_display_width);
  tcase_add_test(tc, declared_columns_keep_their_order);
  tcase_add_test(tc, median_of_rows);
  tcase_add_test(tc, matrix_shows_marks_and_mismatch_reason);
  tcase_add_test(tc, matrix_rows_show_time_and_floor);
  tcase_add_test(tc, matrix_cuts_long_cells_and_escapes_controls);
  tcase_add_test(tc, json_has_cells_and_summary);
  tcase_add_test(tc, json_survives_invalid_utf8);
  tcase_add_test(tc, xml_escape_metacharacters);
  tcase_add_test(tc, xml_escape_forbidden_chars_and_bad_utf8);
  tcase_add_test(tc, junit_structure_and_counts);
  tcase_add_test(tc, matrix_groups_relays_and_lists_deviations);
  tcase_add_test(tc, single_default_relay_has_no_sections);
  tcase_add_test(tc, json_and_junit_carry_column_profile_relay);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(report_suite)
