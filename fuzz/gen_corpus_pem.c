/* Seeds for ipcert_pem: .crt/.key pairs from the harness certificate factory
 * (its own fixed seed, clock GEN_NOW) in the target's layout (u16 be
 * crt_len, crt text, key text), plus near misses. The factory writes PEM to
 * files only, so each text passes through one scratch file. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
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

/* One PEM block of `type` around der, appended to t. */
static bool pem_append(struct text *t, const char *type, const uint8_t *der, size_t len) {
  BIO *bio = BIO_new(BIO_s_mem());
  bool ok = bio != NULL && PEM_write_bio(bio, type, "", der, (long)len) > 0;
  char *p = NULL;
  long n = ok ? BIO_get_mem_data(bio, &p) : 0;
  ok = ok && n > 0 && (size_t)n < sizeof t->bytes - t->len;
  if (ok) {
    memcpy(t->bytes + t->len, p, (size_t)n);
    t->len += (size_t)n;
  }
  BIO_free(bio);
  return ok;
}

/* The DER inside the first PEM block of t. */
static bool pem_der(const struct text *t, uint8_t *out, size_t cap, size_t *len) {
  BIO *bio = BIO_new_mem_buf(t->bytes, (int)t->len);
  char *name = NULL, *header = NULL;
  unsigned char *data = NULL;
  long n = 0;
  bool ok =
      bio != NULL && PEM_read_bio(bio, &name, &header, &data, &n) == 1 && n > 0 && (size_t)n <= cap;
  if (ok) {
    memcpy(out, data, (size_t)n);
    *len = (size_t)n;
  }
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  BIO_free(bio);
  return ok;
}

/* DER with the outer SEQUENCE's length in one octet more than needed
 * (30 82 LL LL -> 30 83 00 LL LL): OpenSSL reads it and re-encodes shorter. */
static bool long_form_length(const uint8_t *der, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len) {
  if (len < 4 || der[0] != 0x30 || der[1] != 0x82 || len + 1 > cap) return false;
  out[0] = 0x30;
  out[1] = 0x83;
  out[2] = 0x00;
  memcpy(out + 3, der + 2, len - 2);
  *out_len = len + 1;
  return true;
}

/* Keys from fixed bytes (X25519 and Ed25519 need no randomness). */
static EVP_PKEY *raw_key(int type, uint8_t fill) {
  uint8_t raw[32];
  memset(raw, fill, sizeof raw);
  return EVP_PKEY_new_raw_private_key(type, NULL, raw, sizeof raw);
}

/* A self-signed-looking certificate for an X25519 key (which cannot sign:
 * a fixed Ed25519 key signs it). The factory only makes signing keys. */
static bool x25519_cert(uint8_t *out, size_t cap, size_t *len) {
  X509 *x = X509_new();
  EVP_PKEY *pub = raw_key(EVP_PKEY_X25519, 0x25), *signer = raw_key(EVP_PKEY_ED25519, 0xed);
  X509_NAME *name = x ? X509_get_subject_name(x) : NULL;
  bool ok = x && pub && signer && name && X509_set_version(x, X509_VERSION_3) == 1 &&
            ASN1_INTEGER_set(X509_get_serialNumber(x), 7) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1",
                                       -1, -1, 0) == 1 &&
            X509_set_issuer_name(x, name) == 1 &&
            ASN1_TIME_set(X509_getm_notBefore(x), (time_t)GEN_NOW) != NULL &&
            ASN1_TIME_set(X509_getm_notAfter(x), (time_t)GEN_NOW + 365 * 86400) != NULL &&
            X509_set_pubkey(x, pub) == 1 && X509_sign(x, signer, NULL) > 0;
  int n = ok ? i2d_X509(x, NULL) : 0;
  ok = ok && n > 0 && (size_t)n <= cap;
  unsigned char *p = out;
  ok = ok && i2d_X509(x, &p) == n;
  *len = ok ? (size_t)n : 0;
  X509_free(x);
  EVP_PKEY_free(pub);
  EVP_PKEY_free(signer);
  return ok;
}

static const char *const pem_stub = "MAMCAQA="; /* base64 of 30 03 02 01 00 */

static bool stub_block(struct text *t, const char *type) {
  int n = snprintf(t->bytes + t->len, sizeof t->bytes - t->len,
                   "-----BEGIN %s-----\n%s\n-----END %s-----\n", type, pem_stub, type);
  if (n <= 0 || (size_t)n >= sizeof t->bytes - t->len) return false;
  t->len += (size_t)n;
  return true;
}

static struct text a, b;
static uint8_t der_a[TEXT_CAP], der_b[TEXT_CAP];

/* Error paths of every step: skipped block types (two, short, a
 * certificate request, many long, empty name), an empty CERTIFICATE block
 * (which OpenSSL's PEM reader refuses, Go's reads), RSA, an X25519 key and
 * certificate, a zero EC point, trailing bytes after a key and after a
 * certificate, DER with a non-minimal length (leaf and intermediate), a
 * broken intermediate. `leaf` is the P-256 leaf, `chain` the CA-signed
 * leaf and its CA. */
