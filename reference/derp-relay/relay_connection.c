#include "relay_connection.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim */
#endif
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "derp/http_head.h"
#include "relay_derp_io.h"
#include "relay_listen.h"
#include "relay_log.h"

/* Request heads larger than this are refused (Go's default is 1 MiB; a DERP
 * upgrade is a few hundred bytes). */
#define HTTP_HEAD_MAX 8192
#define HTTP_HEADER_SLOTS 64
/* HTTP answers held for a client that does not read them, at most. */
#define HTTP_OUTPUT_MAX (64 * 1024)

uint64_t relay_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void conn_list_append(struct relay_conn_list *l, struct relay_connection *c) {
  c->next = NULL;
  c->prev = l->tail;
  if (l->tail != NULL) {
    l->tail->next = c;
  } else {
    l->head = c;
  }
  l->tail = c;
  l->count++;
}

static void conn_list_remove(struct relay_conn_list *l, struct relay_connection *c) {
  if (c->prev != NULL) {
    c->prev->next = c->next;
  } else {
    l->head = c->next;
  }
  if (c->next != NULL) {
    c->next->prev = c->prev;
  } else {
    l->tail = c->prev;
  }
  c->prev = c->next = NULL;
  l->count--;
}

/* "1.2.3.4:5678" / "[::1]:5678" for logs. */
static void peer_text(const struct relay_connection *c, char *out, size_t cap) {
  if (!relay_format_sockaddr(&c->peer.sa, out, cap)) snprintf(out, cap, "?");
}

static struct relay_conn_list *list_of(struct relay_connection *c) {
  return c->phase == RELAY_PHASE_DERP ? &c->owner->derp : &c->owner->waiting;
}

/* Tear the connection down and free it; `abortive` resets the TCP connection
 * (nothing more can be delivered: a stuck reader), otherwise a close_notify
 * is attempted. Releases the relay_core handle if there is one. */
static void connection_free(struct relay_connection *c, uint64_t now, bool abortive) {
  conn_list_remove(list_of(c), c);
  if (c->core != NULL) relay_conn_close(c->core, now, NULL);
  if (c->bev != NULL) bufferevent_free(c->bev); /* it owns neither fd nor SSL */
  relay_derp_io_stop(c);
  if (abortive) {
    /* RST instead of FIN: the queued bytes can never be delivered, and the
     * peer learns at once that the relay gave up on it. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  } else if (c->ssl != NULL && !c->io_failed && !c->peer_closed && SSL_is_init_finished(c->ssl)) {
    SSL_shutdown(c->ssl); /* one non-blocking close_notify, as Go's Close */
  }
  ERR_clear_error();
  if (c->ssl != NULL) SSL_free(c->ssl);
  close(c->fd);
  free(c->note);
  free(c);
}

/* ---- output ------------------------------------------------------------ */

/* Write what relay_core has queued, as far as the socket takes it. */
static void connection_flush(struct relay_connection *c, uint64_t now) {
  if (c->phase == RELAY_PHASE_DERP) relay_derp_io_write(c, now);
}

/* Flush a final HTTP response, then close (RELAY_PHASE_CLOSING). */
static void close_after_flush(struct relay_connection *c) {
  c->phase = RELAY_PHASE_CLOSING;
  bufferevent_disable(c->bev, EV_READ);
  bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
  if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
    connection_free(c, relay_now_ms(), false);
  }
}

/* ---- DERP phase (the I/O is relay_derp_io.c's) ------------------------- */

/* The DERP phase ended from the socket's side (EOF, error): relay_core tells
 * the clients this one sent to, the connection is freed, events pumped. */
static void peer_gone(struct relay_connection *c, uint64_t now, const char *reason) {
  struct relay_connections *cs = c->owner;
  c->peer_closed = true;
  struct relay_conn *core = c->core;
  c->core = NULL;
  relay_conn_close(core, now, reason);
  connection_free(c, now, false);
  relay_connections_pump(cs, now);
}

