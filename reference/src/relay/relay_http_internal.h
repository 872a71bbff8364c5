/* Private to the relay_http module: response pieces its two listeners (the
 * TLS listener in relay_http.c, the plain port-80 one in
 * relay_http_port80.c) write the same way. */
#ifndef DERP_RELAY_HTTP_INTERNAL_H
#define DERP_RELAY_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

/* "Date: <IMF-fixdate>\r\n" as Go's http.TimeFormat; nothing for a clock
 * out of range. */
bool relay_http_write_date(struct byte_writer *w, int64_t now_unix);

#endif
