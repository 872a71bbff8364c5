/* A linear byte queue rather than a ring: every frame is written contiguously
 * with the frame encoders, and the shell gets all pending bytes in one
 * write. Live bytes move to the front only when at least as many bytes have
 * been consumed in front of them (so moving costs O(1) per byte amortised);
 * otherwise the buffer grows. Memory is given back when the queue drains. */
#include <stdlib.h>
#include <string.h>

#include "relay_internal.h"

/* Small: most queues only ever hold a handshake's frames or a few packets
 * (and 10 000 idle clients' first allocations add up); bursts double it. */
#define QUEUE_MIN_ALLOC 512

void relay_queue_init(struct relay_queue *q, size_t limit) {
  memset(q, 0, sizeof *q);
  q->limit = limit;
}

void relay_queue_free(struct relay_queue *q) {
  free(q->buf);
  q->buf = NULL;
  q->alloc = q->head = q->len = 0;
}

static bool queue_resize(struct relay_queue *q, size_t alloc) {
  uint8_t *buf = malloc(alloc);
  if (!buf) return false;
  if (q->len) memcpy(buf, q->buf + q->head, q->len);
  free(q->buf);
  q->buf = buf;
  q->alloc = alloc;
  q->head = 0;
  return true;
}

enum relay_queue_status relay_queue_reserve(struct relay_queue *q, size_t need,
                                            struct byte_writer *w) {
  if (need > q->limit || q->len > q->limit - need) return RELAY_QUEUE_FULL;
  size_t tail = q->head + q->len;
  if (q->alloc - tail < need) {
    if (q->head >= q->len && q->alloc - q->len >= need) {
      if (q->len) memmove(q->buf, q->buf + q->head, q->len);
      q->head = 0;
    } else {
      size_t want = q->len + need;
      size_t alloc = q->alloc ? q->alloc : QUEUE_MIN_ALLOC;
      while (alloc < want) alloc *= 2;
      /* Same size would mean moving many live bytes for little room: grow. */
      if (alloc == q->alloc && alloc < 2 * q->limit) alloc *= 2;
      if (!queue_resize(q, alloc)) return RELAY_QUEUE_NOMEM;
    }
  }
  *w = byte_writer_init(q->buf + q->head + q->len, need);
  return RELAY_QUEUE_OK;
}

void relay_queue_commit(struct relay_queue *q, const struct byte_writer *w) {
  q->len += w->len;
  q->pushed += w->len;
}

size_t relay_queue_peek(const struct relay_queue *q, const uint8_t **data) {
  *data = q->len ? q->buf + q->head : NULL;
  return q->len;
}

void relay_queue_pop(struct relay_queue *q, size_t n) {
  if (n > q->len) n = q->len;
  q->head += n;
  q->len -= n;
  q->popped += n;
  if (q->len == 0) {
    q->head = 0;
    /* Idle connections dominate a relay's memory (10k clients): a drained
     * queue gives its buffer back rather than keeping 4 KiB per client. */
    relay_queue_free(q);
  }
}
