/* One connection's side of the DERP protocol (spec §6.5, §6.6): ServerKey,
 * then exactly one ClientInfo, then the steady-state frames. Length rules
 * are applied when a frame's header arrives, before its payload is read, as
 * the Go server does: a peer announcing an oversize frame is closed at once
 * and never makes the relay buffer it. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "relay_internal.h"

/* PeerGone(NotHere) answers per client, in milli-tokens refilled at one per
 * millisecond: a burst of 3, then 1/s. */
#define NOT_HERE_BURST 3000u
#define NOT_HERE_COST 1000u

static const char server_info_json[] = "{\"version\":2}";

static void session_start(struct relay_conn *c) {
  derp_frame_reader_init(&c->reader, NULL, 0, 0);
  derp_frame_reader_announce_headers(&c->reader, true);
  struct byte_writer w;
  if (!relay_conn_reserve(c, DERP_FRAME_HEADER_LEN + DERP_SERVER_KEY_MIN_LEN, &w)) return;
  if (!derp_encode_server_key(&w, c->relay->opt.server_public)) return;
  relay_conn_commit(c, &w);
  c->server_key_end = c->out.pushed;
}

/* The payload buffer grows to the frame at hand; the bounds on `len` were
 * checked from the header already. */
static void take_payload(struct relay_conn *c, uint32_t len) {
  if (len > c->inbuf_cap) {
    uint8_t *buf = realloc(c->inbuf, len);
    if (!buf) {
      relay_conn_fail(c, "out of memory reading a frame of %u bytes", len);
      return;
    }
    c->inbuf = buf;
    c->inbuf_cap = len;
  }
  if (!derp_frame_reader_set_buffer(&c->reader, c->inbuf, c->inbuf_cap, len) ||
      !derp_frame_reader_take(&c->reader)) {
    relay_conn_fail(c, "internal: frame reader refused a %u-byte payload", len);
  }
}

/* ---- handshake ------------------------------------------------------- */

static void handshake_header(struct relay_conn *c, const struct derp_frame *f) {
  struct relay *r = c->relay;
  if (f->type != DERP_FRAME_CLIENT_INFO) {
    r->stats.handshake_failures++;
    relay_conn_fail(c, "bad frame type 0x%X, want 0x%X", f->type, DERP_FRAME_CLIENT_INFO);
  } else if (f->len < DERP_CLIENT_INFO_MIN_LEN) {
    r->stats.handshake_failures++;
    relay_conn_fail(c, "short client info");
  } else if (f->len > DERP_CLIENT_INFO_MAX_LEN) {
    r->stats.handshake_failures++;
    relay_conn_fail(c, "long client info");
  } else {
    take_payload(c, f->len);
  }
}

static bool is_mesh_peer(const struct relay *r, const struct relay_client_info *info) {
  GUARD(r->opt.has_mesh_key && info->has_mesh_key);
  GUARD(!sodium_is_zero(info->mesh_key, DERP_KEY_LEN));
  return sodium_memcmp(info->mesh_key, r->opt.mesh_key, DERP_KEY_LEN) == 0;
}

static void accept_client(struct relay_conn *c, const uint8_t key[DERP_KEY_LEN],
                          const uint8_t box_key[DERP_BOX_SHARED_KEY_LEN],
                          const struct relay_client_info *info, bool mesh) {
  struct relay *r = c->relay;
  memcpy(c->key, key, DERP_KEY_LEN);
  relay_key_text(c->key, c->key_text);
  c->can_mesh = mesh;
  c->is_prober = info->is_prober;
  relay_register(c);
  if (c->doomed) return;

  uint8_t rb[4];
  relay_random(r, rb, sizeof rb);
  uint32_t rnd = (uint32_t)rb[0] << 24 | (uint32_t)rb[1] << 16 | (uint32_t)rb[2] << 8 | rb[3];
  uint64_t jitter = r->opt.keepalive_jitter_ms ? rnd % r->opt.keepalive_jitter_ms : 0;
  c->keepalive_period = r->opt.keepalive_ms + jitter;
  c->next_keepalive = r->now + c->keepalive_period;
  c->not_here_tokens = NOT_HERE_BURST;
  c->not_here_refilled_at = r->now;

  uint8_t nonce[DERP_NONCE_LEN];
  relay_random(r, nonce, sizeof nonce);
  size_t json_len = sizeof server_info_json - 1;
  struct byte_writer w;
  size_t frame_len = DERP_FRAME_HEADER_LEN + DERP_NONCE_LEN + DERP_BOX_OVERHEAD + json_len;
  if (!relay_conn_reserve(c, frame_len, &w)) return;
  if (!derp_encode_server_info_sealed_shared(&w, box_key, nonce, (const uint8_t *)server_info_json,
                                             json_len)) {
    relay_conn_fail(c, "internal: cannot seal ServerInfo");
    return;
  }
  relay_conn_commit(c, &w);
  /* A large ClientInfo must not pin a large buffer for the connection's life. */
  if (c->inbuf_cap > DERP_MAX_DATA_FRAME_LEN) {
    derp_frame_reader_set_buffer(&c->reader, NULL, 0, 0);
    free(c->inbuf);
    c->inbuf = NULL;
    c->inbuf_cap = 0;
  }
  relay_logf(r, "conn %llu %s: accepted%s", (unsigned long long)c->id, c->key_text,
             mesh ? " (mesh peer)" : "");
}

