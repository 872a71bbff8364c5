#include "scenario_run.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "file_io.h"
#include "fixtures.h"
#include "fmt_bounded.h"
#include "peers.h"
#include "raw_peer.h"
#include "remove_tree.h"
#include "run_ctx.h"

size_t run_columns_of(const struct scenario *s, const struct run_config *cfg,
                      const struct run_column **out) {
  return columns_of_scenario(s, cfg->columns, cfg->n_columns, out, COLUMNS_MAX);
}

/* addr:port as a socket address; false when addr is not an IP literal. */
static bool sockaddr_of(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *sl) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *sl = sizeof *in4;
  } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *sl = sizeof *in6;
  } else {
    return false;
  }
  return true;
}

/* Bind addr:port (0: any) and leave it bound, not listening; the port,
   or -1 with errno set. */
static int bind_port(const char *addr, int type, int port, int *fd_out) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (!sockaddr_of(addr, port, &ss, &sl)) {
    errno = EINVAL;
    return -1;
  }
  int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  *fd_out = fd;
  return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                       : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A free port: bind port 0, read it, let it go. UDP for the relay's STUN
   listener (the relay contract has no way to report a second port), TCP
   for a mesh peer or a proxy fixture. */
int run_free_port(const char *addr, int type) {
  int fd;
  int port = bind_port(addr, type, 0, &fd);
  if (port > 0) close(fd);
  return port;
}

/* A port a client must find closed is held, not let go, so no other process
   can take it while the scenario runs. (A port let go was once taken by a
   parallel test's relay on 127.0.0.1 while this scenario's relay listened
   on ::1 at the same number: the client met that relay instead of a
   refusal.) TCP: bound, never listening, so a connection is refused. UDP:
   bound and connected to addr's discard port, so a datagram from anyone
   else finds no socket and is answered with ICMP port unreachable, as
   when nothing is there. port 0 picks one; the port, or -1 with the
   reason in detail. */
static int hold_closed_port(struct ctx *c, const char *addr, int type, int port, char *detail,
                            size_t len) {
  for (size_t i = 0; i < c->n_held; i++)
    if (strcmp(c->held[i].addr, addr) == 0 && c->held[i].port == port && c->held[i].type == type)
      return port;
  int fd = -1;
  int got = c->n_held < MAX_HELD ? bind_port(addr, type, port, &fd) : -1;
  struct sockaddr_storage discard;
  socklen_t sl;
  if (got > 0 && type == SOCK_DGRAM &&
      (!sockaddr_of(addr, 9, &discard, &sl) || connect(fd, (struct sockaddr *)&discard, sl) != 0)) {
    int e = errno;
    close(fd);
    errno = e;
    got = -1;
  }
  if (got < 0) {
    /* (EADDRINUSE's text: setup_with_retries sets up again) */
    int e = c->n_held < MAX_HELD ? errno : ENOBUFS;
    fmt_bounded(detail, len, "holding %s %s port %d closed: %s", addr,
                type == SOCK_DGRAM ? "UDP" : "TCP", port,
                e == ENOBUFS ? "more ports than the runner holds (MAX_HELD)" : strerror(e));
    errno = e;
    return -1;
  }
  c->held[c->n_held].fd = fd;
  c->held[c->n_held].type = type;
  c->held[c->n_held].port = got;
  fmt_bounded(c->held[c->n_held].addr, sizeof c->held[c->n_held].addr, "%s", addr);
  c->n_held++;
  return got;
}

static int free_udp_port(const char *addr) { return run_free_port(addr, SOCK_DGRAM); }
static int free_tcp_port(const char *addr) { return run_free_port(addr, SOCK_STREAM); }

/* The node's addresses a client dials that the relay does not listen on
   (ipv4-not-listening: IPv4 127.0.0.1 before a relay on ::1) are held
   closed at the node's port; one this machine does not have (no ::1, or a
   documentation address that must time out) no local process can take. */
static bool hold_other_addresses(struct ctx *c, const json_t *nd, char *detail, size_t len) {
  static const char *const keys[] = {"HostName", "IPv4", "IPv6"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *a = js_str(nd, keys[i], NULL);
    unsigned char bin[16];
    if (a == NULL || strcmp(a, c->m.addr) == 0) continue;
    if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1) continue;
    if (hold_closed_port(c, a, SOCK_STREAM, c->node_port, detail, len) < 0 &&
        errno != EADDRNOTAVAIL)
      return false;
  }
  return true;
}

