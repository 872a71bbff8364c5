/* Go's x509 parsePublicKey (Go 1.26, crypto/x509/parser.go) and the
 * decoders it calls (crypto/ecdsa ParseUncompressedPublicKey, the nistec
 * SetBytes of each curve): which SubjectPublicKeyInfo values Go refuses, and
 * with which text. crypto/tls prints that text after "tls: failed to parse
 * certificate from server: ", so fuzzed keys must fail here as in Go. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"
#include "derp/pin_verify.h"
#include "pin_verify_internal.h"

#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30

static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_dsa[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t oid_ecdsa[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};
static const uint8_t asn1_null[] = {0x05, 0x00};

static const uint8_t oid_p224[] = {0x2b, 0x81, 0x04, 0x00, 0x21};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};

/* Field primes, big-endian at the element length: a coordinate must be
 * below p (Go refuses non-canonical encodings before the curve check). */
static const uint8_t p224[28] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t p256[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p384[48] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
/* 2^521 - 1: 0x01 then 65 0xff octets, filled in by p521_prime(). */
#define P521_LEN 66

struct go_curve {
  const uint8_t *oid;
  size_t oid_len;
  int nid;
  size_t element_len;
  const uint8_t *prime;    /* NULL: P-521, see below */
  const char *bad_length;  /* nistec SetBytes: neither form's length */
  const char *bad_element; /* a coordinate >= p */
  const char *off_curve;
};

#define CURVE_COUNT 4
static const struct go_curve curves[CURVE_COUNT] = {
    {oid_p224, sizeof oid_p224, NID_secp224r1, 28, p224, "invalid P224 point encoding",
     "invalid P224Element encoding", "P224 point not on curve"},
    /* amd64's P-256 field is assembly with its own text (p256_asm.go). */
    {oid_p256, sizeof oid_p256, NID_X9_62_prime256v1, 32, p256, "invalid P256 point encoding",
     "invalid P256 element encoding", "P256 point not on curve"},
    {oid_p384, sizeof oid_p384, NID_secp384r1, 48, p384, "invalid P384 point encoding",
     "invalid P384Element encoding", "P384 point not on curve"},
    {oid_p521, sizeof oid_p521, NID_secp521r1, P521_LEN, NULL, "invalid P521 point encoding",
     "invalid P521Element encoding", "P521 point not on curve"},
};

/* The largest uncompressed point: P-521's 1 + 2*66. */
#define EC_POINT_MAX (1 + 2 * P521_LEN)

static struct byte_reader reader_of(struct der_slice s) { return byte_reader_init(s.ptr, s.len); }

static bool slice_is(struct der_slice s, const uint8_t *want, size_t len) {
  return s.len == len && memcmp(s.ptr, want, len) == 0;
}

const char *go_key_type_name(enum go_key_type t) {
  switch (t) {
    case GO_KEY_RSA: return "*rsa.PublicKey";
    case GO_KEY_DSA: return "*dsa.PublicKey";
    case GO_KEY_ECDSA: return "*ecdsa.PublicKey";
    case GO_KEY_ED25519: return "ed25519.PublicKey";
    case GO_KEY_UNKNOWN: break;
  }
  return "<nil>";
}

/* --- the key bits as Go sees them --- */

/* asn1.BitString.RightAlign: with unused bits, Go shifts the whole string
 * right by that count (same length) before decoding. Zero unused bits, the
 * usual case, borrows the certificate's bytes; otherwise the shifted copy
 * goes to `stack` when it fits, else to the heap (only an RSA/DSA key with
 * padding bits gets there). */
#define ALIGNED_STACK 256
struct aligned_bits {
  struct der_slice data;
  uint8_t *heap;
  uint8_t stack[ALIGNED_STACK];
};

static bool right_align(struct der_slice bit_string, struct aligned_bits *a) {
  struct byte_reader r = reader_of(bit_string);
  uint8_t unused;
  a->heap = NULL;
  GUARD(byte_reader_u8(&r, &unused) && unused <= 7);
  const uint8_t *in = byte_reader_peek(&r);
  const size_t n = byte_reader_remaining(&r);
  if (unused == 0 || n == 0) {
    a->data = (struct der_slice){in, n};
    return true;
  }
  uint8_t *out = a->stack;
  if (n > sizeof a->stack) {
    a->heap = malloc(n);
    GUARD(a->heap != NULL);
    out = a->heap;
  }
  out[0] = (uint8_t)(in[0] >> unused);
  for (size_t i = 1; i < n; i++)
    out[i] = (uint8_t)((in[i - 1] << (8 - unused)) | (in[i] >> unused));
  a->data = (struct der_slice){out, n};
  return true;
}

/* --- integers as cryptobyte's ReadASN1Integer reads them --- */

/* An INTEGER TLV whose content is a valid two's-complement encoding. */
static bool read_integer(struct byte_reader *r, struct der_slice *value) {
  struct der_tlv t;
  GUARD(der_read_expect(r, TAG_INTEGER, &t) && der_integer_valid(t.value));
  *value = t.value;
  return true;
}

/* Minimal encodings make zero exactly {0x00}. */
static bool integer_positive(struct der_slice v) {
  return v.len > 0 && (v.ptr[0] & 0x80) == 0 && !(v.len == 1 && v.ptr[0] == 0);
}

/* big.Int.BitLen of a positive minimal INTEGER. */
static size_t integer_bit_len(struct der_slice v) {
  struct byte_reader r = reader_of(v);
  uint8_t top = 0;
  if (!byte_reader_u8(&r, &top)) return 0;
  size_t bits = byte_reader_remaining(&r) * 8;
  for (; top != 0; top >>= 1) bits++;
  return bits;
}

/* --- per algorithm --- */

static const char *parse_rsa(struct der_slice params, struct der_slice data,
                             struct go_public_key *out) {
  if (!slice_is(params, asn1_null, sizeof asn1_null))
    return "x509: RSA key missing NULL parameters";
  /* Go reads the SEQUENCE and two INTEGERs; bytes after either are ignored. */
  struct byte_reader r = reader_of(data);
  struct der_tlv seq;
  if (!der_read_expect(&r, TAG_SEQUENCE, &seq)) return "x509: invalid RSA public key";
  struct byte_reader in = reader_of(seq.value);
  struct der_slice n, e;
  if (!read_integer(&in, &n)) return "x509: invalid RSA modulus";
  /* E goes into a Go int: at most eight content octets. */
  if (!read_integer(&in, &e) || e.len > 8) return "x509: invalid RSA public exponent";
  if (!integer_positive(n)) return "x509: RSA modulus is not a positive number";
  if (!integer_positive(e)) return "x509: RSA public exponent is not a positive number";
  out->type = GO_KEY_RSA;
  out->rsa_bits = integer_bit_len(n);
  return NULL;
}

static const char *parse_dsa(struct der_slice params, struct der_slice data,
                             struct go_public_key *out) {
  struct byte_reader r = reader_of(data);
  struct der_slice y, p, q, g;
  if (!read_integer(&r, &y)) return "x509: invalid DSA public key";
  struct byte_reader pr = reader_of(params);
  struct der_tlv seq;
  if (!der_read_expect(&pr, TAG_SEQUENCE, &seq)) return "x509: invalid DSA parameters";
  struct byte_reader in = reader_of(seq.value);
  if (!read_integer(&in, &p) || !read_integer(&in, &q) || !read_integer(&in, &g))
    return "x509: invalid DSA parameters";
  if (!integer_positive(y) || !integer_positive(p) || !integer_positive(q) || !integer_positive(g))
    return "x509: zero or negative DSA parameter";
  out->type = GO_KEY_DSA;
  return NULL;
}

/* EC_GROUPs are costly to build (OpenSSL precomputes per curve), so each is
 * made once per process and shared read-only; they stay reachable until
 * exit on purpose. */
static EC_GROUP *groups[CURVE_COUNT];
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;

static void groups_init(void) {
  for (size_t i = 0; i < CURVE_COUNT; i++) groups[i] = EC_GROUP_new_by_curve_name(curves[i].nid);
}

enum curve_check { CURVE_ON, CURVE_OFF, CURVE_UNAVAILABLE };

/* y^2 = x^3 + ax + b (mod p), x and y already below p: what Go checks.
 * Written out with BN arithmetic rather than left to EC_POINT_oct2point,
 * whose failure reads "not on curve" also when one of its allocations
 * failed: here every step reports its own failure, so only a clean
 * computation can call a point off the curve. The error queue is left as
 * found. */
static enum curve_check on_curve(size_t curve, const uint8_t *point, size_t len) {
  if (pthread_once(&groups_once, groups_init) != 0 || groups[curve] == NULL)
    return CURVE_UNAVAILABLE;
  const size_t element = (len - 1) / 2;
  ERR_set_mark();
  BN_CTX *ctx = BN_CTX_new();
  if (ctx == NULL) {
    ERR_pop_to_mark();
    return CURVE_UNAVAILABLE;
  }
  BN_CTX_start(ctx);
  BIGNUM *p = BN_CTX_get(ctx), *a = BN_CTX_get(ctx), *b = BN_CTX_get(ctx);
  BIGNUM *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx), *lhs = BN_CTX_get(ctx);
  BIGNUM *rhs = BN_CTX_get(ctx); /* NULL when any get failed */
  enum curve_check verdict = CURVE_UNAVAILABLE;
  if (rhs != NULL && EC_GROUP_get_curve(groups[curve], p, a, b, ctx) == 1 &&
      BN_bin2bn(point + 1, (int)element, x) != NULL &&
      BN_bin2bn(point + 1 + element, (int)element, y) != NULL && BN_mod_sqr(lhs, y, p, ctx) == 1 &&
      /* (x^2 + a) * x + b */
      BN_mod_sqr(rhs, x, p, ctx) == 1 && BN_mod_add(rhs, rhs, a, p, ctx) == 1 &&
      BN_mod_mul(rhs, rhs, x, p, ctx) == 1 && BN_mod_add(rhs, rhs, b, p, ctx) == 1)
    verdict = BN_cmp(lhs, rhs) == 0 ? CURVE_ON : CURVE_OFF;
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  ERR_pop_to_mark();
  return verdict;
}

