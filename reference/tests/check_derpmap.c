#include "derp/derpmap.h"

#include <string.h>

#include "check_main.h"

#define HASH "2a5b5ce2a1f1a4e0d5a3c1b7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1f4ff"

static struct derp_map *parse_ok(const char *text) {
  struct derp_map *m = NULL;
  struct derp_map_error err;
  bool ok = derp_map_parse(text, strlen(text), &m, &err);
  ck_assert_msg(ok, "parse failed: %s", err.msg);
  ck_assert_ptr_nonnull(m);
  return m;
}

static void parse_fails_with(const char *text, const char *want) {
  struct derp_map *m = (struct derp_map *)1;
  struct derp_map_error err;
  ck_assert(!derp_map_parse(text, strlen(text), &m, &err));
  ck_assert_ptr_null(m);
  ck_assert_str_eq(err.msg, want);
}

static struct derp_map *flags_ok(const char *text) {
  struct derp_map *m = NULL;
  struct derp_map_error err;
  bool ok = derp_map_parse_node_flags(text, strlen(text), &m, &err);
  ck_assert_msg(ok, "flags failed: %s", err.msg);
  return m;
}

static void flags_fail_with(const char *text, const char *want) {
  struct derp_map *m = NULL;
  struct derp_map_error err;
  ck_assert(!derp_map_parse_node_flags(text, strlen(text), &m, &err));
  ck_assert_ptr_null(m);
  ck_assert_str_eq(err.msg, want);
}

/* One node in region 900, with the given extra node fields. */
static void node_field_fails(const char *fields, const char *want) {
  char text[512];
  snprintf(text, sizeof text, "{\"Regions\":{\"900\":{\"RegionID\":900,\"Nodes\":[{%s}]}}}",
           fields);
  parse_fails_with(text, want);
}

static const char full_map[] =
    "{\"Regions\":{"
    "\"1\":{\"RegionID\":1,\"RegionCode\":\"nyc\",\"RegionName\":\"New York "
    "City\",\"Latitude\":40.7,"
    "\"Longitude\":-74.0,\"Nodes\":[{\"Name\":\"1f\",\"RegionID\":1,\"HostName\":\"derp1f."
    "tailscale.com\","
    "\"IPv4\":\"199.38.181.104\",\"IPv6\":\"2607:f740:f::bc\",\"CanPort80\":true}]},"
    "\"900\":{\"RegionID\":900,\"RegionCode\":\"home\",\"RegionName\":\"Home\",\"Avoid\":true,"
    "\"Nodes\":["
    "{\"Name\":\"a\",\"RegionID\":900,\"HostName\":\"1.2.3.4\",\"CertName\":\"sha256-raw:" HASH
    "\","
    "\"DERPPort\":8443,\"STUNPort\":-1,\"InsecureForTests\":true},"
    "{\"Name\":\"b\",\"RegionID\":900,\"HostName\":\"stun.example\",\"STUNOnly\":true,\"STUNPort\":"
    "3479}]}},"
    "\"OmitDefaultRegions\":true,\"HomeParams\":{\"RegionScore\":{\"1\":2.0}}}";

/* ---------------- valid inputs ---------------- */

/* A NUL byte after a number: jansson reads past it, Go's json.Unmarshal
 * does not (Go 1.26's text). */
START_TEST(derpmap_refuses_nul_as_go_does) {
  static const char text[] = "{\"Regions\": {\"1\": {\"RegionID\": 1\0}}}";
  struct derp_map *m = NULL;
  struct derp_map_error err = {{0}};
  ck_assert(!derp_map_parse(text, sizeof text - 1, &m, &err));
  ck_assert_ptr_null(m);
  ck_assert_str_eq(err.msg,
                   "invalid JSON at line 1, column 33: invalid character '\\x00' after "
                   "object key:value pair");
}
END_TEST

START_TEST(full_map_parses) {
  struct derp_map *m = parse_ok(full_map);
  ck_assert(m->omit_default_regions);
  ck_assert_uint_eq(m->region_count, 2);
  const struct derp_region *r1 = &m->regions[0], *r9 = &m->regions[1];
  ck_assert_int_eq(r1->id, 1);
  ck_assert_str_eq(r1->code, "nyc");
  ck_assert_str_eq(r1->name, "New York City");
  ck_assert(!r1->avoid);
  ck_assert_uint_eq(r1->node_count, 1);
  ck_assert_str_eq(r1->nodes[0].ipv6, "2607:f740:f::bc");
  ck_assert(r1->nodes[0].can_port80);
  ck_assert_str_eq(r1->nodes[0].cert_name, "");
  ck_assert_int_eq(r9->id, 900);
  ck_assert(r9->avoid);
  ck_assert_uint_eq(r9->node_count, 2);
  const struct derp_node *a = &r9->nodes[0];
  ck_assert_str_eq(a->name, "a");
  ck_assert_str_eq(a->host_name, "1.2.3.4");
  ck_assert_str_eq(a->cert_name, "sha256-raw:" HASH);
  ck_assert_int_eq(a->derp_port, 8443);
  ck_assert_int_eq(a->stun_port, -1);
  ck_assert(a->insecure_for_tests);
  ck_assert(r9->nodes[1].stun_only);
  derp_map_free(m);
}
END_TEST

