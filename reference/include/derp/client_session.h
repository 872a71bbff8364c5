/* client_session: the client side of one DERP connection, sans I/O — the
 * mirror of the relay's per-connection core.
 *
 * The I/O shell dials (derpmap's dial plan), does TLS (and, from the
 * certificate list, the metacert), and then only moves bytes: whatever the
 * session has pending goes to the socket, whatever the socket yields is fed
 * in, and the session answers with events. It never reads a clock (time is a
 * parameter where rate limiting needs it) and draws nonce bytes from an
 * injectable callback, so a fuzzer or a test replays it deterministically.
 *
 * Handshake (spec §3.3/§3.4, §6.5):
 *  - fast start (the shell saw TLS >= 1.3 and a usable metacert): the upgrade
 *    request carries "Derp-Fast-Start: 1" and is followed at once by
 *    ClientInfo sealed to the metacert's key; no HTTP response is expected,
 *    and the ServerKey frame the server still sends is skipped like any
 *    unexpected frame;
 *  - slow path: the request goes out alone; the shell reads and checks the
 *    101 (http_head), then feeds the bytes after it here. The first frame must
 *    be ServerKey; ClientInfo is queued in reply.
 * ServerInfo may then arrive at any time, as in Go's Recv loop.
 *
 * Error and log texts are Go's derp.Client texts (spec §6.6), without the
 * "derp.Recv: " / "derp.Client: failed to receive server key: " wrappers. */
#ifndef DERP_CLIENT_SESSION_H
#define DERP_CLIENT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"
#include "derp/derp_frame.h"

/* What ClientInfo says (field order as Go's client writes it). */
#define DERP_CLIENT_INFO_JSON "{\"version\":2,\"CanAckPings\":true}"
/* Bytes the session will hold for the socket before refusing more sends. */
#define DERP_CLIENT_OUT_QUEUE_CAP \
  (4u * (DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + DERP_MAX_PACKET_SIZE))
/* Largest frame the receive side accepts (Go: n > 1<<20 is fatal). */
#define DERP_CLIENT_MAX_FRAME_LEN (1u << 20)
#define DERP_CLIENT_ERR_SIZE 160

/* Fill buf with n random bytes; false if no randomness is available. */
typedef bool (*derp_random_fn)(void *ctx, uint8_t *buf, size_t n);

/* The exact request Go's derphttp client writes (spec §3.3 step 1), headers
 * in Go's wire order (Host, User-Agent, then sorted: Connection,
 * Derp-Fast-Start, Ideal-Node, Upgrade). `host` is the node's HostName (as
 * Go's URL "https://<HostName>/derp"), or "host:port" / "[v6]:port" for a URL
 * with a port (a mesh peer's); an unbracketed IPv6 literal is bracketed. ideal_node may be NULL or "". False, with nothing written,
 * if a value holds bytes a header cannot carry (controls, space, non-ASCII;
 * empty host) or w lacks room. */
bool derp_client_write_upgrade_request(struct byte_writer *w, const char *host,
                                       const char *ideal_node, bool fast_start);
/* The WebSocket variant (spec §6.1), as Go's WebSocket dialer writes it:
 * Upgrade: websocket, the "derp" subprotocol, version 13 and `key` (the
 * base64 of 16 random bytes). Never fast start. */
bool derp_client_write_websocket_request(struct byte_writer *w, const char *host, const char *key);

struct derp_client_config {
  const char *host;       /* Host header: the node's HostName */
  const char *ideal_node; /* NULL or "": no Ideal-Node header */
  uint8_t client_priv[DERP_KEY_LEN];
  uint8_t client_pub[DERP_KEY_LEN];
  /* Fast start: the caller decided it (TLS >= 1.3 and metacert key and
   * version non-zero) and server_pub is the metacert's key. */
  bool fast_start;
  uint8_t server_pub[DERP_KEY_LEN];
  /* The transport writes its own WebSocket handshake and carries the DERP
   * stream in binary messages: the session writes no request. */
  bool websocket;
  /* A mesh peer's key (the relays' --mesh-psk-file), sent in ClientInfo as
   * Go's "meshKey": the relay then lets this client watch and forward. */
  bool has_mesh_key;
  uint8_t mesh_key[DERP_KEY_LEN];
  derp_random_fn random; /* NULL: libsodium's randombytes_buf */
  void *random_ctx;
};

enum derp_client_state {
  DERP_CLIENT_AWAIT_SERVER_KEY, /* slow path, request sent */
  DERP_CLIENT_CONNECTED,        /* ClientInfo queued; frames flow */
  DERP_CLIENT_FAILED,           /* fatal error; see derp_client_error */
};

enum derp_client_event_kind {
  DERP_CLIENT_EV_NONE = 0,    /* all input consumed, nothing to report */
  DERP_CLIENT_EV_SERVER_KEY,  /* slow path: key learned, ClientInfo queued */
  DERP_CLIENT_EV_SERVER_INFO, /* version and token bucket recorded */
  DERP_CLIENT_EV_RECV_PACKET,
  DERP_CLIENT_EV_PEER_GONE,
  DERP_CLIENT_EV_PEER_PRESENT,
  DERP_CLIENT_EV_PING, /* a Pong with the same bytes was queued */
  DERP_CLIENT_EV_PONG,
  DERP_CLIENT_EV_HEALTH,
  DERP_CLIENT_EV_RESTARTING,
  DERP_CLIENT_EV_KEEP_ALIVE,
  DERP_CLIENT_EV_SKIPPED, /* unknown/unexpected frame type, payload dropped */
  DERP_CLIENT_EV_LOG,     /* frame dropped, connection kept: ev.text says why */
  DERP_CLIENT_EV_ERROR,   /* fatal: ev.text; the session is FAILED */
};

