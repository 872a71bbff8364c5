/* cert_factory: reproducible X.509 certificates for tests, corpora and
 * conformance scenarios.
 *
 * Why: pinning, metacert parsing and the relay's TLS all depend on exact
 * certificate bytes (a pin is the SHA-256 of the DER), so test material must
 * be byte-identical from run to run and describable as data: "a derper IP
 * cert for 127.0.0.1 that expired yesterday", "a metacert with serial 256",
 * "a leaf signed by a test CA". The factory turns a cert_spec into DER + key
 * with OpenSSL, deterministically for a given factory seed:
 *   - EC keys: the private scalar is derived from SHA-256(seed, label, ...);
 *     Ed25519 keys from the same hash; RSA keys from det_rand reseeded with
 *     that hash (so they are stable for one OpenSSL build);
 *   - signatures: ECDSA nonces come from det_rand (see det_rand.h), reseeded
 *     per certificate from (seed, label), inside a private OSSL_LIB_CTX, so
 *     the process's default context and its real DRBG are never touched;
 *   - a certificate's bytes depend only on the seed and its spec (and its
 *     issuer), not on what else the factory made before.
 * Not for production keys: the derivation is public.
 *
 * Beside derper's own shapes it issues web-PKI shapes (CERT_EXT_WEB_*): a
 * root, an intermediate the root signs, and a leaf the intermediate signs,
 * with the extensions public CAs put in (cert_factory_web.c). */
#ifndef HARNESS_CERT_FACTORY_H
#define HARNESS_CERT_FACTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

enum cert_key_type {
  CERT_KEY_P256 = 0, /* ecdsa-with-SHA256 */
  CERT_KEY_P384,     /* ecdsa-with-SHA384 */
  CERT_KEY_ED25519,  /* Ed25519 */
  CERT_KEY_RSA2048,  /* sha256WithRSAEncryption */
};

enum cert_serial_kind {
  CERT_SERIAL_SMALL = 0, /* serial_small */
  CERT_SERIAL_RANDOM128, /* uniform in [0, 2^128) from (seed, label), like derper */
  CERT_SERIAL_BYTES,     /* serial_bytes as big-endian two's complement: zero,
                            negative, huge; re-encoded minimally by OpenSSL */
};

enum cert_ext_profile {
  /* §1.4, Go's order: keyUsage (crit, digitalSignature|keyEncipherment),
   * extKeyUsage serverAuth, basicConstraints (crit, cA FALSE), SAN. */
  CERT_EXT_DERPER_IP = 0,
  /* §2: exactly one extension, basicConstraints critical cA FALSE (30 00).
   * SANs, if given anyway, follow it. */
  CERT_EXT_METACERT,
  /* Test CA: basicConstraints (crit, cA TRUE), keyUsage (crit,
   * digitalSignature|keyCertSign|cRLSign), then SANs if any. */
  CERT_EXT_CA,
  /* No extensions at all except SANs when some are given. */
  CERT_EXT_NONE,
  /* Web-PKI shapes, in the extension order Let's Encrypt issues (the key
   * identifiers are computed from the keys, SHA-1 of the subjectPublicKey):
   * root: keyUsage (crit, keyCertSign|cRLSign), basicConstraints (crit, cA
   * TRUE), SKI; then SANs if any. */
  CERT_EXT_WEB_ROOT,
  /* intermediate: keyUsage (crit, digitalSignature|keyCertSign|cRLSign),
   * extKeyUsage clientAuth+serverAuth, basicConstraints (crit, cA TRUE,
   * pathLen 0), SKI, AKI (keyIdentifier of the issuer), AIA caIssuers,
   * certificatePolicies 2.23.140.1.2.1 with a CPS qualifier, CRL DP; then
   * SANs if any. Needs an issuer. */
  CERT_EXT_WEB_INTERMEDIATE,
  /* leaf: keyUsage (crit, digitalSignature, + keyEncipherment for RSA: the
   * BIT STRING has unused bits), extKeyUsage serverAuth+clientAuth,
   * basicConstraints (crit, cA FALSE), SKI, AKI, AIA OCSP+caIssuers, SANs,
   * certificatePolicies 2.23.140.1.2.1, CRL DP, and an RFC 6962 SCT list
   * (1.3.6.1.4.1.11129.2.4.2) of two v1 SCTs with derived log IDs and
   * ECDSA-shaped signatures (well-formed, not verifiable). Needs an issuer. */
  CERT_EXT_WEB_LEAF,
};

