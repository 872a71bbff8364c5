/* Private to the relay_* sources: the structures behind relay_core.h and the
 * two containers they are built from (a keyed hash map of node keys, and the
 * per-connection output queue). */
#ifndef DERP_RELAY_INTERNAL_H
#define DERP_RELAY_INTERNAL_H

#include <stdarg.h>

#include "derp/byte_cursor.h"
#include "derp/relay_core.h"

/* ---- relay_keymap.c: 32-byte node key -> pointer -------------------- */

/* Keys are chosen by untrusted clients, so slots are picked by SipHash with a
 * per-relay secret: nobody can aim many keys at one bucket. */
#define RELAY_KEYMAP_SEED_LEN 16

struct relay_keymap_slot {
  uint8_t key[DERP_KEY_LEN];
  void *value;
  bool used;
};

struct relay_keymap {
  struct relay_keymap_slot *slots;
  size_t cap; /* 0 or a power of two */
  size_t count;
  const uint8_t *seed; /* RELAY_KEYMAP_SEED_LEN bytes, owned by the relay */
};

void relay_keymap_init(struct relay_keymap *m, const uint8_t *seed);
void relay_keymap_free(struct relay_keymap *m);
void *relay_keymap_get(const struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN]);
/* Insert or replace; false on allocation failure (map unchanged). */
bool relay_keymap_put(struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN], void *value);
void relay_keymap_remove(struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN]);
/* Iteration: start with *pos = 0; false at the end. The map must not change
 * during an iteration. */
bool relay_keymap_next(const struct relay_keymap *m, size_t *pos, const uint8_t **key,
                       void **value);

/* ---- relay_queue.c: bounded output bytes ----------------------------- */

struct relay_queue {
  uint8_t *buf;
  size_t alloc;
  size_t head; /* first unconsumed byte */
  size_t len;  /* unconsumed bytes */
  size_t limit;
  uint64_t pushed; /* totals, to tell whether a given frame was written */
  uint64_t popped;
};

enum relay_queue_status { RELAY_QUEUE_OK, RELAY_QUEUE_FULL, RELAY_QUEUE_NOMEM };

void relay_queue_init(struct relay_queue *q, size_t limit);
void relay_queue_free(struct relay_queue *q);
/* A writer over `need` contiguous free bytes at the tail. */
enum relay_queue_status relay_queue_reserve(struct relay_queue *q, size_t need,
                                            struct byte_writer *w);
void relay_queue_commit(struct relay_queue *q, const struct byte_writer *w);
size_t relay_queue_peek(const struct relay_queue *q, const uint8_t **data);
void relay_queue_pop(struct relay_queue *q, size_t n);

/* ---- relay_packets.c: each client's packet queue (derper's) ---------- */

/* Packets are framed into the byte queue while it holds less than this. */
#define RELAY_PACKET_STAGE_BYTES (16u * 1024u)

struct relay_packet;
struct relay_packet_ring {
  struct relay_packet **slots; /* packet_queue_depth entries, or NULL when empty */
  size_t head, count;
};

struct relay_conn;
/* Queue a packet for dst (the oldest of its kind dropped when the queue is
 * full, counted in drops_queue_head); false when it could not be queued at
 * all (out of memory, or dst closed). relay_packets_pump then moves what
 * fits to the byte queue, as relay_conn_consume does after each write. */
bool relay_packets_queue(struct relay_conn *dst, const uint8_t src[DERP_KEY_LEN],
                         const uint8_t *pkt, size_t len);
void relay_packets_pump(struct relay_conn *c);
void relay_packets_free(struct relay_conn *c);

/* ---- relay_core.c / relay_session.c ---------------------------------- */

#define RELAY_REASON_CAP 320
#define RELAY_KEY_TEXT_LEN 73 /* "nodekey:" + 64 hex + NUL */

/* Everything the registry knows about one node key. It outlives a replaced
 * connection so the clients that received from the key keep being owed a
 * PeerGone when the key finally leaves. */
struct relay_client {
  struct relay_conn *active;
  struct relay_keymap receivers; /* dst key -> dst conn that got packets */
};

struct relay_conn {
  struct relay *relay;
  uint64_t id;
  void *user;
  enum relay_conn_state state;
  bool doomed; /* close decided, teardown pending at the end of the call */
  char reason[RELAY_REASON_CAP];

  struct relay_conn *all_prev, *all_next;
  struct relay_conn *doom_next;
  struct relay_conn *out_prev, *out_next; /* OUTPUT event list */
  bool out_listed;
  struct relay_conn *closed_prev, *closed_next; /* CLOSED event list */
  bool closed_listed;
  struct relay_conn *watch_prev, *watch_next; /* mesh watchers */
  bool watching;

  struct derp_frame_reader reader;
  uint8_t *inbuf;
  size_t inbuf_cap;

