#include "derp/relay_core.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

/* ---- test rig: a relay, deterministic randomness, injected time ------- */

struct env {
  struct relay *r;
  struct relay_options opt;
  uint8_t spub[32], ssec[32];
  uint64_t now;
  uint8_t script[64];
  size_t script_len, script_pos;
  uint32_t counter;
  char last_log[512];
};

struct client {
  struct relay_conn *c;
  uint8_t pub[32], sec[32];
};

struct frames {
  int n;
  uint8_t type[256];
  uint32_t len[256];
  const uint8_t *payload[256];
  uint8_t *buf;
  size_t total;
};

static void env_random(void *ctx, uint8_t *out, size_t n) {
  struct env *e = ctx;
  for (size_t i = 0; i < n; i++) {
    if (e->script_pos < e->script_len) {
      out[i] = e->script[e->script_pos++];
    } else {
      out[i] = (uint8_t)(e->counter++ * 131u + 7u);
    }
  }
}

static void env_log(void *ctx, const char *line) {
  struct env *e = ctx;
  snprintf(e->last_log, sizeof e->last_log, "%s", line);
}

static void seed_keypair(uint8_t seed, uint8_t pub[32], uint8_t sec[32]) {
  uint8_t s[crypto_box_SEEDBYTES];
  memset(s, seed, sizeof s);
  ck_assert_int_eq(crypto_box_seed_keypair(pub, sec, s), 0);
}

/* Options with test keys and hooks; adjust e->opt, then env_start. */
static void env_init(struct env *e) {
  memset(e, 0, sizeof *e);
  ck_assert_int_ge(sodium_init(), 0);
  seed_keypair(0xee, e->spub, e->ssec);
  relay_options_init(&e->opt);
  memcpy(e->opt.server_public, e->spub, 32);
  memcpy(e->opt.server_secret, e->ssec, 32);
  e->opt.random = env_random;
  e->opt.random_ctx = e;
  e->opt.log = env_log;
  e->opt.log_ctx = e;
  e->now = 1000;
}

static void env_start(struct env *e) {
  e->r = relay_create(&e->opt);
  ck_assert_ptr_nonnull(e->r);
}

static void env_free(struct env *e) { relay_destroy(e->r); }

static void env_script(struct env *e, const uint8_t *bytes, size_t n) {
  ck_assert_uint_le(n, sizeof e->script);
  memcpy(e->script, bytes, n);
  e->script_len = n;
  e->script_pos = 0;
}

/* Everything pending on c, written out at e->now, split into frames. */
static void drain_frames(struct env *e, struct relay_conn *c, struct frames *f) {
  memset(f, 0, sizeof *f);
  size_t cap = 1u << 22;
  f->buf = malloc(cap);
  const uint8_t *p;
  size_t n;
  while ((n = relay_conn_pending(c, &p)) > 0) {
    ck_assert_uint_le(f->total + n, cap);
    memcpy(f->buf + f->total, p, n);
    f->total += n;
    relay_conn_consume(c, n, e->now);
  }
  struct byte_reader r = byte_reader_init(f->buf, f->total);
  while (byte_reader_remaining(&r) > 0) {
    struct derp_frame_header h;
    ck_assert(derp_frame_header_decode(&r, &h));
    ck_assert_int_lt(f->n, 256);
    f->type[f->n] = h.type;
    f->len[f->n] = h.len;
    ck_assert(byte_reader_borrow(&r, h.len, &f->payload[f->n]));
    f->n++;
  }
}

static void frames_free(struct frames *f) { free(f->buf); }

static int drain_count(struct env *e, struct relay_conn *c) {
  struct frames f;
  drain_frames(e, c, &f);
  int n = f.n;
  frames_free(&f);
  return n;
}

static void drain_events(struct env *e) {
  struct relay_event ev;
  while (relay_next_event(e->r, &ev)) {}
}

static int count_events(struct env *e, enum relay_event_kind kind, struct relay_conn *only) {
  struct relay_event ev;
  int n = 0;
  while (relay_next_event(e->r, &ev)) {
    if (ev.kind != kind) continue;
    if (only) ck_assert_ptr_eq(ev.conn, only);
    n++;
  }
  return n;
}

static enum relay_conn_state feed(struct env *e, struct client *cl, const uint8_t *p, size_t n) {
  return relay_conn_input(cl->c, p, n, e->now);
}

static enum relay_conn_state send_frame(struct env *e, struct client *cl, uint8_t type,
                                        const void *payload, uint32_t len) {
  uint8_t *buf = malloc(5 + (size_t)len);
  struct byte_writer w = byte_writer_init(buf, 5 + (size_t)len);
  ck_assert(derp_frame_header_encode(&w, type, len));
  ck_assert(byte_writer_bytes(&w, payload, len));
  enum relay_conn_state st = feed(e, cl, buf, w.len);
  free(buf);
  return st;
}

static enum relay_conn_state send_header(struct env *e, struct client *cl, uint8_t type,
                                         uint32_t len) {
  uint8_t buf[5];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_frame_header_encode(&w, type, len));
  return feed(e, cl, buf, sizeof buf);
}

static void send_client_info(struct env *e, struct client *cl, const char *json) {
  uint8_t buf[4096], nonce[24];
  memset(nonce, 0x33, sizeof nonce);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_client_info_sealed(&w, cl->pub, cl->sec, e->spub, nonce,
                                           (const uint8_t *)json, strlen(json)));
  feed(e, cl, buf, w.len);
}

static void open_conn(struct env *e, struct client *cl, uint8_t seed) {
  seed_keypair(seed, cl->pub, cl->sec);
  cl->c = relay_conn_open(e->r, e->now, cl);
  ck_assert_ptr_nonnull(cl->c);
}

static void check_server_info(struct env *e, struct client *cl, const struct frames *f, int i) {
  ck_assert_uint_eq(f->type[i], DERP_FRAME_SERVER_INFO);
  struct derp_server_info si;
  ck_assert_int_eq(derp_decode_server_info(f->payload[i], f->len[i], &si), DERP_DECODE_OK);
  uint8_t plain[64];
  size_t n;
  ck_assert(
      derp_open_box(plain, sizeof plain, &n, si.sealed, si.sealed_len, si.nonce, e->spub, cl->sec));
  ck_assert_uint_eq(n, 13);
  ck_assert_mem_eq(plain, "{\"version\":2}", 13);
}

static void connect_json(struct env *e, struct client *cl, uint8_t seed, const char *json) {
  open_conn(e, cl, seed);
  send_client_info(e, cl, json);
  ck_assert_int_eq(relay_conn_state(cl->c), RELAY_CONN_ACTIVE);
  struct frames f;
  drain_frames(e, cl->c, &f);
  ck_assert_int_eq(f.n, 2);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_SERVER_KEY);
  check_server_info(e, cl, &f, 1);
  frames_free(&f);
}

static void connect_client(struct env *e, struct client *cl, uint8_t seed) {
  connect_json(e, cl, seed, "{\"version\":2,\"CanAckPings\":true}");
}

static void mesh_key_hex(char out[65]) {
  for (int i = 0; i < 64; i++) out[i] = "0123456789abcdef"[(i * 7) % 16];
  out[64] = '\0';
}

static void connect_mesh(struct env *e, struct client *cl, uint8_t seed) {
  char hex[65], json[128];
  mesh_key_hex(hex);
  snprintf(json, sizeof json, "{\"meshKey\":\"%s\",\"version\":2}", hex);
  connect_json(e, cl, seed, json);
  ck_assert(relay_conn_can_mesh(cl->c));
}

static void enable_mesh(struct env *e) {
  char hex[65];
  mesh_key_hex(hex);
  e->opt.has_mesh_key = true;
  ck_assert_int_eq(sodium_hex2bin(e->opt.mesh_key, 32, hex, 64, NULL, NULL, NULL), 0);
}

static void send_packet(struct env *e, struct client *from, const uint8_t dst[32],
                        const uint8_t *pkt, size_t len) {
  size_t cap = 5 + 32 + len;
  uint8_t *buf = malloc(cap);
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(derp_encode_send_packet(&w, dst, pkt, len));
  feed(e, from, buf, w.len);
  free(buf);
}

static void disco_packet(uint8_t pkt[62]) {
  memset(pkt, 0x5a, 62);
  memcpy(pkt, derp_disco_magic, DERP_DISCO_MAGIC_LEN);
}

static void key_text(const uint8_t key[32], char out[73]) {
  memcpy(out, "nodekey:", 8);
  sodium_bin2hex(out + 8, 65, key, 32);
}

static void expect_pong(struct env *e, struct client *cl, const uint8_t data[8]) {
  struct frames f;
  drain_frames(e, cl->c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_PONG);
  ck_assert_uint_eq(f.len[0], 8);
  ck_assert_mem_eq(f.payload[0], data, 8);
  frames_free(&f);
}

/* ---- handshake ------------------------------------------------------- */

