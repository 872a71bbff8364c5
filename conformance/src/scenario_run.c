#include "scenario_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fmt_bounded.h"
#include "harness/proc.h"
#include "materials.h"
#include "outcome.h"
#include "raw_peer.h"
#include "template.h"

enum {
  MAX_COLUMNS = 8,
  MAX_BACKGROUND = 4,
  STOP_GRACE_MS = 2000,
  TAIL_BYTES = 400,
  REGION_ID = 900,
};

/* One column of the row being built, merged over the scenario's steps. */
struct column {
  const char *name;
  bool used;
  enum report_verdict verdict;
  char expected[1024], actual[1024], detail[2048];
  double ms;
};

struct bg_client {
  struct proc p;
  char out[PATH_MAX], err[PATH_MAX];
  const json_t *expect;
  struct column *col;
  char label[64];
  int64_t t0;
};

struct ctx {
  const struct scenario *s;
  const struct run_config *cfg;
  char tmpdir[DIR_MAX];
  struct materials m;
  bool have_materials;
  struct tvars vars; /* relay vars + materials + node; clients add theirs */
  struct proc relay, proxy;
  bool relay_started, proxy_started;
  char relay_out[PATH_MAX], relay_err[PATH_MAX], proxy_err[PATH_MAX];
  int relay_port, node_port, stun_port;
  char derpmap[PATH_MAX];
  struct column cols[MAX_COLUMNS];
  size_t n_cols;
  struct bg_client bg[MAX_BACKGROUND];
  size_t n_bg;
  SSL_CTX *peer_ctx;
  /* for the floor */
  double relay_start_ms;
  int processes, handshakes;
  size_t n_steps;
};

bool run_config_selects(const struct run_config *cfg, const char *column) {
  if (cfg->profiles == NULL) return true;
  for (const char *const *p = cfg->profiles; *p != NULL; p++)
    if (strcmp(*p, column) == 0) return true;
  return false;
}

static struct column *column_named(struct ctx *c, const char *name) {
  for (size_t i = 0; i < c->n_cols; i++)
    if (strcmp(c->cols[i].name, name) == 0) return &c->cols[i];
  return NULL;
}

static int severity(enum report_verdict v) {
  return v == REPORT_ERROR ? 3 : v == REPORT_MISMATCH ? 2 : 1;
}

static void append(char *dst, size_t cap, const char *sep, const char *s) {
  size_t len = strlen(dst);
  if (len > 0 && len + strlen(sep) < cap) {
    strcat(dst, sep);
    len += strlen(sep);
  }
  fmt_bounded(dst + len, cap - len, "%s", s);
}

/* Join step texts with " + ", skipping a repeat of the last segment (a
   relay column of five passing steps reads "ok", not "ok + ok + ..."). */
static void append_segment(char *dst, size_t cap, const char *seg) {
  const char *last = dst;
  for (const char *p = strstr(dst, " + "); p != NULL; p = strstr(p + 3, " + "))
    last = p + 3;
  if (dst[0] != '\0' && strcmp(last, seg) == 0) return;
  append(dst, cap, " + ", seg);
}

/* Merge one step's judgement into a column. Multi-step columns join the
   texts with " + " and prefix details with the step label. */
static void column_add(struct ctx *c, struct column *col, const char *label,
                       enum report_verdict v, const char *expected,
                       const char *actual, const char *detail, double ms) {
  bool multi = c->n_steps > 1;
  if (!col->used || severity(v) >= severity(col->verdict)) {
    if (!col->used || severity(v) > severity(col->verdict))
      col->verdict = v;
  }
  append_segment(col->expected, sizeof col->expected, expected);
  append_segment(col->actual, sizeof col->actual, actual);
  if (detail != NULL) {
    char d[2048];
    fmt_bounded(d, sizeof d, "%s%s%s", multi ? label : "", multi ? ": " : "",
             detail);
    append(col->detail, sizeof col->detail, "; ", d);
  }
  col->used = true;
  col->ms += ms;
}

/* Every used column becomes at least as bad as v (setup failures, a relay
   that died). */
