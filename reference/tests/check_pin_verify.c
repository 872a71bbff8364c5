#include "derp/go.h"
#include "derp/pin_verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>

#include "check_main.h"
#include "derp/byte_cursor.h"
#include "harness/cert_factory.h"
#include "harness/openssl_alloc_fail.h"

/* 2026-03-04 13:41:12 UTC; the derper leaf is valid until 2027-03-04 13:41:12. */
#define NOW INT64_C(1772631672)
#define LEAF_NOT_AFTER INT64_C(1804167672)

static const char *const ALL_PROFILES[] = {"current", "tailscale-1.84", "tailscale-1.82"};

/* ---------- fixture: the usual certificates, deterministic ---------- */

static struct cert_factory *factory;
static struct factory_cert *leaf;  /* derper IP cert for 127.0.0.1 */
static struct factory_cert *meta;  /* metacert, CN derpkey + hex */
static struct factory_cert *inter; /* a CA cert: stands for an intermediate */
static char meta_cn[72];

static struct factory_cert *make(const struct cert_spec *s) {
  struct factory_cert *c = cert_factory_make(factory, s);
  ck_assert_msg(c != NULL, "factory: %s", cert_factory_error(factory));
  return c;
}

static void setup(void) {
  factory = cert_factory_new(184);
  ck_assert_ptr_nonnull(factory);
  struct cert_spec ls = cert_spec_derper_ip("127.0.0.1", NOW);
  leaf = make(&ls);
  uint8_t pub[32];
  for (int i = 0; i < 32; i++) pub[i] = (uint8_t)(0x70 + i);
  cert_metacert_cn(pub, meta_cn);
  struct cert_spec ms = cert_spec_metacert(meta_cn, NOW);
  meta = make(&ms);
  struct cert_spec is = cert_spec_derper_ip("127.0.0.1", NOW);
  is.label = "intermediate";
  is.cn = "derpcheck intermediate";
  is.ip_san_count = 0;
  is.ext_profile = CERT_EXT_CA;
  inter = make(&is);
}

static void teardown(void) {
  factory_cert_free(leaf);
  factory_cert_free(meta);
  factory_cert_free(inter);
  cert_factory_free(factory);
}

static struct der_slice der_of(const struct factory_cert *c) {
  return (struct der_slice){c->der, c->der_len};
}

static enum pin_profile profile(const char *name) {
  enum pin_profile p;
  ck_assert(pin_profile_from_name(name, &p));
  return p;
}

static struct pin_verify_result run(const char *prof, const struct der_slice *certs, size_t n,
                                    const char *pin, const char *name, int64_t now) {
  struct pin_verify_input in = {certs, n, pin, name, now, profile(prof)};
  struct pin_verify_result r;
  bool ok = pin_verify(&in, &r);
  ck_assert_int_eq(ok, r.status == PIN_VERIFY_OK);
  if (ok) ck_assert_str_eq(r.message, "");
  if (ok) ck_assert(!r.message_truncated);
  return r;
}

#define CHAIN(...) ((const struct der_slice[]){__VA_ARGS__})
#define COUNT(...) (sizeof((const struct der_slice[]){__VA_ARGS__}) / sizeof(struct der_slice))
#define RUN(prof, pin, name, now, ...) \
  run(prof, CHAIN(__VA_ARGS__), COUNT(__VA_ARGS__), pin, name, now)

static void expect(struct pin_verify_result r, enum pin_verify_status st, size_t index,
                   const char *message) {
  ck_assert_msg(r.status == st, "status %s, want %s (%s)", pin_verify_status_name(r.status),
                pin_verify_status_name(st), r.message);
  ck_assert_uint_eq(r.cert_index, index);
  if (message != NULL) ck_assert_str_eq(r.message, message);
}

static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x00};
#define GARBAGE ((struct der_slice){garbage, sizeof garbage})

/* ---------- profile names ---------- */

START_TEST(profile_names_round_trip) {
  for (size_t i = 0; i < 3; i++) {
    enum pin_profile p;
    ck_assert(pin_profile_from_name(ALL_PROFILES[i], &p));
    ck_assert_str_eq(pin_profile_name(p), ALL_PROFILES[i]);
  }
  ck_assert_int_eq(profile("current"), PIN_PROFILE_CURRENT);
  ck_assert_int_eq(profile("tailscale-1.82"), PIN_PROFILE_TAILSCALE_1_82);
  ck_assert_int_eq(profile("tailscale-1.84"), PIN_PROFILE_TAILSCALE_1_84);
}
END_TEST

START_TEST(profile_name_lookup_is_exact) {
  enum pin_profile p;
  ck_assert(!pin_profile_from_name("Current", &p));
  ck_assert(!pin_profile_from_name("tailscale-1.82 ", &p));
  ck_assert(!pin_profile_from_name("1.84", &p));
  ck_assert(!pin_profile_from_name("", &p));
  ck_assert(!pin_profile_from_name(NULL, &p));
}
END_TEST

/* ---------- §4.2 (a): v1.82 ---------- */

START_TEST(v182_zero_certs_is_no_certs_presented) {
  struct pin_verify_result r = run("tailscale-1.82", NULL, 0, leaf->sha256_hex, "127.0.0.1", NOW);
  expect(r, PIN_VERIFY_NO_CERTS, 0, "no certs presented");
}
END_TEST

START_TEST(v182_leaf_plus_metacert_is_multiple_certs) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
  expect(RUN("tailscale-1.82", meta->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(leaf)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

START_TEST(v182_single_leaf_with_correct_pin_is_ok) {
  struct pin_verify_result r =
      RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf));
  expect(r, PIN_VERIFY_OK, 0, "");
}
END_TEST

START_TEST(v182_wrong_pin_is_hash_mismatch) {
  expect(RUN("tailscale-1.82", meta->sha256_hex, "127.0.0.1", NOW, der_of(leaf)),
         PIN_VERIFY_HASH_MISMATCH, 0, "cert hash does not match expected cert hash");
}
END_TEST

START_TEST(v182_tls_parses_before_the_hook_hashes) {
  /* The hook hashes before its own ParseCertificate, but crypto/tls has
   * parsed every certificate before calling it: its error wins, pin or not
   * (observed with tailscale.com@v1.82.5, fuzz/oracle.sh). */
  char pin[65];
  ck_assert(pin_hex_of_der(garbage, sizeof garbage, pin));
  expect(RUN("tailscale-1.82", pin, "127.0.0.1", NOW, GARBAGE), PIN_VERIFY_TLS_PARSE_ERROR, 0,
         "tls: failed to parse certificate from server: x509: malformed tbs certificate");
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, GARBAGE),
         PIN_VERIFY_TLS_PARSE_ERROR, 0, NULL);
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), GARBAGE),
         PIN_VERIFY_TLS_PARSE_ERROR, 1, NULL);
}
END_TEST

START_TEST(v182_name_checked_against_ip_literal) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "10.0.0.1", NOW, der_of(leaf)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"10.0.0.1\": x509: certificate is valid for 127.0.0.1, "
         "not 10.0.0.1");
}
END_TEST

START_TEST(v182_dns_name_against_ip_only_cert) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "derp.example", NOW, der_of(leaf)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate is not valid for "
         "any names, but wanted to match derp.example");
}
END_TEST

START_TEST(v182_empty_server_name_is_still_checked) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "", NOW, der_of(leaf)), PIN_VERIFY_NAME_MISMATCH,
         0,
         "cert does not match server name \"\": x509: certificate is not valid for any names, "
         "but wanted to match ");
  expect(RUN("tailscale-1.82", leaf->sha256_hex, NULL, NOW, der_of(leaf)), PIN_VERIFY_NAME_MISMATCH,
         0, NULL);
}
END_TEST

START_TEST(v182_expired) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 1, der_of(leaf)),
         PIN_VERIFY_EXPIRED, 0, "cert expired 2027-03-04 13:41:12 +0000 UTC");
}
END_TEST

START_TEST(v182_not_yet_valid) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW - 1, der_of(leaf)),
         PIN_VERIFY_NOT_YET_VALID, 0,
         "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC; is your clock correct?");
}
END_TEST

START_TEST(v182_name_is_checked_before_validity) {
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "10.0.0.1", LEAF_NOT_AFTER + 1, der_of(leaf)),
         PIN_VERIFY_NAME_MISMATCH, 0, NULL);
}
END_TEST

/* ---------- §4.2 (b): v1.84 ---------- */

START_TEST(v184_leaf_then_metacert_is_ok) {
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
}
END_TEST

START_TEST(v184_metacert_then_leaf_is_ok) {
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(leaf)),
         PIN_VERIFY_OK, 1, "");
}
END_TEST

START_TEST(v184_leaf_intermediate_metacert_is_multiple) {
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(inter),
             der_of(meta)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

START_TEST(v184_metacert_only_is_not_presented) {
  expect(RUN("tailscale-1.84", meta->sha256_hex, "127.0.0.1", NOW, der_of(meta)),
         PIN_VERIFY_NOT_PRESENTED, 1, "expected cert not presented");
}
END_TEST

START_TEST(v184_zero_certs_is_not_presented) {
  expect(run("tailscale-1.84", NULL, 0, leaf->sha256_hex, "127.0.0.1", NOW),
         PIN_VERIFY_NOT_PRESENTED, 0, "expected cert not presented");
}
END_TEST

START_TEST(v184_unparseable_cert_after_good_leaf_is_tls_parse_error) {
  /* crypto/tls's parse, not the hook's "ParseCertificate: ..." */
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), GARBAGE),
         PIN_VERIFY_TLS_PARSE_ERROR, 1,
         "tls: failed to parse certificate from server: x509: malformed tbs certificate");
}
END_TEST

START_TEST(v184_parse_error_comes_before_hash) {
  expect(RUN("tailscale-1.84", "00", "127.0.0.1", NOW, GARBAGE, der_of(leaf)),
         PIN_VERIFY_TLS_PARSE_ERROR, 0,
         "tls: failed to parse certificate from server: x509: malformed tbs certificate");
}
END_TEST

START_TEST(v184_name_check_runs_for_ip_literal) {
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "10.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"10.0.0.1\": x509: certificate is valid for 127.0.0.1, "
         "not 10.0.0.1");
}
END_TEST

START_TEST(v184_expired_and_not_yet_valid) {
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 1, der_of(meta),
             der_of(leaf)),
         PIN_VERIFY_EXPIRED, 1, "cert expired 2027-03-04 13:41:12 +0000 UTC");
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW - 3600, der_of(leaf)),
         PIN_VERIFY_NOT_YET_VALID, 0,
         "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC; is your clock correct?");
}
END_TEST

START_TEST(v184_hash_mismatch_names_the_non_metacert) {
  expect(RUN("tailscale-1.84", meta->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(leaf)),
         PIN_VERIFY_HASH_MISMATCH, 1, "cert hash does not match expected cert hash");
}
END_TEST

/* ---------- §4.2 (c): current ---------- */

static struct factory_cert *leaf_with(const char *ip, const char *dns1, const char *dns2) {
  struct cert_spec s = cert_spec_derper_ip(ip != NULL ? ip : "127.0.0.1", NOW);
  s.label = "other-leaf";
  s.ip_san_count = ip != NULL ? 1 : 0;
  if (dns1 != NULL) s.dns_sans[s.dns_san_count++] = dns1;
  if (dns2 != NULL) s.dns_sans[s.dns_san_count++] = dns2;
  return make(&s);
}

START_TEST(current_leaf_then_metacert_is_ok) {
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
}
END_TEST

