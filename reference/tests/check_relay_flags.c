#include "relay_flags.h"

#include <stdlib.h>
#include <unistd.h>

#include "derp/derp_keys.h"
#include "relay_allowlist.h"
#include "relay_mesh_peers.h"
#include "relay_rateconfig.h"

#include <string.h>

#include "check_main.h"

/* A NUL byte after a number: jansson reads past it, derper's json.Unmarshal
 * does not (Go 1.26's text); what both read is taken. */
START_TEST(rateconfig_refuses_nul_as_go_does) {
  static const char nul[] = "{\"PerClientRateLimitBytesPerSec\": 4096\0}";
  struct relay_rate_config rc;
  char why[256];
  ck_assert(!relay_rateconfig_parse((const uint8_t *)nul, sizeof nul - 1, &rc, why, sizeof why));
  ck_assert_str_eq(why,
                   "error parsing rate config: invalid character '\\x00' after object "
                   "key:value pair (line 1, column 39)");
  static const char ok[] = "{\"PerClientRateLimitBytesPerSec\": 4096}";
  ck_assert_msg(relay_rateconfig_parse((const uint8_t *)ok, sizeof ok - 1, &rc, why, sizeof why),
                "%s", why);
  ck_assert_uint_eq(rc.bytes_per_sec, 4096);
}
END_TEST

/* derpserver.LoadRateConfig is json.Unmarshal into RateConfig{uint64,
 * uint64}: the whole uint64 range, the first type error (Go keeps decoding),
 * the literal as written, anything in fields it ignores; each text as Go
 * 1.26 printed it for derpserver.RateConfig. */
