#include "harness/cert_factory.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_factory_internal.h"
#include "derp/go.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"
#include "harness/det_rand.h"

struct key_slot {
  char *label;
  enum cert_key_type type;
  EVP_PKEY *key; /* lives in the factory's library context */
};

struct cert_factory {
  uint64_t seed;
  OSSL_LIB_CTX *libctx;
  struct det_rand_providers providers;
  EVP_MD *sha256;
  struct key_slot *keys;
  size_t key_count;
  char error[256];
};

void cf_set_error(struct cert_factory *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->error, sizeof f->error, fmt, ap);
  va_end(ap);
}

const char *cert_factory_error(const struct cert_factory *f) { return f->error; }

/* Only one factory context can own the det_rand stream at a time: the stream
 * is process-wide, and every operation that draws from it reseeds first. */
struct cert_factory *cert_factory_new(uint64_t seed) {
  struct cert_factory *f = calloc(1, sizeof *f);
  if (f == NULL) return NULL;
  f->seed = seed;
  f->libctx = OSSL_LIB_CTX_new();
  if (f->libctx == NULL || !det_rand_install(f->libctx, seed, &f->providers)) goto fail;
  f->sha256 = EVP_MD_fetch(f->libctx, "SHA256", NULL);
  if (f->sha256 == NULL) goto fail;
  return f;
fail:
  cert_factory_free(f);
  return NULL;
}

void cert_factory_free(struct cert_factory *f) {
  if (f == NULL) return;
  for (size_t i = 0; i < f->key_count; i++) {
    free(f->keys[i].label);
    EVP_PKEY_free(f->keys[i].key);
  }
  free(f->keys);
  EVP_MD_free(f->sha256);
  det_rand_uninstall(&f->providers);
  OSSL_LIB_CTX_free(f->libctx);
  free(f);
}

void factory_cert_free(struct factory_cert *c) {
  if (c == NULL) return;
  OPENSSL_free(c->der);
  X509_free(c->x509);
  EVP_PKEY_free(c->key);
  EVP_PKEY_free(c->factory_key);
  free(c);
}

/* SHA-256 in counter mode over (seed, label, purpose): the one source of
 * every per-certificate value, so equal inputs give equal material. */
bool cf_derive(struct cert_factory *f, const char *label, const char *purpose, uint8_t *out,
               size_t len) {
  uint8_t seed_be[8];
  for (int i = 0; i < 8; i++) seed_be[i] = (uint8_t)(f->seed >> (56 - 8 * i));
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == NULL) return false;
  bool ok = true;
  for (uint32_t counter = 0; ok && len > 0; counter++) {
    uint8_t block[32];
    const uint8_t ctr_be[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
                               (uint8_t)(counter >> 8), (uint8_t)counter};
    ok = EVP_DigestInit_ex2(ctx, f->sha256, NULL) && EVP_DigestUpdate(ctx, seed_be, 8) &&
         EVP_DigestUpdate(ctx, label, strlen(label) + 1) &&
         EVP_DigestUpdate(ctx, purpose, strlen(purpose) + 1) && EVP_DigestUpdate(ctx, ctr_be, 4) &&
         EVP_DigestFinal_ex(ctx, block, NULL);
    size_t n = len < sizeof block ? len : sizeof block;
    memcpy(out, block, n);
    out += n;
    len -= n;
  }
  EVP_MD_CTX_free(ctx);
  return ok;
}

static bool derive_u64(struct cert_factory *f, const char *label, const char *purpose,
                       uint64_t *v) {
  uint8_t b[8];
  if (!cf_derive(f, label, purpose, b, sizeof b)) return false;
  *v = 0;
  for (int i = 0; i < 8; i++) *v = (*v << 8) | b[i];
  return true;
}

/* --- keys --- */

