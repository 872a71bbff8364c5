/* What derper's plain-HTTP listener (--http-port, spec §7.1) answers in
 * manual cert mode: /generate_204 as on the TLS listener, 400 "Use HTTPS"
 * for methods other than GET/HEAD, else a 302 to https://<Host><target>. */
#include "derp/relay_http.h"

#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/hex.h"
#include "relay_http_internal.h"

static bool method_is(const struct http_request *req, const char *m) {
  return http_span_equals(req->method, m);
}

/* tsweb.Port80Handler looks at r.RequestURI: the target exactly as sent. */
static bool target_has_prefix(const struct http_request *req, const char *prefix) {
  size_t n = strlen(prefix);
  return req->target.len >= n && memcmp(req->target.ptr, prefix, n) == 0;
}

static bool wants_close(const struct http_request *req) {
  if (req->version_minor == 0) return true;
  const struct http_header *h = http_header_find(req->headers, req->header_count, "Connection");
  return (h != NULL && http_list_has_token(h->value, "close")) || req->has_content_length;
}

/* Go's hexEscapeNonASCII (Location) and htmlEscape (the body), byte by byte. */
static bool put_escaped(struct byte_writer *w, const uint8_t *p, size_t n, bool html) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (!html && c >= 0x80) {
      /* strconv.AppendInt(b, int64(c), 16): lowercase, as Go writes it */
      GUARD(byte_writer_u8(w, '%') && derp_hex_write_lower(w, &c, 1));
    } else if (html && c == '<') {
      GUARD(byte_writer_str(w, "&lt;"));
    } else if (html && c == '>') {
      GUARD(byte_writer_str(w, "&gt;"));
    } else if (html && c == '&') {
      GUARD(byte_writer_str(w, "&amp;"));
    } else if (html && c == '\'') {
      GUARD(byte_writer_str(w, "&#39;"));
    } else if (html && c == '"') {
      GUARD(byte_writer_str(w, "&#34;"));
    } else {
      GUARD(byte_writer_u8(w, c));
    }
  }
  return true;
}

/* "https://" + Host + RequestURI, escaped for the given context. */
static bool put_target(struct byte_writer *w, const struct http_request *req,
                       const struct http_header *host, bool html) {
  GUARD(byte_writer_str(w, "https://"));
  if (host != NULL) GUARD(put_escaped(w, host->value.ptr, host->value.len, html));
  return put_escaped(w, req->target.ptr, req->target.len, html);
}

static bool put_status_line(struct byte_writer *w, const struct http_request *req,
                            const char *status) {
  return byte_writer_str(w, req->version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ") &&
         byte_writer_str(w, status) && byte_writer_str(w, "\r\n");
}

static bool put_tail(struct byte_writer *w, const struct http_request *req, int64_t now,
                     size_t body_len, bool close) {
  char cl[48];
  snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", body_len);
  GUARD(relay_http_write_date(w, now) && byte_writer_str(w, cl));
  if (close && req->version_minor == 1) GUARD(byte_writer_str(w, "Connection: close\r\n"));
  return byte_writer_str(w, "\r\n");
}

/* http.Error(w, "Use HTTPS", http.StatusBadRequest) */
static bool write_use_https(struct byte_writer *w, const struct http_request *req, int64_t now,
                            bool close) {
  static const char body[] = "Use HTTPS\n";
  GUARD(put_status_line(w, req, "400 Bad Request"));
  GUARD(byte_writer_str(w,
                        "Content-Type: text/plain; charset=utf-8\r\n"
                        "X-Content-Type-Options: nosniff\r\n"));
  GUARD(put_tail(w, req, now, sizeof body - 1, close));
  return method_is(req, "HEAD") || byte_writer_str(w, body);
}

/* http.Redirect(w, r, "https://"+r.Host+r.RequestURI, http.StatusFound) */
static bool write_redirect(struct byte_writer *w, const struct http_request *req, int64_t now,
                           bool close) {
  const struct http_header *host = http_header_find(req->headers, req->header_count, "Host");
  /* The body is only for GET: `<a href="URL">Found</a>.` and two newlines. */
  uint8_t body[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer b = byte_writer_init(body, sizeof body);
  if (method_is(req, "GET")) {
    GUARD(byte_writer_str(&b, "<a href=\"") && put_target(&b, req, host, true) &&
          byte_writer_str(&b, "\">Found</a>.\n\n"));
  }
  GUARD(put_status_line(w, req, "302 Found"));
  GUARD(byte_writer_str(w, "Content-Type: text/html; charset=utf-8\r\nLocation: "));
  GUARD(put_target(w, req, host, false) && byte_writer_str(w, "\r\n"));
  GUARD(put_tail(w, req, now, b.len, close));
  return byte_writer_bytes(w, body, b.len);
}

enum relay_http_status relay_http_route_port80(const struct http_request *req,
                                               const struct relay_http_settings *settings,
                                               int64_t now_unix, struct byte_writer *out,
                                               struct relay_http_decision *decision) {
  /* /generate_204 (and /debug, which relay_http answers with its 404) are
   * relay_http's; everything it would not answer with 204 is ours. */
  uint8_t scratch[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer s = byte_writer_init(scratch, sizeof scratch);
  enum relay_http_status st = relay_http_route(req, settings, now_unix, &s, decision);
  if (st == RELAY_HTTP_OK && (decision->status == 204 || target_has_prefix(req, "/debug")) &&
      decision->action == RELAY_HTTP_REPLY) {
    return byte_writer_bytes(out, scratch, s.len) ? RELAY_HTTP_OK : RELAY_HTTP_ERR_NO_SPACE;
  }
  memset(decision, 0, sizeof *decision);
  decision->action = RELAY_HTTP_REPLY;
  decision->close_after = wants_close(req);
  struct byte_writer w = *out;
  bool ok;
  if (!method_is(req, "GET") && !method_is(req, "HEAD")) {
    decision->status = 400;
    ok = write_use_https(&w, req, now_unix, decision->close_after);
  } else {
    decision->status = 302;
    ok = write_redirect(&w, req, now_unix, decision->close_after);
  }
  ENSURE(ok, RELAY_HTTP_ERR_NO_SPACE);
  *out = w;
  return RELAY_HTTP_OK;
}
