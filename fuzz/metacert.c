/* Fuzz target metacert: Go's parseMetaCert rules against OpenSSL's view,
 * and a build -> parse round trip.
 *
 * Input layout (every field optional: missing bytes read as zero):
 *   u8     control   bits 0-2: certificate count (0..4, value mod 5)
 *                    bit 7: also run the build round trip
 *   [32]   key       round trip: the DERP public key to put in the CN
 *   u16be  version   round trip: the serial (protocol version)
 *   u64be  now       round trip: Unix seconds, two's complement
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
 *  - round trip: metacert_build of (key, version, now) gives a certificate
 *    OpenSSL and cert_fields both read as CN "derpkey"+lowercase hex,
 *    PrintableString, serial = version, validity now -/+ 30 days, one
 *    critical basicConstraints cA=FALSE; parsing it back returns the key
 *    and version exactly when version <= 255.
 *  - once per process, OpenSSL failing to allocate (openssl_alloc_fail.h,
 *    installed in LLVMFuzzerInitialize): a build is repeated with the n-th
 *    allocation failing, for each of the first and the last
 *    ALLOC_FAIL_EDGE allocations a build makes (where the key, the
 *    certificate object and the encoding are made; the middle is mostly
 *    the signature, whose failures OpenSSL absorbs). Each build either says
 *    METACERT_ERR_CRYPTO and writes nothing (not out, not out_len), or says
 *    METACERT_OK with a certificate passing every check of the round trip;
 *    nothing leaks (LeakSanitizer) and a build with the allocator back
 *    works. */
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
#include "harness/openssl_alloc_fail.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* structure-aware mutation of the certificates (libFuzzer builds) */
CERT_MUTATOR(CERT_LAYOUT_METACERT)

/* metacert_fast: without OpenSSL (the miss/hit invariants, and the round
 * trip read back by cert_fields and metacert_parse only). */
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

/* What metacert_build refuses, and how it says so: a buffer one byte short
 * (nothing written), missing arguments and versions outside 0..INT32_MAX
 * (METACERT_ERR_ARG), each status with its own text. Checked once: none of
 * it depends on the input, and each build is a key generation and a
 * signature. */
static void check_build_refusals(const uint8_t key[32], long version, int64_t now, size_t len) {
  static bool once;
  if (once) return;
  once = true;
  uint8_t der[METACERT_DER_MAX];
  memset(der, 0x5a, sizeof der);
  size_t got = 0;
  enum metacert_status st = metacert_build(key, version, now, der, len - 1, &got);
  ORACLE_ASSERT(st == METACERT_ERR_SPACE && got == 0 && der[0] == 0x5a,
                "metacert_build into %zu bytes of %zu: %s, %zu written", len - 1, len,
                metacert_status_str(st), got);
  ORACLE_ASSERT(
      metacert_build(NULL, version, now, der, sizeof der, &got) == METACERT_ERR_ARG &&
          metacert_build(key, version, now, NULL, sizeof der, &got) == METACERT_ERR_ARG &&
          metacert_build(key, version, now, der, sizeof der, NULL) == METACERT_ERR_ARG &&
          metacert_build(key, -1, now, der, sizeof der, &got) == METACERT_ERR_ARG &&
          metacert_build(key, (long)INT32_MAX + 1, now, der, sizeof der, &got) == METACERT_ERR_ARG,
      "metacert_build took a missing argument or a version outside 0..INT32_MAX");
  const char *texts[5];
  for (int i = 0; i < 5; i++) {
    texts[i] = metacert_status_str((enum metacert_status)i);
    ORACLE_ASSERT(texts[i] != NULL && texts[i][0] != '\0', "status %d has no text", i);
    for (int j = 0; j < i; j++)
      ORACLE_ASSERT(strcmp(texts[i], texts[j]) != 0, "statuses %d and %d read alike", i, j);
  }
}

/* A certificate metacert_build made of (key, version, now) in len bytes:
 * what cert_fields, OpenSSL and metacert_parse read in it. */