void run_host_port(const char *host, int port, char *out, size_t outlen) {
  if (strchr(host, ':') != NULL)
    fmt_bounded(out, outlen, "[%s]:%d", host, port);
  else
    fmt_bounded(out, outlen, "%s:%d", host, port);
}

/* "127.0.0.1:43121" or "[::1]:43121" -> port; -1 when malformed */
static int parse_ready_port(const char *line) {
  const char *colon = strrchr(line, ':');
  if (colon == NULL || colon[1] == '\0') return -1;
  char *end;
  long p = strtol(colon + 1, &end, 10);
  if (*end != '\0' || p <= 0 || p > 65535) return -1;
  return (int)p;
}

/* derper's --mesh-psk-file (the reference relay's too), when the scenario
   gives relay.mesh_key; with a mesh peer, --mesh-with it (port
   `peer_port`) and its roots. */
bool run_mesh_args(struct ctx *c, struct tvars *t, int peer_port) {
  char peer[80];
  run_host_port(c->m.addr, peer_port, peer, sizeof peer);
  const char *words[] = {"--mesh-psk-file", c->m.mesh_psk_file, "--mesh-with", peer,
                         "--mesh-ca-file",  c->m.ca_file};
  size_t n = c->m.mesh_psk_file[0] == '\0' ? 0 : c->s->relay.mesh_peer != NULL ? 6 : 2;
  return tvars_set_list(t, "mesh_args", words, n);
}

/* The reference relay's admission flags, only when the scenario lists keys
   (it refuses a --verify-clients-file without --verify-clients). */
static bool verify_clients_args(struct ctx *c, struct tvars *t) {
  const char *words[] = {"--verify-clients", "--verify-clients-file", c->m.verify_clients_file};
  return tvars_set_list(t, "verify_clients_args", words, c->s->relay.verify_clients ? 3 : 0);
}

/* derper's --rate-config, when the scenario gives relay.rate_config. */
static bool rate_args(struct ctx *c, struct tvars *t) {
  const char *words[] = {"--rate-config", c->m.rate_config_file};
  return tvars_set_list(t, "rate_args", words, c->m.rate_config_file[0] != '\0' ? 2 : 0);
}

static bool relay_vars(struct ctx *c) {
  struct materials *m = &c->m;
  char listen[80], ready[PATH_MAX];
  run_host_port(m->addr, 0, listen, sizeof listen);
  fmt_bounded(ready, sizeof ready, "%s/relay.ready", c->tmpdir);
  struct tvars *t = &c->vars;
  return materials_vars(m, t) && tvars_set(t, "port", "0") &&
         tvars_set(t, "relay_bin", c->relay_def->bin) &&
         tvars_set(t, "client_bin", c->cfg->client_bin) && run_set_int(t, "relay_port", 0) &&
         tvars_set(t, "listen", listen) && tvars_set(t, "certdir", m->certdir) &&
         tvars_set(t, "certfile", m->certfile) && tvars_set(t, "certkey", m->certkey) &&
         tvars_set(t, "metacert_file", m->metacert_file) && tvars_set(t, "keyfile", m->keyfile) &&
         tvars_set(t, "ready_file", ready) && tvars_set(t, "metacert", c->s->relay.metacert) &&
         tvars_set(t, "tls_min", c->s->relay.tls_min) &&
         tvars_set(t, "tls_max", c->s->relay.tls_max) &&
         run_set_int(t, "stun_port", c->stun_port) &&
         tvars_set(t, "verify_clients_file", m->verify_clients_file) && verify_clients_args(c, t) &&
         run_mesh_args(c, t, c->relay2_port) && rate_args(c, t) &&
         tvars_set(t, "adapters", c->cfg->adapters_dir) && tvars_set(t, "tmpdir", c->tmpdir);
}

