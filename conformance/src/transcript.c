#include "transcript.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "derp/derp_frame.h"

struct text {
  char *buf;
  size_t len;
  bool cut;
  size_t line_start; /* where the line being written began */
  char last[320];    /* the previous whole line, to fold repeats */
  size_t repeats;
};

__attribute__((format(printf, 2, 3))) static void say(struct text *t, const char *fmt, ...) {
  if (t->cut) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, TRANSCRIPT_MAX_TEXT - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= TRANSCRIPT_MAX_TEXT - t->len) {
    t->cut = true;
    return;
  }
  t->len += (size_t)n;
}

static void say_repeats(struct text *t) {
  size_t n = t->repeats;
  t->repeats = 0;
  if (n > 0) say(t, "  (the line above %zu more time%s)\n", n, n == 1 ? "" : "s");
}

static void begin_line(struct text *t) { t->line_start = t->len; }

/* A line ends: one that repeats the line before (a burst of packets) is
   taken back and counted; the count is said before the next other line. */
static void end_line(struct text *t) {
  if (t->cut) return;
  say(t, "\n");
  size_t n = t->len - t->line_start;
  if (t->last[0] != '\0' && strlen(t->last) == n &&
      memcmp(t->last, t->buf + t->line_start, n) == 0) {
    t->len = t->line_start;
    t->buf[t->len] = '\0';
    t->repeats++;
    return;
  }
  char *line = malloc(n + 1);
  if (line == NULL) return;
  memcpy(line, t->buf + t->line_start, n);
  line[n] = '\0';
  if (t->repeats > 0) { /* the count goes before this line */
    t->len = t->line_start;
    say_repeats(t);
    say(t, "%s", line);
  }
  size_t keep = n < sizeof t->last ? n : 0; /* a long line is never folded */
  memcpy(t->last, line, keep);
  t->last[keep] = '\0';
  free(line);
}

/* A line that is not a frame or head line (connection starts, notes). */
__attribute__((format(printf, 2, 3))) static void note(struct text *t, const char *fmt, ...) {
  say_repeats(t);
  if (t->cut) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, TRANSCRIPT_MAX_TEXT - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= TRANSCRIPT_MAX_TEXT - t->len)
    t->cut = true;
  else
    t->len += (size_t)n;
  t->last[0] = '\0';
}

/* Printable ASCII as is, anything else \xNN, at most `max` input bytes. */
static void say_bytes(struct text *t, const uint8_t *p, size_t n, size_t max) {
  char out[512];
  size_t o = 0;
  for (size_t i = 0; i < n && i < max && o + 5 < sizeof out; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
      out[o++] = (char)p[i];
    else
      o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", p[i]);
  }
  out[o] = '\0';
  say(t, "%s%s", out, n > max ? "…" : "");
}

static void say_key(struct text *t, const char *label, const uint8_t *k) {
  say(t, " %s %02x%02x%02x%02x…", label, k[0], k[1], k[2], k[3]);
}

/* One direction's reassembly: HTTP head lines first (unless fast start
   skipped the response), then frames. */
struct side {
  char mark;        /* '>' or '<' */
  const char *name; /* the connection's, "" when there is one */
  bool frames;
  uint8_t *buf;
  size_t len, cap;
};

static bool side_append(struct side *s, const uint8_t *p, size_t n) {
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + n) cap *= 2;
    if (cap > (32u << 20)) return false; /* bounded: a record is a test's worth */
    uint8_t *b = realloc(s->buf, cap);
    if (b == NULL) return false;
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, p, n);
  s->len += n;
  return true;
}