START_TEST(regions_sorted_by_id) {
  struct derp_map *m =
      parse_ok("{\"Regions\":{\"902\":{\"Nodes\":[]},\"17\":{\"Nodes\":[]},\"900\":{}}}");
  ck_assert_uint_eq(m->region_count, 3);
  ck_assert_int_eq(m->regions[0].id, 17);
  ck_assert_int_eq(m->regions[1].id, 900);
  ck_assert_int_eq(m->regions[2].id, 902);
  ck_assert_int_eq(m->regions[1].region_id, 0); /* as written: absent */
  ck_assert_uint_eq(m->regions[1].node_count, 0);
  derp_map_free(m);
}
END_TEST

START_TEST(single_region_parses) {
  struct derp_map *m = parse_ok(
      "{\"RegionID\":901,\"RegionCode\":\"lab\",\"Nodes\":[{\"HostName\":\"a.lab\"},"
      "{\"HostName\":\"b.lab\",\"DERPPort\":444}]}");
  ck_assert_uint_eq(m->region_count, 1);
  ck_assert_int_eq(m->regions[0].id, 901);
  ck_assert_str_eq(m->regions[0].code, "lab");
  ck_assert_uint_eq(m->regions[0].node_count, 2);
  ck_assert_str_eq(m->regions[0].nodes[1].host_name, "b.lab");
  derp_map_free(m);
}
END_TEST

START_TEST(single_node_parses) {
  struct derp_map *m =
      parse_ok("{\"Name\":\"n\",\"RegionID\":905,\"HostName\":\"derp.example.com\"}");
  ck_assert_uint_eq(m->region_count, 1);
  ck_assert_int_eq(m->regions[0].id, 905);
  ck_assert_str_eq(m->regions[0].code, "");
  ck_assert_uint_eq(m->regions[0].node_count, 1);
  ck_assert_str_eq(m->regions[0].nodes[0].host_name, "derp.example.com");
  derp_map_free(m);
}
END_TEST

START_TEST(single_node_without_region_gets_900) {
  struct derp_map *m = parse_ok("{\"HostName\":\"h\"}");
  ck_assert_int_eq(m->regions[0].id, DERP_CUSTOM_REGION_ID);
  ck_assert_int_eq(m->regions[0].nodes[0].region_id, 0);
  derp_map_free(m);
}
END_TEST

START_TEST(snippet_line_parses) {
  struct derp_map *m = parse_ok(
      "  "
      "{\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"1.2.3.4\",\"CertName\":\"sha256-"
      "raw:" HASH "\"}\n");
  ck_assert_int_eq(m->regions[0].id, 900);
  const struct derp_node *n = &m->regions[0].nodes[0];
  ck_assert_str_eq(n->name, "custom");
  ck_assert_str_eq(n->host_name, "1.2.3.4");
  ck_assert_str_eq(n->cert_name, "sha256-raw:" HASH);
  derp_map_free(m);
}
END_TEST

START_TEST(two_line_log_message_parses) {
  struct derp_map *m = parse_ok(
      "2025/03/04 13:41:12 Using self-signed certificate for IP address \"1.2.3.4\". Configure it "
      "in DERPMap "
      "using: (https://tailscale.com/s/custom-derp)\n"
      "  "
      "{\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"1.2.3.4\",\"CertName\":\"sha256-"
      "raw:" HASH "\"}\n");
  ck_assert_str_eq(m->regions[0].nodes[0].cert_name, "sha256-raw:" HASH);
  ck_assert_int_eq(m->regions[0].id, 900);
  derp_map_free(m);
}
END_TEST

START_TEST(log_message_error_counts_user_lines) {
  parse_fails_with(
      "2025/03/04 13:41:12 Using self-signed certificate ...\n  {\"Name\":\"custom\",}\n",
      "invalid JSON at line 2, column 20: invalid character '}' looking for beginning of "
      "object key string");
}
END_TEST

START_TEST(node_flags_parse) {
  struct derp_map *m = flags_ok("HostName=127.0.0.1,DERPPort=443,CertName=sha256-raw:" HASH
                                ",IPv4=127.0.0.1,IPv6=none,STUNPort=-1,InsecureForTests=true\n");
  ck_assert_int_eq(m->regions[0].id, 900);
  const struct derp_node *n = &m->regions[0].nodes[0];
  ck_assert_str_eq(n->host_name, "127.0.0.1");
  ck_assert_int_eq(n->derp_port, 443);
  ck_assert_str_eq(n->cert_name, "sha256-raw:" HASH);
  ck_assert_str_eq(n->ipv4, "127.0.0.1");
  ck_assert_str_eq(n->ipv6, "none");
  ck_assert_int_eq(n->stun_port, -1);
  ck_assert(n->insecure_for_tests);
  derp_map_free(m);
}
END_TEST

START_TEST(node_flags_region_id) {
  struct derp_map *m = flags_ok("RegionID=901,HostName=h,Name=x");
  ck_assert_int_eq(m->regions[0].id, 901);
  ck_assert_str_eq(m->regions[0].nodes[0].name, "x");
  derp_map_free(m);
}
END_TEST

