/* The scripted conversation of a `raw` step: named connections, each op
   opens, sends or expects (conformance/README.md, "raw steps"). */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/hex.h"
#include "harness/proc.h"
#include "raw_conn.h"
#include "raw_peer.h"
#include "scenario.h"

enum {
  MAX_CONNS = 8,
  FRAME_HEADER = 5,
  /* The largest frame the peer accepts from a relay (MaxInfoLen + slack). */
  MAX_FRAME = (1 << 20) + 1024,
  HTTP_HEAD_MAX = 16384,
};

static const uint8_t derp_magic[8] = {0x44, 0x45, 0x52, 0x50, 0xf0, 0x9f, 0x94, 0x91};

struct script {
  SSL_CTX *ctx;
  const struct peer_target *t;
  struct materials *m;
  struct tvars *vars;
  struct raw_conn conns[MAX_CONNS];
  size_t n_conns;
  int *handshakes;
  char *detail;
  size_t detail_len;
  size_t op_index;
  const char *conn_name;
  const char *action;
  const struct identity *server; /* the relay's key (NULL: m->relay) */
};

__attribute__((format(printf, 2, 3))) static bool fail(struct script *s, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(s->detail, s->detail_len, "raw[%zu] conn %s %s: %s", s->op_index, s->conn_name,
           s->action, msg);
  return false;
}

static struct raw_conn *conn_named(struct script *s, const char *name) {
  for (size_t i = 0; i < s->n_conns; i++)
    if (strcmp(s->conns[i].name, name) == 0) return &s->conns[i];
  return NULL;
}

static int64_t deadline(const struct scenario_raw_op *op) {
  return proc_now_ns() + op->timeout_ms * 1000000LL;
}

static bool send_frame(struct raw_conn *c, uint8_t type, uint32_t length, const uint8_t *payload,
                       size_t n) {
  uint8_t h[FRAME_HEADER] = {type, (uint8_t)(length >> 24), (uint8_t)(length >> 16),
                             (uint8_t)(length >> 8), (uint8_t)length};
  return raw_conn_write(c, h, sizeof h) && raw_conn_write(c, payload, n);
}

/* Next frame: 1 with type/payload (valid until the next read), 0 closed,
   -1 deadline, -2 oversized. */
static int read_frame(struct raw_conn *c, int64_t dl, uint8_t *type, const uint8_t **payload,
                      uint32_t *len, size_t *consumed) {
  int r = raw_conn_fill(c, FRAME_HEADER, dl);
  if (r != 1) return r;
  *type = c->rbuf[0];
  *len = (uint32_t)c->rbuf[1] << 24 | (uint32_t)c->rbuf[2] << 16 | (uint32_t)c->rbuf[3] << 8 |
         c->rbuf[4];
  if (*len > MAX_FRAME) return -2;
  r = raw_conn_fill(c, FRAME_HEADER + (size_t)*len, dl);
  if (r != 1) return r;
  *payload = c->rbuf + FRAME_HEADER;
  *consumed = FRAME_HEADER + (size_t)*len;
  return 1;
}

static const char *read_status(int r) {
  return r == 0    ? "connection closed by the relay"
         : r == -1 ? "timed out"
         : r == -2 ? "frame larger than 1 MiB"
                   : "error";
}

/* Read an HTTP response head; returns the status code or sets detail. */
static int read_http_head(struct script *s, struct raw_conn *c, int64_t dl, size_t *head_len) {
  for (;;) {
    void *end = c->rlen >= 4 ? memmem(c->rbuf, c->rlen, "\r\n\r\n", 4) : NULL;
    if (end != NULL) {
      *head_len = (size_t)((uint8_t *)end - c->rbuf) + 4;
      break;
    }
    if (c->rlen > HTTP_HEAD_MAX) {
      fail(s, "no end of HTTP head in %d bytes", HTTP_HEAD_MAX);
      return -1;
    }
    int r = raw_conn_read_some(c, dl);
    if (r != 1) {
      fail(s, "reading the HTTP response: %s after %zu bytes", read_status(r), c->rlen);
      return -1;
    }
  }
  int status = 0;
  if (c->rlen < 12 || memcmp(c->rbuf, "HTTP/1.1 ", 9) != 0 ||
      sscanf((const char *)c->rbuf + 9, "%3d", &status) != 1) {
    fail(s, "not an HTTP/1.1 status line: \"%.40s\"", (const char *)c->rbuf);
    return -1;
  }
  return status;
}

