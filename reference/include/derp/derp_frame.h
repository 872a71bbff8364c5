/* derp_frame: the DERP wire format (spec §6.2–§6.4), shared by the relay and
 * the client.
 *
 * Three layers, none of which allocates or touches I/O:
 *   - constants and the frame type/reason/flag enums, named as in §6.3/§6.4;
 *   - an incremental frame reader: feed it stream bytes in any chunking and
 *     it hands back complete frames as slices of a caller-owned buffer, with
 *     a caller-given maximum frame length (an oversize header is reported
 *     with its length, and the caller may skip that frame's payload without
 *     buffering it);
 *   - one encoder per frame type (a whole frame, header included, into a
 *     byte_writer; all-or-nothing: on failure nothing is written) and one
 *     payload decoder per frame type applying the length rules of §6.4/§6.6.
 * Sealing and opening the ClientInfo/ServerInfo NaCl boxes (§6.5) is here too
 * because both ends need exactly the same byte layout around the box. */
#ifndef DERP_DERP_FRAME_H
#define DERP_DERP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

/* §6.3 */
#define DERP_MAGIC_LEN 8
extern const uint8_t derp_magic[DERP_MAGIC_LEN]; /* "DERP🔑" */
#define DERP_KEY_LEN 32
#define DERP_NONCE_LEN 24
#define DERP_BOX_OVERHEAD 16 /* Poly1305 tag in front of the ciphertext */
#define DERP_MAX_PACKET_SIZE 65536u
#define DERP_MAX_INFO_LEN 1048576u
#define DERP_PROTOCOL_VERSION 2
#define DERP_FRAME_HEADER_LEN 5
#define DERP_KEEPALIVE_MS 60000u

/* Length rules from §6.4/§6.6. */
#define DERP_SERVER_KEY_MIN_LEN (DERP_MAGIC_LEN + DERP_KEY_LEN)  /* 40 */
#define DERP_SERVER_KEY_MAX_LEN 1024u                            /* client-side reader limit */
#define DERP_CLIENT_INFO_MIN_LEN (DERP_KEY_LEN + DERP_NONCE_LEN) /* 56 */
#define DERP_CLIENT_INFO_MAX_LEN 262144u /* server refuses more: untrusted peer */
#define DERP_SERVER_INFO_MIN_LEN DERP_NONCE_LEN
#define DERP_SERVER_INFO_MAX_LEN (DERP_NONCE_LEN + DERP_MAX_INFO_LEN)
#define DERP_PEER_GONE_LEN (DERP_KEY_LEN + 1)
#define DERP_PEER_PRESENT_LEN (DERP_KEY_LEN + 16 + 2 + 1) /* 51 */
#define DERP_PING_LEN 8
#define DERP_SERVER_MAX_PING_LEN 1000u /* server closes on a longer Ping */
#define DERP_RESTARTING_LEN 8
#define DERP_MAX_WRITE_FRAME_LEN (10u << 20) /* senders refuse larger frames */
/* Largest payload a relay must buffer after the handshake (ForwardPacket). */
#define DERP_MAX_DATA_FRAME_LEN (2 * DERP_KEY_LEN + DERP_MAX_PACKET_SIZE)

/* Disco: "TS💬" ‖ 32-byte key ‖ 24-byte nonce at least. */
#define DERP_DISCO_MAGIC_LEN 6
extern const uint8_t derp_disco_magic[DERP_DISCO_MAGIC_LEN];
#define DERP_DISCO_MIN_LEN (DERP_DISCO_MAGIC_LEN + DERP_KEY_LEN + DERP_NONCE_LEN)

enum derp_frame_type {
  DERP_FRAME_SERVER_KEY = 0x01,
  DERP_FRAME_CLIENT_INFO = 0x02,
  DERP_FRAME_SERVER_INFO = 0x03,
  DERP_FRAME_SEND_PACKET = 0x04,
  DERP_FRAME_RECV_PACKET = 0x05,
  DERP_FRAME_KEEP_ALIVE = 0x06,
  DERP_FRAME_NOTE_PREFERRED = 0x07,
  DERP_FRAME_PEER_GONE = 0x08,
  DERP_FRAME_PEER_PRESENT = 0x09,
  DERP_FRAME_FORWARD_PACKET = 0x0a,
  DERP_FRAME_WATCH_CONNS = 0x10,
  DERP_FRAME_CLOSE_PEER = 0x11,
  DERP_FRAME_PING = 0x12,
  DERP_FRAME_PONG = 0x13,
  DERP_FRAME_HEALTH = 0x14,
  DERP_FRAME_RESTARTING = 0x15,
};

