#include "derp/relay_http.h"
#include "derp/ws_frame.h"
#include "relay_http_internal.h"

#include <stdio.h>
#include <string.h>

#include "derp/calendar.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"

/* ---- the request path, as Go's ServeMux sees it (r.URL.Path) ---- */

/* Next byte of the %XX-decoded path, -1 at its end. http_head guarantees
 * every '%' starts an escape; should one not, it is taken literally. */
static int path_next(struct byte_reader *r) {
  uint8_t c;
  if (!byte_reader_u8(r, &c)) return -1;
  if (c == '%' && byte_reader_remaining(r) >= 2) {
    const uint8_t *p = byte_reader_peek(r);
    int hi = derp_hex_digit_value(p[0]), lo = derp_hex_digit_value(p[1]);
    if (hi >= 0 && lo >= 0) {
      (void)byte_reader_skip(r, 2);
      return hi * 16 + lo;
    }
  }
  return c;
}

static bool span_starts_nocase(struct http_span s, const char *lit) {
  size_t n = strlen(lit);
  if (s.len < n) return false;
  struct http_span head = {s.ptr, n};
  return http_span_equals_nocase(head, lit);
}

static bool at_byte(const struct byte_reader *r, uint8_t want) {
  return byte_reader_remaining(r) > 0 && byte_reader_peek(r)[0] == want;
}

/* The still-encoded path of a request target: origin-form up to '?', or the
 * path part of an absolute-form URI. Empty for "*" and authority-form. */
static struct http_span target_path(struct http_span target) {
  struct http_span path = {NULL, 0};
  struct byte_reader r = byte_reader_init(target.ptr, target.len);
  size_t scheme_len = span_starts_nocase(target, "http://")    ? 7
                      : span_starts_nocase(target, "https://") ? 8
                                                               : 0;
  if (scheme_len) {
    (void)byte_reader_skip(&r, scheme_len);
    while (byte_reader_remaining(&r) > 0 && !at_byte(&r, '/') && !at_byte(&r, '?'))
      (void)byte_reader_skip(&r, 1);
  }
  if (!at_byte(&r, '/')) return path;
  const uint8_t *start = byte_reader_peek(&r);
  size_t n = 0;
  while (byte_reader_remaining(&r) > 0 && !at_byte(&r, '?')) {
    (void)byte_reader_skip(&r, 1);
    n++;
  }
  path.ptr = start;
  path.len = n;
  return path;
}

static bool path_equals(struct http_span path, const char *want) {
  struct byte_reader r = byte_reader_init(path.ptr, path.len);
  for (const char *p = want; *p; p++)
    if (path_next(&r) != (unsigned char)*p) return false;
  return path_next(&r) == -1;
}

static bool path_has_prefix(struct http_span path, const char *want) {
  struct byte_reader r = byte_reader_init(path.ptr, path.len);
  for (const char *p = want; *p; p++)
    if (path_next(&r) != (unsigned char)*p) return false;
  return true;
}

/* What path.Clean would leave unchanged: no empty segment except a final
 * one (trailing slash), no "." or ".." segment. */
static bool path_is_clean(struct http_span path) {
  struct byte_reader r = byte_reader_init(path.ptr, path.len);
  if (path_next(&r) != '/') return false;
  size_t seg_len = 0, seg_dots = 0;
  for (;;) {
    int c = path_next(&r);
    if (c == '/' || c == -1) {
      if (c == '/' && seg_len == 0) return false;
      if (seg_len > 0 && seg_len == seg_dots && seg_dots <= 2) return false;
      if (c == -1) return true;
      seg_len = seg_dots = 0;
      continue;
    }
    seg_len++;
    if (c == '.') seg_dots++;
  }
}

/* ---- response bytes in Go net/http's layout ---- */

struct reply_ctx {
  unsigned version_minor;
  bool is_head;
  bool close_after;
  int64_t now_unix;
};

static const char *status_text(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
  }
  return "";
}

/* Go's bodyAllowedForStatus. */
static bool body_allowed(int status) {
  return !(status >= 100 && status <= 199) && status != 204 && status != 304;
}

