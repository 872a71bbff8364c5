/* The derpmap targets' shared oracle: what must hold of any parsed map, its
 * dial plans and TLS plans, whichever text form it came from (derpmap.c:
 * DERPMap JSON and node flags; derpmap_policy.c: a tailnet policy file).
 * Included by exactly those two targets, so its functions stay static. */
#ifndef FUZZ_DERPMAP_ORACLE_H
#define FUZZ_DERPMAP_ORACLE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/derpmap.h"
#include "fuzz_inputs.h"
#include "oracle_report.h"

#define PIN_PREFIX "sha256-raw:"

FUZZ_ORACLE static void check_string(const char *what, const char *s) {
  ORACLE_ASSERT(s != NULL, "%s is NULL", what);
  ORACLE_ASSERT(strlen(s) <= DERP_MAP_MAX_STRING, "%s is %zu bytes", what, strlen(s));
}

/* Go's strconv.Atoi on a 64-bit int: optional sign, decimal digits (leading
 * zeros allowed), value within int64. */
FUZZ_ORACLE static bool is_go_atoi(const char *s) {
  bool negative = *s == '-';
  if (*s == '+' || *s == '-') s++;
  if (*s == '\0') return false;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return false;
  while (*s == '0' && s[1] != '\0') s++;
  size_t digits = strlen(s);
  if (digits != 19) return digits < 19;
  return strcmp(s, negative ? "9223372036854775808" : "9223372036854775807") <= 0;
}

/* Go crypto/tls's hostnameInSNI test: brackets off, then everything from the
 * LAST '%' (when not at index 0) off, then net.ParseIP (no zones, no IPv4
 * leading zeros: glibc's inet_pton agrees). */
