#include "derp/derp_frame.h"

#include <sodium.h>

#include <string.h>
#include "derp/derp_box.h"

#include "derp/guard.h"

const uint8_t derp_magic[DERP_MAGIC_LEN] = {0x44, 0x45, 0x52, 0x50, 0xf0, 0x9f, 0x94, 0x91};
const uint8_t derp_disco_magic[DERP_DISCO_MAGIC_LEN] = {0x54, 0x53, 0xf0, 0x9f, 0x92, 0xac};

const char *derp_frame_type_name(uint8_t type) {
  switch (type) {
    case DERP_FRAME_SERVER_KEY: return "ServerKey";
    case DERP_FRAME_CLIENT_INFO: return "ClientInfo";
    case DERP_FRAME_SERVER_INFO: return "ServerInfo";
    case DERP_FRAME_SEND_PACKET: return "SendPacket";
    case DERP_FRAME_RECV_PACKET: return "RecvPacket";
    case DERP_FRAME_KEEP_ALIVE: return "KeepAlive";
    case DERP_FRAME_NOTE_PREFERRED: return "NotePreferred";
    case DERP_FRAME_PEER_GONE: return "PeerGone";
    case DERP_FRAME_PEER_PRESENT: return "PeerPresent";
    case DERP_FRAME_FORWARD_PACKET: return "ForwardPacket";
    case DERP_FRAME_WATCH_CONNS: return "WatchConns";
    case DERP_FRAME_CLOSE_PEER: return "ClosePeer";
    case DERP_FRAME_PING: return "Ping";
    case DERP_FRAME_PONG: return "Pong";
    case DERP_FRAME_HEALTH: return "Health";
    case DERP_FRAME_RESTARTING: return "Restarting";
    default: return NULL;
  }
}

bool derp_looks_like_disco(const uint8_t *pkt, size_t len) {
  GUARD(pkt != NULL && len >= DERP_DISCO_MIN_LEN);
  return memcmp(pkt, derp_disco_magic, DERP_DISCO_MAGIC_LEN) == 0;
}

/* ---- header ---------------------------------------------------------- */

bool derp_frame_header_encode(struct byte_writer *w, uint8_t type, uint32_t len) {
  GUARD(byte_writer_space(w) >= DERP_FRAME_HEADER_LEN);
  GUARD(byte_writer_u8(w, type));
  return byte_writer_u32be(w, len);
}

bool derp_frame_header_decode(struct byte_reader *r, struct derp_frame_header *out) {
  GUARD(byte_reader_remaining(r) >= DERP_FRAME_HEADER_LEN);
  GUARD(byte_reader_u8(r, &out->type));
  return byte_reader_u32be(r, &out->len);
}

/* ---- incremental reader ---------------------------------------------- */

bool derp_frame_reader_init(struct derp_frame_reader *r, uint8_t *buf, size_t cap,
                            uint32_t max_len) {
  memset(r, 0, sizeof *r);
  GUARD(cap >= max_len);
  GUARD(buf != NULL || max_len == 0);
  r->buf = buf;
  r->cap = cap;
  r->max_len = max_len;
  r->state = DERP_READER_HEADER;
  return true;
}

void derp_frame_reader_announce_headers(struct derp_frame_reader *r, bool on) {
  r->announce_headers = on;
}

bool derp_frame_reader_at_boundary(const struct derp_frame_reader *r) {
  return r->state == DERP_READER_HEADER && r->hdr_have == 0;
}

bool derp_frame_reader_set_buffer(struct derp_frame_reader *r, uint8_t *buf, size_t cap,
                                  uint32_t max_len) {
  GUARD(derp_frame_reader_at_boundary(r) || r->state == DERP_READER_DECIDE);
  GUARD(cap >= max_len);
  GUARD(buf != NULL || max_len == 0);
  r->buf = buf;
  r->cap = cap;
  r->max_len = max_len;
  return true;
}

bool derp_frame_reader_take(struct derp_frame_reader *r) {
  GUARD(r->state == DERP_READER_DECIDE);
  GUARD(r->len <= r->max_len && r->len <= r->cap);
  r->state = DERP_READER_PAYLOAD;
  r->have = 0;
  return true;
}

void derp_frame_reader_skip(struct derp_frame_reader *r) {
  if (r->state != DERP_READER_DECIDE && r->state != DERP_READER_TOO_LARGE) return;
  r->state = DERP_READER_SKIP;
  r->have = 0;
}

