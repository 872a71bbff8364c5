#include "relay_derp_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "derp/derp_frame.h"
#include "derp/ws_frame.h"
#include "relay_connection.h"

/* One TLS record's worth of plaintext per SSL_read/SSL_write. */
#define IO_CHUNK 16384
/* Records read per wake-up before other sockets get their turn. */
#define READS_PER_WAKEUP 64

/* The event waits for readability (unless the rate limit paused reading),
 * for writability only while a write (or a read that needs to write) is
 * blocked. */
static void rearm(struct relay_connection *c, bool writable) {
  event_del(c->io);
  short what = (c->read_paused ? 0 : EV_READ) | (writable ? EV_WRITE : 0);
  c->io_writable_armed = writable;
  if (what == 0) return;
  event_assign(c->io, event_get_base(c->io), c->fd, what | EV_PERSIST, event_get_callback(c->io),
               c);
  event_add(c->io, NULL);
  /* event_del dropped a pending activation for buffered records (derp_read). */
  if (!c->read_paused && SSL_has_pending(c->ssl)) event_active(c->io, EV_READ, 0);
}

static void arm(struct relay_connection *c, bool writable) {
  if (c->io_writable_armed != writable) rearm(c, writable);
}

void relay_derp_io_pause_read(struct relay_connection *c, bool paused) {
  if (c->read_paused == paused || c->io == NULL) return;
  c->read_paused = paused;
  if (paused)
    c->owner->read_paused++;
  else
    c->owner->read_paused--;
  rearm(c, c->io_writable_armed);
  /* records OpenSSL already holds raise no socket event */
  if (!paused) event_active(c->io, EV_READ, 0);
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

/* ---- DERP inside WebSocket (spec §6.1) --------------------------------- */

/* A connection's WebSocket side: the decoder, and the frame being written
 * (a header and up to IO_CHUNK bytes of relay_core's queue, or a control
 * frame), kept until the socket took all of it, since relay_core's queue
 * is consumed only for bytes really sent. */
struct relay_ws {
  struct ws_decoder dec;
  uint8_t out[WS_MAX_HEADER_LEN + IO_CHUNK];
  size_t out_len, out_pos;
  size_t out_payload; /* of relay_core's queue, in `out`: consumed once sent */
  uint8_t control[WS_MAX_HEADER_LEN + WS_MAX_CONTROL_PAYLOAD];
  size_t control_len; /* a pong or close waiting for `out` to be free */
  bool close_after;   /* a close frame is queued: close once it is out */
  bool await_reply;   /* ... and we started it: wait for the client's close first */
  bool waiting;       /* our close is out; the client's reply (or 5 s) ends it */
  char close_why[160];
};

/* How long the relay waits for the client's close frame after its own, as
   derper's WebSocket library (coder/websocket) does. */
#define WS_CLOSE_WAIT_S 5

static void ws_queue_control(struct relay_ws *ws, enum ws_opcode op, const uint8_t *p, size_t n) {
  if (ws->close_after) return; /* nothing after a close */
  ws->control_len = ws_encode_header(ws->control, sizeof ws->control, op, n, NULL);
  memcpy(ws->control + ws->control_len, p, n);
  ws->control_len += n;
}

static void ws_queue_close(struct relay_ws *ws, uint16_t status, const char *why) {
  uint8_t p[WS_MAX_CONTROL_PAYLOAD];
  size_t n = ws_close_payload(p, status, why);
  ws_queue_control(ws, WS_OP_CLOSE, p, n);
  ws->close_after = true;
  ws->await_reply = true;
  snprintf(ws->close_why, sizeof ws->close_why, "websocket: %u %s", status, why);
}

/* Bytes from the socket: WebSocket frames around the DERP stream. */
static void ws_feed(struct relay_connection *c, const uint8_t *in, size_t n, uint64_t now) {
  struct relay_ws *ws = c->ws;
  uint8_t data[IO_CHUNK];
  size_t at = 0;
  while (at < n && !ws->close_after && relay_conn_state(c->core) != RELAY_CONN_CLOSED) {
    struct ws_result r = ws_decode(&ws->dec, in + at, n - at, data, sizeof data);
    at += r.consumed;
    if (r.out_len > 0) relay_conn_input(c->core, data, r.out_len, now);
    if (r.event == WS_EV_ERROR) {
      /* derper's library answers an unmasked client frame with a plain
         close (1000, no reason); every other error with its status and text */
      bool unmasked = strcmp(r.why, "frame from the client not masked") == 0;
      ws_queue_close(ws, unmasked ? WS_STATUS_NORMAL : r.status, unmasked ? "" : r.why);
      if (unmasked)
        snprintf(ws->close_why, sizeof ws->close_why, "websocket: %s (closed with 1000)", r.why);
    } else if (r.event == WS_EV_CONTROL && r.opcode == WS_OP_PING) {
      ws_queue_control(ws, WS_OP_PONG, r.control, r.control_len);
    } else if (r.event == WS_EV_CONTROL && r.opcode == WS_OP_CLOSE) {
      /* echo the status, as RFC 6455 asks; then the connection ends */
      uint16_t status =
          r.control_len >= 2 ? (uint16_t)(r.control[0] << 8 | r.control[1]) : WS_STATUS_NORMAL;
      ws_queue_close(ws, status, "");
      ws->await_reply = false; /* this is the reply: close once it is out */
      snprintf(ws->close_why, sizeof ws->close_why, "websocket: closed by the client (%u)", status);
    } else if (r.consumed == 0 && r.out_len == 0 && r.event != WS_EV_CONTROL) {
      break;
    }
  }
}

/* Stage the next frame: a waiting control frame first, else the next piece
 * of relay_core's queue as one binary message. */
static bool ws_stage(struct relay_connection *c) {
  struct relay_ws *ws = c->ws;
  if (ws->out_pos < ws->out_len) return true;
  if (ws->out_payload > 0) {
    relay_conn_consume(c->core, ws->out_payload, relay_now_ms());
    ws->out_payload = 0;
  }
  ws->out_len = ws->out_pos = 0;
  if (ws->control_len > 0) {
    memcpy(ws->out, ws->control, ws->control_len);
    ws->out_len = ws->control_len;
    ws->control_len = 0;
    return true;
  }
  if (ws->close_after) return false;
  const uint8_t *p;
  size_t n = relay_conn_pending(c->core, &p);
  if (n == 0) return false;
  if (n > IO_CHUNK) n = IO_CHUNK;
  size_t h = ws_encode_header(ws->out, WS_MAX_HEADER_LEN, WS_OP_BINARY, n, NULL);
  memcpy(ws->out + h, p, n);
  ws->out_len = h + n;
  ws->out_payload = n;
  return true;
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
    } else if (c->ws != NULL) {
      if (!ws_stage(c)) break;
      p = c->ws->out + c->ws->out_pos;
      n = c->ws->out_len - c->ws->out_pos;
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
      } else if (c->ws != NULL) {
        c->ws->out_pos += (size_t)w;
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
    if (relay_conn_read_paused_until(c->core) != 0) {
      relay_derp_io_pause_read(c, true); /* relay_connections_resume lifts it */
      return true;
    }
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n > 0) {
      c->read_wants_write = false;
      if (c->ws != NULL) {
        ws_feed(c, buf, (size_t)n, now);
        if (c->ws->close_after) return true; /* the close frame goes out, then the end */
        continue;
      }
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

/* Our close frame is out: the client's reply (any bytes), its EOF, or the
   timeout ends the connection. */
static bool ws_close_wait(struct relay_connection *c, short what, char *reason, size_t cap) {
  if (what & EV_TIMEOUT) {
    snprintf(reason, cap, "%s; no close reply within %d s", c->ws->close_why, WS_CLOSE_WAIT_S);
    return false;
  }
  if (!(what & EV_READ)) return true;
  uint8_t buf[256];
  int n = SSL_read(c->ssl, buf, sizeof buf);
  ERR_clear_error();
  if (n <= 0 && SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ) return true;
  snprintf(reason, cap, "%s", c->ws->close_why);
  return false;
}

bool relay_derp_io_ready(struct relay_connection *c, short what, uint64_t now, char *reason,
                         size_t cap) {
  if (c->ws != NULL && c->ws->waiting) return ws_close_wait(c, what, reason, cap);
  bool readable = (what & EV_READ) || ((what & EV_WRITE) && c->read_wants_write);
  if (readable && relay_conn_state(c->core) != RELAY_CONN_CLOSED &&
      !derp_read(c, now, reason, cap)) {
    if (c->io_failed) {
      snprintf(reason, cap, "write failed: %s",
               c->write_errno != 0 ? strerror(c->write_errno) : "TLS error");
    }
    return false;
  }
  /* a pong or close the read queued goes out now, not with the next packet */
  if ((what & EV_WRITE) || ((what & EV_READ) && c->write_wants_read) ||
      (c->ws != NULL && c->ws->control_len > 0))
    relay_derp_io_write(c, now);
  if (c->ws != NULL && c->ws->close_after && c->ws->out_pos >= c->ws->out_len &&
      c->ws->control_len == 0) {
    if (c->ws->await_reply) { /* our close is out: now the client's turn */
      c->ws->waiting = true;
      struct timeval tv = {WS_CLOSE_WAIT_S, 0};
      event_del(c->io);
      event_assign(c->io, event_get_base(c->io), c->fd, EV_READ | EV_PERSIST,
                   event_get_callback(c->io), c);
      event_add(c->io, &tv);
      c->io_writable_armed = false;
      return true;
    }
    snprintf(reason, cap, "%s", c->ws->close_why);
    return false;
  }
  return true;
}

bool relay_derp_io_start(struct relay_connection *c, uint64_t now, event_callback_fn on_ready,
                         enum relay_ws_mode ws_mode) {
  if (ws_mode != RELAY_WS_NONE) {
    c->ws = calloc(1, sizeof *c->ws);
    if (c->ws == NULL) return false;
    /* a message may not be longer than a DERP frame can be */
    ws_decoder_init(&c->ws->dec, true, DERP_MAX_WRITE_FRAME_LEN);
    if (ws_mode == RELAY_WS_NOT_DERP)
      ws_queue_close(c->ws, WS_STATUS_POLICY_VIOLATION, "client must speak the derp subprotocol");
  }
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
    if (c->ws != NULL)
      ws_feed(c, v.iov_base, v.iov_len, now);
    else
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
  /* a close queued already (no derp subprotocol): the next turn ends it */
  if (c->ws != NULL && c->ws->close_after) event_active(c->io, EV_WRITE, 0);
  return true;
}

void relay_derp_io_stop(struct relay_connection *c) {
  if (c->read_paused) c->owner->read_paused--;
  c->read_paused = false;
  if (c->io != NULL) event_free(c->io);
  c->io = NULL;
  free(c->preamble);
  c->preamble = NULL;
  c->preamble_len = 0;
  free(c->ws);
  c->ws = NULL;
}
