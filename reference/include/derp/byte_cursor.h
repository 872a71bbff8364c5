/* byte_cursor: bounds-checked reading and writing of byte buffers.
 *
 * Parsers in derpcheck never index raw pointers; they read through a cursor
 * whose every operation checks the remaining length first, so a parser is
 * bounds-safe by construction (the idea of s2n-tls's "stuffer"). Cursors never
 * allocate: a reader borrows the caller's bytes, a writer fills the caller's
 * buffer and fails (without writing) when the bytes would not fit. */
#ifndef DERP_BYTE_CURSOR_H
#define DERP_BYTE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct byte_reader {
  const uint8_t *data;
  size_t len;
  size_t pos;
};

struct byte_writer {
  uint8_t *data;
  size_t cap;
  size_t len;
};

/* The cursor operations are defined here, inline: parsers call them for
 * nearly every byte they read, and as out-of-line calls (each with its own
 * bounds check, under a fuzzer each with its own comparison hooks) they were
 * a large share of the parsers' time. */

static inline struct byte_reader byte_reader_init(const uint8_t *data, size_t len) {
  struct byte_reader r = {data, data ? len : 0, 0};
  return r;
}

static inline size_t byte_reader_remaining(const struct byte_reader *r) { return r->len - r->pos; }

/* Pointer to the unread bytes (valid for byte_reader_remaining bytes). A
 * reader over no buffer (NULL, 0) is empty: no pointer arithmetic on NULL,
 * not even "+ 0" (undefined behaviour; UBSan found one through an empty
 * ECDSA parameters slice). */
static inline const uint8_t *byte_reader_peek(const struct byte_reader *r) {
  return r->data != NULL ? r->data + r->pos : NULL;
}

/* Borrow n bytes without copying: *out points into the reader's buffer. */
static inline bool byte_reader_borrow(struct byte_reader *r, size_t n, const uint8_t **out) {
  if (n > byte_reader_remaining(r)) return false;
  *out = byte_reader_peek(r);
  r->pos += n;
  return true;
}

static inline bool byte_reader_skip(struct byte_reader *r, size_t n) {
  const uint8_t *unused;
  return byte_reader_borrow(r, n, &unused);
}

/* Copy n bytes out. */
static inline bool byte_reader_copy(struct byte_reader *r, void *out, size_t n) {
  const uint8_t *p;
  if (!byte_reader_borrow(r, n, &p)) return false;
  if (n) memcpy(out, p, n);
  return true;
}

static inline bool byte_reader_u8(struct byte_reader *r, uint8_t *out) {
  const uint8_t *p;
  if (!byte_reader_borrow(r, 1, &p)) return false;
  *out = p[0];
  return true;
}

static inline bool byte_reader_u16be(struct byte_reader *r, uint16_t *out) {
  const uint8_t *p;
  if (!byte_reader_borrow(r, 2, &p)) return false;
  *out = (uint16_t)((p[0] << 8) | p[1]);
  return true;
}

static inline bool byte_reader_u32be(struct byte_reader *r, uint32_t *out) {
  const uint8_t *p;
  if (!byte_reader_borrow(r, 4, &p)) return false;
  *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
  return true;
}

/* Split off the next n bytes as an independent reader. */
static inline bool byte_reader_sub(struct byte_reader *r, size_t n, struct byte_reader *out) {
  const uint8_t *p;
  if (!byte_reader_borrow(r, n, &p)) return false;
  *out = byte_reader_init(p, n);
  return true;
}

static inline struct byte_writer byte_writer_init(uint8_t *data, size_t cap) {
  struct byte_writer w = {data, data ? cap : 0, 0};
  return w;
}

static inline size_t byte_writer_space(const struct byte_writer *w) { return w->cap - w->len; }

static inline bool byte_writer_bytes(struct byte_writer *w, const void *src, size_t n) {
  if (n > byte_writer_space(w)) return false;
  if (n) memcpy(w->data + w->len, src, n);
  w->len += n;
  return true;
}

static inline bool byte_writer_u8(struct byte_writer *w, uint8_t v) {
  return byte_writer_bytes(w, &v, 1);
}

static inline bool byte_writer_u16be(struct byte_writer *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  return byte_writer_bytes(w, b, sizeof b);
}

static inline bool byte_writer_u32be(struct byte_writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  return byte_writer_bytes(w, b, sizeof b);
}

static inline bool byte_writer_str(struct byte_writer *w, const char *s) {
  return byte_writer_bytes(w, s, strlen(s));
}

/* A text builder for messages: unlike byte_writer it cuts what does not fit
 * (a cut message still says something) and remembers that it did. The text
 * is NUL-terminated whenever cap > 0. */
struct text_out {
  char *buf;
  size_t cap;
  size_t len;
  bool truncated;
};

void text_out_init(struct text_out *t, char *buf, size_t cap);
void text_out_bytes(struct text_out *t, const char *s, size_t n);
void text_out_str(struct text_out *t, const char *s);

/* 1-based line and byte column of offset in text (clamped to len): where
 * a parser's error offset points in the user's file. */
void text_line_column(const char *text, size_t len, size_t offset, int *line, int *column);

#endif
