/* A tiny DER builder for hand-made certificates in the unit tests: values
 * are built inside out (wrap a content in a tag, concatenate siblings), so
 * any field can be made wrong on purpose. Short and long-form lengths up to
 * 65535. */
#ifndef DERP_CHECK_DER_BUILD_H
#define DERP_CHECK_DER_BUILD_H

#include <check.h>
#include <stdbool.h>
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

/* A certificate assembled from its fields, each given whole as DER (or
 * empty), so any one of them can be made wrong on purpose. The Validity
 * SEQUENCE (or validity_tag) wraps not_before, not_after, validity_extra;
 * the [3] SEQUENCE wraps exts unless exts_raw (exts is then the whole
 * element); uids go between the key and the extensions, tbs_tail after
 * them; cert_tail after the signature, tail after the Certificate. */
struct cert_parts {
  struct dbuf version, serial, sigalg, issuer, validity_extra, not_before, not_after, subject, spki,
      uids, exts, tbs_tail, outer_sigalg, signature, cert_tail, tail;
  bool has_exts;
  bool exts_raw;
  uint8_t validity_tag; /* 0: SEQUENCE */
};

static inline struct dbuf cert_parts_build(const struct cert_parts *p) {
  struct dbuf tbs = {.n = 0};
  put(&tbs, p->version.b, p->version.n);
  put(&tbs, p->serial.b, p->serial.n);
  put(&tbs, p->sigalg.b, p->sigalg.n);
  put(&tbs, p->issuer.b, p->issuer.n);
  struct dbuf validity = cat(&p->not_before, &p->not_after);
  validity = cat(&validity, &p->validity_extra);
  struct dbuf v = wrap(p->validity_tag ? p->validity_tag : 0x30, &validity);
  put(&tbs, v.b, v.n);
  put(&tbs, p->subject.b, p->subject.n);
  put(&tbs, p->spki.b, p->spki.n);
  put(&tbs, p->uids.b, p->uids.n);
  if (p->has_exts) {
    if (p->exts_raw) {
      put(&tbs, p->exts.b, p->exts.n);
    } else {
      struct dbuf seq = wrap(0x30, &p->exts), explicit = wrap(0xa3, &seq);
      put(&tbs, explicit.b, explicit.n);
    }
  }
  put(&tbs, p->tbs_tail.b, p->tbs_tail.n);
  struct dbuf tbs_tlv = wrap(0x30, &tbs);
  struct dbuf body = cat(&tbs_tlv, &p->outer_sigalg);
  body = cat(&body, &p->signature);
  body = cat(&body, &p->cert_tail);
  struct dbuf cert = wrap(0x30, &body);
  return cat(&cert, &p->tail);
}

#endif