enum derp_peer_gone_reason {
  DERP_PEER_GONE_DISCONNECTED = 0x00,
  DERP_PEER_GONE_NOT_HERE = 0x01,
  DERP_PEER_GONE_MESH_CONN_BROKE = 0xf0, /* client-internal, never on the wire */
};

enum derp_peer_present_flags {
  DERP_PEER_PRESENT_IS_REGULAR = 1u << 0,
  DERP_PEER_PRESENT_IS_MESH_PEER = 1u << 1,
  DERP_PEER_PRESENT_IS_PROBER = 1u << 2,
  DERP_PEER_PRESENT_NOT_IDEAL = 1u << 3,
};

/* "ServerKey", "Ping", ...; NULL for a type §6.4 does not name. */
const char *derp_frame_type_name(uint8_t type);

/* A packet "looks like disco" when it is at least DERP_DISCO_MIN_LEN bytes and
 * starts with the disco magic; the relay answers only those with PeerGone. */
bool derp_looks_like_disco(const uint8_t *pkt, size_t len);

/* ---- header ---------------------------------------------------------- */

struct derp_frame_header {
  uint8_t type;
  uint32_t len; /* payload bytes after the 5-byte header */
};

bool derp_frame_header_encode(struct byte_writer *w, uint8_t type, uint32_t len);
bool derp_frame_header_decode(struct byte_reader *r, struct derp_frame_header *out);

/* ---- incremental reader ---------------------------------------------- */

struct derp_frame {
  uint8_t type;
  uint32_t len;
  const uint8_t *payload; /* len bytes in the reader's buffer */
};

enum derp_frame_event {
  DERP_FRAME_NEED_MORE = 0, /* every byte given was consumed; no frame yet */
  DERP_FRAME_READY,         /* *out is a complete frame */
  DERP_FRAME_HEADER,        /* (announce mode) a header is complete in *out;
                               call derp_frame_reader_take or _skip */
  DERP_FRAME_TOO_LARGE,     /* header length > max; out->type/len are set. The
                               reader stays here until derp_frame_reader_skip */
};

enum derp_frame_reader_state {
  DERP_READER_HEADER = 0,
  DERP_READER_DECIDE,
  DERP_READER_PAYLOAD,
  DERP_READER_SKIP,
  DERP_READER_TOO_LARGE,
};

struct derp_frame_reader {
  uint8_t *buf;
  size_t cap;
  uint32_t max_len;
  bool announce_headers;
  uint8_t state; /* enum derp_frame_reader_state */
  uint8_t hdr[DERP_FRAME_HEADER_LEN];
  uint8_t hdr_have;
  uint8_t type;
  uint32_t len;
  uint32_t have; /* payload bytes buffered (PAYLOAD) or discarded (SKIP) */
};

/* Frames longer than max_len are TOO_LARGE; buf must hold max_len bytes
 * (false otherwise). The buffer stays the caller's. */
bool derp_frame_reader_init(struct derp_frame_reader *r, uint8_t *buf, size_t cap,
                            uint32_t max_len);

/* In announce mode every header is reported (DERP_FRAME_HEADER) before its
 * payload is read, so a caller can apply per-type length rules, size its
 * buffer, or skip, exactly when the header arrives. */
void derp_frame_reader_announce_headers(struct derp_frame_reader *r, bool on);

/* Consumes bytes until a frame or header is complete or the input runs out.
 * Returns how many bytes were consumed; the caller feeds the rest next. Feeding
 * 0 bytes is allowed (it completes an empty payload after _take). A READY
 * payload stays valid until the next call on this reader. */
size_t derp_frame_reader_feed(struct derp_frame_reader *r, const uint8_t *in, size_t n,
                              enum derp_frame_event *ev, struct derp_frame *out);

/* After DERP_FRAME_HEADER: buffer this payload. False (and no change) when
 * the length exceeds max_len or the buffer. */
bool derp_frame_reader_take(struct derp_frame_reader *r);
/* After DERP_FRAME_HEADER or DERP_FRAME_TOO_LARGE: discard the payload as it
 * streams by, without buffering it. */
void derp_frame_reader_skip(struct derp_frame_reader *r);
/* Swap in another buffer (e.g. a larger one for this frame). Only between
 * frames or while deciding on a header; false otherwise or if cap < max_len. */
bool derp_frame_reader_set_buffer(struct derp_frame_reader *r, uint8_t *buf, size_t cap,
                                  uint32_t max_len);
/* True at a frame boundary with no partial header pending. */
bool derp_frame_reader_at_boundary(const struct derp_frame_reader *r);

