#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

static char dir[64];
static char path[128];

static void setup(void) {
  snprintf(dir, sizeof dir, "%s/check_scenario.XXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/s.json", dir);
}

static void teardown(void) {
  char p[160];
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s/%d.json", dir, i);
    unlink(p);
  }
  unlink(path);
  rmdir(dir);
}

static void write_file(const char *p, const char *text) {
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

#define CONNECT_PASS                                                      \
  "\"steps\":[{\"client\":{\"mode\":\"connect\",\"expect\":{\"current\":" \
  "{\"result\":\"pass\"}}}}]"

/* Load `text`; on failure the error must contain `want` (NULL: must load). */
static void load_expect(const char *text, const char *want) {
  write_file(path, text);
  struct scenario s;
  char err[512] = "";
  bool ok = scenario_load(path, &s, err, sizeof err);
  if (want == NULL) {
    ck_assert_msg(ok, "%s", err);
    scenario_free(&s);
  } else {
    ck_assert_msg(!ok, "loaded, expected error containing: %s", want);
    ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
  }
}

START_TEST(minimal_scenario_loads_with_columns) {
  write_file(path,
             "{\"id\":\"a::b\",\"description\":\"d\","
             "\"steps\":[{\"tls_handshakes\":{\"count\":1}},"
             "{\"client\":{\"mode\":\"connect\",\"expect\":{"
             "\"current\":{\"result\":\"pass\"},"
             "\"tailscale-1.82\":{\"result\":\"fail\",\"reason\":\"x\"}"
             "}}}]}");
  struct scenario s;
  char err[256];
  ck_assert_msg(scenario_load(path, &s, err, sizeof err), "%s", err);
  ck_assert_str_eq(s.id, "a::b");
  ck_assert_str_eq(s.layer, "derp"); /* default */
  ck_assert_uint_eq(s.n_columns, 3);
  ck_assert_str_eq(s.columns[0], "tailscale-1.82"); /* canonical order */
  ck_assert_str_eq(s.columns[1], "current");
  ck_assert_str_eq(s.columns[2], "relay");
  /* steps decoded at load: a relay-level step, then a client step with
     the schema's defaults */
  ck_assert_uint_eq(s.n_steps, 2);
  ck_assert_int_eq(s.steps[0].kind, STEP_TLS_HANDSHAKES);
  ck_assert_ptr_nonnull(json_object_get(s.steps[0].json, "tls_handshakes"));
  ck_assert_int_eq(s.steps[1].kind, STEP_CLIENT);
  ck_assert_str_eq(s.steps[1].client.mode, "connect");
  ck_assert_int_eq(s.steps[1].client.timeout_ms, 5000);
  ck_assert(!s.steps[1].client.background);
  ck_assert_ptr_nonnull(json_object_get(s.steps[1].client.expect, "current"));
  scenario_free(&s);
}
END_TEST

/* scenario_parse reads text already in memory as scenario_load reads the
 * file: the same verdicts, the name standing for the path. */
START_TEST(parse_from_text_as_load_reads_the_file) {
  static const char ok[] = "{\"id\":\"a::b\",\"description\":\"d\"," CONNECT_PASS "}";
  struct scenario s;
  char err[256] = "";
  ck_assert_msg(scenario_parse(ok, sizeof ok - 1, "mem.json", &s, err, sizeof err), "%s", err);
  ck_assert_str_eq(s.id, "a::b");
  ck_assert_str_eq(s.path, "mem.json");
  ck_assert_uint_eq(s.n_steps, 1);
  scenario_free(&s);
  static const char bad[] = "{\"id\":\"a::b\",";
  ck_assert(!scenario_parse(bad, sizeof bad - 1, "mem.json", &s, err, sizeof err));
  ck_assert_msg(strncmp(err, "mem.json:1:", 11) == 0, "%s", err);
  static const char unknown[] = "{\"id\":\"a::b\",\"description\":\"d\",\"x\":1," CONNECT_PASS "}";
  ck_assert(!scenario_parse(unknown, sizeof unknown - 1, "mem.json", &s, err, sizeof err));
  ck_assert_msg(strstr(err, "mem.json: (top).x: unknown key") != NULL, "%s", err);
}
END_TEST

START_TEST(duplicate_keys_rejected) {
  load_expect("{\"id\":\"a::b\",\"id\":\"a::c\",\"description\":\"d\"," CONNECT_PASS "}",
              "duplicate object key");
}
END_TEST

START_TEST(unknown_key_named_with_its_path) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"client\":"
      "{\"mode\":\"connect\",\"expect\":{\"current\":{\"result\":"
      "\"pass\",\"reson\":\"x\"}}}}]}",
      "steps[0].client.expect.current.reson: unknown key");
}
END_TEST

