#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt_bounded.h"
#include "harness/cert_factory.h"
#include "raw_peer.h"
#include "run_ctx.h"

enum { CONFIG_MAX = 4096 };

const char *fixture_program(const char *proxy) {
  if (strncmp(proxy, "nginx", 5) == 0) return "nginx";
  if (strncmp(proxy, "haproxy", 7) == 0) return "haproxy";
  return NULL;
}

/* Debian installs both in /usr/sbin, which a non-root PATH often lacks. */
const char *fixture_program_path(const char *program) {
  static char found[2][PATH_MAX];
  static const char *const dirs[] = {"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/sbin", NULL};
  char *slot = found[strcmp(program, "nginx") == 0 ? 0 : 1];
  for (size_t i = 0; dirs[i] != NULL; i++) {
    fmt_bounded(slot, PATH_MAX, "%s/%s", dirs[i], program);
    if (access(slot, X_OK) == 0) return slot;
  }
  const char *path = getenv("PATH");
  while (path != NULL && *path != '\0') {
    const char *colon = strchr(path, ':');
    size_t n = colon != NULL ? (size_t)(colon - path) : strlen(path);
    fmt_bounded(slot, PATH_MAX, "%.*s/%s", (int)n, path, program);
    if (n > 0 && access(slot, X_OK) == 0) return slot;
    path = colon != NULL ? colon + 1 : NULL;
  }
  return NULL;
}

static bool write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return false;
  bool ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok;
}

/* ---- nginx ---------------------------------------------------------------- */

/* The server block a self-hoster writes, in the variant the scenario asks
 * for: "nginx" right (Upgrade forwarded, the relay's own certificate),
 * "nginx-no-upgrade" (the default proxy_pass: HTTP/1.0, hop-by-hop headers
 * dropped), "nginx-resign" (its own certificate), "nginx-plain" (no TLS on
 * the listener: TLS is expected to end somewhere else). */
static bool nginx_config(struct ctx *c, const char *variant, int port, char *conf, size_t len,
                         char *detail, size_t dlen) {
  const char *dir = c->tmpdir;
  char listen[80], upstream[80];
  run_host_port(c->m.addr, port, listen, sizeof listen);
  run_host_port(c->m.addr, c->relay_port, upstream, sizeof upstream);
  const char *cert = c->m.certfile, *key = c->m.certkey;
  char cert_path[PATH_MAX], key_path[PATH_MAX];
  if (strcmp(variant, "nginx-resign") == 0) {
    const char *name = js_str(json_object_get(c->s->doc, "relay"), "proxy_cert", NULL);
    const struct scenario_cert *sc = name != NULL ? materials_cert(&c->m, name) : NULL;
    if (sc == NULL) {
      fmt_bounded(detail, dlen, "nginx-resign: relay.proxy_cert names no certificate");
      return false;
    }
    fmt_bounded(cert_path, sizeof cert_path, "%s/nginx-%s.crt", dir, name);
    fmt_bounded(key_path, sizeof key_path, "%s/nginx-%s.key", dir, name);
    const struct factory_cert *one[] = {sc->fc};
    if (!factory_write_chain_pem(cert_path, one, 1) ||
        !factory_write_key_pem(key_path, sc->fc, CERT_KEY_PEM_PKCS8)) {
      fmt_bounded(detail, dlen, "cannot write %s", cert_path);
      return false;
    }
    cert = cert_path;
    key = key_path;
  }
  bool plain = strcmp(variant, "nginx-plain") == 0;
  bool upgrade = strcmp(variant, "nginx-no-upgrade") != 0;
  char tls[PATH_MAX * 2 + 128] = "";
  if (!plain)
    fmt_bounded(tls, sizeof tls,
                "    ssl_certificate %s;\n    ssl_certificate_key %s;\n"
                "    ssl_protocols TLSv1.2 TLSv1.3;\n",
                cert, key);
  int n = snprintf(conf, len,
                   "# derpcheck fixture %s\n"
                   "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                   "pid %s/nginx.pid;\nerror_log %s/nginx-error.log info;\n"
                   "events { worker_connections 1024; }\n"
                   "http {\n  access_log off;\n"
                   "  client_body_temp_path %s/nginx-body;\n  proxy_temp_path %s/nginx-proxy;\n"
                   "  fastcgi_temp_path %s/nginx-fastcgi;\n  uwsgi_temp_path %s/nginx-uwsgi;\n"
                   "  scgi_temp_path %s/nginx-scgi;\n"
                   "  server {\n    listen %s%s;\n%s"
                   "    location / {\n      proxy_pass https://%s;\n%s"
                   "      proxy_read_timeout 3600s;\n    }\n  }\n}\n",
                   variant, dir, dir, dir, dir, dir, dir, dir, listen, plain ? "" : " ssl", tls,
                   upstream,
                   upgrade ? "      proxy_http_version 1.1;\n"
                             "      proxy_set_header Upgrade $http_upgrade;\n"
                             "      proxy_set_header Connection \"upgrade\";\n"
                           : "");
  if (n < 0 || (size_t)n >= len) {
    fmt_bounded(detail, dlen, "nginx configuration too long");
    return false;
  }
  return true;
}

