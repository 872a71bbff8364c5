/* ipcert: the relay's certificate in `--certmode manual` (spec §1.3-1.5).
 *
 * Why: a self-hosted relay addressed by a bare IP cannot get a public CA
 * certificate, so derper generates a self-signed one for the IP, stores it
 * in certdir, and prints the DERPMap node that pins its SHA-256
 * (`CertName: "sha256-raw:<hex>"`). This module reproduces that:
 *
 *   (a) file naming: <certdir>/<name>.crt|.key, name = hostname minus every
 *       character outside [a-zA-Z0-9-.];
 *   (b) generation with derper's profile (§1.4): P-256 key, random serial in
 *       [0, 2^128), CN = hostname (PrintableString), issuer == subject,
 *       notBefore = now, notAfter = now + 1 calendar year (UTC; Feb 29 + 1y is
 *       Mar 1), then critical keyUsage (digitalSignature, keyEncipherment),
 *       extKeyUsage serverAuth, critical basicConstraints cA=FALSE, and a SAN
 *       with exactly one iPAddress, signed ecdsa-with-SHA256. Files: directory
 *       0700 if created, .crt 0644 (one CERTIFICATE block), .key 0600 (one
 *       EC PRIVATE KEY block, SEC1);
 *   (c) load-or-generate, §1.3 steps 1-6: the decisions and derper's error
 *       texts, on the files' bytes;
 *   (d) the two-line DERPMap snippet derper logs (§1.5), byte for byte.
 *
 * Time is always a parameter (Unix seconds); nothing here reads the clock,
 * and nothing here touches a file: derp-relay's relay_certdir reads and
 * writes certdir around these functions.
 * Error texts mirror Go's (crypto/tls X509KeyPair, x509 VerifyHostname) so
 * logs compare with upstream derper. */
#ifndef DERP_IPCERT_H
#define DERP_IPCERT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "derp/cert_fields.h"

#define IPCERT_MAX_CHAIN 16 /* certificates kept from a .crt */
#define IPCERT_MAX_FILE_BYTES \
  (1u << 20)                /* .crt / .key (or PEM input) larger than this are refused */
#define IPCERT_NAME_MAX 250 /* file stem; + ".crt" stays under NAME_MAX */
#define IPCERT_HOSTNAME_MAX 1024
#define IPCERT_ERR_SIZE 8192 /* room for any message (paths included) */
#define IPCERT_SNIPPET_MAX 512
#define IPCERT_CERTNAME_PREFIX "sha256-raw:"

enum ipcert_status {
  IPCERT_OK = 0,
  IPCERT_ERR_ARG,          /* unusable hostname/certdir (empty, too long, not an IP where needed) */
  IPCERT_ERR_NOT_FOUND,    /* .crt or .key does not exist (and no generation allowed) */
  IPCERT_ERR_IO,           /* other read error */
  IPCERT_ERR_TOO_LARGE,    /* file over IPCERT_MAX_FILE_BYTES, or too many certificates */
  IPCERT_ERR_PEM,          /* no CERTIFICATE block / no PRIVATE KEY block */
  IPCERT_ERR_CERT,         /* a CERTIFICATE block is not an X.509 certificate */
  IPCERT_ERR_KEY,          /* the key block does not parse, or is of an unusable type */
  IPCERT_ERR_KEY_MISMATCH, /* key does not belong to the first certificate */
  IPCERT_ERR_HOSTNAME,     /* first certificate not valid for the hostname */
  IPCERT_ERR_GENERATE,     /* OpenSSL failed while generating */
  IPCERT_ERR_WRITE,        /* creating the directory or writing a file failed */
};
const char *ipcert_status_str(enum ipcert_status st);

/* (a) ---------------------------------------------------------------- */

struct ipcert_paths {
  char name[IPCERT_NAME_MAX + 1];
  char crt[PATH_MAX];
  char key[PATH_MAX];
};

/* name only; false when it would not fit in cap (needs IPCERT_NAME_MAX + 1). */
bool ipcert_file_name(const char *hostname, char *out, size_t cap);
/* certdir joined with name + ".crt"/".key" (one '/' between, trailing
 * slashes of certdir dropped). IPCERT_ERR_ARG when too long or certdir empty. */
enum ipcert_status ipcert_file_paths(const char *certdir, const char *hostname,
                                     struct ipcert_paths *out);

/* (b) ---------------------------------------------------------------- */

/* Fresh self-signed certificate and key for an IP hostname. The SAN holds 4
 * bytes for an IPv4 (incl. IPv4-mapped) address, 16 otherwise, as Go does. */
enum ipcert_status ipcert_generate(const char *ip_hostname, int64_t now, X509 **cert_out,
                                   EVP_PKEY **key_out);

/* A generated pair as the files hold it: .crt one CERTIFICATE block, .key one
 * EC PRIVATE KEY block (SEC1). */
