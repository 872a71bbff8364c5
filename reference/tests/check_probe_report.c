#include "derp/probe_report.h"

#include <stdlib.h>
#include <string.h>

#include "check_main.h"

static struct probe_report *new_report(void) {
  struct probe_report *r = malloc(sizeof *r);
  ck_assert_ptr_nonnull(r);
  probe_report_init(r);
  return r;
}

static const char *format(const struct probe_msg *m) {
  static char out[PROBE_MESSAGE_MAX];
  ck_assert(probe_msg_format(m, out, sizeof out));
  return out;
}

/* ---- §5.1 texts ---- */

START_TEST(region_line_quotes_code) {
  struct probe_msg m = {.kind = PROBE_MSG_REGION, .number = 900, .text = "custom"};
  ck_assert_str_eq(format(&m), "Region 900 == \"custom\"");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_INFO);
}
END_TEST

START_TEST(no_such_region_quotes_like_go) {
  struct probe_msg m = {.kind = PROBE_MSG_NO_SUCH_REGION, .text = "a\"b\n"};
  ck_assert_str_eq(format(&m), "no such region \"a\\\"b\\n\" in DERP map");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_ERRORS);
}
END_TEST

START_TEST(fixed_texts) {
  struct probe_msg m = {.kind = PROBE_MSG_SINGLE_REGION};
  ck_assert_str_eq(format(&m),
                   "Having only a single DERP region (i.e. removing the default Tailscale-provided "
                   "regions) is a single point of failure and could hamper connectivity");
  m.kind = PROBE_MSG_AVOID;
  ck_assert_str_eq(format(&m), "Region is marked with Avoid bit");
  m.kind = PROBE_MSG_NO_NODES;
  ck_assert_str_eq(format(&m), "Region has no nodes defined");
  m.kind = PROBE_MSG_NO_DERP_MAP;
  ck_assert_str_eq(format(&m), "no DERP map (not connected?)");
}
END_TEST

START_TEST(dial_and_tls_errors_name_family) {
  struct probe_msg m = {.kind = PROBE_MSG_DIAL_ERROR,
                        .host = "127.0.0.1",
                        .addr = "127.0.0.1:1",
                        .number = 4,
                        .err = "dial tcp4 127.0.0.1:1: connect: connection refused"};
  ck_assert_str_eq(format(&m),
                   "Error connecting to node \"127.0.0.1\" @ \"127.0.0.1:1\" over IPv4: "
                   "dial tcp4 127.0.0.1:1: connect: connection refused");
  m.kind = PROBE_MSG_TLS_ERROR;
  m.number = 6;
  m.addr = "[::1]:443";
  m.err = "x";
  ck_assert_str_eq(
      format(&m),
      "Error upgrading connection to node \"127.0.0.1\" @ \"[::1]:443\" to TLS over IPv6: x");
}
END_TEST

START_TEST(connectivity_summaries) {
  struct probe_msg m = {.kind = PROBE_MSG_IPV6_ONLY, .host = "derp.example"};
  ck_assert_str_eq(format(&m), "Node \"derp.example\" only has IPv6 connectivity, not IPv4");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_WARNINGS);
  m.kind = PROBE_MSG_DUAL_STACK;
  ck_assert_str_eq(format(&m), "Node \"derp.example\" has working IPv4 and IPv6 connectivity");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_INFO);
  m.kind = PROBE_MSG_STUN_ONLY;
  ck_assert_str_eq(format(&m), "Node \"derp.example\" is marked STUNOnly; skipped non-STUN checks");
}
END_TEST

START_TEST(captive_portal_warning) {
  struct probe_msg m = {.kind = PROBE_MSG_CAPTIVE_FAILED,
                        .addr = "http://127.0.0.1/generate_204?t=1700000000"};
  ck_assert_str_eq(format(&m),
                   "Error making request to the captive portal check "
                   "\"http://127.0.0.1/generate_204?t=1700000000\"; is port 80 blocked?");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_WARNINGS);
}
END_TEST

