/* The client DERP session: handshake state, the receive table of spec §6.6
 * (Go's derp.Client.Recv), the send side and the outgoing byte queue. */
#include "derp/client_session.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/hex.h"

/* Go's golang.org/x/time/rate limiter as derp.Client uses it: starts full,
 * refills at `rate` bytes/s up to `burst`, a send of n bytes passes only if
 * n tokens are there (and takes them). Tokens are kept in byte-nanoseconds
 * so integer arithmetic is exact. */
struct token_bucket {
  bool on;
  bool started;
  uint64_t rate;  /* bytes per second, > 0 */
  uint64_t burst; /* bytes */
  uint64_t tokens_ns;
  uint64_t last_ns;
};

struct derp_client_session {
  enum derp_client_state state;
  uint8_t client_priv[DERP_KEY_LEN];
  uint8_t client_pub[DERP_KEY_LEN];
  uint8_t server_pub[DERP_KEY_LEN];
  bool has_mesh_key;
  uint8_t mesh_key[DERP_KEY_LEN];
  bool have_server_key;
  bool have_server_info;
  struct derp_server_info_msg server_info;
  struct token_bucket bucket;
  derp_random_fn random;
  void *random_ctx;
  char error[DERP_CLIENT_ERR_SIZE];
  char send_error[DERP_CLIENT_ERR_SIZE];
  char log[DERP_CLIENT_ERR_SIZE];
  struct derp_frame_reader reader;
  /* Outgoing bytes live in out[head, tail); the buffer grows on demand up
   * to DERP_CLIENT_OUT_QUEUE_CAP. */
  size_t out_head;
  size_t out_tail;
  uint8_t *out;
  size_t out_cap;
  /* The frame being read; grown to the frame at hand (at most 1 MiB), so a
   * session costs what it uses, not 1.3 MiB up front. */
  uint8_t *rx;
  size_t rx_cap;
  uint32_t rx_limit; /* the reader's limit: 1 KiB greeting, then 1 MiB */
};

#define OUT_FIRST_ALLOC 512
#define RX_FIRST_ALLOC 256
#define REQUEST_MAX 2048 /* an upgrade request, with the longest Host */

static bool sodium_random(void *ctx, uint8_t *buf, size_t n) {
  (void)ctx;
  randombytes_buf(buf, n);
  return true;
}

__attribute__((format(printf, 3, 4))) static void set_text(char *dst, size_t cap, const char *fmt,
                                                           ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst, cap, fmt, ap);
  va_end(ap);
}

/* ---- outgoing queue ---- */

/* A writer over the queue's free tail, compacting first if that makes room
 * for `need` bytes. */
static bool queue_reserve(struct derp_client_session *s, size_t need, struct byte_writer *w) {
  if (s->out_cap - s->out_tail < need && s->out_head > 0) {
    memmove(s->out, s->out + s->out_head, s->out_tail - s->out_head);
    s->out_tail -= s->out_head;
    s->out_head = 0;
  }
  if (s->out_cap - s->out_tail < need) {
    GUARD(need <= DERP_CLIENT_OUT_QUEUE_CAP - s->out_tail);
    size_t cap = s->out_cap ? s->out_cap : OUT_FIRST_ALLOC;
    while (cap - s->out_tail < need) cap *= 2;
    if (cap > DERP_CLIENT_OUT_QUEUE_CAP) cap = DERP_CLIENT_OUT_QUEUE_CAP;
    uint8_t *grown = realloc(s->out, cap);
    GUARD(grown != NULL);
    s->out = grown;
    s->out_cap = cap;
  }
  *w = byte_writer_init(s->out + s->out_tail, s->out_cap - s->out_tail);
  return true;
}

/* Room in rx for a frame of len bytes (len <= the reader's limit). */
static bool rx_fit(struct derp_client_session *s, uint32_t len) {
  if (len > s->rx_cap || s->rx == NULL) {
    size_t cap = s->rx_cap ? s->rx_cap : RX_FIRST_ALLOC;
    while (cap < len) cap *= 2;
    uint8_t *grown = realloc(s->rx, cap);
    GUARD(grown != NULL);
    s->rx = grown;
    s->rx_cap = cap;
  }
  return derp_frame_reader_set_buffer(&s->reader, s->rx, s->rx_cap, len);
}

static void queue_commit(struct derp_client_session *s, const struct byte_writer *w) {
  s->out_tail += w->len;
}

const uint8_t *derp_client_pending(const struct derp_client_session *s, size_t *len) {
  *len = s->out_tail - s->out_head;
  return s->out + s->out_head;
}