static void on_derp_io(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  struct relay_connection *c = arg;
  struct relay_connections *cs = c->owner;
  uint64_t now = relay_now_ms();
  char reason[160];
  if (!relay_derp_io_ready(c, what, now, reason, sizeof reason)) {
    peer_gone(c, now, reason);
    return;
  }
  relay_connections_pump(cs, now); /* c may be gone after this */
}

/* ---- HTTP phase -------------------------------------------------------- */

/* False when the connection could not be set up (it is freed then). */
static bool start_derp(struct relay_connection *c, const struct relay_http_decision *d,
                       uint64_t now) {
  struct relay_connections *cs = c->owner;
  c->core = relay_conn_open(cs->core, now, c);
  if (c->core == NULL) {
    relay_log_printf("derp: out of memory for a connection; closing it");
    connection_free(c, now, true);
    return false;
  }
  uint8_t ip16[16] = {0};
  uint16_t port = 0;
  if (c->peer.sa.sa_family == AF_INET) {
    ip16[10] = ip16[11] = 0xff;
    memcpy(ip16 + 12, &c->peer.in.sin_addr, 4);
    port = ntohs(c->peer.in.sin_port);
  } else {
    memcpy(ip16, &c->peer.in6.sin6_addr, 16);
    port = ntohs(c->peer.in6.sin6_port);
  }
  relay_conn_set_remote(c->core, ip16, port);
  char peer[64];
  peer_text(c, peer, sizeof peer);
  /* relay_core's log lines name the connection by id: this ties it to the
   * peer's address. */
  relay_log_peer_printf("derp: conn %llu: upgrade from %s%s",
                        (unsigned long long)relay_conn_id(c->core), peer,
                        d->fast_start  ? " (fast start)"
                        : d->websocket ? " (websocket)"
                                       : "");
  relay_conn_set_not_ideal(c->core, d->ideal_node.len > 0);
  conn_list_remove(&cs->waiting, c);
  c->phase = RELAY_PHASE_DERP;
  conn_list_append(&cs->derp, c);
  enum relay_ws_mode ws = !d->websocket ? RELAY_WS_NONE
                          : d->ws_derp  ? RELAY_WS_DERP
                                        : RELAY_WS_NOT_DERP;
  if (!relay_derp_io_start(c, now, on_derp_io, ws)) {
    relay_log_printf("derp: conn %llu: cannot set up its socket events; closing it",
                     (unsigned long long)relay_conn_id(c->core));
    connection_free(c, now, true);
    return false;
  }
  return true;
}

static void reject_head(struct relay_connection *c, enum http_head_status st) {
  uint8_t resp[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer w = byte_writer_init(resp, sizeof resp);
  char peer[64];
  peer_text(c, peer, sizeof peer);
  relay_log_peer_printf("http: bad request from %s: %s", peer, http_head_status_str(st));
  if (relay_http_write_rejection(st, &w) == RELAY_HTTP_OK) {
    bufferevent_write(c->bev, resp, w.len);
  }
  close_after_flush(c);
}

/* Parse and answer every complete request head in the input; returns true
 * when the connection switched to DERP (the rest of the input is DERP). */
static bool handle_http(struct relay_connection *c, uint64_t now) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  struct evbuffer *out = bufferevent_get_output(c->bev);
  while (c->phase == RELAY_PHASE_HTTP) {
    size_t len = evbuffer_get_length(in);
    if (len == 0) return false;
    /* A client that pipelines requests and never reads the answers must
     * not grow our output: stop reading until it drains (on_write). */
    if (evbuffer_get_length(out) >= HTTP_OUTPUT_MAX) {
      bufferevent_disable(c->bev, EV_READ);
      return false;
    }
    size_t look = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
    const uint8_t *buf = evbuffer_pullup(in, (ev_ssize_t)look);
    if (buf == NULL) return false;
    struct http_header slots[HTTP_HEADER_SLOTS];
    struct http_request req;
    enum http_head_status st =
        http_parse_request(buf, look, HTTP_HEAD_MAX, slots, HTTP_HEADER_SLOTS, &req);
    if (st == HTTP_HEAD_NEED_MORE) return false;
    if (st != HTTP_HEAD_OK) {
      reject_head(c, st);
      return false;
    }
    uint8_t resp[RELAY_HTTP_RESPONSE_MAX];
    struct byte_writer w = byte_writer_init(resp, sizeof resp);
    struct relay_http_decision d;
    enum relay_http_status rs =
        c->plain ? relay_http_route_port80(&req, &c->owner->http, (int64_t)time(NULL), &w, &d)
                 : relay_http_route(&req, &c->owner->http, (int64_t)time(NULL), &w, &d);
    if (rs != RELAY_HTTP_OK) {
      /* Cannot happen (every response fits RELAY_HTTP_RESPONSE_MAX); answer
       * as for an unusable request rather than not at all. */
      reject_head(c, HTTP_HEAD_ERR_REQUEST_TOO_LARGE);
      return false;
    }
    if (d.log_weird_upgrade) {
      char note[512];
      struct byte_writer lw = byte_writer_init((uint8_t *)note, sizeof note - 1);
      if (relay_http_write_log_note(&d, &lw) == RELAY_HTTP_OK) {
        note[lw.len] = '\0';
        relay_log_peer_printf("%s", note);
      }
    }
    if (w.len > 0) bufferevent_write(c->bev, resp, w.len);
    evbuffer_drain(in, req.head_len);
    if (d.action == RELAY_HTTP_DERP) return start_derp(c, &d, now);
    if (d.close_after) {
      close_after_flush(c);
      return false;
    }
  }
  return false;
}

