/* Fuzz target client_session: relay bytes into the client session.
 *
 * Set-up (deterministic: fixed keys, a counter for nonces): client A of
 * fuzz_keys.h talks to the fixed server key, through fast start or the slow
 * path (then the input's first frame must be a ServerKey; seeds carry one,
 * and a ServerInfo sealed with the fixed keys).
 *
 * Input layout:
 *   u8 control  bit 0: fast start; bit 1: send Ideal-Node (bit 5: one with a
 *               CR LF in it); bits 2-4: the node's HostName, from a table
 *               (IP literals, IPv6 with and without brackets, host:port, a
 *               zone, and two the request must refuse); bit 6: over
 *               WebSocket (the session writes no request; the target writes
 *               and checks the WebSocket one; fast start is refused)
 *   then commands until the input ends: u8 op, u16be n, then n bytes (fewer
 *   if the input ends); op & 7:
 *     0  feed the n bytes (the stream after the HTTP head)
 *     1  send a packet: 32 bytes of destination key, the rest is the packet
 *     2  send a ping with the first 8 bytes
 *     3  note preferred = byte 0 & 1
 *     4  feed a ServerInfo frame whose box, sealed here with the fixed keys,
 *        holds the n bytes as JSON (so the JSON decoder behind it is fuzzed)
 *     5-7  as 1-3
 *   Every 256 ms of fake time passes per command (the token bucket's clock).
 *
 * Oracles, beyond "no crash / no leak":
 *  - a session is refused exactly for a HostName or Ideal-Node that would
 *    change the request's meaning (a space, a URL delimiter, a CR LF), or
 *    for fast start over WebSocket; over WebSocket it queues no request, and
 *    the WebSocket request (written for the same HostName, refused alike)
 *    parses with Host, Upgrade: websocket, the key and protocol "derp";
 *    both request writers are all-or-nothing (any less room, behind a
 *    prefix: refused, length kept), refuse a missing, empty or non-ASCII
 *    value, and the upgrade request equals the one the session queues;
 *  - the queued upgrade request parses as GET /derp with Upgrade: DERP and
 *    Derp-Fast-Start: 1 exactly on fast start, Host: the HostName (an IPv6
 *    literal in brackets), Ideal-Node exactly when asked, followed (fast start only) by
 *    one ClientInfo whose box opens with the server key to the fixed JSON;
 *  - events match the stream split independently: one per frame, with the
 *    frame's type and length; packets, keys, ping bytes and health text are
 *    the frame's bytes; an event without a frame consumes all input; after
 *    an error the session stays failed, consumes nothing, reports the error;
 *  - everything the client writes after the request splits into frames of
 *    client->server types within their size limits, ClientInfo exactly once;
 *    a Pong echoes a received Ping; an accepted send queues exactly its own
 *    SendPacket frame, and oversize packets are refused; written in two
 *    goes, the output's second half stays pending, in order. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/client_session.h"
#include "derp/derp_frame.h"
#include "derp/http_head.h"
#include "frame_tap.h"
#include "fuzz_keys.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FRAMES_CLIENT_MAX_INPUT (256u * 1024u)
#define MAX_PINGS_REMEMBERED 64

static uint8_t server_sec[DERP_KEY_LEN], server_pub[DERP_KEY_LEN];
static uint8_t client_sec[DERP_KEY_LEN], client_pub[DERP_KEY_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (sodium_init() < 0) abort();
  fuzz_keypair(FUZZ_SERVER_SECRET_FILL, server_sec, server_pub);
  fuzz_keypair((uint8_t)FUZZ_CLIENT_SECRET_FILL(0), client_sec, client_pub);
  return 0;
}

/* HostNames a DERP map may carry, the Host header each must give (NULL:
 * the session must refuse it). */
static const struct {
  const char *host, *header;
} hosts[8] = {
    {FUZZ_HOST, FUZZ_HOST},
    {"derp1.example.com", "derp1.example.com"},
    {"::1", "[::1]"},
    {"[::1]", "[::1]"},
    {"10.0.0.1:8443", "10.0.0.1:8443"},
    {"fe80::1%eth0", "[fe80::1%eth0]"},
    {"bad host", NULL},
    {"evil.example/x", NULL},
};

