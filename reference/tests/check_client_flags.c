/* derp-client's command line and its CertName dispatch (node + profile ->
 * certificate check), both pure. */
#include "client_dispatch.h"
#include "client_flags.h"

#include <string.h>

#include "check_main.h"

#define ARGV(...) ((char *const[]){"derp-client", __VA_ARGS__})
#define ARGC(...) ((int)(sizeof((char *const[]){"derp-client", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(f, err, ...) \
  client_flags_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), f, err, sizeof err)

static char hex64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/* ---- flags ---- */

START_TEST(runner_command_line_parses) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "connect", "--derpmap", "/tmp/m.json", "--region", "900",
                         "--profile", "tailscale-1.82", "--json"),
                   CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.mode, CLIENT_MODE_CONNECT);
  ck_assert_str_eq(f.derpmap, "/tmp/m.json");
  ck_assert_str_eq(f.region, "900");
  ck_assert_int_eq(f.profile, CLIENT_PROFILE_TAILSCALE_1_82);
  ck_assert(f.json);
  ck_assert_int_eq(f.timeout_ms, CLIENT_DEFAULT_TIMEOUT_MS);
}
END_TEST

START_TEST(equals_form_and_single_dash) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(
      PARSE(&f, err, "probe", "-node=HostName=127.0.0.1,DERPPort=1", "--profile=debug-legacy"),
      CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.mode, CLIENT_MODE_PROBE);
  ck_assert_str_eq(f.node, "HostName=127.0.0.1,DERPPort=1");
  ck_assert_int_eq(f.profile, CLIENT_PROFILE_DEBUG_LEGACY);
}
END_TEST

START_TEST(send_needs_peer_and_packet) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "send", "--snippet", "{}"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "send needs --peer and --packet-hex");
  ck_assert_int_eq(
      PARSE(&f, err, "send", "--snippet", "{}", "--peer", hex64, "--packet-hex", "00ff"),
      CLIENT_FLAGS_OK);
  ck_assert(f.has_peer);
  ck_assert_uint_eq(f.peer[0], 0x01);
  ck_assert_uint_eq(f.peer[31], 0xef);
  ck_assert_uint_eq(f.packet_len, 2);
}
END_TEST

START_TEST(peer_accepts_nodekey_prefix_and_alias) {
  struct client_flags f;
  char err[256];
  char key[80];
  snprintf(key, sizeof key, "nodekey:%s", hex64);
  ck_assert_int_eq(PARSE(&f, err, "ping", "--snippet", "x", "--peer-key", key), CLIENT_FLAGS_OK);
  ck_assert(f.has_peer);
}
END_TEST

START_TEST(bad_peer_is_refused) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "ping", "--snippet", "x", "--peer", "abc"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "invalid value \"abc\" for --peer: want 64 hex digits");
}
END_TEST

START_TEST(bad_packet_hex_is_refused) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "send", "--snippet", "x", "--peer", hex64, "--packet-hex", "abc"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_int_eq(PARSE(&f, err, "send", "--snippet", "x", "--peer", hex64, "--packet-hex", "zz"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "--packet-hex"));
}
END_TEST

START_TEST(packet_size_limit) {
  static char big[2 * 65537 + 1];
  memset(big, 'a', 2 * 65537);
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "send", "--snippet", "x", "--peer", hex64, "--packet-hex", big),
                   CLIENT_FLAGS_ERROR);
  big[2 * 65536] = '\0';
  ck_assert_int_eq(PARSE(&f, err, "send", "--snippet", "x", "--peer", hex64, "--packet-hex", big),
                   CLIENT_FLAGS_OK);
  ck_assert_uint_eq(f.packet_len, 65536);
}
END_TEST

START_TEST(unknown_mode_profile_and_flag) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "dance"), CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "unknown mode \"dance\""));
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--profile", "tailscale-1.78"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "--profile"));
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--bogus", "1"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "flag provided but not defined: -bogus");
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "flag needs an argument: -snippet");
}
END_TEST

