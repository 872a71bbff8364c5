/* bench_relay: what derp-relay costs next to bare OpenSSL on this machine,
 * measured in one run so the ratios compare like with like.
 *
 *  (a) handshakes/s: full TLS 1.3 handshake + DERP handshake (fast start:
 *      GET /derp + ClientInfo, then ServerKey + ServerInfo) against the relay,
 *      next to a bare blocking OpenSSL accept loop (its own process, the
 *      SSL_CTX built by the same relay_tls code: same certificate chain, same
 *      TLS version, same ticket settings) doing the TLS handshake and sending
 *      one byte, which the client reads (so both clients process the session
 *      ticket). The client is this process, sequential, in both cases; its
 *      DERP key's shared secret with the relay is computed once, so the
 *      client adds no X25519 per handshake.
 *  (b) packets/s from client A to client B through the relay (1 KiB, 64 KiB),
 *      next to a bare TLS stream over loopback with the same payload sizes.
 *      In both cases this process does one encryption and one decryption per
 *      payload (A's write, B's read), in one thread; the relay adds its own
 *      decrypt + route + encrypt in its own process.
 *  (c) relay RSS per idle connection with 1,000 and 10,000 DERP clients
 *      connected, from /proc/<pid>/status before and after.
 *
 * Targets: (a) >= 0.8 of bare, (b) >= 0.7 of bare, (c) <= 16 KiB.
 *
 * The machine is shared (2 cores): besides the rates, (a) and (b) print the
 * CPU time of every process involved (from /proc/<pid>/stat), so the cost
 * ratio can be read independently of what else is running. For (b) the
 * "CPU-bound ratio" is what the rate ratio becomes when the relay and the
 * clients each have a core: bare cost / max(relay cost, client cost).
 * Usage: bench_relay [--quick] [--relay PATH] [--only a|b|c] [--seconds S]
 * (--only runs one part, --seconds sets each measurement's length). --quick runs each part for a
 * fraction of a second with a few hundred clients (the ctest smoke run); its
 * figures are not meaningful, only that every part works. Exit 0 unless a
 * part failed to run. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "derp/derp_frame.h"
#include "derp/derp_keys.h"
#include "harness/proc.h"
#include "relay_tls.h"

#ifndef DERP_RELAY_PATH
#define DERP_RELAY_PATH "derp-relay"
#endif

struct bench {
  bool quick;
  const char *relay_path;
  char dir[64];               /* scratch: certdir, key file, ready files */
  struct derp_keypair server; /* the relay's key, written to its -c file */
  SSL_CTX *client_ctx;        /* TLS 1.3 client, no verification, no reuse */
  double seconds;             /* per measurement */
  const char *only;           /* "a", "b" or "c": run one part; NULL = all */
};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
  fprintf(stderr, "bench_relay: %s\n", what);
  exit(1);
}

/* ---- relay process ------------------------------------------------------ */

struct relay_proc {
  pid_t pid;
  char addr[80];
};

static void relay_start(struct bench *b, struct relay_proc *r, const char *tag) {
  char ready[128], log[128], certdir[128], keyfile[128];
  snprintf(ready, sizeof ready, "%s/%s.ready", b->dir, tag);
  snprintf(log, sizeof log, "%s/%s.log", b->dir, tag);
  snprintf(certdir, sizeof certdir, "%s/certs", b->dir);
  snprintf(keyfile, sizeof keyfile, "%s/derper.key", b->dir);
  unlink(ready);
  r->pid = fork();
  if (r->pid < 0) die("fork failed");
  if (r->pid == 0) {
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) dup2(fd, STDERR_FILENO);
    execl(b->relay_path, b->relay_path, "--hostname", "127.0.0.1", "--certmode", "manual",
          "--certdir", certdir, "-c", keyfile, "-a", "127.0.0.1:0", "--stun=false", "--ready-file",
          ready, (char *)NULL);
    _exit(127);
  }
  char text[256];
  struct proc watch;
  proc_watch(&watch, r->pid);
  enum proc_status st = proc_wait_file(&watch, ready, 30000, text, sizeof text);
  proc_release(&watch);
  if (st != PROC_OK) die("relay did not start");
  char *nl = strchr(text, '\n');
  if (nl != NULL) *nl = '\0';
  snprintf(r->addr, sizeof r->addr, "%.79s", text);
}