START_TEST(enum_values_checked) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"metacert\":"
      "\"yes\"}," CONNECT_PASS "}",
      "relay.metacert: \"yes\" is not one of on|off");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"tls_min\":"
      "\"1.3\",\"tls_max\":\"1.2\"}," CONNECT_PASS "}",
      "tls_min 1.3 is above tls_max 1.2");
}
END_TEST

START_TEST(types_checked) {
  load_expect("{\"id\":\"a::b\",\"description\":7," CONNECT_PASS "}",
              "(top).description: expected string, got integer");
}
END_TEST

START_TEST(fail_needs_a_reason) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"client\":"
      "{\"mode\":\"connect\",\"expect\":{\"current\":{\"result\":"
      "\"fail\"}}}}]}",
      "a fail expectation needs reason or reason_contains");
}
END_TEST

START_TEST(unknown_profile_rejected) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"client\":"
      "{\"mode\":\"connect\",\"expect\":{\"tailscale-1.83\":{\"result\":"
      "\"pass\"}}}}]}",
      "expect.tailscale-1.83: unknown profile");
}
END_TEST

START_TEST(background_step_takes_one_profile) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"client\":"
      "{\"mode\":\"recv\",\"background\":true,\"expect\":{"
      "\"current\":{\"result\":\"pass\"},\"tailscale-1.84\":"
      "{\"result\":\"pass\"}}}}]}",
      "a background client step takes exactly one profile");
}
END_TEST

START_TEST(cert_references_checked) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"leaf\"}],\"chain\":[\"leaf\",\"nope\"]}," CONNECT_PASS "}",
      "relay.chain[1]: not the name of a cert");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"leaf\",\"issuer\":\"ca\"},{\"name\":\"ca\"}],"
      "\"chain\":[\"leaf\"]}," CONNECT_PASS "}",
      "issuer \"ca\" is not a cert defined before this one");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"node\":{\"CertName\":"
      "{\"pin\":\"other\"}}," CONNECT_PASS "}",
      "node.CertName.pin: \"other\" is not a cert");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"root\",\"profile\":\"web-root\"},{\"name\":\"leaf\","
      "\"profile\":\"web-leaf\"}],\"chain\":[\"leaf\"]}," CONNECT_PASS "}",
      "relay.certs[1]: profile web-leaf needs an issuer");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"leaf\",\"uri_sans\":[1]}],\"chain\":[\"leaf\"]}," CONNECT_PASS "}",
      "relay.certs[0].uri_sans[0]: expected string");
  /* without relay.certs, the default cert "leaf" exists */
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"node\":{\"CertName\":"
      "{\"pin\":\"leaf\",\"upper\":true}}," CONNECT_PASS "}",
      NULL);
}
END_TEST

START_TEST(times_and_serials_checked) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"leaf\",\"not_after\":\"+2y\"}],\"chain\":"
      "[\"leaf\"]}," CONNECT_PASS "}",
      "not_after: \"+2y\" is not now");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"relay\":{\"certs\":"
      "[{\"name\":\"leaf\",\"serial\":-1}],\"chain\":"
      "[\"leaf\"]}," CONNECT_PASS "}",
      "serial: expected a non-negative integer");
}
END_TEST

START_TEST(id_format_checked) {
  load_expect("{\"id\":\"pin-one\",\"description\":\"d\"," CONNECT_PASS "}",
              "is not namespace::name");
  load_expect("{\"id\":\"Pin::One\",\"description\":\"d\"," CONNECT_PASS "}",
              "is not namespace::name");
}
END_TEST

