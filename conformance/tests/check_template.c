#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"

static struct tvars vars;

static void setup(void) {
  tvars_init(&vars);
  ck_assert(tvars_set(&vars, "addr", "127.0.0.1"));
  ck_assert(tvars_set(&vars, "port", "0"));
  ck_assert(tvars_set(&vars, "spaced", "a b  c"));
  ck_assert(tvars_set(&vars, "empty", ""));
  const char *words[] = {"--key-file", "/tmp/k", "--peer", "ab"};
  ck_assert(tvars_set_list(&vars, "mode_args", words, 4));
  ck_assert(tvars_set_list(&vars, "none", NULL, 0));
}

static void teardown(void) { tvars_free(&vars); }

static char **expand_ok(const char *tmpl, size_t want_n) {
  char **argv = NULL;
  char err[256] = "";
  ck_assert_msg(template_expand(tmpl, &vars, &argv, err, sizeof err), "%s", err);
  size_t n = 0;
  while (argv[n] != NULL) n++;
  ck_assert_uint_eq(n, want_n);
  return argv;
}

START_TEST(words_and_placeholders_inside_words) {
  char **a = expand_ok("relay -a {addr}:{port}  --x", 4);
  ck_assert_str_eq(a[0], "relay");
  ck_assert_str_eq(a[1], "-a");
  ck_assert_str_eq(a[2], "127.0.0.1:0");
  ck_assert_str_eq(a[3], "--x");
  template_argv_free(a);
}
END_TEST

START_TEST(value_with_spaces_stays_one_word) {
  char **a = expand_ok("prog {spaced}", 2);
  ck_assert_str_eq(a[1], "a b  c");
  template_argv_free(a);
}
END_TEST

START_TEST(empty_value_is_an_empty_argument) {
  char **a = expand_ok("prog --ca-file {empty} --x", 4);
  ck_assert_str_eq(a[2], "");
  template_argv_free(a);
}
END_TEST

START_TEST(quotes_group_without_a_shell) {
  char **a = expand_ok("sh -c 'echo $HOME; {addr}' \"x y\"z", 4);
  ck_assert_str_eq(a[2], "echo $HOME; 127.0.0.1");
  ck_assert_str_eq(a[3], "x yz");
  template_argv_free(a);
}
END_TEST

START_TEST(list_placeholder_becomes_words) {
  char **a = expand_ok("client {mode_args} --json", 6);
  ck_assert_str_eq(a[1], "--key-file");
  ck_assert_str_eq(a[4], "ab");
  ck_assert_str_eq(a[5], "--json");
  template_argv_free(a);
  a = expand_ok("client {none} --json", 2); /* zero words */
  ck_assert_str_eq(a[1], "--json");
  template_argv_free(a);
  a = expand_ok("client '{mode_args}'", 2); /* quoted: one word */
  ck_assert_str_eq(a[1], "--key-file /tmp/k --peer ab");
  template_argv_free(a);
}
END_TEST

START_TEST(unknown_placeholder_is_an_error) {
  char **a = NULL;
  char err[256] = "";
  ck_assert(!template_expand("relay {adr}", &vars, &a, err, sizeof err));
  ck_assert_str_eq(err, "unknown placeholder {adr}");
  ck_assert_ptr_null(a);
  ck_assert(!template_expand("relay {addr", &vars, &a, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "unterminated placeholder"));
}
END_TEST

START_TEST(bad_quotes_and_empty_templates) {
  char **a = NULL;
  char err[256] = "";
  ck_assert(!template_expand("relay 'open", &vars, &a, err, sizeof err));
  ck_assert_str_eq(err, "unterminated ' quote in template");
  ck_assert(!template_expand("   ", &vars, &a, err, sizeof err));
  ck_assert_str_eq(err, "empty command template");
}
END_TEST

START_TEST(doubled_braces_are_literal) {
  char err[64];
  char *s = template_subst("{{\"a\":{port}}}", &vars, err, sizeof err);
  ck_assert_str_eq(s, "{\"a\":0}");
  free(s);
}
END_TEST