/* An argument holding a newline or a control byte is shown as Go's %q
 * shows it: an error stays one line (found by fuzz/program_flags). */
START_TEST(errors_stay_one_line) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "watc\nh"), CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "unknown mode \"watc\\nh\""));
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--bo\ngus"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "flag provided but not defined: -\"bo\\ngus\"");
  ck_assert_int_eq(PARSE(&f, err, "probe", "--snippet", "x", "--timeout", "1\x01"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "invalid value \"1\\x01\" for --timeout: want e.g. 10s, 500ms, 2m");
}
END_TEST

START_TEST(every_profile_name_round_trips) {
  static char *const names[] = {"current", "tailscale-1.80", "tailscale-1.82", "tailscale-1.84",
                                "debug-legacy"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    struct client_flags f;
    char err[256];
    ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--profile", names[i]),
                     CLIENT_FLAGS_OK);
    ck_assert_str_eq(client_profile_name(f.profile), names[i]);
    ck_assert_ptr_nonnull(strstr(client_flags_usage(), names[i]));
  }
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--profile", "x"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(err, "tailscale-1.80"));
}
END_TEST

START_TEST(relay_source_is_required_and_exclusive) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "connect"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "no relay given: use --derpmap, --policy-file, --node or --snippet");
  ck_assert_int_eq(PARSE(&f, err, "connect", "--derpmap", "a", "--node", "b"), CLIENT_FLAGS_ERROR);
  ck_assert_int_eq(PARSE(&f, err, "connect", "--derpmap", "a", "--snippet", "b"), CLIENT_FLAGS_OK);
  ck_assert_int_eq(PARSE(&f, err, "probe", "--policy-file", "p", "--snippet", "b"),
                   CLIENT_FLAGS_OK);
  ck_assert_str_eq(f.policy_file, "p");
  ck_assert_int_eq(PARSE(&f, err, "probe", "--policy-file", "p", "--node", "b"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "--policy-file is exclusive with --derpmap and --node");
}
END_TEST

START_TEST(help_and_missing_mode) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "--help"), CLIENT_FLAGS_HELP);
  ck_assert_int_eq(PARSE(&f, err, "connect", "-h"), CLIENT_FLAGS_HELP);
  ck_assert_int_eq(client_flags_parse(1, ARGV(NULL), &f, err, sizeof err), CLIENT_FLAGS_ERROR);
  ck_assert_ptr_nonnull(strstr(client_flags_usage(), "--profile"));
}
END_TEST

START_TEST(json_takes_no_value) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--json=true"), CLIENT_FLAGS_ERROR);
}
END_TEST

START_TEST(all_versions_is_a_probe_switch) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "probe", "--snippet", "x", "--all-versions"), CLIENT_FLAGS_OK);
  ck_assert(f.all_versions);
  ck_assert_int_eq(PARSE(&f, err, "probe", "--snippet", "x", "--all-versions=1"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "-all-versions takes no value");
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--all-versions"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "--all-versions only applies to probe");
}
END_TEST

START_TEST(watch_takes_a_mesh_key_file) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "watch", "--snippet", "x", "--mesh-key-file", "k"),
                   CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.mode, CLIENT_MODE_WATCH);
  ck_assert_str_eq(f.mesh_key_file, "k");
  ck_assert_int_eq(PARSE(&f, err, "watch", "--snippet", "x"), CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "watch and forward need --mesh-key-file, and only they take it");
  ck_assert_int_eq(PARSE(&f, err, "forward", "--snippet", "x", "--mesh-key-file", "k", "--peer",
                         "0000000000000000000000000000000000000000000000000000000000000000",
                         "--packet-hex", "00"),
                   CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.mode, CLIENT_MODE_FORWARD);
  ck_assert_int_eq(PARSE(&f, err, "forward", "--snippet", "x", "--mesh-key-file", "k"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_str_eq(err, "forward needs --peer and --packet-hex");
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--mesh-key-file", "k"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--websocket"), CLIENT_FLAGS_OK);
  ck_assert(f.websocket);
  ck_assert_int_eq(PARSE(&f, err, "stun", "--snippet", "x", "--websocket"), CLIENT_FLAGS_ERROR);
}
END_TEST

