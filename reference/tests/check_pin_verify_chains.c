/* The pin check and the certificate reader on CA-issued chains: what an
 * operator gets from a public CA (root -> intermediate -> leaf, SKI/AKI,
 * keyUsage, EKU, AIA, CRL DP, policies, SCTs, DNS + IP + URI SANs), in four
 * encodings: the harness factory's web chains (RSA, ECDSA) and the chains
 * made with OpenSSL's own tools (fuzz/testdata/openssl-chains, RSA and
 * ECDSA). Each test runs once per family. Expected texts are upstream's
 * (conformance/peers/oracle.sh runs the same chains through tailscale.com,
 * corpus/pin_verify/{web,openssl}-*). */
#include "derp/pin_verify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "check_main.h"
#include "derp/cert_fields.h"
#include "derp/metacert.h"
#include "harness/cert_factory.h"

/* 2026-03-04 13:41:12 UTC: inside every chain's validity. The factory's
 * leaves run NOW-1h .. NOW+90d, the OpenSSL-made ones 2025-12-15 ..
 * 2026-03-15 (make.sh). */
#define NOW INT64_C(1772631672)

enum { WEB_RSA, WEB_ECDSA, OPENSSL_RSA, OPENSSL_ECDSA, FAMILIES };

struct family {
  const char *name;
  struct der_slice root, intermediate, leaf;
  char leaf_pin[PIN_HEX_LEN + 1], intermediate_pin[PIN_HEX_LEN + 1];
  int64_t not_before, not_after;
  const char *expired, *not_yet_valid; /* Go's texts at not_after + 1s, not_before - 1s */
  const char *intermediate_cn;
  uint8_t leaf_cn_tag; /* the string type the CA chose */
};

static struct family fams[FAMILIES];
static struct cert_factory *factory;
static struct web_chain web[2];
static struct factory_cert *meta;
static uint8_t meta_key[32];
static uint8_t *files[6];

static struct der_slice der_of(const struct factory_cert *c) {
  return (struct der_slice){c->der, c->der_len};
}

static struct der_slice load(const char *name, uint8_t **keep) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.der", DERP_OPENSSL_CHAINS_DIR, name);
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
  *keep = malloc(8192);
  size_t n = fread(*keep, 1, 8192, f);
  ck_assert(feof(f) && n > 0);
  fclose(f);
  return (struct der_slice){*keep, n};
}

static void pins_of(struct family *fam) {
  ck_assert(pin_hex_of_der(fam->leaf.ptr, fam->leaf.len, fam->leaf_pin));
  ck_assert(pin_hex_of_der(fam->intermediate.ptr, fam->intermediate.len, fam->intermediate_pin));
}

/* Built once per test case (unchecked fixture): RSA keys are slow. */
static void setup(void) {
  factory = cert_factory_new(1515);
  ck_assert_ptr_nonnull(factory);
  for (int rsa = 0; rsa < 2; rsa++)
    ck_assert_msg(cert_factory_make_web_chain(factory, rsa, NOW, &web[rsa]), "%s",
                  cert_factory_error(factory));
  for (int i = 0; i < 32; i++) meta_key[i] = (uint8_t)(0x40 + i);
  char cn[72];
  cert_metacert_cn(meta_key, cn);
  struct cert_spec ms = cert_spec_metacert(cn, NOW);
  meta = cert_factory_make(factory, &ms);
  ck_assert_ptr_nonnull(meta);

  static const char *const web_names[2] = {"web-ecdsa", "web-rsa"};
  static const char *const web_cns[2] = {"Derpcheck Issuing CA E2", "Derpcheck Issuing CA R2"};
  for (int rsa = 0; rsa < 2; rsa++) {
    struct family *fam = &fams[rsa ? WEB_RSA : WEB_ECDSA];
    *fam = (struct family){
        .name = web_names[rsa],
        .root = der_of(web[rsa].root),
        .intermediate = der_of(web[rsa].intermediate),
        .leaf = der_of(web[rsa].leaf),
        .not_before = NOW - 3600,
        .not_after = NOW + 90 * 86400,
        .expired = "cert expired 2026-06-02 13:41:12 +0000 UTC",
        .not_yet_valid =
            "cert not yet valid until 2026-03-04 12:41:12 +0000 UTC; is your clock correct?",
        .intermediate_cn = web_cns[rsa],
        .leaf_cn_tag = 0x13,
    };
  }
  static const char *const ossl[2] = {"openssl-rsa", "openssl-ecdsa"};
  for (int i = 0; i < 2; i++) {
    struct family *fam = &fams[OPENSSL_RSA + i];
    char name[64];
    *fam = (struct family){
        .name = ossl[i],
        .not_before = INT64_C(1765756800), /* 2025-12-15 */
        .not_after = INT64_C(1773532800),  /* 2026-03-15 */
        .expired = "cert expired 2026-03-15 00:00:00 +0000 UTC",
        .not_yet_valid =
            "cert not yet valid until 2025-12-15 00:00:00 +0000 UTC; is your clock correct?",
        .intermediate_cn = i == 0 ? "OpenSSL Issuing CA R2" : "OpenSSL Issuing CA E2",
        .leaf_cn_tag = i == 0 ? 0x13 : 0x0c, /* string_mask default / utf8only */
    };
    snprintf(name, sizeof name, "%s-root", ossl[i]);
    fam->root = load(name, &files[3 * i]);
    snprintf(name, sizeof name, "%s-intermediate", ossl[i]);
    fam->intermediate = load(name, &files[3 * i + 1]);
    snprintf(name, sizeof name, "%s-leaf", ossl[i]);
    fam->leaf = load(name, &files[3 * i + 2]);
  }
  for (int i = 0; i < FAMILIES; i++) pins_of(&fams[i]);
}

