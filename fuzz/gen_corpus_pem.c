/* Seeds for ipcert_pem: .crt/.key pairs from the harness certificate factory
 * (its own fixed seed, clock GEN_NOW) in the target's layout (u16 be
 * crt_len, crt text, key text), plus near misses. The factory writes PEM to
 * files only, so each text passes through one scratch file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_corpus.h"
#include "harness/cert_factory.h"

#define PEM_FACTORY_SEED 1u
#define TEXT_CAP 32768

struct text {
  size_t len;
  char bytes[TEXT_CAP];
};

static char scratch[] = "/tmp/gen_corpus_pem.XXXXXX";

static bool slurp(struct text *t) {
  FILE *f = fopen(scratch, "rb");
  if (f == NULL) return false;
  t->len = fread(t->bytes, 1, sizeof t->bytes, f);
  bool ok = ferror(f) == 0 && t->len < sizeof t->bytes;
  fclose(f);
  return ok;
}

static bool chain_text(const struct factory_cert *const *chain, size_t n, struct text *t) {
  return factory_write_chain_pem(scratch, chain, n) && slurp(t);
}

static bool key_text(const struct factory_cert *c, enum cert_key_format fmt, struct text *t) {
  return factory_write_key_pem(scratch, c, fmt) && slurp(t);
}

static uint8_t seed_buf[2 + 4 * TEXT_CAP];

/* One seed; crt_len_field is what the header claims (normally crt_len). */
static bool put_pair(struct corpus_sink *s, const char *name, const char *crt, size_t crt_len,
                     const char *key, size_t key_len, size_t crt_len_field) {
  if (crt_len_field > 0xffff || 2 + crt_len + key_len > sizeof seed_buf) return false;
  seed_buf[0] = (uint8_t)(crt_len_field >> 8);
  seed_buf[1] = (uint8_t)crt_len_field;
  memcpy(seed_buf + 2, crt, crt_len);
  memcpy(seed_buf + 2 + crt_len, key, key_len);
  corpus_put(s, "ipcert_pem", name, seed_buf, 2 + crt_len + key_len);
  return true;
}

static bool put(struct corpus_sink *s, const char *name, const char *crt, size_t crt_len,
                const char *key, size_t key_len) {
  return put_pair(s, name, crt, crt_len, key, key_len, crt_len);
}

static bool put_texts(struct corpus_sink *s, const char *name, const struct text *crt,
                      const struct text *key) {
  return put(s, name, crt->bytes, crt->len, key->bytes, key->len);
}

static struct text crt, key, other;
static char buf[TEXT_CAP * 2];