START_TEST(server_key_is_first_output) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_HANDSHAKE);
  ck_assert_ptr_null(relay_conn_key(a.c));
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(a.c, &p), 45);
  const uint8_t head[] = {0x01, 0, 0, 0, 40};
  ck_assert_mem_eq(p, head, 5);
  ck_assert_mem_eq(p + 5, derp_magic, 8);
  ck_assert_mem_eq(p + 13, e.spub, 32);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_OUTPUT, a.c), 1);
  env_free(&e);
}
END_TEST

START_TEST(full_handshake_with_real_box) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  ck_assert_mem_eq(relay_conn_key(a.c), a.pub, 32);
  ck_assert_ptr_eq(relay_find_client(e.r, a.pub), a.c);
  ck_assert(!relay_conn_can_mesh(a.c));
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.clients_accepted, 1);
  ck_assert_uint_eq(st.clients_current, 1);
  env_free(&e);
}
END_TEST

START_TEST(fast_start_server_key_still_first) {
  /* §3.3: ClientInfo arrives before ServerKey was written; ServerKey still
   * leads the output, ServerInfo follows. */
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  send_client_info(&e, &a, "{\"version\":2}");
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  struct frames f;
  drain_frames(&e, a.c, &f);
  ck_assert_int_eq(f.n, 2);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_SERVER_KEY);
  check_server_info(&e, &a, &f, 1);
  frames_free(&f);
  env_free(&e);
}
END_TEST

START_TEST(client_info_in_one_byte_chunks) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  uint8_t buf[512], nonce[24] = {0};
  const char *json = "{\"version\":2}";
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_client_info_sealed(&w, a.pub, a.sec, e.spub, nonce, (const uint8_t *)json,
                                           strlen(json)));
  for (size_t i = 0; i < w.len; i++) {
    ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_HANDSHAKE);
    feed(&e, &a, buf + i, 1);
  }
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

static void expect_handshake_close(struct env *e, struct client *a, const char *reason) {
  ck_assert_int_eq(relay_conn_state(a->c), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(a->c), reason);
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(a->c, &p), 0);
  ck_assert_int_eq(count_events(e, RELAY_EVENT_CLOSED, a->c), 1);
}

START_TEST(client_info_55_is_short) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  uint8_t zero[55] = {0};
  send_frame(&e, &a, DERP_FRAME_CLIENT_INFO, zero, sizeof zero);
  expect_handshake_close(&e, &a, "short client info");
  env_free(&e);
}
END_TEST

START_TEST(client_info_56_reaches_the_box) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  uint8_t p[56] = {0};
  memcpy(p, a.pub, 32);
  send_frame(&e, &a, DERP_FRAME_CLIENT_INFO, p, sizeof p);
  char kt[73], want[160];
  key_text(a.pub, kt);
  snprintf(want, sizeof want, "msgbox: cannot open len=24 with client key %s", kt);
  expect_handshake_close(&e, &a, want);
  env_free(&e);
}
END_TEST

START_TEST(client_info_262144_reaches_the_box) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  uint8_t *p = calloc(1, 262144);
  memcpy(p, a.pub, 32);
  send_frame(&e, &a, DERP_FRAME_CLIENT_INFO, p, 262144);
  free(p);
  char kt[73], want[160];
  key_text(a.pub, kt);
  snprintf(want, sizeof want, "msgbox: cannot open len=262112 with client key %s", kt);
  expect_handshake_close(&e, &a, want);
  env_free(&e);
}
END_TEST

START_TEST(client_info_262145_is_long_at_the_header) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  /* No payload needed: the length alone is refused. */
  ck_assert_int_eq(send_header(&e, &a, DERP_FRAME_CLIENT_INFO, 262145), RELAY_CONN_CLOSED);
  expect_handshake_close(&e, &a, "long client info");
  env_free(&e);
}
END_TEST

START_TEST(first_frame_must_be_client_info) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  open_conn(&e, &a, 1);
  open_conn(&e, &b, 2);
  send_header(&e, &a, DERP_FRAME_SEND_PACKET, 100);
  expect_handshake_close(&e, &a, "bad frame type 0x4, want 0x2");
  send_header(&e, &b, DERP_FRAME_FORWARD_PACKET, 0);
  expect_handshake_close(&e, &b, "bad frame type 0xA, want 0x2");
  env_free(&e);
}
END_TEST

START_TEST(client_info_bad_box) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  uint8_t buf[256], nonce[24] = {0}, other_pub[32], other_sec[32];
  seed_keypair(9, other_pub, other_sec);
  const char *json = "{}";
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  /* Claims a's key but is sealed with another secret. */
  ck_assert(derp_encode_client_info_sealed(&w, a.pub, other_sec, e.spub, nonce,
                                           (const uint8_t *)json, 2));
  feed(&e, &a, buf, w.len);
  char kt[73], want[160];
  key_text(a.pub, kt);
  snprintf(want, sizeof want, "msgbox: cannot open len=42 with client key %s", kt);
  expect_handshake_close(&e, &a, want);
  env_free(&e);
}
END_TEST

START_TEST(client_info_bad_json) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  send_client_info(&e, &a, "{\"version\":2");
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_CLOSED);
  ck_assert_int_eq(strncmp(relay_conn_close_reason(a.c), "msg: ", 5), 0);
  ck_assert_uint_gt(strlen(relay_conn_close_reason(a.c)), 5);
  env_free(&e);
}
END_TEST

START_TEST(client_info_mesh_key_too_short) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  send_client_info(&e, &a, "{\"meshKey\":\"abcdefg\",\"version\":2}");
  expect_handshake_close(&e, &a,
                         "msg: types/key/derp: cannot unmarshal, incorrect size mesh key len: "
                         "3, must be 32, invalid mesh key");
  env_free(&e);
}
END_TEST

START_TEST(client_info_mesh_key_68_hex) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  char json[128];
  snprintf(json, sizeof json, "{\"MeshKey\":\"%068d\"}", 0);
  send_client_info(&e, &a, json);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_CLOSED);
  ck_assert_ptr_nonnull(strstr(relay_conn_close_reason(a.c), "invalid mesh key"));
  env_free(&e);
}
END_TEST

START_TEST(client_info_version_any_case) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b, c;
  connect_json(&e, &a, 1, "{\"Version\":2}");
  connect_json(&e, &b, 2, "{\"version\":2}");
  connect_json(&e, &c, 3, "{}");
  env_free(&e);
}
END_TEST

START_TEST(verify_clients_rejects_unlisted_key) {
  struct env e;
  env_init(&e);
  uint8_t allowed[1][32], sec[32];
  seed_keypair(1, allowed[0], sec);
  e.opt.verify_clients = true;
  e.opt.allowed_keys = (const uint8_t(*)[32])allowed;
  e.opt.allowed_count = 1;
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  open_conn(&e, &b, 2);
  send_client_info(&e, &b, "{\"version\":2}");
  char kt[73], want[256];
  key_text(b.pub, kt);
  snprintf(want, sizeof want,
           "client %s rejected: peer %s not authorized (not found in local tailscaled)", kt, kt);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(b.c), want);
  /* Closed without ServerInfo: nothing is pending at all. */
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(b.c, &p), 0);
  ck_assert_ptr_null(relay_find_client(e.r, b.pub));
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.clients_rejected, 1);
  env_free(&e);
}
END_TEST

START_TEST(mesh_peer_bypasses_verify_clients) {
  struct env e;
  env_init(&e);
  e.opt.verify_clients = true;
  enable_mesh(&e);
  env_start(&e);
  struct client m;
  connect_mesh(&e, &m, 7);
  env_free(&e);
}
END_TEST

/* ---- ClientInfo JSON decoding (TestClientInfoUnmarshal and Go rules) -- */

static bool decode(const char *json, struct relay_client_info *info, char *err) {
  return relay_client_info_decode((const uint8_t *)json, strlen(json), info, err, 320);
}

START_TEST(json_field_names_fold_case) {
  struct relay_client_info info;
  char err[320];
  ck_assert(decode("{}", &info, err));
  ck_assert_int_eq(info.version, 0);
  ck_assert(decode("{\"Version\":2}", &info, err));
  ck_assert_int_eq(info.version, 2);
  ck_assert(decode("{\"VERSION\":3}", &info, err));
  ck_assert_int_eq(info.version, 3);
  /* Go folds U+017F (long s) to s and U+212A (Kelvin) to k. */
  ck_assert(decode("{\"ver\xc5\xbfion\":4}", &info, err));
  ck_assert_int_eq(info.version, 4);
  char hex[65], json[160];
  mesh_key_hex(hex);
  snprintf(json, sizeof json,
           "{\"me\xc5\xbfh\xe2\x84\xaa"
           "ey\":\"%s\"}",
           hex);
  ck_assert(decode(json, &info, err));
  ck_assert(info.has_mesh_key);
  snprintf(json, sizeof json, "{\"MeshKey\":\"%s\",\"canackpings\":true,\"IsProber\":true}", hex);
  ck_assert(decode(json, &info, err));
  ck_assert(info.has_mesh_key && info.can_ack_pings && info.is_prober);
  /* Near misses are unknown fields, hence ignored. */
  ck_assert(decode("{\"versionx\":\"a\",\"vers\":\"b\"}", &info, err));
  ck_assert_int_eq(info.version, 0);
}
END_TEST

