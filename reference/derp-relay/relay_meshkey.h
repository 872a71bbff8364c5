/* relay_meshkey: --mesh-psk-file, the key relays of one region share. A
 * client whose ClientInfo carries it is a mesh peer: it may watch the
 * relay's clients (WatchConns), forward packets to them (ForwardPacket)
 * and close them (ClosePeer), and --verify-clients admits it. */
#ifndef DERP_RELAY_MESHKEY_H
#define DERP_RELAY_MESHKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The file holds 64 hex digits (surrounding whitespace ignored, as derper
 * reads it: derp_mesh_key_parse). err names the file and what is wrong. */
bool relay_meshkey_load(const char *path, uint8_t key[32], char *err, size_t cap);

#endif
