#include "relay_mesh_link.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "derp/client_session.h"
#include "derp/hex.h"
#include "derp/http_head.h"
#include "derp/pin_verify.h"
#include "derp/relay_core.h"
#include "relay_log.h"
#include "relay_mesh_peers.h"

#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 5000
#define HANDSHAKE_TIMEOUT_S 10 /* TCP + TLS + HTTP + DERP handshake */
#define IDLE_TIMEOUT_S 150     /* over two of the peer's 60 s keepalives */
#define WRITE_TIMEOUT_S 30     /* derper's mesh write timeout */
#define HEAD_MAX 4096
#define HEAD_SLOTS 32
/* ForwardPacket bytes the socket has not taken yet; beyond this a packet is
 * dropped (drops_forward_failed), as derper's timed-out forward write. */
#define OUT_MAX (4u << 20)

struct relay_mesh_link {
  struct relay_mesh_links *owner;
  struct relay_mesh_peer peer;
  char label[RELAY_MESH_HOST_MAX + 32]; /* mesh("host"): */
  struct bufferevent *bev;
  struct derp_client_session *sess;
  struct event *retry;
  uint64_t backoff_ms;
  bool upgraded;  /* the 101 was read: bytes are DERP */
  bool connected; /* ServerInfo came: forwarding */
  bool self;      /* the peer is this relay: never again */
  size_t present; /* PeerPresent seen on this connection */
};

struct relay_mesh_links {
  struct relay_mesh_links_config cfg;
  SSL_CTX *ssl_ctx;
  struct evdns_base *dns;
  char pins[RELAY_MESH_PINS_MAX][65];
  size_t n_pins;
  struct relay_mesh_link *links;
  size_t n_links;
};

static const char *ssl_reason(unsigned long e) {
  const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
  return r != NULL ? r : "unknown error";
}