static bool write_seeds(struct corpus_sink *s, struct cert_factory *f) {
  struct cert_spec ip = cert_spec_derper_ip("127.0.0.1", GEN_NOW);
  struct factory_cert *leaf = cert_factory_make(f, &ip);
  struct cert_spec ed = cert_spec_derper_ip("::1", GEN_NOW);
  ed.label = "ed25519";
  ed.key_type = CERT_KEY_ED25519;
  struct factory_cert *ed_leaf = cert_factory_make(f, &ed);
  struct cert_spec ca_spec = gen_test_ca_spec(GEN_NOW);
  struct factory_cert *ca = cert_factory_make(f, &ca_spec);
  struct cert_spec signed_spec = cert_spec_derper_ip("192.0.2.1", GEN_NOW);
  signed_spec.label = "signed";
  signed_spec.issuer = ca;
  struct factory_cert *signed_leaf = ca ? cert_factory_make(f, &signed_spec) : NULL;
  bool ok = leaf && ed_leaf && ca && signed_leaf;
  if (!ok) fprintf(stderr, "gen_corpus: ipcert_pem certificates: %s\n", cert_factory_error(f));

  const struct factory_cert *one[1] = {leaf};
  ok = ok && chain_text(one, 1, &crt) && key_text(leaf, CERT_KEY_PEM_PKCS8, &key) &&
       put_texts(s, "p256_pkcs8", &crt, &key);
  ok = ok && key_text(leaf, CERT_KEY_PEM_TRADITIONAL, &other) &&
       put_texts(s, "p256_sec1", &crt, &other);
  ok = ok && put(s, "switched", key.bytes, key.len, crt.bytes, crt.len);
  ok = ok && put(s, "cert_as_key", crt.bytes, crt.len, crt.bytes, crt.len);
  ok = ok && put(s, "key_missing", crt.bytes, crt.len, "", 0);
  /* A header claiming more .crt bytes than the input has. */
  ok = ok && put_pair(s, "crt_len_past_end", crt.bytes, crt.len, "", 0, 0xffff);
  int n =
      snprintf(buf, sizeof buf, "preamble text\r\n%.*s\r\ntrailer\r\n", (int)crt.len, crt.bytes);
  ok = ok && n > 0 && (size_t)n < sizeof buf &&
       put(s, "crlf_junk_between", buf, (size_t)n, key.bytes, key.len);
  /* Base64 with one character broken. */
  memcpy(buf, crt.bytes, crt.len);
  buf[40] = buf[40] == 'A' ? '*' : 'A';
  buf[41] = '*';
  ok = ok && put(s, "broken_base64", buf, crt.len, key.bytes, key.len);
  /* A CERTIFICATE block holding the key's DER. */
  n = snprintf(buf, sizeof buf,
               "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n");
  ok = ok && put(s, "not_a_cert", buf, (size_t)n, key.bytes, key.len);
  n = snprintf(buf, sizeof buf, "-----BEGIN PUBLIC KEY-----\nMAMCAQA=\n-----END PUBLIC KEY-----\n");
  ok = ok && put(s, "public_key_block", crt.bytes, crt.len, buf, (size_t)n);
  n = snprintf(buf, sizeof buf,
               "-----BEGIN FOO PRIVATE KEY-----\nMAMCAQA=\n-----END FOO PRIVATE KEY-----\n");
  ok = ok && put(s, "odd_key_type", crt.bytes, crt.len, buf, (size_t)n);
  /* Seventeen certificates: one over IPCERT_MAX_CHAIN. */
  const struct factory_cert *many[17];
  for (size_t i = 0; i < 17; i++) many[i] = leaf;
  ok = ok && chain_text(many, 17, &other) && put_texts(s, "seventeen_certs", &other, &key);
  ok = ok && put(s, "empty", "", 0, "", 0);
  ok = ok && put(s, "no_pem", "hello", 5, "world", 5);

  const struct factory_cert *ed_one[1] = {ed_leaf};
  ok = ok && chain_text(ed_one, 1, &crt) && key_text(ed_leaf, CERT_KEY_PEM_PKCS8, &other) &&
       put_texts(s, "ed25519", &crt, &other);
  ok = ok && put_texts(s, "key_mismatch", &crt, &key);

  const struct factory_cert *pair[2] = {signed_leaf, ca};
  ok = ok && chain_text(pair, 2, &crt) && key_text(signed_leaf, CERT_KEY_PEM_PKCS8, &key) &&
       put_texts(s, "chain_leaf_ca", &crt, &key);
  ok = ok && key_text(ca, CERT_KEY_PEM_PKCS8, &other) &&
       put_texts(s, "chain_wrong_key", &crt, &other);

  factory_cert_free(leaf);
  factory_cert_free(ed_leaf);
  factory_cert_free(signed_leaf);
  factory_cert_free(ca);
  return ok;
}

void gen_pem_seeds(struct corpus_sink *s) {
  if (s->only && strcmp(s->only, "ipcert_pem") != 0) return;
  int fd = mkstemp(scratch);
  struct cert_factory *f = fd >= 0 ? cert_factory_new(PEM_FACTORY_SEED) : NULL;
  bool ok = f != NULL && write_seeds(s, f);
  cert_factory_free(f);
  if (fd >= 0) {
    close(fd);
    unlink(scratch);
  }
  if (!ok) {
    fprintf(stderr, "gen_corpus: ipcert_pem seeds failed\n");
    s->failed = true;
  }
}