static bool write_status_line(struct byte_writer *w, const struct reply_ctx *c, int status) {
  char line[64];
  int n = snprintf(line, sizeof line, "HTTP/1.%u %d %s\r\n", c->version_minor, status,
                   status_text(status));
  GUARD(n > 0 && (size_t)n < sizeof line);
  return byte_writer_bytes(w, line, (size_t)n);
}

static bool write_header(struct byte_writer *w, const char *line) {
  GUARD(byte_writer_str(w, line));
  return byte_writer_str(w, "\r\n");
}

/* IMF-fixdate, as Go's http.TimeFormat. */
bool relay_http_write_date(struct byte_writer *w, int64_t now_unix) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const struct calendar_time c = calendar_time_of(now_unix);
  /* An out-of-range clock is the shell's bug, not the peer's: omit Date. */
  if (c.date.year < 0 || c.date.year > 9999) return true;
  char line[64];
  int n =
      snprintf(line, sizeof line, "Date: %s, %02u %s %04d %02u:%02u:%02u GMT\r\n", days[c.weekday],
               c.date.day, months[c.date.month - 1], (int)c.date.year, c.hour, c.minute, c.second);
  GUARD(n > 0 && (size_t)n < sizeof line);
  return byte_writer_bytes(w, line, (size_t)n);
}

/* Everything after the handler's own headers: Date, Content-Length,
 * sniffed Content-Type, Connection, the empty line, the body. body NULL
 * means the handler wrote nothing. */
static bool write_tail(struct byte_writer *w, const struct reply_ctx *c, int status,
                       const char *body, const char *sniffed_type) {
  size_t body_len = body ? strlen(body) : 0;
  GUARD(relay_http_write_date(w, c->now_unix));
  if (body_allowed(status) && (!c->is_head || body_len > 0)) {
    char line[48];
    int n = snprintf(line, sizeof line, "Content-Length: %zu\r\n", body_len);
    GUARD(n > 0 && (size_t)n < sizeof line);
    GUARD(byte_writer_bytes(w, line, (size_t)n));
  }
  if (sniffed_type) {
    GUARD(byte_writer_str(w, "Content-Type: "));
    GUARD(write_header(w, sniffed_type));
  }
  if (c->close_after && c->version_minor >= 1) GUARD(write_header(w, "Connection: close"));
  GUARD(byte_writer_str(w, "\r\n"));
  if (!c->is_head && body_allowed(status) && body_len > 0)
    GUARD(byte_writer_bytes(w, body, body_len));
  return true;
}

/* http.Error(w, msg, status): body is msg + "\n". */
static bool write_error_reply(struct byte_writer *w, const struct reply_ctx *c, int status,
                              const char *body_with_newline) {
  GUARD(write_status_line(w, c, status));
  GUARD(write_header(w, "Content-Type: text/plain; charset=utf-8"));
  GUARD(write_header(w, "X-Content-Type-Options: nosniff"));
  return write_tail(w, c, status, body_with_newline, NULL);
}

static bool write_probe_reply(struct byte_writer *w, const struct reply_ctx *c,
                              const struct http_request *req) {
  if (!http_span_equals(req->method, "GET") && !http_span_equals(req->method, "HEAD"))
    return write_error_reply(w, c, 405, "bogus probe method\n");
  GUARD(write_status_line(w, c, 200));
  GUARD(write_header(w, "Access-Control-Allow-Origin: *"));
  return write_tail(w, c, 200, "", NULL);
}

#define CHALLENGE_MAX 64

static bool is_challenge_byte(uint8_t b) {
  return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '.' ||
         b == '-' || b == '_' || b == ':';
}

static bool challenge_acceptable(struct http_span v) {
  GUARD(v.len > 0 && v.len <= CHALLENGE_MAX);
  struct byte_reader r = byte_reader_init(v.ptr, v.len);
  uint8_t b;
  while (byte_reader_u8(&r, &b)) GUARD(is_challenge_byte(b));
  return true;
}

