/* relay_core: the DERP relay without I/O — a registry of client connections
 * and, per connection, the server side of the DERP protocol from the first
 * byte after the HTTP upgrade (spec §6.5, §6.6, §3.3).
 *
 * The core never reads a socket or a clock: the I/O shell hands it the bytes
 * it read and the current time (milliseconds on any monotonic clock), and
 * pulls from each connection's bounded output queue the bytes to write. This
 * is what lets the whole relay run in-process under a fuzzer or a unit test,
 * deterministically (randomness comes from a callback too).
 *
 * How an I/O shell drives it (the order matters):
 *
 *   relay = relay_create(&opts);
 *   After the HTTP upgrade of a socket (fast start or not):
 *     c = relay_conn_open(relay, now, sock);        // queues ServerKey
 *     relay_conn_input(c, rest, n, now);            // bytes already read after
 *                                                   // the HTTP head, if any
 *   Socket readable:  n = read(...); relay_conn_input(c, buf, n, now);
 *   Socket EOF/error: relay_conn_close(c, now, "EOF");   // c is gone after this
 *   Socket writable:  while ((n = relay_conn_pending(c, &p)) > 0) {
 *                       w = write(p, n); if (w <= 0) break;
 *                       relay_conn_consume(c, w, now); }
 *                     stop polling for writability when nothing is pending.
 *   Timer:            next = relay_tick(relay, now);   // arm the timer for next
 *   After EVERY call above, drain the events, because one connection's input
 *   can queue output on (or close) any other connection:
 *     while (relay_next_event(relay, &ev)) {
 *       RELAY_EVENT_OUTPUT: poll ev.conn's socket for writability;
 *       RELAY_EVENT_CLOSED: close the socket of ev.conn (relay_conn_user), then
 *                           relay_conn_close(ev.conn, now, NULL) to free it. }
 *   relay_destroy(relay) frees every connection without notifying anyone.
 *
 * A connection the core closed keeps its handle (state RELAY_CONN_CLOSED, its
 * reason readable, nothing pending) until the shell releases it with
 * relay_conn_close. Callbacks (random, log) must not call back into the core.
 * Not thread-safe: one relay belongs to one event loop. */
#ifndef DERP_RELAY_CORE_H
#define DERP_RELAY_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/derp_frame.h"

struct relay;
struct relay_conn;

/* Fill out[0..n) with random bytes (nonces, keepalive jitter, hash seeds). */
typedef void (*relay_random_fn)(void *ctx, uint8_t *out, size_t n);
/* One log line, no trailing newline. */
typedef void (*relay_log_fn)(void *ctx, const char *line);
/* Send pkt from src to dst (a client of another relay) over the mesh
 * connection `fwd` (the shell's, as registered with relay_mesh_add): queue a
 * ForwardPacket frame on it. False when that connection cannot take it
 * (counted as drops_forward_failed). */
typedef bool (*relay_forward_fn)(void *ctx, void *fwd, const uint8_t src[DERP_KEY_LEN],
                                 const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt, size_t len);

struct relay_options {
  uint8_t server_public[DERP_KEY_LEN];
  uint8_t server_secret[DERP_KEY_LEN];
  /* --verify-clients: only these node keys may connect (mesh peers always
   * may). The array is copied by relay_create. */
  bool verify_clients;
  const uint8_t (*allowed_keys)[DERP_KEY_LEN];
  size_t allowed_count;
  /* Clients presenting this mesh key may use WatchConns/ClosePeer/
   * ForwardPacket. */
  bool has_mesh_key;
  uint8_t mesh_key[DERP_KEY_LEN];
  uint64_t handshake_timeout_ms;  /* default 10000, per handshake step */
  uint64_t keepalive_ms;          /* default 60000 */
  uint64_t keepalive_jitter_ms;   /* default 5000: period += [0, jitter) */
  uint64_t write_timeout_ms;      /* default 2000; 0 = none */
  uint64_t mesh_write_timeout_ms; /* default 30000 */
  size_t send_queue_cap;          /* bytes; default 4 MiB, at least one
                                      maximal RecvPacket frame */
  size_t packet_queue_depth;      /* packets per client and kind (disco,
                                      other) waiting to be written; the
                                      oldest is dropped when full. Default
                                      32, derper's perClientSendQueueDepth */
  relay_random_fn random;         /* default: libsodium randombytes */
  void *random_ctx;
  relay_log_fn log; /* default: silent */
  void *log_ctx;
  relay_forward_fn forward; /* default: none (relay_mesh_add refuses) */
  void *forward_ctx;
  /* derper's --rate-config: each client's frames (not mesh peers') are
   * paced to this many bytes per second; 0 = no limit. */
  uint64_t rate_bytes_per_sec;
  uint64_t rate_burst_bytes; /* raised to RELAY_RATE_MIN_BURST */
};

