/* Fuzz target pin_verify: the sha256-raw: pin check of the three Tailscale
 * profiles against an independent verdict built on OpenSSL's full parse.
 *
 * Input layout (missing bytes read as zero):
 *   u8    profile    mod 3: current, tailscale-1.82, tailscale-1.84
 *   u8    pin_mode   mod 4: 0 the pin text below; 1 hex SHA-256 of
 *                    certificate k; 2 the same in uppercase; 3 the same with
 *                    its last digit changed
 *   u8    k          which certificate (mod the count) pin modes 1-3 hash
 *   u64be now        Unix seconds, two's complement
 *   u8 n, n bytes    server name (tls.Config.ServerName = HostName)
 *   u8 n, n bytes    pin text (after "sha256-raw:") for pin mode 0
 *   u8    count      mod 5: number of certificates
 *   per certificate: u16be length, DER (the last one takes what is left if
 *   the length overruns)
 *
 * Oracles:
 *  - always: the result is OK exactly when pin_verify returns true; the
 *    message is "" for OK and Go's text for the status otherwise; parse
 *    errors only as crypto/tls's, which parses every certificate before any
 *    profile's hook (so never the hook's "ParseCertificate: "); OK means the certificate at
 *    cert_index hashes (SHA-256 of its bytes, lowercase hex) to the pin and
 *    every other certificate is a metacert (CN "derpkey...") — for 1.82,
 *    that there is exactly one certificate;
 *  - when OpenSSL parses every certificate (d2i_X509 over the whole blob,
 *    X509_digest equal to the SHA-256 of the blob), the verifier reports no
 *    parse error and the server name is one OpenSSL and Go match alike (an
 *    IP literal, or a lowercase LDH name, against tame SANs): the status and
 *    certificate index must be what the profile's algorithm gives when run
 *    on OpenSSL's fields (CN, X509_digest, X509_check_ip / X509_check_host,
 *    X509_cmp_time);
 *  - OpenSSL failing to allocate (openssl_alloc_fail.h, once per process):
 *    pin_hex_of_der with each allocation of a digest failing gives false
 *    and "" or SHA-256's known answer; on the first input accepted, and
 *    on it with its pin one digit off (refused for the pin alone), each
 *    allocation of the pin_verify call failing in turn leaves the verdict
 *    as it was or makes it a refusal, never an accept. */
#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_mutator.h"
#include "derp/go.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"
#include "fuzz_inputs.h"
#include "harness/openssl_alloc_fail.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* structure-aware mutation of the certificates (libFuzzer builds) */
CERT_MUTATOR(CERT_LAYOUT_PIN)

/* pin_verify_fast: without OpenSSL's view (the result's shape and the
 * acceptance checks on the bytes, with Go's model for the CN). */
#ifndef FUZZ_FAST
#define FUZZ_FAST 0
#endif

/* ---- what every result must satisfy ---- */

static const char *expected_prefix(enum pin_verify_status st) {
  switch (st) {
    case PIN_VERIFY_NO_CERTS: return "no certs presented";
    case PIN_VERIFY_MULTIPLE_CERTS: return "unexpected multiple certs presented";
    case PIN_VERIFY_HASH_MISMATCH: return "cert hash does not match expected cert hash";
    case PIN_VERIFY_PARSE_ERROR: return "ParseCertificate: ";
    case PIN_VERIFY_TLS_PARSE_ERROR: return "tls: failed to parse certificate from server: ";
    case PIN_VERIFY_TLS_KEY_ERROR: return "tls: server";
    case PIN_VERIFY_NAME_MISMATCH: return "cert does not match server name ";
    case PIN_VERIFY_EXPIRED: return "cert expired ";
    case PIN_VERIFY_NOT_YET_VALID: return "cert not yet valid until ";
    case PIN_VERIFY_NOT_PRESENTED: return "expected cert not presented";
    default: return NULL;
  }
}