START_TEST(rateconfig_is_derpservers_json_unmarshal) {
  static const struct {
    const char *json;
    const char *why; /* NULL: accepted */
    uint64_t rate, burst;
  } rows[] = {
      {"{\"PerClientRateLimitBytesPerSec\": 18446744073709551615, \"perclientrateburstbytes\": 1}",
       NULL, UINT64_MAX, 1},
      {"{\"PerClientRateLimitBytesPerSec\": 5, \"x\": \"\\ud800\", \"y\": 99999999999999999999999}",
       NULL, 5, 0},
      {"null", NULL, 0, 0},
      {"{\"PerClientRateLimitBytesPerSec\": null}", NULL, 0, 0},
      {"{\"PerClientRateLimitBytesPerSec\": 18446744073709551616}",
       "json: cannot unmarshal number 18446744073709551616 into Go struct field "
       "RateConfig.PerClientRateLimitBytesPerSec of type uint64",
       0, 0},
      {"{\"PerClientRateLimitBytesPerSec\": -1}",
       "json: cannot unmarshal number -1 into Go struct field "
       "RateConfig.PerClientRateLimitBytesPerSec of type uint64",
       0, 0},
      {"{\"PerClientRateLimitBytesPerSec\": 1.5, \"PerClientRateBurstBytes\": \"x\"}",
       "json: cannot unmarshal number 1.5 into Go struct field "
       "RateConfig.PerClientRateLimitBytesPerSec of type uint64",
       0, 0},
      {"{\"PerClientRateBurstBytes\": true, \"PerClientRateLimitBytesPerSec\": 1e3}",
       "json: cannot unmarshal bool into Go struct field RateConfig.PerClientRateBurstBytes of "
       "type uint64",
       0, 0},
      {"{\"PerClientRateLimitBytesPerSec\": {}}",
       "json: cannot unmarshal object into Go struct field "
       "RateConfig.PerClientRateLimitBytesPerSec of type uint64",
       0, 0},
      {"[1]", "json: cannot unmarshal array into Go value of type derpserver.RateConfig", 0, 0},
      /* Go sets the burst after the type error; LoadRateConfig still
       * returns RateConfig{} */
      {"{\"PerClientRateLimitBytesPerSec\": 10.0000, \"PerClientRateBurstBytes\": 2000000}",
       "json: cannot unmarshal number 10.0000 into Go struct field "
       "RateConfig.PerClientRateLimitBytesPerSec of type uint64",
       0, 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct relay_rate_config rc;
    char why[512], want[512];
    bool ok = relay_rateconfig_parse((const uint8_t *)rows[i].json, strlen(rows[i].json), &rc, why,
                                     sizeof why);
    if (rows[i].why == NULL) {
      ck_assert_msg(ok, "%s: %s", rows[i].json, why);
      ck_assert_uint_eq(rc.bytes_per_sec, rows[i].rate);
      ck_assert_uint_eq(rc.burst_bytes, rows[i].burst);
    } else {
      ck_assert_msg(!ok, "%s accepted", rows[i].json);
      snprintf(want, sizeof want, "error parsing rate config: %s", rows[i].why);
      ck_assert_str_eq(why, want);
      ck_assert_msg(rc.bytes_per_sec == 0 && rc.burst_bytes == 0, "%s: refused, left %llu, %llu",
                    rows[i].json, (unsigned long long)rc.bytes_per_sec,
                    (unsigned long long)rc.burst_bytes);
    }
  }
}
END_TEST

static struct relay_flags flags;
static char err[512];

/* Parse a NULL-terminated list of arguments (argv[0] is added here) over the
 * defaults, with a default certdir so most tests need not pass one. */
static enum relay_flags_result parse_with(const char *certdir, const char *const *args) {
  char *argv[64];
  int argc = 0;
  argv[argc++] = (char *)"derp-relay";
  for (; *args != NULL && argc < 63; args++) argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  relay_flags_defaults(&flags, certdir);
  return relay_flags_parse(&flags, argc, argv, err, sizeof err);
}

#define PARSE(...) parse_with("/tmp/certs", (const char *const[]){__VA_ARGS__, NULL})
#define PARSE_NONE() parse_with("/tmp/certs", (const char *const[]){NULL})

#define ASSERT_OK(r) ck_assert_msg((r) == RELAY_FLAGS_OK, "parse failed: %s", err)
#define ASSERT_ERR(r, want)                   \
  do {                                        \
    ck_assert_int_eq((r), RELAY_FLAGS_ERROR); \
    ck_assert_str_eq(err, (want));            \
  } while (0)

/* ---- defaults ---- */

START_TEST(defaults_match_derper_except_documented) {
  ASSERT_OK(PARSE_NONE());
  ck_assert_str_eq(flags.addr, ":443");
  ck_assert_str_eq(flags.listen_host, "");
  ck_assert_int_eq(flags.listen_port, 443);
  ck_assert_str_eq(flags.hostname, "derp.tailscale.com");
  ck_assert_str_eq(flags.certmode, "manual");
  ck_assert_str_eq(flags.certdir, "/tmp/certs");
  ck_assert_ptr_null(flags.keyfile);
  ck_assert(flags.stun);
  ck_assert_int_eq(flags.stun_port, 3478);
  ck_assert(flags.derp);
  ck_assert_int_eq(flags.http_port, -1);
  ck_assert_int_eq(flags.tcp_write_timeout_ns, 2000000000LL);
  ck_assert(!flags.verify_clients);
  ck_assert_ptr_null(flags.verify_clients_file);
  ck_assert(flags.metacert);
  ck_assert_int_eq(flags.tls_min, RELAY_TLS_1_2);
  ck_assert_int_eq(flags.tls_max, RELAY_TLS_1_3);
  ck_assert_ptr_null(flags.ready_file);
  ck_assert_int_eq(flags.handshake_timeout_ns, 10000000000LL);
}
END_TEST

/* ---- syntax ---- */

START_TEST(syntax_single_and_double_dash) {
  ASSERT_OK(PARSE("-hostname", "1.2.3.4", "--certdir", "/d"));
  ck_assert_str_eq(flags.hostname, "1.2.3.4");
  ck_assert_str_eq(flags.certdir, "/d");
}
END_TEST

START_TEST(syntax_equals_form) {
  ASSERT_OK(PARSE("--hostname=1.2.3.4", "-certdir=/d"));
  ck_assert_str_eq(flags.hostname, "1.2.3.4");
  ck_assert_str_eq(flags.certdir, "/d");
}
END_TEST

START_TEST(syntax_value_may_start_with_dash) {
  ASSERT_OK(PARSE("--http-port", "-1", "--hostname", "-x"));
  ck_assert_int_eq(flags.http_port, -1);
  ck_assert_str_eq(flags.hostname, "-x");
}
END_TEST

START_TEST(syntax_equals_value_may_contain_equals) {
  ASSERT_OK(PARSE("--certdir=/a=b"));
  ck_assert_str_eq(flags.certdir, "/a=b");
}
END_TEST

START_TEST(syntax_last_occurrence_wins) {
  ASSERT_OK(PARSE("--stun-port", "1", "--stun-port", "2"));
  ck_assert_int_eq(flags.stun_port, 2);
}
END_TEST

START_TEST(syntax_double_dash_ends_flags) {
  ASSERT_OK(PARSE("--stun=false", "--"));
  ck_assert(!flags.stun);
}
END_TEST

START_TEST(syntax_bad_flag_syntax) {
  ASSERT_ERR(PARSE("---stun"), "bad flag syntax: ---stun");
  ASSERT_ERR(PARSE("-=x"), "bad flag syntax: -=x");
  ASSERT_ERR(PARSE("--=x"), "bad flag syntax: --=x");
}
END_TEST

/* Go's flag package quotes a bad value with %q, as derper 1.102.5 prints
 * it: `invalid value "x\ny" for flag -stun-port: parse error`. */
START_TEST(syntax_bad_value_quoted_as_go_quotes_it) {
  ASSERT_ERR(PARSE("--stun-port", "x\ny"),
             "invalid value \"x\\ny\" for flag -stun-port: parse error");
  ASSERT_ERR(PARSE("--stun=\t"), "invalid boolean value \"\\t\" for -stun: parse error");
  ASSERT_ERR(PARSE("--certmode", "a\tb"), "unsupport cert mode: \"a\\tb\"");
}
END_TEST

START_TEST(syntax_unknown_flag) {
  ASSERT_ERR(PARSE("--nope"), "flag provided but not defined: -nope");
  ASSERT_ERR(PARSE("-x=1"), "flag provided but not defined: -x");
}
END_TEST

START_TEST(syntax_missing_argument) {
  ASSERT_ERR(PARSE("--hostname"), "flag needs an argument: -hostname");
  ASSERT_ERR(PARSE("-a"), "flag needs an argument: -a");
}
END_TEST

START_TEST(syntax_stray_argument) {
  ASSERT_ERR(PARSE("--stun", "false"),
             "unexpected argument \"false\" (booleans take --flag=false)");
  ASSERT_ERR(PARSE("-"), "unexpected argument \"-\" (booleans take --flag=false)");
}
END_TEST

START_TEST(mesh_with_peers_and_pins) {
  ASSERT_ERR(PARSE("--mesh-with", "x:443"), "--mesh-with requires --mesh-psk-file");
  ASSERT_OK(PARSE("--mesh-psk-file", "/k", "--mesh-with",
                  "derp1.example.com,127.0.0.1:8443,[::1]:9/10.0.0.2,b.test/c.test"));
  ck_assert_str_eq(flags.mesh_with,
                   "derp1.example.com,127.0.0.1:8443,[::1]:9/10.0.0.2,b.test/c.test");
  struct relay_mesh_peer p[RELAY_MESH_PEERS_MAX];
  size_t n;
  char why[300];
  ck_assert(relay_mesh_peers_parse(flags.mesh_with, p, RELAY_MESH_PEERS_MAX, &n, why, sizeof why));
  ck_assert_uint_eq(n, 4);
  ck_assert_str_eq(p[0].name, "derp1.example.com");
  ck_assert_str_eq(p[0].url_host, "derp1.example.com");
  ck_assert_int_eq(p[0].port, 443);
  ck_assert(!p[0].name_is_ip);
  ck_assert_str_eq(p[1].url_host, "127.0.0.1:8443");
  ck_assert_str_eq(p[1].name, "127.0.0.1");
  ck_assert_int_eq(p[1].port, 8443);
  ck_assert(p[1].name_is_ip);
  ck_assert_str_eq(p[2].name, "::1");
  ck_assert_str_eq(p[2].url_host, "[::1]:9");
  ck_assert_str_eq(p[2].dial, "10.0.0.2");
  ck_assert_str_eq(p[3].dial, "c.test");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a,,b"), "--mesh-with: empty entry");
  /* the entry, not the rest of the list */
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a/,b"),
             "--mesh-with: empty host in \"a/\"");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a/b/c"),
             "--mesh-with: too many components in host tuple \"a/b/c\"");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a:99999"),
             "--mesh-with: \"a:99999\": address 99999: invalid port");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "::1"),
             "--mesh-with: \"::1\": address ::1: too many colons in address (write [v6] or "
             "[v6]:port)");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a?b"), "--mesh-with: bad host \"a?b\"");
  ASSERT_ERR(PARSE("--mesh-pin", "sha256-raw:00"),
             "--mesh-ca-file and --mesh-pin are only used with --mesh-with");
  ASSERT_ERR(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a", "--mesh-pin", "sha256-raw:00"),
             "--mesh-pin: \"sha256-raw:00\" is not sha256-raw:<64 hex digits>");
  char pin[200];
  snprintf(pin, sizeof pin, "sha256-raw:%064d,sha256-raw:%064X", 0, 0xAB);
  ASSERT_OK(PARSE("--mesh-psk-file", "/k", "--mesh-with", "a", "--mesh-pin", pin));
  char pins[RELAY_MESH_PINS_MAX][65];
  ck_assert(relay_mesh_pins_parse(pin, pins, RELAY_MESH_PINS_MAX, &n, why, sizeof why));
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(pins[1] + 60, "00ab");
}
END_TEST

