/* Seeds for the DERP frame targets (relay_core, client_session):
 * command scripts in the targets' input layout, carrying frames built with
 * the derp_frame encoders and boxes sealed with the fixed keys of
 * fuzz_keys.h, so handshakes in the seeds really succeed; and for
 * derp_frame_codec, streams of every frame type behind a control byte. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "derp/derp_frame.h"
#include "fuzz_keys.h"
#include "gen_corpus.h"

struct keys {
  uint8_t server_sec[32], server_pub[32];
  uint8_t client_sec[4][32], client_pub[4][32]; /* A, B, C, and D (unknown to presets) */
  uint8_t extra_sec[2][32], extra_pub[2][32];   /* E and F, who take slot 3 after D */
};

static void load_keys(struct keys *k) {
  fuzz_keypair(FUZZ_SERVER_SECRET_FILL, k->server_sec, k->server_pub);
  for (int i = 0; i < 4; i++)
    fuzz_keypair((uint8_t)FUZZ_CLIENT_SECRET_FILL(i), k->client_sec[i], k->client_pub[i]);
  for (int i = 0; i < 2; i++)
    fuzz_keypair((uint8_t)FUZZ_CLIENT_SECRET_FILL(4 + i), k->extra_sec[i], k->extra_pub[i]);
}

/* A script: the control byte, then (op, u16be length, bytes) commands. */
struct script {
  uint8_t buf[64 * 1024];
  struct byte_writer w;
  bool ok;
};

static void script_start(struct script *sc, uint8_t control) {
  sc->w = byte_writer_init(sc->buf, sizeof sc->buf);
  sc->ok = byte_writer_u8(&sc->w, control);
}

static void script_op(struct script *sc, uint8_t op, const uint8_t *p, size_t n) {
  sc->ok = sc->ok && n <= 0xffff && byte_writer_u8(&sc->w, op) &&
           byte_writer_u16be(&sc->w, (uint16_t)n) && byte_writer_bytes(&sc->w, p, n);
}

/* An op without bytes whose length field is a number (ticks). */
static void script_op_value(struct script *sc, uint8_t op, uint16_t value) {
  sc->ok = sc->ok && byte_writer_u8(&sc->w, op) && byte_writer_u16be(&sc->w, value);
}

/* Frames are staged in a second writer, then fed as one op. */
struct frames {
  uint8_t buf[16 * 1024];
  struct byte_writer w;
  bool ok;
};

static void frames_start(struct frames *f) {
  f->w = byte_writer_init(f->buf, sizeof f->buf);
  f->ok = true;
}

static void put_client_info(struct frames *f, const struct keys *k, int client, uint8_t nonce_fill,
                            const char *json) {
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, nonce_fill, sizeof nonce);
  f->ok = f->ok &&
          derp_encode_client_info_sealed(&f->w, k->client_pub[client], k->client_sec[client],
                                         k->server_pub, nonce, (const uint8_t *)json, strlen(json));
}

/* A ClientInfo from any key pair (E, F, or the relay's own). */
static void put_client_info_as(struct frames *f, const struct keys *k, const uint8_t *pub,
                               const uint8_t *sec, uint8_t nonce_fill, const char *json) {
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, nonce_fill, sizeof nonce);
  f->ok = f->ok && derp_encode_client_info_sealed(&f->w, pub, sec, k->server_pub, nonce,
                                                  (const uint8_t *)json, strlen(json));
}

static void put_server_info(struct frames *f, const struct keys *k, const char *json) {
  uint8_t nonce[DERP_NONCE_LEN];
  memset(nonce, 0x77, sizeof nonce);
  f->ok = f->ok && derp_encode_server_info_sealed(&f->w, k->server_sec, k->client_pub[0], nonce,
                                                  (const uint8_t *)json, strlen(json));
}

static void put_raw_header(struct frames *f, uint8_t type, uint32_t len) {
  f->ok = f->ok && derp_frame_header_encode(&f->w, type, len);
}

static void put_bytes(struct frames *f, const void *p, size_t n) {
  f->ok = f->ok && byte_writer_bytes(&f->w, p, n);
}

static const uint8_t ping8[8] = {1, 2, 3, 4, 5, 6, 7, 0x2a};
static const char hello[] = "hello, relay";

/* A disco-looking packet: magic, a 32-byte key, a 24-byte nonce, a body. */
static size_t disco_packet(uint8_t *out) {
  memcpy(out, derp_disco_magic, DERP_DISCO_MAGIC_LEN);
  memset(out + DERP_DISCO_MAGIC_LEN, 0xd1, DERP_KEY_LEN + DERP_NONCE_LEN + 8);
  return DERP_DISCO_MIN_LEN + 8;
}

static void emit(struct corpus_sink *s, const char *target, const char *name, struct script *sc) {
  corpus_put_writer(s, target, name, &sc->w, sc->ok);
}

/* ---- relay_core ---- */

