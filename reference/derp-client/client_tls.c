/* client_tls: OpenSSL client with the CertName dispatch in its verify hook. */
#include "client_tls.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "client_dial.h"
#include "client_x509.h"
#include "derp/go.h"
#include "derp/pin_verify.h"

/* ---- capture ---- */

static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg) {
  (void)version;
  (void)arg;
  const uint8_t *b = buf;
  if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 4 || b[0] != TLS_HANDSHAKE_CERTIFICATE)
    return;
  struct client_tls *t = SSL_get_app_data(ssl);
  if (t == NULL || t->certmsg != NULL || len > CLIENT_TLS_CERTMSG_MAX) return;
  t->certmsg = malloc(len);
  if (t->certmsg == NULL) return;
  memcpy(t->certmsg, b, len);
  t->certmsg_len = len;
  t->certmsg_ok = tls_certmsg_parse(t->certmsg, len, SSL_version(ssl) >= TLS1_3_VERSION,
                                    &t->certs) == TLS_CERTMSG_OK;
}

/* ---- the dispatch, inside the handshake ---- */

static bool run_pin(struct client_tls *t) {
  const struct client_tls_setup *s = t->opts->setup;
  struct pin_verify_input in = {.certs = t->certs.certs,
                                .n_certs = t->certs.n_certs,
                                .pin_hex = s->pin_hex,
                                .server_name = s->pin_server_name,
                                .now = t->opts->now,
                                .profile = s->pin_profile};
  struct pin_verify_result res;
  bool ok = pin_verify(&in, &res);
  if (ok)
    t->pin_index = res.cert_index;
  else
    snprintf(t->verify_error, sizeof t->verify_error, "%s", res.message);
  return ok;
}

/* a + b into dst, cut to fit: Go's texts are unbounded in principle (SAN
 * lists), and the head is what matters. */
static void join_text(char *dst, size_t cap, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (cap == 0) return;
  if (la > cap - 1) la = cap - 1;
  if (lb > cap - 1 - la) lb = cap - 1 - la;
  memcpy(dst, a, la);
  memcpy(dst + la, b, lb);
  dst[la + lb] = '\0';
}

static bool run_ca(struct client_tls *t, X509_STORE_CTX *xs) {
  const struct client_tls_setup *s = t->opts->setup;
  char err[CLIENT_TLS_ERR_MAX];
  if (s->kind == CLIENT_VERIFY_NAME && t->certs.n_certs == 0) {
    snprintf(t->verify_error, sizeof t->verify_error, "no certs presented");
    return false;
  }
  if (client_x509_verify(xs, t->certs.certs, t->certs.n_certs, s->verify_name, t->opts->now, err,
                         sizeof err))
    return true;
  /* crypto/tls wraps its own verification's error (Go >= 1.20); the
   * callbacks tlsdial installs return theirs as they are. */
  bool wrap = s->kind == CLIENT_VERIFY_GO_TLS && strncmp(err, "tls: ", 5) != 0;
  join_text(t->verify_error, sizeof t->verify_error,
            wrap ? "tls: failed to verify certificate: " : "", err);
  return false;
}

static int verify_certificates(X509_STORE_CTX *xs, void *arg) {
  (void)arg;
  SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
  struct client_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
  if (t == NULL) return 0;
  bool ok;
  if (!t->certmsg_ok) {
    snprintf(t->verify_error, sizeof t->verify_error,
             "tls: certificate message not captured or malformed");
    ok = false;
  } else {
    switch (t->opts->setup->kind) {
      case CLIENT_VERIFY_PIN: ok = run_pin(t); break;
      case CLIENT_VERIFY_NONE: ok = true; break;
      default: ok = run_ca(t, xs); break;
    }
  }
  if (ok) {
    X509_STORE_CTX_set_error(xs, X509_V_OK);
    return 1;
  }
  t->verify_failed = true;
  /* bad_certificate, the alert Go sends when a verify hook refuses. */
  X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
  return 0;
}

