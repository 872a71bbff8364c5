#include "derp/client_session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "derp/hex.h"

/* ---------------- fixtures: known keys, a counting RNG, a scripted server ---------------- */

struct keys {
  uint8_t client_priv[32], client_pub[32];
  uint8_t server_priv[32], server_pub[32];
};

static struct keys known_keys(void) {
  struct keys k;
  ck_assert_int_ge(sodium_init(), 0);
  for (int i = 0; i < 32; i++) {
    k.client_priv[i] = (uint8_t)(0x40 + i);
    k.server_priv[i] = (uint8_t)(0x90 + i);
  }
  ck_assert_int_eq(crypto_scalarmult_base(k.client_pub, k.client_priv), 0);
  ck_assert_int_eq(crypto_scalarmult_base(k.server_pub, k.server_priv), 0);
  return k;
}

static unsigned random_calls;
static bool counting_random(void *ctx, uint8_t *buf, size_t n) {
  (void)ctx;
  random_calls++;
  for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(0xa0 + i);
  return true;
}

static bool no_random(void *ctx, uint8_t *buf, size_t n) {
  (void)ctx;
  (void)buf;
  (void)n;
  return false;
}

static struct derp_client_config config(const struct keys *k, bool fast) {
  struct derp_client_config c = {
      .host = "derp.example.com", .fast_start = fast, .random = counting_random};
  memcpy(c.client_priv, k->client_priv, 32);
  memcpy(c.client_pub, k->client_pub, 32);
  if (fast) memcpy(c.server_pub, k->server_pub, 32);
  return c;
}

static struct derp_client_session *session(const struct keys *k, bool fast) {
  struct derp_client_config c = config(k, fast);
  char err[DERP_CLIENT_ERR_SIZE];
  struct derp_client_session *s = derp_client_session_new(&c, err, sizeof err);
  ck_assert_msg(s != NULL, "new failed: %s", err);
  return s;
}

static const char slow_request[] =
    "GET /derp HTTP/1.1\r\n"
    "Host: derp.example.com\r\n"
    "User-Agent: Go-http-client/1.1\r\n"
    "Connection: Upgrade\r\n"
    "Upgrade: DERP\r\n"
    "\r\n";

static const char fast_request[] =
    "GET /derp HTTP/1.1\r\n"
    "Host: derp.example.com\r\n"
    "User-Agent: Go-http-client/1.1\r\n"
    "Connection: Upgrade\r\n"
    "Derp-Fast-Start: 1\r\n"
    "Upgrade: DERP\r\n"
    "\r\n";

/* Feeds all of in, expecting exactly one event (and NONE after it). */
static struct derp_client_event feed_one(struct derp_client_session *s, const uint8_t *in,
                                         size_t n) {
  struct derp_client_event ev;
  size_t used = derp_client_feed(s, in, n, &ev);
  ck_assert_int_ne(ev.kind, DERP_CLIENT_EV_NONE);
  ck_assert_uint_eq(used, n);
  if (ev.kind != DERP_CLIENT_EV_ERROR) {
    struct derp_client_event none;
    ck_assert_uint_eq(derp_client_feed(s, in + used, 0, &none), 0);
    ck_assert_int_eq(none.kind, DERP_CLIENT_EV_NONE);
  }
  return ev;
}

static size_t server_key_frame(const struct keys *k, uint8_t *buf, size_t cap) {
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(derp_encode_server_key(&w, k->server_pub));
  return w.len;
}

static size_t server_info_frame_bytes(const struct keys *k, const uint8_t *json, size_t len,
                                      uint8_t *buf, size_t cap) {
  uint8_t nonce[24];
  memset(nonce, 0x33, sizeof nonce);
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(derp_encode_server_info_sealed(&w, k->server_priv, k->client_pub, nonce, json, len));
  return w.len;
}

static size_t server_info_frame(const struct keys *k, const char *json, uint8_t *buf, size_t cap) {
  return server_info_frame_bytes(k, (const uint8_t *)json, strlen(json), buf, cap);
}

/* A connected fast-start session with its request and ClientInfo drained. */
static struct derp_client_session *connected(const struct keys *k) {
  struct derp_client_session *s = session(k, true);
  size_t n;
  derp_client_pending(s, &n);
  derp_client_consume(s, n);
  return s;
}

static void pending_is(struct derp_client_session *s, const uint8_t *want, size_t want_len) {
  size_t n;
  const uint8_t *p = derp_client_pending(s, &n);
  ck_assert_uint_eq(n, want_len);
  ck_assert_mem_eq(p, want, want_len);
}