/* Where a general JSON library and Go part ways, the relay sides with Go
 * (texts from tailscale.com@v1.102.5's json.Unmarshal into
 * derp.ClientInfo; conformance/peers' json-oracle checks every corpus
 * input the same way). */
static bool decode_bytes(const char *json, size_t len, struct relay_client_info *info, char *err) {
  return relay_client_info_decode((const uint8_t *)json, len, info, err, 320);
}

START_TEST(json_verdicts_are_gos) {
  struct relay_client_info info;
  char err[320];
  /* a NUL after a number is no end of input */
  ck_assert(!decode_bytes("{\"version\":2\0}", 14, &info, err));
  ck_assert_str_eq(err, "invalid character '\\x00' after object key:value pair");
  /* text Go cannot decode as UTF-8 becomes U+FFFD, not an error */
  ck_assert(decode("{\"AppName\":\"\xff\",\"version\":2}", &info, err));
  ck_assert_int_eq(info.version, 2);
  ck_assert(decode("{\"AppName\":\"\\ud800\"}", &info, err));
  /* a number no int64 holds is only wrong where an int is wanted */
  ck_assert(decode("{\"foo\":99999999999999999999,\"bar\":1e400}", &info, err));
  ck_assert(!decode("{\"version\":99999999999999999999}", &info, err));
  ck_assert_str_eq(err,
                   "json: cannot unmarshal number 99999999999999999999 into Go struct "
                   "field ClientInfo.version of type int");
  ck_assert(!decode("{\"version\":2.0}", &info, err));
  ck_assert_str_eq(err,
                   "json: cannot unmarshal number 2.0 into Go struct field ClientInfo.version of "
                   "type int");
  /* every duplicate counts: a type error stays even if a later value fits */
  ck_assert(!decode("{\"version\":\"x\",\"version\":3}", &info, err));
  ck_assert_str_eq(err,
                   "json: cannot unmarshal string into Go struct field ClientInfo.version of "
                   "type int");
  /* syntax is judged first, over the whole text */
  ck_assert(!decode("{\"version\":\"x\",}", &info, err));
  ck_assert_str_eq(err, "invalid character '}' looking for beginning of object key string");
  /* the mesh key's own UnmarshalJSON sees U+FFFD's three bytes */
  char json[128];
  snprintf(json, sizeof json, "{\"meshKey\":\"\xff%061d\"}", 0);
  ck_assert(!decode(json, &info, err));
  ck_assert_str_eq(err,
                   "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: "
                   "invalid byte: U+00EF '\xc3\xaf'");
}
END_TEST

START_TEST(json_unknown_fields_and_null_ignored) {
  struct relay_client_info info;
  char err[320];
  ck_assert(decode("{\"foo\":[1,{\"a\":2}],\"AppName\":\"x\",\"version\":null}", &info, err));
  ck_assert_int_eq(info.version, 0);
  ck_assert(decode("null", &info, err));
  ck_assert(decode(" {\"version\":2} \n", &info, err));
  ck_assert_int_eq(info.version, 2);
}
END_TEST

START_TEST(json_mesh_key_errors_use_go_text) {
  struct relay_client_info info;
  char err[320], json[160];
  ck_assert(!decode("{\"meshKey\":\"abcdefg\"}", &info, err));
  ck_assert_str_eq(err,
                   "types/key/derp: cannot unmarshal, incorrect size mesh key len: 3, must be "
                   "32, invalid mesh key");
  snprintf(json, sizeof json, "{\"meshKey\":\"%068d\"}", 0);
  ck_assert(!decode(json, &info, err));
  ck_assert_ptr_nonnull(strstr(err, "len: 34, must be 32, invalid mesh key"));
  snprintf(json, sizeof json, "{\"meshKey\":\"%063dg\"}", 0);
  ck_assert(!decode(json, &info, err));
  ck_assert_str_eq(err,
                   "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: invalid "
                   "byte: U+0067 'g'");
  snprintf(json, sizeof json, "{\"meshKey\":\"%065d\"}", 0);
  ck_assert(!decode(json, &info, err));
  ck_assert_str_eq(err,
                   "types/key/derp: cannot unmarshal, invalid mesh key: encoding/hex: odd "
                   "length hex string");
  /* A non-string (even null) reaches the key's decoder as "". */
  ck_assert(!decode("{\"meshKey\":null}", &info, err));
  ck_assert_ptr_nonnull(strstr(err, "len: 0, must be 32, invalid mesh key"));
  /* Upper-case hex is fine. */
  snprintf(json, sizeof json, "{\"meshKey\":\"%064d\"}", 0);
  json[12] = 'A';
  ck_assert(decode(json, &info, err));
}
END_TEST

START_TEST(json_type_errors_use_go_text) {
  struct relay_client_info info;
  char err[320];
  ck_assert(!decode("{\"version\":\"2\"}", &info, err));
  ck_assert_str_eq(err,
                   "json: cannot unmarshal string into Go struct field ClientInfo.version of "
                   "type int");
  ck_assert(!decode("{\"CanAckPings\":1}", &info, err));
  ck_assert_str_eq(err,
                   "json: cannot unmarshal number into Go struct field ClientInfo.CanAckPings "
                   "of type bool");
  ck_assert(!decode("[]", &info, err));
  ck_assert_str_eq(err, "json: cannot unmarshal array into Go value of type derp.ClientInfo");
  ck_assert(!decode("", &info, err));
  ck_assert_str_eq(err, "unexpected end of JSON input");
  /* A type error is kept while decoding goes on; a mesh key error stops it. */
  ck_assert(!decode("{\"version\":\"x\",\"IsProber\":[]}", &info, err));
  ck_assert_ptr_nonnull(strstr(err, "ClientInfo.version"));
  ck_assert(!decode("{\"version\":\"x\",\"meshKey\":\"zz\"}", &info, err));
  ck_assert_ptr_nonnull(strstr(err, "invalid mesh key"));
}
END_TEST

/* ---- relaying -------------------------------------------------------- */

START_TEST(relay_between_two_exact_bytes) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  drain_events(&e);
  const uint8_t pkt[] = "hello, b";
  send_packet(&e, &a, b.pub, pkt, 8);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_OUTPUT, b.c), 1);
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(b.c, &p), 5 + 32 + 8);
  const uint8_t head[] = {0x05, 0x00, 0x00, 0x00, 40};
  ck_assert_mem_eq(p, head, 5);
  ck_assert_mem_eq(p + 5, a.pub, 32);
  ck_assert_mem_eq(p + 37, "hello, b", 8);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.packets_relayed, 1);
  ck_assert_uint_eq(st.bytes_relayed, 8);
  env_free(&e);
}
END_TEST

START_TEST(three_clients_send_recv) {
  /* TestSendRecv: every client sends to every other, any chunking. */
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client cl[3];
  for (int i = 0; i < 3; i++) connect_client(&e, &cl[i], (uint8_t)(i + 1));
  for (int from = 0; from < 3; from++) {
    for (int to = 0; to < 3; to++) {
      if (from == to) continue;
      uint8_t pkt[3] = {(uint8_t)from, (uint8_t)to, 0x42};
      send_packet(&e, &cl[from], cl[to].pub, pkt, sizeof pkt);
    }
  }
  for (int to = 0; to < 3; to++) {
    struct frames f;
    drain_frames(&e, cl[to].c, &f);
    ck_assert_int_eq(f.n, 2);
    for (int i = 0; i < 2; i++) {
      ck_assert_uint_eq(f.type[i], DERP_FRAME_RECV_PACKET);
      struct derp_packet pk;
      ck_assert_int_eq(derp_decode_recv_packet(f.payload[i], f.len[i], &pk), DERP_DECODE_OK);
      ck_assert_uint_eq(pk.len, 3);
      ck_assert_mem_eq(pk.src, cl[pk.data[0]].pub, 32);
      ck_assert_uint_eq(pk.data[1], to);
    }
    frames_free(&f);
  }
  env_free(&e);
}
END_TEST

START_TEST(relay_full_size_packet_in_small_chunks) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  size_t len = DERP_MAX_PACKET_SIZE, cap = 5 + 32 + len;
  uint8_t *pkt = malloc(len), *buf = malloc(cap);
  for (size_t i = 0; i < len; i++) pkt[i] = (uint8_t)(i * 13);
  struct byte_writer w = byte_writer_init(buf, cap);
  ck_assert(derp_encode_send_packet(&w, b.pub, pkt, len));
  for (size_t off = 0; off < w.len; off += 1000) {
    feed(&e, &a, buf + off, w.len - off < 1000 ? w.len - off : 1000);
  }
  struct frames f;
  drain_frames(&e, b.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.len[0], 32 + len);
  ck_assert_mem_eq(f.payload[0] + 32, pkt, len);
  frames_free(&f);
  free(pkt);
  free(buf);
  env_free(&e);
}
END_TEST