/* The upgrade request as a Go client sends it (§3.3/§3.4). */
static int upgrade_request(struct script *s, bool fast, char *out, size_t outlen) {
  return snprintf(out, outlen,
                  "GET /derp HTTP/1.1\r\nHost: %s\r\nUser-Agent: "
                  "derpcheck\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n%s\r\n",
                  s->t->host_header, fast ? "Derp-Fast-Start: 1\r\n" : "");
}

/* The ServerKey frame that starts the DERP stream (§6.5 step 1). */
static bool read_server_key(struct script *s, struct raw_conn *c, int64_t dl) {
  uint8_t type;
  const uint8_t *p;
  uint32_t len;
  size_t used;
  int r = raw_conn_fill(c, FRAME_HEADER, dl);
  if (r == 1 && memcmp(c->rbuf, "HTTP/", 5) == 0)
    return fail(s,
                "got an HTTP response where the ServerKey frame belongs "
                "(fast start must have no response)");
  if (r == 1) r = read_frame(c, dl, &type, &p, &len, &used);
  if (r != 1) return fail(s, "waiting for ServerKey: %s", read_status(r));
  if (type != 0x01 || len < 40 || memcmp(p, derp_magic, 8) != 0)
    return fail(s, "first frame is type 0x%02x len %u, not a ServerKey", type, len);
  memcpy(c->server_pub, p + 8, 32);
  raw_conn_consume(c, used);
  const struct identity *server = s->server != NULL ? s->server : &s->m->relay;
  if (memcmp(c->server_pub, server->pub, 32) != 0) {
    char got[65];
    derp_hex_lower(c->server_pub, 32, got);
    return fail(s, "ServerKey carries %s, but the relay's key file holds %s", got, server->pub_hex);
  }
  return true;
}

static bool do_upgrade(struct script *s, struct raw_conn *c, int64_t dl) {
  char req[512];
  int n = upgrade_request(s, false, req, sizeof req);
  if (!raw_conn_write(c, req, (size_t)n)) return fail(s, "writing the upgrade request failed");
  size_t head_len;
  int status = read_http_head(s, c, dl, &head_len);
  if (status < 0) return false;
  if (status != 101) return fail(s, "upgrade answered with status %d, expected 101", status);
  raw_conn_consume(c, head_len);
  return read_server_key(s, c, dl);
}

/* ClientInfo = client key || nonce || box(json); corrupt flips a box byte */
static bool send_client_info(struct script *s, struct raw_conn *c, const char *json, bool corrupt,
                             size_t pad_to) {
  /* pad_to: whole payload length, reached with JSON whitespace */
  size_t jl = strlen(json);
  size_t fixed = 32 + crypto_box_NONCEBYTES + crypto_box_MACBYTES;
  char *padded = NULL;
  if (pad_to > fixed + jl) {
    padded = malloc(pad_to - fixed + 1);
    if (padded == NULL) return fail(s, "out of memory");
    memcpy(padded, json, jl);
    memset(padded + jl, ' ', pad_to - fixed - jl);
    jl = pad_to - fixed;
    padded[jl] = '\0';
    json = padded;
  }
  size_t n = 32 + crypto_box_NONCEBYTES + crypto_box_MACBYTES + jl;
  uint8_t *buf = malloc(n);
  if (buf == NULL) {
    free(padded);
    return fail(s, "out of memory");
  }
  memcpy(buf, c->id->pub, 32);
  uint8_t *nonce = buf + 32;
  randombytes_buf(nonce, crypto_box_NONCEBYTES);
  uint8_t *box = nonce + crypto_box_NONCEBYTES;
  int boxed = crypto_box_easy(box, (const uint8_t *)json, jl, nonce, c->server_pub, c->id->priv);
  free(padded);
  if (boxed != 0) {
    free(buf);
    return fail(s, "crypto_box failed");
  }
  if (corrupt) box[0] ^= 0x80;
  bool ok = send_frame(c, 0x02, (uint32_t)n, buf, n);
  free(buf);
  return ok || fail(s, "writing ClientInfo failed (relay closed?)");
}