START_TEST(node_flags_unknown_key) {
  flags_fail_with("HostName=h,hostname=g",
                  "unknown key \"hostname\" (keys are case-sensitive: Name, RegionID, HostName, "
                  "CertName, IPv4, "
                  "IPv6, STUNPort, STUNOnly, DERPPort, InsecureForTests, STUNTestIP, CanPort80)");
}
END_TEST

START_TEST(node_flags_bad_values_named_like_json) {
  flags_fail_with("HostName=h,DERPPort=x", "DERPPort: expected integer 0..65535, got \"x\"");
  flags_fail_with("HostName=h,DERPPort=65536", "DERPPort: expected integer 0..65535, got 65536");
  flags_fail_with("HostName=h,InsecureForTests=yes",
                  "InsecureForTests: expected true or false, got \"yes\"");
  flags_fail_with("DERPPort=1", "HostName: missing required field");
  flags_fail_with("HostName=", "HostName: must not be empty");
}
END_TEST

START_TEST(node_flags_malformed_pairs) {
  flags_fail_with("HostName=h,HostName=g", "duplicate key \"HostName\"");
  flags_fail_with("HostName=h,,DERPPort=1", "empty Key=value pair at byte 11");
  flags_fail_with("HostName=h,", "empty Key=value pair at byte 11");
  flags_fail_with("HostName", "\"HostName\": expected Key=value");
  flags_fail_with("  \n", "no Key=value pairs given");
}
END_TEST

/* `--snippet LINE --node DERPPort=P`: the flags override, the rest of the
 * snippet's node stays. */
START_TEST(node_flags_onto_snippet_keep_unset_fields) {
  struct derp_map *base = parse_ok(
      "  {\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"127.0.0.1\","
      "\"CertName\":\"sha256-raw:" HASH "\"}\n");
  struct derp_map *m = NULL;
  struct derp_map_error e;
  const char *flags = "DERPPort=4443,STUNPort=-1";
  ck_assert_msg(
      derp_map_parse_node_flags_onto(&base->regions[0].nodes[0], flags, strlen(flags), &m, &e),
      "%s", e.msg);
  const struct derp_node *n = &m->regions[0].nodes[0];
  ck_assert_str_eq(n->name, "custom");
  ck_assert_str_eq(n->host_name, "127.0.0.1");
  ck_assert_str_eq(n->cert_name, "sha256-raw:" HASH);
  ck_assert_int_eq(n->derp_port, 4443);
  ck_assert_int_eq(n->stun_port, -1);
  ck_assert_int_eq(m->regions[0].id, 900);
  derp_map_free(m);
  derp_map_free(base);
}
END_TEST

START_TEST(node_flags_onto_snippet_flag_wins) {
  struct derp_map *base =
      parse_ok("{\"HostName\":\"127.0.0.1\",\"CertName\":\"sha256-raw:" HASH "\",\"DERPPort\":1}");
  struct derp_map *m = NULL;
  struct derp_map_error e;
  const char *flags = "CertName=sha256-raw:ABC,DERPPort=2";
  ck_assert(
      derp_map_parse_node_flags_onto(&base->regions[0].nodes[0], flags, strlen(flags), &m, &e));
  ck_assert_str_eq(m->regions[0].nodes[0].cert_name, "sha256-raw:ABC");
  ck_assert_int_eq(m->regions[0].nodes[0].derp_port, 2);
  derp_map_free(m);
  /* Duplicates inside the flags stay an error even with a base. */
  flags = "DERPPort=2,DERPPort=3";
  ck_assert(
      !derp_map_parse_node_flags_onto(&base->regions[0].nodes[0], flags, strlen(flags), &m, &e));
  ck_assert_str_eq(e.msg, "duplicate key \"DERPPort\"");
  ck_assert_ptr_null(m);
  derp_map_free(base);
}
END_TEST

START_TEST(unknown_fields_ignored) {
  struct derp_map *m = parse_ok(
      "{\"Regions\":{\"900\":{\"Future\":[1,{\"x\":null}],\"Nodes\":[{\"HostName\":\"h\","
      "\"NewThing\":7}]}},"
      "\"Extra\":\"y\"}");
  ck_assert_str_eq(m->regions[0].nodes[0].host_name, "h");
  derp_map_free(m);
}
END_TEST

/* HomeParams is kept by nobody here, but tailscale decodes it
 * (DERPHomeParams{RegionScore map[int]float64}) and refuses the map when a
 * score is malformed: so does the parser (json-oracle, running tailcfg's
 * json.Unmarshal, found these accepted). */
START_TEST(home_params_checked_as_go_decodes_them) {
  derp_map_free(
      parse_ok("{\"HomeParams\":{\"regionscore\":{\"+900\":1.5,\"-3\":null,\"7\":1e2},"
               "\"Other\":[]},\"Regions\":{}}"));
  derp_map_free(parse_ok("{\"HomeParams\":null,\"Regions\":{}}"));
  derp_map_free(parse_ok("{\"HomeParams\":{\"RegionScore\":null},\"Regions\":{}}"));
  parse_fails_with("{\"HomeParams\":{\"RegionScore\":{\"x\":1}},\"Regions\":{}}",
                   "HomeParams.RegionScore.x: region key must be an integer");
  parse_fails_with("{\"HomeParams\":{\"RegionScore\":{\"900\":\"1\"}},\"Regions\":{}}",
                   "HomeParams.RegionScore.900: expected number, got \"1\"");
  parse_fails_with("{\"HomeParams\":{\"RegionScore\":[]},\"Regions\":{}}",
                   "HomeParams.RegionScore: expected object, got an array");
  parse_fails_with("{\"HomeParams\":[],\"Regions\":{}}",
                   "HomeParams: expected object, got an array");
}
END_TEST

