/* client_x509: Go's (*x509.Certificate).Verify, as far as DERP's CA paths
 * need it, on top of OpenSSL's chain builder.
 *
 * Why: the CA paths (no CertName, a DNS CertName, the pre-1.100 probe) must
 * fail with Go's texts so results compare with upstream. Go checks, in this
 * order: the leaf's validity window ("x509: certificate has expired or is
 * not yet valid: current time <RFC 3339> is after|before <RFC 3339>"), the
 * name when one is given (Go's HostnameError, via pin_verify's
 * go_verify_hostname), then the chain to a root ("x509: certificate signed
 * by unknown authority"; an EKU without serverAuth: "x509: certificate
 * specifies an incompatible key usage"). The first two run here on the exact
 * DER; the chain is OpenSSL's X509_verify_cert with the store the SSL_CTX
 * was given (system roots + --ca-file) and the other presented certificates
 * as untrusted intermediates. Not modelled: Go's name constraints and
 * critical-extension texts, and the "possibly because of ..." hint Go
 * appends when a candidate parent was rejected. */
#ifndef DERP_CLIENT_X509_H
#define DERP_CLIENT_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509_vfy.h>

#include "derp/cert_fields.h"

/* certs[0] is the leaf as received. dns_name "" skips the name check. xs is
 * the store context OpenSSL handed the verify callback (its verification
 * time is set to now). True when Go would accept; else err holds Go's text. */
bool client_x509_verify(X509_STORE_CTX *xs, const struct der_slice *certs, size_t n,
                        const char *dns_name, int64_t now, char *err, size_t cap);

#endif
