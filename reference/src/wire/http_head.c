#include "derp/http_head.h"

#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "derp/guard.h"

/* Every reader helper returns HTTP_HEAD_NEED_MORE when the window ends before
 * the element does: that is what makes a prefix of a valid head never an
 * error, and a split at any byte boundary give the same final answer. */

#define CONTENT_LENGTH_MAX UINT64_C(0x7fffffffffffffff)

static int next_byte(const struct byte_reader *r) {
  if (byte_reader_remaining(r) == 0) return -1;
  return byte_reader_peek(r)[0];
}

static void advance(struct byte_reader *r) { (void)byte_reader_skip(r, 1); }

/* Span of bytes [start, end) already read; built from positions so an empty
 * span never does arithmetic on a NULL buffer. */
static struct http_span span_between(const struct byte_reader *r, size_t start, size_t end) {
  struct http_span s = {NULL, 0};
  if (end > start) {
    s.ptr = r->data + start;
    s.len = end - start;
  }
  return s;
}

/* RFC 9110 tchar (DIGIT, ALPHA and !#$%&'*+-.^_`|~) as a bitmap over ASCII:
 * one lookup per byte where a strchr per byte was most of the parse. */
static const uint64_t tchar_bits[2] = {UINT64_C(0x03ff6cfa00000000), UINT64_C(0x57ffffffc7fffffe)};

static bool is_tchar(int c) { return c >= 0 && c < 128 && ((tchar_bits[c >> 6] >> (c & 63)) & 1); }

static bool is_hex(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* field-vchar / SP / HTAB, obs-text included: everything but CTLs and DEL. */
static bool is_field_byte(int c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

/* The scanners below read the window directly: per-byte cursor calls cost
 * more than the checks. Each returns how many bytes from the cursor pass,
 * stopping at the window's end, and leaves the cursor where it was. */
static size_t run_of_tchar(const struct byte_reader *r) {
  size_t n = byte_reader_remaining(r), i = 0;
  if (n == 0) return 0; /* an empty window may have no buffer at all */
  const uint8_t *p = r->data + r->pos;
  while (i < n && is_tchar(p[i])) i++;
  return i;
}

static size_t run_of_field_bytes(const struct byte_reader *r) {
  size_t n = byte_reader_remaining(r), i = 0;
  if (n == 0) return 0; /* an empty window may have no buffer at all */
  const uint8_t *p = r->data + r->pos;
  while (i < n && is_field_byte(p[i])) i++;
  return i;
}

/* Visible ASCII but '%' (which read_target checks itself). */
static size_t run_of_target_bytes(const struct byte_reader *r) {
  size_t n = byte_reader_remaining(r), i = 0;
  if (n == 0) return 0; /* an empty window may have no buffer at all */
  const uint8_t *p = r->data + r->pos;
  while (i < n && p[i] > 0x20 && p[i] < 0x7f && p[i] != '%') i++;
  return i;
}

static enum http_head_status expect_crlf(struct byte_reader *r, enum http_head_status otherwise) {
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c != '\n', HTTP_HEAD_ERR_BARE_LF);
  ENSURE(c == '\r', otherwise);
  advance(r);
  c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c == '\n', HTTP_HEAD_ERR_BARE_CR);
  advance(r);
  return HTTP_HEAD_OK;
}

static enum http_head_status expect_byte(struct byte_reader *r, int want,
                                         enum http_head_status err) {
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c == want, err);
  advance(r);
  return HTTP_HEAD_OK;
}

static enum http_head_status read_digit(struct byte_reader *r, unsigned *out,
                                        enum http_head_status err) {
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c >= '0' && c <= '9', err);
  advance(r);
  *out = (unsigned)(c - '0');
  return HTTP_HEAD_OK;
}

/* 1*tchar followed by `terminator` (consumed). */
static enum http_head_status read_token(struct byte_reader *r, int terminator,
                                        struct http_span *out, enum http_head_status err) {
  size_t start = r->pos;
  (void)byte_reader_skip(r, run_of_tchar(r));
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c == terminator && r->pos > start, err); /* no terminator is a tchar */
  *out = span_between(r, start, r->pos);
  advance(r);
  return HTTP_HEAD_OK;
}