static bool await_server_info(struct script *s, struct raw_conn *c, int64_t dl) {
  for (;;) {
    uint8_t type;
    const uint8_t *p;
    uint32_t len;
    size_t used;
    int r = read_frame(c, dl, &type, &p, &len, &used);
    if (r != 1) return fail(s, "waiting for ServerInfo: %s", read_status(r));
    if (type != 0x03) { /* anything else before it is skipped, as clients do */
      raw_conn_consume(c, used);
      continue;
    }
    if (len < crypto_box_NONCEBYTES + crypto_box_MACBYTES)
      return fail(s, "ServerInfo of %u bytes is too short", len);
    size_t ml = len - crypto_box_NONCEBYTES - crypto_box_MACBYTES;
    uint8_t *msg = malloc(ml + 1);
    bool opened = msg != NULL &&
                  crypto_box_open_easy(msg, p + crypto_box_NONCEBYTES, len - crypto_box_NONCEBYTES,
                                       p, c->server_pub, c->id->priv) == 0;
    free(msg);
    raw_conn_consume(c, used);
    if (!opened) return fail(s, "ServerInfo box does not open with the ServerKey");
    return true;
  }
}

static bool op_open(struct script *s, const struct scenario_raw_op *op) {
  const char *mode = op->open;
  if (conn_named(s, s->conn_name) != NULL) return fail(s, "connection already open");
  if (s->n_conns == MAX_CONNS) return fail(s, "too many connections");
  struct raw_conn *c = &s->conns[s->n_conns];
  char err[512];
  if (!raw_conn_open(s->ctx, s->t, (int)op->timeout_ms, c, err, sizeof err))
    return fail(s, "%s", err);
  s->n_conns++;
  (*s->handshakes)++;
  snprintf(c->name, sizeof c->name, "%s", s->conn_name);
  raw_conn_record_begin(c);
  c->id = materials_identity(s->m, op->key);
  if (c->id == NULL) return fail(s, "cannot make a client identity");
  /* the identity may be new: let expectations name its key */
  char var[64];
  snprintf(var, sizeof var, "key:%s", c->id->name);
  tvars_set(s->vars, var, c->id->pub_hex);
  if (strcmp(mode, "tls") == 0) return true;
  int64_t dl = deadline(op);
  static const char hello[] = "{\"version\":2,\"CanAckPings\":true}";
  if (strcmp(mode, "fast") == 0) {
    /* As a client that read the metacert: request and ClientInfo in one
       go, sealed to the key it names, no response read (§3.3). */
    char req[512];
    int n = upgrade_request(s, true, req, sizeof req);
    memcpy(c->server_pub, s->m->relay.pub, 32);
    if (!raw_conn_write(c, req, (size_t)n) || !send_client_info(s, c, hello, false, 0))
      return fail(s, "writing the fast-start request failed");
    return read_server_key(s, c, dl) && await_server_info(s, c, dl);
  }
  if (!do_upgrade(s, c, dl)) return false;
  if (strcmp(mode, "upgraded") == 0) return true;
  return send_client_info(s, c, hello, false, 0) && await_server_info(s, c, dl);
}