START_TEST(current_ip_literal_skips_name_check) {
  struct factory_cert *other = leaf_with("10.9.9.9", NULL, NULL);
  expect(RUN("current", other->sha256_hex, "127.0.0.1", NOW, der_of(other), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
  expect(RUN("tailscale-1.84", other->sha256_hex, "127.0.0.1", NOW, der_of(other), der_of(meta)),
         PIN_VERIFY_NAME_MISMATCH, 0, NULL);
  factory_cert_free(other);
}
END_TEST

START_TEST(current_empty_name_skips_name_check) {
  expect(RUN("current", leaf->sha256_hex, "", NOW, der_of(leaf)), PIN_VERIFY_OK, 0, "");
  expect(RUN("current", leaf->sha256_hex, NULL, NOW, der_of(leaf)), PIN_VERIFY_OK, 0, "");
}
END_TEST

START_TEST(current_bracketed_ipv6_and_zone_skip_name_check) {
  const char *names[] = {"::1", "[::1]", "fe80::1%eth0", "[fe80::1%eth0]", "::ffff:10.0.0.1"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    expect(RUN("current", leaf->sha256_hex, names[i], NOW, der_of(leaf)), PIN_VERIFY_OK, 0, "");
}
END_TEST

START_TEST(current_dns_name_without_dns_san_fails) {
  expect(RUN("current", leaf->sha256_hex, "derp.example", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate is not valid for "
         "any names, but wanted to match derp.example");
}
END_TEST

START_TEST(current_dns_name_matching_san_is_ok) {
  struct factory_cert *c = leaf_with("127.0.0.1", "derp.example", "*.relay.example");
  const char *ok_names[] = {"derp.example", "DERP.Example", "derp.example.", "a.relay.example"};
  for (size_t i = 0; i < sizeof ok_names / sizeof ok_names[0]; i++)
    expect(RUN("current", c->sha256_hex, ok_names[i], NOW, der_of(c)), PIN_VERIFY_OK, 0, "");
  expect(RUN("current", c->sha256_hex, "a.b.relay.example", NOW, der_of(c)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"a.b.relay.example\": x509: certificate is valid for "
         "derp.example, *.relay.example, not a.b.relay.example");
  factory_cert_free(c);
}
END_TEST

START_TEST(current_trailing_dots_trimmed_from_checked_name) {
  expect(RUN("current", leaf->sha256_hex, "derp.example..", NOW, der_of(leaf)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate is not valid for "
         "any names, but wanted to match derp.example");
}
END_TEST

START_TEST(current_parse_error_is_tls_error_before_verification) {
  /* Go's TLS stack parses every certificate before VerifyConnection: the
   * garbage at index 1 wins over the wrong pin at index 0. */
  expect(RUN("current", "not-the-pin", "127.0.0.1", NOW, der_of(leaf), GARBAGE),
         PIN_VERIFY_TLS_PARSE_ERROR, 1,
         "tls: failed to parse certificate from server: x509: malformed tbs certificate");
  expect(RUN("tailscale-1.84", "not-the-pin", "127.0.0.1", NOW, der_of(leaf), GARBAGE),
         PIN_VERIFY_TLS_PARSE_ERROR, 1, NULL);
}
END_TEST

START_TEST(current_zero_certs_is_not_presented) {
  expect(run("current", NULL, 0, leaf->sha256_hex, "127.0.0.1", NOW), PIN_VERIFY_NOT_PRESENTED, 0,
         "expected cert not presented");
}
END_TEST

START_TEST(current_expiry_messages_use_go_time_format) {
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 1, der_of(leaf)),
         PIN_VERIFY_EXPIRED, 0, "cert expired 2027-03-04 13:41:12 +0000 UTC");
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW - 1, der_of(leaf)),
         PIN_VERIFY_NOT_YET_VALID, 0,
         "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC; is your clock correct?");
}
END_TEST

START_TEST(current_legacy_common_name_message) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.cn = "derp.example";
  s.ip_san_count = 0;
  s.ext_profile = CERT_EXT_METACERT; /* one extension, no SAN */
  struct factory_cert *c = make(&s);
  expect(RUN("current", c->sha256_hex, "derp.example", NOW, der_of(c)), PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate relies on legacy "
         "Common Name field, use SANs instead");
  factory_cert_free(c);
}
END_TEST

/* ---------- §8.1 derived conformance cases ---------- */

START_TEST(case1_leaf_with_correct_hash_ok_in_every_profile) {
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_OK, 0,
           "");
}
END_TEST

START_TEST(case2_leaf_metacert_ok_except_v182) {
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

START_TEST(case3_tls12_chain_is_judged_the_same) {
  /* The verifier sees only the certificate list; TLS 1.2 delivers the same
   * [leaf, metacert] list (the metacert is sent in every version). */
  struct pin_verify_result a =
      RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta));
  struct pin_verify_result b =
      RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta));
  ck_assert_int_eq(a.status, PIN_VERIFY_OK);
  ck_assert_int_eq(a.status, b.status);
}
END_TEST

START_TEST(case4_leaf_intermediate_metacert_multiple_certs) {
  for (size_t i = 0; i < 2; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(inter),
               der_of(meta)),
           PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

START_TEST(case5_metacert_only_not_presented) {
  for (size_t i = 0; i < 2; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(meta)),
           PIN_VERIFY_NOT_PRESENTED, 1, "expected cert not presented");
}
END_TEST

START_TEST(case6_uppercase_hex_pin_mismatch) {
  char upper[65];
  for (int i = 0; i < 65; i++)
    upper[i] = (char)(leaf->sha256_hex[i] >= 'a' && leaf->sha256_hex[i] <= 'f'
                          ? leaf->sha256_hex[i] - 'a' + 'A'
                          : leaf->sha256_hex[i]);
  ck_assert_str_ne(upper, leaf->sha256_hex);
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], upper, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_HASH_MISMATCH, 0,
           "cert hash does not match expected cert hash");
}
END_TEST

START_TEST(case7_expired_and_not_yet_valid) {
  for (size_t i = 0; i < 3; i++) {
    expect(
        RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 86400, der_of(leaf)),
        PIN_VERIFY_EXPIRED, 0, "cert expired 2027-03-04 13:41:12 +0000 UTC");
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW - 86400, der_of(leaf)),
           PIN_VERIFY_NOT_YET_VALID, 0,
           "cert not yet valid until 2026-03-04 13:41:12 +0000 UTC; is your clock correct?");
  }
}
END_TEST

START_TEST(case8_dns_host_needs_dns_san_ip_host_is_not_checked) {
  expect(RUN("current", leaf->sha256_hex, "derp.example", NOW, der_of(leaf), der_of(meta)),
         PIN_VERIFY_NAME_MISMATCH, 0, NULL);
  ck_assert_ptr_nonnull(
      strstr(RUN("current", leaf->sha256_hex, "derp.example", NOW, der_of(leaf)).message,
             "cert does not match server name \"derp.example\": "));
  struct factory_cert *other = leaf_with("192.0.2.7", NULL, NULL);
  expect(RUN("current", other->sha256_hex, "198.51.100.1", NOW, der_of(other), der_of(meta)),
         PIN_VERIFY_OK, 0, "");
  factory_cert_free(other);
}
END_TEST

START_TEST(case9_derpkey_cn_skipped_at_any_position) {
  for (size_t i = 0; i < 2; i++) {
    const char *p = ALL_PROFILES[i];
    expect(RUN(p, leaf->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(leaf)), PIN_VERIFY_OK, 1,
           "");
    expect(RUN(p, leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta)), PIN_VERIFY_OK, 0,
           "");
    expect(RUN(p, leaf->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(meta), der_of(leaf)),
           PIN_VERIFY_OK, 2, "");
    expect(RUN(p, leaf->sha256_hex, "127.0.0.1", NOW, der_of(meta), der_of(leaf), der_of(meta)),
           PIN_VERIFY_OK, 1, "");
  }
}
END_TEST

/* ---------- boundaries ---------- */

START_TEST(pin_length_63_64_65_only_64_matches) {
  char pin63[64], pin65[66];
  memcpy(pin63, leaf->sha256_hex, 63);
  pin63[63] = '\0';
  snprintf(pin65, sizeof pin65, "%s0", leaf->sha256_hex);
  for (size_t i = 0; i < 3; i++) {
    expect(RUN(ALL_PROFILES[i], pin63, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_HASH_MISMATCH, 0,
           NULL);
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_OK, 0,
           "");
    expect(RUN(ALL_PROFILES[i], pin65, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_HASH_MISMATCH, 0,
           NULL);
  }
}
END_TEST

START_TEST(pin_whitespace_or_prefix_is_not_trimmed) {
  char variants[5][96];
  snprintf(variants[0], 96, " %s", leaf->sha256_hex);
  snprintf(variants[1], 96, "%s ", leaf->sha256_hex);
  snprintf(variants[2], 96, "%s\n", leaf->sha256_hex);
  snprintf(variants[3], 96, "sha256-raw:%s", leaf->sha256_hex);
  snprintf(variants[4], 96, "%s", "");
  for (size_t v = 0; v < 5; v++)
    expect(RUN("current", variants[v], "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_HASH_MISMATCH, 0,
           NULL);
  expect(RUN("current", NULL, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_HASH_MISMATCH, 0, NULL);
}
END_TEST

START_TEST(not_before_equal_to_now_is_valid) {
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf)), PIN_VERIFY_OK, 0,
           "");
}
END_TEST

START_TEST(not_after_equal_to_now_is_valid_one_second_later_expired) {
  for (size_t i = 0; i < 3; i++) {
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER, der_of(leaf)),
           PIN_VERIFY_OK, 0, "");
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 1, der_of(leaf)),
           PIN_VERIFY_EXPIRED, 0, NULL);
  }
}
END_TEST

START_TEST(fractional_seconds_do_not_parse) {
  /* Go's GeneralizedTime must survive a re-format without fraction
   * (observed: tailscale.com@v1.82.5..v1.102.5 under Go 1.26, fuzz/oracle.sh). */
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.not_before_text = "20260304134112.5Z";
  s.not_before_text_type = V_ASN1_GENERALIZEDTIME;
  struct factory_cert *c = make(&s);
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], c->sha256_hex, "127.0.0.1", NOW + 1, der_of(c)),
           PIN_VERIFY_TLS_PARSE_ERROR, 0,
           "tls: failed to parse certificate from server: x509: malformed GeneralizedTime");
  factory_cert_free(c);
}
END_TEST

START_TEST(offset_time_is_printed_in_its_own_zone) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.not_after_text = "270304144112+0100"; /* = 2027-03-04 13:41:12 UTC */
  struct factory_cert *c = make(&s);
  expect(RUN("current", c->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER + 1, der_of(c)),
         PIN_VERIFY_EXPIRED, 0, "cert expired 2027-03-04 14:41:12 +0100 +0100");
  expect(RUN("current", c->sha256_hex, "127.0.0.1", LEAF_NOT_AFTER, der_of(c)), PIN_VERIFY_OK, 0,
         "");
  factory_cert_free(c);
}
END_TEST

START_TEST(three_certs_with_metacert_in_the_middle) {
  for (size_t i = 0; i < 2; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta),
               der_of(inter)),
           PIN_VERIFY_MULTIPLE_CERTS, 2, NULL);
  expect(RUN("tailscale-1.82", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(meta),
             der_of(meta)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, NULL);
}
END_TEST

START_TEST(garbage_der_is_rejected_by_every_profile) {
  char pin[65];
  ck_assert(pin_hex_of_der(garbage, sizeof garbage, pin));
  expect(RUN("current", pin, "127.0.0.1", NOW, GARBAGE), PIN_VERIFY_TLS_PARSE_ERROR, 0, NULL);
  expect(RUN("tailscale-1.84", pin, "127.0.0.1", NOW, GARBAGE), PIN_VERIFY_TLS_PARSE_ERROR, 0,
         NULL);
  expect(RUN("tailscale-1.82", pin, "127.0.0.1", NOW, GARBAGE), PIN_VERIFY_TLS_PARSE_ERROR, 0,
         NULL);
  const struct der_slice empty = {NULL, 0};
  expect(run("current", &empty, 1, pin, "127.0.0.1", NOW), PIN_VERIFY_TLS_PARSE_ERROR, 0, NULL);
  expect(run("tailscale-1.82", &empty, 1, pin, "127.0.0.1", NOW), PIN_VERIFY_TLS_PARSE_ERROR, 0,
         NULL);
  char empty_pin[65];
  ck_assert(pin_hex_of_der((const uint8_t *)"", 0, empty_pin));
  expect(run("tailscale-1.82", &empty, 1, empty_pin, "127.0.0.1", NOW), PIN_VERIFY_TLS_PARSE_ERROR,
         0, "tls: failed to parse certificate from server: x509: malformed certificate");
  const struct der_slice bogus = {NULL, 5};
  expect(run("current", &bogus, 1, pin, "127.0.0.1", NOW), PIN_VERIFY_BAD_INPUT, 0, NULL);
  expect(run("current", NULL, 2, pin, "127.0.0.1", NOW), PIN_VERIFY_BAD_INPUT, 0, NULL);
}
END_TEST

static struct factory_cert *metacert_with_serial(const uint8_t *serial, size_t n) {
  struct cert_spec s = cert_spec_metacert(meta_cn, NOW);
  s.serial_kind = CERT_SERIAL_BYTES;
  s.serial_bytes = serial;
  s.serial_len = n;
  return make(&s);
}

START_TEST(metacert_serial_does_not_matter_to_pinning) {
  const uint8_t s0[] = {0x00}, s255[] = {0x00, 0xff}, s256[] = {0x01, 0x00};
  const uint8_t *serials[] = {s0, s255, s256};
  const size_t lens[] = {1, 2, 2};
  for (size_t i = 0; i < 3; i++) {
    struct factory_cert *m = metacert_with_serial(serials[i], lens[i]);
    expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(m)),
           PIN_VERIFY_OK, 0, "");
    expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(m), der_of(leaf)),
           PIN_VERIFY_OK, 1, "");
    factory_cert_free(m);
  }
}
END_TEST

START_TEST(unparseable_metacert_fails_before_it_could_be_skipped) {
  const uint8_t negative[] = {0xfe};
  struct factory_cert *m = metacert_with_serial(negative, 1);
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(m)),
         PIN_VERIFY_TLS_PARSE_ERROR, 1,
         "tls: failed to parse certificate from server: x509: negative serial number");
  expect(RUN("tailscale-1.84", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(m)),
         PIN_VERIFY_TLS_PARSE_ERROR, 1,
         "tls: failed to parse certificate from server: x509: negative serial number");
  factory_cert_free(m);
}
END_TEST

static struct factory_cert *cert_with_cn(const char *label, const char *cn, size_t len, int type) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.label = label;
  s.cn = cn;
  s.cn_len = len;
  s.cn_asn1_type = type;
  return make(&s);
}

START_TEST(derpkey_prefix_is_case_sensitive) {
  struct factory_cert *upper = cert_with_cn("upper", "DERPKEY0000", 0, 0);
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), der_of(upper)),
         PIN_VERIFY_MULTIPLE_CERTS, 1, NULL);
  factory_cert_free(upper);
}
END_TEST

