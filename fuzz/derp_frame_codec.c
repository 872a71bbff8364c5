/* Fuzz target derp_frame_codec: the DERP frame layer on its own (spec §6.4):
 * the incremental reader, every payload decoder and every encoder.
 *
 * Input layout:
 *   u8  control  bits 0-1: chunk size (1, 3, 64 bytes, or all at once);
 *                bit 2: announce mode (headers reported first; payloads
 *                taken, or skipped when bit 3 is set and the type is odd);
 *                bits 4-5: the reader's max_len (64, 1024, 65600, 262144)
 *   ... a stream of frames.
 *
 * Oracles, beyond "no crash / no leak":
 *  - chunking does not matter: the frames (type, length, payload) and the
 *    TOO_LARGE verdict are those of the stream fed whole, and the reader is
 *    at a boundary exactly between frames;
 *  - each payload a decoder accepts re-encodes, through the matching
 *    encoder, to the same frame (exact for the forms that keep every byte,
 *    else to a frame that decodes to the same fields);
 *  - encoders are all-or-nothing: a writer one byte short (also behind a
 *    prefix already written) refuses and keeps its length and bytes;
 *  - the frame header round-trips, and type names exist for the types
 *    §6.4 lists and only those;
 *  - the reader's calls keep their contracts: a header awaiting a decision
 *    is reported again, consuming nothing, until taken or skipped; take
 *    and skip change nothing at a boundary; the buffer changes only between
 *    frames (or while deciding), never to one shorter than max_len or
 *    missing for a max_len above 0; a reader without a buffer (max_len 0)
 *    says TOO_LARGE for a first frame that is not empty, again on every
 *    feed, and skipping it lands on the boundary 5 + len bytes in;
 *  - a packet looks like disco exactly when it starts with the disco
 *    magic and is long enough for a key and a nonce. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_frame.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CODEC_MAX_INPUT (64u * 1024u)
#define MAX_FRAMES 512

static const size_t chunk_sizes[4] = {1, 3, 64, CODEC_MAX_INPUT};
static const uint32_t max_lens[4] = {64, 1024, DERP_MAX_DATA_FRAME_LEN, DERP_CLIENT_INFO_MAX_LEN};

/* What one pass over the stream saw. */
struct pass {
  uint8_t type[MAX_FRAMES];
  uint32_t len[MAX_FRAMES];
  uint64_t digest[MAX_FRAMES]; /* FNV-1a of the payload (0 when skipped) */
  size_t frames;
  bool too_large;
  uint8_t too_large_type;
  uint32_t too_large_len;
};

FUZZ_ORACLE static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
  return h ? h : 1;
}

/* ---- encode oracles -------------------------------------------------- */

/* An encoder under test, and what it must write. */
typedef bool (*encode_fn)(struct byte_writer *w, const void *ctx);

static uint8_t enc_buf[DERP_FRAME_HEADER_LEN + DERP_CLIENT_INFO_MAX_LEN + 16];
static uint8_t short_buf[sizeof enc_buf];

/* Encodes into ample room and returns the frame; then checks that one byte
 * less (from empty, and behind a 3-byte prefix) is refused untouched. */
FUZZ_ORACLE static size_t encode_checked(encode_fn enc, const void *ctx, const char *what) {
  struct byte_writer w = byte_writer_init(enc_buf, sizeof enc_buf);
  ORACLE_ASSERT(enc(&w, ctx), "%s refused ample room", what);
  size_t need = w.len;
  ORACLE_ASSERT(need >= DERP_FRAME_HEADER_LEN, "%s wrote %zu bytes", what, need);
  struct byte_reader hr = byte_reader_init(enc_buf, need);
  struct derp_frame_header h;
  ORACLE_ASSERT(derp_frame_header_decode(&hr, &h) && h.len == need - DERP_FRAME_HEADER_LEN,
                "%s wrote a header that does not frame its %zu bytes", what, need);

  for (size_t prefix = 0; prefix <= 3; prefix += 3) {
    memset(short_buf, 0xa5, prefix + need);
    struct byte_writer s = byte_writer_init(short_buf, prefix + need - 1);
    s.len = prefix;
    ORACLE_ASSERT(!enc(&s, ctx), "%s fit in one byte less (prefix %zu)", what, prefix);
    ORACLE_ASSERT(s.len == prefix, "%s refused but moved the writer to %zu (prefix %zu)", what,
                  s.len, prefix);
    for (size_t i = 0; i < prefix + need - 1; i++)
      ORACLE_ASSERT(short_buf[i] == 0xa5, "%s refused but wrote byte %zu", what, i);
  }
  return need;
}