START_TEST(derp_connect_messages) {
  struct probe_msg m = {.kind = PROBE_MSG_DERP_ERROR, .host = "h", .number = 3, .err = "boom"};
  ck_assert_str_eq(format(&m), "Error connecting to node \"h\" @ try 3: boom");
  m.kind = PROBE_MSG_DERP_OK;
  ck_assert_str_eq(format(&m), "Successfully established a DERP connection with node \"h\"");
  m.kind = PROBE_MSG_MULTIPLE_KEYS;
  m.number = 2;
  ck_assert_str_eq(format(&m),
                   "Received multiple server public keys (2); is the DERP server "
                   "behind a load balancer?");
}
END_TEST

START_TEST(stun_messages) {
  struct probe_msg m = {.kind = PROBE_MSG_STUN_OK, .host = "h", .addr = "127.0.0.1:5555"};
  ck_assert_str_eq(format(&m), "Node \"h\" returned IPv4 STUN response: 127.0.0.1:5555");
  m.kind = PROBE_MSG_STUN_NONE;
  ck_assert_str_eq(format(&m), "Node \"h\" did not return a IPv4 STUN response");
  ck_assert_int_eq(probe_msg_section(m.kind), PROBE_WARNINGS);
  m.kind = PROBE_MSG_STUN_SEND_ERROR;
  m.err = "e";
  m.addr = "1.2.3.4:3478";
  ck_assert_str_eq(format(&m), "Error sending IPv4 STUN packet to 1.2.3.4:3478 (\"h\"): e");
  m.kind = PROBE_MSG_STUN_RESOLVE_ERROR;
  ck_assert_str_eq(format(&m), "Error resolving node \"h\" IPv4 addresses: e");
  m.kind = PROBE_MSG_STUN_LISTEN_ERROR;
  ck_assert_str_eq(format(&m), "Error creating IPv4 STUN listener: e");
}
END_TEST

START_TEST(unknown_kind_is_refused) {
  char out[64];
  struct probe_msg m = {.kind = (enum probe_msg_kind)999};
  ck_assert(!probe_msg_format(&m, out, sizeof out));
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(long_message_is_cut_and_flagged) {
  struct probe_report *r = new_report();
  char *big = malloc(PROBE_MESSAGE_MAX * 2);
  memset(big, 'x', PROBE_MESSAGE_MAX * 2 - 1);
  big[PROBE_MESSAGE_MAX * 2 - 1] = '\0';
  struct probe_msg m = {.kind = PROBE_MSG_DERP_ERROR, .host = "h", .err = big};
  ck_assert(probe_report_message(r, &m));
  ck_assert(r->truncated);
  ck_assert_uint_eq(probe_report_count(r, PROBE_ERRORS), 1);
  ck_assert_uint_eq(strlen(probe_report_item(r, PROBE_ERRORS, 0)), PROBE_MESSAGE_MAX - 1);
  free(big);
  free(r);
}
END_TEST

/* ---- report model ---- */

START_TEST(sections_keep_order) {
  struct probe_report *r = new_report();
  ck_assert(probe_report_add(r, PROBE_INFO, "a"));
  ck_assert(probe_report_add(r, PROBE_ERRORS, "e"));
  ck_assert(probe_report_add(r, PROBE_INFO, "b"));
  ck_assert_uint_eq(probe_report_count(r, PROBE_INFO), 2);
  ck_assert_str_eq(probe_report_item(r, PROBE_INFO, 0), "a");
  ck_assert_str_eq(probe_report_item(r, PROBE_INFO, 1), "b");
  ck_assert_str_eq(probe_report_item(r, PROBE_ERRORS, 0), "e");
  ck_assert_ptr_null(probe_report_item(r, PROBE_INFO, 2));
  ck_assert_ptr_null(probe_report_item(r, PROBE_WARNINGS, 0));
  free(r);
}
END_TEST

START_TEST(entry_cap_is_enforced) {
  struct probe_report *r = new_report();
  for (int i = 0; i < PROBE_REPORT_MAX_ENTRIES; i++)
    ck_assert(probe_report_add(r, PROBE_INFO, "i"));
  ck_assert(!probe_report_add(r, PROBE_INFO, "one too many"));
  ck_assert(r->truncated);
  ck_assert(probe_report_add(r, PROBE_WARNINGS, "other sections still work"));
  free(r);
}
END_TEST

START_TEST(arena_full_cuts_at_utf8_boundary) {
  struct probe_report *r = new_report();
  char *fill = malloc(PROBE_REPORT_ARENA);
  memset(fill, 'a', PROBE_REPORT_ARENA - 8);
  fill[PROBE_REPORT_ARENA - 8] = '\0';
  ck_assert(probe_report_add(r, PROBE_INFO, fill)); /* leaves 7 bytes, 6 usable */
  ck_assert(!r->truncated);
  /* "ab" + three 2-byte runes: the cut must not split the last one. */
  ck_assert(probe_report_add(r, PROBE_INFO, "ab\xc3\xa9\xc3\xa9\xc3\xa9"));
  ck_assert(r->truncated);
  ck_assert_str_eq(probe_report_item(r, PROBE_INFO, 1), "ab\xc3\xa9\xc3\xa9");
  ck_assert(!probe_report_add(r, PROBE_INFO, "no room"));
  free(fill);
  free(r);
}
END_TEST

/* ---- JSON ---- */

static const char *json_of(const struct probe_report *r, bool indent) {
  static char buf[8192];
  struct byte_writer w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_report_write_json(&w, r, indent));
  buf[w.len] = '\0';
  return buf;
}