/* Wait for a ready file; on failure explain with the program's stderr. */
static bool await_ready(struct proc *p, const char *ready, int timeout_ms, const char *what,
                        const char *err_path, int *port, char *detail, size_t detail_len) {
  char line[256] = "", tail[TAIL_BYTES + 64];
  enum proc_status st = proc_wait_line(p, ready, NULL, timeout_ms, line, sizeof line);
  if (st == PROC_OK && (*port = parse_ready_port(line)) > 0) return true;
  run_stderr_tail(err_path, what, tail, sizeof tail);
  if (st == PROC_OK)
    fmt_bounded(detail, detail_len, "%s ready file holds \"%s\", not host:port; %s", what, line,
                tail);
  else if (st == PROC_ERR_EXITED)
    fmt_bounded(detail, detail_len, "%s exited before it was ready (status %d); %s", what,
                proc_exit_code(p), tail);
  else
    fmt_bounded(detail, detail_len, "%s not ready within %d ms; %s", what, timeout_ms, tail);
  return false;
}

static bool start_relay(struct ctx *c, char *detail, size_t len) {
  fmt_bounded(c->relay_out, sizeof c->relay_out, "%s/relay.out", c->tmpdir);
  fmt_bounded(c->relay_err, sizeof c->relay_err, "%s/relay.err", c->tmpdir);
  int64_t t0 = proc_now_ns();
  if (!run_start_program(c, c->relay_def->cmd, &c->vars, &c->relay, c->relay_out, c->relay_err,
                         detail, len))
    return false;
  c->relay_started = true;
  if (!await_ready(&c->relay, tvars_get(&c->vars, "ready_file"), c->cfg->ready_timeout_ms, "relay",
                   c->relay_err, &c->relay_port, detail, len))
    return false;
  c->relay_start_ms = (double)(proc_now_ns() - t0) / 1e6;
  c->node_port = c->relay_port;
  if (c->cfg->log != NULL)
    fprintf(c->cfg->log, "  [%s] relay ready on port %d in %.1f ms\n", c->s->id, c->relay_port,
            c->relay_start_ms);
  return true;
}

/* A TLS-terminating proxy that re-serves the relay's chain file without
   the metacert, like a corporate interceptor (spec §2 notes). */
static bool start_proxy(struct ctx *c, char *detail, size_t len) {
  char listen[80], upstream[80], ready[PATH_MAX];
  run_host_port(c->m.addr, 0, listen, sizeof listen);
  run_host_port(c->m.addr, c->relay_port, upstream, sizeof upstream);
  fmt_bounded(ready, sizeof ready, "%s/proxy.ready", c->tmpdir);
  fmt_bounded(c->proxy_err, sizeof c->proxy_err, "%s/proxy.err", c->tmpdir);
  const char *argv[] = {c->cfg->proxy_bin, "--listen",     listen,       "--cert",
                        c->m.certfile,     "--key",        c->m.certkey, "--upstream",
                        upstream,          "--ready-file", ready,        NULL};
  struct proc_spec spec = {.argv = argv, .stderr_path = c->proxy_err};
  char err[512];
  if (proc_start(&c->proxy, &spec, err, sizeof err) != PROC_OK) {
    fmt_bounded(detail, len, "proxy: %s", err);
    return false;
  }
  c->proxy_started = true;
  c->processes++;
  c->handshakes++; /* each client handshake is doubled through the proxy */
  return await_ready(&c->proxy, ready, c->cfg->ready_timeout_ms, "proxy", c->proxy_err,
                     &c->node_port, detail, len);
}

static char *resolve_certname(struct ctx *c, const json_t *node, char *detail, size_t len) {
  const json_t *cn = json_object_get(node, "CertName");
  if (json_is_string(cn)) return strdup(json_string_value(cn));
  if (js_bool(cn, "from_snippet", false)) return run_certname_from_snippet(c, detail, len);
  const char *pin = cn != NULL ? js_str(cn, "pin", NULL) : NULL;
  const struct scenario_cert *sc = materials_cert(&c->m, pin != NULL ? pin : SCENARIO_DEFAULT_CERT);
  if (sc == NULL) { /* no certs (generate) and no CertName: none */
    return strdup("");
  }
  char hex[65];
  fmt_bounded(hex, sizeof hex, "%s", sc->fc->sha256_hex);
  if (js_bool(cn, "upper", false))
    for (char *p = hex; *p != '\0'; p++)
      if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  const char *app = cn != NULL ? js_str(cn, "append", "") : "";
  size_t n = strlen("sha256-raw:") + 64 + strlen(app) + 1;
  char *out = malloc(n);
  if (out != NULL) fmt_bounded(out, n, "sha256-raw:%s%s", hex, app);
  return out;
}