/* Visible ASCII up to SP (consumed); '%' must introduce two hex digits. */
static enum http_head_status read_target(struct byte_reader *r, struct http_span *out) {
  size_t start = r->pos;
  for (;;) {
    (void)byte_reader_skip(r, run_of_target_bytes(r));
    int c = next_byte(r);
    ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
    if (c == ' ') break;
    ENSURE(c == '%', HTTP_HEAD_ERR_TARGET);
    advance(r);
    for (int i = 0; i < 2; i++) {
      c = next_byte(r);
      ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
      ENSURE(is_hex(c), HTTP_HEAD_ERR_TARGET);
      advance(r);
    }
  }
  ENSURE(r->pos > start, HTTP_HEAD_ERR_TARGET);
  *out = span_between(r, start, r->pos);
  advance(r);
  return HTTP_HEAD_OK;
}

/* "HTTP/" DIGIT "." DIGIT, then only 1.0 and 1.1 are accepted. */
static enum http_head_status read_version(struct byte_reader *r, unsigned *minor) {
  static const char prefix[] = "HTTP/";
  for (size_t i = 0; i + 1 < sizeof prefix; i++)
    GUARD_STATUS(expect_byte(r, prefix[i], HTTP_HEAD_ERR_VERSION));
  unsigned major;
  GUARD_STATUS(read_digit(r, &major, HTTP_HEAD_ERR_VERSION));
  GUARD_STATUS(expect_byte(r, '.', HTTP_HEAD_ERR_VERSION));
  GUARD_STATUS(read_digit(r, minor, HTTP_HEAD_ERR_VERSION));
  ENSURE(major == 1 && *minor <= 1, HTTP_HEAD_ERR_UNSUPPORTED_VERSION);
  return HTTP_HEAD_OK;
}

/* What the header block tells about framing, plus where headers go. */
struct header_block {
  struct http_header *slots;
  size_t slot_count;
  size_t count;
  bool is_request;
  bool has_content_length;
  uint64_t content_length;
  bool has_transfer_encoding;
};

static enum http_head_status parse_content_length(struct http_span v, uint64_t *out) {
  ENSURE(v.len > 0, HTTP_HEAD_ERR_CONTENT_LENGTH);
  struct byte_reader r = byte_reader_init(v.ptr, v.len);
  uint64_t n = 0;
  uint8_t c;
  while (byte_reader_u8(&r, &c)) {
    ENSURE(c >= '0' && c <= '9', HTTP_HEAD_ERR_CONTENT_LENGTH);
    ENSURE(n <= (CONTENT_LENGTH_MAX - (uint64_t)(c - '0')) / 10, HTTP_HEAD_ERR_CONTENT_LENGTH);
    n = n * 10 + (uint64_t)(c - '0');
  }
  *out = n;
  return HTTP_HEAD_OK;
}

static enum http_head_status note_framing(struct header_block *b, const struct http_header *h) {
  if (http_span_equals_nocase(h->name, "Content-Length")) {
    ENSURE(!b->has_content_length, HTTP_HEAD_ERR_DUPLICATE_CONTENT_LENGTH);
    GUARD_STATUS(parse_content_length(h->value, &b->content_length));
    b->has_content_length = true;
  } else if (http_span_equals_nocase(h->name, "Transfer-Encoding")) {
    ENSURE(!b->is_request, HTTP_HEAD_ERR_TRANSFER_ENCODING);
    b->has_transfer_encoding = true;
  }
  return HTTP_HEAD_OK;
}

/* One "name: value CRLF" line; the cursor is at its first byte, which is
 * neither CR nor LF. */
static enum http_head_status read_header_line(struct byte_reader *r, struct http_header *h) {
  GUARD_STATUS(read_token(r, ':', &h->name, HTTP_HEAD_ERR_HEADER_NAME));

  int c;
  while ((c = next_byte(r)) == ' ' || c == '\t') advance(r);
  size_t value_start = r->pos;
  (void)byte_reader_skip(r, run_of_field_bytes(r));
  c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c == '\r' || c == '\n', HTTP_HEAD_ERR_HEADER_VALUE);
  size_t value_end = r->pos; /* trailing SP/HTAB are not part of the value */
  while (value_end > value_start &&
         (r->data[value_end - 1] == ' ' || r->data[value_end - 1] == '\t'))
    value_end--;
  h->value = span_between(r, value_start, value_end);
  return expect_crlf(r, HTTP_HEAD_ERR_HEADER_VALUE);
}

