/* probe_report Diagnosis: what a failed (or merely slow) check means, in
 * plain words, with a stable code and the fix.
 *
 * Rules are matched on the stage and the error text (the exact upstream
 * texts, so the rules also apply to errors the probe did not produce itself)
 * and refined with what was observed: the presented certificates, the pin,
 * the profile, the relay's snippet, the HTTP status. First matching rule
 * wins. Each rule writes "<what is wrong> — <what to do>"; the first " — "
 * splits text from fix, so a rule reads as one sentence here. */
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
#define FIX_SEPARATOR " — "

/* Set the code and severity, format "text — fix" and split it. */
__attribute__((format(printf, 4, 5))) static bool say(struct probe_diagnosis *d, const char *code,
                                                      enum probe_severity sev, const char *f, ...) {
  char all[PROBE_MESSAGE_MAX + PROBE_FIX_MAX];
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(all, sizeof all, f, ap);
  va_end(ap);
  GUARD(n >= 0 && (size_t)n < sizeof all);
  const char *sep = strstr(all, FIX_SEPARATOR);
  size_t text_len = sep != NULL ? (size_t)(sep - all) : (size_t)n;
  const char *fix = sep != NULL ? sep + strlen(FIX_SEPARATOR) : "";
  GUARD(text_len < sizeof d->text && strlen(fix) < sizeof d->fix);
  memcpy(d->text, all, text_len);
  d->text[text_len] = '\0';
  snprintf(d->fix, sizeof d->fix, "%s", fix);
  d->code = code;
  d->severity = sev;
  return true;
}

#define ERR PROBE_SEVERITY_ERROR
#define WARN PROBE_SEVERITY_WARNING
#define INFO PROBE_SEVERITY_INFO

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

/* "3d4h", "5h12m", "7m", "42s": how far a certificate time is from now. */
static void span_text(int64_t seconds, char *out, size_t cap) {
  if (seconds < 0) seconds = -seconds;
  int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60;
  if (d > 0)
    snprintf(out, cap, "%lldd%lldh", (long long)d, (long long)h);
  else if (h > 0)
    snprintf(out, cap, "%lldh%lldm", (long long)h, (long long)m);
  else if (m > 0)
    snprintf(out, cap, "%lldm", (long long)m);
  else
    snprintf(out, cap, "%llds", (long long)seconds);
}

/* ---- TLS ---------------------------------------------------------------- */

static bool multiple_certs(const struct probe_facts *f, struct probe_diagnosis *d) {
  size_t others = f->certs_presented >= f->metacerts_presented
                      ? f->certs_presented - f->metacerts_presented
                      : 0;
  if (f->certs_presented >= 2 && f->metacerts_presented >= 1 && others == 1)
    return say(d, "metacert-rejected", ERR,
               "server presented %zu certificates (leaf + metacert); clients 1.82.x reject this — "
               "upgrade clients or run the relay with --metacert=off",
               f->certs_presented);
  if (others >= 2)
    return say(
        d, "chain-not-pinnable", ERR,
        "server presented %zu certificates (%zu besides metacerts: leaf + intermediate); a "
        "sha256-raw pin accepts exactly one non-metacert certificate in every client version — "
        "serve the leaf alone or use a CA-issued certificate and a DNS CertName",
        f->certs_presented, others);
  return say(d, "metacert-rejected", ERR,
             "server presented more than one certificate; clients 1.82.x accept exactly one when "
             "pinning — upgrade clients or run the relay with --metacert=off");
}