/* Server's view of ClientInfo: decode the frame, open the box, return JSON. */
static void server_opens_client_info(const struct keys *k, const uint8_t *frame, size_t len) {
  struct byte_reader r = byte_reader_init(frame, len);
  struct derp_frame_header h;
  ck_assert(derp_frame_header_decode(&r, &h));
  ck_assert_uint_eq(h.type, DERP_FRAME_CLIENT_INFO);
  ck_assert_uint_eq(h.len, len - 5);
  struct derp_client_info ci;
  ck_assert_int_eq(derp_decode_client_info(frame + 5, h.len, &ci), DERP_DECODE_OK);
  ck_assert_mem_eq(ci.key, k->client_pub, 32);
  uint8_t nonce_want[24];
  for (int i = 0; i < 24; i++) nonce_want[i] = (uint8_t)(0xa0 + i);
  ck_assert_mem_eq(ci.nonce, nonce_want, 24);
  uint8_t json[128];
  size_t json_len;
  ck_assert(derp_open_box(json, sizeof json, &json_len, ci.sealed, ci.sealed_len, ci.nonce, ci.key,
                          k->server_priv));
  ck_assert_uint_eq(json_len, strlen(DERP_CLIENT_INFO_JSON));
  ck_assert_mem_eq(json, DERP_CLIENT_INFO_JSON, json_len);
}

/* ---------------- upgrade request ---------------- */

START_TEST(request_bytes_slow) {
  uint8_t buf[512];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "derp.example.com", NULL, false));
  ck_assert_uint_eq(w.len, strlen(slow_request));
  ck_assert_mem_eq(buf, slow_request, w.len);
}
END_TEST

START_TEST(request_bytes_fast_with_ideal_node) {
  static const char want[] =
      "GET /derp HTTP/1.1\r\n"
      "Host: 1.2.3.4\r\n"
      "User-Agent: Go-http-client/1.1\r\n"
      "Connection: Upgrade\r\n"
      "Derp-Fast-Start: 1\r\n"
      "Ideal-Node: 900a\r\n"
      "Upgrade: DERP\r\n"
      "\r\n";
  uint8_t buf[512];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "1.2.3.4", "900a", true));
  ck_assert_uint_eq(w.len, strlen(want));
  ck_assert_mem_eq(buf, want, w.len);
}
END_TEST

START_TEST(request_brackets_ipv6_host) {
  uint8_t buf[512];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "::1", "", false));
  ck_assert_ptr_nonnull(memmem(buf, w.len, "\r\nHost: [::1]\r\n", 15));
  w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "[::1]", "", false));
  ck_assert_ptr_nonnull(memmem(buf, w.len, "\r\nHost: [::1]\r\n", 15));
  /* A URL's port (a mesh peer's "https://host:port/derp") stays as given. */
  w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "127.0.0.1:4443", "", false));
  ck_assert_ptr_nonnull(memmem(buf, w.len, "\r\nHost: 127.0.0.1:4443\r\n", 24));
  w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_client_write_upgrade_request(&w, "[::1]:4443", "", false));
  ck_assert_ptr_nonnull(memmem(buf, w.len, "\r\nHost: [::1]:4443\r\n", 20));
}
END_TEST

START_TEST(request_refuses_header_injection) {
  uint8_t buf[512];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(!derp_client_write_upgrade_request(&w, "a\r\nX-Evil: 1", NULL, false));
  ck_assert(!derp_client_write_upgrade_request(&w, "a b", NULL, false));
  ck_assert(!derp_client_write_upgrade_request(&w, "a/b", NULL, false));
  ck_assert(!derp_client_write_upgrade_request(&w, "", NULL, false));
  ck_assert(!derp_client_write_upgrade_request(&w, "h", "x\ny", false));
  ck_assert_uint_eq(w.len, 0);
}
END_TEST

START_TEST(request_all_or_nothing) {
  uint8_t buf[60];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(byte_writer_str(&w, "ab"));
  ck_assert(!derp_client_write_upgrade_request(&w, "derp.example.com", NULL, false));
  ck_assert_uint_eq(w.len, 2);
}
END_TEST

/* ---------------- fast start ---------------- */

START_TEST(fast_start_writes_request_then_client_info) {
  struct keys k = known_keys();
  random_calls = 0;
  struct derp_client_session *s = session(&k, true);
  ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_CONNECTED);
  size_t n;
  const uint8_t *p = derp_client_pending(s, &n);
  size_t req = strlen(fast_request);
  ck_assert_uint_gt(n, req);
  ck_assert_mem_eq(p, fast_request, req);
  server_opens_client_info(&k, p + req, n - req);
  ck_assert_uint_eq(random_calls, 1);
  uint8_t key[32];
  ck_assert(derp_client_server_key(s, key));
  ck_assert_mem_eq(key, k.server_pub, 32);
  derp_client_session_free(s);
}
END_TEST

