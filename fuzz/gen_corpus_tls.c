/* Seeds for tls_client_handshake: the server's side of real handshakes
 * against the target's own deterministic client (tls_client_fixture.h), run
 * in-process over memory BIOs. The server uses the default library context
 * (its randomness need not repeat); the client is reseeded per handshake, so
 * the recorded flight replays exactly in the target. Because the server's
 * bytes differ on every run, these seeds are recorded only when the target is
 * named (`gen_corpus DIR tls_client_handshake`), never by a full run or
 * --check. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "derp/metacert.h"
#include "gen_corpus.h"
#include "tls_client_fixture.h"

#define ROUNDS 12
#define TRANSCRIPT_CAP 65536

static uint8_t transcript[TRANSCRIPT_CAP];

static bool move_bytes(BIO *from, BIO *to, uint8_t *record, size_t *record_len) {
  uint8_t buf[16384];
  int n;
  while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
    if (BIO_write(to, buf, n) != n) return false;
    if (record != NULL) {
      if (*record_len + (size_t)n > TRANSCRIPT_CAP) return false;
      memcpy(record + *record_len, buf, (size_t)n);
      *record_len += (size_t)n;
    }
  }
  return true;
}

struct server_setup {
  const char *name;
  int max_version;
  X509 *leaf;
  EVP_PKEY *key;
  X509 *chain[2];
  size_t chain_len;
  bool tickets;
};

static bool record(struct corpus_sink *sink, struct tls_client_fixture *fx,
                   const struct server_setup *s, bool expect_ok) {
  SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
  bool ok = sctx != NULL && SSL_CTX_use_certificate(sctx, s->leaf) == 1 &&
            SSL_CTX_use_PrivateKey(sctx, s->key) == 1;
  for (size_t i = 0; ok && i < s->chain_len; i++)
    ok = SSL_CTX_add1_chain_cert(sctx, s->chain[i]) == 1;
  if (ok && s->max_version) ok = SSL_CTX_set_max_proto_version(sctx, s->max_version) == 1;
  if (ok && !s->tickets) ok = SSL_CTX_set_num_tickets(sctx, 0) == 1;
  SSL *server = ok ? SSL_new(sctx) : NULL;
  BIO *c_in = NULL, *c_out = NULL;
  SSL *client = ok ? fixture_client(fx, &c_in, &c_out) : NULL;
  BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
  ok = server && client && s_in && s_out;
  if (ok) {
    BIO_set_mem_eof_return(s_in, -1);
    SSL_set_bio(server, s_in, s_out);
    SSL_set_accept_state(server);
  } else {
    BIO_free(s_in);
    BIO_free(s_out);
  }
  size_t len = 0;
  int c_done = 0, s_done = 0;
  for (int r = 0; ok && r < ROUNDS && !(c_done == 1 && s_done == 1); r++) {
    if (c_done != 1) c_done = SSL_do_handshake(client);
    ok = move_bytes(c_out, s_in, NULL, NULL);
    if (s_done != 1) s_done = SSL_do_handshake(server);
    ok = ok && move_bytes(s_out, c_in, transcript, &len);
  }
  if (ok && s->tickets) {
    uint8_t tickets[16];
    (void)SSL_read(client, tickets, sizeof tickets);
  }
  bool finished = c_done == 1;
  if (finished != expect_ok) {
    fprintf(stderr, "%s: client handshake %s (want %s)\n", s->name,
            finished ? "finished" : "failed", expect_ok ? "finished" : "failed");
    ok = false;
  }
  if (ok) {
    corpus_put(sink, "tls_client_handshake", s->name, transcript, len);
    /* Near misses: the flights cut short. */
    if (strcmp(s->name, "tls13_leaf") == 0)
      corpus_put(sink, "tls_client_handshake", "tls13_leaf_cut", transcript, len < 300 ? len : 300);
    if (strcmp(s->name, "tls12_leaf") == 0)
      corpus_put(sink, "tls_client_handshake", "tls12_leaf_cut", transcript, len < 400 ? len : 400);
  }
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(sctx);
  return ok;
}

void gen_tls_handshake_seeds(struct corpus_sink *sink) {
  if (sink->only == NULL || strcmp(sink->only, "tls_client_handshake") != 0) return;
  static struct tls_client_fixture fx;
  if (!fixture_init(&fx)) {
    fprintf(stderr, "gen_corpus: tls_client_handshake fixture set-up failed\n");
    sink->failed = true;
    return;
  }
  struct cert_spec other_spec = cert_spec_derper_ip(FIXTURE_SERVER_NAME, FIXTURE_NOW);
  other_spec.label = "other";
  struct factory_cert *other = cert_factory_make(fx.factory, &other_spec);
  struct cert_spec ca_spec = gen_test_ca_spec(FIXTURE_NOW);
  struct factory_cert *ca = cert_factory_make(fx.factory, &ca_spec);
  uint8_t derp_pub[32];
  for (size_t i = 0; i < sizeof derp_pub; i++) derp_pub[i] = (uint8_t)(0x40 + i);
  uint8_t meta_der[METACERT_DER_MAX];
  size_t meta_len = 0;
  X509 *meta = NULL;
  if (metacert_build(derp_pub, 2, FIXTURE_NOW, meta_der, sizeof meta_der, &meta_len) ==
      METACERT_OK) {
    const unsigned char *p = meta_der;
    meta = d2i_X509(NULL, &p, (long)meta_len);
  }
  if (other == NULL || ca == NULL || meta == NULL) {
    fprintf(stderr, "gen_corpus: tls_client_handshake certificates: %s\n",
            cert_factory_error(fx.factory));
    sink->failed = true;
    return;
  }

  X509 *leaf = fx.leaf->x509;
  EVP_PKEY *key = fx.leaf->key;
  const struct {
    struct server_setup s;
    bool ok;
  } runs[] = {
      {{"tls13_leaf", 0, leaf, key, {NULL, NULL}, 0, false}, true},
      {{"tls12_leaf", TLS1_2_VERSION, leaf, key, {NULL, NULL}, 0, false}, true},
      {{"tls13_leaf_metacert", 0, leaf, key, {meta, NULL}, 1, false}, true},
      {{"tls12_leaf_metacert", TLS1_2_VERSION, leaf, key, {meta, NULL}, 1, false}, true},
      {{"tls13_leaf_ca_metacert", 0, leaf, key, {ca->x509, meta}, 2, false},
       false}, /* two non-metacerts */
      {{"tls13_tickets", 0, leaf, key, {NULL, NULL}, 0, true}, true},
      {{"tls13_wrong_cert", 0, other->x509, other->key, {NULL, NULL}, 0, false}, false},
      {{"tls12_wrong_cert", TLS1_2_VERSION, other->x509, other->key, {NULL, NULL}, 0, false},
       false},
      {{"tls13_two_leaves", 0, other->x509, other->key, {leaf, NULL}, 1, false}, false},
      {{"tls12_ca_as_leaf", TLS1_2_VERSION, ca->x509, ca->key, {leaf, NULL}, 1, false}, false},
  };
  bool ok = true;
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
    ok = record(sink, &fx, &runs[i].s, runs[i].ok) && ok;
  corpus_put(sink, "tls_client_handshake", "empty", NULL, 0);
  X509_free(meta);
  factory_cert_free(other);
  factory_cert_free(ca);
  if (!ok) sink->failed = true;
}
