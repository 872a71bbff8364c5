/* hujson_standardize and derp_map_parse_policy: the tailnet policy file. */
#include "derp/hujson.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "derp/derpmap.h"

static const char *std_of(const char *in) {
  static char out[4096];
  struct hujson_error err;
  size_t n = strlen(in);
  ck_assert_uint_lt(n, sizeof out);
  ck_assert_msg(hujson_standardize(in, n, out, &err), "%d:%d: %s", err.line, err.column, err.msg);
  out[n] = '\0';
  return out;
}

static struct hujson_error std_fails(const char *in) {
  static char out[4096];
  struct hujson_error err;
  ck_assert(!hujson_standardize(in, strlen(in), out, &err));
  return err;
}

START_TEST(comments_become_spaces_in_place) {
  ck_assert_str_eq(std_of("{\"a\": 1 // one\n}"), "{\"a\": 1       \n}");
  ck_assert_str_eq(std_of("/* x\n y */[1]"), "    \n     [1]");
  ck_assert_str_eq(std_of("[1, /* \"}] */ 2]"), "[1,           2]");
  ck_assert_str_eq(std_of("[1]\r\n// end\r\n"), "[1]\r\n      \r\n");
}
END_TEST

START_TEST(strings_are_not_comments) {
  ck_assert_str_eq(std_of("{\"u\": \"http://x/*y*/\"}"), "{\"u\": \"http://x/*y*/\"}");
  ck_assert_str_eq(std_of("[\"a\\\"//b\", 1,]"), "[\"a\\\"//b\", 1 ]");
  ck_assert_str_eq(std_of("[\"\\\\\", 2,]"), "[\"\\\\\", 2 ]");
}
END_TEST

START_TEST(trailing_commas_go_nested) {
  ck_assert_str_eq(std_of("{\"a\": [1, 2,], \"b\": {\"c\": 3,},}"),
                   "{\"a\": [1, 2 ], \"b\": {\"c\": 3 } }");
  ck_assert_str_eq(std_of("[1, // last\n]"), "[1         \n]");
  /* a comma before a value stays: only the last one before a close goes */
  ck_assert_str_eq(std_of("[1,2]"), "[1,2]");
  /* only a comma after a value trails it: the others are the decoder's to
   * refuse, and standardizing twice changes nothing (found by fuzzing) */
  ck_assert_str_eq(std_of("[1,,]"), "[1,,]");
  ck_assert_str_eq(std_of("[,]"), "[,]");
  ck_assert_str_eq(std_of("{\"a\":1,},,}"), "{\"a\":1 },,}");
}
END_TEST

START_TEST(standard_json_is_unchanged) {
  const char *j = "{\"Regions\": {\"900\": {\"Nodes\": [{\"HostName\": \"a,b}\"}]}}}";
  ck_assert_str_eq(std_of(j), j);
}
END_TEST

START_TEST(errors_point_at_the_start) {
  struct hujson_error e = std_fails("{\n  \"a\": 1 /* never\n closed\n}");
  ck_assert_int_eq(e.line, 2);
  ck_assert_int_eq(e.column, 10);
  ck_assert_str_eq(e.msg, "unterminated block comment");
  e = std_fails("[\"abc");
  ck_assert_int_eq(e.line, 1);
  ck_assert_int_eq(e.column, 2);
  ck_assert_str_eq(e.msg, "unterminated string");
}
END_TEST

/* The edges of the memchr scans: an escape hides a quote or a slash but not a
 * line end, the opener's star closes nothing, a comment may end the text. */
START_TEST(escapes_and_comment_ends) {
  ck_assert_str_eq(std_of("[\"\\\"\\\"\", 1,]"), "[\"\\\"\\\"\", 1 ]");
  ck_assert_str_eq(std_of("[1,/**/]"), "[1     ]");
  ck_assert_str_eq(std_of("[1]/* a ** b */"), "[1]            ");
  ck_assert_str_eq(std_of("[1]//\n"), "[1]  \n");
  /* tailscale's hujson (github.com/tailscale/hujson, run by json-oracle):
   * a line comment needs its line end ("parsing comment: unexpected
   * EOF"), a comment must be UTF-8 ("invalid UTF-8 in comment"), and
   * blanking keeps a comment's tabs */
  struct hujson_error eof = std_fails("{}//,os");
  ck_assert_str_eq(eof.msg, "unterminated line comment");
  ck_assert_int_eq(eof.column, 3);
  ck_assert_str_eq(std_fails("{}\n// \xff\n").msg, "invalid UTF-8 in comment");
  ck_assert_str_eq(std_fails("{} /* \xed\xa0\x80 */").msg, "invalid UTF-8 in comment");
  ck_assert_str_eq(std_of("{} /* \xc3\xa9\t*/"), "{}      \t  ");
  ck_assert_str_eq(std_of("[\"\xff\"]"), "[\"\xff\"]"); /* strings: JSON's scanner decides */
  struct hujson_error e = std_fails("[\"a\\\nb\"]");
  ck_assert_str_eq(e.msg, "unterminated string");
  ck_assert_int_eq(e.column, 2);
  e = std_fails("[\"a\nb\"]");
  ck_assert_str_eq(e.msg, "unterminated string");
  e = std_fails("[\"a\\");
  ck_assert_str_eq(e.msg, "unterminated string");
  e = std_fails("x\r\n\n  /*/");
  ck_assert_str_eq(e.msg, "unterminated block comment");
  ck_assert_int_eq(e.line, 3);
  ck_assert_int_eq(e.column, 3);
}
END_TEST