START_TEST(derpkey_prefix_alone_is_enough_to_be_skipped) {
  struct factory_cert *exact = cert_with_cn("exact", "derpkey", 0, 0);
  struct factory_cert *junk = cert_with_cn("junk", "derpkeyNOTHEX", 0, 0);
  struct factory_cert *shorter = cert_with_cn("shorter", "derpke", 0, 0);
  expect(
      RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(exact), der_of(junk), der_of(leaf)),
      PIN_VERIFY_OK, 2, "");
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(shorter), der_of(leaf)),
         PIN_VERIFY_HASH_MISMATCH, 0, NULL);
  factory_cert_free(exact);
  factory_cert_free(junk);
  factory_cert_free(shorter);
}
END_TEST

START_TEST(pinned_cert_with_derpkey_cn_is_skipped_so_not_presented) {
  struct factory_cert *c = cert_with_cn("sneaky", meta_cn, 0, 0);
  for (size_t i = 0; i < 2; i++)
    expect(RUN(ALL_PROFILES[i], c->sha256_hex, "127.0.0.1", NOW, der_of(c)),
           PIN_VERIFY_NOT_PRESENTED, 1, "expected cert not presented");
  expect(RUN("tailscale-1.82", c->sha256_hex, "127.0.0.1", NOW, der_of(c)), PIN_VERIFY_OK, 0, "");
  factory_cert_free(c);
}
END_TEST

START_TEST(derpkey_cn_in_bmp_and_utf8_strings_is_skipped) {
  char bmp[14];
  for (int i = 0; i < 7; i++) bmp[2 * i] = 0, bmp[2 * i + 1] = "derpkey"[i];
  struct factory_cert *b = cert_with_cn("bmp", bmp, sizeof bmp, V_ASN1_BMPSTRING);
  struct factory_cert *u = cert_with_cn("utf8", "derpkey\xc3\xa9", 0, V_ASN1_UTF8STRING);
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(b), der_of(u), der_of(leaf)),
         PIN_VERIFY_OK, 2, "");
  factory_cert_free(b);
  factory_cert_free(u);
}
END_TEST

START_TEST(go_common_name_decodes_the_subject_cn) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.label = "two-cns";
  s.cn = "derpkeyfirst";
  struct factory_cert *c = make(&s);
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(c->der, c->der_len, &f));
  char cn[32];
  ck_assert_uint_eq(go_common_name(&f, cn, sizeof cn), 12);
  ck_assert_str_eq(cn, "derpkeyfirst");
  factory_cert_free(c);
}
END_TEST

START_TEST(single_bit_flip_anywhere_is_never_ok) {
  /* The smallest certificate of the set: the Ed25519 metacert shape with a
   * non-derpkey CN, so that it is the pinned certificate. */
  struct cert_spec s = cert_spec_metacert("1.2.3.4", NOW);
  s.label = "small";
  s.ip_sans[0] = "127.0.0.1";
  s.ip_san_count = 1;
  struct factory_cert *c = make(&s);
  ck_assert_uint_lt(c->der_len, 400);
  uint8_t buf[400];
  for (size_t p = 0; p < 3; p++)
    expect(RUN(ALL_PROFILES[p], c->sha256_hex, "127.0.0.1", NOW, der_of(c)), PIN_VERIFY_OK, 0, "");
  size_t flips = 0;
  for (size_t bit = 0; bit < 8 * c->der_len; bit++) {
    memcpy(buf, c->der, c->der_len);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    const struct der_slice one = {buf, c->der_len};
    for (size_t p = 0; p < 3; p++) {
      struct pin_verify_result r = run(ALL_PROFILES[p], &one, 1, c->sha256_hex, "127.0.0.1", NOW);
      ck_assert_msg(r.status != PIN_VERIFY_OK, "bit %zu accepted by %s", bit, ALL_PROFILES[p]);
      flips++;
    }
  }
  ck_assert_uint_eq(flips, 3 * 8 * c->der_len);
  factory_cert_free(c);
}
END_TEST

START_TEST(long_name_message_is_cut_and_flagged) {
  char name[3000];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  struct pin_verify_result r = RUN("current", leaf->sha256_hex, name, NOW, der_of(leaf));
  ck_assert_int_eq(r.status, PIN_VERIFY_NAME_MISMATCH);
  ck_assert(r.message_truncated);
  ck_assert_uint_eq(strlen(r.message), PIN_VERIFY_MESSAGE_MAX - 1);
}
END_TEST

/* The names the JSON verdicts (derp-client, oracle_dump) print. */
START_TEST(status_names_are_the_documented_ones) {
  static const char *const names[] = {"ok",
                                      "no-certs",
                                      "multiple-certs",
                                      "hash-mismatch",
                                      "parse-error",
                                      "tls-parse-error",
                                      "name-mismatch",
                                      "expired",
                                      "not-yet-valid",
                                      "not-presented",
                                      "bad-input",
                                      "tls-key-error"};
  for (int st = PIN_VERIFY_OK; st <= PIN_VERIFY_TLS_KEY_ERROR; st++)
    ck_assert_str_eq(pin_verify_status_name((enum pin_verify_status)st), names[st]);
}
END_TEST

START_TEST(status_names_are_distinct) {
  for (int a = PIN_VERIFY_OK; a <= PIN_VERIFY_TLS_KEY_ERROR; a++)
    for (int b = a + 1; b <= PIN_VERIFY_TLS_KEY_ERROR; b++)
      ck_assert_str_ne(pin_verify_status_name((enum pin_verify_status)a),
                       pin_verify_status_name((enum pin_verify_status)b));
}
END_TEST

/* ---------- Go's parser model ---------- */

static const char *parse_error(const struct factory_cert *c) {
  struct cert_fields f;
  return go_parse_certificate(c->der, c->der_len, &f);
}

static const char *parse_error_of_spec(struct cert_spec *s) {
  struct factory_cert *c = make(s);
  const char *e = parse_error(c);
  factory_cert_free(c);
  return e;
}

START_TEST(go_model_accepts_factory_certificates) {
  ck_assert_ptr_null(parse_error(leaf));
  ck_assert_ptr_null(parse_error(meta));
  ck_assert_ptr_null(parse_error(inter));
  struct cert_spec s = cert_spec_derper_ip("::1", NOW);
  s.key_type = CERT_KEY_RSA2048;
  s.dns_sans[0] = "derp.example";
  s.dns_san_count = 1;
  ck_assert_ptr_null(parse_error_of_spec(&s));
}
END_TEST

START_TEST(go_model_rejects_negative_serial_and_bad_names) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  const uint8_t neg[] = {0x80};
  s.serial_kind = CERT_SERIAL_BYTES;
  s.serial_bytes = neg;
  s.serial_len = 1;
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: negative serial number");
  s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.cn = "a@b"; /* '@' is not in PrintableString */
  ck_assert_str_eq(parse_error_of_spec(&s),
                   "x509: invalid RDNSequence: invalid attribute value: invalid PrintableString");
  s.cn = "*.a&b"; /* Go tolerates '*' and '&' */
  ck_assert_ptr_null(parse_error_of_spec(&s));
  s.cn = "caf\xe9"; /* OpenSSL reads IA5String bytes as Latin-1; Go wants ASCII */
  s.cn_asn1_type = V_ASN1_IA5STRING;
  ck_assert_str_eq(parse_error_of_spec(&s),
                   "x509: invalid RDNSequence: invalid attribute value: invalid IA5String");
  /* Go 1.26 decodes only T61/Printable/UTF8/BMP/IA5/Numeric values:
   * "unsupported string type: 26" (fuzz/oracle.sh). OpenSSL will not build
   * such a name, so the PrintableString tag is patched to VisibleString. */
  s.cn = "derpabc";
  s.cn_asn1_type = 0;
  struct factory_cert *c = make(&s);
  uint8_t der[4096];
  ck_assert_uint_le(c->der_len, sizeof der);
  memcpy(der, c->der, c->der_len);
  size_t patched = 0;
  for (size_t i = 0; i + 9 <= c->der_len; i++)
    if (memcmp(der + i,
               "\x13\x07"
               "derpabc",
               9) == 0)
      der[i] = 0x1a, patched++;
  ck_assert_uint_eq(patched, 2); /* subject and issuer */
  struct cert_fields f;
  ck_assert_str_eq(
      go_parse_certificate(der, c->der_len, &f),
      "x509: invalid RDNSequence: invalid attribute value: unsupported string type: 26");
  factory_cert_free(c);
}
END_TEST

START_TEST(go_model_rejects_bad_san_contents) {
  static const uint8_t ip5[] = {0x30, 0x07, 0x87, 0x05, 1, 2, 3, 4, 5};
  static const uint8_t dns_8bit[] = {0x30, 0x04, 0x82, 0x02, 'a', 0xe9};
  const struct cert_extra_ext e1[] = {{"2.5.29.17", false, ip5, sizeof ip5}};
  const struct cert_extra_ext e2[] = {{"2.5.29.17", false, dns_8bit, sizeof dns_8bit}};
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.ip_san_count = 0;
  s.extra_exts = e1;
  s.extra_ext_count = 1;
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: cannot parse IP address of length 5");
  s.extra_exts = e2;
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: SAN dNSName is malformed");
}
END_TEST

START_TEST(go_model_rejects_critical_key_identifiers) {
  static const uint8_t ski[] = {0x04, 0x02, 0xab, 0xcd};
  const struct cert_extra_ext e[] = {{"2.5.29.14", true, ski, sizeof ski}};
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.extra_exts = e;
  s.extra_ext_count = 1;
  ck_assert_str_eq(parse_error_of_spec(&s),
                   "x509: subject key identifier incorrectly marked critical");
}
END_TEST

START_TEST(go_model_rejects_signature_algorithm_mismatch) {
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(leaf->der, leaf->der_len, &f));
  uint8_t buf[1024];
  memcpy(buf, leaf->der, leaf->der_len);
  /* ecdsa-with-SHA256 (...04 03 02) -> SHA384 (...04 03 03) outside the tbs only */
  size_t last = (size_t)(f.signature_algorithm.ptr - leaf->der) + f.signature_algorithm.len - 1;
  ck_assert_uint_eq(buf[last], 0x02);
  buf[last] = 0x03;
  ck_assert_str_eq(go_parse_certificate(buf, leaf->der_len, &f),
                   "x509: inner and outer signature algorithm identifiers don't match");
}
END_TEST

START_TEST(go_model_time_forms) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.not_before_text = "260304134112+0000"; /* Go prints a zero offset as Z */
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: malformed UTCTime");
  s.not_before_text = "2603041341Z"; /* minute precision: Go's fallback layout */
  ck_assert_ptr_null(parse_error_of_spec(&s));
  s.not_before_text = "20260304134112.50Z";
  s.not_before_text_type = V_ASN1_GENERALIZEDTIME;
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: malformed GeneralizedTime");
  s.not_before_text = "202603041341Z"; /* OpenSSL reads it, Go does not */
  ck_assert_str_eq(parse_error_of_spec(&s), "x509: malformed GeneralizedTime");
}
END_TEST