START_TEST(fast_start_skips_unsolicited_server_key) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  uint8_t buf[256];
  size_t n = server_key_frame(&k, buf, sizeof buf);
  struct derp_client_event ev = feed_one(s, buf, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SKIPPED);
  ck_assert_uint_eq(ev.frame_type, DERP_FRAME_SERVER_KEY);
  size_t pending;
  derp_client_pending(s, &pending);
  ck_assert_uint_eq(pending, 0); /* no second ClientInfo */
  n = server_info_frame(&k, "{\"version\":2}", buf, sizeof buf);
  ev = feed_one(s, buf, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SERVER_INFO);
  ck_assert_int_eq(ev.server_info.version, 2);
  derp_client_session_free(s);
}
END_TEST

START_TEST(fast_start_needs_server_key) {
  struct keys k = known_keys();
  struct derp_client_config c = config(&k, true);
  memset(c.server_pub, 0, 32);
  char err[DERP_CLIENT_ERR_SIZE];
  ck_assert_ptr_null(derp_client_session_new(&c, err, sizeof err));
  ck_assert_str_eq(err, "fast start needs the server key from the metacert");
}
END_TEST

START_TEST(new_fails_without_randomness) {
  struct keys k = known_keys();
  struct derp_client_config c = config(&k, true);
  c.random = no_random;
  char err[DERP_CLIENT_ERR_SIZE];
  ck_assert_ptr_null(derp_client_session_new(&c, err, sizeof err));
  ck_assert_str_eq(err, "cannot seal ClientInfo: no random nonce");
  c = config(&k, false);
  c.host = "bad host";
  ck_assert_ptr_null(derp_client_session_new(&c, err, sizeof err));
}
END_TEST

/* ---------------- slow path ---------------- */

START_TEST(slow_path_request_alone_then_client_info) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_AWAIT_SERVER_KEY);
  pending_is(s, (const uint8_t *)slow_request, strlen(slow_request));
  derp_client_consume(s, strlen(slow_request));
  uint8_t key[32];
  ck_assert(!derp_client_server_key(s, key));
  uint8_t buf[256];
  size_t n = server_key_frame(&k, buf, sizeof buf);
  struct derp_client_event ev = feed_one(s, buf, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SERVER_KEY);
  ck_assert_mem_eq(ev.key, k.server_pub, 32);
  ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_CONNECTED);
  size_t pn;
  const uint8_t *p = derp_client_pending(s, &pn);
  server_opens_client_info(&k, p, pn);
  derp_client_session_free(s);
}
END_TEST

START_TEST(slow_path_future_greeting_bytes_allowed) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  uint8_t buf[5 + 1024] = {0x01, 0x00, 0x00, 0x04, 0x00};
  memcpy(buf + 5, derp_magic, 8);
  memcpy(buf + 13, k.server_pub, 32);
  struct derp_client_event ev = feed_one(s, buf, sizeof buf);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SERVER_KEY);
  derp_client_session_free(s);
}
END_TEST

static void greeting_fails(const uint8_t *frame, size_t n, const char *want) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  struct derp_client_event ev = feed_one(s, frame, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_ERROR);
  ck_assert_str_eq(ev.text, want);
  ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_FAILED);
  ck_assert_str_eq(derp_client_error(s), want);
  derp_client_session_free(s);
}

START_TEST(greeting_over_1024_bytes) {
  const uint8_t hdr[] = {0x01, 0x00, 0x00, 0x04, 0x01};
  greeting_fails(hdr, sizeof hdr, "frame header size 1025 exceeds reader limit of 1024");
}
END_TEST

START_TEST(greeting_wrong_type) {
  struct keys k = known_keys();
  uint8_t buf[64];
  size_t n = server_key_frame(&k, buf, sizeof buf);
  buf[0] = DERP_FRAME_SERVER_INFO;
  greeting_fails(buf, n, "invalid server greeting");
}
END_TEST

START_TEST(greeting_short) {
  struct keys k = known_keys();
  uint8_t buf[64];
  server_key_frame(&k, buf, sizeof buf);
  buf[4] = 39;
  greeting_fails(buf, 5 + 39, "invalid server greeting");
}
END_TEST

START_TEST(greeting_bad_magic) {
  struct keys k = known_keys();
  uint8_t buf[64];
  size_t n = server_key_frame(&k, buf, sizeof buf);
  buf[5 + 7] ^= 1;
  greeting_fails(buf, n, "invalid server greeting");
}
END_TEST

