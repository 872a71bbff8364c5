#include "relay_derp_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "relay_connection.h"

/* One TLS record's worth of plaintext per SSL_read/SSL_write. */
#define IO_CHUNK 16384
/* Records read per wake-up before other sockets get their turn. */
#define READS_PER_WAKEUP 64

/* The event waits for readability always, for writability only while a write
 * (or a read that needs to write) is blocked. */
static void arm(struct relay_connection *c, bool writable) {
  if (c->io_writable_armed == writable) return;
  event_del(c->io);
  event_assign(c->io, event_get_base(c->io), c->fd,
               EV_READ | EV_PERSIST | (writable ? EV_WRITE : 0), event_get_callback(c->io), c);
  event_add(c->io, NULL);
  c->io_writable_armed = writable;
  /* event_del dropped a pending activation for buffered records (derp_read). */
  if (SSL_has_pending(c->ssl)) event_active(c->io, EV_READ, 0);
}

/* The reason a TLS stream ended, in the words the logs use. */
static void ended(SSL *ssl, int ret, int err, char *reason, size_t cap) {
  unsigned long e = ERR_peek_error();
  if (err == SSL_ERROR_ZERO_RETURN ||
      (err == SSL_ERROR_SYSCALL && e == 0 && (ret == 0 || errno == 0))) {
    snprintf(reason, cap, "EOF");
  } else if (e != 0) {
    const char *r = ERR_reason_error_string(e);
    snprintf(reason, cap, "tls: %s", r != NULL ? r : "error");
  } else {
    snprintf(reason, cap, "%s", strerror(errno));
  }
  (void)ssl;
  ERR_clear_error();
}

/* Write the preamble, then relay_core's queue, until it is empty or the
 * socket is full. relay_core learns of every byte the socket took. */
void relay_derp_io_write(struct relay_connection *c, uint64_t now) {
  if (c->io_failed || c->core == NULL) return;
  for (;;) {
    const uint8_t *p;
    size_t n;
    bool pre = c->preamble_len > 0;
    if (pre) {
      p = c->preamble;
      n = c->preamble_len;
    } else {
      n = relay_conn_pending(c->core, &p);
    }
    if (n == 0) break;
    /* A retry after WANT_WRITE repeats at least the same bytes: the queue
     * only grows at its end (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets it
     * move meanwhile). */
    int w = SSL_write(c->ssl, p, n > IO_CHUNK ? IO_CHUNK : (int)n);
    if (w > 0) {
      if (pre) {
        c->preamble_len -= (size_t)w;
        memmove(c->preamble, c->preamble + w, c->preamble_len);
      } else {
        relay_conn_consume(c->core, (size_t)w, now);
      }
      c->write_wants_read = false;
      continue;
    }
    int e = SSL_get_error(c->ssl, w);
    if (e == SSL_ERROR_WANT_WRITE) {
      arm(c, true);
      return;
    }
    if (e == SSL_ERROR_WANT_READ) {
      c->write_wants_read = true;
      return;
    }
    /* Broken pipe or reset: the read side sees the same end and reports it
     * (freeing here could pull the connection from under relay_connections_pump). */
    c->write_errno = e == SSL_ERROR_SYSCALL ? errno : 0;
    ERR_clear_error();
    c->io_failed = true;
    shutdown(c->fd, SHUT_RDWR);
    return;
  }
  if (c->preamble != NULL) {
    free(c->preamble);
    c->preamble = NULL;
  }
  if (!c->read_wants_write) arm(c, false);
}

/* Read every complete record (read-ahead may hold several) into relay_core.
 * Returns false when the stream ended (reason set); the caller closes. */
static bool derp_read(struct relay_connection *c, uint64_t now, char *reason, size_t cap) {
  uint8_t buf[IO_CHUNK];
  for (int i = 0; i < READS_PER_WAKEUP; i++) {
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n > 0) {
      c->read_wants_write = false;
      if (relay_conn_input(c->core, buf, (size_t)n, now) == RELAY_CONN_CLOSED) return true;
      continue;
    }
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ) {
      ERR_clear_error();
      return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      c->read_wants_write = true;
      arm(c, true);
      return true;
    }
    ended(c->ssl, n, e, reason, cap);
    return false;
  }
  /* Records already decrypted or buffered raise no socket event: come back
   * on the next loop iteration instead of hogging this one. */
  if (SSL_has_pending(c->ssl)) event_active(c->io, EV_READ, 0);
  return true;
}

bool relay_derp_io_ready(struct relay_connection *c, short what, uint64_t now, char *reason,
                         size_t cap) {
  bool readable = (what & EV_READ) || ((what & EV_WRITE) && c->read_wants_write);
  if (readable && relay_conn_state(c->core) != RELAY_CONN_CLOSED &&
      !derp_read(c, now, reason, cap)) {
    if (c->io_failed) {
      snprintf(reason, cap, "write failed: %s",
               c->write_errno != 0 ? strerror(c->write_errno) : "TLS error");
    }
    return false;
  }
  if ((what & EV_WRITE) || ((what & EV_READ) && c->write_wants_read)) relay_derp_io_write(c, now);
  return true;
}

bool relay_derp_io_start(struct relay_connection *c, uint64_t now, event_callback_fn on_ready) {
  struct evbuffer *out = bufferevent_get_output(c->bev);
  struct evbuffer *in = bufferevent_get_input(c->bev);
  size_t pending = evbuffer_get_length(out);
  if (pending > 0) {
    c->preamble = malloc(pending);
    if (c->preamble == NULL) return false;
    evbuffer_remove(out, c->preamble, pending);
    c->preamble_len = pending;
  }
  c->io = event_new(bufferevent_get_base(c->bev), c->fd, EV_READ | EV_PERSIST, on_ready, c);
  if (c->io == NULL || event_add(c->io, NULL) != 0) return false;
  /* Bytes that followed the HTTP head (fast start: ClientInfo) belong to
   * relay_core; the bufferevent goes (it owns neither the SSL nor the fd). */
  while (evbuffer_get_length(in) > 0 && relay_conn_state(c->core) != RELAY_CONN_CLOSED) {
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) break;
    relay_conn_input(c->core, v.iov_base, v.iov_len, now);
    evbuffer_drain(in, v.iov_len);
  }
  bufferevent_disable(c->bev, EV_READ | EV_WRITE);
  bufferevent_free(c->bev);
  c->bev = NULL;
  /* Packets arrive back to back: one read(2) may bring many records. */
  SSL_set_read_ahead(c->ssl, 1);
  SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* OpenSSL may already hold records the bufferevent did not ask for. */
  if (SSL_has_pending(c->ssl)) event_active(c->io, EV_READ, 0);
  relay_derp_io_write(c, now);
  return true;
}

void relay_derp_io_stop(struct relay_connection *c) {
  if (c->io != NULL) event_free(c->io);
  c->io = NULL;
  free(c->preamble);
  c->preamble = NULL;
  c->preamble_len = 0;
}