START_TEST(syntax_help) {
  ck_assert_int_eq(PARSE("-h"), RELAY_FLAGS_HELP);
  ck_assert_int_eq(PARSE("--help"), RELAY_FLAGS_HELP);
  ck_assert_int_eq(PARSE("-help"), RELAY_FLAGS_HELP);
  ck_assert_int_eq(PARSE("--stun-port", "1", "--help"), RELAY_FLAGS_HELP);
}
END_TEST

START_TEST(syntax_unsupported_derper_flag_says_why) {
  ASSERT_ERR(PARSE("--acme-ip-certs"),
             "flag -acme-ip-certs is a derper flag derp-relay does not support: only "
             "--certmode=manual is supported");
  ASSERT_ERR(PARSE("--verify-client-url=http://x"),
             "flag -verify-client-url is a derper flag derp-relay does not support: no "
             "admission webhook; use --verify-clients-file");
}
END_TEST

/* ---- booleans ---- */

START_TEST(bool_bare_is_true) {
  ASSERT_OK(PARSE("--stun=false", "--stun"));
  ck_assert(flags.stun);
}
END_TEST

START_TEST(bool_go_spellings) {
  const char *t[] = {"1", "t", "T", "TRUE", "true", "True"};
  const char *f[] = {"0", "f", "F", "FALSE", "false", "False"};
  char arg[32];
  for (int i = 0; i < 6; i++) {
    snprintf(arg, sizeof arg, "--derp=%s", f[i]);
    ASSERT_OK(PARSE(arg));
    ck_assert_msg(!flags.derp, "%s", arg);
    snprintf(arg, sizeof arg, "--derp=%s", t[i]);
    ASSERT_OK(PARSE("--derp=false", arg));
    ck_assert_msg(flags.derp, "%s", arg);
  }
}
END_TEST

