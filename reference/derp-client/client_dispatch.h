/* client_dispatch: which certificate check a connection runs (spec §3.1
 * step 4, §4, §5.2), as a pure function of the node and the profile.
 *
 * Why separate from the TLS shell: this is where the client releases
 * differ, so it is unit-tested on its own. derpmap's derp_node_tls_plan_for
 * gives the upstream CertName dispatch (pin / CA / domain fronting, or for
 * tailscale-1.80 no pin at all); this adds the profile (which pin
 * algorithm, which CertName rules) and the pre-1.100 `debug derp` config,
 * which ignores the dispatch: ServerName = CertName, else HostName,
 * verified against CA roots by crypto/tls itself. */
#ifndef DERP_CLIENT_DISPATCH_H
#define DERP_CLIENT_DISPATCH_H

#include <stdbool.h>

#include "client_flags.h"
#include "derp/derpmap.h"
#include "derp/pin_verify.h"

enum client_verify_kind {
  /* sha256-raw: pin_verify with pin_profile over the exact DER received. */
  CLIENT_VERIFY_PIN = 0,
  /* tlsdial.Config's VerifyConnection: CA roots, DNSName = verify_name ("":
   * chain only); errors are x509's texts, unwrapped. */
  CLIENT_VERIFY_CA,
  /* SetConfigExpectedCert (domain fronting): CA roots for verify_name while
   * SNI stays HostName; zero certs -> "no certs presented"; unwrapped. */
  CLIENT_VERIFY_NAME,
  /* A bare crypto/tls config: CA roots for verify_name, errors wrapped as
   * "tls: failed to verify certificate: <x509 error>" (Go >= 1.20). */
  CLIENT_VERIFY_GO_TLS,
  /* InsecureForTests without CertName: anything goes. */
  CLIENT_VERIFY_NONE,
};

struct client_tls_setup {
  enum client_verify_kind kind;
  char sni[DERP_MAP_MAX_STRING + 1];         /* "" = send no SNI */
  char verify_name[DERP_MAP_MAX_STRING + 1]; /* CA, NAME, GO_TLS */
  const char *pin_hex;                       /* PIN: into node->cert_name */
  enum pin_profile pin_profile;              /* PIN */
  const char *pin_server_name;               /* PIN: tls.Config.ServerName = HostName */
};

/* legacy_tls: the caller is one of the steps the debug-legacy profile
 * changes (the probe's TLS checks, or a connect run under that profile);
 * otherwise debug-legacy behaves as current (the probe's DERP step used the
 * real client). */
void client_tls_setup_for(const struct derp_node *n, enum client_profile profile, bool legacy_tls,
                          struct client_tls_setup *out);

/* For people: "CA roots for the HostName", ... */
const char *client_verify_kind_text(enum client_verify_kind k);

#endif
