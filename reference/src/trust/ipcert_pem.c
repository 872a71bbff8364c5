/* ipcert (c), pure core: Go's tls.X509KeyPair on two PEM buffers.
 *
 * Blocks are found with OpenSSL's PEM reader (which skips text between
 * blocks, as Go's pem.Decode does); a malformed block ends the scan. Error
 * texts are Go's, so derper's fatal messages compare byte for byte. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/ipcert.h"

/* Go prints skipped block types as a %v []string: "[A B]". */
struct skipped_types {
  char text[256];
  size_t len;
  unsigned count;
  char first[64];
};

static void skipped_add(struct skipped_types *s, const char *type) {
  if (s->count == 0) snprintf(s->first, sizeof s->first, "%s", type);
  int n = snprintf(s->text + s->len, sizeof s->text - s->len, "%s%s", s->count ? " " : "", type);
  if (n > 0) s->len = (size_t)n < sizeof s->text - s->len ? s->len + (size_t)n : sizeof s->text - 1;
  s->count++;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

struct pem_block {
  char *type;
  unsigned char *data;
  long len;
};

static void pem_block_free(struct pem_block *b) {
  OPENSSL_free(b->type);
  if (b->data != NULL) OPENSSL_cleanse(b->data, (size_t)b->len);
  OPENSSL_free(b->data);
  memset(b, 0, sizeof *b);
}

/* Next block of the BIO; false at the end (or at a malformed block). */
static bool pem_next(BIO *bio, struct pem_block *b) {
  char *header = NULL;
  memset(b, 0, sizeof *b);
  int ok = PEM_read_bio(bio, &b->type, &header, &b->data, &b->len);
  OPENSSL_free(header);
  ERR_clear_error(); /* "no start line" at the end is expected, not an error */
  if (ok != 1) {
    pem_block_free(b);
    return false;
  }
  return true;
}

/* A read-only BIO over the caller's bytes (an empty input is valid). */
static enum ipcert_status open_input(const uint8_t *pem, size_t len, const char *what, BIO **out,
                                     char *err, size_t err_cap) {
  static const uint8_t empty[1];
  if (len > IPCERT_MAX_FILE_BYTES) {
    snprintf(err, err_cap, "tls: %s input larger than %u bytes", what, IPCERT_MAX_FILE_BYTES);
    return IPCERT_ERR_TOO_LARGE;
  }
  *out = BIO_new_mem_buf(pem != NULL ? pem : empty, (int)len);
  if (*out == NULL) {
    snprintf(err, err_cap, "tls: out of memory reading %s input", what);
    return IPCERT_ERR_IO;
  }
  return IPCERT_OK;
}

/* Every CERTIFICATE block, copied into one allocation owned by out. */
static enum ipcert_status collect_certs(const uint8_t *pem, size_t len, struct ipcert_chain *out,
                                        char *err, size_t err_cap) {
  BIO *bio = NULL;
  GUARD_STATUS(open_input(pem, len, "certificate", &bio, err, err_cap));
  /* DER is shorter than its base64, so len bytes always hold every block. */
  out->storage = malloc(len > 0 ? len : 1);
  size_t used = 0;
  struct skipped_types skipped = {0};
  enum ipcert_status st = out->storage != NULL ? IPCERT_OK : IPCERT_ERR_IO;
  struct pem_block b;
  while (st == IPCERT_OK && pem_next(bio, &b)) {
    if (strcmp(b.type, "CERTIFICATE") != 0) {
      skipped_add(&skipped, b.type);
    } else if (out->count == IPCERT_MAX_CHAIN) {
      snprintf(err, err_cap, "tls: more than %d certificates in certificate input",
               IPCERT_MAX_CHAIN);
      st = IPCERT_ERR_TOO_LARGE;
    } else if (b.len <= 0 || (size_t)b.len > len - used) {
      snprintf(err, err_cap, "x509: malformed certificate");
      st = IPCERT_ERR_CERT;
    } else {
      memcpy(out->storage + used, b.data, (size_t)b.len);
      out->der[out->count].ptr = out->storage + used;
      out->der[out->count].len = (size_t)b.len;
      out->count++;
      used += (size_t)b.len;
    }
    pem_block_free(&b);
  }
  BIO_free(bio);
  if (st != IPCERT_OK || out->count > 0) return st;
  if (skipped.count == 0) {
    snprintf(err, err_cap, "tls: failed to find any PEM data in certificate input");
  } else if (skipped.count == 1 && ends_with(skipped.first, "PRIVATE KEY")) {
    snprintf(err, err_cap,
             "tls: failed to find certificate PEM data in certificate input, but did find a "
             "private key; "
             "PEM inputs may have been switched");
  } else {
    snprintf(err, err_cap,
             "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping "
             "PEM blocks "
             "of the following types: [%s]",
             skipped.text);
  }
  return IPCERT_ERR_PEM;
}

/* The first "PRIVATE KEY" / "* PRIVATE KEY" block. */
static enum ipcert_status find_key_block(const uint8_t *pem, size_t len, struct pem_block *key,
                                         char *err, size_t err_cap) {
  BIO *bio = NULL;
  GUARD_STATUS(open_input(pem, len, "key", &bio, err, err_cap));
  struct skipped_types skipped = {0};
  bool found = false;
  while (!found && pem_next(bio, key)) {
    found = strcmp(key->type, "PRIVATE KEY") == 0 || ends_with(key->type, " PRIVATE KEY");
    if (!found) {
      skipped_add(&skipped, key->type);
      pem_block_free(key);
    }
  }
  BIO_free(bio);
  if (found) return IPCERT_OK;
  if (skipped.count == 0) {
    snprintf(err, err_cap, "tls: failed to find any PEM data in key input");
  } else if (skipped.count == 1 && strcmp(skipped.first, "CERTIFICATE") == 0) {
    snprintf(err, err_cap,
             "tls: found a certificate rather than a key in the PEM for the private key");
  } else {
    snprintf(err, err_cap,
             "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after "
             "skipping PEM "
             "blocks of the following types: [%s]",
             skipped.text);
  }
  return IPCERT_ERR_PEM;
}

/* Key types Go's TLS stack can use for a certificate. */
static bool usable_key_type(int id) {
  return id == EVP_PKEY_RSA || id == EVP_PKEY_EC || id == EVP_PKEY_ED25519;
}

/* PKCS#1, PKCS#8 or SEC1 DER, all of it. */
static enum ipcert_status parse_key(const struct pem_block *b, EVP_PKEY **out, char *err,
                                    size_t err_cap) {
  const unsigned char *p = b->data;
  EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, b->len);
  ERR_clear_error();
  if (key == NULL || p != b->data + b->len) {
    EVP_PKEY_free(key);
    snprintf(err, err_cap, "tls: failed to parse private key");
    return IPCERT_ERR_KEY;
  }
  if (!usable_key_type(EVP_PKEY_get_base_id(key))) {
    EVP_PKEY_free(key);
    snprintf(err, err_cap, "tls: found unknown private key type in PKCS#8 wrapping");
    return IPCERT_ERR_KEY;
  }
  *out = key;
  return IPCERT_OK;
}