#define FEED(slot) ((uint8_t)(slot))
#define JSON_HANDSHAKE(slot) ((uint8_t)(0x60 | (slot)))
#define TICK 0x80
#define DRAIN(slot) ((uint8_t)(0xa0 | (slot)))
#define CLOSE(slot) ((uint8_t)(0xc0 | (slot)))
#define SEND(slot) ((uint8_t)(0xe0 | (slot)))
#define MESH_CHANGE(how) ((uint8_t)(0xa4 | (how)))
#define MESH_MORE_PEERS 0xac
#define SHORT_WRITE(slot) ((uint8_t)(0xa8 | (slot)))
#define RATE_RELOAD 0x84

static void feed_frames(struct script *sc, uint8_t op, struct frames *f) {
  sc->ok = sc->ok && f->ok;
  script_op(sc, op, f->buf, f->w.len);
}

static void gen_server(struct corpus_sink *s, const struct keys *k) {
  const char *t = "relay_core";
  struct script sc;
  struct frames f;
  uint8_t pkt[256];

  script_start(&sc, 0);
  frames_start(&f);
  f.ok = f.ok &&
         derp_encode_send_packet(&f.w, k->client_pub[1], (const uint8_t *)hello, sizeof hello - 1);
  f.ok = f.ok && derp_encode_note_preferred(&f.w, true);
  feed_frames(&sc, FEED(0), &f);
  frames_start(&f);
  f.ok = f.ok && derp_encode_ping(&f.w, ping8);
  f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[0], (const uint8_t *)"back", 4);
  feed_frames(&sc, FEED(1), &f);
  emit(s, t, "a-sends-b-b-pings-and-answers", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  size_t dn = disco_packet(pkt);
  for (int i = 0; i < 5; i++)
    f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[3], pkt, dn);
  f.ok = f.ok &&
         derp_encode_send_packet(&f.w, k->client_pub[3], (const uint8_t *)hello, sizeof hello - 1);
  feed_frames(&sc, FEED(2), &f);
  emit(s, t, "disco-to-unknown-peer-gone-rate-limit", &sc);

  script_start(&sc, 1); /* mesh: A presents the mesh key */
  frames_start(&f);
  f.ok = f.ok && derp_encode_watch_conns(&f.w);
  f.ok = f.ok && derp_encode_forward_packet(&f.w, k->client_pub[3], k->client_pub[1],
                                            (const uint8_t *)hello, sizeof hello - 1);
  f.ok = f.ok && derp_encode_close_peer(&f.w, k->client_pub[2]);
  feed_frames(&sc, FEED(0), &f);
  frames_start(&f);
  f.ok = f.ok && derp_encode_watch_conns(&f.w); /* not a mesh peer: closed */
  feed_frames(&sc, FEED(1), &f);
  emit(s, t, "mesh-watch-forward-close-peer", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_client_info(&f, k, 3, 0x44, "{\"version\":2,\"CanAckPings\":true}");
  f.ok = f.ok &&
         derp_encode_send_packet(&f.w, k->client_pub[0], (const uint8_t *)hello, sizeof hello - 1);
  feed_frames(&sc, FEED(3), &f);
  frames_start(&f);
  f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[3], (const uint8_t *)"reply", 5);
  feed_frames(&sc, FEED(0), &f);
  script_op(&sc, CLOSE(3), NULL, 0);
  emit(s, t, "fourth-client-handshake-send-close", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_client_info(&f, k, 2, 0x45, "{\"Version\":2,\"isProber\":true}");
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "duplicate-key-replaces", &sc);

  script_start(&sc, 2); /* --verify-clients: only A and B */
  frames_start(&f);
  put_client_info(&f, k, 3, 0x46, "{\"version\":2}");
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "verify-clients-rejects", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_client_info(&f, k, 3, 0x47, "{\"version\":2,\"meshKey\":\"badf00d\"}");
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "client-info-bad-mesh-key", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  f.ok = f.ok &&
         derp_encode_send_packet(&f.w, k->client_pub[0], (const uint8_t *)hello, sizeof hello - 1);
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "first-frame-not-client-info", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_CLIENT_INFO, DERP_CLIENT_INFO_MIN_LEN - 1);
  memset(pkt, 0, sizeof pkt);
  put_bytes(&f, pkt, DERP_CLIENT_INFO_MIN_LEN - 1);
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "client-info-55-bytes", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_CLIENT_INFO, DERP_CLIENT_INFO_MAX_LEN + 1);
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "client-info-262145-bytes", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_SEND_PACKET, DERP_KEY_LEN + DERP_MAX_PACKET_SIZE + 1);
  feed_frames(&sc, FEED(0), &f);
  emit(s, t, "send-packet-too-long", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_SEND_PACKET, 31);
  put_bytes(&f, pkt, 31);
  feed_frames(&sc, FEED(0), &f);
  emit(s, t, "send-packet-short", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, 0x20, 3);
  put_bytes(&f, "???", 3);
  put_raw_header(&f, DERP_FRAME_SERVER_KEY, 0);
  put_raw_header(&f, DERP_FRAME_NOTE_PREFERRED, 2);
  put_bytes(&f, "\x01\x01", 2);
  feed_frames(&sc, FEED(1), &f);
  emit(s, t, "unknown-type-then-bad-note-preferred", &sc);

  /* An unknown frame read past while its payload is still arriving. */
  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, 0x7f, 6);
  put_bytes(&f, "future", 6);
  f.ok = f.ok && derp_encode_ping(&f.w, ping8);
  script_op(&sc, FEED(1), f.buf, DERP_FRAME_HEADER_LEN + 2);
  script_op(&sc, FEED(1), f.buf + DERP_FRAME_HEADER_LEN + 2, f.w.len - DERP_FRAME_HEADER_LEN - 2);
  emit(s, t, "unknown-type-split-then-ping", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_PING, 7);
  put_bytes(&f, ping8, 7);
  feed_frames(&sc, FEED(0), &f);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_PING, 1001);
  feed_frames(&sc, FEED(1), &f);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_PING, 12);
  put_bytes(&f, "0123456789ab", 12);
  feed_frames(&sc, FEED(2), &f);
  emit(s, t, "ping-short-long-and-extra", &sc);

  script_start(&sc, 0x08); /* slot 1 (B) is a slow reader */
  frames_start(&f);
  static uint8_t big[4000];
  memset(big, 0xbb, sizeof big);
  for (int i = 0; i < 3; i++)
    f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[1], big, sizeof big);
  feed_frames(&sc, FEED(0), &f);
  script_op_value(&sc, TICK, 1000); /* 64 s: keepalives */
  script_op(&sc, DRAIN(1), NULL, 0);
  script_op_value(&sc, TICK, 200);
  emit(s, t, "slow-reader-and-keepalive", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  f.ok = f.ok &&
         derp_encode_send_packet(&f.w, k->client_pub[1], (const uint8_t *)hello, sizeof hello - 1);
  size_t half = f.w.len / 2;
  script_op(&sc, FEED(0), f.buf, half);
  script_op(&sc, FEED(0), f.buf + half, f.w.len - half);
  script_op(&sc, CLOSE(0), NULL, 0);
  emit(s, t, "split-frame-then-peer-gone-on-close", &sc);

  script_start(&sc, 0);
  uint8_t cmd[64];
  cmd[0] = 1; /* to B */
  memcpy(cmd + 1, "via send op", 11);
  script_op(&sc, SEND(0), cmd, 12);
  cmd[0] = 4; /* to the key that follows */
  memset(cmd + 1, 0xee, 32);
  memcpy(cmd + 33, "nobody", 6);
  script_op(&sc, SEND(2), cmd, 39);
  script_op_value(&sc, TICK, 300);
  emit(s, t, "send-op-known-and-unknown", &sc);

  /* B reads slowly: 128 KB of data packets overflow its 16 KiB stage into
   * the data ring and push the ring's oldest out, disco gets its own ring;
   * then B drains and the rings pump. */
  script_start(&sc, 0x08);
  static uint8_t many[1 + 1000];
  memset(many, 0xab, sizeof many);
  many[0] = 1 | (7 << 3); /* to B, 128 copies */
  script_op(&sc, SEND(0), many, sizeof many);
  many[0] = 1 | (6 << 3); /* to B, 16 copies */
  script_op(&sc, SEND(2), many, 21);
  pkt[0] = 1 | (6 << 3); /* to B, 16 copies */
  size_t disco_cmd_len = 1 + disco_packet(pkt + 1);
  script_op(&sc, SEND(0), pkt, disco_cmd_len);
  script_op(&sc, DRAIN(1), NULL, 0);
  script_op_value(&sc, TICK, 10);
  script_op(&sc, DRAIN(1), NULL, 0);
  emit(s, t, "slow-reader-rings-overflow-and-pump", &sc);

  /* Mesh forwarders for a remote key R and for C (control bit 5): a packet
   * for R leaves through R's forwarder, one for C stays local while C is
   * here and is forwarded once C has gone. */
  script_start(&sc, 0x21);
  cmd[0] = 4;
  memset(cmd + 1, 0x52, 32); /* the target's remote key R */
  memcpy(cmd + 33, "to R", 4);
  script_op(&sc, SEND(0), cmd, 37);
  cmd[0] = 2; /* to C */
  memcpy(cmd + 1, "to C here", 9);
  script_op(&sc, SEND(1), cmd, 10);
  script_op(&sc, CLOSE(2), NULL, 0);
  memcpy(cmd + 1, "to C gone", 9);
  script_op(&sc, SEND(1), cmd, 10);
  frames_start(&f);
  f.ok = f.ok && derp_encode_watch_conns(&f.w);
  f.ok = f.ok && derp_encode_forward_packet(&f.w, k->client_pub[1], k->client_pub[2],
                                            (const uint8_t *)hello, sizeof hello - 1);
  feed_frames(&sc, FEED(0), &f);
  emit(s, t, "mesh-forwarders-remote-local-and-gone", &sc);

  /* Mesh links break and come back: R falls back to its second forwarder,
   * then leaves the region (B, who heard from R, gets PeerGone), then is
   * reachable again. */
  script_start(&sc, 0x21);
  cmd[0] = 4;
  memset(cmd + 1, 0x52, 32); /* R */
  memcpy(cmd + 33, "to R", 4);
  frames_start(&f);
  f.ok = f.ok &&
         derp_encode_forward_packet(&f.w, cmd + 1, k->client_pub[1], (const uint8_t *)"from R", 6);
  feed_frames(&sc, FEED(0), &f);
  script_op(&sc, SEND(0), cmd, 37);
  script_op(&sc, MESH_CHANGE(0), NULL, 0); /* link r down */
  script_op(&sc, SEND(0), cmd, 37);
  script_op(&sc, MESH_CHANGE(1), NULL, 0); /* link c down: R and C leave */
  script_op(&sc, SEND(0), cmd, 37);
  script_op(&sc, MESH_CHANGE(2), NULL, 0);
  script_op(&sc, MESH_CHANGE(3), NULL, 0); /* both back */
  script_op(&sc, MESH_CHANGE(2), NULL, 0); /* r stops carrying R */
  script_op(&sc, SEND(0), cmd, 37);
  emit(s, t, "mesh-links-down-and-back", &sc);

  /* A 4 KB/s receive rate limit (control bit 6): 128 KB from B runs its
   * bucket dry and pauses B's reads; the next write to B waits. Then the
   * limit is reloaded (1 KB/s), and switched off. A is the mesh peer here,
   * which no limit pauses. */
  script_start(&sc, 0x41);
  many[0] = 0 | (7 << 3); /* to A, 128 copies */
  script_op(&sc, SEND(1), many, sizeof many);
  script_op(&sc, SEND(1), many, 21);
  script_op(&sc, SEND(0), many, 21);
  script_op_value(&sc, RATE_RELOAD, 16);
  script_op(&sc, SEND(1), many, sizeof many);
  script_op_value(&sc, RATE_RELOAD, 0);
  script_op(&sc, SEND(1), many, 21);
  emit(s, t, "rate-limit-pauses-reads-then-reload", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_CLIENT_INFO, 100);
  feed_frames(&sc, FEED(3), &f);
  script_op_value(&sc, TICK, 200); /* 12.8 s: the handshake deadline passes */
  emit(s, t, "handshake-timeout", &sc);

  /* B reads slowly and its socket takes a little at a time: what is left
   * moves to the front of the queue when the next frame needs the room,
   * the queue doubles when it does not; a fresh B's ServerKey half written,
   * and a write of nothing. */
  script_start(&sc, 0x08);
  script_op(&sc, DRAIN(1), NULL, 0);
  memset(big, 0xbc, 301);
  big[0] = 1; /* to B */
  script_op(&sc, SEND(0), big, 301);
  script_op_value(&sc, SHORT_WRITE(1), 250);
  script_op(&sc, SEND(0), big, 201);
  script_op_value(&sc, SHORT_WRITE(1), 10);
  script_op(&sc, SEND(0), big, 157);
  script_op(&sc, DRAIN(1), NULL, 0);
  script_op(&sc, CLOSE(1), NULL, 0);
  script_op_value(&sc, SHORT_WRITE(1), 0);
  script_op_value(&sc, SHORT_WRITE(1), 20);
  script_op(&sc, DRAIN(1), NULL, 0);
  emit(s, t, "short-writes-compact-and-grow-queue", &sc);

  /* A, a mesh peer that reads slowly (control bits 0, 2), asks for the
   * client list over and over: its queue of PeerPresent frames overflows
   * the cap and the relay cuts it off (after a packet to B, so A is not
   * first in line for output). */
  script_start(&sc, 0x05);
  frames_start(&f);
  put_client_info(&f, k, 3, 0x48, "{\"version\":2}");
  feed_frames(&sc, FEED(3), &f);
  frames_start(&f);
  f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[1], (const uint8_t *)"first", 5);
  for (int i = 0; i < 1200; i++) f.ok = f.ok && derp_encode_watch_conns(&f.w);
  feed_frames(&sc, FEED(0), &f);
  emit(s, t, "slow-mesh-watcher-queue-full", &sc);

  /* Three mesh watchers (A; B and D with the mesh key in their JSON, D a
   * prober that joins while two watch); the middle one leaves, then the
   * newest. */
  static const char mesh_json[] =
      "{\"meshKey\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\"}";
  static const char mesh_prober_json[] =
      "{\"meshKey\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\","
      "\"isProber\":true}";
  script_start(&sc, 0x01);
  frames_start(&f);
  f.ok = f.ok && derp_encode_watch_conns(&f.w);
  feed_frames(&sc, FEED(0), &f);
  script_op(&sc, JSON_HANDSHAKE(1), (const uint8_t *)mesh_json, strlen(mesh_json));
  feed_frames(&sc, FEED(1), &f);
  script_op(&sc, JSON_HANDSHAKE(3), (const uint8_t *)mesh_prober_json, strlen(mesh_prober_json));
  feed_frames(&sc, FEED(3), &f);
  script_op(&sc, CLOSE(1), NULL, 0);
  script_op(&sc, CLOSE(3), NULL, 0);
  emit(s, t, "three-mesh-watchers-leave", &sc);

  /* A client with the relay's own key and the mesh key (a relay meshing
   * with itself): its WatchConns is ignored. */
  script_start(&sc, 0x01);
  frames_start(&f);
  put_client_info_as(&f, k, k->server_pub, k->server_sec, 0x49, mesh_json);
  f.ok = f.ok && derp_encode_watch_conns(&f.w);
  f.ok = f.ok && derp_encode_ping(&f.w, ping8);
  feed_frames(&sc, FEED(3), &f);
  emit(s, t, "mesh-peer-with-relay-key-watches", &sc);

  /* B hears from six keys: R through the mesh (A forwards for it), A, C,
   * and D, E, F one after another on slot 3; then B leaves. */
  script_start(&sc, 0x21);
  frames_start(&f);
  memset(cmd + 1, 0x52, 32); /* R */
  f.ok = f.ok &&
         derp_encode_forward_packet(&f.w, cmd + 1, k->client_pub[1], (const uint8_t *)"from R", 6);
  feed_frames(&sc, FEED(0), &f);
  cmd[0] = 1; /* to B */
  memcpy(cmd + 1, "hi B", 4);
  script_op(&sc, SEND(0), cmd, 5);
  script_op(&sc, SEND(2), cmd, 5);
  for (int i = 0; i < 3; i++) {
    frames_start(&f);
    if (i == 0)
      put_client_info(&f, k, 3, 0x4a, "{\"version\":2}");
    else
      put_client_info_as(&f, k, k->extra_pub[i - 1], k->extra_sec[i - 1], 0x4a, "{\"version\":2}");
    f.ok = f.ok && derp_encode_send_packet(&f.w, k->client_pub[1], (const uint8_t *)"hi B", 4);
    feed_frames(&sc, FEED(3), &f);
    script_op(&sc, CLOSE(3), NULL, 0);
  }
  script_op(&sc, CLOSE(1), NULL, 0);
  emit(s, t, "b-hears-from-six-keys-then-leaves", &sc);

  /* C leaves and is reached through the mesh (forwarder c refuses a
   * 1000-byte packet); A forwards from C to B and D; C comes back and sends
   * to B; then C's link goes down: B and D stop expecting a PeerGone only
   * where C is not still here for them. */
  script_start(&sc, 0x21);
  frames_start(&f);
  put_client_info(&f, k, 3, 0x4b, "{\"version\":2}");
  feed_frames(&sc, FEED(3), &f);
  script_op(&sc, CLOSE(2), NULL, 0);
  memset(big, 0xcc, 1001);
  big[0] = 2; /* to C */
  script_op(&sc, SEND(0), big, 1001);
  script_op(&sc, SEND(0), big, 11);
  frames_start(&f);
  f.ok = f.ok && derp_encode_forward_packet(&f.w, k->client_pub[2], k->client_pub[1],
                                            (const uint8_t *)"C via mesh", 10);
  f.ok = f.ok && derp_encode_forward_packet(&f.w, k->client_pub[2], k->client_pub[3],
                                            (const uint8_t *)"C via mesh", 10);
  feed_frames(&sc, FEED(0), &f);
  script_op(&sc, JSON_HANDSHAKE(2), (const uint8_t *)"{\"version\":2}", 13);
  cmd[0] = 1; /* to B */
  memcpy(cmd + 1, "C here", 6);
  script_op(&sc, SEND(2), cmd, 7);
  script_op(&sc, MESH_CHANGE(1), NULL, 0); /* link c down */
  script_op(&sc, CLOSE(3), NULL, 0);
  emit(s, t, "mesh-key-also-local-link-down", &sc);

  /* More peer relays announce R than the relay keeps forwarders for. */
  script_start(&sc, 0x21);
  script_op(&sc, MESH_MORE_PEERS, NULL, 0);
  script_op(&sc, MESH_MORE_PEERS, NULL, 0);
  cmd[0] = 4;
  memset(cmd + 1, 0x52, 32); /* R */
  memcpy(cmd + 33, "to R", 4);
  script_op(&sc, SEND(1), cmd, 37);
  script_op(&sc, MESH_CHANGE(0), NULL, 0);
  script_op(&sc, SEND(1), cmd, 37);
  emit(s, t, "mesh-key-at-too-many-peers", &sc);

  /* ClientInfo JSON behind the box: the target seals these. */
  static const struct {
    const char *name;
    uint8_t control;
    const char *json;
  } client_jsons[] = {
      {"json-go-client", 0, "{\"version\":2,\"CanAckPings\":true}"},
      {"json-case-folding", 0,
       "{\"VERSION\":2,\"ver\u017fion\":3,\"canackpings\":false,\"Isprober\":true}"},
      {"json-mesh-key", 1,
       "{\"meshKey\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\","
       "\"version\":2}"},
      {"json-mesh-key-verify-clients", 3,
       "{\"MeshKey\":\"5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A\"}"},
      {"json-bad-mesh-key", 1, "{\"meshKey\":\"badf00d\"}"},
      {"json-wrong-types", 0, "{\"version\":\"2\",\"CanAckPings\":1}"},
      {"json-nulls-and-unknown", 0,
       "{\"version\":null,\"meshKey\":null,\"AppName\":\"tailscaled\",\"x\":[{}]}"},
      {"json-not-object", 0, "[1,2]"},
      {"json-garbage", 0, "{\"version\":2"},
  };
  for (size_t i = 0; i < sizeof client_jsons / sizeof client_jsons[0]; i++) {
    script_start(&sc, client_jsons[i].control);
    script_op(&sc, JSON_HANDSHAKE(3), (const uint8_t *)client_jsons[i].json,
              strlen(client_jsons[i].json));
    frames_start(&f);
    f.ok = f.ok && derp_encode_watch_conns(&f.w);
    feed_frames(&sc, FEED(3), &f);
    emit(s, t, client_jsons[i].name, &sc);
  }
}