static void relay_stop(struct relay_proc *r) {
  kill(r->pid, SIGTERM);
  int st = 0;
  waitpid(r->pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    fprintf(stderr, "bench_relay: relay exit status %d\n", st);
}

static long rss_kib(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  long kib = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
  }
  fclose(f);
  return kib;
}

/* CPU seconds (user + system) the process has used so far. */
static double cpu_s(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')'); /* the command name may contain spaces */
  unsigned long ut = 0, st = 0;
  if (p == NULL ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
    return 0;
  }
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- client side ------------------------------------------------------- */

static int tcp_connect(const char *addr) {
  const char *colon = strrchr(addr, ':');
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
  char host[64];
  snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
  if (inet_pton(AF_INET, host, &in.sin_addr) != 1) die("bench needs an IPv4 relay address");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (fd < 0 || connect(fd, (struct sockaddr *)&in, sizeof in) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

static SSL *tls_connect(struct bench *b, int fd) {
  SSL *ssl = SSL_new(b->client_ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) != 1) {
    ERR_clear_error();
    SSL_free(ssl);
    return NULL;
  }
  return ssl;
}

static bool ssl_read_exact(SSL *ssl, uint8_t *buf, size_t n) {
  while (n > 0) {
    int r = SSL_read(ssl, buf, (int)n);
    if (r <= 0) return false;
    buf += r;
    n -= (size_t)r;
  }
  return true;
}

/* Read one frame's header and payload (payload up to cap bytes). */
static bool read_frame(SSL *ssl, uint8_t *type, uint8_t *payload, size_t cap, uint32_t *len) {
  uint8_t hdr[DERP_FRAME_HEADER_LEN];
  if (!ssl_read_exact(ssl, hdr, sizeof hdr)) return false;
  *type = hdr[0];
  *len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];
  return *len <= cap && ssl_read_exact(ssl, payload, *len);
}

/* A client key with its NaCl shared key for the relay precomputed: a client
 * that reconnects needs no X25519 per handshake (the relay still does its
 * own), so the measured rate is the relay's, not the client's. */
struct client_key {
  struct derp_keypair kp;
  uint8_t shared[crypto_box_BEFORENMBYTES];
};

static void client_key_new(struct bench *b, struct client_key *k) {
  derp_keypair_generate(&k->kp);
  if (crypto_box_beforenm(k->shared, b->server.pub, k->kp.priv) != 0)
    die("crypto_box_beforenm failed");
}

/* Fast start, as a current Tailscale client does it with TLS 1.3 and a
 * metacert: request + ClientInfo in one write, then ServerKey and ServerInfo.
 * The bench knows the relay's key (it wrote the -c file), so it skips parsing
 * the metacert. */
