#include "floor.h"

#include <openssl/ssl.h>
#include <stdlib.h>

#include "harness/cert_factory.h"
#include "harness/proc.h"

enum { TRIALS = 5 };

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return v[n / 2];
}

double floor_process_ms(void) {
  double v[TRIALS];
  int n = 0;
  for (int i = 0; i < TRIALS; i++) {
    const char *argv[] = {"/bin/true", NULL};
    struct proc_spec spec = {.argv = argv};
    struct proc p;
    char err[128];
    int64_t t0 = proc_now_ns();
    if (proc_start(&p, &spec, err, sizeof err) != PROC_OK) continue;
    proc_wait_exit(&p, 5000);
    proc_stop(&p, 100);
    proc_release(&p);
    v[n++] = (double)(proc_now_ns() - t0) / 1e6;
  }
  return n > 0 ? median(v, n) : 0;
}

/* Drive both ends over a BIO pair until the handshake completes. */
static bool handshake(SSL_CTX *sctx, SSL_CTX *cctx) {
  SSL *s = SSL_new(sctx), *c = SSL_new(cctx);
  BIO *sb = NULL, *cb = NULL;
  bool ok = s != NULL && c != NULL && BIO_new_bio_pair(&sb, 0, &cb, 0) == 1;
  if (ok) {
    SSL_set_bio(s, sb, sb);
    SSL_set_bio(c, cb, cb);
    SSL_set_accept_state(s);
    SSL_set_connect_state(c);
    bool sdone = false, cdone = false;
    for (int round = 0; round < 20 && !(sdone && cdone); round++) {
      if (!cdone) cdone = SSL_do_handshake(c) == 1;
      if (!sdone) sdone = SSL_do_handshake(s) == 1;
    }
    ok = sdone && cdone;
  }
  SSL_free(s);
  SSL_free(c);
  return ok;
}

double floor_tls_ms(uint64_t seed) {
  struct cert_factory *f = cert_factory_new(seed);
  struct cert_spec spec = cert_spec_derper_ip("127.0.0.1", 1700000000);
  struct factory_cert *leaf = f != NULL ? cert_factory_make(f, &spec) : NULL;
  SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
  double v[TRIALS];
  int n = 0;
  if (leaf != NULL && sctx != NULL && cctx != NULL &&
      SSL_CTX_use_certificate(sctx, leaf->x509) == 1 &&
      SSL_CTX_use_PrivateKey(sctx, leaf->key) == 1) {
    SSL_CTX_set_num_tickets(sctx, 0);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
    for (int i = 0; i < TRIALS; i++) {
      int64_t t0 = proc_now_ns();
      if (handshake(sctx, cctx)) v[n++] = (double)(proc_now_ns() - t0) / 1e6;
    }
  }
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
  factory_cert_free(leaf);
  cert_factory_free(f);
  return n > 0 ? median(v, n) : 0;
}
