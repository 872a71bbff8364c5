/* frame_tap: an independent DERP frame splitter for the frame fuzz targets.
 *
 * The targets watch both directions of a DERP stream without trusting the
 * module under test: bytes go in as they are fed or written, and whole frames
 * (type, length, payload) come out, split by the spec's 5-byte header alone
 * (spec §6.2). Deliberately not derp_frame_reader: an oracle must not share
 * the code it checks. Growable buffer, compacted as frames are taken. */
#ifndef DERP_FUZZ_FRAME_TAP_H
#define DERP_FUZZ_FRAME_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_report.h"

struct frame_tap {
  uint8_t *buf;
  size_t len; /* bytes held */
  size_t cap;
  size_t pos; /* start of the next unsplit frame */
};

struct tapped_frame {
  uint8_t type;
  uint32_t len;
  const uint8_t *payload; /* valid until the next frame_tap_push */
};

FUZZ_ORACLE static inline void frame_tap_free(struct frame_tap *t) {
  free(t->buf);
  memset(t, 0, sizeof *t);
}

/* Empty, keeping the buffer for reuse. */
FUZZ_ORACLE static inline void frame_tap_clear(struct frame_tap *t) { t->len = t->pos = 0; }

/* False only when memory runs out (the caller then stops checking). */
FUZZ_ORACLE static inline bool frame_tap_push(struct frame_tap *t, const uint8_t *p, size_t n) {
  if (t->pos > 0 && t->pos == t->len) {
    t->len = t->pos = 0;
  } else if (t->pos > t->cap / 2) {
    memmove(t->buf, t->buf + t->pos, t->len - t->pos);
    t->len -= t->pos;
    t->pos = 0;
  }
  if (n > t->cap - t->len) {
    size_t want = t->len + n;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < want) cap *= 2;
    uint8_t *grown = realloc(t->buf, cap);
    if (!grown) return false;
    t->buf = grown;
    t->cap = cap;
  }
  if (n) memcpy(t->buf + t->len, p, n);
  t->len += n;
  return true;
}

FUZZ_ORACLE static inline bool frame_tap_next(struct frame_tap *t, struct tapped_frame *f) {
  size_t avail = t->len - t->pos;
  if (avail < 5) return false;
  const uint8_t *h = t->buf + t->pos;
  uint32_t len = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
  if ((uint64_t)len > avail - 5) return false;
  f->type = h[0];
  f->len = len;
  f->payload = h + 5;
  t->pos += 5 + (size_t)len;
  return true;
}

/* Bytes held that do not yet form a whole frame. */
FUZZ_ORACLE static inline size_t frame_tap_partial(const struct frame_tap *t) {
  return t->len - t->pos;
}

#endif