static bool derp_handshake(SSL *ssl, const struct client_key *me) {
  static const char req[] =
      "GET /derp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: DERP\r\n"
      "Connection: Upgrade\r\nDerp-Fast-Start: 1\r\n\r\n";
  static const char json[] = "{\"version\":2,\"CanAckPings\":true}";
  uint8_t out[512], nonce[DERP_NONCE_LEN], sealed[sizeof json - 1 + crypto_box_MACBYTES];
  randombytes_buf(nonce, sizeof nonce);
  if (crypto_box_easy_afternm(sealed, (const uint8_t *)json, sizeof json - 1, nonce, me->shared) !=
      0) {
    return false;
  }
  memcpy(out, req, sizeof req - 1);
  struct byte_writer w = byte_writer_init(out + sizeof req - 1, sizeof out - (sizeof req - 1));
  if (!derp_encode_client_info(&w, me->kp.pub, nonce, sealed, sizeof sealed) ||
      SSL_write(ssl, out, (int)(sizeof req - 1 + w.len)) <= 0) {
    return false;
  }
  uint8_t type, payload[1024], plain[512];
  uint32_t len;
  if (!read_frame(ssl, &type, payload, sizeof payload, &len) || type != DERP_FRAME_SERVER_KEY)
    return false;
  if (!read_frame(ssl, &type, payload, sizeof payload, &len) || type != DERP_FRAME_SERVER_INFO)
    return false;
  struct derp_server_info si;
  return derp_decode_server_info(payload, len, &si) == DERP_DECODE_OK &&
         si.sealed_len >= crypto_box_MACBYTES &&
         si.sealed_len - crypto_box_MACBYTES <= sizeof plain &&
         crypto_box_open_easy_afternm(plain, si.sealed, si.sealed_len, si.nonce, me->shared) == 0;
}

/* A DERP client connected through the relay (blocking socket). */
struct derp_client {
  int fd;
  SSL *ssl;
  struct client_key key;
};

static bool derp_client_open(struct bench *b, const char *addr, struct derp_client *c) {
  client_key_new(b, &c->key);
  c->fd = tcp_connect(addr);
  c->ssl = c->fd >= 0 ? tls_connect(b, c->fd) : NULL;
  if (c->ssl != NULL && derp_handshake(c->ssl, &c->key)) return true;
  if (c->ssl != NULL) SSL_free(c->ssl);
  if (c->fd >= 0) close(c->fd);
  return false;
}

static void derp_client_close(struct derp_client *c) {
  SSL_free(c->ssl);
  close(c->fd);
}

/* ---- bare TLS server (a): blocking accept loop in a child process -------- */

static pid_t bare_server_start(struct relay_tls *tls, char *addr, size_t cap) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof in;
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&in, sizeof in) != 0 || listen(lfd, 128) != 0 ||
      getsockname(lfd, (struct sockaddr *)&in, &len) != 0) {
    die("bare server: cannot listen");
  }
  snprintf(addr, cap, "127.0.0.1:%u", ntohs(in.sin_port));
  pid_t pid = fork();
  if (pid != 0) {
    close(lfd);
    return pid;
  }
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct relay_tls_note note;
    SSL *ssl = relay_tls_new_ssl(tls, &note);
    SSL_set_fd(ssl, fd);
    /* One byte of application data after the handshake, as the relay's
     * first DERP frame: the client then reads past the server's
     * NewSessionTicket as it does against the relay. */
    if (SSL_accept(ssl) == 1 && SSL_write(ssl, "k", 1) == 1) {
      uint8_t buf[256];
      while (SSL_read(ssl, buf, sizeof buf) > 0) {}
    }
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
  }
}

/* ---- (a) handshakes ----------------------------------------------------- */

static double rate_bare(struct bench *b, const char *addr) {
  long n = 0;
  double t0 = now_s(), t;
  while ((t = now_s()) - t0 < b->seconds) {
    int fd = tcp_connect(addr);
    SSL *ssl = fd >= 0 ? tls_connect(b, fd) : NULL;
    uint8_t first;
    if (ssl == NULL || SSL_read(ssl, &first, 1) != 1) die("bare handshake failed");
    SSL_free(ssl);
    close(fd);
    n++;
  }
  return (double)n / (t - t0);
}

static double rate_relay(struct bench *b, const char *addr) {
  struct client_key me;
  client_key_new(b, &me);
  long n = 0;
  double t0 = now_s(), t;
  while ((t = now_s()) - t0 < b->seconds) {
    int fd = tcp_connect(addr);
    SSL *ssl = fd >= 0 ? tls_connect(b, fd) : NULL;
    if (ssl == NULL || !derp_handshake(ssl, &me)) die("relay handshake failed");
    SSL_free(ssl);
    close(fd);
    n++;
  }
  return (double)n / (t - t0);
}