static void check_result_shape(const struct pin_verify_input *in, bool ok,
                               const struct pin_verify_result *r) {
  ORACLE_ASSERT(ok == (r->status == PIN_VERIFY_OK), "return %d with status %s", ok,
                pin_verify_status_name(r->status));
  ORACLE_ASSERT(memchr(r->message, '\0', sizeof r->message) != NULL, "message not NUL-terminated");
  ORACLE_ASSERT(r->status != PIN_VERIFY_BAD_INPUT, "bad-input for a well-formed call: %s",
                r->message);
  if (ok) {
    ORACLE_ASSERT(r->message[0] == '\0', "OK with message \"%s\"", r->message);
    return;
  }
  const char *prefix = expected_prefix(r->status);
  ORACLE_ASSERT(prefix && strncmp(r->message, prefix, strlen(prefix)) == 0,
                "status %s with message \"%s\"", pin_verify_status_name(r->status), r->message);
  if (r->status == PIN_VERIFY_NOT_YET_VALID && !r->message_truncated) {
    const char *tail = "; is your clock correct?";
    size_t m = strlen(r->message), t = strlen(tail);
    ORACLE_ASSERT(m > t && strcmp(r->message + m - t, tail) == 0, "not-yet-valid message \"%s\"",
                  r->message);
  }
  bool is_182 = in->profile == PIN_PROFILE_TAILSCALE_1_82;
  ORACLE_ASSERT(r->status != PIN_VERIFY_NO_CERTS || (is_182 && in->n_certs == 0),
                "no-certs out of place");
  ORACLE_ASSERT(r->status != PIN_VERIFY_NOT_PRESENTED || !is_182, "not-presented from 1.82");
  /* crypto/tls parses every certificate before any profile's hook runs. */
  ORACLE_ASSERT(r->status != PIN_VERIFY_PARSE_ERROR, "hook ParseCertificate error from %s",
                pin_profile_name(in->profile));
  size_t max_index = r->status == PIN_VERIFY_NOT_PRESENTED ? in->n_certs
                     : in->n_certs                         ? in->n_certs - 1
                                                           : 0;
  ORACLE_ASSERT(r->cert_index <= max_index, "cert_index %zu of %zu certificates", r->cert_index,
                in->n_certs);
}

/* ---- OpenSSL's view ---- */
#if !FUZZ_FAST

struct ossl_cert {
  X509 *x;
  bool is_meta;      /* Go's CommonName starts with "derpkey" */
  char hash_hex[65]; /* X509_digest, lowercase hex */
  bool nb_fraction;  /* notBefore carries fractional seconds */
  bool tame_sans;    /* OpenSSL decodes the SANs, every DNS one read alike by both */
};

/* Go's Subject.CommonName, prefix test only: the last CN whose value is a
 * string type Go decodes. "derpkey" is ASCII, so the text conversions Go
 * applies (Latin-1, UCS-2) only matter for BMPString. */
static bool ossl_is_metacert(X509 *x) {
  const X509_NAME *subject = X509_get_subject_name(x);
  const ASN1_STRING *cn = NULL;
  for (int i = 0; i < X509_NAME_entry_count(subject); i++) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != NID_commonName) continue;
    const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
    switch (ASN1_STRING_type(v)) {
      case V_ASN1_PRINTABLESTRING:
      case V_ASN1_UTF8STRING:
      case V_ASN1_IA5STRING:
      case V_ASN1_NUMERICSTRING:
      case V_ASN1_T61STRING:
      case V_ASN1_BMPSTRING: cn = v; break;
      default: break;
    }
  }
  if (!cn) return false;
  const uint8_t *p = ASN1_STRING_get0_data(cn);
  int n = ASN1_STRING_length(cn);
  if (ASN1_STRING_type(cn) != V_ASN1_BMPSTRING) return n >= 7 && memcmp(p, "derpkey", 7) == 0;
  if (n < 14) return false;
  for (int i = 0; i < 7; i++)
    if (p[2 * i] != 0 || p[2 * i + 1] != (uint8_t) "derpkey"[i]) return false;
  return true;
}

static bool tame_label(const char *s, size_t n) {
  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return false;
  if (n >= 4 && memcmp(s, "xn--", 4) == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return false;
  return true;
}

/* Lowercase LDH labels, no empty label, no trailing dot; a wildcard only as
 * a whole first label followed by at least two labels (OpenSSL refuses
 * "*.com" as a wildcard, Go would match it). */
static bool tame_dns(const char *s, size_t n, bool allow_wildcard) {
  if (n == 0 || n > 253) return false;
  size_t labels = 0, start = 0;
  bool wildcard = allow_wildcard && n >= 2 && s[0] == '*' && s[1] == '.';
  if (wildcard) start = 2;
  for (size_t i = start; i <= n; i++) {
    if (i == n || s[i] == '.') {
      if (!tame_label(s + start, i - start)) return false;
      labels++;
      start = i + 1;
    }
  }
  return !wildcard || labels >= 2;
}

static bool tame_sans(X509 *x) {
  int crit = -1;
  GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
  /* present but undecodable for OpenSSL (an entry of a tag it does not
     know, which Go skips): OpenSSL sees no SANs, Go sees the others */
  if (gens == NULL && crit >= 0) return false;
  bool tame = true;
  for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && tame; i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
    if (g->type == GEN_DNS)
      tame = tame_dns((const char *)ASN1_STRING_get0_data(g->d.dNSName),
                      (size_t)ASN1_STRING_length(g->d.dNSName), true);
  }
  GENERAL_NAMES_free(gens);
  return tame;
}