static bool start_nginx(struct ctx *c, const char *variant, char *detail, size_t len) {
  int port = run_free_port(c->m.addr, SOCK_STREAM);
  char conf[CONFIG_MAX], conf_path[PATH_MAX], pid_path[PATH_MAX], err_log[PATH_MAX];
  if (port < 0 || !nginx_config(c, variant, port, conf, sizeof conf, detail, len)) {
    if (port < 0) fmt_bounded(detail, len, "no free TCP port on %s", c->m.addr);
    return false;
  }
  fmt_bounded(conf_path, sizeof conf_path, "%s/nginx.conf", c->tmpdir);
  fmt_bounded(pid_path, sizeof pid_path, "%s/nginx.pid", c->tmpdir);
  fmt_bounded(err_log, sizeof err_log, "%s/nginx-error.log", c->tmpdir);
  fmt_bounded(c->proxy_err, sizeof c->proxy_err, "%s/nginx.err", c->tmpdir);
  if (!write_text(conf_path, conf)) {
    fmt_bounded(detail, len, "cannot write %s", conf_path);
    return false;
  }
  const char *argv[] = {
      fixture_program_path("nginx"), "-p", c->tmpdir, "-e", err_log, "-c", conf_path, NULL};
  struct proc_spec spec = {.argv = argv, .stderr_path = c->proxy_err};
  char err[512];
  if (argv[0] == NULL || proc_start(&c->proxy, &spec, err, sizeof err) != PROC_OK) {
    fmt_bounded(detail, len, "nginx: %s", argv[0] == NULL ? "not installed" : err);
    return false;
  }
  c->proxy_started = true;
  c->processes++;
  if (proc_wait_line(&c->proxy, pid_path, NULL, c->cfg->ready_timeout_ms, NULL, 0) != PROC_OK) {
    char tail[TAIL_BYTES + 64];
    run_stderr_tail(err_log, "nginx", tail, sizeof tail);
    fmt_bounded(detail, len, "nginx did not start (no %s); %s", pid_path, tail);
    return false;
  }
  c->node_port = port;
  return true;
}

/* ---- haproxy over two relays ---------------------------------------------- */

/* The second relay: the certificates and hostname of the first, its own
 * DERP key, STUN port and ready file; `tmpl`/`bin` start it, `port` is the
 * one to listen on (0: any) and `mesh_port` the first relay's (mesh peers;
 * 0: none). */