static void all_columns(struct ctx *c, enum report_verdict v,
                        const char *detail) {
  for (size_t i = 0; i < c->n_cols; i++) {
    struct column *col = &c->cols[i];
    if (!col->used || severity(v) > severity(col->verdict)) col->verdict = v;
    if (!col->used) {
      fmt_bounded(col->expected, sizeof col->expected, "(not run)");
      fmt_bounded(col->actual, sizeof col->actual, "error");
    }
    append(col->detail, sizeof col->detail, "; ", detail);
    col->used = true;
  }
}

static void tail_of(const char *path, const char *what, char *out,
                    size_t outlen) {
  char tail[TAIL_BYTES + 1];
  proc_file_tail(path, TAIL_BYTES, tail, sizeof tail);
  size_t n = strlen(tail);
  while (n > 0 && tail[n - 1] == '\n') tail[--n] = '\0';
  if (n > 0)
    fmt_bounded(out, outlen, "%s stderr: %s", what, tail);
  else
    fmt_bounded(out, outlen, "%s stderr: (empty)", what);
}

/* A free UDP port for the relay's STUN listener: bind port 0, read it, let
   it go. (The relay contract has no way to report a second port.) */
static int free_udp_port(const char *addr) {
  struct sockaddr_storage ss = {0};
  socklen_t sl;
  int fam;
  struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    fam = in4->sin_family = AF_INET;
    sl = sizeof *in4;
  } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    fam = in6->sin6_family = AF_INET6;
    sl = sizeof *in6;
  } else {
    return -1;
  }
  int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&ss, sl) == 0 &&
      getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
    port = ntohs(fam == AF_INET ? in4->sin_port : in6->sin6_port);
  close(fd);
  return port;
}

