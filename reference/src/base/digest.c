/* SHA-1 and SHA-256, each fetched once (see digest.h). */
#include "derp/digest.h"

#include <openssl/evp.h>
#include <stdatomic.h>

#include "derp/guard.h"

/* The first fetch to land in the cache is kept; one that lost the race is
 * given back, and a failed one (NULL) leaves the cache empty for the next
 * call. */
static bool digest(_Atomic(EVP_MD *) *cache, const char *name, const void *data, size_t len,
                   uint8_t *out) {
  EVP_MD *md = atomic_load_explicit(cache, memory_order_acquire);
  if (md == NULL) {
    EVP_MD *mine = EVP_MD_fetch(NULL, name, NULL);
    if (atomic_compare_exchange_strong_explicit(cache, &md, mine, memory_order_acq_rel,
                                                memory_order_acquire))
      md = mine;
    else
      EVP_MD_free(mine);
  }
  /* out is exactly the digest's size */
  GUARD(md != NULL && EVP_Digest(data, len, out, NULL, md, NULL) == 1);
  return true;
}

bool derp_sha1(const void *data, size_t len, uint8_t out[DERP_SHA1_LEN]) {
  static _Atomic(EVP_MD *) sha1;
  return digest(&sha1, "SHA1", data, len, out);
}

bool derp_sha256(const void *data, size_t len, uint8_t out[DERP_SHA256_LEN]) {
  static _Atomic(EVP_MD *) sha256;
  return digest(&sha256, "SHA256", data, len, out);
}