static enum http_head_status read_header_block(struct byte_reader *r, struct header_block *b) {
  for (;;) {
    int c = next_byte(r);
    ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
    if (c == '\r' || c == '\n') return expect_crlf(r, HTTP_HEAD_ERR_HEADER_NAME);
    ENSURE(c != ' ' && c != '\t', HTTP_HEAD_ERR_OBS_FOLD);
    ENSURE(b->count < b->slot_count, HTTP_HEAD_ERR_TOO_MANY_HEADERS);
    struct http_header *h = &b->slots[b->count];
    GUARD_STATUS(read_header_line(r, h));
    b->count++;
    GUARD_STATUS(note_framing(b, h));
  }
}

static enum http_head_status read_request(struct byte_reader *r, struct header_block *b,
                                          struct http_request *req) {
  GUARD_STATUS(read_token(r, ' ', &req->method, HTTP_HEAD_ERR_METHOD));
  GUARD_STATUS(read_target(r, &req->target));
  GUARD_STATUS(read_version(r, &req->version_minor));
  GUARD_STATUS(expect_crlf(r, HTTP_HEAD_ERR_VERSION));
  return read_header_block(r, b);
}

/* reason-phrase = *( HTAB / SP / VCHAR / obs-text ), up to CRLF. */
static enum http_head_status read_reason(struct byte_reader *r, struct http_span *out) {
  size_t start = r->pos;
  (void)byte_reader_skip(r, run_of_field_bytes(r));
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  ENSURE(c == '\r' || c == '\n', HTTP_HEAD_ERR_REASON);
  *out = span_between(r, start, r->pos);
  return expect_crlf(r, HTTP_HEAD_ERR_REASON);
}

static enum http_head_status read_response(struct byte_reader *r, struct header_block *b,
                                           struct http_response *resp) {
  GUARD_STATUS(read_version(r, &resp->version_minor));
  GUARD_STATUS(expect_byte(r, ' ', HTTP_HEAD_ERR_VERSION));
  unsigned d[3];
  for (int i = 0; i < 3; i++) GUARD_STATUS(read_digit(r, &d[i], HTTP_HEAD_ERR_STATUS_CODE));
  ENSURE(d[0] != 0, HTTP_HEAD_ERR_STATUS_CODE);
  resp->status = (int)(d[0] * 100 + d[1] * 10 + d[2]);
  int c = next_byte(r);
  ENSURE(c != -1, HTTP_HEAD_NEED_MORE);
  resp->reason = span_between(r, 0, 0);
  if (c == ' ') {
    advance(r);
    GUARD_STATUS(read_reason(r, &resp->reason));
  } else {
    GUARD_STATUS(expect_crlf(r, HTTP_HEAD_ERR_STATUS_CODE));
  }
  return read_header_block(r, b);
}

/* The window the parser may look at, and the too-large verdict when the head
 * has not ended inside it. */
static struct byte_reader head_window(const uint8_t *buf, size_t len, size_t max_head_bytes) {
  return byte_reader_init(buf, len < max_head_bytes ? len : max_head_bytes);
}

static enum http_head_status cap_verdict(enum http_head_status st, size_t len,
                                         size_t max_head_bytes, enum http_head_status too_large) {
  if (st == HTTP_HEAD_NEED_MORE && len >= max_head_bytes) return too_large;
  return st;
}

enum http_head_status http_parse_request(const uint8_t *buf, size_t len, size_t max_head_bytes,
                                         struct http_header *slots, size_t slot_count,
                                         struct http_request *out) {
  if (buf == NULL) len = 0;
  struct byte_reader r = head_window(buf, len, max_head_bytes);
  struct header_block b = {slots, slots ? slot_count : 0, 0, true, false, 0, false};
  struct http_request req;
  memset(&req, 0, sizeof req);
  enum http_head_status st = read_request(&r, &b, &req);
  st = cap_verdict(st, len, max_head_bytes, HTTP_HEAD_ERR_REQUEST_TOO_LARGE);
  ENSURE(st == HTTP_HEAD_OK, st);
  req.headers = slots;
  req.header_count = b.count;
  req.head_len = r.pos;
  req.has_content_length = b.has_content_length;
  req.content_length = b.content_length;
  *out = req;
  return HTTP_HEAD_OK;
}