static void frame_out(const struct derp_frame_reader *r, struct derp_frame *out,
                      const uint8_t *payload) {
  out->type = r->type;
  out->len = r->len;
  out->payload = payload;
}

/* Completes the 5-byte header from `in`; true once it is whole. */
static bool reader_fill_header(struct derp_frame_reader *r, struct byte_reader *in) {
  size_t want = DERP_FRAME_HEADER_LEN - r->hdr_have;
  size_t got = byte_reader_remaining(in) < want ? byte_reader_remaining(in) : want;
  GUARD(got > 0);
  GUARD(byte_reader_copy(in, r->hdr + r->hdr_have, got));
  r->hdr_have = (uint8_t)(r->hdr_have + got);
  GUARD(r->hdr_have == DERP_FRAME_HEADER_LEN);
  struct byte_reader hr = byte_reader_init(r->hdr, sizeof r->hdr);
  struct derp_frame_header h;
  GUARD(derp_frame_header_decode(&hr, &h));
  r->hdr_have = 0;
  r->type = h.type;
  r->len = h.len;
  r->have = 0;
  return true;
}

/* Moves up to the rest of the payload out of `in` (into the buffer unless
 * skipping); true once the payload is complete. */
static bool reader_fill_payload(struct derp_frame_reader *r, struct byte_reader *in, bool keep) {
  size_t want = r->len - r->have;
  size_t got = byte_reader_remaining(in) < want ? byte_reader_remaining(in) : want;
  if (got == 0) return r->have == r->len; /* no pointer arithmetic on a NULL input */
  if (keep) {
    GUARD(byte_reader_copy(in, r->buf + r->have, got));
  } else {
    GUARD(byte_reader_skip(in, got));
  }
  r->have += (uint32_t)got;
  return r->have == r->len;
}

size_t derp_frame_reader_feed(struct derp_frame_reader *r, const uint8_t *in_data, size_t n,
                              enum derp_frame_event *ev, struct derp_frame *out) {
  struct byte_reader in = byte_reader_init(in_data, n);
  *ev = DERP_FRAME_NEED_MORE;
  frame_out(r, out, NULL);
  for (;;) {
    switch (r->state) {
      case DERP_READER_HEADER:
        if (!reader_fill_header(r, &in)) return in.pos;
        frame_out(r, out, NULL);
        if (r->announce_headers) {
          r->state = DERP_READER_DECIDE;
          *ev = DERP_FRAME_HEADER;
          return in.pos;
        }
        if (r->len > r->max_len) {
          r->state = DERP_READER_TOO_LARGE;
          *ev = DERP_FRAME_TOO_LARGE;
          return in.pos;
        }
        r->state = DERP_READER_PAYLOAD;
        break;
      case DERP_READER_DECIDE:
        frame_out(r, out, NULL);
        *ev = DERP_FRAME_HEADER;
        return in.pos;
      case DERP_READER_TOO_LARGE:
        frame_out(r, out, NULL);
        *ev = DERP_FRAME_TOO_LARGE;
        return in.pos;
      case DERP_READER_PAYLOAD:
        if (!reader_fill_payload(r, &in, true)) return in.pos;
        r->state = DERP_READER_HEADER;
        frame_out(r, out, r->buf);
        *ev = DERP_FRAME_READY;
        return in.pos;
      case DERP_READER_SKIP:
        if (!reader_fill_payload(r, &in, false)) return in.pos;
        r->state = DERP_READER_HEADER;
        break;
      default: return in.pos;
    }
  }
}

/* ---- encoders -------------------------------------------------------- */

/* Reserves the whole frame up front so a frame is written entirely or not at
 * all: a partial frame in an output queue would desynchronise the peer. */
static bool frame_begin(struct byte_writer *w, uint8_t type, size_t payload_len) {
  GUARD(payload_len <= DERP_MAX_WRITE_FRAME_LEN);
  GUARD(byte_writer_space(w) >= DERP_FRAME_HEADER_LEN + payload_len);
  return derp_frame_header_encode(w, type, (uint32_t)payload_len);
}

static bool frame_bytes_only(struct byte_writer *w, uint8_t type, const void *p, size_t n) {
  GUARD(frame_begin(w, type, n));
  return byte_writer_bytes(w, p, n);
}