/* ---- encoders: whole frames, all-or-nothing --------------------------- */

bool derp_encode_server_key(struct byte_writer *w, const uint8_t server_pub[DERP_KEY_LEN]);
/* `sealed` is the crypto_box output (tag ‖ ciphertext). */
bool derp_encode_client_info(struct byte_writer *w, const uint8_t client_pub[DERP_KEY_LEN],
                             const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *sealed,
                             size_t sealed_len);
bool derp_encode_server_info(struct byte_writer *w, const uint8_t nonce[DERP_NONCE_LEN],
                             const uint8_t *sealed, size_t sealed_len);
/* Seal `json` (client secret → server public) and write the ClientInfo frame. */
bool derp_encode_client_info_sealed(struct byte_writer *w, const uint8_t client_pub[DERP_KEY_LEN],
                                    const uint8_t client_sec[DERP_KEY_LEN],
                                    const uint8_t server_pub[DERP_KEY_LEN],
                                    const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                    size_t json_len);
/* Seal `json` (server secret → client public) and write the ServerInfo frame. */
bool derp_encode_server_info_sealed(struct byte_writer *w, const uint8_t server_sec[DERP_KEY_LEN],
                                    const uint8_t client_pub[DERP_KEY_LEN],
                                    const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                    size_t json_len);
/* Packets longer than DERP_MAX_PACKET_SIZE are refused (a test that needs an
 * oversize frame writes the header itself). */
bool derp_encode_send_packet(struct byte_writer *w, const uint8_t dst[DERP_KEY_LEN],
                             const uint8_t *pkt, size_t pkt_len);
bool derp_encode_recv_packet(struct byte_writer *w, const uint8_t src[DERP_KEY_LEN],
                             const uint8_t *pkt, size_t pkt_len);
bool derp_encode_forward_packet(struct byte_writer *w, const uint8_t src[DERP_KEY_LEN],
                                const uint8_t dst[DERP_KEY_LEN], const uint8_t *pkt,
                                size_t pkt_len);
bool derp_encode_keep_alive(struct byte_writer *w);
bool derp_encode_note_preferred(struct byte_writer *w, bool preferred);
/* 33-byte form with a reason (what servers send). */
bool derp_encode_peer_gone(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN], uint8_t reason);
/* 32-byte legacy form (reason implied: disconnected). */
bool derp_encode_peer_gone_legacy(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN]);
/* 51 bytes: key ‖ IPv6 or IPv4-mapped address ‖ port (BE) ‖ flags. */
bool derp_encode_peer_present(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN],
                              const uint8_t ip16[16], uint16_t port, uint8_t flags);
bool derp_encode_watch_conns(struct byte_writer *w);
bool derp_encode_close_peer(struct byte_writer *w, const uint8_t key[DERP_KEY_LEN]);
bool derp_encode_ping(struct byte_writer *w, const uint8_t data[DERP_PING_LEN]);
bool derp_encode_pong(struct byte_writer *w, const uint8_t data[DERP_PING_LEN]);
bool derp_encode_health(struct byte_writer *w, const char *text, size_t text_len);
bool derp_encode_restarting(struct byte_writer *w, uint32_t reconnect_in_ms, uint32_t try_for_ms);

/* ---- payload decoders ------------------------------------------------ */

enum derp_decode_status {
  DERP_DECODE_OK = 0,
  DERP_DECODE_SHORT,      /* below the minimum length */
  DERP_DECODE_LONG,       /* above the maximum length */
  DERP_DECODE_WRONG_SIZE, /* fixed-size frame of another size */
  DERP_DECODE_BAD_MAGIC,  /* ServerKey without the DERP magic */
};

struct derp_client_info {
  uint8_t key[DERP_KEY_LEN];
  uint8_t nonce[DERP_NONCE_LEN];
  const uint8_t *sealed; /* borrowed from the payload */
  size_t sealed_len;
};

struct derp_server_info {
  uint8_t nonce[DERP_NONCE_LEN];
  const uint8_t *sealed;
  size_t sealed_len;
};

struct derp_packet {
  uint8_t src[DERP_KEY_LEN]; /* RecvPacket, ForwardPacket */
  uint8_t dst[DERP_KEY_LEN]; /* SendPacket, ForwardPacket */
  const uint8_t *data;       /* borrowed from the payload */
  size_t len;
};

struct derp_peer_gone {
  uint8_t key[DERP_KEY_LEN];
  uint8_t reason;
};

struct derp_peer_present {
  uint8_t key[DERP_KEY_LEN];
  bool has_addr; /* payload >= 50 bytes */
  uint8_t ip16[16];
  uint16_t port;
  bool has_flags; /* payload >= 51 bytes */
  uint8_t flags;
};