/* Rate and CPU seconds per operation (this process + the server process),
 * measured over one call of `run`. */
struct measured {
  double rate;
  double cpu_per_op;    /* client + server */
  double server_per_op; /* server alone */
};

static struct measured measure_handshakes(struct bench *b, const char *addr, pid_t server,
                                          double (*run)(struct bench *, const char *)) {
  double c0 = cpu_s(getpid()), s0 = cpu_s(server), w0 = now_s();
  double rate = run(b, addr);
  double ops = rate * (now_s() - w0);
  double server_cpu = cpu_s(server) - s0;
  struct measured m = {rate, (cpu_s(getpid()) - c0 + server_cpu) / ops, server_cpu / ops};
  return m;
}

static void bench_handshakes(struct bench *b, struct relay_tls *tls) {
  char bare_addr[64];
  pid_t bare = bare_server_start(tls, bare_addr, sizeof bare_addr);
  struct relay_proc relay;
  relay_start(b, &relay, "handshakes");
  /* Alternate, so drift in the shared machine's load hits both alike. */
  struct measured sb = {0, 0, 0}, sr = {0, 0, 0};
  int rounds = b->quick ? 1 : 3;
  for (int i = 0; i < rounds; i++) {
    struct measured mb = measure_handshakes(b, bare_addr, bare, rate_bare);
    struct measured mr = measure_handshakes(b, relay.addr, relay.pid, rate_relay);
    sb.rate += mb.rate / rounds;
    sb.cpu_per_op += mb.cpu_per_op / rounds;
    sb.server_per_op += mb.server_per_op / rounds;
    sr.server_per_op += mr.server_per_op / rounds;
    sr.rate += mr.rate / rounds;
    sr.cpu_per_op += mr.cpu_per_op / rounds;
  }
  kill(bare, SIGKILL);
  waitpid(bare, NULL, 0);
  relay_stop(&relay);
  printf(
      "(a) handshakes/s   bare TLS 1.3 accept loop %7.0f   relay TLS+DERP %7.0f   ratio %.2f  "
      "(target >= 0.80)\n"
      "    CPU per handshake, client + server: bare %.0f us, relay %.0f us (server alone: bare "
      "%.0f us,"
      " relay %.0f us) -> ratio of CPU costs %.2f\n",
      sb.rate, sr.rate, sr.rate / sb.rate, sb.cpu_per_op * 1e6, sr.cpu_per_op * 1e6,
      sb.server_per_op * 1e6, sr.server_per_op * 1e6, sb.cpu_per_op / sr.cpu_per_op);
}

/* ---- (b) packets -------------------------------------------------------- */

/* Pump `frame` (frame_len bytes) from A to B until `seconds` pass, keeping at
 * most `window` bytes in flight so B is never the relay's slow reader; then
 * drain what is still in flight, so the next run starts from an empty pipe.
 * The window is at most 32 frames: the relay queues 32 packets for a
 * receiver and drops the oldest beyond that (derper's rule), and a dropped
 * packet would never arrive. Returns bytes B received per second during the
 * measured time. */
