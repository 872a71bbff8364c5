/* derpcheck-proxy: a TLS-terminating proxy that strips the DERP metacert.
 *
 * Spec §2 notes that fast start "silently disappears behind corporate
 * TLS-intercepting proxies": they terminate TLS and re-serve a chain without
 * the metacert, so clients must fall back to the 101 path. This proxy does
 * exactly that for one scenario: it serves the relay's own chain file (leaf
 * and intermediates, never the metacert the relay appends at run time) with
 * the relay's key, so a pin still matches, and forwards the plaintext to the
 * relay over a second TLS connection. It follows the relay contract: port 0,
 * `host:port` in a ready file written atomically, stop by SIGTERM.
 *
 * usage: derpcheck-proxy --listen ADDR:PORT --cert CHAIN.pem --key KEY.pem
 *                        --upstream HOST:PORT --ready-file PATH */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct endpoint {
  struct sockaddr_storage ss;
  socklen_t len;
};

/* "127.0.0.1:0" or "[::1]:443" */
static bool parse_endpoint(const char *s, struct endpoint *e) {
  char host[128];
  const char *colon = strrchr(s, ':');
  if (colon == NULL) return false;
  size_t hl = (size_t)(colon - s);
  if (hl > 1 && s[0] == '[' && s[hl - 1] == ']') {
    s++;
    hl -= 2;
  }
  if (hl == 0 || hl >= sizeof host) return false;
  memcpy(host, s, hl);
  host[hl] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) return false;
  memset(e, 0, sizeof *e);
  struct sockaddr_in *in4 = (struct sockaddr_in *)&e->ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&e->ss;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    e->len = sizeof *in4;
    return true;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    e->len = sizeof *in6;
    return true;
  }
  return false;
}

static bool write_ready(const char *path, const struct endpoint *e) {
  char host[INET6_ADDRSTRLEN], tmp[4096];
  int port;
  if (e->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&e->ss;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  } else {
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)&e->ss;
    inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
    port = ntohs(in4->sin_port);
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f == NULL) return false;
  if (e->ss.ss_family == AF_INET6)
    fprintf(f, "[%s]:%d\n", host, port);
  else
    fprintf(f, "%s:%d\n", host, port);
  return fclose(f) == 0 && rename(tmp, path) == 0;
}

/* Copy what is readable on `from` to `to`: 1 copied, 0 nothing to copy yet,
 * -1 when either side ended. The sockets are non-blocking: a readable socket
 * may carry only a non-application record (a TLS 1.3 NewSessionTicket), and
 * a blocking SSL_read would then wait for application data on one side while
 * the other side's bytes sit unforwarded (a deadlock under load). */
static int forward(SSL *from, SSL *to, int to_fd) {
  char buf[16384];
  int n = SSL_read(from, buf, sizeof buf);
  if (n <= 0) {
    int e = SSL_get_error(from, n);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
  }
  for (int off = 0, tries = 0; off < n;) {
    int w = SSL_write(to, buf + off, n - off);
    if (w > 0) {
      off += w;
      continue;
    }
    int e = SSL_get_error(to, w);
    if ((e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) || ++tries > 100) return -1;
    struct pollfd p = {to_fd, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0};
    if (poll(&p, 1, 100) < 0 && errno != EINTR) return -1; /* bounded: 10 s */
  }
  return 1;
}

static void set_nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void serve(int client_fd, SSL_CTX *server_ctx, SSL_CTX *client_ctx,
                  const struct endpoint *up) {
  int one = 1; /* relayed small records must not wait for delayed ACKs */
  setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL *down = SSL_new(server_ctx);
  SSL_set_fd(down, client_fd);
  if (SSL_accept(down) != 1) return;
  int ufd = socket(up->ss.ss_family, SOCK_STREAM, 0);
  if (ufd < 0 || connect(ufd, (const struct sockaddr *)&up->ss, up->len) != 0) return;
  setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL *upl = SSL_new(client_ctx);
  SSL_set_fd(upl, ufd);
  if (SSL_connect(upl) != 1) return;
  set_nonblocking(client_fd);
  set_nonblocking(ufd);
  for (;;) {
    /* Buffered plaintext first: poll() cannot see it. */
    if (SSL_pending(down) > 0) {
      if (forward(down, upl, ufd) < 0) break;
      continue;
    }
    if (SSL_pending(upl) > 0) {
      if (forward(upl, down, client_fd) < 0) break;
      continue;
    }
    struct pollfd p[2] = {{client_fd, POLLIN, 0}, {ufd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && forward(down, upl, ufd) < 0) break;
    if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && forward(upl, down, client_fd) < 0) break;
  }
}

int main(int argc, char **argv) {
  const char *listen_s = NULL, *cert = NULL, *key = NULL, *upstream = NULL, *ready = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--listen") == 0)
      listen_s = argv[i + 1];
    else if (strcmp(argv[i], "--cert") == 0)
      cert = argv[i + 1];
    else if (strcmp(argv[i], "--key") == 0)
      key = argv[i + 1];
    else if (strcmp(argv[i], "--upstream") == 0)
      upstream = argv[i + 1];
    else if (strcmp(argv[i], "--ready-file") == 0)
      ready = argv[i + 1];
    else {
      fprintf(stderr, "derpcheck-proxy: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  struct endpoint lis, up;
  if (listen_s == NULL || cert == NULL || key == NULL || upstream == NULL || ready == NULL ||
      !parse_endpoint(listen_s, &lis) || !parse_endpoint(upstream, &up)) {
    fprintf(stderr,
            "usage: derpcheck-proxy --listen ADDR:PORT --cert CHAIN "
            "--key KEY --upstream HOST:PORT --ready-file PATH\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */
  SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
  if (sctx == NULL || cctx == NULL || SSL_CTX_use_certificate_chain_file(sctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(sctx) != 1) {
    fprintf(stderr, "derpcheck-proxy: cannot load %s / %s: ", cert, key);
    ERR_print_errors_fp(stderr);
    return 1;
  }
  SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
  int fd = socket(lis.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&lis.ss, lis.len) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr *)&lis.ss, &lis.len) != 0) {
    fprintf(stderr, "derpcheck-proxy: listen %s: %s\n", listen_s, strerror(errno));
    return 1;
  }
  if (!write_ready(ready, &lis)) {
    fprintf(stderr, "derpcheck-proxy: cannot write %s\n", ready);
    return 1;
  }
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "derpcheck-proxy: accept: %s\n", strerror(errno));
      return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(fd);
      serve(c, sctx, cctx, &up);
      _exit(0);
    }
    close(c);
  }
}
