/* The sha256-raw pin of a certificate. Its own object file, so code that
 * only needs the pin (the test harness, the runner) links SHA-256 and hex
 * without the verifier and its Go model. */
#include <openssl/evp.h>

#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"

bool pin_hex_of_der(const uint8_t *der, size_t len, char out[PIN_HEX_LEN + 1]) {
  out[0] = '\0';
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  GUARD(EVP_Digest(der, len, md, &md_len, EVP_sha256(), NULL) == 1 && md_len == PIN_HEX_LEN / 2);
  derp_hex_lower(md, md_len, out);
  return true;
}