START_TEST(send_before_server_key_not_ready) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  uint8_t ping[8] = {0};
  ck_assert_int_eq(derp_client_send_ping(s, ping), DERP_CLIENT_SEND_NOT_READY);
  ck_assert_str_eq(derp_client_send_error(s), "not connected: no server key yet");
  derp_client_session_free(s);
}
END_TEST

/* ---------------- ServerInfo ---------------- */

static void server_info_fails(const uint8_t *frame, size_t n, const char *want) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  struct derp_client_event ev = feed_one(s, frame, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_ERROR);
  ck_assert_str_eq(ev.text, want);
  /* dead for good: the next call reports the same error and eats nothing */
  struct derp_client_event again;
  ck_assert_uint_eq(derp_client_feed(s, frame, n, &again), 0);
  ck_assert_int_eq(again.kind, DERP_CLIENT_EV_ERROR);
  ck_assert_str_eq(again.text, want);
  derp_client_session_free(s);
}

START_TEST(server_info_short) {
  uint8_t frame[5 + 23] = {0x03, 0, 0, 0, 23};
  server_info_fails(frame, sizeof frame, "invalid server info frame: short serverInfo frame");
}
END_TEST

START_TEST(server_info_long) {
  struct keys k = known_keys();
  size_t len = DERP_SERVER_INFO_MAX_LEN + 1;
  uint8_t *payload = calloc(1, len);
  ck_assert_ptr_nonnull(payload);
  struct derp_server_info_msg m;
  char err[DERP_CLIENT_ERR_SIZE];
  ck_assert(!derp_client_open_server_info(payload, len, k.server_pub, k.client_priv, &m, err,
                                          sizeof err));
  ck_assert_str_eq(err, "long serverInfo frame");
  free(payload);
}
END_TEST

START_TEST(server_info_box_fails) {
  struct keys k = known_keys();
  uint8_t buf[256];
  size_t n = server_info_frame(&k, "{\"version\":2}", buf, sizeof buf);
  buf[n - 1] ^= 0x01;
  char want[200];
  char hex[65];
  derp_hex_lower(k.server_pub, 32, hex);
  snprintf(want, sizeof want,
           "invalid server info frame: failed to open naclbox from server key nodekey:%s", hex);
  server_info_fails(buf, n, want);
}
END_TEST

/* Texts from tailscale.com@v1.102.5's json.Unmarshal into derp.ServerInfo
 * (its parseServerInfo says "invalid JSON: " + that). */
START_TEST(server_info_bad_json) {
  struct keys k = known_keys();
  static const struct {
    const char *json;
    size_t len;
    const char *want; /* after "invalid server info frame: invalid JSON: " */
  } cases[] = {
      {"{\"version\":", 11, "unexpected end of JSON input"},
      /* Go escapes the byte it names: no raw control character reaches a log */
      {"{\x1b[2J}", 6, "invalid character '\\x1b' looking for beginning of object key string"},
      {"{\"version\":2\0}", 14, "invalid character '\\x00' after object key:value pair"},
      {"{\"TokenBucketBytesBurst\":\"x\"}", 29,
       "json: cannot unmarshal string into Go struct field ServerInfo.TokenBucketBytesBurst of "
       "type int"},
      {"{\"tokenbucketbytespersecond\":1.5}", 33,
       "json: cannot unmarshal number 1.5 into Go struct field "
       "ServerInfo.TokenBucketBytesPerSecond of type int"},
      {"[]", 2, "json: cannot unmarshal array into Go value of type derp.ServerInfo"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[256];
    size_t n =
        server_info_frame_bytes(&k, (const uint8_t *)cases[i].json, cases[i].len, buf, sizeof buf);
    char want[300];
    snprintf(want, sizeof want, "invalid server info frame: invalid JSON: %s", cases[i].want);
    server_info_fails(buf, n, want);
  }
}
END_TEST

/* What Go takes, the client takes: U+FFFD for bad UTF-8, big numbers in
 * fields it ignores. */
START_TEST(server_info_takes_what_go_takes) {
  struct keys k = known_keys();
  uint8_t buf[256];
  size_t n = server_info_frame(&k, "{\"version\":2,\"x\":\"\xff\",\"y\":1e999}", buf, sizeof buf);
  struct derp_client_session *s = connected(&k);
  struct derp_client_event ev = feed_one(s, buf, n);
  ck_assert_int_ne(ev.kind, DERP_CLIENT_EV_ERROR);
  derp_client_session_free(s);
}
END_TEST

START_TEST(server_info_records_token_bucket) {
  struct keys k = known_keys();
  uint8_t buf[256];
  size_t n = server_info_frame(
      &k,
      "{\"version\":2,\"tokenbucketbytespersecond\":1000,\"TokenBucketBytesBurst\":5000,\"x\":[]}",
      buf, sizeof buf);
  struct derp_client_session *s = connected(&k);
  struct derp_server_info_msg m;
  ck_assert(!derp_client_server_info(s, &m));
  struct derp_client_event ev = feed_one(s, buf, n);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SERVER_INFO);
  ck_assert(derp_client_server_info(s, &m));
  ck_assert_int_eq(m.version, 2);
  ck_assert_int_eq(m.token_bucket_bytes_per_second, 1000);
  ck_assert_int_eq(m.token_bucket_bytes_burst, 5000);
  derp_client_session_free(s);
}
END_TEST