START_TEST(raw_ops_checked) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"raw\":"
      "[{\"conn\":\"a\",\"open\":\"derp\",\"close\":true}]}]}",
      "steps[0].raw[0]: needs exactly one action");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"raw\":"
      "[{\"conn\":\"a\",\"send_hex\":\"0g\"}]}]}",
      "steps[0].raw[0].send_hex: not hex at offset 1");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"raw\":"
      "[{\"conn\":\"a\",\"send_hex\":\"{key:a}00\"}]}]}",
      NULL); /* placeholders expand to hex later */
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"raw\":"
      "[{\"conn\":\"a\",\"send_frame\":{\"type\":256}}]}]}",
      "send_frame.type: 256 is outside 0..255");
}
END_TEST

START_TEST(placeholder_syntax_checked) {
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{"
      "\"relay_log\":{\"line_prefix\":[\"  {\\\"Name\\\":\"]}}]}",
      "relay_log.line_prefix[0]: bad {placeholder} syntax");
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{"
      "\"relay_log\":{\"line_prefix\":[\"  {{\\\"Name\\\":{hostname}\"]}}]}",
      NULL);
  load_expect(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":[{\"client\":"
      "{\"mode\":\"connect\",\"expect\":{\"current\":{\"result\":"
      "\"fail\",\"reason\":\"cert expired {cert:leaf:not_after\"}}}}]}",
      "expect.current.reason: bad {placeholder} syntax");
}
END_TEST

START_TEST(dir_sorted_and_unique) {
  char p[160];
  snprintf(p, sizeof p, "%s/0.json", dir);
  write_file(p, "{\"id\":\"z::last\",\"description\":\"d\"," CONNECT_PASS "}");
  snprintf(p, sizeof p, "%s/1.json", dir);
  write_file(p, "{\"id\":\"a::first\",\"description\":\"d\"," CONNECT_PASS "}");
  struct scenario *list;
  size_t n;
  char err[512];
  ck_assert_msg(scenario_load_dir(dir, &list, &n, err, sizeof err), "%s", err);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(list[0].id, "a::first");
  scenario_free_all(list, n);
  snprintf(p, sizeof p, "%s/2.json", dir);
  write_file(p, "{\"id\":\"a::first\",\"description\":\"e\"," CONNECT_PASS "}");
  ck_assert(!scenario_load_dir(dir, &list, &n, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "both have id a::first"));
}
END_TEST

START_TEST(shipped_scenarios_all_load) {
  struct scenario *list;
  size_t n;
  char err[512];
  ck_assert_msg(scenario_load_dir(DERPCHECK_SCENARIO_DIR, &list, &n, err, sizeof err), "%s", err);
  ck_assert_uint_ge(n, 40);
  /* the first five required ids, exactly */
  static const char *const required[] = {"pin::one-cert", "pin::two-certs", "pin::bad-hash",
                                         "pin::expired", "pin::wrong-ip"};
  for (size_t r = 0; r < 5; r++) {
    bool found = false;
    for (size_t i = 0; i < n; i++) found = found || !strcmp(list[i].id, required[r]);
    ck_assert_msg(found, "missing %s", required[r]);
  }
  scenario_free_all(list, n);
}
END_TEST

START_TEST(defaults_are_decoded_once) {
  struct scenario_relay r;
  scenario_relay_of(NULL, &r);
  ck_assert_str_eq(r.tls_min, "1.2");
  ck_assert_str_eq(r.tls_max, "1.3");
  ck_assert_str_eq(r.metacert, "on");
  ck_assert_str_eq(r.proxy, "none");
  ck_assert(!r.chain_generate);
  ck_assert(!r.v6);
  ck_assert_ptr_null(r.hostname);
  json_t *relay = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "tls_min", "1.3", "tls_max",
                            "1.3", "metacert", "off", "proxy", "strip-metacert", "chain",
                            "generate", "address", "v6", "hostname", "h");
  scenario_relay_of(relay, &r);
  ck_assert(r.v6);
  ck_assert_str_eq(r.hostname, "h");
  ck_assert_str_eq(r.tls_max, "1.3");
  ck_assert_str_eq(r.tls_min, "1.3");
  ck_assert_str_eq(r.metacert, "off");
  ck_assert_str_eq(r.proxy, "strip-metacert");
  ck_assert(r.chain_generate);
  json_decref(relay);

  struct scenario_client_step cs;
  scenario_client_step_of(NULL, &cs);
  ck_assert_str_eq(cs.mode, "connect");
  ck_assert_int_eq(cs.timeout_ms, 5000);
  ck_assert(!cs.background);
  ck_assert_ptr_null(cs.key);
  ck_assert_str_eq(cs.packet_hex, "");
  json_t *client = json_pack("{s:s, s:i, s:b}", "mode", "recv", "timeout_ms", 250, "background", 1);
  scenario_client_step_of(client, &cs);
  ck_assert_str_eq(cs.mode, "recv");
  ck_assert_int_eq(cs.timeout_ms, 250);
  ck_assert(cs.background);
  json_decref(client);

  json_t *given = json_pack("{s:s, s:s, s:s, s:s}", "key", "k", "peer", "p", "packet_hex", "00ff",
                            "mode", "send");
  scenario_client_step_of(given, &cs);
  ck_assert_str_eq(cs.mode, "send");
  ck_assert_str_eq(cs.key, "k");
  ck_assert_str_eq(cs.peer, "p");
  ck_assert_str_eq(cs.packet_hex, "00ff");
  ck_assert_int_eq(cs.timeout_ms, SCENARIO_CLIENT_TIMEOUT_MS);
  json_decref(given);
}
END_TEST

