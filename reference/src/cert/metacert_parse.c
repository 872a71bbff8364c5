#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_keys.h"
#include "derp/guard.h"
#include "derp/metacert.h"

/* ASN.1 string tags Go's x509 parser turns into a Go string. */
#define TAG_UTF8STRING 0x0c
#define TAG_NUMERICSTRING 0x12
#define TAG_PRINTABLESTRING 0x13
#define TAG_T61STRING 0x14
#define TAG_IA5STRING 0x16
#define TAG_BMPSTRING 0x1e

/* The CN as the ASCII text Go would compare, when it is METACERT_CN_LEN
 * characters long (anything else cannot match). Byte-oriented string types are
 * taken as they are; BMPString (UCS-2 big-endian) must be all ASCII. Go would
 * refuse the whole certificate for a NumericString holding letters; taking its
 * bytes keeps agreement with OpenSSL's (unvalidating) view of the same DER. */
static bool cn_text(const struct cert_fields *f, char out[METACERT_CN_LEN]) {
  struct byte_reader r = byte_reader_init(f->cn.ptr, f->cn.len);
  switch (f->cn_tag) {
    case TAG_UTF8STRING:
    case TAG_NUMERICSTRING:
    case TAG_PRINTABLESTRING:
    case TAG_T61STRING:
    case TAG_IA5STRING:
      GUARD(f->cn.len == METACERT_CN_LEN);
      return byte_reader_copy(&r, out, METACERT_CN_LEN);
    case TAG_BMPSTRING:
      GUARD(f->cn.len == 2 * METACERT_CN_LEN);
      for (size_t i = 0; i < METACERT_CN_LEN; i++) {
        uint16_t unit;
        GUARD(byte_reader_u16be(&r, &unit));
        GUARD(unit < 0x80);
        out[i] = (char)unit;
      }
      return true;
    default: return false;
  }
}

static bool metacert_match(const struct der_slice *cert, uint8_t key[32], uint64_t *version) {
  struct cert_fields f;
  GUARD(cert->ptr != NULL);
  GUARD(cert_fields_parse(cert->ptr, cert->len, &f) == CERT_FIELDS_OK);
  GUARD(f.has_cn);
  char cn[METACERT_CN_LEN];
  GUARD(cn_text(&f, cn));
  const size_t plen = strlen(METACERT_CN_PREFIX);
  GUARD(memcmp(cn, METACERT_CN_PREFIX, plen) == 0);
  GUARD(derp_key_from_hex(cn + plen, METACERT_CN_LEN - plen, key));
  return cert_serial_small(&f, 8, version);
}

bool metacert_parse(const struct der_slice *certs, size_t n, struct metacert_info *out) {
  memset(out, 0, sizeof *out);
  out->index = n;
  for (size_t i = 0; certs != NULL && i < n; i++) {
    uint8_t key[32];
    uint64_t version;
    if (metacert_match(&certs[i], key, &version)) {
      memcpy(out->key, key, sizeof key);
      out->version = version;
      out->index = i;
      return true;
    }
  }
  return false;
}

bool metacert_fast_start_usable(const struct metacert_info *info) {
  return info != NULL && info->version != 0 && !derp_key_is_zero(info->key);
}
