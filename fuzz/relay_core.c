/* Fuzz target relay_core: client bytes into the relay core after a
 * fixed handshake, on four connections at once.
 *
 * Set-up (deterministic: fixed keys, a counter for randomness, a fake clock):
 * slots 0-2 hold clients A, B, C that complete the handshake with fixed
 * ClientInfo frames when the input first needs them: before the first
 * command on their slot (but a JSON handshake or a close, which replace
 * it), before a frame naming their key (SendPacket, ForwardPacket,
 * ClosePeer) reaches the relay, and all of them before a WatchConns; slot 3
 * is a fresh connection whose handshake, if any, comes from the input (a
 * seed carries a valid ClientInfo of a known key).
 *
 * Input layout:
 *   u8 control  bit 0: the relay has a mesh key and A presents it (A may
 *               then WatchConns/ClosePeer/ForwardPacket)
 *               bit 1: --verify-clients with only A and B allowed
 *               bits 2-4: slots 0-2 are slow readers (drained only on request)
 *               bit 5: mesh forwarders (an outbound mesh link's) for a remote
 *               key R and for C's key, as if a peer relay had them too
 *               bit 6: a receive rate limit (--rate-config) of 4 KB/s with
 *               the minimum burst; the shell honours a paused read by
 *               waiting (the clock jumps) before it feeds that slot
 *   then commands until the input ends: u8 op, u16be n, then n bytes
 *   (fewer if the input ends). Slot = op & 3; command = op >> 5:
 *     0-2  feed the n bytes to the slot (a closed slot is reopened, fresh)
 *     3    handshake again on a fresh connection in the slot, with the n bytes
 *          as ClientInfo JSON, sealed here (slot 0-2: that client's key, slot
 *          3: client D's), so the JSON decoder behind the box gets fuzzed
 *     4    advance the clock by n * 64 ms and run the timers (no bytes); with
 *          op bit 2, reload the rate limit instead: n * 64 bytes/s (0: off)
 *     5    drain the slot's output now (no bytes); with op bit 3, a short
 *          write instead: the shell writes only min(n, pending) bytes, once
 *          (a slow slot keeps the rest); with op bit 2 and control bit 5, a
 *          mesh change instead: slot 0 R's link (forwarder r) goes down, 1
 *          C's link (forwarder c) goes down, 2 r stops carrying R, 3 both
 *          links come back (R via r, C via c, R via c); with op bits 2 and 3,
 *          R is announced by RELAY_MESH_MAX_FORWARDERS more peers (the relay
 *          must refuse those past its limit)
 *     6    close the slot as the shell would on EOF, reopen it fresh (no bytes)
 *     7    feed a well-formed SendPacket: byte 0 picks the destination (bits
 *          0-2: 0-3 a slot's client, else the next 32 bytes as a key) and a
 *          repeat count (bits 3-5: 7 sends 128 copies, 6 sends 16, else one,
 *          fed as one read of at most 256 KiB; so a short input can fill a
 *          slow reader's stage and packet rings), the rest is the packet
 *
 * Oracles, beyond "no crash / no leak":
 *  - every byte the relay writes splits into whole frames of server->client
 *    types within their §6.4 size limits, ServerKey first, ServerInfo at most
 *    once and only as the second frame;
 *  - a RecvPacket only reaches a connection whose client completed the
 *    handshake, and carries a (source, destination, bytes) triple that some
 *    connection really sent (SendPacket from that source key, or a mesh
 *    ForwardPacket naming it): nothing is invented, corrupted or misrouted;
 *  - a sealed-JSON handshake is accepted exactly when
 *    relay_client_info_decode accepts the JSON (and --verify-clients allows
 *    the key), and the client may mesh exactly when it presented the mesh key;
 *  - a packet handed to a mesh forwarder is a triple some connection really
 *    sent, for a key with a forwarder and no local client, through that
 *    key's first forwarder still registered (local clients win); forwarder c
 *    refuses packets of FORWARD_C_REFUSES bytes or more (a full link), and
 *    the relay counts every forward as sent or failed exactly as the
 *    forwarder answered; a key takes at most RELAY_MESH_MAX_FORWARDERS, and
 *    no forwarder at all without a forward callback (or a NULL one);
 *  - a short write leaves exactly the unwritten bytes pending, in order;
 *  - queued output never exceeds the queue cap by more than a frame;
 *  - reads pause only under a rate limit, never a mesh peer's, and only
 *    until a time still to come;
 *  - the connection count in the stats matches the open connections. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_frame.h"
#include "derp/hex.h"
#include "derp/relay_core.h"
#include "frame_tap.h"
#include "fuzz_keys.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAMES_SERVER_MAX_INPUT (256u * 1024u)
#define BURST_MAX (256u * 1024u) /* command 7's copies, fed as one read */
#define SENT_CELLS_KEPT 4096u    /* sent-set cells kept from one input to the next */

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#define SLOTS 4
#define PRESET_CLIENTS 3
#define QUEUE_CAP (256u * 1024u)
#define START_MS 1000000u
#define FORWARD_C_REFUSES 1000u /* forwarder c's link takes shorter packets only */
#define EXTRA_FORWARDERS RELAY_MESH_MAX_FORWARDERS
#define MAX_CARRIERS (3 + EXTRA_FORWARDERS)