/* A coordinate (element_len big-endian octets) below the field prime. */
static bool below_prime(const struct go_curve *c, const uint8_t *v) {
  if (c->prime != NULL) return memcmp(v, c->prime, c->element_len) < 0;
  /* 2^521 - 1: below it unless the top octet exceeds 1 or the value is
   * all ones. */
  if (v[0] > 0x01) return false;
  if (v[0] < 0x01) return true;
  for (size_t i = 1; i < P521_LEN; i++)
    if (v[i] != 0xff) return true;
  return false;
}

static const char *parse_ecdsa(struct der_slice params, struct der_slice data,
                               struct go_public_key *out) {
  /* namedCurve only: params is the whole element after the algorithm OID. */
  struct byte_reader pr = reader_of(params);
  struct der_tlv oid;
  if (!der_read_expect(&pr, TAG_OID, &oid) || !go_oid_valid(oid.value))
    return "x509: invalid ECDSA parameters";
  size_t curve = CURVE_COUNT;
  for (size_t i = 0; i < CURVE_COUNT; i++)
    if (slice_is(oid.value, curves[i].oid, curves[i].oid_len)) curve = i;
  if (curve == CURVE_COUNT) return "x509: unsupported elliptic curve";
  const struct go_curve *c = &curves[curve];

  struct byte_reader r = reader_of(data);
  uint8_t form;
  if (!byte_reader_u8(&r, &form) || form != 0x04) return "ecdsa: invalid uncompressed public key";
  if (data.len != 1 + 2 * c->element_len) return c->bad_length;
  const uint8_t *x = byte_reader_peek(&r);
  if (!below_prime(c, x) || !below_prime(c, x + c->element_len)) return c->bad_element;
  switch (on_curve(curve, data.ptr, data.len)) {
    case CURVE_ON: break;
    case CURVE_OFF: return c->off_curve;
    case CURVE_UNAVAILABLE: return "derpcheck: OpenSSL cannot check EC points";
  }
  out->type = GO_KEY_ECDSA;
  return NULL;
}

