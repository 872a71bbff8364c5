/* Fuzz target cert_fields: our DER field reader against OpenSSL's d2i_X509.
 *
 * Input: one certificate's DER, nothing else.
 *
 * Oracles, beyond "no crash":
 *  - on any input cert_fields accepts, every slice it returns lies inside the
 *    input (raw is the whole input, tbs/names/CN/SAN nest properly), the SAN
 *    iterator terminates, and the Go-style time string matches gmtime;
 *  - on any input both cert_fields and d2i_X509 accept, they agree on the
 *    version, serial (value and the <= 8-bit "small" reading), issuer and
 *    subject bytes, the last subject CN (tag and bytes), notBefore/notAfter,
 *    the extension count, basicConstraints and the SAN names (tags, and the
 *    bytes of DNS/IP/email/URI names); OpenSSL must also see no duplicate
 *    extension, because cert_fields promises to reject those.
 * Inputs only one side accepts are not mismatches: d2i_X509 takes BER and
 * lax times that a strict DER reader may refuse (see cert_fields.h).
 *
 * cert_fields_fast (FUZZ_FAST) is this target without OpenSSL: only the
 * self-consistency oracles, at the speed of our parser. */
#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cert_mutator.h"
#include "derp/cert_fields.h"
#include "derp/go.h"
#include "fuzz_inputs.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* structure-aware mutation of the certificates (libFuzzer builds) */
CERT_MUTATOR(CERT_LAYOUT_WHOLE)

#ifndef FUZZ_FAST
#define FUZZ_FAST 0
#endif

static bool slice_inside(struct der_slice s, const uint8_t *lo, size_t n) {
  if (s.len == 0) return true;
  return s.ptr >= lo && s.len <= n && (size_t)(s.ptr - lo) <= n - s.len;
}

static void check_self_consistency(const struct cert_fields *f, const uint8_t *data, size_t size) {
  ORACLE_ASSERT(f->raw.ptr == data && f->raw.len == size,
                "cert_fields: raw is not the whole input");
  ORACLE_ASSERT(slice_inside(f->tbs, data, size), "cert_fields: tbs outside the input");
  ORACLE_ASSERT(slice_inside(f->serial, f->tbs.ptr, f->tbs.len), "cert_fields: serial outside tbs");
  ORACLE_ASSERT(slice_inside(f->issuer, f->tbs.ptr, f->tbs.len), "cert_fields: issuer outside tbs");
  ORACLE_ASSERT(slice_inside(f->subject, f->tbs.ptr, f->tbs.len),
                "cert_fields: subject outside tbs");
  ORACLE_ASSERT(f->version >= 1 && f->version <= 3, "cert_fields: version %ld", f->version);
  if (f->has_cn)
    ORACLE_ASSERT(slice_inside(f->cn, f->subject.ptr, f->subject.len),
                  "cert_fields: CN outside subject");
  if (f->has_san)
    ORACLE_ASSERT(slice_inside(f->san, f->tbs.ptr, f->tbs.len), "cert_fields: SAN outside tbs");

  struct cert_san_iter it;
  cert_san_iter_init(f, &it);
  unsigned tag;
  struct der_slice v;
  size_t names = 0;
  while (cert_san_next(&it, &tag, &v)) {
    ORACLE_ASSERT(slice_inside(v, f->san.ptr, f->san.len), "cert_fields: SAN name outside SAN");
    ORACLE_ASSERT(++names <= f->san.len, "cert_fields: SAN iterator does not advance");
  }

  /* Go's time.Time.String() for UTC: zero-padded year, "+0000 UTC". */
  const int64_t times[2] = {f->not_before, f->not_after};
  for (int i = 0; i < 2; i++) {
    char ours[40], want[64];
    time_t t = (time_t)times[i];
    struct tm tm;
    if (!gmtime_r(&t, &tm)) continue;
    snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d +0000 UTC", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    bool ok = go_utc_time_string(times[i], ours, sizeof ours);
    if (!ok || strcmp(ours, want) != 0) {
      oracle_mismatch("go_utc_time_string(%lld)", (long long)times[i]);
      oracle_view("ours: %s", ok ? ours : "(failed)");
      oracle_view("gmtime: %s", want);
      oracle_abort();
    }
  }
}