START_TEST(bool_bad_value) {
  ASSERT_ERR(PARSE("--stun=yes"), "invalid boolean value \"yes\" for -stun: parse error");
  ASSERT_ERR(PARSE("--derp="), "invalid boolean value \"\" for -derp: parse error");
}
END_TEST

/* ---- -a ---- */

START_TEST(addr_ipv4) {
  ASSERT_OK(PARSE("-a", "127.0.0.1:0"));
  ck_assert_str_eq(flags.listen_host, "127.0.0.1");
  ck_assert_int_eq(flags.listen_port, 0);
}
END_TEST

START_TEST(addr_ipv6_brackets_removed) {
  ASSERT_OK(PARSE("-a", "[::1]:8443"));
  ck_assert_str_eq(flags.listen_host, "::1");
  ck_assert_int_eq(flags.listen_port, 8443);
}
END_TEST

START_TEST(addr_empty_host_and_service_name) {
  ASSERT_OK(PARSE("-a", ":https"));
  ck_assert_str_eq(flags.listen_host, "");
  ck_assert_int_eq(flags.listen_port, 443);
}
END_TEST

START_TEST(addr_missing_port) {
  ASSERT_ERR(PARSE("-a", "127.0.0.1"), "invalid -a: address 127.0.0.1: missing port in address");
  ASSERT_ERR(PARSE("-a", "[::1]"), "invalid -a: address [::1]: missing port in address");
}
END_TEST

START_TEST(addr_too_many_colons) {
  ASSERT_ERR(PARSE("-a", "::1:443"), "invalid -a: address ::1:443: too many colons in address");
}
END_TEST

START_TEST(addr_missing_bracket) {
  ASSERT_ERR(PARSE("-a", "[::1:443"), "invalid -a: address [::1:443: missing ']' in address");
}
END_TEST

START_TEST(addr_stray_brackets) {
  ASSERT_ERR(PARSE("-a", "a[b:1"), "invalid -a: address a[b:1: unexpected '[' in address");
  ASSERT_ERR(PARSE("-a", "1.2.3.4:]"), "invalid -a: address 1.2.3.4:]: unexpected ']' in address");
  ASSERT_ERR(PARSE("-a", "[::1]x:1"), "invalid -a: address [::1]x:1: missing port in address");
  ASSERT_ERR(PARSE("-a", "[::1]:x:1"), "invalid -a: address [::1]:x:1: too many colons in address");
}
END_TEST

START_TEST(addr_host_too_long) {
  char a[400];
  memset(a, '1', 300);
  memcpy(a + 300, ":1", 3);
  ck_assert_int_eq(PARSE("-a", a), RELAY_FLAGS_ERROR);
  ck_assert(strstr(err, ": host too long") != NULL);
}
END_TEST

/* The port as net.Listen reads it (net.LookupPort), each text as Go 1.26
 * gives it: a sign, leading zeros and an empty port are numbers, a service
 * name is looked up (http and https here). */
START_TEST(addr_bad_port) {
  ASSERT_ERR(PARSE("-a", "127.0.0.1:65536"), "invalid -a: address 65536: invalid port");
  ASSERT_ERR(PARSE("-a", "127.0.0.1:-1"), "invalid -a: address -1: invalid port");
  ASSERT_ERR(PARSE("-a", "127.0.0.1:99999999999999999999"),
             "invalid -a: address 99999999999999999999: invalid port");
  ASSERT_ERR(PARSE("-a", "127.0.0.1:x"), "invalid -a: lookup tcp/x: unknown port");
  ASSERT_ERR(PARSE("-a", "127.0.0.1:8443/x"), "invalid -a: lookup tcp/8443/x: unknown port");
}
END_TEST