FUZZ_ORACLE static bool is_ip_literal(const char *host) {
  char buf[DERP_MAP_MAX_STRING + 1];
  size_t n = strlen(host);
  if (n >= sizeof buf) return false;
  memcpy(buf, host, n + 1);
  if (n >= 2 && buf[0] == '[' && buf[n - 1] == ']') {
    memmove(buf, buf + 1, n - 2);
    buf[n - 2] = '\0';
  }
  char *zone = strrchr(buf, '%');
  if (zone && zone > buf) *zone = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

FUZZ_ORACLE static void check_tls_plan(const struct derp_node *n) {
  struct derp_tls_plan plan = derp_node_tls_plan(n);
  ORACLE_ASSERT(memchr(plan.sni, '\0', sizeof plan.sni) != NULL, "SNI not NUL-terminated");
  ORACLE_ASSERT(plan.insecure_for_tests == n->insecure_for_tests,
                "InsecureForTests lost in the TLS plan");

  if (strncmp(n->cert_name, PIN_PREFIX, strlen(PIN_PREFIX)) == 0) {
    ORACLE_ASSERT(plan.verify == DERP_TLS_VERIFY_PIN && plan.pin_hex != NULL &&
                      strcmp(plan.pin_hex, n->cert_name + strlen(PIN_PREFIX)) == 0,
                  "CertName %s must pin its remainder verbatim", n->cert_name);
  } else if (n->cert_name[0] == '\0' || strcmp(n->cert_name, n->host_name) == 0) {
    ORACLE_ASSERT(plan.verify == DERP_TLS_VERIFY_CA,
                  "CertName \"%s\" (HostName \"%s\") must mean CA verification", n->cert_name,
                  n->host_name);
  } else if (n->host_name[0] != '\0') {
    ORACLE_ASSERT(plan.verify == DERP_TLS_VERIFY_NAME && plan.verify_name != NULL &&
                      strcmp(plan.verify_name, n->cert_name) == 0,
                  "CertName \"%s\" must mean verification as that name", n->cert_name);
  }

  /* Before v1.82 (tailscale-1.80) a pin is a name like any other: same
   * SNI, and the pin-aware plan except that PIN becomes NAME. */
  struct derp_tls_plan old = derp_node_tls_plan_for(n, DERP_CERTNAME_NAME_ONLY);
  ORACLE_ASSERT(strcmp(old.sni, plan.sni) == 0, "SNI depends on the CertName rules");
  if (plan.verify == DERP_TLS_VERIFY_PIN) {
    bool same = strcmp(n->cert_name, n->host_name) == 0; /* SetConfigExpectedCert: no change */
    ORACLE_ASSERT(old.pin_hex == NULL &&
                      old.verify == (same ? DERP_TLS_VERIFY_CA : DERP_TLS_VERIFY_NAME) &&
                      old.verify_name == (same ? NULL : n->cert_name),
                  "pre-1.82 CertName %s must be verified as a name", n->cert_name);
  } else {
    ORACLE_ASSERT(old.verify == plan.verify && old.verify_name == plan.verify_name,
                  "pre-1.82 plan differs without a pin for CertName \"%s\"", n->cert_name);
  }

  if (is_ip_literal(n->host_name)) {
    ORACLE_ASSERT(plan.sni[0] == '\0', "IP-literal HostName %s must send no SNI, got %s",
                  n->host_name, plan.sni);
  } else if (plan.sni[0] != '\0') {
    size_t h = strlen(n->host_name);
    while (h > 0 && n->host_name[h - 1] == '.') h--;
    ORACLE_ASSERT(strlen(plan.sni) == h && memcmp(plan.sni, n->host_name, h) == 0,
                  "SNI \"%s\" is not HostName \"%s\" without trailing dots", plan.sni,
                  n->host_name);
  }
}

FUZZ_ORACLE static void check_node(const struct derp_node *n) {
  check_string("Name", n->name);
  check_string("HostName", n->host_name);
  check_string("CertName", n->cert_name);
  check_string("IPv4", n->ipv4);
  check_string("IPv6", n->ipv6);
  check_string("STUNTestIP", n->stun_test_ip);
  ORACLE_ASSERT(n->derp_port >= 0 && n->derp_port <= 65535, "DERPPort %d", n->derp_port);
  ORACLE_ASSERT(n->stun_port >= -1 && n->stun_port <= 65535, "STUNPort %d", n->stun_port);
  ORACLE_ASSERT(derp_node_derp_port(n) != 0, "effective DERP port 0");
  int stun = derp_node_stun_port(n);
  ORACLE_ASSERT(stun == -1 || (stun > 0 && stun <= 65535), "effective STUN port %d", stun);

  struct derp_dial_target t[2];
  memset(t, 0, sizeof t);
  size_t k = derp_node_dial_targets(n, t);
  ORACLE_ASSERT(k <= 2, "%zu dial targets", k);
  if (n->stun_only) ORACLE_ASSERT(k == 0, "STUNOnly node has %zu dial targets", k);
  for (size_t i = 0; i < k; i++) {
    ORACLE_ASSERT(t[i].family == DERP_FAMILY_IPV4 || t[i].family == DERP_FAMILY_IPV6, "family %d",
                  t[i].family);
    ORACLE_ASSERT(memchr(t[i].host, '\0', sizeof t[i].host) != NULL,
                  "dial host not NUL-terminated");
    ORACLE_ASSERT(t[i].port == derp_node_derp_port(n), "dial port %u, node port %u", t[i].port,
                  derp_node_derp_port(n));
  }
  if (k == 2)
    ORACLE_ASSERT(t[0].family == DERP_FAMILY_IPV4 && t[1].family == DERP_FAMILY_IPV6, "IPv4 first");
  check_tls_plan(n);
}

FUZZ_ORACLE static void check_region_plan(const struct derp_region *r) {
  size_t want = 0;
  for (size_t i = 0; i < r->node_count; i++) {
    struct derp_dial_target t[2];
    want += derp_node_dial_targets(&r->nodes[i], t);
  }
  size_t cap = want + 1;
  struct derp_dial_step *steps = calloc(cap, sizeof *steps);
  if (!steps) return;
  size_t got = derp_region_dial_plan(r, steps, cap);
  ORACLE_ASSERT(got == want, "region %lld plan has %zu steps, its nodes have %zu targets",
                (long long)r->id, got, want);
  size_t s = 0;
  for (size_t i = 0; i < r->node_count && s < got; i++) {
    struct derp_dial_target t[2];
    size_t k = derp_node_dial_targets(&r->nodes[i], t);
    for (size_t j = 0; j < k; j++, s++) {
      ORACLE_ASSERT(steps[s].node_index == i && steps[s].target.family == t[j].family &&
                        strcmp(steps[s].target.host, t[j].host) == 0 &&
                        steps[s].target.port == t[j].port,
                    "region plan step %zu differs from node %zu target %zu", s, i, j);
    }
  }
  /* A short buffer reports the full count and writes only what fits. */
  if (want > 0) ORACLE_ASSERT(derp_region_dial_plan(r, steps, 0) == want, "plan count with cap 0");
  free(steps);
}

FUZZ_ORACLE static void check_map(const struct derp_map *m) {
  ORACLE_ASSERT(m->region_count == 0 || m->regions != NULL, "regions NULL");
  for (size_t i = 0; i < m->region_count; i++) {
    const struct derp_region *r = &m->regions[i];
    if (i > 0) ORACLE_ASSERT(m->regions[i - 1].id <= r->id, "regions not sorted by id");
    check_string("RegionCode", r->code);
    check_string("RegionName", r->name);
    ORACLE_ASSERT(r->node_count == 0 || r->nodes != NULL, "nodes NULL");
    for (size_t j = 0; j < r->node_count; j++) check_node(&r->nodes[j]);
    check_region_plan(r);

    char sel[32];
    snprintf(sel, sizeof sel, "%lld", (long long)r->id);
    const struct derp_region *by_id = derp_map_find_region(m, sel);
    ORACLE_ASSERT(by_id != NULL && by_id->id == r->id, "region %s not found by id", sel);
    if (r->code[0] != '\0' && !is_go_atoi(r->code)) {
      const struct derp_region *first = NULL;
      for (size_t k = 0; k < m->region_count && !first; k++)
        if (strcmp(m->regions[k].code, r->code) == 0) first = &m->regions[k];
      ORACLE_ASSERT(derp_map_find_region(m, r->code) == first,
                    "region code \"%s\" finds the wrong region", r->code);
    }
  }
}

typedef bool (*map_parser)(const char *, size_t, struct derp_map **, struct derp_map_error *);

FUZZ_ORACLE static bool same_text(const char *base, const char *got) {
  return strcmp(base ? base : "", got) == 0;
}

/* `--snippet LINE --node Key=value`: flags on top of a parsed node. The
 * node's own fields survive the trip through JSON; the flags win. */
FUZZ_ORACLE static void check_flags_onto(const struct derp_map *m) {
  if (m->region_count == 0 || m->regions[0].node_count == 0) return;
  const struct derp_node *b = &m->regions[0].nodes[0];
  static const char flags[] = "DERPPort=4443,CanPort80=true";
  struct derp_map *got = NULL;
  struct derp_map_error err;
  err.msg[0] = '\0';
  ORACLE_ASSERT(derp_map_parse_node_flags_onto(b, flags, sizeof flags - 1, &got, &err),
                "flags onto a parsed node refused: %s", err.msg);
  ORACLE_ASSERT(got->region_count == 1 && got->regions[0].node_count == 1,
                "flags onto a node gave %zu regions", got->region_count);
  const struct derp_node *n = &got->regions[0].nodes[0];
  ORACLE_ASSERT(n->derp_port == 4443 && n->can_port80, "the flags did not win");
  ORACLE_ASSERT(same_text(b->name, n->name) && same_text(b->host_name, n->host_name) &&
                    same_text(b->cert_name, n->cert_name) && same_text(b->ipv4, n->ipv4) &&
                    same_text(b->ipv6, n->ipv6) && same_text(b->stun_test_ip, n->stun_test_ip) &&
                    b->region_id == n->region_id && b->stun_port == n->stun_port &&
                    b->stun_only == n->stun_only && b->insecure_for_tests == n->insecure_for_tests,
                "a field of node %s changed on the way through flags", b->name ? b->name : "");
  derp_map_free(got);
}

FUZZ_ORACLE static void run_parser(const char *name, map_parser parse, const char *text,
                                   size_t len) {
  struct derp_map *m = NULL;
  struct derp_map_error err;
  memset(&err, 0x5a, sizeof err); /* a message that is not written shows up */
  if (parse(text, len, &m, &err)) {
    ORACLE_ASSERT(m != NULL, "%s succeeded without a map", name);
    check_map(m);
    if (parse == derp_map_parse) check_flags_onto(m);
    derp_map_free(m);
  } else {
    ORACLE_ASSERT(m == NULL, "%s failed but returned a map", name);
    ORACLE_ASSERT(memchr(err.msg, '\0', sizeof err.msg) != NULL && err.msg[0] != '\0',
                  "%s failed without a message", name);
  }
}

#endif