START_TEST(field_names_fold_case_like_go) {
  struct derp_map *m =
      parse_ok("{\"regions\":{\"900\":{\"nodes\":[{\"hostname\":\"h\",\"derpport\":1}]}}}");
  ck_assert_str_eq(m->regions[0].nodes[0].host_name, "h");
  ck_assert_int_eq(m->regions[0].nodes[0].derp_port, 1);
  derp_map_free(m);
}
END_TEST

START_TEST(null_fields_are_absent) {
  struct derp_map *m =
      parse_ok("{\"HostName\":\"h\",\"CertName\":null,\"DERPPort\":null,\"STUNOnly\":null}");
  ck_assert_str_eq(m->regions[0].nodes[0].cert_name, "");
  ck_assert_int_eq(m->regions[0].nodes[0].derp_port, 0);
  derp_map_free(m);
}
END_TEST

/* ---------------- rejected inputs ---------------- */

START_TEST(duplicate_keys_rejected) {
  parse_fails_with("{\"HostName\":\"a\",\"HostName\":\"b\"}",
                   "invalid JSON at line 1, column 26: duplicate object key near '\"HostName\"'");
}
END_TEST

START_TEST(case_folded_duplicate_rejected) {
  node_field_fails("\"HostName\":\"a\",\"hostname\":\"b\"",
                   "Regions.900.Nodes[0].HostName: duplicate key (\"HostName\" and \"hostname\")");
}
END_TEST

START_TEST(trailing_garbage_rejected) {
  parse_fails_with(
      "{\"HostName\":\"a\"} x",
      "invalid JSON at line 1, column 18: invalid character 'x' after top-level value");
  parse_fails_with(
      "{\"HostName\":\"a\"}{}",
      "invalid JSON at line 1, column 17: invalid character '{' after top-level value");
}
END_TEST

START_TEST(bad_utf8_rejected) {
  struct derp_map *m = NULL;
  struct derp_map_error err;
  const char text[] = "{\"HostName\":\"a\xff\"}";
  ck_assert(!derp_map_parse(text, sizeof text - 1, &m, &err));
  ck_assert_ptr_null(m);
  ck_assert_ptr_nonnull(strstr(err.msg, "unable to decode byte 0xff"));
}
END_TEST

START_TEST(missing_hostname_named) {
  node_field_fails("\"Name\":\"x\"", "Regions.900.Nodes[0].HostName: missing required field");
  node_field_fails("\"HostName\":\"\"", "Regions.900.Nodes[0].HostName: must not be empty");
  node_field_fails("\"HostName\":null", "Regions.900.Nodes[0].HostName: missing required field");
}
END_TEST

START_TEST(derp_port_wrong_type) {
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":\"x\"",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got \"x\"");
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":443.0",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got 443.0");
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":true",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got true");
}
END_TEST

START_TEST(derp_port_out_of_range) {
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":65536",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got 65536");
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":-1",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got -1");
}
END_TEST

START_TEST(stun_port_range) {
  node_field_fails("\"HostName\":\"h\",\"STUNPort\":-2",
                   "Regions.900.Nodes[0].STUNPort: expected integer -1..65535, got -2");
  struct derp_map *m = parse_ok("{\"HostName\":\"h\",\"STUNPort\":65535}");
  ck_assert_int_eq(m->regions[0].nodes[0].stun_port, 65535);
  derp_map_free(m);
}
END_TEST

START_TEST(string_field_wrong_type) {
  node_field_fails("\"HostName\":5", "Regions.900.Nodes[0].HostName: expected string, got 5");
  node_field_fails("\"HostName\":\"h\",\"CertName\":[\"x\"]",
                   "Regions.900.Nodes[0].CertName: expected string, got an array");
}
END_TEST

START_TEST(int_field_wrong_type) {
  node_field_fails("\"HostName\":\"h\",\"RegionID\":\"900\"",
                   "Regions.900.Nodes[0].RegionID: expected integer, got \"900\"");
}
END_TEST

START_TEST(bool_field_wrong_type) {
  node_field_fails("\"HostName\":\"h\",\"STUNOnly\":1",
                   "Regions.900.Nodes[0].STUNOnly: expected true or false, got 1");
  parse_fails_with("{\"Regions\":{\"7\":{\"Avoid\":\"yes\"}}}",
                   "Regions.7.Avoid: expected true or false, got \"yes\"");
}
END_TEST

START_TEST(number_field_wrong_type) {
  parse_fails_with("{\"Regions\":{\"7\":{\"Latitude\":\"N\"}}}",
                   "Regions.7.Latitude: expected number, got \"N\"");
}
END_TEST

