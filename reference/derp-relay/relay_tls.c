#include "relay_tls.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "derp/go.h"
#include "derp/ipcert.h"
#include "derp/metacert.h"
#include "relay_certdir.h"

/* Where each SSL keeps its struct relay_tls_note (process-wide index). */
static int note_index = -1;

static struct relay_tls_note *note_of(SSL *ssl) {
  return note_index < 0 ? NULL : SSL_get_ex_data(ssl, note_index);
}

/* The first reason wins: later ones are consequences of it. */
static void note_set(SSL *ssl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_set(SSL *ssl, const char *fmt, ...) {
  struct relay_tls_note *n = note_of(ssl);
  if (n == NULL || n->text[0] != '\0') return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(n->text, sizeof n->text, fmt, ap);
  va_end(ap);
}

/* A fatal alert is the most useful explanation of a failed handshake, in
 * Go's words: one from the client (e.g. a pinning client rejecting our
 * chain) is `remote error: tls: bad certificate`, one the relay sends (e.g.
 * protocol_version to a client below --tls-min) `local error: tls: ...`.
 * SSL_CB_READ_ALERT and SSL_CB_WRITE_ALERT share the SSL_CB_ALERT bit, so
 * the direction is the SSL_CB_READ bit. */
static void info_cb(const SSL *ssl, int where, int ret) {
  if ((where & SSL_CB_ALERT) == 0 || (ret >> 8) != SSL3_AL_FATAL) return;
  const char *text = go_tls_alert_text(ret & 0xff);
  char buf[32];
  if (text == NULL) {
    snprintf(buf, sizeof buf, "alert(%d)", ret & 0xff);
    text = buf;
  }
  note_set((SSL *)ssl, "%s error: tls: %s", (where & SSL_CB_READ) != 0 ? "remote" : "local", text);
}

/* derper's manual-mode getCertificate policy (spec §1.3). Called by OpenSSL
 * for every ClientHello, with or without an SNI extension. */
static int servername_cb(SSL *ssl, int *alert, void *arg) {
  const struct relay_tls *t = arg;
  if (t->hostname_is_ip) return SSL_TLSEXT_ERR_OK;
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (sni != NULL && strcmp(sni, t->hostname) == 0) return SSL_TLSEXT_ERR_OK;
  /* Go answers a GetCertificate error with an internal_error alert. */
  note_set(ssl, "cert mismatch with hostname: \"%s\"", sni != NULL ? sni : "");
  *alert = SSL_AD_INTERNAL_ERROR;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Server ALPN list ["http/1.1"], Go's negotiateALPN: no ALPN from the client
 * means no ALPN; an offer without http/1.1 fails the handshake. */
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg) {
  (void)arg;
  static const char want[] = "http/1.1";
  const size_t want_len = sizeof want - 1;
  char offered[RELAY_TLS_NOTE_MAX];
  size_t olen = 0;
  unsigned int i = 0;
  while (i < inlen) {
    unsigned int n = in[i++];
    if (n > inlen - i) break;
    if (n == want_len && memcmp(in + i, want, want_len) == 0) {
      *out = in + i;
      *outlen = (unsigned char)n;
      return SSL_TLSEXT_ERR_OK;
    }
    /* Go formats the offer as %s of a []string: "[h2 spdy/3]". */
    int w = snprintf(offered + olen, sizeof offered - olen, "%s%.*s", olen == 0 ? "" : " ", (int)n,
                     (const char *)in + i);
    if (w > 0 && (size_t)w < sizeof offered - olen) olen += (size_t)w;
    i += n;
  }
  offered[olen] = '\0';
  note_set(ssl, "tls: client requested unsupported application protocols ([%.200s])", offered);
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static bool ctx_fail(char *err, size_t errcap, const char *what) {
  unsigned long e = ERR_get_error();
  char ebuf[256];
  ERR_error_string_n(e, ebuf, sizeof ebuf);
  snprintf(err, errcap, "TLS setup: %s: %s", what, e != 0 ? ebuf : "unknown error");
  ERR_clear_error();
  return false;
}

static bool add_metacert(SSL_CTX *ctx, const uint8_t *derp_pub, int64_t now, char *err,
                         size_t errcap) {
  uint8_t der[METACERT_DER_MAX];
  size_t len = 0;
  enum metacert_status st =
      metacert_build(derp_pub, METACERT_PROTOCOL_VERSION, now, der, sizeof der, &len);
  if (st != METACERT_OK) {
    snprintf(err, errcap, "metacert: %s", metacert_status_str(st));
    return false;
  }
  const unsigned char *p = der;
  X509 *meta = d2i_X509(NULL, &p, (long)len);
  if (meta == NULL) return ctx_fail(err, errcap, "metacert does not parse");
  bool ok = SSL_CTX_add1_chain_cert(ctx, meta) == 1;
  X509_free(meta);
  return ok ? true : ctx_fail(err, errcap, "adding the metacert");
}

/* Everything but the certificate: versions, ALPN, SNI, memory mode. */
static bool ctx_configure(struct relay_tls *t, const struct relay_tls_options *o, char *err,
                          size_t errcap) {
  SSL_CTX *ctx = t->ctx;
  if (SSL_CTX_set_min_proto_version(ctx, (int)o->tls_min) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, (int)o->tls_max) != 1) {
    return ctx_fail(err, errcap, "TLS versions");
  }
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  /* Stateless tickets only: a server-side session cache would grow with every
   * client (memory per connection is a stated budget). One ticket per full
   * handshake, as Go's server sends. */
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 1);
  /* A peer that closes TCP without close_notify is an EOF, as Go reports it;
   * OpenSSL 3 would call it an error. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
  SSL_CTX_set_tlsext_servername_arg(ctx, t);
  SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
  SSL_CTX_set_info_callback(ctx, info_cb);
  return true;
}

bool relay_tls_init(struct relay_tls *t, const struct relay_tls_options *o, char *err,
                    size_t errcap) {
  memset(t, 0, sizeof *t);
  t->hostname = o->hostname;
  uint8_t ip[16];
  t->hostname_is_ip = o->hostname != NULL && go_parse_ip(o->hostname, strlen(o->hostname), ip);
  if (note_index < 0) {
    note_index = SSL_get_ex_new_index(0, (void *)"relay_tls_note", NULL, NULL, NULL);
    if (note_index < 0) return ctx_fail(err, errcap, "ex_data index");
  }

  struct ipcert_chain chain;
  memset(&chain, 0, sizeof chain);
  char ierr[IPCERT_ERR_SIZE];
  if (relay_certdir_load(o->certdir, o->hostname, o->now, &chain, ierr, sizeof ierr) != IPCERT_OK) {
    snprintf(err, errcap, "%s", ierr);
    return false;
  }
  t->generated = chain.generated;
  bool ok = false;
  const struct der_slice *leaf = &chain.der[0];
  if (t->hostname_is_ip && !ipcert_snippet(o->hostname, leaf->ptr, leaf->len, o->now, o->utc_offset,
                                           t->snippet, sizeof t->snippet)) {
    snprintf(err, errcap, "cannot format the DERPMap snippet for %s", o->hostname);
    goto out;
  }
  t->ctx = SSL_CTX_new(TLS_server_method());
  if (t->ctx == NULL) {
    ctx_fail(err, errcap, "SSL_CTX_new");
    goto out;
  }
  if (!ctx_configure(t, o, err, errcap)) goto out;
  if (SSL_CTX_use_certificate(t->ctx, chain.x509[0]) != 1 ||
      SSL_CTX_use_PrivateKey(t->ctx, chain.key) != 1 || SSL_CTX_check_private_key(t->ctx) != 1) {
    ctx_fail(err, errcap, "certificate and key");
    goto out;
  }
  /* The served chain, assembled once: intermediates in file order, then the
   * metacert last (the leaf's key signs the handshake, so the leaf is first). */
  for (size_t i = 1; i < chain.count; i++) {
    if (SSL_CTX_add1_chain_cert(t->ctx, chain.x509[i]) != 1) {
      ctx_fail(err, errcap, "adding an intermediate");
      goto out;
    }
  }
  t->served_certs = chain.count;
  if (o->metacert) {
    if (!add_metacert(t->ctx, o->derp_pub, o->now, err, errcap)) goto out;
    t->served_certs++;
  }
  ok = true;
out:
  ipcert_chain_free(&chain);
  if (!ok) relay_tls_free(t);
  return ok;
}

void relay_tls_free(struct relay_tls *t) {
  SSL_CTX_free(t->ctx);
  t->ctx = NULL;
}

SSL *relay_tls_new_ssl(struct relay_tls *t, struct relay_tls_note *note) {
  SSL *ssl = SSL_new(t->ctx);
  if (ssl == NULL) return NULL;
  note->text[0] = '\0';
  if (SSL_set_ex_data(ssl, note_index, note) != 1) {
    SSL_free(ssl);
    return NULL;
  }
  return ssl;
}

void relay_tls_failure_reason(const struct relay_tls_note *note, unsigned long ossl_err,
                              bool peer_eof, char *out, size_t cap) {
  if (note != NULL && note->text[0] != '\0') {
    snprintf(out, cap, "%s", note->text);
  } else if (ossl_err != 0) {
    const char *r = ERR_reason_error_string(ossl_err);
    if (r != NULL) {
      snprintf(out, cap, "%s", r);
    } else {
      snprintf(out, cap, "OpenSSL error 0x%lx", ossl_err);
    }
  } else if (peer_eof) {
    snprintf(out, cap, "EOF");
  } else {
    snprintf(out, cap, "connection reset");
  }
}
