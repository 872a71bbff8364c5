/* Fuzz target ws_frame: the WebSocket decoder (DERP over WebSocket, spec
 * §6.1) on hostile frame streams, from either side.
 *
 * Input layout:
 *   u8  control  bit 0: decode as the server (client frames must be masked);
 *                bits 1..3: chunk size class (1, 2, 3, 7, 64, 512, 4096, all);
 *                bits 4..5: output room per call (1, 16, 1000, 65536)
 *   ... the byte stream.
 *
 * Oracles, beyond "no crash / no leak":
 *  - chunking does not matter: the stream fed in the control's chunks with
 *    the control's output room yields the same payload bytes, the same
 *    control frames and the same final error (status and why) as the stream
 *    fed whole with ample room;
 *  - every call makes progress or reports an event; payload bytes never
 *    outnumber input bytes; a control frame is at most 125 bytes;
 *  - an error's status is one of 1002, 1003, 1009 and the decoder stays
 *    in error;
 *  - the payload re-encoded as one binary frame (masked when the decoder
 *    is the server's) decodes back to the same bytes;
 *  - the helpers, on the input's bytes: a header for any opcode, length and
 *    mask has RFC 6455's length and fields, and nothing fits one byte short;
 *    a close payload is the status then the reason cut to 123 bytes; the
 *    derp subprotocol is offered exactly when "derp" occurs (derper's rule);
 *    an accept key exists exactly for 1..256-byte keys and is 28 base64
 *    characters. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "derp/ws_frame.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WS_FUZZ_MAX_INPUT 65536u

struct run {
  uint8_t payload[WS_FUZZ_MAX_INPUT];
  size_t payload_len;
  uint8_t controls[WS_FUZZ_MAX_INPUT]; /* opcode, length, bytes, ... */
  size_t controls_len;
  uint16_t status;
  const char *why;
};

static void run_decoder(bool server, const uint8_t *in, size_t n, size_t chunk, size_t room,
                        struct run *out) {
  struct ws_decoder d;
  ws_decoder_init(&d, server, WS_FUZZ_MAX_INPUT);
  /* Only the lengths: the comparisons read payload and controls up to
   * them, and clearing 128 KiB twice per input was a quarter of the run. */
  out->payload_len = out->controls_len = 0;
  out->status = 0;
  out->why = NULL;
  size_t at = 0, end = 0;
  for (int guard = 0; at < n && guard < 4 * (int)WS_FUZZ_MAX_INPUT + 16; guard++) {
    if (end <= at) end = at + chunk < n ? at + chunk : n;
    size_t cap = WS_FUZZ_MAX_INPUT - out->payload_len;
    if (cap > room) cap = room;
    struct ws_result r = ws_decode(&d, in + at, end - at, out->payload + out->payload_len, cap);
    ORACLE_ASSERT(r.consumed <= end - at && r.out_len <= cap,
                  "overran: consumed %zu of %zu, out %zu of %zu", r.consumed, end - at, r.out_len,
                  cap);
    at += r.consumed;
    out->payload_len += r.out_len;
    if (r.event == WS_EV_ERROR) {
      ORACLE_ASSERT(r.status == WS_STATUS_PROTOCOL_ERROR ||
                        r.status == WS_STATUS_UNSUPPORTED_DATA || r.status == WS_STATUS_TOO_BIG,
                    "status %u", r.status);
      ORACLE_ASSERT(r.why != NULL && r.why[0] != '\0', "error without a why");
      struct ws_result again = ws_decode(&d, in, n, out->payload, 0);
      ORACLE_ASSERT(again.event == WS_EV_ERROR && again.status == r.status, "left the error state");
      out->status = r.status;
      out->why = r.why;
      return;
    }
    if (r.event == WS_EV_CONTROL) {
      ORACLE_ASSERT(r.control_len <= WS_MAX_CONTROL_PAYLOAD, "control of %zu bytes", r.control_len);
      if (out->controls_len + 2 + r.control_len <= sizeof out->controls) {
        out->controls[out->controls_len++] = r.opcode;
        out->controls[out->controls_len++] = (uint8_t)r.control_len;
        memcpy(out->controls + out->controls_len, r.control, r.control_len);
        out->controls_len += r.control_len;
      }
    }
    if (r.consumed == 0 && r.out_len == 0 && r.event != WS_EV_CONTROL) {
      if (end == n) break; /* everything given: the rest is an unfinished frame */
      end = end + chunk < n ? end + chunk : n; /* give more */
    }
  }
  ORACLE_ASSERT(out->payload_len <= n, "%zu payload bytes from %zu input bytes", out->payload_len,
                n);
}

