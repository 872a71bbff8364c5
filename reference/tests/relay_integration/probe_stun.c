#include "probe_stun.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include "derp/stun.h"
#include "relay_flags.h"
#include "relay_listen.h"

static void print_endpoint(const char *label, const struct stun_endpoint *ep) {
  char ip[INET6_ADDRSTRLEN];
  inet_ntop(ep->is_ipv6 ? AF_INET6 : AF_INET, ep->addr, ip, sizeof ip);
  printf(ep->is_ipv6 ? "%s [%s]:%u\n" : "%s %s:%u\n", label, ip, ep->port);
}

bool probe_stun(const char *addr) {
  char host[RELAY_FLAGS_HOST_MAX], err[256];
  int port;
  if (!relay_split_host_port(addr, host, sizeof host, &port, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return false;
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t slen;
  struct sockaddr_in *in = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    slen = sizeof *in;
  } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    slen = sizeof *in6;
  } else {
    return false;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bool ok = false;
  uint8_t txid[STUN_TXID_LEN], req[STUN_REQUEST_LEN], resp[512];
  randombytes_buf(txid, sizeof txid);
  struct byte_writer w = byte_writer_init(req, sizeof req);
  if (connect(fd, (struct sockaddr *)&ss, slen) == 0 && stun_write_request(&w, txid) == STUN_OK &&
      send(fd, req, w.len, 0) == (ssize_t)w.len) {
    ssize_t n = recv(fd, resp, sizeof resp, 0);
    struct stun_endpoint mapped;
    if (n > 0 && stun_parse_response(resp, (size_t)n, txid, &mapped) == STUN_OK) {
      print_endpoint("stun_mapped", &mapped);
      struct sockaddr_storage local;
      socklen_t llen = sizeof local;
      char buf[80];
      if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0 &&
          relay_format_sockaddr((struct sockaddr *)&local, buf, sizeof buf)) {
        printf("stun_local %s\n", buf);
      }
      ok = true;
    } else {
      fprintf(stderr, "stun: no valid response (%zd bytes)\n", n);
    }
  }
  close(fd);
  return ok;
}