bool derp_encode_server_key(struct byte_writer *w, const uint8_t server_pub[DERP_KEY_LEN]) {
  GUARD(frame_begin(w, DERP_FRAME_SERVER_KEY, DERP_SERVER_KEY_MIN_LEN));
  GUARD(byte_writer_bytes(w, derp_magic, DERP_MAGIC_LEN));
  return byte_writer_bytes(w, server_pub, DERP_KEY_LEN);
}

bool derp_encode_client_info(struct byte_writer *w, const uint8_t client_pub[DERP_KEY_LEN],
                             const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *sealed,
                             size_t sealed_len) {
  GUARD(sealed_len <= DERP_MAX_WRITE_FRAME_LEN);
  GUARD(frame_begin(w, DERP_FRAME_CLIENT_INFO, DERP_CLIENT_INFO_MIN_LEN + sealed_len));
  GUARD(byte_writer_bytes(w, client_pub, DERP_KEY_LEN));
  GUARD(byte_writer_bytes(w, nonce, DERP_NONCE_LEN));
  return byte_writer_bytes(w, sealed, sealed_len);
}

bool derp_encode_server_info(struct byte_writer *w, const uint8_t nonce[DERP_NONCE_LEN],
                             const uint8_t *sealed, size_t sealed_len) {
  GUARD(sealed_len <= DERP_MAX_WRITE_FRAME_LEN);
  GUARD(frame_begin(w, DERP_FRAME_SERVER_INFO, DERP_NONCE_LEN + sealed_len));
  GUARD(byte_writer_bytes(w, nonce, DERP_NONCE_LEN));
  return byte_writer_bytes(w, sealed, sealed_len);
}

/* Seals straight into the writer's free space: no scratch buffer needed. */
static bool seal_into_shared(struct byte_writer *w, const uint8_t *json, size_t json_len,
                             const uint8_t nonce[DERP_NONCE_LEN],
                             const uint8_t shared[DERP_BOX_SHARED_KEY_LEN]) {
  GUARD(byte_writer_space(w) >= DERP_BOX_OVERHEAD + json_len);
  GUARD(derp_box_seal(w->data + w->len, json, json_len, nonce, shared));
  w->len += DERP_BOX_OVERHEAD + json_len;
  return true;
}

bool derp_box_shared_key(uint8_t shared[DERP_BOX_SHARED_KEY_LEN],
                         const uint8_t peer_pub[DERP_KEY_LEN], const uint8_t my_sec[DERP_KEY_LEN]) {
  return derp_box_beforenm(shared, peer_pub, my_sec);
}

static bool seal_into(struct byte_writer *w, const uint8_t *json, size_t json_len,
                      const uint8_t nonce[DERP_NONCE_LEN], const uint8_t to_pub[DERP_KEY_LEN],
                      const uint8_t from_sec[DERP_KEY_LEN]) {
  uint8_t shared[DERP_BOX_SHARED_KEY_LEN];
  bool ok = derp_box_shared_key(shared, to_pub, from_sec) &&
            seal_into_shared(w, json, json_len, nonce, shared);
  sodium_memzero(shared, sizeof shared);
  return ok;
}

bool derp_encode_client_info_sealed(struct byte_writer *w, const uint8_t client_pub[DERP_KEY_LEN],
                                    const uint8_t client_sec[DERP_KEY_LEN],
                                    const uint8_t server_pub[DERP_KEY_LEN],
                                    const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                    size_t json_len) {
  GUARD(json_len <= DERP_MAX_WRITE_FRAME_LEN);
  size_t start = w->len;
  GUARD(frame_begin(w, DERP_FRAME_CLIENT_INFO,
                    DERP_CLIENT_INFO_MIN_LEN + DERP_BOX_OVERHEAD + json_len));
  GUARD(byte_writer_bytes(w, client_pub, DERP_KEY_LEN));
  GUARD(byte_writer_bytes(w, nonce, DERP_NONCE_LEN));
  if (!seal_into(w, json, json_len, nonce, server_pub, client_sec)) {
    w->len = start;
    return false;
  }
  return true;
}

bool derp_encode_server_info_sealed_shared(struct byte_writer *w,
                                           const uint8_t shared[DERP_BOX_SHARED_KEY_LEN],
                                           const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                           size_t json_len) {
  GUARD(json_len <= DERP_MAX_WRITE_FRAME_LEN);
  size_t start = w->len;
  GUARD(frame_begin(w, DERP_FRAME_SERVER_INFO, DERP_NONCE_LEN + DERP_BOX_OVERHEAD + json_len));
  GUARD(byte_writer_bytes(w, nonce, DERP_NONCE_LEN));
  if (!seal_into_shared(w, json, json_len, nonce, shared)) {
    w->len = start;
    return false;
  }
  return true;
}