static bool hash_mismatch(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *pin = or_empty(pin_of(f));
  const char *leaf = f->leaf_sha256;
  const char *snippet = f->snippet_sha256;
  char norm[256];
  normalise_pin(pin, norm, sizeof norm);
  const char *want = snippet ? snippet : leaf;
  if (want && strcmp(norm, want) == 0 && strcmp(pin, want) != 0) {
    bool spaces = strlen(pin) != strlen(want);
    return say(d, "pin-spelling", ERR,
               "the pinned hash is right but spelled %s; clients compare exact lowercase hex — use "
               "\"CertName\": \"sha256-raw:%s\"",
               spaces ? "with extra whitespace" : "in uppercase", want);
  }
  /* No metacert beside the certificate: what answered was not a DERP relay
   * serving its own certificate, but something in between. */
  if (f->certs_presented >= 1 && f->metacerts_presented == 0)
    return say(d, "cert-replaced", ERR,
               "something between you and the relay replaced its certificate: the server "
               "presented %s (hash %s) and no DERP metacert, so (unless the relay runs with "
               "--metacert=false) a TLS-terminating proxy, load balancer or inspecting firewall "
               "answered instead of the relay — pass TLS through "
               "to the relay untouched (TCP mode, no TLS termination), or, if the proxy is meant "
               "to terminate TLS, give it a CA-issued certificate and the node a DNS HostName",
               f->leaf_self_signed ? "a self-signed certificate" : "a certificate",
               leaf ? leaf : "unknown");
  if (snippet && leaf && strcmp(snippet, leaf) != 0)
    return say(d, "stale-pin", ERR,
               "pinned hash matches no presented certificate; the relay's snippet says %s but the "
               "server presented %s (another relay, or a regenerated certificate?) — re-copy the "
               "snippet the relay printed at its last start",
               snippet, leaf);
  if (snippet)
    return say(d, "stale-pin", ERR,
               "pinned hash matches no presented certificate; the relay's snippet says %s — put "
               "\"CertName\": \"sha256-raw:%s\" in the DERPMap",
               snippet, snippet);
  if (leaf)
    return say(d, "stale-pin", ERR,
               "pinned hash matches no presented certificate: the relay now serves a certificate "
               "with hash %s (its metacert shows it is a DERP relay), so it was regenerated or "
               "replaced since the pin was copied — re-copy the snippet the relay printed at "
               "start (its line holds \"CertName\": \"sha256-raw:%s\")",
               leaf, leaf);
  return say(d, "stale-pin", ERR,
             "pinned hash matches no presented certificate — compare it with the snippet the "
             "relay logged at start-up");
}

/* A validity bound as Go prints it, and how far it is from this machine's
   clock (", 3h12m ago by this machine's clock"); both "" when unknown. */
static void bound_text(const struct probe_facts *f, int64_t bound, const char *side, char when[64],
                       char rel[80]) {
  when[0] = rel[0] = '\0';
  if (!f->has_leaf_validity) return;
  go_utc_time_string(bound, when, 64);
  if (f->now <= 0) return;
  char span[32];
  span_text(f->now - bound, span, sizeof span);
  snprintf(rel, 80, ", %s %s this machine's clock", span, side);
}

static bool expired(const struct probe_facts *f, struct probe_diagnosis *d) {
  char when[64], ago[80];
  bound_text(f, f->leaf_not_after, "ago by", when, ago);
  char files[320];
  cert_files(f, files, sizeof files);
  if (pin_of(f) != NULL || f->leaf_self_signed)
    return say(d, "cert-expired", ERR,
               "certificate expired%s%s%s — delete %s and restart the relay to regenerate (then "
               "update CertName from the new snippet); if it expired only minutes ago, check the "
               "clocks",
               when[0] ? " on " : "", when, ago, files);
  return say(d, "cert-expired", ERR, "certificate expired%s%s%s — renew it and restart the relay",
             when[0] ? " on " : "", when, ago);
}

static bool not_yet_valid(const struct probe_facts *f, struct probe_diagnosis *d) {
  char when[64], ahead[80];
  bound_text(f, f->leaf_not_before, "ahead of", when, ahead);
  return say(d, "cert-not-yet-valid", ERR,
             "certificate is not valid before %s%s — the clock of this machine or of the relay "
             "is wrong: compare both with a time server (timedatectl, chronyc tracking)",
             when[0] ? when : "its notBefore time", ahead);
}

static bool name_mismatch(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *host = or_empty(f->host_name);
  if (is_ip_literal(host))
    return say(
        d, "hostname-not-in-cert", ERR,
        "the pinned certificate does not name HostName \"%s\" in its IP SANs; clients 1.84.x "
        "check it (later clients skip the check for IP literals) — run the relay with "
        "--hostname %s or set HostName to the address its certificate names",
        host, host);
  return say(d, "hostname-not-in-cert", ERR,
             "HostName \"%s\" is a DNS name, and the pinned certificate has no DNS SAN for it (the "
             "CN is ignored): a relay started with an IP --hostname makes a certificate for that "
             "IP only — set HostName to the relay's IP address, or start the relay with "
             "--hostname %s",
             host, host);
}