START_TEST(non_disco_to_unknown_key_gets_nothing) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t nobody[32], sec[32], pkt[100];
  seed_keypair(50, nobody, sec);
  memset(pkt, 1, sizeof pkt);
  send_packet(&e, &a, nobody, pkt, sizeof pkt);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.drops_unknown_dest, 1);
  env_free(&e);
}
END_TEST

START_TEST(disco_to_unknown_key_gets_peer_gone_not_here) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t nobody[32], sec[32], pkt[62];
  seed_keypair(50, nobody, sec);
  disco_packet(pkt);
  send_packet(&e, &a, nobody, pkt, sizeof pkt);
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(a.c, &p), 5 + 33);
  const uint8_t head[] = {0x08, 0, 0, 0, 33};
  ck_assert_mem_eq(p, head, 5);
  ck_assert_mem_eq(p + 5, nobody, 32);
  ck_assert_uint_eq(p[37], DERP_PEER_GONE_NOT_HERE);
  /* 61 bytes is too short to look like disco. */
  drain_count(&e, a.c);
  send_packet(&e, &a, nobody, pkt, 61);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  env_free(&e);
}
END_TEST

START_TEST(peer_gone_not_here_rate_limited) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t nobody[32], sec[32], pkt[62];
  seed_keypair(50, nobody, sec);
  disco_packet(pkt);
  for (int i = 0; i < 6; i++) send_packet(&e, &a, nobody, pkt, sizeof pkt);
  ck_assert_int_eq(drain_count(&e, a.c), 3);
  e.now += 999;
  send_packet(&e, &a, nobody, pkt, sizeof pkt);
  ck_assert_int_eq(drain_count(&e, a.c), 0);
  e.now += 1;
  send_packet(&e, &a, nobody, pkt, sizeof pkt);
  send_packet(&e, &a, nobody, pkt, sizeof pkt);
  ck_assert_int_eq(drain_count(&e, a.c), 1);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.peer_gone_not_here_sent, 4);
  ck_assert_uint_eq(st.peer_gone_rate_limited, 5);
  env_free(&e);
}
END_TEST

START_TEST(departing_peer_gone_only_to_its_receivers) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b, c;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  connect_client(&e, &c, 3);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a, b.pub, pkt, 4);
  send_packet(&e, &a, b.pub, pkt, 4);
  send_packet(&e, &c, a.pub, pkt, 4); /* a received from c, not the reverse */
  drain_count(&e, a.c);
  drain_count(&e, b.c);
  drain_count(&e, c.c);
  relay_conn_close(a.c, e.now, NULL);
  struct frames f;
  drain_frames(&e, b.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_PEER_GONE);
  ck_assert_uint_eq(f.len[0], 33);
  ck_assert_mem_eq(f.payload[0], a.pub, 32);
  ck_assert_uint_eq(f.payload[0][32], DERP_PEER_GONE_DISCONNECTED);
  frames_free(&f);
  ck_assert_int_eq(drain_count(&e, c.c), 0);
  ck_assert_ptr_null(relay_find_client(e.r, a.pub));
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.peer_gone_disconnected_sent, 1);
  ck_assert_uint_eq(st.conns_current, 2);
  env_free(&e);
}
END_TEST

START_TEST(departed_receiver_is_not_notified) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b, b2;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a, b.pub, pkt, 4);
  relay_conn_close(b.c, e.now, "EOF");
  /* b comes back on a new connection that never received from a. */
  connect_client(&e, &b2, 2);
  relay_conn_close(a.c, e.now, "EOF");
  ck_assert_int_eq(drain_count(&e, b2.c), 0);
  env_free(&e);
}
END_TEST

/* ---- ping ------------------------------------------------------------ */

START_TEST(ping_gets_identical_pong) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  const uint8_t ping[] = {0x12, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 0x2a};
  feed(&e, &a, ping, sizeof ping);
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(a.c, &p), 13);
  const uint8_t pong[] = {0x13, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 0x2a};
  ck_assert_mem_eq(p, pong, sizeof pong);
  env_free(&e);
}
END_TEST

START_TEST(ping_ignored_while_pong_queued) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  const uint8_t d1[8] = {1}, d2[8] = {2}, d3[8] = {3};
  send_frame(&e, &a, DERP_FRAME_PING, d1, 8);
  send_frame(&e, &a, DERP_FRAME_PING, d2, 8);
  expect_pong(&e, &a, d1);
  send_frame(&e, &a, DERP_FRAME_PING, d3, 8);
  expect_pong(&e, &a, d3);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.pings_ignored, 1);
  ck_assert_uint_eq(st.pongs_sent, 2);
  env_free(&e);
}
END_TEST

START_TEST(ping_extra_bytes_discarded) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t body[1000];
  for (int i = 0; i < 1000; i++) body[i] = (uint8_t)(i + 1);
  send_frame(&e, &a, DERP_FRAME_PING, body, 1000);
  expect_pong(&e, &a, body);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

/* ---- bad input: exactly the offender is closed, with the §6.6 text ----- */

static void check_bad_input(const uint8_t *bytes, size_t n, bool mesh, const char *want) {
  struct env e;
  env_init(&e);
  if (mesh) enable_mesh(&e);
  env_start(&e);
  struct client a, b;
  if (mesh)
    connect_mesh(&e, &a, 1);
  else
    connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  drain_events(&e);
  ck_assert_int_eq(feed(&e, &a, bytes, n), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(a.c), want);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_CLOSED, a.c), 1);
  const uint8_t *p;
  ck_assert_uint_eq(relay_conn_pending(a.c, &p), 0);
  ck_assert_ptr_null(relay_find_client(e.r, a.pub));
  /* Input after the close is ignored. */
  ck_assert_int_eq(feed(&e, &a, bytes, n), RELAY_CONN_CLOSED);
  /* The other client notices nothing and keeps working. */
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_ACTIVE);
  ck_assert_int_eq(drain_count(&e, b.c), 0);
  const uint8_t d[8] = {9, 8, 7, 6, 5, 4, 3, 2};
  send_frame(&e, &b, DERP_FRAME_PING, d, 8);
  expect_pong(&e, &b, d);
  relay_conn_close(a.c, e.now, NULL);
  env_free(&e);
}

static size_t header_with(uint8_t *buf, uint8_t type, uint32_t len, size_t body) {
  struct byte_writer w = byte_writer_init(buf, 5 + body);
  ck_assert(derp_frame_header_encode(&w, type, len));
  memset(buf + 5, 0, body);
  return 5 + body;
}

START_TEST(bad_send_packet_short) {
  uint8_t buf[64];
  check_bad_input(buf, header_with(buf, DERP_FRAME_SEND_PACKET, 31, 31), false,
                  "short send packet frame");
}
END_TEST

START_TEST(bad_send_packet_too_long) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_SEND_PACKET, 32 + 65537, 0), false,
                  "data packet longer (65537) than max of 65536");
}
END_TEST

START_TEST(bad_note_preferred_size) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_NOTE_PREFERRED, 2, 2), false,
                  "frameNotePreferred wrong size");
  check_bad_input(buf, header_with(buf, DERP_FRAME_NOTE_PREFERRED, 0, 0), false,
                  "frameNotePreferred wrong size");
}
END_TEST

START_TEST(bad_watch_conns_size) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_WATCH_CONNS, 1, 1), false,
                  "handleFrameWatchConns wrong size");
}
END_TEST

START_TEST(bad_watch_conns_not_mesh) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_WATCH_CONNS, 0, 0), false,
                  "insufficient permissions");
}
END_TEST

START_TEST(bad_close_peer_size) {
  uint8_t buf[64];
  check_bad_input(buf, header_with(buf, DERP_FRAME_CLOSE_PEER, 31, 31), false,
                  "handleFrameClosePeer wrong size");
}
END_TEST

START_TEST(bad_close_peer_not_mesh) {
  uint8_t buf[64];
  check_bad_input(buf, header_with(buf, DERP_FRAME_CLOSE_PEER, 32, 32), false,
                  "insufficient permissions");
}
END_TEST

START_TEST(bad_forward_packet_not_mesh) {
  uint8_t buf[8];
  /* The permission check comes before any size check. */
  check_bad_input(buf, header_with(buf, DERP_FRAME_FORWARD_PACKET, 3, 0), false,
                  "insufficient permissions");
}
END_TEST

START_TEST(bad_forward_packet_short_from_mesh) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_FORWARD_PACKET, 63, 0), true,
                  "short send packet frame");
}
END_TEST

START_TEST(bad_ping_short) {
  uint8_t buf[16];
  check_bad_input(buf, header_with(buf, DERP_FRAME_PING, 7, 7), false, "short ping: 7");
}
END_TEST

START_TEST(bad_ping_too_large) {
  uint8_t buf[8];
  check_bad_input(buf, header_with(buf, DERP_FRAME_PING, 1001, 0), false,
                  "ping body too large: 1001");
}
END_TEST

