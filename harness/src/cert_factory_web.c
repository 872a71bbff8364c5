/* cert_factory_web: the web-PKI profiles (CERT_EXT_WEB_*) and their specs.
 *
 * Why: the pin verifier and the certificate reader had only met derper's
 * own shapes, but what an operator drops into a certdir is a CA-issued
 * chain. These are the extensions a public CA puts in, in the order Let's
 * Encrypt issues them; key identifiers are computed from the keys as RFC
 * 5280 §4.2.1.2 (1) says, SCTs are derived from the factory seed. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert_factory_internal.h"
#include "derp/guard.h"
#include "harness/cert_factory.h"

/* OID content octets. */
static const uint8_t oid_server_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
static const uint8_t oid_client_auth[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
static const uint8_t oid_ad_ocsp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
static const uint8_t oid_ad_ca_issuers[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02};
static const uint8_t oid_qt_cps[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01};
static const uint8_t oid_cabf_dv[] = {0x67, 0x81, 0x0c, 0x01, 0x02, 0x01}; /* 2.23.140.1.2.1 */

#define OID_KEY_USAGE "2.5.29.15"
#define OID_EXT_KEY_USAGE "2.5.29.37"
#define OID_BASIC_CONSTRAINTS "2.5.29.19"
#define OID_SUBJECT_KEY_ID "2.5.29.14"
#define OID_AUTHORITY_KEY_ID "2.5.29.35"
#define OID_AUTHORITY_INFO_ACCESS "1.3.6.1.5.5.7.1.1"
#define OID_SUBJECT_ALT_NAME "2.5.29.17"
#define OID_CERT_POLICIES "2.5.29.32"
#define OID_CRL_DP "2.5.29.31"
#define OID_SCT_LIST "1.3.6.1.4.1.11129.2.4.2"

#define URL_OCSP "http://ocsp.derp.test"
#define URL_ROOT_CERT "http://ca.derp.test/root.der"
#define URL_ISSUING_CERT "http://ca.derp.test/issuing-ca.der"
#define URL_ROOT_CRL "http://crl.derp.test/root.crl"
#define URL_ISSUING_CRL "http://crl.derp.test/issuing-ca.crl"
#define URL_CPS "http://ca.derp.test/cps"

static void put_tlv(struct der_buf *b, uint8_t tag, const void *p, size_t n) {
  cf_der_put_header(b, tag, n);
  cf_der_put(b, p, n);
}

static void put_text(struct der_buf *b, uint8_t tag, const char *s) {
  put_tlv(b, tag, s, strlen(s));
}

static void put_u16(struct der_buf *b, size_t v) {
  const uint8_t be[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  cf_der_put(b, be, 2);
}

/* SHA-1 of the subjectPublicKey BIT STRING's bits. */
static bool key_id(const X509 *x, uint8_t out[20]) {
  unsigned len = 0;
  return X509_pubkey_digest(x, EVP_sha1(), out, &len) == 1 && len == 20;
}

static bool add(X509 *x, const char *oid, bool critical, const struct der_buf *v) {
  return !v->overflow && cf_add_ext(x, oid, critical, v->data, v->len);
}

static bool add_bytes(X509 *x, const char *oid, bool critical, const uint8_t *p, size_t n) {
  return cf_add_ext(x, oid, critical, p, n);
}

static bool add_key_ids(X509 *x, const struct factory_cert *issuer) {
  uint8_t id[20];
  struct der_buf v = {.len = 0}, inner = {.len = 0};
  GUARD(key_id(x, id));
  put_tlv(&v, 0x04, id, sizeof id);
  GUARD(add(x, OID_SUBJECT_KEY_ID, false, &v));
  if (issuer == NULL) return true;
  GUARD(key_id(issuer->x509, id));
  put_tlv(&inner, 0x80, id, sizeof id); /* [0] keyIdentifier */
  v.len = 0;
  cf_der_wrap(&v, 0x30, &inner);
  return add(x, OID_AUTHORITY_KEY_ID, false, &v);
}

static void access_description(struct der_buf *out, const uint8_t *method, size_t method_len,
                               const char *uri) {
  struct der_buf ad = {.len = 0};
  put_tlv(&ad, 0x06, method, method_len);
  put_text(&ad, 0x86, uri);
  cf_der_wrap(out, 0x30, &ad);
}

static bool add_aia(X509 *x, const char *ocsp, const char *ca_issuers) {
  struct der_buf list = {.len = 0}, v = {.len = 0};
  if (ocsp != NULL) access_description(&list, oid_ad_ocsp, sizeof oid_ad_ocsp, ocsp);
  access_description(&list, oid_ad_ca_issuers, sizeof oid_ad_ca_issuers, ca_issuers);
  cf_der_wrap(&v, 0x30, &list);
  return add(x, OID_AUTHORITY_INFO_ACCESS, false, &v);
}

/* One DistributionPoint whose fullName is one URI. */
static bool add_crl_dp(X509 *x, const char *uri) {
  struct der_buf name = {.len = 0}, full = {.len = 0}, dp = {.len = 0}, seq = {.len = 0},
                 v = {.len = 0};
  put_text(&name, 0x86, uri);
  cf_der_wrap(&full, 0xa0, &name); /* fullName [0] GeneralNames */
  cf_der_wrap(&dp, 0xa0, &full);   /* distributionPoint [0], explicit: a CHOICE */
  cf_der_wrap(&seq, 0x30, &dp);
  cf_der_wrap(&v, 0x30, &seq);
  return add(x, OID_CRL_DP, false, &v);
}

/* The CA/Browser Forum's domain-validated policy, with a CPS pointer if
 * `cps` is given. */
static bool add_policies(X509 *x, const char *cps) {
  struct der_buf info = {.len = 0}, quals = {.len = 0}, qual = {.len = 0}, list = {.len = 0},
                 v = {.len = 0};
  put_tlv(&info, 0x06, oid_cabf_dv, sizeof oid_cabf_dv);
  if (cps != NULL) {
    put_tlv(&qual, 0x06, oid_qt_cps, sizeof oid_qt_cps);
    put_text(&qual, 0x16, cps);
    cf_der_wrap(&quals, 0x30, &qual);
    struct der_buf seq = {.len = 0};
    cf_der_wrap(&seq, 0x30, &quals);
    cf_der_put(&info, seq.data, seq.len);
  }
  cf_der_wrap(&list, 0x30, &info);
  cf_der_wrap(&v, 0x30, &list);
  return add(x, OID_CERT_POLICIES, false, &v);
}

static bool add_san(struct cert_factory *f, X509 *x, const struct cert_spec *s) {
  if (s->dns_san_count + s->ip_san_count + s->uri_san_count == 0) return true;
  struct der_buf san = {.len = 0};
  return cf_build_san(f, s, &san) && add(x, OID_SUBJECT_ALT_NAME, false, &san);
}

/* INTEGER of 32 derived bytes, minimal, as in an ECDSA-Sig-Value. */
static void put_sig_integer(struct der_buf *b, const uint8_t v[32]) {
  size_t skip = 0;
  while (skip < 31 && v[skip] == 0) skip++;
  bool pad = (v[skip] & 0x80) != 0;
  cf_der_put_header(b, 0x02, 32 - skip + (pad ? 1 : 0));
  if (pad) cf_der_put(b, "", 1);
  cf_der_put(b, v + skip, 32 - skip);
}

/* RFC 6962 §3.3: the extension holds an OCTET STRING whose contents are the
 * TLS-encoded SignedCertificateTimestampList. Two SCTs, as CT policies
 * want: v1, a log ID, a timestamp just after notBefore (CAs back-date
 * notBefore by an hour), no extensions, ecdsa/sha256 and a DER signature. */
static bool add_sct_list(struct cert_factory *f, X509 *x, const struct cert_spec *s,
                         const char *label) {
  struct der_buf list = {.len = 0}, octets = {.len = 0}, v = {.len = 0};
  for (int i = 0; i < 2; i++) {
    char purpose[32];
    uint8_t log_id[32], rs[64], jitter[2];
    snprintf(purpose, sizeof purpose, "log id %d", i);
    GUARD(cf_derive(f, "ct log", purpose, log_id, sizeof log_id));
    snprintf(purpose, sizeof purpose, "sct %d signature", i);
    GUARD(cf_derive(f, label, purpose, rs, sizeof rs));
    snprintf(purpose, sizeof purpose, "sct %d time", i);
    GUARD(cf_derive(f, label, purpose, jitter, sizeof jitter));
    uint64_t ms = (uint64_t)(s->not_before + 3600) * 1000 + ((jitter[0] << 8 | jitter[1]) % 1000);
    struct der_buf sig = {.len = 0}, sig_seq = {.len = 0}, sct = {.len = 0};
    put_sig_integer(&sig, rs);
    put_sig_integer(&sig, rs + 32);
    cf_der_wrap(&sig_seq, 0x30, &sig);
    const uint8_t version = 0;
    cf_der_put(&sct, &version, 1);
    cf_der_put(&sct, log_id, sizeof log_id);
    for (int b = 7; b >= 0; b--) {
      uint8_t byte = (uint8_t)(ms >> (8 * b));
      cf_der_put(&sct, &byte, 1);
    }
    put_u16(&sct, 0);                /* CtExtensions */
    cf_der_put(&sct, "\x04\x03", 2); /* sha256, ecdsa */
    put_u16(&sct, sig_seq.len);
    cf_der_put(&sct, sig_seq.data, sig_seq.len);
    put_u16(&list, sct.len);
    cf_der_put(&list, sct.data, sct.len);
  }
  put_u16(&octets, list.len);
  cf_der_put(&octets, list.data, list.len);
  cf_der_wrap(&v, 0x04, &octets);
  return add(x, OID_SCT_LIST, false, &v);
}

bool cf_add_web_extensions(struct cert_factory *f, X509 *x, const struct cert_spec *s,
                           const char *label) {
  static const uint8_t ku_root[] = {0x03, 0x02, 0x01, 0x06};  /* keyCertSign|cRLSign */
  static const uint8_t ku_inter[] = {0x03, 0x02, 0x01, 0x86}; /* + digitalSignature */
  static const uint8_t ku_ecdsa[] = {0x03, 0x02, 0x07, 0x80}; /* digitalSignature */
  static const uint8_t ku_rsa[] = {0x03, 0x02, 0x05, 0xa0};   /* + keyEncipherment */
  static const uint8_t bc_root[] = {0x30, 0x03, 0x01, 0x01, 0xff};
  static const uint8_t bc_inter[] = {0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00};
  static const uint8_t bc_leaf[] = {0x30, 0x00};
  struct der_buf eku = {.len = 0}, eku_list = {.len = 0};
  bool ok;
  if (s->ext_profile != CERT_EXT_WEB_ROOT && s->issuer == NULL) {
    cf_set_error(f, "a web intermediate or leaf needs an issuer");
    return false;
  }
  switch (s->ext_profile) {
    case CERT_EXT_WEB_ROOT:
      ok = add_bytes(x, OID_KEY_USAGE, true, ku_root, sizeof ku_root) &&
           add_bytes(x, OID_BASIC_CONSTRAINTS, true, bc_root, sizeof bc_root) &&
           add_key_ids(x, NULL) && add_san(f, x, s);
      break;
    case CERT_EXT_WEB_INTERMEDIATE:
      put_tlv(&eku_list, 0x06, oid_client_auth, sizeof oid_client_auth);
      put_tlv(&eku_list, 0x06, oid_server_auth, sizeof oid_server_auth);
      cf_der_wrap(&eku, 0x30, &eku_list);
      ok = add_bytes(x, OID_KEY_USAGE, true, ku_inter, sizeof ku_inter) &&
           add(x, OID_EXT_KEY_USAGE, false, &eku) &&
           add_bytes(x, OID_BASIC_CONSTRAINTS, true, bc_inter, sizeof bc_inter) &&
           add_key_ids(x, s->issuer) && add_aia(x, NULL, URL_ROOT_CERT) &&
           add_policies(x, URL_CPS) && add_crl_dp(x, URL_ROOT_CRL) && add_san(f, x, s);
      break;
    default: {
      bool rsa = s->key_type == CERT_KEY_RSA2048;
      put_tlv(&eku_list, 0x06, oid_server_auth, sizeof oid_server_auth);
      put_tlv(&eku_list, 0x06, oid_client_auth, sizeof oid_client_auth);
      cf_der_wrap(&eku, 0x30, &eku_list);
      ok = add_bytes(x, OID_KEY_USAGE, true, rsa ? ku_rsa : ku_ecdsa, sizeof ku_rsa) &&
           add(x, OID_EXT_KEY_USAGE, false, &eku) &&
           add_bytes(x, OID_BASIC_CONSTRAINTS, true, bc_leaf, sizeof bc_leaf) &&
           add_key_ids(x, s->issuer) && add_aia(x, URL_OCSP, URL_ISSUING_CERT) &&
           add_san(f, x, s) && add_policies(x, NULL) && add_crl_dp(x, URL_ISSUING_CRL) &&
           add_sct_list(f, x, s, label);
      break;
    }
  }
  if (!ok && cert_factory_error(f)[0] == '\0') cf_set_error(f, "cannot add web extensions");
  return ok;
}

/* --- specs --- */

#define DAY INT64_C(86400)

static struct cert_spec web_spec(bool rsa, const char *label, enum cert_ext_profile profile,
                                 const struct factory_cert *issuer) {
  struct cert_spec s = {
      .label = label,
      .key_type = rsa ? CERT_KEY_RSA2048 : CERT_KEY_P384,
      .serial_kind = CERT_SERIAL_RANDOM128,
      .ext_profile = profile,
      .issuer = issuer,
  };
  return s;
}

static void ca_names(struct cert_spec *s, const char *cn) {
  s->name_attrs[0] = (struct cert_name_attr){"2.5.4.6", "US", 0};
  s->name_attrs[1] = (struct cert_name_attr){"2.5.4.10", "Derpcheck Test PKI Z/1", 0};
  s->name_attr_count = 2;
  s->cn = cn;
}

struct cert_spec cert_spec_web_root(bool rsa, int64_t now) {
  struct cert_spec s =
      web_spec(rsa, rsa ? "web-rsa-root" : "web-ecdsa-root", CERT_EXT_WEB_ROOT, NULL);
  ca_names(&s, rsa ? "Derpcheck Root R1" : "Derpcheck Root E1");
  s.not_before = now - 1825 * DAY;
  s.not_after = now + 7300 * DAY;
  return s;
}

struct cert_spec cert_spec_web_intermediate(bool rsa, const struct factory_cert *issuer,
                                            int64_t now) {
  struct cert_spec s = web_spec(rsa, rsa ? "web-rsa-intermediate" : "web-ecdsa-intermediate",
                                CERT_EXT_WEB_INTERMEDIATE, issuer);
  ca_names(&s, rsa ? "Derpcheck Issuing CA R2" : "Derpcheck Issuing CA E2");
  s.not_before = now - 365 * DAY;
  s.not_after = now + 1095 * DAY;
  return s;
}

struct cert_spec cert_spec_web_leaf(bool rsa, const struct factory_cert *issuer, int64_t now) {
  struct cert_spec s =
      web_spec(rsa, rsa ? "web-rsa-leaf" : "web-ecdsa-leaf", CERT_EXT_WEB_LEAF, issuer);
  if (!rsa) s.key_type = CERT_KEY_P256;
  s.name_attrs[0] = (struct cert_name_attr){"2.5.4.6", "CH", 0};
  s.name_attrs[1] = (struct cert_name_attr){"2.5.4.8", "Zurich", 0};
  s.name_attrs[2] = (struct cert_name_attr){"2.5.4.10", "Derpcheck Relays/Zone Z", 0};
  s.name_attr_count = 3;
  s.cn = "derp.test";
  s.not_before = now - 3600;
  s.not_after = now + 90 * DAY;
  s.dns_sans[0] = "derp.test";
  s.dns_sans[1] = "*.derp.test";
  s.dns_san_count = 2;
  s.ip_sans[0] = "127.0.0.1";
  s.ip_sans[1] = "::1";
  s.ip_san_count = 2;
  s.uri_sans[0] = "spiffe://derpcheck.example/relay/z1";
  s.uri_san_count = 1;
  return s;
}

bool cert_factory_make_web_chain(struct cert_factory *f, bool rsa, int64_t now,
                                 struct web_chain *out) {
  *out = (struct web_chain){NULL, NULL, NULL};
  struct cert_spec s = cert_spec_web_root(rsa, now);
  if ((out->root = cert_factory_make(f, &s)) != NULL) {
    s = cert_spec_web_intermediate(rsa, out->root, now);
    out->intermediate = cert_factory_make(f, &s);
  }
  if (out->intermediate != NULL) {
    s = cert_spec_web_leaf(rsa, out->intermediate, now);
    out->leaf = cert_factory_make(f, &s);
  }
  if (out->leaf == NULL) web_chain_free(out);
  return out->leaf != NULL;
}

void web_chain_free(struct web_chain *c) {
  factory_cert_free(c->leaf);
  factory_cert_free(c->intermediate);
  factory_cert_free(c->root);
  *c = (struct web_chain){NULL, NULL, NULL};
}