struct keypair {
  uint8_t sec[DERP_KEY_LEN], pub[DERP_KEY_LEN];
};

static struct keypair server_keys, client_keys[PRESET_CLIENTS + 1]; /* A, B, C, and D for slot 3 */
static uint8_t mesh_key[DERP_KEY_LEN];

/* The preset clients' ClientInfo frames, plain and with the mesh key, sealed
 * once: half the per-input cost is X25519, and only the relay's side of it
 * is under test. */
struct sealed_frame {
  uint8_t bytes[256];
  size_t len;
};
static struct sealed_frame client_info[PRESET_CLIENTS][2];

static void seal_client_info(int client, bool mesh, struct sealed_frame *out) {
  char json[160];
  int jn;
  if (mesh) {
    char hex[2 * DERP_KEY_LEN + 1];
    derp_hex_lower(mesh_key, DERP_KEY_LEN, hex);
    jn =
        snprintf(json, sizeof json, "{\"meshKey\":\"%s\",\"version\":2,\"CanAckPings\":true}", hex);
  } else {
    jn = snprintf(json, sizeof json, "{\"version\":2,\"CanAckPings\":true}");
  }
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, 0x40 + client, sizeof nonce);
  struct byte_writer bw = byte_writer_init(out->bytes, sizeof out->bytes);
  if (!derp_encode_client_info_sealed(&bw, client_keys[client].pub, client_keys[client].sec,
                                      server_keys.pub, nonce, (const uint8_t *)json, (size_t)jn))
    abort();
  out->len = bw.len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  fuzz_keypair(FUZZ_SERVER_SECRET_FILL, server_keys.sec, server_keys.pub);
  for (int i = 0; i <= PRESET_CLIENTS; i++)
    fuzz_keypair((uint8_t)FUZZ_CLIENT_SECRET_FILL(i), client_keys[i].sec, client_keys[i].pub);
  memset(mesh_key, FUZZ_MESH_KEY_FILL, DERP_KEY_LEN);
  for (int i = 0; i < PRESET_CLIENTS; i++) {
    seal_client_info(i, false, &client_info[i][0]);
    seal_client_info(i, true, &client_info[i][1]);
  }
  return 0;
}

/* (source, destination, packet) triples the clients sent, as 64-bit hashes
 * in an open-addressing set (0 marks an empty cell; a zero hash is bumped). */
struct sent_set {
  uint64_t *cell;
  size_t n, cap;
};

/* Eight bytes per step: a byte-wise hash of every packet (128 copies of up
 * to 64 KiB in a burst) was a seventh of the target's time. */
FUZZ_ORACLE static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    h = (h ^ v) * 0x9e3779b97f4a7c15u;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  if (n > i) memcpy(&tail, p + i, n - i);
  h = (h ^ tail ^ ((uint64_t)n << 56)) * 0xbf58476d1ce4e5b9u;
  return h ^ (h >> 31);
}

FUZZ_ORACLE static uint64_t triple_hash(const uint8_t *src, const uint8_t *dst, const uint8_t *p,
                                        size_t n) {
  uint64_t h = hash_bytes(0xcbf29ce484222325u, src, DERP_KEY_LEN);
  h = hash_bytes(h, dst, DERP_KEY_LEN);
  h = hash_bytes(h, p, n);
  return h ? h : 1;
}

FUZZ_ORACLE static void sent_insert_cell(uint64_t *cells, size_t cap, uint64_t h) {
  size_t i = (size_t)h & (cap - 1);
  while (cells[i] != 0 && cells[i] != h) i = (i + 1) & (cap - 1);
  cells[i] = h;
}

FUZZ_ORACLE static void sent_add(struct sent_set *s, uint64_t h) {
  if (2 * (s->n + 1) > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 256;
    uint64_t *cells = calloc(cap, sizeof *cells);
    if (!cells) return;
    for (size_t i = 0; i < s->cap; i++)
      if (s->cell[i]) sent_insert_cell(cells, cap, s->cell[i]);
    free(s->cell);
    s->cell = cells;
    s->cap = cap;
  }
  sent_insert_cell(s->cell, s->cap, h);
  s->n++;
}

FUZZ_ORACLE static bool sent_has(const struct sent_set *s, uint64_t h) {
  if (s->cap == 0) return false;
  for (size_t i = (size_t)h & (s->cap - 1); s->cell[i] != 0; i = (i + 1) & (s->cap - 1))
    if (s->cell[i] == h) return true;
  return false;
}