/* A NUL byte after a literal: jansson reads past it, Go's json.Unmarshal
 * does not (Go 1.26's text). */
START_TEST(policy_refuses_nul_as_go_does) {
  static const char text[] = "{\n  \"derpMap\": {\"OmitDefaultRegions\": true\0}}";
  struct derp_map_error err;
  struct derp_map *m = NULL;
  ck_assert(!derp_map_parse_policy(text, sizeof text - 1, &m, &err));
  ck_assert_ptr_null(m);
  ck_assert_str_eq(err.msg, "2:41: invalid character '\\x00' after object key:value pair");
}
END_TEST

static const char *policy_error(const char *text) {
  static struct derp_map_error err;
  struct derp_map *m = (struct derp_map *)1;
  ck_assert(!derp_map_parse_policy(text, strlen(text), &m, &err));
  ck_assert_ptr_null(m);
  return err.msg;
}

START_TEST(policy_file_gives_its_derp_map) {
  const char *p =
      "// Example/default ACLs\n"
      "{\n"
      "  \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},],\n"
      "  /* our relay */\n"
      "  \"derpMap\": {\"OmitDefaultRegions\": true, \"Regions\": {\"900\": {\"RegionID\": 900,\n"
      "    \"RegionCode\": \"home\", \"Nodes\": [{\"Name\": \"900a\", \"HostName\": "
      "\"127.0.0.1\",},],},},},\n"
      "}\n";
  struct derp_map *m = NULL;
  struct derp_map_error err;
  ck_assert_msg(derp_map_parse_policy(p, strlen(p), &m, &err), "%s", err.msg);
  ck_assert(m->omit_default_regions);
  ck_assert_uint_eq(m->region_count, 1);
  ck_assert_str_eq(m->regions[0].code, "home");
  ck_assert_str_eq(m->regions[0].nodes[0].host_name, "127.0.0.1");
  derp_map_free(m);
  /* the key as Go's encoding/json finds it: case-insensitively */
  const char *lower = "{\"derpmap\": {\"Regions\": {\"1\": {\"Nodes\": [{\"HostName\": \"h\"}]}}}}";
  ck_assert(derp_map_parse_policy(lower, strlen(lower), &m, &err));
  derp_map_free(m);
  /* and "Regions" inside it too, U+017F (long s) folding to s as in Go */
  const char *regions =
      "{\"derpMap\": {\"regions\": {\"1\": {\"Nodes\": [{\"HostName\": \"h\"}]}}}}";
  ck_assert_msg(derp_map_parse_policy(regions, strlen(regions), &m, &err), "%s", err.msg);
  ck_assert_uint_eq(m->region_count, 1);
  derp_map_free(m);
  const char *long_s =
      "{\"derpMap\": {\"Region\u017f\": {\"1\": {\"Nodes\": [{\"HostName\": \"h\"}]}}}}";
  ck_assert_msg(derp_map_parse_policy(long_s, strlen(long_s), &m, &err), "%s", err.msg);
  ck_assert_uint_eq(m->region_count, 1);
  derp_map_free(m);
}
END_TEST

START_TEST(policy_errors_name_line_column_or_path) {
  /* a syntax error after comments: the position is the file's */
  ck_assert_str_eq(policy_error("// a\n/* b\n c */\n{\n  // d\n  \"x\": 1,\n  \"y\" 2\n}"),
                   "7:7: invalid character '2' after object key");
  ck_assert_str_eq(policy_error("{\"acls\": [] /* open"), "1:13: unterminated block comment");
  ck_assert_str_eq(policy_error("{\"acls\": []} junk"),
                   "1:14: invalid character 'j' after top-level value");
  ck_assert_str_eq(policy_error("{\"acls\": []}"), "no \"derpMap\" in the policy file");
  ck_assert_str_eq(policy_error("{\"derpMap\": []}"),
                   "derpMap: expected an object with \"Regions\"");
  ck_assert_str_eq(policy_error("[1]"), "a policy file is a JSON object");
  ck_assert_str_eq(
      policy_error("{\"derpMap\": {\"Regions\": {\"9\": {\"Nodes\": [{\"HostName\": \"h\", "
                   "\"DERPPort\": 70000}]}}}}"),
      "derpMap.Regions.9.Nodes[0].DERPPort: expected integer 0..65535, got 70000");
}
END_TEST

static Suite *hujson_suite(void) {
  Suite *s = suite_create("hujson");
  TCase *tc = tcase_create("hujson");
  tcase_add_test(tc, comments_become_spaces_in_place);
  tcase_add_test(tc, strings_are_not_comments);
  tcase_add_test(tc, trailing_commas_go_nested);
  tcase_add_test(tc, standard_json_is_unchanged);
  tcase_add_test(tc, errors_point_at_the_start);
  tcase_add_test(tc, escapes_and_comment_ends);
  suite_add_tcase(s, tc);
  TCase *pol = tcase_create("policy");
  tcase_add_test(pol, policy_file_gives_its_derp_map);
  tcase_add_test(pol, policy_errors_name_line_column_or_path);
  tcase_add_test(pol, policy_refuses_nul_as_go_does);
  suite_add_tcase(s, pol);
  return s;
}

CHECK_MAIN(hujson_suite)
