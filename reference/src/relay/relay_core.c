/* The relay as a whole: options, the registry of clients, connection
 * lifecycle (create, register, close and the PeerGone duties a close brings),
 * output queues, events for the shell, and timers. The per-connection
 * protocol, and the entry points that feed it (relay_conn_open,
 * relay_conn_input), are in relay_session.c, which calls this file and is
 * never called back. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "relay_internal.h"

#define MAX_QUEUE_CAP (256u << 20)
/* The queue must take the largest frame the relay ever sends. */
#define MIN_QUEUE_CAP (DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + DERP_MAX_PACKET_SIZE)

void relay_options_init(struct relay_options *o) {
  memset(o, 0, sizeof *o);
  o->handshake_timeout_ms = 10000;
  o->keepalive_ms = DERP_KEEPALIVE_MS;
  o->keepalive_jitter_ms = 5000;
  o->write_timeout_ms = 2000;
  o->mesh_write_timeout_ms = 30000;
  o->send_queue_cap = 4u << 20;
  o->packet_queue_depth = 32;
}

static void default_random(void *ctx, uint8_t *out, size_t n) {
  (void)ctx;
  randombytes_buf(out, n);
}

void relay_random(struct relay *r, uint8_t *out, size_t n) {
  r->opt.random(r->opt.random_ctx, out, n);
}

void relay_logf(struct relay *r, const char *fmt, ...) {
  if (!r->opt.log) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  r->opt.log(r->opt.log_ctx, line);
}

void relay_key_text(const uint8_t key[DERP_KEY_LEN], char out[RELAY_KEY_TEXT_LEN]) {
  memcpy(out, "nodekey:", 8);
  sodium_bin2hex(out + 8, RELAY_KEY_TEXT_LEN - 8, key, DERP_KEY_LEN);
}

struct relay *relay_create(const struct relay_options *o) {
  ENSURE(sodium_init() >= 0, NULL);
  ENSURE(o->send_queue_cap >= MIN_QUEUE_CAP && o->send_queue_cap <= MAX_QUEUE_CAP, NULL);
  ENSURE(o->keepalive_ms > 0, NULL);
  ENSURE(o->packet_queue_depth >= 1 && o->packet_queue_depth <= 4096, NULL);
  ENSURE(!o->verify_clients || o->allowed_count == 0 || o->allowed_keys != NULL, NULL);
  struct relay *r = calloc(1, sizeof *r);
  ENSURE(r != NULL, NULL);
  r->opt = *o;
  r->opt.allowed_keys = NULL;
  relay_set_rate_limit(r, o->rate_bytes_per_sec, o->rate_burst_bytes);
  if (!r->opt.random) r->opt.random = default_random;
  relay_random(r, r->seed, sizeof r->seed);
  relay_keymap_init(&r->allowed, r->seed);
  relay_keymap_init(&r->clients, r->seed);
  relay_keymap_init(&r->mesh, r->seed);
  r->allowed_marks = malloc(1);
  bool ok = r->allowed_marks != NULL;
  for (size_t i = 0; ok && o->verify_clients && i < o->allowed_count; i++) {
    ok = relay_keymap_put(&r->allowed, o->allowed_keys[i], r->allowed_marks);
  }
  if (!ok) {
    relay_destroy(r);
    return NULL;
  }
  return r;
}

static void conn_free(struct relay_conn *c) {
  relay_packets_free(c);
  relay_queue_free(&c->out);
  relay_keymap_free(&c->saw_src);
  free(c->inbuf);
  free(c);
}

void relay_destroy(struct relay *r) {
  if (!r) return;
  for (struct relay_conn *c = r->all, *next; c; c = next) {
    next = c->all_next;
    conn_free(c);
  }
  size_t pos = 0;
  const uint8_t *key;
  void *v;
  while (relay_keymap_next(&r->clients, &pos, &key, &v)) {
    struct relay_client *e = v;
    relay_keymap_free(&e->receivers);
    free(e);
  }
  relay_keymap_free(&r->clients);
  relay_mesh_free(r);
  relay_keymap_free(&r->allowed);
  free(r->allowed_marks);
  free(r);
}

/* ---- event lists ----------------------------------------------------- */