/* ---------------- full handshake against a scripted server ---------------- */

START_TEST(full_handshake_scripted_server) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  /* server reads the request */
  size_t n;
  const uint8_t *p = derp_client_pending(s, &n);
  ck_assert_uint_eq(n, strlen(slow_request));
  derp_client_consume(s, n);
  /* 101 is the shell's business; then ServerKey, ServerInfo and a packet arrive in one read */
  uint8_t stream[512];
  size_t len = server_key_frame(&k, stream, sizeof stream);
  len += server_info_frame(&k, "{\"version\":2}", stream + len, sizeof stream - len);
  struct byte_writer w = byte_writer_init(stream + len, sizeof stream - len);
  uint8_t peer[32];
  memset(peer, 0x77, sizeof peer);
  ck_assert(derp_encode_recv_packet(&w, peer, (const uint8_t *)"hello", 5));
  len += w.len;
  enum derp_client_event_kind want[] = {DERP_CLIENT_EV_SERVER_KEY, DERP_CLIENT_EV_SERVER_INFO,
                                        DERP_CLIENT_EV_RECV_PACKET, DERP_CLIENT_EV_NONE};
  size_t off = 0;
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    struct derp_client_event ev;
    off += derp_client_feed(s, stream + off, len - off, &ev);
    ck_assert_int_eq(ev.kind, want[i]);
    if (ev.kind == DERP_CLIENT_EV_SERVER_KEY) {
      p = derp_client_pending(s, &n);
      server_opens_client_info(&k, p, n); /* the box opens on the server side */
      derp_client_consume(s, n);
    }
    if (ev.kind == DERP_CLIENT_EV_RECV_PACKET) {
      ck_assert_mem_eq(ev.key, peer, 32);
      ck_assert_uint_eq(ev.data_len, 5);
      ck_assert_mem_eq(ev.data, "hello", 5);
    }
  }
  ck_assert_uint_eq(off, len);
  /* and the client's packet reaches the server intact */
  ck_assert_int_eq(derp_client_send_packet(s, 0, peer, (const uint8_t *)"hi", 2),
                   DERP_CLIENT_SEND_OK);
  p = derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 5 + 32 + 2);
  ck_assert_uint_eq(p[0], DERP_FRAME_SEND_PACKET);
  struct derp_packet pkt;
  ck_assert_int_eq(derp_decode_send_packet(p + 5, n - 5, &pkt), DERP_DECODE_OK);
  ck_assert_mem_eq(pkt.dst, peer, 32);
  ck_assert_mem_eq(pkt.data, "hi", 2);
  derp_client_session_free(s);
}
END_TEST

START_TEST(byte_at_a_time_feeding) {
  struct keys k = known_keys();
  struct derp_client_session *s = session(&k, false);
  uint8_t stream[256];
  size_t len = server_key_frame(&k, stream, sizeof stream);
  len += server_info_frame(&k, "{\"version\":2}", stream + len, sizeof stream - len);
  int seen[16] = {0};
  for (size_t i = 0; i < len; i++) {
    struct derp_client_event ev;
    ck_assert_uint_eq(derp_client_feed(s, stream + i, 1, &ev), 1);
    seen[ev.kind]++;
  }
  ck_assert_int_eq(seen[DERP_CLIENT_EV_SERVER_KEY], 1);
  ck_assert_int_eq(seen[DERP_CLIENT_EV_SERVER_INFO], 1);
  ck_assert_int_eq(seen[DERP_CLIENT_EV_ERROR], 0);
  derp_client_session_free(s);
}
END_TEST

/* ---------------- TestClientRecv vectors (spec §8) ---------------- */

START_TEST(recv_ping_vector) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x12, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_PING);
  const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
  ck_assert_mem_eq(ev.ping, data, 8);
  derp_client_session_free(s);
}
END_TEST

START_TEST(recv_pong_vector) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x13, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_PONG);
  const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
  ck_assert_mem_eq(ev.ping, data, 8);
  size_t n;
  derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 0); /* a pong is not answered */
  derp_client_session_free(s);
}
END_TEST

