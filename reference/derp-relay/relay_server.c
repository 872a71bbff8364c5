#include "relay_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "relay_connection.h"
#include "relay_listen.h"
#include "relay_log.h"
#include "relay_mesh_link.h"

#define NS_PER_MS 1000000

struct relay_server {
  struct evconnlistener *listener;
  struct evconnlistener *plain_listener; /* --http-port, or NULL */
  struct event *timer;
  struct event *accept_pause; /* re-enables the listener after EMFILE */
  uint64_t tick_ms;           /* the timer's longest sleep */
  struct relay_connections conns;
  struct relay_mesh_links *mesh; /* --mesh-with, or NULL */
};

/* relay_core's lines are about one connection each (accepts, closes,
 * refusals): an outsider can cause them at will. */
static void core_log(void *ctx, const char *line) {
  (void)ctx;
  relay_log_peer_printf("derp: %s", line);
}

static void arm_timer(struct relay_server *s, uint64_t now, uint64_t next) {
  uint64_t wait = next > now ? next - now : 0;
  if (wait > s->tick_ms) wait = s->tick_ms;
  struct timeval tv = {.tv_sec = (time_t)(wait / 1000),
                       .tv_usec = (suseconds_t)(wait % 1000) * 1000};
  evtimer_add(s->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct relay_server *s = arg;
  uint64_t now = relay_now_ms();
  uint64_t next = relay_tick(s->conns.core, now);
  relay_connections_resume(&s->conns);
  relay_connections_pump(&s->conns, now);
  relay_connections_expire(&s->conns, now);
  relay_connections_release_memory(&s->conns);
  arm_timer(s, now, next);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg) {
  (void)l;
  struct relay_server *s = arg;
  relay_connection_accept(&s->conns, fd, sa, salen, false);
}

static void on_accept_plain(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                            int salen, void *arg) {
  (void)l;
  struct relay_server *s = arg;
  relay_connection_accept(&s->conns, fd, sa, salen, true);
}

static void on_accept_resume(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct relay_server *s = arg;
  evconnlistener_enable(s->listener);
  if (s->plain_listener != NULL) evconnlistener_enable(s->plain_listener);
}

/* Out of descriptors: the listening socket stays readable, so accepting
 * again at once would spin. Pause 100 ms, as Go's server backs off. */
static void on_accept_error(struct evconnlistener *l, void *arg) {
  (void)l;
  struct relay_server *s = arg;
  int e = EVUTIL_SOCKET_ERROR();
  relay_log_printf("http: Accept error: %s; retrying in 100ms", evutil_socket_error_to_string(e));
  evconnlistener_disable(s->listener);
  if (s->plain_listener != NULL) evconnlistener_disable(s->plain_listener);
  struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
  evtimer_add(s->accept_pause, &tv);
}

static uint64_t ns_to_ms(int64_t ns) {
  return ns <= 0 ? 0 : (uint64_t)(ns + NS_PER_MS - 1) / NS_PER_MS;
}

static bool create_core(struct relay_server *s, const struct relay_server_config *cfg) {
  struct relay_options o;
  relay_options_init(&o);
  memcpy(o.server_public, cfg->keys->pub, DERP_KEY_LEN);
  memcpy(o.server_secret, cfg->keys->priv, DERP_KEY_LEN);
  o.verify_clients = cfg->flags->verify_clients;
  o.allowed_keys = cfg->allowed;
  o.allowed_count = cfg->allowed_count;
  if (cfg->mesh_key != NULL) {
    o.has_mesh_key = true;
    memcpy(o.mesh_key, cfg->mesh_key, DERP_KEY_LEN);
  }
  o.handshake_timeout_ms = s->conns.handshake_timeout_ms;
  o.write_timeout_ms = ns_to_ms(cfg->flags->tcp_write_timeout_ns);
  o.log = core_log;
  o.rate_bytes_per_sec = cfg->rate_bytes_per_sec;
  o.rate_burst_bytes = cfg->rate_burst_bytes;
  if (cfg->flags->mesh_with != NULL && cfg->mesh_key != NULL) o.forward = relay_mesh_links_forward;
  s->conns.core = relay_create(&o);
  if (s->conns.core == NULL) return false;
  /* The timer must notice the shortest deadline relay_core can create
   * between two ticks: a handshake step or a write timeout. */
  uint64_t shortest = s->conns.handshake_timeout_ms;
  if (o.write_timeout_ms > 0 && o.write_timeout_ms < shortest) shortest = o.write_timeout_ms;
  s->tick_ms = shortest / 8;
  if (s->tick_ms < 5) s->tick_ms = 5;
  if (s->tick_ms > 1000) s->tick_ms = 1000;
  return true;
}

/* derper's port-80 listener (--http-port >= 0), on the host of -a. */
static bool start_plain(struct relay_server *s, const struct relay_server_config *cfg, char *err,
                        size_t errcap) {
  char bound[80];
  int fd = relay_listen_socket(SOCK_STREAM, cfg->flags->listen_host, cfg->flags->http_port, bound,
                               sizeof bound, err, errcap);
  if (fd < 0) return false;
  /* Backlog 0: the socket already listens with the kernel's backlog;
   * libevent's -1 would listen() again with 128. */
  s->plain_listener = evconnlistener_new(s->conns.base, on_accept_plain, s,
                                         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
  if (s->plain_listener == NULL) {
    close(fd);
    snprintf(err, errcap, "cannot register the --http-port listener with the event loop");
    return false;
  }
  evconnlistener_set_error_cb(s->plain_listener, on_accept_error);
  relay_log_printf("serving plain HTTP on %s (/generate_204, else a redirect to https)", bound);
  return true;
}

/* A mesh link changed relay_core (PeerGone to local clients): write it. */
static void mesh_changed(void *arg) {
  struct relay_server *s = arg;
  relay_connections_pump(&s->conns, relay_now_ms());
}

static bool start_mesh(struct relay_server *s, const struct relay_server_config *cfg, char *err,
                       size_t errcap) {
  if (cfg->flags->mesh_with == NULL || cfg->mesh_key == NULL) return true;
  struct relay_mesh_links_config m = {
      .base = s->conns.base,
      .core = s->conns.core,
      .keys = cfg->keys,
      .mesh_key = cfg->mesh_key,
      .mesh_with = cfg->flags->mesh_with,
      .ca_file = cfg->flags->mesh_ca_file,
      .pins = cfg->flags->mesh_pin,
      .core_changed = mesh_changed,
      .core_changed_ctx = s,
  };
  s->mesh = relay_mesh_links_start(&m, err, errcap);
  return s->mesh != NULL;
}

uint64_t relay_server_set_rate_limit(struct relay_server *s, uint64_t bytes_per_sec,
                                     uint64_t burst_bytes) {
  uint64_t applied = relay_set_rate_limit(s->conns.core, bytes_per_sec, burst_bytes);
  relay_connections_resume(&s->conns); /* a lifted limit frees the paused */
  return applied;
}

void relay_server_log_stats(const struct relay_server *s) {
  struct relay_stats st;
  relay_get_stats(s->conns.core, &st);
  relay_log_printf(
      "derp-relay: stats: conns opened %llu closed %llu; packets received %llu "
      "relayed %llu; mesh: forwarded in %llu out %llu; dropped: unknown dest %llu, dest "
      "closed %llu, queue head %llu, queue full %llu, forward failed %llu; write timeouts %llu; "
      "rate limit waits %llu",
      (unsigned long long)st.conns_opened, (unsigned long long)st.conns_closed,
      (unsigned long long)st.packets_received, (unsigned long long)st.packets_relayed,
      (unsigned long long)st.packets_forwarded_in, (unsigned long long)st.packets_forwarded_out,
      (unsigned long long)st.drops_unknown_dest, (unsigned long long)st.drops_dest_closed,
      (unsigned long long)st.drops_queue_head, (unsigned long long)st.drops_queue_full,
      (unsigned long long)st.drops_forward_failed, (unsigned long long)st.write_timeouts,
      (unsigned long long)st.rate_limit_waits);
}

struct relay_server *relay_server_start(struct event_base *base,
                                        const struct relay_server_config *cfg, char *bound,
                                        size_t boundcap, char *err, size_t errcap) {
  struct relay_server *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  s->conns.base = base;
  s->conns.tls = cfg->tls;
  s->conns.handshake_timeout_ms = ns_to_ms(cfg->flags->handshake_timeout_ns);
  s->conns.http.derp_enabled = cfg->flags->derp;
  memcpy(s->conns.http.server_public_key, cfg->keys->pub, DERP_KEY_LEN);
  if (!create_core(s, cfg)) {
    snprintf(err, errcap, "cannot create the DERP relay core");
    relay_server_free(s);
    return NULL;
  }
  int fd = relay_listen_socket(SOCK_STREAM, cfg->flags->listen_host, cfg->flags->listen_port, bound,
                               boundcap, err, errcap);
  if (fd < 0) {
    relay_server_free(s);
    return NULL;
  }
  s->listener = /* backlog 0: see start_plain */
      evconnlistener_new(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
  s->timer = evtimer_new(base, on_timer, s);
  s->accept_pause = evtimer_new(base, on_accept_resume, s);
  if (s->listener == NULL || s->timer == NULL || s->accept_pause == NULL) {
    if (s->listener == NULL) close(fd);
    snprintf(err, errcap, "cannot register the listener with the event loop");
    relay_server_free(s);
    return NULL;
  }
  evconnlistener_set_error_cb(s->listener, on_accept_error);
  if ((cfg->flags->http_port >= 0 && !start_plain(s, cfg, err, errcap)) ||
      !start_mesh(s, cfg, err, errcap)) {
    relay_server_free(s);
    return NULL;
  }
  arm_timer(s, 0, 0);
  return s;
}

void relay_server_free(struct relay_server *s) {
  if (s == NULL) return;
  uint64_t now = relay_now_ms();
  if (s->listener != NULL) evconnlistener_free(s->listener);
  if (s->plain_listener != NULL) evconnlistener_free(s->plain_listener);
  relay_mesh_links_free(s->mesh);
  /* relay_destroy does not notify anyone, so nothing is pumped here. */
  relay_connections_close_all(&s->conns, now);
  if (s->timer != NULL) event_free(s->timer);
  if (s->accept_pause != NULL) event_free(s->accept_pause);
  if (s->conns.core != NULL) relay_destroy(s->conns.core);
  free(s);
}