static void out_list_remove(struct relay *r, struct relay_conn *c) {
  if (!c->out_listed) return;
  if (c->out_prev)
    c->out_prev->out_next = c->out_next;
  else
    r->out_head = c->out_next;
  if (c->out_next)
    c->out_next->out_prev = c->out_prev;
  else
    r->out_tail = c->out_prev;
  c->out_prev = c->out_next = NULL;
  c->out_listed = false;
}

static void out_list_add(struct relay *r, struct relay_conn *c) {
  if (c->out_listed) return;
  c->out_prev = r->out_tail;
  c->out_next = NULL;
  if (r->out_tail)
    r->out_tail->out_next = c;
  else
    r->out_head = c;
  r->out_tail = c;
  c->out_listed = true;
}

static void closed_list_remove(struct relay *r, struct relay_conn *c) {
  if (!c->closed_listed) return;
  if (c->closed_prev)
    c->closed_prev->closed_next = c->closed_next;
  else
    r->closed_head = c->closed_next;
  if (c->closed_next)
    c->closed_next->closed_prev = c->closed_prev;
  else
    r->closed_tail = c->closed_prev;
  c->closed_prev = c->closed_next = NULL;
  c->closed_listed = false;
}

static void closed_list_add(struct relay *r, struct relay_conn *c) {
  if (c->closed_listed) return;
  c->closed_prev = r->closed_tail;
  c->closed_next = NULL;
  if (r->closed_tail)
    r->closed_tail->closed_next = c;
  else
    r->closed_head = c;
  r->closed_tail = c;
  c->closed_listed = true;
}

bool relay_next_event(struct relay *r, struct relay_event *ev) {
  if (r->closed_head) {
    ev->kind = RELAY_EVENT_CLOSED;
    ev->conn = r->closed_head;
    closed_list_remove(r, ev->conn);
    return true;
  }
  if (r->out_head) {
    ev->kind = RELAY_EVENT_OUTPUT;
    ev->conn = r->out_head;
    out_list_remove(r, ev->conn);
    return true;
  }
  return false;
}

/* ---- output ---------------------------------------------------------- */

bool relay_conn_reserve(struct relay_conn *c, size_t frame_len, struct byte_writer *w) {
  GUARD(!c->doomed && c->state != RELAY_CONN_CLOSED);
  switch (relay_queue_reserve(&c->out, frame_len, w)) {
    case RELAY_QUEUE_OK: return true;
    case RELAY_QUEUE_FULL:
      /* A reader this slow is cut off rather than allowed to hold up the
       * sender or grow without bound. */
      c->relay->stats.queue_overflow_closes++;
      relay_conn_fail(c, "send queue full: %zu bytes queued, cap %zu, frame of %zu bytes",
                      c->out.len, c->out.limit, frame_len);
      return false;
    case RELAY_QUEUE_NOMEM:
      relay_conn_fail(c, "out of memory queueing a frame of %zu bytes", frame_len);
      return false;
  }
  return false;
}

void relay_conn_commit(struct relay_conn *c, const struct byte_writer *w) {
  if (c->out.len == 0) {
    c->stall_since = c->relay->now;
    out_list_add(c->relay, c);
  }
  relay_queue_commit(&c->out, w);
}

void relay_send_peer_gone(struct relay_conn *to, const uint8_t key[DERP_KEY_LEN], uint8_t reason) {
  struct byte_writer w;
  if (!relay_conn_reserve(to, DERP_FRAME_HEADER_LEN + DERP_PEER_GONE_LEN, &w)) return;
  if (!derp_encode_peer_gone(&w, key, reason)) return;
  relay_conn_commit(to, &w);
  if (reason == DERP_PEER_GONE_NOT_HERE) {
    to->relay->stats.peer_gone_not_here_sent++;
  } else {
    to->relay->stats.peer_gone_disconnected_sent++;
  }
}

static uint8_t present_flags(const struct relay_conn *c) {
  uint8_t f = 0;
  if (c->is_prober) f |= DERP_PEER_PRESENT_IS_PROBER;
  if (c->can_mesh) f |= DERP_PEER_PRESENT_IS_MESH_PEER;
  if (c->not_ideal) f |= DERP_PEER_PRESENT_NOT_IDEAL;
  return f ? f : DERP_PEER_PRESENT_IS_REGULAR;
}

void relay_send_peer_present(struct relay_conn *to, const struct relay_conn *peer) {
  struct byte_writer w;
  if (!relay_conn_reserve(to, DERP_FRAME_HEADER_LEN + DERP_PEER_PRESENT_LEN, &w)) return;
  if (!derp_encode_peer_present(&w, peer->key, peer->ip16, peer->port, present_flags(peer))) {
    return;
  }
  relay_conn_commit(to, &w);
}