static void teardown(void) {
  for (int i = 0; i < 6; i++) free(files[i]);
  factory_cert_free(meta);
  web_chain_free(&web[0]);
  web_chain_free(&web[1]);
  cert_factory_free(factory);
}

/* ---------- running the check ---------- */

static struct pin_verify_result run(enum pin_profile p, const struct der_slice *certs, size_t n,
                                    const char *pin, const char *name, int64_t now) {
  struct pin_verify_input in = {certs, n, pin, name, now, p};
  struct pin_verify_result r;
  bool ok = pin_verify(&in, &r);
  ck_assert_int_eq(ok, r.status == PIN_VERIFY_OK);
  return r;
}

#define CHAIN(...) ((const struct der_slice[]){__VA_ARGS__})
#define COUNT(...) (sizeof((const struct der_slice[]){__VA_ARGS__}) / sizeof(struct der_slice))
#define RUN(prof, pin, name, now, ...) \
  run(prof, CHAIN(__VA_ARGS__), COUNT(__VA_ARGS__), pin, name, now)

static void expect(const struct family *fam, struct pin_verify_result r, enum pin_verify_status st,
                   size_t index, const char *message) {
  ck_assert_msg(r.status == st, "%s: status %s, want %s (%s)", fam->name,
                pin_verify_status_name(r.status), pin_verify_status_name(st), r.message);
  ck_assert_uint_eq(r.cert_index, index);
  ck_assert_str_eq(r.message, message);
}

#define META der_of(meta)
static const enum pin_profile skipping[] = {PIN_PROFILE_CURRENT, PIN_PROFILE_TAILSCALE_1_84};
static const enum pin_profile every[] = {PIN_PROFILE_CURRENT, PIN_PROFILE_TAILSCALE_1_84,
                                         PIN_PROFILE_TAILSCALE_1_82};
#define EACH(list, p) for (size_t p##_i = 0; p##_i < sizeof list / sizeof list[0]; p##_i++)

/* ---------- the leaf pinned, the chain file holding the leaf alone ---------- */

