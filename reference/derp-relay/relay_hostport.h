/* relay_hostport: derper's -a listen address, so a derper command line
 * means the same thing here: Go's net.SplitHostPort (its syntax and its
 * messages) plus derper's own rules on top (port 0..65535 or http/https, an
 * IP host). Only the flags use it (-a, and --mesh-with without the IP
 * rule), so it stays with them; the plain Go syntaxes (durations, IP
 * literals) are derp/go.h. */
#ifndef DERP_RELAY_HOSTPORT_H
#define DERP_RELAY_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Split "host:port", "[v6]:port" or ":port" (Go's net.SplitHostPort rules)
 * and read the port as net.Listen does (net.LookupPort: a signed number in
 * 0..65535, "" is 0, or a service name: only http and https here). On error
 * writes Go's message, e.g. `address 1.2.3.4: missing port in address`,
 * `address 65536: invalid port`, `lookup tcp/x: unknown port`. */
bool relay_split_host_port(const char *addr, char *host, size_t hostcap, int *port, char *err,
                           size_t errcap);
/* The same without the IP rule: any host name (a --mesh-with peer's). */
bool relay_split_host_port_any(const char *addr, char *host, size_t hostcap, int *port, char *err,
                               size_t errcap);

#endif