static EVP_PKEY *ec_key_from_seed(struct cert_factory *f, const char *label, int nid,
                                  const char *group_name) {
  EVP_PKEY *pkey = NULL;
  EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(f->libctx, NULL, nid);
  BN_CTX *bn_ctx = BN_CTX_new_ex(f->libctx);
  BIGNUM *d = NULL, *order_minus_one = NULL;
  EC_POINT *pub = NULL;
  OSSL_PARAM_BLD *bld = NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  uint8_t wide[80], pub_oct[133];
  if (group == NULL || bn_ctx == NULL) goto out;
  const BIGNUM *order = EC_GROUP_get0_order(group);
  /* 8 spare bytes make the reduction bias negligible. */
  size_t wide_len = (size_t)BN_num_bytes(order) + 8;
  if (wide_len > sizeof wide || !cf_derive(f, label, group_name, wide, wide_len)) goto out;
  d = BN_bin2bn(wide, (int)wide_len, NULL);
  order_minus_one = BN_dup(order);
  if (d == NULL || order_minus_one == NULL || !BN_sub_word(order_minus_one, 1) ||
      !BN_mod(d, d, order_minus_one, bn_ctx) || !BN_add_word(d, 1))
    goto out;
  pub = EC_POINT_new(group);
  if (pub == NULL || !EC_POINT_mul(group, pub, d, NULL, NULL, bn_ctx)) goto out;
  size_t pub_len = EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, pub_oct,
                                      sizeof pub_oct, bn_ctx);
  if (pub_len == 0) goto out;
  bld = OSSL_PARAM_BLD_new();
  if (bld == NULL ||
      !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group_name, 0) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_oct, pub_len))
    goto out;
  params = OSSL_PARAM_BLD_to_param(bld);
  pctx = EVP_PKEY_CTX_new_from_name(f->libctx, "EC", NULL);
  if (params == NULL || pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
      EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
    pkey = NULL;
out:
  OPENSSL_cleanse(wide, sizeof wide);
  EVP_PKEY_CTX_free(pctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EC_POINT_free(pub);
  BN_clear_free(d);
  BN_free(order_minus_one);
  BN_CTX_free(bn_ctx);
  EC_GROUP_free(group);
  return pkey;
}

static EVP_PKEY *ed25519_key_from_seed(struct cert_factory *f, const char *label) {
  uint8_t priv[32];
  if (!cf_derive(f, label, "ed25519", priv, sizeof priv)) return NULL;
  EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(f->libctx, "ED25519", NULL, priv, sizeof priv);
  OPENSSL_cleanse(priv, sizeof priv);
  return k;
}

/* RSA primes come from the DRBG; pinning the stream first makes the key a
 * function of (seed, label) for a given OpenSSL build. */
static EVP_PKEY *rsa_key_from_seed(struct cert_factory *f, const char *label) {
  uint64_t stream_seed;
  if (!derive_u64(f, label, "rsa2048", &stream_seed)) return NULL;
  det_rand_reseed(stream_seed);
  EVP_PKEY *k = NULL;
  EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(f->libctx, "RSA", NULL);
  if (pctx == NULL || EVP_PKEY_keygen_init(pctx) <= 0 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(pctx, 2048) <= 0 || EVP_PKEY_generate(pctx, &k) <= 0)
    k = NULL;
  EVP_PKEY_CTX_free(pctx);
  return k;
}

static EVP_PKEY *factory_key(struct cert_factory *f, const char *label, enum cert_key_type type) {
  for (size_t i = 0; i < f->key_count; i++)
    if (f->keys[i].type == type && strcmp(f->keys[i].label, label) == 0) return f->keys[i].key;
  EVP_PKEY *k = NULL;
  switch (type) {
    case CERT_KEY_P256: k = ec_key_from_seed(f, label, NID_X9_62_prime256v1, "P-256"); break;
    case CERT_KEY_P384: k = ec_key_from_seed(f, label, NID_secp384r1, "P-384"); break;
    case CERT_KEY_ED25519: k = ed25519_key_from_seed(f, label); break;
    case CERT_KEY_RSA2048: k = rsa_key_from_seed(f, label); break;
  }
  if (k == NULL) return NULL;
  struct key_slot *grown = realloc(f->keys, (f->key_count + 1) * sizeof *grown);
  char *label_copy = strdup(label);
  if (grown == NULL || label_copy == NULL) {
    if (grown != NULL) f->keys = grown;
    free(label_copy);
    EVP_PKEY_free(k);
    return NULL;
  }
  f->keys = grown;
  f->keys[f->key_count++] = (struct key_slot){label_copy, type, k};
  return k;
}

/* --- DER pieces the profiles need (small, fixed shapes) --- */

void cf_der_put(struct der_buf *b, const void *p, size_t n) {
  if (b->overflow || n > sizeof b->data - b->len) {
    b->overflow = true;
    return;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void cf_der_put_header(struct der_buf *b, uint8_t tag, size_t len) {
  uint8_t h[6] = {tag};
  size_t n = 1;
  if (len < 0x80) {
    h[n++] = (uint8_t)len;
  } else if (len <= 0xff) {
    h[n++] = 0x81;
    h[n++] = (uint8_t)len;
  } else {
    h[n++] = 0x82;
    h[n++] = (uint8_t)(len >> 8);
    h[n++] = (uint8_t)len;
  }
  cf_der_put(b, h, n);
}

void cf_der_wrap(struct der_buf *b, uint8_t tag, const struct der_buf *inner) {
  if (inner->overflow) b->overflow = true;
  cf_der_put_header(b, tag, inner->len);
  cf_der_put(b, inner->data, inner->len);
}

bool cf_build_san(struct cert_factory *f, const struct cert_spec *s, struct der_buf *out) {
  struct der_buf names = {.len = 0};
  for (size_t i = 0; i < s->dns_san_count; i++) {
    size_t n = strlen(s->dns_sans[i]);
    cf_der_put_header(&names, 0x82, n);
    cf_der_put(&names, s->dns_sans[i], n);
  }
  for (size_t i = 0; i < s->ip_san_count; i++) {
    uint8_t ip[16];
    size_t n = 0;
    if (inet_pton(AF_INET, s->ip_sans[i], ip) == 1) {
      n = 4;
    } else if (inet_pton(AF_INET6, s->ip_sans[i], ip) == 1) {
      n = 16;
    } else {
      cf_set_error(f, "not an IP address: %s", s->ip_sans[i]);
      return false;
    }
    cf_der_put_header(&names, 0x87, n);
    cf_der_put(&names, ip, n);
  }
  for (size_t i = 0; i < s->uri_san_count; i++) {
    size_t n = strlen(s->uri_sans[i]);
    cf_der_put_header(&names, 0x86, n);
    cf_der_put(&names, s->uri_sans[i], n);
  }
  cf_der_put_header(out, 0x30, names.len);
  cf_der_put(out, names.data, names.len);
  if (names.overflow || out->overflow) {
    cf_set_error(f, "subjectAltName too large");
    return false;
  }
  return true;
}

bool cf_add_ext(X509 *x, const char *oid, bool critical, const uint8_t *value, size_t len) {
  ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
  X509_EXTENSION *ext = NULL;
  bool ok = obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, value, (int)len) &&
            (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical ? 1 : 0, os)) != NULL &&
            X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
  return ok;
}

#define OID_KEY_USAGE "2.5.29.15"
#define OID_EXT_KEY_USAGE "2.5.29.37"
#define OID_BASIC_CONSTRAINTS "2.5.29.19"
#define OID_SUBJECT_ALT_NAME "2.5.29.17"

/* The derper, metacert, test-CA and bare profiles: their fixed values, then
 * the SANs. */
static bool add_derp_extensions(struct cert_factory *f, X509 *x, const struct cert_spec *s) {
  static const uint8_t ku_leaf[] = {0x03, 0x02, 0x05, 0xa0}; /* digitalSignature|keyEncipherment */
  static const uint8_t ku_ca[] = {0x03, 0x02, 0x01, 0x86};   /* + keyCertSign|cRLSign */
  static const uint8_t eku_server[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06,
                                       0x01, 0x05, 0x05, 0x07, 0x03, 0x01}; /* serverAuth */
  static const uint8_t bc_leaf[] = {0x30, 0x00};
  static const uint8_t bc_ca[] = {0x30, 0x03, 0x01, 0x01, 0xff};
  bool ok = true;
  switch (s->ext_profile) {
    case CERT_EXT_DERPER_IP:
      ok = cf_add_ext(x, OID_KEY_USAGE, true, ku_leaf, sizeof ku_leaf) &&
           cf_add_ext(x, OID_EXT_KEY_USAGE, false, eku_server, sizeof eku_server) &&
           cf_add_ext(x, OID_BASIC_CONSTRAINTS, true, bc_leaf, sizeof bc_leaf);
      break;
    case CERT_EXT_METACERT:
      ok = cf_add_ext(x, OID_BASIC_CONSTRAINTS, true, bc_leaf, sizeof bc_leaf);
      break;
    case CERT_EXT_CA:
      ok = cf_add_ext(x, OID_BASIC_CONSTRAINTS, true, bc_ca, sizeof bc_ca) &&
           cf_add_ext(x, OID_KEY_USAGE, true, ku_ca, sizeof ku_ca);
      break;
    default: break;
  }
  if (ok && s->dns_san_count + s->ip_san_count + s->uri_san_count > 0) {
    struct der_buf san = {.len = 0};
    if (!cf_build_san(f, s, &san)) return false;
    ok = cf_add_ext(x, OID_SUBJECT_ALT_NAME, false, san.data, san.len);
  }
  if (!ok) cf_set_error(f, "cannot add extensions");
  return ok;
}

static bool add_profile_extensions(struct cert_factory *f, X509 *x, const struct cert_spec *s,
                                   const char *label) {
  bool web = s->ext_profile == CERT_EXT_WEB_ROOT || s->ext_profile == CERT_EXT_WEB_INTERMEDIATE ||
             s->ext_profile == CERT_EXT_WEB_LEAF;
  if (web ? !cf_add_web_extensions(f, x, s, label) : !add_derp_extensions(f, x, s)) return false;
  for (size_t i = 0; i < s->extra_ext_count; i++) {
    const struct cert_extra_ext *e = &s->extra_exts[i];
    if (!cf_add_ext(x, e->oid, e->critical, e->value, e->value_len)) {
      cf_set_error(f, "cannot add extensions");
      return false;
    }
  }
  return true;
}

/* --- fields --- */

static bool set_serial(struct cert_factory *f, X509 *x, const struct cert_spec *s,
                       const char *label) {
  BIGNUM *bn = BN_new();
  bool ok = bn != NULL;
  if (ok && s->serial_kind == CERT_SERIAL_SMALL) {
    ok = BN_set_word(bn, s->serial_small);
  } else if (ok && s->serial_kind == CERT_SERIAL_RANDOM128) {
    uint8_t r[16];
    ok = cf_derive(f, label, "serial", r, sizeof r) && BN_bin2bn(r, sizeof r, bn) != NULL;
  } else if (ok) {
    /* Two's complement: value = unsigned(bytes) - 2^(8*len) if the top bit is set. */
    ok = BN_bin2bn(s->serial_bytes, (int)s->serial_len, bn) != NULL;
    if (ok && s->serial_len > 0 && (s->serial_bytes[0] & 0x80)) {
      BIGNUM *modulus = BN_new();
      ok = modulus != NULL && BN_set_word(modulus, 1) &&
           BN_lshift(modulus, modulus, (int)(8 * s->serial_len)) && BN_sub(bn, bn, modulus);
      BN_free(modulus);
    }
  }
  ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
  BN_free(bn);
  if (!ok) cf_set_error(f, "cannot set serial");
  return ok;
}

static bool set_time(X509 *x, bool before, int64_t t, const char *text, int text_type) {
  ASN1_TIME *tm = NULL;
  if (text != NULL) {
    tm = ASN1_STRING_type_new(text_type == 0 ? V_ASN1_UTCTIME : text_type);
    if (tm == NULL || !ASN1_STRING_set(tm, text, (int)strlen(text))) {
      ASN1_TIME_free(tm);
      return false;
    }
  } else {
    tm = ASN1_TIME_set(NULL, (time_t)t);
    if (tm == NULL) return false;
  }
  int ok = before ? X509_set1_notBefore(x, tm) : X509_set1_notAfter(x, tm);
  ASN1_TIME_free(tm);
  return ok == 1;
}

static bool set_names(struct cert_factory *f, X509 *x, const struct cert_spec *s) {
  X509_NAME *name = X509_NAME_new();
  bool ok = name != NULL;
  for (size_t i = 0; ok && i < s->name_attr_count && i < CERT_SPEC_MAX_NAME_ATTRS; i++) {
    const struct cert_name_attr *a = &s->name_attrs[i];
    ASN1_OBJECT *obj = OBJ_txt2obj(a->oid, 1);
    ok = obj != NULL && X509_NAME_add_entry_by_OBJ(
                            name, obj, a->asn1_type != 0 ? a->asn1_type : V_ASN1_PRINTABLESTRING,
                            (const unsigned char *)a->value, (int)strlen(a->value), -1, 0) == 1;
    ASN1_OBJECT_free(obj);
  }
  if (ok && !s->no_cn) {
    const char *cn = s->cn != NULL ? s->cn : "";
    size_t len = s->cn_len != 0 ? s->cn_len : strlen(cn);
    int type = s->cn_asn1_type != 0 ? s->cn_asn1_type : V_ASN1_PRINTABLESTRING;
    ok = X509_NAME_add_entry_by_NID(name, NID_commonName, type, (const unsigned char *)cn, (int)len,
                                    -1, 0) == 1;
  }
  ok = ok && X509_set_subject_name(x, name);
  if (ok && s->issuer == NULL) ok = X509_set_issuer_name(x, name);
  if (ok && s->issuer != NULL) ok = X509_set_issuer_name(x, X509_get_subject_name(s->issuer->x509));
  X509_NAME_free(name);
  if (!ok) cf_set_error(f, "cannot set names");
  return ok;
}

static const EVP_MD *signature_digest(enum cert_key_type t) {
  switch (t) {
    case CERT_KEY_P384: return EVP_sha384();
    case CERT_KEY_ED25519: return NULL; /* pure EdDSA: no separate digest */
    default: return EVP_sha256();
  }
}

static enum cert_key_type key_type_of(const EVP_PKEY *k) {
  if (EVP_PKEY_is_a(k, "ED25519")) return CERT_KEY_ED25519;
  if (EVP_PKEY_is_a(k, "RSA")) return CERT_KEY_RSA2048;
  return EVP_PKEY_get_bits(k) > 256 ? CERT_KEY_P384 : CERT_KEY_P256;
}

/* The key for callers, re-imported into the default library context. */
static EVP_PKEY *export_key(EVP_PKEY *k) {
  unsigned char *der = NULL;
  int len = i2d_PrivateKey(k, &der);
  if (len <= 0) return NULL;
  const unsigned char *p = der;
  EVP_PKEY *out = d2i_AutoPrivateKey(NULL, &p, len);
  OPENSSL_clear_free(der, (size_t)len);
  return out;
}

struct factory_cert *cert_factory_make(struct cert_factory *f, const struct cert_spec *s) {
  const char *label = s->label != NULL ? s->label : "cert";
  f->error[0] = '\0';
  struct factory_cert *c = calloc(1, sizeof *c);
  X509 *x = X509_new_ex(f->libctx, NULL);
  if (c == NULL || x == NULL) {
    cf_set_error(f, "out of memory");
    goto fail;
  }
  EVP_PKEY *key = factory_key(f, label, s->key_type);
  if (key == NULL) {
    cf_set_error(f, "cannot make key for %s", label);
    goto fail;
  }
  EVP_PKEY_up_ref(key);
  c->factory_key = key;
  EVP_PKEY *signer = s->issuer != NULL ? s->issuer->factory_key : key;

  if (!X509_set_version(x, s->version == 1 ? X509_VERSION_1 : X509_VERSION_3) ||
      !set_serial(f, x, s, label) || !set_names(f, x, s))
    goto fail;
  if (!set_time(x, true, s->not_before, s->not_before_text, s->not_before_text_type) ||
      !set_time(x, false, s->not_after, s->not_after_text, s->not_after_text_type)) {
    cf_set_error(f, "cannot encode validity");
    goto fail;
  }
  if (!X509_set_pubkey(x, key) || !add_profile_extensions(f, x, s, label)) {
    if (f->error[0] == '\0') cf_set_error(f, "cannot set public key");
    goto fail;
  }

  uint64_t sign_seed;
  if (!derive_u64(f, label, "signature", &sign_seed)) goto fail;
  det_rand_reseed(sign_seed);
  if (X509_sign(x, signer, signature_digest(key_type_of(signer))) <= 0) {
    cf_set_error(f, "signing failed");
    goto fail;
  }

  int len = i2d_X509(x, &c->der);
  if (len <= 0) {
    cf_set_error(f, "cannot encode certificate");
    goto fail;
  }
  c->der_len = (size_t)len;
  const unsigned char *p = c->der;
  c->x509 = d2i_X509(NULL, &p, len);
  c->key = export_key(key);
  if (c->x509 == NULL || c->key == NULL || !pin_hex_of_der(c->der, c->der_len, c->sha256_hex)) {
    cf_set_error(f, "cannot re-import certificate or key");
    goto fail;
  }
  X509_free(x);
  f->error[0] = '\0';
  return c;
fail:
  X509_free(x);
  factory_cert_free(c);
  return NULL;
}

/* --- derper-shaped specs --- */

int64_t cert_add_one_year(int64_t unix_seconds) { return go_add_years(unix_seconds, 1); }

struct cert_spec cert_spec_derper_ip(const char *ip, int64_t now) {
  struct cert_spec s = {
      .label = "derper-ip",
      .key_type = CERT_KEY_P256,
      .cn = ip,
      .serial_kind = CERT_SERIAL_RANDOM128,
      .not_before = now,
      .not_after = cert_add_one_year(now),
      .ip_sans = {ip},
      .ip_san_count = 1,
      .ext_profile = CERT_EXT_DERPER_IP,
  };
  return s;
}

struct cert_spec cert_spec_metacert(const char *cn, int64_t now) {
  struct cert_spec s = {
      .label = "metacert",
      .key_type = CERT_KEY_ED25519,
      .cn = cn,
      .serial_kind = CERT_SERIAL_SMALL,
      .serial_small = 2,
      .not_before = now - 30 * 86400,
      .not_after = now + 30 * 86400,
      .ext_profile = CERT_EXT_METACERT,
  };
  return s;
}

void cert_metacert_cn(const uint8_t derp_public_key[32], char out[72]) {
  memcpy(out, "derpkey", 7);
  derp_hex_lower(derp_public_key, 32, out + 7);
}

/* --- PEM --- */

bool factory_write_chain_pem(const char *path, const struct factory_cert *const *chain, size_t n) {
  BIO *bio = BIO_new_file(path, "w");
  if (bio == NULL) return false;
  bool ok = true;
  for (size_t i = 0; ok && i < n; i++) ok = PEM_write_bio_X509(bio, chain[i]->x509) == 1;
  ok = BIO_free(bio) == 1 && ok;
  return ok && chmod(path, 0644) == 0;
}

bool factory_write_key_pem(const char *path, const struct factory_cert *c,
                           enum cert_key_format format) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  FILE *fp = fdopen(fd, "w");
  if (fp == NULL) {
    close(fd);
    return false;
  }
  BIO *bio = BIO_new_fp(fp, BIO_CLOSE);
  if (bio == NULL) {
    fclose(fp);
    return false;
  }
  int ok = format == CERT_KEY_PEM_TRADITIONAL
               ? PEM_write_bio_PrivateKey_traditional(bio, c->key, NULL, NULL, 0, NULL, NULL)
               : PEM_write_bio_PrivateKey(bio, c->key, NULL, NULL, 0, NULL, NULL);
  return BIO_free(bio) == 1 && ok == 1;
}