static uint8_t *expand_hex(struct script *s, const char *hex, size_t *len) {
  char err[256];
  char *x = template_subst(hex, s->vars, err, sizeof err);
  uint8_t *b = x != NULL ? hex_decode(x, len) : NULL;
  free(x);
  if (b == NULL) fail(s, "hex \"%.60s\" is not valid after expansion", hex);
  return b;
}

static bool op_send_frame(struct script *s, struct raw_conn *c, const json_t *f) {
  size_t hl = 0;
  uint8_t *head = expand_hex(s, js_str(f, "payload_hex", ""), &hl);
  if (head == NULL) return false;
  size_t n = (size_t)js_int(f, "payload_len", (long long)hl);
  if (n < hl) n = hl;
  uint8_t *payload = calloc(n + 1, 1);
  if (payload == NULL) {
    free(head);
    return fail(s, "out of memory");
  }
  memcpy(payload, head, hl);
  free(head);
  uint32_t length = (uint32_t)js_int(f, "length", (long long)n);
  /* A failed write is not a failure here: the relay may close as soon as it
     has read a bad header, which the next expect_closed observes. */
  send_frame(c, (uint8_t)js_int(f, "type", 0), length, payload, n);
  free(payload);
  return true;
}

static bool op_expect_frame(struct script *s, struct raw_conn *c, const struct scenario_raw_op *op,
                            const json_t *f) {
  int64_t dl = deadline(op);
  uint8_t want_type = (uint8_t)js_int(f, "type", 0);
  for (;;) {
    uint8_t type;
    const uint8_t *p;
    uint32_t len;
    size_t used;
    int r = read_frame(c, dl, &type, &p, &len, &used);
    if (r != 1) return fail(s, "waiting for frame type 0x%02x: %s", want_type, read_status(r));
    if (type == 0x06 && want_type != 0x06) { /* KeepAlive may come anytime */
      raw_conn_consume(c, used);
      continue;
    }
    /* skip_others: wait for the frame among others (a watcher's flood) */
    bool skip = js_bool(f, "skip_others", false);
    if (type != want_type) {
      raw_conn_consume(c, used);
      if (skip) continue;
      return fail(s, "got frame type 0x%02x (%u bytes), expected 0x%02x", type, len, want_type);
    }
    bool ok = true;
    const char *exact = js_str(f, "payload_hex", NULL);
    const char *prefix = js_str(f, "payload_prefix_hex", NULL);
    if (exact != NULL || prefix != NULL) {
      size_t wl = 0;
      uint8_t *w = expand_hex(s, exact != NULL ? exact : prefix, &wl);
      if (w == NULL) {
        raw_conn_consume(c, used);
        return false;
      }
      ok = exact != NULL ? (wl == len && memcmp(w, p, wl) == 0)
                         : (len >= wl && memcmp(w, p, wl) == 0);
      free(w);
      if (!ok && skip) {
        raw_conn_consume(c, used);
        continue;
      }
      if (!ok) {
        char got[2 * 48 + 1];
        derp_hex_lower(p, len < 48 ? len : 48, got);
        fail(s, "frame 0x%02x payload %s%s (%u bytes) does not %s %s", type, got,
             len > 48 ? "..." : "", len, exact != NULL ? "equal" : "start with",
             exact != NULL ? exact : prefix);
      }
    }
    raw_conn_consume(c, used);
    return ok;
  }
}

static bool op_expect_closed(struct script *s, struct raw_conn *c,
                             const struct scenario_raw_op *op) {
  int64_t dl = deadline(op);
  size_t discarded = 0;
  for (;;) {
    int r = raw_conn_read_some(c, dl);
    if (r == 0) return true;
    if (r == -1)
      return fail(s, "still open after %lld ms (%zu bytes received)", op->timeout_ms,
                  discarded + c->rlen);
    if (r < 0) return fail(s, "read error");
    discarded += c->rlen;
    c->rlen = 0;
  }
}