static void host_port(const char *host, int port, char *out, size_t outlen) {
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

static bool set_int(struct tvars *t, const char *name, long long v) {
  char buf[32];
  fmt_bounded(buf, sizeof buf, "%lld", v);
  return tvars_set(t, name, buf);
}

static bool relay_vars(struct ctx *c) {
  const json_t *relay = json_object_get(c->s->doc, "relay");
  struct materials *m = &c->m;
  char listen[80], ready[PATH_MAX];
  host_port(m->addr, 0, listen, sizeof listen);
  fmt_bounded(ready, sizeof ready, "%s/relay.ready", c->tmpdir);
  struct tvars *t = &c->vars;
  return materials_vars(m, t) && tvars_set(t, "port", "0") &&
         tvars_set(t, "relay_bin", c->cfg->relay_bin) &&
         tvars_set(t, "client_bin", c->cfg->client_bin) &&
         set_int(t, "relay_port", 0) &&
         tvars_set(t, "listen", listen) &&
         tvars_set(t, "certdir", m->certdir) &&
         tvars_set(t, "certfile", m->certfile) &&
         tvars_set(t, "certkey", m->certkey) &&
         tvars_set(t, "metacert_file", m->metacert_file) &&
         tvars_set(t, "keyfile", m->keyfile) &&
         tvars_set(t, "ready_file", ready) &&
         tvars_set(t, "metacert", js_str(relay, "metacert", "on")) &&
         tvars_set(t, "tls_min", js_str(relay, "tls_min", "1.2")) &&
         tvars_set(t, "tls_max", js_str(relay, "tls_max", "1.3")) &&
         set_int(t, "stun_port", c->stun_port) &&
         tvars_set(t, "verify_clients_file", m->verify_clients_file) &&
         tvars_set(t, "adapters", c->cfg->adapters_dir) &&
         tvars_set(t, "tmpdir", c->tmpdir);
}

static bool start_from_template(struct ctx *c, const char *tmpl,
                                const struct tvars *vars, struct proc *p,
                                const char *out, const char *err_path,
                                char *detail, size_t detail_len) {
  char **argv;
  char err[512];
  if (!template_expand(tmpl, vars, &argv, err, sizeof err)) {
    fmt_bounded(detail, detail_len, "command template: %s", err);
    return false;
  }
  if (c->cfg->log != NULL) {
    fprintf(c->cfg->log, "  [%s] $", c->s->id);
    for (char **a = argv; *a != NULL; a++) fprintf(c->cfg->log, " %s", *a);
    fputc('\n', c->cfg->log);
  }
  struct proc_spec spec = {.argv = (const char *const *)argv,
                           .stdout_path = out, .stderr_path = err_path};
  enum proc_status st = proc_start(p, &spec, err, sizeof err);
  template_argv_free(argv);
  if (st != PROC_OK) {
    fmt_bounded(detail, detail_len, "%s", err);
    return false;
  }
  c->processes++;
  return true;
}

/* Wait for a ready file; on failure explain with the program's stderr. */
static bool await_ready(struct proc *p, const char *ready, int timeout_ms,
                        const char *what, const char *err_path, int *port,
                        char *detail, size_t detail_len) {
  char line[256] = "", tail[TAIL_BYTES + 64];
  enum proc_status st = proc_wait_line(p, ready, NULL, timeout_ms, line,
                                       sizeof line);
  if (st == PROC_OK && (*port = parse_ready_port(line)) > 0) return true;
  tail_of(err_path, what, tail, sizeof tail);
  if (st == PROC_OK)
    fmt_bounded(detail, detail_len, "%s ready file holds \"%s\", not host:port; %s",
             what, line, tail);
  else if (st == PROC_ERR_EXITED)
    fmt_bounded(detail, detail_len, "%s exited before it was ready (status %d); %s",
             what, proc_exit_code(p), tail);
  else
    fmt_bounded(detail, detail_len, "%s not ready within %d ms; %s", what,
             timeout_ms, tail);
  return false;
}

static bool start_relay(struct ctx *c, char *detail, size_t len) {
  fmt_bounded(c->relay_out, sizeof c->relay_out, "%s/relay.out", c->tmpdir);
  fmt_bounded(c->relay_err, sizeof c->relay_err, "%s/relay.err", c->tmpdir);
  int64_t t0 = proc_now_ns();
  if (!start_from_template(c, c->cfg->relay_cmd, &c->vars, &c->relay,
                           c->relay_out, c->relay_err, detail, len))
    return false;
  c->relay_started = true;
  if (!await_ready(&c->relay, tvars_get(&c->vars, "ready_file"),
                   c->cfg->ready_timeout_ms, "relay", c->relay_err,
                   &c->relay_port, detail, len))
    return false;
  c->relay_start_ms = (double)(proc_now_ns() - t0) / 1e6;
  c->node_port = c->relay_port;
  if (c->cfg->log != NULL)
    fprintf(c->cfg->log, "  [%s] relay ready on port %d in %.1f ms\n",
            c->s->id, c->relay_port, c->relay_start_ms);
  return true;
}

/* A TLS-terminating proxy that re-serves the relay's chain file without
   the metacert, like a corporate interceptor (spec §2 notes). */
static bool start_proxy(struct ctx *c, char *detail, size_t len) {
  char listen[80], upstream[80], ready[PATH_MAX];
  host_port(c->m.addr, 0, listen, sizeof listen);
  host_port(c->m.addr, c->relay_port, upstream, sizeof upstream);
  fmt_bounded(ready, sizeof ready, "%s/proxy.ready", c->tmpdir);
  fmt_bounded(c->proxy_err, sizeof c->proxy_err, "%s/proxy.err", c->tmpdir);
  const char *argv[] = {c->cfg->proxy_bin, "--listen",  listen,
                        "--cert",          c->m.certfile, "--key",
                        c->m.certkey,      "--upstream", upstream,
                        "--ready-file",    ready,       NULL};
  struct proc_spec spec = {.argv = argv, .stderr_path = c->proxy_err};
  char err[512];
  if (proc_start(&c->proxy, &spec, err, sizeof err) != PROC_OK) {
    fmt_bounded(detail, len, "proxy: %s", err);
    return false;
  }
  c->proxy_started = true;
  c->processes++;
  c->handshakes++; /* each client handshake is doubled through the proxy */
  return await_ready(&c->proxy, ready, c->cfg->ready_timeout_ms, "proxy",
                     c->proxy_err, &c->node_port, detail, len);
}

/* CertName from the relay's printed DERPMap snippet (spec §1.5 line 2). */
static char *certname_from_snippet(struct ctx *c, char *detail, size_t len) {
  char line[1024];
  const char *prefix = "  {\"Name\":\"custom\"";
  if (proc_wait_line(&c->relay, c->relay_err, prefix, 3000, line,
                     sizeof line) != PROC_OK) {
    fmt_bounded(detail, len, "relay printed no DERPMap snippet line starting "
                          "with two spaces and {\"Name\":\"custom\"");
    return NULL;
  }
  char full[1100];
  fmt_bounded(full, sizeof full, "%s%s", prefix + 2, line);
  json_t *j = json_loads(full, JSON_REJECT_DUPLICATES, NULL);
  const char *cn = js_str(j, "CertName", NULL);
  char *out = cn != NULL ? strdup(cn) : NULL;
  if (out == NULL)
    fmt_bounded(detail, len, "snippet line is not a node with CertName: %.200s",
             full);
  json_decref(j);
  return out;
}

static char *resolve_certname(struct ctx *c, const json_t *node, char *detail,
                              size_t len) {
  const json_t *cn = json_object_get(node, "CertName");
  if (json_is_string(cn)) return strdup(json_string_value(cn));
  if (js_bool(cn, "from_snippet", false))
    return certname_from_snippet(c, detail, len);
  const char *pin = cn != NULL ? js_str(cn, "pin", NULL) : NULL;
  const struct scenario_cert *sc =
      materials_cert(&c->m, pin != NULL ? pin : "leaf");
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
  json_t *node = json_pack("{s:s, s:i, s:s, s:i, s:i}", "Name", "custom",
                           "RegionID", REGION_ID, "HostName", host,
                           "DERPPort", c->node_port, "STUNPort", c->stun_port);
  if (js_str(nd, "IPv4", NULL) != NULL)
    json_object_set_new(node, "IPv4", json_string(js_str(nd, "IPv4", "")));
  if (js_str(nd, "IPv6", NULL) != NULL)
    json_object_set_new(node, "IPv6", json_string(js_str(nd, "IPv6", "")));
  if (certname[0] != '\0')
    json_object_set_new(node, "CertName", json_string(certname));
  json_t *map = json_pack("{s:{s:{s:i, s:s, s:s, s:[O]}}}", "Regions", "900",
                          "RegionID", REGION_ID, "RegionCode", "custom",
                          "RegionName", "custom", "Nodes", node);
  fmt_bounded(c->derpmap, sizeof c->derpmap, "%s/derpmap.json", c->tmpdir);
  bool ok = map != NULL &&
            json_dump_file(map, c->derpmap, JSON_INDENT(2) |
                                                JSON_PRESERVE_ORDER) == 0;
  /* where a client dials: the IPv4/IPv6 override, else HostName */
  const char *dial = js_str(nd, "IPv4", js_str(nd, "IPv6", host));
  char dial_hp[300];
  host_port(dial, c->node_port, dial_hp, sizeof dial_hp);
  struct tvars *t = &c->vars;
  ok = ok && tvars_set(t, "derpmap", c->derpmap) &&
       set_int(t, "region", REGION_ID) && tvars_set(t, "node_host", host) &&
       tvars_set(t, "dial_addr", dial) &&
       set_int(t, "dial_port", c->node_port) &&
       tvars_set(t, "dial", dial_hp) && tvars_set(t, "certname", certname) &&
       tvars_set(t, "ca_file", c->m.ca_file) &&
       set_int(t, "port", c->node_port) &&
       set_int(t, "relay_port", c->relay_port);
  if (!ok) fmt_bounded(detail, len, "writing %s failed", c->derpmap);
  json_decref(node);
  json_decref(map);
  free(certname);
  return ok;
}

static int tls_handshakes_of_mode(const char *mode) {
  if (strcmp(mode, "stun") == 0) return 0;
  if (strcmp(mode, "probe") == 0) return 6; /* TLS check + 5 DERP connects */
  return 1;
}

/* The reference client's flags for a step (the {mode_args} placeholder). */
static bool client_vars(struct ctx *c, const json_t *st, const char *profile,
                        const char *ready, struct tvars *t, char *detail,
                        size_t len) {
  const char *words[16];
  size_t n = 0;
  const char *mode = js_str(st, "mode", "connect");
  const char *key = js_str(st, "key", NULL);
  const char *peer = js_str(st, "peer", NULL);
  const struct identity *kid = key ? materials_identity(&c->m, key) : NULL;
  const struct identity *pid = peer ? materials_identity(&c->m, peer) : NULL;
  if ((key != NULL && kid == NULL) || (peer != NULL && pid == NULL)) {
    fmt_bounded(detail, len, "too many client identities");
    return false;
  }
  char timeout[16];
  fmt_bounded(timeout, sizeof timeout, "%lld", js_int(st, "timeout_ms", 5000));
  char err[256];
  char *packet = template_subst(js_str(st, "packet_hex", ""), t, err,
                                sizeof err);
  if (packet == NULL) {
    fmt_bounded(detail, len, "packet_hex: %s", err);
    return false;
  }
  struct { bool on; const char *flag, *value; } flags[] = {
      {kid != NULL, "--key-file", kid ? kid->keyfile : NULL},
      {pid != NULL, "--peer", pid ? pid->pub_hex : NULL},
      {packet[0] != '\0', "--packet-hex", packet},
      {ready != NULL, "--ready-file", ready},
      {strcmp(mode, "recv") == 0, "--timeout-ms", timeout},
      {c->m.ca_file[0] != '\0', "--ca-file", c->m.ca_file},
  };
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (!flags[i].on) continue;
    words[n++] = flags[i].flag;
    words[n++] = flags[i].value;
  }
  bool ok = materials_vars(&c->m, t) && tvars_set(t, "profile", profile) &&
            tvars_set(t, "mode", mode) &&
            tvars_set(t, "client_keyfile", kid ? kid->keyfile : "") &&
            tvars_set(t, "peer_key", pid ? pid->pub_hex : "") &&
            tvars_set(t, "packet_hex", packet) &&
            tvars_set(t, "ready_file", ready ? ready : "") &&
            tvars_set(t, "timeout_ms", timeout) &&
            tvars_set_list(t, "mode_args", words, n);
  free(packet);
  if (!ok) fmt_bounded(detail, len, "out of memory");
  return ok;
}

