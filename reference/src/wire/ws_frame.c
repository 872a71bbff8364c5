#include "derp/ws_frame.h"

#include <string.h>

#include <openssl/evp.h>

#include "derp/digest.h"
#include "derp/guard.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_decoder_init(struct ws_decoder *d, bool from_client, uint64_t max_message) {
  memset(d, 0, sizeof *d);
  d->from_client = from_client;
  d->max_message = max_message;
}

static struct ws_result fail(struct ws_decoder *d, struct ws_result r, uint16_t status,
                             const char *why) {
  d->status = status;
  d->why = why;
  r.event = WS_EV_ERROR;
  r.status = status;
  r.why = why;
  return r;
}

static bool is_control(uint8_t op) { return op >= 0x8; }

/* Header bytes this frame needs, from what is there so far. */
static size_t header_need(const struct ws_decoder *d) {
  if (d->head_len < 2) return 2;
  uint8_t len7 = d->head[1] & 0x7f;
  size_t n = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  return n + ((d->head[1] & 0x80) ? 4 : 0);
}

/* Validate a complete header and start its payload. */
static bool start_frame(struct ws_decoder *d, struct ws_result *r) {
  uint8_t b0 = d->head[0], b1 = d->head[1];
  d->fin = (b0 & 0x80) != 0;
  d->opcode = b0 & 0x0f;
  d->masked = (b1 & 0x80) != 0;
  uint8_t len7 = b1 & 0x7f;
  uint64_t len = len7;
  size_t at = 2;
  if (len7 == 126) {
    len = (uint64_t)d->head[2] << 8 | d->head[3];
    at = 4;
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; i++) len = len << 8 | d->head[2 + i];
    at = 10;
  }
  if (d->masked) memcpy(d->mask, d->head + at, 4);
  struct ws_result e = *r;
  if (b0 & 0x70) return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "reserved bits set"), false;
  if (d->masked != d->from_client)
    return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR,
                     d->from_client ? "frame from the client not masked"
                                    : "masked frame from the server"),
           false;
  if (len7 == 127 && (len >> 63) != 0)
    return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "length with the top bit set"), false;
  switch (d->opcode) {
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
      if (!d->fin)
        return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "fragmented control frame"), false;
      if (len > WS_MAX_CONTROL_PAYLOAD)
        return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "control frame longer than 125 bytes"),
               false;
      break;
    case WS_OP_TEXT:
      return *r = fail(d, e, WS_STATUS_UNSUPPORTED_DATA, "text message (DERP is binary)"), false;
    case WS_OP_BINARY:
      if (d->in_message)
        return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "new message before the last one ended"),
               false;
      d->message_len = 0;
      break;
    case WS_OP_CONTINUATION:
      if (!d->in_message)
        return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "continuation without a message"), false;
      break;
    default: return *r = fail(d, e, WS_STATUS_PROTOCOL_ERROR, "unknown opcode"), false;
  }
  if (!is_control(d->opcode)) {
    d->in_message = !d->fin;
    if (len > d->max_message || d->message_len + len > d->max_message)
      return *r = fail(d, e, WS_STATUS_TOO_BIG, "message too big"), false;
    d->message_len += len;
  }
  d->in_payload = true;
  d->left = len;
  d->done = 0;
  d->control_len = 0;
  return true;
}

struct ws_result ws_decode(struct ws_decoder *d, const uint8_t *in, size_t n, uint8_t *out,
                           size_t cap) {
  struct ws_result r = {0};
  if (d->status != 0) {
    r.event = WS_EV_ERROR;
    r.status = d->status;
    r.why = d->why;
    return r;
  }
  while (r.consumed < n || (d->in_payload && d->left == 0)) {
    if (!d->in_payload) {
      size_t need = header_need(d);
      while (d->head_len < need && r.consumed < n) {
        d->head[d->head_len++] = in[r.consumed++];
        need = header_need(d);
      }
      if (d->head_len < need) break;
      if (!start_frame(d, &r)) return r;
      continue;
    }
    size_t take = d->left < n - r.consumed ? (size_t)d->left : n - r.consumed;
    if (is_control(d->opcode)) {
      if (take > 0) memcpy(d->control_buf + d->control_len, in + r.consumed, take);
      if (d->masked) ws_mask(d->control_buf + d->control_len, take, d->mask, (size_t)d->done);
      d->control_len += take;
    } else {
      if (take > cap - r.out_len) take = cap - r.out_len;
      if (take == 0 && d->left > 0) break; /* out is full: come back with room */
      if (take > 0) memcpy(out + r.out_len, in + r.consumed, take);
      if (d->masked && take > 0) ws_mask(out + r.out_len, take, d->mask, (size_t)d->done);
      r.out_len += take;
    }
    r.consumed += take;
    d->left -= take;
    d->done += take;
    if (d->left > 0) continue;
    /* the frame is complete */
    d->in_payload = false;
    d->head_len = 0;
    if (is_control(d->opcode)) {
      r.event = WS_EV_CONTROL;
      r.opcode = d->opcode;
      r.control = d->control_buf;
      r.control_len = d->control_len;
      if (r.out_len > 0) {    /* never two events at once: report the data first */
        d->in_payload = true; /* re-deliver this control frame next call */
        r.event = WS_EV_DATA;
      }
      return r;
    }
    if (r.out_len > 0) break;
  }
  r.event = r.out_len > 0 ? WS_EV_DATA : WS_EV_NEED_MORE;
  return r;
}

size_t ws_encode_header(uint8_t *out, size_t cap, enum ws_opcode op, uint64_t len,
                        const uint8_t mask[4]) {
  size_t n = 2 + (len < 126 ? 0 : len <= 0xffff ? 2 : 8) + (mask != NULL ? 4 : 0);
  ENSURE(cap >= n, 0);
  out[0] = (uint8_t)(0x80 | op);
  size_t at = 2;
  if (len < 126) {
    out[1] = (uint8_t)len;
  } else if (len <= 0xffff) {
    out[1] = 126;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    at = 4;
  } else {
    out[1] = 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    at = 10;
  }
  if (mask != NULL) {
    out[1] |= 0x80;
    memcpy(out + at, mask, 4);
  }
  return n;
}

void ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], size_t offset) {
  for (size_t i = 0; i < n; i++) p[i] ^= mask[(offset + i) & 3];
}

size_t ws_close_payload(uint8_t out[WS_MAX_CONTROL_PAYLOAD], uint16_t status, const char *reason) {
  out[0] = (uint8_t)(status >> 8);
  out[1] = (uint8_t)status;
  size_t n = reason != NULL ? strlen(reason) : 0;
  if (n > WS_MAX_CONTROL_PAYLOAD - 2) n = WS_MAX_CONTROL_PAYLOAD - 2;
  if (n > 0) memcpy(out + 2, reason, n);
  return 2 + n;
}

bool ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]) {
  GUARD(key != NULL && key_len > 0 && key_len <= 256);
  uint8_t buf[256 + sizeof ws_guid], digest[DERP_SHA1_LEN];
  memcpy(buf, key, key_len);
  memcpy(buf + key_len, ws_guid, sizeof ws_guid - 1);
  GUARD(derp_sha1(buf, key_len + sizeof ws_guid - 1, digest));
  return EVP_EncodeBlock((unsigned char *)out, digest, DERP_SHA1_LEN) == WS_ACCEPT_LEN;
}

bool ws_offers_derp(const char *protocols, size_t len) {
  for (size_t i = 0; i + 4 <= len; i++)
    if (memcmp(protocols + i, "derp", 4) == 0) return true;
  return false;
}