size_t relay_conn_pending(const struct relay_conn *c, const uint8_t **data) {
  if (c->state == RELAY_CONN_CLOSED || c->doomed) {
    *data = NULL;
    return 0;
  }
  return relay_queue_peek(&c->out, data);
}

void relay_conn_consume(struct relay_conn *c, size_t n, uint64_t now_ms) {
  struct relay *r = c->relay;
  r->now = now_ms;
  if (c->state == RELAY_CONN_CLOSED || c->doomed || n == 0) return;
  relay_queue_pop(&c->out, n);
  c->stall_since = now_ms;
  if (!c->server_key_written && c->out.popped >= c->server_key_end) {
    c->server_key_written = true;
    c->client_info_deadline = now_ms + r->opt.handshake_timeout_ms;
  }
  /* Refilling from the packet queue can fail (out of memory): that close
   * is torn down before returning, as in every public call. */
  relay_packets_pump(c);
  relay_flush_doomed(r);
}

/* ---- lifecycle ------------------------------------------------------- */

struct relay_conn *relay_conn_new(struct relay *r, uint64_t now_ms, void *user) {
  struct relay_conn *c = calloc(1, sizeof *c);
  ENSURE(c != NULL, NULL);
  c->relay = r;
  c->id = ++r->next_id;
  c->user = user;
  c->state = RELAY_CONN_HANDSHAKE;
  c->opened_at = now_ms;
  relay_queue_init(&c->out, r->opt.send_queue_cap);
  relay_keymap_init(&c->saw_src, r->seed);
  c->all_next = r->all;
  if (r->all) r->all->all_prev = c;
  r->all = c;
  r->stats.conns_opened++;
  r->stats.conns_current++;
  return c;
}

void relay_conn_set_remote(struct relay_conn *c, const uint8_t ip16[16], uint16_t port) {
  memcpy(c->ip16, ip16, 16);
  c->port = port;
}

void relay_conn_set_not_ideal(struct relay_conn *c, bool not_ideal) { c->not_ideal = not_ideal; }

void relay_conn_fail(struct relay_conn *c, const char *fmt, ...) {
  if (c->doomed || c->state == RELAY_CONN_CLOSED) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->reason, sizeof c->reason, fmt, ap);
  va_end(ap);
  c->doomed = true;
  c->doom_next = c->relay->doomed;
  c->relay->doomed = c;
}

static void watchers_remove(struct relay *r, struct relay_conn *c) {
  if (!c->watching) return;
  if (c->watch_prev)
    c->watch_prev->watch_next = c->watch_next;
  else
    r->watchers = c->watch_next;
  if (c->watch_next) c->watch_next->watch_prev = c->watch_prev;
  c->watch_prev = c->watch_next = NULL;
  c->watching = false;
  r->stats.watchers_current--;
}

void relay_watch_conns(struct relay_conn *c) {
  struct relay *r = c->relay;
  if (memcmp(c->key, r->opt.server_public, DERP_KEY_LEN) == 0) return; /* ourselves */
  if (!c->watching) {
    c->watch_prev = NULL;
    c->watch_next = r->watchers;
    if (r->watchers) r->watchers->watch_prev = c;
    r->watchers = c;
    c->watching = true;
    r->stats.watchers_current++;
  }
  size_t pos = 0;
  const uint8_t *key;
  void *v;
  while (relay_keymap_next(&r->clients, &pos, &key, &v)) {
    struct relay_conn *peer = ((struct relay_client *)v)->active;
    if (peer && !peer->doomed && peer->state == RELAY_CONN_ACTIVE) {
      relay_send_peer_present(c, peer);
    }
  }
}

static bool conn_live(const struct relay_conn *c) {
  return c && !c->doomed && c->state == RELAY_CONN_ACTIVE;
}

/* The key is leaving the relay: everyone it sent packets to, and every mesh
 * watcher, is told PeerGone(Disconnected). */
