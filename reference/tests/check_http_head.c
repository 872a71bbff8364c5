#include "derp/http_head.h"

#include <string.h>

#include "check_main.h"

#define CAP 8192
#define SLOTS 16

/* What the Go derphttp client writes (net/http Request.Write: Host and
 * User-Agent first, then the other headers sorted), followed by the first
 * bytes of a DERP frame that must not be eaten. */
static const char go_fast_start_request[] =
    "GET /derp HTTP/1.1\r\n"
    "Host: 127.0.0.1:3340\r\n"
    "User-Agent: Go-http-client/1.1\r\n"
    "Connection: Upgrade\r\n"
    "Derp-Fast-Start: 1\r\n"
    "Ideal-Node: 1a\r\n"
    "Upgrade: DERP\r\n"
    "\r\n";
static const char derp_frame_start[] = "\x02\x00\x00\x00\x38";

static const char exact_101[] =
    "HTTP/1.1 101 Switching Protocols\r\n"
    "Upgrade: DERP\r\n"
    "Connection: Upgrade\r\n"
    "Derp-Version: 2\r\n"
    "Derp-Public-Key: 702dff909b7a2b23f59f3adaab515405a9cdab570c93df222f6a211d97ea5eca\r\n"
    "\r\n";

static enum http_head_status parse_req(const char *s, size_t len, struct http_request *req,
                                       struct http_header *slots, size_t nslots) {
  return http_parse_request((const uint8_t *)s, len, CAP, slots, nslots, req);
}

static enum http_head_status parse_req_str(const char *s, struct http_request *req) {
  static struct http_header slots[SLOTS];
  return parse_req(s, strlen(s), req, slots, SLOTS);
}

static void assert_header(const struct http_header *h, const char *name, const char *value) {
  ck_assert_msg(http_span_equals(h->name, name), "name %.*s != %s", (int)h->name.len,
                (const char *)h->name.ptr, name);
  ck_assert_msg(http_span_equals(h->value, value), "value %.*s != %s", (int)h->value.len,
                (const char *)h->value.ptr, value);
}

/* ---- requests ---- */

START_TEST(request_go_client_upgrade) {
  char buf[512];
  size_t head = strlen(go_fast_start_request);
  memcpy(buf, go_fast_start_request, head);
  memcpy(buf + head, derp_frame_start, 5);
  struct http_header slots[SLOTS];
  struct http_request req;
  ck_assert_int_eq(parse_req(buf, head + 5, &req, slots, SLOTS), HTTP_HEAD_OK);
  ck_assert_uint_eq(req.head_len, head);
  ck_assert(http_span_equals(req.method, "GET"));
  ck_assert(http_span_equals(req.target, "/derp"));
  ck_assert_uint_eq(req.version_minor, 1);
  ck_assert_uint_eq(req.header_count, 6);
  assert_header(&req.headers[0], "Host", "127.0.0.1:3340");
  assert_header(&req.headers[1], "User-Agent", "Go-http-client/1.1");
  assert_header(&req.headers[2], "Connection", "Upgrade");
  assert_header(&req.headers[5], "Upgrade", "DERP");
  ck_assert(!req.has_content_length);
}
END_TEST

START_TEST(request_fast_start_header) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str(go_fast_start_request, &req), HTTP_HEAD_OK);
  const struct http_header *h = http_header_find(req.headers, req.header_count, "derp-fast-start");
  ck_assert_ptr_nonnull(h);
  ck_assert(http_span_equals(h->value, "1"));
}
END_TEST

START_TEST(request_ideal_node_header) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str(go_fast_start_request, &req), HTTP_HEAD_OK);
  const struct http_header *h = http_header_find(req.headers, req.header_count, "IDEAL-NODE");
  ck_assert_ptr_nonnull(h);
  ck_assert(http_span_equals(h->value, "1a"));
}
END_TEST