static bool write_derpmap(struct ctx *c, char *detail, size_t len) {
  const json_t *nd = json_object_get(c->s->doc, "node");
  char *certname = resolve_certname(c, nd, detail, len);
  if (certname == NULL) return false;
  const char *host = js_str(nd, "HostName", c->m.addr);
  /* "closed": a port nothing listens on (a wrong DERPPort, STUN blocked). */
  if (js_str(nd, "DERPPort", NULL) != NULL &&
      (c->node_port = hold_closed_port(c, c->m.addr, SOCK_STREAM, 0, detail, len)) < 0) {
    free(certname);
    return false;
  }
  if (!hold_other_addresses(c, nd, detail, len)) {
    free(certname);
    return false;
  }
  int stun_port = c->stun_port;
  /* (the relay holds its STUN port, so a fresh one differs from it) */
  if (js_str(nd, "STUNPort", NULL) != NULL &&
      (stun_port = hold_closed_port(c, c->m.addr, SOCK_DGRAM, 0, detail, len)) < 0) {
    free(certname);
    return false;
  }
  json_t *node = json_pack("{s:s, s:i, s:s, s:i, s:i}", "Name", "custom", "RegionID", REGION_ID,
                           "HostName", host, "DERPPort", c->node_port, "STUNPort", stun_port);
  if (js_str(nd, "IPv4", NULL) != NULL)
    json_object_set_new(node, "IPv4", json_string(js_str(nd, "IPv4", "")));
  if (js_str(nd, "IPv6", NULL) != NULL)
    json_object_set_new(node, "IPv6", json_string(js_str(nd, "IPv6", "")));
  if (certname[0] != '\0') json_object_set_new(node, "CertName", json_string(certname));
  json_t *map = json_pack("{s:{s:{s:i, s:s, s:s, s:[O]}}}", "Regions", "900", "RegionID", REGION_ID,
                          "RegionCode", "custom", "RegionName", "custom", "Nodes", node);
  fmt_bounded(c->derpmap, sizeof c->derpmap, "%s/derpmap.json", c->tmpdir);
  bool ok =
      map != NULL && json_dump_file(map, c->derpmap, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
  /* where a client dials: the IPv4/IPv6 override, else HostName */
  const char *dial = js_str(nd, "IPv4", js_str(nd, "IPv6", host));
  char dial_hp[300];
  run_host_port(dial, c->node_port, dial_hp, sizeof dial_hp);
  struct tvars *t = &c->vars;
  ok = ok && tvars_set(t, "derpmap", c->derpmap) && run_set_int(t, "region", REGION_ID) &&
       tvars_set(t, "node_host", host) && tvars_set(t, "dial_addr", dial) &&
       run_set_int(t, "node_stun_port", stun_port) && run_set_int(t, "dial_port", c->node_port) &&
       tvars_set(t, "dial", dial_hp) && tvars_set(t, "certname", certname) &&
       tvars_set(t, "ca_file", c->m.ca_file) && run_set_int(t, "port", c->node_port) &&
       run_set_int(t, "relay_port", c->relay_port) &&
       materials_snippet_var(
           t, js_bool(json_object_get(nd, "CertName"), "from_snippet", false) ? certname : NULL);
  if (ok && c->s->relay.mesh_peer != NULL) {
    /* the same node at the mesh peer's port */
    json_object_set_new(node, "DERPPort", json_integer(c->relay2_port));
    fmt_bounded(c->derpmap2, sizeof c->derpmap2, "%s/derpmap-2.json", c->tmpdir);
    ok = json_dump_file(map, c->derpmap2, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0;
  }
  if (!ok) fmt_bounded(detail, len, "writing %s failed", c->derpmap);
  json_decref(node);
  json_decref(map);
  free(certname);
  return ok;
}

static void sanitize_id(const char *id, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = id; *p != '\0' && o + 1 < outlen; p++)
    out[o++] = (*p == ':' || *p == '/') ? '_' : *p;
  out[o] = '\0';
}

static bool copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = in != NULL ? fopen(to, "wb") : NULL;
  bool ok = in != NULL && out != NULL;
  char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  if (in != NULL) fclose(in);
  if (out != NULL && fclose(out) != 0) ok = false;
  return ok;
}

/* --record: the scenario's records (one per client step and column, one per
   raw step), kept as DIR/<relay>/<scenario>/. */