static enum ipcert_status parse_certs(struct ipcert_chain *c, char *err, size_t err_cap) {
  for (size_t i = 0; i < c->count; i++) {
    const unsigned char *p = c->der[i].ptr;
    c->x509[i] = d2i_X509(NULL, &p, (long)c->der[i].len);
    ERR_clear_error();
    if (c->x509[i] == NULL || p != c->der[i].ptr + c->der[i].len) {
      /* Go only parses the leaf here; an intermediate the TLS stack cannot
       * hold is refused too, naming its position. */
      if (i == 0) {
        snprintf(err, err_cap,
                 c->x509[i] == NULL ? "x509: malformed certificate" : "x509: trailing data");
      } else {
        snprintf(err, err_cap, "x509: malformed certificate (number %zu in certificate input)",
                 i + 1);
      }
      return IPCERT_ERR_CERT;
    }
    /* The relay pins and prints der[i] but OpenSSL sends its own encoding of
     * x509[i]; a non-canonical input (e.g. set padding bits in the signature
     * BIT STRING, which Go's parser also refuses) would make the printed pin
     * wrong, so only byte-stable certificates are served. */
    unsigned char *again = NULL;
    int again_len = i2d_X509(c->x509[i], &again);
    bool stable = again_len > 0 && (size_t)again_len == c->der[i].len &&
                  memcmp(again, c->der[i].ptr, c->der[i].len) == 0;
    OPENSSL_free(again);
    if (!stable) {
      if (i == 0)
        snprintf(err, err_cap, "x509: malformed certificate (not DER: would be re-encoded)");
      else
        snprintf(err, err_cap,
                 "x509: malformed certificate (number %zu in certificate input: not DER)", i + 1);
      return IPCERT_ERR_CERT;
    }
  }
  return IPCERT_OK;
}

static enum ipcert_status match_key(X509 *leaf, EVP_PKEY *key, char *err, size_t err_cap) {
  EVP_PKEY *pub = X509_get0_pubkey(leaf);
  ERR_clear_error();
  if (pub == NULL || !usable_key_type(EVP_PKEY_get_base_id(pub))) {
    snprintf(err, err_cap, "tls: unknown public key algorithm");
    return IPCERT_ERR_KEY_MISMATCH;
  }
  if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_get_base_id(key)) {
    snprintf(err, err_cap, "tls: private key type does not match public key type");
    return IPCERT_ERR_KEY_MISMATCH;
  }
  int eq = EVP_PKEY_eq(pub, key);
  ERR_clear_error();
  if (eq != 1) {
    snprintf(err, err_cap, "tls: private key does not match public key");
    return IPCERT_ERR_KEY_MISMATCH;
  }
  return IPCERT_OK;
}

enum ipcert_status ipcert_chain_from_pem(const uint8_t *crt_pem, size_t crt_len,
                                         const uint8_t *key_pem, size_t key_len,
                                         struct ipcert_chain *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  ENSURE(crt_pem != NULL || crt_len == 0, IPCERT_ERR_ARG);
  ENSURE(key_pem != NULL || key_len == 0, IPCERT_ERR_ARG);
  struct pem_block kb = {0};
  /* Go's order: certificate blocks, key block, leaf, key, match. */
  enum ipcert_status st = collect_certs(crt_pem, crt_len, out, err, err_cap);
  if (st == IPCERT_OK) st = find_key_block(key_pem, key_len, &kb, err, err_cap);
  if (st == IPCERT_OK) st = parse_certs(out, err, err_cap);
  if (st == IPCERT_OK) st = parse_key(&kb, &out->key, err, err_cap);
  if (st == IPCERT_OK) st = match_key(out->x509[0], out->key, err, err_cap);
  pem_block_free(&kb);
  if (st != IPCERT_OK) ipcert_chain_free(out);
  return st;
}

void ipcert_chain_free(struct ipcert_chain *chain) {
  if (chain == NULL) return;
  for (size_t i = 0; i < IPCERT_MAX_CHAIN; i++) X509_free(chain->x509[i]);
  EVP_PKEY_free(chain->key);
  free(chain->storage);
  memset(chain, 0, sizeof *chain);
}
