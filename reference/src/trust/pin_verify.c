/* The three historic SetConfigExpectedCertHash algorithms (spec §4.2). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "derp/cert_fields.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/pin_verify.h"

#define METACERT_CN_PREFIX "derpkey"
#define PARSED_KEEP 8

static const struct {
  enum pin_profile profile;
  const char *name;
} profile_names[] = {
    {PIN_PROFILE_CURRENT, "current"},
    {PIN_PROFILE_TAILSCALE_1_82, "tailscale-1.82"},
    {PIN_PROFILE_TAILSCALE_1_84, "tailscale-1.84"},
};

bool pin_profile_from_name(const char *name, enum pin_profile *out) {
  GUARD(name != NULL);
  for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++) {
    if (strcmp(name, profile_names[i].name) == 0) {
      *out = profile_names[i].profile;
      return true;
    }
  }
  return false;
}

const char *pin_profile_name(enum pin_profile p) {
  for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++)
    if (profile_names[i].profile == p) return profile_names[i].name;
  return "unknown";
}

const char *pin_verify_status_name(enum pin_verify_status st) {
  switch (st) {
    case PIN_VERIFY_OK: return "ok";
    case PIN_VERIFY_NO_CERTS: return "no-certs";
    case PIN_VERIFY_MULTIPLE_CERTS: return "multiple-certs";
    case PIN_VERIFY_HASH_MISMATCH: return "hash-mismatch";
    case PIN_VERIFY_PARSE_ERROR: return "parse-error";
    case PIN_VERIFY_TLS_PARSE_ERROR: return "tls-parse-error";
    case PIN_VERIFY_NAME_MISMATCH: return "name-mismatch";
    case PIN_VERIFY_EXPIRED: return "expired";
    case PIN_VERIFY_NOT_YET_VALID: return "not-yet-valid";
    case PIN_VERIFY_NOT_PRESENTED: return "not-presented";
    case PIN_VERIFY_BAD_INPUT: return "bad-input";
    case PIN_VERIFY_TLS_KEY_ERROR: return "tls-key-error";
  }
  return "unknown";
}

/* Sets the verdict; the message is Go's text, cut (and flagged) if long. */
__attribute__((format(printf, 4, 5))) static bool verdict(struct pin_verify_result *out,
                                                          enum pin_verify_status st, size_t index,
                                                          const char *fmt, ...) {
  out->status = st;
  out->cert_index = index;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out->message, sizeof out->message, fmt, ap);
  va_end(ap);
  out->message_truncated = n < 0 || (size_t)n >= sizeof out->message;
  return st == PIN_VERIFY_OK;
}

/* pin_hex_of_der(cert) == want, as Go's string comparison. */
static bool hash_matches(struct der_slice cert, const char *want) {
  char got[PIN_HEX_LEN + 1];
  GUARD(pin_hex_of_der(cert.ptr, cert.len, got));
  return strcmp(got, want) == 0;
}

static bool is_metacert(const struct cert_fields *f) {
  char cn[sizeof METACERT_CN_PREFIX];
  size_t len = go_common_name(f, cn, sizeof cn);
  return len >= strlen(METACERT_CN_PREFIX) &&
         memcmp(cn, METACERT_CN_PREFIX, strlen(METACERT_CN_PREFIX)) == 0;
}

/* Steps 5-7 of every profile: name (when `name` is non-NULL), then
 * expiry, then not-yet-valid. */
static bool check_name_and_time(const struct pin_verify_input *in, const struct cert_fields *f,
                                size_t index, const char *name, struct pin_verify_result *out) {
  if (name != NULL) {
    char why[PIN_VERIFY_MESSAGE_MAX], quoted[PIN_VERIFY_MESSAGE_MAX];
    if (!go_verify_hostname(f, name, why, sizeof why)) {
      go_quote(name, quoted, sizeof quoted);
      return verdict(out, PIN_VERIFY_NAME_MISMATCH, index, "cert does not match server name %s: %s",
                     quoted, why);
    }
  }
  struct go_time not_before, not_after;
  char when[64];
  /* go_parse_certificate accepted both texts, so this cannot fail; the
   * verdict keeps "false means a status other than OK" true regardless. */
  if (!go_time_parse(f->not_before_tag, f->not_before_text, &not_before) ||
      !go_time_parse(f->not_after_tag, f->not_after_text, &not_after))
    return verdict(out, PIN_VERIFY_BAD_INPUT, index, "validity unreadable after parsing");
  /* Whole seconds on both sides (go_time_parse refuses fractions, as Go
   * does): now.After(t) is now > t, now.Before(t) is now < t. */
  if (in->now > not_after.unix_seconds) {
    go_time_string(&not_after, when, sizeof when);
    return verdict(out, PIN_VERIFY_EXPIRED, index, "cert expired %s", when);
  }
  if (in->now < not_before.unix_seconds) {
    go_time_string(&not_before, when, sizeof when);
    return verdict(out, PIN_VERIFY_NOT_YET_VALID, index,
                   "cert not yet valid until %s; is your clock correct?", when);
  }
  return true;
}

static const char *pin_of(const struct pin_verify_input *in) {
  return in->pin_hex != NULL ? in->pin_hex : "";
}

static const char *name_of(const struct pin_verify_input *in) {
  return in->server_name != NULL ? in->server_name : "";
}

#define TLS_PARSE_PREFIX "tls: failed to parse certificate from server: "
/* crypto/tls's defaultMaxRSAKeySize (GODEBUG tlsmaxrsasize unset). */
#define TLS_MAX_RSA_BITS 8192