struct run {
  struct derp_client_session *s;
  bool fast;
  int host_pick;
  bool ideal;
  uint64_t rng;
  struct frame_tap in, out;
  bool request_checked;
  bool failed_seen;
  unsigned client_infos;
  uint8_t pings[MAX_PINGS_REMEMBERED][DERP_PING_LEN];
  size_t ping_count;
};

FUZZ_ORACLE static bool counter_random(void *ctx, uint8_t *buf, size_t n) {
  struct run *r = ctx;
  for (size_t i = 0; i < n; i++) {
    r->rng = r->rng * 6364136223846793005u + 1442695040888963407u;
    buf[i] = (uint8_t)(r->rng >> 56);
  }
  return true;
}

/* The box is sealed to whatever key the session uses: only when that is the
 * fixed server key (a fuzzed ServerKey may name another) can it be opened. */
FUZZ_ORACLE static void check_client_info(const struct run *r, const struct tapped_frame *f) {
  struct derp_client_info ci;
  ORACLE_ASSERT(derp_decode_client_info(f->payload, f->len, &ci) == DERP_DECODE_OK,
                "ClientInfo does not decode");
  ORACLE_ASSERT(memcmp(ci.key, client_pub, DERP_KEY_LEN) == 0,
                "ClientInfo carries another client key");
  uint8_t used[DERP_KEY_LEN];
  ORACLE_ASSERT(derp_client_server_key(r->s, used), "ClientInfo sent without a server key");
  if (memcmp(used, server_pub, DERP_KEY_LEN) != 0) return;
  uint8_t plain[256];
  size_t n = 0;
  ORACLE_ASSERT(derp_open_box(plain, sizeof plain, &n, ci.sealed, ci.sealed_len, ci.nonce,
                              client_pub, server_sec),
                "ClientInfo box of %zu bytes does not open with the server key", ci.sealed_len);
  ORACLE_ASSERT(n == strlen(DERP_CLIENT_INFO_JSON) && memcmp(plain, DERP_CLIENT_INFO_JSON, n) == 0,
                "ClientInfo JSON is %.*s", (int)n, (const char *)plain);
}

FUZZ_ORACLE static void check_output_frame(struct run *r, const struct tapped_frame *f) {
  uint32_t min = 0, max = 0;
  switch (f->type) {
    case DERP_FRAME_CLIENT_INFO:
      min = DERP_CLIENT_INFO_MIN_LEN;
      max = DERP_CLIENT_INFO_MAX_LEN;
      break;
    case DERP_FRAME_SEND_PACKET:
      min = DERP_KEY_LEN;
      max = DERP_KEY_LEN + DERP_MAX_PACKET_SIZE;
      break;
    case DERP_FRAME_NOTE_PREFERRED: min = max = 1; break;
    case DERP_FRAME_PING: min = max = DERP_PING_LEN; break;
    case DERP_FRAME_PONG: min = max = DERP_PING_LEN; break;
    default: oracle_mismatch("the client wrote frame type 0x%02x", f->type); oracle_abort();
  }
  ORACLE_ASSERT(f->len >= min && f->len <= max, "client %s frame of %u bytes",
                derp_frame_type_name(f->type), f->len);
  if (f->type == DERP_FRAME_CLIENT_INFO) {
    ORACLE_ASSERT(++r->client_infos == 1, "a second ClientInfo");
    check_client_info(r, f);
  } else {
    ORACLE_ASSERT(r->client_infos == 1, "%s before ClientInfo", derp_frame_type_name(f->type));
  }
  if (f->type == DERP_FRAME_PONG) {
    bool echoed = false;
    for (size_t i = 0; i < r->ping_count && !echoed; i++)
      echoed = memcmp(r->pings[i], f->payload, 8) == 0;
    ORACLE_ASSERT(echoed || r->ping_count == MAX_PINGS_REMEMBERED,
                  "a Pong for a Ping never received");
  }
}

/* The last request head that passed, and its Derp-Fast-Start: nearly every
 * input queues the same head, and parsing it again was a fifth of the
 * target's time. The parser reads nothing past the head, so equal head bytes
 * give an equal verdict. */
static uint8_t passed_head[1024];
static size_t passed_head_len;
static bool passed_fast, passed_ideal;
static int passed_host_pick;

/* A request writer is all-or-nothing: with any less room than it needs
 * (behind a prefix already written) it refuses and leaves the length. */
