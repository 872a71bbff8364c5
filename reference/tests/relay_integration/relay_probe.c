/* relay_probe: the integration tests' client for derp-relay. Each subcommand
 * does one observable thing and prints what it saw, one `key value` per line,
 * so relay_integration.sh can assert on it; the exit status is 0 when the
 * relay behaved as the subcommand expects, 1 otherwise, 2 on usage errors. */
#include <arpa/inet.h>
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "derp/derp_keys.h"
#include "derp/hex.h"
#include "derp/stun.h"
#include "harness/proc.h"
#include "probe_derp.h"
#include "probe_stun.h"

struct cli {
  const char *addr;
  struct probe_tls_options tls;
  bool fast_start;
  int repeat;
  size_t size;
  const char *key_hex;
  double seconds; /* pair-rate, refused: run this long (0: by count) */
  long pid;       /* churn: the relay whose fds and memory are watched */
  double
      rss_keep; /* churn: RSS must fall to base + this share of the peak's growth (< 0: not checked) */
  char **rest;
  int nrest;
};

static int usage(void) {
  fprintf(stderr,
          "usage: relay_probe CMD ADDR [--tls 1.2|1.3] [--sni NAME] [--alpn P] [--fast-start]\n"
          "                   [--repeat N] [--size N] [--key PRIVHEX] [--timeout MS]\n"
          "                   [--rcvbuf BYTES] [--seconds S] [--pid PID] [--rss-keep F]\n"
          "  chain ADDR          print the served chain (certs, cn, serial, leaf_sha256)\n"
          "  upgrade ADDR        GET /derp + DERP handshake; print the keys seen\n"
          "  http ADDR 'M PATH' [Header: v]...   one request, print the raw response\n"
          "  exchange ADDR       two clients send each other a packet\n"
          "  same-key ADDR       a second connection with a key replaces the first\n"
          "  slow-reader ADDR    a client that never reads is cut off, others keep working\n"
          "                      (--repeat N: send only N packets, wait for the write timeout)\n"
          "  idle-handshake ADDR upgrade, then never send ClientInfo: expect a close\n"
          "  connect ADDR --key H  print accepted/rejected\n"
          "  stun ADDR           one Tailscale binding request, print the mapped address\n"
          "  refused ADDR --alpn P --repeat N [--seconds S]  handshakes the relay must\n"
          "                      refuse: N of them, or as many as S seconds take (at most N)\n"
          "  slowloris ADDR --repeat N --seconds S  N connections that send one byte of\n"
          "                      a ClientHello and stall; print how many the relay still\n"
          "                      held at the end and how many it cut (handshake timeout)\n"
          "  pair-rate ADDR --seconds S [--size N]  A sends B one packet at a time for\n"
          "                      S seconds; print the packets/s that arrived\n"
          "  churn ADDR --repeat N --pid PID [--rss-keep F]  two rounds of: N clients\n"
          "                      connect and send one packet each, all reset; the\n"
          "                      relay's fds must come back to base, its RSS to base\n"
          "                      + F x the peak's growth (default 1; < 0: unchecked)\n"
          "  write-fail ADDR --pid PID  stop the relay, B sends A a packet, A resets,\n"
          "                      resume: the relay's write to A fails; B keeps working\n"
          "  fill-pipe FIFO      write to FIFO until it is full, print the bytes\n"
          "  genkey              print <privhex> nodekey:<pubhex>\n"
          "  wait-ready FILE PID [MS]  print the ready file once written\n"
          "  wait-exit PID MS    exit 0 once process PID has exited, 1 after MS\n");
  return 2;
}

