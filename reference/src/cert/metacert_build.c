#include <limits.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/metacert.h"

/* Years 0001..9999 are all ASN.1 times can hold; keep both bounds inside. */
#define METACERT_MIN_NOW (-62135596800LL + METACERT_VALIDITY_SECONDS)
#define METACERT_MAX_NOW (253402300799LL - METACERT_VALIDITY_SECONDS)

const char *metacert_status_str(enum metacert_status st) {
  switch (st) {
    case METACERT_OK: return "ok";
    case METACERT_ERR_ARG: return "metacert: version or time out of range";
    case METACERT_ERR_SPACE: return "metacert: output buffer too small";
    case METACERT_ERR_CRYPTO: return "metacert: OpenSSL failed to build the certificate";
  }
  return "metacert: unknown status";
}

static bool set_name(X509 *x, const uint8_t derp_pub[32]) {
  char cn[METACERT_CN_LEN + 1];
  memcpy(cn, METACERT_CN_PREFIX, strlen(METACERT_CN_PREFIX));
  derp_hex_lower(derp_pub, 32, cn + strlen(METACERT_CN_PREFIX));
  X509_NAME *name = X509_get_subject_name(x);
  /* An explicit PrintableString skips OpenSSL's 64-char CN limit (MBSTRING_ASC
   * would refuse 71 chars); it is also what Go encodes this string as. */
  GUARD(X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_PRINTABLESTRING,
                                   (const unsigned char *)cn, METACERT_CN_LEN, -1, 0) == 1);
  return X509_set_issuer_name(x, name) == 1;
}

static bool add_basic_constraints(X509 *x) {
  BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
  GUARD(bc != NULL);
  bc->ca = 0; /* DEFAULT FALSE is omitted in DER: the value is 30 00 */
  int ok = X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT);
  BASIC_CONSTRAINTS_free(bc);
  return ok == 1;
}

static bool fill_and_sign(X509 *x, EVP_PKEY *key, const uint8_t derp_pub[32], long version,
                          int64_t now) {
  GUARD(X509_set_version(x, X509_VERSION_3) == 1);
  GUARD(ASN1_INTEGER_set(X509_get_serialNumber(x), version) == 1);
  GUARD(set_name(x, derp_pub));
  GUARD(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(now - METACERT_VALIDITY_SECONDS)) != NULL);
  GUARD(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(now + METACERT_VALIDITY_SECONDS)) != NULL);
  GUARD(X509_set_pubkey(x, key) == 1);
  GUARD(add_basic_constraints(x));
  return X509_sign(x, key, NULL) > 0; /* Ed25519: the digest must be NULL */
}

enum metacert_status metacert_build(const uint8_t derp_pub[32], long protocol_version, int64_t now,
                                    uint8_t *out, size_t out_cap, size_t *out_len) {
  ENSURE(derp_pub != NULL && out != NULL && out_len != NULL, METACERT_ERR_ARG);
  ENSURE(protocol_version >= 0 && protocol_version <= INT32_MAX, METACERT_ERR_ARG);
  ENSURE(now >= METACERT_MIN_NOW && now <= METACERT_MAX_NOW, METACERT_ERR_ARG);

  enum metacert_status st = METACERT_ERR_CRYPTO;
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  X509 *x = X509_new();
  if (key != NULL && x != NULL && fill_and_sign(x, key, derp_pub, protocol_version, now)) {
    int len = i2d_X509(x, NULL);
    if (len <= 0) {
      st = METACERT_ERR_CRYPTO;
    } else if ((size_t)len > out_cap) {
      st = METACERT_ERR_SPACE;
    } else {
      unsigned char *p = out;
      st = i2d_X509(x, &p) == len ? METACERT_OK : METACERT_ERR_CRYPTO;
      *out_len = (size_t)len;
    }
  }
  X509_free(x);
  EVP_PKEY_free(key); /* the signing key is never kept */
  return st;
}
