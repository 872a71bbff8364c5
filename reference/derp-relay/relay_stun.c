#include "relay_stun.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "derp/stun.h"
#include "relay_listen.h"

/* Datagrams handled per wake-up before yielding to TCP clients. */
#define STUN_BATCH 64

struct relay_stun {
  int fd;
  struct event *ev;
};

static bool endpoint_of(const struct sockaddr_storage *ss, struct stun_endpoint *ep) {
  memset(ep, 0, sizeof *ep);
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
    memcpy(ep->addr, &in->sin_addr, 4);
    ep->port = ntohs(in->sin_port);
    return true;
  }
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
    ep->is_ipv6 = true;
    memcpy(ep->addr, &in6->sin6_addr, 16);
    ep->port = ntohs(in6->sin6_port);
    return true;
  }
  return false;
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  (void)arg;
  for (int i = 0; i < STUN_BATCH; i++) {
    uint8_t pkt[1500];
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    ssize_t n = recvfrom(fd, pkt, sizeof pkt, MSG_TRUNC, (struct sockaddr *)&from, &flen);
    if (n < 0) return; /* EAGAIN: drained; other errors: try again next wake-up */
    uint8_t txid[STUN_TXID_LEN];
    struct stun_endpoint peer;
    if ((size_t)n > sizeof pkt || !stun_is_binding_request_tailscale(pkt, (size_t)n, txid) ||
        !endpoint_of(&from, &peer)) {
      continue;
    }
    uint8_t out[STUN_RESPONSE_MAX_LEN];
    struct byte_writer w = byte_writer_init(out, sizeof out);
    if (stun_write_response(&w, txid, &peer) != STUN_OK) continue;
    /* UDP: a full socket buffer drops the answer; the client retries. */
    (void)sendto(fd, out, w.len, MSG_DONTWAIT, (struct sockaddr *)&from, flen);
  }
}

struct relay_stun *relay_stun_start(struct event_base *base, const char *host, int port,
                                    char *bound, size_t boundcap, char *err, size_t errcap) {
  struct relay_stun *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, errcap, "stun: out of memory");
    return NULL;
  }
  s->fd = relay_listen_socket(SOCK_DGRAM, host, port, bound, boundcap, err, errcap);
  if (s->fd < 0) {
    free(s);
    return NULL;
  }
  s->ev = event_new(base, s->fd, EV_READ | EV_PERSIST, on_readable, s);
  if (s->ev == NULL || event_add(s->ev, NULL) != 0) {
    snprintf(err, errcap, "stun: cannot register the socket with the event loop");
    relay_stun_free(s);
    return NULL;
  }
  return s;
}

void relay_stun_free(struct relay_stun *s) {
  if (s == NULL) return;
  if (s->ev != NULL) event_free(s->ev);
  if (s->fd >= 0) close(s->fd);
  free(s);
}