START_TEST(long_value_shown_cut) {
  node_field_fails(
      "\"HostName\":\"h\",\"DERPPort\":"
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
      "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got "
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
}
END_TEST

START_TEST(control_bytes_escaped_in_errors) {
  node_field_fails("\"HostName\":\"h\",\"DERPPort\":\"\\u001b[31m\"",
                   "Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got \"\\u001B[31m\"");
}
END_TEST

START_TEST(string_too_long) {
  char text[600];
  char big[300];
  memset(big, 'a', 256);
  big[256] = '\0';
  snprintf(text, sizeof text, "{\"HostName\":\"%s\"}", big);
  parse_fails_with(text, "HostName: string too long (256 bytes, limit 255)");
  big[255] = '\0';
  snprintf(text, sizeof text, "{\"HostName\":\"%s\"}", big);
  derp_map_free(parse_ok(text));
}
END_TEST

START_TEST(nodes_wrong_shape) {
  parse_fails_with("{\"Regions\":{\"900\":{\"Nodes\":{}}}}",
                   "Regions.900.Nodes: expected array, got an object");
  parse_fails_with("{\"Regions\":{\"900\":{\"Nodes\":[{\"HostName\":\"h\"},null]}}}",
                   "Regions.900.Nodes[1]: expected object, got null");
  parse_fails_with("{\"Nodes\":[7]}", "Nodes[0]: expected object, got 7");
}
END_TEST

START_TEST(regions_wrong_shape) {
  parse_fails_with("{\"Regions\":[]}", "Regions: expected object, got an array");
  parse_fails_with("{\"Regions\":{\"900\":\"x\"}}", "Regions.900: expected object, got \"x\"");
  parse_fails_with("{\"Regions\":{\"abc\":{}}}", "Regions.abc: region key must be an integer");
  parse_fails_with("{\"Regions\":{\"\\u001b[2J\u00e9\":{}}}",
                   "Regions.?[2J??: region key must be an integer");
  parse_fails_with("{\"Regions\":{\"99999999999999999999\":{}}}",
                   "Regions.99999999999999999999: region key must be an integer");
}
END_TEST

START_TEST(duplicate_region_ids_rejected) {
  parse_fails_with("{\"Regions\":{\"900\":{},\"0900\":{}}}",
                   "Regions: duplicate region id 900 (keys \"900\" and \"0900\")");
}
END_TEST

START_TEST(region_id_must_match_key) {
  parse_fails_with("{\"Regions\":{\"900\":{\"RegionID\":901}}}",
                   "Regions.900.RegionID: 901 does not match the region key 900");
}
END_TEST

START_TEST(top_level_shape) {
  parse_fails_with("[1]", "expected a JSON object, got an array");
  parse_fails_with("{\"foo\":1}",
                   "expected a DERPMap (with \"Regions\"), a region (with \"Nodes\") or a node "
                   "(with \"HostName\"), found none of these fields");
  parse_fails_with(
      "",
      "no JSON object found (expected a DERPMap, region or node, or derper's \"Configure it in "
      "DERPMap using:\" lines)");
  parse_fails_with("hello {\"HostName\":\"h\"}",
                   "no JSON object found (expected a DERPMap, region or node, or "
                   "derper's \"Configure it in DERPMap using:\" lines)");
}
END_TEST

START_TEST(input_too_large) {
  static char big[DERP_MAP_MAX_INPUT + 2];
  memset(big, ' ', sizeof big);
  struct derp_map *m = NULL;
  struct derp_map_error err;
  ck_assert(!derp_map_parse(big, sizeof big, &m, &err));
  ck_assert_str_eq(err.msg, "input too large (1048578 bytes, limit 1048576)");
  ck_assert(!derp_map_parse_node_flags(big, sizeof big, &m, &err));
  ck_assert_str_eq(err.msg, "input too large (1048578 bytes, limit 1048576)");
}
END_TEST

/* ---------------- region selection ---------------- */

START_TEST(region_by_id) {
  struct derp_map *m = parse_ok(full_map);
  ck_assert_ptr_eq(derp_map_find_region(m, "900"), &m->regions[1]);
  ck_assert_ptr_eq(derp_map_find_region(m, "+1"), &m->regions[0]);
  ck_assert_ptr_eq(derp_map_find_region(m, "0900"), &m->regions[1]);
  ck_assert_ptr_null(derp_map_find_region(m, "2"));
  derp_map_free(m);
  /* the whole int64 range, as strconv.Atoi reads it: INT64_MIN's magnitude
   * is one past INT64_MAX (found by the derpmap_policy campaign) */
  m = parse_ok(
      "{\"Regions\":{\"-9223372036854775808\":{\"RegionID\":-9223372036854775808},"
      "\"9223372036854775807\":{\"RegionID\":9223372036854775807}}}");
  ck_assert_ptr_eq(derp_map_find_region(m, "-9223372036854775808"), &m->regions[0]);
  ck_assert_ptr_eq(derp_map_find_region(m, "-009223372036854775808"), &m->regions[0]);
  ck_assert_ptr_eq(derp_map_find_region(m, "9223372036854775807"), &m->regions[1]);
  ck_assert_ptr_null(derp_map_find_region(m, "9223372036854775808")); /* a code, none has it */
  ck_assert_ptr_null(derp_map_find_region(m, "1_0")); /* Atoi takes no underscores */
  derp_map_free(m);
}
END_TEST

START_TEST(region_by_code) {
  struct derp_map *m = parse_ok(full_map);
  ck_assert_ptr_eq(derp_map_find_region(m, "home"), &m->regions[1]);
  ck_assert_ptr_eq(derp_map_find_region(m, "nyc"), &m->regions[0]);
  ck_assert_ptr_null(derp_map_find_region(m, "NYC"));
  ck_assert_ptr_null(derp_map_find_region(m, " 900"));
  derp_map_free(m);
}
END_TEST

/* ---------------- ports and dial plans ---------------- */

static struct derp_node node_with(const char *host, const char *ipv4, const char *ipv6) {
  struct derp_node n = {.name = "n",
                        .host_name = (char *)host,
                        .cert_name = "",
                        .ipv4 = (char *)ipv4,
                        .ipv6 = (char *)ipv6,
                        .stun_test_ip = ""};
  return n;
}

START_TEST(ports_default) {
  struct derp_node n = node_with("h", "", "");
  ck_assert_uint_eq(derp_node_derp_port(&n), 443);
  ck_assert_int_eq(derp_node_stun_port(&n), 3478);
  n.derp_port = 8443;
  n.stun_port = -1;
  ck_assert_uint_eq(derp_node_derp_port(&n), 8443);
  ck_assert_int_eq(derp_node_stun_port(&n), -1);
}
END_TEST

START_TEST(dial_dns_name_both_families) {
  struct derp_node n = node_with("derp.example.com", "", "");
  struct derp_dial_target t[2];
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV4);
  ck_assert_str_eq(t[0].host, "derp.example.com");
  ck_assert(!t[0].is_literal);
  ck_assert_uint_eq(t[0].port, 443);
  ck_assert_int_eq(t[1].family, DERP_FAMILY_IPV6);
  ck_assert_str_eq(t[1].host, "derp.example.com");
}
END_TEST

