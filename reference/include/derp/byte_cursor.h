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

struct byte_reader byte_reader_init(const uint8_t *data, size_t len);
size_t byte_reader_remaining(const struct byte_reader *r);
/* Pointer to the unread bytes (valid for byte_reader_remaining bytes). */
const uint8_t *byte_reader_peek(const struct byte_reader *r);

bool byte_reader_u8(struct byte_reader *r, uint8_t *out);
bool byte_reader_u16be(struct byte_reader *r, uint16_t *out);
bool byte_reader_u32be(struct byte_reader *r, uint32_t *out);
/* Copy n bytes out. */
bool byte_reader_copy(struct byte_reader *r, void *out, size_t n);
/* Borrow n bytes without copying: *out points into the reader's buffer. */
bool byte_reader_borrow(struct byte_reader *r, size_t n, const uint8_t **out);
bool byte_reader_skip(struct byte_reader *r, size_t n);
/* Split off the next n bytes as an independent reader. */
bool byte_reader_sub(struct byte_reader *r, size_t n, struct byte_reader *out);

struct byte_writer byte_writer_init(uint8_t *data, size_t cap);
size_t byte_writer_space(const struct byte_writer *w);
bool byte_writer_u8(struct byte_writer *w, uint8_t v);
bool byte_writer_u16be(struct byte_writer *w, uint16_t v);
bool byte_writer_u32be(struct byte_writer *w, uint32_t v);
bool byte_writer_bytes(struct byte_writer *w, const void *src, size_t n);
bool byte_writer_str(struct byte_writer *w, const char *s);

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

#endif
