/* Fuzz target relay_config: derp-relay's own configuration parsers, the ones
 * a user hands it on the command line: the --rate-config file
 * (relay_rateconfig_parse), the --verify-clients-file list
 * (relay_allowlist_parse), the -a listen address (relay_split_host_port),
 * and the --mesh-with and --mesh-pin lists (relay_mesh_peers_parse,
 * relay_mesh_pins_parse).
 *
 * Input layout (fuzz_inputs.h): byte 0 picks the parser, the rest is the
 * file's text or the flag's value (which ends at a NUL, as in argv).
 *
 * Oracles, beyond "no crash, no read past the input":
 *  - every refusal says why, starting with what it is about ("error parsing
 *    rate config: ", "line N: " within the file's lines, Go's "address ..."
 *    or "lookup tcp/...", "--mesh-with: ", "--mesh-pin: "), NUL-terminated
 *    in its cap;
 *  - rate config: an accepted file's values, written back as JSON, read
 *    back the same; a refused file leaves both values zero;
 *  - allowlist: counting (no key buffer) and storing agree on the verdict
 *    and the count; each key stored is written in the file (as nodekey: and
 *    its hex digits, either case); one slot fewer than the count is refused
 *    with "more than";
 *  - listen address: the IP rule (-a) only ever refuses more than the plain
 *    split (--mesh-with hosts), never reads differently; an accepted
 *    address's host and port, joined as Go's net.JoinHostPort joins them,
 *    split back to the same;
 *  - --mesh-with: one peer per comma-separated entry; each has a host with
 *    no URL delimiters or blanks, a port 1..65535, and something to dial;
 *  - --mesh-pin: one pin per entry, 64 lowercase hex digits, the entry's
 *    digits lowercased.
 * The upstream oracle (conformance/peers/oracle.sh --only json) also reads
 * the rate-config and listen-address inputs with derper's own code. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "derp/derp_keys.h"
#include "derp/hex.h"
#include "fuzz_inputs.h"
#include "key_text_oracle.h"
#include "oracle_report.h"
#include "relay_allowlist.h"
#include "relay_hostport.h"
#include "relay_mesh_peers.h"
#include "relay_rateconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for any message whole: a refusal quotes the value (at most the input). */
#define ERR_CAP (2u * RELAY_CONFIG_FUZZ_MAX_INPUT + 256u)

FUZZ_ORACLE static bool starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

FUZZ_ORACLE static void check_refusal(const char *err, const char *prefix, const char *what) {
  ORACLE_ASSERT(memchr(err, '\0', ERR_CAP) != NULL, "%s: error text not terminated", what);
  ORACLE_ASSERT(starts_with(err, prefix) && strlen(err) > strlen(prefix),
                "%s refused with \"%s\", want \"%s...\"", what, err, prefix);
}

static void rate_config(const uint8_t *text, size_t len) {
  struct relay_rate_config rc;
  static char err[ERR_CAP];
  memset(err, 'x', sizeof err);
  if (!relay_rateconfig_parse(text, len, &rc, err, sizeof err)) {
    check_refusal(err, "error parsing rate config: ", "rate config");
    ORACLE_ASSERT(rc.bytes_per_sec == 0 && rc.burst_bytes == 0,
                  "a refused rate config left values %llu, %llu",
                  (unsigned long long)rc.bytes_per_sec, (unsigned long long)rc.burst_bytes);
    return;
  }
  char again[128];
  int n = snprintf(again, sizeof again,
                   "{\"PerClientRateLimitBytesPerSec\":%llu,\"PerClientRateBurstBytes\":%llu}",
                   (unsigned long long)rc.bytes_per_sec, (unsigned long long)rc.burst_bytes);
  struct relay_rate_config back;
  ORACLE_ASSERT(relay_rateconfig_parse((const uint8_t *)again, (size_t)n, &back, err, sizeof err),
                "the rate config written back (%s) is refused: %s", again, err);
  ORACLE_ASSERT(back.bytes_per_sec == rc.bytes_per_sec && back.burst_bytes == rc.burst_bytes,
                "the rate config written back (%s) reads differently", again);
}