struct ipcert_pem_pair {
  uint8_t *crt;
  size_t crt_len;
  uint8_t *key;
  size_t key_len;
};
/* ipcert_generate, then both PEM texts. err gets derper's wording ("failed to
 * create certificate: ...", "unable to marshal key"). */
enum ipcert_status ipcert_generate_pem(const char *ip_hostname, int64_t now,
                                       struct ipcert_pem_pair *out, char *err, size_t err_cap);
/* Frees both texts (the key's wiped first). */
void ipcert_pem_pair_free(struct ipcert_pem_pair *pair);

/* (c) ---------------------------------------------------------------- */

/* A loaded key pair: the served chain in .crt order ([0] = leaf). `der[i]`
 * holds the exact bytes of the PEM block (what a pin hashes), `x509[i]` the
 * parsed certificate for the TLS stack, `key` the leaf's private key. */
struct ipcert_chain {
  size_t count;
  struct der_slice der[IPCERT_MAX_CHAIN];
  X509 *x509[IPCERT_MAX_CHAIN];
  EVP_PKEY *key;
  bool generated;   /* true when load-or-generate made new files (set by the reader) */
  uint8_t *storage; /* owns every der[i].ptr */
};

/* Pure core of Go's tls.X509KeyPair: every CERTIFICATE block of crt_pem in
 * order; the first block of key_pem whose type is "PRIVATE KEY" or ends in
 * " PRIVATE KEY" (PKCS#1, PKCS#8 or SEC1); the key must match the leaf. err
 * gets Go's text (e.g. "tls: private key does not match public key"). */
enum ipcert_status ipcert_chain_from_pem(const uint8_t *crt_pem, size_t crt_len,
                                         const uint8_t *key_pem, size_t key_len,
                                         struct ipcert_chain *out, char *err, size_t err_cap);
void ipcert_chain_free(struct ipcert_chain *chain);

/* Go's (*x509.Certificate).VerifyHostname: an IP literal (optionally in [])
 * matches only iPAddress SANs (IPv4 equal to its IPv4-mapped form), a DNS
 * name only dNSName SANs (case-insensitive, "*." wildcard for one leftmost
 * label). err gets Go's HostnameError text. */
enum ipcert_status ipcert_verify_hostname(X509 *leaf, const char *hostname, char *err,
                                          size_t err_cap);

/* Spec §1.3 steps 1-4 around the reading of <certdir>/<name>.crt/.key (Go's
 * tls.LoadX509KeyPair: the .crt first, IPCERT_ERR_NOT_FOUND when one is
 * missing) and the writing of a generated pair. */

/* Step 2: generate (and write) a pair when a file is missing and the hostname
 * is an IP literal; otherwise the read failure is fatal. */
bool ipcert_should_generate(enum ipcert_status read_status, const char *hostname);
/* The fatal message for a pair that could not be read, written or parsed,
 * `can not load x509 key pair for hostname "<name>": <cause>`; returns st. */
enum ipcert_status ipcert_load_failed(enum ipcert_status st, const struct ipcert_paths *paths,
                                      const char *cause, char *err, size_t err_cap);
/* Steps 3-4 on the two files' bytes: ipcert_chain_from_pem, then the leaf
 * must be valid for hostname. On error err holds the fatal message, either
 * ipcert_load_failed's or `cert invalid for hostname "<hostname>": <cause>`,
 * and the status names the cause. Step 5 (printing) is ipcert_snippet. */
enum ipcert_status ipcert_accept_pair(const char *hostname, const struct ipcert_paths *paths,
                                      const uint8_t *crt_pem, size_t crt_len,
                                      const uint8_t *key_pem, size_t key_len,
                                      struct ipcert_chain *out, char *err, size_t err_cap);

/* (d) ---------------------------------------------------------------- */

/* The exact text derper's log.Printf emits for an IP hostname, two lines
 * each ending in '\n':
 *   YYYY/MM/DD HH:MM:SS Using self-signed certificate for IP address "<ip>". Configure it in DERPMap using: (https://tailscale.com/s/custom-derp)
 *     {"Name":"custom","RegionID":900,"HostName":"<ip>","CertName":"sha256-raw:<sha256 of leaf DER>"}
 * The timestamp is `now + utc_offset` (Go's logger uses local time: pass
 * tm_gmtoff for that, 0 for UTC). False if hostname is not an IP literal or
 * out is too small (IPCERT_SNIPPET_MAX always suffices). */
bool ipcert_snippet(const char *hostname, const uint8_t *leaf_der, size_t leaf_len, int64_t now,
                    int32_t utc_offset, char *out, size_t cap);
/* Just the CertName value: "sha256-raw:" + 64 lowercase hex (76 chars + NUL). */
bool ipcert_cert_name(const uint8_t *leaf_der, size_t leaf_len, char *out, size_t cap);

#endif