static void frame_fields(struct text *t, uint8_t type, const uint8_t *p, uint32_t n) {
  switch (type) {
    case DERP_FRAME_SERVER_KEY:
      if (n >= 8 + DERP_KEY_LEN) say_key(t, "key", p + 8);
      break;
    case DERP_FRAME_CLIENT_INFO:
      if (n >= DERP_KEY_LEN) {
        say_key(t, "key", p);
        say(t, ", sealed %u bytes", n - DERP_KEY_LEN);
      }
      break;
    case DERP_FRAME_SERVER_INFO: say(t, " sealed"); break;
    case DERP_FRAME_SEND_PACKET:
    case DERP_FRAME_RECV_PACKET:
    case DERP_FRAME_FORWARD_PACKET:
      if (n >= DERP_KEY_LEN) {
        say_key(t, type == DERP_FRAME_SEND_PACKET ? "to" : "from", p);
        say(t, ", %u bytes%s", n - DERP_KEY_LEN,
            derp_looks_like_disco(p + DERP_KEY_LEN, n - DERP_KEY_LEN) ? " (disco)" : "");
      }
      break;
    case DERP_FRAME_PEER_GONE:
      if (n >= DERP_KEY_LEN) say_key(t, "peer", p);
      if (n > DERP_KEY_LEN) say(t, ", reason %u", p[DERP_KEY_LEN]);
      break;
    case DERP_FRAME_PEER_PRESENT:
    case DERP_FRAME_CLOSE_PEER:
      if (n >= DERP_KEY_LEN) say_key(t, "peer", p);
      break;
    case DERP_FRAME_NOTE_PREFERRED:
      if (n >= 1) say(t, " preferred %s", p[0] ? "yes" : "no");
      break;
    case DERP_FRAME_PING:
    case DERP_FRAME_PONG:
      if (n == DERP_PING_LEN) say(t, " data %02x%02x%02x%02x…", p[0], p[1], p[2], p[3]);
      break;
    case DERP_FRAME_HEALTH:
      say(t, " \"");
      say_bytes(t, p, n, 120);
      say(t, "\"");
      break;
    default: break;
  }
}

/* Show what is complete in s; keep the rest for the next chunk. */
static void side_drain(struct text *t, struct side *s, bool *fast_start) {
  size_t at = 0;
  while (!s->frames && at < s->len) {
    const uint8_t *nl = memchr(s->buf + at, '\n', s->len - at);
    if (nl == NULL) break;
    size_t n = (size_t)(nl - (s->buf + at)),
           shown = n > 0 && s->buf[at + n - 1] == '\r' ? n - 1 : n;
    if (shown == 0) {
      s->frames = true; /* the empty line ends the head */
    } else {
      if (s->mark == '>' && shown >= 16 &&
          strncasecmp((const char *)s->buf + at, "derp-fast-start:", 16) == 0)
        *fast_start = true;
      begin_line(t);
      say(t, "%s%c ", s->name, s->mark);
      say_bytes(t, s->buf + at, shown, 200);
      end_line(t);
    }
    at += n + 1;
  }
  while (s->frames && s->len - at >= DERP_FRAME_HEADER_LEN) {
    const uint8_t *h = s->buf + at;
    uint32_t n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
    if (s->len - at - DERP_FRAME_HEADER_LEN < n) break;
    const char *name = derp_frame_type_name(h[0]);
    begin_line(t);
    say(t, "%s%c %s (0x%02x) %u bytes:", s->name, s->mark, name != NULL ? name : "unknown", h[0],
        n);
    frame_fields(t, h[0], h + DERP_FRAME_HEADER_LEN, n);
    end_line(t);
    at += DERP_FRAME_HEADER_LEN + n;
  }
  memmove(s->buf, s->buf + at, s->len - at);
  s->len -= at;
}

static void side_end(struct text *t, struct side *s) {
  if (s->len > 0)
    note(t, "%s%c (%zu bytes left over, not a whole frame)\n", s->name, s->mark, s->len);
  s->len = 0;
  s->frames = false;
}

/* One connection: both directions and its name. */
struct conn {
  bool used, fast_start;
  char name[40];
  struct side up, down;
};

enum { MAX_CONNS = 256 };

