#include "derp/byte_cursor.h"

#include <string.h>

#include "derp/guard.h"

struct byte_reader byte_reader_init(const uint8_t *data, size_t len) {
  struct byte_reader r = {data, data ? len : 0, 0};
  return r;
}

size_t byte_reader_remaining(const struct byte_reader *r) { return r->len - r->pos; }

/* A reader over no buffer (NULL, 0) is empty: no pointer arithmetic on
 * NULL, not even "+ 0" (undefined behaviour; UBSan found one through an
 * empty ECDSA parameters slice). */
const uint8_t *byte_reader_peek(const struct byte_reader *r) {
  return r->data != NULL ? r->data + r->pos : NULL;
}

bool byte_reader_borrow(struct byte_reader *r, size_t n, const uint8_t **out) {
  GUARD(n <= byte_reader_remaining(r));
  *out = byte_reader_peek(r);
  r->pos += n;
  return true;
}

bool byte_reader_skip(struct byte_reader *r, size_t n) {
  const uint8_t *unused;
  return byte_reader_borrow(r, n, &unused);
}

bool byte_reader_copy(struct byte_reader *r, void *out, size_t n) {
  const uint8_t *p;
  GUARD(byte_reader_borrow(r, n, &p));
  if (n) memcpy(out, p, n);
  return true;
}

bool byte_reader_u8(struct byte_reader *r, uint8_t *out) {
  const uint8_t *p;
  GUARD(byte_reader_borrow(r, 1, &p));
  *out = p[0];
  return true;
}

bool byte_reader_u16be(struct byte_reader *r, uint16_t *out) {
  const uint8_t *p;
  GUARD(byte_reader_borrow(r, 2, &p));
  *out = (uint16_t)((p[0] << 8) | p[1]);
  return true;
}

bool byte_reader_u32be(struct byte_reader *r, uint32_t *out) {
  const uint8_t *p;
  GUARD(byte_reader_borrow(r, 4, &p));
  *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
  return true;
}

bool byte_reader_sub(struct byte_reader *r, size_t n, struct byte_reader *out) {
  const uint8_t *p;
  GUARD(byte_reader_borrow(r, n, &p));
  *out = byte_reader_init(p, n);
  return true;
}

struct byte_writer byte_writer_init(uint8_t *data, size_t cap) {
  struct byte_writer w = {data, data ? cap : 0, 0};
  return w;
}

size_t byte_writer_space(const struct byte_writer *w) { return w->cap - w->len; }

bool byte_writer_bytes(struct byte_writer *w, const void *src, size_t n) {
  GUARD(n <= byte_writer_space(w));
  if (n) memcpy(w->data + w->len, src, n);
  w->len += n;
  return true;
}

bool byte_writer_u8(struct byte_writer *w, uint8_t v) { return byte_writer_bytes(w, &v, 1); }

bool byte_writer_u16be(struct byte_writer *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  return byte_writer_bytes(w, b, sizeof b);
}

bool byte_writer_u32be(struct byte_writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  return byte_writer_bytes(w, b, sizeof b);
}

bool byte_writer_str(struct byte_writer *w, const char *s) {
  return byte_writer_bytes(w, s, strlen(s));
}

void text_out_init(struct text_out *t, char *buf, size_t cap) {
  *t = (struct text_out){buf, cap, 0, false};
  if (cap > 0) buf[0] = '\0';
}

void text_out_bytes(struct text_out *t, const char *s, size_t n) {
  if (t->cap == 0) {
    t->truncated = t->truncated || n > 0;
    return;
  }
  size_t room = t->cap - 1 - t->len;
  if (n > room) {
    n = room;
    t->truncated = true;
  }
  if (n) memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

void text_out_str(struct text_out *t, const char *s) { text_out_bytes(t, s, strlen(s)); }