START_TEST(go_model_ignores_extensions_of_v1_certificates) {
  static const uint8_t ip5[] = {0x30, 0x07, 0x87, 0x05, 1, 2, 3, 4, 5};
  const struct cert_extra_ext e[] = {{"2.5.29.17", false, ip5, sizeof ip5}};
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.version = 1;
  s.ip_san_count = 0;
  s.extra_exts = e;
  s.extra_ext_count = 1;
  struct factory_cert *c = make(&s);
  ck_assert_ptr_null(parse_error(c));
  /* ...so its IP SAN does not count either, and without a SAN extension a
   * CN equal to the host earns Go's legacy-CN message. */
  expect(RUN("tailscale-1.84", c->sha256_hex, "127.0.0.1", NOW, der_of(c)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"127.0.0.1\": x509: certificate relies on legacy "
         "Common Name field, use SANs instead");
  factory_cert_free(c);
  s.cn = "v1";
  c = make(&s);
  expect(RUN("tailscale-1.84", c->sha256_hex, "127.0.0.1", NOW, der_of(c)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"127.0.0.1\": x509: cannot validate certificate for "
         "127.0.0.1 because it doesn't contain any IP SANs");
  factory_cert_free(c);
}
END_TEST

/* ---------- x509 host names ---------- */

static bool go_time_of(uint8_t tag, const char *text, struct go_time *t) {
  return go_time_parse(tag, (struct der_slice){(const uint8_t *)text, strlen(text)}, t);
}

START_TEST(go_time_parse_takes_only_round_trip_forms) {
  struct go_time t;
  ck_assert(go_time_of(0x17, "260304134112Z", &t) && t.unix_seconds == NOW && t.utc);
  ck_assert(go_time_of(0x17, "2603041341Z", &t) && t.unix_seconds == NOW - 12);
  ck_assert(go_time_of(0x17, "260304144112+0100", &t) && t.unix_seconds == NOW && !t.utc &&
            t.offset_seconds == 3600);
  ck_assert(go_time_of(0x17, "260304134112+2400", &t));
  ck_assert(!go_time_of(0x17, "260304134112+2500", &t));
  ck_assert(!go_time_of(0x17, "260304134112-0000", &t));
  ck_assert(!go_time_of(0x17, "260304134112.5Z", &t));
  ck_assert(!go_time_of(0x17, "270229000000Z", &t));
  ck_assert(go_time_of(0x17, "680229000000Z", &t)); /* 1968 is a leap year too */
  ck_assert(go_time_of(0x17, "500101000000Z", &t) && t.unix_seconds == INT64_C(-631152000));
  /* No fraction survives the re-format without one. */
  ck_assert(!go_time_of(0x18, "20260304134112.123Z", &t));
  ck_assert(!go_time_of(0x18, "20260304134112.1230Z", &t));
  ck_assert(!go_time_of(0x18, "20260304134112.123456789Z", &t));
  ck_assert(go_time_of(0x18, "20260304134112Z", &t) && t.nanos == 0 && t.unix_seconds == NOW);
  ck_assert(!go_time_of(0x18, "20260304134112,5Z", &t));
  ck_assert(!go_time_of(0x18, "202603041341Z", &t));
  ck_assert(go_time_of(0x18, "00000229000000Z", &t));
  ck_assert(!go_time_of(0x04, "260304134112Z", &t));
}
END_TEST

static bool verify_host(const struct factory_cert *c, const char *host, char *why, size_t cap) {
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(c->der, c->der_len, &f));
  return go_verify_hostname(&f, host, why, cap);
}

START_TEST(hostname_ipv4_san_equals_its_ipv4_mapped_form) {
  char why[512];
  ck_assert(verify_host(leaf, "127.0.0.1", why, sizeof why));
  ck_assert(verify_host(leaf, "::ffff:127.0.0.1", why, sizeof why));
  ck_assert(verify_host(leaf, "[::ffff:127.0.0.1]", why, sizeof why));
  ck_assert(!verify_host(leaf, "::1", why, sizeof why));
  ck_assert_str_eq(why, "x509: certificate is valid for 127.0.0.1, not ::1");
  ck_assert(!verify_host(leaf, "[::1]", why, sizeof why));
  ck_assert_str_eq(why, "x509: certificate is valid for 127.0.0.1, not ::1");
}
END_TEST

START_TEST(hostname_wildcards_only_as_whole_leftmost_label) {
  struct factory_cert *c = leaf_with(NULL, "*.derp.example", "a*.other.example");
  char why[512];
  ck_assert(verify_host(c, "x.derp.example", why, sizeof why));
  ck_assert(verify_host(c, "X.DERP.EXAMPLE.", why, sizeof why));
  ck_assert(!verify_host(c, "derp.example", why, sizeof why));
  ck_assert(!verify_host(c, "a.b.derp.example", why, sizeof why));
  ck_assert(!verify_host(c, "ab.other.example", why, sizeof why));
  ck_assert(verify_host(c, "a*.other.example", why, sizeof why)); /* exact match still works */
  ck_assert(!verify_host(c, "10.0.0.1", why, sizeof why));
  ck_assert_str_eq(why,
                   "x509: cannot validate certificate for 10.0.0.1 because it doesn't "
                   "contain any IP SANs");
  factory_cert_free(c);
}
END_TEST

START_TEST(hostname_error_lists_ip_sans_in_go_form) {
  struct cert_spec s = cert_spec_derper_ip("10.0.0.1", NOW);
  s.ip_sans[1] = "2001:db8::1";
  s.ip_sans[2] = "::ffff:10.0.0.2";
  s.ip_san_count = 3;
  struct factory_cert *c = make(&s);
  char why[512];
  ck_assert(!verify_host(c, "10.0.0.9", why, sizeof why));
  ck_assert_str_eq(why,
                   "x509: certificate is valid for 10.0.0.1, 2001:db8::1, 10.0.0.2, not 10.0.0.9");
  ck_assert(verify_host(c, "10.0.0.2", why, sizeof why));
  factory_cert_free(c);
}
END_TEST

/* ---------- Go's public key parse (x509 parsePublicKey, crypto/tls) ---------- */

static size_t header_len(size_t len) { return len < 0x80 ? 2 : len < 0x100 ? 3 : 4; }

static uint8_t *put_header(uint8_t *p, uint8_t tag, size_t len) {
  *p++ = tag;
  if (len >= 0x100) {
    *p++ = 0x82;
    *p++ = (uint8_t)(len >> 8);
  } else if (len >= 0x80) {
    *p++ = 0x81;
  }
  *p++ = (uint8_t)len;
  return p;
}

static uint8_t *put_bytes(uint8_t *p, const uint8_t *b, size_t n) {
  if (n > 0) memcpy(p, b, n);
  return p + n;
}

struct key_spec {
  const uint8_t *oid;
  size_t oid_len;
  const uint8_t *params; /* whole TLV, or NULL */
  size_t params_len;
  uint8_t unused;
  const uint8_t *key;
  size_t key_len;
};

#define KEY_SPKI_MAX 2048

/* SEQUENCE { SEQUENCE { OID, params }, BIT STRING { unused, key } } */
static struct der_slice build_spki(const struct key_spec *k, uint8_t *out) {
  const size_t alg = header_len(k->oid_len) + k->oid_len + k->params_len;
  const size_t bits = 1 + k->key_len;
  const size_t content = header_len(alg) + alg + header_len(bits) + bits;
  ck_assert_uint_le(header_len(content) + content, KEY_SPKI_MAX);
  uint8_t *p = put_header(out, 0x30, content);
  p = put_header(p, 0x30, alg);
  p = put_bytes(put_header(p, 0x06, k->oid_len), k->oid, k->oid_len);
  p = put_bytes(p, k->params, k->params_len);
  p = put_header(p, 0x03, bits);
  *p++ = k->unused;
  p = put_bytes(p, k->key, k->key_len);
  return (struct der_slice){out, (size_t)(p - out)};
}

static const char *key_error(const struct key_spec *k, struct go_public_key *pub) {
  uint8_t buf[KEY_SPKI_MAX];
  return go_parse_public_key(build_spki(k, buf), pub);
}

/* The inverse of Go's BitString.RightAlign for one unused bit: the key
 * shifted left a bit (its first bit must be zero). */
static void left_shift_one(const uint8_t *in, size_t n, uint8_t *out) {
  ck_assert_uint_eq(in[0] & 0x80, 0);
  for (size_t i = 0; i < n; i++)
    out[i] = (uint8_t)((in[i] << 1) | (i + 1 < n ? in[i + 1] >> 7 : 0));
}

/* `c` with its SubjectPublicKeyInfo swapped and the TBSCertificate and
 * Certificate lengths re-encoded; the signature no longer verifies, which
 * nothing on a pinned connection checks before the hook. */
static struct der_slice with_spki(const struct factory_cert *c, struct der_slice spki, uint8_t *out,
                                  size_t cap) {
  struct cert_fields f;
  ck_assert_ptr_null(go_parse_certificate(c->der, c->der_len, &f));
  struct byte_reader r = byte_reader_init(f.tbs.ptr, f.tbs.len);
  struct der_tlv tbs;
  ck_assert(der_read_tlv(&r, &tbs));
  const size_t pre = (size_t)(f.spki.ptr - tbs.value.ptr);
  const uint8_t *post = f.spki.ptr + f.spki.len;
  const size_t post_len = (size_t)(tbs.value.ptr + tbs.value.len - post);
  const uint8_t *rest = f.tbs.ptr + f.tbs.len; /* signatureAlgorithm, signature */
  const size_t rest_len = (size_t)(c->der + c->der_len - rest);
  const size_t tbs_len = pre + spki.len + post_len;
  const size_t cert_len = header_len(tbs_len) + tbs_len + rest_len;
  ck_assert_uint_le(header_len(cert_len) + cert_len, cap);
  uint8_t *p = put_header(out, 0x30, cert_len);
  p = put_bytes(put_header(p, 0x30, tbs_len), tbs.value.ptr, pre);
  p = put_bytes(put_bytes(p, spki.ptr, spki.len), post, post_len);
  p = put_bytes(p, rest, rest_len);
  return (struct der_slice){out, (size_t)(p - out)};
}

static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_rsa_enc[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_dsa_key[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t oid_ed[] = {0x2b, 0x65, 0x70};
static const uint8_t oid_x25519[] = {0x2b, 0x65, 0x6e};
static const uint8_t param_p224[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x21};
static const uint8_t param_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t param_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t param_p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t param_k256[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a}; /* secp256k1 */
static const uint8_t param_null[] = {0x05, 0x00};
static const uint8_t param_huge_arc[] = {0x06, 0x06, 0x2a, 0x8f,
                                         0xff, 0xff, 0xff, 0x7f}; /* arc 2^32-1 */

/* P-256's generator, uncompressed: on the curve. */
static const uint8_t p256_g[65] = {0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc,
                                   0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d,
                                   0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
                                   0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
                                   0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
                                   0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

static const char *ec_error(const uint8_t *params, size_t params_len, const uint8_t *key,
                            size_t key_len) {
  struct go_public_key pub;
  const struct key_spec k = {oid_ec, sizeof oid_ec, params, params_len, 0, key, key_len};
  const char *e = key_error(&k, &pub);
  ck_assert_int_eq(pub.type, e == NULL ? GO_KEY_ECDSA : GO_KEY_UNKNOWN);
  return e;
}

START_TEST(go_key_ecdsa_point_checks_in_go_order) {
  uint8_t k[1 + 2 * 66];
  ck_assert_ptr_null(ec_error(param_p256, sizeof param_p256, p256_g, sizeof p256_g));
  memcpy(k, p256_g, sizeof p256_g);
  k[64] ^= 0x01;
  ck_assert_str_eq(ec_error(param_p256, sizeof param_p256, k, 65), "P256 point not on curve");
  /* x = p: non-canonical, refused before the curve equation (amd64 text). */
  static const uint8_t p256_p[32] = {0xff, 0xff,        0xff, 0xff, 0x00, 0x00, 0x00,
                                     0x01, [20] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff,        0xff, 0xff, 0xff, 0xff};
  memcpy(k + 1, p256_p, 32);
  ck_assert_str_eq(ec_error(param_p256, sizeof param_p256, k, 65), "invalid P256 element encoding");
  ck_assert_str_eq(ec_error(param_p256, sizeof param_p256, p256_g, 64),
                   "invalid P256 point encoding");
  k[0] = 0x02; /* compressed: Go's x509 takes only uncompressed points */
  ck_assert_str_eq(ec_error(param_p256, sizeof param_p256, k, 33),
                   "ecdsa: invalid uncompressed public key");
  ck_assert_str_eq(ec_error(param_p256, sizeof param_p256, k, 0),
                   "ecdsa: invalid uncompressed public key");
  /* The curve comes first, then its point. */
  ck_assert_str_eq(ec_error(param_k256, sizeof param_k256, p256_g, 65),
                   "x509: unsupported elliptic curve");
  ck_assert_str_eq(ec_error(param_null, sizeof param_null, p256_g, 65),
                   "x509: invalid ECDSA parameters");
  ck_assert_str_eq(ec_error(NULL, 0, p256_g, 65), "x509: invalid ECDSA parameters");
  ck_assert_str_eq(ec_error(param_huge_arc, sizeof param_huge_arc, p256_g, 65),
                   "x509: invalid ECDSA parameters");
  /* (0, 0) is on none of the curves (b != 0); each has its own texts. */
  memset(k, 0, sizeof k);
  k[0] = 0x04;
  ck_assert_str_eq(ec_error(param_p224, sizeof param_p224, k, 57), "P224 point not on curve");
  ck_assert_str_eq(ec_error(param_p384, sizeof param_p384, k, 97), "P384 point not on curve");
  ck_assert_str_eq(ec_error(param_p521, sizeof param_p521, k, 133), "P521 point not on curve");
  ck_assert_str_eq(ec_error(param_p384, sizeof param_p384, k, 65), "invalid P384 point encoding");
  memset(k + 1, 0xff, 48);
  ck_assert_str_eq(ec_error(param_p384, sizeof param_p384, k, 97), "invalid P384Element encoding");
  k[1] = 0x01; /* P-521: x = 2^521 - 1 = p */
  memset(k + 2, 0xff, 65);
  ck_assert_str_eq(ec_error(param_p521, sizeof param_p521, k, 133), "invalid P521Element encoding");
  k[2] = 0xfe; /* x = p - 2^512 - 1 < p, back to the curve check */
  ck_assert_str_eq(ec_error(param_p521, sizeof param_p521, k, 133), "P521 point not on curve");
}
END_TEST

/* Before main: OpenSSL takes new allocation functions only until its first
 * allocation, and the suite's set-up makes certificates with it. Until a
 * test arms a failure they only count. */
__attribute__((constructor)) static void hook_openssl_allocator(void) {
  openssl_alloc_hook("check_pin_verify");
}

/* OpenSSL failing to allocate while it checks a point is not Go's
 * "point not on curve": the key is refused as unverifiable instead. */
START_TEST(go_key_ecdsa_allocation_failure_is_not_off_curve) {
  ck_assert_msg(openssl_alloc_hooked,
                "OpenSSL allocated before main: its allocator was not hooked");
  const char *unverifiable = "derpcheck: OpenSSL cannot check EC points";
  uint8_t off[sizeof p256_g];
  memcpy(off, p256_g, sizeof off);
  off[64] ^= 0x01;
  /* The curve groups are built once per process: not in the count. */
  ck_assert_ptr_null(ec_error(param_p256, sizeof param_p256, p256_g, sizeof p256_g));
  unsigned long before = openssl_alloc_count;
  ck_assert_ptr_null(ec_error(param_p256, sizeof param_p256, p256_g, sizeof p256_g));
  const unsigned long total = openssl_alloc_count - before;
  ck_assert_uint_gt(total, 0);
  for (unsigned long n = 0; n < total; n++) {
    openssl_alloc_fail_at(n);
    const char *on = ec_error(param_p256, sizeof param_p256, p256_g, sizeof p256_g);
    openssl_alloc_disarm();
    openssl_alloc_fail_at(n);
    const char *not_on = ec_error(param_p256, sizeof param_p256, off, sizeof off);
    openssl_alloc_disarm();
    ck_assert_msg(on == NULL || strcmp(on, unverifiable) == 0,
                  "on-curve point, allocation %lu of %lu failing: %s", n + 1, total, on);
    ck_assert_msg(
        strcmp(not_on, "P256 point not on curve") == 0 || strcmp(not_on, unverifiable) == 0,
        "off-curve point, allocation %lu of %lu failing: %s", n + 1, total, not_on);
  }
  ck_assert_ptr_null(ec_error(param_p256, sizeof param_p256, p256_g, sizeof p256_g));
}
END_TEST

START_TEST(go_key_bits_are_right_aligned_first) {
  /* Go shifts a BIT STRING with unused bits right before decoding: G
   * shifted left one bit, one unused bit, is G again. */
  uint8_t shifted[65];
  left_shift_one(p256_g, sizeof p256_g, shifted);
  struct go_public_key pub;
  const struct key_spec k = {oid_ec, sizeof oid_ec, param_p256,    sizeof param_p256,
                             1,      shifted,       sizeof shifted};
  ck_assert_ptr_null(key_error(&k, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_ECDSA);
  /* Unshifted, the same octets are no point at all. */
  const struct key_spec raw = {oid_ec, sizeof oid_ec, param_p256,    sizeof param_p256,
                               0,      shifted,       sizeof shifted};
  ck_assert_str_eq(key_error(&raw, &pub), "ecdsa: invalid uncompressed public key");
}
END_TEST

static const char *rsa_error(const uint8_t *params, size_t params_len, const uint8_t *key,
                             size_t key_len, struct go_public_key *pub) {
  const struct key_spec k = {oid_rsa_enc, sizeof oid_rsa_enc, params, params_len, 0, key, key_len};
  return key_error(&k, pub);
}

START_TEST(go_key_rsa_texts_and_modulus_size) {
  struct go_public_key pub;
  static const uint8_t ok[] = {0x30, 0x08, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x02, 0x01, 0x01};
  ck_assert_ptr_null(rsa_error(param_null, sizeof param_null, ok, sizeof ok, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_RSA);
  ck_assert_uint_eq(pub.rsa_bits, 8);
  ck_assert_str_eq(rsa_error(NULL, 0, ok, sizeof ok, &pub),
                   "x509: RSA key missing NULL parameters");
  ck_assert_str_eq(rsa_error(param_p256, sizeof param_p256, ok, sizeof ok, &pub),
                   "x509: RSA key missing NULL parameters");
  static const uint8_t not_seq[] = {0x04, 0x00};
  static const uint8_t pad_n[] = {0x30, 0x04, 0x02, 0x02, 0x00, 0x01}; /* non-minimal INTEGER */
  static const uint8_t long_e[] = {0x30, 0x0f, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x09, 1,
                                   0,    0,    0,    0,    0,    0,    0,    0};
  static const uint8_t neg_n[] = {0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x03};
  static const uint8_t zero_e[] = {0x30, 0x07, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x01, 0x00};
  ck_assert_str_eq(rsa_error(param_null, 2, not_seq, sizeof not_seq, &pub),
                   "x509: invalid RSA public key");
  ck_assert_str_eq(rsa_error(param_null, 2, pad_n, sizeof pad_n, &pub),
                   "x509: invalid RSA modulus");
  ck_assert_str_eq(rsa_error(param_null, 2, long_e, sizeof long_e, &pub),
                   "x509: invalid RSA public exponent");
  ck_assert_str_eq(rsa_error(param_null, 2, neg_n, sizeof neg_n, &pub),
                   "x509: RSA modulus is not a positive number");
  ck_assert_str_eq(rsa_error(param_null, 2, zero_e, sizeof zero_e, &pub),
                   "x509: RSA public exponent is not a positive number");
  /* 8193 bits (2^8192): parses; crypto/tls refuses it later. Shifted by
   * one unused bit it still parses (the copy goes to the heap). */
  static uint8_t big[4 + 4 + 1025 + 5], big_shifted[sizeof big];
  uint8_t *p = put_header(put_header(big, 0x30, sizeof big - 4), 0x02, 1025);
  *p = 0x01;
  memset(p + 1, 0, 1024);
  memcpy(p + 1025, (const uint8_t[]){0x02, 0x03, 0x01, 0x00, 0x01}, 5);
  ck_assert_ptr_null(rsa_error(param_null, 2, big, sizeof big, &pub));
  ck_assert_uint_eq(pub.rsa_bits, 8193);
  left_shift_one(big, sizeof big, big_shifted);
  const struct key_spec k = {oid_rsa_enc, sizeof oid_rsa_enc, param_null,        2,
                             1,           big_shifted,        sizeof big_shifted};
  ck_assert_ptr_null(key_error(&k, &pub));
  ck_assert_uint_eq(pub.rsa_bits, 8193);
}
END_TEST

START_TEST(go_key_ed25519_dsa_and_unknown_algorithms) {
  struct go_public_key pub;
  uint8_t key32[32] = {0};
  struct key_spec k = {oid_ed, sizeof oid_ed, NULL, 0, 0, key32, 32};
  ck_assert_ptr_null(key_error(&k, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_ED25519);
  k.key_len = 31;
  ck_assert_str_eq(key_error(&k, &pub), "x509: wrong Ed25519 public key size");
  k.key_len = 32;
  k.params = param_null, k.params_len = 2;
  ck_assert_str_eq(key_error(&k, &pub), "x509: Ed25519 key encoded with illegal parameters");
  /* X25519 is not a certificate key type in Go's x509: left undecoded (nil). */
  k = (struct key_spec){oid_x25519, sizeof oid_x25519, NULL, 0, 0, key32, 3};
  ck_assert_ptr_null(key_error(&k, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_UNKNOWN);
  ck_assert_str_eq(go_key_type_name(pub.type), "<nil>");

  static const uint8_t dsa_params[] = {0x30, 0x09, 0x02, 0x01, 0x07, 0x02,
                                       0x01, 0x03, 0x02, 0x01, 0x02};
  static const uint8_t y_ok[] = {0x02, 0x01, 0x05}, y_zero[] = {0x02, 0x01, 0x00},
                       y_bad[] = {0x04, 0x01, 0x05};
  k = (struct key_spec){oid_dsa_key, sizeof oid_dsa_key, dsa_params, sizeof dsa_params, 0, y_ok, 3};
  ck_assert_ptr_null(key_error(&k, &pub));
  ck_assert_str_eq(go_key_type_name(pub.type), "*dsa.PublicKey");
  k.key = y_zero;
  ck_assert_str_eq(key_error(&k, &pub), "x509: zero or negative DSA parameter");
  k.key = y_bad;
  ck_assert_str_eq(key_error(&k, &pub), "x509: invalid DSA public key");
  k.key = y_ok, k.params = NULL, k.params_len = 0;
  ck_assert_str_eq(key_error(&k, &pub), "x509: invalid DSA parameters");
}
END_TEST

START_TEST(go_key_factory_keys_decode) {
  struct cert_fields f;
  struct go_public_key pub;
  ck_assert_ptr_null(go_parse_certificate_key(leaf->der, leaf->der_len, &f, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_ECDSA);
  ck_assert_ptr_null(go_parse_certificate_key(meta->der, meta->der_len, &f, &pub));
  ck_assert_int_eq(pub.type, GO_KEY_ED25519);
  const enum cert_key_type types[] = {CERT_KEY_P384, CERT_KEY_RSA2048};
  const enum go_key_type want[] = {GO_KEY_ECDSA, GO_KEY_RSA};
  for (size_t i = 0; i < 2; i++) {
    struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
    s.key_type = types[i];
    struct factory_cert *c = make(&s);
    ck_assert_ptr_null(go_parse_certificate_key(c->der, c->der_len, &f, &pub));
    ck_assert_int_eq(pub.type, want[i]);
    ck_assert_uint_eq(pub.rsa_bits, want[i] == GO_KEY_RSA ? 2048 : 0);
    factory_cert_free(c);
  }
}
END_TEST

/* crypto/tls parses (and so decodes every key) before any hook. */
START_TEST(off_curve_leaf_key_is_a_tls_parse_error_in_every_profile) {
  uint8_t spki_buf[KEY_SPKI_MAX], der[4096];
  uint8_t off[65];
  memcpy(off, p256_g, sizeof off);
  off[64] ^= 0x01;
  const struct key_spec k = {oid_ec, sizeof oid_ec, param_p256, sizeof param_p256,
                             0,      off,           sizeof off};
  const struct der_slice bad = with_spki(leaf, build_spki(&k, spki_buf), der, sizeof der);
  char pin[65];
  ck_assert(pin_hex_of_der(bad.ptr, bad.len, pin));
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], pin, "127.0.0.1", NOW, bad, der_of(meta)),
           PIN_VERIFY_TLS_PARSE_ERROR, 0,
           "tls: failed to parse certificate from server: P256 point not on curve");
  /* The generator itself is a fine key: the verdict is the pin's again. */
  const struct key_spec g = {oid_ec, sizeof oid_ec, param_p256,   sizeof param_p256,
                             0,      p256_g,        sizeof p256_g};
  const struct der_slice good = with_spki(leaf, build_spki(&g, spki_buf), der, sizeof der);
  ck_assert(pin_hex_of_der(good.ptr, good.len, pin));
  expect(RUN("current", pin, "127.0.0.1", NOW, good, der_of(meta)), PIN_VERIFY_OK, 0, "");
}
END_TEST

/* Rewrites the first `from` in der[0..len) to `to` (same length). */
static void patch_once(uint8_t *der, size_t len, const void *from, const void *to, size_t n) {
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(der + i, from, n) == 0) {
      memcpy(der + i, to, n);
      return;
    }
  ck_abort_msg("pattern not found");
}

/* Go decodes the key before it reads the extensions: an off-curve key wins
 * over a duplicate extension further on (cert_fields alone would refuse
 * the duplicate first). */
START_TEST(go_model_key_error_comes_before_extension_error) {
  static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
  static const uint8_t bc_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x13};
  uint8_t spki_buf[KEY_SPKI_MAX], der[4096];
  struct cert_fields f;
  memcpy(der, leaf->der, leaf->der_len);
  patch_once(der, leaf->der_len, san_oid, bc_oid, sizeof san_oid);
  ck_assert_str_eq(go_parse_certificate(der, leaf->der_len, &f),
                   "x509: certificate contains duplicate extension with OID \"2.5.29.19\"");
  uint8_t off[65];
  memcpy(off, p256_g, sizeof off);
  off[64] ^= 0x01;
  const struct key_spec k = {oid_ec, sizeof oid_ec, param_p256, sizeof param_p256,
                             0,      off,           sizeof off};
  struct der_slice bad = with_spki(leaf, build_spki(&k, spki_buf), der, sizeof der);
  patch_once(der, bad.len, san_oid, bc_oid, sizeof san_oid);
  ck_assert_str_eq(go_parse_certificate(bad.ptr, bad.len, &f), "P256 point not on curve");
}
END_TEST

/* Each stage of parseCertificate names itself in Go's text. */
START_TEST(go_model_names_the_failing_stage) {
  uint8_t der[4096];
  struct cert_fields f;
  const size_t n = leaf->der_len;
  ck_assert_ptr_null(go_parse_certificate(leaf->der, n, &f));
  const size_t nb_tag = (size_t)(f.not_before_text.ptr - leaf->der) - 2;
  /* version [0] INTEGER 2 (v3) -> 3 */
  memcpy(der, leaf->der, n);
  patch_once(der, n, "\xa0\x03\x02\x01\x02", "\xa0\x03\x02\x01\x03", 5);
  ck_assert_str_eq(go_parse_certificate(der, n, &f), "x509: invalid version");
  /* version [0] INTEGER -1 */
  memcpy(der, leaf->der, n);
  patch_once(der, n, "\xa0\x03\x02\x01\x02", "\xa0\x03\x02\x01\xff", 5);
  ck_assert_str_eq(go_parse_certificate(der, n, &f), "x509: malformed version");
  /* notBefore as an OCTET STRING */
  memcpy(der, leaf->der, n);
  der[nb_tag] = 0x04;
  ck_assert_str_eq(go_parse_certificate(der, n, &f), "x509: unsupported time format");
  /* a byte after the Certificate */
  memcpy(der, leaf->der, n);
  der[n] = 0x00;
  ck_assert_str_eq(go_parse_certificate(der, n + 1, &f), "x509: trailing data");
  /* an empty input, and a Certificate SEQUENCE holding no TBS */
  ck_assert_str_eq(go_parse_certificate(der, 0, &f), "x509: malformed certificate");
  ck_assert_str_eq(go_parse_certificate(garbage, sizeof garbage, &f),
                   "x509: malformed tbs certificate");
}
END_TEST

START_TEST(leaf_key_type_is_checked_after_parsing_before_the_hook) {
  uint8_t spki_buf[KEY_SPKI_MAX], der[4096], meta_der[4096];
  uint8_t key32[32] = {0x09};
  const struct key_spec x = {oid_x25519, sizeof oid_x25519, NULL, 0, 0, key32, sizeof key32};
  const struct der_slice x_leaf = with_spki(leaf, build_spki(&x, spki_buf), der, sizeof der);
  char pin[65];
  ck_assert(pin_hex_of_der(x_leaf.ptr, x_leaf.len, pin));
  /* Before 1.82's "unexpected multiple certs" and every hash check. */
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], pin, "127.0.0.1", NOW, x_leaf, der_of(meta)),
           PIN_VERIFY_TLS_KEY_ERROR, 0,
           "tls: server's certificate contains an unsupported type of public key: <nil>");
  /* After the parse of every certificate. */
  expect(RUN("current", pin, "127.0.0.1", NOW, x_leaf, GARBAGE), PIN_VERIFY_TLS_PARSE_ERROR, 1,
         NULL);
  /* Only the leaf's key type matters: a metacert with one is skipped. */
  const struct der_slice x_meta =
      with_spki(meta, build_spki(&x, spki_buf), meta_der, sizeof meta_der);
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), x_meta), PIN_VERIFY_OK, 0,
         "");
  static const uint8_t dsa_params[] = {0x30, 0x09, 0x02, 0x01, 0x07, 0x02,
                                       0x01, 0x03, 0x02, 0x01, 0x02};
  static const uint8_t y[] = {0x02, 0x01, 0x05};
  const struct key_spec d = {oid_dsa_key, sizeof oid_dsa_key, dsa_params, sizeof dsa_params, 0, y,
                             sizeof y};
  const struct der_slice d_leaf = with_spki(leaf, build_spki(&d, spki_buf), der, sizeof der);
  expect(RUN("tailscale-1.84", pin, "127.0.0.1", NOW, d_leaf), PIN_VERIFY_TLS_KEY_ERROR, 0,
         "tls: server's certificate contains an unsupported type of public key: *dsa.PublicKey");
}
END_TEST

