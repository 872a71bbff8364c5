/* raw_conn: one TLS connection of the runner's raw peer (raw_peer.h), with
 * a read buffer so HTTP heads and DERP frames can be taken off a stream in
 * any chunking, and every read bounded by a deadline. Internal to the
 * runner. */
#ifndef DERPCHECK_RAW_CONN_H
#define DERPCHECK_RAW_CONN_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "materials.h"
#include "raw_peer.h"

struct raw_conn {
  char name[32];
  int fd;
  SSL *ssl;
  bool peer_gone; /* EOF, reset, or a failed write */
  uint8_t *rbuf;
  size_t rlen, rcap;
  uint8_t server_pub[32];
  const struct identity *id;
  FILE *record; /* the target's record, NULL: none */
  uint8_t record_id;
};

bool raw_conn_open(SSL_CTX *ctx, const struct peer_target *t, int timeout_ms, struct raw_conn *c,
                   char *err, size_t errlen);
void raw_conn_close(struct raw_conn *c);
/* Start this connection's part of the record, under its name. */
void raw_conn_record_begin(struct raw_conn *c);
/* False when the relay closed or reset the connection. */
bool raw_conn_write(struct raw_conn *c, const void *data, size_t n);
/* Buffer at least `want` bytes: 1 done, 0 EOF/reset, -1 deadline, -2 error */
int raw_conn_fill(struct raw_conn *c, size_t want, int64_t deadline_ns);
int raw_conn_read_some(struct raw_conn *c, int64_t deadline_ns);
void raw_conn_consume(struct raw_conn *c, size_t n);

#endif