void derp_client_consume(struct derp_client_session *s, size_t n) {
  size_t have = s->out_tail - s->out_head;
  s->out_head += n < have ? n : have;
  if (s->out_head == s->out_tail) s->out_head = s->out_tail = 0;
}

/* ---- handshake ---- */

static bool queue_client_info(struct derp_client_session *s) {
  /* Go marshals ClientInfo in field order: meshKey (omitempty) first */
  char json[sizeof "{\"meshKey\":\"\"," + 2 * DERP_KEY_LEN + sizeof DERP_CLIENT_INFO_JSON];
  if (s->has_mesh_key) {
    char hex[2 * DERP_KEY_LEN + 1];
    derp_hex_lower(s->mesh_key, DERP_KEY_LEN, hex);
    snprintf(json, sizeof json, "{\"meshKey\":\"%s\",%s", hex, &DERP_CLIENT_INFO_JSON[1]);
  } else {
    snprintf(json, sizeof json, "%s", DERP_CLIENT_INFO_JSON);
  }
  size_t json_len = strlen(json);
  uint8_t nonce[DERP_NONCE_LEN];
  struct byte_writer w;
  GUARD(s->random(s->random_ctx, nonce, sizeof nonce));
  GUARD(queue_reserve(
      s, DERP_FRAME_HEADER_LEN + DERP_CLIENT_INFO_MIN_LEN + DERP_BOX_OVERHEAD + json_len, &w));
  GUARD(derp_encode_client_info_sealed(&w, s->client_pub, s->client_priv, s->server_pub, nonce,
                                       (const uint8_t *)json, json_len));
  queue_commit(s, &w);
  return true;
}

struct derp_client_session *derp_client_session_new(const struct derp_client_config *cfg, char *err,
                                                    size_t err_cap) {
  if (sodium_init() < 0) {
    set_text(err, err_cap, "libsodium failed to initialise");
    return NULL;
  }
  if (cfg->fast_start && cfg->websocket) {
    set_text(err, err_cap, "fast start does not apply over WebSocket");
    return NULL;
  }
  if (cfg->fast_start && sodium_is_zero(cfg->server_pub, DERP_KEY_LEN)) {
    set_text(err, err_cap, "fast start needs the server key from the metacert");
    return NULL;
  }
  struct derp_client_session *s = calloc(1, sizeof *s);
  if (!s) {
    set_text(err, err_cap, "out of memory");
    return NULL;
  }
  memcpy(s->client_priv, cfg->client_priv, DERP_KEY_LEN);
  memcpy(s->client_pub, cfg->client_pub, DERP_KEY_LEN);
  s->has_mesh_key = cfg->has_mesh_key;
  memcpy(s->mesh_key, cfg->mesh_key, DERP_KEY_LEN);
  s->random = cfg->random ? cfg->random : sodium_random;
  s->random_ctx = cfg->random_ctx;
  /* The buffer holds a whole 1 MiB frame, but until ServerKey arrives the
   * reader is capped at Go's 1024-byte greeting limit. */
  s->rx_limit = cfg->fast_start ? DERP_CLIENT_MAX_FRAME_LEN : DERP_SERVER_KEY_MAX_LEN;
  struct byte_writer w;
  s->rx = malloc(RX_FIRST_ALLOC);
  s->rx_cap = s->rx != NULL ? RX_FIRST_ALLOC : 0;
  /* Each header is announced, and rx grown to its frame, before the payload. */
  if (s->rx == NULL || !derp_frame_reader_init(&s->reader, s->rx, s->rx_cap, 0) ||
      (derp_frame_reader_announce_headers(&s->reader, true), !queue_reserve(s, REQUEST_MAX, &w)) ||
      (!cfg->websocket &&
       !derp_client_write_upgrade_request(&w, cfg->host, cfg->ideal_node, cfg->fast_start))) {
    set_text(
        err, err_cap,
        "cannot build the upgrade request: Host or Ideal-Node holds bytes a header cannot carry");
    derp_client_session_free(s);
    return NULL;
  }
  queue_commit(s, &w);
  if (cfg->fast_start) {
    memcpy(s->server_pub, cfg->server_pub, DERP_KEY_LEN);
    s->have_server_key = true;
    if (!queue_client_info(s)) {
      set_text(err, err_cap, "cannot seal ClientInfo: no random nonce");
      derp_client_session_free(s);
      return NULL;
    }
    s->state = DERP_CLIENT_CONNECTED;
  } else {
    s->state = DERP_CLIENT_AWAIT_SERVER_KEY;
  }
  return s;
}