typedef bool (*request_writer)(struct byte_writer *w, const void *ctx);

FUZZ_ORACLE static void check_cuts(request_writer write, const void *ctx, size_t need,
                                   const char *what) {
  uint8_t buf[1024];
  for (size_t room = 0; room < need && room + 3 <= sizeof buf; room++) {
    struct byte_writer w = byte_writer_init(buf, 3 + room);
    w.len = 3;
    ORACLE_ASSERT(!write(&w, ctx) && w.len == 3, "%s fit in %zu of its %zu bytes (length now %zu)",
                  what, room, need, w.len);
  }
}

struct upgrade_args {
  const char *host, *ideal;
  bool fast;
};

FUZZ_ORACLE static bool write_upgrade(struct byte_writer *w, const void *ctx) {
  const struct upgrade_args *a = ctx;
  return derp_client_write_upgrade_request(w, a->host, a->ideal, a->fast);
}

FUZZ_ORACLE static bool write_websocket(struct byte_writer *w, const void *ctx) {
  return derp_client_write_websocket_request(w, ctx, "dGhlIHNhbXBsZSBub25jZQ==");
}

/* Values no request may carry: no host, an empty one, DEL in the host, a
 * byte above ASCII in Ideal-Node, no WebSocket key. Checked once. */
FUZZ_ORACLE static void check_refused_values(void) {
  static bool done;
  if (done) return;
  done = true;
  uint8_t buf[512];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ORACLE_ASSERT(!derp_client_write_upgrade_request(&w, NULL, NULL, false) &&
                    !derp_client_write_upgrade_request(&w, "", NULL, false) &&
                    !derp_client_write_upgrade_request(&w, "derp\x7f.example", NULL, false) &&
                    !derp_client_write_upgrade_request(&w, FUZZ_HOST,
                                                       "90\x80"
                                                       "b",
                                                       true) &&
                    !derp_client_write_websocket_request(&w, FUZZ_HOST, NULL) &&
                    !derp_client_write_websocket_request(&w, "", "k") && w.len == 0,
                "a request written for a missing or unsafe value (%zu bytes)", w.len);
}

/* The session's request is what the standalone writer writes for the same
 * values (checked, with its cuts, once per combination). */
FUZZ_ORACLE static void check_request_writer(const struct run *r, const uint8_t *p, size_t n) {
  static bool done[8][2][2];
  if (done[r->host_pick][r->fast][r->ideal]) return;
  done[r->host_pick][r->fast][r->ideal] = true;
  check_refused_values();
  struct upgrade_args a = {hosts[r->host_pick].host, r->ideal ? "900b" : NULL, r->fast};
  uint8_t buf[1024];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ORACLE_ASSERT(write_upgrade(&w, &a) && w.len == n && memcmp(buf, p, n) == 0,
                "the standalone upgrade request differs from the session's (%zu and %zu bytes)",
                w.len, n);
  check_cuts(write_upgrade, &a, n, "the upgrade request");
}

FUZZ_ORACLE static void check_request(struct run *r, const uint8_t *p, size_t n, size_t *head_len) {
  if (passed_head_len > 0 && n >= passed_head_len && r->fast == passed_fast &&
      r->host_pick == passed_host_pick && r->ideal == passed_ideal &&
      memcmp(p, passed_head, passed_head_len) == 0) {
    *head_len = passed_head_len;
    check_request_writer(r, p, *head_len);
    return;
  }
  struct http_header h[16];
  struct http_request req;
  enum http_head_status st = http_parse_request(p, n, 4096, h, 16, &req);
  ORACLE_ASSERT(st == HTTP_HEAD_OK, "the queued upgrade request does not parse: %s",
                http_head_status_str(st));
  ORACLE_ASSERT(http_span_equals(req.method, "GET") && http_span_equals(req.target, "/derp") &&
                    req.version_minor == 1,
                "request line is not GET /derp HTTP/1.1");
  const struct http_header *up = http_header_find(req.headers, req.header_count, "Upgrade");
  ORACLE_ASSERT(up && http_span_equals(up->value, "DERP"), "Upgrade: DERP missing");
  const struct http_header *fs = http_header_find(req.headers, req.header_count, "Derp-Fast-Start");
  ORACLE_ASSERT(r->fast == (fs != NULL && http_span_equals(fs->value, "1")),
                "Derp-Fast-Start does not match");
  const struct http_header *host = http_header_find(req.headers, req.header_count, "Host");
  ORACLE_ASSERT(host && http_span_equals(host->value, hosts[r->host_pick].header), "Host is not %s",
                hosts[r->host_pick].header);
  const struct http_header *ideal = http_header_find(req.headers, req.header_count, "Ideal-Node");
  ORACLE_ASSERT(r->ideal == (ideal != NULL && http_span_equals(ideal->value, "900b")),
                "Ideal-Node does not match");
  *head_len = req.head_len;
  check_request_writer(r, p, *head_len);
  if (req.head_len <= sizeof passed_head) {
    memcpy(passed_head, p, req.head_len);
    passed_head_len = req.head_len;
    passed_fast = r->fast;
    passed_host_pick = r->host_pick;
    passed_ideal = r->ideal;
  }
}