START_TEST(empty_lists_are_null) {
  struct probe_report *r = new_report();
  ck_assert_str_eq(json_of(r, false), "{\"Info\":null,\"Warnings\":null,\"Errors\":null}");
  free(r);
}
END_TEST

START_TEST(compact_json_shape) {
  struct probe_report *r = new_report();
  probe_report_add(r, PROBE_INFO, "Region 900 == \"custom\"");
  probe_report_add(r, PROBE_ERRORS, "e1");
  probe_report_add(r, PROBE_ERRORS, "e2");
  probe_report_add(r, PROBE_DIAGNOSIS, "not in upstream's object");
  ck_assert_str_eq(json_of(r, false),
                   "{\"Info\":[\"Region 900 == \\\"custom\\\"\"],\"Warnings\":null,"
                   "\"Errors\":[\"e1\",\"e2\"]}");
  free(r);
}
END_TEST

START_TEST(indented_like_the_cli) {
  struct probe_report *r = new_report();
  probe_report_add(r, PROBE_INFO, "a");
  probe_report_add(r, PROBE_INFO, "b");
  ck_assert_str_eq(json_of(r, true),
                   "{\n \"Info\": [\n  \"a\",\n  \"b\"\n ],\n \"Warnings\": null,\n"
                   " \"Errors\": null\n}");
  free(r);
}
END_TEST

START_TEST(strings_escape_like_go) {
  char buf[256];
  struct byte_writer w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_json_write_string(&w, "<a&b>\t\x01\x7f\xe2\x80\xa8\xff\xc3\xa9\b\f\\\""));
  buf[w.len] = '\0';
  ck_assert_str_eq(buf,
                   "\"\\u003ca\\u0026b\\u003e\\t\\u0001\x7f\\u2028\\ufffd\xc3\xa9\\b\\f\\\\\\\"\"");
}
END_TEST

START_TEST(writer_overflow_fails_cleanly) {
  struct probe_report *r = new_report();
  probe_report_add(r, PROBE_ERRORS, "an error that does not fit");
  char buf[20];
  struct byte_writer w = byte_writer_init((uint8_t *)buf, sizeof buf);
  ck_assert(!probe_report_write_json(&w, r, false));
  ck_assert_uint_le(w.len, sizeof buf);
  free(r);
}
END_TEST