static const char *parse_ed25519(struct der_slice params, struct der_slice data,
                                 struct go_public_key *out) {
  if (params.len != 0) return "x509: Ed25519 key encoded with illegal parameters";
  if (data.len != 32) return "x509: wrong Ed25519 public key size";
  out->type = GO_KEY_ED25519;
  return NULL;
}

const char *go_parse_public_key(struct der_slice spki, struct go_public_key *out) {
  *out = (struct go_public_key){GO_KEY_UNKNOWN, 0};
  struct byte_reader outer = reader_of(spki);
  struct der_tlv seq, alg, alg_oid, bits;
  if (!der_read_expect(&outer, TAG_SEQUENCE, &seq)) return "x509: malformed spki";
  struct byte_reader in = reader_of(seq.value);
  if (!der_read_expect(&in, TAG_SEQUENCE, &alg))
    return "x509: malformed public key algorithm identifier";
  struct byte_reader ai = reader_of(alg.value);
  if (!der_read_expect(&ai, TAG_OID, &alg_oid) || !go_oid_valid(alg_oid.value))
    return "x509: malformed OID";
  /* parseAI: the parameters are the next element, whole (FullBytes), of
   * any tag and form (ReadAnyASN1Element); what follows is not read. */
  struct der_slice params = {NULL, 0};
  struct der_tlv p;
  if (byte_reader_remaining(&ai) > 0) {
    if (!der_read_tlv_any_form(&ai, &p)) return "x509: malformed parameters";
    params = p.whole;
  }
  if (!der_read_expect(&in, TAG_BIT_STRING, &bits)) return "x509: malformed subjectPublicKey";

  /* getPublicKeyAlgorithmFromOID: anything else (X25519 too) stays nil. */
  const char *(*parse)(struct der_slice, struct der_slice, struct go_public_key *) = NULL;
  if (slice_is(alg_oid.value, oid_rsa, sizeof oid_rsa))
    parse = parse_rsa;
  else if (slice_is(alg_oid.value, oid_dsa, sizeof oid_dsa))
    parse = parse_dsa;
  else if (slice_is(alg_oid.value, oid_ecdsa, sizeof oid_ecdsa))
    parse = parse_ecdsa;
  else if (slice_is(alg_oid.value, oid_ed25519, sizeof oid_ed25519))
    parse = parse_ed25519;
  if (parse == NULL) return NULL;

  struct aligned_bits a;
  if (!right_align(bits.value, &a)) return "x509: malformed subjectPublicKey";
  const char *err = parse(params, a.data, out);
  free(a.heap);
  if (err != NULL) *out = (struct go_public_key){GO_KEY_UNKNOWN, 0};
  return err;
}