/* Copy of the scenario-wide vars, for one client. */
static bool copy_vars(const struct tvars *from, struct tvars *to) {
  tvars_init(to);
  for (size_t i = 0; i < from->n; i++) {
    const struct tvar *v = &from->v[i];
    bool ok = v->words != NULL
                  ? tvars_set_list(to, v->name, (const char *const *)v->words,
                                   v->n_words)
                  : tvars_set(to, v->name, v->value);
    if (!ok) return false;
  }
  return true;
}

static void judge_client(struct ctx *c, struct column *col, const char *label,
                         struct proc *p, const char *out, const char *err,
                         const json_t *expect, const struct tvars *vars,
                         int64_t t0) {
  struct outcome o;
  outcome_read(out, p->reaped ? proc_exit_code(p) : -1, &o);
  struct judgement j;
  outcome_judge(&o, expect, vars, &j);
  char detail[2048] = "";
  if (j.detail != NULL) {
    char tail[TAIL_BYTES + 64];
    tail_of(err, "client", tail, sizeof tail);
    fmt_bounded(detail, sizeof detail, "%s; %s", j.detail, tail);
  }
  double ms = (double)(proc_now_ns() - t0) / 1e6;
  if (c->cfg->log != NULL)
    fprintf(c->cfg->log, "  [%s] %s: exit %d after %.1f ms\n", c->s->id,
            label, o.exit_code, ms);
  column_add(c, col, label, j.verdict, j.expected, j.actual,
             j.detail != NULL ? detail : NULL, ms);
  judgement_free(&j);
  outcome_free(&o);
}