static bool parse_cli(int argc, char **argv, struct cli *c) {
  memset(c, 0, sizeof *c);
  c->repeat = 1;
  c->size = 1024;
  c->rss_keep = 1;
  c->addr = argc > 2 ? argv[2] : NULL;
  int i = 3;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--fast-start") == 0) {
      c->fast_start = true;
      continue;
    }
    if (strncmp(a, "--", 2) != 0) break;
    if (v == NULL) return false;
    i++;
    if (strcmp(a, "--tls") == 0) {
      c->tls.tls_version = strcmp(v, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
    } else if (strcmp(a, "--sni") == 0) {
      c->tls.sni = v;
    } else if (strcmp(a, "--alpn") == 0) {
      c->tls.alpn = v;
    } else if (strcmp(a, "--repeat") == 0) {
      c->repeat = atoi(v);
    } else if (strcmp(a, "--size") == 0) {
      c->size = (size_t)strtoul(v, NULL, 10);
    } else if (strcmp(a, "--key") == 0) {
      c->key_hex = v;
    } else if (strcmp(a, "--rcvbuf") == 0) {
      c->tls.rcvbuf = atoi(v);
    } else if (strcmp(a, "--timeout") == 0) {
      c->tls.timeout_ms = atoi(v);
    } else if (strcmp(a, "--seconds") == 0) {
      c->seconds = strtod(v, NULL);
    } else if (strcmp(a, "--pid") == 0) {
      c->pid = strtol(v, NULL, 10);
    } else if (strcmp(a, "--rss-keep") == 0) {
      c->rss_keep = strtod(v, NULL);
    } else {
      return false;
    }
  }
  c->rest = argv + i;
  c->nrest = argc - i;
  return c->addr != NULL;
}

static void print_hex(const char *label, const uint8_t *b, size_t n) {
  char hex[129];
  derp_hex_lower(b, n, hex);
  printf("%s %s\n", label, hex);
}

static int cmd_chain(struct cli *c) {
  char err[512];
  size_t first = 0;
  for (int i = 0; i < c->repeat; i++) {
    struct probe_conn conn;
    if (!probe_connect(&conn, c->addr, &c->tls, err, sizeof err)) {
      fprintf(stderr, "handshake %d: %s\n", i, err);
      printf("handshake failed\n");
      return 1;
    }
    if (i == 0) {
      first = conn.n_certs;
      printf("tls %s\n", conn.version == TLS1_3_VERSION ? "1.3" : "1.2");
      printf("certs %zu\n", conn.n_certs);
      for (size_t k = 0; k < conn.n_certs && k < PROBE_CERTS_MAX; k++) {
        printf("cert %zu cn=%s serial=%ld\n", k, conn.cn[k], conn.serial[k]);
      }
      printf("leaf_sha256 %s\n", conn.leaf_pin);
    } else if (conn.n_certs != first) {
      printf("handshake %d served %zu certs, the first served %zu\n", i, conn.n_certs, first);
      probe_close(&conn);
      return 1;
    }
    probe_close(&conn);
  }
  printf("handshakes %d all_certs %zu\n", c->repeat, first);
  return 0;
}

static int64_t mono_ms(void);

/* Handshake failures on demand (e.g. an ALPN the relay refuses): each is a
 * log line an outsider can cause. With --seconds, as many as fit (bounded
 * by --repeat all the same). */
static int cmd_refused(struct cli *c) {
  char err[512];
  const int64_t until = mono_ms() + (int64_t)(c->seconds * 1000);
  int i = 0;
  for (; i < c->repeat && (c->seconds <= 0 || mono_ms() < until); i++) {
    struct probe_conn conn;
    if (probe_connect(&conn, c->addr, &c->tls, err, sizeof err)) {
      probe_close(&conn);
      printf("handshake %d accepted\n", i);
      return 1;
    }
  }
  printf("refused %d\n", i);
  return 0;
}

