/* TLS connections with deadlines, the handshake-repetition step and the
   UDP (STUN) step. The scripted DERP conversation is in raw_script.c. */
#include "raw_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "derp/hex.h"
#include "harness/proc.h"
#include "raw_conn.h"
#include "scenario.h"
#include "transcript.h"

SSL_CTX *peer_ctx_new(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) return NULL;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  /* Each connection is a fresh full handshake, as a new client's would be. */
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return ctx;
}

uint8_t *hex_decode(const char *hex, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2 != 0) return NULL;
  uint8_t *out = malloc(n / 2 + 1);
  if (out == NULL) return NULL;
  if (!derp_hex_decode(hex, n, out, n / 2)) {
    free(out);
    return NULL;
  }
  *len = n / 2;
  return out;
}

static int sockaddr_for(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *len = sizeof *in4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    return AF_INET6;
  }
  return -1;
}

static void set_timeouts(int fd, int ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void ssl_error_text(char *err, size_t n, const char *what) {
  unsigned long e = ERR_get_error();
  char buf[256] = "connection closed or reset";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  snprintf(err, n, "%s: %s", what, buf);
}

bool raw_conn_open(SSL_CTX *ctx, const struct peer_target *t, int timeout_ms, struct raw_conn *c,
                   char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  struct sockaddr_storage ss;
  socklen_t sl;
  int fam = sockaddr_for(t->addr, t->port, &ss, &sl);
  if (fam < 0) {
    snprintf(err, errlen, "bad address %s", t->addr);
    return false;
  }
  c->fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return false;
  }
  set_timeouts(c->fd, timeout_ms);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr *)&ss, sl) != 0) {
    snprintf(err, errlen, "connect %s port %d: %s", t->addr, t->port, strerror(errno));
    raw_conn_close(c);
    return false;
  }
  c->record = t->record;
  c->ssl = SSL_new(ctx);
  if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1) {
    ssl_error_text(err, errlen, "TLS handshake");
    raw_conn_close(c);
    return false;
  }
  return true;
}

