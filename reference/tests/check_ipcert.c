#include "derp/ipcert.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "derp/hex.h"
#include "ipcert_pairs.h"

/* ---- helpers ---- */

static unsigned count_of(const char *hay, const char *needle) {
  unsigned n = 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
  return n;
}

/* The DER value (extnValue contents) of extension i. */
static void ext_at(X509 *x, int i, int *nid, int *critical, const uint8_t **val, int *len) {
  X509_EXTENSION *e = X509_get_ext(x, i);
  ck_assert_ptr_nonnull(e);
  *nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
  *critical = X509_EXTENSION_get_critical(e);
  ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(e);
  *val = ASN1_STRING_get0_data(os);
  *len = ASN1_STRING_length(os);
}

static void assert_ext(X509 *x, int i, int want_nid, int want_crit, const uint8_t *want,
                       int want_len) {
  int nid, crit, len;
  const uint8_t *val;
  ext_at(x, i, &nid, &crit, &val, &len);
  ck_assert_int_eq(nid, want_nid);
  ck_assert_int_eq(crit, want_crit);
  ck_assert_int_eq(len, want_len);
  ck_assert_mem_eq(val, want, (size_t)want_len);
}

static int64_t asn1_time_unix(const ASN1_TIME *t) {
  struct tm tm;
  ck_assert_int_eq(ASN1_TIME_to_tm(t, &tm), 1);
  return (int64_t)timegm(&tm);
}

/* ---- (a) naming ---- */

START_TEST(name_ipv4_is_kept) {
  char name[IPCERT_NAME_MAX + 1];
  ck_assert(ipcert_file_name("1.2.3.4", name, sizeof name));
  ck_assert_str_eq(name, "1.2.3.4");
}
END_TEST

START_TEST(name_ipv6_drops_colons) {
  char name[IPCERT_NAME_MAX + 1];
  ck_assert(ipcert_file_name("2001:db8::1", name, sizeof name));
  ck_assert_str_eq(name, "2001db81");
  ck_assert(ipcert_file_name("::1", name, sizeof name));
  ck_assert_str_eq(name, "1");
}
END_TEST

START_TEST(name_dns_is_kept) {
  char name[IPCERT_NAME_MAX + 1];
  ck_assert(ipcert_file_name("Derp-1.Example.COM", name, sizeof name));
  ck_assert_str_eq(name, "Derp-1.Example.COM");
}
END_TEST

START_TEST(name_odd_chars_deleted) {
  char name[IPCERT_NAME_MAX + 1];
  ck_assert(ipcert_file_name("a_b c/../d*\xc3\xa9%eth0", name, sizeof name));
  ck_assert_str_eq(name, "abc..deth0");
  ck_assert(ipcert_file_name("[fe80::1]", name, sizeof name));
  ck_assert_str_eq(name, "fe801");
  ck_assert(ipcert_file_name("_/*", name, sizeof name));
  ck_assert_str_eq(name, "");
}
END_TEST

START_TEST(paths_join_certdir) {
  struct ipcert_paths p;
  ck_assert_int_eq(ipcert_file_paths("/var/certs", "2001:db8::1", &p), IPCERT_OK);
  ck_assert_str_eq(p.crt, "/var/certs/2001db81.crt");
  ck_assert_str_eq(p.key, "/var/certs/2001db81.key");
  ck_assert_int_eq(ipcert_file_paths("/var/certs//", "1.2.3.4", &p), IPCERT_OK);
  ck_assert_str_eq(p.crt, "/var/certs/1.2.3.4.crt");
  ck_assert_int_eq(ipcert_file_paths("/", "1.2.3.4", &p), IPCERT_OK);
  ck_assert_str_eq(p.key, "/1.2.3.4.key");
  ck_assert_int_eq(ipcert_file_paths("", "1.2.3.4", &p), IPCERT_ERR_ARG);
  char long_host[300];
  memset(long_host, 'a', sizeof long_host - 1);
  long_host[sizeof long_host - 1] = '\0';
  ck_assert_int_eq(ipcert_file_paths("/x", long_host, &p), IPCERT_ERR_ARG);
}
END_TEST

