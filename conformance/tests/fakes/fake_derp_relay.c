/* fake-derp-relay: a test double of a DERP relay, for the runner's own
 * tests of its raw, udp and tls_handshakes steps: a second, independent
 * implementation beside derp-relay, so those steps judge what they see, not
 * what one relay happens to do. NOT a relay: one process per connection, so nothing is relayed
 * between clients (packets to anyone are dropped); it implements just enough
 * of spec §6.1, §6.5, §6.6, §7.1 and §7.2 for the relay-level scenarios that
 * concern a single connection. It follows the relay contract (port 0, ready
 * file, SIGTERM).
 *
 * usage: fake-derp-relay --listen ADDR:PORT --cert CHAIN --key KEY
 *          --keyfile RELAY.json --metacert on|off --metacert-file META.pem
 *          --stun-port N --ready-file PATH */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t server_priv[32], server_pub[32];

static bool parse_addr(const char *s, int port_override, struct sockaddr_storage *ss,
                       socklen_t *len) {
  char host[128];
  const char *colon = strrchr(s, ':');
  if (colon == NULL) return false;
  size_t hl = (size_t)(colon - s);
  if (hl > 1 && s[0] == '[') { /* [v6]:port */
    s++;
    hl -= 2;
  }
  if (hl == 0 || hl >= sizeof host) return false;
  memcpy(host, s, hl);
  host[hl] = '\0';
  int port = port_override >= 0 ? port_override : atoi(colon + 1);
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    return true;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
    return true;
  }
  return false;
}

static bool load_key(const char *path) {
  json_t *j = json_load_file(path, 0, NULL);
  const char *s = json_string_value(json_object_get(j, "PrivateKey"));
  bool ok = s != NULL && strncmp(s, "privkey:", 8) == 0 &&
            sodium_hex2bin(server_priv, 32, s + 8, strlen(s + 8), NULL, NULL, NULL) == 0;
  json_decref(j);
  if (ok) crypto_scalarmult_base(server_pub, server_priv);
  return ok;
}

