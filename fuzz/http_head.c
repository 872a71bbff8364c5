/* Fuzz target http_head: the relay's HTTP side (request head parser, then
 * relay_http routing) and the client's response head parser, on one input.
 *
 * Input layout:
 *   u8  control  bit 0: DERP disabled (--derp=false)
 *                bits 1-7: a prefix length to re-check (see below)
 *   ... the bytes a peer sent: parsed as a request head and as a response head.
 *
 * Oracles, beyond "no crash":
 *  - head spans lie inside the head, names are non-empty, values carry no
 *    surrounding SP/HTAB, status 100..999, HTTP/1.0 or 1.1, head_len within
 *    the input and the size cap;
 *  - the parser never looks past the head: the head alone parses to the same
 *    result, every proper prefix of it is NEED_MORE (never an error), a cap
 *    one byte short is TOO_LARGE, one header slot short is TOO_MANY_HEADERS;
 *  - relay_http_route always fits RELAY_HTTP_RESPONSE_MAX, its bytes parse
 *    back as a response whose status is the decision's status, a body matches
 *    its Content-Length, DERP means 101 (or nothing at all on fast start);
 *    a writer one byte short fails without writing anything;
 *  - an unparsable request gets a rejection that parses as 400/431/501/505. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/http_head.h"
#include "derp/relay_http.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HTTP_FUZZ_MAX_HEAD 8192u /* the relay's cap is larger; this keeps prefix checks cheap */
#define HTTP_FUZZ_SLOTS 64
#define HTTP_FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z: a fixed clock for the Date header */

static bool span_inside(struct http_span s, const uint8_t *lo, size_t n) {
  if (s.len == 0) return true;
  return s.ptr >= lo && s.len <= n && (size_t)(s.ptr - lo) <= n - s.len;
}

static bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

static void check_headers(const char *who, const struct http_header *h, size_t count,
                          const uint8_t *buf, size_t head_len) {
  ORACLE_ASSERT(count <= HTTP_FUZZ_SLOTS, "%s: %zu headers in %d slots", who, count,
                HTTP_FUZZ_SLOTS);
  for (size_t i = 0; i < count; i++) {
    ORACLE_ASSERT(h[i].name.len > 0 && span_inside(h[i].name, buf, head_len),
                  "%s: header %zu name span", who, i);
    ORACLE_ASSERT(span_inside(h[i].value, buf, head_len), "%s: header %zu value span", who, i);
    if (h[i].value.len > 0)
      ORACLE_ASSERT(!is_ows(h[i].value.ptr[0]) && !is_ows(h[i].value.ptr[h[i].value.len - 1]),
                    "%s: header %zu value keeps surrounding whitespace", who, i);
  }
}

/* Everything the re-parses must reproduce, as offsets (buffers differ). */
struct head_digest {
  size_t head_len, header_count;
  unsigned version_minor;
  int status;
  bool has_content_length;
  uint64_t content_length;
};

static bool digest_equal(const struct head_digest *a, const struct head_digest *b) {
  return a->head_len == b->head_len && a->header_count == b->header_count &&
         a->version_minor == b->version_minor && a->status == b->status &&
         a->has_content_length == b->has_content_length && a->content_length == b->content_length;
}

static enum http_head_status parse_req(const uint8_t *buf, size_t len, size_t cap, size_t slots,
                                       struct http_header *h, struct http_request *req) {
  return http_parse_request(buf, len, cap, h, slots, req);
}

static enum http_head_status parse_resp(const uint8_t *buf, size_t len, size_t cap, size_t slots,
                                        struct http_header *h, struct http_response *resp) {
  return http_parse_response(buf, len, cap, h, slots, resp);
}

typedef enum http_head_status (*reparse_fn)(const uint8_t *, size_t, size_t, size_t,
                                            struct http_header *, struct head_digest *);

static enum http_head_status reparse_req(const uint8_t *buf, size_t len, size_t cap, size_t slots,
                                         struct http_header *h, struct head_digest *d) {
  struct http_request r;
  enum http_head_status st = parse_req(buf, len, cap, slots, h, &r);
  if (st == HTTP_HEAD_OK)
    *d = (struct head_digest){r.head_len, r.header_count,       r.version_minor,
                              0,          r.has_content_length, r.content_length};
  return st;
}