static void unregister_active(struct relay *r, struct relay_conn *c, struct relay_client *e) {
  size_t pos = 0;
  const uint8_t *dst_key;
  void *v;
  while (relay_keymap_next(&e->receivers, &pos, &dst_key, &v)) {
    struct relay_client *de = relay_keymap_get(&r->clients, dst_key);
    if (de && de->active == v && conn_live(v)) {
      relay_send_peer_gone(v, c->key, DERP_PEER_GONE_DISCONNECTED);
    }
  }
  for (struct relay_conn *w = r->watchers; w; w = w->watch_next) {
    if (w != c) relay_send_peer_gone(w, c->key, DERP_PEER_GONE_DISCONNECTED);
  }
  relay_keymap_free(&e->receivers);
  relay_keymap_remove(&r->clients, c->key);
  free(e);
  r->stats.clients_current--;
}

/* As a receiver, c stops being owed PeerGone by the keys it heard from. */
static void forget_sources(struct relay *r, struct relay_conn *c) {
  size_t pos = 0;
  const uint8_t *src_key;
  void *v;
  while (relay_keymap_next(&c->saw_src, &pos, &src_key, &v)) {
    struct relay_client *se = relay_keymap_get(&r->clients, src_key);
    if (se && relay_keymap_get(&se->receivers, c->key) == c) {
      relay_keymap_remove(&se->receivers, c->key);
    }
    struct relay_mesh_entry *me = relay_mesh_entry(r, src_key);
    if (me && relay_keymap_get(&me->receivers, c->key) == c) {
      relay_keymap_remove(&me->receivers, c->key);
    }
  }
  relay_keymap_free(&c->saw_src);
}

/* From now on dst is owed a PeerGone(Disconnected) when src leaves (this
 * relay, or the region when src is a mesh peer's client). */
void relay_note_receiver(struct relay *r, const uint8_t src[DERP_KEY_LEN], struct relay_conn *dst) {
  struct relay_client *se = relay_keymap_get(&r->clients, src);
  struct relay_mesh_entry *me = se ? NULL : relay_mesh_entry(r, src);
  struct relay_keymap *receivers = se ? &se->receivers : me ? &me->receivers : NULL;
  if (!receivers || relay_keymap_get(receivers, dst->key) == dst) return;
  if (!relay_keymap_put(receivers, dst->key, dst) || !relay_keymap_put(&dst->saw_src, src, dst)) {
    relay_keymap_remove(receivers, dst->key);
    relay_logf(r, "conn %llu: out of memory tracking a sender; no PeerGone will follow",
               (unsigned long long)dst->id);
  }
}

static void conn_teardown(struct relay *r, struct relay_conn *c) {
  if (c->state == RELAY_CONN_ACTIVE) {
    struct relay_client *e = relay_keymap_get(&r->clients, c->key);
    if (e && e->active == c) unregister_active(r, c, e);
    forget_sources(r, c);
    watchers_remove(r, c);
    if (c->preferred) r->stats.home_clients_current--;
  }
  c->state = RELAY_CONN_CLOSED;
  c->doomed = false;
  relay_packets_free(c);
  relay_queue_free(&c->out);
  free(c->inbuf);
  c->inbuf = NULL;
  c->inbuf_cap = 0;
  out_list_remove(r, c);
  r->stats.conns_closed++;
  r->stats.conns_current--;
  relay_logf(r, "conn %llu %s: closed: %s", (unsigned long long)c->id,
             c->key_text[0] ? c->key_text : "(handshake)", c->reason);
}

void relay_flush_doomed(struct relay *r) {
  /* A teardown can doom more connections (a PeerGone overflowing a queue). */
  while (r->doomed) {
    struct relay_conn *c = r->doomed;
    r->doomed = c->doom_next;
    c->doom_next = NULL;
    conn_teardown(r, c);
    closed_list_add(r, c);
  }
}

void relay_conn_close(struct relay_conn *c, uint64_t now_ms, const char *reason) {
  struct relay *r = c->relay;
  r->now = now_ms;
  relay_conn_fail(c, "%s", reason ? reason : "EOF");
  relay_flush_doomed(r);
  closed_list_remove(r, c);
  out_list_remove(r, c);
  if (c->all_prev)
    c->all_prev->all_next = c->all_next;
  else
    r->all = c->all_next;
  if (c->all_next) c->all_next->all_prev = c->all_prev;
  conn_free(c);
}

