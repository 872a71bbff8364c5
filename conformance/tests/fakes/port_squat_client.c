/* port-squat-client: a client column for the runner's own test of the ports
 * it holds closed (scenario_run.c). It plays the other process on the
 * machine: for each ADDR PORT it tries to take the port (bind) and then
 * dials it; the runner must have held it (EADDRINUSE) and nothing may
 * answer (ECONNREFUSED). A port the runner had let go could be bound by a
 * parallel test's relay, and a client dialing it would meet that relay.
 * Prints the client contract's JSON line; exit 0 when every port held.
 *
 * usage: port-squat-client ADDR PORT [ADDR PORT...] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *addr, const char *port, const char *what) {
  printf("{\"result\":\"fail\",\"reason\":\"%s port %s: %s\",\"path\":null}\n", addr, port, what);
  return 1;
}

/* 0 when addr:port is held closed, else fail()'s exit code. */
static int check(const char *addr, const char *port_text) {
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
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(addr, port_text, strerror(errno));
  int bound = bind(fd, (struct sockaddr *)&ss, sl);
  int bind_errno = errno;
  close(fd);
  if (bound == 0) return fail(addr, port_text, "free: another process could have taken it");
  if (bind_errno != EADDRINUSE) return fail(addr, port_text, strerror(bind_errno));
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(addr, port_text, strerror(errno));
  int connected = connect(fd, (struct sockaddr *)&ss, sl);
  int connect_errno = errno;
  close(fd);
  if (connected == 0) return fail(addr, port_text, "something listens there");
  if (connect_errno != ECONNREFUSED) return fail(addr, port_text, strerror(connect_errno));
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc % 2 != 1) {
    fprintf(stderr, "usage: port-squat-client ADDR PORT [ADDR PORT...]\n");
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2)
    if (check(argv[i], argv[i + 1]) != 0) return 1;
  printf("{\"result\":\"pass\",\"reason\":null,\"path\":null}\n");
  return 0;
}