START_TEST(recv_health_bad_vector) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x14, 0, 0, 0, 3, 'B', 'A', 'D'};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_HEALTH);
  ck_assert_uint_eq(ev.data_len, 3);
  ck_assert_mem_eq(ev.data, "BAD", 3);
  derp_client_session_free(s);
}
END_TEST

START_TEST(recv_health_empty_vector) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x14, 0, 0, 0, 0};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_HEALTH);
  ck_assert_uint_eq(ev.data_len, 0);
  derp_client_session_free(s);
}
END_TEST

START_TEST(recv_restarting_vector) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x15, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_RESTARTING);
  ck_assert_uint_eq(ev.restarting.reconnect_in_ms, 1);
  ck_assert_uint_eq(ev.restarting.try_for_ms, 2);
  derp_client_session_free(s);
}
END_TEST

/* ---------------- ping/pong bytes (TestClientSendPing/Pong) ---------------- */

START_TEST(ping_queues_exact_pong) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x12, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  feed_one(s, in, sizeof in);
  const uint8_t pong[] = {0x13, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  pending_is(s, pong, sizeof pong);
  derp_client_session_free(s);
}
END_TEST

START_TEST(long_ping_answered_with_first_8) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x12, 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  feed_one(s, in, sizeof in);
  const uint8_t pong[] = {0x13, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  pending_is(s, pong, sizeof pong);
  derp_client_session_free(s);
}
END_TEST

START_TEST(send_ping_exact_bytes) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
  ck_assert_int_eq(derp_client_send_ping(s, data), DERP_CLIENT_SEND_OK);
  const uint8_t want[] = {0x12, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
  pending_is(s, want, sizeof want);
  derp_client_session_free(s);
}
END_TEST

START_TEST(note_preferred_exact_bytes) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  ck_assert_int_eq(derp_client_note_preferred(s, true), DERP_CLIENT_SEND_OK);
  ck_assert_int_eq(derp_client_note_preferred(s, false), DERP_CLIENT_SEND_OK);
  const uint8_t want[] = {0x07, 0, 0, 0, 1, 1, 0x07, 0, 0, 0, 1, 0};
  pending_is(s, want, sizeof want);
  derp_client_consume(s, 4);
  pending_is(s, want + 4, sizeof want - 4);
  derp_client_session_free(s);
}
END_TEST

/* ---------------- other frames ---------------- */

START_TEST(short_frames_dropped_connection_kept) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  static const struct {
    uint8_t type;
    uint8_t len;
    const char *log;
  } cases[] = {
      {0x05, 31, "[unexpected] dropping short packet from DERP server"},
      {0x08, 31, "[unexpected] dropping short peerGone frame from DERP server"},
      {0x09, 31, "[unexpected] dropping short peerPresent frame from DERP server"},
      {0x12, 7, "[unexpected] dropping short ping frame"},
      {0x13, 7, "[unexpected] dropping short ping frame"},
      {0x15, 7, "[unexpected] dropping short server restarting frame"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t frame[5 + 31] = {cases[i].type, 0, 0, 0, cases[i].len};
    struct derp_client_event ev = feed_one(s, frame, 5u + cases[i].len);
    ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_LOG);
    ck_assert_str_eq(ev.text, cases[i].log);
    ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_CONNECTED);
  }
  size_t n;
  derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 0); /* no pong for a short ping */
  const uint8_t keep_alive[] = {0x06, 0, 0, 0, 0};
  ck_assert_int_eq(feed_one(s, keep_alive, sizeof keep_alive).kind, DERP_CLIENT_EV_KEEP_ALIVE);
  derp_client_session_free(s);
}
END_TEST

START_TEST(peer_gone_forms) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  uint8_t frame[5 + 33] = {0x08, 0, 0, 0, 32};
  memset(frame + 5, 0x42, 32);
  struct derp_client_event ev = feed_one(s, frame, 5 + 32);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_PEER_GONE);
  ck_assert_uint_eq(ev.reason, DERP_PEER_GONE_DISCONNECTED);
  ck_assert_uint_eq(ev.key[31], 0x42);
  frame[4] = 33;
  frame[5 + 32] = DERP_PEER_GONE_NOT_HERE;
  ev = feed_one(s, frame, 5 + 33);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_PEER_GONE);
  ck_assert_uint_eq(ev.reason, DERP_PEER_GONE_NOT_HERE);
  derp_client_session_free(s);
}
END_TEST