START_TEST(output_bound_holds_for_worst_case) {
  struct probe_report *r = new_report();
  char worst[PROBE_MESSAGE_MAX];
  memset(worst, '<', sizeof worst - 1);
  worst[sizeof worst - 1] = '\0';
  for (int i = 0; i < 7; i++) probe_report_add(r, (enum probe_section)(i % 4), worst);
  size_t bound = probe_report_output_bound(r);
  char *buf = malloc(bound);
  struct byte_writer w = byte_writer_init((uint8_t *)buf, bound);
  ck_assert(probe_report_write_human(&w, r));
  w = byte_writer_init((uint8_t *)buf, bound);
  ck_assert(probe_report_write_json(&w, r, false));
  free(buf);
  free(r);
}
END_TEST

START_TEST(human_output_appends_diagnosis) {
  struct probe_report *r = new_report();
  probe_report_add(r, PROBE_ERRORS, "e");
  probe_report_add(r, PROBE_DIAGNOSIS, "because");
  char buf[512];
  struct byte_writer w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_report_write_human(&w, r));
  buf[w.len] = '\0';
  ck_assert_str_eq(buf,
                   "{\n \"Info\": null,\n \"Warnings\": null,\n \"Errors\": [\n  \"e\"\n ]\n}\n"
                   "\nDiagnosis:\n  - error unnamed: because\n");
  free(r);
  r = new_report();
  struct probe_facts f = {.stage = PROBE_STAGE_CAPTIVE, .host_name = "h"};
  ck_assert(probe_report_diagnose(r, &f));
  w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_report_write_human(&w, r));
  buf[w.len] = '\0';
  ck_assert_ptr_nonnull(strstr(buf, "\nDiagnosis:\n  - warning port80-closed: nothing answers"));
  ck_assert_ptr_nonnull(strstr(buf, "\n    fix: open port 80"));
  free(r);
}
END_TEST

/* ---- Diagnosis rules ---- */

/* "text — fix", as a rule writes it (the fix split off at " — "). */
static const char *diagnose(const struct probe_facts *f) {
  static char out[PROBE_MESSAGE_MAX + PROBE_FIX_MAX + 8];
  static struct probe_diagnosis d;
  ck_assert(probe_diagnose(f, &d));
  ck_assert_ptr_nonnull(d.code);
  snprintf(out, sizeof out, "%s%s%s", d.text, d.fix[0] ? " — " : "", d.fix);
  return out;
}

static const char *code_of(const struct probe_facts *f) {
  static struct probe_diagnosis d;
  ck_assert(probe_diagnose(f, &d));
  return d.code;
}

static const char *leaf_hex = "2a5b5ce2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4f9aff";

START_TEST(diagnosis_metacert_rejected_by_1_82) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "unexpected multiple certs presented",
                          .profile = "tailscale-1.82",
                          .certs_presented = 2,
                          .metacerts_presented = 1};
  ck_assert_str_eq(diagnose(&f),
                   "server presented 2 certificates (leaf + metacert); clients 1.82.x "
                   "reject this — upgrade clients or run the relay with --metacert=off");
}
END_TEST

START_TEST(diagnosis_intermediate_rejected_everywhere) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "unexpected multiple certs presented",
                          .certs_presented = 3,
                          .metacerts_presented = 1};
  ck_assert_ptr_nonnull(
      strstr(diagnose(&f), "server presented 3 certificates (2 besides metacerts"));
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "every client version"));
}
END_TEST

START_TEST(diagnosis_hash_mismatch_quotes_snippet) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = "sha256-raw:0000",
                          .leaf_sha256 = leaf_hex,
                          .snippet_sha256 = leaf_hex};
  char want[512];
  snprintf(want, sizeof want,
           "pinned hash matches no presented certificate; the relay's snippet says %s — put "
           "\"CertName\": \"sha256-raw:%s\" in the DERPMap",
           leaf_hex, leaf_hex);
  ck_assert_str_eq(diagnose(&f), want);
}
END_TEST

START_TEST(diagnosis_hash_mismatch_without_snippet_names_presented_leaf) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = "sha256-raw:0000",
                          .leaf_sha256 = leaf_hex,
                          .certs_presented = 2,
                          .metacerts_presented = 1};
  ck_assert_ptr_nonnull(
      strstr(diagnose(&f), "the relay now serves a certificate with hash 2a5b5ce2"));
}
END_TEST

