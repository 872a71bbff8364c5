/* ws_frame: DERP over WebSocket (RFC 6455), sans I/O.
 *
 * Browser clients and clients behind proxies that only pass WebSocket
 * speak DERP inside binary WebSocket messages (spec §6.1): the DERP byte
 * stream is cut into messages anywhere, so the decoder hands the payload
 * bytes on as a stream and never looks at DERP framing. Control frames
 * (ping, pong, close) come out whole (at most 125 bytes, never
 * fragmented). Everything a peer may send wrong is an error with the RFC's
 * close status: a client frame not masked (or a server frame masked),
 * reserved bits, an unknown opcode, a fragmented or oversized control
 * frame, a text message (DERP is binary), a length beyond the limit.
 *
 * No allocation: the decoder unmasks payload bytes into the caller's
 * buffer as they arrive, in any chunking; the encoder writes a header the
 * caller sends before the payload. The handshake helpers compute
 * Sec-WebSocket-Accept and check the client's offer. */
#ifndef DERP_WS_FRAME_H
#define DERP_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_MAX_HEADER_LEN 14
#define WS_MAX_CONTROL_PAYLOAD 125
#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 */

enum ws_opcode {
  WS_OP_CONTINUATION = 0x0,
  WS_OP_TEXT = 0x1,
  WS_OP_BINARY = 0x2,
  WS_OP_CLOSE = 0x8,
  WS_OP_PING = 0x9,
  WS_OP_PONG = 0xa,
};

enum ws_status {
  WS_STATUS_NORMAL = 1000,
  WS_STATUS_GOING_AWAY = 1001,
  WS_STATUS_PROTOCOL_ERROR = 1002,
  WS_STATUS_UNSUPPORTED_DATA = 1003,
  WS_STATUS_POLICY_VIOLATION = 1008,
  WS_STATUS_TOO_BIG = 1009,
};

enum ws_event {
  WS_EV_NEED_MORE = 0, /* all input consumed (data bytes may have been produced) */
  WS_EV_DATA,          /* out[0..*out_len) are payload bytes of a binary message */
  WS_EV_CONTROL,       /* a whole control frame: opcode, control[0..control_len) */
  WS_EV_ERROR,         /* the peer broke the protocol: close with `status` */
};

struct ws_decoder {
  bool from_client;     /* frames must be masked (server side) or must not be */
  uint64_t max_message; /* a binary message longer than this is WS_STATUS_TOO_BIG */
  /* private */
  uint8_t head[WS_MAX_HEADER_LEN];
  size_t head_len;
  bool in_payload;
  uint8_t opcode, mask[4];
  bool fin, masked, in_message;
  uint64_t left, done, message_len;
  uint8_t control_buf[WS_MAX_CONTROL_PAYLOAD];
  size_t control_len;
  uint16_t status;
  const char *why;
};

struct ws_result {
  enum ws_event event;
  size_t consumed; /* input bytes used */
  size_t out_len;  /* WS_EV_DATA: payload bytes written to out */
  uint8_t opcode;  /* WS_EV_CONTROL */
  const uint8_t *control;
  size_t control_len;
  uint16_t status; /* WS_EV_ERROR: the close status to send */
  const char *why; /* WS_EV_ERROR: what was wrong */
};

void ws_decoder_init(struct ws_decoder *d, bool from_client, uint64_t max_message);
/* Decode from in[0..n): payload bytes go to out (at most cap), unmasked.
 * Returns at the first event; call again with the rest (in + consumed).
 * After WS_EV_ERROR the decoder stays in error. */
struct ws_result ws_decode(struct ws_decoder *d, const uint8_t *in, size_t n, uint8_t *out,
                           size_t cap);

/* A frame header for `len` payload bytes: FIN set, no mask (server
 * frames) or masked with `mask` (client frames; the caller masks the
 * payload with ws_mask). Returns its length, 0 if cap is too small. */
size_t ws_encode_header(uint8_t *out, size_t cap, enum ws_opcode op, uint64_t len,
                        const uint8_t mask[4]);
/* XOR p[0..n) with the mask, starting at mask offset `offset`. */
void ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], size_t offset);
/* A close frame's payload: the status, big-endian, then the reason (cut to
 * fit 125 bytes). Returns the payload length. */
size_t ws_close_payload(uint8_t out[WS_MAX_CONTROL_PAYLOAD], uint16_t status, const char *reason);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the
 * RFC's GUID)); out gets WS_ACCEPT_LEN characters and a NUL. */
bool ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);
/* derper's rule for the subprotocol offer: the header contains "derp". */
bool ws_offers_derp(const char *protocols, size_t len);

#endif
