/* relay_stun: derp-relay's STUN responder (spec §7.2), a UDP socket on the
 * host of -a and --stun-port, driven by the event loop.
 *
 * The decisions (which packets to answer, the response bytes) are the stun
 * module's; this file only receives datagrams and sends answers. Anything
 * that is not a Tailscale binding request is dropped silently, as upstream
 * does: a log line per junk datagram would let anyone flood the log. */
#ifndef DERP_RELAY_STUN_H
#define DERP_RELAY_STUN_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct relay_stun;

/* Bind and start answering. *bound gets "host:port" (for the ready file). */
struct relay_stun *relay_stun_start(struct event_base *base, const char *host, int port,
                                    char *bound, size_t boundcap, char *err, size_t errcap);
void relay_stun_free(struct relay_stun *s);

#endif
