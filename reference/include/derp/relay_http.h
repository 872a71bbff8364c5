/* relay_http: what the relay does with one parsed HTTP request — the routing
 * of derper's HTTP listener (spec §6.1, §7.1) as a pure function.
 *
 * Input: a request parsed by http_head, the relay settings and the current
 * time (for the Date header only). Output: a decision (reply, or hand the
 * connection to DERP) and the complete response bytes, written into the
 * caller's byte_writer. No I/O, no clock, no allocation: the relay shell and
 * a fuzz target drive it the same way.
 *
 * Routing (first match wins):
 *  1. HTTP/1.1 without Host, or any request with two Host headers: Go
 *     net/http's raw 400 ("missing required Host header" / "too many Host
 *     headers"), then close. CONNECT is exempt from the Host rule, as in Go.
 *  2. Method CONNECT: 403 "CONNECT not enabled" (derper's ACE proxy is off by
 *     default; applied on any listener here).
 *  3. Path (the target's path, %XX-decoded, query removed; absolute-form
 *     targets reduced to their path). A path that Go's ServeMux would first
 *     clean ("//", "/./", "/../", trailing "/." or "/..") gets 404 here
 *     instead of Go's 301 redirect.
 *  4. "/derp/probe", "/derp/latency-check": GET/HEAD 200, empty body,
 *     "Access-Control-Allow-Origin: *"; other methods 405 "bogus probe
 *     method". Served whether DERP is enabled or not.
 *  5. "/derp" and everything under "/derp/" (derphttp.Handler's view, so
 *     TestProbe's "/derp/sdf" without Upgrade gives 426; upstream derper
 *     mounts the handler on "/derp" only):
 *       - derp disabled: 404 "derp server disabled";
 *       - "Upgrade: websocket" with a Sec-WebSocket-Protocol value containing
 *         "derp": 501 "DERP over WebSocket not supported" (our choice: the
 *         WebSocket transport is out of scope; a clear status is better than
 *         a 426 that tells the client to do what it already did);
 *       - Upgrade, lowered, neither "derp" nor "websocket": 426 with body
 *         "DERP requires connection upgrade\n"; a non-empty value sets
 *         log_weird_upgrade (see relay_http_write_log_note);
 *       - otherwise upgrade: "Derp-Fast-Start: 1" (exactly) -> no response
 *         at all; else the exact 101 of §6.1 with the server key. Either way
 *         the bytes after request.head_len belong to the DERP stream.
 *         "Upgrade: websocket" without the derp subprotocol lands here too,
 *         as upstream (legacy clients that spoke raw DERP after the 101).
 *  6. "/generate_204": 204 with Cache-Control and, for a valid
 *     X-Tailscale-Challenge (non-empty, <= 64 bytes, [A-Za-z0-9._:-] only),
 *     "X-Tailscale-Response: response <challenge>".
 *  7. "/robots.txt": 200 "User-agent: *\nDisallow: /\n" with derper's
 *     browser security headers.
 *  8. Anything else: 404 "404 page not found" (no home page).
 * Any method is accepted on 5-8, as upstream.
 *
 * Response bytes follow Go net/http's layout: status line with the request's
 * version, handler headers sorted by name, then Date, Content-Length,
 * Content-Type (when sniffed), Connection. http.Error bodies end in "\n" and
 * carry "Content-Type: text/plain; charset=utf-8" and
 * "X-Content-Type-Options: nosniff". HEAD gets the same head without a body
 * (and no "Content-Length: 0" for an empty body, as Go).
 *
 * Connection reuse: close_after is set for HTTP/1.0 (no keep-alive support),
 * "Connection: close", and requests that announce a body (we never read
 * bodies; Go would read and discard up to 256 KiB instead). For HTTP/1.1 a
 * "Connection: close" header is then added, as Go does. */
#ifndef DERP_RELAY_HTTP_H
#define DERP_RELAY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"
#include "derp/http_head.h"

/* Large enough for every response relay_http writes. */
#define RELAY_HTTP_RESPONSE_MAX 1024
#define RELAY_HTTP_KEY_LEN 32

struct relay_http_settings {
  bool derp_enabled;                             /* --derp (default true) */
  uint8_t server_public_key[RELAY_HTTP_KEY_LEN]; /* shown in the 101 */
};

enum relay_http_action {
  /* Write the response; then read the next request, or close if close_after. */
  RELAY_HTTP_REPLY = 1,
  /* Write the response (the 101, or nothing on fast start); from
   * request.head_len on, the connection carries DERP. */
  RELAY_HTTP_DERP,
};

struct relay_http_decision {
  enum relay_http_action action;
  int status;      /* status written; 0 when nothing is written */
  bool fast_start; /* DERP without a 101 (Derp-Fast-Start: 1) */
  bool close_after;
  bool log_weird_upgrade;      /* a 426 for a non-empty odd Upgrade value */
  bool websocket;              /* DERP inside WebSocket binary messages (§6.1) */
  bool ws_derp;                /* ... and the client speaks the "derp" subprotocol */
  struct http_span upgrade;    /* first Upgrade value as received */
  struct http_span ideal_node; /* Ideal-Node value; len 0 when absent */
};

enum relay_http_status {
  RELAY_HTTP_OK = 0,
  RELAY_HTTP_ERR_NO_SPACE, /* the writer is too small; nothing was written */
  RELAY_HTTP_ERR_NOTHING,  /* no response applies (see the functions) */
};

/* Route one request. On RELAY_HTTP_OK the response bytes were appended to
 * *out (nothing for fast start) and *decision says what comes next. */
enum relay_http_status relay_http_route(const struct http_request *req,
                                        const struct relay_http_settings *settings,
                                        int64_t now_unix, struct byte_writer *out,
                                        struct relay_http_decision *decision);

/* The reply for a request head that did not parse, in Go net/http's raw
 * form ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain;
 * charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"): 431 when too
 * large, 505 for an unsupported version, 501 for Transfer-Encoding, 400
 * otherwise. The connection is closed afterwards. RELAY_HTTP_ERR_NOTHING
 * for HTTP_HEAD_OK / HTTP_HEAD_NEED_MORE. */
enum relay_http_status relay_http_write_rejection(enum http_head_status why,
                                                  struct byte_writer *out);

/* The log line upstream prints for an odd Upgrade value:
 * `Weird upgrade: "<value>"`, the value ASCII-lowered and quoted like Go's
 * %q for ASCII (bytes >= 0x80 always as \xNN; Go keeps printable UTF-8 and
 * lowers non-ASCII letters too). A value too long for `out` is cut:
 * `Weird upgrade: "<quoted prefix>"... (N bytes, cut)`. RELAY_HTTP_ERR_NOTHING
 * when the decision asks for no log line; RELAY_HTTP_ERR_NO_SPACE only when
 * not even the cut form fits. */
enum relay_http_status relay_http_write_log_note(const struct relay_http_decision *decision,
                                                 struct byte_writer *out);

/* derper's plain-HTTP listener (--http-port, §7.1) in manual cert mode:
 * /generate_204 -> relay_http_route's answer; methods other than GET/HEAD ->
 * 400 "Use HTTPS"; anything else -> 302 to https://<Host><request-target>.
 * Same contract as relay_http_route (action is always REPLY). derper also
 * serves /debug there to trusted addresses; derp-relay has no /debug. */
enum relay_http_status relay_http_route_port80(const struct http_request *req,
                                               const struct relay_http_settings *settings,
                                               int64_t now_unix, struct byte_writer *out,
                                               struct relay_http_decision *decision);

#endif