START_TEST(unknown_frame_types_are_skipped) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t junk[100] = {0};
  send_frame(&e, &a, 0x0b, junk, 10);
  send_frame(&e, &a, DERP_FRAME_SERVER_KEY, junk, 40);
  send_frame(&e, &a, DERP_FRAME_PONG, junk, 8);
  send_frame(&e, &a, DERP_FRAME_CLIENT_INFO, junk, 56);
  send_frame(&e, &a, 0xff, junk, 0);
  /* A big unknown frame streams past without being buffered. */
  ck_assert_int_eq(send_header(&e, &a, 0x7f, 300000), RELAY_CONN_ACTIVE);
  for (int i = 0; i < 3000; i++) feed(&e, &a, junk, 100);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  const uint8_t d[8] = {1, 1, 2, 3, 5, 8, 13, 21};
  send_frame(&e, &a, DERP_FRAME_PING, d, 8);
  expect_pong(&e, &a, d);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.unknown_frames, 6);
  env_free(&e);
}
END_TEST

START_TEST(note_preferred_tracks_home_clients) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  const uint8_t one = 1, zero = 0;
  struct relay_stats st;
  send_frame(&e, &a, DERP_FRAME_NOTE_PREFERRED, &one, 1);
  ck_assert(relay_conn_preferred(a.c));
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.home_clients_current, 1);
  send_frame(&e, &a, DERP_FRAME_NOTE_PREFERRED, &zero, 1);
  ck_assert(!relay_conn_preferred(a.c));
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.home_clients_current, 0);
  send_frame(&e, &a, DERP_FRAME_NOTE_PREFERRED, &one, 1);
  relay_conn_close(a.c, e.now, NULL);
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.home_clients_current, 0);
  env_free(&e);
}
END_TEST

/* ---- timers ---------------------------------------------------------- */

START_TEST(handshake_deadline_for_server_key_write) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1); /* at 1000, never written */
  ck_assert_uint_eq(relay_tick(e.r, 10999), 11000);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_HANDSHAKE);
  relay_tick(e.r, 11000);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(a.c),
                   "handshake timeout: ServerKey not written within 10000 ms");
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_CLOSED, a.c), 1);
  env_free(&e);
}
END_TEST

START_TEST(handshake_deadline_for_client_info_is_fresh) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  e.now = 6000;
  drain_count(&e, a.c); /* ServerKey written at 6000: ClientInfo due by 16000 */
  ck_assert_uint_eq(relay_tick(e.r, 15999), 16000);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_HANDSHAKE);
  relay_tick(e.r, 16000);
  ck_assert_str_eq(relay_conn_close_reason(a.c),
                   "handshake timeout: no ClientInfo within 10000 ms");
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.handshake_timeouts, 1);
  env_free(&e);
}
END_TEST

START_TEST(handshake_deadline_cleared_once_accepted) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  e.now = 9000;
  send_client_info(&e, &a, "{}");
  drain_count(&e, a.c);
  relay_tick(e.r, 30000);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

START_TEST(keepalive_every_period_with_injected_jitter) {
  struct env e;
  env_init(&e);
  env_start(&e);
  /* The next random draw is the jitter: 0x000003e8 = 1000 ms. */
  const uint8_t jitter[4] = {0, 0, 0x03, 0xe8};
  env_script(&e, jitter, sizeof jitter);
  struct client a;
  connect_client(&e, &a, 1); /* accepted at 1000 */
  ck_assert_uint_eq(relay_tick(e.r, 61999), 62000);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  relay_tick(e.r, 62000);
  e.now = 62000;
  struct frames f;
  drain_frames(&e, a.c, &f);
  ck_assert_uint_eq(relay_tick(e.r, 62000), 62000 + 61000);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_KEEP_ALIVE);
  ck_assert_uint_eq(f.len[0], 0);
  frames_free(&f);
  relay_tick(e.r, 122999);
  ck_assert_uint_eq(drain_count(&e, a.c), 0);
  relay_tick(e.r, 123000);
  ck_assert_uint_eq(drain_count(&e, a.c), 1);
  env_free(&e);
}
END_TEST

START_TEST(keepalive_jitter_stays_below_five_seconds) {
  struct env e;
  env_init(&e);
  env_start(&e);
  const uint8_t jitter[4] = {0xff, 0xff, 0xff, 0xff}; /* 4294967295 % 5000 = 2295 */
  env_script(&e, jitter, sizeof jitter);
  struct client a;
  connect_client(&e, &a, 1);
  ck_assert_uint_eq(relay_tick(e.r, 1000), 1000 + 60000 + 2295);
  env_free(&e);
}
END_TEST

START_TEST(write_timeout_closes_stalled_reader) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a, b.pub, pkt, 4); /* queued for b at 1000 */
  ck_assert_uint_eq(relay_tick(e.r, 2999), 3000);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_ACTIVE);
  relay_tick(e.r, 3000);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(b.c), "write timeout: 41 bytes unwritten for 2000 ms");
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

START_TEST(write_progress_resets_the_timeout) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a, b.pub, pkt, 4);
  relay_conn_consume(b.c, 10, 2500); /* partial write */
  relay_tick(e.r, 4499);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_ACTIVE);
  relay_tick(e.r, 4500);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_CLOSED);
  env_free(&e);
}
END_TEST

/* ---- registry -------------------------------------------------------- */

START_TEST(same_key_replaces_older_connection) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a1, a2, b, c;
  connect_client(&e, &a1, 1);
  connect_client(&e, &c, 3);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a1, c.pub, pkt, 4);
  drain_count(&e, c.c);
  drain_events(&e);
  connect_client(&e, &a2, 1);
  ck_assert_int_eq(relay_conn_state(a1.c), RELAY_CONN_CLOSED);
  char kt[73], want[160];
  key_text(a1.pub, kt);
  snprintf(want, sizeof want, "replaced by a newer connection for %s (conn %llu)", kt,
           (unsigned long long)relay_conn_id(a2.c));
  ck_assert_str_eq(relay_conn_close_reason(a1.c), want);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_CLOSED, a1.c), 1);
  ck_assert_ptr_eq(relay_find_client(e.r, a1.pub), a2.c);
  /* The key did not leave: no PeerGone. */
  ck_assert_int_eq(drain_count(&e, c.c), 0);
  connect_client(&e, &b, 2);
  send_packet(&e, &b, a1.pub, pkt, 4);
  ck_assert_int_eq(drain_count(&e, a2.c), 1);
  /* When the key does leave, c (which heard from it) is told. */
  relay_conn_close(a2.c, e.now, NULL);
  ck_assert_int_eq(drain_count(&e, c.c), 1);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.clients_replaced, 1);
  env_free(&e);
}
END_TEST

/* The sequence number a burst test put in a packet's first two bytes, read
 * back from a RecvPacket frame (source key, then the packet). */
static unsigned seq_of(const struct frames *f, int i) {
  return (unsigned)f->payload[i][32] << 8 | f->payload[i][33];
}

static void send_seq(struct env *e, struct client *from, const uint8_t dst[32], unsigned seq,
                     size_t len) {
  uint8_t pkt[1000];
  ck_assert_uint_le(len, sizeof pkt);
  memset(pkt, 0x11, len);
  pkt[0] = (uint8_t)(seq >> 8), pkt[1] = (uint8_t)seq;
  send_packet(e, from, dst, pkt, len);
}

/* derper's queue: a receiver that does not keep up loses its oldest
 * packets, not its connection. With 1000-byte packets (1037-byte frames),
 * the first 16 fill the 16 KiB stage, the next 32 wait in the queue, and
 * each later one pushes out the oldest waiting. */
START_TEST(slow_receiver_loses_oldest_packets_not_its_connection) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b, c;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2); /* does not read during the burst */
  connect_client(&e, &c, 3);
  drain_events(&e);
  for (unsigned i = 0; i < 200; i++) {
    send_seq(&e, &a, b.pub, i, 1000);
    send_seq(&e, &a, c.pub, i, 1000);
    ck_assert_int_eq(drain_count(&e, c.c), 1); /* a reader that keeps up loses nothing */
  }
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_ACTIVE);
  ck_assert_uint_eq(relay_conn_queued(b.c), 16 * 1037); /* the stage; the rest waits */
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.drops_queue_head, 200 - 16 - 32);
  ck_assert_uint_eq(st.drops_queue_full, 0);
  ck_assert_uint_eq(st.queue_overflow_closes, 0);

  struct frames f;
  drain_frames(&e, b.c, &f);
  ck_assert_int_eq(f.n, 16 + 32);
  for (int i = 0; i < f.n; i++) {
    ck_assert_int_eq(f.type[i], DERP_FRAME_RECV_PACKET);
    ck_assert_mem_eq(f.payload[i], a.pub, 32);
    ck_assert_uint_eq(seq_of(&f, i), i < 16 ? (unsigned)i : 200 - 48 + (unsigned)i);
  }
  frames_free(&f);
  /* Caught up, it gets every packet again. */
  send_seq(&e, &a, b.pub, 500, 1000);
  drain_frames(&e, b.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(seq_of(&f, 0), 500);
  frames_free(&f);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

/* Disco packets wait in a queue of their own: a data flood cannot push out
 * the few packets that find a direct path, and they are written first. */
START_TEST(disco_packets_survive_a_data_flood) {
  struct env e;
  env_init(&e);
  e.opt.packet_queue_depth = 4;
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  drain_events(&e);
  for (unsigned i = 0; i < 40; i++) send_seq(&e, &a, b.pub, i, 1000);
  uint8_t disco[62];
  disco_packet(disco);
  for (int i = 0; i < 3; i++) send_packet(&e, &a, b.pub, disco, sizeof disco);
  for (unsigned i = 40; i < 100; i++) send_seq(&e, &a, b.pub, i, 1000);
  struct frames f;
  drain_frames(&e, b.c, &f);
  /* 16 staged data packets, then the queue: 3 disco, the 4 freshest data. */
  ck_assert_int_eq(f.n, 16 + 3 + 4);
  for (int i = 0; i < 16; i++) ck_assert_uint_eq(seq_of(&f, i), (unsigned)i);
  for (int i = 16; i < 19; i++) {
    ck_assert_uint_eq(f.len[i], 32 + sizeof disco);
    ck_assert_mem_eq(f.payload[i] + 32, disco, sizeof disco);
  }
  for (int i = 19; i < 23; i++) ck_assert_uint_eq(seq_of(&f, i), 96 + (unsigned)(i - 19));
  frames_free(&f);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.drops_queue_head, 100 - 16 - 4);
  env_free(&e);
}
END_TEST