START_TEST(diagnosis_hash_uppercase) {
  char pin[128];
  snprintf(pin, sizeof pin, "sha256-raw:%s", leaf_hex);
  for (char *p = pin + 11; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = pin,
                          .leaf_sha256 = leaf_hex};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "the pinned hash is right but spelled in uppercase"));
}
END_TEST

START_TEST(diagnosis_hash_whitespace) {
  char pin[128];
  snprintf(pin, sizeof pin, "sha256-raw:%s ", leaf_hex);
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = pin,
                          .leaf_sha256 = leaf_hex};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "spelled with extra whitespace"));
}
END_TEST

START_TEST(diagnosis_stale_snippet) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = "sha256-raw:00",
                          .leaf_sha256 = leaf_hex,
                          .snippet_sha256 = "1111"};
  ck_assert_ptr_nonnull(
      strstr(diagnose(&f), "the relay's snippet says 1111 but the server presented"));
}
END_TEST

START_TEST(diagnosis_expired_names_cert_files) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert expired 2026-03-04 13:41:12 +0000 UTC",
                          .cert_name = "sha256-raw:00",
                          .has_leaf_validity = true,
                          .leaf_not_after = 1772631672, /* 2026-03-04 13:41:12 UTC */
                          .cert_file_stem = "127.0.0.1"};
  ck_assert_str_eq(diagnose(&f),
                   "certificate expired on 2026-03-04 13:41:12 +0000 UTC — delete "
                   "<certdir>/127.0.0.1.crt/.key and restart the relay to regenerate (then update "
                   "CertName from the new snippet); if it expired only minutes ago, check the "
                   "clocks");
}
END_TEST

START_TEST(diagnosis_not_yet_valid) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert not yet valid until x; is your clock correct?",
                          .has_leaf_validity = true,
                          .leaf_not_before = 1772631672};
  ck_assert_str_eq(diagnose(&f),
                   "certificate is not valid before 2026-03-04 13:41:12 +0000 UTC — the clock "
                   "of this machine or of the relay is wrong: compare both with a time server "
                   "(timedatectl, chronyc tracking)");
}
END_TEST

START_TEST(diagnosis_legacy_probe_bug) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error =
                              "tls: failed to verify certificate: x509: certificate is not valid "
                              "for any names, but wanted to match sha256-raw:abcd",
                          .profile = "debug-legacy",
                          .cert_name = "sha256-raw:abcd"};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "before 1.100"));
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "as the TLS server name"));
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "upgrade the client to 1.100+"));
}
END_TEST

START_TEST(diagnosis_legacy_with_fixed_check_ok) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error =
                              "tls: failed to verify certificate: x509: certificate is valid "
                              "for derp.test, not sha256-raw:abcd",
                          .cert_name = "sha256-raw:abcd",
                          .fixed_check = 1};
  ck_assert_ptr_nonnull(
      strstr(diagnose(&f), "a DERP connection to this node works, so the relay is fine"));
}
END_TEST

START_TEST(diagnosis_legacy_with_fixed_check_failing) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error =
                              "x509: certificate is not valid for any names, but wanted to "
                              "match sha256-raw:abcd",
                          .cert_name = "sha256-raw:abcd",
                          .fixed_check = -1,
                          .fixed_error = "cert hash does not match expected cert hash"};
  ck_assert_ptr_nonnull(
      strstr(diagnose(&f), "fails too: cert hash does not match expected cert hash"));
}
END_TEST

START_TEST(diagnosis_client_before_pins) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error =
                              "x509: certificate is not valid for any names, but wanted to "
                              "match sha256-raw:abcd",
                          .profile = "tailscale-1.80",
                          .cert_name = "sha256-raw:abcd",
                          .fixed_check = 1};
  ck_assert_str_eq(
      diagnose(&f),
      "clients before 1.82 do not know \"sha256-raw:\" pins: they verify the certificate "
      "for CertName \"sha256-raw:abcd\" as a DNS name, which no certificate can match; "
      "with the fixed logic (profile current) a DERP connection to this node works, so "
      "the relay is fine — upgrade clients to 1.84+ (1.82 rejects the relay's metacert)");
  f.fixed_check = 0;
  ck_assert_ptr_null(strstr(diagnose(&f), "debug derp"));
}
END_TEST