void relay_register(struct relay_conn *c) {
  struct relay *r = c->relay;
  struct relay_client *e = relay_keymap_get(&r->clients, c->key);
  if (e) {
    if (e->active && e->active != c) {
      r->stats.clients_replaced++;
      relay_conn_fail(e->active, "replaced by a newer connection for %s (conn %llu)", c->key_text,
                      (unsigned long long)c->id);
    }
  } else {
    e = calloc(1, sizeof *e);
    if (!e || !relay_keymap_put(&r->clients, c->key, e)) {
      free(e);
      relay_conn_fail(c, "out of memory registering %s", c->key_text);
      return;
    }
    relay_keymap_init(&e->receivers, r->seed);
    r->stats.clients_current++;
  }
  e->active = c;
  c->state = RELAY_CONN_ACTIVE;
  relay_rate_reset(c);
  r->stats.clients_accepted++;
  for (struct relay_conn *w = r->watchers; w; w = w->watch_next) {
    if (w != c) relay_send_peer_present(w, c);
  }
}

/* ---- timers ---------------------------------------------------------- */

static uint64_t earliest(uint64_t a, uint64_t b) { return a < b ? a : b; }

static uint64_t conn_tick(struct relay *r, struct relay_conn *c, uint64_t now) {
  uint64_t next = UINT64_MAX;
  if (c->state == RELAY_CONN_HANDSHAKE) {
    if (!c->server_key_written) {
      uint64_t at = c->opened_at + r->opt.handshake_timeout_ms;
      if (now >= at) {
        r->stats.handshake_timeouts++;
        relay_conn_fail(c, "handshake timeout: ServerKey not written within %llu ms",
                        (unsigned long long)r->opt.handshake_timeout_ms);
      }
      return at;
    }
    if (now >= c->client_info_deadline) {
      r->stats.handshake_timeouts++;
      relay_conn_fail(c, "handshake timeout: no ClientInfo within %llu ms",
                      (unsigned long long)r->opt.handshake_timeout_ms);
    }
    return c->client_info_deadline;
  }
  if (now >= c->next_keepalive) {
    struct byte_writer w;
    if (relay_conn_reserve(c, DERP_FRAME_HEADER_LEN, &w) && derp_encode_keep_alive(&w)) {
      relay_conn_commit(c, &w);
      r->stats.keepalives_sent++;
    }
    c->next_keepalive += c->keepalive_period;
    if (c->next_keepalive <= now) c->next_keepalive = now + c->keepalive_period;
  }
  next = earliest(next, c->next_keepalive);
  uint64_t timeout = c->can_mesh ? r->opt.mesh_write_timeout_ms : r->opt.write_timeout_ms;
  if (timeout && c->out.len > 0) {
    if (now - c->stall_since >= timeout) {
      r->stats.write_timeouts++;
      relay_conn_fail(c, "write timeout: %zu bytes unwritten for %llu ms", c->out.len,
                      (unsigned long long)(now - c->stall_since));
    }
    next = earliest(next, c->stall_since + timeout);
  }
  return next;
}

uint64_t relay_tick(struct relay *r, uint64_t now_ms) {
  r->now = now_ms;
  uint64_t next = UINT64_MAX;
  for (struct relay_conn *c = r->all; c; c = c->all_next) {
    if (c->state == RELAY_CONN_CLOSED || c->doomed) continue;
    next = earliest(next, conn_tick(r, c, now_ms));
    next = earliest(next, relay_rate_tick(c, now_ms));
  }
  relay_flush_doomed(r);
  return next;
}

/* ---- observation ----------------------------------------------------- */

enum relay_conn_state relay_conn_state(const struct relay_conn *c) { return c->state; }

const char *relay_conn_close_reason(const struct relay_conn *c) {
  return c->state == RELAY_CONN_CLOSED ? c->reason : "";
}

void *relay_conn_user(const struct relay_conn *c) { return c->user; }

uint64_t relay_conn_id(const struct relay_conn *c) { return c->id; }

const uint8_t *relay_conn_key(const struct relay_conn *c) { return c->key_text[0] ? c->key : NULL; }

bool relay_conn_preferred(const struct relay_conn *c) { return c->preferred; }

bool relay_conn_can_mesh(const struct relay_conn *c) { return c->can_mesh; }

size_t relay_conn_queued(const struct relay_conn *c) { return c->out.len; }

struct relay_conn *relay_find_client(const struct relay *r, const uint8_t key[DERP_KEY_LEN]) {
  const struct relay_client *e = relay_keymap_get(&r->clients, key);
  return e && conn_live(e->active) ? e->active : NULL;
}

void relay_get_stats(const struct relay *r, struct relay_stats *out) { *out = r->stats; }