START_TEST(addr_port_read_as_go_reads_it) {
  static const struct {
    const char *addr;
    int port;
  } rows[] = {{"127.0.0.1:+80", 80}, {"127.0.0.1:000000443", 443}, {"127.0.0.1:", 0},
              {"127.0.0.1:-0", 0},   {"127.0.0.1:+", 0},           {":HTTPS", 443},
              {"[::1]:Http", 80}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    ck_assert_msg(PARSE("-a", rows[i].addr) == RELAY_FLAGS_OK, "%s: %s", rows[i].addr, err);
    ck_assert_int_eq(flags.listen_port, rows[i].port);
  }
}
END_TEST

/* Go's net.SplitHostPort texts where ours differed: which bracket is
 * stray, and an empty address (AddrError prints no "address :"). */
START_TEST(addr_split_texts_are_gos) {
  ASSERT_ERR(PARSE("-a", "a]b:1"), "invalid -a: address a]b:1: unexpected ']' in address");
  ASSERT_ERR(PARSE("-a", "[a]:["), "invalid -a: address [a]:[: unexpected '[' in address");
  ASSERT_ERR(PARSE("-a", ""), "invalid -a: missing port in address");
}
END_TEST

START_TEST(addr_host_must_be_ip) {
  ASSERT_ERR(PARSE("-a", "localhost:443"),
             "invalid -a: address localhost:443: host localhost is not an IP address");
}
END_TEST

/* ---- certificates ---- */

START_TEST(hostname_set_and_empty_rejected) {
  ASSERT_OK(PARSE("--hostname", "::1"));
  ck_assert_str_eq(flags.hostname, "::1");
  ASSERT_ERR(PARSE("--hostname="), "missing required --hostname flag");
}
END_TEST

START_TEST(certmode_manual_accepted) {
  ASSERT_OK(PARSE("--certmode", "manual"));
  ck_assert_str_eq(flags.certmode, "manual");
}
END_TEST

START_TEST(certmode_letsencrypt_and_gcp_refused_clearly) {
  ASSERT_ERR(PARSE("--certmode", "letsencrypt"),
             "--certmode=letsencrypt is not supported by derp-relay: only --certmode=manual "
             "(certificates from --certdir, or a self-signed one for an IP --hostname)");
  ASSERT_ERR(PARSE("--certmode=gcp"),
             "--certmode=gcp is not supported by derp-relay: only --certmode=manual "
             "(certificates from --certdir, or a self-signed one for an IP --hostname)");
}
END_TEST

START_TEST(certmode_unknown_uses_derper_text) {
  ASSERT_ERR(PARSE("--certmode", "bogus"), "unsupport cert mode: \"bogus\"");
}
END_TEST

START_TEST(certdir_required) {
  ck_assert_int_eq(parse_with(NULL, (const char *const[]){NULL}), RELAY_FLAGS_ERROR);
  ck_assert_str_eq(err, "missing required --certdir flag");
  ASSERT_ERR(PARSE("--certdir="), "missing required --certdir flag");
  ck_assert_int_eq(parse_with("", (const char *const[]){"--certdir", "/x", NULL}), RELAY_FLAGS_OK);
  ck_assert_str_eq(flags.certdir, "/x");
}
END_TEST

START_TEST(keyfile_set_and_empty_rejected) {
  ASSERT_OK(PARSE("-c", "/k.json"));
  ck_assert_str_eq(flags.keyfile, "/k.json");
  ASSERT_ERR(PARSE("-c="), "-c must not be empty (omit it for an ephemeral key)");
}
END_TEST

START_TEST(metacert_on_off) {
  ASSERT_OK(PARSE("--metacert=off"));
  ck_assert(!flags.metacert);
  ASSERT_OK(PARSE("--metacert", "on"));
  ck_assert(flags.metacert);
  ASSERT_ERR(PARSE("--metacert=true"), "invalid value \"true\" for flag -metacert: want on or off");
  ASSERT_ERR(PARSE("--metacert"), "flag needs an argument: -metacert");
}
END_TEST

START_TEST(tls_versions) {
  ASSERT_OK(PARSE("--tls-min", "1.3"));
  ck_assert_int_eq(flags.tls_min, RELAY_TLS_1_3);
  ASSERT_OK(PARSE("--tls-max=1.2"));
  ck_assert_int_eq(flags.tls_max, RELAY_TLS_1_2);
  ASSERT_ERR(PARSE("--tls-min", "1.1"), "invalid value \"1.1\" for flag -tls-min: want 1.2 or 1.3");
  ASSERT_ERR(PARSE("--tls-max", "TLS1.3"),
             "invalid value \"TLS1.3\" for flag -tls-max: want 1.2 or 1.3");
}
END_TEST