START_TEST(request_split_at_every_byte) {
  char buf[512];
  size_t head = strlen(go_fast_start_request);
  memcpy(buf, go_fast_start_request, head);
  memcpy(buf + head, derp_frame_start, 5);
  struct http_header whole_slots[SLOTS], slots[SLOTS];
  struct http_request whole, req;
  ck_assert_int_eq(parse_req(buf, head + 5, &whole, whole_slots, SLOTS), HTTP_HEAD_OK);
  for (size_t k = 0; k < head; k++)
    ck_assert_msg(parse_req(buf, k, &req, slots, SLOTS) == HTTP_HEAD_NEED_MORE,
                  "prefix %zu not NEED_MORE", k);
  for (size_t k = head; k <= head + 5; k++) {
    ck_assert_int_eq(parse_req(buf, k, &req, slots, SLOTS), HTTP_HEAD_OK);
    ck_assert_uint_eq(req.head_len, whole.head_len);
    ck_assert_uint_eq(req.header_count, whole.header_count);
    for (size_t i = 0; i < req.header_count; i++) {
      ck_assert_ptr_eq(req.headers[i].name.ptr, whole.headers[i].name.ptr);
      ck_assert_uint_eq(req.headers[i].value.len, whole.headers[i].value.len);
    }
  }
}
END_TEST

START_TEST(request_header_cap_exceeded) {
  static char buf[CAP + 1024];
  size_t n = (size_t)snprintf(buf, sizeof buf, "GET /derp HTTP/1.1\r\nX-Pad: ");
  memset(buf + n, 'a', sizeof buf - n);
  struct http_header slots[SLOTS];
  struct http_request req;
  ck_assert_int_eq(parse_req(buf, sizeof buf, &req, slots, SLOTS), HTTP_HEAD_ERR_REQUEST_TOO_LARGE);
  /* Exactly at the cap and still incomplete: more could only be larger. */
  ck_assert_int_eq(parse_req(buf, CAP, &req, slots, SLOTS), HTTP_HEAD_ERR_REQUEST_TOO_LARGE);
  ck_assert_int_eq(parse_req(buf, CAP - 1, &req, slots, SLOTS), HTTP_HEAD_NEED_MORE);
  ck_assert_str_eq(http_head_status_str(HTTP_HEAD_ERR_REQUEST_TOO_LARGE),
                   "request header too large");
}
END_TEST

START_TEST(request_head_exactly_at_cap_is_fine) {
  static char buf[CAP + 16];
  const char *start = "GET / HTTP/1.1\r\nX-Pad: ";
  size_t n = strlen(start);
  memcpy(buf, start, n);
  memset(buf + n, 'b', CAP - n - 4);
  memcpy(buf + CAP - 4, "\r\n\r\n", 4);
  memcpy(buf + CAP, "trailing", 8);
  struct http_header slots[SLOTS];
  struct http_request req;
  ck_assert_int_eq(parse_req(buf, CAP + 8, &req, slots, SLOTS), HTTP_HEAD_OK);
  ck_assert_uint_eq(req.head_len, CAP);
}
END_TEST

START_TEST(request_too_many_headers) {
  const char *s = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  struct http_header slots[3];
  struct http_request req;
  ck_assert_int_eq(parse_req(s, strlen(s), &req, slots, 3), HTTP_HEAD_OK);
  ck_assert_int_eq(parse_req(s, strlen(s), &req, slots, 2), HTTP_HEAD_ERR_TOO_MANY_HEADERS);
  ck_assert_int_eq(parse_req(s, strlen(s), &req, NULL, 0), HTTP_HEAD_ERR_TOO_MANY_HEADERS);
}
END_TEST

START_TEST(request_control_char_in_value) {
  struct http_header slots[SLOTS];
  struct http_request req;
  const char nul[] = "GET / HTTP/1.1\r\nX-Tailscale-Challenge: foo\0bar\r\n\r\n";
  ck_assert_int_eq(parse_req(nul, sizeof nul - 1, &req, slots, SLOTS), HTTP_HEAD_ERR_HEADER_VALUE);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_VALUE);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_VALUE);
  /* HTAB and obs-text are field content. */
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nA: x\ty\xc3\xa9\r\n\r\n", &req), HTTP_HEAD_OK);
}
END_TEST

START_TEST(request_bad_header_name) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nBad@Name: x\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_NAME);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\n: empty\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_NAME);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nNoColon\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_NAME);
}
END_TEST

START_TEST(request_space_before_colon) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nUpgrade : DERP\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_NAME);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nUpgrade\t: DERP\r\n\r\n", &req),
                   HTTP_HEAD_ERR_HEADER_NAME);
}
END_TEST