START_TEST(peer_present_lengths) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  uint8_t frame[5 + 51] = {0x09, 0, 0, 0, 32};
  memset(frame + 5, 0x11, 32);
  frame[5 + 32 + 15] = 7; /* ip16 last byte */
  frame[5 + 48] = 0x01;   /* port 0x01bb = 443 */
  frame[5 + 49] = 0xbb;
  frame[5 + 50] = DERP_PEER_PRESENT_IS_REGULAR;
  struct derp_client_event ev = feed_one(s, frame, 5 + 32);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_PEER_PRESENT);
  ck_assert(!ev.present.has_addr);
  ck_assert(!ev.present.has_flags);
  ck_assert_uint_eq(ev.key[0], 0x11);
  frame[4] = 50;
  ev = feed_one(s, frame, 5 + 50);
  ck_assert(ev.present.has_addr);
  ck_assert(!ev.present.has_flags);
  ck_assert_uint_eq(ev.present.ip16[15], 7);
  ck_assert_uint_eq(ev.present.port, 443);
  frame[4] = 51;
  ev = feed_one(s, frame, 5 + 51);
  ck_assert(ev.present.has_flags);
  ck_assert_uint_eq(ev.present.flags, DERP_PEER_PRESENT_IS_REGULAR);
  derp_client_session_free(s);
}
END_TEST

START_TEST(unknown_type_skipped) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x7f, 0, 0, 0, 3, 'x', 'y', 'z', 0x06, 0, 0, 0, 0};
  struct derp_client_event ev;
  size_t used = derp_client_feed(s, in, sizeof in, &ev);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_SKIPPED);
  ck_assert_uint_eq(ev.frame_type, 0x7f);
  ck_assert_uint_eq(ev.frame_len, 3);
  ck_assert_uint_eq(used, 8);
  used += derp_client_feed(s, in + used, sizeof in - used, &ev);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_KEEP_ALIVE);
  ck_assert_uint_eq(used, sizeof in);
  derp_client_session_free(s);
}
END_TEST

START_TEST(frame_over_1mib_fatal) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  const uint8_t in[] = {0x05, 0x00, 0x10, 0x00, 0x01};
  struct derp_client_event ev = feed_one(s, in, sizeof in);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_ERROR);
  ck_assert_str_eq(ev.text, "unexpectedly large frame of 1048577 bytes returned");
  ck_assert_int_eq(derp_client_state(s), DERP_CLIENT_FAILED);
  uint8_t dst[32] = {0};
  ck_assert_int_eq(derp_client_send_packet(s, 0, dst, dst, 1), DERP_CLIENT_SEND_NOT_READY);
  derp_client_session_free(s);
}
END_TEST

START_TEST(frame_of_exactly_1mib_accepted) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  size_t len = 5 + (1u << 20);
  uint8_t *in = calloc(1, len);
  ck_assert_ptr_nonnull(in);
  in[0] = 0x05;
  in[2] = 0x10;
  struct derp_client_event ev = feed_one(s, in, len);
  ck_assert_int_eq(ev.kind, DERP_CLIENT_EV_RECV_PACKET);
  ck_assert_uint_eq(ev.data_len, (1u << 20) - 32);
  free(in);
  derp_client_session_free(s);
}
END_TEST

/* ---------------- send side ---------------- */

START_TEST(packet_too_big) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  static uint8_t pkt[DERP_MAX_PACKET_SIZE + 1];
  uint8_t dst[32] = {0};
  ck_assert_int_eq(derp_client_send_packet(s, 0, dst, pkt, sizeof pkt), DERP_CLIENT_SEND_TOO_BIG);
  ck_assert_str_eq(derp_client_send_error(s), "packet too big: 65537");
  size_t n;
  derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 0);
  ck_assert_int_eq(derp_client_send_packet(s, 0, dst, pkt, sizeof pkt - 1), DERP_CLIENT_SEND_OK);
  derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 5 + 32 + DERP_MAX_PACKET_SIZE);
  derp_client_session_free(s);
}
END_TEST

START_TEST(queue_full_then_drained) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  static uint8_t pkt[DERP_MAX_PACKET_SIZE];
  uint8_t dst[32] = {0};
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(derp_client_send_packet(s, 0, dst, pkt, sizeof pkt), DERP_CLIENT_SEND_OK);
  ck_assert_int_eq(derp_client_send_packet(s, 0, dst, pkt, 1), DERP_CLIENT_SEND_QUEUE_FULL);
  ck_assert_str_eq(derp_client_send_error(s), "send queue full");
  derp_client_consume(s, 100); /* partial write: compaction must keep order */
  ck_assert_int_eq(derp_client_send_packet(s, 0, dst, (const uint8_t *)"z", 1),
                   DERP_CLIENT_SEND_OK);
  size_t n;
  const uint8_t *p = derp_client_pending(s, &n);
  ck_assert_uint_eq(n, 4 * (5 + 32 + sizeof pkt) - 100 + 5 + 32 + 1);
  ck_assert_uint_eq(p[n - 1], 'z');
  derp_client_session_free(s);
}
END_TEST

