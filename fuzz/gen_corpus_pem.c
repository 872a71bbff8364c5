/* Seeds for the ipcert_pem fuzz target: .crt/.key pairs from the harness
 * certificate factory (fixed seed, clock 2026-01-01) in the target's layout
 * (u16 be crt_len, crt text, key text), plus near misses. Run through
 * fuzz/gen_seeds_ipcert_pem.sh. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cert_factory.h"

#define SEED_NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define TEXT_CAP 32768

struct text {
  size_t len;
  char bytes[TEXT_CAP];
};

static const char *out_dir;
static const char *tmp_path;

static bool slurp(struct text *t) {
  FILE *f = fopen(tmp_path, "rb");
  if (f == NULL) return false;
  t->len = fread(t->bytes, 1, sizeof t->bytes, f);
  bool ok = ferror(f) == 0 && t->len < sizeof t->bytes;
  fclose(f);
  return ok;
}

static bool chain_text(const struct factory_cert *const *chain, size_t n, struct text *t) {
  return factory_write_chain_pem(tmp_path, chain, n) && slurp(t);
}

static bool key_text(const struct factory_cert *c, enum cert_key_format fmt, struct text *t) {
  return factory_write_key_pem(tmp_path, c, fmt) && slurp(t);
}

static bool put(const char *name, const char *crt, size_t crt_len, const char *key, size_t key_len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", out_dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) return false;
  uint8_t hdr[2] = {(uint8_t)(crt_len >> 8), (uint8_t)crt_len};
  bool ok = crt_len <= 0xffff && fwrite(hdr, 1, 2, f) == 2 && fwrite(crt, 1, crt_len, f) == crt_len &&
            fwrite(key, 1, key_len, f) == key_len;
  return fclose(f) == 0 && ok;
}

static bool put_texts(const char *name, const struct text *crt, const struct text *key) {
  return put(name, crt->bytes, crt->len, key->bytes, key->len);
}

static struct text crt, key, other;

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s OUT_DIR TMP_FILE\n", argv[0]);
    return 2;
  }
  out_dir = argv[1];
  tmp_path = argv[2];
  struct cert_factory *f = cert_factory_new(1);
  if (f == NULL) return 1;

  struct cert_spec ip = cert_spec_derper_ip("127.0.0.1", SEED_NOW);
  struct factory_cert *leaf = cert_factory_make(f, &ip);
  struct cert_spec ed = cert_spec_derper_ip("::1", SEED_NOW);
  ed.label = "ed25519";
  ed.key_type = CERT_KEY_ED25519;
  struct factory_cert *ed_leaf = cert_factory_make(f, &ed);
  struct cert_spec ca_spec = cert_spec_derper_ip("10.0.0.1", SEED_NOW);
  ca_spec.label = "ca";
  ca_spec.cn = "derpcheck test CA";
  ca_spec.ip_san_count = 0;
  ca_spec.ext_profile = CERT_EXT_CA;
  struct factory_cert *ca = cert_factory_make(f, &ca_spec);
  struct cert_spec signed_spec = cert_spec_derper_ip("192.0.2.1", SEED_NOW);
  signed_spec.label = "signed";
  signed_spec.issuer = ca;
  struct factory_cert *signed_leaf = ca ? cert_factory_make(f, &signed_spec) : NULL;
  if (!leaf || !ed_leaf || !ca || !signed_leaf) {
    fprintf(stderr, "factory: %s\n", cert_factory_error(f));
    return 1;
  }

  bool ok = true;
  const struct factory_cert *one[1] = {leaf};
  ok = ok && chain_text(one, 1, &crt) && key_text(leaf, CERT_KEY_PEM_PKCS8, &key) &&
       put_texts("p256_pkcs8", &crt, &key);
  ok = ok && key_text(leaf, CERT_KEY_PEM_TRADITIONAL, &other) && put_texts("p256_sec1", &crt, &other);
  ok = ok && put("switched", key.bytes, key.len, crt.bytes, crt.len);
  ok = ok && put("cert_as_key", crt.bytes, crt.len, crt.bytes, crt.len);
  ok = ok && put("key_missing", crt.bytes, crt.len, "", 0);
  ok = ok && put("crt_len_past_end", crt.bytes, crt.len, "", 0);
  {
    /* A header claiming more .crt bytes than the input has. */
    char path[4096];
    snprintf(path, sizeof path, "%s/crt_len_past_end", out_dir);
    FILE *fp = fopen(path, "r+b");
    ok = ok && fp != NULL && fputc(0xff, fp) != EOF && fputc(0xff, fp) != EOF;
    if (fp) ok = fclose(fp) == 0 && ok;
  }
  {
    static char buf[TEXT_CAP * 2];
    int n = snprintf(buf, sizeof buf, "preamble text\r\n%.*s\r\ntrailer\r\n", (int)crt.len, crt.bytes);
    ok = ok && n > 0 && (size_t)n < sizeof buf && put("crlf_junk_between", buf, (size_t)n, key.bytes, key.len);
    /* Base64 with one character broken. */
    memcpy(buf, crt.bytes, crt.len);
    buf[40] = buf[40] == 'A' ? '*' : 'A';
    buf[41] = '*';
    ok = ok && put("broken_base64", buf, crt.len, key.bytes, key.len);
    /* A CERTIFICATE block holding the key's DER. */
    n = snprintf(buf, sizeof buf, "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n");
    ok = ok && put("not_a_cert", buf, (size_t)n, key.bytes, key.len);
    n = snprintf(buf, sizeof buf, "-----BEGIN PUBLIC KEY-----\nMAMCAQA=\n-----END PUBLIC KEY-----\n");
    ok = ok && put("public_key_block", crt.bytes, crt.len, buf, (size_t)n);
    n = snprintf(buf, sizeof buf, "-----BEGIN FOO PRIVATE KEY-----\nMAMCAQA=\n-----END FOO PRIVATE KEY-----\n");
    ok = ok && put("odd_key_type", crt.bytes, crt.len, buf, (size_t)n);
    /* Seventeen certificates: one over IPCERT_MAX_CHAIN. */
    const struct factory_cert *many[17];
    for (size_t i = 0; i < 17; i++) many[i] = leaf;
    ok = ok && chain_text(many, 17, &other) && put_texts("seventeen_certs", &other, &key);
  }
  ok = ok && put("empty", "", 0, "", 0);
  ok = ok && put("no_pem", "hello", 5, "world", 5);

  const struct factory_cert *ed_one[1] = {ed_leaf};
  ok = ok && chain_text(ed_one, 1, &crt) && key_text(ed_leaf, CERT_KEY_PEM_PKCS8, &other) &&
       put_texts("ed25519", &crt, &other);
  ok = ok && put_texts("key_mismatch", &crt, &key);

  const struct factory_cert *pair[2] = {signed_leaf, ca};
  ok = ok && chain_text(pair, 2, &crt) && key_text(signed_leaf, CERT_KEY_PEM_PKCS8, &key) &&
       put_texts("chain_leaf_ca", &crt, &key);
  ok = ok && key_text(ca, CERT_KEY_PEM_PKCS8, &other) && put_texts("chain_wrong_key", &crt, &other);

  factory_cert_free(leaf);
  factory_cert_free(ed_leaf);
  factory_cert_free(signed_leaf);
  factory_cert_free(ca);
  cert_factory_free(f);
  remove(tmp_path);
  if (!ok) fprintf(stderr, "gen_seeds_ipcert_pem: writing a seed failed\n");
  return ok ? 0 : 1;
}