/* ---- libevent callbacks ------------------------------------------------ */

static void on_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  struct relay_connection *c = arg;
  struct relay_connections *cs = c->owner;
  uint64_t now = relay_now_ms();
  /* After a switch to DERP, relay_core has the rest of the input. */
  if (c->phase == RELAY_PHASE_HTTP && handle_http(c, now)) relay_connections_pump(cs, now);
}

static void on_write(struct bufferevent *bev, void *arg) {
  struct relay_connection *c = arg;
  if (c->phase == RELAY_PHASE_CLOSING) {
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
      connection_free(c, relay_now_ms(), false);
    }
    return;
  }
  if (c->phase == RELAY_PHASE_HTTP && !(bufferevent_get_enabled(bev) & EV_READ)) {
    /* Answers drained: resume the requests held back by handle_http. */
    bufferevent_enable(bev, EV_READ);
    on_read(bev, c);
    return;
  }
}

static void log_handshake_error(struct relay_connection *c, short what) {
  char peer[64], why[RELAY_TLS_NOTE_MAX];
  peer_text(c, peer, sizeof peer);
  unsigned long e = bufferevent_get_openssl_error(c->bev);
  if (e == 0 && (what & BEV_EVENT_ERROR) && errno != 0 && !(what & BEV_EVENT_EOF)) {
    snprintf(why, sizeof why, "%s", strerror(errno));
  } else {
    relay_tls_failure_reason(c->note, e, (what & BEV_EVENT_EOF) != 0, why, sizeof why);
  }
  while (bufferevent_get_openssl_error(c->bev) != 0) {}
  relay_log_peer_printf("http: TLS handshake error from %s: %s", peer, why);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  struct relay_connection *c = arg;
  uint64_t now = relay_now_ms();
  if (what & BEV_EVENT_CONNECTED) {
    c->phase = RELAY_PHASE_HTTP;
    free(c->note);
    c->note = NULL;
    return;
  }
  if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) == 0) return;
  c->peer_closed = true;
  if (c->phase == RELAY_PHASE_TLS) {
    log_handshake_error(c, what);
    connection_free(c, now, false);
    return;
  }
  connection_free(c, now, false);
}