START_TEST(diagnosis_self_signed_without_certname) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error =
                              "tls: failed to verify certificate: x509: certificate signed by "
                              "unknown authority",
                          .leaf_self_signed = true,
                          .leaf_sha256 = leaf_hex};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "\"CertName\": \"sha256-raw:2a5b5ce2"));
}
END_TEST

START_TEST(diagnosis_name_mismatch_ip) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert does not match server name \"127.0.0.1\": x",
                          .host_name = "127.0.0.1"};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "clients 1.84.x check it"));
}
END_TEST

START_TEST(diagnosis_connection_refused) {
  struct probe_facts f = {.stage = PROBE_STAGE_DIAL,
                          .error = "dial tcp4 127.0.0.1:9: connect: connection refused",
                          .addr = "127.0.0.1:9"};
  ck_assert_str_eq(
      diagnose(&f),
      "nothing is listening on 127.0.0.1:9 — is the relay running, and is DERPPort its port?");
  ck_assert_str_eq(code_of(&f), "port-closed");
  f.family = 6;
  f.addr = "[::1]:9";
  ck_assert_str_eq(code_of(&f), "ipv6-not-listening");
}
END_TEST

START_TEST(diagnosis_stun_silence) {
  struct probe_facts f = {.stage = PROBE_STAGE_STUN, .stun_port = 3478};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "no STUN answer from the node on UDP port 3478"));
  ck_assert_str_eq(code_of(&f), "stun-unreachable");
}
END_TEST

START_TEST(diagnosis_none_for_unknown_errors) {
  struct probe_diagnosis d = {.code = "x", .text = "x"};
  struct probe_facts f = {.stage = PROBE_STAGE_TLS, .error = "something new"};
  ck_assert(!probe_diagnose(&f, &d));
  ck_assert_ptr_null(d.code);
  ck_assert_str_eq(d.text, "");
  ck_assert(!probe_diagnose(NULL, &d));
  /* A healthy fast-path connection is not worth a word. */
  struct probe_facts ok = {.stage = PROBE_STAGE_CONNECTED, .fast_path = true};
  ck_assert(!probe_diagnose(&ok, &d));
}
END_TEST

START_TEST(diagnosis_upgrade_stripped_and_proxy_errors) {
  struct probe_facts f = {.stage = PROBE_STAGE_DERP,
                          .error = "GET failed: <nil>: DERP requires connection upgrade",
                          .http_status = 426};
  ck_assert_str_eq(code_of(&f), "upgrade-stripped");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "proxy_set_header Upgrade $http_upgrade"));
  f.http_status = 502;
  f.error = "GET failed: <nil>: <html>502 Bad Gateway</html>";
  ck_assert_str_eq(code_of(&f), "proxy-error");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "HTTP 502"));
  f.http_status = 200;
  ck_assert_str_eq(code_of(&f), "not-derp");
}
END_TEST

START_TEST(diagnosis_cert_replaced_vs_stale_pin) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert hash does not match expected cert hash",
                          .cert_name = "sha256-raw:00",
                          .leaf_sha256 = leaf_hex,
                          .certs_presented = 1};
  ck_assert_str_eq(code_of(&f), "cert-replaced");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "something between you and the relay replaced"));
  f.certs_presented = 2;
  f.metacerts_presented = 1; /* the relay's own metacert: it is the relay's new certificate */
  ck_assert_str_eq(code_of(&f), "stale-pin");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "re-copy the snippet"));
}
END_TEST