void derp_client_session_free(struct derp_client_session *s) {
  if (!s) return;
  sodium_memzero(s->client_priv, sizeof s->client_priv);
  free(s->out);
  free(s->rx);
  free(s);
}

enum derp_client_state derp_client_state(const struct derp_client_session *s) { return s->state; }

const char *derp_client_error(const struct derp_client_session *s) { return s->error; }

const char *derp_client_send_error(const struct derp_client_session *s) { return s->send_error; }

bool derp_client_server_key(const struct derp_client_session *s, uint8_t out[DERP_KEY_LEN]) {
  GUARD(s->have_server_key);
  memcpy(out, s->server_pub, DERP_KEY_LEN);
  return true;
}

bool derp_client_server_info(const struct derp_client_session *s,
                             struct derp_server_info_msg *out) {
  GUARD(s->have_server_info);
  *out = s->server_info;
  return true;
}

/* ---- receive ---- */

static enum derp_client_event_kind fatal(struct derp_client_session *s,
                                         struct derp_client_event *ev) {
  s->state = DERP_CLIENT_FAILED;
  ev->text = s->error;
  return ev->kind = DERP_CLIENT_EV_ERROR;
}

static enum derp_client_event_kind dropped(struct derp_client_session *s,
                                           struct derp_client_event *ev, const char *why) {
  set_text(s->log, sizeof s->log, "%s", why);
  ev->text = s->log;
  return ev->kind = DERP_CLIENT_EV_LOG;
}

static void bucket_configure(struct token_bucket *b, const struct derp_server_info_msg *m) {
  /* Go: a zero rate means no limiter. A negative one (nonsense from a
   * server) is treated the same rather than blocking every send. */
  memset(b, 0, sizeof *b);
  if (m->token_bucket_bytes_per_second <= 0) return;
  const int64_t cap = INT32_MAX; /* keeps burst * 1e9 inside 64 bits */
  b->on = true;
  b->rate =
      (uint64_t)(m->token_bucket_bytes_per_second < cap ? m->token_bucket_bytes_per_second : cap);
  int64_t burst = m->token_bucket_bytes_burst;
  b->burst = burst <= 0 ? 0 : (uint64_t)(burst < cap ? burst : cap);
}

static bool bucket_allow(struct token_bucket *b, uint64_t now_ns, uint64_t n) {
  const uint64_t ns_per_s = 1000000000u;
  if (!b->on) return true;
  uint64_t full = b->burst * ns_per_s;
  if (!b->started) {
    b->started = true;
    b->tokens_ns = full;
    b->last_ns = now_ns;
  }
  uint64_t elapsed = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
  uint64_t missing = full - b->tokens_ns;
  b->tokens_ns = elapsed >= missing / b->rate + 1 ? full : b->tokens_ns + elapsed * b->rate;
  if (b->tokens_ns > full) b->tokens_ns = full;
  b->last_ns = now_ns > b->last_ns ? now_ns : b->last_ns;
  if (n > b->burst || b->tokens_ns < n * ns_per_s) return false;
  b->tokens_ns -= n * ns_per_s;
  return true;
}

static enum derp_client_event_kind on_server_key(struct derp_client_session *s,
                                                 const struct derp_frame *f,
                                                 struct derp_client_event *ev) {
  ENSURE(f->type == DERP_FRAME_SERVER_KEY &&
             derp_decode_server_key(f->payload, f->len, s->server_pub) == DERP_DECODE_OK,
         (set_text(s->error, sizeof s->error, "invalid server greeting"), fatal(s, ev)));
  s->have_server_key = true;
  s->rx_limit = DERP_CLIENT_MAX_FRAME_LEN;
  if (!queue_client_info(s)) {
    set_text(s->error, sizeof s->error, "failed to send client key");
    return fatal(s, ev);
  }
  s->state = DERP_CLIENT_CONNECTED;
  memcpy(ev->key, s->server_pub, DERP_KEY_LEN);
  return ev->kind = DERP_CLIENT_EV_SERVER_KEY;
}

static enum derp_client_event_kind on_server_info(struct derp_client_session *s,
                                                  const struct derp_frame *f,
                                                  struct derp_client_event *ev) {
  char why[DERP_CLIENT_ERR_SIZE - 32];
  /* The payload lies in our own rx buffer; the box opens in place there. */
  uint8_t *payload = f->payload ? s->rx + (f->payload - s->rx) : s->rx;
  if (!derp_client_open_server_info(payload, f->len, s->server_pub, s->client_priv,
                                    &ev->server_info, why, sizeof why)) {
    set_text(s->error, sizeof s->error, "invalid server info frame: %s", why);
    return fatal(s, ev);
  }
  s->server_info = ev->server_info;
  s->have_server_info = true;
  bucket_configure(&s->bucket, &s->server_info);
  return ev->kind = DERP_CLIENT_EV_SERVER_INFO;
}