static bool op_expect_http(struct script *s, struct raw_conn *c, const struct scenario_raw_op *op,
                           const json_t *h) {
  int64_t dl = deadline(op);
  size_t head_len;
  int status = read_http_head(s, c, dl, &head_len);
  if (status < 0) return false;
  long long want = js_int(h, "status", 0);
  if (status != want) return fail(s, "status %d, expected %lld", status, want);
  /* after a 101 the stream goes on in the new protocol: the head is done */
  if (status == 101) raw_conn_consume(c, head_len);
  const char *needle = js_str(h, "body_contains", NULL);
  if (needle == NULL) return true;
  /* Body: Content-Length when given, else up to EOF or the deadline. */
  size_t body_len = SIZE_MAX;
  char *cl = strcasestr((char *)c->rbuf, "\r\ncontent-length:");
  if (cl != NULL && (uint8_t *)cl < c->rbuf + head_len)
    body_len = (size_t)strtoul(cl + 17, NULL, 10);
  while (c->rlen - head_len < body_len && c->rlen - head_len < 65536) {
    if (raw_conn_read_some(c, dl) != 1) break;
  }
  size_t have = c->rlen - head_len;
  char *body = strndup((const char *)c->rbuf + head_len, have < body_len ? have : body_len);
  bool ok = body != NULL && strstr(body, needle) != NULL;
  if (!ok) fail(s, "body \"%.80s\" does not contain \"%s\"", body ? body : "", needle);
  free(body);
  return ok;
}

/* Up to 40 bytes as text with \r, \n and other bytes escaped. */
static void printable(const uint8_t *p, size_t n, char *out, size_t outlen) {
  size_t o = 0;
  for (size_t i = 0; i < n && i < 40 && o + 5 < outlen; i++) {
    if (p[i] == '\r' || p[i] == '\n') {
      out[o++] = '\\';
      out[o++] = p[i] == '\r' ? 'r' : 'n';
    } else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"') {
      o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[i]);
    } else {
      out[o++] = (char)p[i];
    }
  }
  out[o] = '\0';
}

/* Exactly these bytes next on the stream (e.g. the 101 response, §6.1). */
static bool op_expect_text(struct script *s, struct raw_conn *c, const struct scenario_raw_op *op,
                           const json_t *t) {
  char err[256];
  char *want = template_subst(js_str(t, "equals", ""), s->vars, err, sizeof err);
  if (want == NULL) return fail(s, "%s", err);
  size_t n = strlen(want);
  int r = raw_conn_fill(c, n, deadline(op));
  bool ok = r == 1 && memcmp(c->rbuf, want, n) == 0;
  if (!ok) {
    size_t got = c->rlen < n ? c->rlen : n;
    size_t at = 0; /* show where they part */
    while (at < got && c->rbuf[at] == (uint8_t)want[at]) at++;
    char g[200], w[200];
    printable(c->rbuf + at, got - at, g, sizeof g);
    printable((const uint8_t *)want + at, n - at, w, sizeof w);
    fail(s,
         "%s after %zu bytes; differs at byte %zu: got \"%s\", expected "
         "\"%s\"",
         r == 1 ? "mismatch" : read_status(r), got, at, g, w);
  }
  if (r == 1) raw_conn_consume(c, n);
  free(want);
  return ok;
}

/* One WebSocket frame from the relay (unmasked, as servers send them):
   its opcode, for a close its status, and a prefix of its payload. */
