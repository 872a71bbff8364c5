/* client_output: the verdict derp-client prints.
 *
 * With --json the last stdout line is one JSON object, the conformance
 * contract (conformance/README.md "The implementation contract"):
 *   {"result":"pass"|"fail","reason":<text>|null,"path":"fast"|"slow"|null,
 *    "tls_version":"TLSv1.3"|...|null,"server_key":"<64 hex>"|null,"certs":<n>|null}
 * plus per-mode fields: "chain" (connect-like modes: one entry per presented
 * certificate), "packet_hex"/"from" (recv), "mapped" (stun), "report" and
 * "Diagnosis" (probe). Without --json the same facts are printed for people.
 * Strings are escaped as Go's encoding/json does (probe_report). */
#ifndef DERP_CLIENT_OUTPUT_H
#define DERP_CLIENT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client_tls.h"
#include "client_versions.h"
#include "derp/probe_report.h"

#define CLIENT_REASON_MAX (CLIENT_TLS_ERR_MAX + 256)

struct client_verdict {
  bool pass;
  char reason[CLIENT_REASON_MAX]; /* "" = null */
  const char *path;               /* "fast", "slow" or NULL */
  const char *tls_version;        /* NULL = null */
  bool has_server_key;
  uint8_t server_key[32];
  bool has_certs;
  /* The presented certificates (exact DER, borrowed). */
  const struct tls_certmsg *certs;
  /* recv */
  bool has_packet;
  const uint8_t *packet;
  size_t packet_len;
  uint8_t from[32];
  /* stun */
  const char *mapped;
  /* watch: the keys seen present and gone, as "<64 hex>" strings */
  size_t n_present, n_gone;
  const char (*present)[65];
  const char (*gone)[65];
  /* probe */
  const struct probe_report *report;
  const struct client_versions *versions; /* --all-versions */
  /* human output: what the connection was */
  const char *addr;
  const char *verify; /* "pin (current)", "ca", ... */
};

void client_verdict_init(struct client_verdict *v);
/* Writes the verdict to out; false if it could not be written. */
bool client_output_write(FILE *out, const struct client_verdict *v, bool json);

#endif