START_TEST(request_obs_fold_rejected) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nA: one\r\n two\r\n\r\n", &req),
                   HTTP_HEAD_ERR_OBS_FOLD);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\n\tA: one\r\n\r\n", &req),
                   HTTP_HEAD_ERR_OBS_FOLD);
}
END_TEST

START_TEST(request_bare_lf_rejected) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\nHost: x\r\n\r\n", &req), HTTP_HEAD_ERR_BARE_LF);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nHost: x\n\r\n", &req), HTTP_HEAD_ERR_BARE_LF);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nHost: x\r\n\n", &req), HTTP_HEAD_ERR_BARE_LF);
}
END_TEST

START_TEST(request_bare_cr_rejected) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\rHost: x\r\n\r\n", &req), HTTP_HEAD_ERR_BARE_CR);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nHost: x\r\n\rX", &req), HTTP_HEAD_ERR_BARE_CR);
}
END_TEST

START_TEST(request_http10_accepted) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("HEAD /derp/probe HTTP/1.0\r\n\r\n", &req), HTTP_HEAD_OK);
  ck_assert_uint_eq(req.version_minor, 0);
  ck_assert_uint_eq(req.header_count, 0);
  ck_assert(http_span_equals(req.method, "HEAD"));
}
END_TEST

START_TEST(request_unsupported_version) {
  struct http_request req;
  const char *versions[] = {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9"};
  for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
    char raw[64];
    snprintf(raw, sizeof raw, "GET / %s\r\n\r\n", versions[i]);
    ck_assert_msg(parse_req_str(raw, &req) == HTTP_HEAD_ERR_UNSUPPORTED_VERSION, "%s", raw);
  }
}
END_TEST

START_TEST(request_malformed_version) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / http/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_VERSION);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.10\r\n\r\n", &req), HTTP_HEAD_ERR_VERSION);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1\r\n\r\n", &req), HTTP_HEAD_ERR_VERSION);
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1 \r\n\r\n", &req), HTTP_HEAD_ERR_VERSION);
}
END_TEST

