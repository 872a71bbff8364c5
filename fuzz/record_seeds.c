/* record_seeds: real DERP conversations (derpcheck run --record, derp-client
 * --record) turned into seeds, as BoGo feeds its transcripts to its fuzzers.
 *
 * Usage: record_seeds OUT_CORPUS_DIR RECORD...
 *
 * A record (conformance/src/transcript.h) holds, per connection, what each
 * side wrote after TLS. For each connection:
 *   http_head       the request head, and the response head, as sent;
 *   relay_core      the client's frames after its ClientInfo, fed to preset
 *                   client A (already accepted: the recorded handshake was
 *                   sealed to another relay's key);
 *   client_session  the relay's frames after its ServerInfo, behind the
 *                   target's own ServerKey (fuzz_keys.h) and a ServerInfo it
 *                   seals itself (command 4);
 *   tls_certmsg     the chain the relay served ('C' chunks), as the TLS 1.3
 *                   and the TLS 1.2 Certificate message.
 * Seeds are named rec-<FNV-1a of the bytes> (a rerun rewrites the same
 * files). Heads are cut at 16 KiB, the targets' max_len; frame scripts at
 * 2 KiB: a session's variety is in its first frames, and a long run of the
 * same frames only slows every mutation the fuzzer derives from it. Exit status: 0, 1 when a
 * record or a seed could not be read or written, 2 usage. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "derp/byte_cursor.h"
#include "derp/derp_frame.h"
#include "fuzz_keys.h"

#define MAGIC "DERPREC1\n"
#define MAX_CONNS 16
#define SEED_MAX 16384
#define CHUNK 4096
#define SCRIPT_MAX 2048
#define CERTMSG_MAX 8192 /* tls_certmsg's max_len */

struct stream {
  uint8_t *p;
  size_t len, cap;
};

struct conn {
  struct stream up, down; /* client to relay, relay to client */
  struct stream chain;    /* the certificates served, each "u24 length, DER" */
  size_t n_certs;
};

static bool append(struct stream *s, const uint8_t *p, size_t n) {
  if (s->cap - s->len < n) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap - s->len < n) cap *= 2;
    uint8_t *g = realloc(s->p, cap);
    if (g == NULL) return false;
    s->p = g;
    s->cap = cap;
  }
  memcpy(s->p + s->len, p, n);
  s->len += n;
  return true;
}

static int failures;

static void write_seed(const char *dir, const char *target, const uint8_t *p, size_t n) {
  if (n > SEED_MAX) n = SEED_MAX;
  if (n < 2) return;
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, target);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/%s/rec-%016llx", dir, target, (unsigned long long)h);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "record_seeds: cannot write %s: %s\n", path, strerror(errno));
    failures++;
  }
}

/* Bytes after the HTTP head ("\r\n\r\n"), or all of them when there is no
 * head (fast start's response side). head_len gets the head's length. */
static size_t after_head(const struct stream *s, size_t *head_len) {
  *head_len = 0;
  if (s->len < 5 || (memcmp(s->p, "GET ", 4) != 0 && memcmp(s->p, "HTTP/", 5) != 0)) return 0;
  for (size_t i = 0; i + 4 <= s->len; i++) {
    if (memcmp(s->p + i, "\r\n\r\n", 4) == 0) {
      *head_len = i + 4;
      return i + 4;
    }
  }
  return s->len;
}

/* Offset just past the first frame of `type` in p[0..n), or n. */
static size_t past_frame(const uint8_t *p, size_t n, uint8_t type) {
  size_t at = 0;
  while (n - at >= DERP_FRAME_HEADER_LEN) {
    uint32_t len = (uint32_t)p[at + 1] << 24 | (uint32_t)p[at + 2] << 16 |
                   (uint32_t)p[at + 3] << 8 | p[at + 4];
    if (len > n - at - DERP_FRAME_HEADER_LEN) return n;
    at += DERP_FRAME_HEADER_LEN + len;
    if (p[at - DERP_FRAME_HEADER_LEN - len] == type) return at;
  }
  return n;
}

/* A command script: control byte, then (op, u16be n, bytes) commands. */
struct script {
  uint8_t buf[SCRIPT_MAX];
  size_t len;
};

static void op(struct script *s, uint8_t code, const uint8_t *p, size_t n) {
  if (sizeof s->buf - s->len < 3 + n) return;
  s->buf[s->len++] = code;
  s->buf[s->len++] = (uint8_t)(n >> 8);
  s->buf[s->len++] = (uint8_t)n;
  memcpy(s->buf + s->len, p, n);
  s->len += n;
}

static void feed_chunks(struct script *s, uint8_t code, const uint8_t *p, size_t n) {
  for (size_t at = 0; at < n && sizeof s->buf - s->len > 3; at += CHUNK) {
    size_t k = n - at < CHUNK ? n - at : CHUNK;
    if (k > sizeof s->buf - s->len - 3) k = sizeof s->buf - s->len - 3;
    op(s, code, p + at, k);
  }
}

static void put_u24(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 16);
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)v;
}

/* tls_certmsg: control (bit 0: TLS 1.3), then the whole handshake message:
 * type 11, u24 body length, [u8 empty context], u24 list length, entries
 * (u24 length, DER, [u16 no extensions]). */