/* The WebSocket upgrade the transport writes for the same HostName. */
FUZZ_ORACLE static void check_websocket_request(int host_pick) {
  static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
  uint8_t buf[1024];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = derp_client_write_websocket_request(&w, hosts[host_pick].host, key);
  ORACLE_ASSERT(ok == (hosts[host_pick].header != NULL), "WebSocket request for %s: %d",
                hosts[host_pick].host, ok);
  if (!ok) {
    ORACLE_ASSERT(w.len == 0, "a refused WebSocket request left %zu bytes", w.len);
    return;
  }
  struct http_header h[16];
  struct http_request req;
  ORACLE_ASSERT(http_parse_request(buf, w.len, sizeof buf, h, 16, &req) == HTTP_HEAD_OK &&
                    req.head_len == w.len && http_span_equals(req.target, "/derp"),
                "the WebSocket request does not parse as one GET /derp head");
  const struct http_header *host = http_header_find(req.headers, req.header_count, "Host");
  const struct http_header *up = http_header_find(req.headers, req.header_count, "Upgrade");
  const struct http_header *k =
      http_header_find(req.headers, req.header_count, "Sec-WebSocket-Key");
  const struct http_header *proto =
      http_header_find(req.headers, req.header_count, "Sec-WebSocket-Protocol");
  ORACLE_ASSERT(host && http_span_equals(host->value, hosts[host_pick].header) && up &&
                    http_span_equals(up->value, "websocket") && k &&
                    http_span_equals(k->value, key) && proto &&
                    http_span_equals(proto->value, "derp"),
                "WebSocket request headers for %s", hosts[host_pick].host);
  static bool cut[8];
  if (!cut[host_pick]) {
    cut[host_pick] = true;
    check_cuts(write_websocket, hosts[host_pick].host, w.len, "the WebSocket request");
  }
}

/* Take everything the session queued, and check it. */
FUZZ_ORACLE static void drain(struct run *r) {
  size_t n;
  const uint8_t *p = derp_client_pending(r->s, &n);
  if (n == 0) return;
  ORACLE_ASSERT(p != NULL, "pending bytes without a pointer");
  size_t skip = 0;
  if (!r->request_checked) {
    check_request(r, p, n, &skip);
    r->request_checked = true;
  }
  ORACLE_ASSERT(frame_tap_push(&r->out, p + skip, n - skip), "out of memory");
  /* Written in two goes, as a socket may take it: the rest stays, in order. */
  size_t first = skip + (n - skip) / 2;
  if (first > 0 && first < n) {
    derp_client_consume(r->s, first);
    size_t rest;
    const uint8_t *q = derp_client_pending(r->s, &rest);
    ORACLE_ASSERT(rest == n - first && memcmp(q, r->out.buf + r->out.len - rest, rest) == 0,
                  "%zu of %zu bytes consumed, then %zu pending, not the rest", first, n, rest);
    n = rest;
  }
  derp_client_consume(r->s, n);
  size_t left;
  derp_client_pending(r->s, &left);
  ORACLE_ASSERT(left == 0, "%zu bytes still pending after consuming all", left);
  struct tapped_frame f;
  while (frame_tap_next(&r->out, &f)) check_output_frame(r, &f);
}