START_TEST(timeouts) {
  int64_t ms;
  ck_assert(client_parse_timeout("10s", &ms) && ms == 10000);
  ck_assert(client_parse_timeout("250ms", &ms) && ms == 250);
  ck_assert(client_parse_timeout("2m", &ms) && ms == 120000);
  ck_assert(client_parse_timeout("3", &ms) && ms == 3000);
  ck_assert(!client_parse_timeout("0", &ms));
  ck_assert(!client_parse_timeout("-1s", &ms));
  ck_assert(!client_parse_timeout("1h", &ms));
  ck_assert(!client_parse_timeout("99999999999999999999", &ms));
  ck_assert(!client_parse_timeout("61m", &ms));
  ck_assert(!client_parse_timeout("", &ms));
}
END_TEST

START_TEST(recv_wait_extends_default_timeout) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "recv", "--snippet", "x", "--timeout-ms", "20000"),
                   CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.wait_ms, 20000);
  ck_assert_int_eq(f.timeout_ms, 25000);
  ck_assert_int_eq(
      PARSE(&f, err, "recv", "--snippet", "x", "--timeout-ms", "20000", "--timeout", "3s"),
      CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.timeout_ms, 3000);
  ck_assert_int_eq(PARSE(&f, err, "recv", "--snippet", "x", "--timeout-ms", "5s"),
                   CLIENT_FLAGS_ERROR);
  ck_assert_int_eq(PARSE(&f, err, "recv", "--snippet", "x", "--timeout-ms", "0"),
                   CLIENT_FLAGS_ERROR);
}
END_TEST

START_TEST(tls_max) {
  struct client_flags f;
  char err[256];
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--tls-max", "1.2"),
                   CLIENT_FLAGS_OK);
  ck_assert_int_eq(f.tls_max, 0x0303);
  ck_assert_int_eq(PARSE(&f, err, "connect", "--snippet", "x", "--tls-max", "1.1"),
                   CLIENT_FLAGS_ERROR);
}
END_TEST

START_TEST(hex_decode) {
  uint8_t out[4];
  size_t n;
  ck_assert(client_hex_decode("00Ff", out, sizeof out, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(out[1], 0xff);
  ck_assert(client_hex_decode("", out, sizeof out, &n) && n == 0);
  ck_assert(!client_hex_decode("0011223344", out, sizeof out, &n));
  ck_assert(!client_hex_decode("0g", out, sizeof out, &n));
  n = 0; /* no output buffer: only the check and the length */
  ck_assert(client_hex_decode("a0B1c2", NULL, 3, &n) && n == 3);
  ck_assert(!client_hex_decode("a0B1c2", NULL, 2, &n));
  ck_assert(!client_hex_decode("a0B1cx", NULL, 3, &n));
  ck_assert(!client_hex_decode("a0B1c", NULL, 3, &n));
}
END_TEST

/* ---- CertName dispatch ---- */

static struct derp_node node(const char *host, const char *cert) {
  struct derp_node n;
  memset(&n, 0, sizeof n);
  n.name = (char *)"n";
  n.host_name = (char *)host;
  n.cert_name = (char *)cert;
  n.ipv4 = (char *)"";
  n.ipv6 = (char *)"";
  n.stun_test_ip = (char *)"";
  return n;
}

START_TEST(dispatch_pin_by_profile) {
  struct derp_node n = node("127.0.0.1", "sha256-raw:abc");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_PIN);
  ck_assert_str_eq(s.pin_hex, "abc");
  ck_assert_int_eq(s.pin_profile, PIN_PROFILE_CURRENT);
  ck_assert_str_eq(s.pin_server_name, "127.0.0.1");
  ck_assert_str_eq(s.sni, ""); /* no SNI for an IP literal */
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_82, true, &s);
  ck_assert_int_eq(s.pin_profile, PIN_PROFILE_TAILSCALE_1_82);
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_84, false, &s);
  ck_assert_int_eq(s.pin_profile, PIN_PROFILE_TAILSCALE_1_84);
}
END_TEST