struct derp_server_info_msg {
  int64_t version;
  int64_t token_bucket_bytes_per_second; /* 0: no limit */
  int64_t token_bucket_bytes_burst;
};

/* Borrowed pointers stay valid until the next call on the session. */
struct derp_client_event {
  enum derp_client_event_kind kind;
  uint8_t frame_type; /* the frame behind the event */
  uint32_t frame_len;
  uint8_t key[DERP_KEY_LEN]; /* SERVER_KEY, RECV_PACKET source, PEER_GONE, PEER_PRESENT */
  const uint8_t *data;       /* RECV_PACKET packet, HEALTH text (not NUL-terminated) */
  size_t data_len;
  uint8_t ping[DERP_PING_LEN];       /* PING, PONG */
  uint8_t reason;                    /* PEER_GONE */
  struct derp_peer_present present;  /* PEER_PRESENT */
  struct derp_restarting restarting; /* RESTARTING */
  struct derp_server_info_msg server_info;
  const char *text; /* LOG, ERROR */
};

struct derp_client_session;

/* Queues the upgrade request (and, in fast start, ClientInfo). NULL with
 * err filled on a bad config, no memory or no randomness. */
struct derp_client_session *derp_client_session_new(const struct derp_client_config *cfg, char *err,
                                                    size_t err_cap);
void derp_client_session_free(struct derp_client_session *s);

enum derp_client_state derp_client_state(const struct derp_client_session *s);
/* The fatal error text, or "" while the session is alive. */
const char *derp_client_error(const struct derp_client_session *s);
/* The server key in use (metacert or ServerKey frame); false before known. */
bool derp_client_server_key(const struct derp_client_session *s, uint8_t out[DERP_KEY_LEN]);
/* The last ServerInfo; false before one arrived. */
bool derp_client_server_info(const struct derp_client_session *s, struct derp_server_info_msg *out);

/* Feed stream bytes (after the HTTP head). Returns how many were consumed;
 * call again with the rest while an event other than NONE comes back. After
 * ERROR every call returns ERROR again and consumes nothing. */
size_t derp_client_feed(struct derp_client_session *s, const uint8_t *in, size_t n,
                        struct derp_client_event *ev);

/* Bytes waiting for the socket, and how many of them were written. */
const uint8_t *derp_client_pending(const struct derp_client_session *s, size_t *len);
void derp_client_consume(struct derp_client_session *s, size_t n);

enum derp_client_send_status {
  DERP_CLIENT_SEND_OK = 0,
  DERP_CLIENT_SEND_RATE_LIMITED, /* dropped by the ServerInfo token bucket, as Go does silently */
  DERP_CLIENT_SEND_TOO_BIG,      /* "packet too big: <n>" */
  DERP_CLIENT_SEND_QUEUE_FULL,   /* drain pending bytes first */
  DERP_CLIENT_SEND_NOT_READY,    /* before ClientInfo, or after a fatal error */
};

/* now_ns: monotonic time, only used by the token bucket. On failure the
 * reason text is in derp_client_send_error. */
enum derp_client_send_status derp_client_send_packet(struct derp_client_session *s, uint64_t now_ns,
                                                     const uint8_t dst[DERP_KEY_LEN],
                                                     const uint8_t *pkt, size_t len);
enum derp_client_send_status derp_client_note_preferred(struct derp_client_session *s,
                                                        bool preferred);
/* WatchConns (mesh peers only): the relay answers with PeerPresent for
 * every client, then each arrival and departure. */
enum derp_client_send_status derp_client_send_watch_conns(struct derp_client_session *s);
/* ForwardPacket (mesh peers only): pkt from src, for the relay's client dst. */
enum derp_client_send_status derp_client_send_forward_packet(struct derp_client_session *s,
                                                             const uint8_t src[DERP_KEY_LEN],
                                                             const uint8_t dst[DERP_KEY_LEN],
                                                             const uint8_t *pkt, size_t len);
enum derp_client_send_status derp_client_send_ping(struct derp_client_session *s,
                                                   const uint8_t data[DERP_PING_LEN]);
const char *derp_client_send_error(const struct derp_client_session *s);

/* ServerInfo payload -> message (pure; what the session does on the frame).
 * The payload is decrypted in place. False with Go's error text in err:
 * "short serverInfo frame", "long serverInfo frame", "failed to open naclbox
 * from server key nodekey:<hex>", "invalid JSON: <why>". */
bool derp_client_open_server_info(uint8_t *payload, size_t len,
                                  const uint8_t server_pub[DERP_KEY_LEN],
                                  const uint8_t client_priv[DERP_KEY_LEN],
                                  struct derp_server_info_msg *out, char *err, size_t err_cap);
/* The opened box's JSON -> message, as Go's json.Unmarshal into
 * derp.ServerInfo (false with Go's text, which the above prefixes with
 * "invalid JSON: "). */
bool derp_client_decode_server_info(const uint8_t *json, size_t len,
                                    struct derp_server_info_msg *out, char *err, size_t err_cap);

#endif