static bool op_expect_ws(struct script *s, struct raw_conn *c, const struct scenario_raw_op *op,
                         const json_t *e) {
  int r = raw_conn_fill(c, 2, deadline(op));
  if (r != 1) return fail(s, "no WebSocket frame: %s", read_status(r));
  size_t len7 = c->rbuf[1] & 0x7f, h = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
  if (c->rbuf[1] & 0x80) return fail(s, "a masked frame from the relay");
  if ((r = raw_conn_fill(c, h, deadline(op))) != 1)
    return fail(s, "frame header: %s", read_status(r));
  uint64_t len = len7;
  if (len7 == 126) len = (uint64_t)c->rbuf[2] << 8 | c->rbuf[3];
  if (len7 == 127)
    for (int i = 0; i < 8; i++) len = (i == 0 ? 0 : len << 8) | c->rbuf[2 + i];
  if (len > (1u << 22)) return fail(s, "a WebSocket frame of %llu bytes", (unsigned long long)len);
  if ((r = raw_conn_fill(c, h + (size_t)len, deadline(op))) != 1)
    return fail(s, "frame payload: %s", read_status(r));
  unsigned opcode = c->rbuf[0] & 0x0f;
  const uint8_t *p = c->rbuf + h;
  bool ok = opcode == (unsigned)js_int(e, "opcode", -1);
  if (!ok) fail(s, "WebSocket opcode 0x%x, expected 0x%llx", opcode, js_int(e, "opcode", -1));
  long long want_status = js_int(e, "status", -1);
  if (ok && want_status >= 0) {
    unsigned got = len >= 2 ? (unsigned)(p[0] << 8 | p[1]) : 0;
    char why[130];
    printable(p + (len >= 2 ? 2 : 0), len >= 2 ? (size_t)len - 2 : 0, why, sizeof why);
    ok = got == (unsigned)want_status;
    if (!ok) fail(s, "close status %u (\"%s\"), expected %lld", got, why, want_status);
  }
  const char *prefix = js_str(e, "payload_prefix_hex", NULL);
  if (ok && prefix != NULL) {
    size_t wn = 0;
    uint8_t *want = expand_hex(s, prefix, &wn);
    ok = want != NULL && wn <= len && memcmp(p, want, wn) == 0;
    if (want != NULL && !ok) fail(s, "WebSocket payload does not start with %.80s", prefix);
    free(want);
  }
  raw_conn_consume(c, h + (size_t)len);
  return ok;
}

/* A burst: `count` SendPackets to conn `to`'s key as fast as the relay takes
   them, each packet `size` bytes starting with its 64-bit big-endian
   sequence number, so the receiver can tell which ones were dropped. */
static bool op_send_burst(struct script *s, struct raw_conn *c, const json_t *b) {
  const struct raw_conn *to = conn_named(s, js_str(b, "to", ""));
  if (to == NULL || to->id == NULL)
    return fail(s, "no connection named \"%s\"", js_str(b, "to", ""));
  const size_t size = (size_t)js_int(b, "size", 8);
  const long long count = js_int(b, "count", 1);
  uint8_t *frame = malloc(FRAME_HEADER + 32 + size);
  if (frame == NULL) return fail(s, "out of memory");
  const uint32_t len = (uint32_t)(32 + size);
  frame[0] = 0x04;
  frame[1] = (uint8_t)(len >> 24), frame[2] = (uint8_t)(len >> 16);
  frame[3] = (uint8_t)(len >> 8), frame[4] = (uint8_t)len;
  memcpy(frame + FRAME_HEADER, to->id->pub, 32);
  memset(frame + FRAME_HEADER + 32, 0xa5, size);
  bool ok = true;
  for (long long i = 0; ok && i < count; i++) {
    for (int k = 0; k < 8; k++)
      frame[FRAME_HEADER + 32 + k] = (uint8_t)((uint64_t)i >> (56 - 8 * k));
    ok = raw_conn_write(c, frame, FRAME_HEADER + 32 + size);
    if (!ok)
      fail(s, "packet %lld of %lld: the relay %s", i, count,
           c->peer_gone ? "closed the connection" : "stopped reading");
  }
  free(frame);
  return ok;
}