static bool read_full(SSL *ssl, void *buf, size_t n) {
  uint8_t *p = buf;
  while (n > 0) {
    int r = SSL_read(ssl, p, n > 1 << 20 ? 1 << 20 : (int)n);
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

static bool write_all(SSL *ssl, const void *buf, size_t n) {
  return n == 0 || SSL_write(ssl, buf, (int)n) == (int)n;
}

static bool send_frame(SSL *ssl, uint8_t type, const uint8_t *p, uint32_t n) {
  uint8_t h[5] = {type, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
  return write_all(ssl, h, 5) && write_all(ssl, p, n);
}

/* Read one frame; the payload is malloc'd (NULL for length 0). */
static bool read_frame(SSL *ssl, uint8_t *type, uint8_t **p, uint32_t *n) {
  uint8_t h[5];
  if (!read_full(ssl, h, 5)) return false;
  *type = h[0];
  *n = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
  *p = NULL;
  if (*n > (4u << 20)) return false;
  if (*n == 0) return true;
  *p = malloc(*n);
  return *p != NULL && read_full(ssl, *p, *n);
}

static void http_reply(SSL *ssl, const char *status, const char *body) {
  char buf[512];
  int n = snprintf(buf, sizeof buf,
                   "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                   status, strlen(body), body);
  write_all(ssl, buf, (size_t)n);
}

/* §6.5 steps 2-3: ClientInfo in, ServerInfo out; false closes. */
static bool handshake(SSL *ssl, uint8_t client_pub[32]) {
  uint8_t type, *p;
  uint32_t n;
  if (!read_frame(ssl, &type, &p, &n)) return false;
  bool ok = type == 0x02 && n >= 56 && n <= 262144;
  json_t *j = NULL;
  if (ok) {
    size_t ml = n - 56 - crypto_box_MACBYTES;
    uint8_t *msg = n >= 56 + crypto_box_MACBYTES ? malloc(ml + 1) : NULL;
    memcpy(client_pub, p, 32);
    ok = msg != NULL &&
         crypto_box_open_easy(msg, p + 56, n - 56, p + 32, client_pub, server_priv) == 0;
    if (ok) j = json_loadb((const char *)msg, ml, 0, NULL);
    ok = ok && json_is_object(j);
    json_decref(j);
    free(msg);
  }
  free(p);
  if (!ok) return false;
  const char info[] = "{\"version\":2}";
  uint8_t out[24 + crypto_box_MACBYTES + sizeof info];
  randombytes_buf(out, 24);
  if (crypto_box_easy(out + 24, (const uint8_t *)info, sizeof info - 1, out, client_pub,
                      server_priv) != 0)
    return false;
  return send_frame(ssl, 0x03, out, (uint32_t)(sizeof out - 1));
}

/* §6.6: false closes the connection. */
static bool frame(SSL *ssl, uint8_t type, const uint8_t *p, uint32_t n) {
  static const uint8_t disco[6] = {0x54, 0x53, 0xf0, 0x9f, 0x92, 0xac};
  switch (type) {
    case 0x04:
      if (n < 32 || n - 32 > 65536) return false;
      if (n >= 32 + 62 && memcmp(p + 32, disco, 6) == 0) { /* nobody is here */
        uint8_t gone[33];
        memcpy(gone, p, 32);
        gone[32] = 0x01;
        return send_frame(ssl, 0x08, gone, 33);
      }
      return true;
    case 0x07: return n == 1;
    case 0x10: return false; /* wrong size, or not a mesh peer */
    case 0x11: return false;
    case 0x0a: return false;
    case 0x12:
      if (n < 8 || n > 1000) return false;
      return send_frame(ssl, 0x13, p, 8);
    default: return true; /* unknown: skipped */
  }
}

static void serve(int fd, SSL_CTX *ctx) {
  /* Small writes back to back (101, ServerKey): without this, Nagle and the
     peer's delayed ACK add 40 ms per exchange. */
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  SSL *ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) return;
  char head[8192];
  size_t have = 0;
  while (have < sizeof head - 1) {
    int r = SSL_read(ssl, head + have, 1); /* byte by byte: no over-read */
    if (r <= 0) return;
    have++;
    head[have] = '\0';
    if (have >= 4 && memcmp(head + have - 4, "\r\n\r\n", 4) == 0) break;
  }
  char method[16] = "", path[256] = "";
  sscanf(head, "%15s %255s", method, path);
  if (!strcmp(path, "/derp/probe") || !strcmp(path, "/derp/latency-check")) {
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
      http_reply(ssl, "200 OK", "");
    else
      http_reply(ssl, "405 Method Not Allowed", "bogus probe method\n");
    return;
  }
  char *up = strcasestr(head, "\r\nUpgrade:");
  char value[64] = "";
  if (up != NULL) sscanf(up + 10, " %63[^\r]", value);
  if (strcmp(path, "/derp") != 0) {
    http_reply(ssl, "404 Not Found", "not found\n");
    return;
  }
  if (strcasecmp(value, "derp") != 0 && strcasecmp(value, "websocket") != 0) {
    http_reply(ssl, "426 Upgrade Required", "DERP requires connection upgrade\n");
    return;
  }
  char hex[65], resp[512];
  sodium_bin2hex(hex, sizeof hex, server_pub, 32);
  int n = snprintf(resp, sizeof resp,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: DERP\r\n"
                   "Connection: Upgrade\r\nDerp-Version: 2\r\n"
                   "Derp-Public-Key: %s\r\n\r\n",
                   hex);
  uint8_t key_frame[40] = {0x44, 0x45, 0x52, 0x50, 0xf0, 0x9f, 0x94, 0x91};
  memcpy(key_frame + 8, server_pub, 32);
  uint8_t client_pub[32];
  bool fast = strcasestr(head, "\r\nDerp-Fast-Start: 1\r\n") != NULL;
  if ((!fast && !write_all(ssl, resp, (size_t)n)) || !send_frame(ssl, 0x01, key_frame, 40) ||
      !handshake(ssl, client_pub))
    return;
  for (;;) {
    uint8_t type, *p;
    uint32_t len;
    if (!read_frame(ssl, &type, &p, &len)) return;
    bool keep = frame(ssl, type, p, len);
    free(p);
    if (!keep) return;
  }
}

static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

/* §7.2: answer only Tailscale binding requests. */
static void stun_loop(int fd) {
  for (;;) {
    uint8_t b[1500];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(fd, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    static const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};
    static const uint8_t sw[12] = {0x80, 0x22, 0, 8, 't', 'a', 'i', 'l', 'n', 'o', 'd', 'e'};
    if (n != 40 || b[0] != 0 || b[1] != 1 || memcmp(b + 4, cookie, 4) || memcmp(b + 20, sw, 12) ||
        b[32] != 0x80 || b[33] != 0x28)
      continue;
    uint32_t fp = crc32_ieee(b, 32) ^ 0x5354554eu;
    uint32_t got = (uint32_t)b[36] << 24 | (uint32_t)b[37] << 16 | (uint32_t)b[38] << 8 | b[39];
    if (fp != got || from.ss_family != AF_INET) continue;
    const struct sockaddr_in *a = (const struct sockaddr_in *)&from;
    /* header, XOR-MAPPED-ADDRESS (0x0020, 8 bytes): 0, family 1, port */
    uint8_t r[32] = {0x01, 0x01, 0x00, 0x0c, 0x21, 0x12, 0xa4, 0x42};
    memcpy(r + 8, b + 8, 12);
    static const uint8_t attr[6] = {0x00, 0x20, 0x00, 0x08, 0x00, 0x01};
    memcpy(r + 20, attr, 6);
    uint16_t port = ntohs(a->sin_port) ^ 0x2112;
    r[26] = (uint8_t)(port >> 8);
    r[27] = (uint8_t)port;
    memcpy(r + 28, &a->sin_addr, 4);
    for (int i = 0; i < 4; i++) r[28 + i] ^= cookie[i];
    sendto(fd, r, sizeof r, 0, (struct sockaddr *)&from, fl);
  }
}

int main(int argc, char **argv) {
  const char *listen_s = NULL, *cert = NULL, *key = NULL, *keyfile = NULL, *meta = NULL,
             *metaf = NULL, *ready = NULL;
  int stun_port = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *o = argv[i], *v = argv[i + 1];
    if (!strcmp(o, "--listen"))
      listen_s = v;
    else if (!strcmp(o, "--cert"))
      cert = v;
    else if (!strcmp(o, "--key"))
      key = v;
    else if (!strcmp(o, "--keyfile"))
      keyfile = v;
    else if (!strcmp(o, "--metacert"))
      meta = v;
    else if (!strcmp(o, "--metacert-file"))
      metaf = v;
    else if (!strcmp(o, "--stun-port"))
      stun_port = atoi(v);
    else if (!strcmp(o, "--ready-file"))
      ready = v;
    else {
      fprintf(stderr, "fake-derp-relay: unknown option %s\n", o);
      return 2;
    }
  }
  struct sockaddr_storage ss;
  socklen_t sl;
  if (!listen_s || !cert || !key || !keyfile || !ready || !parse_addr(listen_s, -1, &ss, &sl) ||
      sodium_init() < 0 || !load_key(keyfile)) {
    fprintf(stderr, "fake-derp-relay: bad arguments or key file\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGCHLD, SIG_IGN);
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    fprintf(stderr, "fake-derp-relay: cannot load %s / %s\n", cert, key);
    return 1;
  }
  if (meta != NULL && !strcmp(meta, "on") && metaf != NULL) {
    FILE *f = fopen(metaf, "r");
    X509 *m = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (m == NULL || SSL_CTX_add0_chain_cert(ctx, m) != 1) return 1;
  }
  if (stun_port > 0) {
    struct sockaddr_storage us;
    socklen_t ul;
    int u = parse_addr(listen_s, stun_port, &us, &ul) ? socket(us.ss_family, SOCK_DGRAM, 0) : -1;
    if (u < 0 || bind(u, (struct sockaddr *)&us, ul) != 0) {
      fprintf(stderr, "fake-derp-relay: stun bind: %s\n", strerror(errno));
      return 1;
    }
    if (fork() == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      stun_loop(u);
      _exit(0);
    }
    close(u);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &sl)) {
    fprintf(stderr, "fake-derp-relay: listen: %s\n", strerror(errno));
    return 1;
  }
  char host[64], tmp[4096];
  int port;
  if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, 64);
    port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  } else {
    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, 64);
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", ready);
  FILE *f = fopen(tmp, "w");
  if (f == NULL) return 1;
  fprintf(f, ss.ss_family == AF_INET6 ? "[%s]:%d\n" : "%s:%d\n", host, port);
  if (fclose(f) != 0 || rename(tmp, ready) != 0) return 1;
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fork() == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(fd);
      serve(c, ctx);
      _exit(0);
    }
    close(c);
  }
}
