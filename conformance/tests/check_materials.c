/* The values materials hand to expected texts: cert times in both of Go's
   formats and the pin hash of the relay's printed snippet. */
#include "materials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check_main.h"
#include "check_tmpdir.h"

/* 2026-03-04 13:41:12 UTC */
#define NOW 1772631672

static char *subst(const struct tvars *t, const char *s) {
  char err[200] = "";
  char *x = template_subst(s, t, err, sizeof err);
  ck_assert_msg(x != NULL, "%s", err);
  return x;
}

START_TEST(cert_times_in_both_formats) {
  make_tmpdir("check_materials");
  json_error_t e;
  json_t *doc = json_loads(
      "{\"relay\":{\"certs\":[{\"name\":\"leaf\",\"not_before\":\"-30d\","
      "\"not_after\":\"-1d\"},{\"name\":\"next\",\"not_before\":\"+1d\","
      "\"not_after\":\"+30d\"}],\"chain\":[\"leaf\"]}}",
      0, &e);
  ck_assert_msg(doc != NULL, "%s", e.text);
  struct materials m;
  char err[256] = "";
  struct scenario_relay settings;
  scenario_relay_of(json_object_get(doc, "relay"), &settings);
  ck_assert_msg(materials_make(doc, &settings, tmpdir, 1, NOW, &m, err, sizeof err), "%s", err);
  struct tvars t;
  tvars_init(&t);
  ck_assert(materials_vars(&m, &t));
  char *x = subst(&t, "is after {cert:leaf:not_after_rfc3339}");
  ck_assert_str_eq(x, "is after 2026-03-03T13:41:12Z");
  free(x);
  x = subst(&t, "{cert:leaf:not_before_rfc3339}|{cert:leaf:not_before}");
  ck_assert_str_eq(x, "2026-02-02T13:41:12Z|2026-02-02 13:41:12 +0000 UTC");
  free(x);
  x = subst(&t,
            "is before {cert:next:not_before_rfc3339}, until "
            "{cert:next:not_after_rfc3339}");
  ck_assert_str_eq(x,
                   "is before 2026-03-05T13:41:12Z, until "
                   "2026-04-03T13:41:12Z");
  free(x);
  tvars_free(&t);
  materials_free(&m);
  json_decref(doc);
  remove_tmpdir();
}
END_TEST

/* The web-PKI profiles: the relay's chain file holds the CA-issued leaf
   and its intermediate, which chain to the root; a scenario's SAN list
   replaces only the leaf's SANs of its own kind. */
