/* ipcert (d): the DERPMap node derper logs for an IP hostname (§1.5). */
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "derp/ipcert.h"
#include "derp/pin_verify.h"

bool ipcert_cert_name(const uint8_t *leaf_der, size_t leaf_len, char *out, size_t cap) {
  GUARD(leaf_der != NULL && leaf_len > 0 && out != NULL);
  char hex[PIN_HEX_LEN + 1];
  GUARD(pin_hex_of_der(leaf_der, leaf_len, hex));
  int n = snprintf(out, cap, IPCERT_CERTNAME_PREFIX "%s", hex);
  return n > 0 && (size_t)n < cap;
}

bool ipcert_snippet(const char *hostname, const uint8_t *leaf_der, size_t leaf_len, int64_t now,
                    int32_t utc_offset, char *out, size_t cap) {
  uint8_t ip16[16];
  /* An IP literal needs no escaping in either Go's %q or JSON. */
  GUARD(hostname != NULL && go_parse_ip(hostname, strlen(hostname), ip16));
  GUARD(now > -62135596800LL && now < 253402300799LL);
  char cert_name[80], prefix[GO_LOG_PREFIX_LEN + 1];
  GUARD(ipcert_cert_name(leaf_der, leaf_len, cert_name, sizeof cert_name));
  GUARD(go_log_time_prefix(now + utc_offset, prefix));
  int n = snprintf(
      out, cap,
      "%sUsing self-signed certificate for IP address \"%s\". Configure it in DERPMap using: "
      "(https://tailscale.com/s/custom-derp)\n"
      "  {\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"%s\",\"CertName\":\"%s\"}\n",
      prefix, hostname, hostname, cert_name);
  return n > 0 && (size_t)n < cap;
}
