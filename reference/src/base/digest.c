/* SHA-1 and SHA-256, each fetched once (see digest.h). */
#include "derp/digest.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <string.h>

#include "derp/guard.h"

/* The first caller to fetch keeps its copy; one that lost the race gives
 * its own back. */
static const EVP_MD *fetched(_Atomic(EVP_MD *) *cache, const char *name) {
  EVP_MD *md = atomic_load_explicit(cache, memory_order_acquire);
  if (md) return md;
  EVP_MD *mine = EVP_MD_fetch(NULL, name, NULL);
  if (!mine) return NULL;
  EVP_MD *none = NULL;
  if (atomic_compare_exchange_strong_explicit(cache, &none, mine, memory_order_acq_rel,
                                              memory_order_acquire))
    return mine;
  EVP_MD_free(mine);
  return none;
}

static bool digest(_Atomic(EVP_MD *) *cache, const char *name, const void *data, size_t len,
                   uint8_t *out, unsigned int out_len) {
  const EVP_MD *md = fetched(cache, name);
  GUARD(md != NULL);
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  GUARD(EVP_Digest(data, len, buf, &n, md, NULL) == 1 && n == out_len);
  memcpy(out, buf, out_len);
  return true;
}

bool derp_sha1(const void *data, size_t len, uint8_t out[DERP_SHA1_LEN]) {
  static _Atomic(EVP_MD *) sha1;
  return digest(&sha1, "SHA1", data, len, out, DERP_SHA1_LEN);
}

bool derp_sha256(const void *data, size_t len, uint8_t out[DERP_SHA256_LEN]) {
  static _Atomic(EVP_MD *) sha256;
  return digest(&sha256, "SHA256", data, len, out, DERP_SHA256_LEN);
}