static void keep_records(struct ctx *c) {
  char relay[128], sid[128], dir[PATH_MAX], failed[PATH_MAX];
  sanitize_id(c->relay_def->name, relay, sizeof relay);
  sanitize_id(c->s->id, sid, sizeof sid);
  fmt_bounded(dir, sizeof dir, "%s/%s/%s", c->cfg->record_dir, relay, sid);
  DIR *d = opendir(c->tmpdir);
  if (d == NULL) return;
  bool made = false;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 5 || strcmp(e->d_name + n - 4, ".rec") != 0) continue;
    if (!made && file_io_mkdir_all(dir, 0755, failed, sizeof failed) != 0) {
      fprintf(stderr, "derpcheck: --record: cannot create %s: %s\n", failed, strerror(errno));
      break;
    }
    made = true;
    char from[PATH_MAX], to[PATH_MAX];
    fmt_bounded(from, sizeof from, "%s/%s", c->tmpdir, e->d_name);
    fmt_bounded(to, sizeof to, "%s/%s", dir, e->d_name);
    if (!copy_file(from, to)) fprintf(stderr, "derpcheck: --record: cannot write %s\n", to);
  }
  closedir(d);
}

static void stop_all(struct ctx *c) {
  for (size_t i = 0; i < c->n_bg; i++) {
    proc_stop(&c->bg[i].p, STOP_GRACE_MS);
    proc_release(&c->bg[i].p);
  }
  c->n_bg = 0;
  if (c->proxy_started) {
    proc_stop(&c->proxy, STOP_GRACE_MS);
    proc_release(&c->proxy);
    c->proxy_started = false;
  }
  fixture_stop(c);
  if (c->relay_started) {
    proc_stop(&c->relay, STOP_GRACE_MS);
    proc_release(&c->relay);
    c->relay_started = false;
  }
  for (size_t i = 0; i < c->n_held; i++) close(c->held[i].fd);
  c->n_held = 0;
}

static bool setup(struct ctx *c, char *detail, size_t len) {
  char sid[128];
  sanitize_id(c->s->id, sid, sizeof sid);
  fmt_bounded(c->tmpdir, sizeof c->tmpdir, "%s/derpcheck-%s-XXXXXX", c->cfg->tmp_root, sid);
  if (mkdtemp(c->tmpdir) == NULL) {
    fmt_bounded(detail, len, "mkdtemp %s: %s", c->tmpdir, strerror(errno));
    c->tmpdir[0] = '\0';
    return false;
  }
  if (!materials_make(c->s->doc, &c->s->relay, c->tmpdir, c->cfg->seed, (int64_t)time(NULL), &c->m,
                      detail, len))
    return false;
  c->have_materials = true;
  c->stun_port = free_udp_port(c->m.addr);
  if (c->stun_port < 0) {
    fmt_bounded(detail, len, "no free UDP port on %s", c->m.addr);
    return false;
  }
  /* Each relay of a mesh pair is told the other's address at start: the
     peer's port is picked first (the relays retry until it listens). */
  if (c->s->relay.mesh_peer != NULL && (c->relay2_port = free_tcp_port(c->m.addr)) < 0) {
    fmt_bounded(detail, len, "no free TCP port on %s", c->m.addr);
    return false;
  }
  if (!relay_vars(c)) {
    fmt_bounded(detail, len, "out of memory");
    return false;
  }
  c->peer_ctx = peer_ctx_new();
  if (c->peer_ctx == NULL) {
    fmt_bounded(detail, len, "SSL_CTX_new failed");
    return false;
  }
  if (!start_relay(c, detail, len)) return false;
  if (strcmp(c->s->relay.proxy, "strip-metacert") == 0 && !start_proxy(c, detail, len))
    return false;
  if (fixture_program(c->s->relay.proxy) != NULL && !fixture_start(c, detail, len)) return false;
  if (c->s->relay.mesh_peer != NULL && !fixture_start_mesh_peer(c, detail, len)) return false;
  return write_derpmap(c, detail, len);
}

/* Everything setup() made, undone, so it can run again. */
static void undo_setup(struct ctx *c) {
  stop_all(c);
  if (c->peer_ctx != NULL) SSL_CTX_free(c->peer_ctx);
  c->peer_ctx = NULL;
  if (c->have_materials) materials_free(&c->m);
  c->have_materials = false;
  tvars_free(&c->vars);
  tvars_init(&c->vars);
  if (c->tmpdir[0] != '\0') remove_tree(c->tmpdir);
  c->tmpdir[0] = '\0';
  c->relay_port = c->node_port = c->stun_port = c->relay2_port = 0;
  c->relay_start_ms = 0;
  c->processes = c->handshakes = 0;
}

