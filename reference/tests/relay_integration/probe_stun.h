/* probe_stun: one Tailscale STUN binding request to the relay's responder.
 * Prints `stun_mapped host:port` and `stun_local host:port`; the two must be
 * equal on loopback (the relay reports the address it saw). */
#ifndef PROBE_STUN_H
#define PROBE_STUN_H

#include <stdbool.h>

bool probe_stun(const char *addr);

#endif