START_TEST(dispatch_pin_keeps_hex_verbatim) {
  struct derp_node n = node("derp.test", "sha256-raw:ABC ");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_PIN);
  ck_assert_str_eq(s.pin_hex, "ABC ");
  ck_assert_str_eq(s.sni, "derp.test");
}
END_TEST

START_TEST(dispatch_no_certname_is_ca_for_sni) {
  struct derp_node n = node("derp.example.", "");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_CA);
  ck_assert_str_eq(s.sni, "derp.example");
  ck_assert_str_eq(s.verify_name, "derp.example");
  n = node("127.0.0.1", "");
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_CA);
  ck_assert_str_eq(s.verify_name, ""); /* chain only: Go has no ServerName */
}
END_TEST

START_TEST(dispatch_other_certname_is_domain_fronting) {
  struct derp_node n = node("127.0.0.1", "derp.test");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_82, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_NAME);
  ck_assert_str_eq(s.verify_name, "derp.test");
  ck_assert_str_eq(s.sni, "");
}
END_TEST

START_TEST(dispatch_certname_equal_to_hostname_is_plain_ca) {
  struct derp_node n = node("derp.test", "derp.test");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_CA);
  ck_assert_str_eq(s.verify_name, "derp.test");
}
END_TEST

START_TEST(dispatch_insecure_for_tests_only_clears_ca) {
  struct derp_node n = node("127.0.0.1", "");
  n.insecure_for_tests = true;
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_NONE);
  n = node("127.0.0.1", "sha256-raw:abc");
  n.insecure_for_tests = true;
  client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_PIN);
}
END_TEST

START_TEST(dispatch_legacy_uses_certname_as_server_name) {
  struct derp_node n = node("127.0.0.1", "sha256-raw:abc");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_DEBUG_LEGACY, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_GO_TLS);
  ck_assert_str_eq(s.verify_name, "sha256-raw:abc");
  ck_assert_str_eq(s.sni, "sha256-raw:abc");
  n = node("127.0.0.1", "");
  client_tls_setup_for(&n, CLIENT_PROFILE_DEBUG_LEGACY, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_GO_TLS);
  ck_assert_str_eq(s.verify_name, "127.0.0.1");
  ck_assert_str_eq(s.sni, "");
}
END_TEST

START_TEST(dispatch_legacy_derp_step_is_current) {
  struct derp_node n = node("127.0.0.1", "sha256-raw:abc");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_DEBUG_LEGACY, false, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_PIN);
  ck_assert_int_eq(s.pin_profile, PIN_PROFILE_CURRENT);
}
END_TEST

START_TEST(dispatch_legacy_ignores_insecure_for_tests) {
  struct derp_node n = node("127.0.0.1", "");
  n.insecure_for_tests = true;
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_DEBUG_LEGACY, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_GO_TLS);
}
END_TEST

/* 1.80 predates pins: the CertName is a DNS name to verify the chain for
 * (SetConfigExpectedCert), SNI still from HostName; the probe's TLS steps
 * (legacy_tls) are the same client. */
START_TEST(dispatch_1_80_verifies_pin_as_a_name) {
  struct derp_node n = node("127.0.0.1", "sha256-raw:abc");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_80, false, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_NAME);
  ck_assert_str_eq(s.verify_name, "sha256-raw:abc");
  ck_assert_str_eq(s.sni, "");
  ck_assert_ptr_null(s.pin_hex);
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_80, true, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_NAME);
  n = node("derp.test", "sha256-raw:abc ");
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_80, false, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_NAME);
  ck_assert_str_eq(s.verify_name, "sha256-raw:abc "); /* verbatim, as Go's HostnameError shows it */
  ck_assert_str_eq(s.sni, "derp.test");
}
END_TEST