static void run_client_step(struct ctx *c, size_t idx, const json_t *st) {
  const json_t *expect = json_object_get(st, "expect");
  bool background = js_bool(st, "background", false);
  const char *mode = js_str(st, "mode", "connect");
  const char *profile;
  json_t *e;
  json_object_foreach((json_t *)expect, profile, e) {
    struct column *col = column_named(c, profile);
    if (col == NULL) continue; /* profile not selected */
    char label[64], out[PATH_MAX], err[PATH_MAX], ready[PATH_MAX];
    fmt_bounded(label, sizeof label, "step %zu (%s)", idx, mode);
    fmt_bounded(out, sizeof out, "%s/client-%zu-%s.out", c->tmpdir, idx, profile);
    fmt_bounded(err, sizeof err, "%s/client-%zu-%s.err", c->tmpdir, idx, profile);
    fmt_bounded(ready, sizeof ready, "%s/client-%zu.ready", c->tmpdir, idx);
    char detail[1024];
    struct tvars t;
    int64_t t0 = proc_now_ns();
    if (!copy_vars(&c->vars, &t) ||
        !client_vars(c, st, profile, background ? ready : NULL, &t, detail,
                     sizeof detail)) {
      column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail, 0);
      tvars_free(&t);
      continue;
    }
    struct proc p;
    if (!start_from_template(c, c->cfg->client_cmd, &t, &p, out, err, detail,
                             sizeof detail)) {
      column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail, 0);
      tvars_free(&t);
      continue;
    }
    c->handshakes += tls_handshakes_of_mode(mode);
    int budget = (int)js_int(st, "timeout_ms", 0) + c->cfg->client_timeout_ms;
    if (background) {
      /* A background client (e.g. recv) runs while later steps do; it says
         it is connected through its ready file. */
      enum proc_status st_ready =
          c->n_bg < MAX_BACKGROUND
              ? proc_wait_line(&p, ready, NULL, c->cfg->ready_timeout_ms,
                               NULL, 0)
              : PROC_ERR_ARG;
      if (st_ready == PROC_OK) {
        struct bg_client *b = &c->bg[c->n_bg++];
        b->p = p;
        fmt_bounded(b->out, sizeof b->out, "%s", out);
        fmt_bounded(b->err, sizeof b->err, "%s", err);
        b->expect = e;
        b->col = col;
        fmt_bounded(b->label, sizeof b->label, "%s", label);
        b->t0 = t0;
        tvars_free(&t);
        continue;
      }
      if (st_ready != PROC_ERR_EXITED) { /* exited: judge its verdict */
        proc_stop(&p, STOP_GRACE_MS);
        char tail[TAIL_BYTES + 64];
        tail_of(err, "client", tail, sizeof tail);
        fmt_bounded(detail, sizeof detail, "%s; %s",
                    st_ready == PROC_ERR_ARG
                        ? "too many background clients in one scenario"
                        : "background client wrote no ready file in time",
                    tail);
        column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail,
                   (double)(proc_now_ns() - t0) / 1e6);
        proc_release(&p);
        tvars_free(&t);
        continue;
      }
    } else if (proc_wait_exit(&p, budget) != PROC_OK) {
      proc_stop(&p, STOP_GRACE_MS);
    }
    judge_client(c, col, label, &p, out, err, e, &t, t0);
    proc_release(&p);
    tvars_free(&t);
  }
}