static bool write_edge_seeds(struct corpus_sink *s, struct cert_factory *f,
                             const struct factory_cert *leaf,
                             const struct factory_cert *const chain[2]) {
  bool ok = chain_text((const struct factory_cert *const[]){leaf}, 1, &crt) &&
            key_text(leaf, CERT_KEY_PEM_PKCS8, &key);
  /* .crt without certificates */
  a.len = 0;
  ok = ok && stub_block(&a, "PUBLIC KEY") && stub_block(&a, "DH PARAMETERS") &&
       put_texts(s, "crt_two_other_blocks", &a, &key);
  a.len = 0;
  ok = ok && stub_block(&a, "KEY") && put_texts(s, "crt_short_block_type", &a, &key);
  a.len = 0;
  for (int i = 0; i < 6 && ok; i++) {
    char type[80];
    snprintf(type, sizeof type, "%c%s", 'A' + i,
             " VERY LONG BLOCK TYPE NAME THAT FILLS THE SKIPPED TYPES LIST");
    ok = stub_block(&a, type);
  }
  ok = ok && put_texts(s, "crt_long_block_types", &a, &key);
  a.len = 0;
  ok = ok && stub_block(&a, "CERTIFICATE REQUEST") &&
       put_texts(s, "crt_certificate_request_block", &a, &key);
  a.len = 0;
  ok = ok && stub_block(&a, "") && put_texts(s, "crt_empty_block_type", &a, &key);
  static const char empty_block[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  ok = ok && put(s, "crt_empty_certificate_block", empty_block, sizeof empty_block - 1, key.bytes,
                 key.len);
  /* .key without a key: two other blocks */
  b.len = 0;
  ok = ok && stub_block(&b, "PUBLIC KEY") && stub_block(&b, "CERTIFICATE") &&
       put_texts(s, "key_two_other_blocks", &crt, &b);
  /* RSA, both key encodings */
  struct cert_spec rsa_spec = cert_spec_derper_ip("127.0.0.1", GEN_NOW);
  rsa_spec.label = "rsa";
  rsa_spec.key_type = CERT_KEY_RSA2048;
  struct factory_cert *rsa = ok ? cert_factory_make(f, &rsa_spec) : NULL;
  ok = ok && rsa && chain_text((const struct factory_cert *const[]){rsa}, 1, &a) &&
       key_text(rsa, CERT_KEY_PEM_PKCS8, &b) && put_texts(s, "rsa_pkcs8", &a, &b) &&
       key_text(rsa, CERT_KEY_PEM_TRADITIONAL, &b) && put_texts(s, "rsa_pkcs1", &a, &b);
  factory_cert_free(rsa);
  /* An X25519 private key: parses, but TLS cannot use it. */
  EVP_PKEY *xk = raw_key(EVP_PKEY_X25519, 0x25);
  BIO *bio = xk ? BIO_new(BIO_s_mem()) : NULL;
  char *p = NULL;
  long n = 0;
  ok = ok && bio && PEM_write_bio_PrivateKey(bio, xk, NULL, NULL, 0, NULL, NULL) == 1 &&
       (n = BIO_get_mem_data(bio, &p)) > 0 &&
       put(s, "x25519_key", crt.bytes, crt.len, p, (size_t)n);
  BIO_free(bio);
  EVP_PKEY_free(xk);
  /* A certificate for an X25519 key, with the P-256 key. */
  size_t len = 0;
  a.len = 0;
  ok = ok && x25519_cert(der_a, sizeof der_a, &len) && pem_append(&a, "CERTIFICATE", der_a, len) &&
       put_texts(s, "x25519_certificate", &a, &key);
  /* The PKCS#8 key with a byte after it. */
  b.len = 0;
  ok = ok && pem_der(&key, der_b, sizeof der_b - 1, &len);
  if (ok) der_b[len++] = 0x00;
  ok = ok && pem_append(&b, "PRIVATE KEY", der_b, len) &&
       put_texts(s, "key_trailing_byte", &crt, &b);
  /* The certificate with a byte after it, and with a non-minimal length. */
  a.len = 0;
  memcpy(der_a, leaf->der, leaf->der_len);
  der_a[leaf->der_len] = 0x00;
  ok = ok && pem_append(&a, "CERTIFICATE", der_a, leaf->der_len + 1) &&
       put_texts(s, "cert_trailing_byte", &a, &key);
  a.len = 0;
  ok = ok && long_form_length(leaf->der, leaf->der_len, der_a, sizeof der_a, &len) &&
       pem_append(&a, "CERTIFICATE", der_a, len) && put_texts(s, "cert_long_form_length", &a, &key);
  /* The leaf with its EC point zeroed (same length): OpenSSL reads the
   * certificate but has no public key for it. */
  static const uint8_t point_prefix[] = {0x03, 0x42, 0x00, 0x04};
  memcpy(der_a, leaf->der, leaf->der_len);
  uint8_t *point = NULL;
  for (size_t i = 0; i + sizeof point_prefix + 64 <= leaf->der_len && !point; i++)
    if (memcmp(der_a + i, point_prefix, sizeof point_prefix) == 0)
      point = der_a + i + sizeof point_prefix;
  a.len = 0;
  ok = ok && point != NULL;
  if (ok) memset(point, 0, 64);
  ok = ok && pem_append(&a, "CERTIFICATE", der_a, leaf->der_len) &&
       put_texts(s, "cert_ec_point_zero", &a, &key);
  /* CA-signed chains whose intermediate is broken or not DER. */
  ok = ok && key_text(chain[0], CERT_KEY_PEM_PKCS8, &b);
  a.len = 0;
  ok = ok && pem_append(&a, "CERTIFICATE", chain[0]->der, chain[0]->der_len) &&
       stub_block(&a, "CERTIFICATE") && put_texts(s, "chain_intermediate_malformed", &a, &b);
  a.len = 0;
  ok = ok && pem_append(&a, "CERTIFICATE", chain[0]->der, chain[0]->der_len) &&
       long_form_length(chain[1]->der, chain[1]->der_len, der_a, sizeof der_a, &len) &&
       pem_append(&a, "CERTIFICATE", der_a, len) &&
       put_texts(s, "chain_intermediate_long_form_length", &a, &b);
  return ok;
}

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

  const struct factory_cert *signed_pair[2] = {signed_leaf, ca};
  ok = ok && write_edge_seeds(s, f, leaf, signed_pair);

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