/* ---- (b) generation profile ---- */

START_TEST(generated_profile_fields) {
  struct pair p = gen("1.2.3.4");
  X509 *x = p.cert;
  ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
  ck_assert_int_eq(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
  X509_NAME *name = X509_get_subject_name(x);
  ck_assert_int_eq(X509_NAME_entry_count(name), 1);
  ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, 0));
  ck_assert_int_eq(OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, 0))),
                   NID_commonName);
  ck_assert_int_eq(ASN1_STRING_type(cn), V_ASN1_PRINTABLESTRING);
  ck_assert_int_eq(ASN1_STRING_length(cn), 7);
  ck_assert_mem_eq(ASN1_STRING_get0_data(cn), "1.2.3.4", 7);
  ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
  EVP_PKEY *pub = X509_get0_pubkey(x);
  ck_assert_int_eq(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
  char group[32];
  ck_assert_int_eq(EVP_PKEY_get_group_name(pub, group, sizeof group, NULL), 1);
  ck_assert_str_eq(group, "prime256v1");
  ck_assert_int_eq(X509_verify(x, p.key), 1);
  ck_assert_int_eq(asn1_time_unix(X509_get0_notBefore(x)), NOW);
  pair_free(&p);
}
END_TEST

START_TEST(generated_extensions_in_go_order) {
  struct pair p = gen("1.2.3.4");
  ck_assert_int_eq(X509_get_ext_count(p.cert), 4); /* no SKI, no AKI */
  static const uint8_t ku[] = {0x03, 0x02, 0x05, 0xa0};
  static const uint8_t eku[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
                                0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
  static const uint8_t bc[] = {0x30, 0x00};
  static const uint8_t san[] = {0x30, 0x06, 0x87, 0x04, 1, 2, 3, 4};
  assert_ext(p.cert, 0, NID_key_usage, 1, ku, sizeof ku);
  assert_ext(p.cert, 1, NID_ext_key_usage, 0, eku, sizeof eku);
  assert_ext(p.cert, 2, NID_basic_constraints, 1, bc, sizeof bc);
  assert_ext(p.cert, 3, NID_subject_alt_name, 0, san, sizeof san);
  pair_free(&p);
}
END_TEST

START_TEST(generated_ipv6_san_is_16_bytes) {
  struct pair p = gen("2001:db8::1");
  static const uint8_t san[] = {0x30, 0x12, 0x87, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
                                0,    0,    0,    0,    0,    0,    0,    0,    0, 1};
  assert_ext(p.cert, 3, NID_subject_alt_name, 0, san, sizeof san);
  pair_free(&p);
}
END_TEST

START_TEST(generated_v4_mapped_san_is_4_bytes) {
  struct pair p = gen("::ffff:10.0.0.1");
  static const uint8_t san[] = {0x30, 0x06, 0x87, 0x04, 10, 0, 0, 1};
  assert_ext(p.cert, 3, NID_subject_alt_name, 0, san, sizeof san);
  ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(X509_get_subject_name(p.cert), 0));
  ck_assert_int_eq(ASN1_STRING_length(cn), 15); /* CN is the hostname verbatim */
  pair_free(&p);
}
END_TEST

START_TEST(generated_serial_positive_below_2_128) {
  int wide = 0;
  for (int i = 0; i < 24; i++) {
    struct pair p = gen("127.0.0.1");
    const ASN1_INTEGER *serial = X509_get0_serialNumber(p.cert);
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    ck_assert_ptr_nonnull(bn);
    ck_assert(!BN_is_negative(bn));
    ck_assert_int_le(BN_num_bits(bn), 128);
    if (BN_num_bits(bn) > 100) wide++;
    /* DER: a positive INTEGER of up to 16 bytes, plus a 00 when the top bit is set. */
    unsigned char *der = NULL;
    int len = i2d_ASN1_INTEGER(serial, &der);
    ck_assert_int_le(len, 2 + 17);
    ck_assert_uint_eq(der[0], 0x02);
    ck_assert_uint_lt(der[2], 0x80);
    OPENSSL_free(der);
    BN_free(bn);
    pair_free(&p);
  }
  ck_assert_int_gt(wide, 12); /* random 128-bit values are almost always > 100 bits */
}
END_TEST

