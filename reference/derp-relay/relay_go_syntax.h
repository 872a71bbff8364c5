/* relay_go_syntax: the value syntaxes derp-relay's flags share with Go
 * (time.ParseDuration, net.SplitHostPort; IP literals are go_parse_ip), so a
 * derper command line means the same thing here. Pure functions over strings. */
#ifndef DERP_RELAY_GO_SYNTAX_H
#define DERP_RELAY_GO_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Go duration syntax ("2s", "1m30s", "250ms", "1.5h", "0"; units ns us µs ms
 * s m h; optional sign). Returns false on a syntax error or overflow. */
bool relay_parse_duration(const char *s, int64_t *ns);

/* Split "host:port", "[v6]:port" or ":port" (Go's net.SplitHostPort rules)
 * and check the port is 0..65535 (numeric, or the service names http/https).
 * On error writes Go's message, e.g. `address 1.2.3.4: missing port in address`. */
bool relay_split_host_port(const char *addr, char *host, size_t hostcap, int *port, char *err,
                           size_t errcap);

#endif