START_TEST(tls_min_above_max) {
  ASSERT_ERR(PARSE("--tls-min", "1.3", "--tls-max", "1.2"), "--tls-min 1.3 is above --tls-max 1.2");
}
END_TEST

/* ---- services ---- */

START_TEST(stun_port_values) {
  ASSERT_OK(PARSE("--stun-port", "0"));
  ck_assert_int_eq(flags.stun_port, 0);
  ASSERT_OK(PARSE("--stun-port=0x10"));
  ck_assert_int_eq(flags.stun_port, 16);
  /* Go's flag package takes every ParseInt base-0 literal */
  ASSERT_OK(PARSE("--stun-port=0o17"));
  ck_assert_int_eq(flags.stun_port, 15);
  ASSERT_OK(PARSE("--stun-port=3_478"));
  ck_assert_int_eq(flags.stun_port, 3478);
  ASSERT_ERR(PARSE("--stun-port", "3__478"),
             "invalid value \"3__478\" for flag -stun-port: parse error");
  ASSERT_ERR(PARSE("--stun-port", "65536"),
             "invalid value \"65536\" for flag -stun-port: port out of range 0..65535");
  ASSERT_ERR(PARSE("--stun-port", "-1"),
             "invalid value \"-1\" for flag -stun-port: port out of range 0..65535");
  ASSERT_ERR(PARSE("--stun-port", "x"), "invalid value \"x\" for flag -stun-port: parse error");
  ASSERT_ERR(PARSE("--stun-port", " 1"), "invalid value \" 1\" for flag -stun-port: parse error");
  ASSERT_ERR(PARSE("--stun-port", "99999999999999999999"),
             "invalid value \"99999999999999999999\" for flag -stun-port: value out of range");
}
END_TEST

START_TEST(stun_port_follows_ephemeral_listen_port) {
  ASSERT_OK(PARSE("-a", "127.0.0.1:0"));
  ck_assert_int_eq(flags.stun_port, 0);
  ASSERT_OK(PARSE("-a", "127.0.0.1:8443"));
  ck_assert_int_eq(flags.stun_port, 3478);
  ASSERT_OK(PARSE("-a", "127.0.0.1:0", "--stun-port", "3478"));
  ck_assert_int_eq(flags.stun_port, 3478);
}
END_TEST

START_TEST(stun_disable) {
  ASSERT_OK(PARSE("--stun=false"));
  ck_assert(!flags.stun);
}
END_TEST

START_TEST(derp_disable) {
  ASSERT_OK(PARSE("-derp=false"));
  ck_assert(!flags.derp);
}
END_TEST

START_TEST(http_port_values) {
  ASSERT_OK(PARSE("--http-port", "8080"));
  ck_assert_int_eq(flags.http_port, 8080);
  ASSERT_OK(PARSE("--http-port=-1"));
  ck_assert_int_eq(flags.http_port, -1);
  ASSERT_ERR(PARSE("--http-port", "-2"),
             "invalid value \"-2\" for flag -http-port: port out of range -1..65535");
}
END_TEST

START_TEST(verify_clients_with_file) {
  ASSERT_OK(PARSE("--verify-clients", "--verify-clients-file", "/allow"));
  ck_assert(flags.verify_clients);
  ck_assert_str_eq(flags.verify_clients_file, "/allow");
}
END_TEST

START_TEST(verify_clients_without_file) {
  ASSERT_ERR(PARSE("--verify-clients"),
             "--verify-clients needs --verify-clients-file FILE (one nodekey:<hex> per line): "
             "derp-relay has no local tailscaled to ask");
  ASSERT_ERR(PARSE("--verify-clients", "--verify-clients-file="),
             "--verify-clients needs --verify-clients-file FILE (one nodekey:<hex> per line): "
             "derp-relay has no local tailscaled to ask");
}
END_TEST

START_TEST(verify_clients_file_without_flag) {
  ASSERT_ERR(PARSE("--verify-clients-file", "/allow"),
             "--verify-clients-file is only used with --verify-clients");
}
END_TEST

/* ---- timeouts ---- */

START_TEST(tcp_write_timeout_values) {
  ASSERT_OK(PARSE("--tcp-write-timeout", "500ms"));
  ck_assert_int_eq(flags.tcp_write_timeout_ns, 500000000LL);
  ASSERT_OK(PARSE("--tcp-write-timeout=0"));
  ck_assert_int_eq(flags.tcp_write_timeout_ns, 0);
  ASSERT_ERR(PARSE("--tcp-write-timeout", "2"),
             "invalid value \"2\" for flag -tcp-write-timeout: parse error");
  ASSERT_ERR(PARSE("--tcp-write-timeout", "-1s"),
             "--tcp-write-timeout must not be negative (0 = none)");
}
END_TEST