START_TEST(diagnosis_clock_difference_in_text) {
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC",
                          .has_leaf_validity = true,
                          .leaf_not_before = 1000000 + 3 * 3600 + 12 * 60,
                          .now = 1000000};
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "3h12m ahead of this machine's clock"));
  f.error = "cert expired 2026-03-04 13:41:12 +0000 UTC";
  f.leaf_not_after = 1000000 - 2 * 86400 - 5 * 3600;
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "2d5h ago by this machine's clock"));
  ck_assert_str_eq(code_of(&f), "cert-expired");
}
END_TEST

START_TEST(diagnosis_stages_beyond_failures) {
  struct probe_facts f = {.stage = PROBE_STAGE_ACCEPT, .error = "unexpected EOF"};
  ck_assert_str_eq(code_of(&f), "auth-rejected");
  f = (struct probe_facts){.stage = PROBE_STAGE_KEYS, .distinct_keys = 2, .tries = 5};
  ck_assert_str_eq(code_of(&f), "load-balanced-keys");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "5 connections to the same node met 2 different"));
  f = (struct probe_facts){.stage = PROBE_STAGE_CAPTIVE, .host_name = "127.0.0.1"};
  ck_assert_str_eq(code_of(&f), "port80-closed");
  f = (struct probe_facts){.stage = PROBE_STAGE_CONNECTED, .tls_version = 0x0303};
  ck_assert_str_eq(code_of(&f), "tls12-slow-path");
  f = (struct probe_facts){
      .stage = PROBE_STAGE_CONNECTED, .tls_version = 0x0304, .certs_presented = 1};
  ck_assert_str_eq(code_of(&f), "metacert-missing");
  f = (struct probe_facts){.stage = PROBE_STAGE_TLS,
                           .error = "tls: first record does not look like a TLS handshake"};
  ck_assert_str_eq(code_of(&f), "plain-http");
  f = (struct probe_facts){.stage = PROBE_STAGE_TLS,
                           .error = "remote error: tls: internal error",
                           .host_name = "127.0.0.1"};
  ck_assert_str_eq(code_of(&f), "sni-required");
  f.host_name = "derp.example.com"; /* a name was sent: some other refusal */
  ck_assert_str_eq(code_of(&f), "tls-refused");
  f = (struct probe_facts){.stage = PROBE_STAGE_FAMILY, .family = 4};
  ck_assert_str_eq(code_of(&f), "ipv4-not-listening");
  ck_assert_ptr_nonnull(strstr(diagnose(&f), "answers over IPv6 only"));
}
END_TEST

START_TEST(diagnosis_json_and_severity) {
  struct probe_report *r = new_report();
  struct probe_facts f = {.stage = PROBE_STAGE_CAPTIVE, .host_name = "h"};
  ck_assert(probe_report_diagnose(r, &f));
  ck_assert_int_eq(probe_report_worst_severity(r), PROBE_SEVERITY_WARNING);
  char buf[2048];
  struct byte_writer w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_json_write_diagnosis(&w, r));
  buf[w.len] = '\0';
  ck_assert_ptr_nonnull(
      strstr(buf, "[{\"code\":\"port80-closed\",\"severity\":\"warning\",\"text\":"));
  ck_assert_ptr_nonnull(strstr(buf, ",\"fix\":\"open port 80"));
  free(r);
  r = new_report();
  w = byte_writer_init((uint8_t *)buf, sizeof buf - 1);
  ck_assert(probe_json_write_diagnosis(&w, r));
  buf[w.len] = '\0';
  ck_assert_str_eq(buf, "null");
  ck_assert_int_eq(probe_report_worst_severity(r), PROBE_SEVERITY_INFO);
  free(r);
}
END_TEST

START_TEST(diagnosis_is_added_once) {
  struct probe_report *r = new_report();
  struct probe_facts f = {.stage = PROBE_STAGE_TLS,
                          .error = "unexpected multiple certs presented",
                          .certs_presented = 2,
                          .metacerts_presented = 1};
  ck_assert(probe_report_diagnose(r, &f));
  ck_assert(probe_report_diagnose(r, &f));
  ck_assert_uint_eq(probe_report_count(r, PROBE_DIAGNOSIS), 1);
  free(r);
}
END_TEST

