/* client_dial: non-blocking TCP connect bounded by a deadline. */
#include "client_dial.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_time.h"

void client_join_host_port(const char *host, unsigned port, char *out, size_t cap) {
  if (strchr(host, ':') != NULL)
    snprintf(out, cap, "[%s]:%u", host, port);
  else
    snprintf(out, cap, "%s:%u", host, port);
}

void client_errno_text(int e, char *out, size_t cap) {
  snprintf(out, cap, "%s", strerror(e));
  if (cap > 0) out[0] = (char)tolower((unsigned char)out[0]);
}

int client_wait_fd(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, client_ms_left(deadline_ms));
    if (r > 0) return 1;
    if (r == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

/* One address: 0 connected, else an errno (ETIMEDOUT for the deadline). */
static int connect_one(const struct addrinfo *ai, int64_t deadline_ms, int *fd_out) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return errno;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      int e = errno;
      close(fd);
      return e;
    }
    int w = client_wait_fd(fd, POLLOUT, deadline_ms);
    int soerr = 0;
    socklen_t len = sizeof soerr;
    if (w <= 0)
      soerr = w == 0 ? ETIMEDOUT : errno;
    else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
      soerr = errno;
    if (soerr != 0) {
      close(fd);
      return soerr;
    }
  }
  *fd_out = fd;
  return 0;
}

int client_dial_tcp(const struct derp_dial_target *t, const char *network, int64_t deadline_ms,
                    char *err, size_t cap) {
  char addr[CLIENT_ADDR_MAX];
  client_join_host_port(t->host, t->port, addr, sizeof addr);
  struct addrinfo hints = {.ai_family = t->family == DERP_FAMILY_IPV6 ? AF_INET6 : AF_INET,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = t->is_literal ? AI_NUMERICHOST : 0};
  char port[8];
  snprintf(port, sizeof port, "%u", t->port);
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(t->host, port, &hints, &res);
  if (gai != 0) {
    const char *why = gai == EAI_NONAME || gai == EAI_NODATA ? "no such host" : gai_strerror(gai);
    snprintf(err, cap, "dial %s: lookup %s: %s", network, t->host, why);
    return -1;
  }
  int last = ECONNREFUSED;
  for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
    int fd = -1;
    last = connect_one(ai, deadline_ms, &fd);
    if (last == 0) {
      freeaddrinfo(res);
      return fd;
    }
    if (last == ETIMEDOUT) break;
  }
  freeaddrinfo(res);
  if (last == ETIMEDOUT) {
    snprintf(err, cap, "dial %s %s: i/o timeout", network, addr);
  } else {
    char why[128];
    client_errno_text(last, why, sizeof why);
    snprintf(err, cap, "dial %s %s: connect: %s", network, addr, why);
  }
  return -1;
}