/* Ports are picked before the programs that bind them start (the STUN
   port, the mesh peer's, a proxy's: no contract reports them back), so
   another process can take one in between; the program then exits with
   EADDRINUSE's text, which setup's detail quotes from its stderr. */
static bool lost_a_port(const char *detail) {
  return strstr(detail, "ddress already in use") != NULL;
}

enum { SETUP_ATTEMPTS = 3 };

static bool setup_with_retries(struct ctx *c, char *detail, size_t len) {
  for (int attempt = 1;; attempt++) {
    if (setup(c, detail, len)) return true;
    if (attempt == SETUP_ATTEMPTS || !lost_a_port(detail)) return false;
    if (c->cfg->log != NULL)
      fprintf(c->cfg->log, "  [%s] a picked port was taken before it was bound; setting up again\n",
              c->s->id);
    undo_setup(c);
  }
}

static bool has_background(const struct scenario *s) {
  for (size_t i = 0; i < s->n_steps; i++)
    if (s->steps[i].kind == STEP_CLIENT && s->steps[i].client.background) return true;
  return false;
}

/* Every cell is skipped when the relay lacks a capability the scenario's
   relay setup needs. (A client that lacks a mode has no cell at all:
   columns.h.) */
static void mark_skips(struct ctx *c) {
  const char *why = "";
  const char *cap = peers_relay_gap(c->relay_def->unsupported, &c->s->relay, &why);
  char text[sizeof c->cols[0].skip_why];
  if (cap != NULL)
    fmt_bounded(text, sizeof text, "relay %s cannot do %s: %s", c->relay_def->name, cap, why);
  const char *program = fixture_program(c->s->relay.proxy);
  if (cap == NULL && program != NULL && fixture_program_path(program) == NULL) {
    cap = program;
    fmt_bounded(text, sizeof text,
                "%s is not installed (Debian package %s; ci/setup.sh installs it): the fixture "
                "%s needs it",
                program, strcmp(program, "nginx") == 0 ? "nginx-light" : "haproxy",
                c->s->relay.proxy);
  }
  for (size_t i = 0; cap != NULL && i < c->n_cols; i++) {
    c->cols[i].skip = cap;
    fmt_bounded(c->cols[i].skip_why, sizeof c->cols[i].skip_why, "%s", text);
  }
}

static void run_steps(struct ctx *c) {
  for (size_t i = 0; i < c->s->n_steps; i++) {
    const struct scenario_step *st = &c->s->steps[i];
    if (st->kind == STEP_CLIENT)
      run_client_step(c, i, &st->client);
    else
      run_relay_step(c, i, st);
  }
  run_join_background(c);
}

/* One pass for every column, or, with a background client, one per client
   column (see scenario_run.h). */
static void run_passes(struct ctx *c) {
  size_t clients = 0;
  for (size_t i = 0; i < c->n_cols; i++)
    clients += c->cols[i].def->profile != NULL && c->cols[i].skip == NULL;
  c->first_pass = true;
  if (clients < 2 || !has_background(c->s)) {
    run_steps(c);
    return;
  }
  for (size_t i = 0; i < c->n_cols; i++) {
    if (c->cols[i].def->profile == NULL || c->cols[i].skip != NULL) continue;
    c->pass = &c->cols[i];
    run_steps(c);
    c->first_pass = false;
  }
  c->pass = NULL;
}