static bool has_fraction(const ASN1_TIME *t) {
  return memchr(ASN1_STRING_get0_data(t), '.', (size_t)ASN1_STRING_length(t)) != NULL;
}

/* False when OpenSSL's view does not cover these bytes exactly. */
static bool ossl_load(const struct der_slice *c, struct ossl_cert *out) {
  memset(out, 0, sizeof *out);
  const unsigned char *p = c->ptr;
  if (c->len == 0) return false;
  out->x = d2i_X509(NULL, &p, (long)c->len);
  if (!out->x || (size_t)(p - c->ptr) != c->len) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!X509_digest(out->x, EVP_sha256(), md, &len) || len != 32) return false;
  derp_hex_lower(md, len, out->hash_hex);
  char raw[PIN_HEX_LEN + 1];
  (void)pin_hex_of_der(c->ptr, c->len, raw);
  if (strcmp(raw, out->hash_hex) != 0) return false; /* OpenSSL re-encoded something */
  /* Go reads extensions only from v3 certificates, OpenSSL from any: a v1/v2
   * cert carrying a SAN has no SANs for Go, which this oracle does not model. */
  if (X509_get_version(out->x) != X509_VERSION_3 && X509_get_ext_count(out->x) > 0) return false;
  out->is_meta = ossl_is_metacert(out->x);
  out->nb_fraction = has_fraction(X509_get0_notBefore(out->x));
  out->tame_sans = tame_sans(out->x);
  return true;
}

enum name_kind { NAME_NONE, NAME_IP, NAME_DNS, NAME_UNMODELLED };

struct name_plan {
  enum name_kind kind;
  uint8_t ip[16];
  size_t ip_len;
};

/* The name each profile checks, in terms both matchers agree on. */
static struct name_plan plan_name(const char *server_name, enum pin_profile profile) {
  struct name_plan p = {NAME_UNMODELLED, {0}, 0};
  size_t n = strlen(server_name);
  if (n == 0) {
    /* current: no SNI, no check; 1.82/1.84 checked "" in a way not modelled here */
    p.kind = profile == PIN_PROFILE_CURRENT ? NAME_NONE : NAME_UNMODELLED;
    return p;
  }
  uint8_t go_ip[16];
  bool go_says_ip = go_parse_ip(server_name, n, go_ip);
  if (inet_pton(AF_INET, server_name, p.ip) == 1) {
    p.ip_len = 4;
  } else if (inet_pton(AF_INET6, server_name, p.ip) == 1) {
    p.ip_len = 16;
  } else {
    p.kind = !go_says_ip && tame_dns(server_name, n, false) ? NAME_DNS : NAME_UNMODELLED;
    return p;
  }
  /* Both parsers must call it an IP literal, or the comparison is moot. */
  if (!go_says_ip) return p;
  /* An IP literal sends no SNI: current checks nothing, 1.82/1.84 the IP SANs. */
  p.kind = profile == PIN_PROFILE_CURRENT ? NAME_NONE : NAME_IP;
  return p;
}

/* Go's net.IP.Equal: IPv4 and its IPv4-mapped IPv6 form are the same. */
static bool ossl_ip_matches(X509 *x, const struct name_plan *p) {
  static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (X509_check_ip(x, p->ip, p->ip_len, 0) == 1) return true;
  uint8_t other[16];
  if (p->ip_len == 4) {
    memcpy(other, mapped_prefix, 12);
    memcpy(other + 12, p->ip, 4);
    return X509_check_ip(x, other, 16, 0) == 1;
  }
  if (memcmp(p->ip, mapped_prefix, 12) == 0) return X509_check_ip(x, p->ip + 12, 4, 0) == 1;
  return false;
}

struct expect {
  bool modelled;
  enum pin_verify_status status;
  size_t index;
};