FUZZ_ORACLE static size_t line_count(const uint8_t *text, size_t len) {
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  return lines;
}

static void allowlist(const uint8_t *text, size_t len) {
  static uint8_t keys[RELAY_CONFIG_FUZZ_MAX_INPUT / 64][32];
  static char err[ERR_CAP], err2[ERR_CAP];
  size_t counted = 0, stored = 0;
  bool ok = relay_allowlist_parse(text, len, NULL, 0, &counted, err, sizeof err);
  bool ok2 = relay_allowlist_parse(text, len, keys, sizeof keys / sizeof keys[0], &stored, err2,
                                   sizeof err2);
  ORACLE_ASSERT(ok == ok2, "counting says %d, storing says %d", ok, ok2);
  if (!ok) {
    ORACLE_ASSERT(strcmp(err, err2) == 0, "counting refused with \"%s\", storing with \"%s\"", err,
                  err2);
    check_refusal(err, "line ", "allowlist");
    unsigned long line = 0;
    ORACLE_ASSERT(
        sscanf(err, "line %lu: ", &line) == 1 && line >= 1 && line <= line_count(text, len),
        "refusal \"%s\" names no line of the %zu", err, line_count(text, len));
    return;
  }
  ORACLE_ASSERT(counted == stored, "counted %zu keys, stored %zu", counted, stored);
  for (size_t i = 0; i < stored; i++)
    ORACLE_ASSERT(fuzz_key_text_in(text, len, DERP_KEY_PUBLIC_PREFIX, keys[i]),
                  "key %zu is not written in the file", i);
  if (stored > 0) {
    size_t short_count = 0;
    ORACLE_ASSERT(
        !relay_allowlist_parse(text, len, keys, stored - 1, &short_count, err, sizeof err) &&
            strstr(err, "more than") != NULL,
        "%zu keys fit in %zu slots", stored, stored - 1);
  }
}

/* Go's texts: net.AddrError's ("address <addr or port>: why", the why
 * alone for an empty address) or the port lookup's. */
FUZZ_ORACLE static void check_address_refusal(const char *addr, const char *err) {
  ORACLE_ASSERT(memchr(err, '\0', ERR_CAP) != NULL, "address: error text not terminated");
  ORACLE_ASSERT(starts_with(err, "address ") || starts_with(err, "lookup tcp/") ||
                    (addr[0] == '\0' && strcmp(err, "missing port in address") == 0),
                "\"%s\" refused with \"%s\"", addr, err);
}

/* Go's net.JoinHostPort: brackets around a host with a colon. */
FUZZ_ORACLE static void join_host_port(const char *host, int port, char *out, size_t cap) {
  snprintf(out, cap, strchr(host, ':') != NULL ? "[%s]:%d" : "%s:%d", host, port);
}

static void listen_address(const char *addr) {
  static char host[RELAY_CONFIG_FUZZ_MAX_INPUT], host_any[RELAY_CONFIG_FUZZ_MAX_INPUT],
      again[RELAY_CONFIG_FUZZ_MAX_INPUT + 16], host_again[RELAY_CONFIG_FUZZ_MAX_INPUT],
      err[ERR_CAP];
  int port = -1, port_any = -1;
  bool any = relay_split_host_port_any(addr, host_any, sizeof host_any, &port_any, err, sizeof err);
  if (!any) check_address_refusal(addr, err);
  bool ip = relay_split_host_port(addr, host, sizeof host, &port, err, sizeof err);
  if (!ip) {
    check_address_refusal(addr, err);
    return;
  }
  ORACLE_ASSERT(any && strcmp(host, host_any) == 0 && port == port_any,
                "-a reads \"%s\" as (%s, %d), the plain split as %s (%s, %d)", addr, host, port,
                any ? "" : "refused", host_any, port_any);
  ORACLE_ASSERT(port >= 0 && port <= 65535, "port %d", port);
  join_host_port(host, port, again, sizeof again);
  int port_again = -1;
  ORACLE_ASSERT(
      relay_split_host_port(again, host_again, sizeof host_again, &port_again, err, sizeof err) &&
          strcmp(host_again, host) == 0 && port_again == port,
      "\"%s\" joined back as \"%s\" splits differently", addr, again);
}