bool derp_encode_server_info_sealed(struct byte_writer *w, const uint8_t server_sec[DERP_KEY_LEN],
                                    const uint8_t client_pub[DERP_KEY_LEN],
                                    const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                    size_t json_len) {
  uint8_t shared[DERP_BOX_SHARED_KEY_LEN];
  bool ok = derp_box_shared_key(shared, client_pub, server_sec) &&
            derp_encode_server_info_sealed_shared(w, shared, nonce, json, json_len);
  sodium_memzero(shared, sizeof shared);
  return ok;
}

static bool encode_keyed_packet(struct byte_writer *w, uint8_t type,
                                const uint8_t key[DERP_KEY_LEN], const uint8_t *pkt,
                                size_t pkt_len) {
  GUARD(pkt_len <= DERP_MAX_PACKET_SIZE);
  GUARD(pkt != NULL || pkt_len == 0);
  GUARD(frame_begin(w, type, DERP_KEY_LEN + pkt_len));
  GUARD(byte_writer_bytes(w, key, DERP_KEY_LEN));
  return byte_writer_bytes(w, pkt, pkt_len);
}

bool derp_encode_send_packet(struct byte_writer *w, const uint8_t dst[DERP_KEY_LEN],
                             const uint8_t *pkt, size_t pkt_len) {
  return encode_keyed_packet(w, DERP_FRAME_SEND_PACKET, dst, pkt, pkt_len);
}

bool derp_encode_recv_packet(struct byte_writer *w, const uint8_t src[DERP_KEY_LEN],
                             const uint8_t *pkt, size_t pkt_len) {
  return encode_keyed_packet(w, DERP_FRAME_RECV_PACKET, src, pkt, pkt_len);
}

bool derp_encode_forward_packet(struct byte_writer *w, const uint8_t src[DERP_KEY_LEN],
                                const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt,
                                size_t pkt_len) {
  GUARD(pkt_len <= DERP_MAX_PACKET_SIZE);
  GUARD(pkt != NULL || pkt_len == 0);
  GUARD(frame_begin(w, DERP_FRAME_FORWARD_PACKET, 2 * DERP_KEY_LEN + pkt_len));
  GUARD(byte_writer_bytes(w, src, DERP_KEY_LEN));
  GUARD(byte_writer_bytes(w, dst, DERP_KEY_LEN));
  return byte_writer_bytes(w, pkt, pkt_len);
}

bool derp_encode_keep_alive(struct byte_writer *w) {
  return frame_begin(w, DERP_FRAME_KEEP_ALIVE, 0);
}

bool derp_encode_note_preferred(struct byte_writer *w, bool preferred) {
  uint8_t v = preferred ? 1 : 0;
  return frame_bytes_only(w, DERP_FRAME_NOTE_PREFERRED, &v, 1);
}

bool derp_encode_peer_gone(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN], uint8_t reason) {
  GUARD(frame_begin(w, DERP_FRAME_PEER_GONE, DERP_PEER_GONE_LEN));
  GUARD(byte_writer_bytes(w, key, DERP_KEY_LEN));
  return byte_writer_u8(w, reason);
}

bool derp_encode_peer_gone_legacy(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN]) {
  return frame_bytes_only(w, DERP_FRAME_PEER_GONE, key, DERP_KEY_LEN);
}

bool derp_encode_peer_present(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN],
                              const uint8_t ip16[16], uint16_t port, uint8_t flags) {
  GUARD(frame_begin(w, DERP_FRAME_PEER_PRESENT, DERP_PEER_PRESENT_LEN));
  GUARD(byte_writer_bytes(w, key, DERP_KEY_LEN));
  GUARD(byte_writer_bytes(w, ip16, 16));
  GUARD(byte_writer_u16be(w, port));
  return byte_writer_u8(w, flags);
}

bool derp_encode_watch_conns(struct byte_writer *w) {
  return frame_begin(w, DERP_FRAME_WATCH_CONNS, 0);
}

bool derp_encode_close_peer(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN]) {
  return frame_bytes_only(w, DERP_FRAME_CLOSE_PEER, key, DERP_KEY_LEN);
}