static bool unknown_authority(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *cert_name = or_empty(f->cert_name);
  if (cert_name[0] == '\0' && f->leaf_self_signed)
    return say(d, "pin-missing", ERR,
               "the relay's certificate is self-signed but the node has no CertName, so it is "
               "checked against CA roots — pin it with \"CertName\": \"sha256-raw:%s\"",
               f->leaf_sha256 ? f->leaf_sha256 : "<hash from the relay's snippet>");
  if (cert_name[0] != '\0' && pin_of(f) == NULL)
    return say(d, "untrusted-cert", ERR,
               "the certificate does not chain to a trusted root for \"%s\" — give the issuing "
               "CA with --ca-file (clients need it in their system roots)",
               cert_name);
  return say(d, "untrusted-cert", ERR,
             "the certificate does not chain to a trusted root — use a CA-issued certificate, or "
             "pin a self-signed one with \"CertName\": \"sha256-raw:<hash>\"");
}

/* A pin verified as a DNS name ("... wanted to match sha256-raw:..."): the
 * cause, then what the fixed logic said about the same node, then advice. */
static bool pin_taken_as_name(const struct probe_facts *f, struct probe_diagnosis *d) {
  /* Same text from both: the profile tells the pre-1.100 probe from a
   * client that predates pins. */
  bool pre_pin = strcmp(or_empty(f->profile), "tailscale-1.80") == 0;
  const char *code = pre_pin ? "pin-unsupported" : "debug-derp-legacy";
  const char *advice = pre_pin ? "upgrade clients to 1.84+ (1.82 rejects the relay's metacert)"
                               : "upgrade the client to 1.100+ for an accurate report";
  char first[PROBE_MESSAGE_MAX];
  if (pre_pin)
    GUARD(snprintf(first, sizeof first,
                   "clients before 1.82 do not know \"sha256-raw:\" pins: they verify the "
                   "certificate for CertName \"%s\" as a DNS name, which no certificate can match",
                   or_empty(f->cert_name)) < (int)sizeof first);
  else
    GUARD(snprintf(first, sizeof first,
                   "this is the TLS check of `tailscale debug derp` before 1.100 "
                   "(tailscale/tailscale#19965): it uses CertName \"%s\" as the TLS server name, "
                   "which no certificate can match, while real DERP connections pin the hash",
                   or_empty(f->cert_name)) < (int)sizeof first);
  if (f->fixed_check > 0)
    return say(d, code, ERR,
               "%s; with the fixed logic (profile current) a DERP connection to this node works, "
               "so the relay is fine — %s",
               first, advice);
  if (f->fixed_check < 0)
    return say(d, code, ERR, "%s; the fixed logic (profile current) fails too: %s — %s", first,
               or_empty(f->fixed_error), advice);
  return say(d, code, ERR, "%s — %s", first, advice);
}

/* What a client sees when the port answers plain HTTP (TLS terminated
 * elsewhere): Go's and OpenSSL's words for "that was not a TLS record". */
static bool plain_http_error(const char *e) {
  return has(e, "first record does not look like a TLS handshake") ||
         has(e, "wrong version number") || has(e, "http request") ||
         has(e, "packet length too long") || has(e, "record layer failure");
}