static bool start_second_relay(struct ctx *c, const char *tmpl, const char *bin, int port,
                               int mesh_port, int *bound, char *detail, size_t len) {
  const struct identity *id = materials_identity(&c->m, "relay-2");
  struct tvars v;
  tvars_init(&v);
  char ready[PATH_MAX], out[PATH_MAX], listen[80];
  fmt_bounded(ready, sizeof ready, "%s/relay-2.ready", c->tmpdir);
  fmt_bounded(out, sizeof out, "%s/relay-2.out", c->tmpdir);
  fmt_bounded(c->relay2_err, sizeof c->relay2_err, "%s/relay-2.err", c->tmpdir);
  run_host_port(c->m.addr, port, listen, sizeof listen);
  unlink(ready); /* a restart's: the old one would say ready at once */
  bool ok = id != NULL && tvars_copy(&c->vars, &v) && tvars_set(&v, "keyfile", id->keyfile) &&
            tvars_set(&v, "ready_file", ready) && run_set_int(&v, "stun_port", 0) &&
            tvars_set(&v, "listen", listen) && tvars_set(&v, "relay_bin", bin) &&
            (mesh_port == 0 || run_mesh_args(c, &v, mesh_port));
  if (!ok) {
    tvars_free(&v);
    fmt_bounded(detail, len, "second relay: out of memory");
    return false;
  }
  ok = run_start_program(c, tmpl, &v, &c->relay2, out, c->relay2_err, detail, len);
  tvars_free(&v);
  if (!ok) return false;
  c->relay2_started = true;
  c->processes++;
  char line[256] = "";
  if (proc_wait_line(&c->relay2, ready, NULL, c->cfg->ready_timeout_ms, line, sizeof line) !=
      PROC_OK) {
    char tail[TAIL_BYTES + 64];
    run_stderr_tail(c->relay2_err, "second relay", tail, sizeof tail);
    fmt_bounded(detail, len, "second relay not ready; %s", tail);
    return false;
  }
  const char *colon = strrchr(line, ':');
  *bound = colon != NULL ? atoi(colon + 1) : -1;
  if (*bound <= 0) {
    fmt_bounded(detail, len, "second relay's ready file holds \"%s\"", line);
    return false;
  }
  return true;
}

/* Meshed both ways: each relay's mesh connection is registered at the
   other (it retried until that one listened). */
static bool await_meshed(struct ctx *c, char *detail, size_t len) {
  const struct identity *id2 = materials_identity(&c->m, "relay-2");
  struct peer_target t1 = {.addr = c->m.addr, .port = c->relay_port, .host_header = c->m.hostname};
  struct peer_target t2 = {.addr = c->m.addr, .port = c->relay2_port, .host_header = c->m.hostname};
  char why[1024];
  const int wait_ms = c->cfg->ready_timeout_ms;
  if (!raw_await_mesh_peer(c->peer_ctx, &t2, &c->m, &c->vars, id2, c->m.relay.pub, wait_ms,
                           &c->handshakes, why, sizeof why) ||
      !raw_await_mesh_peer(c->peer_ctx, &t1, &c->m, &c->vars, &c->m.relay, id2->pub, wait_ms,
                           &c->handshakes, why, sizeof why)) {
    char tail[TAIL_BYTES + 64];
    run_stderr_tail(c->relay_err, "relay", tail, sizeof tail);
    fmt_bounded(detail, len, "relays not meshed within %d ms: %s; %s", wait_ms, why, tail);
    return false;
  }
  return true;
}

bool fixture_start_mesh_peer(struct ctx *c, char *detail, size_t len) {
  bool same = strcmp(c->s->relay.mesh_peer, "same") == 0;
  int bound = -1;
  if (!start_second_relay(c, same ? c->relay_def->cmd : c->cfg->reference_relay_cmd,
                          same ? c->relay_def->bin : c->cfg->reference_relay_bin, c->relay2_port,
                          c->relay_port, &bound, detail, len))
    return false;
  if (bound != c->relay2_port) {
    fmt_bounded(detail, len, "mesh peer relay listens on %d, not the port %d it was given", bound,
                c->relay2_port);
    return false;
  }
  const struct identity *id2 = materials_identity(&c->m, "relay-2");
  if (id2 == NULL || !tvars_set(&c->vars, "key:relay-2", id2->pub_hex)) {
    fmt_bounded(detail, len, "out of memory");
    return false;
  }
  return await_meshed(c, detail, len);
}