static enum http_head_status reparse_resp(const uint8_t *buf, size_t len, size_t cap, size_t slots,
                                          struct http_header *h, struct head_digest *d) {
  struct http_response r;
  enum http_head_status st = parse_resp(buf, len, cap, slots, h, &r);
  if (st == HTTP_HEAD_OK)
    *d = (struct head_digest){r.head_len, r.header_count,       r.version_minor,
                              r.status,   r.has_content_length, r.content_length};
  return st;
}

/* The "never looks past the head" family of checks. */
static void check_head_boundaries(const char *who, reparse_fn reparse, const uint8_t *buf,
                                  const struct head_digest *want, size_t extra_prefix,
                                  enum http_head_status too_large) {
  struct http_header h[HTTP_FUZZ_SLOTS];
  struct head_digest got;
  size_t H = want->head_len;

  enum http_head_status st = reparse(buf, H, HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &got);
  ORACLE_ASSERT(st == HTTP_HEAD_OK && digest_equal(&got, want),
                "%s: the head alone (%zu bytes) parses differently: %s", who, H,
                http_head_status_str(st));

  const size_t prefixes[] = {0, H / 2, H - 1, extra_prefix % H};
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    st = reparse(buf, prefixes[i], HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &got);
    ORACLE_ASSERT(st == HTTP_HEAD_NEED_MORE, "%s: prefix of %zu/%zu bytes of a valid head gives %s",
                  who, prefixes[i], H, http_head_status_str(st));
  }

  st = reparse(buf, H, H - 1, HTTP_FUZZ_SLOTS, h, &got);
  ORACLE_ASSERT(st == too_large, "%s: cap %zu for a %zu-byte head gives %s", who, H - 1, H,
                http_head_status_str(st));

  if (want->header_count > 0) {
    st = reparse(buf, H, HTTP_FUZZ_MAX_HEAD, want->header_count - 1, h, &got);
    ORACLE_ASSERT(st == HTTP_HEAD_ERR_TOO_MANY_HEADERS, "%s: %zu headers in %zu slots gives %s",
                  who, want->header_count, want->header_count - 1, http_head_status_str(st));
  }
}

/* A response we wrote must be a well-formed response of the status we meant. */
static void check_written_response(const char *what, const uint8_t *bytes, size_t len,
                                   int want_status, bool head_request) {
  struct http_header h[HTTP_FUZZ_SLOTS];
  struct http_response resp;
  enum http_head_status st = parse_resp(bytes, len, HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &resp);
  if (st != HTTP_HEAD_OK || (want_status && resp.status != want_status)) {
    oracle_mismatch("%s: our own response does not parse back (%s, status %d, want %d)", what,
                    http_head_status_str(st), st == HTTP_HEAD_OK ? resp.status : 0, want_status);
    oracle_view("%.*s", (int)len, (const char *)bytes);
    oracle_abort();
  }
  size_t body = len - resp.head_len;
  if (resp.has_content_length && !head_request)
    ORACLE_ASSERT(resp.content_length == body, "%s: Content-Length %llu but %zu body bytes", what,
                  (unsigned long long)resp.content_length, body);
  /* Go's handler responses (always dated) drop the body for HEAD; its raw
   * connection-level errors (no Date, e.g. a missing Host) do not. */
  if (head_request && http_header_find(resp.headers, resp.header_count, "Date") != NULL)
    ORACLE_ASSERT(body == 0, "%s: a HEAD reply carries %zu body bytes", what, body);
}