struct slot {
  struct relay_conn *conn; /* NULL when closed */
  bool raw;                /* handshake comes from the input */
  bool saw_first_frame;    /* raw: the first input frame was the handshake */
  bool slow;
  uint8_t claimed_key[DERP_KEY_LEN];
  bool has_claimed_key;
  struct frame_tap in, out;
  unsigned out_frames;
};

struct world {
  struct relay *relay;
  bool mesh_configured;
  int forwarder_r, forwarder_c; /* the forwarders' handles: their addresses */
  int forwarder_extra[EXTRA_FORWARDERS];
  /* What the shell registered, in order, for R (0) and C (1). */
  void *carriers[2][MAX_CARRIERS];
  size_t carrier_count[2];
  uint64_t forwards_ok, forwards_failed; /* as the forwarders answered */
  uint64_t now;
  uint64_t rng;
  bool rate_limited;
  bool preset_pending[PRESET_CLIENTS]; /* A, B or C not connected yet */
  struct slot slots[SLOTS];
  struct sent_set sent;
};

FUZZ_ORACLE static void counter_random(void *ctx, uint8_t *out, size_t n) {
  struct world *w = ctx;
  for (size_t i = 0; i < n; i++) {
    w->rng = w->rng * 6364136223846793005u + 1442695040888963407u;
    out[i] = (uint8_t)(w->rng >> 56);
  }
}

static const uint8_t remote_key[DERP_KEY_LEN] = {
    0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52,
    0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52, 0x52};

FUZZ_ORACLE static bool check_forward(void *ctx, void *fwd, const uint8_t src[DERP_KEY_LEN],
                                      const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt,
                                      size_t len) {
  struct world *w = ctx;
  uint64_t h = triple_hash(src, dst, pkt, len);
  if (!sent_has(&w->sent, h)) {
    oracle_mismatch("forwarded to a mesh peer, but nobody sent it");
    oracle_hex("source", src, DERP_KEY_LEN);
    oracle_hex("destination", dst, DERP_KEY_LEN);
    oracle_abort();
  }
  ORACLE_ASSERT(relay_find_client(w->relay, dst) == NULL,
                "forwarded to a mesh peer although the destination is connected here");
  bool to_r = memcmp(dst, remote_key, DERP_KEY_LEN) == 0;
  bool to_c = memcmp(dst, client_keys[2].pub, DERP_KEY_LEN) == 0;
  ORACLE_ASSERT(to_r || to_c, "forwarded for a key no forwarder carries");
  int k = to_r ? 0 : 1;
  ORACLE_ASSERT(w->carrier_count[k] > 0 && fwd == w->carriers[k][0],
                "forwarded through the wrong forwarder (to R %d, to C %d, %zu carriers)", to_r,
                to_c, w->carrier_count[k]);
  bool taken = fwd != &w->forwarder_c || len < FORWARD_C_REFUSES;
  if (taken)
    w->forwards_ok++;
  else
    w->forwards_failed++;
  return taken;
}

/* The shell's side of relay_mesh_add/remove, mirrored for the oracle. */
FUZZ_ORACLE static void carrier_add(struct world *w, int k, void *fwd) {
  for (size_t i = 0; i < w->carrier_count[k]; i++)
    if (w->carriers[k][i] == fwd) return;
  if (w->carrier_count[k] < MAX_CARRIERS) w->carriers[k][w->carrier_count[k]++] = fwd;
}

FUZZ_ORACLE static bool carrier_has(const struct world *w, int k, const void *fwd) {
  for (size_t i = 0; i < w->carrier_count[k]; i++)
    if (w->carriers[k][i] == fwd) return true;
  return false;
}

/* relay_mesh_add takes a forwarder for a key exactly when the key has it
 * already or has fewer than RELAY_MESH_MAX_FORWARDERS (a repeat is taken as
 * it is); k is the key's carrier list (0: R, 1: C). */
static void mesh_add_checked(struct world *w, int k, const uint8_t *key, void *fwd) {
  bool room = carrier_has(w, k, fwd) || w->carrier_count[k] < RELAY_MESH_MAX_FORWARDERS;
  bool took = relay_mesh_add(w->relay, key, fwd);
  ORACLE_ASSERT(took == room, "relay_mesh_add for %s answered %d with %zu registered",
                k == 0 ? "R" : "C", took, w->carrier_count[k]);
  if (took) carrier_add(w, k, fwd);
}

/* More peer relays announce R. */
static void mesh_announce_more(struct world *w) {
  ORACLE_ASSERT(!relay_mesh_add(w->relay, remote_key, NULL), "relay_mesh_add took no forwarder");
  for (int i = 0; i < EXTRA_FORWARDERS; i++)
    mesh_add_checked(w, 0, remote_key, &w->forwarder_extra[i]);
}

