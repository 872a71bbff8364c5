/* client_stun: send the 40-byte request, wait for the matching answer. */
#include "client_stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "client_dial.h"
#include "client_time.h"
#include "derp/stun.h"

static void addr_port_text(const struct sockaddr_storage *ss, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
    snprintf(out, cap, "%s:%u", ip, port);
  } else {
    const struct sockaddr_in6 *a = (const void *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
    snprintf(out, cap, "[%s]:%u", ip, port);
  }
}

static void endpoint_text(const struct stun_endpoint *e, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (e->is_ipv6) {
    inet_ntop(AF_INET6, e->addr, ip, sizeof ip);
    snprintf(out, cap, "[%s]:%u", ip, e->port);
  } else {
    inet_ntop(AF_INET, e->addr, ip, sizeof ip);
    snprintf(out, cap, "%s:%u", ip, e->port);
  }
}

static bool resolve(const char *host, int family, uint16_t port, struct sockaddr_storage *ss,
                    socklen_t *len, char *err, size_t cap) {
  struct addrinfo hints = {.ai_family = family == 6 ? AF_INET6 : AF_INET,
                           .ai_socktype = SOCK_DGRAM};
  char p[8];
  snprintf(p, sizeof p, "%u", port);
  struct addrinfo *res = NULL;
  int gai = getaddrinfo(host, p, &hints, &res);
  if (gai != 0 || res == NULL) {
    snprintf(err, cap, "lookup %s: %s", host,
             gai == EAI_NONAME || gai == EAI_NODATA ? "no such host" : gai_strerror(gai));
    if (res) freeaddrinfo(res);
    return false;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return true;
}

void client_stun_query(const char *host, int family, uint16_t port, int64_t deadline_ms,
                       struct client_stun_result *out) {
  memset(out, 0, sizeof *out);
  struct sockaddr_storage to;
  socklen_t to_len;
  if (!resolve(host, family, port, &to, &to_len, out->err, sizeof out->err)) {
    out->status = CLIENT_STUN_RESOLVE_ERROR;
    return;
  }
  addr_port_text(&to, out->target, sizeof out->target);
  int fd = socket(to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    char why[128];
    client_errno_text(errno, why, sizeof why);
    snprintf(out->err, sizeof out->err, "listen udp%d :0: socket: %s", family, why);
    out->status = CLIENT_STUN_LISTEN_ERROR;
    return;
  }
  uint8_t txid[STUN_TXID_LEN];
  uint8_t req[STUN_REQUEST_LEN];
  struct byte_writer w = byte_writer_init(req, sizeof req);
  if (RAND_bytes(txid, sizeof txid) != 1 || stun_write_request(&w, txid) != STUN_OK) {
    snprintf(out->err, sizeof out->err, "cannot build the STUN request");
    out->status = CLIENT_STUN_SEND_ERROR;
    close(fd);
    return;
  }
  if (sendto(fd, req, w.len, 0, (const struct sockaddr *)&to, to_len) != (ssize_t)w.len) {
    char why[128];
    client_errno_text(errno, why, sizeof why);
    snprintf(out->err, sizeof out->err, "write udp%d %s: %s", family, out->target, why);
    out->status = CLIENT_STUN_SEND_ERROR;
    close(fd);
    return;
  }
  out->status = CLIENT_STUN_NO_RESPONSE;
  snprintf(out->err, sizeof out->err, "no STUN response from %s", out->target);
  /* Bounded: each wakeup either consumes a datagram or ends at the deadline. */
  while (client_wait_fd(fd, POLLIN, deadline_ms) == 1) {
    uint8_t buf[1500];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      break; /* e.g. ECONNREFUSED from an ICMP port unreachable: keep "no response" */
    }
    struct stun_endpoint mapped;
    if (!stun_is(buf, (size_t)n) || stun_parse_response(buf, (size_t)n, txid, &mapped) != STUN_OK)
      continue;
    endpoint_text(&mapped, out->mapped, sizeof out->mapped);
    out->status = CLIENT_STUN_OK;
    out->err[0] = '\0';
    break;
  }
  close(fd);
}
