/* relay_connection: the accepted sockets of derp-relay, each through its
 * phases TLS handshake -> HTTP request(s) -> DERP, and what they share (the
 * event loop, relay_core, the TLS context, the HTTP settings). relay_server
 * owns one struct relay_connections and hands it every accepted socket.
 *
 * Why phases live here and not in a core: they are where bytes change hands
 * between OpenSSL and the sans-I/O parsers. The TLS handshake and the HTTP
 * requests run on a bufferevent_openssl (relay_connection.c); the HTTP head
 * goes to http_head + relay_http. At the upgrade the bufferevent is dropped
 * and the DERP phase (relay_derp_io.c) calls SSL_read/SSL_write itself from
 * one libevent event: every byte read goes straight to relay_core, and what
 * relay_core queues is written straight from its queue, only as fast as the
 * socket takes it, so relay_core's write timeout sees real progress. That
 * saves the bufferevent's ~1.3 KiB per idle client and two copies per
 * relayed packet. */
#ifndef DERP_RELAY_CONNECTION_H
#define DERP_RELAY_CONNECTION_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include "derp/relay_core.h"
#include "derp/relay_http.h"

#include "relay_tls.h"

struct bufferevent;
struct event;
struct event_base;

enum relay_phase {
  RELAY_PHASE_TLS,     /* TLS handshake running */
  RELAY_PHASE_HTTP,    /* reading request heads */
  RELAY_PHASE_DERP,    /* bytes belong to relay_core */
  RELAY_PHASE_CLOSING, /* a final HTTP response is being flushed */
};

union relay_peer_addr {
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
};

/* One accepted socket. relay_derp_io.c (the DERP phase) works on these fields
 * too; it calls nothing in relay_connection.c. */
struct relay_connection {
  struct relay_connections *owner;
  /* Lists: `waiting` (not yet DERP: the TLS/HTTP deadline applies, oldest
   * first) or `derp` (relay_core's timers apply). */
  struct relay_connection *prev, *next;
  int fd;                      /* owned here */
  SSL *ssl;                    /* owned here; NULL on the plain listener */
  struct bufferevent *bev;     /* TLS and HTTP phases; borrows fd and ssl */
  struct event *io;            /* DERP phase: the socket's readiness */
  struct relay_conn *core;     /* DERP phase */
  struct relay_tls_note *note; /* TLS phase: why a handshake failed */
  struct relay_ws *ws;         /* DERP phase over WebSocket (relay_derp_io.c); NULL: raw */
  /* DERP phase: HTTP bytes the bufferevent had not sent at the upgrade (a
   * 101 the socket did not take at once), written before relay_core's. */
  uint8_t *preamble;
  size_t preamble_len;
  uint64_t started_ms;
  union relay_peer_addr peer;
  enum relay_phase phase;
  bool plain;             /* the --http-port listener: no TLS, port-80 routing */
  bool io_writable_armed; /* DERP phase: `io` also waits for writability */
  bool read_paused;       /* DERP phase: the rate limit holds reading (relay_core) */
  bool read_wants_write;  /* SSL_read needs the socket writable (TLS 1.3 KeyUpdate) */
  bool write_wants_read;  /* SSL_write needs the socket readable */
  bool io_failed;         /* a write failed: the read side reports the close */
  int write_errno;        /* errno of that write (0 when TLS failed it) */
  bool peer_closed;       /* EOF/error from the peer: a close_notify would go nowhere */
};

struct relay_conn_list {
  struct relay_connection *head, *tail;
  size_t count;
};

/* The connections of one server and what they share. The server fills in
 * everything but the lists (which start empty); it creates and frees base,
 * core and tls. */
struct relay_connections {
  struct event_base *base;
  struct relay *core;
  struct relay_tls *tls;
  struct relay_http_settings http;
  uint64_t handshake_timeout_ms; /* TLS + HTTP, then each DERP handshake step */
  struct relay_conn_list waiting, derp;
  size_t live_high;   /* most connections open since memory was last given back */
  size_t read_paused; /* connections whose reading the rate limit holds */
};

/* The monotonic clock relay_core and the timeouts run on, in milliseconds. */
uint64_t relay_now_ms(void);

/* A new socket from the TLS listener, or (plain) from the --http-port one;
 * takes ownership of fd. */
void relay_connection_accept(struct relay_connections *cs, int fd, const struct sockaddr *sa,
                             int salen, bool plain);
/* Turn relay_core's pending events into flushes and closes. Call after every
 * call into relay_core; the connection that made the call may be gone after. */
void relay_connections_pump(struct relay_connections *cs, uint64_t now);
/* Drop the connections still in TLS or HTTP after the handshake timeout. */
void relay_connections_expire(struct relay_connections *cs, uint64_t now);
/* After relay_tick: read again from the connections whose rate-limit pause
 * is over. */
void relay_connections_resume(struct relay_connections *cs);
/* Give freed memory back to the system after many connections have gone
 * (call from a periodic timer). */
void relay_connections_release_memory(struct relay_connections *cs);
/* Close every connection (close_notify where the TLS session is up). Nothing
 * is pumped: the caller destroys relay_core next. */
void relay_connections_close_all(struct relay_connections *cs, uint64_t now);

#endif