static bool write_no_content_reply(struct byte_writer *w, const struct reply_ctx *c,
                                   const struct http_request *req) {
  GUARD(write_status_line(w, c, 204));
  GUARD(write_header(w,
                     "Cache-Control: no-cache, no-store, must-revalidate, no-transform, "
                     "max-age=0"));
  const struct http_header *ch =
      http_header_find(req->headers, req->header_count, "X-Tailscale-Challenge");
  if (ch && challenge_acceptable(ch->value)) {
    GUARD(byte_writer_str(w, "X-Tailscale-Response: response "));
    GUARD(byte_writer_bytes(w, ch->value.ptr, ch->value.len));
    GUARD(byte_writer_str(w, "\r\n"));
  }
  return write_tail(w, c, 204, NULL, NULL);
}

static bool write_robots_reply(struct byte_writer *w, const struct reply_ctx *c) {
  GUARD(write_status_line(w, c, 200));
  /* tsweb.AddBrowserHeaders, in Go's sorted order. */
  GUARD(write_header(w,
                     "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; "
                     "form-action 'self'; base-uri 'self'; block-all-mixed-content; "
                     "object-src 'none'"));
  GUARD(write_header(w, "Strict-Transport-Security: max-age=63072000; includeSubDomains"));
  GUARD(write_header(w, "X-Content-Type-Options: nosniff"));
  GUARD(write_header(w, "X-Frame-Options: DENY"));
  return write_tail(w, c, 200, "User-agent: *\nDisallow: /\n", "text/plain; charset=utf-8");
}

static bool write_switching_protocols(struct byte_writer *w,
                                      const uint8_t key[RELAY_HTTP_KEY_LEN]) {
  GUARD(byte_writer_str(w,
                        "HTTP/1.1 101 Switching Protocols\r\n"
                        "Upgrade: DERP\r\n"
                        "Connection: Upgrade\r\n"
                        "Derp-Version: 2\r\n"
                        "Derp-Public-Key: "));
  GUARD(derp_hex_write_lower(w, key, RELAY_HTTP_KEY_LEN));
  return byte_writer_str(w, "\r\n\r\n");
}

/* Go's raw error write for a request it could not read: no Date, always
 * "Connection: close", the reason repeated as the body. */
static bool write_raw_error(struct byte_writer *w, const char *status_and_reason,
                            const char *body) {
  GUARD(byte_writer_str(w, "HTTP/1.1 "));
  GUARD(byte_writer_str(w, status_and_reason));
  GUARD(byte_writer_str(w,
                        "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Connection: close\r\n\r\n"));
  return byte_writer_str(w, body);
}

/* ---- routing ---- */

static struct http_span header_value(const struct http_request *req, const char *name) {
  struct http_span none = {NULL, 0};
  const struct http_header *h = http_header_find(req->headers, req->header_count, name);
  return h ? h->value : none;
}

static bool span_contains(struct http_span s, const char *needle) {
  size_t n = strlen(needle);
  return s.len >= n && memmem(s.ptr, s.len, needle, n) != NULL;
}

static bool wants_close(const struct http_request *req) {
  if (req->version_minor == 0) return true;
  if (req->has_content_length && req->content_length > 0) return true;
  for (size_t i = 0; i < req->header_count; i++) {
    const struct http_header *h = &req->headers[i];
    if (http_span_equals_nocase(h->name, "Connection") && http_list_has_token(h->value, "close"))
      return true;
  }
  return false;
}

/* derper hands a WebSocket upgrade offering "derp" to coder/websocket's
 * Accept: version 13 and a 16-byte key, then the 101 with the accept key
 * and, when the client's list holds the token "derp", that subprotocol
 * (without it the relay closes with 1008 right after: the DERP phase
 * sees ws_derp false). Any Origin, no compression. */
