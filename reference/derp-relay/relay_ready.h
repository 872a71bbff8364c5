/* relay_ready: the --ready-file contract with test harnesses.
 *
 * Why: tests start derp-relay on port 0 and must learn the bound port without
 * sleeping or scraping logs. Once every listener is bound, the relay writes
 *   host:port\n            (the TLS listener: 127.0.0.1:43121 or [::1]:43121)
 *   stun host:port\n       (only when STUN is enabled)
 * to a temporary file in the same directory and renames it over the path, so
 * a reader that sees the file sees all of it. */
#ifndef DERP_RELAY_READY_H
#define DERP_RELAY_READY_H

#include <stdbool.h>
#include <stddef.h>

/* Write the contents atomically (temp file + rename); err gets the reason. */
bool relay_ready_write(const char *path, const char *tls_addr, const char *stun_addr, char *err,
                       size_t errcap);

#endif