static void link_log(const struct relay_mesh_link *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void link_log(const struct relay_mesh_link *k, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  relay_log_printf("%s%s", k->label, text);
}

static void core_changed(struct relay_mesh_links *l) {
  if (l->cfg.core_changed != NULL) l->cfg.core_changed(l->cfg.core_changed_ctx);
}

/* Tear the connection down; its forwarders go with it. */
static void link_drop(struct relay_mesh_link *k) {
  size_t cleared = relay_mesh_remove_all(k->owner->cfg.core, k);
  if (cleared > 0) {
    link_log(k, "connection lost; clearing %zu forwarding mappings", cleared);
    core_changed(k->owner);
  }
  if (k->bev != NULL) bufferevent_free(k->bev);
  k->bev = NULL;
  derp_client_session_free(k->sess);
  k->sess = NULL;
  k->upgraded = k->connected = false;
  k->present = 0;
}

static void link_fail(struct relay_mesh_link *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void link_fail(struct relay_mesh_link *k, const char *fmt, ...) {
  char why[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  bool was_connected = k->connected;
  link_drop(k);
  if (was_connected) k->backoff_ms = BACKOFF_FIRST_MS;
  link_log(k, "%s; retrying in %llu ms", why, (unsigned long long)k->backoff_ms);
  struct timeval tv = {.tv_sec = (time_t)(k->backoff_ms / 1000),
                       .tv_usec = (suseconds_t)(k->backoff_ms % 1000) * 1000};
  evtimer_add(k->retry, &tv);
  k->backoff_ms = k->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : k->backoff_ms * 2;
}

static bool flush(struct relay_mesh_link *k) {
  size_t n;
  const uint8_t *p = derp_client_pending(k->sess, &n);
  if (n == 0) return true;
  if (bufferevent_write(k->bev, p, n) != 0) return false;
  derp_client_consume(k->sess, n);
  return true;
}

/* ---- certificate ---------------------------------------------------- */

/* The CA's verdict (for the peer's name or IP), else a --mesh-pin. */
static bool peer_trusted(struct relay_mesh_link *k, SSL *ssl, char *why, size_t cap) {
  long res = SSL_get_verify_result(ssl);
  if (res == X509_V_OK) return true;
  X509 *leaf = SSL_get1_peer_certificate(ssl);
  unsigned char *der = NULL;
  int der_len = leaf != NULL ? i2d_X509(leaf, &der) : -1;
  X509_free(leaf);
  char hex[PIN_HEX_LEN + 1] = "";
  bool hashed = der_len > 0 && pin_hex_of_der(der, (size_t)der_len, hex);
  OPENSSL_free(der);
  for (size_t i = 0; hashed && i < k->owner->n_pins; i++) {
    if (strcmp(hex, k->owner->pins[i]) == 0) return true;
  }
  const char *verdict = X509_verify_cert_error_string(res);
  if (!hashed)
    snprintf(why, cap, "TLS: certificate of %s not trusted: %s", k->peer.name, verdict);
  else if (k->owner->n_pins == 0)
    snprintf(why, cap,
             "TLS: certificate of %s not trusted: %s (to pin it: --mesh-pin sha256-raw:%s)",
             k->peer.name, verdict, hex);
  else
    snprintf(why, cap,
             "TLS: certificate of %s not trusted: %s, and sha256-raw:%s is not a --mesh-pin",
             k->peer.name, verdict, hex);
  return false;
}

/* ---- DERP ----------------------------------------------------------- */

static bool handle_event(struct relay_mesh_link *k, const struct derp_client_event *ev) {
  struct relay *core = k->owner->cfg.core;
  char keyhex[2 * DERP_KEY_LEN + 1];
  switch (ev->kind) {
    case DERP_CLIENT_EV_SERVER_KEY:
      if (memcmp(ev->key, k->owner->cfg.keys->pub, DERP_KEY_LEN) == 0) {
        k->self = true;
        link_drop(k);
        link_log(k, "detected self-connect; ignoring host");
        return false;
      }
      if (derp_client_send_watch_conns(k->sess) != DERP_CLIENT_SEND_OK) {
        link_fail(k, "cannot send WatchConns: %s", derp_client_send_error(k->sess));
        return false;
      }
      return true;
    case DERP_CLIENT_EV_SERVER_INFO:
      if (!k->connected) {
        k->connected = true;
        k->backoff_ms = BACKOFF_FIRST_MS;
        struct timeval rd = {IDLE_TIMEOUT_S, 0}, wr = {WRITE_TIMEOUT_S, 0};
        bufferevent_set_timeouts(k->bev, &rd, &wr);
        uint8_t server[DERP_KEY_LEN];
        derp_client_server_key(k->sess, server);
        derp_hex_lower(server, DERP_KEY_LEN, keyhex);
        link_log(k, "connected to nodekey:%s; watching its clients", keyhex);
      }
      return true;
    case DERP_CLIENT_EV_PEER_PRESENT:
      if (relay_mesh_add(core, ev->key, k)) k->present++;
      return true;
    case DERP_CLIENT_EV_PEER_GONE:
      relay_mesh_remove(core, ev->key, k);
      core_changed(k->owner);
      return true;
    case DERP_CLIENT_EV_LOG: link_log(k, "%s", ev->text); return true;
    case DERP_CLIENT_EV_ERROR: link_fail(k, "%s", ev->text); return false;
    default: return true; /* pings are answered by the session */
  }
}

/* Feed the DERP stream; false when the link was dropped. */
static bool feed_derp(struct relay_mesh_link *k, struct evbuffer *in) {
  for (;;) {
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0) break;
    size_t off = 0;
    for (;;) {
      struct derp_client_event ev;
      off += derp_client_feed(k->sess, (const uint8_t *)v.iov_base + off, v.iov_len - off, &ev);
      if (ev.kind == DERP_CLIENT_EV_NONE) break;
      if (!handle_event(k, &ev)) return false;
    }
    evbuffer_drain(in, off);
  }
  if (!flush(k)) {
    link_fail(k, "write failed");
    return false;
  }
  return true;
}

/* The 101, then DERP. */
static bool read_head(struct relay_mesh_link *k, struct evbuffer *in) {
  size_t n = evbuffer_get_length(in);
  if (n > HEAD_MAX) n = HEAD_MAX;
  const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)n);
  struct http_header slots[HEAD_SLOTS];
  struct http_response resp;
  enum http_head_status st = http_parse_response(p, n, HEAD_MAX, slots, HEAD_SLOTS, &resp);
  if (st == HTTP_HEAD_NEED_MORE) return true;
  if (st != HTTP_HEAD_OK) {
    link_fail(k, "bad HTTP response: %s", http_head_status_str(st));
    return false;
  }
  if (resp.status != 101) {
    link_fail(k, "unexpected HTTP status %d to the DERP upgrade (is the peer a DERP relay?)",
              resp.status);
    return false;
  }
  evbuffer_drain(in, resp.head_len);
  k->upgraded = true;
  return true;
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct relay_mesh_link *k = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  if (!k->upgraded && (!read_head(k, in) || !k->upgraded)) return;
  feed_derp(k, in);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct relay_mesh_link *k = arg;
  if (what & BEV_EVENT_CONNECTED) {
    char why[700];
    if (!peer_trusted(k, bufferevent_openssl_get_ssl(bev), why, sizeof why)) {
      link_fail(k, "%s", why);
      return;
    }
    if (!flush(k)) link_fail(k, "write failed");
    return;
  }
  if (what & BEV_EVENT_TIMEOUT) {
    link_fail(k, "%s timed out", (what & BEV_EVENT_WRITING) ? "write" : "read");
  } else if (what & BEV_EVENT_EOF) {
    link_fail(k, "EOF");
  } else if (what & BEV_EVENT_ERROR) {
    unsigned long e = bufferevent_get_openssl_error(bev);
    int sock_err = EVUTIL_SOCKET_ERROR();
    int dns_err = bufferevent_socket_get_dns_error(bev);
    if (dns_err != 0)
      link_fail(k, "resolving %s: %s", k->peer.dial, evutil_gai_strerror(dns_err));
    else if (e != 0 && ERR_reason_error_string(e) != NULL)
      link_fail(k, "TLS: %s", ERR_reason_error_string(e));
    else
      link_fail(k, "dial %s port %d: %s", k->peer.dial, k->peer.port,
                evutil_socket_error_to_string(sock_err));
  }
}

