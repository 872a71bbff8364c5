/* openssl_alloc_fail.h: OpenSSL's allocations through the program, so a
 * check can make one of them fail (the certificate fuzz targets' "OpenSSL
 * failing to allocate" oracles, and unit tests of the same paths).
 *
 * openssl_alloc_hook() installs the allocator (CRYPTO_set_mem_functions);
 * it must run before OpenSSL's first allocation, so fuzz targets call it
 * from LLVMFuzzerInitialize (which every engine and the replay driver run
 * first) and a Check program from a constructor (before main).
 * Until armed it only counts: openssl_alloc_count is the number of
 * allocations so far. openssl_alloc_fail_at(n) makes the n-th allocation
 * from now fail (0: the next one); openssl_alloc_disarm() says whether it
 * came. The hook is process-wide, so checks using it run once per process,
 * not per input; OpenSSL's error queue is theirs to clear. */
#ifndef DERP_HARNESS_OPENSSL_ALLOC_FAIL_H
#define DERP_HARNESS_OPENSSL_ALLOC_FAIL_H

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static long openssl_alloc_fail_in = -1;
static unsigned long openssl_alloc_count;
static bool openssl_alloc_hooked;

static inline bool openssl_alloc_fails(void) {
  openssl_alloc_count++;
  return openssl_alloc_fail_in >= 0 && openssl_alloc_fail_in-- == 0;
}

/* As OpenSSL's own CRYPTO_malloc and CRYPTO_realloc, which these replace. */
static inline void *openssl_alloc_malloc(size_t n, const char *file, int line) {
  (void)file;
  (void)line;
  return n == 0 || openssl_alloc_fails() ? NULL : malloc(n);
}

static inline void *openssl_alloc_realloc(void *p, size_t n, const char *file, int line) {
  if (p == NULL) return openssl_alloc_malloc(n, file, line);
  if (n == 0) {
    free(p);
    return NULL;
  }
  return openssl_alloc_fails() ? NULL : realloc(p, n);
}

static inline void openssl_alloc_free(void *p, const char *file, int line) {
  (void)file;
  (void)line;
  free(p);
}

/* False (and a line on stderr) when OpenSSL allocated already: the checks
 * that need the hook are then skipped. */
static inline bool openssl_alloc_hook(const char *target) {
  openssl_alloc_hooked = CRYPTO_set_mem_functions(openssl_alloc_malloc, openssl_alloc_realloc,
                                                  openssl_alloc_free) == 1;
  if (!openssl_alloc_hooked)
    fprintf(stderr,
            "%s: OpenSSL allocated before its allocator was hooked; "
            "the allocation-failure checks are skipped\n",
            target);
  return openssl_alloc_hooked;
}

static inline void openssl_alloc_fail_at(unsigned long n) { openssl_alloc_fail_in = (long)n; }

/* Back to allocating; true when the armed allocation came (and failed). */
static inline bool openssl_alloc_disarm(void) {
  bool came = openssl_alloc_fail_in < 0;
  openssl_alloc_fail_in = -1;
  return came;
}

#endif