static void add_cell(const struct ctx *c, const struct column *col, struct report *out) {
  struct report_cell rc = {
      .scenario = (char *)c->s->id,
      .relay = (char *)c->relay_def->name,
      .column = (char *)col->name,
      .profile = col->judged[0] ? (char *)col->judged : (char *)col->def->profile,
      .verdict = col->verdict,
      .expected = (char *)col->expected,
      .actual = (char *)col->actual,
      .detail = col->detail[0] ? (char *)col->detail : NULL,
      .ms = col->ms,
      .command = col->command[0] ? (char *)col->command : NULL,
      .transcript = col->transcript};
  char skipped[96], deviation[1024], stale[2048];
  if (col->skip != NULL) {
    fmt_bounded(skipped, sizeof skipped, "skipped (%s)", col->skip);
    rc.verdict = REPORT_SKIPPED;
    rc.expected = NULL;
    rc.actual = skipped;
    rc.detail = (char *)col->skip_why;
  } else if (col->dev != NULL) {
    const struct deviation *d = col->dev;
    const char *why_stale;
    rc.verdict = expectations_resolve(col->verdict, !col->dev_missed, &why_stale);
    if (rc.verdict == REPORT_KNOWN) {
      fmt_bounded(deviation, sizeof deviation, "%s: %s", d->where, d->why);
      rc.deviation = deviation;
    }
    if (why_stale != NULL) {
      fmt_bounded(stale, sizeof stale, "%s (column %s, relay %s) on %s [%s], relay %s: %s%s%s",
                  d->where, d->column, d->relay, c->s->id, col->name, c->relay_def->name, why_stale,
                  col->dev_missed ? ": " : "", col->dev_missed ? col->dev_detail : "");
      rc.stale = stale;
    }
  }
  report_add_cell(out, &rc);
}

void scenario_run(const struct scenario *s, const struct run_relay *relay,
                  const struct run_config *cfg, struct report *out) {
  struct ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  c->s = s;
  c->cfg = cfg;
  c->relay_def = relay;
  tvars_init(&c->vars);
  const struct run_column *defs[COLUMNS_MAX];
  size_t n = run_columns_of(s, cfg, defs);
  for (size_t i = 0; i < n && c->n_cols < MAX_COLUMNS; i++) {
    struct column *col = &c->cols[c->n_cols++];
    col->def = defs[i];
    col->name = defs[i]->name;
    col->dev = expectations_find(cfg->expectations, s->id, col->name, relay->name);
  }
  mark_skips(c);
  bool runnable = false;
  for (size_t i = 0; i < c->n_cols; i++) runnable = runnable || c->cols[i].skip == NULL;
  int64_t t0 = proc_now_ns();
  char detail[2048];
  if (runnable) {
    if (!setup_with_retries(c, detail, sizeof detail)) {
      run_all_columns(c, REPORT_ERROR, detail);
    } else {
      run_passes(c);
      if (c->relay_started && !proc_running(&c->relay)) {
        char tail[TAIL_BYTES + 64];
        run_stderr_tail(c->relay_err, "relay", tail, sizeof tail);
        fmt_bounded(detail, sizeof detail, "relay exited during the scenario (status %d); %s",
                    proc_exit_code(&c->relay), tail);
        run_all_columns(c, REPORT_MISMATCH, detail);
      }
    }
  }
  int64_t t_stop = proc_now_ns();
  stop_all(c);
  double ms = runnable ? (double)(proc_now_ns() - t0) / 1e6 : 0;
  if (cfg->log != NULL && runnable)
    fprintf(cfg->log, "  [%s] stopped in %.1f ms, %.1f ms in all\n", s->id,
            (double)(proc_now_ns() - t_stop) / 1e6, ms);
  double floor_ms = c->relay_start_ms +
                    (c->processes > 0 ? c->processes - 1 : 0) * cfg->proc_floor_ms +
                    c->handshakes * cfg->tls_floor_ms;
  if (c->n_cols > 0) {
    struct report_row row = {(char *)s->id,
                             (char *)relay->name,
                             (char *)s->description,
                             ms,
                             floor_ms,
                             (char *)js_str(s->doc, "spec", NULL)};
    report_add_row(out, &row);
    for (size_t i = 0; i < c->n_cols; i++) add_cell(c, &c->cols[i], out);
  }
  for (size_t i = 0; i < c->n_cols; i++) free(c->cols[i].transcript);
  if (c->peer_ctx != NULL) SSL_CTX_free(c->peer_ctx);
  if (c->have_materials) materials_free(&c->m);
  tvars_free(&c->vars);
  if (c->tmpdir[0] != '\0' && cfg->record_dir != NULL) keep_records(c);
  if (c->tmpdir[0] != '\0' && !cfg->keep)
    remove_tree(c->tmpdir);
  else if (c->tmpdir[0] != '\0' && cfg->log != NULL)
    fprintf(cfg->log, "  [%s] kept %s\n", s->id, c->tmpdir);
  free(c);
}