/* ---- errors ---- */

/* The text for a failed SSL_* call, in Go's words where there is one. */
static void io_error(struct client_tls *t, int ret, const char *op, char *err, size_t cap) {
  int e = SSL_get_error(t->ssl, ret);
  unsigned long code = ERR_peek_error();
  if (e == SSL_ERROR_SSL && code != 0 &&
      ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    snprintf(err, cap, "EOF");
  } else if (e == SSL_ERROR_SSL && code != 0) {
    int reason = ERR_GET_REASON(code);
    if (reason > SSL_AD_REASON_OFFSET && go_tls_alert_text(reason - SSL_AD_REASON_OFFSET) != NULL) {
      snprintf(err, cap, "remote error: tls: %s", go_tls_alert_text(reason - SSL_AD_REASON_OFFSET));
    } else {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof buf);
      snprintf(err, cap, "tls: %s",
               ERR_reason_error_string(code) ? ERR_reason_error_string(code) : buf);
    }
  } else if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0) ||
             (e == SSL_ERROR_SYSCALL && code == 0 && ret == 0)) {
    snprintf(err, cap, "EOF");
  } else if (e == SSL_ERROR_SYSCALL) {
    char why[128];
    client_errno_text(errno, why, sizeof why);
    snprintf(err, cap, "%s: %s", op, why);
  } else {
    snprintf(err, cap, "tls: %s failed (SSL error %d)", op, e);
  }
  ERR_clear_error();
}

/* Wait for what OpenSSL asked; false at the deadline. */
static bool wait_for(struct client_tls *t, int ret, int64_t deadline_ms) {
  int e = SSL_get_error(t->ssl, ret);
  short ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
  return client_wait_fd(t->fd, ev, deadline_ms) == 1;
}