/* Fills a FIFO nobody reads, so its writer's next write would block. */
static int cmd_fill_pipe(int argc, char **argv) {
  if (argc < 3) return usage();
  int fd = open(argv[2], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "fill-pipe %s: %s\n", argv[2], strerror(errno));
    return 1;
  }
  char chunk[512];
  memset(chunk, '#', sizeof chunk);
  chunk[sizeof chunk - 1] = '\n';
  size_t total = 0;
  for (int i = 0; i < 1 << 16; i++) { /* far more than any pipe holds */
    ssize_t w = write(fd, chunk, sizeof chunk);
    if (w > 0) {
      total += (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    break;
  }
  const bool full = errno == EAGAIN;
  close(fd);
  printf("filled %zu\n", total);
  return full ? 0 : 1;
}

static int derp_fail(struct probe_derp *d, const char *who, enum probe_derp_result r) {
  fprintf(stderr, "%s: %s (result %d)\n", who, d->err, (int)r);
  return 1;
}

static int cmd_upgrade(struct cli *c) {
  struct probe_derp d;
  enum probe_derp_result r = probe_derp_connect(&d, c->addr, &c->tls, c->fast_start, NULL);
  if (r != PROBE_DERP_OK) {
    int rc = derp_fail(&d, "upgrade", r);
    probe_derp_close(&d);
    return rc;
  }
  printf("fast_start %s\n", d.fast_start ? "yes" : "no");
  printf("http_status %d\n", d.http_status);
  printf("header_key %s\n", d.header_key_hex);
  print_hex("server_key", d.server_pub, DERP_KEY_LEN);
  printf("server_info %s\n", d.server_info_json);
  probe_derp_close(&d);
  return 0;
}

static int cmd_http(struct cli *c) {
  if (c->nrest < 1) return usage();
  char req[4096];
  size_t len = 0;
  len += (size_t)snprintf(req, sizeof req, "%s HTTP/1.1\r\nHost: %s\r\n", c->rest[0], c->addr);
  for (int i = 1; i < c->nrest && len < sizeof req; i++) {
    len += (size_t)snprintf(req + len, sizeof req - len, "%s\r\n", c->rest[i]);
  }
  if (len < sizeof req)
    len += (size_t)snprintf(req + len, sizeof req - len, "Connection: close\r\n\r\n");
  if (len >= sizeof req) return usage();
  char err[512];
  struct probe_conn conn;
  if (!probe_connect(&conn, c->addr, &c->tls, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  if (!probe_write_all(&conn, req, len)) {
    probe_close(&conn);
    return 1;
  }
  uint8_t buf[4096];
  int n;
  while ((n = probe_read(&conn, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  probe_close(&conn);
  return n == 0 ? 0 : 1; /* the relay must close after Connection: close */
}

/* a sends `size` bytes to b; b must receive them exactly, from a. */
static bool relay_one(struct probe_derp *a, struct probe_derp *b, size_t size, uint8_t seed) {
  uint8_t *pkt = malloc(size > 0 ? size : 1);
  if (pkt == NULL) return false;
  for (size_t i = 0; i < size; i++) pkt[i] = (uint8_t)(seed + i * 7);
  bool ok = probe_derp_send_packet(a, b->pub, pkt, size);
  struct derp_packet got;
  enum probe_derp_result r = ok ? probe_derp_recv_packet(b, &got) : PROBE_DERP_IO;
  ok = r == PROBE_DERP_OK && got.len == size && memcmp(got.src, a->pub, DERP_KEY_LEN) == 0 &&
       (size == 0 || memcmp(got.data, pkt, size) == 0);
  if (!ok) fprintf(stderr, "relay_one: %s (result %d)\n", b->err, (int)r);
  free(pkt);
  return ok;
}

static int connect_n(struct cli *c, struct probe_derp *d, int n) {
  for (int i = 0; i < n; i++) {
    enum probe_derp_result r = probe_derp_connect(&d[i], c->addr, &c->tls, c->fast_start, NULL);
    if (r != PROBE_DERP_OK) {
      derp_fail(&d[i], "connect", r);
      for (int k = 0; k <= i; k++) probe_derp_close(&d[k]);
      return 1;
    }
  }
  return 0;
}

static void close_n(struct probe_derp *d, int n) {
  for (int i = 0; i < n; i++) probe_derp_close(&d[i]);
}

static int cmd_exchange(struct cli *c) {
  struct probe_derp d[2];
  if (connect_n(c, d, 2) != 0) return 1;
  bool ok = relay_one(&d[0], &d[1], c->size, 1) && relay_one(&d[1], &d[0], c->size, 2);
  printf("fast_start %s\n", d[0].fast_start ? "yes" : "no");
  printf("%s %zu\n", ok ? "exchanged" : "exchange_failed", c->size);
  close_n(d, 2);
  return ok ? 0 : 1;
}

/* A measured pair: A sends B one packet, waits for it, and again, for
 * --seconds. The rate is what the relay delivers to a live pair while
 * whatever else the caller arranged goes on beside it. */
static int cmd_pair_rate(struct cli *c) {
  if (c->seconds <= 0) return usage();
  struct probe_derp d[2];
  if (connect_n(c, d, 2) != 0) return 1;
  const int64_t t0 = mono_ms(), until = t0 + (int64_t)(c->seconds * 1000);
  long n = 0;
  bool ok = true;
  while (ok && mono_ms() < until && n < 100000000L) {
    ok = relay_one(&d[0], &d[1], c->size, (uint8_t)n);
    if (ok) n++;
  }
  const double s = (double)(mono_ms() - t0) / 1000.0;
  printf("packets %ld seconds %.2f rate %.0f\n", n, s, s > 0 ? (double)n / s : 0.0);
  close_n(d, 2);
  return ok ? 0 : 1;
}

static bool socket_closed_by_peer(int fd);

/* Slowloris: many connections, each one byte into a TLS record header, then
 * nothing; they hold the relay's sockets until its handshake timeout. */
static int cmd_slowloris(struct cli *c) {
  if (c->seconds <= 0 || c->repeat < 1) return usage();
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  const char *colon = strrchr(c->addr, ':');
  struct sockaddr_in in = {.sin_family = AF_INET};
  char host[64];
  if (colon == NULL || (size_t)(colon - c->addr) >= sizeof host) return usage();
  snprintf(host, sizeof host, "%.*s", (int)(colon - c->addr), c->addr);
  in.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &in.sin_addr) != 1) return usage();
  int *fds = calloc((size_t)c->repeat, sizeof *fds);
  if (fds == NULL) return 1;
  int opened = 0;
  for (; opened < c->repeat; opened++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&in, sizeof in) != 0 ||
        write(fd, "\x16", 1) != 1) {
      fprintf(stderr, "slowloris: connection %d: %s\n", opened, strerror(errno));
      if (fd >= 0) close(fd);
      break;
    }
    fds[opened] = fd;
  }
  /* Hold them: wait out the time (not a synchronisation, the load itself). */
  struct pollfd none;
  poll(&none, 0, (int)(c->seconds * 1000));
  int cut = 0;
  for (int i = 0; i < opened; i++) {
    if (socket_closed_by_peer(fds[i])) cut++;
    close(fds[i]);
  }
  free(fds);
  printf("opened %d cut %d\n", opened, cut);
  return opened == c->repeat ? 0 : 1;
}

/* The relay's open descriptors and resident memory, from /proc. */
static int proc_fd_count(long pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/fd", pid);
  DIR *d = opendir(path);
  if (d == NULL) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static long proc_rss_kib(long pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%ld/status", pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  long kib = -1;
  while (kib < 0 && fgets(line, sizeof line, f) != NULL) sscanf(line, "VmRSS: %ld", &kib);
  fclose(f);
  return kib;
}

/* The relay has no event to wait on for "these connections are gone", so
 * its fd count is polled from /proc, bounded in time; returns the last count. */
static int wait_fds_at_most(long pid, int want, int timeout_ms) {
  int n = proc_fd_count(pid);
  const int64_t deadline = mono_ms() + timeout_ms;
  while (n > want && mono_ms() < deadline) {
    struct pollfd none;
    poll(&none, 0, 10);
    n = proc_fd_count(pid);
  }
  return n;
}

/* Memory comes back on the relay's next timer tick at the latest; polled
 * like the fds. want_kib < 0: do not wait (a sanitizer's allocator keeps
 * freed memory in quarantine), just report. */
static long wait_rss_at_most(long pid, long want_kib, int timeout_ms) {
  long kib = proc_rss_kib(pid);
  const int64_t deadline = mono_ms() + timeout_ms;
  while (want_kib >= 0 && kib > want_kib && mono_ms() < deadline) {
    struct pollfd none;
    poll(&none, 0, 10);
    kib = proc_rss_kib(pid);
  }
  return kib;
}

/* An abortive close: the relay sees ECONNRESET, not a goodbye. */
static void close_reset(int fd) {
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
}

/* One churn round: n clients connect (TLS + DERP handshake) and each sends
 * one packet to the one before it, so every connection also went through
 * the relay's forwarding; each client's TLS state is dropped as soon as it
 * has sent, keeping only the socket, so the probe itself stays small. Then
 * every socket is reset at once. */
static bool churn_round(struct cli *c, int round, int *fds, int base_fds, long base_rss) {
  const int64_t t0 = mono_ms();
  uint8_t prev[DERP_KEY_LEN];
  randombytes_buf(prev, sizeof prev); /* the first packet's peer is unknown */
  static const uint8_t pkt[64];
  int open_n = 0;
  for (; open_n < c->repeat; open_n++) {
    struct probe_derp d;
    enum probe_derp_result r = probe_derp_connect(&d, c->addr, &c->tls, c->fast_start, NULL);
    bool sent = r == PROBE_DERP_OK && probe_derp_send_packet(&d, prev, pkt, sizeof pkt);
    if (!sent) {
      fprintf(stderr, "churn: client %d: %s\n", open_n, r == PROBE_DERP_OK ? "send failed" : d.err);
      probe_derp_close(&d);
      break;
    }
    memcpy(prev, d.pub, sizeof prev);
    fds[open_n] = d.conn.fd;
    d.conn.fd = -1;
    probe_derp_close(&d);
  }
  const int64_t t_open = mono_ms();
  /* Every client is registered once the relay answered a later client's
   * handshake; the count now holds them all. */
  const int peak_fds = proc_fd_count(c->pid);
  const long peak_rss = proc_rss_kib(c->pid);
  for (int i = 0; i < open_n; i++) close_reset(fds[i]);
  const int fds_now = wait_fds_at_most(c->pid, base_fds, 30000);
  const int64_t t_fds = mono_ms();
  const long rss_want =
      c->rss_keep < 0 ? -1 : base_rss + (long)(c->rss_keep * (double)(peak_rss - base_rss));
  const long rss_now = wait_rss_at_most(c->pid, rss_want, 5000);
  printf(
      "round %d opened %d connect_per_s %.0f peak_fds %d peak_rss_kib %ld after_fds %d "
      "fds_back_ms %" PRId64 " after_rss_kib %ld rss_back_ms %" PRId64 "\n",
      round, open_n, open_n * 1000.0 / (double)(t_open - t0 + 1), peak_fds, peak_rss, fds_now,
      t_fds - t_open, rss_now, mono_ms() - t_fds);
  fflush(stdout);
  return open_n == c->repeat && fds_now <= base_fds && (rss_want < 0 || rss_now <= rss_want);
}

static int cmd_churn(struct cli *c) {
  if (c->repeat < 1 || c->pid <= 0) return usage();
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  const int base_fds = proc_fd_count(c->pid);
  if (base_fds < 0) {
    fprintf(stderr, "churn: cannot read /proc/%ld\n", c->pid);
    return 1;
  }
  /* Warm-up: the first connections allocate what later ones reuse. */
  struct probe_derp w[2];
  if (connect_n(c, w, 2) != 0 || !relay_one(&w[0], &w[1], 64, 1)) return 1;
  close_n(w, 2);
  wait_fds_at_most(c->pid, base_fds, 5000);
  const long base_rss = proc_rss_kib(c->pid);
  printf("base_fds %d base_rss_kib %ld\n", base_fds, base_rss);
  int *fds = calloc((size_t)c->repeat, sizeof *fds);
  if (fds == NULL) return 1;
  bool ok =
      churn_round(c, 1, fds, base_fds, base_rss) && churn_round(c, 2, fds, base_fds, base_rss);
  free(fds);
  /* Still serving afterwards. */
  if (ok) ok = connect_n(c, w, 2) == 0 && relay_one(&w[0], &w[1], 64, 2);
  if (ok) close_n(w, 2);
  printf("serving_after %s\n", ok ? "yes" : "no");
  return ok ? 0 : 1;
}

/* A write that fails: with the relay stopped (SIGSTOP), B sends A a packet
 * and then A resets. On SIGCONT the relay reads B's packet first (its
 * socket became ready first), writes it to A and the write fails; A's read
 * side then reports the close. A third client checks B is unaffected. */
static int cmd_write_fail(struct cli *c) {
  if (c->pid <= 0) return usage();
  struct probe_derp d[3]; /* 0 = A, resets; 1 = B, sends; 2 = C, checks B */
  if (connect_n(c, d, 3) != 0) return 1;
  bool ok = relay_one(&d[1], &d[0], 64, 1);
  if (ok && kill((pid_t)c->pid, SIGSTOP) != 0) ok = false;
  if (ok) {
    static const uint8_t pkt[64];
    ok = probe_derp_send_packet(&d[1], d[0].pub, pkt, sizeof pkt);
    close_reset(d[0].conn.fd);
    d[0].conn.fd = -1;
    kill((pid_t)c->pid, SIGCONT);
  }
  ok = ok && relay_one(&d[1], &d[2], 64, 2) && relay_one(&d[2], &d[1], 64, 3);
  printf("others %s\n", ok ? "working" : "broken");
  close_n(d, 3);
  return ok ? 0 : 1;
}

static int cmd_same_key(struct cli *c) {
  uint8_t priv[DERP_KEY_LEN];
  randombytes_buf(priv, sizeof priv);
  struct probe_derp first, second, other;
  if (probe_derp_connect(&first, c->addr, &c->tls, false, priv) != PROBE_DERP_OK ||
      probe_derp_connect(&second, c->addr, &c->tls, false, priv) != PROBE_DERP_OK ||
      probe_derp_connect(&other, c->addr, &c->tls, false, NULL) != PROBE_DERP_OK) {
    fprintf(stderr, "connect failed\n");
    return 1;
  }
  struct derp_frame f;
  enum probe_derp_result r = probe_derp_read_frame(&first, &f);
  while (r == PROBE_DERP_OK && f.type == DERP_FRAME_KEEP_ALIVE)
    r = probe_derp_read_frame(&first, &f);
  printf("first %s\n", r == PROBE_DERP_CLOSED ? "closed" : "open");
  bool ok = relay_one(&other, &second, 64, 5);
  printf("second %s\n", ok ? "receives" : "broken");
  probe_derp_close(&first);
  probe_derp_close(&second);
  probe_derp_close(&other);
  return r == PROBE_DERP_CLOSED && ok ? 0 : 1;
}

/* The kernel's view of the slow client's socket: once the relay gives up on
 * it (an abortive close), the state leaves ESTABLISHED even though the
 * client never read anything. */
static bool socket_closed_by_peer(int fd) {
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return true;
  return ti.tcpi_state != TCP_ESTABLISHED;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True once the relay reset the slow client's connection (POLLRDHUP/ERR/HUP
 * arrive even though unread data is still buffered), false after timeout_ms. */
static bool wait_reset(int fd, int timeout_ms) {
  struct pollfd p = {.fd = fd, .events = POLLRDHUP};
  return poll(&p, 1, timeout_ms) > 0 && (p.revents & (POLLRDHUP | POLLERR | POLLHUP));
}

/* The slow client never reads. Without --repeat the flooder sends it 64 KiB
 * packets until the relay gives up on it; with --repeat N it sends N
 * packets and stops. Either way only the write timeout may cut it (what
 * its queue cannot hold is dropped). A bystander pair must keep talking all
 * along. */
static int cmd_slow_reader(struct cli *c, bool bounded) {
  struct probe_derp d[3]; /* 0 = slow, 1 = flooder, 2 = bystander */
  if (connect_n(c, d, 3) != 0) return 1;
  static uint8_t pkt[DERP_MAX_PACKET_SIZE];
  bool others = true, cut = false;
  long sent = 0;
  int64_t deadline = mono_ms() + 20000;
  while (!cut && others && mono_ms() < deadline && (!bounded || sent < c->repeat)) {
    for (int i = 0; i < 16 && (!bounded || sent < c->repeat) &&
                    probe_derp_send_packet(&d[1], d[0].pub, pkt, sizeof pkt);
         i++) {
      sent++;
    }
    others = relay_one(&d[1], &d[2], 32, (uint8_t)sent);
    cut = socket_closed_by_peer(d[0].conn.fd);
  }
  if (!cut && others) cut = wait_reset(d[0].conn.fd, 10000);
  printf("slow_reader %s after %ld packets sent to it\n", cut ? "closed" : "open", sent);
  if (others) others = relay_one(&d[1], &d[2], 32, 9) && relay_one(&d[2], &d[1], 32, 10);
  printf("others %s\n", others ? "working" : "broken");
  close_n(d, 3);
  return cut && others ? 0 : 1;
}

static int cmd_idle_handshake(struct cli *c) {
  char err[512];
  struct probe_conn conn;
  if (!probe_connect(&conn, c->addr, &c->tls, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  static const char req[] =
      "GET /derp HTTP/1.1\r\nHost: x\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n\r\n";
  probe_write_all(&conn, req, sizeof req - 1);
  printf("upgrade_sent\n");
  fflush(stdout);
  uint8_t buf[4096];
  int n;
  size_t total = 0;
  while ((n = probe_read(&conn, buf, sizeof buf)) > 0) total += (size_t)n;
  printf("idle_client %s after %zu bytes\n", n == 0 ? "closed" : "open", total);
  probe_close(&conn);
  return n == 0 ? 0 : 1;
}

static int cmd_connect(struct cli *c) {
  uint8_t priv[DERP_KEY_LEN];
  if (c->key_hex == NULL || !derp_key_from_hex(c->key_hex, strlen(c->key_hex), priv))
    return usage();
  struct probe_derp d;
  enum probe_derp_result r = probe_derp_connect(&d, c->addr, &c->tls, c->fast_start, priv);
  printf("%s\n", r == PROBE_DERP_OK ? "accepted" : r == PROBE_DERP_CLOSED ? "rejected" : "error");
  if (r != PROBE_DERP_OK && r != PROBE_DERP_CLOSED) fprintf(stderr, "%s\n", d.err);
  probe_derp_close(&d);
  return r == PROBE_DERP_OK ? 0 : r == PROBE_DERP_CLOSED ? 3 : 1;
}

static int cmd_genkey(void) {
  struct derp_keypair kp;
  if (!derp_keypair_generate(&kp)) return 1;
  char priv[65], pub[DERP_KEY_TEXT_SIZE];
  derp_hex_lower(kp.priv, DERP_KEY_LEN, priv);
  derp_key_public_text(kp.pub, pub);
  printf("%s %s\n", priv, pub);
  return 0;
}

static int cmd_wait_ready(int argc, char **argv) {
  if (argc < 4) return usage();
  char buf[1024];
  struct proc p;
  proc_watch(&p, (pid_t)atoi(argv[3]));
  enum proc_status st =
      proc_wait_file(&p, argv[2], argc > 4 ? atoi(argv[4]) : 10000, buf, sizeof buf);
  proc_release(&p);
  if (st == PROC_OK) {
    fputs(buf, stdout);
    return 0;
  }
  fprintf(stderr, "wait-ready %s: %s\n", argv[2],
          st == PROC_ERR_EXITED ? "the relay exited first" : "timed out");
  return 1;
}

/* wait-log FILE PID NEEDLE [MS]: a line containing NEEDLE appears in the
 * relay's log (readiness of an event the relay only logs: a SIGHUP reload). */
static int cmd_wait_log(int argc, char **argv) {
  if (argc < 5) return usage();
  struct proc p;
  proc_watch(&p, (pid_t)atoi(argv[3]));
  enum proc_status st =
      proc_wait_line_containing(&p, argv[2], argv[4], argc > 5 ? atoi(argv[5]) : 10000, NULL, 0);
  proc_release(&p);
  if (st == PROC_OK) return 0;
  fprintf(stderr, "wait-log %s: no line with \"%s\" (%s)\n", argv[2], argv[4],
          st == PROC_ERR_EXITED ? "the relay exited first" : "timed out");
  return 1;
}

static int cmd_wait_exit(int argc, char **argv) {
  if (argc < 4) return usage();
  struct proc p;
  proc_watch(&p, (pid_t)atoi(argv[2]));
  enum proc_status st = proc_wait_exit(&p, atoi(argv[3]));
  proc_release(&p);
  return st == PROC_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  if (sodium_init() < 0) return 1;
  const char *cmd = argv[1];
  if (strcmp(cmd, "genkey") == 0) return cmd_genkey();
  if (strcmp(cmd, "wait-ready") == 0) return cmd_wait_ready(argc, argv);
  if (strcmp(cmd, "wait-exit") == 0) return cmd_wait_exit(argc, argv);
  if (strcmp(cmd, "wait-log") == 0) return cmd_wait_log(argc, argv);
  if (strcmp(cmd, "fill-pipe") == 0) return cmd_fill_pipe(argc, argv);
  struct cli c;
  if (!parse_cli(argc, argv, &c)) return usage();
  if (strcmp(cmd, "chain") == 0) return cmd_chain(&c);
  if (strcmp(cmd, "refused") == 0) return cmd_refused(&c);
  if (strcmp(cmd, "pair-rate") == 0) return cmd_pair_rate(&c);
  if (strcmp(cmd, "slowloris") == 0) return cmd_slowloris(&c);
  if (strcmp(cmd, "churn") == 0) return cmd_churn(&c);
  if (strcmp(cmd, "write-fail") == 0) return cmd_write_fail(&c);
  if (strcmp(cmd, "upgrade") == 0) return cmd_upgrade(&c);
  if (strcmp(cmd, "http") == 0) return cmd_http(&c);
  if (strcmp(cmd, "exchange") == 0) return cmd_exchange(&c);
  if (strcmp(cmd, "same-key") == 0) return cmd_same_key(&c);
  if (strcmp(cmd, "slow-reader") == 0) return cmd_slow_reader(&c, c.repeat > 1);
  if (strcmp(cmd, "idle-handshake") == 0) return cmd_idle_handshake(&c);
  if (strcmp(cmd, "connect") == 0) return cmd_connect(&c);
  if (strcmp(cmd, "stun") == 0) return probe_stun(c.addr) ? 0 : 1;
  return usage();
}
