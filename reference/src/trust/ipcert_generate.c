/* ipcert (b): the self-signed IP certificate with derper's profile (§1.4). */
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "derp/ipcert.h"

/* Uniform in [0, 2^128) like Go's rand.Int(rand.Reader, 1<<128); OpenSSL
 * encodes it as a positive INTEGER (a leading 00 when the top bit is set). */
static bool set_random_serial(X509 *x) {
  unsigned char raw[16];
  GUARD(RAND_bytes(raw, sizeof raw) == 1);
  BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
  GUARD(bn != NULL);
  bool ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  return ok;
}

/* Go writes a CN as PrintableString when every character allows it, else
 * UTF8String; IP literals are always printable. */
static bool printable_string_ok(const char *s) {
  for (; *s != '\0'; s++) {
    char c = *s;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr(" '()+,-./:=?", c) != NULL;
    if (!ok) return false;
  }
  return true;
}

static bool set_names(X509 *x, const char *cn) {
  X509_NAME *name = X509_get_subject_name(x);
  int type = printable_string_ok(cn) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
  GUARD(X509_NAME_add_entry_by_NID(name, NID_commonName, type, (const unsigned char *)cn, -1, -1,
                                   0) == 1);
  return X509_set_issuer_name(x, name) == 1;
}

static bool add_key_usage(X509 *x) {
  ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
  GUARD(ku != NULL);
  /* bit 0 digitalSignature, bit 2 keyEncipherment: DER 03 02 05 a0 */
  bool ok = ASN1_BIT_STRING_set_bit(ku, 0, 1) == 1 && ASN1_BIT_STRING_set_bit(ku, 2, 1) == 1 &&
            X509_add1_ext_i2d(x, NID_key_usage, ku, 1, X509V3_ADD_DEFAULT) == 1;
  ASN1_BIT_STRING_free(ku);
  return ok;
}

static bool add_ext_key_usage(X509 *x) {
  EXTENDED_KEY_USAGE *eku = sk_ASN1_OBJECT_new_null();
  GUARD(eku != NULL);
  bool ok = sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth)) > 0 &&
            X509_add1_ext_i2d(x, NID_ext_key_usage, eku, 0, X509V3_ADD_DEFAULT) == 1;
  sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
  return ok;
}

static bool add_basic_constraints(X509 *x) {
  BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
  GUARD(bc != NULL);
  bc->ca = 0; /* DEFAULT FALSE is omitted: the value is 30 00 */
  bool ok = X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT) == 1;
  BASIC_CONSTRAINTS_free(bc);
  return ok;
}

static bool add_ip_san(X509 *x, const uint8_t *ip, int ip_len) {
  GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
  GUARD(names != NULL);
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  bool ok = false;
  if (gn != NULL && os != NULL && ASN1_OCTET_STRING_set(os, ip, ip_len) == 1) {
    GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
    os = NULL;
    ok = sk_GENERAL_NAME_push(names, gn) > 0;
    if (ok) gn = NULL;
  }
  ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1;
  ASN1_OCTET_STRING_free(os);
  GENERAL_NAME_free(gn);
  GENERAL_NAMES_free(names);
  return ok;
}

static bool fill_and_sign(X509 *x, EVP_PKEY *key, const char *hostname, const uint8_t ip16[16],
                          bool is_v4, int64_t now) {
  GUARD(X509_set_version(x, X509_VERSION_3) == 1);
  GUARD(set_random_serial(x));
  GUARD(set_names(x, hostname));
  GUARD(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now) != NULL);
  GUARD(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)go_add_years(now, 1)) != NULL);
  GUARD(X509_set_pubkey(x, key) == 1);
  /* Go's order: keyUsage, extKeyUsage, basicConstraints, subjectAltName. */
  GUARD(add_key_usage(x));
  GUARD(add_ext_key_usage(x));
  GUARD(add_basic_constraints(x));
  GUARD(is_v4 ? add_ip_san(x, ip16 + 12, 4) : add_ip_san(x, ip16, 16));
  return X509_sign(x, key, EVP_sha256()) > 0;
}

/* Go's time encoding covers years 1..9999; stay clear of the edges. */
#define IPCERT_MIN_NOW (-62135596800LL)
#define IPCERT_MAX_NOW (253402300799LL - 366LL * 86400)

enum ipcert_status ipcert_generate(const char *ip_hostname, int64_t now, X509 **cert_out,
                                   EVP_PKEY **key_out) {
  uint8_t ip16[16];
  bool is_v4 = false;
  ENSURE(cert_out != NULL && key_out != NULL, IPCERT_ERR_ARG);
  *cert_out = NULL;
  *key_out = NULL;
  ENSURE(ip_hostname != NULL && go_parse_ip(ip_hostname, strlen(ip_hostname), ip16),
         IPCERT_ERR_ARG);
  is_v4 = go_ip_is_v4(ip16);
  ENSURE(now >= IPCERT_MIN_NOW && now <= IPCERT_MAX_NOW, IPCERT_ERR_ARG);

  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = X509_new();
  if (key == NULL || x == NULL || !fill_and_sign(x, key, ip_hostname, ip16, is_v4, now)) {
    X509_free(x);
    EVP_PKEY_free(key);
    return IPCERT_ERR_GENERATE;
  }
  *cert_out = x;
  *key_out = key;
  return IPCERT_OK;
}

/* PEM text of the certificate or (SEC1 "EC PRIVATE KEY") key, copied out of
 * a memory BIO into a fresh buffer. */
static bool pem_of(X509 *cert, EVP_PKEY *key, uint8_t **out, size_t *out_len) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio == NULL) return false;
  int ok = cert != NULL ? PEM_write_bio_X509(bio, cert)
                        : PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
  char *data = NULL;
  long len = ok == 1 ? BIO_get_mem_data(bio, &data) : 0;
  *out = len > 0 ? malloc((size_t)len) : NULL;
  if (*out != NULL) {
    memcpy(*out, data, (size_t)len);
    *out_len = (size_t)len;
  }
  if (len > 0) OPENSSL_cleanse(data, (size_t)len);
  BIO_free(bio);
  return *out != NULL;
}

enum ipcert_status ipcert_generate_pem(const char *ip_hostname, int64_t now,
                                       struct ipcert_pem_pair *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  X509 *cert = NULL;
  EVP_PKEY *key = NULL;
  enum ipcert_status st = ipcert_generate(ip_hostname, now, &cert, &key);
  if (st != IPCERT_OK) {
    snprintf(err, err_cap, "failed to create certificate: %s", ipcert_status_str(st));
  } else if (!pem_of(cert, NULL, &out->crt, &out->crt_len)) {
    snprintf(err, err_cap, "unable to marshal certificate");
    st = IPCERT_ERR_GENERATE;
  } else if (!pem_of(NULL, key, &out->key, &out->key_len)) {
    snprintf(err, err_cap, "unable to marshal key");
    st = IPCERT_ERR_GENERATE;
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (st != IPCERT_OK) ipcert_pem_pair_free(out);
  return st;
}

void ipcert_pem_pair_free(struct ipcert_pem_pair *pair) {
  if (pair->key != NULL) OPENSSL_cleanse(pair->key, pair->key_len);
  free(pair->crt);
  free(pair->key);
  memset(pair, 0, sizeof *pair);
}