/* Decode `text` (one step) into st; the step must be valid. */
static json_t *step_of(const char *text, struct scenario_step *st) {
  json_error_t je;
  json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  ck_assert_msg(j != NULL, "%s", je.text);
  ck_assert(scenario_step_of(j, st));
  return j;
}

START_TEST(raw_ops_decoded_with_their_defaults) {
  struct scenario_step st;
  json_t *j = step_of(
      "{\"raw\":[{\"conn\":\"a\",\"open\":\"derp\"},"
      "{\"conn\":\"b\",\"open\":\"tls\",\"key\":\"k\",\"timeout_ms\":40},"
      "{\"conn\":\"a\",\"expect_closed\":true},"
      "{\"conn\":\"a\",\"expect_frame\":{\"type\":4},\"timeout_ms\":50},"
      "{\"conn\":\"a\",\"send_hex\":\"00\"}]}",
      &st);
  ck_assert_int_eq(st.kind, STEP_RAW);
  ck_assert_uint_eq(st.raw.n_ops, 5);
  const struct scenario_raw_op *op = st.raw.ops;
  /* opening (connect, TLS, DERP handshake) gets more time than waiting for
     bytes or a close; the identity defaults to the connection's name */
  ck_assert_int_eq(op[0].action, RAW_OPEN);
  ck_assert_str_eq(op[0].conn, "a");
  ck_assert_str_eq(op[0].open, "derp");
  ck_assert_str_eq(op[0].key, "a");
  ck_assert_int_eq(op[0].timeout_ms, 5000);
  ck_assert_str_eq(op[1].open, "tls");
  ck_assert_str_eq(op[1].key, "k");
  ck_assert_int_eq(op[1].timeout_ms, 40);
  ck_assert_int_eq(op[2].action, RAW_EXPECT_CLOSED);
  ck_assert_ptr_null(op[2].open);
  ck_assert_int_eq(op[2].timeout_ms, 3000);
  ck_assert_int_eq(op[3].action, RAW_EXPECT_FRAME);
  ck_assert_int_eq(op[3].timeout_ms, 50);
  ck_assert_ptr_eq(op[3].json, json_array_get(json_object_get(j, "raw"), 3));
  ck_assert_int_eq(op[4].action, RAW_SEND_HEX);
  ck_assert_str_eq(scenario_raw_action_names[op[4].action], "send_hex");
  scenario_step_free(&st);
  json_decref(j);
}
END_TEST

