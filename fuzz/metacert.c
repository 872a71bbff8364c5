/* Fuzz target metacert: Go's parseMetaCert rules against OpenSSL's view.
 *
 * Input layout:
 *   u8     control   bits 0-2: certificate count (0..4, value mod 5);
 *                    the other bits are ignored
 *   then per certificate: u16be length, DER (the last one takes what is left
 *   if the length overruns).
 *
 * Oracles:
 *  - parse: when every certificate is parsed by both d2i_X509 (whole blob)
 *    and cert_fields, the winner must be what Go's parseMetaCert picks using
 *    OpenSSL's fields: the first certificate whose last subject CN, as the
 *    string Go decodes (Printable/UTF8/IA5/Numeric/T61 bytes, BMPString as
 *    UTF-16), is "derpkey" + exactly 64 hex digits of either case and whose
 *    serial is non-negative with bit length <= 8. Certificates with a CN
 *    type Go cannot decode make Go reject the handshake: such inputs are
 *    not compared. A miss must leave (zero key, version 0, index n), and
 *    metacert_fast_start_usable must mean "non-zero key and version".
 *
 * The build side (metacert_build read back) is the metacert_build target. */
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cert_mutator.h"
#include "derp/cert_fields.h"
#include "derp/hex.h"
#include "derp/metacert.h"
#include "fuzz_inputs.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* structure-aware mutation of the certificates (libFuzzer builds) */
CERT_MUTATOR(CERT_LAYOUT_METACERT)

/* metacert_fast: without OpenSSL (the miss/hit invariants only). */
#ifndef FUZZ_FAST
#define FUZZ_FAST 0
#endif

enum expectation { EXPECT_SKIP, EXPECT_NONE, EXPECT_MATCH };

struct expected {
  enum expectation kind;
  size_t index;
  uint8_t key[32];
  uint64_t version;
};

#if !FUZZ_FAST
/* Go's view of one certificate through OpenSSL. Returns false when Go's
 * behaviour is outside what this oracle models (skip the input). */
static bool openssl_metacert_view(X509 *x, bool *matches, uint8_t key[32], uint64_t *version) {
  *matches = false;
  const X509_NAME *subject = X509_get_subject_name(x);
  const ASN1_STRING *cn = NULL;
  for (int i = 0; i < X509_NAME_entry_count(subject); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
      cn = X509_NAME_ENTRY_get_data(e);
  }
  if (!cn) return true;
  switch (ASN1_STRING_type(cn)) {
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_UTF8STRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_NUMERICSTRING:
    case V_ASN1_T61STRING:
    case V_ASN1_BMPSTRING: break;
    default: return false;
  }
  unsigned char *text = NULL;
  int n;
  if (ASN1_STRING_type(cn) == V_ASN1_BMPSTRING) {
    n = ASN1_STRING_to_UTF8(&text, cn);
    if (n < 0) return false;
  } else {
    n = ASN1_STRING_length(cn);
  }
  const unsigned char *t = text ? text : ASN1_STRING_get0_data(cn);
  bool prefix_ok = n == METACERT_CN_LEN && memcmp(t, METACERT_CN_PREFIX, 7) == 0;
  bool hex_ok = prefix_ok && derp_hex_decode((const char *)t + 7, 64, key, 32);
  OPENSSL_free(text);
  if (!hex_ok) return true;
  BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  if (!serial) return false;
  if (!BN_is_negative(serial) && BN_num_bits(serial) <= 8) {
    *matches = true;
    *version = BN_get_word(serial);
  }
  BN_free(serial);
  return true;
}

static struct expected expect_from_openssl(const struct der_slice *certs, size_t n) {
  const struct expected skip = {EXPECT_SKIP, 0, {0}, 0};
  struct expected e = {EXPECT_NONE, n, {0}, 0};
  /* Every certificate must be modelled, even after the winner: Go parses the
   * whole chain before parseMetaCert ever runs. Parsers disagreeing on a
   * certificate is cert_fields' target's business, so one our parser refuses
   * skips the input before OpenSSL decodes anything (most mutants). */
  for (size_t i = 0; i < n; i++) {
    struct cert_fields f;
    if (cert_fields_parse(certs[i].ptr, certs[i].len, &f) != CERT_FIELDS_OK) return skip;
  }
  for (size_t i = 0; i < n; i++) {
    const unsigned char *p = certs[i].ptr;
    X509 *x = certs[i].len ? d2i_X509(NULL, &p, (long)certs[i].len) : NULL;
    bool modelled = x && (size_t)(p - certs[i].ptr) == certs[i].len;
    bool matches = false;
    uint8_t key[32];
    uint64_t version = 0;
    if (modelled) modelled = openssl_metacert_view(x, &matches, key, &version);
    X509_free(x);
    if (!modelled) return skip;
    if (matches && e.kind == EXPECT_NONE) {
      e.kind = EXPECT_MATCH;
      e.index = i;
      memcpy(e.key, key, sizeof key);
      e.version = version;
    }
  }
  return e;
}

#endif /* !FUZZ_FAST */

static void report_info(const char *who, bool found, const struct metacert_info *m) {
  char hex[65];
  derp_hex_lower(m->key, 32, hex);
  oracle_view("%s: found %d index %zu version %llu key %s", who, found, m->index,
              (unsigned long long)m->version, hex);
}

static void check_parse(const struct der_slice *certs, size_t n) {
  struct metacert_info got;
  bool found = metacert_parse(certs, n, &got);

  static const uint8_t zero[32];
  bool key_zero = memcmp(got.key, zero, 32) == 0;
  ORACLE_ASSERT(metacert_fast_start_usable(&got) == (!key_zero && got.version != 0),
                "metacert_fast_start_usable disagrees with (key, version)");
  if (!found)
    ORACLE_ASSERT(key_zero && got.version == 0 && got.index == n,
                  "metacert_parse miss left data behind");
  else
    ORACLE_ASSERT(got.index < n && got.version <= 255, "metacert_parse hit out of range");

#if FUZZ_FAST
  (void)report_info;
#else
  struct expected want = expect_from_openssl(certs, n);
  if (want.kind == EXPECT_SKIP) return;
  bool same = found == (want.kind == EXPECT_MATCH);
  if (same && found)
    same = got.index == want.index && got.version == want.version &&
           memcmp(got.key, want.key, 32) == 0;
  if (!same) {
    struct metacert_info w = {{0}, want.version, want.index};
    memcpy(w.key, want.key, 32);
    oracle_mismatch("metacert_parse over %zu certificates", n);
    report_info("metacert_parse", found, &got);
    report_info("openssl+Go rules", want.kind == EXPECT_MATCH, &w);
    oracle_abort();
  }
#endif
}

static int one_input(const uint8_t *data, size_t size) {
  struct metacert_fuzz_input in;
  if (!metacert_fuzz_decode(data, size, &in)) return -1;
  check_parse(in.certs, in.n_certs);
  return 0;
}

/* OpenSSL keeps a failed decode's error (with strdup'd texts) on its queue
 * and frees it in some later run; libFuzzer then sees a run allocate more
 * than it frees and stops to look for a leak with LeakSanitizer, which was
 * most of this target's time. Each run leaves the queue empty. (The fast
 * variant calls no OpenSSL, and clearing an empty queue was 6 % of its time.) */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = one_input(data, size);
#if !FUZZ_FAST
  ERR_clear_error();
#endif
  return rc;
}