static enum derp_client_event_kind on_ping(struct derp_client_session *s,
                                           struct derp_client_event *ev) {
  struct byte_writer w;
  if (!queue_reserve(s, DERP_FRAME_HEADER_LEN + DERP_PING_LEN, &w) ||
      !derp_encode_pong(&w, ev->ping))
    return dropped(s, ev, "dropping pong: send queue full");
  queue_commit(s, &w);
  return ev->kind = DERP_CLIENT_EV_PING;
}

/* Go's Recv switch. Short frames of the fixed-layout types are dropped with
 * Go's log text (its Pong case reuses the Ping text); the connection stays. */
static enum derp_client_event_kind on_frame(struct derp_client_session *s,
                                            const struct derp_frame *f,
                                            struct derp_client_event *ev) {
  switch (f->type) {
    case DERP_FRAME_SERVER_INFO: return on_server_info(s, f, ev);
    case DERP_FRAME_KEEP_ALIVE: return ev->kind = DERP_CLIENT_EV_KEEP_ALIVE;
    case DERP_FRAME_PEER_GONE: {
      struct derp_peer_gone pg;
      if (derp_decode_peer_gone(f->payload, f->len, &pg) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short peerGone frame from DERP server");
      memcpy(ev->key, pg.key, DERP_KEY_LEN);
      ev->reason = pg.reason;
      return ev->kind = DERP_CLIENT_EV_PEER_GONE;
    }
    case DERP_FRAME_PEER_PRESENT:
      if (derp_decode_peer_present(f->payload, f->len, &ev->present) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short peerPresent frame from DERP server");
      memcpy(ev->key, ev->present.key, DERP_KEY_LEN);
      return ev->kind = DERP_CLIENT_EV_PEER_PRESENT;
    case DERP_FRAME_RECV_PACKET: {
      struct derp_packet p;
      if (derp_decode_recv_packet(f->payload, f->len, &p) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short packet from DERP server");
      memcpy(ev->key, p.src, DERP_KEY_LEN);
      ev->data = p.data;
      ev->data_len = p.len;
      return ev->kind = DERP_CLIENT_EV_RECV_PACKET;
    }
    case DERP_FRAME_PING:
      if (derp_decode_ping(f->payload, f->len, ev->ping) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short ping frame");
      return on_ping(s, ev);
    case DERP_FRAME_PONG:
      if (derp_decode_pong(f->payload, f->len, ev->ping) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short ping frame");
      return ev->kind = DERP_CLIENT_EV_PONG;
    case DERP_FRAME_HEALTH:
      ev->data = f->payload;
      ev->data_len = f->len;
      return ev->kind = DERP_CLIENT_EV_HEALTH;
    case DERP_FRAME_RESTARTING:
      if (derp_decode_restarting(f->payload, f->len, &ev->restarting) != DERP_DECODE_OK)
        return dropped(s, ev, "[unexpected] dropping short server restarting frame");
      return ev->kind = DERP_CLIENT_EV_RESTARTING;
    default:
      /* Unknown types, and ServerKey after a fast start, are skipped. */
      return ev->kind = DERP_CLIENT_EV_SKIPPED;
  }
}

size_t derp_client_feed(struct derp_client_session *s, const uint8_t *in, size_t n,
                        struct derp_client_event *ev) {
  memset(ev, 0, sizeof *ev);
  if (s->state == DERP_CLIENT_FAILED) {
    fatal(s, ev);
    return 0;
  }
  enum derp_frame_event fe;
  struct derp_frame f;
  size_t used = 0;
  for (;;) {
    used += derp_frame_reader_feed(&s->reader, in + used, n - used, &fe, &f);
    if (fe != DERP_FRAME_HEADER) break;
    if (f.len > s->rx_limit) {
      fe = DERP_FRAME_TOO_LARGE;
      break;
    }
    if (!rx_fit(s, f.len) || !derp_frame_reader_take(&s->reader)) {
      set_text(s->error, sizeof s->error, "out of memory for a frame of %u bytes", (unsigned)f.len);
      fatal(s, ev);
      return used;
    }
  }
  if (fe == DERP_FRAME_NEED_MORE) return used;
  ev->frame_type = f.type;
  ev->frame_len = f.len;
  if (fe == DERP_FRAME_TOO_LARGE) {
    if (s->state == DERP_CLIENT_AWAIT_SERVER_KEY)
      set_text(s->error, sizeof s->error, "frame header size %u exceeds reader limit of %u",
               (unsigned)f.len, DERP_SERVER_KEY_MAX_LEN);
    else
      set_text(s->error, sizeof s->error, "unexpectedly large frame of %u bytes returned",
               (unsigned)f.len);
    fatal(s, ev);
    return used;
  }
  if (s->state == DERP_CLIENT_AWAIT_SERVER_KEY)
    on_server_key(s, &f, ev);
  else
    on_frame(s, &f, ev);
  return used;
}

/* ---- send ---- */

__attribute__((format(printf, 3, 4))) static enum derp_client_send_status send_fail(
    struct derp_client_session *s, enum derp_client_send_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->send_error, sizeof s->send_error, fmt, ap);
  va_end(ap);
  return st;
}

static enum derp_client_send_status send_ready(struct derp_client_session *s) {
  s->send_error[0] = '\0';
  if (s->state != DERP_CLIENT_CONNECTED)
    return send_fail(
        s, DERP_CLIENT_SEND_NOT_READY, "%s",
        s->state == DERP_CLIENT_FAILED ? s->error : "not connected: no server key yet");
  return DERP_CLIENT_SEND_OK;
}

enum derp_client_send_status derp_client_send_packet(struct derp_client_session *s, uint64_t now_ns,
                                                     const uint8_t dst[DERP_KEY_LEN],
                                                     const uint8_t *pkt, size_t len) {
  enum derp_client_send_status st = send_ready(s);
  if (st != DERP_CLIENT_SEND_OK) return st;
  if (len > DERP_MAX_PACKET_SIZE)
    return send_fail(s, DERP_CLIENT_SEND_TOO_BIG, "packet too big: %zu", len);
  size_t frame_len = DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + len;
  struct byte_writer w;
  if (!queue_reserve(s, frame_len, &w))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  if (!bucket_allow(&s->bucket, now_ns, frame_len))
    return send_fail(s, DERP_CLIENT_SEND_RATE_LIMITED, "dropped by the server's token bucket");
  if (!derp_encode_send_packet(&w, dst, pkt, len))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  queue_commit(s, &w);
  return DERP_CLIENT_SEND_OK;
}

enum derp_client_send_status derp_client_note_preferred(struct derp_client_session *s,
                                                        bool preferred) {
  enum derp_client_send_status st = send_ready(s);
  if (st != DERP_CLIENT_SEND_OK) return st;
  struct byte_writer w;
  if (!queue_reserve(s, DERP_FRAME_HEADER_LEN + 1, &w) ||
      !derp_encode_note_preferred(&w, preferred))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  queue_commit(s, &w);
  return DERP_CLIENT_SEND_OK;
}

enum derp_client_send_status derp_client_send_watch_conns(struct derp_client_session *s) {
  enum derp_client_send_status st = send_ready(s);
  if (st != DERP_CLIENT_SEND_OK) return st;
  struct byte_writer w;
  if (!queue_reserve(s, DERP_FRAME_HEADER_LEN, &w) || !derp_encode_watch_conns(&w))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  queue_commit(s, &w);
  return DERP_CLIENT_SEND_OK;
}

enum derp_client_send_status derp_client_send_forward_packet(struct derp_client_session *s,
                                                             const uint8_t src[DERP_KEY_LEN],
                                                             const uint8_t dst[DERP_KEY_LEN],
                                                             const uint8_t *pkt, size_t len) {
  enum derp_client_send_status st = send_ready(s);
  if (st != DERP_CLIENT_SEND_OK) return st;
  if (len > DERP_MAX_PACKET_SIZE)
    return send_fail(s, DERP_CLIENT_SEND_TOO_BIG, "packet too big: %zu", len);
  struct byte_writer w;
  if (!queue_reserve(s, DERP_FRAME_HEADER_LEN + 2 * DERP_KEY_LEN + len, &w) ||
      !derp_encode_forward_packet(&w, src, dst, pkt, len))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  queue_commit(s, &w);
  return DERP_CLIENT_SEND_OK;
}

enum derp_client_send_status derp_client_send_ping(struct derp_client_session *s,
                                                   const uint8_t data[DERP_PING_LEN]) {
  enum derp_client_send_status st = send_ready(s);
  if (st != DERP_CLIENT_SEND_OK) return st;
  struct byte_writer w;
  if (!queue_reserve(s, DERP_FRAME_HEADER_LEN + DERP_PING_LEN, &w) || !derp_encode_ping(&w, data))
    return send_fail(s, DERP_CLIENT_SEND_QUEUE_FULL, "send queue full");
  queue_commit(s, &w);
  return DERP_CLIENT_SEND_OK;
}