/* ---- client_session ---- */

#define CFEED 0
#define CSEND 1
#define CPING 2
#define CPREF 3
#define CSERVER_INFO_JSON 4

static void server_hello(struct frames *f, const struct keys *k, const char *server_info_json) {
  f->ok = f->ok && derp_encode_server_key(&f->w, k->server_pub);
  put_server_info(f, k, server_info_json);
}

static void all_server_frames(struct frames *f, const struct keys *k) {
  static const uint8_t ip16[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  f->ok = f->ok && derp_encode_recv_packet(&f->w, k->client_pub[1], (const uint8_t *)hello,
                                           sizeof hello - 1);
  f->ok = f->ok && derp_encode_ping(&f->w, ping8);
  f->ok = f->ok && derp_encode_pong(&f->w, ping8);
  f->ok = f->ok && derp_encode_health(&f->w, "BAD", 3);
  f->ok = f->ok && derp_encode_health(&f->w, "", 0);
  f->ok = f->ok && derp_encode_restarting(&f->w, 1, 2);
  f->ok = f->ok && derp_encode_peer_gone(&f->w, k->client_pub[1], DERP_PEER_GONE_NOT_HERE);
  f->ok = f->ok && derp_encode_peer_gone_legacy(&f->w, k->client_pub[2]);
  f->ok = f->ok && derp_encode_peer_present(&f->w, k->client_pub[2], ip16, 41641,
                                            DERP_PEER_PRESENT_IS_REGULAR);
  f->ok = f->ok && derp_encode_keep_alive(&f->w);
  put_raw_header(f, 0x20, 2);
  put_bytes(f, "??", 2);
}

static void gen_client(struct corpus_sink *s, const struct keys *k) {
  const char *t = "client_session";
  struct script sc;
  struct frames f;
  uint8_t cmd[128];

  script_start(&sc, 0);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  all_server_frames(&f, k);
  feed_frames(&sc, CFEED, &f);
  memcpy(cmd, k->client_pub[1], 32);
  memcpy(cmd + 32, "pkt", 3);
  script_op(&sc, CSEND, cmd, 35);
  script_op(&sc, CPING, ping8, 8);
  script_op(&sc, CPREF, (const uint8_t *)"\x01", 1);
  emit(s, t, "slow-path-every-frame", &sc);

  /* The node's HostName (control bits 2-4) and Ideal-Node (bits 1, 5) in the
   * request, and the two of each the session must refuse. */
  static const struct {
    const char *name;
    uint8_t control;
  } requests[] = {
      {"host-dns-name", 1 << 2},
      {"host-ipv6-bracketed", 2 << 2},
      {"host-ipv6-in-brackets", 3 << 2},
      {"host-with-port-ideal-node", 4 << 2 | 2},
      {"host-ipv6-zone", 5 << 2},
      {"host-with-space-refused", 6 << 2},
      {"host-with-slash-refused", 7 << 2},
      {"ideal-node-crlf-refused", 0x22},
      {"websocket-slow-path", 0x40},
      {"websocket-fast-start-refused", 0x41},
      {"websocket-host-refused", 0x40 | 6 << 2},
  };
  for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
    script_start(&sc, requests[i].control);
    frames_start(&f);
    server_hello(&f, k, "{\"version\":2}");
    feed_frames(&sc, CFEED, &f);
    emit(s, t, requests[i].name, &sc);
  }

  script_start(&sc, 1);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  all_server_frames(&f, k);
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "fast-start-skips-server-key", &sc);

  script_start(&sc, 2);
  frames_start(&f);
  server_hello(&f, k,
               "{\"version\":2,\"TokenBucketBytesPerSecond\":100,\"TokenBucketBytesBurst\":200}");
  feed_frames(&sc, CFEED, &f);
  memcpy(cmd, k->client_pub[1], 32);
  memset(cmd + 32, 0x61, 30);
  for (int i = 0; i < 4; i++) script_op(&sc, CSEND, cmd, 62);
  emit(s, t, "token-bucket-limits-sends", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  feed_frames(&sc, CFEED, &f);
  memcpy(cmd, k->client_pub[1], 32);
  cmd[32] = 0xff; /* the target turns this into a 65537-byte packet */
  script_op(&sc, CSEND, cmd, 33);
  emit(s, t, "send-too-big", &sc);

  script_start(&sc, 0);
  script_op(&sc, CSEND, cmd, 33); /* before the server key */
  frames_start(&f);
  f.ok = f.ok &&
         derp_encode_recv_packet(&f.w, k->client_pub[1], (const uint8_t *)hello, sizeof hello - 1);
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "bad-greeting", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  put_raw_header(&f, DERP_FRAME_SERVER_KEY, DERP_SERVER_KEY_MAX_LEN + 1);
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "server-key-too-large", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  put_raw_header(&f, DERP_FRAME_RECV_PACKET, DERP_KEY_LEN - 1);
  put_bytes(&f, k->client_pub[1], DERP_KEY_LEN - 1);
  put_raw_header(&f, DERP_FRAME_PING, 7);
  put_bytes(&f, ping8, 7);
  put_raw_header(&f, DERP_FRAME_RESTARTING, 4);
  put_bytes(&f, "\0\0\0\1", 4);
  put_raw_header(&f, DERP_FRAME_PEER_PRESENT, 40);
  put_bytes(&f, k->client_pub[2], 32);
  put_bytes(&f, "\0\0\0\0\0\0\0\0", 8);
  put_raw_header(&f, DERP_FRAME_RECV_PACKET, (1u << 20) + 1);
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "short-frames-then-huge", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  f.buf[5 + 40 + 5 + 24] ^= 0x01; /* first byte of the ServerInfo box tag */
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "server-info-box-corrupt", &sc);

  script_start(&sc, 0);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2,\"TokenBucketBytesPerSecond\":\"x\"}");
  feed_frames(&sc, CFEED, &f);
  emit(s, t, "server-info-bad-json", &sc);

  script_start(&sc, 1);
  frames_start(&f);
  server_hello(&f, k, "{\"version\":2}");
  f.ok = f.ok &&
         derp_encode_recv_packet(&f.w, k->client_pub[1], (const uint8_t *)hello, sizeof hello - 1);
  for (size_t i = 0; i < f.w.len; i += 7)
    script_op(&sc, CFEED, f.buf + i, f.w.len - i < 7 ? f.w.len - i : 7);
  sc.ok = sc.ok && f.ok;
  emit(s, t, "stream-in-7-byte-chunks", &sc);

  /* ServerInfo JSON behind the box: the target seals these (fast start, so
   * no ServerKey is needed first). */
  static const struct {
    const char *name;
    const char *json;
  } server_jsons[] = {
      {"server-info-json-bucket",
       "{\"version\":2,\"TokenBucketBytesPerSecond\":1,\"TokenBucketBytesBurst\":1}"},
      {"server-info-json-case", "{\"Version\":2,\"tokenbucketbytespersecond\":-5}"},
      {"server-info-json-big-int", "{\"TokenBucketBytesPerSecond\":9223372036854775807}"},
      {"server-info-json-empty", "{}"},
      {"server-info-json-not-json", "nope"},
  };
  for (size_t i = 0; i < sizeof server_jsons / sizeof server_jsons[0]; i++) {
    script_start(&sc, 1);
    script_op(&sc, CSERVER_INFO_JSON, (const uint8_t *)server_jsons[i].json,
              strlen(server_jsons[i].json));
    memcpy(cmd, k->client_pub[1], 32);
    memcpy(cmd + 32, "after info", 10);
    script_op(&sc, CSEND, cmd, 42);
    emit(s, t, server_jsons[i].name, &sc);
  }

  /* A bucket of 100 bytes refilled at 1 byte/s: the first 97-byte frame
   * fits, the second finds the bucket nearly empty. */
  script_start(&sc, 1);
  static const char bucket_json[] =
      "{\"TokenBucketBytesPerSecond\":1,\"TokenBucketBytesBurst\":100}";
  script_op(&sc, CSERVER_INFO_JSON, (const uint8_t *)bucket_json, strlen(bucket_json));
  memcpy(cmd, k->client_pub[1], 32);
  memset(cmd + 32, 0x62, 60);
  script_op(&sc, CSEND, cmd, 92);
  script_op(&sc, CSEND, cmd, 92);
  emit(s, t, "token-bucket-runs-dry", &sc);
}