void relay_connection_accept(struct relay_connections *cs, int fd, const struct sockaddr *sa,
                             int salen, bool plain) {
  struct relay_connection *c = calloc(1, sizeof *c);
  if (c != NULL && !plain) c->note = calloc(1, sizeof *c->note);
  SSL *ssl = c != NULL && c->note != NULL ? relay_tls_new_ssl(cs->tls, c->note) : NULL;
  if (c == NULL || (!plain && ssl == NULL)) {
    relay_log_printf("http: out of memory accepting a connection");
    if (c != NULL) free(c->note);
    free(c);
    close(fd);
    return;
  }
  c->owner = cs;
  c->fd = fd;
  c->ssl = ssl;
  c->plain = plain;
  c->started_ms = relay_now_ms();
  c->phase = plain ? RELAY_PHASE_HTTP : RELAY_PHASE_TLS;
  if (salen > 0 && (size_t)salen <= sizeof c->peer) memcpy(&c->peer, sa, (size_t)salen);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* Go's default */
  /* No BEV_OPT_CLOSE_ON_FREE: the connection keeps fd and SSL past the
   * bufferevent, which is dropped at the DERP upgrade. */
  c->bev = plain ? bufferevent_socket_new(cs->base, fd, 0)
                 : bufferevent_openssl_socket_new(cs->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, 0);
  if (c->bev == NULL) {
    relay_log_printf("http: cannot set up a connection");
    if (ssl != NULL) SSL_free(ssl);
    close(fd);
    free(c->note);
    free(c);
    return;
  }
  /* A peer that closes without close_notify is an EOF, not an error. */
  if (!plain) bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
  conn_list_append(&cs->waiting, c);
  bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- all connections --------------------------------------------------- */

void relay_connections_pump(struct relay_connections *cs, uint64_t now) {
  struct relay_event ev;
  while (relay_next_event(cs->core, &ev)) {
    struct relay_connection *c = relay_conn_user(ev.conn);
    if (ev.kind == RELAY_EVENT_OUTPUT) {
      connection_flush(c, now);
      continue;
    }
    /* relay_core has logged the reason with the connection's id. */
    /* A full socket means a stuck reader (write timeout, queue overflow):
     * reset rather than queue a FIN behind bytes it will never read. */
    const uint8_t *p;
    bool stuck = c->io_writable_armed || c->preamble_len > 0 || relay_conn_pending(ev.conn, &p) > 0;
    connection_free(c, now, stuck);
  }
}

/* Connections still in TLS or HTTP after --handshake-timeout are dropped
 * (oldest first, so the scan stops at the first one still in time). */
void relay_connections_expire(struct relay_connections *cs, uint64_t now) {
  while (cs->waiting.head != NULL &&
         now - cs->waiting.head->started_ms >= cs->handshake_timeout_ms) {
    struct relay_connection *c = cs->waiting.head;
    char peer[64];
    peer_text(c, peer, sizeof peer);
    if (c->phase == RELAY_PHASE_TLS) {
      relay_log_peer_printf("http: TLS handshake error from %s: handshake timeout", peer);
    } else {
      relay_log_peer_printf("http: closing %s: no DERP upgrade within the handshake timeout", peer);
    }
    connection_free(c, now, false);
  }
}

void relay_connections_resume(struct relay_connections *cs) {
  for (struct relay_connection *c = cs->derp.head, *next; c != NULL && cs->read_paused > 0;
       c = next) {
    next = c->next;
    if (c->read_paused && relay_conn_read_paused_until(c->core) == 0)
      relay_derp_io_pause_read(c, false);
  }
}

void relay_connections_close_all(struct relay_connections *cs, uint64_t now) {
  while (cs->waiting.head != NULL) connection_free(cs->waiting.head, now, false);
  while (cs->derp.head != NULL) connection_free(cs->derp.head, now, false);
}

/* After a mass disconnect (a client fleet restarting, a churn attack) the
 * freed connections' memory stays in malloc's free lists and the RSS at its
 * peak; give it back once at least half of a large population has gone, as
 * Go's scavenger does for derper. Called from the timer, not per close: a
 * trim walks the heap, and the timer also catches the tail of a collapse. */
void relay_connections_release_memory(struct relay_connections *cs) {
  const size_t live = cs->waiting.count + cs->derp.count;
  if (live > cs->live_high) cs->live_high = live;
  if (cs->live_high < 256 || live * 2 > cs->live_high) return;
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  cs->live_high = live;
}
