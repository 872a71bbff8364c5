/* it_certs DIR: the certificates derp-client's integration tests serve with
 * openssl s_server, made with the harness certificate factory (seed fixed,
 * validity relative to now). For each NAME below: NAME.pem (the chain as
 * served, leaf first), NAME.key (the leaf's key), NAME.sha256 (the leaf's
 * pin), NAME.not_after (Go's time text):
 *   leaf            derper-style IP cert for 127.0.0.1
 *   leaf_meta       [leaf, metacert]
 *   expired_meta    [leaf valid -30d..-1d, metacert]
 *   ca_leaf_meta    [leaf for derp.test + 127.0.0.1 signed by a test CA, metacert]
 * and ca.pem, the test CA (for --ca-file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "derp/cert_fields.h"
#include "derp/go.h"
#include "harness/cert_factory.h"

static const char *dir;

static void path_of(char *out, size_t cap, const char *name, const char *ext) {
  snprintf(out, cap, "%s/%s%s", dir, name, ext);
}

static void write_text(const char *name, const char *ext, const char *text) {
  char p[4096];
  path_of(p, sizeof p, name, ext);
  FILE *f = fopen(p, "w");
  if (f == NULL || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
    fprintf(stderr, "it_certs: cannot write %s\n", p);
    exit(1);
  }
}

static void serve(const char *name, const struct factory_cert *const *chain, size_t n,
                  int64_t not_after) {
  char p[4096];
  path_of(p, sizeof p, name, ".pem");
  if (!factory_write_chain_pem(p, chain, n)) exit(1);
  path_of(p, sizeof p, name, ".key");
  if (!factory_write_key_pem(p, chain[0], CERT_KEY_PEM_PKCS8)) exit(1);
  write_text(name, ".sha256", chain[0]->sha256_hex);
  char when[64];
  go_utc_time_string(not_after, when, sizeof when);
  write_text(name, ".not_after", when);
}

static struct factory_cert *make(struct cert_factory *f, const struct cert_spec *s) {
  struct factory_cert *c = cert_factory_make(f, s);
  if (c == NULL) {
    fprintf(stderr, "it_certs: %s\n", cert_factory_error(f));
    exit(1);
  }
  return c;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: it_certs DIR\n");
    return 2;
  }
  dir = argv[1];
  int64_t now = (int64_t)time(NULL);
  struct cert_factory *f = cert_factory_new(8);
  if (f == NULL) return 1;

  struct cert_spec leaf_spec = cert_spec_derper_ip("127.0.0.1", now);
  struct factory_cert *leaf = make(f, &leaf_spec);
  uint8_t derp_key[32];
  memset(derp_key, 0x42, sizeof derp_key);
  char cn[72];
  cert_metacert_cn(derp_key, cn);
  struct cert_spec meta_spec = cert_spec_metacert(cn, now);
  struct factory_cert *meta = make(f, &meta_spec);

  struct cert_spec expired_spec = cert_spec_derper_ip("127.0.0.1", now);
  expired_spec.label = "expired";
  expired_spec.not_before = now - 30 * 86400;
  expired_spec.not_after = now - 86400;
  struct factory_cert *expired = make(f, &expired_spec);

  struct cert_spec ca_spec = {.label = "ca",
                              .cn = "derpcheck test CA",
                              .serial_small = 1,
                              .not_before = now - 86400,
                              .not_after = now + 365 * 86400,
                              .ext_profile = CERT_EXT_CA};
  struct factory_cert *ca = make(f, &ca_spec);
  struct cert_spec ca_leaf_spec = cert_spec_derper_ip("127.0.0.1", now);
  ca_leaf_spec.label = "ca-leaf";
  ca_leaf_spec.cn = "derp.test";
  ca_leaf_spec.dns_sans[0] = "derp.test";
  ca_leaf_spec.dns_san_count = 1;
  ca_leaf_spec.issuer = ca;
  struct factory_cert *ca_leaf = make(f, &ca_leaf_spec);

  int64_t leaf_after = leaf_spec.not_after;
  serve("leaf", (const struct factory_cert *const[]){leaf}, 1, leaf_after);
  serve("leaf_meta", (const struct factory_cert *const[]){leaf, meta}, 2, leaf_after);
  serve("expired_meta", (const struct factory_cert *const[]){expired, meta}, 2,
        expired_spec.not_after);
  serve("ca_leaf_meta", (const struct factory_cert *const[]){ca_leaf, meta}, 2,
        ca_leaf_spec.not_after);
  char p[4096];
  path_of(p, sizeof p, "ca", ".pem");
  if (!factory_write_chain_pem(p, (const struct factory_cert *const[]){ca}, 1)) return 1;

  struct factory_cert *all[] = {leaf, meta, expired, ca, ca_leaf};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) factory_cert_free(all[i]);
  cert_factory_free(f);
  return 0;
}