START_TEST(request_garbage_fails_early) {
  struct http_header slots[SLOTS];
  struct http_request req;
  /* A TLS ClientHello sent to the plain-HTTP port: rejected at byte 0, not
   * after waiting for 8 KiB. */
  const uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
  ck_assert_int_eq(http_parse_request(hello, sizeof hello, CAP, slots, SLOTS, &req),
                   HTTP_HEAD_ERR_METHOD);
  ck_assert_int_eq(parse_req_str("\r\nGET / HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_METHOD);
  ck_assert_int_eq(parse_req_str(" GET / HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_METHOD);
  ck_assert_int_eq(parse_req_str("GET\r\n\r\n", &req), HTTP_HEAD_ERR_METHOD);
  ck_assert_int_eq(http_parse_request(NULL, 10, CAP, slots, SLOTS, &req), HTTP_HEAD_NEED_MORE);
  ck_assert_int_eq(http_parse_request(hello, sizeof hello, 0, slots, SLOTS, &req),
                   HTTP_HEAD_ERR_REQUEST_TOO_LARGE);
}
END_TEST

START_TEST(request_bad_target) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET  / HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_TARGET);
  ck_assert_int_eq(parse_req_str("GET /a\x01 HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_TARGET);
  ck_assert_int_eq(parse_req_str("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_TARGET);
  ck_assert_int_eq(parse_req_str("GET /%zz HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_TARGET);
  ck_assert_int_eq(parse_req_str("GET /%4 HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_ERR_TARGET);
  ck_assert_int_eq(parse_req_str("GET /%4a?q=1 HTTP/1.1\r\n\r\n", &req), HTTP_HEAD_OK);
  ck_assert(http_span_equals(req.target, "/%4a?q=1"));
}
END_TEST

START_TEST(request_content_length) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 42\r\n\r\n", &req),
                   HTTP_HEAD_OK);
  ck_assert(req.has_content_length);
  ck_assert_uint_eq(req.content_length, 42);
  ck_assert_int_eq(
      parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", &req),
      HTTP_HEAD_OK);
  ck_assert_uint_eq(req.content_length, UINT64_C(9223372036854775807));
  ck_assert_int_eq(
      parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n", &req),
      HTTP_HEAD_ERR_CONTENT_LENGTH);
  ck_assert_int_eq(parse_req_str("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &req),
                   HTTP_HEAD_ERR_CONTENT_LENGTH);
  ck_assert_int_eq(parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", &req),
                   HTTP_HEAD_ERR_CONTENT_LENGTH);
  ck_assert_int_eq(parse_req_str("POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n", &req),
                   HTTP_HEAD_ERR_CONTENT_LENGTH);
}
END_TEST

START_TEST(request_duplicate_content_length) {
  struct http_request req;
  ck_assert_int_eq(
      parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", &req),
      HTTP_HEAD_ERR_DUPLICATE_CONTENT_LENGTH);
  ck_assert_int_eq(
      parse_req_str("POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", &req),
      HTTP_HEAD_ERR_DUPLICATE_CONTENT_LENGTH);
}
END_TEST

START_TEST(request_transfer_encoding_rejected) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req),
                   HTTP_HEAD_ERR_TRANSFER_ENCODING);
}
END_TEST

START_TEST(request_value_whitespace_trimmed) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nUpgrade: \t DERP \t\r\nEmpty:\r\n"
                                 "Blank:   \r\n\r\n",
                                 &req),
                   HTTP_HEAD_OK);
  assert_header(&req.headers[0], "Upgrade", "DERP");
  ck_assert_uint_eq(req.headers[1].value.len, 0);
  ck_assert_uint_eq(req.headers[2].value.len, 0);
  assert_header(&req.headers[2], "Blank", "");
}
END_TEST

START_TEST(header_lookup_helpers) {
  struct http_request req;
  ck_assert_int_eq(parse_req_str("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n"
                                 "Connection: keep-alive, Close\r\n\r\n",
                                 &req),
                   HTTP_HEAD_OK);
  const struct http_header *h = http_header_find(req.headers, req.header_count, "HOST");
  ck_assert_ptr_eq(h, &req.headers[0]);
  ck_assert_uint_eq(http_header_count_named(req.headers, req.header_count, "Host"), 2);
  ck_assert_ptr_null(http_header_find(req.headers, req.header_count, "Hos"));
  ck_assert(http_list_has_token(req.headers[2].value, "close"));
  ck_assert(http_list_has_token(req.headers[2].value, "keep-alive"));
  ck_assert(!http_list_has_token(req.headers[2].value, "upgrade"));
}
END_TEST

/* ---- responses ---- */

static enum http_head_status parse_resp(const char *s, size_t len, struct http_response *resp) {
  static struct http_header slots[SLOTS];
  return http_parse_response((const uint8_t *)s, len, CAP, slots, SLOTS, resp);
}

START_TEST(response_exact_101) {
  char buf[512];
  size_t head = strlen(exact_101);
  memcpy(buf, exact_101, head);
  memcpy(buf + head, "\x01\x00\x00\x00\x28", 5); /* ServerKey frame header */
  struct http_response resp;
  ck_assert_int_eq(parse_resp(buf, head + 5, &resp), HTTP_HEAD_OK);
  ck_assert_int_eq(resp.status, 101);
  ck_assert_uint_eq(resp.version_minor, 1);
  ck_assert(http_span_equals(resp.reason, "Switching Protocols"));
  ck_assert_uint_eq(resp.head_len, head);
  ck_assert_uint_eq(resp.header_count, 4);
  assert_header(&resp.headers[3], "Derp-Public-Key",
                "702dff909b7a2b23f59f3adaab515405a9cdab570c93df222f6a211d97ea5eca");
}
END_TEST

START_TEST(response_426_with_body) {
  const char *s =
      "HTTP/1.1 426 Upgrade Required\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
      "Content-Length: 33\r\n"
      "\r\n"
      "DERP requires connection upgrade\n";
  struct http_response resp;
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_OK);
  ck_assert_int_eq(resp.status, 426);
  ck_assert(resp.has_content_length);
  ck_assert_uint_eq(resp.content_length, 33);
  ck_assert_uint_eq(strlen(s) - resp.head_len, 33);
  ck_assert_mem_eq(s + resp.head_len, "DERP requires", 13);
}
END_TEST

START_TEST(response_truncated_needs_more) {
  struct http_response resp;
  size_t head = strlen(exact_101);
  for (size_t k = 0; k < head; k++)
    ck_assert_msg(parse_resp(exact_101, k, &resp) == HTTP_HEAD_NEED_MORE, "prefix %zu", k);
}
END_TEST

START_TEST(response_without_reason) {
  struct http_response resp;
  const char *s = "HTTP/1.1 101\r\nUpgrade: DERP\r\n\r\n";
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_OK);
  ck_assert_int_eq(resp.status, 101);
  ck_assert_uint_eq(resp.reason.len, 0);
  s = "HTTP/1.0 200 \r\n\r\n";
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_OK);
  ck_assert_uint_eq(resp.version_minor, 0);
}
END_TEST