/* Name, expiry, not-yet-valid, in Go's order; true when all pass. */
static bool ossl_name_and_time(const struct ossl_cert *c, const struct name_plan *name,
                               const char *server_name, int64_t now, size_t i, struct expect *e) {
  if (name->kind == NAME_IP || name->kind == NAME_DNS) {
    if (!c->tame_sans) {
      e->modelled = false;
      return false;
    }
    bool match = name->kind == NAME_IP ? ossl_ip_matches(c->x, name)
                                       : X509_check_host(c->x, server_name, 0,
                                                         X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                                             X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                                                         NULL) == 1;
    if (!match) {
      *e = (struct expect){true, PIN_VERIFY_NAME_MISMATCH, i};
      return false;
    }
  }
  time_t before_now = (time_t)(now - 1), at_now = (time_t)now;
  int after_cmp = X509_cmp_time(X509_get0_notAfter(c->x), &before_now);
  /* A notBefore with a fraction is later than its whole second. */
  int before_cmp = X509_cmp_time(X509_get0_notBefore(c->x), c->nb_fraction ? &before_now : &at_now);
  if (after_cmp == 0 || before_cmp == 0) {
    e->modelled = false;
    return false;
  }
  if (after_cmp < 0) { /* notAfter <= now-1: now is after it */
    *e = (struct expect){true, PIN_VERIFY_EXPIRED, i};
    return false;
  }
  if (before_cmp > 0) {
    *e = (struct expect){true, PIN_VERIFY_NOT_YET_VALID, i};
    return false;
  }
  return true;
}

static struct expect ossl_expect(const struct pin_verify_input *in, const struct ossl_cert *c) {
  struct expect e = {true, PIN_VERIFY_OK, 0};
  struct name_plan name = plan_name(in->server_name, in->profile);
  if (name.kind == NAME_UNMODELLED) return (struct expect){false, PIN_VERIFY_OK, 0};
  size_t n = in->n_certs;
  if (in->profile == PIN_PROFILE_TAILSCALE_1_82) {
    if (n == 0) return (struct expect){true, PIN_VERIFY_NO_CERTS, 0};
    if (n > 1) return (struct expect){true, PIN_VERIFY_MULTIPLE_CERTS, 1};
    if (strcmp(c[0].hash_hex, in->pin_hex) != 0)
      return (struct expect){true, PIN_VERIFY_HASH_MISMATCH, 0};
    ossl_name_and_time(&c[0], &name, in->server_name, in->now, 0, &e);
    return e;
  }
  size_t good = n;
  for (size_t i = 0; i < n; i++) {
    if (c[i].is_meta) continue;
    if (good != n) return (struct expect){true, PIN_VERIFY_MULTIPLE_CERTS, i};
    if (strcmp(c[i].hash_hex, in->pin_hex) != 0)
      return (struct expect){true, PIN_VERIFY_HASH_MISMATCH, i};
    if (!ossl_name_and_time(&c[i], &name, in->server_name, in->now, i, &e)) return e;
    good = i;
  }
  if (good == n) return (struct expect){true, PIN_VERIFY_NOT_PRESENTED, n};
  return (struct expect){true, PIN_VERIFY_OK, good};
}

/* Returns whether the verdicts were compared (the input was modelled). */
static bool check_against_openssl(const struct pin_verify_input *in,
                                  const struct pin_verify_result *r) {
  /* Keys are Go's business (OpenSSL takes e.g. keys crypto/tls refuses). */
  if (r->status == PIN_VERIFY_PARSE_ERROR || r->status == PIN_VERIFY_TLS_PARSE_ERROR ||
      r->status == PIN_VERIFY_TLS_KEY_ERROR)
    return false;
  struct ossl_cert c[PIN_FUZZ_MAX_CERTS];
  size_t loaded = 0;
  bool all = true, compared = false;
  for (; loaded < in->n_certs && all; loaded++) all = ossl_load(&in->certs[loaded], &c[loaded]);
  if (all) {
    struct expect e = ossl_expect(in, c);
    compared = e.modelled;
    if (e.modelled && (e.status != r->status || e.index != r->cert_index)) {
      oracle_mismatch("pin_verify (%s) disagrees with OpenSSL's view",
                      pin_profile_name(in->profile));
      oracle_view("pin_verify: %s at %zu: %s", pin_verify_status_name(r->status), r->cert_index,
                  r->message);
      oracle_view("openssl:    %s at %zu", pin_verify_status_name(e.status), e.index);
      oracle_view("server name \"%s\", pin \"%s\", now %lld, %zu certificates", in->server_name,
                  in->pin_hex, (long long)in->now, in->n_certs);
      for (size_t i = 0; i < in->n_certs; i++)
        oracle_view("  [%zu] sha256 %s metacert %d", i, c[i].hash_hex, c[i].is_meta);
      oracle_abort();
    }
  }
  for (size_t i = 0; i < loaded; i++) X509_free(c[i].x);
  return compared;
}