FUZZ_ORACLE static void check_helpers(const uint8_t *p, size_t n) {
  uint64_t len = 0;
  for (size_t i = 0; i < 8 && i < n; i++) len = len << 8 | p[i];
  len >>= p[0] % 64; /* lengths of every size class */
  enum ws_opcode op = (enum ws_opcode)(n > 1 ? p[1] & 0x0f : WS_OP_BINARY);
  static const uint8_t mask_bytes[4] = {1, 2, 3, 4};
  const uint8_t *mask = n > 2 && (p[2] & 1) ? mask_bytes : NULL;
  size_t need = 2 + (len < 126 ? 0 : len <= 0xffff ? 2 : 8) + (mask ? 4 : 0);
  uint8_t h[WS_MAX_HEADER_LEN];
  ORACLE_ASSERT(ws_encode_header(h, sizeof h, op, len, mask) == need, "header of %zu bytes", need);
  uint64_t back = h[1] & 0x7f;
  size_t at = 2;
  if (back == 126) {
    back = (uint64_t)h[2] << 8 | h[3];
    at = 4;
  } else if (back == 127) {
    for (back = 0; at < 10; at++) back = back << 8 | h[at];
  }
  ORACLE_ASSERT(h[0] == (0x80 | op) && back == len && ((h[1] & 0x80) != 0) == (mask != NULL) &&
                    (mask == NULL || memcmp(h + at, mask, 4) == 0),
                "header fields for opcode %d, %llu bytes", (int)op, (unsigned long long)len);
  ORACLE_ASSERT(ws_encode_header(h, need - 1, op, len, mask) == 0, "a header fit one byte short");

  char text[256];
  size_t tn = n < sizeof text - 1 ? n : sizeof text - 1;
  memcpy(text, p, tn);
  text[tn] = '\0';
  uint8_t close[WS_MAX_CONTROL_PAYLOAD];
  uint16_t status = n > 1 ? (uint16_t)(p[0] << 8 | p[1]) : 1000;
  size_t reason =
      strlen(text) < WS_MAX_CONTROL_PAYLOAD - 2 ? strlen(text) : WS_MAX_CONTROL_PAYLOAD - 2;
  ORACLE_ASSERT(ws_close_payload(close, status, text) == 2 + reason &&
                    (close[0] << 8 | close[1]) == status && memcmp(close + 2, text, reason) == 0,
                "close payload for status %u", status);

  bool derp = false;
  for (size_t i = 0; i + 4 <= n && !derp; i++) derp = memcmp(p + i, "derp", 4) == 0;
  ORACLE_ASSERT(ws_offers_derp((const char *)p, n) == derp, "derp offer %d", derp);

  char accept[WS_ACCEPT_LEN + 1], again[WS_ACCEPT_LEN + 1];
  bool ok = ws_accept_key((const char *)p, n, accept);
  ORACLE_ASSERT(ok == (n > 0 && n <= 256), "accept key for %zu bytes: %d", n, ok);
  if (!ok) return;
  ORACLE_ASSERT(strlen(accept) == WS_ACCEPT_LEN && accept[WS_ACCEPT_LEN - 1] == '=',
                "accept key %s", accept);
  for (size_t i = 0; i + 1 < WS_ACCEPT_LEN; i++)
    ORACLE_ASSERT(isalnum((unsigned char)accept[i]) || accept[i] == '+' || accept[i] == '/',
                  "accept key %s is not base64", accept);
  ORACLE_ASSERT(ws_accept_key((const char *)p, n, again) && strcmp(accept, again) == 0,
                "accept key not deterministic");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > WS_FUZZ_MAX_INPUT) return -1;
  check_helpers(data, size);
  static const size_t chunks[] = {1, 2, 3, 7, 64, 512, 4096, WS_FUZZ_MAX_INPUT};
  static const size_t rooms[] = {1, 16, 1000, 65536};
  bool server = data[0] & 1;
  size_t chunk = chunks[(data[0] >> 1) & 7], room = rooms[(data[0] >> 4) & 3];
  static struct run whole, pieces;
  run_decoder(server, data + 1, size - 1, WS_FUZZ_MAX_INPUT, WS_FUZZ_MAX_INPUT, &whole);
  run_decoder(server, data + 1, size - 1, chunk, room, &pieces);
  ORACLE_ASSERT(whole.payload_len == pieces.payload_len &&
                    memcmp(whole.payload, pieces.payload, whole.payload_len) == 0,
                "payload differs by chunking: %zu vs %zu bytes", whole.payload_len,
                pieces.payload_len);
  ORACLE_ASSERT(whole.controls_len == pieces.controls_len &&
                    memcmp(whole.controls, pieces.controls, whole.controls_len) == 0,
                "control frames differ by chunking");
  ORACLE_ASSERT(whole.status == pieces.status &&
                    (whole.why == NULL ? pieces.why == NULL
                                       : pieces.why != NULL && strcmp(whole.why, pieces.why) == 0),
                "final state differs by chunking: %u vs %u", whole.status, pieces.status);
  /* round trip the payload through the encoder */
  static uint8_t frame[WS_FUZZ_MAX_INPUT + WS_MAX_HEADER_LEN];
  static const uint8_t mask[4] = {0xa5, 0x5a, 0x3c, 0xc3};
  size_t h =
      ws_encode_header(frame, sizeof frame, WS_OP_BINARY, whole.payload_len, server ? mask : NULL);
  ORACLE_ASSERT(h > 0, "no header for %zu bytes", whole.payload_len);
  memcpy(frame + h, whole.payload, whole.payload_len);
  if (server) ws_mask(frame + h, whole.payload_len, mask, 0);
  struct run back;
  run_decoder(server, frame, h + whole.payload_len, WS_FUZZ_MAX_INPUT, WS_FUZZ_MAX_INPUT, &back);
  ORACLE_ASSERT(back.status == 0 && back.payload_len == whole.payload_len &&
                    memcmp(back.payload, whole.payload, whole.payload_len) == 0,
                "re-encoded payload does not decode back");
  return 0;
}