FUZZ_ORACLE static void expect_same_frame(const char *what, uint8_t type, const uint8_t *payload,
                                          uint32_t len, size_t got) {
  if (got == DERP_FRAME_HEADER_LEN + len && enc_buf[0] == type &&
      memcmp(enc_buf + DERP_FRAME_HEADER_LEN, payload, len) == 0)
    return;
  oracle_mismatch("%s: decode then encode changed the frame", what);
  oracle_hex("payload", payload, len);
  oracle_hex("re-encoded", enc_buf, got);
  oracle_abort();
}

struct key_ctx {
  const uint8_t *key;
};
struct info_ctx {
  const uint8_t *key, *nonce, *sealed;
  size_t sealed_len;
};
struct packet_ctx {
  uint8_t type;
  const struct derp_packet *p;
};
struct gone_ctx {
  const struct derp_peer_gone *g;
  bool legacy;
};
struct bytes_ctx {
  const uint8_t *p;
  size_t n;
};

FUZZ_ORACLE static bool enc_server_key(struct byte_writer *w, const void *c) {
  return derp_encode_server_key(w, ((const struct key_ctx *)c)->key);
}
FUZZ_ORACLE static bool enc_client_info(struct byte_writer *w, const void *c) {
  const struct info_ctx *i = c;
  return derp_encode_client_info(w, i->key, i->nonce, i->sealed, i->sealed_len);
}
FUZZ_ORACLE static bool enc_server_info(struct byte_writer *w, const void *c) {
  const struct info_ctx *i = c;
  return derp_encode_server_info(w, i->nonce, i->sealed, i->sealed_len);
}
FUZZ_ORACLE static bool enc_packet(struct byte_writer *w, const void *c) {
  const struct packet_ctx *k = c;
  switch (k->type) {
    case DERP_FRAME_SEND_PACKET:
      return derp_encode_send_packet(w, k->p->dst, k->p->data, k->p->len);
    case DERP_FRAME_RECV_PACKET:
      return derp_encode_recv_packet(w, k->p->src, k->p->data, k->p->len);
    default: return derp_encode_forward_packet(w, k->p->src, k->p->dst, k->p->data, k->p->len);
  }
}
FUZZ_ORACLE static bool enc_keep_alive(struct byte_writer *w, const void *c) {
  (void)c;
  return derp_encode_keep_alive(w);
}
FUZZ_ORACLE static bool enc_watch_conns(struct byte_writer *w, const void *c) {
  (void)c;
  return derp_encode_watch_conns(w);
}
FUZZ_ORACLE static bool enc_note_preferred(struct byte_writer *w, const void *c) {
  return derp_encode_note_preferred(w, *(const bool *)c);
}
FUZZ_ORACLE static bool enc_peer_gone(struct byte_writer *w, const void *c) {
  const struct gone_ctx *g = c;
  return g->legacy ? derp_encode_peer_gone_legacy(w, g->g->key)
                   : derp_encode_peer_gone(w, g->g->key, g->g->reason);
}
FUZZ_ORACLE static bool enc_peer_present(struct byte_writer *w, const void *c) {
  const struct derp_peer_present *p = c;
  return derp_encode_peer_present(w, p->key, p->ip16, p->port, p->flags);
}
FUZZ_ORACLE static bool enc_close_peer(struct byte_writer *w, const void *c) {
  return derp_encode_close_peer(w, ((const struct key_ctx *)c)->key);
}
FUZZ_ORACLE static bool enc_ping(struct byte_writer *w, const void *c) {
  return derp_encode_ping(w, ((const struct key_ctx *)c)->key);
}
FUZZ_ORACLE static bool enc_pong(struct byte_writer *w, const void *c) {
  return derp_encode_pong(w, ((const struct key_ctx *)c)->key);
}
FUZZ_ORACLE static bool enc_health(struct byte_writer *w, const void *c) {
  const struct bytes_ctx *b = c;
  return derp_encode_health(w, (const char *)b->p, b->n);
}
FUZZ_ORACLE static bool enc_restarting(struct byte_writer *w, const void *c) {
  const struct derp_restarting *r = c;
  return derp_encode_restarting(w, r->reconnect_in_ms, r->try_for_ms);
}