/* ---- derp_frame_codec ---- */

static void gen_codec(struct corpus_sink *s, const struct keys *k) {
  const char *t = "derp_frame_codec";
  static uint8_t buf[8192];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = byte_writer_u8(&w, 0); /* control, rewritten per seed */
  uint8_t nonce[DERP_NONCE_LEN], ip16[16], pkt[128];
  memset(nonce, 0x24, sizeof nonce);
  memset(ip16, 0, sizeof ip16);
  ip16[10] = ip16[11] = 0xff;
  ip16[12] = 192, ip16[13] = 0, ip16[14] = 2, ip16[15] = 7;
  size_t dn = disco_packet(pkt);
  ok = ok && derp_encode_server_key(&w, k->server_pub);
  ok = ok && derp_encode_client_info_sealed(&w, k->client_pub[0], k->client_sec[0], k->server_pub,
                                            nonce, (const uint8_t *)"{\"version\":2}", 13);
  ok = ok && derp_encode_server_info_sealed(&w, k->server_sec, k->client_pub[0], nonce,
                                            (const uint8_t *)"{}", 2);
  ok = ok && derp_encode_send_packet(&w, k->client_pub[1], pkt, dn);
  ok =
      ok && derp_encode_recv_packet(&w, k->client_pub[1], (const uint8_t *)hello, sizeof hello - 1);
  ok = ok && derp_encode_forward_packet(&w, k->client_pub[1], k->client_pub[2],
                                        (const uint8_t *)hello, sizeof hello - 1);
  ok = ok && derp_encode_keep_alive(&w) && derp_encode_note_preferred(&w, true);
  ok = ok && derp_encode_peer_gone(&w, k->client_pub[2], DERP_PEER_GONE_NOT_HERE);
  ok = ok && derp_encode_peer_gone_legacy(&w, k->client_pub[2]);
  ok = ok &&
       derp_encode_peer_present(&w, k->client_pub[3], ip16, 41641, DERP_PEER_PRESENT_IS_REGULAR);
  ok = ok && derp_encode_watch_conns(&w) && derp_encode_close_peer(&w, k->client_pub[3]);
  ok = ok && derp_encode_ping(&w, ping8) && derp_encode_pong(&w, ping8);
  ok = ok && derp_encode_health(&w, "no route", 8);
  ok = ok && derp_encode_restarting(&w, 1500, 30000);
  /* forms the encoders do not write: short PeerPresent, long Ping, extra
   * Restarting bytes, an unknown type */
  ok = ok && derp_frame_header_encode(&w, DERP_FRAME_PEER_PRESENT, DERP_KEY_LEN) &&
       byte_writer_bytes(&w, k->client_pub[3], DERP_KEY_LEN);
  ok = ok && derp_frame_header_encode(&w, DERP_FRAME_PING, 12) &&
       byte_writer_bytes(&w, "0123456789ab", 12);
  ok = ok && derp_frame_header_encode(&w, DERP_FRAME_RESTARTING, 9) &&
       byte_writer_bytes(&w, "\0\0\x05\xdc\0\0\x75\x30!", 9);
  ok = ok && derp_frame_header_encode(&w, 0x7f, 3) && byte_writer_bytes(&w, "new", 3);
  static const struct {
    const char *name;
    uint8_t control;
  } forms[] = {
      {"every-type-whole", 0x33},
      {"every-type-byte-by-byte", 0x30},
      {"every-type-announced-3-byte-chunks", 0x35},
      {"every-type-announced-odd-skipped", 0x3e},
      {"every-type-max-1024", 0x12},
      {"every-type-max-64-announced", 0x06},
  };
  if (!ok) {
    fprintf(stderr, "gen_corpus: %s: the frame stream did not fit\n", t);
    s->failed = true;
    return;
  }
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    buf[0] = forms[i].control;
    corpus_put(s, t, forms[i].name, buf, w.len);
  }
  /* a header longer than every max_len, and a cut frame */
  struct byte_writer v = byte_writer_init(buf, sizeof buf);
  ok = byte_writer_u8(&v, 0x03) && derp_encode_ping(&v, ping8) &&
       derp_frame_header_encode(&v, DERP_FRAME_SEND_PACKET, 0x7fffffff);
  corpus_put_writer(s, t, "too-large-after-a-ping", &v, ok);
  v = byte_writer_init(buf, sizeof buf);
  ok = byte_writer_u8(&v, 0x01) && derp_encode_close_peer(&v, k->client_pub[0]);
  v.len -= 7;
  corpus_put_writer(s, t, "cut-close-peer", &v, ok);
}

void gen_frame_seeds(struct corpus_sink *s) {
  if (sodium_init() < 0) {
    fprintf(stderr, "gen_corpus: libsodium failed to initialise\n");
    s->failed = true;
    return;
  }
  struct keys k;
  load_keys(&k);
  gen_server(s, &k);
  gen_client(s, &k);
  gen_codec(s, &k);
}
