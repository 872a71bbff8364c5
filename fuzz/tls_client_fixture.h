/* tls_client_fixture: the deterministic TLS client shared by the
 * tls_client_handshake fuzz target and its seed recorder
 * (gen_corpus_tls.c).
 *
 * Why shared: a recorded server flight only replays if the client that
 * hears it sends byte-identical hellos (same random, same key share), so the
 * recorder must build exactly the client the target builds. Determinism
 * comes from a det_rand library context reseeded before every handshake; no
 * clock is read by our code (certificate time checks use FIXTURE_NOW through
 * pin_verify, OpenSSL's own chain verification is replaced).
 *
 * The client pins the leaf the harness factory makes for 127.0.0.1 (seed
 * FIXTURE_FACTORY_SEED, clock FIXTURE_NOW), as a DERPMap CertName
 * "sha256-raw:<hex>" would. Its certificate verify callback takes the raw
 * Certificate message captured by the msg callback, splits it with
 * tls_certmsg_parse, compares the split with the chain OpenSSL parsed from
 * the same message (the oracle), then returns pin_verify's verdict. */
#ifndef DERP_FUZZ_TLS_CLIENT_FIXTURE_H
#define DERP_FUZZ_TLS_CLIENT_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "derp/pin_verify.h"
#include "derp/tls_certmsg.h"
#include "harness/cert_factory.h"
#include "harness/det_rand.h"
#include "oracle_report.h"

#define FIXTURE_NOW 1767225600 /* 2026-01-01T00:00:00Z */
#define FIXTURE_FACTORY_SEED 1u
#define FIXTURE_RAND_SEED 0x64657270u
#define FIXTURE_SERVER_NAME "127.0.0.1"
#define FIXTURE_CERTMSG_CAP 65536u

struct fixture_capture {
  bool seen;
  bool truncated;
  size_t len;
  uint8_t msg[FIXTURE_CERTMSG_CAP];
  bool verified; /* the verify callback ran */
  bool pin_ok;   /* and pin_verify accepted */
};

struct tls_client_fixture {
  struct cert_factory *factory;
  struct factory_cert *leaf;
  char pin[65];
  OSSL_LIB_CTX *libctx;
  struct det_rand_providers providers;
  SSL_CTX *ctx;
};

static struct fixture_capture fixture_capture_slot;

static void fixture_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                           SSL *ssl, void *arg) {
  (void)version;
  (void)ssl;
  (void)arg;
  const uint8_t *p = buf;
  if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 1 || p[0] != TLS_HANDSHAKE_CERTIFICATE)
    return;
  struct fixture_capture *c = &fixture_capture_slot;
  c->seen = true;
  c->truncated = len > sizeof c->msg;
  c->len = c->truncated ? sizeof c->msg : len;
  memcpy(c->msg, p, c->len);
}

/* Does slice d hold the certificate OpenSSL parsed as x? OpenSSL's i2d
 * re-encodes the outer Certificate (a non-DER BIT STRING comes back with
 * its padding bits cleared), so i2d(x) need not equal the wire bytes; the
 * same bytes parsed again must re-encode identically, every byte used. */
static bool fixture_same_cert(X509 *x, const struct der_slice *d) {
  const unsigned char *p = d->ptr;
  X509 *y = d->len <= LONG_MAX ? d2i_X509(NULL, &p, (long)d->len) : NULL;
  unsigned char *ex = NULL, *ey = NULL;
  int nx = i2d_X509(x, &ex);
  int ny = y != NULL ? i2d_X509(y, &ey) : -1;
  bool same =
      y != NULL && p == d->ptr + d->len && nx > 0 && nx == ny && memcmp(ex, ey, (size_t)nx) == 0;
  OPENSSL_free(ex);
  OPENSSL_free(ey);
  X509_free(y);
  ERR_clear_error();
  return same;
}