static bool wants_io(struct client_tls *t, int ret) {
  int e = SSL_get_error(t->ssl, ret);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* ---- handshake ---- */

static enum client_tls_status setup_ctx(struct client_tls *t, char *err, size_t cap) {
  const struct client_tls_options *o = t->opts;
  t->ctx = SSL_CTX_new(TLS_client_method());
  if (t->ctx == NULL) {
    snprintf(err, cap, "tls: cannot create context");
    return CLIENT_TLS_CONFIG_ERROR;
  }
  SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION); /* Go's client minimum */
  SSL_CTX_set_max_proto_version(t->ctx, o->tls_max ? o->tls_max : TLS1_3_VERSION);
  SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_cert_verify_callback(t->ctx, verify_certificates, NULL);
  SSL_CTX_set_msg_callback(t->ctx, on_message);
  SSL_CTX_set_mode(t->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  enum client_verify_kind k = o->setup->kind;
  if (k == CLIENT_VERIFY_CA || k == CLIENT_VERIFY_NAME || k == CLIENT_VERIFY_GO_TLS) {
    SSL_CTX_set_default_verify_paths(t->ctx);
    if (o->ca_file != NULL && SSL_CTX_load_verify_locations(t->ctx, o->ca_file, NULL) != 1) {
      ERR_clear_error();
      snprintf(err, cap, "cannot load --ca-file %s: not readable PEM certificates", o->ca_file);
      return CLIENT_TLS_CONFIG_ERROR;
    }
  }
  t->ssl = SSL_new(t->ctx);
  if (t->ssl == NULL || SSL_set_fd(t->ssl, t->fd) != 1) {
    snprintf(err, cap, "tls: cannot create connection");
    return CLIENT_TLS_CONFIG_ERROR;
  }
  SSL_set_app_data(t->ssl, t);
  if (o->setup->sni[0] != '\0' && SSL_set_tlsext_host_name(t->ssl, o->setup->sni) != 1) {
    ERR_clear_error();
    snprintf(err, cap, "tls: server name %s cannot be sent as SNI", o->setup->sni);
    return CLIENT_TLS_FAILED;
  }
  return CLIENT_TLS_OK;
}

enum client_tls_status client_tls_handshake(struct client_tls *t, int fd,
                                            const struct client_tls_options *o, int64_t deadline_ms,
                                            char *err, size_t cap) {
  memset(t, 0, sizeof *t);
  t->fd = fd;
  t->opts = o;
  ERR_clear_error();
  enum client_tls_status st = setup_ctx(t, err, cap);
  if (st != CLIENT_TLS_OK) return st;
  for (;;) {
    int r = SSL_connect(t->ssl);
    if (r == 1) break;
    if (t->certmsg != NULL) t->version = SSL_version(t->ssl); /* known since ServerHello */
    if (t->verify_failed) {
      /* Our refusal: its text is the reason, not OpenSSL's alert code. */
      snprintf(err, cap, "%s", t->verify_error);
      ERR_clear_error();
      return CLIENT_TLS_FAILED;
    }
    if (wants_io(t, r)) {
      if (!wait_for(t, r, deadline_ms)) {
        snprintf(err, cap, "context deadline exceeded");
        return CLIENT_TLS_FAILED;
      }
      continue;
    }
    io_error(t, r, "read", err, cap);
    return CLIENT_TLS_FAILED;
  }
  t->version = SSL_version(t->ssl);
  return CLIENT_TLS_OK;
}

bool client_tls_write_all(struct client_tls *t, const uint8_t *buf, size_t len, int64_t deadline_ms,
                          char *err, size_t cap) {
  while (len > 0) {
    size_t chunk = len > INT32_MAX ? INT32_MAX : len;
    int r = SSL_write(t->ssl, buf, (int)chunk);
    if (r > 0) {
      buf += r;
      len -= (size_t)r;
      continue;
    }
    if (wants_io(t, r)) {
      if (!wait_for(t, r, deadline_ms)) {
        snprintf(err, cap, "write: i/o timeout");
        return false;
      }
      continue;
    }
    io_error(t, r, "write", err, cap);
    return false;
  }
  return true;
}

ssize_t client_tls_read(struct client_tls *t, uint8_t *buf, size_t cap, int64_t deadline_ms,
                        char *err, size_t err_cap) {
  size_t chunk = cap > INT32_MAX ? INT32_MAX : cap;
  for (;;) {
    int r = SSL_read(t->ssl, buf, (int)chunk);
    if (r > 0) return r;
    if (wants_io(t, r)) {
      if (!wait_for(t, r, deadline_ms)) {
        snprintf(err, err_cap, "read: i/o timeout");
        return -1;
      }
      continue;
    }
    io_error(t, r, "read", err, err_cap);
    return strcmp(err, "EOF") == 0 ? 0 : -1;
  }
}

void client_tls_close(struct client_tls *t) {
  if (t->ssl != NULL) {
    /* Best effort close_notify after a completed handshake; never wait
     * for the peer's. */
    if (t->version != 0) SSL_shutdown(t->ssl);
    SSL_free(t->ssl);
  }
  if (t->ctx != NULL) SSL_CTX_free(t->ctx);
  if (t->fd >= 0) close(t->fd);
  free(t->certmsg);
  ERR_clear_error();
  memset(t, 0, sizeof *t);
  t->fd = -1;
}

bool client_tls_check_ca_file(const char *path, char *err, size_t cap) {
  X509_STORE *store = X509_STORE_new();
  bool ok = store != NULL && X509_STORE_load_file(store, path) == 1;
  X509_STORE_free(store);
  ERR_clear_error();
  if (!ok) snprintf(err, cap, "cannot load --ca-file %s: not readable PEM certificates", path);
  return ok;
}

const char *client_tls_version_name(const struct client_tls *t) {
  switch (t->version) {
    case TLS1_3_VERSION: return "TLSv1.3";
    case TLS1_2_VERSION: return "TLSv1.2";
    default: return NULL;
  }
}