static bool tls_rules(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *e = f->error;
  if (has(e, "but wanted to match " PIN_PREFIX) || has(e, ", not " PIN_PREFIX))
    return pin_taken_as_name(f, d);
  if (has(e, "unexpected multiple certs presented")) return multiple_certs(f, d);
  if (has(e, "cert hash does not match expected cert hash")) return hash_mismatch(f, d);
  if (has(e, "cert expired ") || has(e, "is after ")) return expired(f, d);
  if (has(e, "cert not yet valid until ") || has(e, "is before ")) return not_yet_valid(f, d);
  if (has(e, "cert does not match server name")) return name_mismatch(f, d);
  if (has(e, "expected cert not presented"))
    return say(d, "no-leaf", ERR,
               "the server presented only certificates whose CN starts with \"derpkey\" "
               "(metacerts); clients skip those and find no certificate to pin — the relay must "
               "serve its own certificate first");
  if (has(e, "no certs presented"))
    return say(d, "no-leaf", ERR, "the server presented no certificate at all");
  if (has(e, "x509: certificate signed by unknown authority")) return unknown_authority(f, d);
  if (has(e, "x509: certificate is valid for") || has(e, "x509: certificate is not valid") ||
      has(e, "x509: cannot validate certificate"))
    return say(d, "cert-name-mismatch", ERR,
               "the certificate does not name the host the client checks — compare its SANs with "
               "HostName/CertName");
  if (plain_http_error(e))
    return say(d, "plain-http", ERR,
               "%s answered in plain text, not TLS: TLS is terminated somewhere else and this "
               "port forwards plain HTTP (or it is the relay's --http-port) — point DERPPort at "
               "the TLS port, or make the proxy pass TLS through untouched",
               or_empty(f->addr));
  /* derper in manual cert mode answers a ServerName other than its
   * --hostname with an internal-error alert; an IP HostName sends none. */
  if (has(e, "remote error: tls: internal error") && is_ip_literal(f->host_name))
    return say(d, "sni-required", ERR,
               "the relay refused the TLS handshake (internal error): HostName \"%s\" is an IP, "
               "so clients send no server name, and a relay started with a DNS --hostname and "
               "its own certificate (--certmode manual) serves only that name — set HostName to "
               "the relay's DNS name, or start the relay with --hostname %s",
               or_empty(f->host_name), or_empty(f->host_name));
  if (has(e, "remote error: tls: "))
    return say(d, "tls-refused", ERR, "the relay refused the TLS handshake (%s) — its log says why",
               or_empty(e));
  return false;
}

/* ---- other stages --------------------------------------------------------- */

static bool dial_rules(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *addr = or_empty(f->addr);
  if (has(f->error, "connection refused") && f->family == 6)
    return say(d, "ipv6-not-listening", ERR,
               "nothing is listening on %s over IPv6: the relay listens on IPv4 only — let it "
               "listen on both (derper -a :443 does) or drop IPv6 from the node",
               addr);
  if (has(f->error, "connection refused"))
    return say(d, "port-closed", ERR,
               "nothing is listening on %s — is the relay running, and is DERPPort its port?",
               addr);
  if (has(f->error, "i/o timeout"))
    return say(d, "dial-timeout", ERR,
               "no answer from %s before the deadline — a firewall may drop the packets", addr);
  if (has(f->error, "no such host") || has(f->error, "lookup "))
    return say(d, "hostname-unresolved", ERR,
               "HostName \"%s\" does not resolve — set IPv4/IPv6 in the node or fix DNS",
               or_empty(f->host_name));
  if (has(f->error, "network is unreachable") || has(f->error, "cannot assign requested address"))
    return say(d, "no-route", ERR,
               "%s is not reachable from here (no route for that address family) — use an "
               "address family this machine has, or set IPv4/IPv6 to \"none\" in the node",
               addr);
  return false;
}

static bool derp_rules(const struct probe_facts *f, struct probe_diagnosis *d) {
  const char *e = f->error;
  if (has(e, "GET failed") && (f->http_status == 426 || has(e, "DERP requires connection upgrade")))
    return say(d, "upgrade-stripped", ERR,
               "the relay got the DERP request without its \"Upgrade: DERP\" header (HTTP 426): a "
               "reverse proxy or CDN in front of it dropped the hop-by-hop Upgrade/Connection "
               "headers — forward them (nginx: proxy_http_version 1.1; proxy_set_header Upgrade "
               "$http_upgrade; proxy_set_header Connection \"upgrade\"), or pass TCP through");
  if (has(e, "GET failed") && f->http_status >= 400)
    return say(d, "proxy-error", ERR,
               "the DERP upgrade was answered with HTTP %d, not 101 Switching Protocols: "
               "something in front of the relay (a proxy, CDN or web server) answered it — check "
               "that it forwards /derp to the relay with the Upgrade header, and its error log",
               f->http_status);
  if (has(e, "GET failed"))
    return say(d, "not-derp", ERR,
               "the server answered the DERP upgrade with something other than 101 Switching "
               "Protocols — is this a DERP relay, with DERP enabled?");
  return false;
}

