/* relay_derp_io: the DERP phase of a connection: non-blocking
 * SSL_read/SSL_write driven by one libevent event per socket (see
 * relay_connection.h for why the bufferevent is dropped at the upgrade). */
#ifndef DERP_RELAY_DERP_IO_H
#define DERP_RELAY_DERP_IO_H

#include <stdbool.h>
#include <stdint.h>

struct relay_connection;

/* _start takes over from the bufferevent right after relay_conn_open (false:
 * set-up failed, the connection is still the caller's to free); the bytes
 * already read after the HTTP head are fed to relay_core. _write writes
 * relay_core's queue. _stop releases the event. Both feed relay_core: the
 * caller pumps afterwards. */
bool relay_derp_io_start(struct relay_connection *c, uint64_t now);
void relay_derp_io_write(struct relay_connection *c, uint64_t now);
void relay_derp_io_stop(struct relay_connection *c);

#endif