START_TEST(one_calendar_year_from_leap_day) {
  /* 2024-02-29 12:00:00 UTC + 1 year = 2025-03-01 12:00:00 UTC (Go's AddDate). */
  const int64_t leap = 1709208000LL;
  X509 *x;
  EVP_PKEY *k;
  ck_assert_int_eq(ipcert_generate("10.1.2.3", leap, &x, &k), IPCERT_OK);
  ck_assert_int_eq(asn1_time_unix(X509_get0_notBefore(x)), leap);
  ck_assert_int_eq(asn1_time_unix(X509_get0_notAfter(x)), 1740830400LL);
  const ASN1_TIME *na = X509_get0_notAfter(x);
  ck_assert_int_eq(ASN1_STRING_type(na), V_ASN1_UTCTIME);
  ck_assert_mem_eq(ASN1_STRING_get0_data(na), "250301120000Z", 13);
  X509_free(x);
  EVP_PKEY_free(k);
}
END_TEST

START_TEST(generate_refuses_non_ip) {
  X509 *x = (X509 *)1;
  EVP_PKEY *k = (EVP_PKEY *)1;
  ck_assert_int_eq(ipcert_generate("derp.example.com", NOW, &x, &k), IPCERT_ERR_ARG);
  ck_assert_ptr_null(x);
  ck_assert_ptr_null(k);
  ck_assert_int_eq(ipcert_generate("1.2.3.4:443", NOW, &x, &k), IPCERT_ERR_ARG);
}
END_TEST