/* A chunk of the record (transcript.h); a failed write loses only it. */
static void record(struct raw_conn *c, char kind, const void *p, size_t n) {
  /* a transcript shows the start; a 20 MB burst need not be kept whole */
  if (c->record == NULL || n > UINT32_MAX || ftell(c->record) > (long)TRANSCRIPT_MAX_RECORD) return;
  uint8_t head[6] = {(uint8_t)kind,      c->record_id,      (uint8_t)(n >> 24),
                     (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  if (fwrite(head, 1, sizeof head, c->record) == sizeof head) fwrite(p, 1, n, c->record);
}

void raw_conn_record_begin(struct raw_conn *c) {
  static uint8_t connections; /* numbered in order within a worker */
  c->record_id = connections++;
  record(c, 'N', c->name, strlen(c->name));
}

void raw_conn_close(struct raw_conn *c) {
  if (c->ssl != NULL) {
    SSL_free(c->ssl);
    c->ssl = NULL;
  }
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  free(c->rbuf);
  c->rbuf = NULL;
  c->rlen = c->rcap = 0;
}

bool raw_conn_write(struct raw_conn *c, const void *data, size_t n) {
  if (c->ssl == NULL || c->peer_gone) return false;
  const uint8_t *p = data;
  while (n > 0) {
    int chunk = n > 1 << 20 ? 1 << 20 : (int)n;
    int w = SSL_write(c->ssl, p, chunk);
    if (w <= 0) {
      int e = SSL_get_error(c->ssl, w);
      bool timed_out = e == SSL_ERROR_WANT_WRITE ||
                       (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
      ERR_clear_error();
      /* A relay that stops reading is not a relay that closed: only a
         reset or a closed socket counts as gone. */
      if (!timed_out) c->peer_gone = true;
      return false;
    }
    record(c, '>', p, (size_t)w);
    p += w;
    n -= (size_t)w;
  }
  return true;
}

int raw_conn_fill(struct raw_conn *c, size_t want, int64_t deadline_ns) {
  if (c->rcap < want) {
    uint8_t *p = realloc(c->rbuf, want);
    if (p == NULL) return -2;
    c->rbuf = p;
    c->rcap = want;
  }
  while (c->rlen < want) {
    if (c->peer_gone || c->ssl == NULL) return 0;
    if (SSL_pending(c->ssl) == 0) {
      int64_t left = (deadline_ns - proc_now_ns()) / 1000000;
      if (left <= 0) return -1;
      struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
      int r = poll(&pfd, 1, (int)left);
      if (r == 0) return -1;
      if (r < 0 && errno != EINTR) return -2;
      if (r < 0) continue;
    }
    int n = SSL_read(c->ssl, c->rbuf + c->rlen, (int)(want - c->rlen));
    if (n <= 0) {
      int e = SSL_get_error(c->ssl, n);
      ERR_clear_error();
      if (e == SSL_ERROR_WANT_READ) continue;
      c->peer_gone = true;
      return 0;
    }
    record(c, '<', c->rbuf + c->rlen, (size_t)n);
    c->rlen += (size_t)n;
  }
  return 1;
}

void raw_conn_consume(struct raw_conn *c, size_t n) {
  if (n >= c->rlen) {
    c->rlen = 0;
    return;
  }
  memmove(c->rbuf, c->rbuf + n, c->rlen - n);
  c->rlen -= n;
}

/* Read one whole TLS plaintext chunk of whatever size is available. */
int raw_conn_read_some(struct raw_conn *c, int64_t deadline_ns) {
  return raw_conn_fill(c, c->rlen + 1, deadline_ns);
}

/* The subject CN of a certificate ("" when it has none). */
static void subject_cn(X509 *x, char *out, size_t outlen) {
  out[0] = '\0';
  X509_NAME *n = X509_get_subject_name(x);
  int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
  ASN1_STRING *s = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)) : NULL;
  if (s == NULL) return;
  int len = ASN1_STRING_length(s);
  snprintf(out, outlen, "%.*s", len, (const char *)ASN1_STRING_get0_data(s));
}

bool tls_handshakes_run(const struct scenario_tls_handshakes_step *spec, SSL_CTX *ctx,
                        const struct peer_target *t, const struct tvars *vars, int *handshakes,
                        char *detail, size_t detail_len) {
  long long count = spec->count;
  char *last_cn = NULL;
  if (spec->last_cn != NULL) {
    char err[256];
    last_cn = template_subst(spec->last_cn, vars, err, sizeof err);
    if (last_cn == NULL) {
      snprintf(detail, detail_len, "last_cn: %s", err);
      return false;
    }
  }
  long long want_certs = spec->certs;
  bool same = spec->same_chain;
  unsigned char first[8192];
  int first_len = -1;
  for (long long i = 0; i < count; i++) {
    struct raw_conn c;
    char err[512];
    if (!raw_conn_open(ctx, t, SCENARIO_OPEN_TIMEOUT_MS, &c, err, sizeof err)) {
      snprintf(detail, detail_len, "handshake %lld of %lld: %s", i + 1, count, err);
      return false;
    }
    (*handshakes)++;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c.ssl);
    int n = chain != NULL ? sk_X509_num(chain) : 0;
    bool ok = true;
    if (want_certs >= 0 && n != want_certs) {
      snprintf(detail, detail_len, "handshake %lld of %lld: %d certs presented, expected %lld",
               i + 1, count, n, want_certs);
      ok = false;
    }
    if (ok && last_cn != NULL) {
      char cn[256] = "";
      if (n > 0) subject_cn(sk_X509_value(chain, n - 1), cn, sizeof cn);
      if (strcmp(cn, last_cn) != 0) {
        snprintf(detail, detail_len, "handshake %lld of %lld: last cert CN \"%s\", expected \"%s\"",
                 i + 1, count, cn, last_cn);
        ok = false;
      }
    }
    /* The whole chain's DER, to see that nothing accumulates (the upstream
       bug #20352 grew the chain by one metacert per handshake). */
    unsigned char cur[8192];
    int cur_len = 0;
    for (int k = 0; ok && k < n; k++) {
      int l = i2d_X509(sk_X509_value(chain, k), NULL);
      if (l < 0 || cur_len + l > (int)sizeof cur) break;
      unsigned char *p = cur + cur_len;
      cur_len += i2d_X509(sk_X509_value(chain, k), &p);
    }
    if (ok && same) {
      if (first_len < 0) {
        memcpy(first, cur, (size_t)cur_len);
        first_len = cur_len;
      } else if (cur_len != first_len || memcmp(cur, first, (size_t)cur_len)) {
        snprintf(detail, detail_len,
                 "handshake %lld of %lld: chain differs from the first "
                 "handshake's (%d vs %d DER bytes)",
                 i + 1, count, cur_len, first_len);
        ok = false;
      }
    }
    SSL_shutdown(c.ssl);
    raw_conn_close(&c);
    if (!ok) {
      free(last_cn);
      return false;
    }
  }
  free(last_cn);
  return true;
}