/* Go's crypto/tls parses every certificate (x509.ParseCertificate) before
 * it calls any verification hook, in every release: a certificate Go cannot
 * parse fails the handshake with crypto/tls's error whatever the hook
 * would have said. `parsed` keeps the first fields for the caller. */
static bool tls_parse_all(const struct pin_verify_input *in, struct cert_fields *parsed,
                          size_t keep, struct pin_verify_result *out) {
  struct cert_fields f;
  struct go_public_key key, leaf_key = {GO_KEY_UNKNOWN, 0};
  for (size_t i = 0; i < in->n_certs; i++) {
    const char *err = go_parse_certificate_key(in->certs[i].ptr, in->certs[i].len,
                                               i < keep ? &parsed[i] : &f, &key);
    if (err != NULL) return verdict(out, PIN_VERIFY_TLS_PARSE_ERROR, i, TLS_PARSE_PREFIX "%s", err);
    /* checkKeySize, inside the parse loop: before the next certificate. */
    if (key.type == GO_KEY_RSA && key.rsa_bits > TLS_MAX_RSA_BITS)
      return verdict(out, PIN_VERIFY_TLS_KEY_ERROR, i,
                     "tls: server sent certificate containing RSA key larger than %d bits",
                     TLS_MAX_RSA_BITS);
    if (i == 0) leaf_key = key;
  }
  /* After the loop (and the chain verification a pinning config skips):
   * the leaf's key must be one TLS can use. */
  if (in->n_certs > 0 && leaf_key.type != GO_KEY_RSA && leaf_key.type != GO_KEY_ECDSA &&
      leaf_key.type != GO_KEY_ED25519)
    return verdict(out, PIN_VERIFY_TLS_KEY_ERROR, 0,
                   "tls: server's certificate contains an unsupported type of public key: %s",
                   go_key_type_name(leaf_key.type));
  return true;
}

/* (a) v1.82: exactly one certificate, hashed before the hook parses it. */
static bool verify_1_82(const struct pin_verify_input *in, struct pin_verify_result *out) {
  struct cert_fields f;
  if (!tls_parse_all(in, &f, 1, out)) return false;
  if (in->n_certs == 0) return verdict(out, PIN_VERIFY_NO_CERTS, 0, "no certs presented");
  if (in->n_certs > 1)
    return verdict(out, PIN_VERIFY_MULTIPLE_CERTS, 1, "unexpected multiple certs presented");
  if (!hash_matches(in->certs[0], pin_of(in)))
    return verdict(out, PIN_VERIFY_HASH_MISMATCH, 0, "cert hash does not match expected cert hash");
  /* The hook's own ParseCertificate cannot fail on what crypto/tls parsed. */
  if (!check_name_and_time(in, &f, 0, name_of(in), out)) return false;
  return verdict(out, PIN_VERIFY_OK, 0, "%s", "");
}

/* (b) v1.84 and (c) current: metacerts skipped, one other cert allowed.
 * `name` NULL skips the name check (current, no SNI). */
static bool verify_skipping_metacerts(const struct pin_verify_input *in, const char *name,
                                      struct pin_verify_result *out) {
  /* Fields of the first certificates, kept from the up-front parse so a
   * usual [leaf, metacert] chain is parsed once. */
  struct cert_fields parsed[PARSED_KEEP];
  struct cert_fields f;
  if (!tls_parse_all(in, parsed, PARSED_KEEP, out)) return false;
  size_t good = in->n_certs;
  for (size_t i = 0; i < in->n_certs; i++) {
    if (i < PARSED_KEEP) {
      f = parsed[i];
    } else if (go_parse_certificate(in->certs[i].ptr, in->certs[i].len, &f) != NULL) {
      return verdict(out, PIN_VERIFY_BAD_INPUT, i, "certificate %zu no longer parses", i);
    }
    if (is_metacert(&f)) continue;
    if (good != in->n_certs)
      return verdict(out, PIN_VERIFY_MULTIPLE_CERTS, i, "unexpected multiple certs presented");
    if (!hash_matches(in->certs[i], pin_of(in)))
      return verdict(out, PIN_VERIFY_HASH_MISMATCH, i,
                     "cert hash does not match expected cert hash");
    if (!check_name_and_time(in, &f, i, name, out)) return false;
    good = i;
  }
  if (good == in->n_certs)
    return verdict(out, PIN_VERIFY_NOT_PRESENTED, in->n_certs, "expected cert not presented");
  return verdict(out, PIN_VERIFY_OK, good, "%s", "");
}

bool pin_verify(const struct pin_verify_input *in, struct pin_verify_result *out) {
  memset(out, 0, sizeof *out);
  if (in->certs == NULL && in->n_certs != 0)
    return verdict(out, PIN_VERIFY_BAD_INPUT, 0, "certificate list is NULL");
  for (size_t i = 0; i < in->n_certs; i++)
    if (in->certs[i].ptr == NULL && in->certs[i].len != 0)
      return verdict(out, PIN_VERIFY_BAD_INPUT, i, "certificate bytes are NULL");
  switch (in->profile) {
    case PIN_PROFILE_TAILSCALE_1_82: return verify_1_82(in, out);
    case PIN_PROFILE_TAILSCALE_1_84: return verify_skipping_metacerts(in, name_of(in), out);
    case PIN_PROFILE_CURRENT: {
      /* ConnectionState.ServerName: empty for IP literals (no SNI sent). */
      char sni[PIN_VERIFY_MESSAGE_MAX];
      go_hostname_in_sni(name_of(in), sni, sizeof sni);
      return verify_skipping_metacerts(in, sni[0] != '\0' ? sni : NULL, out);
    }
  }
  return verdict(out, PIN_VERIFY_BAD_INPUT, 0, "unknown pin profile");
}