/* Only a stall past the write timeout cuts a receiver, whatever it has
 * queued; its queued packets go with it. */
START_TEST(stalled_receiver_cut_by_write_timeout_only) {
  struct env e;
  env_init(&e);
  e.opt.write_timeout_ms = 2000;
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  drain_events(&e);
  const uint64_t t0 = e.now;
  for (unsigned i = 0; i < 100; i++) send_seq(&e, &a, b.pub, i, 1000);
  relay_tick(e.r, t0 + 1999);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_ACTIVE);
  relay_tick(e.r, t0 + 2000);
  ck_assert_int_eq(relay_conn_state(b.c), RELAY_CONN_CLOSED);
  ck_assert_str_eq(relay_conn_close_reason(b.c),
                   "write timeout: 16592 bytes unwritten for 2000 ms");
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

START_TEST(packet_queue_depth_validated) {
  struct relay_options o;
  relay_options_init(&o);
  ck_assert_uint_eq(o.packet_queue_depth, 32);
  o.packet_queue_depth = 0;
  ck_assert_ptr_null(relay_create(&o));
  o.packet_queue_depth = 4097;
  ck_assert_ptr_null(relay_create(&o));
  o.packet_queue_depth = 1;
  struct relay *r = relay_create(&o);
  ck_assert_ptr_nonnull(r);
  relay_destroy(r);
}
END_TEST

START_TEST(shell_close_of_core_closed_conn_frees_it) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a;
  open_conn(&e, &a, 1);
  send_header(&e, &a, 0x04, 0);
  struct relay_event ev;
  ck_assert(relay_next_event(e.r, &ev));
  ck_assert_int_eq(ev.kind, RELAY_EVENT_CLOSED);
  ck_assert_ptr_eq(relay_conn_user(ev.conn), &a);
  relay_conn_close(ev.conn, e.now, NULL);
  ck_assert(!relay_next_event(e.r, &ev)); /* its OUTPUT event went with it */
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.conns_current, 0);
  ck_assert_uint_eq(st.conns_closed, 1);
  ck_assert_uint_eq(st.handshake_failures, 1);
  env_free(&e);
}
END_TEST

START_TEST(output_event_once_per_empty_to_busy) {
  struct env e;
  env_init(&e);
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  drain_events(&e);
  const uint8_t pkt[4] = {1, 2, 3, 4};
  send_packet(&e, &a, b.pub, pkt, 4);
  send_packet(&e, &a, b.pub, pkt, 4);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_OUTPUT, b.c), 1);
  drain_count(&e, b.c);
  send_packet(&e, &a, b.pub, pkt, 4);
  ck_assert_int_eq(count_events(&e, RELAY_EVENT_OUTPUT, b.c), 1);
  env_free(&e);
}
END_TEST

/* ---- mesh ------------------------------------------------------------ */

START_TEST(mesh_watcher_sees_presence_and_departure) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  env_start(&e);
  struct client a, m, d;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  uint8_t ip[16] = {0};
  ip[15] = 1;
  send_frame(&e, &m, DERP_FRAME_WATCH_CONNS, NULL, 0);
  struct frames f;
  drain_frames(&e, m.c, &f);
  ck_assert_int_eq(f.n, 2); /* a and m itself */
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_eq(f.type[i], DERP_FRAME_PEER_PRESENT);
    ck_assert_uint_eq(f.len[i], 51);
    bool is_a = memcmp(f.payload[i], a.pub, 32) == 0;
    ck_assert(is_a || memcmp(f.payload[i], m.pub, 32) == 0);
    ck_assert_uint_eq(f.payload[i][50],
                      is_a ? DERP_PEER_PRESENT_IS_REGULAR : DERP_PEER_PRESENT_IS_MESH_PEER);
  }
  frames_free(&f);
  open_conn(&e, &d, 4);
  relay_conn_set_remote(d.c, ip, 4242);
  relay_conn_set_not_ideal(d.c, true);
  send_client_info(&e, &d, "{\"version\":2}");
  drain_frames(&e, m.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_mem_eq(f.payload[0], d.pub, 32);
  ck_assert_mem_eq(f.payload[0] + 32, ip, 16);
  ck_assert_uint_eq(f.payload[0][48], 4242 >> 8);
  ck_assert_uint_eq(f.payload[0][49], 4242 & 0xff);
  ck_assert_uint_eq(f.payload[0][50], DERP_PEER_PRESENT_NOT_IDEAL);
  frames_free(&f);
  relay_conn_close(d.c, e.now, NULL);
  drain_frames(&e, m.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_PEER_GONE);
  ck_assert_mem_eq(f.payload[0], d.pub, 32);
  ck_assert_uint_eq(f.payload[0][32], DERP_PEER_GONE_DISCONNECTED);
  frames_free(&f);
  env_free(&e);
}
END_TEST

START_TEST(mesh_close_peer_closes_target) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  env_start(&e);
  struct client a, m;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  send_frame(&e, &m, DERP_FRAME_CLOSE_PEER, a.pub, 32);
  ck_assert_int_eq(relay_conn_state(a.c), RELAY_CONN_CLOSED);
  char kt[73], want[160];
  key_text(m.pub, kt);
  snprintf(want, sizeof want, "closed by ClosePeer from mesh peer %s", kt);
  ck_assert_str_eq(relay_conn_close_reason(a.c), want);
  ck_assert_int_eq(relay_conn_state(m.c), RELAY_CONN_ACTIVE);
  env_free(&e);
}
END_TEST

START_TEST(mesh_forward_packet_delivers_with_given_source) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  env_start(&e);
  struct client a, m;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  uint8_t src[32], sec[32], buf[128];
  seed_keypair(60, src, sec);
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_forward_packet(&w, src, a.pub, (const uint8_t *)"fwd", 3));
  feed(&e, &m, buf, w.len);
  struct frames f;
  drain_frames(&e, a.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_RECV_PACKET);
  ck_assert_mem_eq(f.payload[0], src, 32);
  ck_assert_mem_eq(f.payload[0] + 32, "fwd", 3);
  frames_free(&f);
  env_free(&e);
}
END_TEST

START_TEST(wrong_mesh_key_is_not_mesh) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  env_start(&e);
  struct client a;
  char json[128];
  snprintf(json, sizeof json, "{\"meshKey\":\"%064d\"}", 1);
  connect_json(&e, &a, 1, json);
  ck_assert(!relay_conn_can_mesh(a.c));
  send_frame(&e, &a, DERP_FRAME_WATCH_CONNS, NULL, 0);
  ck_assert_str_eq(relay_conn_close_reason(a.c), "insufficient permissions");
  env_free(&e);
}
END_TEST

/* ---- mesh forwarders (outbound mesh connections' keys) ---------------- */

/* What the shell's forward callback was asked to send. */
struct forwarded {
  int n;
  void *fwd;
  uint8_t src[32], dst[32];
  uint8_t pkt[64];
  size_t len;
  bool refuse;
};

static bool record_forward(void *ctx, void *fwd, const uint8_t src[32], const uint8_t dst[32],
                           const uint8_t *pkt, size_t len) {
  struct forwarded *f = ctx;
  if (f->refuse) return false;
  f->n++;
  f->fwd = fwd;
  memcpy(f->src, src, 32);
  memcpy(f->dst, dst, 32);
  f->len = len < sizeof f->pkt ? len : sizeof f->pkt;
  memcpy(f->pkt, pkt, f->len);
  return true;
}

static void env_forwarding(struct env *e, struct forwarded *fw) {
  memset(fw, 0, sizeof *fw);
  e->opt.forward = record_forward;
  e->opt.forward_ctx = fw;
}

