/* The sha256-raw pin of a certificate. Its own object file, so code that
 * only needs the pin (the test harness, the runner) links SHA-256 and hex
 * without the verifier and its Go model. */
#include "derp/digest.h"
#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"

bool pin_hex_of_der(const uint8_t *der, size_t len, char out[PIN_HEX_LEN + 1]) {
  out[0] = '\0';
  uint8_t md[DERP_SHA256_LEN];
  GUARD(derp_sha256(der, len, md));
  derp_hex_lower(md, sizeof md, out);
  return true;
}
