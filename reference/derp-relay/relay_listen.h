/* relay_listen: sockets bound on the host of -a (TCP for TLS and plain HTTP,
 * UDP for STUN), and the text of a socket address (bound or peer).
 *
 * Why shared: every listener follows derper's rule "same host as -a", and an
 * empty host means all interfaces on a dual-stack socket, so the address
 * logic lives in one place. */
#ifndef DERP_RELAY_LISTEN_H
#define DERP_RELAY_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* A non-blocking, close-on-exec socket of `type` (SOCK_STREAM/SOCK_DGRAM)
 * bound to host:port (host "" = [::] dual-stack); for SOCK_STREAM also
 * listening. Returns the fd or -1 with err set; *bound gets the address
 * actually bound ("127.0.0.1:43121" / "[::1]:43121"). */
int relay_listen_socket(int type, const char *host, int port, char *bound, size_t boundcap,
                        char *err, size_t errcap);

/* "a.b.c.d:port" or "[v6]:port" (IPv4-mapped IPv6 shown as IPv4, as Go
 * does); out needs 64 bytes. */
bool relay_format_sockaddr(const struct sockaddr *sa, char *out, size_t cap);

#endif