START_TEST(handshake_timeout_values) {
  ASSERT_OK(PARSE("--handshake-timeout", "1.5s"));
  ck_assert_int_eq(flags.handshake_timeout_ns, 1500000000LL);
  ASSERT_ERR(PARSE("--handshake-timeout", "0"), "--handshake-timeout must be positive");
  ASSERT_ERR(PARSE("--handshake-timeout", "1x"),
             "invalid value \"1x\" for flag -handshake-timeout: parse error");
}
END_TEST

START_TEST(ready_file_values) {
  ASSERT_OK(PARSE("--ready-file", "/tmp/r"));
  ck_assert_str_eq(flags.ready_file, "/tmp/r");
  ASSERT_ERR(PARSE("--ready-file="), "--ready-file must not be empty");
}
END_TEST

START_TEST(error_buffer_truncates_safely) {
  char small[8];
  char *argv[] = {(char *)"derp-relay", (char *)"--a-very-long-unknown-flag", NULL};
  relay_flags_defaults(&flags, "/c");
  ck_assert_int_eq(relay_flags_parse(&flags, 2, argv, small, sizeof small), RELAY_FLAGS_ERROR);
  ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

START_TEST(usage_mentions_every_flag) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(mem);
  relay_flags_usage(mem, "derp-relay");
  fclose(mem);
  const char *names[] = {"-a ",
                         "--hostname",
                         "--certmode",
                         "--certdir",
                         "-c KEYFILE",
                         "--stun[",
                         "--stun-port",
                         "--derp[",
                         "--http-port",
                         "--tcp-write-timeout",
                         "--verify-clients ",
                         "--verify-clients-file",
                         "--metacert",
                         "--tls-min",
                         "--tls-max",
                         "--ready-file",
                         "--handshake-timeout",
                         "--help"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    ck_assert_msg(strstr(text, names[i]) != NULL, "usage lacks %s", names[i]);
  }
  free(text);
}
END_TEST

/* ---- --verify-clients-file ---- */

#define KEY_A "nodekey:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "nodekey:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static bool allow_parse(const char *text, uint8_t (*keys)[32], size_t cap, size_t *n) {
  return relay_allowlist_parse((const uint8_t *)text, strlen(text), keys, cap, n, err, sizeof err);
}

START_TEST(mesh_key_file_as_derper_reads_it) {
  uint8_t key[32];
  const char *ok = "  0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n";
  ck_assert(derp_mesh_key_parse((const uint8_t *)ok, strlen(ok), key, err, sizeof err));
  ck_assert_uint_eq(key[0], 0x01);
  ck_assert_uint_eq(key[31], 0xef);
  const char *short_key = "0123";
  ck_assert(!derp_mesh_key_parse((const uint8_t *)short_key, 4, key, err, sizeof err));
  ck_assert_str_eq(err, "must hold 64 hex digits, found 4 characters");
  char bad[65];
  memset(bad, 'a', 64);
  bad[10] = 'g';
  ck_assert(!derp_mesh_key_parse((const uint8_t *)bad, 64, key, err, sizeof err));
  ck_assert_str_eq(err, "must hold 64 hex digits, found a character that is not one");
  ck_assert_int_eq(PARSE("--mesh-psk-file", "/k"), RELAY_FLAGS_OK);
}
END_TEST

