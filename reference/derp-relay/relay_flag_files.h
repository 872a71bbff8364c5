/* relay_flag_files: reading the files derp-relay's flags name, each handed
 * to its parser (relay_rateconfig.h, relay_allowlist.h, derp_keys.h). */
#ifndef DERP_RELAY_FLAG_FILES_H
#define DERP_RELAY_FLAG_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay_rateconfig.h"

/* --rate-config, read at start and again on SIGHUP. Errors: "error reading
 * rate config: open <path>: ...", or the parser's. */
bool relay_rateconfig_load(const char *path, struct relay_rate_config *out, char *err, size_t cap);

/* --verify-clients-file: *keys is malloc'ed (free it), possibly NULL when
 * the file lists no key. Errors start with `--verify-clients-file <path>: `. */
bool relay_allowlist_load(const char *path, uint8_t (**keys)[32], size_t *count, char *err,
                          size_t errcap);

/* --mesh-psk-file, the key relays of one region share. A client whose
 * ClientInfo carries it is a mesh peer: it may watch the relay's clients
 * (WatchConns), forward packets to them (ForwardPacket) and close them
 * (ClosePeer), and --verify-clients admits it. The file holds 64 hex digits
 * (surrounding whitespace ignored, as derper reads it: derp_mesh_key_parse).
 * err names the file and what is wrong. */
bool relay_meshkey_load(const char *path, uint8_t key[32], char *err, size_t cap);

#endif
