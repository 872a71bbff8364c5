/* probe_report Diagnosis: what a failed check means, in plain words.
 *
 * Rules are matched on the error text (the exact upstream texts, so the
 * rules also apply to errors the probe did not produce itself) and refined
 * with what was observed: the presented certificates, the pin, the profile
 * and the relay's snippet. First matching rule wins. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "derp/cert_fields.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/pin_verify.h"
#include "derp/probe_report.h"

#define PIN_PREFIX "sha256-raw:"

__attribute__((format(printf, 3, 4))) static bool say(char *out, size_t cap, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(out, cap, f, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < cap;
}

static bool has(const char *s, const char *needle) { return s && strstr(s, needle) != NULL; }
static const char *or_empty(const char *s) { return s ? s : ""; }

static bool is_ip_literal(const char *host) {
  uint8_t ip[16];
  const char *h = or_empty(host);
  size_t len = strlen(h);
  if (len >= 2 && h[0] == '[' && h[len - 1] == ']') h++, len -= 2;
  return go_parse_ip(h, len, ip);
}

static const char *pin_of(const struct probe_facts *f) {
  const char *c = or_empty(f->cert_name);
  return strncmp(c, PIN_PREFIX, sizeof PIN_PREFIX - 1) == 0 ? c + sizeof PIN_PREFIX - 1 : NULL;
}

/* The pin with surrounding whitespace dropped and letters lowered, to tell
 * "right hash, wrong spelling" from "another certificate". */
static void normalise_pin(const char *pin, char *out, size_t cap) {
  while (*pin && isspace((unsigned char)*pin)) pin++;
  size_t n = 0;
  for (; *pin && n + 1 < cap; pin++) out[n++] = (char)tolower((unsigned char)*pin);
  while (n > 0 && isspace((unsigned char)out[n - 1])) n--;
  out[n] = '\0';
}

static void cert_files(const struct probe_facts *f, char *out, size_t cap) {
  const char *stem = f->cert_file_stem && f->cert_file_stem[0] ? f->cert_file_stem : "<name>";
  snprintf(out, cap, "<certdir>/%s.crt/.key", stem);
}

static bool multiple_certs(const struct probe_facts *f, char *out, size_t cap) {
  size_t others = f->certs_presented >= f->metacerts_presented
                      ? f->certs_presented - f->metacerts_presented
                      : 0;
  if (f->certs_presented >= 2 && f->metacerts_presented >= 1 && others == 1)
    return say(out, cap,
               "server presented %zu certificates (leaf + metacert); clients 1.82.x reject this — "
               "upgrade clients or run the relay with --metacert=off",
               f->certs_presented);
  if (others >= 2)
    return say(
        out, cap,
        "server presented %zu certificates (%zu besides metacerts: leaf + intermediate); a "
        "sha256-raw pin accepts exactly one non-metacert certificate in every client version — "
        "serve the leaf alone or use a CA-issued certificate and a DNS CertName",
        f->certs_presented, others);
  return say(out, cap,
             "server presented more than one certificate; clients 1.82.x accept exactly one when "
             "pinning — upgrade clients or run the relay with --metacert=off");
}

static bool hash_mismatch(const struct probe_facts *f, char *out, size_t cap) {
  const char *pin = or_empty(pin_of(f));
  const char *leaf = f->leaf_sha256;
  const char *snippet = f->snippet_sha256;
  char norm[256];
  normalise_pin(pin, norm, sizeof norm);
  const char *want = snippet ? snippet : leaf;
  if (want && strcmp(norm, want) == 0 && strcmp(pin, want) != 0) {
    bool spaces = strlen(pin) != strlen(want);
    return say(out, cap,
               "the pinned hash is right but spelled %s; clients compare exact lowercase hex — use "
               "\"CertName\": \"sha256-raw:%s\"",
               spaces ? "with extra whitespace" : "in uppercase", want);
  }
  if (snippet && leaf && strcmp(snippet, leaf) != 0)
    return say(out, cap,
               "pinned hash matches no presented certificate; the relay's snippet says %s but the "
               "server presented %s (another relay, or a regenerated certificate?)",
               snippet, leaf);
  if (snippet)
    return say(out, cap,
               "pinned hash matches no presented certificate; the relay's snippet says %s — put "
               "\"CertName\": \"sha256-raw:%s\" in the DERPMap",
               snippet, snippet);
  if (leaf)
    return say(out, cap,
               "pinned hash matches no presented certificate; the relay presented a certificate "
               "with hash %s (the relay's snippet line says sha256-raw:<hash>) — if that is your "
               "relay, set \"CertName\": \"sha256-raw:%s\"",
               leaf, leaf);
  return say(out, cap,
             "pinned hash matches no presented certificate; compare it with the snippet the relay "
             "logged at start-up");
}

