/* port-squat-client: a client column for the runner's own test of the ports
 * it holds closed (scenario_run.c). It plays the other process on the
 * machine: for each ADDR PORT it tries to take the port (bind) and then
 * dials it; the runner must have held it (EADDRINUSE) and nothing may
 * answer (ECONNREFUSED: a TCP reset, or for udp/ADDR the ICMP port
 * unreachable a datagram gets). A port the runner had let go could be bound
 * by a parallel test's relay, and a client dialing it would meet that relay.
 * Prints the client contract's JSON line; exit 0 when every port held.
 *
 * usage: port-squat-client [udp/]ADDR PORT [[udp/]ADDR PORT...] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *addr, const char *port, const char *what) {
  printf("{\"result\":\"fail\",\"reason\":\"%s port %s: %s\",\"path\":null}\n", addr, port, what);
  return 1;
}

/* A datagram to the connected fd must be refused: the ICMP error arrives
   as ECONNREFUSED on the next receive (bounded wait: 2 s). */
static int udp_refused(int fd, const char *addr, const char *port_text) {
  if (send(fd, "?", 1, 0) != 1)
    return errno == ECONNREFUSED ? 0 : fail(addr, port_text, strerror(errno));
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int n = poll(&p, 1, 2000);
  if (n == 0) return fail(addr, port_text, "a datagram got neither an answer nor a refusal");
  char b[64];
  if (n < 0 || recv(fd, b, sizeof b, 0) >= 0)
    return fail(addr, port_text, "something answers there");
  return errno == ECONNREFUSED ? 0 : fail(addr, port_text, strerror(errno));
}

/* 0 when addr:port is held closed, else fail()'s exit code. */
static int check(const char *arg, const char *port_text) {
  int type = strncmp(arg, "udp/", 4) == 0 ? SOCK_DGRAM : SOCK_STREAM;
  const char *addr = type == SOCK_DGRAM ? arg + 4 : arg;
  struct sockaddr_storage ss = {0};
  socklen_t sl;
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  char *end;
  long port = strtol(port_text, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) return fail(addr, port_text, "not a port");
  if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((unsigned short)port);
    sl = sizeof *in4;
  } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((unsigned short)port);
    sl = sizeof *in6;
  } else {
    return fail(addr, port_text, "not an IP address");
  }
  int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(addr, port_text, strerror(errno));
  int bound = bind(fd, (struct sockaddr *)&ss, sl);
  int bind_errno = errno;
  close(fd);
  if (bound == 0) return fail(addr, port_text, "free: another process could have taken it");
  if (bind_errno != EADDRINUSE) return fail(addr, port_text, strerror(bind_errno));
  fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(addr, port_text, strerror(errno));
  if (type == SOCK_DGRAM) {
    int r = connect(fd, (struct sockaddr *)&ss, sl) == 0 ? udp_refused(fd, addr, port_text)
                                                         : fail(addr, port_text, strerror(errno));
    close(fd);
    return r;
  }
  int connected = connect(fd, (struct sockaddr *)&ss, sl);
  int connect_errno = errno;
  close(fd);
  if (connected == 0) return fail(addr, port_text, "something listens there");
  if (connect_errno != ECONNREFUSED) return fail(addr, port_text, strerror(connect_errno));
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc % 2 != 1) {
    fprintf(stderr, "usage: port-squat-client [udp/]ADDR PORT [[udp/]ADDR PORT...]\n");
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2)
    if (check(argv[i], argv[i + 1]) != 0) return 1;
  printf("{\"result\":\"pass\",\"reason\":null,\"path\":null}\n");
  return 0;
}
