/* What a node means for dialing and TLS (spec §3.1), and region lookup
 * (§5.1). Pure functions: address literals are Go's (derp/go.h), nothing
 * resolves. */
#include <stdio.h>
#include <string.h>

#include "derp/derpmap.h"
#include "derp/go.h"
#include "derp/guard.h"

uint16_t derp_node_derp_port(const struct derp_node *n) {
  return n->derp_port ? (uint16_t)n->derp_port : DERP_DEFAULT_DERP_PORT;
}

int derp_node_stun_port(const struct derp_node *n) {
  return n->stun_port == 0 ? DERP_DEFAULT_STUN_PORT : n->stun_port;
}

/* 4 or 6 when s is an address literal, as Go's netip.ParseAddr sees it:
 * dotted text is IPv4 (Is4), any other address IPv6, and only IPv6 may carry
 * a non-empty %zone. Else 0. */
static int ip_family(const char *s, size_t len) {
  const char *zone = memchr(s, '%', len);
  size_t addr_len = zone ? (size_t)(zone - s) : len;
  uint8_t ip[16];
  if (zone && addr_len + 1 == len) return 0;
  if (!go_parse_ip(s, addr_len, ip)) return 0;
  if (memchr(s, ':', addr_len) != NULL) return 6;
  return zone ? 0 : 4;
}

/* HostName without the [brackets] Go's TLS stack strips (and that a user may
 * copy from a URL). */
static void host_core(const char *host, const char **core, size_t *len) {
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
    *core = host + 1;
    *len = n - 2;
  } else {
    *core = host;
    *len = n;
  }
}

static void set_target(struct derp_dial_target *t, enum derp_family fam, const char *host,
                       size_t len, bool literal, uint16_t port) {
  t->family = fam;
  snprintf(t->host, sizeof t->host, "%.*s", (int)len, host);
  t->is_literal = literal;
  t->port = port;
}

size_t derp_node_dial_targets(const struct derp_node *n, struct derp_dial_target out[2]) {
  if (n->stun_only) return 0;
  const char *core;
  size_t core_len;
  host_core(n->host_name, &core, &core_len);
  int host_family = ip_family(core, core_len);
  uint16_t port = derp_node_derp_port(n);
  const struct {
    enum derp_family family;
    const char *override;
  } families[2] = {{DERP_FAMILY_IPV4, n->ipv4}, {DERP_FAMILY_IPV6, n->ipv6}};
  size_t count = 0;
  for (size_t i = 0; i < 2; i++) {
    const char *ovr = families[i].override;
    int want = (int)families[i].family;
    if (ovr[0] != '\0') {
      /* The field replaces DNS; anything that is not an address of this
       * family ("none" by convention) turns the family off. */
      if (ip_family(ovr, strlen(ovr)) == want)
        set_target(&out[count++], families[i].family, ovr, strlen(ovr), true, port);
    } else if (host_family == 0 && core_len > 0) {
      set_target(&out[count++], families[i].family, n->host_name, strlen(n->host_name), false,
                 port);
    } else if (host_family == want) {
      set_target(&out[count++], families[i].family, core, core_len, true, port);
    }
  }
  return count;
}

size_t derp_region_dial_plan(const struct derp_region *r, struct derp_dial_step *out, size_t cap) {
  size_t total = 0;
  for (size_t i = 0; i < r->node_count; i++) {
    struct derp_dial_target targets[2];
    size_t n = derp_node_dial_targets(&r->nodes[i], targets);
    for (size_t j = 0; j < n; j++, total++) {
      if (total >= cap) continue;
      out[total].node_index = i;
      out[total].target = targets[j];
    }
  }
  return total;
}

static const char pin_prefix[] = "sha256-raw:";

struct derp_tls_plan derp_node_tls_plan(const struct derp_node *n) {
  return derp_node_tls_plan_for(n, DERP_CERTNAME_PIN_AWARE);
}

struct derp_tls_plan derp_node_tls_plan_for(const struct derp_node *n,
                                            enum derp_certname_rules rules) {
  struct derp_tls_plan p = {.verify = DERP_TLS_VERIFY_CA,
                            .insecure_for_tests = n->insecure_for_tests};
  go_hostname_in_sni(n->host_name, p.sni, sizeof p.sni);
  const char *cert = n->cert_name;
  /* Before v1.82 the prefix meant nothing: a pin falls to the name case. */
  if (rules == DERP_CERTNAME_PIN_AWARE && strncmp(cert, pin_prefix, sizeof pin_prefix - 1) == 0) {
    p.verify = DERP_TLS_VERIFY_PIN;
    p.pin_hex = cert + sizeof pin_prefix - 1;
  } else if (cert[0] != '\0' && strcmp(cert, n->host_name) != 0) {
    /* Go's SetConfigExpectedCert changes nothing when CertName equals the
     * ServerName (HostName), so that case stays plain CA verification. */
    p.verify = DERP_TLS_VERIFY_NAME;
    p.verify_name = cert;
  }
  return p;
}

const struct derp_region *derp_map_find_region(const struct derp_map *m, const char *selector) {
  if (!m || !selector) return NULL;
  /* strconv.Atoi is ParseInt(s, 10, 0): an optional sign, decimal digits,
   * the whole int64 range (INT64_MIN too); anything else is a code. */
  int64_t id;
  if (go_parse_int(selector, strlen(selector), 10, &id) == GO_INT_OK) {
    for (size_t i = 0; i < m->region_count; i++)
      if (m->regions[i].id == id) return &m->regions[i];
    return NULL;
  }
  for (size_t i = 0; i < m->region_count; i++)
    if (strcmp(m->regions[i].code, selector) == 0) return &m->regions[i];
  return NULL;
}