struct derp_restarting {
  uint32_t reconnect_in_ms;
  uint32_t try_for_ms;
};

/* 40..1024 bytes, magic first; later bytes are reserved and ignored. */
enum derp_decode_status derp_decode_server_key(const uint8_t *p, size_t n,
                                               uint8_t server_pub[DERP_KEY_LEN]);
/* 56..262144 bytes (a sealed part shorter than the tag is left to the box). */
enum derp_decode_status derp_decode_client_info(const uint8_t *p, size_t n,
                                                struct derp_client_info *out);
/* 24..24+1 MiB bytes. */
enum derp_decode_status derp_decode_server_info(const uint8_t *p, size_t n,
                                                struct derp_server_info *out);
/* >= 32 bytes, packet <= 65536. */
enum derp_decode_status derp_decode_send_packet(const uint8_t *p, size_t n,
                                                struct derp_packet *out);
/* >= 32 bytes (the client applies only the frame-size limit). */
enum derp_decode_status derp_decode_recv_packet(const uint8_t *p, size_t n,
                                                struct derp_packet *out);
/* >= 64 bytes, packet <= 65536. */
enum derp_decode_status derp_decode_forward_packet(const uint8_t *p, size_t n,
                                                   struct derp_packet *out);
/* Exactly 1 byte; any non-zero value means preferred. */
enum derp_decode_status derp_decode_note_preferred(const uint8_t *p, size_t n, bool *preferred);
/* >= 32 bytes; exactly 32 means disconnected, else byte 32 is the reason. */
enum derp_decode_status derp_decode_peer_gone(const uint8_t *p, size_t n,
                                              struct derp_peer_gone *out);
/* >= 32 bytes; address and port from 50, flags from 51. */
enum derp_decode_status derp_decode_peer_present(const uint8_t *p, size_t n,
                                                 struct derp_peer_present *out);
/* Exactly 0 bytes. */
enum derp_decode_status derp_decode_watch_conns(const uint8_t *p, size_t n);
/* Exactly 32 bytes. */
enum derp_decode_status derp_decode_close_peer(const uint8_t *p, size_t n,
                                               uint8_t key[DERP_KEY_LEN]);
/* >= 8 bytes; the first 8 count, the rest is discarded. (The server's
 * 1000-byte ceiling is DERP_SERVER_MAX_PING_LEN, applied by the relay.) */
enum derp_decode_status derp_decode_ping(const uint8_t *p, size_t n, uint8_t data[DERP_PING_LEN]);
enum derp_decode_status derp_decode_pong(const uint8_t *p, size_t n, uint8_t data[DERP_PING_LEN]);
/* >= 8 bytes. */
enum derp_decode_status derp_decode_restarting(const uint8_t *p, size_t n,
                                               struct derp_restarting *out);
/* KeepAlive and Health take any length: a KeepAlive payload is ignored, a
 * Health payload is the problem text (empty = healthy). */

/* ---- NaCl box (§6.5) ------------------------------------------------- */

/* The box key of a key pair (crypto_box_beforenm: one X25519). A relay that
 * opens ClientInfo and seals ServerInfo for the same client computes it once
 * and uses the _shared variants: one scalar multiplication per handshake
 * instead of two. */
#define DERP_BOX_SHARED_KEY_LEN 32
bool derp_box_shared_key(uint8_t shared[DERP_BOX_SHARED_KEY_LEN],
                         const uint8_t peer_pub[DERP_KEY_LEN], const uint8_t my_sec[DERP_KEY_LEN]);
bool derp_open_box_shared(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *sealed,
                          size_t sealed_len, const uint8_t nonce[DERP_NONCE_LEN],
                          const uint8_t shared[DERP_BOX_SHARED_KEY_LEN]);
bool derp_encode_server_info_sealed_shared(struct byte_writer *w,
                                           const uint8_t shared[DERP_BOX_SHARED_KEY_LEN],
                                           const uint8_t nonce[DERP_NONCE_LEN], const uint8_t *json,
                                           size_t json_len);

/* Open a box sealed by `peer_pub` to `my_sec`. `out` receives
 * sealed_len - 16 bytes; false when the box is shorter than its tag, does not
 * authenticate, or out_cap is too small. */
bool derp_open_box(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *sealed,
                   size_t sealed_len, const uint8_t nonce[DERP_NONCE_LEN],
                   const uint8_t peer_pub[DERP_KEY_LEN], const uint8_t my_sec[DERP_KEY_LEN]);

#endif