bool derp_encode_ping(struct byte_writer *w, const uint8_t data[DERP_PING_LEN]) {
  return frame_bytes_only(w, DERP_FRAME_PING, data, DERP_PING_LEN);
}

bool derp_encode_pong(struct byte_writer *w, const uint8_t data[DERP_PING_LEN]) {
  return frame_bytes_only(w, DERP_FRAME_PONG, data, DERP_PING_LEN);
}

bool derp_encode_health(struct byte_writer *w, const char *text, size_t text_len) {
  GUARD(text != NULL || text_len == 0);
  return frame_bytes_only(w, DERP_FRAME_HEALTH, text, text_len);
}

bool derp_encode_restarting(struct byte_writer *w, uint32_t reconnect_in_ms, uint32_t try_for_ms) {
  GUARD(frame_begin(w, DERP_FRAME_RESTARTING, DERP_RESTARTING_LEN));
  GUARD(byte_writer_u32be(w, reconnect_in_ms));
  return byte_writer_u32be(w, try_for_ms);
}

/* ---- decoders -------------------------------------------------------- */

enum derp_decode_status derp_decode_server_key(const uint8_t *p, size_t n,
                                               uint8_t server_pub[DERP_KEY_LEN]) {
  ENSURE(n >= DERP_SERVER_KEY_MIN_LEN, DERP_DECODE_SHORT);
  ENSURE(n <= DERP_SERVER_KEY_MAX_LEN, DERP_DECODE_LONG);
  struct byte_reader r = byte_reader_init(p, n);
  const uint8_t *magic;
  ENSURE(byte_reader_borrow(&r, DERP_MAGIC_LEN, &magic), DERP_DECODE_SHORT);
  ENSURE(memcmp(magic, derp_magic, DERP_MAGIC_LEN) == 0, DERP_DECODE_BAD_MAGIC);
  ENSURE(byte_reader_copy(&r, server_pub, DERP_KEY_LEN), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_client_info(const uint8_t *p, size_t n,
                                                struct derp_client_info *out) {
  ENSURE(n >= DERP_CLIENT_INFO_MIN_LEN, DERP_DECODE_SHORT);
  ENSURE(n <= DERP_CLIENT_INFO_MAX_LEN, DERP_DECODE_LONG);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->key, DERP_KEY_LEN), DERP_DECODE_SHORT);
  ENSURE(byte_reader_copy(&r, out->nonce, DERP_NONCE_LEN), DERP_DECODE_SHORT);
  out->sealed_len = byte_reader_remaining(&r);
  ENSURE(byte_reader_borrow(&r, out->sealed_len, &out->sealed), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_server_info(const uint8_t *p, size_t n,
                                                struct derp_server_info *out) {
  ENSURE(n >= DERP_SERVER_INFO_MIN_LEN, DERP_DECODE_SHORT);
  ENSURE(n <= DERP_SERVER_INFO_MAX_LEN, DERP_DECODE_LONG);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->nonce, DERP_NONCE_LEN), DERP_DECODE_SHORT);
  out->sealed_len = byte_reader_remaining(&r);
  ENSURE(byte_reader_borrow(&r, out->sealed_len, &out->sealed), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

static enum derp_decode_status decode_packet_rest(struct byte_reader *r, struct derp_packet *out,
                                                  bool bounded) {
  out->len = byte_reader_remaining(r);
  ENSURE(!bounded || out->len <= DERP_MAX_PACKET_SIZE, DERP_DECODE_LONG);
  ENSURE(byte_reader_borrow(r, out->len, &out->data), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_send_packet(const uint8_t *p, size_t n,
                                                struct derp_packet *out) {
  memset(out->src, 0, DERP_KEY_LEN);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->dst, DERP_KEY_LEN), DERP_DECODE_SHORT);
  return decode_packet_rest(&r, out, true);
}

enum derp_decode_status derp_decode_recv_packet(const uint8_t *p, size_t n,
                                                struct derp_packet *out) {
  memset(out->dst, 0, DERP_KEY_LEN);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->src, DERP_KEY_LEN), DERP_DECODE_SHORT);
  return decode_packet_rest(&r, out, false);
}

enum derp_decode_status derp_decode_forward_packet(const uint8_t *p, size_t n,
                                                   struct derp_packet *out) {
  ENSURE(n >= 2 * DERP_KEY_LEN, DERP_DECODE_SHORT);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->src, DERP_KEY_LEN), DERP_DECODE_SHORT);
  ENSURE(byte_reader_copy(&r, out->dst, DERP_KEY_LEN), DERP_DECODE_SHORT);
  return decode_packet_rest(&r, out, true);
}