bool udp_step_run(const struct scenario_udp_step *spec, const struct peer_target *t,
                  const struct tvars *vars, char *detail, size_t detail_len) {
  char err[256];
  char *hex = template_subst(spec->send_hex, vars, err, sizeof err);
  size_t len = 0;
  uint8_t *msg = hex != NULL ? hex_decode(hex, &len) : NULL;
  free(hex);
  if (msg == NULL) {
    snprintf(detail, detail_len,
             "udp.send_hex: not valid hex after "
             "expansion");
    return false;
  }
  bool want_reply = spec->expect_reply;
  int wait_ms = spec->wait_ms;
  struct sockaddr_storage ss;
  socklen_t sl;
  int fam = sockaddr_for(t->addr, t->stun_port, &ss, &sl);
  int fd = fam < 0 ? -1 : socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto(fd, msg, len, 0, (struct sockaddr *)&ss, sl) < 0) {
    snprintf(detail, detail_len, "udp send to %s port %d: %s", t->addr, t->stun_port,
             strerror(errno));
    free(msg);
    if (fd >= 0) close(fd);
    return false;
  }
  free(msg);
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  uint8_t reply[2048];
  ssize_t got = -1;
  if (poll(&pfd, 1, wait_ms) == 1) got = recv(fd, reply, sizeof reply, 0);
  close(fd);
  if (!want_reply) {
    if (got >= 0) {
      snprintf(detail, detail_len, "expected no reply within %d ms, got %zd bytes", wait_ms, got);
      return false;
    }
    return true;
  }
  if (got < 0) {
    snprintf(detail, detail_len, "no reply within %d ms", wait_ms);
    return false;
  }
  long long want_len = spec->reply_len;
  if (want_len >= 0 && got != want_len) {
    snprintf(detail, detail_len, "reply is %zd bytes, expected %lld", got, want_len);
    return false;
  }
  const char *ph = spec->reply_prefix_hex;
  if (ph != NULL) {
    char *pfx_hex = template_subst(ph, vars, err, sizeof err);
    size_t plen = 0;
    uint8_t *pfx = pfx_hex != NULL ? hex_decode(pfx_hex, &plen) : NULL;
    bool ok = pfx != NULL && (size_t)got >= plen && memcmp(reply, pfx, plen) == 0;
    if (!ok) {
      char gothex[2 * 64 + 1];
      derp_hex_lower(reply, (size_t)got < 64 ? (size_t)got : 64, gothex);
      snprintf(detail, detail_len, "reply %s... does not start with %s", gothex,
               pfx_hex != NULL ? pfx_hex : "?");
    }
    free(pfx);
    free(pfx_hex);
    return ok;
  }
  return true;
}
