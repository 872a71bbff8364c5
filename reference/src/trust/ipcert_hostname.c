/* ipcert (c), step 4: the first certificate must be valid for --hostname,
 * judged by Go's (*x509.Certificate).VerifyHostname with its HostnameError
 * text (so "cert invalid for hostname" reads as derper's). The Go model
 * lives in pin_verify (go_verify_hostname); this only adapts an X509. */
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/cert_fields.h"
#include "derp/guard.h"
#include "derp/ipcert.h"
#include "derp/pin_verify.h"

enum ipcert_status ipcert_verify_hostname(X509 *leaf, const char *hostname, char *err,
                                          size_t err_cap) {
  ENSURE(leaf != NULL && hostname != NULL && strlen(hostname) <= IPCERT_HOSTNAME_MAX,
         IPCERT_ERR_ARG);
  if (err_cap > 0) err[0] = '\0';
  unsigned char *der = NULL;
  int len = i2d_X509(leaf, &der);
  ENSURE(len > 0, IPCERT_ERR_ARG);
  struct cert_fields f;
  enum ipcert_status st = IPCERT_ERR_HOSTNAME;
  if (cert_fields_parse(der, (size_t)len, &f) != CERT_FIELDS_OK)
    snprintf(err, err_cap, "x509: malformed certificate");
  else if (go_verify_hostname(&f, hostname, err, err_cap))
    st = IPCERT_OK;
  OPENSSL_free(der);
  return st;
}