/* Decode the payload by its type; what decodes must re-encode faithfully. */
FUZZ_ORACLE static void check_payload(uint8_t type, const uint8_t *p, uint32_t n) {
  const char *name = derp_frame_type_name(type);
  bool listed = (type >= DERP_FRAME_SERVER_KEY && type <= DERP_FRAME_FORWARD_PACKET) ||
                (type >= DERP_FRAME_WATCH_CONNS && type <= DERP_FRAME_RESTARTING);
  ORACLE_ASSERT((name != NULL) == listed, "type 0x%02x named %s", type, name ? name : "(none)");
  size_t got;
  switch (type) {
    case DERP_FRAME_SERVER_KEY: {
      uint8_t pub[DERP_KEY_LEN], again[DERP_KEY_LEN];
      if (derp_decode_server_key(p, n, pub) != DERP_DECODE_OK) return;
      struct key_ctx k = {pub};
      got = encode_checked(enc_server_key, &k, "ServerKey");
      ORACLE_ASSERT(derp_decode_server_key(enc_buf + DERP_FRAME_HEADER_LEN,
                                           got - DERP_FRAME_HEADER_LEN, again) == DERP_DECODE_OK &&
                        memcmp(pub, again, DERP_KEY_LEN) == 0,
                    "ServerKey does not round-trip");
      return;
    }
    case DERP_FRAME_CLIENT_INFO: {
      struct derp_client_info ci;
      if (derp_decode_client_info(p, n, &ci) != DERP_DECODE_OK) return;
      struct info_ctx c = {ci.key, ci.nonce, ci.sealed, ci.sealed_len};
      got = encode_checked(enc_client_info, &c, "ClientInfo");
      expect_same_frame("ClientInfo", type, p, n, got);
      return;
    }
    case DERP_FRAME_SERVER_INFO: {
      struct derp_server_info si;
      if (derp_decode_server_info(p, n, &si) != DERP_DECODE_OK) return;
      struct info_ctx c = {NULL, si.nonce, si.sealed, si.sealed_len};
      got = encode_checked(enc_server_info, &c, "ServerInfo");
      expect_same_frame("ServerInfo", type, p, n, got);
      return;
    }
    case DERP_FRAME_SEND_PACKET:
    case DERP_FRAME_RECV_PACKET:
    case DERP_FRAME_FORWARD_PACKET: {
      struct derp_packet pk;
      enum derp_decode_status st =
          type == DERP_FRAME_SEND_PACKET   ? derp_decode_send_packet(p, n, &pk)
          : type == DERP_FRAME_RECV_PACKET ? derp_decode_recv_packet(p, n, &pk)
                                           : derp_decode_forward_packet(p, n, &pk);
      if (st != DERP_DECODE_OK) return;
      bool disco = pk.len >= DERP_DISCO_MIN_LEN &&
                   memcmp(pk.data, derp_disco_magic, DERP_DISCO_MAGIC_LEN) == 0;
      ORACLE_ASSERT(derp_looks_like_disco(pk.data, pk.len) == disco,
                    "%s of %zu bytes: disco verdict %d", derp_frame_type_name(type), pk.len, disco);
      if (pk.len > DERP_MAX_PACKET_SIZE) return; /* RecvPacket: the encoders refuse these */
      struct packet_ctx c = {type, &pk};
      got = encode_checked(enc_packet, &c, derp_frame_type_name(type));
      expect_same_frame(derp_frame_type_name(type), type, p, n, got);
      return;
    }
    case DERP_FRAME_KEEP_ALIVE:
      got = encode_checked(enc_keep_alive, NULL, "KeepAlive");
      ORACLE_ASSERT(got == DERP_FRAME_HEADER_LEN, "KeepAlive with a payload");
      return;
    case DERP_FRAME_NOTE_PREFERRED: {
      bool pref, again;
      if (derp_decode_note_preferred(p, n, &pref) != DERP_DECODE_OK) return;
      ORACLE_ASSERT(pref == (p[0] != 0), "NotePreferred %u read as %d", p[0], pref);
      got = encode_checked(enc_note_preferred, &pref, "NotePreferred");
      ORACLE_ASSERT(
          derp_decode_note_preferred(enc_buf + DERP_FRAME_HEADER_LEN, got - DERP_FRAME_HEADER_LEN,
                                     &again) == DERP_DECODE_OK &&
              again == pref,
          "NotePreferred does not round-trip");
      return;
    }
    case DERP_FRAME_PEER_GONE: {
      struct derp_peer_gone g, again;
      if (derp_decode_peer_gone(p, n, &g) != DERP_DECODE_OK) return;
      struct gone_ctx c = {&g, n == DERP_KEY_LEN};
      got = encode_checked(enc_peer_gone, &c, "PeerGone");
      if (n <= DERP_PEER_GONE_LEN) expect_same_frame("PeerGone", type, p, n, got);
      ORACLE_ASSERT(derp_decode_peer_gone(enc_buf + DERP_FRAME_HEADER_LEN,
                                          got - DERP_FRAME_HEADER_LEN, &again) == DERP_DECODE_OK &&
                        memcmp(&again, &g, sizeof g) == 0,
                    "PeerGone does not round-trip");
      return;
    }
    case DERP_FRAME_PEER_PRESENT: {
      struct derp_peer_present pp, again;
      memset(&pp, 0, sizeof pp);
      if (derp_decode_peer_present(p, n, &pp) != DERP_DECODE_OK) return;
      ORACLE_ASSERT(pp.has_addr == (n >= DERP_KEY_LEN + 18) && pp.has_flags == (n >= 51),
                    "PeerPresent of %u bytes: address %d, flags %d", n, pp.has_addr, pp.has_flags);
      if (!pp.has_flags) return; /* the encoder writes the 51-byte form only */
      got = encode_checked(enc_peer_present, &pp, "PeerPresent");
      if (n == DERP_PEER_PRESENT_LEN) expect_same_frame("PeerPresent", type, p, n, got);
      memset(&again, 0, sizeof again);
      ORACLE_ASSERT(
          derp_decode_peer_present(enc_buf + DERP_FRAME_HEADER_LEN, got - DERP_FRAME_HEADER_LEN,
                                   &again) == DERP_DECODE_OK &&
              memcmp(&again, &pp, sizeof pp) == 0,
          "PeerPresent does not round-trip");
      return;
    }
    case DERP_FRAME_WATCH_CONNS:
      if (derp_decode_watch_conns(p, n) != DERP_DECODE_OK) return;
      got = encode_checked(enc_watch_conns, NULL, "WatchConns");
      expect_same_frame("WatchConns", type, p, n, got);
      return;
    case DERP_FRAME_CLOSE_PEER: {
      uint8_t key[DERP_KEY_LEN];
      if (derp_decode_close_peer(p, n, key) != DERP_DECODE_OK) return;
      struct key_ctx k = {key};
      got = encode_checked(enc_close_peer, &k, "ClosePeer");
      expect_same_frame("ClosePeer", type, p, n, got);
      return;
    }
    case DERP_FRAME_PING:
    case DERP_FRAME_PONG: {
      uint8_t d[DERP_PING_LEN];
      bool ping = type == DERP_FRAME_PING;
      if ((ping ? derp_decode_ping(p, n, d) : derp_decode_pong(p, n, d)) != DERP_DECODE_OK) return;
      ORACLE_ASSERT(memcmp(d, p, DERP_PING_LEN) == 0, "ping data is not the first 8 bytes");
      struct key_ctx k = {d};
      got = encode_checked(ping ? enc_ping : enc_pong, &k, ping ? "Ping" : "Pong");
      expect_same_frame(ping ? "Ping" : "Pong", type, p, DERP_PING_LEN, got);
      return;
    }
    case DERP_FRAME_HEALTH: {
      struct bytes_ctx b = {p, n};
      got = encode_checked(enc_health, &b, "Health");
      expect_same_frame("Health", type, p, n, got);
      return;
    }
    case DERP_FRAME_RESTARTING: {
      struct derp_restarting r, again;
      if (derp_decode_restarting(p, n, &r) != DERP_DECODE_OK) return;
      got = encode_checked(enc_restarting, &r, "Restarting");
      if (n == DERP_RESTARTING_LEN) expect_same_frame("Restarting", type, p, n, got);
      ORACLE_ASSERT(derp_decode_restarting(enc_buf + DERP_FRAME_HEADER_LEN,
                                           got - DERP_FRAME_HEADER_LEN, &again) == DERP_DECODE_OK &&
                        again.reconnect_in_ms == r.reconnect_in_ms &&
                        again.try_for_ms == r.try_for_ms,
                    "Restarting does not round-trip");
      return;
    }
    default: return;
  }
}

