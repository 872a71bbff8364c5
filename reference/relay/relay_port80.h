/* relay_port80: what derper's plain-HTTP listener (--http-port, spec §7.1)
 * answers in manual cert mode, as a pure function like relay_http_route.
 *
 *   /generate_204          -> relay_http_route's answer (204 + challenge echo)
 *   method not GET / HEAD  -> 400 "Use HTTPS"
 *   anything else          -> 302 to https://<Host><request-target>
 *
 * Why here and not in relay_http: relay_http has no port-80 entry point yet;
 * this keeps the shell free of routing all the same, and reuses relay_http
 * for the one endpoint the two listeners share. (derper also serves /debug
 * on port 80 to trusted addresses; derp-relay has no /debug.) */
#ifndef DERP_RELAY_PORT80_H
#define DERP_RELAY_PORT80_H

#include <stdint.h>

#include "derp/byte_cursor.h"
#include "derp/http_head.h"
#include "derp/relay_http.h"

/* Same contract as relay_http_route: the response is appended to *out and
 * *decision says whether to close afterwards (action is always REPLY). */
enum relay_http_status relay_port80_route(const struct http_request *req,
                                          const struct relay_http_settings *settings,
                                          int64_t now_unix, struct byte_writer *out,
                                          struct relay_http_decision *decision);

#endif