static void join_background(struct ctx *c) {
  materials_vars(&c->m, &c->vars); /* identities made by later steps */
  for (size_t i = 0; i < c->n_bg; i++) {
    struct bg_client *b = &c->bg[i];
    if (proc_wait_exit(&b->p, c->cfg->client_timeout_ms) != PROC_OK)
      proc_stop(&b->p, STOP_GRACE_MS);
    judge_client(c, b->col, b->label, &b->p, b->out, b->err, b->expect,
                 &c->vars, b->t0);
    proc_release(&b->p);
  }
  c->n_bg = 0;
}

static bool snippet_matches_certfile(struct ctx *c, char *detail, size_t len) {
  char err[256];
  char *cn = certname_from_snippet(c, err, sizeof err);
  if (cn == NULL) {
    fmt_bounded(detail, len, "%s", err);
    return false;
  }
  FILE *f = fopen(c->m.certfile, "r");
  X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) fclose(f);
  uint8_t md[32];
  unsigned mdlen = 0;
  bool ok = x != NULL && X509_digest(x, EVP_sha256(), md, &mdlen) == 1;
  X509_free(x);
  char want[80] = "sha256-raw:";
  if (ok) hex_lower(md, 32, want + strlen(want));
  if (!ok)
    fmt_bounded(detail, len, "no certificate in %s to compare with the snippet",
             c->m.certfile);
  else if (strcmp(cn, want) != 0) {
    fmt_bounded(detail, len, "snippet CertName %s, but the leaf in %s hashes to %s",
             cn, c->m.certfile, want);
    ok = false;
  }
  free(cn);
  return ok;
}