FUZZ_ORACLE static size_t entries(const char *list) {
  size_t n = 1;
  for (const char *c = list; *c; c++) n += *c == ',';
  return n;
}

static void mesh_with(const char *list) {
  static struct relay_mesh_peer peers[RELAY_MESH_PEERS_MAX];
  static char err[ERR_CAP];
  size_t n = 0;
  if (!relay_mesh_peers_parse(list, peers, RELAY_MESH_PEERS_MAX, &n, err, sizeof err)) {
    check_refusal(err, "--mesh-with: ", "--mesh-with");
    return;
  }
  ORACLE_ASSERT(n == entries(list), "%zu peers from %zu entries", n, entries(list));
  for (size_t i = 0; i < n; i++) {
    const struct relay_mesh_peer *p = &peers[i];
    ORACLE_ASSERT(p->name[0] != '\0' && p->dial[0] != '\0' && p->url_host[0] != '\0',
                  "peer %zu: empty name, dial host or URL host", i);
    ORACLE_ASSERT(p->port >= 1 && p->port <= 65535, "peer %zu: port %d", i, p->port);
    for (const char *c = p->name; *c; c++)
      ORACLE_ASSERT(
          (unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f && strchr("/?#@\\[]", *c) == NULL,
          "peer %zu: host \"%s\" holds 0x%02x", i, p->name, (unsigned char)*c);
    ORACLE_ASSERT(strstr(p->url_host, p->name) != NULL, "peer %zu: URL host %s without name %s", i,
                  p->url_host, p->name);
  }
}

static void mesh_pins(const char *list) {
  static char pins[RELAY_MESH_PINS_MAX][65];
  static char err[ERR_CAP];
  size_t n = 0;
  if (!relay_mesh_pins_parse(list, pins, RELAY_MESH_PINS_MAX, &n, err, sizeof err)) {
    check_refusal(err, "--mesh-pin: ", "--mesh-pin");
    return;
  }
  ORACLE_ASSERT(n == entries(list), "%zu pins from %zu entries", n, entries(list));
  const char *entry = list;
  for (size_t i = 0; i < n; i++) {
    ORACLE_ASSERT(strlen(pins[i]) == 64, "pin %zu has %zu digits", i, strlen(pins[i]));
    const char *digits = strchr(entry, ':') + 1;
    for (size_t k = 0; k < 64; k++) {
      char c = pins[i][k];
      ORACLE_ASSERT(
          ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) &&
              derp_hex_digit_value((uint8_t)digits[k]) == derp_hex_digit_value((uint8_t)c),
          "pin %zu: digit %zu is '%c', the entry's '%c'", i, k, c, digits[k]);
    }
    entry = strchr(entry, ',') != NULL ? strchr(entry, ',') + 1 : entry;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct relay_config_fuzz_input in;
  if (!relay_config_fuzz_decode(data, size, &in)) return 0;
  switch (in.mode) {
    case RELAY_CONFIG_RATE: rate_config(in.text, in.len); break;
    case RELAY_CONFIG_ALLOWLIST: allowlist(in.text, in.len); break;
    case RELAY_CONFIG_LISTEN: listen_address(in.flag); break;
    case RELAY_CONFIG_MESH_WITH: mesh_with(in.flag); break;
    case RELAY_CONFIG_MESH_PIN: mesh_pins(in.flag); break;
    case RELAY_CONFIG_MODES: break;
  }
  return 0;
}
