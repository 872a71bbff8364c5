/* Fuzz target ipcert_pem: the pure core of Go's tls.X509KeyPair
 * (ipcert_chain_from_pem) on a fuzzed .crt and .key pair.
 *
 * Input layout:
 *   u16 be  crt_len  bytes of the .crt part (clamped to what is left)
 *   ...     crt_len bytes of .crt text, then the rest as .key text.
 *
 * Oracles:
 *  - never crashes, never leaks (ipcert_chain_free releases everything; the
 *    sanitizers' leak check sees the rest);
 *  - the status is one the pure core can return (not ARG/NOT_FOUND/IO);
 *  - failure: err is non-empty and NUL-terminated within its cap;
 *  - success: 1 <= count <= IPCERT_MAX_CHAIN, no more certificates than
 *    "-----BEGIN CERTIFICATE-----" lines in the .crt text; a key is present;
 *    each der[i] parses with d2i_X509 consuming every byte, re-encodes with
 *    i2d_X509 to der[i] byte for byte, and x509[i] encodes to der[i] too. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "derp/ipcert.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IPCERT_PEM_FUZZ_MAX_INPUT 65536u

static size_t count_begin_lines(const uint8_t *p, size_t n) {
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  size_t blen = sizeof begin - 1, count = 0;
  for (size_t at = 0; n >= blen && at <= n - blen; at++)
    if (memcmp(p + at, begin, blen) == 0) count++;
  return count;
}

/* i2d of `x` equals want exactly. */
static bool encodes_to(X509 *x, const struct der_slice *want) {
  unsigned char *enc = NULL;
  int len = i2d_X509(x, &enc);
  bool same = len > 0 && (size_t)len == want->len && memcmp(enc, want->ptr, want->len) == 0;
  OPENSSL_free(enc);
  return same;
}

static void check_der(const struct ipcert_chain *chain, size_t i) {
  const struct der_slice *d = &chain->der[i];
  ORACLE_ASSERT(d->ptr != NULL && d->len > 0, "der[%zu] is empty", i);
  ORACLE_ASSERT(d->len <= LONG_MAX, "der[%zu] too long for d2i", i);
  const unsigned char *p = d->ptr;
  X509 *x = d2i_X509(NULL, &p, (long)d->len);
  if (x == NULL || p != d->ptr + d->len || !encodes_to(x, d)) {
    oracle_mismatch("der[%zu] of an accepted chain is not a DER certificate OpenSSL round-trips",
                    i);
    oracle_view("d2i_X509: %s, consumed %td of %zu", x ? "parsed" : "failed", p - d->ptr, d->len);
    oracle_hex("der", d->ptr, d->len);
    X509_free(x);
    oracle_abort();
  }
  X509_free(x);
  ORACLE_ASSERT(chain->x509[i] != NULL, "x509[%zu] missing", i);
  ORACLE_ASSERT(encodes_to(chain->x509[i], d), "x509[%zu] does not encode to der[%zu]", i, i);
}

static int one_input(const uint8_t *data, size_t size) {
  if (size < 2 || size > IPCERT_PEM_FUZZ_MAX_INPUT) return -1;
  size_t crt_len = (size_t)data[0] << 8 | data[1];
  const uint8_t *crt = data + 2;
  size_t rest = size - 2;
  if (crt_len > rest) crt_len = rest;
  const uint8_t *key = crt + crt_len;
  size_t key_len = rest - crt_len;

  struct ipcert_chain chain;
  memset(&chain, 0, sizeof chain);
  char err[IPCERT_ERR_SIZE];
  memset(err, 'x', sizeof err);
  enum ipcert_status st =
      ipcert_chain_from_pem(crt, crt_len, key, key_len, &chain, err, sizeof err);
  if (getenv("DERP_FUZZ_VERBOSE") != NULL)
    fprintf(stderr, "ipcert_pem: status %d count %zu %s\n", (int)st, chain.count,
            st == IPCERT_OK ? "" : err);
  ORACLE_ASSERT(st != IPCERT_ERR_ARG && st != IPCERT_ERR_NOT_FOUND && st != IPCERT_ERR_IO,
                "pure core returned status %d", (int)st);

  if (st != IPCERT_OK) {
    ORACLE_ASSERT(memchr(err, '\0', sizeof err) != NULL, "err not NUL-terminated within the cap");
    ORACLE_ASSERT(err[0] != '\0', "status %d with an empty err", (int)st);
    ipcert_chain_free(&chain); /* must be safe on a failed load */
    return 0;
  }

  ORACLE_ASSERT(chain.count >= 1 && chain.count <= IPCERT_MAX_CHAIN, "count %zu", chain.count);
  size_t blocks = count_begin_lines(crt, crt_len);
  ORACLE_ASSERT(chain.count <= blocks, "%zu certificates from %zu BEGIN CERTIFICATE lines",
                chain.count, blocks);
  ORACLE_ASSERT(chain.key != NULL, "accepted without a key");
  for (size_t i = 0; i < chain.count; i++) check_der(&chain, i);
  ipcert_chain_free(&chain);
  return 0;
}

/* OpenSSL keeps a failed decode's error (with strdup'd texts) on its queue
 * and frees it in some later run; libFuzzer then sees a run allocate more
 * than it frees and stops to look for a leak with LeakSanitizer, which was
 * most of this target's time. Each run leaves the queue empty. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = one_input(data, size);
  ERR_clear_error();
  return rc;
}