/* The receiving end of a burst: RecvPackets from conn `from`'s key, in
   order (a relay may drop packets, never reorder or duplicate them), until
   the burst's last packet arrives. With some_dropped, fewer than all must
   arrive (the burst outran the receiver). */
static bool op_expect_burst(struct script *s, struct raw_conn *c, const struct scenario_raw_op *op,
                            const json_t *b) {
  const struct raw_conn *from = conn_named(s, js_str(b, "from", ""));
  if (from == NULL || from->id == NULL)
    return fail(s, "no connection named \"%s\"", js_str(b, "from", ""));
  const long long count = js_int(b, "count", 1);
  const bool some_dropped = js_bool(b, "some_dropped", false);
  const long long min_ms = js_int(b, "min_ms", 0);
  const int64_t t0 = proc_now_ns();
  int64_t dl = deadline(op);
  long long received = 0, last = -1;
  for (;;) {
    uint8_t type;
    const uint8_t *p;
    uint32_t len;
    size_t used;
    int r = read_frame(c, dl, &type, &p, &len, &used);
    if (r != 1)
      return fail(s, "%s after %lld of %lld packets (last sequence %lld)", read_status(r), received,
                  count, last);
    if (type != 0x05) { /* KeepAlive, PeerPresent, ...: not part of the burst */
      raw_conn_consume(c, used);
      continue;
    }
    if (len < 40 || memcmp(p, from->id->pub, 32) != 0) {
      raw_conn_consume(c, used);
      return fail(s, "a RecvPacket of %u bytes not from conn %s", len, from->name);
    }
    long long seq = 0;
    for (int k = 0; k < 8; k++) seq = seq << 8 | p[32 + k];
    raw_conn_consume(c, used);
    if (seq <= last || seq >= count)
      return fail(s, "packet sequence %lld after %lld: reordered, duplicated or not sent", seq,
                  last);
    received++;
    last = seq;
    if (seq == count - 1) break;
  }
  if (some_dropped && received == count)
    return fail(s, "all %lld packets arrived: the burst never outran the receiver", count);
  /* a lower bound only: a slow machine can only make it longer */
  long long took_ms = (proc_now_ns() - t0) / 1000000;
  if (took_ms < min_ms)
    return fail(s, "the burst arrived within %lld ms, paced to at least %lld ms", took_ms, min_ms);
  return true;
}

static bool run_op(struct script *s, const struct scenario_raw_op *op) {
  s->conn_name = op->conn;
  s->action = scenario_raw_action_names[op->action];
  if (op->action == RAW_OPEN) return op_open(s, op);
  struct raw_conn *c = conn_named(s, s->conn_name);
  if (c == NULL) return fail(s, "connection was never opened");
  if (c->ssl == NULL) return fail(s, "connection was closed by the script");
  /* the action's own value, as the schema shapes it */
  const json_t *arg = json_object_get(op->json, s->action);
  switch (op->action) {
    case RAW_OPEN: break; /* above */
    case RAW_SEND_TEXT: {
      char err[256];
      char *text = template_subst(json_string_value(arg), s->vars, err, sizeof err);
      if (text == NULL) return fail(s, "%s", err);
      raw_conn_write(c, text, strlen(text));
      free(text);
      return true;
    }
    case RAW_SEND_HEX: {
      size_t n;
      uint8_t *b = expand_hex(s, json_string_value(arg), &n);
      if (b == NULL) return false;
      raw_conn_write(c, b, n);
      free(b);
      return true;
    }
    case RAW_SEND_FRAME: return op_send_frame(s, c, arg);
    case RAW_SEND_CLIENT_INFO:
      return send_client_info(s, c, js_str(arg, "json", "{}"), js_bool(arg, "corrupt_box", false),
                              (size_t)js_int(arg, "pad_to", 0));
    case RAW_CLOSE:
      SSL_shutdown(c->ssl);
      raw_conn_close(c);
      c->peer_gone = true;
      return true;
    case RAW_EXPECT_CLOSED: return op_expect_closed(s, c, op);
    case RAW_EXPECT_FRAME: return op_expect_frame(s, c, op, arg);
    case RAW_EXPECT_TEXT: return op_expect_text(s, c, op, arg);
    case RAW_EXPECT_HTTP: return op_expect_http(s, c, op, arg);
    case RAW_SEND_BURST: return op_send_burst(s, c, arg);
    case RAW_EXPECT_BURST: return op_expect_burst(s, c, op, arg);
    case RAW_EXPECT_WS: return op_expect_ws(s, c, op, arg);
    case RAW_RESTART_MESH_PEER: {
      if (s->t->restart_mesh_peer == NULL) return fail(s, "the scenario has no relay.mesh_peer");
      char why[1024];
      return s->t->restart_mesh_peer(s->t->restart_ctx, why, sizeof why) || fail(s, "%s", why);
    }
  }
  return fail(s, "unknown action");
}