/* ---- the reader ------------------------------------------------------ */

static uint8_t reader_buf[DERP_CLIENT_INFO_MAX_LEN];
static uint8_t big_buf[DERP_CLIENT_INFO_MAX_LEN];

FUZZ_ORACLE static void record(struct pass *ps, const struct derp_frame *f, bool skipped) {
  if (ps->frames == MAX_FRAMES) return;
  ps->type[ps->frames] = f->type;
  ps->len[ps->frames] = f->len;
  ps->digest[ps->frames] = skipped ? 0 : fnv(f->payload, f->len);
  ps->frames++;
}

/* Feed the stream in `chunk`-byte pieces; check each complete frame when
 * `check` is set. */
static void run_pass(const uint8_t *in, size_t n, size_t chunk, bool announce, bool skip_odd,
                     uint32_t max_len, bool check, struct pass *ps) {
  memset(ps, 0, sizeof *ps);
  struct derp_frame_reader r;
  /* announce mode starts small and swaps in a larger buffer on demand */
  uint32_t first_max = announce && max_len > 64 ? 64 : max_len;
  ORACLE_ASSERT(derp_frame_reader_init(&r, reader_buf, first_max, first_max),
                "reader init refused a buffer of its max_len");
  ORACLE_ASSERT(!derp_frame_reader_init(&r, reader_buf, first_max - 1, first_max),
                "reader init took a buffer shorter than max_len");
  ORACLE_ASSERT(derp_frame_reader_init(&r, reader_buf, first_max, first_max), "reader re-init");
  derp_frame_reader_announce_headers(&r, announce);
  size_t at = 0;
  int idle = 0;
  /* Each round consumes a byte or reports a frame or header: bounded. */
  for (size_t round = 0; at < n || idle == 0; round++) {
    ORACLE_ASSERT(round < 4 * n + 64, "the reader stopped making progress at byte %zu", at);
    size_t give = n - at < chunk ? n - at : chunk;
    enum derp_frame_event ev;
    struct derp_frame f;
    size_t used = derp_frame_reader_feed(&r, in + at, give, &ev, &f);
    ORACLE_ASSERT(used <= give, "reader consumed %zu of %zu bytes", used, give);
    at += used;
    if (ev == DERP_FRAME_NEED_MORE) {
      ORACLE_ASSERT(used == give, "NEED_MORE with %zu of %zu bytes unread", give - used, give);
      if (!derp_frame_reader_at_boundary(&r))
        ORACLE_ASSERT(!derp_frame_reader_set_buffer(&r, reader_buf, first_max, first_max),
                      "set_buffer took a new buffer in the middle of a frame (byte %zu)", at);
      if (at >= n) idle++;
      continue;
    }
    if (ev == DERP_FRAME_TOO_LARGE) {
      ORACLE_ASSERT(f.len > max_len || (announce && f.len > first_max),
                    "TOO_LARGE for %u bytes (max %u)", f.len, max_len);
      ps->too_large = true;
      ps->too_large_type = f.type;
      ps->too_large_len = f.len;
      return; /* a real peer is cut off here */
    }
    if (ev == DERP_FRAME_HEADER) {
      ORACLE_ASSERT(announce, "a header event outside announce mode");
      struct derp_frame again;
      enum derp_frame_event ev2;
      ORACLE_ASSERT(derp_frame_reader_feed(&r, in + at, n - at, &ev2, &again) == 0 &&
                        ev2 == DERP_FRAME_HEADER && again.type == f.type && again.len == f.len,
                    "a header awaiting a decision was not reported again as it was");
      if (f.len > max_len) {
        ps->too_large = true;
        ps->too_large_type = f.type;
        ps->too_large_len = f.len;
        return;
      }
      if (skip_odd && (f.type & 1)) {
        derp_frame_reader_skip(&r);
        record(ps, &f, true);
        continue;
      }
      if (f.len > first_max) {
        ORACLE_ASSERT(!derp_frame_reader_take(&r), "take of %u bytes with a %u-byte buffer", f.len,
                      first_max);
        ORACLE_ASSERT(derp_frame_reader_set_buffer(&r, big_buf, max_len, max_len),
                      "set_buffer refused while deciding");
        first_max = max_len;
      }
      ORACLE_ASSERT(derp_frame_reader_take(&r), "take refused %u bytes", f.len);
      continue;
    }
    /* READY */
    ORACLE_ASSERT(f.len <= max_len && (f.len == 0 || f.payload != NULL), "frame of %u bytes",
                  f.len);
    ORACLE_ASSERT(derp_frame_reader_at_boundary(&r), "not at a boundary after a frame");
    derp_frame_reader_skip(&r);
    ORACLE_ASSERT(!derp_frame_reader_take(&r) && derp_frame_reader_at_boundary(&r),
                  "take or skip between frames changed the reader");
    ORACLE_ASSERT(!derp_frame_reader_set_buffer(&r, reader_buf, 63, 64),
                  "set_buffer took a buffer shorter than its max_len");
    record(ps, &f, false);
    if (check) check_payload(f.type, f.payload, f.len);
    if (announce && first_max > 64) {
      ORACLE_ASSERT(derp_frame_reader_set_buffer(&r, reader_buf, max_len, max_len),
                    "set_buffer refused between frames");
    }
  }
}