static void check_request(const uint8_t *buf, size_t len, bool derp_disabled, size_t extra_prefix) {
  struct http_header h[HTTP_FUZZ_SLOTS];
  struct http_request req;
  enum http_head_status st = parse_req(buf, len, HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &req);
  ORACLE_ASSERT(http_head_status_str(st) != NULL, "no text for status %d", (int)st);

  uint8_t out[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  if (st != HTTP_HEAD_OK) {
    enum relay_http_status rs = relay_http_write_rejection(st, &w);
    if (st == HTTP_HEAD_NEED_MORE) {
      ORACLE_ASSERT(rs == RELAY_HTTP_ERR_NOTHING && w.len == 0, "rejection written for NEED_MORE");
      return;
    }
    ORACLE_ASSERT(rs == RELAY_HTTP_OK, "no rejection for %s", http_head_status_str(st));
    check_written_response("rejection", out, w.len, 0, false);
    for (size_t cap = extra_prefix % 16; cap < w.len; cap += 1 + w.len / 2) { /* all-or-nothing */
      uint8_t small[RELAY_HTTP_RESPONSE_MAX];
      struct byte_writer ws = byte_writer_init(small, cap);
      ORACLE_ASSERT(relay_http_write_rejection(st, &ws) == RELAY_HTTP_ERR_NO_SPACE && ws.len == 0,
                    "rejection into %zu of %zu bytes", cap, w.len);
    }
    struct http_response resp;
    parse_resp(out, w.len, HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &resp);
    ORACLE_ASSERT(
        resp.status == 400 || resp.status == 431 || resp.status == 501 || resp.status == 505,
        "rejection status %d for %s", resp.status, http_head_status_str(st));
    return;
  }

  ORACLE_ASSERT(req.head_len > 0 && req.head_len <= len && req.head_len <= HTTP_FUZZ_MAX_HEAD,
                "request head_len %zu of %zu", req.head_len, len);
  ORACLE_ASSERT(req.version_minor <= 1, "HTTP/1.%u", req.version_minor);
  ORACLE_ASSERT(req.method.len > 0 && span_inside(req.method, buf, req.head_len), "method span");
  ORACLE_ASSERT(req.target.len > 0 && span_inside(req.target, buf, req.head_len), "target span");
  check_headers("request", req.headers, req.header_count, buf, req.head_len);
  ORACLE_ASSERT(req.has_content_length ==
                    (http_header_find(req.headers, req.header_count, "Content-Length") != NULL),
                "has_content_length disagrees with the headers");
  struct head_digest d = {req.head_len,           req.header_count,  req.version_minor, 0,
                          req.has_content_length, req.content_length};
  check_head_boundaries("request", reparse_req, buf, &d, extra_prefix,
                        HTTP_HEAD_ERR_REQUEST_TOO_LARGE);

  struct relay_http_settings settings;
  memset(&settings, 0, sizeof settings);
  settings.derp_enabled = !derp_disabled;
  for (int i = 0; i < RELAY_HTTP_KEY_LEN; i++) settings.server_public_key[i] = (uint8_t)(0xa0 + i);

  struct relay_http_decision dec;
  enum relay_http_status rs = relay_http_route(&req, &settings, HTTP_FUZZ_NOW, &w, &dec);
  ORACLE_ASSERT(rs == RELAY_HTTP_OK, "relay_http_route: status %d with a %d-byte writer", (int)rs,
                RELAY_HTTP_RESPONSE_MAX);
  ORACLE_ASSERT(
      span_inside(dec.upgrade, buf, req.head_len) && span_inside(dec.ideal_node, buf, req.head_len),
      "decision spans outside the head");
  bool head_request = http_span_equals(req.method, "HEAD");
  if (dec.action == RELAY_HTTP_DERP) {
    ORACLE_ASSERT(settings.derp_enabled, "DERP upgrade with DERP disabled");
    if (dec.fast_start)
      ORACLE_ASSERT(w.len == 0 && dec.status == 0, "fast start wrote %zu bytes, status %d", w.len,
                    dec.status);
    else
      ORACLE_ASSERT(dec.status == 101, "DERP upgrade with status %d", dec.status);
  } else {
    ORACLE_ASSERT(
        dec.action == RELAY_HTTP_REPLY && dec.status >= 200 && dec.status <= 599 && !dec.fast_start,
        "reply action %d status %d", (int)dec.action, dec.status);
  }
  if (w.len > 0) check_written_response("relay_http_route", out, w.len, dec.status, head_request);

  if (w.len > 0) { /* all-or-nothing on writers that run out at several points */
    uint8_t small[RELAY_HTTP_RESPONSE_MAX];
    /* one byte short, and a point the input picks (the rest over the run) */
    const size_t caps[] = {w.len - 1, (extra_prefix * 7) % w.len};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
      struct byte_writer ws = byte_writer_init(small, caps[i]);
      struct relay_http_decision dec2;
      rs = relay_http_route(&req, &settings, HTTP_FUZZ_NOW, &ws, &dec2);
      ORACLE_ASSERT(rs == RELAY_HTTP_ERR_NO_SPACE && ws.len == 0,
                    "writer of %zu bytes (the reply takes %zu): status %d, %zu bytes written",
                    caps[i], w.len, (int)rs, ws.len);
    }
  }

  /* Go's %q of the value: at most 4 bytes per input byte (\xNN), plus quotes. */
  size_t note_cap = 32 + 4 * dec.upgrade.len;
  uint8_t *note = malloc(note_cap);
  if (!note) return;
  struct byte_writer wn = byte_writer_init(note, note_cap);
  rs = relay_http_write_log_note(&dec, &wn);
  if (dec.log_weird_upgrade)
    ORACLE_ASSERT(rs == RELAY_HTTP_OK && wn.len >= 17 && memcmp(note, "Weird upgrade: \"", 16) == 0,
                  "weird-upgrade log note missing (status %d, %zu-byte value)", (int)rs,
                  dec.upgrade.len);
  else
    ORACLE_ASSERT(rs == RELAY_HTTP_ERR_NOTHING && wn.len == 0, "log note without a weird upgrade");
  if (rs == RELAY_HTTP_OK && wn.len > 15) {         /* too little room: the cut form, or nothing */
    size_t cap = 15 + extra_prefix % (wn.len - 15); /* "Weird upgrade: " fits, the rest may not */
    struct byte_writer wc = byte_writer_init(note, cap);
    enum relay_http_status rc = relay_http_write_log_note(&dec, &wc);
    char tail[48];
    int tn = snprintf(tail, sizeof tail, "... (%zu bytes, cut)", dec.upgrade.len);
    if (rc == RELAY_HTTP_OK)
      ORACLE_ASSERT(wc.len <= cap && wc.len >= 17 + (size_t)tn &&
                        memcmp(note, "Weird upgrade: \"", 16) == 0 &&
                        memcmp(note + wc.len - (size_t)tn, tail, (size_t)tn) == 0,
                    "a %zu-byte log note cut into %zu bytes is not the cut form", wn.len, cap);
    else
      ORACLE_ASSERT(rc == RELAY_HTTP_ERR_NO_SPACE && wc.len == 0,
                    "log note into %zu bytes: status %d, %zu written", cap, (int)rc, wc.len);
  }
  free(note);
}