bool fixture_restart_mesh_peer(void *ctx, char *detail, size_t len) {
  struct ctx *c = ctx;
  if (c->relay2_started) {
    proc_stop(&c->relay2, STOP_GRACE_MS);
    proc_release(&c->relay2);
    c->relay2_started = false;
  }
  return fixture_start_mesh_peer(c, detail, len);
}

/* TCP mode, round robin: what a self-hoster puts in front of "a pool of
 * relays", which breaks DERP (each relay holds only its own clients). */
static bool start_haproxy(struct ctx *c, char *detail, size_t len) {
  int second = -1;
  if (!start_second_relay(c, c->relay_def->cmd, c->relay_def->bin, 0, 0, &second, detail, len))
    return false;
  int port = run_free_port(c->m.addr, SOCK_STREAM);
  if (port < 0) {
    fmt_bounded(detail, len, "no free TCP port on %s", c->m.addr);
    return false;
  }
  char listen[80], r1[80], r2[80], conf[CONFIG_MAX], conf_path[PATH_MAX], sock[PATH_MAX];
  run_host_port(c->m.addr, port, listen, sizeof listen);
  run_host_port(c->m.addr, c->relay_port, r1, sizeof r1);
  run_host_port(c->m.addr, second, r2, sizeof r2);
  fmt_bounded(sock, sizeof sock, "%s/haproxy.sock", c->tmpdir);
  fmt_bounded(conf_path, sizeof conf_path, "%s/haproxy.cfg", c->tmpdir);
  fmt_bounded(c->proxy_err, sizeof c->proxy_err, "%s/haproxy.err", c->tmpdir);
  int n = snprintf(conf, sizeof conf,
                   "# derpcheck fixture haproxy-two-relays\n"
                   "global\n  maxconn 1024\n  stats socket %s mode 600 level user\n"
                   "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1h\n"
                   "  timeout server 1h\n"
                   "frontend derp\n  bind %s\n  default_backend relays\n"
                   "backend relays\n  balance roundrobin\n  server relay-1 %s\n"
                   "  server relay-2 %s\n",
                   sock, listen, r1, r2);
  if (n < 0 || (size_t)n >= sizeof conf || !write_text(conf_path, conf)) {
    fmt_bounded(detail, len, "cannot write %s", conf_path);
    return false;
  }
  const char *argv[] = {fixture_program_path("haproxy"), "-db", "-f", conf_path, NULL};
  struct proc_spec spec = {.argv = argv, .stderr_path = c->proxy_err};
  char err[512];
  if (argv[0] == NULL || proc_start(&c->proxy, &spec, err, sizeof err) != PROC_OK) {
    fmt_bounded(detail, len, "haproxy: %s", argv[0] == NULL ? "not installed" : err);
    return false;
  }
  c->proxy_started = true;
  c->processes++;
  if (proc_wait_exists(&c->proxy, sock, c->cfg->ready_timeout_ms) != PROC_OK) {
    char tail[TAIL_BYTES + 64];
    run_stderr_tail(c->proxy_err, "haproxy", tail, sizeof tail);
    fmt_bounded(detail, len, "haproxy did not start (no %s); %s", sock, tail);
    return false;
  }
  c->node_port = port;
  return true;
}

bool fixture_start(struct ctx *c, char *detail, size_t len) {
  const char *proxy = c->s->relay.proxy;
  if (strncmp(proxy, "nginx", 5) == 0) return start_nginx(c, proxy, detail, len);
  if (strcmp(proxy, "haproxy-two-relays") == 0) return start_haproxy(c, detail, len);
  fmt_bounded(detail, len, "unknown fixture %s", proxy);
  return false;
}

void fixture_stop(struct ctx *c) {
  if (c->relay2_started) {
    proc_stop(&c->relay2, STOP_GRACE_MS);
    proc_release(&c->relay2);
    c->relay2_started = false;
  }
}