FUZZ_ORACLE static void carrier_remove(struct world *w, int k, void *fwd) {
  for (size_t i = 0; i < w->carrier_count[k]; i++) {
    if (w->carriers[k][i] != fwd) continue;
    memmove(&w->carriers[k][i], &w->carriers[k][i + 1],
            (w->carrier_count[k] - i - 1) * sizeof w->carriers[k][0]);
    w->carrier_count[k]--;
    return;
  }
}

static void mesh_add_all(struct world *w) {
  mesh_add_checked(w, 0, remote_key, &w->forwarder_r);
  mesh_add_checked(w, 1, client_keys[2].pub, &w->forwarder_c);
  mesh_add_checked(w, 0, remote_key, &w->forwarder_c);
}

FUZZ_ORACLE static size_t carried_by(const struct world *w, const void *fwd) {
  size_t n = 0;
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < w->carrier_count[k]; i++) n += w->carriers[k][i] == fwd;
  return n;
}

/* A mesh link breaks: the relay forgets every key it carried. */
static void mesh_link_down(struct world *w, void *fwd) {
  size_t carried = carried_by(w, fwd);
  size_t gone = relay_mesh_remove_all(w->relay, fwd);
  ORACLE_ASSERT(gone == carried, "a link down forgot %zu keys, it carried %zu", gone, carried);
  carrier_remove(w, 0, fwd);
  carrier_remove(w, 1, fwd);
}

static void mesh_change(struct world *w, int how, bool more) {
  if (more) how = 4;
  switch (how) {
    case 0: mesh_link_down(w, &w->forwarder_r); break;
    case 1: mesh_link_down(w, &w->forwarder_c); break;
    case 2:
      relay_mesh_remove(w->relay, remote_key, &w->forwarder_r);
      carrier_remove(w, 0, &w->forwarder_r);
      break;
    case 3: mesh_add_all(w); break;
    default: mesh_announce_more(w); break;
  }
  ORACLE_ASSERT(relay_mesh_keys(w->relay) ==
                    (size_t)(w->carrier_count[0] > 0) + (size_t)(w->carrier_count[1] > 0),
                "relay_mesh_keys says %zu", relay_mesh_keys(w->relay));
}

FUZZ_ORACLE static int slot_index(struct world *w, const struct relay_conn *c) {
  for (int i = 0; i < SLOTS; i++)
    if (w->slots[i].conn == c) return i;
  return -1;
}

FUZZ_ORACLE static void check_output_frame(struct world *w, int s, const struct tapped_frame *f) {
  struct slot *sl = &w->slots[s];
  unsigned idx = sl->out_frames++;
  uint32_t min = 0, max = 0;
  switch (f->type) {
    case DERP_FRAME_SERVER_KEY: min = max = DERP_SERVER_KEY_MIN_LEN; break;
    case DERP_FRAME_SERVER_INFO:
      min = DERP_NONCE_LEN + DERP_BOX_OVERHEAD;
      max = DERP_SERVER_INFO_MAX_LEN;
      break;
    case DERP_FRAME_RECV_PACKET:
      min = DERP_KEY_LEN;
      max = DERP_KEY_LEN + DERP_MAX_PACKET_SIZE;
      break;
    case DERP_FRAME_KEEP_ALIVE: min = max = 0; break;
    case DERP_FRAME_PEER_GONE: min = max = DERP_PEER_GONE_LEN; break;
    case DERP_FRAME_PEER_PRESENT: min = max = DERP_PEER_PRESENT_LEN; break;
    case DERP_FRAME_PONG: min = max = DERP_PING_LEN; break;
    default:
      oracle_mismatch("slot %d: the relay wrote frame type 0x%02x", s, f->type);
      oracle_abort();
  }
  if (f->len < min || f->len > max) {
    oracle_mismatch("slot %d: %s frame of %u bytes (allowed %u..%u)", s,
                    derp_frame_type_name(f->type), f->len, min, max);
    oracle_abort();
  }
  ORACLE_ASSERT((idx == 0) == (f->type == DERP_FRAME_SERVER_KEY), "slot %d: frame %u is %s", s, idx,
                derp_frame_type_name(f->type));
  if (f->type == DERP_FRAME_SERVER_KEY)
    ORACLE_ASSERT(memcmp(f->payload, derp_magic, DERP_MAGIC_LEN) == 0 &&
                      memcmp(f->payload + DERP_MAGIC_LEN, server_keys.pub, DERP_KEY_LEN) == 0,
                  "slot %d: ServerKey payload", s);
  if (f->type == DERP_FRAME_SERVER_INFO)
    ORACLE_ASSERT(idx == 1, "slot %d: ServerInfo as frame %u", s, idx);

  if (f->type == DERP_FRAME_RECV_PACKET) {
    const uint8_t *dst = sl->conn ? relay_conn_key(sl->conn) : NULL;
    ORACLE_ASSERT(dst != NULL, "slot %d: RecvPacket to a connection without an accepted client", s);
    uint64_t h = triple_hash(f->payload, dst, f->payload + DERP_KEY_LEN, f->len - DERP_KEY_LEN);
    if (!sent_has(&w->sent, h)) {
      oracle_mismatch("slot %d: RecvPacket nobody sent", s);
      oracle_hex("source", f->payload, DERP_KEY_LEN);
      oracle_hex("destination", dst, DERP_KEY_LEN);
      oracle_hex("packet", f->payload + DERP_KEY_LEN, f->len - DERP_KEY_LEN);
      oracle_abort();
    }
  }
}

