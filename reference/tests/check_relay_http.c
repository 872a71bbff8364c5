#include "derp/relay_http.h"

#include <string.h>

#include "check_main.h"

#define NOW INT64_C(1700000000)
#define DATE "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

struct routed {
  enum relay_http_status st;
  struct relay_http_decision d;
  struct http_request req;
  struct http_header slots[16];
  uint8_t out[RELAY_HTTP_RESPONSE_MAX];
  size_t out_len;
};

static struct relay_http_settings settings(bool derp_enabled) {
  struct relay_http_settings s;
  s.derp_enabled = derp_enabled;
  for (size_t i = 0; i < RELAY_HTTP_KEY_LEN; i++) s.server_public_key[i] = (uint8_t)i;
  return s;
}

/* Parse `raw` as a request head (it must parse) and route it. */
static void route_raw(struct routed *r, const char *raw, bool derp_enabled) {
  memset(r, 0, sizeof *r);
  enum http_head_status hs =
      http_parse_request((const uint8_t *)raw, strlen(raw), 8192, r->slots, 16, &r->req);
  ck_assert_msg(hs == HTTP_HEAD_OK, "request did not parse: %s", http_head_status_str(hs));
  struct relay_http_settings s = settings(derp_enabled);
  struct byte_writer w = byte_writer_init(r->out, sizeof r->out);
  r->st = relay_http_route(&r->req, &s, NOW, &w, &r->d);
  r->out_len = w.len;
}

static void assert_out(const struct routed *r, const char *want) {
  ck_assert_int_eq(r->st, RELAY_HTTP_OK);
  ck_assert_msg(r->out_len == strlen(want) && memcmp(r->out, want, r->out_len) == 0,
                "got:\n%.*s\nwant:\n%s", (int)r->out_len, (const char *)r->out, want);
}

static bool out_contains(const struct routed *r, const char *needle) {
  return memmem(r->out, r->out_len, needle, strlen(needle)) != NULL;
}

#define ERROR_REPLY(status_line, body_len, body)                                                \
  status_line                                                                                   \
      "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n" DATE \
      "Content-Length: " #body_len "\r\n\r\n" body

static const char exact_101[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: DERP\r\n"
    "Connection: Upgrade\r\n"
    "Derp-Version: 2\r\n"
    "Derp-Public-Key: " KEY_HEX
    "\r\n"
    "\r\n";

/* ---- /derp upgrade ---- */

START_TEST(upgrade_writes_exact_101) {
  struct routed r;
  route_raw(&r,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUser-Agent: Go-http-client/1.1\r\n"
            "Connection: Upgrade\r\nUpgrade: DERP\r\n\r\n",
            true);
  assert_out(&r, exact_101);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
  ck_assert_int_eq(r.d.status, 101);
  ck_assert(!r.d.fast_start);
  ck_assert(!r.d.close_after);
}
END_TEST

START_TEST(upgrade_value_case_insensitive) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: dErP\r\n\r\n", true);
  assert_out(&r, exact_101);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
}
END_TEST

START_TEST(upgrade_websocket_without_subprotocol_is_raw_derp) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\n\r\n", true);
  assert_out(&r, exact_101);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
}
END_TEST

/* The RFC's sample key and its accept value. */
#define WS_REQUEST(extra)                                                          \
  "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" extra "\r\n"