START_TEST(rsa_key_over_8192_bits_fails_in_the_parse_loop) {
  static uint8_t key[4 + 4 + 1025 + 5];
  uint8_t *p = put_header(put_header(key, 0x30, sizeof key - 4), 0x02, 1025);
  *p = 0x01; /* 2^8192: 8193 bits */
  memset(p + 1, 0, 1024);
  memcpy(p + 1025, (const uint8_t[]){0x02, 0x03, 0x01, 0x00, 0x01}, 5);
  const struct key_spec k = {oid_rsa_enc, sizeof oid_rsa_enc, param_null, 2, 0, key, sizeof key};
  static uint8_t spki_buf[KEY_SPKI_MAX], der[4096];
  const struct der_slice big = with_spki(meta, build_spki(&k, spki_buf), der, sizeof der);
  /* Certificate 1 is refused before certificate 2 is parsed. */
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), big, GARBAGE),
           PIN_VERIFY_TLS_KEY_ERROR, 1,
           "tls: server sent certificate containing RSA key larger than 8192 bits");
  expect(RUN("current", leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), GARBAGE, big),
         PIN_VERIFY_TLS_PARSE_ERROR, 1, NULL);
}
END_TEST

/* crypto/tls's limit is inclusive (checkKeySize: n <= 8192): a key of
 * exactly 8192 bits passes the parse loop, so the next certificate's parse
 * error is the verdict. */
