/* der_mutate: structure-aware mutation of DER (certificates) for the
 * certificate fuzz targets' LLVMFuzzerCustomMutator / CustomCrossOver.
 *
 * Why: byte mutations of a certificate almost always break a length on the
 * way to the field they change, so the parsers' later checks (times, SAN
 * entries, extension rules, the metacert CN) are rarely reached with
 * anything but the seeds' values. Here the input is decoded into its TLV
 * tree, ONE node is changed (its tag; its content, from values chosen per
 * type: integers at the edges, the OIDs the code looks for, UTC and
 * generalized times around their limits, CN and SAN strings; duplicated,
 * deleted, or swapped with a sibling, which reorders extensions), and the
 * enclosing lengths are re-encoded, so the result is well-formed DER again
 * unless a length is broken on purpose (a small share of the mutations).
 *
 * Deterministic for a given seed; never allocates (a fixed node budget; an
 * input with more nodes, or not DER at the top, is refused and the caller
 * falls back to byte mutation). */
#ifndef DERP_FUZZ_DER_MUTATE_H
#define DERP_FUZZ_DER_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/* Mutate the DER in[0..len) into out (cap bytes). Returns the new length,
 * or 0 when the input is not a DER tree this can work on. */
size_t der_mutate(const uint8_t *in, size_t len, uint8_t *out, size_t cap, uint32_t seed);

/* Replace one node of a with one node of b (the same tag when there is
 * one). Returns the new length, or 0 as der_mutate. */
size_t der_crossover(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out,
                     size_t cap, uint32_t seed);

/* What a certificate says of the input's other fields. */
enum der_pick_kind {
  DER_PICK_NAME, /* a SAN dNSName or iPAddress, or a commonName value */
  DER_PICK_TIME  /* a UTCTime or GeneralizedTime */
};

/* The content of one node of that kind in the DER in[0..len), chosen by
 * seed; *tag gets its tag (for a commonName, the string's). Returns the
 * content length, 0 when there is none (or in is not DER). */
size_t der_pick(const uint8_t *in, size_t len, enum der_pick_kind kind, uint32_t seed,
                const uint8_t **content, uint8_t *tag);

#endif