/* DER INTEGER content (two's complement) as a BIGNUM: unsigned value, minus
 * 2^(8n) when the top bit is set. */
#if !FUZZ_FAST
static BIGNUM *bn_from_twos_complement(struct der_slice s) {
  if (s.len > INT_MAX / 8) return NULL;
  BIGNUM *bn = BN_bin2bn(s.ptr, (int)s.len, NULL);
  if (!bn || s.len == 0 || (s.ptr[0] & 0x80) == 0) return bn;
  BIGNUM *modulus = BN_new();
  if (!modulus || !BN_set_bit(modulus, (int)(8 * s.len)) || !BN_sub(bn, bn, modulus)) {
    BN_free(modulus);
    BN_free(bn);
    return NULL;
  }
  BN_free(modulus);
  return bn;
}

static void compare_serial(const struct cert_fields *f, X509 *x) {
  BIGNUM *theirs = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  BIGNUM *ours = bn_from_twos_complement(f->serial);
  if (!theirs || !ours) goto out; /* allocation failure: not a verdict */
  if (BN_cmp(ours, theirs) != 0) {
    char *a = BN_bn2hex(ours), *b = BN_bn2hex(theirs);
    oracle_mismatch("serial");
    oracle_view("cert_fields: %s", a ? a : "?");
    oracle_view("openssl:     %s", b ? b : "?");
    oracle_abort();
  }
  uint64_t small = 0;
  bool ours_small = cert_serial_small(f, 8, &small);
  bool want_small = !BN_is_negative(theirs) && BN_num_bits(theirs) <= 8;
  if (ours_small != want_small || (want_small && small != BN_get_word(theirs))) {
    oracle_mismatch("cert_serial_small(8)");
    oracle_view("cert_fields: %s value %llu", ours_small ? "small" : "not small",
                (unsigned long long)small);
    oracle_view("openssl: %d bits, negative %d", BN_num_bits(theirs), BN_is_negative(theirs));
    oracle_abort();
  }
out:
  BN_free(theirs);
  BN_free(ours);
}

static void compare_name(const char *what, struct der_slice ours, const X509_NAME *name) {
  const unsigned char *der = NULL;
  size_t der_len = 0;
  if (!X509_NAME_get0_der(name, &der, &der_len)) return;
  if (der_len != ours.len || memcmp(der, ours.ptr, der_len) != 0) {
    oracle_mismatch("%s bytes", what);
    oracle_hex("cert_fields", ours.ptr, ours.len);
    oracle_hex("openssl", der, der_len);
    oracle_abort();
  }
}

static bool is_string_type(int type) {
  switch (type) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_NUMERICSTRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_T61STRING:
    case V_ASN1_VIDEOTEXSTRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_GRAPHICSTRING:
    case V_ASN1_VISIBLESTRING:
    case V_ASN1_GENERALSTRING:
    case V_ASN1_UNIVERSALSTRING:
    case V_ASN1_BMPSTRING: return true;
    default: return false;
  }
}