START_TEST(rsa_key_of_exactly_8192_bits_passes_the_parse_loop) {
  static uint8_t key[4 + 4 + 1025 + 5];
  uint8_t *p = put_header(put_header(key, 0x30, sizeof key - 4), 0x02, 1025);
  p[0] = 0x00, p[1] = 0x80; /* 2^8191: 8192 bits */
  memset(p + 2, 0, 1023);
  memcpy(p + 1025, (const uint8_t[]){0x02, 0x03, 0x01, 0x00, 0x01}, 5);
  const struct key_spec k = {oid_rsa_enc, sizeof oid_rsa_enc, param_null, 2, 0, key, sizeof key};
  static uint8_t spki_buf[KEY_SPKI_MAX], der[4096];
  const struct der_slice big = with_spki(meta, build_spki(&k, spki_buf), der, sizeof der);
  for (size_t i = 0; i < 3; i++)
    expect(RUN(ALL_PROFILES[i], leaf->sha256_hex, "127.0.0.1", NOW, der_of(leaf), big, GARBAGE),
           PIN_VERIFY_TLS_PARSE_ERROR, 2,
           "tls: failed to parse certificate from server: x509: malformed tbs certificate");
}
END_TEST

/* Any number of metacerts before the pinned certificate: a chain longer
 * than the first few certificates is judged the same way. */