START_TEST(generated_pem_holds_one_block_each) {
  struct ipcert_pem_pair pem;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(ipcert_generate_pem("1.2.3.4", NOW, &pem, err, sizeof err), IPCERT_OK);
  char *crt = strndup((const char *)pem.crt, pem.crt_len),
       *key = strndup((const char *)pem.key, pem.key_len);
  ck_assert_uint_eq(count_of(crt, "-----BEGIN "), 1);
  ck_assert(strncmp(crt, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
  ck_assert_uint_eq(count_of(key, "-----BEGIN "), 1);
  ck_assert(strncmp(key, "-----BEGIN EC PRIVATE KEY-----\n", 31) == 0);
  /* The key is the certificate's, and the pair is one the loader accepts. */
  struct ipcert_chain c;
  ck_assert_int_eq(
      ipcert_chain_from_pem(pem.crt, pem.crt_len, pem.key, pem.key_len, &c, err, sizeof err),
      IPCERT_OK);
  ck_assert_uint_eq(c.count, 1);
  ipcert_chain_free(&c);
  free(crt);
  free(key);
  ipcert_pem_pair_free(&pem);
  ck_assert_ptr_null(pem.key);
  ck_assert_int_eq(ipcert_generate_pem("derp.example.com", NOW, &pem, err, sizeof err),
                   IPCERT_ERR_ARG);
  ck_assert_str_eq(err, "failed to create certificate: unusable hostname or certdir");
}
END_TEST

/* ---- (c) load-or-generate ---- */

START_TEST(key_formats_pkcs8_sec1_pkcs1_accepted) {
  struct pair p = gen("1.2.3.4");
  char crt[4096] = "", key[4096];
  pem_cert(p.cert, crt, sizeof crt);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  pem_key(p.key, KEY_PKCS8, key, sizeof key);
  ck_assert(strstr(key, "BEGIN PRIVATE KEY") != NULL);
  ck_assert_int_eq(ipcert_chain_from_pem((uint8_t *)crt, strlen(crt), (uint8_t *)key, strlen(key),
                                         &c, err, sizeof err),
                   IPCERT_OK);
  ipcert_chain_free(&c);
  pem_key(p.key, KEY_TRADITIONAL, key, sizeof key);
  ck_assert(strstr(key, "BEGIN EC PRIVATE KEY") != NULL);
  ck_assert_int_eq(ipcert_chain_from_pem((uint8_t *)crt, strlen(crt), (uint8_t *)key, strlen(key),
                                         &c, err, sizeof err),
                   IPCERT_OK);
  ipcert_chain_free(&c);
  /* `openssl ecparam -genkey` output: an EC PARAMETERS block before the key. */
  char with_params[4200];
  snprintf(with_params, sizeof with_params,
           "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n%s", key);
  ck_assert_int_eq(ipcert_chain_from_pem((uint8_t *)crt, strlen(crt), (uint8_t *)with_params,
                                         strlen(with_params), &c, err, sizeof err),
                   IPCERT_OK);
  ipcert_chain_free(&c);
  pair_free(&p);

  /* PKCS#1: an RSA certificate made here with plain OpenSSL. */
  EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  ck_assert_ptr_nonnull(rsa);
  X509 *x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_NAME_add_entry_by_NID(X509_get_subject_name(x), NID_commonName, MBSTRING_ASC,
                             (const unsigned char *)"rsa", -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  ASN1_TIME_set(X509_getm_notBefore(x), NOW);
  ASN1_TIME_set(X509_getm_notAfter(x), NOW + 86400);
  X509_set_pubkey(x, rsa);
  ck_assert_int_gt(X509_sign(x, rsa, EVP_sha256()), 0);
  crt[0] = '\0';
  pem_cert(x, crt, sizeof crt);
  pem_key(rsa, KEY_TRADITIONAL, key, sizeof key);
  ck_assert(strstr(key, "BEGIN RSA PRIVATE KEY") != NULL);
  ck_assert_int_eq(ipcert_chain_from_pem((uint8_t *)crt, strlen(crt), (uint8_t *)key, strlen(key),
                                         &c, err, sizeof err),
                   IPCERT_OK);
  ipcert_chain_free(&c);
  X509_free(x);
  EVP_PKEY_free(rsa);
}
END_TEST

static enum ipcert_status from_pem(const char *crt, const char *key, char *err, size_t cap) {
  struct ipcert_chain c;
  enum ipcert_status st = ipcert_chain_from_pem((const uint8_t *)crt, strlen(crt),
                                                (const uint8_t *)key, strlen(key), &c, err, cap);
  ipcert_chain_free(&c);
  return st;
}

/* A leaf whose signature BIT STRING says "1 unused bit" and sets it: OpenSSL
 * parses it but re-encodes it with the bit cleared, so the bytes on the wire
 * would differ from the file the snippet's pin was computed over (found by
 * fuzz target ipcert_pem; corpus/regressions/ipcert_pem/). */
START_TEST(pem_refuses_leaf_that_openssl_would_reencode) {
  struct pair p = gen("1.2.3.4");
  unsigned char *der = NULL;
  int len = i2d_X509(p.cert, &der);
  ck_assert_int_gt(len, 0);
  int at = -1; /* the signature: the last TLV, a short-form BIT STRING */
  for (int k = len - 3; k > 0 && at < 0; k--)
    if (der[k] == 0x03 && der[k + 1] == len - k - 2 && der[k + 2] == 0x00) at = k;
  ck_assert_int_ge(at, 0);
  der[at + 2] = 0x01;
  der[len - 1] |= 0x01;
  const unsigned char *q = der;
  X509 *odd = d2i_X509(NULL, &q, len);
  ck_assert_ptr_nonnull(odd); /* OpenSSL accepts it... */
  unsigned char *again = NULL;
  int again_len = i2d_X509(odd, &again);
  ck_assert(again_len != len || memcmp(again, der, (size_t)len) != 0); /* ...and re-encodes it */
  char b64[2048];
  int n = EVP_EncodeBlock((unsigned char *)b64, der, len);
  char crt[4096] = "-----BEGIN CERTIFICATE-----\n", key[4096], err[IPCERT_ERR_SIZE];
  size_t used = strlen(crt);
  for (int i = 0; i < n; i += 64) {
    size_t line = (size_t)(n - i < 64 ? n - i : 64);
    memcpy(crt + used, b64 + i, line);
    used += line;
    crt[used++] = '\n';
  }
  crt[used] = '\0';
  strcat(crt, "-----END CERTIFICATE-----\n");
  pem_key(p.key, KEY_PKCS8, key, sizeof key);
  ck_assert_int_eq(from_pem(crt, key, err, sizeof err), IPCERT_ERR_CERT);
  ck_assert_str_eq(err, "x509: malformed certificate (not DER: would be re-encoded)");
  OPENSSL_free(again);
  OPENSSL_free(der);
  X509_free(odd);
  pair_free(&p);
}
END_TEST

START_TEST(pem_error_texts_match_go) {
  struct pair p = gen("1.2.3.4");
  char crt[4096] = "", key[4096], err[IPCERT_ERR_SIZE];
  pem_cert(p.cert, crt, sizeof crt);
  pem_key(p.key, KEY_PKCS8, key, sizeof key);
  ck_assert_int_eq(from_pem(crt, "", err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(err, "tls: failed to find any PEM data in key input");
  ck_assert_int_eq(from_pem(crt, crt, err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(err,
                   "tls: found a certificate rather than a key in the PEM for the private key");
  ck_assert_int_eq(from_pem(key, key, err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(
      err,
      "tls: failed to find certificate PEM data in certificate input, but did find a private "
      "key; PEM inputs may have been switched");
  const char *csr =
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"
      "-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n";
  ck_assert_int_eq(from_pem(csr, key, err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(
      err,
      "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM "
      "blocks of the following types: [CERTIFICATE REQUEST NONSENSE]");
  ck_assert_int_eq(from_pem(crt, csr, err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(
      err,
      "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after "
      "skipping PEM blocks of the following types: [CERTIFICATE REQUEST NONSENSE]");
  ck_assert_int_eq(from_pem(crt, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                            err, sizeof err),
                   IPCERT_ERR_KEY);
  ck_assert_str_eq(err, "tls: failed to parse private key");
  ck_assert_int_eq(from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key,
                            err, sizeof err),
                   IPCERT_ERR_CERT);
  ck_assert_str_eq(err, "x509: malformed certificate");
  pair_free(&p);
}
END_TEST

START_TEST(key_type_mismatch_text) {
  struct pair p = gen("1.2.3.4");
  EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  char crt[4096] = "", key[4096], err[IPCERT_ERR_SIZE];
  pem_cert(p.cert, crt, sizeof crt);
  pem_key(ed, KEY_PKCS8, key, sizeof key);
  ck_assert_int_eq(from_pem(crt, key, err, sizeof err), IPCERT_ERR_KEY_MISMATCH);
  ck_assert_str_eq(err, "tls: private key type does not match public key type");
  EVP_PKEY_free(ed);
  pair_free(&p);
}
END_TEST

START_TEST(should_generate_only_missing_files_of_an_ip) {
  ck_assert(ipcert_should_generate(IPCERT_ERR_NOT_FOUND, "1.2.3.4"));
  ck_assert(ipcert_should_generate(IPCERT_ERR_NOT_FOUND, "2001:db8::1"));
  ck_assert(!ipcert_should_generate(IPCERT_ERR_NOT_FOUND, "derp.example.com"));
  ck_assert(!ipcert_should_generate(IPCERT_ERR_IO, "1.2.3.4"));
  ck_assert(!ipcert_should_generate(IPCERT_OK, "1.2.3.4"));
}
END_TEST

START_TEST(accept_pair_messages_name_hostname_and_cause) {
  struct ipcert_paths paths;
  ck_assert_int_eq(ipcert_file_paths("/certs", "1.2.3.4", &paths), IPCERT_OK);
  struct pair a = gen("1.2.3.4"), b = gen("5.6.7.8");
  static char crt[1 << 14], key[1 << 14];
  crt[0] = '\0';
  pem_cert(a.cert, crt, sizeof crt);
  pem_key(b.key, KEY_PKCS8, key, sizeof key);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(ipcert_accept_pair("1.2.3.4", &paths, (uint8_t *)crt, strlen(crt),
                                      (uint8_t *)key, strlen(key), &c, err, sizeof err),
                   IPCERT_ERR_KEY_MISMATCH);
  ck_assert_str_eq(err,
                   "can not load x509 key pair for hostname \"1.2.3.4\": tls: private key does not "
                   "match public key");
  crt[0] = '\0';
  pem_cert(b.cert, crt, sizeof crt);
  ck_assert_int_eq(ipcert_accept_pair("1.2.3.4", &paths, (uint8_t *)crt, strlen(crt),
                                      (uint8_t *)key, strlen(key), &c, err, sizeof err),
                   IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(
      err,
      "cert invalid for hostname \"1.2.3.4\": x509: certificate is valid for 5.6.7.8, not 1.2.3.4");
  ck_assert_uint_eq(c.count, 0);
  ck_assert_int_eq(ipcert_accept_pair("5.6.7.8", &paths, (uint8_t *)crt, strlen(crt),
                                      (uint8_t *)key, strlen(key), &c, err, sizeof err),
                   IPCERT_OK);
  ck_assert_uint_eq(c.count, 1);
  ipcert_chain_free(&c);
  ck_assert_int_eq(ipcert_load_failed(IPCERT_ERR_NOT_FOUND, &paths,
                                      "open x: no such file or directory", err, sizeof err),
                   IPCERT_ERR_NOT_FOUND);
  ck_assert_str_eq(
      err,
      "can not load x509 key pair for hostname \"1.2.3.4\": open x: no such file or directory");
  pair_free(&a);
  pair_free(&b);
}
END_TEST

/* ---- hostname rules ---- */

START_TEST(hostname_ip_matches_v4_mapped_and_brackets) {
  struct pair p = gen("1.2.3.4");
  char err[256];
  ck_assert_int_eq(ipcert_verify_hostname(p.cert, "1.2.3.4", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(p.cert, "::ffff:1.2.3.4", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(p.cert, "[1.2.3.4]", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(p.cert, "1.2.3.5", err, sizeof err), IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(err, "x509: certificate is valid for 1.2.3.4, not 1.2.3.5");
  ck_assert_int_eq(ipcert_verify_hostname(p.cert, "derp.example.com", err, sizeof err),
                   IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(
      err, "x509: certificate is not valid for any names, but wanted to match derp.example.com");
  pair_free(&p);
  struct pair v6 = gen("2001:db8:0:0:1:0:0:1");
  ck_assert_int_eq(ipcert_verify_hostname(v6.cert, "::1", err, sizeof err), IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(err, "x509: certificate is valid for 2001:db8::1:0:0:1, not ::1");
  pair_free(&v6);
}
END_TEST

/* A self-signed P-256 cert with the given CN and DNS SANs (none: no SAN extension). */
static X509 *dns_cert(const char *cn, const char *const *dns, size_t n, EVP_PKEY **key) {
  *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_NAME_add_entry_by_NID(X509_get_subject_name(x), NID_commonName, MBSTRING_ASC,
                             (const unsigned char *)cn, -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  ASN1_TIME_set(X509_getm_notBefore(x), NOW);
  ASN1_TIME_set(X509_getm_notAfter(x), NOW + 86400);
  X509_set_pubkey(x, *key);
  if (n > 0) {
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    for (size_t i = 0; i < n; i++) {
      GENERAL_NAME *gn = GENERAL_NAME_new();
      ASN1_IA5STRING *s = ASN1_IA5STRING_new();
      ASN1_STRING_set(s, dns[i], -1);
      GENERAL_NAME_set0_value(gn, GEN_DNS, s);
      sk_GENERAL_NAME_push(names, gn);
    }
    X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(names);
  }
  ck_assert_int_gt(X509_sign(x, *key, EVP_sha256()), 0);
  return x;
}

START_TEST(hostname_dns_rules) {
  EVP_PKEY *k;
  const char *names[] = {"derp.example.com", "*.relay.example.net"};
  X509 *x = dns_cert("ignored", names, 2, &k);
  char err[256];
  ck_assert_int_eq(ipcert_verify_hostname(x, "derp.example.com", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(x, "DERP.Example.com.", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(x, "a.relay.example.net", err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(ipcert_verify_hostname(x, "a.b.relay.example.net", err, sizeof err),
                   IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(err,
                   "x509: certificate is valid for derp.example.com, *.relay.example.net, not "
                   "a.b.relay.example.net");
  ck_assert_int_eq(ipcert_verify_hostname(x, "1.2.3.4", err, sizeof err), IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(
      err, "x509: cannot validate certificate for 1.2.3.4 because it doesn't contain any IP SANs");
  X509_free(x);
  EVP_PKEY_free(k);
}
END_TEST

START_TEST(hostname_cn_only_is_legacy_error) {
  EVP_PKEY *k;
  X509 *x = dns_cert("1.2.3.4", NULL, 0, &k);
  char err[256];
  ck_assert_int_eq(ipcert_verify_hostname(x, "1.2.3.4", err, sizeof err), IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(err, "x509: certificate relies on legacy Common Name field, use SANs instead");
  X509_free(x);
  EVP_PKEY_free(k);
}
END_TEST

/* ---- (d) snippet ---- */

/* SHA-256("abc") (FIPS 180-2 test vector). */
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

START_TEST(snippet_ipv4_byte_exact) {
  char out[IPCERT_SNIPPET_MAX];
  ck_assert(ipcert_snippet("203.0.113.7", (const uint8_t *)"abc", 3, NOW, 0, out, sizeof out));
  ck_assert_str_eq(out,
                   "2023/11/14 22:13:20 Using self-signed certificate for IP address "
                   "\"203.0.113.7\". Configure it "
                   "in DERPMap using: (https://tailscale.com/s/custom-derp)\n"
                   "  "
                   "{\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"203.0.113.7\","
                   "\"CertName\":\"sha256-raw:" ABC_SHA256 "\"}\n");
}
END_TEST

START_TEST(snippet_ipv6_byte_exact_local_time) {
  char out[IPCERT_SNIPPET_MAX];
  /* Go's logger prints local time: a +01:00 zone turns 22:13:20Z into 23:13:20. */
  ck_assert(ipcert_snippet("2001:db8::1", (const uint8_t *)"abc", 3, NOW, 3600, out, sizeof out));
  ck_assert_str_eq(out,
                   "2023/11/14 23:13:20 Using self-signed certificate for IP address "
                   "\"2001:db8::1\". Configure it "
                   "in DERPMap using: (https://tailscale.com/s/custom-derp)\n"
                   "  "
                   "{\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"2001:db8::1\","
                   "\"CertName\":\"sha256-raw:" ABC_SHA256 "\"}\n");
}
END_TEST

START_TEST(snippet_hash_is_sha256_of_leaf_der) {
  struct ipcert_pem_pair pem;
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(ipcert_generate_pem("127.0.0.1", NOW, &pem, err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(
      ipcert_chain_from_pem(pem.crt, pem.crt_len, pem.key, pem.key_len, &c, err, sizeof err),
      IPCERT_OK);
  ipcert_pem_pair_free(&pem);
  char out[IPCERT_SNIPPET_MAX];
  ck_assert(ipcert_snippet("127.0.0.1", c.der[0].ptr, c.der[0].len, NOW, 0, out, sizeof out));
  const char *at = strstr(out, "sha256-raw:");
  ck_assert_ptr_nonnull(at);
  at += strlen("sha256-raw:");
  /* Independent hash of the leaf as OpenSSL re-encodes it. */
  unsigned char md[32];
  unsigned int md_len = 0;
  ck_assert_int_eq(X509_digest(c.x509[0], EVP_sha256(), md, &md_len), 1);
  char hex[65];
  derp_hex_lower(md, sizeof md, hex);
  ck_assert(strncmp(at, hex, 64) == 0);
  ck_assert(strncmp(at + 64, "\"}\n", 3) == 0);
  char name[80];
  ck_assert(ipcert_cert_name(c.der[0].ptr, c.der[0].len, name, sizeof name));
  ck_assert_uint_eq(strlen(name), 75);
  ck_assert(strncmp(name + 11, hex, 64) == 0);
  ipcert_chain_free(&c);
}
END_TEST

START_TEST(snippet_refuses_dns_hostname_and_small_buffer) {
  char out[IPCERT_SNIPPET_MAX];
  ck_assert(
      !ipcert_snippet("derp.example.com", (const uint8_t *)"abc", 3, NOW, 0, out, sizeof out));
  ck_assert(!ipcert_snippet("1.2.3.4", (const uint8_t *)"abc", 3, NOW, 0, out, 100));
  ck_assert(!ipcert_snippet("1.2.3.4", NULL, 0, NOW, 0, out, sizeof out));
}
END_TEST

static Suite *ipcert_suite(void) {
  Suite *s = suite_create("ipcert");
  TCase *naming = tcase_create("naming");
  tcase_add_test(naming, name_ipv4_is_kept);
  tcase_add_test(naming, name_ipv6_drops_colons);
  tcase_add_test(naming, name_dns_is_kept);
  tcase_add_test(naming, name_odd_chars_deleted);
  tcase_add_test(naming, paths_join_certdir);
  suite_add_tcase(s, naming);
  TCase *gen_tc = tcase_create("generate");
  tcase_add_test(gen_tc, generated_profile_fields);
  tcase_add_test(gen_tc, generated_extensions_in_go_order);
  tcase_add_test(gen_tc, generated_ipv6_san_is_16_bytes);
  tcase_add_test(gen_tc, generated_v4_mapped_san_is_4_bytes);
  tcase_add_test(gen_tc, generated_serial_positive_below_2_128);
  tcase_add_test(gen_tc, one_calendar_year_from_leap_day);
  tcase_add_test(gen_tc, generate_refuses_non_ip);
  tcase_add_test(gen_tc, generated_pem_holds_one_block_each);
  suite_add_tcase(s, gen_tc);
  TCase *load = tcase_create("load");
  tcase_add_test(load, should_generate_only_missing_files_of_an_ip);
  tcase_add_test(load, accept_pair_messages_name_hostname_and_cause);
  tcase_add_test(load, key_formats_pkcs8_sec1_pkcs1_accepted);
  tcase_add_test(load, pem_error_texts_match_go);
  tcase_add_test(load, key_type_mismatch_text);
  suite_add_tcase(s, load);
  TCase *host = tcase_create("hostname");
  tcase_add_test(host, hostname_ip_matches_v4_mapped_and_brackets);
  tcase_add_test(host, hostname_dns_rules);
  tcase_add_test(host, hostname_cn_only_is_legacy_error);
  suite_add_tcase(s, host);
  TCase *snip = tcase_create("snippet");
  tcase_add_test(snip, snippet_ipv4_byte_exact);
  tcase_add_test(snip, snippet_ipv6_byte_exact_local_time);
  tcase_add_test(snip, snippet_hash_is_sha256_of_leaf_der);
  tcase_add_test(snip, snippet_refuses_dns_hostname_and_small_buffer);
  tcase_add_test(snip, pem_refuses_leaf_that_openssl_would_reencode);
  suite_add_tcase(s, snip);
  return s;
}

CHECK_MAIN(ipcert_suite)