static void compare_cn(const struct cert_fields *f, X509 *x) {
  const X509_NAME *subject = X509_get_subject_name(x);
  const ASN1_STRING *last = NULL;
  for (int i = 0; i < X509_NAME_entry_count(subject); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
      last = X509_NAME_ENTRY_get_data(e);
  }
  if (!last) {
    if (f->has_cn) {
      oracle_mismatch("subject CN presence");
      oracle_hex("cert_fields CN", f->cn.ptr, f->cn.len);
      oracle_view("openssl: no commonName");
      oracle_abort();
    }
    return;
  }
  /* OpenSSL keeps non-string values as whole TLVs: not comparable here. */
  if (!is_string_type(ASN1_STRING_type(last))) return;
  const uint8_t *v = ASN1_STRING_get0_data(last);
  size_t n = (size_t)ASN1_STRING_length(last);
  if (!f->has_cn || f->cn_tag != ASN1_STRING_type(last) || f->cn.len != n ||
      memcmp(f->cn.ptr, v, n) != 0) {
    oracle_mismatch("subject CN");
    if (f->has_cn) {
      oracle_view("cert_fields tag %u", f->cn_tag);
      oracle_hex("cert_fields", f->cn.ptr, f->cn.len);
    } else {
      oracle_view("cert_fields: no CN");
    }
    oracle_view("openssl tag %d", ASN1_STRING_type(last));
    oracle_hex("openssl", v, n);
    oracle_abort();
  }
}

static void compare_time(const char *what, int64_t ours, const ASN1_TIME *t) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (!ASN1_TIME_to_tm(t, &tm)) {
    oracle_mismatch("%s: cert_fields accepted a time OpenSSL cannot read", what);
    oracle_view("cert_fields: %lld", (long long)ours);
    oracle_hex("openssl raw", ASN1_STRING_get0_data(t), (size_t)ASN1_STRING_length(t));
    oracle_abort();
  }
  int64_t theirs = (int64_t)timegm(&tm);
  if (theirs != ours) {
    oracle_mismatch("%s", what);
    oracle_view("cert_fields: %lld", (long long)ours);
    oracle_view("openssl:     %lld", (long long)theirs);
    oracle_hex("raw", ASN1_STRING_get0_data(t), (size_t)ASN1_STRING_length(t));
    oracle_abort();
  }
}

static void compare_extensions(const struct cert_fields *f, X509 *x) {
  int count = X509_get_ext_count(x);
  if (count < 0 || (unsigned)count != f->extension_count) {
    oracle_mismatch("extension count");
    oracle_view("cert_fields: %u, openssl: %d", f->extension_count, count);
    oracle_abort();
  }
  for (int i = 0; i < count; i++) {
    const ASN1_OBJECT *a = X509_EXTENSION_get_object(X509_get_ext(x, i));
    for (int j = i + 1; j < count; j++) {
      if (OBJ_cmp(a, X509_EXTENSION_get_object(X509_get_ext(x, j))) == 0) {
        char oid[80];
        OBJ_obj2txt(oid, sizeof oid, a, 1);
        oracle_mismatch("duplicate extension accepted");
        oracle_view("openssl sees extension %s at %d and %d; cert_fields promises to reject that",
                    oid, i, j);
        oracle_abort();
      }
    }
  }

  int crit = -1;
  BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
  if (crit == -1 && f->has_basic_constraints) {
    oracle_mismatch("basicConstraints presence");
    oracle_view("cert_fields: present, openssl: absent");
    oracle_abort();
  }
  if (bc) {
    bool ca = bc->ca != 0;
    if (!f->has_basic_constraints || f->basic_constraints_ca != ca ||
        f->basic_constraints_critical != (crit == 1)) {
      oracle_mismatch("basicConstraints");
      oracle_view("cert_fields: present %d cA %d critical %d", f->has_basic_constraints,
                  f->basic_constraints_ca, f->basic_constraints_critical);
      oracle_view("openssl: cA %d critical %d", ca, crit == 1);
      oracle_abort();
    }
    BASIC_CONSTRAINTS_free(bc);
  }
}