START_TEST(token_bucket_limits_sends) {
  struct keys k = known_keys();
  struct derp_client_session *s = connected(&k);
  uint8_t buf[256];
  size_t n = server_info_frame(
      &k, "{\"version\":2,\"TokenBucketBytesPerSecond\":100,\"TokenBucketBytesBurst\":200}", buf,
      sizeof buf);
  feed_one(s, buf, n);
  uint8_t dst[32] = {0}, pkt[63] = {0}; /* 5 + 32 + 63 = 100 bytes on the wire */
  const uint64_t sec = 1000000000u;
  ck_assert_int_eq(derp_client_send_packet(s, 10 * sec, dst, pkt, sizeof pkt), DERP_CLIENT_SEND_OK);
  ck_assert_int_eq(derp_client_send_packet(s, 10 * sec, dst, pkt, sizeof pkt), DERP_CLIENT_SEND_OK);
  ck_assert_int_eq(derp_client_send_packet(s, 10 * sec, dst, pkt, sizeof pkt),
                   DERP_CLIENT_SEND_RATE_LIMITED);
  ck_assert_int_eq(derp_client_send_packet(s, 10 * sec + sec / 2, dst, pkt, sizeof pkt),
                   DERP_CLIENT_SEND_RATE_LIMITED); /* 50 tokens */
  ck_assert_int_eq(derp_client_send_packet(s, 11 * sec, dst, pkt, sizeof pkt), DERP_CLIENT_SEND_OK);
  size_t pn;
  derp_client_pending(s, &pn);
  ck_assert_uint_eq(pn, 300);
  derp_client_session_free(s);
}
END_TEST

static Suite *client_session_suite(void) {
  Suite *s = suite_create("client_session");
  TCase *req = tcase_create("request");
  tcase_add_test(req, request_bytes_slow);
  tcase_add_test(req, request_bytes_fast_with_ideal_node);
  tcase_add_test(req, request_brackets_ipv6_host);
  tcase_add_test(req, request_refuses_header_injection);
  tcase_add_test(req, request_all_or_nothing);
  suite_add_tcase(s, req);

  TCase *hs = tcase_create("handshake");
  tcase_add_test(hs, fast_start_writes_request_then_client_info);
  tcase_add_test(hs, fast_start_skips_unsolicited_server_key);
  tcase_add_test(hs, fast_start_needs_server_key);
  tcase_add_test(hs, new_fails_without_randomness);
  tcase_add_test(hs, slow_path_request_alone_then_client_info);
  tcase_add_test(hs, slow_path_future_greeting_bytes_allowed);
  tcase_add_test(hs, greeting_over_1024_bytes);
  tcase_add_test(hs, greeting_wrong_type);
  tcase_add_test(hs, greeting_short);
  tcase_add_test(hs, greeting_bad_magic);
  tcase_add_test(hs, send_before_server_key_not_ready);
  tcase_add_test(hs, server_info_short);
  tcase_add_test(hs, server_info_long);
  tcase_add_test(hs, server_info_box_fails);
  tcase_add_test(hs, server_info_bad_json);
  tcase_add_test(hs, server_info_takes_what_go_takes);
  tcase_add_test(hs, server_info_records_token_bucket);
  tcase_add_test(hs, full_handshake_scripted_server);
  tcase_add_test(hs, byte_at_a_time_feeding);
  suite_add_tcase(s, hs);

  TCase *recv = tcase_create("recv");
  tcase_add_test(recv, recv_ping_vector);
  tcase_add_test(recv, recv_pong_vector);
  tcase_add_test(recv, recv_health_bad_vector);
  tcase_add_test(recv, recv_health_empty_vector);
  tcase_add_test(recv, recv_restarting_vector);
  tcase_add_test(recv, ping_queues_exact_pong);
  tcase_add_test(recv, long_ping_answered_with_first_8);
  tcase_add_test(recv, short_frames_dropped_connection_kept);
  tcase_add_test(recv, peer_gone_forms);
  tcase_add_test(recv, peer_present_lengths);
  tcase_add_test(recv, unknown_type_skipped);
  tcase_add_test(recv, frame_over_1mib_fatal);
  tcase_add_test(recv, frame_of_exactly_1mib_accepted);
  suite_add_tcase(s, recv);

  TCase *send = tcase_create("send");
  tcase_add_test(send, send_ping_exact_bytes);
  tcase_add_test(send, note_preferred_exact_bytes);
  tcase_add_test(send, packet_too_big);
  tcase_add_test(send, queue_full_then_drained);
  tcase_add_test(send, token_bucket_limits_sends);
  suite_add_tcase(s, send);
  return s;
}

CHECK_MAIN(client_session_suite)
