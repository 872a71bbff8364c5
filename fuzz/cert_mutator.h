/* cert_mutator: the certificate targets' LLVMFuzzerCustomMutator and
 * LLVMFuzzerCustomCrossOver, on der_mutate.
 *
 * A target includes this once, naming its input layout (CERT_LAYOUT_WHOLE:
 * the input is one certificate; _PIN and _METACERT: fuzz_inputs.h's
 * layouts, where each certificate is "u16be length, DER"). One certificate
 * of the input is mutated structurally and put back with its length
 * prefix; a third of the time, or when no certificate decodes, libFuzzer's
 * own byte mutation runs instead, so the other fields (pin, name, clock,
 * control bytes) keep changing too. For pin_verify, a quarter of the
 * mutants also get a server name or clock taken from the pinned
 * certificate (pin_fixup), so the checks after the pin see matches. DERP_FUZZ_PLAIN=1 in the environment
 * turns the structure off (byte mutation only), to measure what it adds.
 *
 * Built where FUZZ_CUSTOM_MUTATOR is set: in libFuzzer targets (set by
 * fuzz/CMakeLists.txt; LLVMFuzzerMutate is libFuzzer's) and in the AFL++
 * custom mutator libraries (afl_cert_mutator.c, which brings its own
 * LLVMFuzzerMutate): libAFLDriver does not call a target's custom mutator,
 * so under AFL++ the mutator runs inside afl-fuzz. */
#ifndef DERP_FUZZ_CERT_MUTATOR_H
#define DERP_FUZZ_CERT_MUTATOR_H

#if FUZZ_CUSTOM_MUTATOR

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "der_mutate.h"
#include "derp/cert_fields.h"
#include "fuzz_inputs.h"
#include "oracle_report.h" /* FUZZ_ORACLE: the mutator runs between executions, unhooked */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
                                 size_t size2, uint8_t *out, size_t max_out_size,
                                 unsigned int seed);

enum cert_layout { CERT_LAYOUT_WHOLE, CERT_LAYOUT_PIN, CERT_LAYOUT_METACERT };

/* The certificates of an input, as offsets (slices point into `data`). */
FUZZ_ORACLE static size_t cert_slices(enum cert_layout layout, const uint8_t *data, size_t size,
                                      struct der_slice *out) {
  if (layout == CERT_LAYOUT_WHOLE) {
    out[0] = (struct der_slice){data, size};
    return size > 0;
  }
  size_t n = 0;
  if (layout == CERT_LAYOUT_PIN) {
    static struct pin_fuzz_input in;
    if (!pin_fuzz_decode(data, size, &in)) return 0;
    n = in.call.n_certs;
    for (size_t i = 0; i < n; i++) out[i] = in.call.certs[i];
  } else {
    static struct metacert_fuzz_input in;
    if (!metacert_fuzz_decode(data, size, &in)) return 0;
    n = in.n_certs;
    for (size_t i = 0; i < n; i++) out[i] = in.certs[i];
  }
  /* only certificates that lie in the input after a u16 length */
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    if (out[i].len == 0 || out[i].ptr < data + 2 || out[i].ptr + out[i].len > data + size) continue;
    out[kept++] = out[i];
  }
  return kept;
}

/* data[0..size) with certificate `c` replaced by der[0..len) (and its u16
 * length prefix rewritten) into out; 0 when it does not fit. */
FUZZ_ORACLE static size_t cert_splice(enum cert_layout layout, const uint8_t *data, size_t size,
                                      struct der_slice c, const uint8_t *der, size_t len,
                                      uint8_t *out, size_t cap) {
  size_t off = (size_t)(c.ptr - data), tail = size - off - c.len;
  if (layout != CERT_LAYOUT_WHOLE && len > 0xffff) return 0;
  if (off + len + tail > cap) return 0;
  memmove(out + off + len, data + off + c.len, tail);
  if (out != data) memcpy(out, data, off);
  memcpy(out + off, der, len);
  if (layout != CERT_LAYOUT_WHOLE) {
    out[off - 2] = (uint8_t)(len >> 8);
    out[off - 1] = (uint8_t)len;
  }
  return off + len + tail;
}

FUZZ_ORACLE static bool cert_mutator_plain(void) {
  static int plain = -1;
  if (plain < 0) plain = getenv("DERP_FUZZ_PLAIN") != NULL;
  return plain;
}

static uint8_t cert_mutator_buf[1 << 16];

/* pin_verify's fields made to agree with the certificate the pin picks
 * (fuzz_inputs.h: profile, pin mode, k, now, name, pin, certificates): the
 * server name becomes one of its names, or the clock one of its validity
 * bounds give or take a second. Byte mutation practically never writes a
 * name or an instant a mutated certificate holds, so without this the
 * checks after the pin rarely see one. Returns the new size (size when
 * nothing applies). */