FUZZ_ORACLE static void drain_slot(struct world *w, int s) {
  struct slot *sl = &w->slots[s];
  if (!sl->conn) return;
  const uint8_t *p;
  size_t n;
  while ((n = relay_conn_pending(sl->conn, &p)) > 0) {
    ORACLE_ASSERT(frame_tap_push(&sl->out, p, n), "out of memory");
    relay_conn_consume(sl->conn, n, w->now);
    struct tapped_frame f;
    while (frame_tap_next(&sl->out, &f)) check_output_frame(w, s, &f);
  }
}

/* A short write: the shell's socket took only `room` bytes. */
FUZZ_ORACLE static void short_write(struct world *w, int s, size_t room) {
  struct slot *sl = &w->slots[s];
  if (!sl->conn) return;
  const uint8_t *p;
  size_t n = relay_conn_pending(sl->conn, &p);
  size_t k = room < n ? room : n;
  uint8_t *rest = n > k ? malloc(n - k) : NULL;
  if (n > k && !rest) return;
  if (rest) memcpy(rest, p + k, n - k);
  if (k > 0) ORACLE_ASSERT(frame_tap_push(&sl->out, p, k), "out of memory");
  relay_conn_consume(sl->conn, k, w->now);
  /* The rest stays pending, in order, ahead of anything queued since. */
  const uint8_t *q;
  size_t left = relay_conn_pending(sl->conn, &q);
  bool open = relay_conn_state(sl->conn) != RELAY_CONN_CLOSED; /* refilling may fail */
  ORACLE_ASSERT(!open || (left >= n - k && (n == k || memcmp(q, rest, n - k) == 0)),
                "slot %d: %zu of %zu bytes written, then %zu pending, not the rest", s, k, n, left);
  free(rest);
  struct tapped_frame f;
  while (frame_tap_next(&sl->out, &f)) check_output_frame(w, s, &f);
}

static void release_slot(struct world *w, int s, const char *why) {
  struct slot *sl = &w->slots[s];
  if (sl->conn) relay_conn_close(sl->conn, w->now, why);
  /* The taps' buffers stay for the next connection (and input), emptied. */
  struct frame_tap in = sl->in, out = sl->out;
  frame_tap_clear(&in);
  frame_tap_clear(&out);
  bool slow = sl->slow;
  memset(sl, 0, sizeof *sl);
  sl->slow = slow;
  sl->in = in;
  sl->out = out;
}

/* After every call into the core: react to events like a shell, then check
 * the global invariants. */
FUZZ_ORACLE static void settle(struct world *w) {
  struct relay_event ev;
  while (relay_next_event(w->relay, &ev)) {
    int s = slot_index(w, ev.conn);
    ORACLE_ASSERT(s >= 0, "event for a connection the shell never opened");
    if (ev.kind == RELAY_EVENT_CLOSED) {
      ORACLE_ASSERT(relay_conn_state(ev.conn) == RELAY_CONN_CLOSED &&
                        relay_conn_close_reason(ev.conn)[0] != '\0',
                    "CLOSED event for slot %d without a closed state and reason", s);
      release_slot(w, s, NULL);
    }
  }
  size_t open = 0;
  for (int s = 0; s < SLOTS; s++) {
    struct slot *sl = &w->slots[s];
    if (!sl->conn) continue;
    open++;
    ORACLE_ASSERT(
        relay_conn_queued(sl->conn) <= QUEUE_CAP + DERP_FRAME_HEADER_LEN + DERP_MAX_DATA_FRAME_LEN,
        "slot %d queues %zu bytes (cap %u)", s, relay_conn_queued(sl->conn), QUEUE_CAP);
    if (!sl->slow) drain_slot(w, s);
  }
  struct relay_stats st;
  relay_get_stats(w->relay, &st);
  ORACLE_ASSERT(st.conns_current == open, "stats say %llu connections, the shell holds %zu",
                (unsigned long long)st.conns_current, open);
  ORACLE_ASSERT(st.clients_current <= st.conns_current, "more clients than connections");
  ORACLE_ASSERT(
      st.packets_forwarded_out == w->forwards_ok && st.drops_forward_failed == w->forwards_failed,
      "stats count %llu forwards out and %llu failed, the forwarders took %llu and "
      "refused %llu",
      (unsigned long long)st.packets_forwarded_out, (unsigned long long)st.drops_forward_failed,
      (unsigned long long)w->forwards_ok, (unsigned long long)w->forwards_failed);
}

