/* client_flags: the command line of derp-client.
 *
 * Why a file of its own: the flags are the conformance runner's contract
 * (`derp-client {mode} --derpmap F --region R --profile P --json ...`,
 * conformance/README.md), so every flag and every error is unit-tested
 * without dialling anything. Syntax: `--flag value` or `--flag=value`, one
 * or two dashes; `--json` takes no value. Parsing reads only argv: string
 * fields point into it. Errors are one line; the program exits 2 on them. */
#ifndef DERP_CLIENT_FLAGS_H
#define DERP_CLIENT_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_DEFAULT_TIMEOUT_MS 10000
#define CLIENT_MAX_TIMEOUT_MS (3600 * 1000)

enum client_mode {
  CLIENT_MODE_CONNECT = 0,
  CLIENT_MODE_SEND,
  CLIENT_MODE_RECV,
  CLIENT_MODE_PING,
  CLIENT_MODE_STUN,
  CLIENT_MODE_PROBE,
  CLIENT_MODE_WATCH,   /* a mesh watcher: PeerPresent/PeerGone as they come */
  CLIENT_MODE_FORWARD, /* a mesh peer's ForwardPacket */
};

/* The pin profiles of pin_verify, the release before pins, and the
 * pre-1.100 probe TLS config. */
enum client_profile {
  CLIENT_PROFILE_CURRENT = 0,
  CLIENT_PROFILE_TAILSCALE_1_82,
  CLIENT_PROFILE_TAILSCALE_1_84,
  CLIENT_PROFILE_DEBUG_LEGACY,
  CLIENT_PROFILE_TAILSCALE_1_80, /* no "sha256-raw:": every CertName is a name */
};

struct client_flags {
  enum client_mode mode;
  /* Where the node comes from: a DERPMap (file path, "-" for stdin, or the
   * JSON / snippet text itself when it starts with '{' or a space), a node
   * as flags, or the relay's snippet line. --snippet may accompany the
   * others: its hash then only feeds the Diagnosis. */
  const char *derpmap;
  const char *policy_file; /* a tailnet policy file whose "derpMap" is the map */
  const char *node;
  const char *snippet;
  const char *region; /* NULL: the map's only region */
  enum client_profile profile;
  const char *ca_file;
  const char *key_file;
  bool has_peer;
  uint8_t peer[32];
  const char *packet_hex; /* validated: even length, hex, <= 64 KiB decoded */
  size_t packet_len;      /* decoded length */
  const char *ready_file;
  const char *record;        /* --record FILE */
  const char *mesh_key_file; /* watch: the relays' --mesh-psk-file */
  int64_t timeout_ms;        /* --timeout: bounds the whole run */
  bool timeout_given;
  int64_t wait_ms;   /* --timeout-ms: how long recv waits for a packet */
  int tls_max;       /* 0, 0x0303 or 0x0304 */
  bool tls_only;     /* connect: stop after the TLS handshake (TLS-layer tests) */
  bool all_versions; /* probe: also a verdict per client release range */
  bool websocket;    /* DERP over WebSocket */
  bool json;
};

enum client_flags_result {
  CLIENT_FLAGS_OK = 0,
  CLIENT_FLAGS_HELP,
  CLIENT_FLAGS_ERROR,
};

enum client_flags_result client_flags_parse(int argc, char *const argv[], struct client_flags *out,
                                            char *err, size_t err_cap);
const char *client_flags_usage(void);

const char *client_profile_name(enum client_profile p);
bool client_profile_from_name(const char *name, enum client_profile *out);

/* "10s", "500ms", "2m", or a bare number of seconds; 1 ms .. 1 h. */
bool client_parse_timeout(const char *s, int64_t *ms);
/* Hex text to bytes: even length, either case; with out NULL, only the
 * check and *out_len. */
bool client_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *out_len);

#endif