START_TEST(upgrade_websocket_derp_subprotocol_accepted) {
  struct routed r;
  route_raw(&r, WS_REQUEST("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: derp\r\n"), true);
  assert_out(&r,
             "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
             "Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "Sec-Websocket-Protocol: derp\r\nUpgrade: websocket\r\n\r\n");
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
  ck_assert(r.d.websocket && r.d.ws_derp && !r.d.fast_start);
  /* "xderp" contains "derp" (routed to WebSocket) but is not the token:
     accepted without a subprotocol, the DERP phase then closes with 1008 */
  route_raw(&r, WS_REQUEST("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: xderp\r\n"), true);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
  ck_assert(r.d.websocket && !r.d.ws_derp);
  ck_assert(!out_contains(&r, "Sec-Websocket-Protocol"));
}
END_TEST

START_TEST(upgrade_websocket_bad_version_or_key) {
  struct routed r;
  route_raw(&r, WS_REQUEST("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Protocol: derp\r\n"), true);
  ck_assert_int_eq(r.d.status, 400);
  ck_assert(out_contains(&r, "unsupported WebSocket protocol version (only 13 is supported)"));
  ck_assert_int_eq(r.d.action, RELAY_HTTP_REPLY);
  route_raw(&r,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nSec-WebSocket-Key: short\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: derp\r\n\r\n",
            true);
  ck_assert_int_eq(r.d.status, 400);
  ck_assert(out_contains(&r, "WebSocket protocol violation: invalid Sec-WebSocket-Key"));
}
END_TEST

START_TEST(fast_start_writes_nothing) {
  struct routed r;
  route_raw(&r,
            "GET /derp HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
            "Derp-Fast-Start: 1\r\nUpgrade: DERP\r\n\r\n",
            true);
  ck_assert_int_eq(r.st, RELAY_HTTP_OK);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
  ck_assert(r.d.fast_start);
  ck_assert_int_eq(r.d.status, 0);
  ck_assert_uint_eq(r.out_len, 0);
}
END_TEST

START_TEST(fast_start_needs_exactly_1) {
  const char *values[] = {"true", "11", "01", "yes"};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    char raw[256];
    snprintf(raw, sizeof raw,
             "GET /derp HTTP/1.1\r\nHost: h\r\nDerp-Fast-Start: %s\r\n"
             "Upgrade: DERP\r\n\r\n",
             values[i]);
    struct routed r;
    route_raw(&r, raw, true);
    ck_assert(!r.d.fast_start);
    assert_out(&r, exact_101);
  }
}
END_TEST

START_TEST(bytes_after_head_belong_to_derp) {
  /* A fast-start client writes ClientInfo right behind the head. */
  const char head[] =
      "GET /derp HTTP/1.1\r\nHost: h\r\nDerp-Fast-Start: 1\r\nUpgrade: DERP\r\n\r\n";
  uint8_t buf[sizeof head - 1 + 5];
  memcpy(buf, head, sizeof head - 1);
  memcpy(buf + sizeof head - 1, "\x02\x00\x00\x00\x38", 5);
  struct http_header slots[8];
  struct http_request req;
  ck_assert_int_eq(http_parse_request(buf, sizeof buf, 8192, slots, 8, &req), HTTP_HEAD_OK);
  ck_assert_uint_eq(req.head_len, sizeof head - 1);
  ck_assert_uint_eq(buf[req.head_len], 0x02);
  struct relay_http_settings s = settings(true);
  uint8_t out[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  struct relay_http_decision d;
  ck_assert_int_eq(relay_http_route(&req, &s, NOW, &w, &d), RELAY_HTTP_OK);
  ck_assert_int_eq(d.action, RELAY_HTTP_DERP);
}
END_TEST

START_TEST(ideal_node_surfaced) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nIdeal-Node: 900a\r\nUpgrade: DERP\r\n\r\n", true);
  ck_assert(http_span_equals(r.d.ideal_node, "900a"));
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\n\r\n", true);
  ck_assert_uint_eq(r.d.ideal_node.len, 0);
}
END_TEST

START_TEST(no_upgrade_gives_426) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(
      &r, ERROR_REPLY("HTTP/1.1 426 Upgrade Required", 33, "DERP requires connection upgrade\n"));
  ck_assert_int_eq(r.d.action, RELAY_HTTP_REPLY);
  ck_assert(!r.d.log_weird_upgrade);
  uint8_t note[64];
  struct byte_writer w = byte_writer_init(note, sizeof note);
  ck_assert_int_eq(relay_http_write_log_note(&r.d, &w), RELAY_HTTP_ERR_NOTHING);
}
END_TEST

/* Routes `raw`, which must be a weird upgrade, and checks its log note. */
static void expect_weird_upgrade_note(const char *raw, const char *want) {
  struct routed r;
  route_raw(&r, raw, true);
  ck_assert_int_eq(r.d.status, 426);
  ck_assert(r.d.log_weird_upgrade);
  uint8_t note[64];
  struct byte_writer w = byte_writer_init(note, sizeof note);
  ck_assert_int_eq(relay_http_write_log_note(&r.d, &w), RELAY_HTTP_OK);
  ck_assert_uint_eq(w.len, strlen(want));
  ck_assert_mem_eq(note, want, w.len);
}