START_TEST(dial_ip_overrides) {
  struct derp_node n = node_with("derp.example.com", "192.0.2.1", "2001:db8::1");
  n.derp_port = 8443;
  struct derp_dial_target t[2];
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert_str_eq(t[0].host, "192.0.2.1");
  ck_assert(t[0].is_literal);
  ck_assert_uint_eq(t[0].port, 8443);
  ck_assert_str_eq(t[1].host, "2001:db8::1");
  ck_assert_int_eq(t[1].family, DERP_FAMILY_IPV6);
}
END_TEST

START_TEST(dial_wrong_family_value_disables) {
  struct derp_dial_target t[2];
  struct derp_node n = node_with("derp.example.com", "none", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV6);
  n = node_with("derp.example.com", "2001:db8::1", "192.0.2.1");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 0);
  n = node_with("derp.example.com", "::ffff:192.0.2.1", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV6);
}
END_TEST

START_TEST(dial_ip_literal_hostname_own_family) {
  struct derp_dial_target t[2];
  struct derp_node n = node_with("127.0.0.1", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV4);
  ck_assert_str_eq(t[0].host, "127.0.0.1");
  ck_assert(t[0].is_literal);
  n = node_with("::1", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV6);
  n = node_with("127.0.0.1", "", "::1");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert_str_eq(t[1].host, "::1");
}
END_TEST

START_TEST(dial_bracketed_ipv6_hostname) {
  struct derp_dial_target t[2];
  struct derp_node n = node_with("[::1]", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV6);
  ck_assert_str_eq(t[0].host, "::1");
  ck_assert(t[0].is_literal);
  struct derp_tls_plan p = derp_node_tls_plan(&n);
  ck_assert_str_eq(p.sni, "");
}
END_TEST

START_TEST(dial_zoned_ipv6) {
  struct derp_dial_target t[2];
  struct derp_node n = node_with("fe80::1%eth0", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_str_eq(t[0].host, "fe80::1%eth0");
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "");
  /* netip.ParseAddr (Go 1.26): a zone of any length is fine ... */
  char host[DERP_MAP_MAX_STRING + 1];
  snprintf(host, sizeof host, "fe80::1%%%s",
           "a-zone-name-that-makes-the-literal-longer-than-sixty-four-bytes");
  n = node_with(host, "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 1);
  ck_assert_int_eq(t[0].family, DERP_FAMILY_IPV6);
  ck_assert(t[0].is_literal);
  /* ... but it must not be empty, and IPv4 takes none: both are names. */
  n = node_with("fe80::1%", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert(!t[0].is_literal);
  n = node_with("192.0.2.1%eth0", "", "");
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert(!t[0].is_literal);
}
END_TEST

START_TEST(region_plan_skips_stun_only) {
  struct derp_map *m = parse_ok(
      "{\"Nodes\":[{\"HostName\":\"stun.example\",\"STUNOnly\":true},{\"HostName\":\"10.0.0.1\","
      "\"DERPPort\":1},"
      "{\"HostName\":\"d.example\",\"IPv6\":\"none\"}]}");
  struct derp_dial_step steps[8];
  size_t n = derp_region_dial_plan(&m->regions[0], steps, 8);
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(steps[0].node_index, 1);
  ck_assert_str_eq(steps[0].target.host, "10.0.0.1");
  ck_assert_uint_eq(steps[0].target.port, 1);
  ck_assert_uint_eq(steps[1].node_index, 2);
  ck_assert_int_eq(steps[1].target.family, DERP_FAMILY_IPV4);
  ck_assert_uint_eq(steps[1].target.port, 443);
  ck_assert_uint_eq(derp_region_dial_plan(&m->regions[0], steps, 1), 2); /* counts past cap */
  derp_map_free(m);
}
END_TEST

/* ---------------- TLS plan: SNI and CertName dispatch ---------------- */

START_TEST(sni_rules) {
  struct derp_node n = node_with("1.2.3.4", "", "");
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "");
  n.host_name = "derp.example.com.";
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "derp.example.com");
  n.host_name = "derp.example.com";
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "derp.example.com");
}
END_TEST