START_TEST(diagnosis_too_long_gives_nothing) {
  /* A hostile HostName longer than the text room: no rule, no cut text. */
  static char host[PROBE_MESSAGE_MAX + 16];
  memset(host, 'h', sizeof host - 1);
  struct probe_diagnosis d;
  struct probe_facts f = {.stage = PROBE_STAGE_CAPTIVE, .host_name = host};
  ck_assert(!probe_diagnose(&f, &d));
  ck_assert_ptr_null(d.code);
  ck_assert_str_eq(d.text, "");
}
END_TEST

static Suite *probe_report_suite(void) {
  Suite *s = suite_create("probe_report");
  TCase *msg = tcase_create("messages");
  tcase_add_test(msg, region_line_quotes_code);
  tcase_add_test(msg, no_such_region_quotes_like_go);
  tcase_add_test(msg, fixed_texts);
  tcase_add_test(msg, dial_and_tls_errors_name_family);
  tcase_add_test(msg, connectivity_summaries);
  tcase_add_test(msg, captive_portal_warning);
  tcase_add_test(msg, derp_connect_messages);
  tcase_add_test(msg, stun_messages);
  tcase_add_test(msg, unknown_kind_is_refused);
  tcase_add_test(msg, long_message_is_cut_and_flagged);
  suite_add_tcase(s, msg);
  TCase *model = tcase_create("model");
  tcase_add_test(model, sections_keep_order);
  tcase_add_test(model, entry_cap_is_enforced);
  tcase_add_test(model, arena_full_cuts_at_utf8_boundary);
  suite_add_tcase(s, model);
  TCase *json = tcase_create("json");
  tcase_add_test(json, empty_lists_are_null);
  tcase_add_test(json, compact_json_shape);
  tcase_add_test(json, indented_like_the_cli);
  tcase_add_test(json, strings_escape_like_go);
  tcase_add_test(json, writer_overflow_fails_cleanly);
  tcase_add_test(json, output_bound_holds_for_worst_case);
  tcase_add_test(json, human_output_appends_diagnosis);
  suite_add_tcase(s, json);
  TCase *diag = tcase_create("diagnosis");
  tcase_add_test(diag, diagnosis_metacert_rejected_by_1_82);
  tcase_add_test(diag, diagnosis_intermediate_rejected_everywhere);
  tcase_add_test(diag, diagnosis_hash_mismatch_quotes_snippet);
  tcase_add_test(diag, diagnosis_hash_mismatch_without_snippet_names_presented_leaf);
  tcase_add_test(diag, diagnosis_hash_uppercase);
  tcase_add_test(diag, diagnosis_hash_whitespace);
  tcase_add_test(diag, diagnosis_stale_snippet);
  tcase_add_test(diag, diagnosis_expired_names_cert_files);
  tcase_add_test(diag, diagnosis_not_yet_valid);
  tcase_add_test(diag, diagnosis_legacy_probe_bug);
  tcase_add_test(diag, diagnosis_legacy_with_fixed_check_ok);
  tcase_add_test(diag, diagnosis_legacy_with_fixed_check_failing);
  tcase_add_test(diag, diagnosis_client_before_pins);
  tcase_add_test(diag, diagnosis_self_signed_without_certname);
  tcase_add_test(diag, diagnosis_name_mismatch_ip);
  tcase_add_test(diag, diagnosis_connection_refused);
  tcase_add_test(diag, diagnosis_stun_silence);
  tcase_add_test(diag, diagnosis_none_for_unknown_errors);
  tcase_add_test(diag, diagnosis_is_added_once);
  tcase_add_test(diag, diagnosis_too_long_gives_nothing);
  tcase_add_test(diag, diagnosis_upgrade_stripped_and_proxy_errors);
  tcase_add_test(diag, diagnosis_cert_replaced_vs_stale_pin);
  tcase_add_test(diag, diagnosis_clock_difference_in_text);
  tcase_add_test(diag, diagnosis_stages_beyond_failures);
  tcase_add_test(diag, diagnosis_json_and_severity);
  suite_add_tcase(s, diag);
  return s;
}

CHECK_MAIN(probe_report_suite)