static void check_built(const uint8_t *der, size_t len, const uint8_t key[32], long version,
                        int64_t now) {
  ORACLE_ASSERT(len > 0 && len <= METACERT_DER_MAX, "metacert_build length %zu", len);
  char cn[METACERT_CN_LEN + 1];
  memcpy(cn, METACERT_CN_PREFIX, 7);
  derp_hex_lower(key, 32, cn + 7);

  struct cert_fields f;
  enum cert_fields_status fs = cert_fields_parse(der, len, &f);
  ORACLE_ASSERT(fs == CERT_FIELDS_OK, "built metacert rejected by cert_fields: %s",
                cert_fields_status_str(fs));
  ORACLE_ASSERT(f.has_cn && f.cn_tag == V_ASN1_PRINTABLESTRING && f.cn.len == METACERT_CN_LEN &&
                    memcmp(f.cn.ptr, cn, METACERT_CN_LEN) == 0,
                "built metacert CN is not %s", cn);
  ORACLE_ASSERT(f.version == 3, "built metacert is v%ld", f.version);
  ORACLE_ASSERT(f.not_before == now - METACERT_VALIDITY_SECONDS &&
                    f.not_after == now + METACERT_VALIDITY_SECONDS,
                "built metacert validity %lld..%lld for now %lld", (long long)f.not_before,
                (long long)f.not_after, (long long)now);
  ORACLE_ASSERT(f.extension_count == 1 && f.has_basic_constraints && f.basic_constraints_critical &&
                    !f.basic_constraints_ca,
                "built metacert extensions");

#if !FUZZ_FAST
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  ORACLE_ASSERT(x != NULL && (size_t)(p - der) == len, "OpenSSL cannot parse the built metacert");
  ASN1_INTEGER *want_serial = ASN1_INTEGER_new();
  ASN1_INTEGER_set(want_serial, version);
  ORACLE_ASSERT(ASN1_INTEGER_cmp(X509_get0_serialNumber(x), want_serial) == 0,
                "built metacert serial != %ld", version);
  ASN1_INTEGER_free(want_serial);
  X509_free(x);
#endif

  struct der_slice one = {der, len};
  struct metacert_info got;
  bool found = metacert_parse(&one, 1, &got);
  if (version <= 255) {
    ORACLE_ASSERT(found && got.index == 0 && got.version == (uint64_t)version &&
                      memcmp(got.key, key, 32) == 0,
                  "round trip lost the key or version %ld", version);
  } else {
    ORACLE_ASSERT(!found, "version %ld (> 8 bits) must not be accepted", version);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  openssl_alloc_hook("metacert");
  return 0;
}

#define ALLOC_FAIL_EDGE 32

/* metacert_build with one of OpenSSL's allocations failing. Once per
 * process, after a build of (key, version, now) passed: none of it depends
 * on the input, and it is some 2 * ALLOC_FAIL_EDGE builds. */
static void check_build_alloc_failures(const uint8_t key[32], long version, int64_t now) {
  static bool once;
  if (once || !openssl_alloc_hooked) return;
  once = true;
  uint8_t der[METACERT_DER_MAX];
  size_t len = 0;
  unsigned long before = openssl_alloc_count;
  ORACLE_ASSERT(metacert_build(key, version, now, der, sizeof der, &len) == METACERT_OK,
                "metacert_build failed with nothing failing");
  unsigned long total = openssl_alloc_count - before;
  for (unsigned long n = 0; n < total; n++) {
    if (n == ALLOC_FAIL_EDGE && total > 2 * ALLOC_FAIL_EDGE) n = total - ALLOC_FAIL_EDGE;
    memset(der, 0x5a, sizeof der);
    size_t got = 0x5a5a;
    openssl_alloc_fail_at(n);
    enum metacert_status st = metacert_build(key, version, now, der, sizeof der, &got);
    bool failed = openssl_alloc_disarm();
    ERR_clear_error();
    if (st == METACERT_OK) {
      check_built(der, got, key, version, now);
    } else {
      ORACLE_ASSERT(failed && st == METACERT_ERR_CRYPTO && got == 0x5a5a && der[0] == 0x5a,
                    "allocation %lu of %lu %s: %s, length %zu, first byte %02x", n, total,
                    failed ? "failing" : "not reached", metacert_status_str(st), got, der[0]);
    }
  }
  ORACLE_ASSERT(metacert_build(key, version, now, der, sizeof der, &len) == METACERT_OK,
                "metacert_build fails after the allocation failures");
  check_built(der, len, key, version, now);
}

static void check_round_trip(const uint8_t key[32], long version, int64_t now) {
  uint8_t der[METACERT_DER_MAX];
  size_t len = 0;
  enum metacert_status st = metacert_build(key, version, now, der, sizeof der, &len);
  ORACLE_ASSERT(metacert_status_str(st) != NULL, "metacert_status_str(%d) is NULL", (int)st);
  if (st == METACERT_ERR_ARG) {
    /* Every instant from 1970 to 2106 is representable with 30 days spare. */
    ORACLE_ASSERT(now < 0 || now > (int64_t)UINT32_MAX, "metacert_build refused now=%lld",
                  (long long)now);
    return;
  }
  ORACLE_ASSERT(st == METACERT_OK, "metacert_build: %s", metacert_status_str(st));
  ORACLE_ASSERT(len > 0 && len <= sizeof der, "metacert_build length %zu", len);
  check_build_refusals(key, version, now, len);
  check_built(der, len, key, version, now);
  check_build_alloc_failures(key, version, now);
}

static int one_input(const uint8_t *data, size_t size) {
  struct metacert_fuzz_input in;
  if (!metacert_fuzz_decode(data, size, &in)) return -1;
  check_parse(in.certs, in.n_certs);
  if (in.control & 0x80) {
    /* Mutations mostly leave key, version and clock alone: a build whose
     * round trip passed for them (it signs with a fresh Ed25519 key, the
     * checked fields depend on the three alone) is not repeated. */
    static uint8_t passed_key[32];
    static long passed_version;
    static int64_t passed_now;
    static bool have_passed;
    if (!have_passed || passed_version != in.version || passed_now != in.now ||
        memcmp(passed_key, in.key, 32) != 0) {
      check_round_trip(in.key, in.version, in.now);
      memcpy(passed_key, in.key, 32);
      passed_version = in.version;
      passed_now = in.now;
      have_passed = true;
    }
  }
  return 0;
}

/* OpenSSL keeps a failed decode's error (with strdup'd texts) on its queue
 * and frees it in some later run; libFuzzer then sees a run allocate more
 * than it frees and stops to look for a leak with LeakSanitizer, which was
 * most of this target's time. Each run leaves the queue empty. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = one_input(data, size);
  ERR_clear_error();
  return rc;
}