/* Go's hostnameInSNI cuts at the *last* '%' (unless it is the first byte)
 * and then needs a plain IP, so an IPv4 literal with a "zone" sends no SNI
 * either, although it does not dial as a literal (netip.ParseAddr rejects
 * zones on IPv4). */
START_TEST(sni_zone_rules_follow_go) {
  struct derp_node n = node_with("1.2.3.4%x", "", "");
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "");
  struct derp_dial_target t[2];
  ck_assert_uint_eq(derp_node_dial_targets(&n, t), 2);
  ck_assert(!t[0].is_literal);
  n.host_name = "fe80::1%a%b";
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "fe80::1%a%b");
  n.host_name = "%1.2.3.4";
  ck_assert_str_eq(derp_node_tls_plan(&n).sni, "%1.2.3.4");
}
END_TEST

START_TEST(certname_pin_keeps_case) {
  struct derp_node n = node_with("1.2.3.4", "", "");
  n.cert_name = "sha256-raw:2A5B5CE2";
  struct derp_tls_plan p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_PIN);
  ck_assert_str_eq(p.pin_hex, "2A5B5CE2");
  ck_assert_ptr_null(p.verify_name);
  ck_assert_str_eq(p.sni, "");
}
END_TEST

START_TEST(certname_pin_keeps_whitespace) {
  struct derp_node n = node_with("1.2.3.4", "", "");
  n.cert_name = "sha256-raw: abc \n";
  struct derp_tls_plan p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_PIN);
  ck_assert_str_eq(p.pin_hex, " abc \n");
  n.cert_name = " sha256-raw:abc"; /* not the prefix: a name to verify as */
  p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_NAME);
  ck_assert_str_eq(p.verify_name, " sha256-raw:abc");
  n.cert_name = "SHA256-RAW:abc"; /* the prefix is case-sensitive */
  ck_assert_int_eq(derp_node_tls_plan(&n).verify, DERP_TLS_VERIFY_NAME);
}
END_TEST

START_TEST(certname_other_name_fronts) {
  struct derp_node n = node_with("front.example.com", "", "");
  n.cert_name = "real.example.net";
  struct derp_tls_plan p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_NAME);
  ck_assert_str_eq(p.verify_name, "real.example.net");
  ck_assert_str_eq(p.sni, "front.example.com");
  ck_assert_ptr_null(p.pin_hex);
}
END_TEST

START_TEST(certname_empty_is_ca) {
  struct derp_node n = node_with("derp.example.com", "", "");
  struct derp_tls_plan p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_CA);
  ck_assert_ptr_null(p.verify_name);
  ck_assert_str_eq(p.sni, "derp.example.com"); /* the name CA verification checks */
  n = node_with("10.0.0.1", "", "");
  p = derp_node_tls_plan(&n);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_CA);
  ck_assert_str_eq(p.sni, ""); /* chain only, no name (§4.1) */
}
END_TEST

START_TEST(certname_equal_to_hostname_is_ca) {
  struct derp_node n = node_with("derp.example.com", "", "");
  n.cert_name = "derp.example.com";
  ck_assert_int_eq(derp_node_tls_plan(&n).verify, DERP_TLS_VERIFY_CA);
}
END_TEST

START_TEST(insecure_for_tests_keeps_pin) {
  struct derp_map *m =
      flags_ok("HostName=127.0.0.1,CertName=sha256-raw:" HASH ",InsecureForTests=true");
  struct derp_tls_plan p = derp_node_tls_plan(&m->regions[0].nodes[0]);
  ck_assert(p.insecure_for_tests);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_PIN);
  ck_assert_str_eq(p.pin_hex, HASH);
  derp_map_free(m);
}
END_TEST

/* Before v1.82 a pin is just a name: SetConfigExpectedCert (§4.3) verifies
 * the chain for "sha256-raw:<hex>" (upstream v1.80.3, observed). */
START_TEST(certname_pin_is_a_name_before_1_82) {
  struct derp_node n = node_with("127.0.0.1", "", "");
  n.cert_name = "sha256-raw:" HASH;
  struct derp_tls_plan p = derp_node_tls_plan_for(&n, DERP_CERTNAME_NAME_ONLY);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_NAME);
  ck_assert_str_eq(p.verify_name, "sha256-raw:" HASH);
  ck_assert_ptr_null(p.pin_hex);
  ck_assert_str_eq(p.sni, "");
  n.insecure_for_tests = true; /* the CertName check still runs */
  p = derp_node_tls_plan_for(&n, DERP_CERTNAME_NAME_ONLY);
  ck_assert(p.insecure_for_tests);
  ck_assert_int_eq(p.verify, DERP_TLS_VERIFY_NAME);
}
END_TEST