START_TEST(weird_upgrade_426_and_log_note) {
  expect_weird_upgrade_note("GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: H2C\"\\x\r\n\r\n",
                            "Weird upgrade: \"h2c\\\"\\\\x\"");
}
END_TEST

START_TEST(weird_upgrade_log_note_escapes_bytes_as_lowercase_hex) {
  expect_weird_upgrade_note("GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: H2C\xff\xAB\r\n\r\n",
                            "Weird upgrade: \"h2c\\xff\\xab\"");
}
END_TEST

/* A long value (or one whose escapes make it long) is logged cut, never
 * dropped: the quoted prefix stays a complete Go quoted string. */
START_TEST(long_weird_upgrade_logged_cut_and_quoted) {
  static char raw[4096];
  char value[2001];
  memset(value, 'A', sizeof value - 1);
  value[sizeof value - 1] = '\0';
  value[3] = '\xff'; /* one escape early: 4 bytes in the note */
  snprintf(raw, sizeof raw, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: %s\r\n\r\n", value);
  struct routed r;
  route_raw(&r, raw, true);
  ck_assert(r.d.log_weird_upgrade);
  for (size_t cap = 46; cap <= 600; cap += 37) {
    uint8_t note[600];
    struct byte_writer w = byte_writer_init(note, cap);
    ck_assert_int_eq(relay_http_write_log_note(&r.d, &w), RELAY_HTTP_OK);
    ck_assert_uint_le(w.len, cap);
    const char *tail = "\"... (2000 bytes, cut)";
    const size_t tl = strlen(tail), head = strlen("Weird upgrade: \"aaa\\xff");
    ck_assert_uint_ge(w.len, head + tl);
    ck_assert_mem_eq(note, "Weird upgrade: \"aaa\\xff", head);
    ck_assert_mem_eq(note + w.len - tl, tail, tl);
    for (size_t i = head; i < w.len - tl; i++) ck_assert_int_eq(note[i], 'a');
    /* The longest prefix that fits: one more byte would not. */
    ck_assert_uint_gt(w.len + 1, cap);
  }
  /* Too small for even the cut form: nothing is written. */
  uint8_t tiny[30];
  struct byte_writer w = byte_writer_init(tiny, sizeof tiny);
  ck_assert_int_eq(relay_http_write_log_note(&r.d, &w), RELAY_HTTP_ERR_NO_SPACE);
  ck_assert_uint_eq(w.len, 0);
  /* A value that fits is not cut. */
  expect_weird_upgrade_note("GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: websocketX\r\n\r\n",
                            "Weird upgrade: \"websocketx\"");
}
END_TEST

START_TEST(empty_upgrade_426_without_log) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade:\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 426);
  ck_assert(!r.d.log_weird_upgrade);
}
END_TEST

START_TEST(derp_disabled_404) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\n\r\n", false);
  assert_out(&r, ERROR_REPLY("HTTP/1.1 404 Not Found", 21, "derp server disabled\n"));
  ck_assert_int_eq(r.d.action, RELAY_HTTP_REPLY);
}
END_TEST

/* ---- probes (TestProbe) ---- */

