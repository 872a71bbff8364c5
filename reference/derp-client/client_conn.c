/* client_conn: dial + TLS + upgrade + DERP session pump. */
#include "client_conn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>

#include "derp/http_head.h"
#include "derp/metacert.h"

void client_conn_init(struct client_conn *c) {
  memset(c, 0, sizeof *c);
  c->tls.fd = -1;
}

void client_conn_close(struct client_conn *c) {
  if (c->tls_done || c->tls.ssl != NULL || c->tls.fd >= 0) client_tls_close(&c->tls);
  derp_client_session_free(c->session);
  c->session = NULL;
  c->tls_done = false;
  c->in_pos = c->in_len = 0;
}

/* One chunk of the record: kind, connection number, u32 big-endian length,
 * bytes. A failed write only loses the record, never the connection. */
static void record(struct client_conn *c, char kind, const void *p, size_t n) {
  static uint8_t connections; /* one process, one record: numbered in order */
  static size_t written;      /* the start is what a transcript shows: 4 MiB of it */
  FILE *f = c->record;
  if (f == NULL || n > UINT32_MAX || written > (4u << 20)) return;
  written += n + 6;
  if (kind == 'N') c->record_id = connections++;
  uint8_t head[6] = {(uint8_t)kind,      c->record_id,      (uint8_t)(n >> 24),
                     (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  if (fwrite(head, 1, sizeof head, f) == sizeof head) fwrite(p, 1, n, f);
  fflush(f);
}

/* ---- WebSocket transport (spec §6.1) ---- */

/* One masked client frame around p[0..n) (a DERP byte run or a control
 * payload), written whole. */
static bool ws_write_frame(struct client_conn *c, enum ws_opcode op, const uint8_t *p, size_t n,
                           int64_t deadline_ms, char *err, size_t cap) {
  uint8_t mask[4];
  randombytes_buf(mask, sizeof mask);
  uint8_t *frame = malloc(WS_MAX_HEADER_LEN + n + 1);
  if (frame == NULL) {
    snprintf(err, cap, "out of memory");
    return false;
  }
  size_t h = ws_encode_header(frame, WS_MAX_HEADER_LEN, op, n, mask);
  if (n > 0) memcpy(frame + h, p, n);
  ws_mask(frame + h, n, mask, 0);
  bool ok = client_tls_write_all(&c->tls, frame, h + n, deadline_ms, err, cap);
  free(frame);
  return ok;
}

/* Raw bytes from the socket: unwrap the binary messages into c->in,
 * answer pings; a close or a protocol error ends the connection. */
static bool ws_take(struct client_conn *c, const uint8_t *raw, size_t n, int64_t deadline_ms,
                    char *err, size_t cap) {
  size_t at = 0;
  while (at < n) {
    struct ws_result r =
        ws_decode(&c->ws_dec, raw + at, n - at, c->in + c->in_len, sizeof c->in - c->in_len);
    at += r.consumed;
    record(c, '<', c->in + c->in_len, r.out_len);
    c->in_len += r.out_len;
    if (r.event == WS_EV_ERROR) {
      snprintf(err, cap, "websocket: %s (status %u)", r.why, r.status);
      return false;
    }
    if (r.event == WS_EV_CONTROL && r.opcode == WS_OP_PING &&
        !ws_write_frame(c, WS_OP_PONG, r.control, r.control_len, deadline_ms, err, cap))
      return false;
    if (r.event == WS_EV_CONTROL && r.opcode == WS_OP_CLOSE) {
      unsigned status = r.control_len >= 2 ? (unsigned)(r.control[0] << 8 | r.control[1]) : 1005;
      snprintf(err, cap, "websocket: closed by the relay (status %u%s%.*s)", status,
               r.control_len > 2 ? ": " : "", r.control_len > 2 ? (int)r.control_len - 2 : 0,
               r.control_len > 2 ? (const char *)r.control + 2 : "");
      return false;
    }
    if (r.consumed == 0 && r.out_len == 0 && r.event != WS_EV_CONTROL) {
      if (c->in_len == sizeof c->in) {
        snprintf(err, cap, "input buffer full");
        return false;
      }
      break;
    }
  }
  return true;
}

bool client_conn_flush(struct client_conn *c, int64_t deadline_ms, char *err, size_t cap) {
  size_t len;
  const uint8_t *p = derp_client_pending(c->session, &len);
  if (len == 0) return true;
  if (c->websocket) {
    for (size_t at = 0; at < len;) {
      size_t n = len - at < 16384 ? len - at : 16384;
      if (!ws_write_frame(c, WS_OP_BINARY, p + at, n, deadline_ms, err, cap)) return false;
      at += n;
    }
  } else if (!client_tls_write_all(&c->tls, p, len, deadline_ms, err, cap)) {
    return false;
  }
  record(c, '>', p, len);
  derp_client_consume(c->session, len);
  return true;
}

/* Read more stream bytes into c->in (compacting first). */
static bool fill(struct client_conn *c, int64_t deadline_ms, char *err, size_t cap) {
  if (c->in_pos > 0) {
    memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
    c->in_len -= c->in_pos;
    c->in_pos = 0;
  }
  if (c->in_len == sizeof c->in) {
    snprintf(err, cap, "input buffer full");
    return false;
  }
  if (c->websocket && c->ws_open) {
    uint8_t raw[16384];
    size_t room = sizeof c->in - c->in_len;
    ssize_t n =
        client_tls_read(&c->tls, raw, room < sizeof raw ? room : sizeof raw, deadline_ms, err, cap);
    return n > 0 && ws_take(c, raw, (size_t)n, deadline_ms, err, cap);
  }
  ssize_t n =
      client_tls_read(&c->tls, c->in + c->in_len, sizeof c->in - c->in_len, deadline_ms, err, cap);
  if (n <= 0) return false;
  if (!c->websocket) record(c, '<', c->in + c->in_len, (size_t)n);
  c->in_len += (size_t)n;
  return true;
}

/* Slow path (§3.4): the response head must be a 101; its headers are not
 * checked, as Go does not. Leaves the bytes after the head in c->in. */
static bool read_upgrade_response(struct client_conn *c, int64_t deadline_ms, char *err,
                                  size_t cap) {
  struct http_header slots[32];
  struct http_response resp;
  for (;;) {
    enum http_head_status st = http_parse_response(c->in, c->in_len, CLIENT_CONN_MAX_HEAD, slots,
                                                   sizeof slots / sizeof slots[0], &resp);
    if (st == HTTP_HEAD_OK) break;
    if (st != HTTP_HEAD_NEED_MORE) {
      snprintf(err, cap, "malformed HTTP response: %s", http_head_status_str(st));
      return false;
    }
    char why[256];
    if (!fill(c, deadline_ms, why, sizeof why)) {
      snprintf(err, cap, "%s", strcmp(why, "EOF") == 0 ? "unexpected EOF" : why);
      return false;
    }
  }
  if (resp.status == 101 && c->websocket) {
    /* the accept key proves the relay read our key; the subprotocol must be derp */
    const struct http_header *acc =
        http_header_find(resp.headers, resp.header_count, "Sec-WebSocket-Accept");
    const struct http_header *proto =
        http_header_find(resp.headers, resp.header_count, "Sec-WebSocket-Protocol");
    if (acc == NULL || !http_span_equals(acc->value, c->ws_accept)) {
      snprintf(err, cap, "websocket: the 101 has no Sec-WebSocket-Accept for our key");
      return false;
    }
    if (proto == NULL || !http_span_equals_nocase(proto->value, "derp")) {
      snprintf(err, cap, "websocket: the relay did not accept the derp subprotocol");
      return false;
    }
    record(c, '<', c->in, resp.head_len);
    /* what came after the head is already WebSocket frames */
    size_t rest = c->in_len - resp.head_len;
    uint8_t tail[CLIENT_CONN_INBUF];
    memcpy(tail, c->in + resp.head_len, rest);
    c->in_pos = c->in_len = 0;
    c->ws_open = true;
    return ws_take(c, tail, rest, deadline_ms, err, cap);
  }
  if (resp.status == 101) {
    c->in_pos = resp.head_len;
    return true;
  }
  c->http_status = resp.status;
  /* Go: fmt.Errorf("GET failed: %v: %s", err, body), err always nil. */
  size_t want = resp.has_content_length && resp.content_length < CLIENT_CONN_MAX_BODY
                    ? (size_t)resp.content_length
                    : CLIENT_CONN_MAX_BODY;
  size_t head = resp.head_len;
  while (c->in_len - head < want && c->in_len < sizeof c->in) {
    char why[64];
    size_t before = c->in_len;
    if (!fill(c, deadline_ms, why, sizeof why)) break;
    if (c->in_len == before) break;
  }
  size_t body = c->in_len - head < want ? c->in_len - head : want;
  snprintf(err, cap, "GET failed: <nil>: %.*s", (int)body, (const char *)c->in + head);
  return false;
}

static enum client_conn_status fail_at(struct client_conn *c, enum client_stage stage) {
  c->failed_stage = stage;
  return CLIENT_CONN_FAILED;
}

static enum client_conn_status start_session(struct client_conn *c, const struct derp_region *r,
                                             const struct derp_dial_target *target,
                                             const struct client_conn_options *o, char *err,
                                             size_t cap) {
  const struct derp_node *n = &r->nodes[c->node_index];
  struct derp_client_config cfg = {
      .host = n->host_name[0] ? n->host_name : target->host,
      .ideal_node = c->node_index != 0 ? r->nodes[0].name : NULL,
  };
  memcpy(cfg.client_priv, o->client_priv, DERP_KEY_LEN);
  memcpy(cfg.client_pub, o->client_pub, DERP_KEY_LEN);
  /* The metacert only counts under TLS >= 1.3 (§3.2). */
  struct metacert_info meta;
  if (!o->websocket && c->tls.version >= TLS1_3_VERSION &&
      metacert_parse(c->tls.certs.certs, c->tls.certs.n_certs, &meta) &&
      metacert_fast_start_usable(&meta)) {
    cfg.fast_start = true;
    memcpy(cfg.server_pub, meta.key, DERP_KEY_LEN);
  }
  c->fast = cfg.fast_start;
  cfg.websocket = c->websocket = o->websocket;
  cfg.has_mesh_key = o->has_mesh_key;
  memcpy(cfg.mesh_key, o->mesh_key, DERP_KEY_LEN);
  c->ws_open = false;
  c->session = derp_client_session_new(&cfg, err, cap);
  if (c->session == NULL) return CLIENT_CONN_CONFIG_ERROR;
  if (c->websocket) { /* the WebSocket handshake: never fast start (§3.3) */
    uint8_t nonce[16];
    char key[32];
    randombytes_buf(nonce, sizeof nonce);
    EVP_EncodeBlock((unsigned char *)key, nonce, sizeof nonce);
    uint8_t req[1024];
    struct byte_writer w = byte_writer_init(req, sizeof req);
    if (!ws_accept_key(key, strlen(key), c->ws_accept) ||
        !derp_client_write_websocket_request(&w, cfg.host, key)) {
      snprintf(err, cap, "cannot build the WebSocket request");
      return CLIENT_CONN_CONFIG_ERROR;
    }
    ws_decoder_init(&c->ws_dec, false, DERP_CLIENT_MAX_FRAME_LEN * 2);
    if (!client_tls_write_all(&c->tls, req, w.len, o->deadline_ms, err, cap))
      return fail_at(c, CLIENT_STAGE_DERP);
    record(c, '>', req, w.len);
  }
  /* Request (+ ClientInfo on the fast path) in one write. */
  if (!client_conn_flush(c, o->deadline_ms, err, cap)) return fail_at(c, CLIENT_STAGE_DERP);
  if (c->fast) return CLIENT_CONN_OK;
  if (!read_upgrade_response(c, o->deadline_ms, err, cap)) return fail_at(c, CLIENT_STAGE_DERP);
  struct derp_client_event ev;
  if (!client_conn_next_event(c, o->deadline_ms, &ev, err, cap))
    return fail_at(c, CLIENT_STAGE_DERP);
  if (ev.kind != DERP_CLIENT_EV_SERVER_KEY) {
    snprintf(err, cap, "invalid server greeting");
    return fail_at(c, CLIENT_STAGE_DERP);
  }
  return CLIENT_CONN_OK; /* ClientInfo was flushed by next_event */
}

enum client_conn_status client_conn_open(struct client_conn *c, const struct derp_region *r,
                                         size_t node_index, const struct derp_dial_target *target,
                                         const char *network, const struct client_conn_options *o,
                                         char *err, size_t cap) {
  c->http_status = 0;
  client_conn_close(c);
  c->node_index = node_index;
  client_join_host_port(target->host, target->port, c->addr, sizeof c->addr);
  client_tls_setup_for(&r->nodes[node_index], o->profile, o->legacy_tls, &c->setup);
  c->tls_opts = (struct client_tls_options){
      .setup = &c->setup, .ca_file = o->ca_file, .tls_max = o->tls_max, .now = o->now};
  c->record = o->record;
  int fd = client_dial_tcp(target, network, o->deadline_ms, err, cap);
  if (fd < 0) return fail_at(c, CLIENT_STAGE_DIAL);
  c->tls_done = true; /* from here c->tls owns fd */
  enum client_tls_status ts =
      client_tls_handshake(&c->tls, fd, &c->tls_opts, o->deadline_ms, err, cap);
  if (ts == CLIENT_TLS_CONFIG_ERROR) return CLIENT_CONN_CONFIG_ERROR;
  if (ts != CLIENT_TLS_OK) return fail_at(c, CLIENT_STAGE_TLS);
  if (o->tls_only) return CLIENT_CONN_OK;
  record(c, 'N', c->addr, strlen(c->addr));
  /* the chain the relay served, as seeds for the Certificate message fuzzer */
  for (size_t i = 0; i < c->tls.certs.n_certs; i++)
    record(c, 'C', c->tls.certs.certs[i].ptr, c->tls.certs.certs[i].len);
  return start_session(c, r, target, o, err, cap);
}

enum client_conn_status client_conn_open_region(struct client_conn *c, const struct derp_region *r,
                                                const struct client_conn_options *o, char *err,
                                                size_t cap) {
  struct derp_dial_step steps[64];
  size_t total = derp_region_dial_plan(r, steps, sizeof steps / sizeof steps[0]);
  if (total > sizeof steps / sizeof steps[0]) total = sizeof steps / sizeof steps[0];
  if (total == 0) {
    snprintf(err, cap,
             "region %lld has no node that can be dialled (all STUNOnly, or IPv4 and "
             "IPv6 disabled)",
             (long long)r->id);
    return CLIENT_CONN_CONFIG_ERROR;
  }
  enum client_conn_status st = CLIENT_CONN_FAILED;
  for (size_t i = 0; i < total; i++) {
    /* After a TLS or DERP failure the node is done (Go raced the families
     * for TCP only); after a dial failure its next family is tried. */
    if (i > 0 && steps[i].node_index == steps[i - 1].node_index && st == CLIENT_CONN_FAILED &&
        c->failed_stage != CLIENT_STAGE_DIAL)
      continue;
    st = client_conn_open(c, r, steps[i].node_index, &steps[i].target, "tcp", o, err, cap);
    if (st != CLIENT_CONN_FAILED) return st;
  }
  return st;
}

bool client_conn_next_event(struct client_conn *c, int64_t deadline_ms,
                            struct derp_client_event *ev, char *err, size_t cap) {
  for (;;) {
    if (c->in_pos < c->in_len) {
      size_t used = derp_client_feed(c->session, c->in + c->in_pos, c->in_len - c->in_pos, ev);
      c->in_pos += used;
      if (ev->kind == DERP_CLIENT_EV_ERROR) {
        snprintf(err, cap, "%s", ev->text ? ev->text : derp_client_error(c->session));
        return false;
      }
      if (ev->kind != DERP_CLIENT_EV_NONE) return client_conn_flush(c, deadline_ms, err, cap);
      continue;
    }
    if (!client_conn_flush(c, deadline_ms, err, cap)) return false;
    if (!fill(c, deadline_ms, err, cap)) return false;
  }
}

bool client_conn_await_server_info(struct client_conn *c, int64_t deadline_ms, char *err,
                                   size_t cap) {
  struct derp_client_event ev;
  for (;;) {
    if (!client_conn_next_event(c, deadline_ms, &ev, err, cap)) return false;
    if (ev.kind == DERP_CLIENT_EV_SERVER_INFO) return true;
    if (ev.kind == DERP_CLIENT_EV_LOG) fprintf(stderr, "derp-client: %s\n", ev.text ? ev.text : "");
  }
}
