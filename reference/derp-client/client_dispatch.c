/* client_dispatch: node + profile -> certificate check. */
#include "client_dispatch.h"

#include <stdio.h>
#include <string.h>

#include "derp/go.h"

static void copy(char *dst, size_t cap, const char *src) {
  snprintf(dst, cap, "%s", src ? src : "");
}

/* tailscale-1.80 never pins (its plan has no PIN), so its value is unused. */
static enum pin_profile pin_profile_of(enum client_profile p) {
  switch (p) {
    case CLIENT_PROFILE_TAILSCALE_1_82: return PIN_PROFILE_TAILSCALE_1_82;
    case CLIENT_PROFILE_TAILSCALE_1_84: return PIN_PROFILE_TAILSCALE_1_84;
    default: return PIN_PROFILE_CURRENT;
  }
}

static enum derp_certname_rules certname_rules_of(enum client_profile p) {
  return p == CLIENT_PROFILE_TAILSCALE_1_80 ? DERP_CERTNAME_NAME_ONLY : DERP_CERTNAME_PIN_AWARE;
}

void client_tls_setup_for(const struct derp_node *n, enum client_profile profile, bool legacy_tls,
                          struct client_tls_setup *out) {
  memset(out, 0, sizeof *out);
  out->pin_profile = pin_profile_of(profile);
  if (profile == CLIENT_PROFILE_DEBUG_LEGACY && legacy_tls) {
    /* tls.Config{ServerName: cmp.Or(CertName, HostName)}: the name is both
     * the SNI (unless an IP) and what the certificate must be valid for. */
    const char *server_name = n->cert_name[0] ? n->cert_name : n->host_name;
    out->kind = CLIENT_VERIFY_GO_TLS;
    go_hostname_in_sni(server_name, out->sni, sizeof out->sni);
    copy(out->verify_name, sizeof out->verify_name, server_name);
    return;
  }
  struct derp_tls_plan plan = derp_node_tls_plan_for(n, certname_rules_of(profile));
  copy(out->sni, sizeof out->sni, plan.sni);
  switch (plan.verify) {
    case DERP_TLS_VERIFY_PIN:
      out->kind = CLIENT_VERIFY_PIN;
      out->pin_hex = plan.pin_hex;
      out->pin_server_name = n->host_name;
      return;
    case DERP_TLS_VERIFY_NAME:
      if (n->host_name[0] == '\0') {
        /* SetConfigExpectedCert with an empty ServerName just adopts the
       * CertName: ordinary CA verification for it, and it is the SNI. */
        out->kind = CLIENT_VERIFY_CA;
        go_hostname_in_sni(plan.verify_name, out->sni, sizeof out->sni);
        copy(out->verify_name, sizeof out->verify_name, out->sni);
        return;
      }
      out->kind = CLIENT_VERIFY_NAME;
      copy(out->verify_name, sizeof out->verify_name, plan.verify_name);
      return;
    case DERP_TLS_VERIFY_CA:
    default:
      out->kind = plan.insecure_for_tests ? CLIENT_VERIFY_NONE : CLIENT_VERIFY_CA;
      copy(out->verify_name, sizeof out->verify_name, plan.sni);
      return;
  }
}

const char *client_verify_kind_text(enum client_verify_kind k) {
  switch (k) {
    case CLIENT_VERIFY_PIN: return "sha256-raw pin";
    case CLIENT_VERIFY_CA: return "CA roots (no CertName)";
    case CLIENT_VERIFY_NAME: return "CA roots for CertName (domain fronting)";
    case CLIENT_VERIFY_GO_TLS: return "pre-1.100 debug derp: CA roots for CertName or HostName";
    case CLIENT_VERIFY_NONE: return "none (InsecureForTests)";
  }
  return "?";
}