FUZZ_ORACLE static void check_event(struct run *r, const struct derp_client_event *ev) {
  if (ev->kind == DERP_CLIENT_EV_ERROR) {
    ORACLE_ASSERT(ev->text && ev->text[0], "error event without text");
    ORACLE_ASSERT(derp_client_state(r->s) == DERP_CLIENT_FAILED,
                  "error event but the session is not failed");
    ORACLE_ASSERT(strcmp(derp_client_error(r->s), ev->text) == 0,
                  "error text differs from derp_client_error");
    r->failed_seen = true;
    return;
  }
  struct tapped_frame f;
  if (!frame_tap_next(&r->in, &f)) {
    oracle_mismatch("event %d without a complete frame in the stream", (int)ev->kind);
    oracle_view("event frame: type 0x%02x, %u bytes", ev->frame_type, ev->frame_len);
    oracle_abort();
  }
  if (ev->frame_type != f.type || ev->frame_len != f.len) {
    oracle_mismatch("event %d is about another frame", (int)ev->kind);
    oracle_view("event: type 0x%02x, %u bytes", ev->frame_type, ev->frame_len);
    oracle_view("stream: type 0x%02x, %u bytes", f.type, f.len);
    oracle_abort();
  }
  switch (ev->kind) {
    case DERP_CLIENT_EV_SERVER_KEY:
      ORACLE_ASSERT(!r->fast && f.type == DERP_FRAME_SERVER_KEY &&
                        f.len >= DERP_SERVER_KEY_MIN_LEN &&
                        memcmp(ev->key, f.payload + DERP_MAGIC_LEN, DERP_KEY_LEN) == 0,
                    "SERVER_KEY event");
      break;
    case DERP_CLIENT_EV_RECV_PACKET:
      ORACLE_ASSERT(
          f.type == DERP_FRAME_RECV_PACKET && f.len >= DERP_KEY_LEN &&
              memcmp(ev->key, f.payload, DERP_KEY_LEN) == 0 &&
              ev->data_len == f.len - DERP_KEY_LEN &&
              (ev->data_len == 0 || memcmp(ev->data, f.payload + DERP_KEY_LEN, ev->data_len) == 0),
          "RECV_PACKET event differs from its frame");
      break;
    case DERP_CLIENT_EV_PING:
      ORACLE_ASSERT(f.type == DERP_FRAME_PING && f.len >= 8 && memcmp(ev->ping, f.payload, 8) == 0,
                    "PING event");
      if (r->ping_count < MAX_PINGS_REMEMBERED) memcpy(r->pings[r->ping_count++], ev->ping, 8);
      break;
    case DERP_CLIENT_EV_PONG:
      ORACLE_ASSERT(f.type == DERP_FRAME_PONG && f.len >= 8 && memcmp(ev->ping, f.payload, 8) == 0,
                    "PONG event");
      break;
    case DERP_CLIENT_EV_HEALTH:
      ORACLE_ASSERT(f.type == DERP_FRAME_HEALTH && ev->data_len == f.len &&
                        (f.len == 0 || memcmp(ev->data, f.payload, f.len) == 0),
                    "HEALTH event");
      break;
    case DERP_CLIENT_EV_PEER_GONE:
      ORACLE_ASSERT(f.type == DERP_FRAME_PEER_GONE && f.len >= DERP_KEY_LEN &&
                        memcmp(ev->key, f.payload, DERP_KEY_LEN) == 0 &&
                        ev->reason == (f.len == DERP_KEY_LEN ? 0 : f.payload[DERP_KEY_LEN]),
                    "PEER_GONE event");
      break;
    case DERP_CLIENT_EV_PEER_PRESENT:
      ORACLE_ASSERT(f.type == DERP_FRAME_PEER_PRESENT && f.len >= DERP_KEY_LEN &&
                        memcmp(ev->key, f.payload, DERP_KEY_LEN) == 0 &&
                        ev->present.has_addr == (f.len >= 50) &&
                        ev->present.has_flags == (f.len >= 51),
                    "PEER_PRESENT event");
      break;
    case DERP_CLIENT_EV_SERVER_INFO:
      ORACLE_ASSERT(f.type == DERP_FRAME_SERVER_INFO, "SERVER_INFO event for type 0x%02x", f.type);
      break;
    case DERP_CLIENT_EV_LOG:
      ORACLE_ASSERT(ev->text && ev->text[0], "log event without text");
      break;
    case DERP_CLIENT_EV_SKIPPED:
      ORACLE_ASSERT(derp_frame_type_name(f.type) == NULL || f.type == DERP_FRAME_SERVER_KEY ||
                        f.type == DERP_FRAME_CLIENT_INFO || f.type == DERP_FRAME_SEND_PACKET ||
                        f.type == DERP_FRAME_NOTE_PREFERRED ||
                        f.type == DERP_FRAME_FORWARD_PACKET || f.type == DERP_FRAME_WATCH_CONNS ||
                        f.type == DERP_FRAME_CLOSE_PEER,
                    "a %s frame was skipped", derp_frame_type_name(f.type));
      break;
    default: break;
  }
}

