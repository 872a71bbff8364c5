#include "probe_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "relay_flags.h"

static bool open_socket(const char *addr, int timeout_ms, int rcvbuf, int *fd_out, char *err,
                        size_t errcap) {
  char host[RELAY_FLAGS_HOST_MAX];
  int port;
  if (!relay_split_host_port(addr, host, sizeof host, &port, err, errcap)) return false;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t slen;
  if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
    ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
    ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    slen = sizeof(struct sockaddr_in);
  } else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
    ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    slen = sizeof(struct sockaddr_in6);
  } else {
    snprintf(err, errcap, "%s: host must be an IP", addr);
    return false;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errcap, "socket: %s", strerror(errno));
    return false;
  }
  struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (connect(fd, (struct sockaddr *)&ss, slen) != 0) {
    snprintf(err, errcap, "connect %s: %s", addr, strerror(errno));
    close(fd);
    return false;
  }
  *fd_out = fd;
  return true;
}

static void record_chain(struct probe_conn *c) {
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl); /* client side: [0] = leaf */
  int n = chain != NULL ? sk_X509_num(chain) : 0;
  c->n_certs = (size_t)n;
  for (int i = 0; i < n && i < PROBE_CERTS_MAX; i++) {
    X509 *x = sk_X509_value(chain, i);
    c->cn[i][0] = '\0';
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, c->cn[i], PROBE_CN_MAX);
    long s = ASN1_INTEGER_get(X509_get0_serialNumber(x));
    c->serial[i] = s;
    if (i == 0) {
      unsigned char *der = NULL;
      int len = i2d_X509(x, &der);
      if (len > 0) (void)pin_hex_of_der(der, (size_t)len, c->leaf_pin);
      OPENSSL_free(der);
    }
  }
}

bool probe_connect(struct probe_conn *c, const char *addr, const struct probe_tls_options *o,
                   char *err, size_t errcap) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
  int timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
  if (!open_socket(addr, timeout_ms, o->rcvbuf, &c->fd, err, errcap)) return false;
  c->ctx = SSL_CTX_new(TLS_client_method());
  if (c->ctx == NULL) goto tls_fail;
  /* The metacert never chains and the leaf is self-signed: the tests inspect
   * the chain themselves. */
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
  if (o->tls_version != 0) {
    SSL_CTX_set_min_proto_version(c->ctx, o->tls_version);
    SSL_CTX_set_max_proto_version(c->ctx, o->tls_version);
  }
  c->ssl = SSL_new(c->ctx);
  if (c->ssl == NULL) goto tls_fail;
  if (o->sni != NULL) SSL_set_tlsext_host_name(c->ssl, o->sni);
  if (o->alpn != NULL) {
    unsigned char proto[256];
    size_t n = strlen(o->alpn);
    if (n == 0 || n > 255) goto tls_fail;
    proto[0] = (unsigned char)n;
    memcpy(proto + 1, o->alpn, n);
    if (SSL_set_alpn_protos(c->ssl, proto, (unsigned)n + 1) != 0) goto tls_fail;
  }
  SSL_set_fd(c->ssl, c->fd);
  if (SSL_connect(c->ssl) != 1) goto tls_fail;
  c->version = SSL_version(c->ssl);
  record_chain(c);
  return true;
tls_fail : {
  unsigned long e = ERR_peek_last_error();
  char ebuf[256];
  ERR_error_string_n(e, ebuf, sizeof ebuf);
  snprintf(err, errcap, "TLS handshake with %s: %s", addr, e != 0 ? ebuf : "connection closed");
  ERR_clear_error();
  probe_close(c);
  return false;
}
}

void probe_close(struct probe_conn *c) {
  if (c->ssl != NULL) SSL_free(c->ssl);
  if (c->ctx != NULL) SSL_CTX_free(c->ctx);
  if (c->fd >= 0) close(c->fd);
  c->ssl = NULL;
  c->ctx = NULL;
  c->fd = -1;
}

bool probe_write_all(struct probe_conn *c, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
    int w = SSL_write(c->ssl, p, chunk);
    if (w <= 0) {
      ERR_clear_error();
      return false;
    }
    p += w;
    len -= (size_t)w;
  }
  return true;
}

int probe_read(struct probe_conn *c, uint8_t *buf, size_t cap) {
  int chunk = cap > (1u << 30) ? (1 << 30) : (int)cap;
  int r = SSL_read(c->ssl, buf, chunk);
  if (r > 0) return r;
  int e = SSL_get_error(c->ssl, r);
  ERR_clear_error();
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return -1; /* SO_RCVTIMEO */
  if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
  return 0;
}