static double pump(SSL *a, int afd, SSL *b_ssl, int bfd, const uint8_t *frame, size_t frame_len,
                   double seconds) {
  static uint8_t buf[256 * 1024];
  const uint64_t window = 32 * frame_len < (1u << 20) ? 32 * frame_len : 1u << 20;
  uint64_t sent = 0, got = 0, got_measured = 0;
  size_t off = 0;
  double t0 = now_s(), t = t0, t_end = 0;
  fcntl(afd, F_SETFL, fcntl(afd, F_GETFL) | O_NONBLOCK);
  fcntl(bfd, F_SETFL, fcntl(bfd, F_GETFL) | O_NONBLOCK);
  for (;;) {
    t = now_s();
    bool measuring = t - t0 < seconds;
    if (!measuring && t_end == 0) {
      t_end = t;
      got_measured = got;
    }
    /* After the measurement only whole frames already started are finished. */
    if (!measuring && off == 0 && got >= sent) break;
    if (t - t0 > seconds + 10) die("the pipe did not drain within 10 s");
    bool progress = false, want_write = false;
    while ((measuring || off != 0) && sent - got < window) {
      int w = SSL_write(a, frame + off, (int)(frame_len - off));
      if (w <= 0) {
        want_write = true;
        break;
      }
      off += (size_t)w;
      sent += (uint64_t)w;
      if (off == frame_len) off = 0;
      progress = true;
      if (!measuring && off == 0) break;
    }
    int r;
    while ((r = SSL_read(b_ssl, buf, sizeof buf)) > 0) {
      got += (uint64_t)r;
      progress = true;
    }
    if (r <= 0) {
      int e = SSL_get_error(b_ssl, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        die("receiver lost its connection");
    }
    ERR_clear_error();
    if (!progress) {
      /* Wait for B's data, and for A's socket only if A is blocked on it
       * (a full window is B's business: polling A then would spin). */
      struct pollfd p[2] = {{.fd = bfd, .events = POLLIN}, {.fd = afd, .events = POLLOUT}};
      poll(p, want_write ? 2 : 1, 10);
    }
  }
  fcntl(afd, F_SETFL, fcntl(afd, F_GETFL) & ~O_NONBLOCK);
  fcntl(bfd, F_SETFL, fcntl(bfd, F_GETFL) & ~O_NONBLOCK);
  return (double)got_measured / (t_end - t0);
}

/* A loopback TCP pair with a server SSL (relay_tls's context) on one end. */
static bool bare_stream(struct bench *b, struct relay_tls *tls, int *cfd, SSL **cssl, int *sfd,
                        SSL **sssl, struct relay_tls_note *note) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof in;
  if (bind(lfd, (struct sockaddr *)&in, sizeof in) != 0 || listen(lfd, 1) != 0 ||
      getsockname(lfd, (struct sockaddr *)&in, &len) != 0) {
    return false;
  }
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(in.sin_port));
  *cfd = tcp_connect(addr);
  *sfd = accept(lfd, NULL, NULL);
  close(lfd);
  int one = 1;
  setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *cssl = SSL_new(b->client_ctx);
  *sssl = relay_tls_new_ssl(tls, note);
  SSL_set_fd(*cssl, *cfd);
  SSL_set_fd(*sssl, *sfd);
  SSL_set_connect_state(*cssl);
  SSL_set_accept_state(*sssl);
  fcntl(*cfd, F_SETFL, O_NONBLOCK);
  fcntl(*sfd, F_SETFL, O_NONBLOCK);
  /* Both ends in this thread: step them alternately until both are done. */
  for (int i = 0; i < 10000; i++) {
    int rc = SSL_do_handshake(*cssl), rs = SSL_do_handshake(*sssl);
    if (rc == 1 && rs == 1) {
      fcntl(*cfd, F_SETFL, 0);
      fcntl(*sfd, F_SETFL, 0);
      return true;
    }
    struct pollfd p[2] = {{.fd = *cfd, .events = POLLIN}, {.fd = *sfd, .events = POLLIN}};
    poll(p, 2, 10);
  }
  return false;
}

