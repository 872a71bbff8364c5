/* relay_derp_io: the DERP phase of a connection: non-blocking
 * SSL_read/SSL_write driven by one libevent event per socket (see
 * relay_connection.h for why the bufferevent is dropped at the upgrade). */
#ifndef DERP_RELAY_DERP_IO_H
#define DERP_RELAY_DERP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct relay_connection;

/* _start takes over from the bufferevent right after relay_conn_open (false:
 * set-up failed, the connection is still the caller's to free); the bytes
 * already read after the HTTP head are fed to relay_core. The socket's event
 * calls on_ready(fd, what, c), which calls _ready: it reads into relay_core
 * and writes relay_core's queue as the socket allows, and returns false when
 * the stream ended (reason set: "EOF", the TLS error, "write failed"; the
 * caller closes). _write writes relay_core's queue. _stop releases the event.
 * _start, _ready and _write feed relay_core: the caller pumps afterwards. */
/* How the DERP stream travels: raw after the 101, inside WebSocket binary
 * messages, or WebSocket without the derp subprotocol (closed with 1008). */
enum relay_ws_mode { RELAY_WS_NONE = 0, RELAY_WS_DERP, RELAY_WS_NOT_DERP };
bool relay_derp_io_start(struct relay_connection *c, uint64_t now, event_callback_fn on_ready,
                         enum relay_ws_mode ws_mode);
bool relay_derp_io_ready(struct relay_connection *c, short what, uint64_t now, char *reason,
                         size_t cap);
void relay_derp_io_write(struct relay_connection *c, uint64_t now);
void relay_derp_io_stop(struct relay_connection *c);
/* The rate limit (relay_core) holds reading: stop or resume waiting for
 * readability. */
void relay_derp_io_pause_read(struct relay_connection *c, bool paused);

#endif