static void compare_san(const struct cert_fields *f, X509 *x) {
  int crit = -1;
  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
  if (crit == -1) {
    if (f->has_san) {
      oracle_mismatch("SAN presence");
      oracle_view("cert_fields: present, openssl: absent");
      oracle_abort();
    }
    return;
  }
  if (!gens) return; /* OpenSSL could not decode the names: nothing to compare */
  if (!f->has_san) {
    oracle_mismatch("SAN presence");
    oracle_view("cert_fields: absent, openssl: %d names", sk_GENERAL_NAME_num(gens));
    oracle_abort();
  }
  struct cert_san_iter it;
  cert_san_iter_init(f, &it);
  int n = sk_GENERAL_NAME_num(gens);
  for (int i = 0; i < n; i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    unsigned tag;
    struct der_slice v;
    if (!cert_san_next(&it, &tag, &v)) {
      oracle_mismatch("SAN name %d", i);
      oracle_view("cert_fields: %s after %d names", it.malformed ? "malformed" : "ended", i);
      oracle_view("openssl: %d names, this one of type %d", n, g->type);
      oracle_abort();
    }
    const ASN1_STRING *s = NULL;
    if (g->type == GEN_DNS)
      s = g->d.dNSName;
    else if (g->type == GEN_IPADD)
      s = g->d.iPAddress;
    else if (g->type == GEN_EMAIL)
      s = g->d.rfc822Name;
    else if (g->type == GEN_URI)
      s = g->d.uniformResourceIdentifier;
    bool same = tag == (unsigned)g->type;
    if (same && s)
      same = v.len == (size_t)ASN1_STRING_length(s) &&
             memcmp(v.ptr, ASN1_STRING_get0_data(s), v.len) == 0;
    if (!same) {
      oracle_mismatch("SAN name %d", i);
      oracle_view("cert_fields: tag %u", tag);
      oracle_hex("cert_fields", v.ptr, v.len);
      oracle_view("openssl: type %d", g->type);
      if (s) oracle_hex("openssl", ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
      oracle_abort();
    }
  }
  unsigned tag;
  struct der_slice v;
  if (cert_san_next(&it, &tag, &v)) {
    oracle_mismatch("SAN name count");
    oracle_view("cert_fields: more than %d names (next tag %u)", n, tag);
    oracle_view("openssl: %d names", n);
    oracle_abort();
  }
  GENERAL_NAMES_free(gens);
}

static void compare_with_openssl(const struct cert_fields *f, X509 *x, size_t consumed) {
  if (consumed != f->raw.len) {
    oracle_mismatch("certificate length");
    oracle_view("cert_fields: %zu bytes, openssl consumed %zu", f->raw.len, consumed);
    oracle_abort();
  }
  long version = X509_get_version(x) + 1;
  if (version != f->version) {
    oracle_mismatch("version");
    oracle_view("cert_fields: %ld, openssl: %ld", f->version, version);
    oracle_abort();
  }
  compare_serial(f, x);
  compare_name("issuer", f->issuer, X509_get_issuer_name(x));
  compare_name("subject", f->subject, X509_get_subject_name(x));
  compare_cn(f, x);
  compare_time("notBefore", f->not_before, X509_get0_notBefore(x));
  compare_time("notAfter", f->not_after, X509_get0_notAfter(x));
  compare_extensions(f, x);
  compare_san(f, x);
}

#endif /* !FUZZ_FAST */

static int one_input(const uint8_t *data, size_t size) {
  if (size > CERT_FIELDS_FUZZ_MAX) return -1;
  struct cert_fields f;
  enum cert_fields_status st = cert_fields_parse(data, size, &f);
  ORACLE_ASSERT(cert_fields_status_str(st) != NULL, "cert_fields_status_str(%d) is NULL", (int)st);
  if (st == CERT_FIELDS_OK) check_self_consistency(&f, data, size);
#if !FUZZ_FAST
  /* Only inputs both sides accept are compared: where ours refused, OpenSSL's
   * decode cannot disagree, and it was most of the time spent on mutants. */
  if (st != CERT_FIELDS_OK) return 0;
  const unsigned char *p = data;
  X509 *x = d2i_X509(NULL, &p, (long)size);
  if (x) compare_with_openssl(&f, x, (size_t)(p - data));
  X509_free(x);
#endif
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