enum cert_key_format {
  CERT_KEY_PEM_PKCS8 = 0,   /* "PRIVATE KEY" */
  CERT_KEY_PEM_TRADITIONAL, /* "EC PRIVATE KEY" (SEC1) as derper writes, "RSA PRIVATE KEY" */
};

/* An extension appended verbatim after the profile's ones (duplicates,
 * malformed values and unknown OIDs included: tests need them). */
struct cert_extra_ext {
  const char *oid; /* dotted text, e.g. "2.5.29.19" */
  bool critical;
  const uint8_t *value; /* the extnValue OCTET STRING contents */
  size_t value_len;
};

#define CERT_SPEC_MAX_SANS 8

/* One attribute of a Name, e.g. {"2.5.4.10", "Example Org", 0}. */
struct cert_name_attr {
  const char *oid; /* dotted: 2.5.4.6 C, .8 ST, .7 L, .10 O, .11 OU */
  const char *value;
  int asn1_type; /* V_ASN1_* string tag; 0 means PrintableString */
};

#define CERT_SPEC_MAX_NAME_ATTRS 4

struct cert_spec {
  /* Names the key and the signature stream: two specs with the same label
   * and key_type get the same key. NULL means "cert". */
  const char *label;
  enum cert_key_type key_type;

  /* Subject (and, when self-signed, issuer) = the name_attrs below, then
   * one RDN with one CN unless no_cn (no attributes and no_cn: the Name is
   * empty). cn_len 0 means strlen(cn). cn_asn1_type
   * is a V_ASN1_* string tag, 0 meaning V_ASN1_PRINTABLESTRING; the bytes are
   * stored as given (no 64-character limit, no charset check), so a
   * BMPString CN takes UCS-2BE bytes; OpenSSL still has to be able to copy
   * the name, which fails for BMPString/UniversalString bytes that are not
   * UCS-2BE/UCS-4BE (the factory then reports "cannot set names"). */
  bool no_cn;
  const char *cn;
  size_t cn_len;
  int cn_asn1_type;
  /* Attributes before the CN, one RDN each, in order (C, O... as CAs
   * write them). The bytes are stored as given, like the CN's. */
  struct cert_name_attr name_attrs[CERT_SPEC_MAX_NAME_ATTRS];
  size_t name_attr_count;

  enum cert_serial_kind serial_kind;
  uint64_t serial_small;
  const uint8_t *serial_bytes;
  size_t serial_len;

  /* Validity in Unix seconds, encoded as RFC 5280 wants (UTCTime for
   * 1950..2049, GeneralizedTime otherwise). A non-NULL *_text replaces the
   * encoding verbatim with that string and tag (*_text_type: V_ASN1_UTCTIME
   * or V_ASN1_GENERALIZEDTIME, 0 meaning UTCTime) so tests can build
   * fractional seconds, offsets or garbage. */
  int64_t not_before;
  int64_t not_after;
  const char *not_before_text;
  int not_before_text_type;
  const char *not_after_text;
  int not_after_text_type;

  /* SAN entries, DNS names first, then IPs, then URIs (Go's order). IPs
   * are textual IPv4/IPv6 ("127.0.0.1", "::1") and become 4 or 16 bytes. */
  const char *dns_sans[CERT_SPEC_MAX_SANS];
  size_t dns_san_count;
  const char *ip_sans[CERT_SPEC_MAX_SANS];
  size_t ip_san_count;
  const char *uri_sans[CERT_SPEC_MAX_SANS];
  size_t uri_san_count;

  enum cert_ext_profile ext_profile;
  const struct cert_extra_ext *extra_exts;
  size_t extra_ext_count;

  /* 0 means v3; 1 makes a v1 certificate (no version field). */
  int version;

  /* NULL: self-signed. Otherwise signed by this factory certificate's key,
   * with its subject as issuer name (must come from the same factory). */
  const struct factory_cert *issuer;
};