static void handshake_frame(struct relay_conn *c, const struct derp_frame *f) {
  struct relay *r = c->relay;
  struct derp_client_info ci;
  if (derp_decode_client_info(f->payload, f->len, &ci) != DERP_DECODE_OK) {
    r->stats.handshake_failures++;
    relay_conn_fail(c, "short client info");
    return;
  }
  char key_text[RELAY_KEY_TEXT_LEN];
  relay_key_text(ci.key, key_text);
  size_t plain_len = 0;
  uint8_t box_key[DERP_BOX_SHARED_KEY_LEN];
  /* Opened in place: the payload is this connection's own frame buffer, and
   * no buffer of the largest ClientInfo is kept per relay (nor allocated). */
  if (f->payload != c->inbuf) {
    relay_conn_fail(c, "internal: ClientInfo outside the connection's frame buffer");
    return;
  }
  uint8_t *plain = c->inbuf + (ci.sealed - f->payload);
  if (!derp_box_shared_key(box_key, ci.key, r->opt.server_secret) ||
      !derp_open_box_shared(plain, ci.sealed_len, &plain_len, ci.sealed, ci.sealed_len, ci.nonce,
                            box_key)) {
    sodium_memzero(box_key, sizeof box_key);
    r->stats.handshake_failures++;
    relay_conn_fail(c, "msgbox: cannot open len=%u with client key %s", f->len - DERP_KEY_LEN,
                    key_text);
    return;
  }
  struct relay_client_info info;
  char err[RELAY_REASON_CAP];
  if (!relay_client_info_decode(plain, plain_len, &info, err, sizeof err)) {
    r->stats.handshake_failures++;
    relay_conn_fail(c, "msg: %s", err);
    sodium_memzero(box_key, sizeof box_key);
    return;
  }
  bool mesh = is_mesh_peer(r, &info);
  if (!mesh && r->opt.verify_clients && !relay_keymap_get(&r->allowed, ci.key)) {
    r->stats.handshake_failures++;
    r->stats.clients_rejected++;
    relay_conn_fail(c,
                    "client %s rejected: peer %s not authorized (not found in local "
                    "tailscaled)",
                    key_text, key_text);
    sodium_memzero(box_key, sizeof box_key);
    return;
  }
  accept_client(c, ci.key, box_key, &info, mesh);
  sodium_memzero(box_key, sizeof box_key);
}

/* ---- steady state ---------------------------------------------------- */