START_TEST(probe_get_200) {
  struct routed r;
  route_raw(&r, "GET /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(
      &r, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n" DATE "Content-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(latency_check_200) {
  struct routed r;
  route_raw(&r, "GET /derp/latency-check HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 200);
  assert_out(
      &r, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n" DATE "Content-Length: 0\r\n\r\n");
}
END_TEST

START_TEST(probe_head_200_without_length) {
  struct routed r;
  route_raw(&r, "HEAD /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(&r, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n" DATE "\r\n");
}
END_TEST

START_TEST(probe_other_method_405) {
  struct routed r;
  route_raw(&r, "POST /derp/latency-check HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(&r, ERROR_REPLY("HTTP/1.1 405 Method Not Allowed", 19, "bogus probe method\n"));
}
END_TEST

START_TEST(probe_served_when_derp_disabled) {
  struct routed r;
  route_raw(&r, "GET /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n", false);
  ck_assert_int_eq(r.d.status, 200);
}
END_TEST

START_TEST(derp_subpath_without_upgrade_426) {
  struct routed r;
  route_raw(&r, "GET /derp/sdf HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 426);
  ck_assert(out_contains(&r, "DERP requires connection upgrade\n"));
}
END_TEST

/* ---- /generate_204 (TestNoContent) ---- */

#define NO_CONTENT_HEAD         \
  "HTTP/1.1 204 No Content\r\n" \
  "Cache-Control: no-cache, no-store, must-revalidate, no-transform, max-age=0\r\n"

START_TEST(no_content_without_challenge) {
  struct routed r;
  route_raw(&r, "GET /generate_204 HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(&r, NO_CONTENT_HEAD DATE "\r\n");
  ck_assert_int_eq(r.d.status, 204);
}
END_TEST

START_TEST(no_content_challenge_input) {
  struct routed r;
  route_raw(&r, "GET /generate_204 HTTP/1.1\r\nHost: h\r\nX-Tailscale-Challenge: input\r\n\r\n",
            true);
  assert_out(&r, NO_CONTENT_HEAD "X-Tailscale-Response: response input\r\n" DATE "\r\n");
}
END_TEST

START_TEST(no_content_challenge_hostname_echoed) {
  struct routed r;
  route_raw(&r,
            "GET /generate_204 HTTP/1.1\r\nHost: h\r\n"
            "X-Tailscale-Challenge: ts_derp99b.tailscale.com\r\n\r\n",
            true);
  ck_assert(out_contains(&r, "\r\nX-Tailscale-Response: response ts_derp99b.tailscale.com\r\n"));
}
END_TEST

/* The handler-level rows of TestNoContent: headers that Go's test sets
 * directly, so the request is built without the parser. */
static void route_challenge(struct routed *r, const char *value, size_t value_len) {
  memset(r, 0, sizeof *r);
  static const char method[] = "GET", target[] = "/generate_204", host[] = "Host", h[] = "h",
                    name[] = "X-Tailscale-Challenge";
  r->slots[0].name = (struct http_span){(const uint8_t *)host, 4};
  r->slots[0].value = (struct http_span){(const uint8_t *)h, 1};
  r->slots[1].name = (struct http_span){(const uint8_t *)name, strlen(name)};
  r->slots[1].value = (struct http_span){(const uint8_t *)value, value_len};
  r->req.method = (struct http_span){(const uint8_t *)method, 3};
  r->req.target = (struct http_span){(const uint8_t *)target, strlen(target)};
  r->req.version_minor = 1;
  r->req.headers = r->slots;
  r->req.header_count = 2;
  struct relay_http_settings s = settings(true);
  struct byte_writer w = byte_writer_init(r->out, sizeof r->out);
  r->st = relay_http_route(&r->req, &s, NOW, &w, &r->d);
  r->out_len = w.len;
}

START_TEST(no_content_challenge_nul_rejected) {
  struct routed r;
  route_challenge(&r, "foo\0bar", 7);
  ck_assert_int_eq(r.d.status, 204);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
}
END_TEST

START_TEST(no_content_challenge_space_rejected) {
  struct routed r;
  route_challenge(&r, "foo bar", 7);
  ck_assert_int_eq(r.d.status, 204);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
}
END_TEST

START_TEST(no_content_challenge_length_limit) {
  char x[65];
  memset(x, 'x', sizeof x);
  struct routed r;
  route_challenge(&r, x, 65);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
  route_challenge(&r, x, 64);
  ck_assert(out_contains(&r, "X-Tailscale-Response: response xxxxxxxx"));
}
END_TEST

START_TEST(no_content_challenge_charset) {
  struct routed r;
  route_challenge(&r, "Az09._:-", 8);
  ck_assert(out_contains(&r, "X-Tailscale-Response: response Az09._:-\r\n"));
  route_challenge(&r, "a/b", 3);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
  route_challenge(&r, "caf\xc3\xa9", 5);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
  route_challenge(&r, "", 0);
  ck_assert(!out_contains(&r, "X-Tailscale-Response"));
}
END_TEST

/* ---- other paths ---- */

START_TEST(robots_txt) {
  struct routed r;
  route_raw(&r, "GET /robots.txt HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(&r,
             "HTTP/1.1 200 OK\r\n"
             "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; form-action "
             "'self'; base-uri 'self'; block-all-mixed-content; object-src 'none'\r\n"
             "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\n"
             "X-Content-Type-Options: nosniff\r\n"
             "X-Frame-Options: DENY\r\n" DATE
             "Content-Length: 26\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "\r\n"
             "User-agent: *\nDisallow: /\n");
}
END_TEST

START_TEST(unknown_path_404) {
  const char *paths[] = {"/", "/derpx", "/index.html", "/derp.txt", "/generate_204/"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    char raw[128];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", paths[i]);
    struct routed r;
    route_raw(&r, raw, true);
    assert_out(&r, ERROR_REPLY("HTTP/1.1 404 Not Found", 19, "404 page not found\n"));
  }
}
END_TEST

START_TEST(head_has_no_body) {
  struct routed r;
  route_raw(&r, "HEAD /nope HTTP/1.1\r\nHost: h\r\n\r\n", true);
  assert_out(&r,
             "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
             "X-Content-Type-Options: nosniff\r\n" DATE "Content-Length: 19\r\n\r\n");
}
END_TEST

START_TEST(query_and_absolute_form) {
  struct routed r;
  route_raw(&r, "GET /generate_204?x=/derp HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 204);
  route_raw(&r, "GET http://h:80/derp/probe HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 200);
  route_raw(&r, "GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 404);
  route_raw(&r, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 404);
}
END_TEST

START_TEST(percent_decoded_path) {
  struct routed r;
  route_raw(&r, "GET /robots%2etxt HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 200);
  ck_assert(out_contains(&r, "Disallow"));
  route_raw(&r, "GET /%64erp HTTP/1.1\r\nHost: h\r\nUpgrade: derp\r\n\r\n", true);
  ck_assert_int_eq(r.d.action, RELAY_HTTP_DERP);
}
END_TEST

START_TEST(unclean_path_404) {
  const char *paths[] = {"/derp/../derp", "//derp", "/derp/./probe", "/derp/.", "/derp/%2e%2e"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    char raw[128];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\n\r\n", paths[i]);
    struct routed r;
    route_raw(&r, raw, true);
    ck_assert_msg(r.d.status == 404 && r.d.action == RELAY_HTTP_REPLY, "%s", paths[i]);
  }
}
END_TEST

/* ---- connection handling ---- */

START_TEST(http10_closes_without_header) {
  struct routed r;
  route_raw(&r, "GET /derp/probe HTTP/1.0\r\n\r\n", true);
  assert_out(
      &r, "HTTP/1.0 200 OK\r\nAccess-Control-Allow-Origin: *\r\n" DATE "Content-Length: 0\r\n\r\n");
  ck_assert(r.d.close_after);
}
END_TEST

START_TEST(connection_close_honoured) {
  struct routed r;
  route_raw(&r, "GET /derp/probe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", true);
  assert_out(&r, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n" DATE
                 "Content-Length: 0\r\nConnection: close\r\n\r\n");
  ck_assert(r.d.close_after);
  route_raw(&r, "GET /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n", true);
  ck_assert(!r.d.close_after);
}
END_TEST

START_TEST(request_body_closes) {
  struct routed r;
  route_raw(&r, "POST /derp/probe HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", true);
  ck_assert(r.d.close_after);
  ck_assert(out_contains(&r, "\r\nConnection: close\r\n"));
}
END_TEST

START_TEST(missing_host_400) {
  struct routed r;
  route_raw(&r, "GET /derp HTTP/1.1\r\nUpgrade: DERP\r\n\r\n", true);
  assert_out(&r,
             "HTTP/1.1 400 Bad Request: missing required Host header\r\n"
             "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
             "400 Bad Request: missing required Host header");
  ck_assert_int_eq(r.d.action, RELAY_HTTP_REPLY);
  ck_assert(r.d.close_after);
  route_raw(&r, "GET /derp/probe HTTP/1.0\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 200);
}
END_TEST

START_TEST(too_many_hosts_400) {
  struct routed r;
  route_raw(&r, "GET /derp/probe HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", true);
  ck_assert_int_eq(r.d.status, 400);
  ck_assert(out_contains(&r, "too many Host headers"));
  ck_assert(r.d.close_after);
}
END_TEST

START_TEST(connect_403) {
  struct routed r;
  route_raw(&r, "CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n", true);
  assert_out(&r, ERROR_REPLY("HTTP/1.1 403 Forbidden", 20, "CONNECT not enabled\n"));
}
END_TEST

START_TEST(rejection_bytes) {
  uint8_t out[256];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_ERR_REQUEST_TOO_LARGE, &w), RELAY_HTTP_OK);
  const char too_large[] =
      "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; "
      "charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large";
  ck_assert_uint_eq(w.len, sizeof too_large - 1);
  ck_assert_mem_eq(out, too_large, w.len);

  w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_ERR_BARE_LF, &w), RELAY_HTTP_OK);
  const char bad[] =
      "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
      "charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request";
  ck_assert_uint_eq(w.len, sizeof bad - 1);
  ck_assert_mem_eq(out, bad, w.len);

  w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_ERR_UNSUPPORTED_VERSION, &w),
                   RELAY_HTTP_OK);
  ck_assert(memmem(out, w.len, "505 HTTP Version Not Supported: unsupported protocol version\r\n",
                   62) == out + 9);

  w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_ERR_TRANSFER_ENCODING, &w), RELAY_HTTP_OK);
  ck_assert(memmem(out, w.len, "\r\n\r\nUnsupported transfer encoding", 33) != NULL);

  w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_NEED_MORE, &w), RELAY_HTTP_ERR_NOTHING);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_OK, &w), RELAY_HTTP_ERR_NOTHING);
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(small_writer_writes_nothing) {
  struct http_header slots[8];
  struct http_request req;
  const char *raw = "GET /robots.txt HTTP/1.1\r\nHost: h\r\n\r\n";
  ck_assert_int_eq(http_parse_request((const uint8_t *)raw, strlen(raw), 8192, slots, 8, &req),
                   HTTP_HEAD_OK);
  struct relay_http_settings s = settings(true);
  uint8_t out[100];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  ck_assert(byte_writer_str(&w, "keep"));
  struct relay_http_decision d;
  ck_assert_int_eq(relay_http_route(&req, &s, NOW, &w, &d), RELAY_HTTP_ERR_NO_SPACE);
  ck_assert_uint_eq(w.len, 4);
  w = byte_writer_init(out, 10);
  ck_assert_int_eq(relay_http_write_rejection(HTTP_HEAD_ERR_METHOD, &w), RELAY_HTTP_ERR_NO_SPACE);
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(date_header_from_injected_time) {
  struct http_header slots[8];
  struct http_request req;
  const char *raw = "GET /generate_204 HTTP/1.1\r\nHost: h\r\n\r\n";
  ck_assert_int_eq(http_parse_request((const uint8_t *)raw, strlen(raw), 8192, slots, 8, &req),
                   HTTP_HEAD_OK);
  struct relay_http_settings s = settings(true);
  uint8_t out[RELAY_HTTP_RESPONSE_MAX];
  struct byte_writer w = byte_writer_init(out, sizeof out);
  struct relay_http_decision d;
  ck_assert_int_eq(relay_http_route(&req, &s, 0, &w, &d), RELAY_HTTP_OK);
  ck_assert(memmem(out, w.len, "\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 39) != NULL);
  w = byte_writer_init(out, sizeof out);
  ck_assert_int_eq(relay_http_route(&req, &s, INT64_C(1709164800), &w, &d), RELAY_HTTP_OK);
  ck_assert(memmem(out, w.len, "\r\nDate: Thu, 29 Feb 2024 00:00:00 GMT\r\n", 39) != NULL);
}
END_TEST

/* Go's http.Redirect escapes non-ASCII bytes of the Location with
 * hexEscapeNonASCII, which appends strconv.AppendInt(b, int64(c), 16):
 * lowercase hex. */
START_TEST(port80_redirect_escapes_non_ascii_in_lowercase) {
  struct routed r;
  memset(&r, 0, sizeof r);
  const char *raw = "GET /x HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n";
  ck_assert_int_eq(http_parse_request((const uint8_t *)raw, strlen(raw), 8192, r.slots, 16, &r.req),
                   HTTP_HEAD_OK);
  struct relay_http_settings s = settings(true);
  struct byte_writer w = byte_writer_init(r.out, sizeof r.out);
  ck_assert_int_eq(relay_http_route_port80(&r.req, &s, NOW, &w, &r.d), RELAY_HTTP_OK);
  r.out_len = w.len;
  ck_assert_int_eq(r.d.status, 302);
  ck_assert_msg(out_contains(&r, "\r\nLocation: https://caf%c3%a9/x\r\n"), "%.*s", (int)r.out_len,
                (const char *)r.out);
}
END_TEST

static Suite *relay_http_suite(void) {
  Suite *s = suite_create("relay_http");
  TCase *up = tcase_create("upgrade");
  tcase_add_test(up, upgrade_writes_exact_101);
  tcase_add_test(up, upgrade_value_case_insensitive);
  tcase_add_test(up, upgrade_websocket_without_subprotocol_is_raw_derp);
  tcase_add_test(up, upgrade_websocket_derp_subprotocol_accepted);
  tcase_add_test(up, upgrade_websocket_bad_version_or_key);
  tcase_add_test(up, fast_start_writes_nothing);
  tcase_add_test(up, fast_start_needs_exactly_1);
  tcase_add_test(up, bytes_after_head_belong_to_derp);
  tcase_add_test(up, ideal_node_surfaced);
  tcase_add_test(up, no_upgrade_gives_426);
  tcase_add_test(up, weird_upgrade_426_and_log_note);
  tcase_add_test(up, weird_upgrade_log_note_escapes_bytes_as_lowercase_hex);
  tcase_add_test(up, long_weird_upgrade_logged_cut_and_quoted);
  tcase_add_test(up, empty_upgrade_426_without_log);
  tcase_add_test(up, derp_disabled_404);
  suite_add_tcase(s, up);
  TCase *probe = tcase_create("probe");
  tcase_add_test(probe, probe_get_200);
  tcase_add_test(probe, latency_check_200);
  tcase_add_test(probe, probe_head_200_without_length);
  tcase_add_test(probe, probe_other_method_405);
  tcase_add_test(probe, probe_served_when_derp_disabled);
  tcase_add_test(probe, derp_subpath_without_upgrade_426);
  suite_add_tcase(s, probe);
  TCase *nc = tcase_create("no_content");
  tcase_add_test(nc, no_content_without_challenge);
  tcase_add_test(nc, no_content_challenge_input);
  tcase_add_test(nc, no_content_challenge_hostname_echoed);
  tcase_add_test(nc, no_content_challenge_nul_rejected);
  tcase_add_test(nc, no_content_challenge_space_rejected);
  tcase_add_test(nc, no_content_challenge_length_limit);
  tcase_add_test(nc, no_content_challenge_charset);
  suite_add_tcase(s, nc);
  TCase *paths = tcase_create("paths");
  tcase_add_test(paths, robots_txt);
  tcase_add_test(paths, unknown_path_404);
  tcase_add_test(paths, head_has_no_body);
  tcase_add_test(paths, query_and_absolute_form);
  tcase_add_test(paths, percent_decoded_path);
  tcase_add_test(paths, unclean_path_404);
  tcase_add_test(paths, connect_403);
  suite_add_tcase(s, paths);
  TCase *conn = tcase_create("connection");
  tcase_add_test(conn, http10_closes_without_header);
  tcase_add_test(conn, connection_close_honoured);
  tcase_add_test(conn, request_body_closes);
  tcase_add_test(conn, missing_host_400);
  tcase_add_test(conn, too_many_hosts_400);
  tcase_add_test(conn, rejection_bytes);
  tcase_add_test(conn, small_writer_writes_nothing);
  tcase_add_test(conn, date_header_from_injected_time);
  tcase_add_test(conn, port80_redirect_escapes_non_ascii_in_lowercase);
  suite_add_tcase(s, conn);
  return s;
}

CHECK_MAIN(relay_http_suite)
