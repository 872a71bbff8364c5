/* fixtures: the deployments people build around a relay, built for real on
 * loopback: Debian's nginx as a reverse proxy (configured right, without the
 * Upgrade headers, re-signing with its own certificate, or speaking plain
 * HTTP where TLS was expected) and haproxy balancing TCP over two relays
 * with different DERP keys. A scenario names one in relay.proxy; the
 * runner starts it after the relay, stops it by PID, and points the node at
 * it. Readiness: nginx's pid file (written once its listeners are open),
 * haproxy's stats socket (renamed into place after its frontends bind).
 * Internal to the runner. */
#ifndef DERPCHECK_FIXTURES_H
#define DERPCHECK_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

struct ctx;

/* The program a relay.proxy value needs ("nginx", "haproxy"), or NULL. */
const char *fixture_program(const char *proxy);
/* Its path, or NULL when it is not installed (the cells are then skipped,
 * naming the package). */
const char *fixture_program_path(const char *program);
/* Start the fixture relay.proxy names (after the relay): sets the port
 * clients dial. False with detail on failure. */
bool fixture_start(struct ctx *c, char *detail, size_t len);
/* relay.mesh_peer: the second relay, on c->relay2_port, meshed with the
 * first (which was told that port at its start). */
bool fixture_start_mesh_peer(struct ctx *c, char *detail, size_t len);
/* A raw step's restart_mesh_peer: stop it by PID, start it again on the
 * same port with the same key, wait until meshed again (ctx: struct ctx). */
bool fixture_restart_mesh_peer(void *ctx, char *detail, size_t len);
/* Stop what fixture_start started (safe to call when nothing runs). */
void fixture_stop(struct ctx *c);

#endif