START_TEST(web_profiles_make_a_chain_the_root_verifies) {
  make_tmpdir("check_materials");
  json_error_t e;
  json_t *doc = json_loads(
      "{\"relay\":{\"certs\":[{\"name\":\"root\",\"profile\":\"web-root\",\"key\":"
      "\"rsa2048\"},{\"name\":\"ica\",\"profile\":\"web-intermediate\",\"issuer\":\"root\","
      "\"key\":\"rsa2048\"},{\"name\":\"leaf\",\"profile\":\"web-leaf\",\"issuer\":\"ica\","
      "\"key\":\"rsa2048\",\"dns_sans\":[\"relay.example\"]}],\"chain\":[\"leaf\",\"ica\"]}}",
      0, &e);
  ck_assert_msg(doc != NULL, "%s", e.text);
  struct materials m;
  char err[256] = "";
  struct scenario_relay settings;
  scenario_relay_of(json_object_get(doc, "relay"), &settings);
  ck_assert_msg(materials_make(doc, &settings, tmpdir, 1, NOW, &m, err, sizeof err), "%s", err);

  FILE *f = fopen(m.certfile, "r");
  ck_assert_ptr_nonnull(f);
  X509 *leaf = PEM_read_X509(f, NULL, NULL, NULL), *ica = PEM_read_X509(f, NULL, NULL, NULL);
  ck_assert_ptr_null(PEM_read_X509(f, NULL, NULL, NULL));
  fclose(f);
  ck_assert(leaf != NULL && ica != NULL);
  X509 *root = materials_cert(&m, "root")->fc->x509;
  ck_assert_int_eq(X509_verify(ica, X509_get0_pubkey(root)), 1);
  ck_assert_int_eq(X509_verify(leaf, X509_get0_pubkey(ica)), 1);
  ck_assert_int_eq(EVP_PKEY_get_base_id(X509_get0_pubkey(leaf)), EVP_PKEY_RSA);
  ck_assert_int_eq(X509_check_host(leaf, "relay.example", 0, 0, NULL), 1);
  ck_assert_int_ne(X509_check_host(leaf, "derp.test", 0, 0, NULL), 1);
  ck_assert_int_eq(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
  f = fopen(m.certkey, "r");
  ck_assert_ptr_nonnull(f);
  EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  ck_assert_int_eq(X509_check_private_key(leaf, key), 1);

  struct tvars t;
  tvars_init(&t);
  ck_assert(materials_vars(&m, &t));
  char *x = subst(&t, "{cert:leaf:not_before}..{cert:leaf:not_after}");
  ck_assert_str_eq(x, "2026-03-04 12:41:12 +0000 UTC..2026-06-02 13:41:12 +0000 UTC");
  free(x);
  tvars_free(&t);
  EVP_PKEY_free(key);
  X509_free(leaf);
  X509_free(ica);
  materials_free(&m);
  json_decref(doc);
  remove_tmpdir();
}
END_TEST

#define HEX63 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
#define HEX64 HEX63 "f"

static void snippet_unavailable(const char *certname, const char *why) {
  struct tvars t;
  tvars_init(&t);
  ck_assert(materials_snippet_var(&t, certname));
  char err[300] = "";
  ck_assert_ptr_null(template_subst("{snippet:sha256}", &t, err, sizeof err));
  ck_assert_str_eq(err, why);
  tvars_free(&t);
}

START_TEST(snippet_pin_hash) {
  struct tvars t;
  tvars_init(&t);
  ck_assert(materials_snippet_var(&t, "sha256-raw:" HEX64));
  char *x = subst(&t, "wanted to match sha256-raw:{snippet:sha256}");
  ck_assert_str_eq(x, "wanted to match sha256-raw:" HEX64);
  free(x);
  tvars_free(&t);
  snippet_unavailable(NULL,
                      "{snippet:sha256} is unavailable: the scenario's "
                      "node.CertName is not {\"from_snippet\": true}");
  snippet_unavailable("",
                      "{snippet:sha256} is unavailable: the relay's "
                      "snippet CertName \"\" is not sha256-raw:<64 hex>");
  snippet_unavailable("sha256-raw:",
                      "{snippet:sha256} is unavailable: the "
                      "relay's snippet CertName \"sha256-raw:\" "
                      "is not sha256-raw:<64 hex>");
  snippet_unavailable("sha256-raw:" HEX64 "0",
                      "{snippet:sha256} is unavailable: the relay's snippet "
                      "CertName \"sha256-raw:" HEX64
                      "0\" is not "
                      "sha256-raw:<64 hex>");
  snippet_unavailable("derp.example.com",
                      "{snippet:sha256} is unavailable: the relay's snippet "
                      "CertName \"derp.example.com\" is not "
                      "sha256-raw:<64 hex>");
  snippet_unavailable("sha256-raw:" HEX63 "g", /* 64 long, one not hex */
                      "{snippet:sha256} is unavailable: the relay's snippet "
                      "CertName \"sha256-raw:" HEX63
                      "g\" is not "
                      "sha256-raw:<64 hex>");
}
END_TEST

static Suite *materials_suite(void) {
  Suite *s = suite_create("materials");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, cert_times_in_both_formats);
  tcase_add_test(tc, snippet_pin_hash);
  tcase_add_test(tc, web_profiles_make_a_chain_the_root_verifies);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(materials_suite)