static bool open_slot(struct world *w, int s) {
  struct slot *sl = &w->slots[s];
  sl->conn = relay_conn_open(w->relay, w->now, sl);
  sl->raw = true;
  return sl->conn != NULL;
}

static void ensure_preset(struct world *w, int s);

/* The preset clients connect when the input first needs them (a command on
 * their slot, a packet or ClosePeer naming their key, a mesh watcher), not
 * on every input: three handshakes per execution were most of a short
 * input's time. A connects before the frame naming it reaches the relay. */
FUZZ_ORACLE static void connect_named(struct world *w, const uint8_t *key) {
  for (int c = 0; c < PRESET_CLIENTS; c++)
    if (w->preset_pending[c] && memcmp(key, client_keys[c].pub, DERP_KEY_LEN) == 0)
      ensure_preset(w, c);
}

/* Record what the client on slot s sends, from its side of the stream. */
FUZZ_ORACLE static void tap_input(struct world *w, int s, const uint8_t *p, size_t n) {
  struct slot *sl = &w->slots[s];
  if (!frame_tap_push(&sl->in, p, n)) return;
  struct tapped_frame f;
  while (frame_tap_next(&sl->in, &f)) {
    if (sl->raw && !sl->saw_first_frame) {
      sl->saw_first_frame = true;
      if (f.type == DERP_FRAME_CLIENT_INFO && f.len >= DERP_KEY_LEN) {
        memcpy(sl->claimed_key, f.payload, DERP_KEY_LEN);
        sl->has_claimed_key = true;
      }
      continue;
    }
    if ((f.type == DERP_FRAME_SEND_PACKET || f.type == DERP_FRAME_CLOSE_PEER) &&
        f.len >= DERP_KEY_LEN)
      connect_named(w, f.payload);
    if (f.type == DERP_FRAME_FORWARD_PACKET && f.len >= 2 * DERP_KEY_LEN)
      connect_named(w, f.payload + DERP_KEY_LEN);
    if (f.type == DERP_FRAME_WATCH_CONNS)
      for (int c = 0; c < PRESET_CLIENTS; c++) ensure_preset(w, c);
    if (f.type == DERP_FRAME_SEND_PACKET && f.len >= DERP_KEY_LEN && sl->has_claimed_key)
      sent_add(&w->sent, triple_hash(sl->claimed_key, f.payload, f.payload + DERP_KEY_LEN,
                                     f.len - DERP_KEY_LEN));
    if (f.type == DERP_FRAME_FORWARD_PACKET && f.len >= 2 * DERP_KEY_LEN)
      sent_add(&w->sent, triple_hash(f.payload, f.payload + DERP_KEY_LEN,
                                     f.payload + 2 * DERP_KEY_LEN, f.len - 2 * DERP_KEY_LEN));
  }
}

static void feed(struct world *w, int s, const uint8_t *p, size_t n) {
  struct slot *sl = &w->slots[s];
  if (s < PRESET_CLIENTS) ensure_preset(w, s);
  /* Every command ends settled, so only a slot reopened here needs it. */
  if (!sl->conn) {
    if (!open_slot(w, s)) return;
    settle(w);
    if (!sl->conn) return;
  }
  uint64_t resume = relay_conn_read_paused_until(sl->conn);
  if (resume > w->now) { /* the shell waits out the rate limit */
    w->now = resume;
    relay_tick(w->relay, w->now);
    settle(w);
    if (!sl->conn) return;
    ORACLE_ASSERT(relay_conn_read_paused_until(sl->conn) <= w->now,
                  "slot %d still paused once its pause ended", s);
  }
  tap_input(w, s, p, n);
  if (!sl->conn) return; /* a preset connecting for this input settled the world */
  enum relay_conn_state st = relay_conn_input(sl->conn, p, n, w->now);
  ORACLE_ASSERT(st == relay_conn_state(sl->conn),
                "relay_conn_input returned another state than it holds");
  if (sl->conn && st != RELAY_CONN_CLOSED) {
    uint64_t until = relay_conn_read_paused_until(sl->conn);
    ORACLE_ASSERT(
        until == 0 || (w->rate_limited && !relay_conn_can_mesh(sl->conn) && until > w->now),
        "slot %d paused until %llu (now %llu, rate limit %d, mesh %d)", s,
        (unsigned long long)until, (unsigned long long)w->now, w->rate_limited,
        relay_conn_can_mesh(sl->conn));
  }
  settle(w);
}