START_TEST(response_bad_status_line) {
  struct http_response resp;
  const char *bad[] = {"HTTP/1.1 1x1 OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n",
                       "HTTP/1.1 1011 Long\r\n\r\n", "HTTP/1.1  101 Space\r\n\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(parse_resp(bad[i], strlen(bad[i]), &resp) == HTTP_HEAD_ERR_STATUS_CODE, "%s",
                  bad[i]);
  const char *s = "HTTP/1.1 200 O\x01K\r\n\r\n";
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_ERR_REASON);
  s = "SSH-2.0-OpenSSH_9.2\r\n";
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_ERR_VERSION);
}
END_TEST

START_TEST(response_header_cap) {
  static char buf[CAP + 100];
  size_t n = (size_t)snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nX: ");
  memset(buf + n, 'z', sizeof buf - n);
  static struct http_header slots[SLOTS];
  struct http_response resp;
  ck_assert_int_eq(http_parse_response((const uint8_t *)buf, sizeof buf, CAP, slots, SLOTS, &resp),
                   HTTP_HEAD_ERR_RESPONSE_TOO_LARGE);
}
END_TEST

START_TEST(response_transfer_encoding_flagged) {
  struct http_response resp;
  const char *s = "HTTP/1.1 502 Bad Gateway\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello";
  ck_assert_int_eq(parse_resp(s, strlen(s), &resp), HTTP_HEAD_OK);
  ck_assert(resp.has_transfer_encoding);
  ck_assert(!resp.has_content_length);
}
END_TEST

static Suite *http_head_suite(void) {
  Suite *s = suite_create("http_head");
  TCase *req = tcase_create("request");
  tcase_add_test(req, request_go_client_upgrade);
  tcase_add_test(req, request_fast_start_header);
  tcase_add_test(req, request_ideal_node_header);
  tcase_add_test(req, request_split_at_every_byte);
  tcase_add_test(req, request_header_cap_exceeded);
  tcase_add_test(req, request_head_exactly_at_cap_is_fine);
  tcase_add_test(req, request_too_many_headers);
  tcase_add_test(req, request_control_char_in_value);
  tcase_add_test(req, request_bad_header_name);
  tcase_add_test(req, request_space_before_colon);
  tcase_add_test(req, request_obs_fold_rejected);
  tcase_add_test(req, request_bare_lf_rejected);
  tcase_add_test(req, request_bare_cr_rejected);
  tcase_add_test(req, request_http10_accepted);
  tcase_add_test(req, request_unsupported_version);
  tcase_add_test(req, request_malformed_version);
  tcase_add_test(req, request_garbage_fails_early);
  tcase_add_test(req, request_bad_target);
  tcase_add_test(req, request_content_length);
  tcase_add_test(req, request_duplicate_content_length);
  tcase_add_test(req, request_transfer_encoding_rejected);
  tcase_add_test(req, request_value_whitespace_trimmed);
  tcase_add_test(req, header_lookup_helpers);
  suite_add_tcase(s, req);
  TCase *resp = tcase_create("response");
  tcase_add_test(resp, response_exact_101);
  tcase_add_test(resp, response_426_with_body);
  tcase_add_test(resp, response_truncated_needs_more);
  tcase_add_test(resp, response_without_reason);
  tcase_add_test(resp, response_bad_status_line);
  tcase_add_test(resp, response_header_cap);
  tcase_add_test(resp, response_transfer_encoding_flagged);
  suite_add_tcase(s, resp);
  return s;
}

CHECK_MAIN(http_head_suite)