#endif /* !FUZZ_FAST */

/* Accepting means: the pinned certificate hashes to the pin, the others are
 * metacerts (1.84/current) or absent (1.82). Checked on the bytes, with
 * OpenSSL for the CN when it can read the certificate, else Go's model. */
static void check_acceptance(const struct pin_verify_input *in, const struct pin_verify_result *r) {
  ORACLE_ASSERT(r->cert_index < in->n_certs, "accepted without a certificate");
  char hex[PIN_HEX_LEN + 1];
  const struct der_slice *pinned = &in->certs[r->cert_index];
  (void)pin_hex_of_der(pinned->ptr, pinned->len, hex);
  ORACLE_ASSERT(strcmp(hex, in->pin_hex) == 0, "accepted certificate %zu hashes to %s, pin %s",
                r->cert_index, hex, in->pin_hex);
  if (in->profile == PIN_PROFILE_TAILSCALE_1_82) {
    ORACLE_ASSERT(in->n_certs == 1, "1.82 accepted %zu certificates", in->n_certs);
    return;
  }
  for (size_t i = 0; i < in->n_certs; i++) {
    if (i == r->cert_index) continue;
    bool meta;
#if !FUZZ_FAST
    const unsigned char *p = in->certs[i].ptr;
    X509 *x = in->certs[i].len ? d2i_X509(NULL, &p, (long)in->certs[i].len) : NULL;
    if (x && (size_t)(p - in->certs[i].ptr) == in->certs[i].len) {
      meta = ossl_is_metacert(x);
    } else
#endif
    {
      struct cert_fields f;
      char cn[128];
      meta = go_parse_certificate(in->certs[i].ptr, in->certs[i].len, &f) == NULL &&
             go_common_name(&f, cn, sizeof cn) >= 7 && memcmp(cn, "derpkey", 7) == 0;
    }
#if !FUZZ_FAST
    X509_free(x);
#endif
    ORACLE_ASSERT(meta,
                  "accepted with certificate %zu, which is not a metacert, beside the pinned %zu",
                  i, r->cert_index);
  }
}

/* ---- OpenSSL failing to allocate (openssl_alloc_fail.h) ---- */

/* pin_hex_of_der with each allocation of a digest failing in turn: false
 * with the empty string, or true with SHA-256's own answer (FIPS 180-2's
 * "abc"); never another text. Once, at start-up: it takes no input. */