static int fixture_verify_cb(X509_STORE_CTX *store, void *arg) {
  struct tls_client_fixture *fx = arg;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct fixture_capture *c = &fixture_capture_slot;
  c->verified = true;
  ORACLE_ASSERT(c->seen, "certificate verification without a captured Certificate message");
  if (c->truncated) return 0;

  bool tls13 = SSL_version(ssl) == TLS1_3_VERSION;
  struct tls_certmsg cm;
  enum tls_certmsg_status st = tls_certmsg_parse(c->msg, c->len, tls13, &cm);
  STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(store);
  int n = chain ? sk_X509_num(chain) : 0;
  /* OpenSSL accepted this message; so must we, except past our cap. */
  bool agree = st == TLS_CERTMSG_OK ? cm.n_certs == (size_t)n
                                    : st == TLS_CERTMSG_ERR_TOO_MANY && n > TLS_CERTMSG_MAX_CERTS;
  for (size_t i = 0; agree && st == TLS_CERTMSG_OK && i < cm.n_certs; i++)
    agree = fixture_same_cert(sk_X509_value(chain, (int)i), &cm.certs[i]);
  if (!agree) {
    oracle_mismatch("tls_certmsg_parse disagrees with OpenSSL's parse of the Certificate message");
    oracle_view("layout %s; module: %s, %zu certs; OpenSSL: %d certs",
                tls13 ? "TLS 1.3" : "TLS 1.2", tls_certmsg_status_str(st),
                st == TLS_CERTMSG_OK ? cm.n_certs : 0, n);
    oracle_hex("message", c->msg, c->len);
    oracle_abort();
  }
  if (st != TLS_CERTMSG_OK) return 0;

  struct pin_verify_input in = {
      .certs = cm.certs,
      .n_certs = cm.n_certs,
      .pin_hex = fx->pin,
      .server_name = FIXTURE_SERVER_NAME,
      .now = FIXTURE_NOW,
      .profile = PIN_PROFILE_CURRENT,
  };
  static struct pin_verify_result res;
  c->pin_ok = pin_verify(&in, &res);
  ORACLE_ASSERT(c->pin_ok == (res.status == PIN_VERIFY_OK),
                "pin_verify return and status disagree");
  ORACLE_ASSERT(!c->pin_ok || res.cert_index < cm.n_certs, "accepted cert index %zu of %zu",
                res.cert_index, cm.n_certs);
  if (!c->pin_ok) X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return c->pin_ok ? 1 : 0;
}

/* One-time set-up; false (with a message on stderr) if OpenSSL refuses. */
static bool fixture_init(struct tls_client_fixture *fx) {
  memset(fx, 0, sizeof *fx);
  fx->factory = cert_factory_new(FIXTURE_FACTORY_SEED);
  if (fx->factory == NULL) return false;
  struct cert_spec spec = cert_spec_derper_ip(FIXTURE_SERVER_NAME, FIXTURE_NOW);
  fx->leaf = cert_factory_make(fx->factory, &spec);
  if (fx->leaf == NULL) return false;
  memcpy(fx->pin, fx->leaf->sha256_hex, sizeof fx->pin);
  fx->libctx = OSSL_LIB_CTX_new();
  if (fx->libctx == NULL || !det_rand_install(fx->libctx, FIXTURE_RAND_SEED, &fx->providers))
    return false;
  fx->ctx = SSL_CTX_new_ex(fx->libctx, NULL, TLS_client_method());
  if (fx->ctx == NULL) return false;
  SSL_CTX_set_min_proto_version(fx->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(fx->ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_cert_verify_callback(fx->ctx, fixture_verify_cb, fx);
  SSL_CTX_set_msg_callback(fx->ctx, fixture_msg_cb);
  SSL_CTX_set_session_cache_mode(fx->ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(fx->ctx, SSL_OP_NO_TICKET);
  return true;
}

/* A fresh client with fresh randomness: the same hello every time. The
 * caller owns the SSL (its BIOs go with it); `in` and `out` are the wire. */
static SSL *fixture_client(struct tls_client_fixture *fx, BIO **in, BIO **out) {
  memset(&fixture_capture_slot, 0, sizeof fixture_capture_slot);
  det_rand_reseed(FIXTURE_RAND_SEED);
  SSL *ssl = SSL_new(fx->ctx);
  if (ssl == NULL) return NULL;
  *in = BIO_new(BIO_s_mem());
  *out = BIO_new(BIO_s_mem());
  if (*in == NULL || *out == NULL) {
    BIO_free(*in);
    BIO_free(*out);
    SSL_free(ssl);
    return NULL;
  }
  BIO_set_mem_eof_return(*in, -1); /* empty = "want read", not EOF */
  SSL_set_bio(ssl, *in, *out);
  SSL_set_connect_state(ssl);
  return ssl;
}

#endif
