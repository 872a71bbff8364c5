/* cert_fields: the X.509 fields derpcheck needs, read straight from DER.
 *
 * Why not d2i_X509: OpenSSL 3.0 spends ~90% of a d2i_X509 (~100 us here)
 * decoding the public key, which neither pinning nor metacert parsing needs.
 * This reader walks the TBSCertificate with byte_reader, never allocates, and
 * returns slices that point into the caller's DER buffer (valid as long as
 * that buffer is).
 *
 * Contract: on every input that OpenSSL's d2i_X509 parses, the fields here
 * agree with OpenSSL's view (fuzz target `cert_fields` checks this
 * differentially). Inputs OpenSSL rejects may be rejected here too. */
#ifndef DERP_CERT_FIELDS_H
#define DERP_CERT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct der_slice {
  const uint8_t *ptr;
  size_t len;
};

struct cert_fields {
  struct der_slice raw;     /* the whole Certificate TLV: what a pin hashes */
  struct der_slice tbs;     /* TBSCertificate TLV */
  long version;             /* 1, 2 or 3 (v1 when the [0] field is absent) */
  struct der_slice serial;  /* INTEGER content octets (two's complement) */
  struct der_slice issuer;  /* Name TLV */
  struct der_slice subject; /* Name TLV */
  /* Subject commonName: the value of the *last* CN attribute in the Subject
   * (Go's pkix.Name semantics); has_cn false when there is none. */
  bool has_cn;
  uint8_t cn_tag;           /* ASN.1 string tag of the CN value */
  struct der_slice cn;      /* CN value content octets */
  int64_t not_before;       /* Unix seconds, UTC */
  int64_t not_after;        /* Unix seconds, UTC */
  unsigned extension_count; /* number of extensions in [3] */
  bool has_san;
  struct der_slice san;     /* contents of the GeneralNames SEQUENCE */
  bool has_basic_constraints;
  bool basic_constraints_critical;
  bool basic_constraints_ca;
};

enum cert_fields_status {
  CERT_FIELDS_OK = 0,
  CERT_FIELDS_ERR_DER,       /* not well-formed DER / truncated / trailing data */
  CERT_FIELDS_ERR_STRUCTURE, /* DER fine but not a Certificate as X.509 wants */
  CERT_FIELDS_ERR_TIME,      /* malformed UTCTime / GeneralizedTime */
  CERT_FIELDS_ERR_EXTENSION, /* malformed or duplicate extension */
};

enum cert_fields_status cert_fields_parse(const uint8_t *der, size_t len, struct cert_fields *out);
const char *cert_fields_status_str(enum cert_fields_status st);

/* Serial as a small non-negative integer: true and *value set when the
 * serial's bit length is <= max_bits (Go's big.Int.BitLen semantics on the
 * absolute value; negative serials return false). */
bool cert_serial_small(const struct cert_fields *f, unsigned max_bits, uint64_t *value);

/* Iterate the SAN GeneralNames: each call yields the context tag number
 * (2 = dNSName, 7 = iPAddress, others as found) and its content octets.
 * Returns false at the end or on malformed input (*malformed set then). */
struct cert_san_iter {
  const uint8_t *pos;
  const uint8_t *end;
  bool malformed;
};
void cert_san_iter_init(const struct cert_fields *f, struct cert_san_iter *it);
bool cert_san_next(struct cert_san_iter *it, unsigned *tag, struct der_slice *value);

/* Go's default time.Time formatting for a UTC instant, as used in pinning
 * errors: "2026-03-04 13:41:12 +0000 UTC". Writes a NUL-terminated string;
 * returns false if cap is too small (needs at most 40 bytes). */
bool cert_time_format_go(int64_t unix_seconds, char *out, size_t cap);

#endif