static void active_header(struct relay_conn *c, const struct derp_frame *f) {
  struct relay *r = c->relay;
  relay_rate_charge(c, f->len); /* every frame, as derper's read loop */
  switch (f->type) {
    case DERP_FRAME_SEND_PACKET:
      if (f->len < DERP_KEY_LEN) {
        relay_conn_fail(c, "short send packet frame");
      } else if (f->len - DERP_KEY_LEN > DERP_MAX_PACKET_SIZE) {
        relay_conn_fail(c, "data packet longer (%u) than max of %u", f->len - DERP_KEY_LEN,
                        DERP_MAX_PACKET_SIZE);
      } else {
        take_payload(c, f->len);
      }
      return;
    case DERP_FRAME_FORWARD_PACKET:
      if (!c->can_mesh) {
        relay_conn_fail(c, "insufficient permissions");
      } else if (f->len < 2 * DERP_KEY_LEN) {
        relay_conn_fail(c, "short send packet frame");
      } else if (f->len - 2 * DERP_KEY_LEN > DERP_MAX_PACKET_SIZE) {
        relay_conn_fail(c, "data packet longer (%u) than max of %u", f->len - 2 * DERP_KEY_LEN,
                        DERP_MAX_PACKET_SIZE);
      } else {
        take_payload(c, f->len);
      }
      return;
    case DERP_FRAME_NOTE_PREFERRED:
      if (f->len != 1)
        relay_conn_fail(c, "frameNotePreferred wrong size");
      else
        take_payload(c, f->len);
      return;
    case DERP_FRAME_WATCH_CONNS:
      if (f->len != 0)
        relay_conn_fail(c, "handleFrameWatchConns wrong size");
      else if (!c->can_mesh)
        relay_conn_fail(c, "insufficient permissions");
      else
        take_payload(c, f->len);
      return;
    case DERP_FRAME_CLOSE_PEER:
      if (f->len != DERP_KEY_LEN)
        relay_conn_fail(c, "handleFrameClosePeer wrong size");
      else if (!c->can_mesh)
        relay_conn_fail(c, "insufficient permissions");
      else
        take_payload(c, f->len);
      return;
    case DERP_FRAME_PING:
      r->stats.pings_received++;
      if (f->len < DERP_PING_LEN) {
        relay_conn_fail(c, "short ping: %u", f->len);
      } else if (f->len > DERP_SERVER_MAX_PING_LEN) {
        relay_conn_fail(c, "ping body too large: %u", f->len);
      } else {
        take_payload(c, f->len);
      }
      return;
    default:
      /* Unknown and client-inappropriate types (ServerKey, Pong, ...) are
       * read past: newer clients may send frames this relay predates. */
      r->stats.unknown_frames++;
      derp_frame_reader_skip(&c->reader);
      return;
  }
}

/* PeerGone(NotHere) answers are rate limited per client (NOT_HERE_BURST). */
static bool not_here_allowed(struct relay_conn *c) {
  uint64_t now = c->relay->now;
  if (now > c->not_here_refilled_at) {
    uint64_t add = now - c->not_here_refilled_at;
    uint64_t tokens = c->not_here_tokens + (add < NOT_HERE_BURST ? add : NOT_HERE_BURST);
    c->not_here_tokens = (uint32_t)(tokens < NOT_HERE_BURST ? tokens : NOT_HERE_BURST);
    c->not_here_refilled_at = now;
  }
  GUARD(c->not_here_tokens >= NOT_HERE_COST);
  c->not_here_tokens -= NOT_HERE_COST;
  return true;
}

/* `forwarded`: it came by ForwardPacket, so it is never forwarded again. */
static void route_packet(struct relay_conn *from, const uint8_t src[DERP_KEY_LEN],
                         const uint8_t dst_key[DERP_KEY_LEN], const uint8_t *pkt, size_t len,
                         bool forwarded) {
  struct relay *r = from->relay;
  r->stats.packets_received++;
  r->stats.bytes_received += len;
  struct relay_client *de = relay_keymap_get(&r->clients, dst_key);
  struct relay_conn *dst = de ? de->active : NULL;
  struct relay_mesh_entry *via = !de && !forwarded ? relay_mesh_entry(r, dst_key) : NULL;
  if (via) {
    relay_mesh_forward(r, via, src, dst_key, pkt, len);
    return;
  }
  if (!dst) {
    r->stats.drops_unknown_dest++;
    if (derp_looks_like_disco(pkt, len)) {
      if (not_here_allowed(from)) {
        relay_send_peer_gone(from, dst_key, DERP_PEER_GONE_NOT_HERE);
      } else {
        r->stats.peer_gone_rate_limited++;
      }
    }
    return;
  }
  if (dst->doomed || dst->state != RELAY_CONN_ACTIVE) {
    r->stats.drops_dest_closed++;
    return;
  }
  if (!relay_packets_queue(dst, src, pkt, len)) {
    r->stats.drops_queue_full++;
    return;
  }
  r->stats.packets_relayed++;
  r->stats.bytes_relayed += len;
  relay_note_receiver(r, src, dst);
}

static void set_preferred(struct relay_conn *c, bool v) {
  if (c->preferred == v) return;
  c->preferred = v;
  if (v)
    c->relay->stats.home_clients_current++;
  else
    c->relay->stats.home_clients_current--;
}