enum http_head_status http_parse_response(const uint8_t *buf, size_t len, size_t max_head_bytes,
                                          struct http_header *slots, size_t slot_count,
                                          struct http_response *out) {
  if (buf == NULL) len = 0;
  struct byte_reader r = head_window(buf, len, max_head_bytes);
  struct header_block b = {slots, slots ? slot_count : 0, 0, false, false, 0, false};
  struct http_response resp;
  memset(&resp, 0, sizeof resp);
  enum http_head_status st = read_response(&r, &b, &resp);
  st = cap_verdict(st, len, max_head_bytes, HTTP_HEAD_ERR_RESPONSE_TOO_LARGE);
  ENSURE(st == HTTP_HEAD_OK, st);
  resp.headers = slots;
  resp.header_count = b.count;
  resp.head_len = r.pos;
  resp.has_content_length = b.has_content_length;
  resp.content_length = b.content_length;
  resp.has_transfer_encoding = b.has_transfer_encoding;
  *out = resp;
  return HTTP_HEAD_OK;
}

const char *http_head_status_str(enum http_head_status st) {
  switch (st) {
    case HTTP_HEAD_OK: return "ok";
    case HTTP_HEAD_NEED_MORE: return "incomplete head";
    case HTTP_HEAD_ERR_REQUEST_TOO_LARGE: return "request header too large";
    case HTTP_HEAD_ERR_RESPONSE_TOO_LARGE: return "response header too large";
    case HTTP_HEAD_ERR_TOO_MANY_HEADERS: return "too many header fields";
    case HTTP_HEAD_ERR_BARE_LF: return "bare LF line ending (CRLF required)";
    case HTTP_HEAD_ERR_BARE_CR: return "CR not followed by LF";
    case HTTP_HEAD_ERR_METHOD: return "invalid method";
    case HTTP_HEAD_ERR_TARGET: return "invalid request target";
    case HTTP_HEAD_ERR_VERSION: return "malformed HTTP version";
    case HTTP_HEAD_ERR_UNSUPPORTED_VERSION: return "unsupported protocol version";
    case HTTP_HEAD_ERR_STATUS_CODE: return "malformed status code";
    case HTTP_HEAD_ERR_REASON: return "invalid reason phrase";
    case HTTP_HEAD_ERR_HEADER_NAME: return "invalid header field name";
    case HTTP_HEAD_ERR_HEADER_VALUE: return "invalid header field value";
    case HTTP_HEAD_ERR_OBS_FOLD: return "obsolete line folding";
    case HTTP_HEAD_ERR_CONTENT_LENGTH: return "invalid Content-Length";
    case HTTP_HEAD_ERR_DUPLICATE_CONTENT_LENGTH: return "duplicate Content-Length";
    case HTTP_HEAD_ERR_TRANSFER_ENCODING: return "request body (Transfer-Encoding) not supported";
  }
  return "unknown http_head status";
}

bool http_span_equals(struct http_span s, const char *lit) {
  size_t n = strlen(lit);
  return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}

bool http_span_equals_nocase(struct http_span s, const char *lit) {
  size_t n = strlen(lit);
  GUARD(s.len == n);
  for (size_t i = 0; i < n; i++) GUARD(go_lower_ascii((char)s.ptr[i]) == go_lower_ascii(lit[i]));
  return true;
}

const struct http_header *http_header_find(const struct http_header *headers, size_t count,
                                           const char *name) {
  for (size_t i = 0; headers && i < count; i++)
    if (http_span_equals_nocase(headers[i].name, name)) return &headers[i];
  return NULL;
}

size_t http_header_count_named(const struct http_header *headers, size_t count, const char *name) {
  size_t n = 0;
  for (size_t i = 0; headers && i < count; i++)
    if (http_span_equals_nocase(headers[i].name, name)) n++;
  return n;
}

static struct http_span trim_ows(struct http_span s) {
  while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
    s.ptr++;
    s.len--;
  }
  while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
  return s;
}

bool http_list_has_token(struct http_span value, const char *token) {
  struct byte_reader r = byte_reader_init(value.ptr, value.len);
  while (byte_reader_remaining(&r) > 0) {
    const uint8_t *rest = byte_reader_peek(&r);
    size_t n = byte_reader_remaining(&r);
    const uint8_t *comma = memchr(rest, ',', n);
    size_t elem_len = comma ? (size_t)(comma - rest) : n;
    struct http_span elem = {rest, elem_len};
    if (http_span_equals_nocase(trim_ows(elem), token)) return true;
    (void)byte_reader_skip(&r, comma ? elem_len + 1 : elem_len);
  }
  return false;
}
