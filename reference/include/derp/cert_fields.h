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
 * differentially). Inputs OpenSSL rejects may be rejected here too.
 *
 * Stricter than d2i_X509, on purpose (so that "both accept" means "both read
 * the same value"; the pin verifier does not use this reading, it walks a
 * certificate as Go's x509 does, see go_parse_certificate); these inputs
 * are rejected here although OpenSSL 3.0 takes them:
 *   - BER: indefinite lengths, non-minimal length octets, high-tag-number
 *     identifiers, a universal type in the other form (a constructed,
 *     chunked IA5String CN that OpenSSL reassembles; a primitive SEQUENCE),
 *     BOOLEAN values other than 00/FF (CERT_FIELDS_ERR_DER at the top
 *     level; inside a name or an AlgorithmIdentifier the walk reports
 *     CERT_FIELDS_ERR_STRUCTURE);
 *   - bytes after the Certificate (d2i_X509 ignores them; Go says
 *     "x509: trailing data") (CERT_FIELDS_ERR_DER);
 *   - a validity time that ASN1_TIME_to_tm cannot read: d2i_X509 does not
 *     look inside times, so OpenSSL "parses" e.g. UTCTime "garbage"; the
 *     accepted grammar here is exactly ASN1_TIME_to_tm's (non-strict mode):
 *     seconds optional, GeneralizedTime fraction ".d+" ignored, "Z" or a
 *     +/-hhmm offset (hh <= 12), which is applied and must then land in the
 *     years 1900..9999 (OPENSSL_gmtime_adj's range) (CERT_FIELDS_ERR_TIME);
 *   - duplicate extension OIDs (OpenSSL flags them EXFLAG_INVALID but
 *     parses), more than CERT_FIELDS_MAX_EXTENSIONS extensions, and a
 *     basicConstraints or subjectAltName value Go cannot read: not a
 *     SEQUENCE, a malformed name, a negative pathLen, a GeneralName in
 *     BER's constructed form (e.g. [2] dNSName as 0xa2, which OpenSSL
 *     reassembles into a name)
 *     (CERT_FIELDS_ERR_EXTENSION);
 *   - a version other than v1/v2/v3, e.g. [0] INTEGER 3 or -1
 *     (CERT_FIELDS_ERR_STRUCTURE).
 * Accepted although not DER, like both OpenSSL and Go: an explicit DEFAULT
 * value (version [0] INTEGER 0, critical FALSE, cA FALSE), an empty RDN SET,
 * bytes after the basicConstraints/GeneralNames SEQUENCE in extnValue.
 * Observed with OpenSSL 3.0.19 (tests/check_cert_fields.c pins each case). */
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
  struct der_slice san; /* contents of the GeneralNames SEQUENCE */
  bool has_basic_constraints;
  bool basic_constraints_critical;
  bool basic_constraints_ca;

  /* Added for consumers that apply another library's rules (pin_verify
   * models Go): the raw pieces those rules look at. */
  uint8_t not_before_tag;           /* 0x17 UTCTime or 0x18 GeneralizedTime */
  struct der_slice not_before_text; /* content octets, e.g. "260304134112Z" */
  uint8_t not_after_tag;
  struct der_slice not_after_text;
  struct der_slice tbs_signature_algorithm; /* AlgorithmIdentifier TLV inside tbs */
  struct der_slice signature_algorithm;     /* AlgorithmIdentifier TLV after tbs */
  struct der_slice spki;                    /* SubjectPublicKeyInfo TLV, not decoded */
  bool has_extensions;                      /* the [3] field is present */
  struct der_slice extensions;              /* contents of the Extensions SEQUENCE */
};

#define CERT_FIELDS_MAX_EXTENSIONS 256

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
 * serial's bit length is <= max_bits and <= 64 (Go's big.Int.BitLen
 * semantics on the absolute value; negative serials return false). */
bool cert_serial_small(const struct cert_fields *f, unsigned max_bits, uint64_t *value);

/* Iterate the SAN GeneralNames: each call yields the context tag number
 * (2 = dNSName, 7 = iPAddress, others as found) and its content octets.
 * Returns false at the end or on malformed input (*malformed set then),
 * and false again on every later call. */
struct cert_san_iter {
  const uint8_t *pos;
  const uint8_t *end;
  bool malformed;
  /* The identifier octet of the name just returned: *tag is its tag number
   * for context-specific names (0xa4 directoryName -> 4, as OpenSSL's
   * GEN_* numbering); consumers that must tell primitive from constructed
   * (Go only takes a primitive [2]/[7]) look here. Names of another class
   * are returned with *tag = 0x100 | identifier. */
  uint8_t identifier;
};
void cert_san_iter_init(const struct cert_fields *f, struct cert_san_iter *it);
bool cert_san_next(struct cert_san_iter *it, unsigned *tag, struct der_slice *value);

/* Iterate the extensions in order: OID content octets, critical flag and
 * the extnValue OCTET STRING contents. Same end/malformed convention. */
struct cert_ext_iter {
  const uint8_t *pos;
  const uint8_t *end;
  bool malformed;
};
void cert_ext_iter_init(const struct cert_fields *f, struct cert_ext_iter *it);
bool cert_ext_next(struct cert_ext_iter *it, struct der_slice *oid, bool *critical,
                   struct der_slice *value);

/* Strict DER primitives the walk above is made of, for consumers that look
 * deeper into a slice it returned (names, extension values). */
struct der_tlv {
  uint8_t tag;            /* identifier octet (low-tag-number form only) */
  struct der_slice value; /* content octets */
  struct der_slice whole; /* identifier + length + content */
};
struct byte_reader;
/* Reads one TLV with a definite, minimally encoded length that fits. */
bool der_read_tlv(struct byte_reader *r, struct der_tlv *out);
/* The same identifier and length rules without the universal-form check
 * (cryptobyte's readASN1: a constructed UTF8String or a tag 0 is read, and
 * left for the caller to refuse by its tag). */
bool der_read_tlv_any_form(struct byte_reader *r, struct der_tlv *out);
/* Reads one TLV and requires its identifier to be `tag`. */
bool der_read_expect(struct byte_reader *r, uint8_t tag, struct der_tlv *out);
/* OBJECT IDENTIFIER content: non-empty, minimal base-128 sub-identifiers. */
bool der_oid_valid(struct der_slice oid);
/* INTEGER content: non-empty and minimal two's complement. */
bool der_integer_valid(struct der_slice v);

/* The unix time of a UTCTime/GeneralizedTime content under OpenSSL's
 * ASN1_TIME_to_tm rules (see the contract above). */
bool cert_time_parse_openssl(uint8_t tag, struct der_slice text, int64_t *unix_seconds);

#endif