static bool expired(const struct probe_facts *f, char *out, size_t cap) {
  char when[64] = "";
  if (f->has_leaf_validity) go_utc_time_string(f->leaf_not_after, when, sizeof when);
  char files[320];
  cert_files(f, files, sizeof files);
  if (pin_of(f) != NULL || f->leaf_self_signed)
    return say(out, cap,
               "certificate expired%s%s; delete %s and restart the relay to regenerate (then "
               "update CertName from the new snippet)",
               when[0] ? " on " : "", when, files);
  return say(out, cap, "certificate expired%s%s; renew it and restart the relay",
             when[0] ? " on " : "", when);
}

static bool not_yet_valid(const struct probe_facts *f, char *out, size_t cap) {
  char when[64] = "";
  if (f->has_leaf_validity) go_utc_time_string(f->leaf_not_before, when, sizeof when);
  return say(out, cap,
             "certificate is not valid before %s; the clock of this machine or of the relay is "
             "wrong",
             when[0] ? when : "its notBefore time");
}

static bool name_mismatch(const struct probe_facts *f, char *out, size_t cap) {
  const char *host = or_empty(f->host_name);
  if (is_ip_literal(host))
    return say(
        out, cap,
        "the pinned certificate does not name HostName \"%s\" in its IP SANs; clients 1.84.x "
        "check it (later clients skip the check for IP literals) — run the relay with "
        "--hostname %s or set HostName to the address its certificate names",
        host, host);
  return say(out, cap,
             "the pinned certificate has no DNS SAN matching HostName \"%s\" (the CN is ignored) — "
             "add one, or use the relay's IP address as HostName",
             host);
}

static bool unknown_authority(const struct probe_facts *f, char *out, size_t cap) {
  const char *cert_name = or_empty(f->cert_name);
  if (cert_name[0] == '\0' && f->leaf_self_signed)
    return say(out, cap,
               "the relay's certificate is self-signed but the node has no CertName, so it is "
               "checked against CA roots; pin it with \"CertName\": \"sha256-raw:%s\"",
               f->leaf_sha256 ? f->leaf_sha256 : "<hash from the relay's snippet>");
  if (cert_name[0] != '\0' && pin_of(f) == NULL)
    return say(out, cap,
               "the certificate does not chain to a trusted root for \"%s\"; give the issuing CA "
               "with --ca-file (clients need it in their system roots)",
               cert_name);
  return say(
      out, cap,
      "the certificate does not chain to a trusted root; use a CA-issued certificate, or pin "
      "a self-signed one with \"CertName\": \"sha256-raw:<hash>\"");
}

static bool dial_failure(const struct probe_facts *f, char *out, size_t cap) {
  const char *addr = or_empty(f->addr);
  if (has(f->error, "connection refused"))
    return say(out, cap, "nothing is listening on %s: is the relay running, and is DERPPort right?",
               addr);
  if (has(f->error, "i/o timeout"))
    return say(out, cap, "no answer from %s before the deadline: a firewall may drop the packets",
               addr);
  if (has(f->error, "no such host") || has(f->error, "lookup "))
    return say(out, cap, "HostName \"%s\" does not resolve; set IPv4/IPv6 in the node or fix DNS",
               or_empty(f->host_name));
  if (has(f->error, "network is unreachable") || has(f->error, "cannot assign requested address"))
    return say(out, cap, "%s is not reachable from here (no route for that address family)", addr);
  return false;
}

/* A pin verified as a DNS name ("... wanted to match sha256-raw:..."): the
 * cause, then what the fixed logic said about the same node, then advice. */