FUZZ_ORACLE static void same_passes(const struct pass *a, const struct pass *b, size_t chunk) {
  ORACLE_ASSERT(a->frames == b->frames, "%zu frames whole, %zu in %zu-byte chunks", a->frames,
                b->frames, chunk);
  for (size_t i = 0; i < a->frames; i++)
    ORACLE_ASSERT(
        a->type[i] == b->type[i] && a->len[i] == b->len[i] && a->digest[i] == b->digest[i],
        "frame %zu differs in %zu-byte chunks", i, chunk);
  ORACLE_ASSERT(a->too_large == b->too_large && a->too_large_type == b->too_large_type &&
                    a->too_large_len == b->too_large_len,
                "TOO_LARGE verdict differs in %zu-byte chunks", chunk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > CODEC_MAX_INPUT) return -1;
  struct byte_reader in = byte_reader_init(data, size);
  uint8_t control = 0;
  if (!byte_reader_u8(&in, &control)) return 0;
  static const uint8_t nothing[1];
  const uint8_t *stream = nothing; /* never NULL: the reader is fed stream + offset */
  size_t n = byte_reader_remaining(&in);
  if (n > 0) byte_reader_borrow(&in, n, &stream);

  size_t chunk = chunk_sizes[control & 3];
  bool announce = control & 4, skip_odd = control & 8;
  uint32_t max_len = max_lens[(control >> 4) & 3];

  static struct pass whole, chunked;
  run_pass(stream, n, CODEC_MAX_INPUT, announce, skip_odd, max_len, true, &whole);
  if (chunk < n) {
    run_pass(stream, n, chunk, announce, skip_odd, max_len, false, &chunked);
    same_passes(&whole, &chunked, chunk);
  }

  /* a reader without a buffer, on the first frame */
  struct derp_frame_reader z;
  ORACLE_ASSERT(!derp_frame_reader_init(&z, NULL, 64, 64) &&
                    derp_frame_reader_init(&z, NULL, 0, 0) &&
                    derp_frame_reader_set_buffer(&z, NULL, 0, 0) &&
                    !derp_frame_reader_set_buffer(&z, NULL, 64, 64),
                "a missing buffer accepted for max_len 64 or refused for max_len 0");
  ORACLE_ASSERT(!derp_looks_like_disco(NULL, 0), "nothing looks like disco");
  if (n >= DERP_FRAME_HEADER_LEN) {
    enum derp_frame_event ev;
    struct derp_frame f;
    uint32_t len = (uint32_t)stream[1] << 24 | (uint32_t)stream[2] << 16 |
                   (uint32_t)stream[3] << 8 | stream[4];
    size_t used = derp_frame_reader_feed(&z, stream, n, &ev, &f);
    if (len == 0) {
      ORACLE_ASSERT(ev == DERP_FRAME_READY && used == DERP_FRAME_HEADER_LEN,
                    "an empty first frame through a reader without a buffer: event %d", (int)ev);
    } else {
      ORACLE_ASSERT(ev == DERP_FRAME_TOO_LARGE && used == DERP_FRAME_HEADER_LEN && f.len == len,
                    "a %u-byte first frame through a reader without a buffer: event %d", len,
                    (int)ev);
      ORACLE_ASSERT(derp_frame_reader_feed(&z, stream + used, n - used, &ev, &f) == 0 &&
                        ev == DERP_FRAME_TOO_LARGE,
                    "TOO_LARGE not reported again");
      derp_frame_reader_skip(&z);
      size_t at = used, end = DERP_FRAME_HEADER_LEN + (size_t)len;
      while (at < n && at < end) { /* never past the frame: the next one would start */
        size_t step = n - at < 61 ? n - at : 61;
        if (step > end - at) step = end - at;
        size_t got = derp_frame_reader_feed(&z, stream + at, step, &ev, &f);
        ORACLE_ASSERT(ev == DERP_FRAME_NEED_MORE && got == step, "skipping: event %d", (int)ev);
        at += got;
      }
      ORACLE_ASSERT(derp_frame_reader_at_boundary(&z) == (at == end),
                    "skipping a %u-byte frame ended at byte %zu", len, at);
    }
  }

  /* the header codec on the first five bytes */
  if (n >= DERP_FRAME_HEADER_LEN) {
    struct byte_reader hr = byte_reader_init(stream, DERP_FRAME_HEADER_LEN);
    struct derp_frame_header h;
    ORACLE_ASSERT(derp_frame_header_decode(&hr, &h), "five bytes are not a header");
    uint8_t out[DERP_FRAME_HEADER_LEN];
    struct byte_writer w = byte_writer_init(out, sizeof out);
    ORACLE_ASSERT(derp_frame_header_encode(&w, h.type, h.len) && memcmp(out, stream, 5) == 0,
                  "the header does not round-trip");
    struct byte_writer tight = byte_writer_init(out, sizeof out - 1);
    ORACLE_ASSERT(!derp_frame_header_encode(&tight, h.type, h.len) && tight.len == 0,
                  "a header fit in four bytes");
  }
  return 0;
}
