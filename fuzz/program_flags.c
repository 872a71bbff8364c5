/* Fuzz target program_flags: the command lines of derp-relay
 * (relay_flags_parse, derper's flags) and derp-client (client_flags_parse,
 * the conformance runner's contract), as main() hands them argv.
 *
 * Input layout: byte 0 picks the program (even: derp-relay, odd:
 * derp-client); the rest, split at NUL bytes, is argv[1..] (at most
 * ARGS_MAX arguments; argv[0] is the program's name).
 *
 * Oracles, beyond "no crash, no read past an argument, no leak":
 *  - the answer is OK, HELP or ERROR, and an ERROR says why (derp-client in
 *    one line, any argument shown as %q shows it; derp-relay prints a flag
 *    name as Go's flag package does, as it is, newlines and all);
 *  - parsing is deterministic: a second parse over fresh defaults gives the
 *    same answer and message (and derp-relay the same listen address);
 *  - derp-relay OK: its -a splits (relay_split_host_port) to the host and
 *    port it kept, in 0..65535; a --mesh-with list is never without
 *    --mesh-psk-file (an empty one means no meshing, as in derper);
 *  - derp-client OK: a packet is whole hex within 64 KiB (its decoded
 *    length half the text's), timeouts within their bounds, TLS max 0,
 *    1.2 or 1.3. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "client_flags.h"
#include "oracle_report.h"
#include "relay_flags.h"
#include "relay_hostport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROGRAM_FLAGS_FUZZ_MAX_INPUT 4096u
#define ARGS_MAX 64
#define ERR_CAP 1024u

FUZZ_ORACLE static void check_message(const char *err, bool one_line, const char *what) {
  ORACLE_ASSERT(err[0] != '\0' && (!one_line || strchr(err, '\n') == NULL),
                "%s: error \"%s\" is empty or not one line", what, err);
}

static void relay(int argc, char **argv) {
  static struct relay_flags f, g;
  static char err[ERR_CAP], err2[ERR_CAP];
  relay_flags_defaults(&f, "/var/cache/derper-certs");
  relay_flags_defaults(&g, "/var/cache/derper-certs");
  err[0] = err2[0] = '\0';
  enum relay_flags_result r = relay_flags_parse(&f, argc, argv, err, sizeof err);
  enum relay_flags_result r2 = relay_flags_parse(&g, argc, argv, err2, sizeof err2);
  ORACLE_ASSERT(r == RELAY_FLAGS_OK || r == RELAY_FLAGS_HELP || r == RELAY_FLAGS_ERROR,
                "derp-relay: answer %d", r);
  ORACLE_ASSERT(r == r2 && strcmp(err, err2) == 0, "derp-relay: %d \"%s\", then %d \"%s\"", r, err,
                r2, err2);
  if (r == RELAY_FLAGS_ERROR) check_message(err, false, "derp-relay");
  if (r != RELAY_FLAGS_OK) return;
  ORACLE_ASSERT(strcmp(f.addr, g.addr) == 0 && f.listen_port == g.listen_port &&
                    strcmp(f.listen_host, g.listen_host) == 0,
                "derp-relay: -a read as %s and %s", f.addr, g.addr);
  static char host[sizeof f.listen_host];
  int port = -1;
  ORACLE_ASSERT(relay_split_host_port(f.addr, host, sizeof host, &port, err, sizeof err) &&
                    strcmp(host, f.listen_host) == 0 && port == f.listen_port,
                "derp-relay: -a %s kept as (%s, %d)", f.addr, f.listen_host, f.listen_port);
  ORACLE_ASSERT(f.listen_port >= 0 && f.listen_port <= 65535, "derp-relay: port %d", f.listen_port);
  ORACLE_ASSERT(f.mesh_with == NULL || f.mesh_with[0] == '\0' || f.mesh_psk_file != NULL,
                "derp-relay: --mesh-with without --mesh-psk-file");
}

FUZZ_ORACLE static bool all_hex(const char *s) {
  for (; *s; s++)
    if (strchr("0123456789abcdefABCDEF", *s) == NULL) return false;
  return true;
}

static void client(int argc, char **argv) {
  static struct client_flags f, g;
  static char err[ERR_CAP], err2[ERR_CAP];
  err[0] = err2[0] = '\0';
  enum client_flags_result r = client_flags_parse(argc, argv, &f, err, sizeof err);
  enum client_flags_result r2 = client_flags_parse(argc, argv, &g, err2, sizeof err2);
  ORACLE_ASSERT(r == CLIENT_FLAGS_OK || r == CLIENT_FLAGS_HELP || r == CLIENT_FLAGS_ERROR,
                "derp-client: answer %d", r);
  ORACLE_ASSERT(r == r2 && strcmp(err, err2) == 0, "derp-client: %d \"%s\", then %d \"%s\"", r, err,
                r2, err2);
  if (r == CLIENT_FLAGS_ERROR) check_message(err, true, "derp-client");
  if (r != CLIENT_FLAGS_OK) return;
  if (f.packet_hex != NULL)
    ORACLE_ASSERT(all_hex(f.packet_hex) && strlen(f.packet_hex) == 2 * f.packet_len &&
                      f.packet_len <= 64u * 1024u,
                  "derp-client: packet of %zu hex digits kept as %zu bytes", strlen(f.packet_hex),
                  f.packet_len);
  ORACLE_ASSERT(f.timeout_ms > 0 && f.timeout_ms <= CLIENT_MAX_TIMEOUT_MS,
                "derp-client: timeout %lld ms", (long long)f.timeout_ms);
  ORACLE_ASSERT(f.tls_max == 0 || f.tls_max == 0x0303 || f.tls_max == 0x0304,
                "derp-client: TLS max 0x%x", (unsigned)f.tls_max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > PROGRAM_FLAGS_FUZZ_MAX_INPUT) return 0;
  static char text[PROGRAM_FLAGS_FUZZ_MAX_INPUT + 1];
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  bool is_client = data[0] & 1;
  char *argv[ARGS_MAX + 2];
  int argc = 0;
  argv[argc++] = (char *)(is_client ? "derp-client" : "derp-relay");
  /* Each argument is exactly as long as the input says: its own heap copy
   * would be truer still, but a read past one runs into the next's bytes
   * or the final NUL, never past the buffer. */
  for (char *p = text; argc <= ARGS_MAX && p < text + (size - 1);) {
    argv[argc++] = p;
    p += strlen(p) + 1;
  }
  argv[argc] = NULL;
  if (is_client)
    client(argc, argv);
  else
    relay(argc, argv);
  return 0;
}
