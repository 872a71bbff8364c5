/* Certificate pairs for the ipcert tests: generated with derper's profile,
 * written out as PEM in the forms a user might supply. */
#ifndef DERP_IPCERT_PAIRS_H
#define DERP_IPCERT_PAIRS_H

#include <check.h>
#include <openssl/pem.h>
#include <string.h>

#include "derp/ipcert.h"

#define NOW 1700000000LL /* 2023-11-14 22:13:20 UTC */

/* PEM text of a certificate (and optionally a key) appended to a buffer. */
static inline void pem_cert(X509 *x, char *out, size_t cap) {
  BIO *b = BIO_new(BIO_s_mem());
  ck_assert_int_eq(PEM_write_bio_X509(b, x), 1);
  char *data;
  long n = BIO_get_mem_data(b, &data);
  size_t used = strlen(out);
  ck_assert_uint_lt(used + (size_t)n, cap);
  memcpy(out + used, data, (size_t)n);
  out[used + (size_t)n] = '\0';
  BIO_free(b);
}

enum key_pem { KEY_PKCS8, KEY_TRADITIONAL };

static inline void pem_key(EVP_PKEY *k, enum key_pem form, char *out, size_t cap) {
  BIO *b = BIO_new(BIO_s_mem());
  int ok = form == KEY_PKCS8
               ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
               : PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
  ck_assert_int_eq(ok, 1);
  char *data;
  long n = BIO_get_mem_data(b, &data);
  ck_assert_uint_lt((size_t)n, cap);
  memcpy(out, data, (size_t)n);
  out[n] = '\0';
  BIO_free(b);
}

struct pair {
  X509 *cert;
  EVP_PKEY *key;
};

static inline struct pair gen(const char *ip) {
  struct pair p;
  ck_assert_int_eq(ipcert_generate(ip, NOW, &p.cert, &p.key), IPCERT_OK);
  return p;
}

static inline void pair_free(struct pair *p) {
  X509_free(p->cert);
  EVP_PKEY_free(p->key);
}

#endif