static SSL *new_ssl(struct relay_mesh_link *k) {
  SSL *ssl = SSL_new(k->owner->ssl_ctx);
  if (ssl == NULL) return NULL;
  bool ok = true;
  if (k->peer.name_is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), k->peer.name) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(ssl, k->peer.name) == 1 && SSL_set1_host(ssl, k->peer.name) == 1;
  }
  if (!ok) {
    SSL_free(ssl);
    return NULL;
  }
  return ssl;
}

static void link_dial(struct relay_mesh_link *k) {
  struct relay_mesh_links *l = k->owner;
  char err[DERP_CLIENT_ERR_SIZE] = "";
  struct derp_client_config dc = {.host = k->peer.url_host, .has_mesh_key = true};
  memcpy(dc.client_priv, l->cfg.keys->priv, DERP_KEY_LEN);
  memcpy(dc.client_pub, l->cfg.keys->pub, DERP_KEY_LEN);
  memcpy(dc.mesh_key, l->cfg.mesh_key, DERP_KEY_LEN);
  k->sess = derp_client_session_new(&dc, err, sizeof err);
  sodium_memzero(dc.client_priv, sizeof dc.client_priv);
  SSL *ssl = k->sess != NULL ? new_ssl(k) : NULL;
  k->bev = ssl != NULL
               ? bufferevent_openssl_socket_new(l->cfg.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
               : NULL;
  if (k->bev == NULL) {
    if (ssl != NULL) SSL_free(ssl);
    link_fail(k, "cannot start a connection: %s", err[0] ? err : "out of memory");
    return;
  }
  bufferevent_setcb(k->bev, on_read, NULL, on_event, k);
  struct timeval hs = {HANDSHAKE_TIMEOUT_S, 0};
  bufferevent_set_timeouts(k->bev, &hs, &hs);
  bufferevent_enable(k->bev, EV_READ | EV_WRITE);
  /* The upgrade request waits in the session until TLS is up. */
  if (bufferevent_socket_connect_hostname(k->bev, l->dns, AF_UNSPEC, k->peer.dial, k->peer.port) !=
      0) {
    /* The bufferevent reported the failure through on_event already, or
     * never started: either way it is gone or must go. */
    if (k->bev != NULL) link_fail(k, "dial %s port %d failed", k->peer.dial, k->peer.port);
  }
}

static void on_retry(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct relay_mesh_link *k = arg;
  if (!k->self && k->bev == NULL) link_dial(k);
}

bool relay_mesh_links_forward(void *ctx, void *fwd, const uint8_t src[DERP_KEY_LEN],
                              const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt, size_t len) {
  (void)ctx;
  struct relay_mesh_link *k = fwd;
  if (!k->connected || evbuffer_get_length(bufferevent_get_output(k->bev)) > OUT_MAX) return false;
  if (derp_client_send_forward_packet(k->sess, src, dst, pkt, len) != DERP_CLIENT_SEND_OK)
    return false;
  /* A failed write shows up as a socket error on the bufferevent. */
  return flush(k);
}

static bool init_tls(struct relay_mesh_links *l, char *err, size_t errcap) {
  l->ssl_ctx = SSL_CTX_new(TLS_client_method());
  if (l->ssl_ctx == NULL || SSL_CTX_set_min_proto_version(l->ssl_ctx, TLS1_2_VERSION) != 1) {
    snprintf(err, errcap, "mesh: cannot create a TLS client context");
    return false;
  }
  /* The verdict is read after the handshake (peer_trusted), so a pin can
   * stand in for a CA; the handshake itself never fails on it. */
  SSL_CTX_set_verify(l->ssl_ctx, SSL_VERIFY_NONE, NULL);
  const char *ca = l->cfg.ca_file;
  int ok = ca != NULL ? SSL_CTX_load_verify_locations(l->ssl_ctx, ca, NULL)
                      : SSL_CTX_set_default_verify_paths(l->ssl_ctx);
  if (ok != 1) {
    snprintf(err, errcap, "--mesh-ca-file %s: %s", ca != NULL ? ca : "(system roots)",
             ssl_reason(ERR_get_error()));
    return false;
  }
  return true;
}

struct relay_mesh_links *relay_mesh_links_start(const struct relay_mesh_links_config *cfg,
                                                char *err, size_t errcap) {
  struct relay_mesh_links *l = calloc(1, sizeof *l);
  struct relay_mesh_peer *peers = calloc(RELAY_MESH_PEERS_MAX, sizeof *peers);
  size_t n = 0;
  bool ok = l != NULL && peers != NULL;
  if (!ok) snprintf(err, errcap, "out of memory");
  if (ok) {
    l->cfg = *cfg;
    ok = relay_mesh_peers_parse(cfg->mesh_with, peers, RELAY_MESH_PEERS_MAX, &n, err, errcap) &&
         (cfg->pins == NULL || relay_mesh_pins_parse(cfg->pins, l->pins, RELAY_MESH_PINS_MAX,
                                                     &l->n_pins, err, errcap)) &&
         init_tls(l, err, errcap);
  }
  if (ok) {
    /* No resolv.conf: IP peers still dial (a NULL base resolves blocking,
     * which a numeric address never does). */
    l->dns = evdns_base_new(cfg->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    l->links = calloc(n, sizeof *l->links);
    ok = l->links != NULL;
    if (!ok) snprintf(err, errcap, "out of memory");
  }
  for (size_t i = 0; ok && i < n; i++) {
    struct relay_mesh_link *k = &l->links[i];
    k->owner = l;
    k->peer = peers[i];
    k->backoff_ms = BACKOFF_FIRST_MS;
    snprintf(k->label, sizeof k->label, "mesh(\"%s\"): ", k->peer.url_host);
    k->retry = evtimer_new(cfg->base, on_retry, k);
    ok = k->retry != NULL;
    if (!ok) snprintf(err, errcap, "out of memory");
    l->n_links = i + 1;
  }
  free(peers);
  if (!ok) {
    relay_mesh_links_free(l);
    return NULL;
  }
  for (size_t i = 0; i < l->n_links; i++) {
    struct relay_mesh_link *k = &l->links[i];
    link_log(k, "will dial %s port %d", k->peer.dial, k->peer.port);
    link_dial(k);
  }
  return l;
}

void relay_mesh_links_free(struct relay_mesh_links *l) {
  if (l == NULL) return;
  for (size_t i = 0; i < l->n_links; i++) {
    struct relay_mesh_link *k = &l->links[i];
    link_drop(k);
    if (k->retry != NULL) event_free(k->retry);
  }
  free(l->links);
  if (l->dns != NULL) evdns_base_free(l->dns, 0);
  SSL_CTX_free(l->ssl_ctx);
  free(l);
}