static void check_pin_hex_alloc_failures(void) {
  static const uint8_t abc[3] = {'a', 'b', 'c'};
  static const char want[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  char hex[PIN_HEX_LEN + 1];
  ORACLE_ASSERT(pin_hex_of_der(abc, sizeof abc, hex) && strcmp(hex, want) == 0,
                "SHA-256 of \"abc\" read as %s", hex);
  unsigned long before = openssl_alloc_count;
  (void)pin_hex_of_der(abc, sizeof abc, hex);
  unsigned long total = openssl_alloc_count - before;
  for (unsigned long n = 0; n < total; n++) {
    memset(hex, 'x', sizeof hex);
    openssl_alloc_fail_at(n);
    bool ok = pin_hex_of_der(abc, sizeof abc, hex);
    bool failed = openssl_alloc_disarm();
    ERR_clear_error();
    ORACLE_ASSERT(ok ? strcmp(hex, want) == 0 : failed && hex[0] == '\0',
                  "pin_hex_of_der with allocation %lu of %lu failing: %s, \"%.*s\"", n, total,
                  ok ? "true" : "false", PIN_HEX_LEN, hex);
  }
}

/* pin_verify on in (whose verdict without the hook is ok0, r0) with each
 * of the call's allocations (the digests, and the EC point check of
 * crypto/tls's key parse) failing in turn. Failing closed: with none
 * failing, the verdict without the hook; with one failing, that verdict or
 * a refusal (a digest that fails is a certificate that does not match, a
 * key that cannot be checked a parse error), never an accept where there
 * was a refusal, and an accept still names a certificate hashing to the
 * pin with only metacerts beside it (check_acceptance). Every result has
 * Go's shape. */
static void sweep_alloc_failures(const struct pin_verify_input *in, bool ok0,
                                 const struct pin_verify_result *r0) {
  struct pin_verify_result r;
  unsigned long before = openssl_alloc_count;
  bool again = pin_verify(in, &r);
  unsigned long total = openssl_alloc_count - before;
  ORACLE_ASSERT(again == ok0 && r.status == r0->status && r.cert_index == r0->cert_index,
                "pin_verify twice on one input: %s at %zu, then %s at %zu",
                pin_verify_status_name(r0->status), r0->cert_index,
                pin_verify_status_name(r.status), r.cert_index);
  for (unsigned long n = 0; n < total; n++) {
    openssl_alloc_fail_at(n);
    bool ok = pin_verify(in, &r);
    bool failed = openssl_alloc_disarm();
    ERR_clear_error();
    check_result_shape(in, ok, &r);
    bool same = ok == ok0 && r.status == r0->status && r.cert_index == r0->cert_index;
    ORACLE_ASSERT(same || (failed && !ok),
                  "allocation %lu of %lu %s: %s at %zu, without the hook %s at %zu", n, total,
                  failed ? "failing" : "not reached", pin_verify_status_name(r.status),
                  r.cert_index, pin_verify_status_name(r0->status), r0->cert_index);
    if (ok) check_acceptance(in, &r);
  }
}

/* Once per process, on the first input accepted: the sweep on it, and on
 * it with the pin's last digit changed, which nothing else refuses (so
 * a digest failing open would accept it). */
static void check_verify_alloc_failures(const struct pin_verify_input *in,
                                        const struct pin_verify_result *r0) {
  static bool once;
  if (once || !openssl_alloc_hooked) return;
  once = true;
  sweep_alloc_failures(in, true, r0);
  char wrong[PIN_HEX_LEN + 1];
  snprintf(wrong, sizeof wrong, "%s", in->pin_hex);
  wrong[PIN_HEX_LEN - 1] = wrong[PIN_HEX_LEN - 1] == '0' ? '1' : '0';
  struct pin_verify_input w = *in;
  w.pin_hex = wrong;
  struct pin_verify_result rw;
  bool ok = pin_verify(&w, &rw);
  ORACLE_ASSERT(
      !ok && (rw.status == PIN_VERIFY_HASH_MISMATCH || rw.status == PIN_VERIFY_NOT_PRESENTED),
      "accepted with pin %s, refused with %s: %s", in->pin_hex, wrong,
      pin_verify_status_name(rw.status));
  sweep_alloc_failures(&w, false, &rw);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (openssl_alloc_hook("pin_verify")) check_pin_hex_alloc_failures();
  return 0;
}

static int one_input(const uint8_t *data, size_t size) {
  struct pin_fuzz_input fin;
  if (!pin_fuzz_decode(data, size, &fin)) return -1;
  const struct pin_verify_input in = fin.call;
  const size_t n = in.n_certs;
  const char *server_name = fin.server_name;
  struct pin_verify_result res;
  bool ok = pin_verify(&in, &res);
  check_result_shape(&in, ok, &res);
  /* the names a report prints: every status has one, a profile's round-trips */
  ORACLE_ASSERT(pin_verify_status_name(res.status) != NULL, "status %d has no name",
                (int)res.status);
  enum pin_profile back;
  ORACLE_ASSERT(pin_profile_from_name(pin_profile_name(in.profile), &back) && back == in.profile,
                "profile %d does not round-trip through its name", (int)in.profile);
  if (ok) {
    check_acceptance(&in, &res);
    check_verify_alloc_failures(&in, &res);
  }
#if FUZZ_FAST
  bool compared = false;
#else
  bool compared = check_against_openssl(&in, &res);
#endif
  /* Seed authoring aid: DERP_FUZZ_VERBOSE=1 prints each verdict. */
  static int verbose = -1;
  if (verbose < 0) verbose = getenv("DERP_FUZZ_VERBOSE") != NULL;
  if (verbose)
    fprintf(stderr, "pin_verify: %s, %zu certs, name \"%s\": %s at %zu%s %s\n",
            pin_profile_name(in.profile), n, server_name, pin_verify_status_name(res.status),
            res.cert_index, compared ? " (= openssl)" : "", res.message);
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