FUZZ_ORACLE static size_t pin_fixup(uint8_t *data, size_t size, size_t max_size,
                                    unsigned int seed) {
  static struct pin_fuzz_input in;
  if (size < 12 || !pin_fuzz_decode(data, size, &in) || in.call.n_certs == 0) return size;
  const struct der_slice *c = &in.call.certs[data[2] % in.call.n_certs];
  const uint8_t *v;
  uint8_t tag;
  if (seed % 2 == 0) {
    size_t n = der_pick(c->ptr, c->len, DER_PICK_TIME, seed, &v, &tag);
    int64_t t;
    if (n == 0 || !cert_time_parse_openssl(tag, (struct der_slice){v, n}, &t)) return size;
    uint64_t now = (uint64_t)(t + (int64_t)((seed / 2) % 3) - 1);
    for (int i = 0; i < 8; i++) data[3 + i] = (uint8_t)(now >> (56 - 8 * i));
    return size;
  }
  size_t n = der_pick(c->ptr, c->len, DER_PICK_NAME, seed, &v, &tag);
  char name[256];
  if (n == 0) return size;
  if (tag == 0x87 && (n == 4 || n == 16)) {
    if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, v, name, sizeof name)) return size;
  } else {
    if (n > 255) n = 255;
    memcpy(name, v, n);
    name[n] = '\0';
  }
  size_t new_len = strnlen(name, 255), old_len = data[11];
  size_t rest = 12 + old_len < size ? 12 + old_len : size;
  if (12 + new_len + (size - rest) > max_size) return size;
  memmove(data + 12 + new_len, data + rest, size - rest);
  memcpy(data + 12, name, new_len);
  data[11] = (uint8_t)new_len;
  return 12 + new_len + (size - rest);
}

FUZZ_ORACLE static size_t cert_mutate(enum cert_layout layout, uint8_t *data, size_t size,
                                      size_t max_size, unsigned int seed) {
  struct der_slice certs[PIN_FUZZ_MAX_CERTS > METACERT_FUZZ_MAX_CERTS ? PIN_FUZZ_MAX_CERTS
                                                                      : METACERT_FUZZ_MAX_CERTS];
  size_t n = cert_mutator_plain() || seed % 3 == 0 ? 0 : cert_slices(layout, data, size, certs);
  if (n > 0) {
    struct der_slice c = certs[(seed / 3) % n];
    size_t len = der_mutate(c.ptr, c.len, cert_mutator_buf, sizeof cert_mutator_buf, seed);
    size_t out =
        len > 0 ? cert_splice(layout, data, size, c, cert_mutator_buf, len, data, max_size) : 0;
    if (out > 0)
      return layout == CERT_LAYOUT_PIN && (seed >> 4) % 4 == 0
                 ? pin_fixup(data, out, max_size, seed >> 6)
                 : out;
  }
  size_t out = LLVMFuzzerMutate(data, size, max_size);
  if (layout == CERT_LAYOUT_PIN && !cert_mutator_plain() && (seed >> 4) % 4 == 0)
    out = pin_fixup(data, out, max_size, seed >> 6);
  return out;
}

static uint8_t cert_crossover_buf[1 << 16];

FUZZ_ORACLE static size_t cert_crossover(enum cert_layout layout, const uint8_t *d1, size_t s1,
                                         const uint8_t *d2, size_t s2, uint8_t *out, size_t max_out,
                                         unsigned int seed) {
  struct der_slice a[PIN_FUZZ_MAX_CERTS + METACERT_FUZZ_MAX_CERTS];
  struct der_slice b[PIN_FUZZ_MAX_CERTS + METACERT_FUZZ_MAX_CERTS];
  size_t na = cert_mutator_plain() ? 0 : cert_slices(layout, d1, s1, a);
  size_t nb = na > 0 ? cert_slices(layout, d2, s2, b) : 0;
  if (na > 0 && nb > 0) {
    struct der_slice x = a[seed % na], y = b[(seed / 7) % nb];
    size_t len = der_crossover(x.ptr, x.len, y.ptr, y.len, cert_crossover_buf,
                               sizeof cert_crossover_buf, seed);
    size_t n = len > 0 ? cert_splice(layout, d1, s1, x, cert_crossover_buf, len, out, max_out) : 0;
    if (n > 0) return n;
  }
  /* byte-level: the first half of one, the second of the other */
  size_t h1 = s1 / 2, h2 = s2 - s2 / 2;
  if (h1 + h2 > max_out) h2 = max_out > h1 ? max_out - h1 : 0;
  memcpy(out, d1, h1 < max_out ? h1 : max_out);
  if (h1 < max_out) memcpy(out + h1, d2 + s2 / 2, h2);
  return h1 < max_out ? h1 + h2 : max_out;
}

#define CERT_MUTATOR(layout)                                                                       \
  size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) { \
    return cert_mutate((layout), data, size, max_size, seed);                                      \
  }                                                                                                \
  size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,       \
                                   size_t size2, uint8_t *out, size_t max_out_size,                \
                                   unsigned int seed) {                                            \
    return cert_crossover((layout), data1, size1, data2, size2, out, max_out_size, seed);          \
  }

#else
#define CERT_MUTATOR(layout)
#endif

#endif