START_TEST(dispatch_1_80_without_pin_is_like_later_releases) {
  static const char *const certs[] = {"", "derp.test", "127.0.0.1"};
  for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) {
    struct derp_node n = node("127.0.0.1", certs[i]);
    struct client_tls_setup old, cur;
    client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_80, false, &old);
    client_tls_setup_for(&n, CLIENT_PROFILE_CURRENT, false, &cur);
    ck_assert_int_eq(old.kind, cur.kind);
    ck_assert_str_eq(old.verify_name, cur.verify_name);
    ck_assert_str_eq(old.sni, cur.sni);
  }
}
END_TEST

/* Empty HostName: SetConfigExpectedCert adopts the CertName as ServerName,
 * pin text or not. */
START_TEST(dispatch_1_80_empty_hostname_adopts_certname) {
  struct derp_node n = node("", "sha256-raw:abc");
  struct client_tls_setup s;
  client_tls_setup_for(&n, CLIENT_PROFILE_TAILSCALE_1_80, false, &s);
  ck_assert_int_eq(s.kind, CLIENT_VERIFY_CA);
  ck_assert_str_eq(s.sni, "sha256-raw:abc");
  ck_assert_str_eq(s.verify_name, "sha256-raw:abc");
}
END_TEST

static Suite *client_flags_suite(void) {
  Suite *s = suite_create("client_flags");
  TCase *flags = tcase_create("flags");
  tcase_add_test(flags, runner_command_line_parses);
  tcase_add_test(flags, errors_stay_one_line);
  tcase_add_test(flags, equals_form_and_single_dash);
  tcase_add_test(flags, send_needs_peer_and_packet);
  tcase_add_test(flags, peer_accepts_nodekey_prefix_and_alias);
  tcase_add_test(flags, bad_peer_is_refused);
  tcase_add_test(flags, bad_packet_hex_is_refused);
  tcase_add_test(flags, packet_size_limit);
  tcase_add_test(flags, unknown_mode_profile_and_flag);
  tcase_add_test(flags, every_profile_name_round_trips);
  tcase_add_test(flags, relay_source_is_required_and_exclusive);
  tcase_add_test(flags, help_and_missing_mode);
  tcase_add_test(flags, json_takes_no_value);
  tcase_add_test(flags, all_versions_is_a_probe_switch);
  tcase_add_test(flags, watch_takes_a_mesh_key_file);
  tcase_add_test(flags, timeouts);
  tcase_add_test(flags, recv_wait_extends_default_timeout);
  tcase_add_test(flags, tls_max);
  tcase_add_test(flags, hex_decode);
  suite_add_tcase(s, flags);
  TCase *dispatch = tcase_create("dispatch");
  tcase_add_test(dispatch, dispatch_pin_by_profile);
  tcase_add_test(dispatch, dispatch_pin_keeps_hex_verbatim);
  tcase_add_test(dispatch, dispatch_no_certname_is_ca_for_sni);
  tcase_add_test(dispatch, dispatch_other_certname_is_domain_fronting);
  tcase_add_test(dispatch, dispatch_certname_equal_to_hostname_is_plain_ca);
  tcase_add_test(dispatch, dispatch_insecure_for_tests_only_clears_ca);
  tcase_add_test(dispatch, dispatch_legacy_uses_certname_as_server_name);
  tcase_add_test(dispatch, dispatch_legacy_derp_step_is_current);
  tcase_add_test(dispatch, dispatch_legacy_ignores_insecure_for_tests);
  tcase_add_test(dispatch, dispatch_1_80_verifies_pin_as_a_name);
  tcase_add_test(dispatch, dispatch_1_80_without_pin_is_like_later_releases);
  tcase_add_test(dispatch, dispatch_1_80_empty_hostname_adopts_certname);
  suite_add_tcase(s, dispatch);
  return s;
}

CHECK_MAIN(client_flags_suite)