START_TEST(relay_level_steps_decoded_with_their_defaults) {
  struct scenario_step st;
  /* udp: how long to wait depends on what is expected */
  json_t *j = step_of("{\"udp\":{\"send_hex\":\"01\",\"expect\":\"reply\"}}", &st);
  ck_assert_int_eq(st.kind, STEP_UDP);
  ck_assert_str_eq(st.udp.send_hex, "01");
  ck_assert(st.udp.expect_reply);
  ck_assert_ptr_null(st.udp.reply_prefix_hex);
  ck_assert_int_eq(st.udp.reply_len, -1);
  ck_assert_int_eq(st.udp.wait_ms, 2000);
  json_decref(j);
  j = step_of("{\"udp\":{\"send_hex\":\"01\",\"expect\":\"silence\"}}", &st);
  ck_assert(!st.udp.expect_reply);
  ck_assert_int_eq(st.udp.wait_ms, 200);
  json_decref(j);
  j = step_of(
      "{\"udp\":{\"send_hex\":\"01\",\"expect\":\"reply\","
      "\"reply_prefix_hex\":\"0101\",\"reply_len\":20,\"wait_ms\":30}}",
      &st);
  ck_assert_str_eq(st.udp.reply_prefix_hex, "0101");
  ck_assert_int_eq(st.udp.reply_len, 20);
  ck_assert_int_eq(st.udp.wait_ms, 30);
  json_decref(j);

  j = step_of("{\"tls_handshakes\":{\"count\":3}}", &st);
  ck_assert_int_eq(st.kind, STEP_TLS_HANDSHAKES);
  ck_assert_int_eq(st.tls_handshakes.count, 3);
  ck_assert_int_eq(st.tls_handshakes.certs, -1);
  ck_assert(!st.tls_handshakes.same_chain);
  ck_assert_ptr_null(st.tls_handshakes.last_cn);
  json_decref(j);
  j = step_of(
      "{\"tls_handshakes\":{\"count\":2,\"certs\":1,\"same_chain\":true,"
      "\"last_cn\":\"x\"}}",
      &st);
  ck_assert_int_eq(st.tls_handshakes.certs, 1);
  ck_assert(st.tls_handshakes.same_chain);
  ck_assert_str_eq(st.tls_handshakes.last_cn, "x");
  json_decref(j);

  j = step_of("{\"relay_log\":{}}", &st);
  ck_assert_int_eq(st.kind, STEP_RELAY_LOG);
  ck_assert_ptr_null(st.relay_log.line_prefix);
  ck_assert_ptr_null(st.relay_log.line_contains);
  ck_assert(!st.relay_log.snippet_matches_certfile);
  ck_assert_int_eq(st.relay_log.wait_ms, 3000);
  json_decref(j);
  j = step_of(
      "{\"relay_log\":{\"line_prefix\":[\"a\"],\"line_contains\":[\"b\",\"c\"],"
      "\"snippet_matches_certfile\":true,\"wait_ms\":20}}",
      &st);
  ck_assert_uint_eq(json_array_size(st.relay_log.line_prefix), 1);
  ck_assert_uint_eq(json_array_size(st.relay_log.line_contains), 2);
  ck_assert(st.relay_log.snippet_matches_certfile);
  ck_assert_int_eq(st.relay_log.wait_ms, 20);
  json_decref(j);

  j = step_of("{\"client\":{\"mode\":\"ping\",\"expect\":{}}}", &st);
  ck_assert_int_eq(st.kind, STEP_CLIENT);
  ck_assert_str_eq(st.client.mode, "ping");
  ck_assert_ptr_eq(st.json, j);
  json_decref(j);
}
END_TEST

static Suite *scenario_suite(void) {
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, minimal_scenario_loads_with_columns);
  tcase_add_test(tc, parse_from_text_as_load_reads_the_file);
  tcase_add_test(tc, duplicate_keys_rejected);
  tcase_add_test(tc, unknown_key_named_with_its_path);
  tcase_add_test(tc, enum_values_checked);
  tcase_add_test(tc, types_checked);
  tcase_add_test(tc, fail_needs_a_reason);
  tcase_add_test(tc, unknown_profile_rejected);
  tcase_add_test(tc, background_step_takes_one_profile);
  tcase_add_test(tc, cert_references_checked);
  tcase_add_test(tc, times_and_serials_checked);
  tcase_add_test(tc, id_format_checked);
  tcase_add_test(tc, raw_ops_checked);
  tcase_add_test(tc, placeholder_syntax_checked);
  tcase_add_test(tc, dir_sorted_and_unique);
  tcase_add_test(tc, shipped_scenarios_all_load);
  tcase_add_test(tc, defaults_are_decoded_once);
  tcase_add_test(tc, raw_ops_decoded_with_their_defaults);
  tcase_add_test(tc, relay_level_steps_decoded_with_their_defaults);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(scenario_suite)
