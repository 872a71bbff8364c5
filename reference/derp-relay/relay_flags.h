/* relay_flags: the command line of derp-relay.
 *
 * Why a module of its own: the flags are the relay's user interface and the
 * conformance runner's contract, so every flag and every error message is
 * unit-tested without starting a server. Syntax follows Go's flag package
 * (derper is a Go program and users paste derper command lines): `-flag`,
 * `--flag`, `-flag=value`, `-flag value`; booleans take `=value` only
 * (`--stun=false`); `--` ends the flags. Flags shared with derper keep its
 * names, defaults and error texts where they overlap; the divergences are
 * listed in relay_flags_usage().
 *
 * Parsing reads nothing but argv (no environment, no files): the caller
 * passes the environment-derived defaults in. String fields point into argv
 * or into the caller's defaults, which must outlive the struct. */
#ifndef DERP_RELAY_FLAGS_H
#define DERP_RELAY_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "relay_hostport.h"

#define RELAY_FLAGS_HOST_MAX 256

enum relay_tls_version {
  RELAY_TLS_1_2 = 0x0303,
  RELAY_TLS_1_3 = 0x0304,
};

struct relay_flags {
  /* -a: listen address as given, and split into host (brackets removed,
   * empty = all interfaces) and port (0 = ephemeral). */
  const char *addr;
  char listen_host[RELAY_FLAGS_HOST_MAX];
  int listen_port;

  const char *hostname; /* --hostname */
  const char *certmode; /* --certmode; only "manual" is accepted */
  const char *certdir;  /* --certdir; never empty after a successful parse */
  const char *keyfile;  /* -c; NULL = ephemeral key, not persisted */

  bool stun;     /* --stun */
  int stun_port; /* --stun-port, 0 = ephemeral; unset: 3478, or 0 when -a has port 0 */
  bool derp;     /* --derp */
  int http_port; /* --http-port, -1 = no plain-HTTP listener */
  int64_t tcp_write_timeout_ns; /* --tcp-write-timeout, 0 = none */

  bool verify_clients;             /* --verify-clients */
  const char *verify_clients_file; /* --verify-clients-file */
  const char *mesh_psk_file;       /* --mesh-psk-file */
  const char *mesh_with;           /* --mesh-with (relay_mesh_peers.h syntax) */
  const char *mesh_ca_file;        /* --mesh-ca-file: roots for mesh peers, NULL = system */
  const char *mesh_pin;            /* --mesh-pin: sha256-raw: pins accepted for mesh peers */
  const char *rate_config;         /* --rate-config: derper's JSON, reloaded on SIGHUP */

  bool metacert;                  /* --metacert=on|off */
  enum relay_tls_version tls_min; /* --tls-min */
  enum relay_tls_version tls_max; /* --tls-max */
  const char *ready_file;         /* --ready-file, NULL = none */
  int64_t handshake_timeout_ns;   /* --handshake-timeout */
};

enum relay_flags_result {
  RELAY_FLAGS_OK = 0,
  RELAY_FLAGS_HELP,  /* -h / -help / --help: print usage, exit 0 */
  RELAY_FLAGS_ERROR, /* message in err; exit 2 as Go's flag package does */
};

/* Fill the defaults. `default_certdir` is derper's
 * `<os.UserCacheDir()>/tailscale/derper-certs` as computed by the caller (may
 * be NULL or empty: --certdir is then required). */
void relay_flags_defaults(struct relay_flags *f, const char *default_certdir);

/* Parse argv[1..argc-1] over the defaults already in *f. On error writes a
 * one-line message (no trailing newline) into err. */
enum relay_flags_result relay_flags_parse(struct relay_flags *f, int argc, char *const argv[],
                                          char *err, size_t errcap);

void relay_flags_usage(FILE *out, const char *prog);

#endif