static void feed(struct run *r, const uint8_t *p, size_t n) {
  if (r->failed_seen) {
    struct derp_client_event ev;
    size_t used = derp_client_feed(r->s, p, n, &ev);
    ORACLE_ASSERT(used == 0 && ev.kind == DERP_CLIENT_EV_ERROR,
                  "a failed session consumed %zu bytes", used);
    return;
  }
  ORACLE_ASSERT(frame_tap_push(&r->in, p, n), "out of memory");
  while (!r->failed_seen) {
    struct derp_client_event ev;
    size_t used = derp_client_feed(r->s, p, n, &ev);
    ORACLE_ASSERT(used <= n, "consumed %zu of %zu bytes", used, n);
    p += used;
    n -= used;
    if (ev.kind == DERP_CLIENT_EV_NONE) {
      ORACLE_ASSERT(n == 0, "no event, yet %zu bytes were left unconsumed", n);
      break;
    }
    check_event(r, &ev);
    drain(r); /* a Ping queues a Pong */
    if (n == 0) {
      /* A zero-length payload completes without further input: ask once more. */
      continue;
    }
  }
}

static void feed_sealed_server_info(struct run *r, const uint8_t *json, size_t n) {
  if (n > 4096) n = 4096;
  uint8_t frame[DERP_FRAME_HEADER_LEN + DERP_NONCE_LEN + DERP_BOX_OVERHEAD + 4096];
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, 0x77, sizeof nonce);
  struct byte_writer w = byte_writer_init(frame, sizeof frame);
  if (derp_encode_server_info_sealed(&w, server_sec, client_pub, nonce, json, n))
    feed(r, frame, w.len);
}

