#include "relay_ready.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"

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

bool relay_ready_write(const char *path, const char *tls_addr, const char *stun_addr, char *err,
                       size_t errcap) {
  char body[256];
  int blen = stun_addr != NULL ? snprintf(body, sizeof body, "%s\nstun %s\n", tls_addr, stun_addr)
                               : snprintf(body, sizeof body, "%s\n", tls_addr);
  if (blen < 0 || (size_t)blen >= sizeof body) {
    snprintf(err, errcap, "ready file %s: address too long", path);
    return false;
  }
  /* In one step, so a waiter never reads half a file. */
  struct file_io_result res = file_io_publish(path, body, (size_t)blen, 0644, true);
  if (res.step != FILE_IO_OK) {
    snprintf(err, errcap, "ready file %s: %s", path, strerror(res.error));
    return false;
  }
  return true;
}