/* What the factory made. der/x509/key are owned by the struct: release with
 * factory_cert_free. x509 and key live in OpenSSL's default library context
 * (decoded from der and from the key's PKCS#8), so they can be handed to an
 * SSL_CTX directly. */
struct factory_cert {
  uint8_t *der;
  size_t der_len;
  X509 *x509;
  EVP_PKEY *key;
  char sha256_hex[65]; /* pin_hex_of_der(der): what a sha256-raw pin holds */
  /* private: the signing key inside the factory's context */
  EVP_PKEY *factory_key;
};

struct cert_factory;

struct cert_factory *cert_factory_new(uint64_t seed);
void cert_factory_free(struct cert_factory *f);
/* NULL on failure; cert_factory_error then says why. */
struct factory_cert *cert_factory_make(struct cert_factory *f, const struct cert_spec *spec);
const char *cert_factory_error(const struct cert_factory *f);
void factory_cert_free(struct factory_cert *c);

/* Specs for the two certificates a derper serves, with §1.4/§2 values.
 * derper IP cert: P-256, CN = ip (PrintableString), 128-bit serial,
 * notBefore = now, notAfter = now + 1 calendar year, one IP SAN.
 * metacert: Ed25519, serial 2, CN = cn (use cert_metacert_cn), validity
 * now +/- 30 days. `ip`/`cn` are borrowed, not copied. */
struct cert_spec cert_spec_derper_ip(const char *ip, int64_t now);
struct cert_spec cert_spec_metacert(const char *cn, int64_t now);
/* "derpkey" + 64 lowercase hex of the 32-byte DERP public key, NUL-terminated. */
void cert_metacert_cn(const uint8_t derp_public_key[32], char out[72]);
/* Go's time.AddDate(1, 0, 0) on a UTC instant (Feb 29 rolls to Mar 1). */
int64_t cert_add_one_year(int64_t unix_seconds);

/* Web-PKI specs (CERT_EXT_WEB_*), for a chain root -> intermediate -> leaf
 * as a public CA issues it. `rsa` picks the family: RSA-2048 throughout, or
 * ECDSA with a P-384 root and intermediate (so they sign with SHA-384) and a
 * P-256 leaf. Labels are "web-<rsa|ecdsa>-<role>" (so each has its own key),
 * serials 128-bit random, names PrintableString:
 *   root          C=US, O=Derpcheck Test PKI Z/1, CN=Derpcheck Root <R1|E1>
 *                 valid now-5y .. now+20y (days: -1825 .. +7300)
 *   intermediate  C=US, O=Derpcheck Test PKI Z/1, CN=Derpcheck Issuing CA <R2|E2>
 *                 valid now-365d .. now+1095d
 *   leaf          C=CH, ST=Zurich, O=Derpcheck Relays/Zone Z, CN=derp.test
 *                 valid now-1h .. now+90d; SANs DNS derp.test, *.derp.test,
 *                 IP 127.0.0.1, ::1, URI spiffe://derpcheck.example/relay/z1
 * `issuer` is borrowed (NULL for the root). */
struct cert_spec cert_spec_web_root(bool rsa, int64_t now);
struct cert_spec cert_spec_web_intermediate(bool rsa, const struct factory_cert *issuer,
                                            int64_t now);
struct cert_spec cert_spec_web_leaf(bool rsa, const struct factory_cert *issuer, int64_t now);

/* The three made from those specs. False after a failure, with every
 * member NULL (cert_factory_error says why). */
struct web_chain {
  struct factory_cert *root, *intermediate, *leaf;
};
bool cert_factory_make_web_chain(struct cert_factory *f, bool rsa, int64_t now,
                                 struct web_chain *out);
void web_chain_free(struct web_chain *c);

/* PEM writers: certificates in order (leaf first) to one file, mode 0644;
 * the key of `c` to another, mode 0600. */
bool factory_write_chain_pem(const char *path, const struct factory_cert *const *chain, size_t n);
bool factory_write_key_pem(const char *path, const struct factory_cert *c,
                           enum cert_key_format format);

#endif
