/* cert_factory_internal: what cert_factory.c shares with the files that
 * build one family of extensions (cert_factory_web.c). Not installed. */
#ifndef HARNESS_CERT_FACTORY_INTERNAL_H
#define HARNESS_CERT_FACTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "harness/cert_factory.h"

/* A DER fragment under construction: small, fixed shapes only. */
struct der_buf {
  uint8_t data[4096];
  size_t len;
  bool overflow;
};

void cf_der_put(struct der_buf *b, const void *p, size_t n);
/* Identifier and definite length (up to 0xffff). */
void cf_der_put_header(struct der_buf *b, uint8_t tag, size_t len);
/* tag + length + the bytes of `inner`. */
void cf_der_wrap(struct der_buf *b, uint8_t tag, const struct der_buf *inner);

/* SHA-256 in counter mode over (seed, label, purpose). */
bool cf_derive(struct cert_factory *f, const char *label, const char *purpose, uint8_t *out,
               size_t len);
__attribute__((format(printf, 2, 3))) void cf_set_error(struct cert_factory *f, const char *fmt,
                                                        ...);

/* Appends one extension (extnValue contents as given) to x. */
bool cf_add_ext(X509 *x, const char *oid, bool critical, const uint8_t *value, size_t len);
/* The subjectAltName extnValue for the spec's SANs (DNS, IP, URI). */
bool cf_build_san(struct cert_factory *f, const struct cert_spec *s, struct der_buf *out);

/* The CERT_EXT_WEB_* extensions, SANs included, for x whose public key is
 * already set (cert_factory_web.c). */
bool cf_add_web_extensions(struct cert_factory *f, X509 *x, const struct cert_spec *s,
                           const char *label);

#endif