START_TEST(allowlist_keys_comments_blanks) {
  uint8_t keys[4][32];
  size_t n = 0;
  ck_assert(allow_parse("# admitted\n\n  " KEY_A "\t\r\n" KEY_B, keys, 4, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(keys[0][0], 0x00);
  ck_assert_uint_eq(keys[0][1], 0x11);
  ck_assert_uint_eq(keys[1][0], 0xff);
  ck_assert_uint_eq(keys[1][31], 0x00);
}
END_TEST

START_TEST(allowlist_count_only_and_empty) {
  size_t n = 99;
  ck_assert(allow_parse(KEY_A "\n" KEY_B "\n", NULL, 0, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert(allow_parse("", NULL, 0, &n));
  ck_assert_uint_eq(n, 0);
  ck_assert(allow_parse("# nobody\n", NULL, 0, &n));
  ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(allowlist_rejects_short_key_with_line) {
  size_t n;
  ck_assert(!allow_parse(KEY_A "\nnodekey:1234\n", NULL, 0, &n));
  ck_assert_str_eq(err, "line 2: want nodekey:<64 hex digits>, got \"nodekey:1234\"");
}
END_TEST

START_TEST(allowlist_rejects_wrong_prefix) {
  size_t n;
  ck_assert(!allow_parse("privkey:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                         NULL, 0, &n));
  ck_assert_str_eq(err,
                   "line 1: want nodekey:<64 hex digits>, got "
                   "\"privkey:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"");
}
END_TEST

START_TEST(allowlist_rejects_non_hex_and_trailing_text) {
  size_t n;
  ck_assert(!allow_parse("nodekey:zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                         NULL, 0, &n));
  ck_assert(strncmp(err, "line 1: want nodekey:", 21) == 0);
  ck_assert(!allow_parse(KEY_A " extra", NULL, 0, &n));
  ck_assert(strncmp(err, "line 1: want nodekey:", 21) == 0);
}
END_TEST

START_TEST(allowlist_rejects_more_than_cap) {
  uint8_t keys[1][32];
  size_t n;
  ck_assert(!allow_parse(KEY_A "\n" KEY_B "\n", keys, 1, &n));
  ck_assert_str_eq(err, "line 2: more than 1 keys");
}
END_TEST

static Suite *relay_flags_suite(void) {
  Suite *s = suite_create("relay_flags");
  TCase *t = tcase_create("syntax");
  tcase_add_test(t, defaults_match_derper_except_documented);
  tcase_add_test(t, syntax_single_and_double_dash);
  tcase_add_test(t, syntax_equals_form);
  tcase_add_test(t, syntax_value_may_start_with_dash);
  tcase_add_test(t, syntax_equals_value_may_contain_equals);
  tcase_add_test(t, syntax_last_occurrence_wins);
  tcase_add_test(t, syntax_double_dash_ends_flags);
  tcase_add_test(t, syntax_bad_flag_syntax);
  tcase_add_test(t, syntax_unknown_flag);
  tcase_add_test(t, syntax_bad_value_quoted_as_go_quotes_it);
  tcase_add_test(t, syntax_missing_argument);
  tcase_add_test(t, syntax_stray_argument);
  tcase_add_test(t, syntax_help);
  tcase_add_test(t, mesh_with_peers_and_pins);
  tcase_add_test(t, syntax_unsupported_derper_flag_says_why);
  tcase_add_test(t, bool_bare_is_true);
  tcase_add_test(t, bool_go_spellings);
  tcase_add_test(t, bool_bad_value);
  tcase_add_test(t, error_buffer_truncates_safely);
  tcase_add_test(t, usage_mentions_every_flag);
  suite_add_tcase(s, t);

  t = tcase_create("listen");
  tcase_add_test(t, addr_ipv4);
  tcase_add_test(t, addr_ipv6_brackets_removed);
  tcase_add_test(t, addr_empty_host_and_service_name);
  tcase_add_test(t, addr_missing_port);
  tcase_add_test(t, addr_too_many_colons);
  tcase_add_test(t, addr_missing_bracket);
  tcase_add_test(t, addr_stray_brackets);
  tcase_add_test(t, addr_host_too_long);
  tcase_add_test(t, addr_bad_port);
  tcase_add_test(t, addr_port_read_as_go_reads_it);
  tcase_add_test(t, addr_split_texts_are_gos);
  tcase_add_test(t, addr_host_must_be_ip);
  suite_add_tcase(s, t);

  t = tcase_create("certs");
  tcase_add_test(t, hostname_set_and_empty_rejected);
  tcase_add_test(t, certmode_manual_accepted);
  tcase_add_test(t, certmode_letsencrypt_and_gcp_refused_clearly);
  tcase_add_test(t, certmode_unknown_uses_derper_text);
  tcase_add_test(t, certdir_required);
  tcase_add_test(t, keyfile_set_and_empty_rejected);
  tcase_add_test(t, metacert_on_off);
  tcase_add_test(t, tls_versions);
  tcase_add_test(t, tls_min_above_max);
  suite_add_tcase(s, t);

  t = tcase_create("services");
  tcase_add_test(t, stun_port_values);
  tcase_add_test(t, stun_port_follows_ephemeral_listen_port);
  tcase_add_test(t, stun_disable);
  tcase_add_test(t, derp_disable);
  tcase_add_test(t, http_port_values);
  tcase_add_test(t, verify_clients_with_file);
  tcase_add_test(t, verify_clients_without_file);
  tcase_add_test(t, verify_clients_file_without_flag);
  tcase_add_test(t, tcp_write_timeout_values);
  tcase_add_test(t, handshake_timeout_values);
  tcase_add_test(t, ready_file_values);
  suite_add_tcase(s, t);

  t = tcase_create("verify_clients_file");
  tcase_add_test(t, allowlist_keys_comments_blanks);
  tcase_add_test(t, allowlist_count_only_and_empty);
  tcase_add_test(t, allowlist_rejects_short_key_with_line);
  tcase_add_test(t, allowlist_rejects_wrong_prefix);
  tcase_add_test(t, allowlist_rejects_non_hex_and_trailing_text);
  tcase_add_test(t, mesh_key_file_as_derper_reads_it);
  tcase_add_test(t, allowlist_rejects_more_than_cap);
  tcase_add_test(t, rateconfig_refuses_nul_as_go_does);
  tcase_add_test(t, rateconfig_is_derpservers_json_unmarshal);
  suite_add_tcase(s, t);
  return s;
}

CHECK_MAIN(relay_flags_suite)