static void check_response(const uint8_t *buf, size_t len, size_t extra_prefix) {
  struct http_header h[HTTP_FUZZ_SLOTS];
  struct http_response resp;
  enum http_head_status st = parse_resp(buf, len, HTTP_FUZZ_MAX_HEAD, HTTP_FUZZ_SLOTS, h, &resp);
  ORACLE_ASSERT(http_head_status_str(st) != NULL, "no text for status %d", (int)st);
  if (st != HTTP_HEAD_OK) return;
  ORACLE_ASSERT(resp.head_len > 0 && resp.head_len <= len && resp.head_len <= HTTP_FUZZ_MAX_HEAD,
                "response head_len %zu of %zu", resp.head_len, len);
  ORACLE_ASSERT(resp.version_minor <= 1 && resp.status >= 100 && resp.status <= 999, "HTTP/1.%u %d",
                resp.version_minor, resp.status);
  ORACLE_ASSERT(span_inside(resp.reason, buf, resp.head_len), "reason span");
  check_headers("response", resp.headers, resp.header_count, buf, resp.head_len);
  struct head_digest d = {resp.head_len, resp.header_count,       resp.version_minor,
                          resp.status,   resp.has_content_length, resp.content_length};
  check_head_boundaries("response", reparse_resp, buf, &d, extra_prefix,
                        HTTP_HEAD_ERR_RESPONSE_TOO_LARGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 2 * HTTP_FUZZ_MAX_HEAD) return -1;
  uint8_t control = data[0];
  const uint8_t *buf = data + 1;
  size_t len = size - 1;
  check_request(buf, len, control & 1, control >> 1);
  check_response(buf, len, control >> 1);
  return 0;
}