static void ensure_preset(struct world *w, int s) {
  if (!w->preset_pending[s]) return;
  w->preset_pending[s] = false;
  if (!open_slot(w, s)) return;
  struct slot *sl = &w->slots[s];
  const struct sealed_frame *f = &client_info[s][w->mesh_configured && s == 0 ? 1 : 0];
  feed(w, s, f->bytes, f->len);
  if (!sl->conn) return;
  sl->raw = false; /* later input is steady-state only */
  /* keep the preset key even though the tap saw the ClientInfo frame */
  memcpy(sl->claimed_key, client_keys[s].pub, DERP_KEY_LEN);
  sl->has_claimed_key = true;
}

/* Command 3: the fuzzer writes the ClientInfo plaintext; we seal it. */
static void json_handshake(struct world *w, int s, const uint8_t *json, size_t n,
                           bool verify_clients) {
  if (s < PRESET_CLIENTS) w->preset_pending[s] = false; /* this handshake is the slot's */
  if (n > 4096) n = 4096;
  struct relay_client_info info;
  char err[256];
  bool decodes = relay_client_info_decode(json, n, &info, err, sizeof err);
  if (!decodes) ORACLE_ASSERT(err[0] != '\0', "ClientInfo JSON refused without a reason");

  uint8_t frame[4096 + 128];
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, 0x60 + s, sizeof nonce);
  struct byte_writer bw = byte_writer_init(frame, sizeof frame);
  if (!derp_encode_client_info_sealed(&bw, client_keys[s].pub, client_keys[s].sec, server_keys.pub,
                                      nonce, json, n))
    return;
  release_slot(w, s, "EOF");
  settle(w);
  if (!open_slot(w, s)) return;
  settle(w);
  struct slot *sl = &w->slots[s];
  feed(w, s, frame, bw.len);
  sl = &w->slots[s];
  bool accepted = sl->conn != NULL && relay_conn_state(sl->conn) == RELAY_CONN_ACTIVE;
  bool presents_mesh_key = w->mesh_configured && decodes && info.has_mesh_key &&
                           memcmp(info.mesh_key, mesh_key, DERP_KEY_LEN) == 0;
  bool allowed = !verify_clients || s < 2 || presents_mesh_key;
  if (decodes && allowed) {
    ORACLE_ASSERT(accepted, "ClientInfo %.*s decodes but the relay did not accept the client",
                  (int)n, (const char *)json);
  } else if (!decodes) {
    ORACLE_ASSERT(!accepted, "the relay accepted ClientInfo that does not decode (%s)", err);
  }
  if (accepted)
    ORACLE_ASSERT(relay_conn_can_mesh(sl->conn) == presents_mesh_key,
                  "mesh permission %d, presented mesh key %d", relay_conn_can_mesh(sl->conn),
                  presents_mesh_key);
  if (accepted) sl->raw = false;
}

