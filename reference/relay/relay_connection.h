/* relay_connection: one accepted socket of derp-relay through its phases
 * TLS handshake -> HTTP request(s) -> DERP, and the server state the
 * connections share (private to relay_server.c and relay_connection.c).
 *
 * Why phases live here and not in a core: they are where bytes change hands
 * between OpenSSL (bufferevent_openssl) and the sans-I/O parsers. The HTTP
 * head goes to http_head + relay_http; after the upgrade every byte goes to
 * relay_core, and what relay_core queues is moved to the socket only as fast
 * as the socket takes it, so relay_core's write timeout sees real progress. */
#ifndef DERP_RELAY_CONNECTION_H
#define DERP_RELAY_CONNECTION_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "derp/relay_core.h"
#include "derp/relay_http.h"
#include "relay_tls.h"

struct bufferevent;
struct event;
struct event_base;
struct evconnlistener;

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

struct relay_connection {
  struct relay_server *srv;
  /* Lists: `waiting` (not yet DERP: the TLS/HTTP deadline applies, oldest
   * first) or `derp` (relay_core's timers apply). */
  struct relay_connection *prev, *next;
  struct bufferevent *bev;
  struct relay_conn *core;     /* DERP phase only */
  struct relay_tls_note *note; /* TLS phase only: why a handshake failed */
  uint64_t started_ms;
  union relay_peer_addr peer;
  enum relay_phase phase;
  bool plain; /* the --http-port listener: no TLS, port-80 routing */
};

struct relay_conn_list {
  struct relay_connection *head, *tail;
  size_t count;
};

struct relay_server {
  struct event_base *base;
  struct evconnlistener *listener;
  struct evconnlistener *plain_listener; /* --http-port, or NULL */
  struct event *timer;
  struct event *accept_pause; /* re-enables the listener after EMFILE */
  struct relay *core;
  struct relay_tls *tls;
  struct relay_http_settings http;
  uint64_t handshake_timeout_ms; /* TLS + HTTP, then each DERP handshake step */
  uint64_t tick_ms;              /* the timer's longest sleep */
  struct relay_conn_list waiting, derp;
};

uint64_t relay_now_ms(void);

void relay_conn_list_append(struct relay_conn_list *l, struct relay_connection *c);
void relay_conn_list_remove(struct relay_conn_list *l, struct relay_connection *c);

/* A new socket from the TLS listener, or (plain) from the --http-port one;
 * takes ownership of fd. */
void relay_connection_accept(struct relay_server *s, int fd, const struct sockaddr *sa,
                             int salen, bool plain);
/* Move what relay_core has queued into the socket's output buffer. */
void relay_connection_flush(struct relay_connection *c, uint64_t now);
/* Tear the connection down and free it; `abortive` resets the TCP connection
 * (nothing more can be delivered: a stuck reader), otherwise a close_notify
 * is attempted. Releases the relay_core handle if there is one. */
void relay_connection_free(struct relay_connection *c, uint64_t now, bool abortive);
/* "1.2.3.4:5678" / "[::1]:5678" for logs. */
void relay_connection_peer_text(const struct relay_connection *c, char *out, size_t cap);

/* Turn relay_core's pending events into flushes and closes. Call after every
 * call into relay_core; the connection that made the call may be gone after. */
void relay_server_pump(struct relay_server *s, uint64_t now);

#endif