START_TEST(long_chains_are_judged_to_the_last_certificate) {
  struct der_slice chain[12];
  for (size_t i = 0; i < 12; i++) chain[i] = der_of(meta);
  chain[10] = der_of(leaf);
  for (size_t p = 0; p < 2; p++) {
    expect(run(ALL_PROFILES[p], chain, 11, leaf->sha256_hex, "127.0.0.1", NOW), PIN_VERIFY_OK, 10,
           "");
    expect(run(ALL_PROFILES[p], chain, 12, leaf->sha256_hex, "127.0.0.1", NOW), PIN_VERIFY_OK, 10,
           "");
    expect(run(ALL_PROFILES[p], chain, 11, meta->sha256_hex, "127.0.0.1", NOW),
           PIN_VERIFY_HASH_MISMATCH, 10, "cert hash does not match expected cert hash");
    expect(run(ALL_PROFILES[p], chain, 11, leaf->sha256_hex, "10.0.0.1", NOW),
           p == 0 ? PIN_VERIFY_OK : PIN_VERIFY_NAME_MISMATCH, 10, NULL);
    expect(run(ALL_PROFILES[p], chain, 10, leaf->sha256_hex, "127.0.0.1", NOW),
           PIN_VERIFY_NOT_PRESENTED, 10, "expected cert not presented");
  }
  chain[11] = der_of(leaf);
  expect(run("current", chain, 12, leaf->sha256_hex, "127.0.0.1", NOW), PIN_VERIFY_MULTIPLE_CERTS,
         11, "unexpected multiple certs presented");
  chain[11] = GARBAGE;
  expect(run("current", chain, 12, leaf->sha256_hex, "127.0.0.1", NOW), PIN_VERIFY_TLS_PARSE_ERROR,
         11, NULL);
  expect(run("tailscale-1.82", chain, 11, leaf->sha256_hex, "127.0.0.1", NOW),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

/* Caller errors are reported, never judged as a profile would. */
START_TEST(unknown_profile_and_status_are_named_unknown) {
  struct pin_verify_input in = {CHAIN(der_of(leaf)), 1,   leaf->sha256_hex,
                                "127.0.0.1",         NOW, (enum pin_profile)7};
  struct pin_verify_result r;
  ck_assert(!pin_verify(&in, &r));
  expect(r, PIN_VERIFY_BAD_INPUT, 0, "unknown pin profile");
  ck_assert_str_eq(pin_profile_name((enum pin_profile)7), "unknown");
  ck_assert_str_eq(pin_verify_status_name((enum pin_verify_status)99), "unknown");
}
END_TEST

/* ---------- pin_hex_of_der ---------- */

/* `openssl req -x509 -newkey ed25519 -subj "/CN=pin vector" -days 1 -outform DER`;
 * valid 2026-12-04 19:15:13 UTC for one day. */
static const uint8_t pin_vector_der[] = {
    0x30, 0x82, 0x01, 0x3e, 0x30, 0x81, 0xf1, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14, 0x6b, 0x20,
    0x5d, 0x35, 0xef, 0x29, 0x26, 0xc3, 0x54, 0xb6, 0xdd, 0xec, 0xc5, 0xe3, 0xae, 0xcf, 0x09, 0xcf,
    0xec, 0xac, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x30, 0x15, 0x31, 0x13, 0x30, 0x11, 0x06,
    0x03, 0x55, 0x04, 0x03, 0x0c, 0x0a, 0x70, 0x69, 0x6e, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72,
    0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x32, 0x30, 0x34, 0x31, 0x39, 0x31, 0x35, 0x31, 0x33,
    0x5a, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x32, 0x30, 0x35, 0x31, 0x39, 0x31, 0x35, 0x31, 0x33, 0x5a,
    0x30, 0x15, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0a, 0x70, 0x69, 0x6e,
    0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
    0x03, 0x21, 0x00, 0x27, 0x3b, 0xab, 0xad, 0xee, 0x84, 0xdf, 0xa7, 0x86, 0x5d, 0x6d, 0x92, 0xa2,
    0xd5, 0xd6, 0x43, 0x45, 0x15, 0x3c, 0xfa, 0xe9, 0xf8, 0x93, 0x18, 0x2a, 0x7d, 0x6c, 0x13, 0xc7,
    0x6e, 0x10, 0x7b, 0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16,
    0x04, 0x14, 0xb7, 0xe6, 0x28, 0xa3, 0x05, 0x9b, 0xea, 0x0e, 0x04, 0xa4, 0x8c, 0x95, 0xea, 0xda,
    0x40, 0xd7, 0x65, 0x5b, 0xed, 0x6f, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30,
    0x16, 0x80, 0x14, 0xb7, 0xe6, 0x28, 0xa3, 0x05, 0x9b, 0xea, 0x0e, 0x04, 0xa4, 0x8c, 0x95, 0xea,
    0xda, 0x40, 0xd7, 0x65, 0x5b, 0xed, 0x6f, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01,
    0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
    0x41, 0x00, 0x5b, 0x93, 0x2d, 0x32, 0x28, 0x3f, 0x25, 0x1d, 0xd0, 0x09, 0xee, 0xa5, 0x82, 0x75,
    0x17, 0x84, 0x6f, 0x0f, 0x89, 0xf1, 0xfa, 0x52, 0x23, 0x0f, 0x88, 0x21, 0x5b, 0x8a, 0xdf, 0xe8,
    0x12, 0xbd, 0x16, 0xd8, 0x90, 0xf3, 0x16, 0xff, 0x3f, 0x33, 0x56, 0xe1, 0x76, 0xec, 0xa3, 0x53,
    0x1c, 0x73, 0x45, 0xa5, 0x83, 0x2c, 0xd2, 0x17, 0x27, 0x11, 0x01, 0xbd, 0x9f, 0xaf, 0xea, 0x69,
    0xcd, 0x09};
#define PIN_VECTOR_NOT_BEFORE 1796411713

/* Expected digests from `openssl dgst -sha256` over the same bytes. */
START_TEST(pin_hex_of_der_matches_openssl_dgst) {
  const struct {
    const uint8_t *der;
    size_t len;
    const char *want;
  } cases[] = {
      {pin_vector_der, sizeof pin_vector_der,
       "1dcdea7ada90dcca77851bbb89f858e9a5ac565e09ae884e530b5e8693416c9b"},
      {garbage, sizeof garbage, "b560833d6f787af46113b96aad4dd5b5d1ae00dccc69cf30cc92bed651c56617"},
      {(const uint8_t *)"abc", 3,
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {(const uint8_t *)"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[PIN_HEX_LEN + 2];
    memset(out, 'x', sizeof out);
    ck_assert(pin_hex_of_der(cases[i].der, cases[i].len, out));
    ck_assert_str_eq(out, cases[i].want);
    ck_assert_int_eq(out[PIN_HEX_LEN + 1], 'x'); /* 64 digits and the NUL, nothing more */
  }
}
END_TEST

START_TEST(pin_hex_of_der_is_the_pin_pin_verify_accepts) {
  char pin[PIN_HEX_LEN + 1];
  ck_assert(pin_hex_of_der(pin_vector_der, sizeof pin_vector_der, pin));
  const struct der_slice vector = {pin_vector_der, sizeof pin_vector_der};
  expect(run("current", &vector, 1, pin, NULL, PIN_VECTOR_NOT_BEFORE + 60), PIN_VERIFY_OK, 0, "");
  for (char *p = pin; *p; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  expect(run("current", &vector, 1, pin, NULL, PIN_VECTOR_NOT_BEFORE + 60),
         PIN_VERIFY_HASH_MISMATCH, 0, NULL);
}
END_TEST

/* ---------- x509 host names as Go decides them ---------- */

/* The certificates of the table below: SANs (DNS, then IP) and CN; no SAN
 * at all makes a certificate without the extension, where Go's error text
 * looks at the CN. */
static const struct {
  const char *cn;
  const char *dns[4];
  const char *ip[4];
} host_certs[] = {
    {"x", {"*.example.com", "example.com"}, {NULL}},
    {"x", {"*"}, {NULL}},
    {"x", {"f*.example.com", "a.*.example", "*.*.example"}, {NULL}},
    {"x", {"derp.example.", "-a.example", "a_b.example", "123"}, {NULL}},
    {"x", {"", "A..example", "LOCALHOST"}, {NULL}},
    {"x", {NULL}, {"127.0.0.1", "2001:db8::1"}},
    {"x", {"derp.example"}, {"fe80::1", "::", "1:0:0:1:0:0:0:1", "0:0:1:0:0:1:0:0"}},
    {"derp.example", {NULL}, {NULL}},
    {"*", {NULL}, {NULL}},
    {"*.Example", {NULL}, {NULL}},
    {"10.0.0.1", {NULL}, {NULL}},
    {"x", {".", ".a", "a"}, {NULL}},
    {"", {NULL}, {NULL}},
    {"a.*.example", {NULL}, {NULL}},
    {"x", {""}, {NULL}},
};

static struct factory_cert *host_cert(size_t i) {
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.label = "host-table";
  s.cn = host_certs[i].cn;
  s.ip_san_count = 0;
  for (size_t j = 0; j < 4 && host_certs[i].dns[j] != NULL; j++)
    s.dns_sans[s.dns_san_count++] = host_certs[i].dns[j];
  for (size_t j = 0; j < 4 && host_certs[i].ip[j] != NULL; j++)
    s.ip_sans[s.ip_san_count++] = host_certs[i].ip[j];
  return make(&s);
}

/* Each row: Go 1.26's x509.Certificate.VerifyHostname(host) on a Go-made
 * certificate with the same names, nil or its error text. */
START_TEST(hostname_table_is_go_verify_hostname) {
  static const struct {
    size_t cert;
    const char *host;
    const char *err;
  } rows[] = {
      {0, "a.example.com", NULL},
      {0, "A.EXAMPLE.COM.", NULL},
      {0, "example.com", NULL},
      {0, "a.b.example.com",
       "x509: certificate is valid for *.example.com, example.com, not a.b.example.com"},
      {0, "a-b.example.com", NULL},
      {0, "a_b.example.com", NULL},
      {0, "1.example.com", NULL},
      {0, "-a.example.com",
       "x509: certificate is valid for *.example.com, example.com, not -a.example.com"},
      {0, ".example.com",
       "x509: certificate is valid for *.example.com, example.com, not .example.com"},
      {0, "a..example.com",
       "x509: certificate is valid for *.example.com, example.com, not a..example.com"},
      {0, "a.example.com..",
       "x509: certificate is valid for *.example.com, example.com, not a.example.com.."},
      {0, "com", "x509: certificate is valid for *.example.com, example.com, not com"},
      {0, "example.com..",
       "x509: certificate is valid for *.example.com, example.com, not example.com.."},
      {0, "*.example.com", NULL},
      {0, "10.0.0.1",
       "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs"},
      {0, "[::1]",
       "x509: cannot validate certificate for ::1 because it doesn't contain any IP SANs"},
      {1, "localhost", "x509: certificate is valid for *, not localhost"},
      {1, "a", "x509: certificate is valid for *, not a"},
      {1, "*", NULL},
      {1, "*.", "x509: certificate is valid for *, not *."},
      {2, "foo.example.com",
       "x509: certificate is valid for f*.example.com, a.*.example, *.*.example, not "
       "foo.example.com"},
      {2, "f.example.com",
       "x509: certificate is valid for f*.example.com, a.*.example, *.*.example, not "
       "f.example.com"},
      {2, "F*.EXAMPLE.COM", NULL},
      {2, "a.b.example",
       "x509: certificate is valid for f*.example.com, a.*.example, *.*.example, not a.b.example"},
      {2, "a.*.example", NULL},
      {2, "x.y.example",
       "x509: certificate is valid for f*.example.com, a.*.example, *.*.example, not x.y.example"},
      {3, "derp.example",
       "x509: certificate is valid for derp.example., -a.example, a_b.example, 123, not "
       "derp.example"},
      {3, "derp.example.", NULL},
      {3, "-a.example", NULL},
      {3, "-A.EXAMPLE", NULL},
      {3, "A_B.example.", NULL},
      {3, "123", NULL},
      {3, "123.", NULL},
      {4, "", "x509: certificate is valid for , A..example, LOCALHOST, not "},
      {4, ".", "x509: certificate is valid for , A..example, LOCALHOST, not ."},
      {4, "a..example", NULL},
      {4, "localhost.", NULL},
      {4, "LocalHost", NULL},
      {4, "b.example", "x509: certificate is valid for , A..example, LOCALHOST, not b.example"},
      {5, "127.0.0.1", NULL},
      {5, "[127.0.0.1]", NULL},
      {5, "::ffff:127.0.0.1", NULL},
      {5, "::ffff:7f00:1", NULL},
      {5, "2001:DB8:0::1", NULL},
      {5, "[2001:db8::1]", NULL},
      {5, "127.0.0.01",
       "x509: certificate is not valid for any names, but wanted to match 127.0.0.01"},
      {5, "127.0.0.1.",
       "x509: certificate is not valid for any names, but wanted to match 127.0.0.1."},
      {5, "2001:db8::1%eth0",
       "x509: certificate is not valid for any names, but wanted to match 2001:db8::1%eth0"},
      {5, "[2001:db8::1",
       "x509: certificate is not valid for any names, but wanted to match [2001:db8::1"},
      {5, "::1", "x509: certificate is valid for 127.0.0.1, 2001:db8::1, not ::1"},
      {5, "127.1", "x509: certificate is not valid for any names, but wanted to match 127.1"},
      {5, "localhost",
       "x509: certificate is not valid for any names, but wanted to match localhost"},
      {6, "10.0.0.9",
       "x509: certificate is valid for fe80::1, ::, 1:0:0:1::1, ::1:0:0:1:0:0, not 10.0.0.9"},
      {6, "::", NULL},
      {6, "0::0", NULL},
      {6, "FE80::1", NULL},
      {6, "fe80::1%lo", "x509: certificate is valid for derp.example, not fe80::1%lo"},
      {6, "derp.example", NULL},
      {6, "other.example", "x509: certificate is valid for derp.example, not other.example"},
      {7, "derp.example", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {7, "DERP.example.",
       "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {7, "other.example",
       "x509: certificate is not valid for any names, but wanted to match other.example"},
      {7, "10.0.0.1",
       "x509: cannot validate certificate for 10.0.0.1 because it doesn't contain any IP SANs"},
      {8, "", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {8, ".", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {8, "a", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {8, "a.b", "x509: certificate is not valid for any names, but wanted to match a.b"},
      {9, "a.example", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {9, "example", "x509: certificate is not valid for any names, but wanted to match example"},
      {9, ".example", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {10, "10.0.0.1", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {10, "10.0.0.2",
       "x509: cannot validate certificate for 10.0.0.2 because it doesn't contain any IP SANs"},
      {0, "z.example.com", NULL},
      {0, "Z.example.com", NULL},
      {0, "0.example.com", NULL},
      {0, "9.example.com", NULL},
      {11, ".", "x509: certificate is valid for ., .a, a, not ."},
      {11, ".A", NULL},
      {11, "a.", NULL},
      {11, "A", NULL},
      {11, "..", "x509: certificate is valid for ., .a, a, not .."},
      {11, "a..", "x509: certificate is valid for ., .a, a, not a.."},
      {12, "", "x509: certificate is not valid for any names, but wanted to match "},
      {12, ".", "x509: certificate is not valid for any names, but wanted to match ."},
      {13, "a.b.example",
       "x509: certificate is not valid for any names, but wanted to match a.b.example"},
      {13, "A.*.EXAMPLE", "x509: certificate relies on legacy Common Name field, use SANs instead"},
      {14, "b.example",
       "x509: certificate is not valid for any names, but wanted to match b.example"},
      {14, "", "x509: certificate is not valid for any names, but wanted to match "},
  };
  struct factory_cert *certs[sizeof host_certs / sizeof host_certs[0]];
  for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) certs[i] = host_cert(i);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char why[512] = "";
    bool ok = verify_host(certs[rows[i].cert], rows[i].host, why, sizeof why);
    ck_assert_msg(ok == (rows[i].err == NULL), "cert %zu host \"%s\": ok=%d (%s)", rows[i].cert,
                  rows[i].host, ok, why);
    if (!ok)
      ck_assert_msg(strcmp(why, rows[i].err) == 0, "cert %zu host \"%s\": %s", rows[i].cert,
                    rows[i].host, why);
  }
  for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++) factory_cert_free(certs[i]);
}
END_TEST

/* The C API's NULL host is Go's ""; the text is cut to err_cap. */
START_TEST(hostname_null_host_and_short_buffer) {
  char why[64], why_empty[64];
  ck_assert(!verify_host(leaf, NULL, why, sizeof why));
  ck_assert(!verify_host(leaf, "", why_empty, sizeof why_empty));
  ck_assert_str_eq(why, why_empty);
  ck_assert(!verify_host(leaf, "10.0.0.1", why, 16));
  ck_assert_str_eq(why, "x509: certifica");
}
END_TEST

/* validHostname refuses a pattern that is "*" alone, so such a SAN only
 * ever matches the name "*" exactly (corpus/regressions/pin_verify/
 * host-bare-wildcard-san). */
START_TEST(bare_wildcard_san_matches_no_name) {
  struct factory_cert *c = host_cert(1);
  for (size_t i = 0; i < 2; i++) {
    expect(RUN(ALL_PROFILES[i], c->sha256_hex, "localhost", NOW, der_of(c), der_of(meta)),
           PIN_VERIFY_NAME_MISMATCH, 0,
           "cert does not match server name \"localhost\": x509: certificate is valid for *, not "
           "localhost");
    expect(RUN(ALL_PROFILES[i], c->sha256_hex, "*", NOW, der_of(c), der_of(meta)), PIN_VERIFY_OK, 0,
           "");
  }
  factory_cert_free(c);
}
END_TEST

/* HostnameError's CN fallback splits the host as strings.Split does: ""
 * is one empty label, which a CN "*" matches (corpus/regressions/
 * pin_verify/host-legacy-cn-wildcard-*). current sends no SNI for "" or
 * "." and checks nothing. */
START_TEST(legacy_cn_wildcard_matches_an_empty_name) {
  struct factory_cert *c = host_cert(8);
  const char *legacy = "x509: certificate relies on legacy Common Name field, use SANs instead";
  char want[256];
  for (size_t n = 0; n < 2; n++) {
    const char *name = n == 0 ? "" : ".";
    snprintf(want, sizeof want, "cert does not match server name \"%s\": %s", name, legacy);
    expect(RUN("tailscale-1.84", c->sha256_hex, name, NOW, der_of(c)), PIN_VERIFY_NAME_MISMATCH, 0,
           want);
    expect(RUN("tailscale-1.82", c->sha256_hex, name, NOW, der_of(c)), PIN_VERIFY_NAME_MISMATCH, 0,
           want);
    expect(RUN("current", c->sha256_hex, name, NOW, der_of(c)), PIN_VERIFY_OK, 0, "");
  }
  factory_cert_free(c);
}
END_TEST

/* A SAN extension of n dNSNames "h<i>.example" (ip false) or n iPAddresses
 * 10.0.<i/256>.<i%256>, as extnValue bytes. */
static size_t many_sans(bool ip, size_t n, uint8_t *out, size_t cap) {
  uint8_t body[4096];
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (ip) {
      const uint8_t v[6] = {0x87, 4, 10, 0, (uint8_t)(i / 256), (uint8_t)(i % 256)};
      memcpy(body + len, v, sizeof v);
      len += sizeof v;
    } else {
      char name[32];
      int k = snprintf(name, sizeof name, "h%zu.example", i);
      body[len++] = 0x82;
      body[len++] = (uint8_t)k;
      memcpy(body + len, name, (size_t)k);
      len += (size_t)k;
    }
  }
  ck_assert_uint_le(header_len(len) + len, cap);
  uint8_t *p = put_header(out, 0x30, len);
  memcpy(p, body, len);
  return (size_t)(p - out) + len;
}

static struct factory_cert *cert_with_many_sans(bool ip, size_t n) {
  static uint8_t value[4096];
  struct cert_extra_ext ext = {"2.5.29.17", false, value, many_sans(ip, n, value, sizeof value)};
  struct cert_spec s = cert_spec_derper_ip("127.0.0.1", NOW);
  s.label = "many-sans";
  s.ip_san_count = 0;
  s.extra_exts = &ext;
  s.extra_ext_count = 1;
  return make(&s);
}

/* HostnameError lists at most 99 names of the kind asked for; from 100
 * on it counts them (maxNamesIncluded; corpus/regressions/pin_verify/
 * host-100-*). */
START_TEST(hostname_error_counts_from_100_names) {
  struct factory_cert *dns99 = cert_with_many_sans(false, 99),
                      *dns100 = cert_with_many_sans(false, 100);
  struct factory_cert *ip99 = cert_with_many_sans(true, 99),
                      *ip100 = cert_with_many_sans(true, 100);
  expect(RUN("tailscale-1.84", dns100->sha256_hex, "derp.example", NOW, der_of(dns100)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate is valid for 100 "
         "names, but none matched derp.example");
  expect(RUN("current", dns100->sha256_hex, "h99.example", NOW, der_of(dns100)), PIN_VERIFY_OK, 0,
         "");
  expect(
      RUN("tailscale-1.84", ip100->sha256_hex, "10.9.9.9", NOW, der_of(ip100)),
      PIN_VERIFY_NAME_MISMATCH, 0,
      "cert does not match server name \"10.9.9.9\": x509: certificate is valid for 100 IP SANs, "
      "but none matched 10.9.9.9");
  expect(RUN("tailscale-1.84", ip100->sha256_hex, "10.0.0.99", NOW, der_of(ip100)), PIN_VERIFY_OK,
         0, "");
  /* The count is of the kind the host asks for: no DNS names here. */
  expect(RUN("tailscale-1.84", ip100->sha256_hex, "derp.example", NOW, der_of(ip100)),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"derp.example\": x509: certificate is not valid for any "
         "names, but wanted to match derp.example");
  struct pin_verify_result r =
      RUN("tailscale-1.84", dns99->sha256_hex, "derp.example", NOW, der_of(dns99));
  ck_assert_int_eq(r.status, PIN_VERIFY_NAME_MISMATCH);
  const char *head =
      "cert does not match server name \"derp.example\": x509: certificate is valid "
      "for h0.example, h1.example, ";
  const char *tail = ", h97.example, h98.example, not derp.example";
  ck_assert_int_eq(strncmp(r.message, head, strlen(head)), 0);
  ck_assert_str_eq(r.message + strlen(r.message) - strlen(tail), tail);
  r = RUN("tailscale-1.84", ip99->sha256_hex, "10.9.9.9", NOW, der_of(ip99));
  ck_assert_int_eq(r.status, PIN_VERIFY_NAME_MISMATCH);
  ck_assert_str_eq(r.message + strlen(r.message) - strlen(", 10.0.0.98, not 10.9.9.9"),
                   ", 10.0.0.98, not 10.9.9.9");
  factory_cert_free(dns99);
  factory_cert_free(dns100);
  factory_cert_free(ip99);
  factory_cert_free(ip100);
}
END_TEST

/* "cert does not match server name %q": the name as strconv.Quote (Go
 * 1.26) prints it; x509's own text embeds it raw
 * (corpus/regressions/pin_verify/host-*-in-name). */
START_TEST(name_in_message_is_quoted_like_go) {
  static const struct {
    const char *name, *quoted;
  } rows[] = {
      {"derp.example\xc2\xa0", "\"derp.example\\u00a0\""}, /* NO-BREAK SPACE: not IsPrint */
      {"derp\xe2\x80\xa8.example", "\"derp\\u2028.example\""},
      {"derp\xe2\x80\xa9.example", "\"derp\\u2029.example\""},
      {"\xef\xbb\xbf"
       "derp.example",
       "\"\\ufeffderp.example\""},
      {"derp\xcd\xb8.example", "\"derp\\u0378.example\""}, /* unassigned */
      {"derp\xe3\x80\x80.example", "\"derp\\u3000.example\""},
      {"derp\xf3\xa0\x80\x81.example", "\"derp\\U000e0001.example\""},
      {"derp\xff.example", "\"derp\\xff.example\""},
      {"derp\xed\xa0\x80.example", "\"derp\\xed\\xa0\\x80.example\""}, /* a surrogate */
      {"derp \"x\"\\.example", "\"derp \\\"x\\\"\\\\.example\""},
      {"caf\xc3\xa9.example", "\"caf\xc3\xa9.example\""},
      {"derp\xf0\x9f\x98\x80.example", "\"derp\xf0\x9f\x98\x80.example\""},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char want[512];
    snprintf(want, sizeof want,
             "cert does not match server name %s: x509: certificate is not valid for any names, "
             "but wanted to match %s",
             rows[i].quoted, rows[i].name);
    for (size_t p = 0; p < 3; p++)
      expect(RUN(ALL_PROFILES[p], leaf->sha256_hex, rows[i].name, NOW, der_of(leaf)),
             PIN_VERIFY_NAME_MISMATCH, 0, want);
  }
}
END_TEST

/* A message of PIN_VERIFY_MESSAGE_MAX - 1 bytes fits and is not flagged;
 * one byte more is cut to that length and flagged. The name is quoted once
 * (a '"' adds a byte) and embedded raw once. */
START_TEST(message_truncation_flag_at_exactly_the_buffer_size) {
  const char *fmt_head = "cert does not match server name \"";
  const char *fmt_mid = "\": x509: certificate is not valid for any names, but wanted to match ";
  /* 'a' * n: length = head + n + mid + n. */
  const size_t fixed = strlen(fmt_head) + strlen(fmt_mid);
  for (size_t want_len = PIN_VERIFY_MESSAGE_MAX - 2; want_len <= PIN_VERIFY_MESSAGE_MAX + 1;
       want_len++) {
    char name[PIN_VERIFY_MESSAGE_MAX];
    const size_t rest = want_len - fixed, n = rest / 2;
    memset(name, 'a', n);
    if (rest % 2 == 1) name[0] = '"';
    name[n] = '\0';
    struct pin_verify_result r = RUN("tailscale-1.84", leaf->sha256_hex, name, NOW, der_of(leaf));
    ck_assert_int_eq(r.status, PIN_VERIFY_NAME_MISMATCH);
    const bool cut = want_len >= PIN_VERIFY_MESSAGE_MAX;
    ck_assert_msg(r.message_truncated == cut, "length %zu", want_len);
    ck_assert_uint_eq(strlen(r.message), cut ? PIN_VERIFY_MESSAGE_MAX - 1 : want_len);
    ck_assert_int_eq(strncmp(r.message, fmt_head, strlen(fmt_head)), 0);
  }
}
END_TEST

/* current checks exactly the names crypto/tls puts in the SNI
 * (hostnameInSNI): not IP literals, and the name without trailing dots. */
START_TEST(current_checks_the_sni_name) {
  static const struct {
    const char *name;
    const char *current, *v184; /* NULL: OK */
  } rows[] = {
      {"127.0.0.1.", NULL,
       "cert does not match server name \"127.0.0.1.\": x509: certificate is not valid for any "
       "names, but wanted to match 127.0.0.1."},
      {"010.0.0.1",
       "cert does not match server name \"010.0.0.1\": x509: certificate is not valid for any "
       "names, but wanted to match 010.0.0.1",
       "cert does not match server name \"010.0.0.1\": x509: certificate is not valid for any "
       "names, but wanted to match 010.0.0.1"},
      {"127.0.1",
       "cert does not match server name \"127.0.1\": x509: certificate is not valid for any "
       "names, but wanted to match 127.0.1",
       "cert does not match server name \"127.0.1\": x509: certificate is not valid for any "
       "names, but wanted to match 127.0.1"},
      {"[127.0.0.1]", NULL, NULL},
      {"::ffff:127.0.0.1", NULL, NULL},
      {"fe80::1%lo", NULL,
       "cert does not match server name \"fe80::1%lo\": x509: certificate is not valid for any "
       "names, but wanted to match fe80::1%lo"},
      {"1:2:3:1.2.3.4",
       "cert does not match server name \"1:2:3:1.2.3.4\": x509: certificate is not valid for any "
       "names, but wanted to match 1:2:3:1.2.3.4",
       "cert does not match server name \"1:2:3:1.2.3.4\": x509: certificate is not valid for any "
       "names, but wanted to match 1:2:3:1.2.3.4"},
      {"[derp.example].",
       "cert does not match server name \"[derp.example]\": x509: certificate is not valid for "
       "any names, but wanted to match [derp.example]",
       "cert does not match server name \"[derp.example].\": x509: certificate is not valid for "
       "any names, but wanted to match [derp.example]."},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    struct pin_verify_result r = RUN("current", leaf->sha256_hex, rows[i].name, NOW, der_of(leaf));
    if (rows[i].current == NULL)
      expect(r, PIN_VERIFY_OK, 0, "");
    else
      expect(r, PIN_VERIFY_NAME_MISMATCH, 0, rows[i].current);
    r = RUN("tailscale-1.84", leaf->sha256_hex, rows[i].name, NOW, der_of(leaf));
    if (rows[i].v184 == NULL)
      expect(r, PIN_VERIFY_OK, 0, "");
    else
      expect(r, PIN_VERIFY_NAME_MISMATCH, 0, rows[i].v184);
  }
}
END_TEST

static Suite *pin_verify_suite(void) {
  Suite *s = suite_create("pin_verify");
  struct {
    const char *name;
    const TTest *tests[24];
  } groups[] = {
      {"profiles",
       {profile_names_round_trip, profile_name_lookup_is_exact, status_names_are_distinct,
        status_names_are_the_documented_ones, unknown_profile_and_status_are_named_unknown,
        long_chains_are_judged_to_the_last_certificate}},
      {"v1_82",
       {v182_zero_certs_is_no_certs_presented, v182_leaf_plus_metacert_is_multiple_certs,
        v182_single_leaf_with_correct_pin_is_ok, v182_wrong_pin_is_hash_mismatch,
        v182_tls_parses_before_the_hook_hashes, v182_name_checked_against_ip_literal,
        v182_dns_name_against_ip_only_cert, v182_empty_server_name_is_still_checked, v182_expired,
        v182_not_yet_valid, v182_name_is_checked_before_validity}},
      {"v1_84",
       {v184_leaf_then_metacert_is_ok, v184_metacert_then_leaf_is_ok,
        v184_leaf_intermediate_metacert_is_multiple, v184_metacert_only_is_not_presented,
        v184_zero_certs_is_not_presented, v184_unparseable_cert_after_good_leaf_is_tls_parse_error,
        v184_parse_error_comes_before_hash, v184_name_check_runs_for_ip_literal,
        v184_expired_and_not_yet_valid, v184_hash_mismatch_names_the_non_metacert}},
      {"current",
       {current_leaf_then_metacert_is_ok, current_ip_literal_skips_name_check,
        current_empty_name_skips_name_check, current_bracketed_ipv6_and_zone_skip_name_check,
        current_dns_name_without_dns_san_fails, current_dns_name_matching_san_is_ok,
        current_trailing_dots_trimmed_from_checked_name,
        current_parse_error_is_tls_error_before_verification, current_zero_certs_is_not_presented,
        current_expiry_messages_use_go_time_format, current_legacy_common_name_message}},
      {"spec_8_1",
       {case1_leaf_with_correct_hash_ok_in_every_profile, case2_leaf_metacert_ok_except_v182,
        case3_tls12_chain_is_judged_the_same, case4_leaf_intermediate_metacert_multiple_certs,
        case5_metacert_only_not_presented, case6_uppercase_hex_pin_mismatch,
        case7_expired_and_not_yet_valid, case8_dns_host_needs_dns_san_ip_host_is_not_checked,
        case9_derpkey_cn_skipped_at_any_position}},
      {"boundaries",
       {pin_length_63_64_65_only_64_matches, pin_whitespace_or_prefix_is_not_trimmed,
        not_before_equal_to_now_is_valid, not_after_equal_to_now_is_valid_one_second_later_expired,
        fractional_seconds_do_not_parse, offset_time_is_printed_in_its_own_zone,
        three_certs_with_metacert_in_the_middle, garbage_der_is_rejected_by_every_profile,
        metacert_serial_does_not_matter_to_pinning,
        unparseable_metacert_fails_before_it_could_be_skipped, derpkey_prefix_is_case_sensitive,
        derpkey_prefix_alone_is_enough_to_be_skipped,
        pinned_cert_with_derpkey_cn_is_skipped_so_not_presented,
        derpkey_cn_in_bmp_and_utf8_strings_is_skipped, go_common_name_decodes_the_subject_cn,
        single_bit_flip_anywhere_is_never_ok, long_name_message_is_cut_and_flagged}},
      {"go_x509",
       {go_model_accepts_factory_certificates, go_model_rejects_negative_serial_and_bad_names,
        go_model_rejects_bad_san_contents, go_model_rejects_critical_key_identifiers,
        go_model_rejects_signature_algorithm_mismatch, go_model_time_forms,
        go_model_ignores_extensions_of_v1_certificates, go_time_parse_takes_only_round_trip_forms}},
      {"go_keys",
       {go_key_ecdsa_point_checks_in_go_order, go_key_ecdsa_allocation_failure_is_not_off_curve,
        go_key_bits_are_right_aligned_first, go_key_rsa_texts_and_modulus_size,
        go_key_ed25519_dsa_and_unknown_algorithms, go_key_factory_keys_decode,
        off_curve_leaf_key_is_a_tls_parse_error_in_every_profile,
        go_model_key_error_comes_before_extension_error, go_model_names_the_failing_stage,
        leaf_key_type_is_checked_after_parsing_before_the_hook,
        rsa_key_over_8192_bits_fails_in_the_parse_loop,
        rsa_key_of_exactly_8192_bits_passes_the_parse_loop}},
      {"pin_hex",
       {pin_hex_of_der_matches_openssl_dgst, pin_hex_of_der_is_the_pin_pin_verify_accepts}},
      {"x509_hostname",
       {hostname_ipv4_san_equals_its_ipv4_mapped_form,
        hostname_wildcards_only_as_whole_leftmost_label, hostname_error_lists_ip_sans_in_go_form,
        hostname_table_is_go_verify_hostname, hostname_null_host_and_short_buffer,
        bare_wildcard_san_matches_no_name, legacy_cn_wildcard_matches_an_empty_name,
        hostname_error_counts_from_100_names, current_checks_the_sni_name}},
      {"messages",
       {name_in_message_is_quoted_like_go, message_truncation_flag_at_exactly_the_buffer_size}},
  };
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
    TCase *tc = tcase_create(groups[g].name);
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    for (size_t i = 0; i < 24 && groups[g].tests[i] != NULL; i++)
      tcase_add_test(tc, groups[g].tests[i]);
    suite_add_tcase(s, tc);
  }
  return s;
}

CHECK_MAIN(pin_verify_suite)
