/* client_conn: one DERP connection over TLS — the I/O shell around the
 * sans-I/O client_session.
 *
 * Opening follows derphttp's connect (spec §3.1, §3.3, §3.4): dial, TLS with
 * the dispatch's certificate check, then fast start when the handshake was
 * TLS >= 1.3 and the certificates hold a usable metacert (request with
 * "Derp-Fast-Start: 1" and ClientInfo in one write, no response read), else
 * the slow path (request, the 101 checked with http_head, ServerKey, then
 * ClientInfo). Like Go's Connect(), opening returns once ClientInfo is
 * written; callers that need the relay's acceptance wait for ServerInfo. */
#ifndef DERP_CLIENT_CONN_H
#define DERP_CLIENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client_dial.h"
#include "client_dispatch.h"
#include "client_tls.h"
#include "derp/client_session.h"
#include "derp/derpmap.h"
#include "derp/ws_frame.h"

/* Room for the 101 head and whatever arrives with it. */
#define CLIENT_CONN_INBUF (64u * 1024u)
#define CLIENT_CONN_MAX_HEAD 8192u
#define CLIENT_CONN_MAX_BODY 4096u /* of a non-101 answer, for the error text */

struct client_conn_options {
  enum client_profile profile;
  bool legacy_tls; /* debug-legacy changes this connection's TLS config */
  const char *ca_file;
  int tls_max;
  bool tls_only; /* stop after the TLS handshake */
  uint8_t client_priv[DERP_KEY_LEN];
  uint8_t client_pub[DERP_KEY_LEN];
  int64_t deadline_ms; /* monotonic: bounds dial, TLS and the upgrade */
  int64_t now;         /* Unix seconds, for certificate validity */
  /* --record: every connection's bytes after TLS, in derpcheck's record
   * format (conformance/src/transcript.h); NULL: not recorded. */
  FILE *record;
  bool websocket;    /* DERP over WebSocket (§6.1), never fast start */
  bool has_mesh_key; /* watch: ClientInfo carries the mesh key */
  uint8_t mesh_key[DERP_KEY_LEN];
};

enum client_stage {
  CLIENT_STAGE_DIAL = 0,
  CLIENT_STAGE_TLS,
  CLIENT_STAGE_DERP,
};

enum client_conn_status {
  CLIENT_CONN_OK = 0,
  CLIENT_CONN_CONFIG_ERROR, /* not a verdict: bad --ca-file, no dialable node, ... */
  CLIENT_CONN_FAILED,       /* err and c->failed_stage say what failed */
};

/* Not movable once opened (the TLS hook points into it). */
struct client_conn {
  struct client_tls tls;
  struct client_tls_setup setup;
  struct client_tls_options tls_opts;
  struct derp_client_session *session;
  bool fast;
  bool tls_done;
  size_t node_index;
  char addr[CLIENT_ADDR_MAX]; /* what was dialled, host:port */
  enum client_stage failed_stage;
  int http_status;         /* the upgrade's answer when it was not 101 (0: none) */
  FILE *record;            /* the options' record, for this connection's chunks */
  bool websocket, ws_open; /* DERP inside WebSocket; the 101 is in */
  struct ws_decoder ws_dec;
  char ws_accept[WS_ACCEPT_LEN + 1];
  uint8_t record_id; /* this connection's number in it */
  size_t in_pos, in_len;
  uint8_t in[CLIENT_CONN_INBUF];
};

void client_conn_init(struct client_conn *c);

/* One node over one dial target. `network` names the dial in errors
 * ("tcp", or "tcp4"/"tcp6" for the probe). On failure the TLS facts
 * (certificates presented, version) stay readable until client_conn_close. */
enum client_conn_status client_conn_open(struct client_conn *c, const struct derp_region *r,
                                         size_t node_index, const struct derp_dial_target *target,
                                         const char *network, const struct client_conn_options *o,
                                         char *err, size_t cap);

/* The region's nodes in order (derpmap's dial plan; a node's targets are
 * tried IPv4 first until one connects); the first node that connects wins.
 * err is the last failure. */
enum client_conn_status client_conn_open_region(struct client_conn *c, const struct derp_region *r,
                                                const struct client_conn_options *o, char *err,
                                                size_t cap);

/* Write what the session has queued. */
bool client_conn_flush(struct client_conn *c, int64_t deadline_ms, char *err, size_t cap);
/* The next session event other than NONE (reading as needed; queued
 * replies such as Pongs are flushed). False on a fatal session error, EOF,
 * a socket error or the deadline, with err set. */
bool client_conn_next_event(struct client_conn *c, int64_t deadline_ms,
                            struct derp_client_event *ev, char *err, size_t cap);
/* Read events until ServerInfo (the relay accepted us). */
bool client_conn_await_server_info(struct client_conn *c, int64_t deadline_ms, char *err,
                                   size_t cap);
void client_conn_close(struct client_conn *c);

#endif
