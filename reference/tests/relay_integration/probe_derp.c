#include "probe_derp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "derp/http_head.h"
#include "derp/metacert.h"

#define HEAD_MAX 8192

static enum probe_derp_result fail(struct probe_derp *d, enum probe_derp_result r,
                                   const char *what) {
  snprintf(d->err, sizeof d->err, "%s", what);
  return r;
}

/* Refill d->in when empty. */
static enum probe_derp_result fill(struct probe_derp *d) {
  if (d->in_pos < d->in_len) return PROBE_DERP_OK;
  int n = probe_read(&d->conn, d->in, sizeof d->in);
  if (n == 0) return fail(d, PROBE_DERP_CLOSED, "relay closed the connection");
  if (n < 0) return fail(d, PROBE_DERP_TIMEOUT, "timed out waiting for the relay");
  d->in_pos = 0;
  d->in_len = (size_t)n;
  return PROBE_DERP_OK;
}

enum probe_derp_result probe_derp_read_frame(struct probe_derp *d, struct derp_frame *f) {
  for (;;) {
    enum derp_frame_event ev = DERP_FRAME_NEED_MORE;
    size_t used =
        derp_frame_reader_feed(&d->reader, d->in + d->in_pos, d->in_len - d->in_pos, &ev, f);
    d->in_pos += used;
    if (ev == DERP_FRAME_READY) return PROBE_DERP_OK;
    if (ev == DERP_FRAME_TOO_LARGE) {
      snprintf(d->err, sizeof d->err, "frame type 0x%02x of %u bytes is too large", f->type,
               f->len);
      return PROBE_DERP_PROTOCOL;
    }
    enum probe_derp_result r = fill(d);
    if (r != PROBE_DERP_OK) return r;
  }
}

static bool send_client_info(struct probe_derp *d) {
  static const char json[] = "{\"version\":2,\"CanAckPings\":true}";
  uint8_t nonce[DERP_NONCE_LEN];
  randombytes_buf(nonce, sizeof nonce);
  uint8_t buf[256];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  return derp_encode_client_info_sealed(&w, d->pub, d->priv, d->server_pub, nonce,
                                        (const uint8_t *)json, sizeof json - 1) &&
         probe_write_all(&d->conn, buf, w.len);
}

/* Fast start needs TLS 1.3 and a metacert; the key comes from it. */
static bool fast_start_key(struct probe_derp *d) {
  if (d->conn.version < TLS1_3_VERSION) return false;
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(d->conn.ssl);
  int n = chain != NULL ? sk_X509_num(chain) : 0;
  struct der_slice slices[PROBE_CERTS_MAX];
  unsigned char *ders[PROBE_CERTS_MAX] = {0};
  size_t count = 0;
  for (int i = 0; i < n && count < PROBE_CERTS_MAX; i++) {
    int len = i2d_X509(sk_X509_value(chain, i), &ders[count]);
    if (len <= 0) continue;
    slices[count].ptr = ders[count];
    slices[count].len = (size_t)len;
    count++;
  }
  struct metacert_info info;
  bool ok = metacert_parse(slices, count, &info) && metacert_fast_start_usable(&info);
  if (ok) memcpy(d->server_pub, info.key, DERP_KEY_LEN);
  for (size_t i = 0; i < count; i++) OPENSSL_free(ders[i]);
  return ok;
}

static enum probe_derp_result send_upgrade(struct probe_derp *d, const char *addr) {
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET /derp HTTP/1.1\r\nHost: %s\r\nUser-Agent: Go-http-client/1.1\r\n"
                   "Connection: Upgrade\r\nUpgrade: DERP\r\n%s\r\n",
                   addr, d->fast_start ? "Derp-Fast-Start: 1\r\n" : "");
  if (n <= 0 || (size_t)n >= sizeof req || !probe_write_all(&d->conn, req, (size_t)n)) {
    return fail(d, PROBE_DERP_IO, "writing the upgrade request failed");
  }
  return PROBE_DERP_OK;
}

/* Read the response head into d->in; the bytes after it are DERP. */
static enum probe_derp_result read_101(struct probe_derp *d) {
  static uint8_t head[HEAD_MAX];
  size_t have = 0;
  struct http_header slots[32];
  struct http_response resp;
  for (;;) {
    enum http_head_status st = http_parse_response(head, have, HEAD_MAX, slots, 32, &resp);
    if (st == HTTP_HEAD_OK) break;
    if (st != HTTP_HEAD_NEED_MORE) {
      snprintf(d->err, sizeof d->err, "bad HTTP response: %s", http_head_status_str(st));
      return PROBE_DERP_PROTOCOL;
    }
    if (have == HEAD_MAX) return fail(d, PROBE_DERP_PROTOCOL, "HTTP response head too large");
    int r = probe_read(&d->conn, head + have, HEAD_MAX - have);
    if (r == 0) return fail(d, PROBE_DERP_CLOSED, "relay closed before the HTTP response");
    if (r < 0) return fail(d, PROBE_DERP_TIMEOUT, "timed out waiting for the HTTP response");
    have += (size_t)r;
  }
  d->http_status = resp.status;
  if (resp.status != 101) {
    snprintf(d->err, sizeof d->err, "GET failed: status %d", resp.status);
    return PROBE_DERP_PROTOCOL;
  }
  const struct http_header *k =
      http_header_find(resp.headers, resp.header_count, "Derp-Public-Key");
  if (k != NULL && k->value.len < sizeof d->header_key_hex) {
    memcpy(d->header_key_hex, k->value.ptr, k->value.len);
    d->header_key_hex[k->value.len] = '\0';
  }
  size_t rest = have - resp.head_len;
  memcpy(d->in, head + resp.head_len, rest);
  d->in_pos = 0;
  d->in_len = rest;
  return PROBE_DERP_OK;
}