START_TEST(mesh_packet_for_remote_key_goes_to_its_first_forwarder) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  struct client a;
  connect_client(&e, &a, 1);
  uint8_t remote[32], sec[32];
  seed_keypair(61, remote, sec);
  int peer1, peer2;
  ck_assert(relay_mesh_add(e.r, remote, &peer1));
  ck_assert(relay_mesh_add(e.r, remote, &peer2));
  ck_assert(relay_mesh_add(e.r, remote, &peer1)); /* a repeated PeerPresent */
  ck_assert_uint_eq(relay_mesh_keys(e.r), 1);
  send_packet(&e, &a, remote, (const uint8_t *)"via mesh", 8);
  ck_assert_int_eq(fw.n, 1);
  ck_assert_ptr_eq(fw.fwd, &peer1);
  ck_assert_mem_eq(fw.src, a.pub, 32);
  ck_assert_mem_eq(fw.dst, remote, 32);
  ck_assert_uint_eq(fw.len, 8);
  ck_assert_mem_eq(fw.pkt, "via mesh", 8);
  ck_assert_int_eq(drain_count(&e, a.c), 0); /* no PeerGone(NotHere) */
  /* The first peer lost it: the second one carries it now. */
  relay_mesh_remove(e.r, remote, &peer1);
  send_packet(&e, &a, remote, (const uint8_t *)"x", 1);
  ck_assert_int_eq(fw.n, 2);
  ck_assert_ptr_eq(fw.fwd, &peer2);
  fw.refuse = true;
  send_packet(&e, &a, remote, (const uint8_t *)"y", 1);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.packets_forwarded_out, 2);
  ck_assert_uint_eq(st.drops_forward_failed, 1);
  ck_assert_uint_eq(st.drops_unknown_dest, 0);
  env_free(&e);
}
END_TEST

START_TEST(mesh_local_client_wins_and_forwarded_packets_stop_here) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  enable_mesh(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  struct client a, b, m;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  connect_mesh(&e, &m, 7);
  int peer;
  ck_assert(relay_mesh_add(e.r, b.pub, &peer));
  send_packet(&e, &a, b.pub, (const uint8_t *)"local", 5);
  ck_assert_int_eq(fw.n, 0);
  ck_assert_int_eq(drain_count(&e, b.c), 1);
  /* A ForwardPacket for a key known only through a forwarder is dropped,
   * never sent back out (two relays would bounce it forever). */
  uint8_t remote[32], sec[32], buf[128];
  seed_keypair(62, remote, sec);
  ck_assert(relay_mesh_add(e.r, remote, &peer));
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_forward_packet(&w, a.pub, remote, (const uint8_t *)"loop", 4));
  feed(&e, &m, buf, w.len);
  ck_assert_int_eq(fw.n, 0);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.drops_unknown_dest, 1);
  env_free(&e);
}
END_TEST

START_TEST(mesh_remote_sender_leaving_region_sends_peer_gone) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  enable_mesh(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  struct client a, m;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  uint8_t remote[32], sec[32], buf[128];
  seed_keypair(63, remote, sec);
  int peer1, peer2;
  ck_assert(relay_mesh_add(e.r, remote, &peer1));
  ck_assert(relay_mesh_add(e.r, remote, &peer2));
  /* remote (a client of the peer relay) sends to a, forwarded in. */
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_forward_packet(&w, remote, a.pub, (const uint8_t *)"hi", 2));
  feed(&e, &m, buf, w.len);
  ck_assert_int_eq(drain_count(&e, a.c), 1);
  /* One forwarder left: still in the region, nothing said. */
  relay_mesh_remove(e.r, remote, &peer1);
  ck_assert_int_eq(drain_count(&e, a.c), 0);
  /* The last one's connection broke: a is told the sender is gone. */
  ck_assert_uint_eq(relay_mesh_remove_all(e.r, &peer2), 1);
  ck_assert_uint_eq(relay_mesh_keys(e.r), 0);
  struct frames f;
  drain_frames(&e, a.c, &f);
  ck_assert_int_eq(f.n, 1);
  ck_assert_uint_eq(f.type[0], DERP_FRAME_PEER_GONE);
  ck_assert_mem_eq(f.payload[0], remote, 32);
  ck_assert_uint_eq(f.payload[0][32], DERP_PEER_GONE_DISCONNECTED);
  frames_free(&f);
  env_free(&e);
}
END_TEST

START_TEST(mesh_receiver_closing_first_is_forgotten) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  enable_mesh(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  struct client a, m;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  uint8_t remote[32], sec[32], buf[128];
  seed_keypair(64, remote, sec);
  int peer;
  ck_assert(relay_mesh_add(e.r, remote, &peer));
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(derp_encode_forward_packet(&w, remote, a.pub, (const uint8_t *)"hi", 2));
  feed(&e, &m, buf, w.len);
  relay_conn_close(a.c, e.now, NULL);
  drain_events(&e);
  /* a is freed: removing the sender must not touch it (ASan would say). */
  relay_mesh_remove(e.r, remote, &peer);
  ck_assert_uint_eq(relay_mesh_keys(e.r), 0);
  env_free(&e);
}
END_TEST

START_TEST(mesh_remove_all_over_many_keys) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  int peer1, peer2;
  for (int i = 0; i < 500; i++) {
    uint8_t k[32] = {0};
    memcpy(k, &i, sizeof i);
    ck_assert(relay_mesh_add(e.r, k, i % 2 ? &peer1 : &peer2));
  }
  ck_assert_uint_eq(relay_mesh_remove_all(e.r, &peer1), 250);
  ck_assert_uint_eq(relay_mesh_keys(e.r), 250);
  ck_assert_uint_eq(relay_mesh_remove_all(e.r, &peer1), 0);
  ck_assert_uint_eq(relay_mesh_remove_all(e.r, &peer2), 250);
  ck_assert_uint_eq(relay_mesh_keys(e.r), 0);
  /* Without a forward callback there is nothing to register with. */
  struct env e2;
  env_init(&e2);
  env_start(&e2);
  ck_assert(!relay_mesh_add(e2.r, e2.spub, &peer1));
  env_free(&e2);
  env_free(&e);
}
END_TEST

START_TEST(mesh_forwarders_per_key_are_bounded) {
  struct env e;
  struct forwarded fw;
  env_init(&e);
  env_forwarding(&e, &fw);
  env_start(&e);
  int peers[RELAY_MESH_MAX_FORWARDERS + 1];
  uint8_t k[32] = {9};
  for (int i = 0; i < RELAY_MESH_MAX_FORWARDERS; i++) ck_assert(relay_mesh_add(e.r, k, &peers[i]));
  ck_assert(!relay_mesh_add(e.r, k, &peers[RELAY_MESH_MAX_FORWARDERS]));
  ck_assert_ptr_nonnull(strstr(e.last_log, "more than 8 mesh peers"));
  for (int i = RELAY_MESH_MAX_FORWARDERS - 1; i >= 0; i--) relay_mesh_remove(e.r, k, &peers[i]);
  ck_assert_uint_eq(relay_mesh_keys(e.r), 0);
  env_free(&e);
}
END_TEST

/* ---- receive rate limiting (--rate-config) ---------------------------- */

START_TEST(rate_limit_pauses_reading_until_the_debt_is_paid) {
  struct env e;
  env_init(&e);
  e.opt.rate_bytes_per_sec = 100000;
  e.opt.rate_burst_bytes = 1; /* raised to one maximal SendPacket */
  env_start(&e);
  struct client a, b;
  connect_client(&e, &a, 1);
  connect_client(&e, &b, 2);
  uint8_t pkt[4000];
  memset(pkt, 7, sizeof pkt);
  /* 16 frames of 4032 bytes: 64512 of the 65568-byte bucket */
  for (int i = 0; i < 16; i++) send_packet(&e, &a, b.pub, pkt, sizeof pkt);
  ck_assert_uint_eq(relay_conn_read_paused_until(a.c), 0);
  /* the 17th runs it dry by 2 976 bytes: 30 ms at 100 kB/s */
  send_packet(&e, &a, b.pub, pkt, sizeof pkt);
  ck_assert_uint_eq(relay_conn_read_paused_until(a.c), e.now + 30);
  ck_assert_int_eq(drain_count(&e, b.c), 17); /* the frame itself still went */
  ck_assert_uint_eq(relay_conn_read_paused_until(b.c), 0);
  ck_assert_uint_eq(relay_tick(e.r, e.now + 29), e.now + 30);
  ck_assert_uint_ne(relay_conn_read_paused_until(a.c), 0);
  e.now += 30;
  relay_tick(e.r, e.now);
  ck_assert_uint_eq(relay_conn_read_paused_until(a.c), 0);
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.rate_limit_waits, 1);
  /* one second refills the whole bucket, never more */
  e.now += 60000;
  for (int i = 0; i < 16; i++) send_packet(&e, &a, b.pub, pkt, sizeof pkt);
  ck_assert_uint_eq(relay_conn_read_paused_until(a.c), 0);
  env_free(&e);
}
END_TEST