bool probe_diagnose(const struct probe_facts *f, struct probe_diagnosis *d) {
  GUARD(d != NULL);
  d->code = NULL;
  d->text[0] = d->fix[0] = '\0';
  GUARD(f != NULL);
  bool ok = false;
  switch (f->stage) {
    case PROBE_STAGE_STUN:
      ok = say(d, "stun-unreachable", WARN,
               "no STUN answer from the node on UDP port %d: clients fall back to DERP for "
               "everything and find no direct paths through it — open UDP %d to the relay, or "
               "check that it runs STUN (derper --stun, --stun-port)",
               f->stun_port, f->stun_port);
      break;
    case PROBE_STAGE_DIAL: ok = dial_rules(f, d); break;
    case PROBE_STAGE_TLS: ok = tls_rules(f, d); break;
    case PROBE_STAGE_DERP: ok = derp_rules(f, d) || tls_rules(f, d); break;
    case PROBE_STAGE_ACCEPT:
      ok = say(d, "auth-rejected", ERR,
               "the relay accepted the connection and this node's ClientInfo, then closed it "
               "without ServerInfo: it rejects this node key (derper --verify-clients admits only "
               "nodes of its own tailnet; `tailscale debug derp` still reports success here) — "
               "admit the key on the relay, or probe with a node key it admits (--key-file)");
      break;
    case PROBE_STAGE_CAPTIVE:
      ok = say(d, "port80-closed", WARN,
               "nothing answers HTTP on port 80 of HostName \"%s\": clients use it to detect "
               "captive portals, and without it they may not notice one — open port 80 to the "
               "relay (derper serves it with --http-port 80)",
               or_empty(f->host_name));
      break;
    case PROBE_STAGE_KEYS:
      ok = say(d, "load-balanced-keys", ERR,
               "%d connections to the same node met %zu different DERP server keys: the name "
               "leads to several relays (a load balancer or DNS round robin), and a client's "
               "packets for a peer reach a relay that does not hold the peer — give each relay "
               "its own node entry, or pin a load balancer's sessions to one relay",
               f->tries, f->distinct_keys);
      break;
    case PROBE_STAGE_FAMILY:
      ok = say(d, f->family == 6 ? "ipv6-not-listening" : "ipv4-not-listening", WARN,
               "the node has IPv4 and IPv6 addresses but the relay answers over IPv%d only: "
               "clients with only IPv%d cannot reach it — let the relay listen on both (derper "
               "-a :443 does), or drop the family it does not serve from the node",
               f->family == 6 ? 4 : 6, f->family);
      break;
    case PROBE_STAGE_CONNECTED:
      if (f->fast_path) break;
      if (f->tls_version != 0 && f->tls_version < 0x0304)
        ok = say(d, "tls12-slow-path", INFO,
                 "works over TLS 1.2, on the slow path: the metacert fast start needs TLS 1.3, so "
                 "every connection waits one extra round trip for the HTTP upgrade — allow TLS "
                 "1.3 on the relay and anything in front of it");
      else if (f->certs_presented >= 1 && f->metacerts_presented == 0)
        ok = say(d, "metacert-missing", INFO,
                 "works, on the slow path: the relay's metacert did not arrive (a TLS-terminating "
                 "or inspecting proxy re-serves the certificate alone, or the relay runs with "
                 "--metacert=false), so every connection waits one extra round trip for the HTTP "
                 "upgrade — pass TLS through to the relay untouched to get the fast path");
      break;
  }
  if (!ok) {
    d->code = NULL;
    d->text[0] = d->fix[0] = '\0';
  }
  return ok;
}

bool probe_report_diagnose(struct probe_report *r, const struct probe_facts *f) {
  struct probe_diagnosis d;
  GUARD(r != NULL && probe_diagnose(f, &d));
  return probe_report_add_diagnosis(r, &d);
}
