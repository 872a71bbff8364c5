/* The sha256-raw pin of a certificate. Its own object file, so code that
 * only needs the pin (the test harness, the runner) links SHA-256 and hex
 * without the verifier and its Go model. */
#include <openssl/evp.h>
#include <stdatomic.h>

#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"

/* SHA-256 fetched once. With EVP_sha256(), OpenSSL 3 fetches the
 * implementation again on every EVP_Digest (a lock, a name lookup and a
 * copy of the name): for a certificate of a few hundred bytes that was more
 * than the hashing. The first caller to fetch keeps it; a thread that lost
 * the race gives its copy back. */
static EVP_MD *sha256_fetched(void) {
  static _Atomic(EVP_MD *) cached;
  EVP_MD *md = atomic_load_explicit(&cached, memory_order_acquire);
  if (md) return md;
  EVP_MD *fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!fetched) return NULL;
  EVP_MD *none = NULL;
  if (atomic_compare_exchange_strong_explicit(&cached, &none, fetched, memory_order_acq_rel,
                                              memory_order_acquire))
    return fetched;
  EVP_MD_free(fetched);
  return none;
}

bool pin_hex_of_der(const uint8_t *der, size_t len, char out[PIN_HEX_LEN + 1]) {
  out[0] = '\0';
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  const EVP_MD *sha256 = sha256_fetched();
  GUARD(sha256 != NULL);
  GUARD(EVP_Digest(der, len, md, &md_len, sha256, NULL) == 1 && md_len == PIN_HEX_LEN / 2);
  derp_hex_lower(md, md_len, out);
  return true;
}
