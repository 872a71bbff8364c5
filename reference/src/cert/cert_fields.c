/* The Certificate walk: Certificate -> TBSCertificate -> fields, each step a
 * strict DER read through byte_reader. Slices point into the caller's DER. */
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_SEQUENCE 0x30
#define TAG_SET 0x31
#define TAG_VERSION 0xa0     /* [0] EXPLICIT */
#define TAG_ISSUER_UID 0x81  /* [1] IMPLICIT BIT STRING */
#define TAG_SUBJECT_UID 0x82 /* [2] IMPLICIT BIT STRING */
#define TAG_EXTENSIONS 0xa3  /* [3] EXPLICIT */

static const uint8_t oid_common_name[] = {0x55, 0x04, 0x03};
static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_subject_alt_name[] = {0x55, 0x1d, 0x11};

static bool slice_is(struct der_slice s, const uint8_t *want, size_t len) {
  return s.len == len && memcmp(s.ptr, want, len) == 0;
}

static bool slice_eq(struct der_slice a, struct der_slice b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static struct byte_reader reader_of(struct der_slice s) { return byte_reader_init(s.ptr, s.len); }

static bool first_octet(struct der_slice s, uint8_t *b) {
  struct byte_reader r = reader_of(s);
  return byte_reader_u8(&r, b);
}

/* DER BOOLEAN: one octet, 00 or FF. */
static bool read_boolean(struct byte_reader *r, bool *out) {
  struct der_tlv t;
  uint8_t b;
  GUARD(der_read_expect(r, TAG_BOOLEAN, &t));
  GUARD(t.value.len == 1 && first_octet(t.value, &b));
  GUARD(b == 0x00 || b == 0xff);
  *out = b == 0xff;
  return true;
}

static bool peek_tag(const struct byte_reader *r, uint8_t tag) {
  return byte_reader_remaining(r) > 0 && byte_reader_peek(r)[0] == tag;
}

/* BIT STRING content: the unused-bits octet is 0..7 and 0 when empty. */
static bool bit_string_valid(struct der_slice v) {
  uint8_t unused;
  GUARD(first_octet(v, &unused));
  GUARD(unused <= 7);
  return v.len > 1 || unused == 0;
}

/* AlgorithmIdentifier ::= SEQUENCE { OID, parameters ANY OPTIONAL } */
static bool read_algorithm(struct byte_reader *r, struct der_slice *whole) {
  struct der_tlv seq, oid, params;
  GUARD(der_read_expect(r, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  GUARD(der_read_expect(&in, TAG_OID, &oid) && der_oid_valid(oid.value));
  if (byte_reader_remaining(&in) > 0) GUARD(der_read_tlv(&in, &params));
  GUARD(byte_reader_remaining(&in) == 0);
  *whole = seq.whole;
  return true;
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }. Records the
 * last commonName when `f` is given (the subject). */
static bool read_name(struct byte_reader *r, struct der_slice *whole, struct cert_fields *f) {
  struct der_tlv name;
  GUARD(der_read_expect(r, TAG_SEQUENCE, &name));
  struct byte_reader rdns = reader_of(name.value);
  while (byte_reader_remaining(&rdns) > 0) {
    struct der_tlv rdn;
    GUARD(der_read_expect(&rdns, TAG_SET, &rdn));
    /* An empty RDN is not X.501, but OpenSSL and Go both take it. */
    struct byte_reader atvs = reader_of(rdn.value);
    while (byte_reader_remaining(&atvs) > 0) {
      struct der_tlv atv, type, value;
      GUARD(der_read_expect(&atvs, TAG_SEQUENCE, &atv));
      struct byte_reader in = reader_of(atv.value);
      GUARD(der_read_expect(&in, TAG_OID, &type) && der_oid_valid(type.value));
      GUARD(der_read_tlv(&in, &value));
      GUARD(byte_reader_remaining(&in) == 0);
      if (f != NULL && slice_is(type.value, oid_common_name, sizeof oid_common_name)) {
        f->has_cn = true;
        f->cn_tag = value.tag;
        f->cn = value.value;
      }
    }
  }
  *whole = name.whole;
  return true;
}

static enum cert_fields_status read_time(struct byte_reader *r, uint8_t *tag,
                                         struct der_slice *text, int64_t *unix_seconds) {
  struct der_tlv t;
  ENSURE(der_read_tlv(r, &t), CERT_FIELDS_ERR_DER);
  ENSURE(t.tag == 0x17 || t.tag == 0x18, CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(cert_time_parse_openssl(t.tag, t.value, unix_seconds), CERT_FIELDS_ERR_TIME);
  *tag = t.tag;
  *text = t.value;
  return CERT_FIELDS_OK;
}

/* basicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
 *                                 pathLenConstraint INTEGER (0..MAX) OPTIONAL }
 * Read the way Go reads it (and OpenSSL agrees on what both decode): bytes
 * after the SEQUENCE, or after the fields inside it, are ignored. */
static bool read_basic_constraints(struct der_slice value, bool *ca) {
  struct byte_reader outer = reader_of(value);
  struct der_tlv seq, path_len;
  GUARD(der_read_expect(&outer, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  *ca = false;
  if (peek_tag(&in, TAG_BOOLEAN)) GUARD(read_boolean(&in, ca));
  if (peek_tag(&in, TAG_INTEGER)) {
    GUARD(der_read_tlv(&in, &path_len));
    uint8_t sign;
    GUARD(der_integer_valid(path_len.value) && first_octet(path_len.value, &sign));
    GUARD((sign & 0x80) == 0);
  }
  return true;
}

/* GeneralName alternatives [0]..[8]: which are constructed in DER. The
 * string-like ones ([1] rfc822Name, [2] dNSName, [6] URI, [7] iPAddress,
 * [8] registeredID) are primitive; OpenSSL also takes BER's constructed
 * (chunked) form of them and reads a name Go never sees, so that is refused. */
static bool general_name_form_valid(uint8_t id) {
  if ((id & 0xc0) != 0x80) return true; /* not a GeneralName: ignored like Go */
  const unsigned number = id & 0x1f;
  const bool constructed = (id & 0x20) != 0;
  if (number > 8) return true;
  const bool must_be_constructed = number == 0 || number == 3 || number == 4 || number == 5;
  return constructed == must_be_constructed;
}

/* subjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName: every name
 * must be a well-formed TLV (Go fails the certificate otherwise); their
 * meaning is the consumer's business. Bytes after the SEQUENCE are ignored,
 * as by Go and OpenSSL. */
static bool read_san(struct der_slice value, struct der_slice *names) {
  struct byte_reader outer = reader_of(value);
  struct der_tlv seq, name;
  GUARD(der_read_expect(&outer, TAG_SEQUENCE, &seq));
  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    GUARD(der_read_tlv(&in, &name));
    GUARD(general_name_form_valid(name.tag));
  }
  *names = seq.value;
  return true;
}

/* Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *                          extnValue OCTET STRING } */
static enum cert_fields_status read_extension(struct byte_reader *r, struct der_slice *oid,
                                              bool *critical, struct der_slice *value) {
  struct der_tlv seq, id, os;
  ENSURE(der_read_tlv(r, &seq), CERT_FIELDS_ERR_DER);
  ENSURE(seq.tag == TAG_SEQUENCE, CERT_FIELDS_ERR_STRUCTURE);
  struct byte_reader in = reader_of(seq.value);
  ENSURE(der_read_expect(&in, TAG_OID, &id) && der_oid_valid(id.value), CERT_FIELDS_ERR_STRUCTURE);
  *critical = false;
  if (peek_tag(&in, TAG_BOOLEAN)) ENSURE(read_boolean(&in, critical), CERT_FIELDS_ERR_DER);
  ENSURE(der_read_expect(&in, TAG_OCTET_STRING, &os), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(byte_reader_remaining(&in) == 0, CERT_FIELDS_ERR_STRUCTURE);
  *oid = id.value;
  *value = os.value;
  return CERT_FIELDS_OK;
}

static enum cert_fields_status read_extensions(struct der_slice explicit_content,
                                               struct cert_fields *f) {
  struct byte_reader outer = reader_of(explicit_content);
  struct der_tlv seq;
  ENSURE(der_read_expect(&outer, TAG_SEQUENCE, &seq), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(byte_reader_remaining(&outer) == 0, CERT_FIELDS_ERR_STRUCTURE);
  f->has_extensions = true;
  f->extensions = seq.value;

  struct byte_reader in = reader_of(seq.value);
  while (byte_reader_remaining(&in) > 0) {
    struct der_slice oid, value;
    bool critical;
    GUARD_STATUS(read_extension(&in, &oid, &critical, &value));
    ENSURE(f->extension_count < CERT_FIELDS_MAX_EXTENSIONS, CERT_FIELDS_ERR_EXTENSION);
    f->extension_count++;
    /* A second basicConstraints or SAN is refused by the duplicate pass. */
    if (slice_is(oid, oid_basic_constraints, sizeof oid_basic_constraints)) {
      ENSURE(read_basic_constraints(value, &f->basic_constraints_ca), CERT_FIELDS_ERR_EXTENSION);
      f->has_basic_constraints = true;
      f->basic_constraints_critical = critical;
    } else if (slice_is(oid, oid_subject_alt_name, sizeof oid_subject_alt_name)) {
      ENSURE(read_san(value, &f->san), CERT_FIELDS_ERR_EXTENSION);
      f->has_san = true;
    }
  }

  /* Duplicates of any OID: quadratic, bounded by CERT_FIELDS_MAX_EXTENSIONS. */
  struct cert_ext_iter a;
  cert_ext_iter_init(f, &a);
  struct der_slice oid_a, oid_b, unused_value;
  bool unused_critical;
  while (cert_ext_next(&a, &oid_a, &unused_critical, &unused_value)) {
    struct cert_ext_iter b = a;
    while (cert_ext_next(&b, &oid_b, &unused_critical, &unused_value))
      ENSURE(!slice_eq(oid_a, oid_b), CERT_FIELDS_ERR_EXTENSION);
  }
  return CERT_FIELDS_OK;
}

static enum cert_fields_status read_version(struct byte_reader *tbs, long *version) {
  *version = 1;
  if (!peek_tag(tbs, TAG_VERSION)) return CERT_FIELDS_OK;
  struct der_tlv explicit_tag, integer;
  ENSURE(der_read_tlv(tbs, &explicit_tag), CERT_FIELDS_ERR_DER);
  struct byte_reader in = reader_of(explicit_tag.value);
  ENSURE(der_read_expect(&in, TAG_INTEGER, &integer), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(byte_reader_remaining(&in) == 0, CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(der_integer_valid(integer.value), CERT_FIELDS_ERR_DER);
  uint8_t v;
  ENSURE(integer.value.len == 1 && first_octet(integer.value, &v), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(v <= 2, CERT_FIELDS_ERR_STRUCTURE);
  *version = v + 1;
  return CERT_FIELDS_OK;
}

static enum cert_fields_status read_tbs(struct der_slice content, struct cert_fields *f) {
  struct byte_reader tbs = reader_of(content);
  struct der_tlv t;
  GUARD_STATUS(read_version(&tbs, &f->version));

  ENSURE(der_read_tlv(&tbs, &t), CERT_FIELDS_ERR_DER);
  ENSURE(t.tag == TAG_INTEGER, CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(der_integer_valid(t.value), CERT_FIELDS_ERR_DER);
  f->serial = t.value;

  ENSURE(read_algorithm(&tbs, &f->tbs_signature_algorithm), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(read_name(&tbs, &f->issuer, NULL), CERT_FIELDS_ERR_STRUCTURE);

  ENSURE(der_read_tlv(&tbs, &t), CERT_FIELDS_ERR_DER);
  ENSURE(t.tag == TAG_SEQUENCE, CERT_FIELDS_ERR_STRUCTURE);
  struct byte_reader validity = reader_of(t.value);
  GUARD_STATUS(read_time(&validity, &f->not_before_tag, &f->not_before_text, &f->not_before));
  GUARD_STATUS(read_time(&validity, &f->not_after_tag, &f->not_after_text, &f->not_after));
  ENSURE(byte_reader_remaining(&validity) == 0, CERT_FIELDS_ERR_STRUCTURE);

  ENSURE(read_name(&tbs, &f->subject, f), CERT_FIELDS_ERR_STRUCTURE);

  /* SubjectPublicKeyInfo: shape only, the key itself is never decoded. */
  struct der_tlv key_bits;
  ENSURE(der_read_expect(&tbs, TAG_SEQUENCE, &t), CERT_FIELDS_ERR_STRUCTURE);
  f->spki = t.whole;
  struct byte_reader spki = reader_of(t.value);
  struct der_slice key_algorithm;
  ENSURE(read_algorithm(&spki, &key_algorithm), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(der_read_expect(&spki, TAG_BIT_STRING, &key_bits), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(bit_string_valid(key_bits.value), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(byte_reader_remaining(&spki) == 0, CERT_FIELDS_ERR_STRUCTURE);

  if (peek_tag(&tbs, TAG_ISSUER_UID)) {
    ENSURE(der_read_tlv(&tbs, &t) && bit_string_valid(t.value), CERT_FIELDS_ERR_STRUCTURE);
  }
  if (peek_tag(&tbs, TAG_SUBJECT_UID)) {
    ENSURE(der_read_tlv(&tbs, &t) && bit_string_valid(t.value), CERT_FIELDS_ERR_STRUCTURE);
  }
  if (peek_tag(&tbs, TAG_EXTENSIONS)) {
    ENSURE(der_read_tlv(&tbs, &t), CERT_FIELDS_ERR_DER);
    GUARD_STATUS(read_extensions(t.value, f));
  }
  ENSURE(byte_reader_remaining(&tbs) == 0, CERT_FIELDS_ERR_STRUCTURE);
  return CERT_FIELDS_OK;
}

enum cert_fields_status cert_fields_parse(const uint8_t *der, size_t len, struct cert_fields *out) {
  memset(out, 0, sizeof *out);
  /* A NULL der reads as empty (byte_reader), hence "not DER". */
  struct byte_reader input = byte_reader_init(der, len);
  struct der_tlv cert, tbs, signature;
  ENSURE(der_read_tlv(&input, &cert), CERT_FIELDS_ERR_DER);
  ENSURE(byte_reader_remaining(&input) == 0, CERT_FIELDS_ERR_DER);
  ENSURE(cert.tag == TAG_SEQUENCE, CERT_FIELDS_ERR_STRUCTURE);
  out->raw = cert.whole;

  struct byte_reader body = reader_of(cert.value);
  ENSURE(der_read_tlv(&body, &tbs), CERT_FIELDS_ERR_DER);
  ENSURE(tbs.tag == TAG_SEQUENCE, CERT_FIELDS_ERR_STRUCTURE);
  out->tbs = tbs.whole;
  ENSURE(read_algorithm(&body, &out->signature_algorithm), CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(der_read_tlv(&body, &signature), CERT_FIELDS_ERR_DER);
  ENSURE(signature.tag == TAG_BIT_STRING && bit_string_valid(signature.value),
         CERT_FIELDS_ERR_STRUCTURE);
  ENSURE(byte_reader_remaining(&body) == 0, CERT_FIELDS_ERR_STRUCTURE);

  enum cert_fields_status st = read_tbs(tbs.value, out);
  if (st != CERT_FIELDS_OK) {
    memset(out, 0, sizeof *out);
    return st;
  }
  return CERT_FIELDS_OK;
}

const char *cert_fields_status_str(enum cert_fields_status st) {
  switch (st) {
    case CERT_FIELDS_OK: return "ok";
    case CERT_FIELDS_ERR_DER: return "not DER";
    case CERT_FIELDS_ERR_STRUCTURE: return "not an X.509 certificate";
    case CERT_FIELDS_ERR_TIME: return "malformed validity time";
    case CERT_FIELDS_ERR_EXTENSION: return "malformed or duplicate extension";
  }
  return "unknown cert_fields status";
}

bool cert_serial_small(const struct cert_fields *f, unsigned max_bits, uint64_t *value) {
  uint8_t sign;
  GUARD(first_octet(f->serial, &sign) && (sign & 0x80) == 0);
  struct byte_reader r = reader_of(f->serial);
  uint64_t v = 0;
  unsigned bits = 0;
  uint8_t b;
  while (byte_reader_u8(&r, &b)) {
    /* Bit length of the magnitude so far, before the shift could overflow
     * (leading zero octets leave it 0). */
    if (bits == 0) {
      while ((b >> bits) != 0) bits++;
    } else {
      bits += 8;
    }
    GUARD(bits <= max_bits && bits <= 64);
    v = (v << 8) | b;
  }
  *value = v;
  return true;
}

void cert_san_iter_init(const struct cert_fields *f, struct cert_san_iter *it) {
  it->pos = f->has_san ? f->san.ptr : NULL;
  it->end = f->has_san ? f->san.ptr + f->san.len : NULL;
  it->malformed = false;
  it->identifier = 0;
}

bool cert_san_next(struct cert_san_iter *it, unsigned *tag, struct der_slice *value) {
  if (it->pos == NULL || it->pos >= it->end) return false;
  struct byte_reader r = byte_reader_init(it->pos, (size_t)(it->end - it->pos));
  struct der_tlv t;
  /* Any form: cert_fields_parse refused the names DER forbids, and Go's
   * view (go_parse_certificate) reads every element, as forEachSAN does. */
  if (!der_read_tlv_any_form(&r, &t)) {
    it->malformed = true; /* pos stays: a further call fails the same way */
    return false;
  }
  it->pos = byte_reader_peek(&r);
  it->identifier = t.tag;
  *tag = (t.tag & 0xc0) == 0x80 ? (unsigned)(t.tag & 0x1f) : 0x100u | t.tag;
  *value = t.value;
  return true;
}

void cert_ext_iter_init(const struct cert_fields *f, struct cert_ext_iter *it) {
  it->pos = f->has_extensions ? f->extensions.ptr : NULL;
  it->end = f->has_extensions ? f->extensions.ptr + f->extensions.len : NULL;
  it->malformed = false;
}

bool cert_ext_next(struct cert_ext_iter *it, struct der_slice *oid, bool *critical,
                   struct der_slice *value) {
  if (it->pos == NULL || it->pos >= it->end) return false;
  struct byte_reader r = byte_reader_init(it->pos, (size_t)(it->end - it->pos));
  if (read_extension(&r, oid, critical, value) != CERT_FIELDS_OK) {
    it->malformed = true; /* pos stays: a further call fails the same way */
    return false;
  }
  it->pos = byte_reader_peek(&r);
  return true;
}