static bool write_websocket_accept(struct byte_writer *w, const struct reply_ctx *c,
                                   const struct http_request *req, struct relay_http_decision *d) {
  struct http_span version = header_value(req, "Sec-WebSocket-Version");
  struct http_span key = header_value(req, "Sec-WebSocket-Key");
  if (!http_span_equals(version, "13")) {
    d->status = 400;
    return write_error_reply(w, c, 400,
                             "unsupported WebSocket protocol version (only 13 is supported)\n");
  }
  char accept[WS_ACCEPT_LEN + 1];
  if (key.len != 24 || key.ptr[22] != '=' || key.ptr[23] != '=' ||
      !ws_accept_key((const char *)key.ptr, key.len, accept)) {
    d->status = 400;
    return write_error_reply(w, c, 400,
                             "WebSocket protocol violation: invalid Sec-WebSocket-Key\n");
  }
  d->ws_derp = http_list_has_token(header_value(req, "Sec-WebSocket-Protocol"), "derp");
  d->action = RELAY_HTTP_DERP;
  d->websocket = true;
  d->close_after = false;
  d->fast_start = false; /* never over WebSocket (spec §3.3) */
  d->status = 101;
  GUARD(byte_writer_str(w,
                        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                        "Sec-Websocket-Accept: "));
  GUARD(byte_writer_str(w, accept));
  GUARD(byte_writer_str(w, "\r\n"));
  if (d->ws_derp) GUARD(byte_writer_str(w, "Sec-Websocket-Protocol: derp\r\n"));
  return byte_writer_str(w, "Upgrade: websocket\r\n\r\n");
}

static bool route_derp(struct byte_writer *w, const struct reply_ctx *c,
                       const struct http_request *req, const struct relay_http_settings *s,
                       struct relay_http_decision *d) {
  if (!s->derp_enabled) {
    d->status = 404;
    return write_error_reply(w, c, 404, "derp server disabled\n");
  }
  struct http_span up = d->upgrade;
  bool up_derp = http_span_equals_nocase(up, "derp");
  bool up_websocket = http_span_equals_nocase(up, "websocket");
  if (up_websocket && span_contains(header_value(req, "Sec-WebSocket-Protocol"), "derp"))
    return write_websocket_accept(w, c, req, d);
  if (!up_derp && !up_websocket) {
    d->status = 426;
    d->log_weird_upgrade = up.len > 0;
    return write_error_reply(w, c, 426, "DERP requires connection upgrade\n");
  }
  d->action = RELAY_HTTP_DERP;
  d->close_after = false;
  d->fast_start = http_span_equals(header_value(req, "Derp-Fast-Start"), "1");
  if (d->fast_start) return true;
  d->status = 101;
  return write_switching_protocols(w, s->server_public_key);
}

static bool route(struct byte_writer *w, const struct reply_ctx *c, const struct http_request *req,
                  const struct relay_http_settings *s, struct relay_http_decision *d) {
  bool is_connect = http_span_equals(req->method, "CONNECT");
  size_t hosts = http_header_count_named(req->headers, req->header_count, "Host");
  if (req->version_minor >= 1 && hosts == 0 && !is_connect) {
    d->status = 400;
    d->close_after = true;
    return write_raw_error(w, "400 Bad Request: missing required Host header",
                           "400 Bad Request: missing required Host header");
  }
  if (hosts > 1) {
    d->status = 400;
    d->close_after = true;
    return write_raw_error(w, "400 Bad Request: too many Host headers",
                           "400 Bad Request: too many Host headers");
  }
  if (is_connect) {
    d->status = 403;
    return write_error_reply(w, c, 403, "CONNECT not enabled\n");
  }
  struct http_span path = target_path(req->target);
  if (path.len == 0 || !path_is_clean(path)) {
    d->status = 404;
    return write_error_reply(w, c, 404, "404 page not found\n");
  }
  if (path_equals(path, "/derp/probe") || path_equals(path, "/derp/latency-check")) {
    bool get_or_head =
        http_span_equals(req->method, "GET") || http_span_equals(req->method, "HEAD");
    d->status = get_or_head ? 200 : 405;
    return write_probe_reply(w, c, req);
  }
  if (path_equals(path, "/derp") || path_has_prefix(path, "/derp/"))
    return route_derp(w, c, req, s, d);
  if (path_equals(path, "/generate_204")) {
    d->status = 204;
    return write_no_content_reply(w, c, req);
  }
  if (path_equals(path, "/robots.txt")) {
    d->status = 200;
    return write_robots_reply(w, c);
  }
  d->status = 404;
  return write_error_reply(w, c, 404, "404 page not found\n");
}