static bool relay_log_step(struct ctx *c, const json_t *spec, char *detail,
                           size_t len) {
  int wait = (int)js_int(spec, "wait_ms", 3000);
  static const char *const kinds[] = {"line_prefix", "line_contains", NULL};
  for (const char *const *k = kinds; *k != NULL; k++) {
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(spec, *k), i, x) {
      char err[256];
      char *want = template_subst(json_string_value(x), &c->vars, err,
                                  sizeof err);
      if (want == NULL) {
        fmt_bounded(detail, len, "%s[%zu]: %s", *k, i, err);
        return false;
      }
      enum proc_status st =
          strcmp(*k, "line_prefix") == 0
              ? proc_wait_line(&c->relay, c->relay_err, want, wait, NULL, 0)
              : proc_wait_line_containing(&c->relay, c->relay_err, want, wait,
                                          NULL, 0);
      if (st != PROC_OK)
        fmt_bounded(detail, len, "relay stderr has no line %s \"%s\"",
                 strcmp(*k, "line_prefix") == 0 ? "starting with"
                                                : "containing",
                 want);
      free(want);
      if (st != PROC_OK) return false;
    }
  }
  if (js_bool(spec, "snippet_matches_certfile", false))
    return snippet_matches_certfile(c, detail, len);
  return true;
}

static void run_relay_step(struct ctx *c, size_t idx, const json_t *st) {
  struct column *col = column_named(c, SCENARIO_RELAY_COLUMN);
  if (col == NULL) return;
  int64_t t0 = proc_now_ns();
  char detail[2048] = "", label[64];
  struct peer_target t = {c->m.addr, c->relay_port, c->stun_port,
                          c->m.hostname};
  bool ok;
  const json_t *x;
  if ((x = json_object_get(st, "raw")) != NULL) {
    fmt_bounded(label, sizeof label, "step %zu (raw)", idx);
    ok = raw_script_run(x, c->peer_ctx, &t, &c->m, &c->vars, &c->handshakes,
                        detail, sizeof detail);
  } else if ((x = json_object_get(st, "udp")) != NULL) {
    fmt_bounded(label, sizeof label, "step %zu (udp)", idx);
    ok = udp_step_run(x, &t, &c->vars, detail, sizeof detail);
  } else if ((x = json_object_get(st, "tls_handshakes")) != NULL) {
    fmt_bounded(label, sizeof label, "step %zu (tls_handshakes)", idx);
    ok = tls_handshakes_run(x, c->peer_ctx, &t, &c->vars, &c->handshakes,
                            detail, sizeof detail);
  } else {
    fmt_bounded(label, sizeof label, "step %zu (relay_log)", idx);
    ok = relay_log_step(c, json_object_get(st, "relay_log"), detail,
                        sizeof detail);
  }
  column_add(c, col, label, ok ? REPORT_MATCH : REPORT_MISMATCH, "ok",
             ok ? "ok" : "failed", ok ? NULL : detail,
             (double)(proc_now_ns() - t0) / 1e6);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static void sanitize_id(const char *id, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = id; *p != '\0' && o + 1 < outlen; p++)
    out[o++] = (*p == ':' || *p == '/') ? '_' : *p;
  out[o] = '\0';
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
  if (c->relay_started) {
    proc_stop(&c->relay, STOP_GRACE_MS);
    proc_release(&c->relay);
    c->relay_started = false;
  }
}

