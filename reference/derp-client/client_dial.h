/* client_dial: TCP connect with a deadline, and Go's error texts for it.
 *
 * Why Go's texts: the probe's Errors embed the dial error verbatim
 * ("Error connecting to node \"h\" @ \"127.0.0.1:1\" over IPv4: dial tcp4
 * 127.0.0.1:1: connect: connection refused"), and conformance compares them
 * with upstream. Names that are not literals are resolved with getaddrinfo in
 * the target's family only (it cannot be bounded by the deadline; tests use
 * literals). */
#ifndef DERP_CLIENT_DIAL_H
#define DERP_CLIENT_DIAL_H

#include <stddef.h>
#include <stdint.h>

#include "derp/derpmap.h"

#define CLIENT_ADDR_MAX (DERP_MAP_MAX_STRING + 16)

/* Go's net.JoinHostPort: brackets around a host containing ':'. */
void client_join_host_port(const char *host, unsigned port, char *out, size_t cap);

/* Connect to t before deadline_ms (monotonic). `network` is Go's network
 * name for the error text ("tcp", "tcp4", "tcp6"). Returns a non-blocking
 * socket, or -1 with err set, e.g. "dial tcp4 127.0.0.1:1: connect:
 * connection refused", "dial tcp4 10.0.0.1:443: i/o timeout". */
int client_dial_tcp(const struct derp_dial_target *t, const char *network, int64_t deadline_ms,
                    char *err, size_t cap);

/* Wait until fd is ready for `events` (POLLIN/POLLOUT) or the deadline:
 * 1 ready, 0 timeout, -1 poll error. */
int client_wait_fd(int fd, short events, int64_t deadline_ms);

/* Go's syscall.Errno text: strerror with the first letter lowered. */
void client_errno_text(int e, char *out, size_t cap);

#endif
