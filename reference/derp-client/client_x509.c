/* client_x509: Go's Verify order and texts over OpenSSL's chain check. */
#include "client_x509.h"

#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "derp/go.h"
#include "derp/pin_verify.h"

bool client_x509_verify(X509_STORE_CTX *xs, const struct der_slice *certs, size_t n,
                        const char *dns_name, int64_t now, char *err, size_t cap) {
  if (n == 0) {
    snprintf(err, cap, "tls: server sent no certificates"); /* crypto/tls never gets here */
    return false;
  }
  struct cert_fields leaf;
  const char *perr = go_parse_certificate(certs[0].ptr, certs[0].len, &leaf);
  if (perr != NULL) {
    snprintf(err, cap, "tls: failed to parse certificate from server: %s", perr);
    return false;
  }
  char now_s[40], when[40];
  go_utc_rfc3339(now, now_s, sizeof now_s);
  if (now < leaf.not_before) {
    go_utc_rfc3339(leaf.not_before, when, sizeof when);
    snprintf(err, cap,
             "x509: certificate has expired or is not yet valid: current time %s is before %s",
             now_s, when);
    return false;
  }
  if (now > leaf.not_after) {
    go_utc_rfc3339(leaf.not_after, when, sizeof when);
    snprintf(err, cap,
             "x509: certificate has expired or is not yet valid: current time %s is after %s",
             now_s, when);
    return false;
  }
  if (dns_name != NULL && dns_name[0] != '\0' && !go_verify_hostname(&leaf, dns_name, err, cap))
    return false;
  X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(xs);
  X509_VERIFY_PARAM_set_time(param, (time_t)now);
  if (X509_verify_cert(xs) == 1) return true;
  if (X509_STORE_CTX_get_error(xs) == X509_V_ERR_INVALID_PURPOSE)
    snprintf(err, cap, "x509: certificate specifies an incompatible key usage");
  else
    snprintf(err, cap, "x509: certificate signed by unknown authority");
  return false;
}