/* Defaults for everything but the keys. */
void relay_options_init(struct relay_options *o);

/* NULL on allocation failure or invalid options. */
struct relay *relay_create(const struct relay_options *o);
void relay_destroy(struct relay *r);

enum relay_conn_state {
  RELAY_CONN_HANDSHAKE, /* ServerKey queued, waiting for ClientInfo */
  RELAY_CONN_ACTIVE,    /* accepted, registered under its key */
  RELAY_CONN_CLOSED,    /* closed by the core; release with relay_conn_close */
};

/* A new connection; its first output is the ServerKey frame. `user` is the
 * shell's (e.g. its socket). NULL on allocation failure. */
struct relay_conn *relay_conn_open(struct relay *r, uint64_t now_ms, void *user);
/* Optional, before the handshake completes: what mesh watchers are told
 * (PeerPresent address, and the Ideal-Node "not ideal" flag). */
void relay_conn_set_remote(struct relay_conn *c, const uint8_t ip16[16], uint16_t port);
void relay_conn_set_not_ideal(struct relay_conn *c, bool not_ideal);

/* Consumes all `n` bytes (any chunking). Returns the state afterwards:
 * RELAY_CONN_CLOSED when this input made the core close the connection. */
enum relay_conn_state relay_conn_input(struct relay_conn *c, const uint8_t *data, size_t n,
                                       uint64_t now_ms);
/* Bytes to write next (a contiguous prefix of the queue); 0 when idle. */
size_t relay_conn_pending(const struct relay_conn *c, const uint8_t **data);
/* n bytes of the pending data were written (n <= pending). */
void relay_conn_consume(struct relay_conn *c, size_t n, uint64_t now_ms);
/* The shell is done with the connection (EOF, error, or answering a CLOSED
 * event): closes it if still open — PeerGone(Disconnected) to every client
 * it sent packets to, PeerGone to mesh watchers — and frees the handle.
 * `reason` may be NULL ("EOF"). */
void relay_conn_close(struct relay_conn *c, uint64_t now_ms, const char *reason);

/* Drives timers: handshake deadlines, keepalives, write timeouts. Returns
 * the time of the next deadline (UINT64_MAX when there is none). */
uint64_t relay_tick(struct relay *r, uint64_t now_ms);

enum relay_event_kind {
  RELAY_EVENT_OUTPUT, /* the connection's queue went from empty to non-empty */
  RELAY_EVENT_CLOSED, /* the core closed the connection */
};

struct relay_event {
  enum relay_event_kind kind;
  struct relay_conn *conn;
};

/* Next pending event (CLOSED ones first); false when there is none. */
bool relay_next_event(struct relay *r, struct relay_event *ev);

/* ---- observation ----------------------------------------------------- */

enum relay_conn_state relay_conn_state(const struct relay_conn *c);
/* The §6.6 text (or ours for queue overflow, timeouts, replacement); "" while
 * open. */
const char *relay_conn_close_reason(const struct relay_conn *c);
void *relay_conn_user(const struct relay_conn *c);
uint64_t relay_conn_id(const struct relay_conn *c);
/* The client's public key once accepted, else NULL. */
const uint8_t *relay_conn_key(const struct relay_conn *c);
bool relay_conn_preferred(const struct relay_conn *c);
bool relay_conn_can_mesh(const struct relay_conn *c);
/* Bytes queued and not yet consumed. */
size_t relay_conn_queued(const struct relay_conn *c);
/* The active connection registered under `key`, or NULL. */
struct relay_conn *relay_find_client(const struct relay *r, const uint8_t key[DERP_KEY_LEN]);