enum derp_decode_status derp_decode_note_preferred(const uint8_t *p, size_t n, bool *preferred) {
  ENSURE(n == 1, DERP_DECODE_WRONG_SIZE);
  struct byte_reader r = byte_reader_init(p, n);
  uint8_t v;
  ENSURE(byte_reader_u8(&r, &v), DERP_DECODE_WRONG_SIZE);
  *preferred = v != 0;
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_peer_gone(const uint8_t *p, size_t n,
                                              struct derp_peer_gone *out) {
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->key, DERP_KEY_LEN), DERP_DECODE_SHORT);
  out->reason = DERP_PEER_GONE_DISCONNECTED;
  if (byte_reader_remaining(&r) > 0) (void)byte_reader_u8(&r, &out->reason);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_peer_present(const uint8_t *p, size_t n,
                                                 struct derp_peer_present *out) {
  memset(out, 0, sizeof *out);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, out->key, DERP_KEY_LEN), DERP_DECODE_SHORT);
  if (byte_reader_remaining(&r) >= 16 + 2) {
    ENSURE(byte_reader_copy(&r, out->ip16, 16), DERP_DECODE_SHORT);
    ENSURE(byte_reader_u16be(&r, &out->port), DERP_DECODE_SHORT);
    out->has_addr = true;
    if (byte_reader_u8(&r, &out->flags)) out->has_flags = true;
  }
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_watch_conns(const uint8_t *p, size_t n) {
  (void)p;
  ENSURE(n == 0, DERP_DECODE_WRONG_SIZE);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_close_peer(const uint8_t *p, size_t n,
                                               uint8_t key[DERP_KEY_LEN]) {
  ENSURE(n == DERP_KEY_LEN, DERP_DECODE_WRONG_SIZE);
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, key, DERP_KEY_LEN), DERP_DECODE_WRONG_SIZE);
  return DERP_DECODE_OK;
}

static enum derp_decode_status decode_eight(const uint8_t *p, size_t n,
                                            uint8_t data[DERP_PING_LEN]) {
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_copy(&r, data, DERP_PING_LEN), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

enum derp_decode_status derp_decode_ping(const uint8_t *p, size_t n, uint8_t data[DERP_PING_LEN]) {
  return decode_eight(p, n, data);
}

enum derp_decode_status derp_decode_pong(const uint8_t *p, size_t n, uint8_t data[DERP_PING_LEN]) {
  return decode_eight(p, n, data);
}

enum derp_decode_status derp_decode_restarting(const uint8_t *p, size_t n,
                                               struct derp_restarting *out) {
  struct byte_reader r = byte_reader_init(p, n);
  ENSURE(byte_reader_u32be(&r, &out->reconnect_in_ms), DERP_DECODE_SHORT);
  ENSURE(byte_reader_u32be(&r, &out->try_for_ms), DERP_DECODE_SHORT);
  return DERP_DECODE_OK;
}

/* ---- NaCl box -------------------------------------------------------- */

bool derp_open_box_shared(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *sealed,
                          size_t sealed_len, const uint8_t nonce[DERP_NONCE_LEN],
                          const uint8_t shared[DERP_BOX_SHARED_KEY_LEN]) {
  GUARD(sealed != NULL && sealed_len >= DERP_BOX_OVERHEAD);
  size_t plain_len = sealed_len - DERP_BOX_OVERHEAD;
  GUARD(out != NULL || plain_len == 0);
  GUARD(plain_len <= out_cap);
  GUARD(derp_box_open(out, sealed, sealed_len, nonce, shared));
  *out_len = plain_len;
  return true;
}

bool derp_open_box(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *sealed,
                   size_t sealed_len, const uint8_t nonce[DERP_NONCE_LEN],
                   const uint8_t peer_pub[DERP_KEY_LEN], const uint8_t my_sec[DERP_KEY_LEN]) {
  uint8_t shared[DERP_BOX_SHARED_KEY_LEN];
  bool ok = derp_box_shared_key(shared, peer_pub, my_sec) &&
            derp_open_box_shared(out, out_cap, out_len, sealed, sealed_len, nonce, shared);
  sodium_memzero(shared, sizeof shared);
  return ok;
}
