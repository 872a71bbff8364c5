/* probe_derp: a minimal DERP client for the integration tests, built from the
 * library's sans-I/O pieces (http_head for the 101, derp_frame for frames and
 * the NaCl boxes, metacert for fast start) over a probe_conn.
 *
 * Why not the real client: these tests must also do what a well-behaved
 * client never does (send a short SendPacket, skip ServerInfo checks), and
 * they must report what the relay sent, byte for byte. */
#ifndef PROBE_DERP_H
#define PROBE_DERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/derp_frame.h"
#include "probe_conn.h"

enum probe_derp_result {
  PROBE_DERP_OK = 0,
  PROBE_DERP_CLOSED,   /* the relay closed the connection */
  PROBE_DERP_TIMEOUT,  /* nothing within the timeout */
  PROBE_DERP_PROTOCOL, /* the relay sent something wrong (see err) */
  PROBE_DERP_IO,       /* connect/TLS/write failed (see err) */
};

struct probe_derp {
  struct probe_conn conn;
  uint8_t priv[DERP_KEY_LEN];
  uint8_t pub[DERP_KEY_LEN];
  uint8_t server_pub[DERP_KEY_LEN];
  bool fast_start;
  int http_status;         /* 101, or 0 with fast start */
  char header_key_hex[65]; /* Derp-Public-Key of the 101 */
  char server_info_json[256];
  struct derp_frame_reader reader;
  uint8_t *frame_buf; /* DERP_MAX_DATA_FRAME_LEN bytes */
  uint8_t in[16384];  /* bytes read but not yet framed */
  size_t in_pos, in_len;
  char err[512];
};

/* Connect, upgrade (fast start when asked and possible: TLS 1.3 + metacert)
 * and run the DERP handshake with a fresh key or, if priv is non-NULL, that
 * key. PROBE_DERP_CLOSED means the relay hung up after ClientInfo, i.e.
 * rejected us. */
enum probe_derp_result probe_derp_connect(struct probe_derp *d, const char *addr,
                                          const struct probe_tls_options *o, bool fast_start,
                                          const uint8_t *priv);
void probe_derp_close(struct probe_derp *d);

/* Next frame (its payload valid until the next call). */
enum probe_derp_result probe_derp_read_frame(struct probe_derp *d, struct derp_frame *f);
/* Skip KeepAlive frames and read the next RecvPacket. */
enum probe_derp_result probe_derp_recv_packet(struct probe_derp *d, struct derp_packet *p);

bool probe_derp_send_packet(struct probe_derp *d, const uint8_t dst[DERP_KEY_LEN],
                            const uint8_t *pkt, size_t len);

#endif
