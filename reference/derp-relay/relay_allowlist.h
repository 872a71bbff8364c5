/* relay_allowlist: the --verify-clients-file format.
 *
 * Why a file: derper's --verify-clients asks the local tailscaled whether a
 * node key belongs to the tailnet; derp-relay has no tailscaled, so the
 * admitted keys are listed instead, one `nodekey:<64 hex>` per line. Blank
 * lines and lines starting with '#' are skipped; surrounding spaces, tabs
 * and a CR before the LF are ignored. Anything else is an error naming the
 * line, so a typo never silently locks a client out. */
#ifndef DERP_RELAY_ALLOWLIST_H
#define DERP_RELAY_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest file read (relay_flag_files.h). */
#define RELAY_ALLOWLIST_MAX_BYTES (16u << 20)

/* Parse text[0..len). keys may be NULL to count only; otherwise at most cap
 * keys are stored (more is an error). *count gets the number of keys. */
bool relay_allowlist_parse(const uint8_t *text, size_t len, uint8_t (*keys)[32], size_t cap,
                           size_t *count, char *err, size_t errcap);

#endif