START_TEST(rate_limit_spares_mesh_peers_and_can_be_lifted) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  e.opt.rate_bytes_per_sec = 1000;
  env_start(&e);
  struct client a, m;
  connect_client(&e, &a, 1);
  connect_mesh(&e, &m, 7);
  uint8_t pkt[60000], buf[60100];
  memset(pkt, 1, sizeof pkt);
  for (int i = 0; i < 4; i++) {
    struct byte_writer w = byte_writer_init(buf, sizeof buf);
    ck_assert(derp_encode_forward_packet(&w, m.pub, a.pub, pkt, sizeof pkt));
    feed(&e, &m, buf, w.len);
  }
  ck_assert_uint_eq(relay_conn_read_paused_until(m.c), 0);
  send_packet(&e, &a, m.pub, pkt, sizeof pkt);
  send_packet(&e, &a, m.pub, pkt, sizeof pkt);
  ck_assert_uint_ne(relay_conn_read_paused_until(a.c), 0);
  /* SIGHUP with the limit removed: nobody waits any more */
  ck_assert_uint_eq(relay_set_rate_limit(e.r, 0, 0), 0);
  ck_assert_uint_eq(relay_conn_read_paused_until(a.c), 0);
  ck_assert_uint_eq(relay_set_rate_limit(e.r, 5000, 1u << 20), 1u << 20);
  env_free(&e);
}
END_TEST

/* ---- robustness ------------------------------------------------------ */

START_TEST(hostile_streams_never_crash) {
  struct env e;
  env_init(&e);
  enable_mesh(&e);
  env_start(&e);
  uint32_t s = 12345;
  uint8_t buf[600];
  for (int round = 0; round < 300; round++) {
    struct client a;
    if (round % 2)
      connect_client(&e, &a, (uint8_t)(round % 5 + 1));
    else
      open_conn(&e, &a, 1);
    for (int chunk = 0; chunk < 8; chunk++) {
      s = s * 1103515245u + 12345u;
      size_t n = (s >> 16) % sizeof buf;
      for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (uint8_t)(s >> 24);
      }
      /* Keep lengths small so frames complete within the round. */
      if (n >= 5) buf[1] = buf[2] = 0;
      feed(&e, &a, buf, n);
      e.now += 7;
      relay_tick(e.r, e.now);
      drain_count(&e, a.c);
    }
    if (relay_conn_state(a.c) == RELAY_CONN_CLOSED) {
      ck_assert_uint_gt(strlen(relay_conn_close_reason(a.c)), 0);
    }
    drain_events(&e);
    relay_conn_close(a.c, e.now, NULL);
  }
  struct relay_stats st;
  relay_get_stats(e.r, &st);
  ck_assert_uint_eq(st.conns_current, 0);
  ck_assert_uint_eq(st.clients_current, 0);
  env_free(&e);
}
END_TEST

START_TEST(invalid_options_are_refused) {
  struct env e;
  env_init(&e);
  e.opt.send_queue_cap = 1000;
  ck_assert_ptr_null(relay_create(&e.opt));
  env_init(&e);
  e.opt.keepalive_ms = 0;
  ck_assert_ptr_null(relay_create(&e.opt));
}
END_TEST

static Suite *relay_core_suite(void) {
  Suite *s = suite_create("relay_core");
  TCase *tc = tcase_create("handshake");
  tcase_add_test(tc, server_key_is_first_output);
  tcase_add_test(tc, full_handshake_with_real_box);
  tcase_add_test(tc, fast_start_server_key_still_first);
  tcase_add_test(tc, client_info_in_one_byte_chunks);
  tcase_add_test(tc, client_info_55_is_short);
  tcase_add_test(tc, client_info_56_reaches_the_box);
  tcase_add_test(tc, client_info_262144_reaches_the_box);
  tcase_add_test(tc, client_info_262145_is_long_at_the_header);
  tcase_add_test(tc, first_frame_must_be_client_info);
  tcase_add_test(tc, client_info_bad_box);
  tcase_add_test(tc, client_info_bad_json);
  tcase_add_test(tc, client_info_mesh_key_too_short);
  tcase_add_test(tc, client_info_mesh_key_68_hex);
  tcase_add_test(tc, client_info_version_any_case);
  tcase_add_test(tc, verify_clients_rejects_unlisted_key);
  tcase_add_test(tc, mesh_peer_bypasses_verify_clients);
  suite_add_tcase(s, tc);

  tc = tcase_create("client_info_json");
  tcase_add_test(tc, json_field_names_fold_case);
  tcase_add_test(tc, json_unknown_fields_and_null_ignored);
  tcase_add_test(tc, json_verdicts_are_gos);
  tcase_add_test(tc, json_mesh_key_errors_use_go_text);
  tcase_add_test(tc, json_type_errors_use_go_text);
  suite_add_tcase(s, tc);

  tc = tcase_create("relay");
  tcase_add_test(tc, relay_between_two_exact_bytes);
  tcase_add_test(tc, three_clients_send_recv);
  tcase_add_test(tc, relay_full_size_packet_in_small_chunks);
  tcase_add_test(tc, non_disco_to_unknown_key_gets_nothing);
  tcase_add_test(tc, disco_to_unknown_key_gets_peer_gone_not_here);
  tcase_add_test(tc, peer_gone_not_here_rate_limited);
  tcase_add_test(tc, departing_peer_gone_only_to_its_receivers);
  tcase_add_test(tc, departed_receiver_is_not_notified);
  tcase_add_test(tc, ping_gets_identical_pong);
  tcase_add_test(tc, ping_ignored_while_pong_queued);
  tcase_add_test(tc, ping_extra_bytes_discarded);
  tcase_add_test(tc, unknown_frame_types_are_skipped);
  tcase_add_test(tc, note_preferred_tracks_home_clients);
  suite_add_tcase(s, tc);

  tc = tcase_create("bad_input");
  tcase_add_test(tc, bad_send_packet_short);
  tcase_add_test(tc, bad_send_packet_too_long);
  tcase_add_test(tc, bad_note_preferred_size);
  tcase_add_test(tc, bad_watch_conns_size);
  tcase_add_test(tc, bad_watch_conns_not_mesh);
  tcase_add_test(tc, bad_close_peer_size);
  tcase_add_test(tc, bad_close_peer_not_mesh);
  tcase_add_test(tc, bad_forward_packet_not_mesh);
  tcase_add_test(tc, bad_forward_packet_short_from_mesh);
  tcase_add_test(tc, bad_ping_short);
  tcase_add_test(tc, bad_ping_too_large);
  suite_add_tcase(s, tc);

  tc = tcase_create("timers");
  tcase_add_test(tc, handshake_deadline_for_server_key_write);
  tcase_add_test(tc, handshake_deadline_for_client_info_is_fresh);
  tcase_add_test(tc, handshake_deadline_cleared_once_accepted);
  tcase_add_test(tc, keepalive_every_period_with_injected_jitter);
  tcase_add_test(tc, keepalive_jitter_stays_below_five_seconds);
  tcase_add_test(tc, write_timeout_closes_stalled_reader);
  tcase_add_test(tc, write_progress_resets_the_timeout);
  suite_add_tcase(s, tc);

  tc = tcase_create("registry");
  tcase_add_test(tc, same_key_replaces_older_connection);
  tcase_add_test(tc, slow_receiver_loses_oldest_packets_not_its_connection);
  tcase_add_test(tc, disco_packets_survive_a_data_flood);
  tcase_add_test(tc, stalled_receiver_cut_by_write_timeout_only);
  tcase_add_test(tc, packet_queue_depth_validated);
  tcase_add_test(tc, shell_close_of_core_closed_conn_frees_it);
  tcase_add_test(tc, output_event_once_per_empty_to_busy);
  suite_add_tcase(s, tc);

  tc = tcase_create("mesh");
  tcase_add_test(tc, mesh_watcher_sees_presence_and_departure);
  tcase_add_test(tc, mesh_close_peer_closes_target);
  tcase_add_test(tc, mesh_forward_packet_delivers_with_given_source);
  tcase_add_test(tc, wrong_mesh_key_is_not_mesh);
  tcase_add_test(tc, mesh_packet_for_remote_key_goes_to_its_first_forwarder);
  tcase_add_test(tc, mesh_local_client_wins_and_forwarded_packets_stop_here);
  tcase_add_test(tc, mesh_remote_sender_leaving_region_sends_peer_gone);
  tcase_add_test(tc, mesh_receiver_closing_first_is_forgotten);
  tcase_add_test(tc, mesh_remove_all_over_many_keys);
  tcase_add_test(tc, mesh_forwarders_per_key_are_bounded);
  tcase_add_test(tc, rate_limit_pauses_reading_until_the_debt_is_paid);
  tcase_add_test(tc, rate_limit_spares_mesh_peers_and_can_be_lifted);
  suite_add_tcase(s, tc);

  tc = tcase_create("robustness");
  tcase_add_test(tc, hostile_streams_never_crash);
  tcase_add_test(tc, invalid_options_are_refused);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(relay_core_suite)