static void certmsg_seeds(const char *dir, const struct conn *c) {
  static uint8_t msg[SEED_MAX];
  for (int tls13 = 0; tls13 <= 1; tls13++) {
    size_t list = c->chain.len + (tls13 ? 2 * c->n_certs : 0);
    size_t body = (tls13 ? 1 : 0) + 3 + list;
    if (1 + 4 + body > CERTMSG_MAX) return; /* longer chains: not a seed */
    size_t n = 0;
    msg[n++] = (uint8_t)tls13;
    msg[n++] = 11;
    put_u24(msg + n, body);
    n += 3;
    if (tls13) msg[n++] = 0; /* certificate_request_context */
    put_u24(msg + n, list);
    n += 3;
    for (size_t at = 0; at + 3 <= c->chain.len;) {
      size_t len =
          (size_t)c->chain.p[at] << 16 | (size_t)c->chain.p[at + 1] << 8 | c->chain.p[at + 2];
      memcpy(msg + n, c->chain.p + at, 3 + len);
      n += 3 + len;
      at += 3 + len;
      if (tls13) {
        msg[n++] = 0;
        msg[n++] = 0;
      }
    }
    write_seed(dir, "tls_certmsg", msg, n);
  }
}

static void seeds_of(const char *dir, const struct conn *c) {
  if (c->n_certs > 0) certmsg_seeds(dir, c);
  size_t up_head, down_head;
  size_t up_at = after_head(&c->up, &up_head);
  size_t down_at = after_head(&c->down, &down_head);
  uint8_t http[1 + SEED_MAX];
  http[0] = 0; /* control: DERP on */
  if (up_head > 0 && up_head < SEED_MAX) {
    memcpy(http + 1, c->up.p, up_head);
    write_seed(dir, "http_head", http, 1 + up_head);
  }
  if (down_head > 0 && down_head < SEED_MAX) {
    memcpy(http + 1, c->down.p, down_head);
    write_seed(dir, "http_head", http, 1 + down_head);
  }
  static struct script s;
  /* relay_core: the client's frames after ClientInfo, as client A's */
  const uint8_t *up = c->up.p + up_at;
  size_t up_n = c->up.len - up_at, skip = past_frame(up, up_n, DERP_FRAME_CLIENT_INFO);
  if (up_head > 0 && skip < up_n) {
    s.len = 0;
    s.buf[s.len++] = 0x00;                         /* control: no mesh, no allow-list */
    feed_chunks(&s, 0x00, up + skip, up_n - skip); /* command 0, slot 0 */
    write_seed(dir, "relay_core", s.buf, s.len);
  }
  /* client_session: the relay's frames after ServerInfo, behind our own
     ServerKey and ServerInfo */
  const uint8_t *down = c->down.p + down_at;
  size_t down_n = c->down.len - down_at, past = past_frame(down, down_n, DERP_FRAME_SERVER_INFO);
  if (down_n > 0 && past < down_n) {
    uint8_t sec[32], pub[32], key_frame[DERP_FRAME_HEADER_LEN + DERP_SERVER_KEY_MIN_LEN];
    fuzz_keypair(FUZZ_SERVER_SECRET_FILL, sec, pub);
    struct byte_writer w = byte_writer_init(key_frame, sizeof key_frame);
    if (!derp_encode_server_key(&w, pub)) return;
    s.len = 0;
    s.buf[s.len++] = 0x00; /* control: slow path */
    op(&s, 0x00, key_frame, w.len);
    op(&s, 0x04, (const uint8_t *)"{\"version\":2}", 13);
    feed_chunks(&s, 0x00, down + past, down_n - past);
    write_seed(dir, "client_session", s.buf, s.len);
  }
}

static bool read_record(const char *path, struct conn *conns) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "record_seeds: %s: %s\n", path, strerror(errno));
    return false;
  }
  char magic[sizeof MAGIC - 1];
  bool ok =
      fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, MAGIC, sizeof magic) == 0;
  if (!ok) fprintf(stderr, "record_seeds: %s: not a DERPREC1 record\n", path);
  uint8_t hdr[6];
  static uint8_t payload[1 << 20];
  while (ok && fread(hdr, 1, sizeof hdr, f) == sizeof hdr) {
    uint32_t n = (uint32_t)hdr[2] << 24 | (uint32_t)hdr[3] << 16 | (uint32_t)hdr[4] << 8 | hdr[5];
    if (n > sizeof payload || fread(payload, 1, n, f) != n) {
      fprintf(stderr, "record_seeds: %s: truncated chunk\n", path);
      ok = false;
      break;
    }
    if (hdr[1] >= MAX_CONNS) continue;
    struct conn *c = &conns[hdr[1]];
    if (hdr[0] == '>') ok = append(&c->up, payload, n);
    if (hdr[0] == '<') ok = append(&c->down, payload, n);
    if (hdr[0] == 'C' && n > 0 && n < (1u << 24)) {
      uint8_t len[3] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
      ok = append(&c->chain, len, 3) && append(&c->chain, payload, n);
      c->n_certs++;
    }
  }
  fclose(f);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: record_seeds OUT_CORPUS_DIR RECORD...\n");
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    struct conn conns[MAX_CONNS];
    memset(conns, 0, sizeof conns);
    if (!read_record(argv[i], conns)) failures++;
    for (int k = 0; k < MAX_CONNS; k++) {
      if (conns[k].up.len > 0 || conns[k].down.len > 0 || conns[k].n_certs > 0)
        seeds_of(argv[1], &conns[k]);
      free(conns[k].up.p);
      free(conns[k].down.p);
      free(conns[k].chain.p);
    }
  }
  return failures ? 1 : 0;
}