static void send_packet(struct run *r, const uint8_t *p, size_t n, uint64_t now_ns) {
  uint8_t dst[DERP_KEY_LEN];
  memset(dst, 0, sizeof dst);
  size_t k = n < DERP_KEY_LEN ? n : DERP_KEY_LEN;
  memcpy(dst, p, k);
  p += k;
  n -= k;
  /* Exercise the size limit without needing a 64 KiB input. */
  static const uint8_t oversize[DERP_MAX_PACKET_SIZE + 1]; /* zeros, allocated once */
  size_t claimed = n;
  const uint8_t *pkt = p;
  if (n > 0 && p[0] == 0xff) {
    claimed = sizeof oversize;
    pkt = oversize;
  }
  bool ready = derp_client_state(r->s) == DERP_CLIENT_CONNECTED;
  enum derp_client_send_status st = derp_client_send_packet(r->s, now_ns, dst, pkt, claimed);
  if (!ready)
    ORACLE_ASSERT(st == DERP_CLIENT_SEND_NOT_READY, "send before connected: %d", (int)st);
  else if (claimed > DERP_MAX_PACKET_SIZE)
    ORACLE_ASSERT(st == DERP_CLIENT_SEND_TOO_BIG, "oversize send: %d", (int)st);
  if (st != DERP_CLIENT_SEND_OK) {
    ORACLE_ASSERT(derp_client_send_error(r->s)[0] != '\0', "send failure %d without a reason",
                  (int)st);
  } else {
    size_t len;
    const uint8_t *q = derp_client_pending(r->s, &len);
    ORACLE_ASSERT(len == DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + claimed &&
                      q[0] == DERP_FRAME_SEND_PACKET && memcmp(q + 5, dst, DERP_KEY_LEN) == 0 &&
                      (claimed == 0 || memcmp(q + 5 + DERP_KEY_LEN, pkt, claimed) == 0),
                  "the queued SendPacket is not the packet sent");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > FRAMES_CLIENT_MAX_INPUT) return -1;
  struct byte_reader in = byte_reader_init(data, size);
  uint8_t control = 0;
  byte_reader_u8(&in, &control);

  struct run *r = calloc(1, sizeof *r);
  if (!r) return 0;
  r->fast = control & 1;
  r->rng = 0x2545f4914f6cdd1du;
  struct derp_client_config cfg;
  memset(&cfg, 0, sizeof cfg);
  r->host_pick = (control >> 2) & 7;
  r->ideal = (control & 2) && !(control & 0x20);
  cfg.host = hosts[r->host_pick].host;
  cfg.ideal_node = !(control & 2) ? NULL : (control & 0x20) ? "900b\r\nX-Evil: 1" : "900b";
  cfg.websocket = control & 0x40;
  bool refusable = cfg.websocket
                       ? r->fast
                       : hosts[r->host_pick].header == NULL || ((control & 2) && (control & 0x20));
  if (cfg.websocket) {
    check_websocket_request(r->host_pick);
    r->request_checked = true; /* the transport's, checked above */
  }
  memcpy(cfg.client_priv, client_sec, DERP_KEY_LEN);
  memcpy(cfg.client_pub, client_pub, DERP_KEY_LEN);
  cfg.fast_start = r->fast;
  if (r->fast) memcpy(cfg.server_pub, server_pub, DERP_KEY_LEN);
  cfg.random = counter_random;
  cfg.random_ctx = r;
  char err[DERP_CLIENT_ERR_SIZE];
  err[0] = '\0';
  r->s = derp_client_session_new(&cfg, err, sizeof err);
  if (refusable) {
    ORACLE_ASSERT(r->s == NULL && err[0] != '\0', "a session for host %s, Ideal-Node %s", cfg.host,
                  cfg.ideal_node ? cfg.ideal_node : "(none)");
    free(r);
    return 0;
  }
  ORACLE_ASSERT(r->s != NULL, "derp_client_session_new refused a valid config: %s", err);
  ORACLE_ASSERT(
      derp_client_state(r->s) == (r->fast ? DERP_CLIENT_CONNECTED : DERP_CLIENT_AWAIT_SERVER_KEY),
      "initial state %d", (int)derp_client_state(r->s));
  if (cfg.websocket) {
    size_t queued;
    derp_client_pending(r->s, &queued);
    ORACLE_ASSERT(queued == 0, "%zu bytes queued before anything arrived over WebSocket", queued);
  }
  drain(r);
  ORACLE_ASSERT(r->request_checked, "no upgrade request queued");
  ORACLE_ASSERT(r->client_infos == (r->fast ? 1u : 0u), "%u ClientInfo frames with the request",
                r->client_infos);

  uint64_t now_ns = 1000000000u;
  uint8_t op;
  while (byte_reader_u8(&in, &op)) {
    uint16_t n = 0;
    byte_reader_u16be(&in, &n);
    size_t take = n < byte_reader_remaining(&in) ? n : byte_reader_remaining(&in);
    const uint8_t *p = NULL;
    byte_reader_borrow(&in, take, &p);
    now_ns += 256000000u;
    if ((op & 7) == 4) {
      feed_sealed_server_info(r, p, take);
      drain(r);
      continue;
    }
    switch (op & 3) {
      case 0: feed(r, p, take); break;
      case 1: send_packet(r, p, take, now_ns); break;
      case 2: {
        uint8_t ping[DERP_PING_LEN] = {0};
        memcpy(ping, p, take < 8 ? take : 8);
        enum derp_client_send_status st = derp_client_send_ping(r->s, ping);
        ORACLE_ASSERT(st == DERP_CLIENT_SEND_OK || st == DERP_CLIENT_SEND_NOT_READY ||
                          st == DERP_CLIENT_SEND_QUEUE_FULL,
                      "send_ping: %d", (int)st);
        break;
      }
      default: {
        enum derp_client_send_status st = derp_client_note_preferred(r->s, take > 0 && (p[0] & 1));
        ORACLE_ASSERT(st != DERP_CLIENT_SEND_TOO_BIG && st != DERP_CLIENT_SEND_RATE_LIMITED,
                      "note_preferred: %d", (int)st);
        break;
      }
    }
    drain(r);
  }

  derp_client_session_free(r->s);
  frame_tap_free(&r->in);
  frame_tap_free(&r->out);
  free(r);
  return 0;
}