static void feed_send_packet(struct world *w, int s, const uint8_t *p, size_t n) {
  if (n == 0) return;
  uint8_t pick = p[0];
  p++;
  n--;
  uint8_t dst[DERP_KEY_LEN];
  memset(dst, 0, sizeof dst);
  int d = pick & 7;
  if (d < PRESET_CLIENTS) {
    memcpy(dst, client_keys[d].pub, DERP_KEY_LEN);
  } else if (d == 3 && w->slots[3].has_claimed_key) {
    memcpy(dst, w->slots[3].claimed_key, DERP_KEY_LEN);
  } else {
    size_t k = n < DERP_KEY_LEN ? n : DERP_KEY_LEN;
    memcpy(dst, p, k);
    p += k;
    n -= k;
  }
  if (n > DERP_MAX_PACKET_SIZE) n = DERP_MAX_PACKET_SIZE;
  /* One buffer for every input (a fresh 256 KiB block per burst was mapped
   * and faulted in each time), poisoned past the bytes fed, so a read beyond
   * them is still caught as it would be in an exact-size heap block. */
  static uint8_t burst[BURST_MAX];
  struct byte_writer bw = byte_writer_init(burst, sizeof burst);
  if (!derp_encode_send_packet(&bw, dst, p, n)) return;
  unsigned k = (pick >> 3) & 7, copies = k == 7 ? 128 : k == 6 ? 16 : 1;
  /* The copies arrive as one read (bounded to 256 KiB), as a shell reading a
   * busy socket gets them: one pass through the core, one settle. */
  while (copies > 1 && copies * bw.len > sizeof burst) copies /= 2;
  for (unsigned i = 1; i < copies; i++) memcpy(burst + i * bw.len, burst, bw.len);
  size_t fed = copies * bw.len;
  POISON(burst + fed, sizeof burst - fed);
  feed(w, s, burst, fed); /* reopens a closed slot, as command 0 does */
  UNPOISON(burst + fed, sizeof burst - fed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FRAMES_SERVER_MAX_INPUT) return -1;
  struct byte_reader in = byte_reader_init(data, size);
  uint8_t control = 0;
  byte_reader_u8(&in, &control);

  /* One world for every input: zeroed, but the taps keep their buffers and
   * the sent set its cells (a small one; a big one is given back). */
  static struct world world;
  struct world *w = &world;
  struct frame_tap taps[SLOTS][2];
  for (int s = 0; s < SLOTS; s++) {
    taps[s][0] = w->slots[s].in;
    taps[s][1] = w->slots[s].out;
    frame_tap_clear(&taps[s][0]);
    frame_tap_clear(&taps[s][1]);
  }
  struct sent_set sent = w->sent;
  if (sent.cap > SENT_CELLS_KEPT) {
    free(sent.cell);
    sent = (struct sent_set){NULL, 0, 0};
  } else if (sent.cap > 0) {
    memset(sent.cell, 0, sent.cap * sizeof *sent.cell);
    sent.n = 0;
  }
  memset(w, 0, sizeof *w);
  for (int s = 0; s < SLOTS; s++) {
    w->slots[s].in = taps[s][0];
    w->slots[s].out = taps[s][1];
  }
  w->sent = sent;
  w->now = START_MS;
  w->rng = 0x9e3779b97f4a7c15u;
  struct relay_options o;
  relay_options_init(&o);
  memcpy(o.server_public, server_keys.pub, DERP_KEY_LEN);
  memcpy(o.server_secret, server_keys.sec, DERP_KEY_LEN);
  bool mesh = control & 1;
  w->mesh_configured = mesh;
  if (mesh) {
    o.has_mesh_key = true;
    memcpy(o.mesh_key, mesh_key, DERP_KEY_LEN);
  }
  const uint8_t(*allowed)[DERP_KEY_LEN] = NULL;
  uint8_t allow_list[2][DERP_KEY_LEN];
  if (control & 2) {
    memcpy(allow_list[0], client_keys[0].pub, DERP_KEY_LEN);
    memcpy(allow_list[1], client_keys[1].pub, DERP_KEY_LEN);
    allowed = (const uint8_t(*)[DERP_KEY_LEN])allow_list;
    o.verify_clients = true;
    o.allowed_keys = allowed;
    o.allowed_count = 2;
  }
  o.send_queue_cap = QUEUE_CAP;
  o.random = counter_random;
  o.random_ctx = w;
  if (control & 0x40) {
    o.rate_bytes_per_sec = 4096;
    o.rate_burst_bytes = 1; /* raised to the minimum */
    w->rate_limited = true;
  }
  if (control & 0x20) {
    o.forward = check_forward;
    o.forward_ctx = w;
  }
  w->relay = relay_create(&o);
  ORACLE_ASSERT(w->relay != NULL, "relay_create refused valid options");
  if (control & 0x20) {
    mesh_add_all(w);
  } else {
    ORACLE_ASSERT(!relay_mesh_add(w->relay, remote_key, &w->forwarder_r),
                  "relay_mesh_add took a forwarder with no forward callback");
  }

  for (int s = 0; s < PRESET_CLIENTS; s++) {
    w->slots[s].slow = (control >> (2 + s)) & 1;
    memcpy(w->slots[s].claimed_key, client_keys[s].pub, DERP_KEY_LEN);
    w->slots[s].has_claimed_key = true;
    w->preset_pending[s] = true;
  }
  open_slot(w, 3);
  settle(w);

  uint8_t op;
  while (byte_reader_u8(&in, &op)) {
    uint16_t n = 0;
    byte_reader_u16be(&in, &n);
    int s = op & 3;
    int cmd = op >> 5;
    if (cmd <= 3 || cmd == 7) {
      size_t take = n < byte_reader_remaining(&in) ? n : byte_reader_remaining(&in);
      const uint8_t *p = NULL;
      byte_reader_borrow(&in, take, &p);
      if (cmd == 7)
        feed_send_packet(w, s, p, take);
      else if (cmd == 3)
        json_handshake(w, s, p, take, control & 2);
      else
        feed(w, s, p, take);
    } else if (cmd == 4 && (op & 4)) {
      uint64_t burst = relay_set_rate_limit(w->relay, (uint64_t)n * 64, 0);
      ORACLE_ASSERT((n == 0) == (burst == 0) && (n == 0 || burst >= RELAY_RATE_MIN_BURST),
                    "rate limit %u B/s applied with burst %llu", n * 64u,
                    (unsigned long long)burst);
      w->rate_limited = n != 0;
      settle(w);
    } else if (cmd == 4) {
      w->now += (uint64_t)n * 64;
      relay_tick(w->relay, w->now);
      settle(w);
    } else if (cmd == 5) {
      if ((op & 4) && (control & 0x20))
        mesh_change(w, s, op & 8);
      else if (op & 8)
        short_write(w, s, n);
      else
        drain_slot(w, s);
      settle(w);
    } else {
      if (s < PRESET_CLIENTS) w->preset_pending[s] = false; /* closed before it connected */
      release_slot(w, s, "EOF");
      settle(w);
      open_slot(w, s);
      settle(w);
    }
  }

  relay_destroy(w->relay);
  return 0;
}