static void bench_packets(struct bench *b, struct relay_tls *tls) {
  static const size_t sizes[] = {1024, 65536};
  struct relay_proc relay;
  relay_start(b, &relay, "packets");
  struct derp_client A, B;
  if (!derp_client_open(b, relay.addr, &A) || !derp_client_open(b, relay.addr, &B)) {
    die("packets: DERP clients could not connect");
  }
  int cfd, sfd;
  SSL *cssl, *sssl;
  struct relay_tls_note note;
  if (!bare_stream(b, tls, &cfd, &cssl, &sfd, &sssl, &note)) die("packets: bare TLS stream failed");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t size = sizes[i];
    size_t frame_len = DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + size;
    uint8_t *frame = calloc(1, frame_len);
    struct byte_writer w = byte_writer_init(frame, frame_len);
    if (frame == NULL ||
        !derp_encode_send_packet(&w, B.key.kp.pub, frame + frame_len - size, size)) {
      die("packets: cannot encode");
    }
    double bare_pps = 0, relay_pps = 0, bare_cpu = 0, relay_cpu = 0, self_cpu = 0;
    int rounds = b->quick ? 1 : 3;
    for (int k = 0; k < rounds; k++) {
      /* bare: the payload bytes alone, client -> server, both ends here */
      double s0 = cpu_s(getpid()), w0 = now_s();
      bare_pps +=
          pump(cssl, cfd, sssl, sfd, frame + frame_len - size, size, b->seconds) / (double)size;
      bare_cpu += (cpu_s(getpid()) - s0) / (now_s() - w0);
      /* relay: B receives RecvPacket frames of exactly frame_len bytes */
      double c0 = cpu_s(relay.pid);
      s0 = cpu_s(getpid());
      w0 = now_s();
      relay_pps += pump(A.ssl, A.fd, B.ssl, B.fd, frame, frame_len, b->seconds) / (double)frame_len;
      double wall = now_s() - w0;
      relay_cpu += (cpu_s(relay.pid) - c0) / wall;
      self_cpu += (cpu_s(getpid()) - s0) / wall;
    }
    bare_pps /= rounds;
    relay_pps /= rounds;
    bare_cpu /= rounds;
    relay_cpu /= rounds;
    self_cpu /= rounds;
    /* CPU seconds per packet: what the ratio would be with a free core for
     * each process (the relay path needs two; a busy machine may not give
     * them). */
    double bare_cost = bare_cpu / bare_pps, relay_cost = (relay_cpu + self_cpu) / relay_pps;
    printf(
        "(b) packets/s %2zu KiB bare TLS stream %9.0f   relay A->B %9.0f   ratio %.2f  (target >= "
        "0.70)\n"
        "    [%.0f vs %.0f MB/s] CPU: bare %.0f%%; relay %.0f%% + clients %.0f%%; CPU per packet "
        "bare %.2f us,"
        " relay+clients %.2f us (relay alone %.2f us) -> CPU-bound ratio %.2f\n",
        size / 1024, bare_pps, relay_pps, relay_pps / bare_pps, bare_pps * (double)size / 1e6,
        relay_pps * (double)size / 1e6, bare_cpu * 100, relay_cpu * 100, self_cpu * 100,
        bare_cost * 1e6, relay_cost * 1e6, relay_cpu / relay_pps * 1e6,
        bare_cost / (relay_cpu / relay_pps > self_cpu / relay_pps ? relay_cpu / relay_pps
                                                                  : self_cpu / relay_pps));
    free(frame);
  }
  SSL_free(cssl);
  SSL_free(sssl);
  close(cfd);
  close(sfd);
  derp_client_close(&A);
  derp_client_close(&B);
  relay_stop(&relay);
}

/* ---- (c) memory --------------------------------------------------------- */