static enum probe_derp_result expect_server_key(struct probe_derp *d, bool check_same) {
  struct derp_frame f;
  enum probe_derp_result r = probe_derp_read_frame(d, &f);
  if (r != PROBE_DERP_OK) return r;
  uint8_t key[DERP_KEY_LEN];
  if (f.type != DERP_FRAME_SERVER_KEY ||
      derp_decode_server_key(f.payload, f.len, key) != DERP_DECODE_OK) {
    snprintf(d->err, sizeof d->err, "first frame: type 0x%02x len %u, want a ServerKey", f.type,
             f.len);
    return PROBE_DERP_PROTOCOL;
  }
  if (check_same && memcmp(key, d->server_pub, DERP_KEY_LEN) != 0) {
    return fail(d, PROBE_DERP_PROTOCOL, "ServerKey differs from the metacert key");
  }
  memcpy(d->server_pub, key, DERP_KEY_LEN);
  return PROBE_DERP_OK;
}

static enum probe_derp_result expect_server_info(struct probe_derp *d) {
  struct derp_frame f;
  enum probe_derp_result r = probe_derp_read_frame(d, &f);
  if (r != PROBE_DERP_OK) return r;
  struct derp_server_info si;
  if (f.type != DERP_FRAME_SERVER_INFO ||
      derp_decode_server_info(f.payload, f.len, &si) != DERP_DECODE_OK) {
    snprintf(d->err, sizeof d->err, "after ClientInfo: type 0x%02x len %u, want ServerInfo", f.type,
             f.len);
    return PROBE_DERP_PROTOCOL;
  }
  size_t n = 0;
  if (!derp_open_box((uint8_t *)d->server_info_json, sizeof d->server_info_json - 1, &n, si.sealed,
                     si.sealed_len, si.nonce, d->server_pub, d->priv)) {
    return fail(d, PROBE_DERP_PROTOCOL, "ServerInfo box does not open");
  }
  d->server_info_json[n] = '\0';
  return PROBE_DERP_OK;
}

enum probe_derp_result probe_derp_connect(struct probe_derp *d, const char *addr,
                                          const struct probe_tls_options *o, bool fast_start,
                                          const uint8_t *priv) {
  memset(d, 0, sizeof *d);
  d->conn.fd = -1;
  d->frame_buf = malloc(DERP_MAX_DATA_FRAME_LEN);
  if (d->frame_buf == NULL || sodium_init() < 0) return fail(d, PROBE_DERP_IO, "out of memory");
  derp_frame_reader_init(&d->reader, d->frame_buf, DERP_MAX_DATA_FRAME_LEN,
                         DERP_MAX_DATA_FRAME_LEN);
  if (priv != NULL) {
    memcpy(d->priv, priv, DERP_KEY_LEN);
  } else {
    randombytes_buf(d->priv, DERP_KEY_LEN);
  }
  crypto_scalarmult_base(d->pub, d->priv);
  if (!probe_connect(&d->conn, addr, o, d->err, sizeof d->err)) return PROBE_DERP_IO;
  d->fast_start = fast_start && fast_start_key(d);
  enum probe_derp_result r = send_upgrade(d, addr);
  if (r != PROBE_DERP_OK) return r;
  if (d->fast_start) {
    /* Fast start: ClientInfo right behind the request; the relay still sends
     * ServerKey first, which must name the metacert's key. */
    if (!send_client_info(d)) return fail(d, PROBE_DERP_IO, "writing ClientInfo failed");
    r = expect_server_key(d, true);
  } else {
    r = read_101(d);
    if (r == PROBE_DERP_OK) r = expect_server_key(d, false);
    if (r == PROBE_DERP_OK && !send_client_info(d)) {
      r = fail(d, PROBE_DERP_IO, "writing ClientInfo failed");
    }
  }
  return r == PROBE_DERP_OK ? expect_server_info(d) : r;
}

void probe_derp_close(struct probe_derp *d) {
  probe_close(&d->conn);
  free(d->frame_buf);
  d->frame_buf = NULL;
}

enum probe_derp_result probe_derp_recv_packet(struct probe_derp *d, struct derp_packet *p) {
  for (;;) {
    struct derp_frame f;
    enum probe_derp_result r = probe_derp_read_frame(d, &f);
    if (r != PROBE_DERP_OK) return r;
    if (f.type == DERP_FRAME_KEEP_ALIVE) continue;
    if (f.type != DERP_FRAME_RECV_PACKET ||
        derp_decode_recv_packet(f.payload, f.len, p) != DERP_DECODE_OK) {
      snprintf(d->err, sizeof d->err, "want RecvPacket, got type 0x%02x len %u", f.type, f.len);
      return PROBE_DERP_PROTOCOL;
    }
    return PROBE_DERP_OK;
  }
}

bool probe_derp_send_packet(struct probe_derp *d, const uint8_t dst[DERP_KEY_LEN],
                            const uint8_t *pkt, size_t len) {
  size_t cap = DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + len;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) return false;
  struct byte_writer w = byte_writer_init(buf, cap);
  bool ok = derp_encode_send_packet(&w, dst, pkt, len) && probe_write_all(&d->conn, buf, w.len);
  free(buf);
  return ok;
}
