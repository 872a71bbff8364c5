/* bench_pin_verify: what pinning a [leaf, metacert] chain costs with
 * cert_fields + SHA-256, next to what OpenSSL's d2i_X509 alone costs on the
 * same two certificates (notes/toolchain.md §6: ~100 us per d2i_X509 on
 * OpenSSL 3.0, 90% of it the public-key decode). Both measured in one run.
 *
 * Usage: bench_pin_verify [--iterations N]   (default 20000)
 * Exits non-zero if a verification does not come out OK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "derp/pin_verify.h"
#include "harness/cert_factory.h"

#define NOW INT64_C(1772631672)

static double seconds_since(const struct timespec *start) {
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

static double bench_pin(enum pin_profile profile, const struct der_slice *chain, size_t n,
                        const char *pin, long iterations) {
  struct pin_verify_input in = {chain, n, pin, "127.0.0.1", NOW, profile};
  struct pin_verify_result r;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < iterations; i++) {
    if (!pin_verify(&in, &r)) {
      fprintf(stderr, "bench_pin_verify: %s: %s\n", pin_profile_name(profile), r.message);
      exit(EXIT_FAILURE);
    }
  }
  return (double)iterations / seconds_since(&start);
}

static double bench_d2i(const struct der_slice *chain, size_t n, long iterations) {
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < iterations; i++) {
    for (size_t c = 0; c < n; c++) {
      const unsigned char *p = chain[c].ptr;
      X509 *x = d2i_X509(NULL, &p, (long)chain[c].len);
      if (x == NULL) {
        fprintf(stderr, "bench_pin_verify: d2i_X509 failed\n");
        exit(EXIT_FAILURE);
      }
      X509_free(x);
    }
  }
  return (double)iterations / seconds_since(&start);
}

int main(int argc, char **argv) {
  long iterations = 20000;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
      char *end;
      iterations = strtol(argv[++i], &end, 10);
      if (*end != '\0' || iterations <= 0) {
        fprintf(stderr, "bench_pin_verify: bad --iterations\n");
        return EXIT_FAILURE;
      }
    } else {
      fprintf(stderr, "usage: bench_pin_verify [--iterations N]\n");
      return EXIT_FAILURE;
    }
  }

  struct cert_factory *f = cert_factory_new(1);
  uint8_t pub[32] = {0x42};
  char cn[72];
  cert_metacert_cn(pub, cn);
  struct cert_spec ls = cert_spec_derper_ip("127.0.0.1", NOW), ms = cert_spec_metacert(cn, NOW);
  struct factory_cert *leaf = f ? cert_factory_make(f, &ls) : NULL;
  struct factory_cert *meta = f ? cert_factory_make(f, &ms) : NULL;
  if (leaf == NULL || meta == NULL) {
    fprintf(stderr, "bench_pin_verify: cannot make certificates\n");
    return EXIT_FAILURE;
  }
  const struct der_slice chain[2] = {{leaf->der, leaf->der_len}, {meta->der, meta->der_len}};

  /* Warm up OpenSSL's lazy provider/digest fetches outside the timings. */
  bench_pin(PIN_PROFILE_CURRENT, chain, 2, leaf->sha256_hex, 10);
  bench_d2i(chain, 2, 10);

  double current = bench_pin(PIN_PROFILE_CURRENT, chain, 2, leaf->sha256_hex, iterations);
  double v184 = bench_pin(PIN_PROFILE_TAILSCALE_1_84, chain, 2, leaf->sha256_hex, iterations);
  double d2i = bench_d2i(chain, 2, iterations);

  printf("bench_pin_verify: chain [leaf %zu B P-256, metacert %zu B Ed25519], %ld iterations\n",
         leaf->der_len, meta->der_len, iterations);
  printf("  pin_verify current        %10.0f chains/s  %8.2f us/chain\n", current, 1e6 / current);
  printf("  pin_verify tailscale-1.84 %10.0f chains/s  %8.2f us/chain\n", v184, 1e6 / v184);
  printf("  d2i_X509+X509_free x2     %10.0f chains/s  %8.2f us/chain\n", d2i, 1e6 / d2i);
  printf("  ratio pin_verify(current) / d2i_X509: %.1fx\n", current / d2i);

  factory_cert_free(leaf);
  factory_cert_free(meta);
  cert_factory_free(f);
  return EXIT_SUCCESS;
}