static bool setup(struct ctx *c, char *detail, size_t len) {
  char sid[128];
  sanitize_id(c->s->id, sid, sizeof sid);
  fmt_bounded(c->tmpdir, sizeof c->tmpdir, "%s/derpcheck-%s-XXXXXX",
           c->cfg->tmp_root, sid);
  if (mkdtemp(c->tmpdir) == NULL) {
    fmt_bounded(detail, len, "mkdtemp %s: %s", c->tmpdir, strerror(errno));
    c->tmpdir[0] = '\0';
    return false;
  }
  if (!materials_make(c->s->doc, c->tmpdir, c->cfg->seed, (int64_t)time(NULL),
                      &c->m, detail, len))
    return false;
  c->have_materials = true;
  c->stun_port = free_udp_port(c->m.addr);
  if (c->stun_port < 0) {
    fmt_bounded(detail, len, "no free UDP port on %s", c->m.addr);
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
  const json_t *relay = json_object_get(c->s->doc, "relay");
  if (strcmp(js_str(relay, "proxy", "none"), "strip-metacert") == 0 &&
      !start_proxy(c, detail, len))
    return false;
  return write_derpmap(c, detail, len);
}

void scenario_run(const struct scenario *s, const struct run_config *cfg,
                  struct report *out) {
  struct ctx *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  c->s = s;
  c->cfg = cfg;
  tvars_init(&c->vars);
  for (size_t i = 0; i < s->n_columns && c->n_cols < MAX_COLUMNS; i++)
    if (run_config_selects(cfg, s->columns[i]))
      c->cols[c->n_cols++].name = s->columns[i];
  const json_t *steps = json_object_get(s->doc, "steps");
  c->n_steps = json_array_size(steps);
  int64_t t0 = proc_now_ns();
  char detail[2048];
  if (c->n_cols > 0) {
    if (!setup(c, detail, sizeof detail)) {
      all_columns(c, REPORT_ERROR, detail);
    } else {
      for (size_t i = 0; i < c->n_steps; i++) {
        const json_t *st = json_array_get(steps, i);
        if (json_object_get(st, "client") != NULL)
          run_client_step(c, i, json_object_get(st, "client"));
        else
          run_relay_step(c, i, st);
      }
      join_background(c);
      if (c->relay_started && !proc_running(&c->relay)) {
        char tail[TAIL_BYTES + 64];
        tail_of(c->relay_err, "relay", tail, sizeof tail);
        fmt_bounded(detail, sizeof detail,
                 "relay exited during the scenario (status %d); %s",
                 proc_exit_code(&c->relay), tail);
        all_columns(c, REPORT_MISMATCH, detail);
      }
    }
  }
  int64_t t_stop = proc_now_ns();
  stop_all(c);
  double ms = (double)(proc_now_ns() - t0) / 1e6;
  if (cfg->log != NULL)
    fprintf(cfg->log, "  [%s] stopped in %.1f ms, %.1f ms in all\n", s->id,
            (double)(proc_now_ns() - t_stop) / 1e6, ms);
  double floor_ms = c->relay_start_ms +
                    (c->processes > 0 ? c->processes - 1 : 0) *
                        cfg->proc_floor_ms +
                    c->handshakes * cfg->tls_floor_ms;
  if (c->n_cols > 0) {
    report_add_row(out, s->id, s->description, ms, floor_ms);
    for (size_t i = 0; i < c->n_cols; i++) {
      struct column *col = &c->cols[i];
      report_add_cell(out, s->id, col->name, col->verdict, col->expected,
                      col->actual, col->detail[0] ? col->detail : NULL,
                      col->ms);
    }
  }
  if (c->peer_ctx != NULL) SSL_CTX_free(c->peer_ctx);
  if (c->have_materials) materials_free(&c->m);
  tvars_free(&c->vars);
  if (c->tmpdir[0] != '\0' && !cfg->keep)
    nftw(c->tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  else if (c->tmpdir[0] != '\0' && cfg->log != NULL)
    fprintf(cfg->log, "  [%s] kept %s\n", s->id, c->tmpdir);
  free(c);
}