char *transcript_decode(const uint8_t *rec, size_t len) {
  size_t magic = strlen(TRANSCRIPT_MAGIC);
  if (len < magic || memcmp(rec, TRANSCRIPT_MAGIC, magic) != 0) return NULL;
  struct text t = {.buf = malloc(TRANSCRIPT_MAX_TEXT)};
  struct conn *conns = calloc(MAX_CONNS, sizeof *conns);
  if (t.buf == NULL || conns == NULL) {
    free(t.buf);
    free(conns);
    return NULL;
  }
  t.buf[0] = '\0';
  /* Names prefix lines only when connections interleave (the runner's
     peer); one after another (a client) the "==" lines separate them. */
  bool many = false;
  for (size_t at = magic, open = 0; at + 6 <= len;) {
    uint32_t n = (uint32_t)rec[at + 2] << 24 | (uint32_t)rec[at + 3] << 16 |
                 (uint32_t)rec[at + 4] << 8 | rec[at + 5];
    if (rec[at] == 'N') many = many || ++open > 1;
    if (n > len - at - 6) break;
    at += 6 + n;
  }
  bool ok = true;
  size_t count = 0;
  for (size_t at = magic; ok && at < len && !t.cut;) {
    if (len - at < 6) {
      note(&t, "(record cut short)\n");
      break;
    }
    uint8_t kind = rec[at], id = rec[at + 1];
    uint32_t n = (uint32_t)rec[at + 2] << 24 | (uint32_t)rec[at + 3] << 16 |
                 (uint32_t)rec[at + 4] << 8 | rec[at + 5];
    at += 6;
    if (n > len - at) {
      note(&t, "(record cut short)\n");
      break;
    }
    const uint8_t *p = rec + at;
    at += n;
    struct conn *c = &conns[id];
    if (kind == 'N') {
      if (c->used) {
        side_end(&t, &c->up);
        side_end(&t, &c->down);
      }
      c->used = true;
      c->fast_start = false;
      size_t k = 0;
      for (; k < n && k + 1 < sizeof c->name - 3 && p[k] >= 0x20 && p[k] < 0x7f; k++)
        c->name[k] = (char)p[k];
      c->name[k] = '\0';
      count++;
      note(&t, "%s== connection %zu: ", count > 1 ? "\n" : "", count);
      say_bytes(&t, p, n, 120);
      say(&t, " ==\n");
      if (many) {
        size_t l = strlen(c->name);
        c->name[l] = ' ';
        c->name[l + 1] = '\0';
      } else {
        c->name[0] = '\0';
      }
      c->up = (struct side){.mark = '>', .name = c->name, .buf = c->up.buf, .cap = c->up.cap};
      c->down = (struct side){.mark = '<', .name = c->name, .buf = c->down.buf, .cap = c->down.cap};
      continue;
    }
    if (kind == 'C' && c->used) {
      note(&t, "%scertificate served: %u bytes\n", c->name, n);
      continue;
    }
    struct side *s = !c->used ? NULL : kind == '>' ? &c->up : kind == '<' ? &c->down : NULL;
    if (s == NULL) {
      note(&t, "(chunk 0x%02x of connection %u: not a known kind, or no such connection)\n", kind,
           id);
      continue;
    }
    /* fast start: the relay answers with frames, no 101 */
    if (s == &c->down && c->fast_start && c->down.len == 0 && !c->down.frames)
      c->down.frames = true;
    ok = side_append(s, p, n);
    if (ok) side_drain(&t, s, &c->fast_start);
  }
  for (size_t i = 0; i < MAX_CONNS; i++) {
    if (conns[i].used) {
      side_end(&t, &conns[i].up);
      side_end(&t, &conns[i].down);
    }
    free(conns[i].up.buf);
    free(conns[i].down.buf);
  }
  free(conns);
  say_repeats(&t); /* a final count of repeats */
  if (t.cut) {
    size_t keep = TRANSCRIPT_MAX_TEXT - 64;
    if (t.len > keep) t.len = keep;
    t.len += (size_t)snprintf(t.buf + t.len, TRANSCRIPT_MAX_TEXT - t.len, "\n(transcript cut)\n");
  }
  if (!ok) note(&t, "(out of memory)\n");
  return t.buf;
}
