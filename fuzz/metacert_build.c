/* Fuzz target metacert_build: metacert_build's certificate read back by
 * cert_fields, OpenSSL and metacert_parse, its refusals, and OpenSSL's
 * allocations failing under it.
 *
 * Input layout (missing bytes read as zero; bytes after these are ignored):
 *   [32]   key       the DERP public key to put in the CN
 *   u16be  version   the serial (protocol version)
 *   u64be  now       Unix seconds, two's complement
 *
 * Oracles:
 *  - round trip: metacert_build of (key, version, now) gives a certificate
 *    OpenSSL and cert_fields both read as CN "derpkey"+lowercase hex,
 *    PrintableString, serial = version, validity now -/+ 30 days, one
 *    critical basicConstraints cA=FALSE; parsing it back returns the key
 *    and version exactly when version <= 255; a clock from 1970 to 2106
 *    is never refused (METACERT_ERR_ARG only for what the validity cannot
 *    hold);
 *  - refusals, once per process: a buffer one byte short (nothing written),
 *    missing arguments and versions outside 0..INT32_MAX (METACERT_ERR_ARG),
 *    each status with its own text;
 *  - once per process, OpenSSL failing to allocate (openssl_alloc_fail.h,
 *    installed in LLVMFuzzerInitialize): a build is repeated with the n-th
 *    allocation failing, for each of the first and the last
 *    ALLOC_FAIL_EDGE allocations a build makes (where the key, the
 *    certificate object and the encoding are made; the middle is mostly
 *    the signature, whose failures OpenSSL absorbs). Each build either says
 *    METACERT_ERR_CRYPTO and writes nothing (not out, not out_len), or says
 *    METACERT_OK with a certificate passing every check of the round trip;
 *    nothing leaks (LeakSanitizer) and a build with the allocator back
 *    works.
 *
 * Its own target, not a part of metacert's: a build is a key generation and
 * a signature, and run beside the parse it was a third of metacert's time
 * and most of metacert_fast's. */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/hex.h"
#include "derp/metacert.h"
#include "harness/openssl_alloc_fail.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct build_input {
  uint8_t key[32];
  uint16_t version;
  int64_t now;
};

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

  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)len);
  ORACLE_ASSERT(x != NULL && (size_t)(p - der) == len, "OpenSSL cannot parse the built metacert");
  ASN1_INTEGER *want_serial = ASN1_INTEGER_new();
  ASN1_INTEGER_set(want_serial, version);
  ORACLE_ASSERT(ASN1_INTEGER_cmp(X509_get0_serialNumber(x), want_serial) == 0,
                "built metacert serial != %ld", version);
  ASN1_INTEGER_free(want_serial);
  X509_free(x);

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
  openssl_alloc_hook("metacert_build");
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

/* Round trips that passed, by (key, version, now), direct-mapped. A build
 * signs with a fresh Ed25519 key, but every checked field depends on the
 * three alone, so a triple that passed is not built again. */
#define PASSED_SLOTS 4096
struct passed_round_trip {
  struct build_input in;
  bool used;
};

/* check_round_trip, unless the triple passed before. */
static void round_trip_once(const struct build_input *in) {
  static struct passed_round_trip passed[PASSED_SLOTS];
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < 32; i++) h = (h ^ in->key[i]) * 0x100000001b3u;
  h = (h ^ (uint64_t)in->version) * 0x100000001b3u;
  h = (h ^ (uint64_t)in->now) * 0x100000001b3u;
  struct passed_round_trip *p = &passed[h % PASSED_SLOTS];
  if (p->used && p->in.version == in->version && p->in.now == in->now &&
      memcmp(p->in.key, in->key, 32) == 0)
    return;
  check_round_trip(in->key, in->version, in->now);
  *p = (struct passed_round_trip){*in, true};
}

/* OpenSSL keeps a failed call's error on its queue; each run leaves it empty
 * (libFuzzer would otherwise see a leak and stop for LeakSanitizer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t head[32 + 2 + 8] = {0}; /* missing bytes read as zero */
  if (size > 0) memcpy(head, data, size < sizeof head ? size : sizeof head);
  struct byte_reader r = byte_reader_init(head, sizeof head);
  struct build_input in;
  uint32_t now_hi = 0, now_lo = 0;
  (void)(byte_reader_copy(&r, in.key, sizeof in.key) && byte_reader_u16be(&r, &in.version) &&
         byte_reader_u32be(&r, &now_hi) && byte_reader_u32be(&r, &now_lo));
  in.now = (int64_t)(((uint64_t)now_hi << 32) | now_lo);
  round_trip_once(&in);
  ERR_clear_error();
  return 0;
}