START_TEST(subst_fills_expected_texts) {
  char err[64] = "";
  tvars_set(&vars, "cert:leaf:not_after", "2026-03-04 13:41:12 +0000 UTC");
  char *s = template_subst("cert expired {cert:leaf:not_after}", &vars, err, sizeof err);
  ck_assert_str_eq(s, "cert expired 2026-03-04 13:41:12 +0000 UTC");
  free(s);
  ck_assert_ptr_null(template_subst("{nope}", &vars, err, sizeof err));
  ck_assert_str_eq(err, "unknown placeholder {nope}");
}
END_TEST

START_TEST(set_replaces_and_get_reads) {
  ck_assert_str_eq(tvars_get(&vars, "addr"), "127.0.0.1");
  ck_assert(tvars_set(&vars, "addr", "::1"));
  ck_assert_str_eq(tvars_get(&vars, "addr"), "::1");
  ck_assert_ptr_null(tvars_get(&vars, "missing"));
  ck_assert_ptr_null(tvars_get(&vars, "mode_args")); /* list, no scalar */
}
END_TEST

START_TEST(unavailable_placeholder_says_why) {
  char err[160] = "";
  ck_assert(tvars_set_unavailable(&vars, "snippet:sha256", "no pin printed"));
  ck_assert_ptr_null(tvars_get(&vars, "snippet:sha256"));
  ck_assert_ptr_null(template_subst("sha256-raw:{snippet:sha256}", &vars, err, sizeof err));
  ck_assert_str_eq(err, "{snippet:sha256} is unavailable: no pin printed");
  char **a = NULL;
  ck_assert(!template_expand("client {snippet:sha256}", &vars, &a, err, sizeof err));
  ck_assert_str_eq(err, "{snippet:sha256} is unavailable: no pin printed");
  ck_assert_ptr_null(a);
  /* a later value replaces it, and the reverse */
  ck_assert(tvars_set(&vars, "snippet:sha256", "ab"));
  char *s = template_subst("{snippet:sha256}", &vars, err, sizeof err);
  ck_assert_str_eq(s, "ab");
  free(s);
  ck_assert(tvars_set_unavailable(&vars, "snippet:sha256", "gone"));
  ck_assert_ptr_null(template_subst("{snippet:sha256}", &vars, err, sizeof err));
  ck_assert_str_eq(err, "{snippet:sha256} is unavailable: gone");
}
END_TEST

START_TEST(copy_keeps_values_lists_and_unavailable) {
  ck_assert(tvars_set_unavailable(&vars, "snippet:sha256", "no pin printed"));
  struct tvars c;
  ck_assert(tvars_copy(&vars, &c));
  ck_assert_uint_eq(c.n, vars.n);
  ck_assert_str_eq(tvars_get(&c, "addr"), "127.0.0.1");
  char err[160] = "";
  char *s = template_subst("{mode_args}|{none}|{empty}", &c, err, sizeof err);
  ck_assert_str_eq(s, "--key-file /tmp/k --peer ab||");
  free(s);
  ck_assert_ptr_null(template_subst("{snippet:sha256}", &c, err, sizeof err));
  ck_assert_str_eq(err, "{snippet:sha256} is unavailable: no pin printed");
  tvars_free(&c);
}
END_TEST

static Suite *template_suite(void) {
  Suite *s = suite_create("template");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, words_and_placeholders_inside_words);
  tcase_add_test(tc, value_with_spaces_stays_one_word);
  tcase_add_test(tc, empty_value_is_an_empty_argument);
  tcase_add_test(tc, quotes_group_without_a_shell);
  tcase_add_test(tc, list_placeholder_becomes_words);
  tcase_add_test(tc, unknown_placeholder_is_an_error);
  tcase_add_test(tc, bad_quotes_and_empty_templates);
  tcase_add_test(tc, doubled_braces_are_literal);
  tcase_add_test(tc, subst_fills_expected_texts);
  tcase_add_test(tc, set_replaces_and_get_reads);
  tcase_add_test(tc, unavailable_placeholder_says_why);
  tcase_add_test(tc, copy_keeps_values_lists_and_unavailable);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(template_suite)