enum relay_http_status relay_http_route(const struct http_request *req,
                                        const struct relay_http_settings *settings,
                                        int64_t now_unix, struct byte_writer *out,
                                        struct relay_http_decision *decision) {
  struct relay_http_decision d;
  memset(&d, 0, sizeof d);
  d.action = RELAY_HTTP_REPLY;
  d.close_after = wants_close(req);
  d.upgrade = header_value(req, "Upgrade");
  d.ideal_node = header_value(req, "Ideal-Node");
  struct reply_ctx c = {req->version_minor, http_span_equals(req->method, "HEAD"), d.close_after,
                        now_unix};
  size_t mark = out->len;
  if (!route(out, &c, req, settings, &d)) {
    out->len = mark;
    return RELAY_HTTP_ERR_NO_SPACE;
  }
  *decision = d;
  return RELAY_HTTP_OK;
}

enum relay_http_status relay_http_write_rejection(enum http_head_status why,
                                                  struct byte_writer *out) {
  ENSURE(why != HTTP_HEAD_OK && why != HTTP_HEAD_NEED_MORE, RELAY_HTTP_ERR_NOTHING);
  size_t mark = out->len;
  bool ok;
  switch (why) {
    case HTTP_HEAD_ERR_REQUEST_TOO_LARGE:
      ok = write_raw_error(out, "431 Request Header Fields Too Large",
                           "431 Request Header Fields Too Large");
      break;
    case HTTP_HEAD_ERR_UNSUPPORTED_VERSION:
      ok = write_raw_error(out, "505 HTTP Version Not Supported: unsupported protocol version",
                           "505 HTTP Version Not Supported: unsupported protocol version");
      break;
    case HTTP_HEAD_ERR_TRANSFER_ENCODING:
      ok = write_raw_error(out, "501 Not Implemented", "Unsupported transfer encoding");
      break;
    default: ok = write_raw_error(out, "400 Bad Request", "400 Bad Request"); break;
  }
  if (!ok) {
    out->len = mark;
    return RELAY_HTTP_ERR_NO_SPACE;
  }
  return RELAY_HTTP_OK;
}

/* derper logs %q of strings.ToLower(Upgrade). ASCII letters are lowered
 * here; a non-ASCII letter keeps its case (derper would lower it too: a log
 * text only, never an answer). A value whose quoted form does not fit the
 * caller's line is cut: the longest quoted prefix that fits, then
 * `... (N bytes, cut)`, so a long value still shows how it starts. */
#define NOTE_VALUE_MAX 1024

/* The value quoted whole, or its longest prefix that fits with the cut
 * marker after it (found by bisection: go_quote_write is the one copy of
 * the quoting rules, so widths are measured, not predicted). Letters are
 * lowered once, before the probes. */
static bool write_quoted_value_or_cut(struct byte_writer *out, struct http_span v) {
  uint8_t lower[NOTE_VALUE_MAX];
  const size_t n = v.len < NOTE_VALUE_MAX ? v.len : NOTE_VALUE_MAX;
  for (size_t i = 0; i < n; i++) lower[i] = (uint8_t)go_lower_ascii((char)v.ptr[i]);
  if (v.len <= NOTE_VALUE_MAX && go_quote_write(out, lower, n)) return true;
  char marker[48];
  const int mn = snprintf(marker, sizeof marker, "... (%zu bytes, cut)", v.len);
  GUARD(mn > 0 && (size_t)mn < sizeof marker && byte_writer_space(out) > (size_t)mn);
  struct byte_writer room =
      byte_writer_init(out->data + out->len, byte_writer_space(out) - (size_t)mn);
  size_t lo = 0, hi = n; /* lo fits, hi does not */
  while (hi - lo > 1) {
    const size_t mid = lo + (hi - lo) / 2;
    room.len = 0;
    if (go_quote_write(&room, lower, mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  room.len = 0;
  GUARD(go_quote_write(&room, lower, lo));
  out->len += room.len;
  return byte_writer_bytes(out, marker, (size_t)mn);
}

enum relay_http_status relay_http_write_log_note(const struct relay_http_decision *decision,
                                                 struct byte_writer *out) {
  ENSURE(decision->log_weird_upgrade, RELAY_HTTP_ERR_NOTHING);
  size_t mark = out->len;
  if (!byte_writer_str(out, "Weird upgrade: ") ||
      !write_quoted_value_or_cut(out, decision->upgrade)) {
    out->len = mark;
    return RELAY_HTTP_ERR_NO_SPACE;
  }
  return RELAY_HTTP_OK;
}
