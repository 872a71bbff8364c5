/* det_rand: a seeded, reproducible RAND for OpenSSL 3.0, for test fixtures.
 *
 * Why: the certificate factory must give byte-identical DER for the same
 * seed, but ECDSA signatures (OpenSSL 3.0 has no RFC 6979) and RSA key
 * generation draw from the library's DRBG. OpenSSL lets a provider replace
 * the DRBG of a library context, which is what its own fuzzers do
 * (fuzz/fuzz_rand.c); this module is a small provider of that kind whose
 * output is a pure function of a 64-bit seed.
 *
 * NOT a cryptographic generator (splitmix64 stream): install it only into a
 * library context that makes test material. All DRBG instances installed by
 * this module share one process-wide stream, so reseeding it makes every
 * following draw reproducible. Not thread-safe: one factory thread. */
#ifndef HARNESS_DET_RAND_H
#define HARNESS_DET_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

/* The providers det_rand_install loaded; they hold references that keep
 * the context's provider store alive, so give them back with
 * det_rand_uninstall before OSSL_LIB_CTX_free. */
struct det_rand_providers {
  OSSL_PROVIDER *det;
  OSSL_PROVIDER *base; /* "default": an explicit load disables the fallback */
};

/* Make every DRBG of `libctx` (NULL: the default context) a det_rand
 * instance and seed the stream. Must run before anything in that context
 * drew random bytes (OpenSSL refuses to swap an instantiated DRBG); use a
 * fresh OSSL_LIB_CTX to be safe. On failure nothing stays loaded. */
bool det_rand_install(OSSL_LIB_CTX *libctx, uint64_t seed, struct det_rand_providers *out);
void det_rand_uninstall(struct det_rand_providers *p);

/* Restart the stream from `seed`: the next draws repeat exactly. */
void det_rand_reseed(uint64_t seed);

/* The next bytes of the stream (what OpenSSL would get), for tests. */
void det_rand_fill(uint8_t *out, size_t len);

#endif
