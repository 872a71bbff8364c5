/* A tiny DER builder for hand-made certificates in the unit tests: values
 * are built inside out (wrap a content in a tag, concatenate siblings), so
 * any field can be made wrong on purpose. Short and long-form lengths up to
 * 65535. */
#ifndef DERP_CHECK_DER_BUILD_H
#define DERP_CHECK_DER_BUILD_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct dbuf {
  uint8_t b[8192];
  size_t n;
};

static inline void put(struct dbuf *d, const void *p, size_t n) {
  ck_assert_uint_le(d->n + n, sizeof d->b);
  if (n > 0) memcpy(d->b + d->n, p, n);
  d->n += n;
}

static inline void put_tlv(struct dbuf *d, uint8_t tag, const void *content, size_t n) {
  uint8_t h[4] = {tag};
  size_t hn = 1;
  if (n < 0x80) {
    h[hn++] = (uint8_t)n;
  } else if (n < 0x100) {
    h[hn++] = 0x81, h[hn++] = (uint8_t)n;
  } else {
    h[hn++] = 0x82, h[hn++] = (uint8_t)(n >> 8), h[hn++] = (uint8_t)n;
  }
  put(d, h, hn);
  put(d, content, n);
}

static inline struct dbuf wrap(uint8_t tag, const struct dbuf *content) {
  struct dbuf d = {.n = 0};
  put_tlv(&d, tag, content->b, content->n);
  return d;
}

static inline struct dbuf raw(const void *p, size_t n) {
  struct dbuf d = {.n = 0};
  put(&d, p, n);
  return d;
}

#define RAW(...) raw((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static inline struct dbuf cat(const struct dbuf *a, const struct dbuf *b) {
  struct dbuf d = *a;
  put(&d, b->b, b->n);
  return d;
}

#endif