static void bench_memory(struct bench *b) {
  const int steps[] = {b->quick ? 100 : 1000, b->quick ? 300 : 10000};
  struct relay_proc relay;
  relay_start(b, &relay, "memory");
  /* Warm-up: the first connections allocate what any later one reuses
   * (OpenSSL's per-context caches, libevent's tables); then measure. */
  for (int i = 0; i < 20; i++) {
    struct derp_client c;
    if (!derp_client_open(b, relay.addr, &c)) die("memory: warm-up connection failed");
    derp_client_close(&c);
  }
  long base = rss_kib(relay.pid);
  int *fds = calloc((size_t)steps[1], sizeof *fds);
  int open_n = 0;
  for (int s = 0; s < 2; s++) {
    double t0 = now_s();
    while (open_n < steps[s]) {
      struct derp_client c;
      if (!derp_client_open(b, relay.addr, &c)) die("memory: connection failed (RLIMIT_NOFILE?)");
      /* Keep the socket, drop the client's TLS state: the relay still holds
       * an idle, fully handshaken DERP client. */
      SSL_free(c.ssl);
      fds[open_n++] = c.fd;
    }
    long rss = rss_kib(relay.pid);
    printf(
        "(c) idle clients %6d   relay RSS %7ld KiB (baseline %ld KiB)   per connection %5.1f KiB"
        "  (target <= 16)   [connected at %.0f/s]\n",
        open_n, rss, base, (double)(rss - base) / open_n, open_n / (now_s() - t0));
  }
  for (int i = 0; i < open_n; i++) close(fds[i]);
  free(fds);
  relay_stop(&relay);
}

/* ---- main ----------------------------------------------------------------- */

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int main(int argc, char **argv) {
  struct bench b = {.relay_path = DERP_RELAY_PATH, .seconds = 2.0};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      b.quick = true;
      b.seconds = 0.25;
    } else if (strcmp(argv[i], "--relay") == 0 && i + 1 < argc) {
      b.relay_path = argv[++i];
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      b.only = argv[++i];
    } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      b.seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: bench_relay [--quick] [--relay PATH] [--only a|b|c] [--seconds S]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  raise_nofile(); /* inherited by the relay: 10,000 clients need the fds */
  if (sodium_init() < 0) die("libsodium failed");
  snprintf(b.dir, sizeof b.dir, "/tmp/bench_relay.XXXXXX");
  if (mkdtemp(b.dir) == NULL) die("mkdtemp failed");

  /* The relay's key, and the same certificate and context for the bare server. */
  char path[128], text[128], err[8192];
  derp_keypair_generate(&b.server);
  snprintf(path, sizeof path, "%s/derper.key", b.dir);
  FILE *kf = fopen(path, "w");
  if (kf == NULL || !derp_keyfile_format(b.server.priv, text, sizeof text))
    die("cannot write the key file");
  fputs(text, kf);
  fclose(kf);
  chmod(path, 0600);
  char certdir[128];
  snprintf(certdir, sizeof certdir, "%s/certs", b.dir);
  struct relay_tls tls;
  struct relay_tls_options o = {.hostname = "127.0.0.1",
                                .certdir = certdir,
                                .metacert = true,
                                .tls_min = RELAY_TLS_1_3,
                                .tls_max = RELAY_TLS_1_3,
                                .derp_pub = b.server.pub,
                                .now = (int64_t)time(NULL)};
  if (!relay_tls_init(&tls, &o, err, sizeof err)) die(err);
  b.client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(b.client_ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_min_proto_version(b.client_ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(b.client_ctx, SSL_SESS_CACHE_OFF);

  printf("bench_relay%s: relay %s, %.2f s per measurement, TLS 1.3, %zu certs per handshake\n",
         b.quick ? " --quick (smoke run: figures not meaningful)" : "", b.relay_path, b.seconds,
         tls.served_certs);
  fflush(stdout);
  if (b.only == NULL || strcmp(b.only, "a") == 0) bench_handshakes(&b, &tls);
  fflush(stdout);
  if (b.only == NULL || strcmp(b.only, "b") == 0) bench_packets(&b, &tls);
  fflush(stdout);
  if (b.only == NULL || strcmp(b.only, "c") == 0) bench_memory(&b);

  SSL_CTX_free(b.client_ctx);
  relay_tls_free(&tls);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_relay: could not remove %s\n", b.dir);
  return 0;
}
