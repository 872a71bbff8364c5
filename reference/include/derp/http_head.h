/* http_head: a strict, bounded, allocation-free HTTP/1.x head parser for the
 * DERP upgrade request (relay side) and its response (client side).
 *
 * Why our own: Debian 12 packages no maintained HTTP/1 parser, and the DERP
 * upgrade needs very little of HTTP (spec §6.1, §3.4): a request line or
 * status line and a few headers, after which the connection stops being HTTP
 * and every byte after the head belongs to the DERP stream. The parser
 * therefore reports exactly where the head ends and never looks further.
 *
 * Incremental use: the parser is stateless. The caller keeps the bytes it
 * has received in one buffer and calls again with the whole buffer after each
 * read. HTTP_HEAD_NEED_MORE means "no error so far, the head is not complete";
 * no prefix of a valid head is ever an error. Work per call is bounded by
 * max_head_bytes, which is also the size cap: a head that has not ended
 * within max_head_bytes is HTTP_HEAD_ERR_TOO_LARGE.
 *
 * Output: spans that point into the caller's buffer (valid while it is) and
 * headers stored in a caller-provided array of slots; one slot too few is
 * HTTP_HEAD_ERR_TOO_MANY_HEADERS.
 *
 * Strictness (RFC 9110/9112 grammar, chosen over leniency; where Go's
 * net/http is more lenient the difference is listed):
 *  - lines end in CRLF; a bare LF or a CR not followed by LF is an error
 *    (Go accepts bare LF);
 *  - no empty lines before the start line;
 *  - method and header names are RFC 9110 tokens; a header name must be
 *    followed by ':' directly (whitespace before the colon is an error);
 *  - the request target is visible ASCII; '%' must start a %XX escape;
 *  - versions: HTTP/1.0 and HTTP/1.1 only (others, e.g. HTTP/1.2 or
 *    HTTP/2.0, are HTTP_HEAD_ERR_UNSUPPORTED_VERSION; Go accepts any 1.x);
 *  - header values: HTAB, SP, VCHAR and obs-text (0x80-0xFF); any other
 *    control byte (NUL, DEL, ...) is an error; leading/trailing SP/HTAB is
 *    trimmed from the value span;
 *  - obs-fold (a line starting with SP/HTAB) is an error (Go unfolds it);
 *  - Content-Length must be 1*DIGIT no larger than 2^63-1; a second
 *    Content-Length is an error even with the same value (Go accepts equal
 *    duplicates);
 *  - requests: Transfer-Encoding is an error (request bodies are out of
 *    scope; the relay answers 501 like Go does for codings it lacks); a
 *    Content-Length is reported, and the body is not consumed;
 *  - responses: the reason phrase may be absent ("HTTP/1.1 101\r\n", as Go
 *    accepts); the status code is three digits, 100-999. The body of a
 *    non-101 response is never read here: content_length and
 *    has_transfer_encoding tell the caller how to frame it. */
#ifndef DERP_HTTP_HEAD_H
#define DERP_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A run of bytes inside the caller's buffer (not NUL-terminated). */
struct http_span {
  const uint8_t *ptr;
  size_t len;
};

struct http_header {
  struct http_span name;  /* as received (case preserved) */
  struct http_span value; /* without surrounding SP/HTAB; may be empty */
};

enum http_head_status {
  HTTP_HEAD_OK = 0,                 /* complete: see head_len */
  HTTP_HEAD_NEED_MORE,              /* valid so far, call again with more */
  HTTP_HEAD_ERR_REQUEST_TOO_LARGE,  /* "request header too large" */
  HTTP_HEAD_ERR_RESPONSE_TOO_LARGE, /* "response header too large" */
  HTTP_HEAD_ERR_TOO_MANY_HEADERS,
  HTTP_HEAD_ERR_BARE_LF,
  HTTP_HEAD_ERR_BARE_CR,
  HTTP_HEAD_ERR_METHOD,
  HTTP_HEAD_ERR_TARGET,
  HTTP_HEAD_ERR_VERSION,             /* not "HTTP/" DIGIT "." DIGIT */
  HTTP_HEAD_ERR_UNSUPPORTED_VERSION, /* well-formed, but not 1.0 / 1.1 */
  HTTP_HEAD_ERR_STATUS_CODE,
  HTTP_HEAD_ERR_REASON,
  HTTP_HEAD_ERR_HEADER_NAME,  /* empty, non-token, or space before ':' */
  HTTP_HEAD_ERR_HEADER_VALUE, /* control character in the value */
  HTTP_HEAD_ERR_OBS_FOLD,
  HTTP_HEAD_ERR_CONTENT_LENGTH, /* not 1*DIGIT, or > 2^63-1 */
  HTTP_HEAD_ERR_DUPLICATE_CONTENT_LENGTH,
  HTTP_HEAD_ERR_TRANSFER_ENCODING, /* in a request: bodies unsupported */
};

struct http_request {
  struct http_span method;
  struct http_span target;     /* request-target exactly as sent */
  unsigned version_minor;      /* HTTP/1.<minor>: 0 or 1 */
  struct http_header *headers; /* the caller's slots */
  size_t header_count;
  size_t head_len; /* bytes up to and including the empty line */
  bool has_content_length;
  uint64_t content_length;
};

struct http_response {
  unsigned version_minor;
  int status;              /* 100..999 */
  struct http_span reason; /* may be empty */
  struct http_header *headers;
  size_t header_count;
  size_t head_len;
  bool has_content_length;
  uint64_t content_length;
  bool has_transfer_encoding;
};

/* Parse buf[0..len) as a request head. At most max_head_bytes are examined.
 * *out is fully written on HTTP_HEAD_OK only. */
enum http_head_status http_parse_request(const uint8_t *buf, size_t len, size_t max_head_bytes,
                                         struct http_header *slots, size_t slot_count,
                                         struct http_request *out);

enum http_head_status http_parse_response(const uint8_t *buf, size_t len, size_t max_head_bytes,
                                          struct http_header *slots, size_t slot_count,
                                          struct http_response *out);

/* A short reason for logs, e.g. "request header too large". */
const char *http_head_status_str(enum http_head_status st);

/* First header whose name equals `name` ignoring ASCII case (what Go's
 * Header.Get returns), or NULL. */
const struct http_header *http_header_find(const struct http_header *headers, size_t count,
                                           const char *name);
/* How many headers carry `name` (ASCII case-insensitive). */
size_t http_header_count_named(const struct http_header *headers, size_t count, const char *name);

bool http_span_equals(struct http_span s, const char *lit);
bool http_span_equals_nocase(struct http_span s, const char *lit);
/* True when a comma-separated list value (e.g. Connection) holds `token`,
 * compared without ASCII case, elements trimmed of SP/HTAB. */
bool http_list_has_token(struct http_span value, const char *token);

#endif