  struct relay_queue out;
  struct relay_packet_ring disco_packets, data_packets;
  uint64_t stall_since; /* when the queue last was empty or made progress */
  uint64_t pong_end;    /* queue total at the end of the last Pong */

  uint64_t opened_at;
  uint64_t server_key_end;
  bool server_key_written;
  uint64_t client_info_deadline;

  uint8_t key[DERP_KEY_LEN];
  char key_text[RELAY_KEY_TEXT_LEN];
  bool can_mesh, preferred, is_prober, not_ideal;
  uint8_t ip16[16];
  uint16_t port;

  uint64_t keepalive_period;
  uint64_t next_keepalive;
  uint32_t not_here_tokens; /* PeerGone(NotHere) budget (relay_session.c) */
  uint64_t not_here_refilled_at;

  struct relay_keymap saw_src; /* src keys this connection received from */

  int64_t rate_tokens;       /* bytes; negative: in debt (relay_rate.c) */
  uint64_t rate_refilled_at; /* ms */
  uint64_t read_paused_until;
};

struct relay {
  struct relay_options opt;
  struct relay_keymap allowed;
  uint8_t *allowed_marks; /* storage behind `allowed` values */
  uint8_t seed[RELAY_KEYMAP_SEED_LEN];
  struct relay_keymap clients; /* key -> struct relay_client */
  struct relay_keymap mesh;    /* key -> struct relay_mesh_entry (relay_mesh.c) */
  uint64_t now;
  uint64_t next_id;
  struct relay_conn *all;
  struct relay_conn *doomed;
  struct relay_conn *out_head, *out_tail;
  struct relay_conn *closed_head, *closed_tail;
  struct relay_conn *watchers;
  struct relay_stats stats;
};

/* Defined in relay_core.c, for relay_session.c (the protocol), which is
 * layered on top: relay_core.c never calls into it. */

void relay_logf(struct relay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void relay_key_text(const uint8_t key[DERP_KEY_LEN], char out[RELAY_KEY_TEXT_LEN]);
void relay_random(struct relay *r, uint8_t *out, size_t n);

/* Decide to close (first reason wins); the teardown runs at the end of the
 * current public call, so nothing is freed under a caller's feet. */
void relay_conn_fail(struct relay_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void relay_flush_doomed(struct relay *r);

/* Output: reserve a frame of exactly `frame_len` bytes on c's queue. False
 * (and nothing to write) when c is closing or its queue overflowed (which
 * closes c). */
bool relay_conn_reserve(struct relay_conn *c, size_t frame_len, struct byte_writer *w);
void relay_conn_commit(struct relay_conn *c, const struct byte_writer *w);
void relay_send_peer_gone(struct relay_conn *to, const uint8_t key[DERP_KEY_LEN], uint8_t reason);
void relay_send_peer_present(struct relay_conn *to, const struct relay_conn *peer);

/* A connection in the HANDSHAKE state, on the relay's lists, nothing queued
 * yet (relay_conn_open starts the protocol); NULL when out of memory. */
struct relay_conn *relay_conn_new(struct relay *r, uint64_t now_ms, void *user);
/* The registry: registration once ClientInfo is accepted; a mesh peer's
 * WatchConns (it is told PeerPresent for every client now and every one that
 * registers later, PeerGone when one leaves); a packet from src delivered to
 * dst (dst is owed PeerGone when src leaves). */
void relay_register(struct relay_conn *c);
void relay_watch_conns(struct relay_conn *c);
void relay_note_receiver(struct relay *r, const uint8_t src[DERP_KEY_LEN], struct relay_conn *dst);

/* ---- relay_rate.c: receive rate limiting ------------------------------ */

/* A frame header of `len` bytes was read from an active client. */
void relay_rate_charge(struct relay_conn *c, uint32_t len);
/* Fresh bucket for a connection just accepted (or on new limits). */
void relay_rate_reset(struct relay_conn *c);
/* relay_tick's part: lifts an expired pause; the next deadline. */
uint64_t relay_rate_tick(struct relay_conn *c, uint64_t now);

/* ---- relay_mesh.c: keys reachable through other relays --------------- */

struct relay_mesh_entry {
  void *fwd[RELAY_MESH_MAX_FORWARDERS]; /* in registration order; fwd[0] is used */
  size_t n;
  struct relay_keymap receivers; /* as relay_client's: local conns owed a PeerGone */
};

struct relay_mesh_entry *relay_mesh_entry(const struct relay *r, const uint8_t key[DERP_KEY_LEN]);
/* Forward a local client's packet through the key's first forwarder. */
void relay_mesh_forward(struct relay *r, struct relay_mesh_entry *e,
                        const uint8_t src[DERP_KEY_LEN], const uint8_t dst[DERP_KEY_LEN],
                        const uint8_t *pkt, size_t len);
/* relay_destroy's part. */
void relay_mesh_free(struct relay *r);

#endif