/* ---- mesh: clients of the other relays of the region ------------------
 *
 * The shell's outbound mesh connections (--mesh-with) watch their peer
 * relay's clients and report them here, as derper's AddPacketForwarder and
 * RemovePacketForwarder: a packet a local client sends to a key that has no
 * local connection but a forwarder goes out through relay_options.forward.
 * Local clients always win, and a packet that arrived by ForwardPacket is
 * never forwarded again (no loops). When the first forwarder of a key is
 * already registered, later ones wait behind it (derper's multiForwarder);
 * when a key's last forwarder goes and the key is not local, the clients
 * that received packets from it are told PeerGone(Disconnected), as when a
 * local client leaves. Watchers are told about local clients only.
 *
 * Drain the events afterwards: a PeerGone queues output. */
#define RELAY_MESH_MAX_FORWARDERS 8 /* per key; more are refused (logged) */
/* False when out of memory, no forward callback, or too many forwarders. */
bool relay_mesh_add(struct relay *r, const uint8_t key[DERP_KEY_LEN], void *fwd);
void relay_mesh_remove(struct relay *r, const uint8_t key[DERP_KEY_LEN], void *fwd);
/* fwd's connection broke: forget every key it carried. Returns how many. */
size_t relay_mesh_remove_all(struct relay *r, void *fwd);
/* Keys reachable through some forwarder. */
size_t relay_mesh_keys(const struct relay *r);

/* ---- receive rate limiting (derper's --rate-config) -------------------
 *
 * A token bucket per client, charged with each frame's length (at most a
 * maximal SendPacket's, as derper clamps it) when its header is read. A
 * client in debt is paused: the shell reads nothing more from it until
 * relay_conn_read_paused_until passes (relay_tick's next deadline covers
 * it), which slows the client through TCP's flow control, as derper's
 * blocking wait before each frame does. The frame that ran the bucket dry
 * is still processed; the wait comes before the next read. Mesh peers are
 * exempt. */
#define RELAY_RATE_MIN_BURST (DERP_MAX_PACKET_SIZE + DERP_KEY_LEN)
/* Replace the limits (bytes_per_sec 0: none) for every connection, each
 * starting with a full bucket, as derper's UpdateRateLimits. Returns the
 * burst applied (0 when off). */
uint64_t relay_set_rate_limit(struct relay *r, uint64_t bytes_per_sec, uint64_t burst_bytes);
/* 0 while the shell may read from c, else the time reading may resume. */
uint64_t relay_conn_read_paused_until(const struct relay_conn *c);

struct relay_stats {
  uint64_t conns_opened, conns_closed, conns_current;
  uint64_t clients_accepted, clients_current, home_clients_current, watchers_current;
  uint64_t handshake_failures, handshake_timeouts, clients_rejected, clients_replaced;
  uint64_t packets_received, bytes_received; /* SendPacket/ForwardPacket payloads */
  uint64_t packets_relayed,
      bytes_relayed; /* queued for the receiver (the queue may still drop them: drops_queue_head) */
  uint64_t packets_forwarded_in, packets_forwarded_out;
  uint64_t drops_forward_failed; /* the mesh connection could not take it */
  uint64_t drops_unknown_dest, drops_dest_closed, drops_queue_full;
  uint64_t drops_queue_head; /* oldest packet dropped for a fresher one */
  uint64_t peer_gone_disconnected_sent, peer_gone_not_here_sent, peer_gone_rate_limited;
  uint64_t pings_received, pongs_sent, pings_ignored;
  uint64_t keepalives_sent, unknown_frames;
  uint64_t queue_overflow_closes, write_timeouts;
  uint64_t rate_limit_waits; /* reads paused by the rate limit */
};

void relay_get_stats(const struct relay *r, struct relay_stats *out);

/* ---- ClientInfo JSON (exposed for the fuzz target) -------------------- */

struct relay_client_info {
  int64_t version;
  bool has_mesh_key;
  uint8_t mesh_key[DERP_KEY_LEN];
  bool can_ack_pings;
  bool is_prober;
};

/* Decodes ClientInfo JSON the way the Go server does: field names match
 * case-insensitively (Unicode simple folding, so "Version", "VERSION" and
 * "ver\u017fion" all count), unknown fields are ignored, `null` is a no-op,
 * a meshKey that is not 64 hex digits is an error containing
 * "invalid mesh key", a field of the wrong JSON type is an error in Go's
 * wording. On failure `err` holds the text that follows "msg: ". */
bool relay_client_info_decode(const uint8_t *json, size_t len, struct relay_client_info *out,
                              char *err, size_t err_cap);

#endif
