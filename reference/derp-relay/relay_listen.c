#include "relay_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool fill_sockaddr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (host[0] != '\0' && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    *len = sizeof *in;
    return true;
  }
  if (host[0] == '\0' || inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6; /* "" leaves in6addr_any */
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    return true;
  }
  return false;
}

int relay_listen_socket(int type, const char *host, int port, char *bound, size_t boundcap,
                        char *err, size_t errcap) {
  struct sockaddr_storage ss;
  socklen_t len;
  const char *proto = type == SOCK_STREAM ? "tcp" : "udp";
  if (!fill_sockaddr(host, port, &ss, &len)) {
    snprintf(err, errcap, "listen %s %s:%d: not an IP address", proto, host, port);
    return -1;
  }
  int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errcap, "listen %s: socket: %s", proto, strerror(errno));
    return -1;
  }
  int one = 1, zero = 0;
  if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* "" means every interface, IPv4 included, as Go's ":port". */
  if (ss.ss_family == AF_INET6 && host[0] == '\0') {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  /* The kernel caps a backlog at net.core.somaxconn, which is what Go's
   * net.Listen asks for; SOMAXCONN (4096) would cap a raised sysctl. */
  if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
      (type == SOCK_STREAM && listen(fd, INT_MAX) != 0)) {
    snprintf(err, errcap, "listen %s %s%s%s:%d: %s", proto, strchr(host, ':') ? "[" : "", host,
             strchr(host, ':') ? "]" : "", port, strerror(errno));
    close(fd);
    return -1;
  }
  struct sockaddr_storage got;
  socklen_t glen = sizeof got;
  if (getsockname(fd, (struct sockaddr *)&got, &glen) != 0 ||
      !relay_format_sockaddr((struct sockaddr *)&got, bound, boundcap)) {
    snprintf(err, errcap, "listen %s: getsockname: %s", proto, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

bool relay_format_sockaddr(const struct sockaddr *sa, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN];
  int n;
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip) == NULL) return false;
    n = snprintf(out, cap, "%s:%u", ip, ntohs(in->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      /* An IPv4 client on a dual-stack socket: shown as IPv4, as Go does. */
      if (inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip, sizeof ip) == NULL) return false;
      n = snprintf(out, cap, "%s:%u", ip, ntohs(in6->sin6_port));
      return n > 0 && (size_t)n < cap;
    }
    if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL) return false;
    n = snprintf(out, cap, "[%s]:%u", ip, ntohs(in6->sin6_port));
  } else {
    return false;
  }
  return n > 0 && (size_t)n < cap;
}