static void close_peer(struct relay_conn *c, const uint8_t key[DERP_KEY_LEN]) {
  struct relay *r = c->relay;
  struct relay_conn *target = relay_find_client(r, key);
  char key_text[RELAY_KEY_TEXT_LEN];
  relay_key_text(key, key_text);
  if (!target) {
    relay_logf(r, "conn %llu %s: ClosePeer: no peer %s", (unsigned long long)c->id, c->key_text,
               key_text);
    return;
  }
  relay_conn_fail(target, "closed by ClosePeer from mesh peer %s", c->key_text);
}

static void answer_ping(struct relay_conn *c, const uint8_t data[DERP_PING_LEN]) {
  struct relay *r = c->relay;
  if (c->pong_end > c->out.popped) {
    /* A pong is still queued: pinging faster than we write, ignore. */
    r->stats.pings_ignored++;
    return;
  }
  struct byte_writer w;
  if (!relay_conn_reserve(c, DERP_FRAME_HEADER_LEN + DERP_PING_LEN, &w)) return;
  if (!derp_encode_pong(&w, data)) return;
  relay_conn_commit(c, &w);
  c->pong_end = c->out.pushed;
  r->stats.pongs_sent++;
}

static void active_frame(struct relay_conn *c, const struct derp_frame *f) {
  struct relay *r = c->relay;
  struct derp_packet pk;
  uint8_t buf[DERP_KEY_LEN];
  bool pref;
  switch (f->type) {
    case DERP_FRAME_SEND_PACKET:
      if (derp_decode_send_packet(f->payload, f->len, &pk) == DERP_DECODE_OK) {
        route_packet(c, c->key, pk.dst, pk.data, pk.len, false);
      }
      return;
    case DERP_FRAME_FORWARD_PACKET:
      if (derp_decode_forward_packet(f->payload, f->len, &pk) == DERP_DECODE_OK) {
        r->stats.packets_forwarded_in++;
        route_packet(c, pk.src, pk.dst, pk.data, pk.len, true);
      }
      return;
    case DERP_FRAME_NOTE_PREFERRED:
      if (derp_decode_note_preferred(f->payload, f->len, &pref) == DERP_DECODE_OK) {
        set_preferred(c, pref);
      }
      return;
    case DERP_FRAME_WATCH_CONNS: relay_watch_conns(c); return;
    case DERP_FRAME_CLOSE_PEER:
      if (derp_decode_close_peer(f->payload, f->len, buf) == DERP_DECODE_OK) close_peer(c, buf);
      return;
    case DERP_FRAME_PING:
      if (derp_decode_ping(f->payload, f->len, buf) == DERP_DECODE_OK) answer_ping(c, buf);
      return;
    default: return;
  }
}

static void session_input(struct relay_conn *c, const uint8_t *data, size_t n) {
  size_t off = 0;
  while (!c->doomed) {
    enum derp_frame_event ev;
    struct derp_frame f;
    const uint8_t *at = data ? data + off : NULL;
    off += derp_frame_reader_feed(&c->reader, at, n - off, &ev, &f);
    if (ev == DERP_FRAME_NEED_MORE) return;
    bool handshake = c->state == RELAY_CONN_HANDSHAKE;
    if (ev == DERP_FRAME_HEADER) {
      if (handshake)
        handshake_header(c, &f);
      else
        active_header(c, &f);
      /* Every header must be taken, skipped or fatal, or the loop would spin. */
      if (!c->doomed && c->reader.state == DERP_READER_DECIDE) {
        relay_conn_fail(c, "internal: undecided frame type 0x%X", f.type);
      }
    } else if (ev == DERP_FRAME_READY) {
      if (handshake)
        handshake_frame(c, &f);
      else
        active_frame(c, &f);
    } else {
      relay_conn_fail(c, "internal: frame of %u bytes over the reader limit", f.len);
    }
  }
}

struct relay_conn *relay_conn_open(struct relay *r, uint64_t now_ms, void *user) {
  r->now = now_ms;
  struct relay_conn *c = relay_conn_new(r, now_ms, user);
  ENSURE(c != NULL, NULL);
  session_start(c);
  relay_flush_doomed(r);
  return c;
}

enum relay_conn_state relay_conn_input(struct relay_conn *c, const uint8_t *data, size_t n,
                                       uint64_t now_ms) {
  struct relay *r = c->relay;
  r->now = now_ms;
  if (c->state != RELAY_CONN_CLOSED && !c->doomed) session_input(c, data, n);
  relay_flush_doomed(r);
  return c->state;
}