/* Only the pin differs between the two rule sets. */
START_TEST(certname_rules_agree_without_pin) {
  static const char *const certs[] = {"", "derp.example.com", "real.example.net", " sha256-raw:x"};
  struct derp_node n = node_with("derp.example.com", "", "");
  for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
    n.cert_name = (char *)certs[i];
    struct derp_tls_plan a = derp_node_tls_plan_for(&n, DERP_CERTNAME_PIN_AWARE);
    struct derp_tls_plan b = derp_node_tls_plan_for(&n, DERP_CERTNAME_NAME_ONLY);
    ck_assert_int_eq(a.verify, b.verify);
    ck_assert_ptr_eq(a.verify_name, b.verify_name);
    ck_assert_str_eq(a.sni, b.sni);
    ck_assert_int_eq(derp_node_tls_plan(&n).verify, a.verify);
  }
  n.cert_name = "sha256-raw:" HASH;
  ck_assert_int_eq(derp_node_tls_plan(&n).verify, DERP_TLS_VERIFY_PIN); /* the default knows pins */
}
END_TEST

static Suite *derpmap_suite(void) {
  Suite *s = suite_create("derpmap");
  TCase *valid = tcase_create("valid");
  tcase_add_test(valid, full_map_parses);
  tcase_add_test(valid, home_params_checked_as_go_decodes_them);
  tcase_add_test(valid, regions_sorted_by_id);
  tcase_add_test(valid, single_region_parses);
  tcase_add_test(valid, single_node_parses);
  tcase_add_test(valid, single_node_without_region_gets_900);
  tcase_add_test(valid, snippet_line_parses);
  tcase_add_test(valid, two_line_log_message_parses);
  tcase_add_test(valid, log_message_error_counts_user_lines);
  tcase_add_test(valid, node_flags_parse);
  tcase_add_test(valid, node_flags_region_id);
  tcase_add_test(valid, node_flags_onto_snippet_keep_unset_fields);
  tcase_add_test(valid, node_flags_onto_snippet_flag_wins);
  tcase_add_test(valid, unknown_fields_ignored);
  tcase_add_test(valid, field_names_fold_case_like_go);
  tcase_add_test(valid, null_fields_are_absent);
  suite_add_tcase(s, valid);

  TCase *bad = tcase_create("rejected");
  tcase_add_test(bad, node_flags_unknown_key);
  tcase_add_test(bad, node_flags_bad_values_named_like_json);
  tcase_add_test(bad, node_flags_malformed_pairs);
  tcase_add_test(bad, duplicate_keys_rejected);
  tcase_add_test(bad, case_folded_duplicate_rejected);
  tcase_add_test(bad, trailing_garbage_rejected);
  tcase_add_test(bad, bad_utf8_rejected);
  tcase_add_test(bad, missing_hostname_named);
  tcase_add_test(bad, derp_port_wrong_type);
  tcase_add_test(bad, derp_port_out_of_range);
  tcase_add_test(bad, stun_port_range);
  tcase_add_test(bad, string_field_wrong_type);
  tcase_add_test(bad, int_field_wrong_type);
  tcase_add_test(bad, bool_field_wrong_type);
  tcase_add_test(bad, number_field_wrong_type);
  tcase_add_test(bad, long_value_shown_cut);
  tcase_add_test(bad, control_bytes_escaped_in_errors);
  tcase_add_test(bad, string_too_long);
  tcase_add_test(bad, nodes_wrong_shape);
  tcase_add_test(bad, regions_wrong_shape);
  tcase_add_test(bad, duplicate_region_ids_rejected);
  tcase_add_test(bad, region_id_must_match_key);
  tcase_add_test(bad, top_level_shape);
  tcase_add_test(bad, input_too_large);
  suite_add_tcase(s, bad);

  TCase *sel = tcase_create("select");
  tcase_add_test(sel, region_by_id);
  tcase_add_test(sel, region_by_code);
  suite_add_tcase(s, sel);

  TCase *dial = tcase_create("dial");
  tcase_add_test(dial, ports_default);
  tcase_add_test(dial, dial_dns_name_both_families);
  tcase_add_test(dial, dial_ip_overrides);
  tcase_add_test(dial, dial_wrong_family_value_disables);
  tcase_add_test(dial, dial_ip_literal_hostname_own_family);
  tcase_add_test(dial, dial_bracketed_ipv6_hostname);
  tcase_add_test(dial, dial_zoned_ipv6);
  tcase_add_test(dial, region_plan_skips_stun_only);
  suite_add_tcase(s, dial);

  TCase *tls = tcase_create("tls");
  tcase_add_test(tls, sni_rules);
  tcase_add_test(tls, sni_zone_rules_follow_go);
  tcase_add_test(tls, certname_pin_keeps_case);
  tcase_add_test(tls, certname_pin_keeps_whitespace);
  tcase_add_test(tls, certname_other_name_fronts);
  tcase_add_test(tls, certname_empty_is_ca);
  tcase_add_test(tls, certname_equal_to_hostname_is_ca);
  tcase_add_test(tls, insecure_for_tests_keeps_pin);
  tcase_add_test(tls, certname_pin_is_a_name_before_1_82);
  tcase_add_test(tls, certname_rules_agree_without_pin);
  tcase_add_test(tls, derpmap_refuses_nul_as_go_does);
  suite_add_tcase(s, tls);
  return s;
}

CHECK_MAIN(derpmap_suite)