static bool pin_taken_as_name(const struct probe_facts *f, char *out, size_t cap) {
  /* Same text from both: the profile tells the pre-1.100 probe from a
   * client that predates pins. */
  bool pre_pin = strcmp(or_empty(f->profile), "tailscale-1.80") == 0;
  const char *advice = pre_pin ? "upgrade clients to 1.84+ (1.82 rejects the relay's metacert)"
                               : "upgrade the client to 1.100+ for an accurate report";
  char first[PROBE_MESSAGE_MAX];
  if (pre_pin)
    GUARD(say(first, sizeof first,
              "clients before 1.82 do not know \"sha256-raw:\" pins: they verify the certificate "
              "for CertName \"%s\" as a DNS name, which no certificate can match",
              or_empty(f->cert_name)));
  else
    GUARD(say(first, sizeof first,
              "this is the TLS check of `tailscale debug derp` before 1.100 "
              "(tailscale/tailscale#19965): it uses CertName \"%s\" as the TLS server name, which "
              "no certificate can match, while real DERP connections pin the hash",
              or_empty(f->cert_name)));
  if (f->fixed_check > 0)
    return say(
        out, cap,
        "%s; with the fixed logic (profile current) a DERP connection to this node works, so "
        "the relay is fine — %s",
        first, advice);
  if (f->fixed_check < 0)
    return say(out, cap, "%s; the fixed logic (profile current) fails too: %s", first,
               or_empty(f->fixed_error));
  return say(out, cap, "%s — %s", first, advice);
}

bool probe_diagnose(const struct probe_facts *f, char *out, size_t cap) {
  GUARD(out != NULL && cap > 0);
  out[0] = '\0';
  GUARD(f != NULL);
  const char *e = f->error;
  bool ok = false;
  if (f->stage == PROBE_STAGE_STUN) {
    ok = say(out, cap,
             "no STUN answer from the node: UDP port %d may be blocked, or the relay runs without "
             "STUN (--stun=false) or on another --stun-port",
             f->stun_port);
  } else if (f->stage == PROBE_STAGE_DIAL) {
    ok = dial_failure(f, out, cap);
  } else if (has(e, "but wanted to match " PIN_PREFIX) || has(e, ", not " PIN_PREFIX)) {
    ok = pin_taken_as_name(f, out, cap);
  } else if (has(e, "unexpected multiple certs presented")) {
    ok = multiple_certs(f, out, cap);
  } else if (has(e, "cert hash does not match expected cert hash")) {
    ok = hash_mismatch(f, out, cap);
  } else if (has(e, "cert expired ") || has(e, "is after ")) {
    ok = expired(f, out, cap);
  } else if (has(e, "cert not yet valid until ") || has(e, "is before ")) {
    ok = not_yet_valid(f, out, cap);
  } else if (has(e, "cert does not match server name")) {
    ok = name_mismatch(f, out, cap);
  } else if (has(e, "expected cert not presented")) {
    ok = say(out, cap,
             "the server presented only certificates whose CN starts with \"derpkey\" (metacerts); "
             "clients skip those and find no certificate to pin — the relay must serve its own "
             "certificate first");
  } else if (has(e, "no certs presented")) {
    ok = say(out, cap, "the server presented no certificate at all");
  } else if (has(e, "x509: certificate signed by unknown authority")) {
    ok = unknown_authority(f, out, cap);
  } else if (has(e, "x509: certificate is valid for") || has(e, "x509: certificate is not valid") ||
             has(e, "x509: cannot validate certificate")) {
    ok = say(out, cap,
             "the certificate does not name the host the client checks; compare its SANs with "
             "HostName/CertName");
  } else if (has(e, "GET failed")) {
    ok = say(out, cap,
             "the server answered the DERP upgrade with something other than 101 Switching "
             "Protocols: is this a DERP relay, with DERP enabled?");
  } else if (has(e, "remote error: tls: ")) {
    ok = say(out, cap, "the relay refused the TLS handshake (%s); its log says why", e);
  }
  if (!ok) out[0] = '\0';
  return ok && out[0] != '\0';
}

bool probe_report_diagnose(struct probe_report *r, const struct probe_facts *f) {
  char text[PROBE_MESSAGE_MAX];
  GUARD(r != NULL && probe_diagnose(f, text, sizeof text));
  if (probe_report_contains(r, PROBE_DIAGNOSIS, text)) return true;
  return probe_report_add(r, PROBE_DIAGNOSIS, text);
}