START_TEST(leaf_pin_accepted_behind_the_metacert) {
  const struct family *f = &fams[_i];
  /* HostName an IP literal: current skips names, 1.84 matches the IP SAN. */
  EACH(skipping, p) {
    for (const char *const *host = (const char *const[]){"127.0.0.1", "::1", NULL}; *host; host++) {
      expect(f, RUN(skipping[p_i], f->leaf_pin, *host, NOW, f->leaf, META), PIN_VERIFY_OK, 0, "");
      expect(f, RUN(skipping[p_i], f->leaf_pin, *host, NOW, META, f->leaf), PIN_VERIFY_OK, 1, "");
    }
  }
  /* current's ServerName is empty for an IP HostName (no SNI). */
  expect(f, RUN(PIN_PROFILE_CURRENT, f->leaf_pin, "", NOW, f->leaf, META), PIN_VERIFY_OK, 0, "");
  /* 1.82 takes one certificate and nothing else. */
  expect(f, RUN(PIN_PROFILE_TAILSCALE_1_82, f->leaf_pin, "127.0.0.1", NOW, f->leaf, META),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
  EACH(every, p) {
    expect(f, RUN(every[p_i], f->leaf_pin, "127.0.0.1", NOW, f->leaf), PIN_VERIFY_OK, 0, "");
  }
}
END_TEST

/* ---------- the whole chain served: one non-metacert certificate only ---------- */

START_TEST(served_chain_is_rejected_by_every_profile) {
  const struct family *f = &fams[_i];
  EACH(every, p) {
    const char *host = "127.0.0.1";
    expect(f, RUN(every[p_i], f->leaf_pin, host, NOW, f->leaf, f->intermediate, META),
           PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
    /* What a metacert-stripping proxy delivers. */
    expect(f, RUN(every[p_i], f->leaf_pin, host, NOW, f->leaf, f->intermediate),
           PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
    expect(f, RUN(every[p_i], f->leaf_pin, host, NOW, f->leaf, f->intermediate, f->root),
           PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
  }
  /* The metacert after the leaf is skipped, the intermediate is not. */
  EACH(skipping, p) {
    expect(f, RUN(skipping[p_i], f->leaf_pin, "::1", NOW, f->leaf, META, f->intermediate),
           PIN_VERIFY_MULTIPLE_CERTS, 2, "unexpected multiple certs presented");
  }
}
END_TEST

/* ---------- other pins ---------- */

START_TEST(intermediate_pin_and_wrong_pins_do_not_match_the_leaf) {
  const struct family *f = &fams[_i];
  char wrong[PIN_HEX_LEN + 1], upper[PIN_HEX_LEN + 1];
  memcpy(wrong, f->leaf_pin, sizeof wrong);
  wrong[PIN_HEX_LEN - 1] = wrong[PIN_HEX_LEN - 1] == '0' ? '1' : '0';
  for (size_t i = 0; i <= PIN_HEX_LEN; i++)
    upper[i] = f->leaf_pin[i] >= 'a' && f->leaf_pin[i] <= 'f' ? (char)(f->leaf_pin[i] - 32)
                                                              : f->leaf_pin[i];
  ck_assert_str_ne(upper, f->leaf_pin);
  static const char mismatch[] = "cert hash does not match expected cert hash";
  EACH(skipping, p) {
    expect(f, RUN(skipping[p_i], f->intermediate_pin, "127.0.0.1", NOW, f->leaf, META),
           PIN_VERIFY_HASH_MISMATCH, 0, mismatch);
    /* The leaf comes first and is what the pin is compared with. */
    expect(
        f,
        RUN(skipping[p_i], f->intermediate_pin, "127.0.0.1", NOW, f->leaf, f->intermediate, META),
        PIN_VERIFY_HASH_MISMATCH, 0, mismatch);
    expect(f, RUN(skipping[p_i], wrong, "127.0.0.1", NOW, f->leaf, META), PIN_VERIFY_HASH_MISMATCH,
           0, mismatch);
    expect(f, RUN(skipping[p_i], upper, "127.0.0.1", NOW, f->leaf, META), PIN_VERIFY_HASH_MISMATCH,
           0, mismatch);
  }
  expect(f, RUN(PIN_PROFILE_TAILSCALE_1_82, f->intermediate_pin, "127.0.0.1", NOW, f->leaf),
         PIN_VERIFY_HASH_MISMATCH, 0, mismatch);
  /* 1.82 counts before it hashes. */
  expect(f,
         RUN(PIN_PROFILE_TAILSCALE_1_82, f->intermediate_pin, "127.0.0.1", NOW, f->leaf,
             f->intermediate),
         PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
}
END_TEST

/* ---------- names: DNS, wildcard, IP SANs; the URI SAN matches nothing ---------- */

START_TEST(server_names_match_dns_wildcard_and_ip_sans_not_the_uri) {
  const struct family *f = &fams[_i];
  /* Go lowers case, drops one trailing dot, and compares IPs as addresses. */
  static const char *const good[] = {"derp.test",        "relay.derp.test", "DERP.TEST",
                                     "Relay.Derp.Test.", "127.0.0.1",       "::1",
                                     "0:0::1",           "::ffff:127.0.0.1"};
  static const struct {
    const char *host, *why;
  } bad[] = {
      {"derpcheck.example",
       "x509: certificate is valid for derp.test, *.derp.test, not "
       "derpcheck.example"},
      {"spiffe://derpcheck.example/relay/z1",
       "x509: certificate is valid for derp.test, *.derp.test, not "
       "spiffe://derpcheck.example/relay/z1"},
      {"a.relay.derp.test",
       "x509: certificate is valid for derp.test, *.derp.test, not "
       "a.relay.derp.test"},
  };
  EACH(skipping, p) {
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
      expect(f, RUN(skipping[p_i], f->leaf_pin, good[i], NOW, f->leaf, META), PIN_VERIFY_OK, 0, "");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      char want[512];
      snprintf(want, sizeof want, "cert does not match server name \"%s\": %s", bad[i].host,
               bad[i].why);
      expect(f, RUN(skipping[p_i], f->leaf_pin, bad[i].host, NOW, f->leaf, META),
             PIN_VERIFY_NAME_MISMATCH, 0, want);
    }
  }
  /* An IP HostName is checked by 1.84 only: current's ServerName is then
   * empty (no SNI for an IP literal). */
  expect(f, RUN(PIN_PROFILE_TAILSCALE_1_84, f->leaf_pin, "127.0.0.2", NOW, f->leaf, META),
         PIN_VERIFY_NAME_MISMATCH, 0,
         "cert does not match server name \"127.0.0.2\": x509: certificate is valid for "
         "127.0.0.1, ::1, not 127.0.0.2");
  expect(f, RUN(PIN_PROFILE_CURRENT, f->leaf_pin, "127.0.0.2", NOW, f->leaf, META), PIN_VERIFY_OK,
         0, "");
}
END_TEST

/* ---------- the leaf's validity window ---------- */

START_TEST(validity_window_is_the_leafs) {
  const struct family *f = &fams[_i];
  EACH(skipping, p) {
    expect(f, RUN(skipping[p_i], f->leaf_pin, "127.0.0.1", f->not_after, f->leaf, META),
           PIN_VERIFY_OK, 0, "");
    expect(f, RUN(skipping[p_i], f->leaf_pin, "127.0.0.1", f->not_before, f->leaf, META),
           PIN_VERIFY_OK, 0, "");
    expect(f, RUN(skipping[p_i], f->leaf_pin, "127.0.0.1", f->not_after + 1, f->leaf, META),
           PIN_VERIFY_EXPIRED, 0, f->expired);
    expect(f, RUN(skipping[p_i], f->leaf_pin, "127.0.0.1", f->not_before - 1, f->leaf, META),
           PIN_VERIFY_NOT_YET_VALID, 0, f->not_yet_valid);
  }
  expect(f, RUN(PIN_PROFILE_TAILSCALE_1_82, f->leaf_pin, "127.0.0.1", f->not_after + 1, f->leaf),
         PIN_VERIFY_EXPIRED, 0, f->expired);
}
END_TEST

/* ---------- what a client reads from the certificates ---------- */

START_TEST(every_certificate_parses_as_go_reads_it) {
  const struct family *f = &fams[_i];
  const struct der_slice all[3] = {f->root, f->intermediate, f->leaf};
  struct cert_fields cf;
  for (int i = 0; i < 3; i++)
    ck_assert_msg(go_parse_certificate(all[i].ptr, all[i].len, &cf) == NULL, "%s cert %d: %s",
                  f->name, i, go_parse_certificate(all[i].ptr, all[i].len, &cf));

  char cn[128];
  ck_assert_ptr_null(go_parse_certificate(f->intermediate.ptr, f->intermediate.len, &cf));
  ck_assert_uint_eq(go_common_name(&cf, cn, sizeof cn), strlen(f->intermediate_cn));
  ck_assert_str_eq(cn, f->intermediate_cn);
  ck_assert(cf.has_basic_constraints && cf.basic_constraints_ca);

  ck_assert_ptr_null(go_parse_certificate(f->leaf.ptr, f->leaf.len, &cf));
  /* Subject C, ST, O, CN: the last CN is the common name. */
  ck_assert_uint_eq(go_common_name(&cf, cn, sizeof cn), 9);
  ck_assert_str_eq(cn, "derp.test");
  ck_assert_uint_eq(cf.cn_tag, f->leaf_cn_tag);
  ck_assert_int_eq(cf.not_before, f->not_before);
  ck_assert_int_eq(cf.not_after, f->not_after);
  ck_assert_int_eq(cf.version, 3);
  ck_assert(cf.has_basic_constraints && cf.basic_constraints_critical && !cf.basic_constraints_ca);
  /* The issuer is the intermediate's subject, byte for byte (chain building). */
  struct cert_fields inter;
  ck_assert_ptr_null(go_parse_certificate(f->intermediate.ptr, f->intermediate.len, &inter));
  ck_assert_uint_eq(cf.issuer.len, inter.subject.len);
  ck_assert_mem_eq(cf.issuer.ptr, inter.subject.ptr, cf.issuer.len);
  /* A serial of 128 bits or more (CA/B rules), not a small one. */
  uint64_t small;
  ck_assert(!cert_serial_small(&cf, 64, &small));

  /* SANs as issued: two DNS names, two IPs, one URI (tag 6), in order. */
  static const unsigned tags[] = {2, 2, 7, 7, 6};
  static const char *const values[] = {"derp.test", "*.derp.test", "\x7f\0\0\x01",
                                       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
                                       "spiffe://derpcheck.example/relay/z1"};
  static const size_t lens[] = {9, 11, 4, 16, 35};
  struct cert_san_iter it;
  unsigned tag;
  struct der_slice v;
  size_t n = 0;
  cert_san_iter_init(&cf, &it);
  while (cert_san_next(&it, &tag, &v)) {
    ck_assert_uint_lt(n, 5);
    ck_assert_uint_eq(tag, tags[n]);
    ck_assert_uint_eq(v.len, lens[n]);
    ck_assert_mem_eq(v.ptr, values[n], lens[n]);
    n++;
  }
  ck_assert(!it.malformed);
  ck_assert_uint_eq(n, 5);
}
END_TEST

/* The leaf and intermediate are not metacerts: the metacert behind them
 * still gives the fast start, and without it there is none. */
START_TEST(metacert_found_behind_the_chain) {
  const struct family *f = &fams[_i];
  struct metacert_info info;
  const struct der_slice with[3] = {f->leaf, f->intermediate, META};
  ck_assert(metacert_parse(with, 3, &info));
  ck_assert_uint_eq(info.index, 2);
  ck_assert_mem_eq(info.key, meta_key, 32);
  ck_assert_uint_eq(info.version, 2);
  ck_assert(metacert_fast_start_usable(&info));
  const struct der_slice without[3] = {f->leaf, f->intermediate, f->root};
  ck_assert(!metacert_parse(without, 3, &info));
  ck_assert_uint_eq(info.index, 3);
  ck_assert(!metacert_fast_start_usable(&info));
}
END_TEST

static Suite *pin_verify_chains_suite(void) {
  Suite *s = suite_create("pin_verify_chains");
  TCase *tc = tcase_create("ca-issued chains");
  tcase_set_timeout(tc, 60);
  tcase_add_unchecked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, leaf_pin_accepted_behind_the_metacert, 0, FAMILIES);
  tcase_add_loop_test(tc, served_chain_is_rejected_by_every_profile, 0, FAMILIES);
  tcase_add_loop_test(tc, intermediate_pin_and_wrong_pins_do_not_match_the_leaf, 0, FAMILIES);
  tcase_add_loop_test(tc, server_names_match_dns_wildcard_and_ip_sans_not_the_uri, 0, FAMILIES);
  tcase_add_loop_test(tc, validity_window_is_the_leafs, 0, FAMILIES);
  tcase_add_loop_test(tc, every_certificate_parses_as_go_reads_it, 0, FAMILIES);
  tcase_add_loop_test(tc, metacert_found_behind_the_chain, 0, FAMILIES);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(pin_verify_chains_suite)
