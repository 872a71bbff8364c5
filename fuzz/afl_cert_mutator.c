/* afl_cert_mutator: the certificate targets' structure-aware mutator
 * (cert_mutator.h over der_mutate) as an AFL++ custom mutator library.
 *
 * libAFLDriver never calls a target's LLVMFuzzerCustomMutator, so under
 * AFL++ the mutator has to live in afl-fuzz itself:
 *   AFL_CUSTOM_MUTATOR_LIBRARY=afl_cert_mutator_pin.so afl-fuzz ...
 * fuzz/campaign.sh --engine afl builds and sets it for pin_verify,
 * cert_fields and metacert (and their _fast variants). One library per input
 * layout: compile with AFL_CERT_LAYOUT set to CERT_LAYOUT_WHOLE, _PIN or
 * _METACERT, with the host compiler (afl-fuzz loads it; it is not under
 * test, so it is not instrumented).
 *
 * afl-fuzz runs its own havoc stage after this one, so the byte-level
 * fallback cert_mutator.h asks of LLVMFuzzerMutate is kept small here: a
 * few bytes flipped, set to an edge value, or inserted. With a second input
 * to splice (add_buf), one fuzz call in four crosses a certificate of each
 * over (LLVMFuzzerCustomCrossOver). */
#define FUZZ_CUSTOM_MUTATOR 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert_mutator.h"

#ifndef AFL_CERT_LAYOUT
#error "AFL_CERT_LAYOUT must name the input layout (CERT_LAYOUT_WHOLE, _PIN or _METACERT)"
#endif

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

struct afl_cert_mutator {
  uint64_t rng;
  uint8_t *out;
  size_t cap;
};

/* One state per process (afl-fuzz loads one mutator per library). */
static uint64_t fallback_rng = 1;

static uint32_t next_u32(uint64_t *s) {
  *s = *s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(*s >> 32);
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) {
  static const uint8_t edges[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
  uint32_t r = next_u32(&fallback_rng);
  if (size == 0 || (r % 4 == 0 && size < max_size)) { /* insert a byte */
    size_t at = size ? next_u32(&fallback_rng) % (size + 1) : 0;
    memmove(data + at + 1, data + at, size - at);
    data[at] = (uint8_t)next_u32(&fallback_rng);
    return size + 1;
  }
  size_t flips = 1 + r % 3;
  for (size_t i = 0; i < flips; i++) {
    size_t at = next_u32(&fallback_rng) % size;
    uint32_t how = next_u32(&fallback_rng);
    data[at] =
        how & 1 ? (uint8_t)(data[at] ^ (1u << (how >> 1) % 8)) : edges[(how >> 1) % sizeof edges];
  }
  return size;
}

CERT_MUTATOR(AFL_CERT_LAYOUT)

void *afl_custom_init(void *afl, unsigned int seed) {
  (void)afl;
  struct afl_cert_mutator *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->rng = seed ? seed : 1;
  fallback_rng = m->rng ^ 0x9e3779b97f4a7c15u;
  return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size) {
  struct afl_cert_mutator *m = data;
  if (m->cap < max_size + 1) { /* +1: the fallback may insert a byte */
    uint8_t *grown = realloc(m->out, max_size + 1);
    if (grown == NULL) {
      *out_buf = buf;
      return buf_size;
    }
    m->out = grown;
    m->cap = max_size + 1;
  }
  uint32_t seed = next_u32(&m->rng);
  size_t n;
  if (add_buf != NULL && add_buf_size > 0 && seed % 4 == 0) {
    n = LLVMFuzzerCustomCrossOver(buf, buf_size, add_buf, add_buf_size, m->out, max_size, seed / 4);
  } else {
    size_t size = buf_size < max_size ? buf_size : max_size;
    memcpy(m->out, buf, size);
    n = LLVMFuzzerCustomMutator(m->out, size, max_size, seed);
  }
  *out_buf = m->out;
  return n;
}

void afl_custom_deinit(void *data) {
  struct afl_cert_mutator *m = data;
  if (m == NULL) return;
  free(m->out);
  free(m);
}