bool raw_script_run(const struct scenario_raw_op *ops, size_t n_ops, SSL_CTX *ctx,
                    const struct peer_target *t, struct materials *m, struct tvars *vars,
                    int *handshakes, char *detail, size_t detail_len) {
  struct script s = {.ctx = ctx,
                     .t = t,
                     .m = m,
                     .vars = vars,
                     .handshakes = handshakes,
                     .detail = detail,
                     .detail_len = detail_len};
  bool ok = true;
  for (size_t i = 0; ok && i < n_ops; i++) {
    s.op_index = i;
    ok = run_op(&s, &ops[i]);
  }
  for (size_t i = 0; i < s.n_conns; i++) raw_conn_close(&s.conns[i]);
  return ok;
}

/* Readiness of a mesh pair: a watcher on the relay at t sees `present` (the
   other relay's mesh connection) registered there. */
bool raw_await_mesh_peer(SSL_CTX *ctx, const struct peer_target *t, struct materials *m,
                         struct tvars *vars, const struct identity *server,
                         const uint8_t present[32], int timeout_ms, int *handshakes, char *detail,
                         size_t detail_len) {
  struct script s = {.ctx = ctx,
                     .server = server,
                     .t = t,
                     .m = m,
                     .vars = vars,
                     .handshakes = handshakes,
                     .detail = detail,
                     .detail_len = detail_len,
                     .conn_name = "mesh-ready",
                     .action = "await mesh peer"};
  struct scenario_raw_op open = {.conn = "mesh-ready",
                                 .action = RAW_OPEN,
                                 .open = "upgraded",
                                 .key = "mesh-ready",
                                 .timeout_ms = timeout_ms};
  char json[160];
  snprintf(json, sizeof json, "{\"version\":2,\"meshKey\":\"%s\"}", m->mesh_key_hex);
  int64_t dl = proc_now_ns() + timeout_ms * 1000000LL;
  bool ok = op_open(&s, &open);
  struct raw_conn *c = ok ? &s.conns[0] : NULL;
  ok = ok && send_client_info(&s, c, json, false, 0) && await_server_info(&s, c, dl) &&
       (send_frame(c, 0x10, 0, NULL, 0) || fail(&s, "writing WatchConns failed"));
  while (ok) {
    uint8_t type;
    const uint8_t *p;
    uint32_t len;
    size_t used;
    int r = read_frame(c, dl, &type, &p, &len, &used);
    if (r != 1) {
      char want[65];
      derp_hex_lower(present, 32, want);
      ok = fail(&s, "no PeerPresent for the mesh peer's key %s: %s", want, read_status(r));
      break;
    }
    bool found = type == 0x09 && len >= 32 && memcmp(p, present, 32) == 0;
    raw_conn_consume(c, used);
    if (found) break;
  }
  for (size_t i = 0; i < s.n_conns; i++) raw_conn_close(&s.conns[i]);
  return ok;
}
