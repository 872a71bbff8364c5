/* client_stun: one Tailscale STUN binding exchange over UDP (spec §7.2),
 * the I/O shell around the stun module's request encoder and response
 * parser. Used by the `stun` mode and by the probe's STUN check. */
#ifndef DERP_CLIENT_STUN_H
#define DERP_CLIENT_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum client_stun_status {
  CLIENT_STUN_OK = 0,
  CLIENT_STUN_RESOLVE_ERROR, /* host did not resolve in the family */
  CLIENT_STUN_LISTEN_ERROR,  /* no UDP socket */
  CLIENT_STUN_SEND_ERROR,
  CLIENT_STUN_NO_RESPONSE, /* nothing with our transaction ID before the deadline */
};

struct client_stun_result {
  enum client_stun_status status;
  char target[64]; /* ip:port the request went to ("[v6]:port") */
  char mapped[64]; /* the reflexive address, Go's netip.AddrPort form */
  char err[256];
};

/* host: an address literal or a name (resolved in `family`, 4 or 6, first
 * address). Packets from elsewhere or with another transaction ID are
 * ignored, as upstream's probe does. */
void client_stun_query(const char *host, int family, uint16_t port, int64_t deadline_ms,
                       struct client_stun_result *out);

#endif
