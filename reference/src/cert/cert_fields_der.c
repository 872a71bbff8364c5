/* Strict DER TLV reading: the only place that decodes identifier and length
 * octets, so every length in cert_fields is bounded here once. */
#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"

/* Long-form lengths above this cannot fit in anything we read (a TLS
 * certificate list is bounded by 2^24); four octets keep the arithmetic in
 * 32 bits on every platform. */
#define DER_MAX_LENGTH_OCTETS 4

static bool read_length(struct byte_reader *r, size_t *len) {
  uint8_t first;
  GUARD(byte_reader_u8(r, &first));
  if (first < 0x80) {
    *len = first;
    return true;
  }
  size_t n = first & 0x7f;
  /* 0x80 is BER's indefinite length; DER never uses it. */
  GUARD(n >= 1 && n <= DER_MAX_LENGTH_OCTETS);
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b;
    GUARD(byte_reader_u8(r, &b));
    /* A leading zero octet means a shorter form existed. */
    GUARD(i != 0 || b != 0);
    v = (v << 8) | b;
  }
  /* Short form is mandatory below 128. */
  GUARD(v >= 0x80);
  *len = v;
  return true;
}

/* Universal types have one form in DER (X.690 §10.2: strings are never
 * constructed); tag 0 is BER's end-of-contents. OpenSSL still reassembles
 * constructed strings into values (e.g. a CN), so this must be refused to
 * keep "both accept" meaning "both read the same value". */
static bool universal_form_valid(uint8_t id) {
  if ((id & 0xc0) != 0x00) return true;
  const uint8_t number = id & 0x1f;
  const bool constructed = (id & 0x20) != 0;
  GUARD(number != 0);
  /* EXTERNAL, EMBEDDED PDV, SEQUENCE, SET, CHARACTER STRING */
  const bool constructed_type =
      number == 8 || number == 11 || number == 16 || number == 17 || number == 29;
  return constructed == constructed_type;
}

bool der_read_tlv_any_form(struct byte_reader *r, struct der_tlv *out) {
  struct byte_reader probe = *r;
  const uint8_t *start = byte_reader_peek(&probe);
  size_t before = byte_reader_remaining(&probe);
  uint8_t id;
  GUARD(byte_reader_u8(&probe, &id));
  /* High-tag-number form: nothing in X.509 needs it and Go rejects it. */
  GUARD((id & 0x1f) != 0x1f);
  size_t len;
  GUARD(read_length(&probe, &len));
  const uint8_t *content;
  GUARD(byte_reader_borrow(&probe, len, &content));
  out->tag = id;
  out->value = (struct der_slice){content, len};
  out->whole = (struct der_slice){start, before - byte_reader_remaining(&probe)};
  *r = probe;
  return true;
}

bool der_read_tlv(struct byte_reader *r, struct der_tlv *out) {
  struct byte_reader probe = *r;
  GUARD(der_read_tlv_any_form(&probe, out));
  GUARD(universal_form_valid(out->tag));
  *r = probe;
  return true;
}

bool der_read_expect(struct byte_reader *r, uint8_t tag, struct der_tlv *out) {
  struct byte_reader probe = *r;
  GUARD(der_read_tlv(&probe, out));
  GUARD(out->tag == tag);
  *r = probe;
  return true;
}

bool der_oid_valid(struct der_slice oid) {
  GUARD(oid.len > 0);
  struct byte_reader r = byte_reader_init(oid.ptr, oid.len);
  bool at_start = true;
  uint8_t b = 0;
  while (byte_reader_u8(&r, &b)) {
    /* 0x80 opening a sub-identifier is a redundant leading zero group. */
    GUARD(!(at_start && b == 0x80));
    at_start = (b & 0x80) == 0;
  }
  /* The last octet must close its sub-identifier. */
  return (b & 0x80) == 0;
}

bool der_integer_valid(struct der_slice v) {
  if (v.len == 1) return true;
  struct byte_reader r = byte_reader_init(v.ptr, v.len);
  uint8_t b0, b1;
  /* Also refuses the empty INTEGER. */
  GUARD(byte_reader_u8(&r, &b0) && byte_reader_u8(&r, &b1));
  /* Nine equal leading bits: the first octet is padding. */
  GUARD(!(b0 == 0x00 && (b1 & 0x80) == 0));
  GUARD(!(b0 == 0xff && (b1 & 0x80) != 0));
  return true;
}
