/* client_probe: the §5.1 checks over real sockets. */
#include "client_probe.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_stun.h"
#include "client_time.h"
#include "derp/cert_fields.h"
#include "derp/ipcert.h"
#include "derp/metacert.h"
#include "derp/pin_verify.h"

static void msg(struct probe_report *r, enum probe_msg_kind kind, const char *host,
                const char *addr, const char *err, int64_t number) {
  struct probe_msg m = {.kind = kind, .host = host, .addr = addr, .err = err, .number = number};
  probe_report_message(r, &m);
}

/* ---- facts for the Diagnosis, from the captured certificates ---- */

/* Per node: under an older profile, what the fixed logic gives (tried at
 * most once, and only when the older logic failed). */
struct node_state {
  const struct derp_region *region;
  int fixed_check;
  char fixed_error[CLIENT_REASON_MAX_PROBE];
};

static void one_node_region(const struct derp_region *reg, const struct derp_node *n,
                            struct derp_region *out) {
  *out = *reg;
  out->nodes = (struct derp_node *)n;
  out->node_count = 1;
}

static void run_fixed_check(const struct client_probe_input *in, const struct derp_node *n,
                            struct node_state *ns) {
  if (ns->fixed_check != 0 || in->conn->profile == CLIENT_PROFILE_CURRENT) return;
  struct derp_region one;
  one_node_region(ns->region, n, &one);
  struct client_conn_options o = *in->conn;
  o.profile = CLIENT_PROFILE_CURRENT;
  o.legacy_tls = false;
  struct client_conn *c = malloc(sizeof *c);
  if (c == NULL) return;
  client_conn_init(c);
  enum client_conn_status st =
      client_conn_open_region(c, &one, &o, ns->fixed_error, sizeof ns->fixed_error);
  ns->fixed_check = st == CLIENT_CONN_OK ? 1 : -1;
  client_conn_close(c);
  free(c);
}

void client_probe_facts(const struct client_tls *t, const struct derp_node *n,
                        const struct client_conn_options *o, struct client_probe_fact_room *cf,
                        struct probe_facts *f) {
  f->profile = client_profile_name(o->profile);
  f->host_name = n->host_name;
  f->cert_name = n->cert_name;
  if (!ipcert_file_name(n->host_name, cf->file_stem, sizeof cf->file_stem)) cf->file_stem[0] = '\0';
  f->cert_file_stem = cf->file_stem;
  if (t == NULL || !t->certmsg_ok) return;
  f->certs_presented = t->certs.n_certs;
  bool leaf_seen = false;
  for (size_t i = 0; i < t->certs.n_certs; i++) {
    const struct der_slice *d = &t->certs.certs[i];
    struct cert_fields cfl;
    bool parsed = cert_fields_parse(d->ptr, d->len, &cfl) == CERT_FIELDS_OK;
    bool meta = parsed && cfl.has_cn && cfl.cn.len >= strlen(METACERT_CN_PREFIX) &&
                memcmp(cfl.cn.ptr, METACERT_CN_PREFIX, strlen(METACERT_CN_PREFIX)) == 0;
    if (meta) {
      f->metacerts_presented++;
      continue;
    }
    if (leaf_seen) continue;
    leaf_seen = true;
    if (pin_hex_of_der(d->ptr, d->len, cf->leaf_sha256)) f->leaf_sha256 = cf->leaf_sha256;
    if (parsed) {
      f->has_leaf_validity = true;
      f->leaf_not_before = cfl.not_before;
      f->leaf_not_after = cfl.not_after;
      f->leaf_self_signed = cfl.issuer.len == cfl.subject.len &&
                            memcmp(cfl.issuer.ptr, cfl.subject.ptr, cfl.issuer.len) == 0;
    }
  }
}

/* What a diagnosis needs beyond the node and the certificates. */
struct observed {
  enum probe_stage stage;
  const char *addr, *err;
  int family;                     /* 4 or 6 for the per-family TLS checks */
  int http_status;                /* DERP stage */
  const struct client_conn *conn; /* CONNECTED: the connection that worked */
  size_t distinct_keys;           /* KEYS */
};

static void diagnose(struct probe_report *r, const struct client_probe_input *in,
                     const struct derp_node *n, struct node_state *ns, const struct client_tls *t,
                     const struct observed *o) {
  struct client_probe_fact_room cf = {0};
  struct probe_facts f = {.stage = o->stage,
                          .error = o->err,
                          .addr = o->addr,
                          .family = o->family,
                          .http_status = o->http_status,
                          .now = in->conn->now,
                          .distinct_keys = o->distinct_keys,
                          .tries = CLIENT_PROBE_DERP_TRIES,
                          .snippet_sha256 = in->snippet_sha256};
  client_probe_facts(t, n, in->conn, &cf, &f);
  if (o->conn != NULL) {
    f.fast_path = o->conn->fast;
    f.tls_version = o->conn->tls.version;
  }
  enum probe_stage stage = o->stage;
  if (stage == PROBE_STAGE_TLS && ns != NULL) {
    run_fixed_check(in, n, ns);
    f.fixed_check = ns->fixed_check;
    f.fixed_error = ns->fixed_error;
  }
  int sp = derp_node_stun_port(n);
  f.stun_port = sp;
  probe_report_diagnose(r, &f);
}

/* ---- steps ---- */

static const struct derp_dial_target *target_for(const struct derp_dial_target *t, size_t n,
                                                 enum derp_family fam) {
  for (size_t i = 0; i < n; i++)
    if (t[i].family == fam) return &t[i];
  return NULL;
}

/* One family's TCP + TLS check; true when the handshake succeeded. */
static bool check_tls(const struct client_probe_input *in, struct probe_report *r,
                      const struct derp_node *n, struct node_state *ns,
                      const struct derp_dial_target *target, int family,
                      struct client_probe_summary *sum) {
  char addr[CLIENT_ADDR_MAX], err[CLIENT_REASON_MAX_PROBE];
  client_join_host_port(target->host, target->port, addr, sizeof addr);
  int fd = client_dial_tcp(target, family == 6 ? "tcp6" : "tcp4", in->conn->deadline_ms, err,
                           sizeof err);
  if (fd < 0) {
    msg(r, PROBE_MSG_DIAL_ERROR, n->host_name, addr, err, family);
    struct observed o = {.stage = PROBE_STAGE_DIAL, .addr = addr, .err = err, .family = family};
    diagnose(r, in, n, ns, NULL, &o);
    return false;
  }
  struct client_tls_setup setup;
  client_tls_setup_for(n, in->conn->profile, true, &setup);
  struct client_tls_options opts = {.setup = &setup,
                                    .ca_file = in->conn->ca_file,
                                    .tls_max = in->conn->tls_max,
                                    .now = in->conn->now};
  struct client_tls *t = calloc(1, sizeof *t);
  if (t == NULL) {
    close(fd);
    msg(r, PROBE_MSG_TLS_ERROR, n->host_name, addr, "out of memory", family);
    return false;
  }
  enum client_tls_status st =
      client_tls_handshake(t, fd, &opts, in->conn->deadline_ms, err, sizeof err);
  bool ok = st == CLIENT_TLS_OK;
  if (t->certmsg_ok) {
    sum->certs = t->certs.n_certs;
    sum->has_certs = true;
  }
  if (!ok) {
    msg(r, PROBE_MSG_TLS_ERROR, n->host_name, addr, err, family);
    struct observed o = {.stage = PROBE_STAGE_TLS, .addr = addr, .err = err, .family = family};
    diagnose(r, in, n, ns, t, &o);
  }
  client_tls_close(t);
  free(t);
  return ok;
}

/* GET http://<HostName>/generate_204?t=<unix>: only a transport error counts. */
static void check_captive_portal(const struct client_probe_input *in, struct probe_report *r,
                                 const struct derp_node *n) {
  char url[DERP_MAP_MAX_STRING + 64];
  snprintf(url, sizeof url, "http://%s/generate_204?t=%lld", n->host_name,
           (long long)in->conn->now);
  struct derp_dial_target t[2];
  size_t nt = derp_node_dial_targets(n, t);
  int64_t deadline = client_now_ms() + CLIENT_PROBE_CAPTIVE_WAIT_MS;
  if (deadline > in->conn->deadline_ms) deadline = in->conn->deadline_ms;
  bool ok = false;
  for (size_t i = 0; i < nt && !ok; i++) {
    struct derp_dial_target target = t[i];
    target.port = 80;
    char err[256];
    int fd = client_dial_tcp(&target, "tcp", deadline, err, sizeof err);
    if (fd < 0) continue;
    char req[DERP_MAP_MAX_STRING * 2 + 256];
    int len =
        snprintf(req, sizeof req,
                 "GET /generate_204?t=%lld HTTP/1.1\r\nHost: %s\r\n"
                 "User-Agent: Go-http-client/1.1\r\n"
                 "Cache-Control: no-cache, no-store, must-revalidate, no-transform, max-age=0\r\n"
                 "Accept-Encoding: gzip\r\n\r\n",
                 (long long)in->conn->now, n->host_name);
    if (len > 0 && (size_t)len < sizeof req && write(fd, req, (size_t)len) == len &&
        client_wait_fd(fd, POLLIN, deadline) == 1) {
      char buf[64];
      ok = read(fd, buf, sizeof buf) > 0; /* any answer: no transport error */
    }
    close(fd);
  }
  if (!ok) {
    msg(r, PROBE_MSG_CAPTIVE_FAILED, n->host_name, url, NULL, 0);
    struct observed o = {.stage = PROBE_STAGE_CAPTIVE, .addr = url};
    diagnose(r, in, n, NULL, NULL, &o);
  }
}

/* Upstream's check ends once ClientInfo is written, so a relay that rejects
 * the node key (it closes instead of sending ServerInfo) passes it. Wait
 * for ServerInfo once, bounded, to tell the two apart. */
static void check_accepted(const struct client_probe_input *in, struct probe_report *r,
                           const struct derp_node *n, struct client_conn *c) {
  int64_t deadline = client_now_ms() + CLIENT_PROBE_ACCEPT_WAIT_MS;
  if (deadline > in->conn->deadline_ms) deadline = in->conn->deadline_ms;
  char err[CLIENT_REASON_MAX_PROBE];
  if (client_conn_await_server_info(c, deadline, err, sizeof err)) return;
  if (strstr(err, "EOF") == NULL && strstr(err, "reset") == NULL) return; /* slow, not closed */
  struct observed o = {.stage = PROBE_STAGE_ACCEPT, .addr = c->addr, .err = err};
  diagnose(r, in, n, NULL, &c->tls, &o);
}

static void check_derp(const struct client_probe_input *in, struct probe_report *r,
                       const struct derp_region *reg, const struct derp_node *n,
                       struct client_probe_summary *sum) {
  /* Upstream builds a one-node region for the node under test. */
  struct derp_region one;
  one_node_region(reg, n, &one);
  struct client_conn_options o = *in->conn;
  o.legacy_tls = false; /* the DERP step always used the real client */
  struct client_conn *c = malloc(sizeof *c);
  if (c == NULL) return;
  client_conn_init(c);
  uint8_t keys[CLIENT_PROBE_DERP_TRIES][32];
  size_t distinct = 0;
  for (int i = 0; i < CLIENT_PROBE_DERP_TRIES; i++) {
    char err[CLIENT_REASON_MAX_PROBE], wrapped[CLIENT_REASON_MAX_PROBE + 128];
    enum client_conn_status st = client_conn_open_region(c, &one, &o, err, sizeof err);
    if (st != CLIENT_CONN_OK) {
      snprintf(wrapped, sizeof wrapped, "derphttp.Client.Connect connect to region %lld (%s): %s",
               (long long)(reg->region_id ? reg->region_id : reg->id), reg->code, err);
      msg(r, PROBE_MSG_DERP_ERROR, n->host_name, NULL, wrapped, i);
      enum probe_stage stage =
          st == CLIENT_CONN_FAILED && c->failed_stage == CLIENT_STAGE_DIAL
              ? PROBE_STAGE_DIAL
              : (c->failed_stage == CLIENT_STAGE_TLS ? PROBE_STAGE_TLS : PROBE_STAGE_DERP);
      struct observed seen = {
          .stage = stage, .addr = c->addr, .err = err, .http_status = c->http_status};
      diagnose(r, in, n, NULL, &c->tls, &seen);
      client_conn_close(c);
      continue;
    }
    uint8_t key[32];
    if (derp_client_server_key(c->session, key)) {
      bool seen = false;
      for (size_t k = 0; k < distinct; k++) seen = seen || memcmp(keys[k], key, 32) == 0;
      if (!seen) memcpy(keys[distinct++], key, 32);
    }
    if (!sum->connected) {
      msg(r, PROBE_MSG_DERP_OK, n->host_name, NULL, NULL, 0);
      struct observed seen = {.stage = PROBE_STAGE_CONNECTED, .addr = c->addr, .conn = c};
      diagnose(r, in, n, NULL, &c->tls, &seen);
      check_accepted(in, r, n, c);
      sum->connected = true;
      sum->path = c->fast ? "fast" : "slow";
      sum->tls_version = client_tls_version_name(&c->tls);
      memcpy(sum->server_key, key, 32);
      if (c->tls.certmsg_ok) {
        sum->certs = c->tls.certs.n_certs;
        sum->has_certs = true;
      }
    }
    client_conn_close(c);
  }
  free(c);
  if (distinct > 1) {
    msg(r, PROBE_MSG_MULTIPLE_KEYS, n->host_name, NULL, NULL, (int64_t)distinct);
    struct observed seen = {.stage = PROBE_STAGE_KEYS, .distinct_keys = distinct};
    diagnose(r, in, n, NULL, NULL, &seen);
  }
}

static void check_stun(const struct client_probe_input *in, struct probe_report *r,
                       const struct derp_node *n) {
  int port = derp_node_stun_port(n);
  if (port < 0) return; /* STUN disabled for the node: nothing to ask */
  const char *host = n->ipv4[0] ? n->ipv4 : n->host_name;
  int64_t deadline = client_now_ms() + CLIENT_PROBE_STUN_WAIT_MS;
  if (deadline > in->conn->deadline_ms) deadline = in->conn->deadline_ms;
  struct client_stun_result res;
  client_stun_query(host, 4, (uint16_t)port, deadline, &res);
  switch (res.status) {
    case CLIENT_STUN_OK: msg(r, PROBE_MSG_STUN_OK, n->host_name, res.mapped, NULL, 0); return;
    case CLIENT_STUN_RESOLVE_ERROR:
      msg(r, PROBE_MSG_STUN_RESOLVE_ERROR, n->host_name, NULL, res.err, 0);
      return;
    case CLIENT_STUN_LISTEN_ERROR:
      msg(r, PROBE_MSG_STUN_LISTEN_ERROR, NULL, NULL, res.err, 0);
      return;
    case CLIENT_STUN_SEND_ERROR:
      msg(r, PROBE_MSG_STUN_SEND_ERROR, n->host_name, res.target, res.err, 0);
      return;
    case CLIENT_STUN_NO_RESPONSE:
      msg(r, PROBE_MSG_STUN_NONE, n->host_name, NULL, NULL, 0);
      struct observed o = {.stage = PROBE_STAGE_STUN, .addr = res.target, .err = res.err};
      diagnose(r, in, n, NULL, NULL, &o);
      return;
  }
}

static void probe_node(const struct client_probe_input *in, struct probe_report *r,
                       const struct derp_region *reg, const struct derp_node *n,
                       struct client_probe_summary *sum) {
  if (n->stun_only) {
    msg(r, PROBE_MSG_STUN_ONLY, n->host_name, NULL, NULL, 0);
    check_stun(in, r, n);
    return;
  }
  struct derp_dial_target t[2];
  size_t nt = derp_node_dial_targets(n, t);
  const struct derp_dial_target *v4 = target_for(t, nt, DERP_FAMILY_IPV4);
  const struct derp_dial_target *v6 = target_for(t, nt, DERP_FAMILY_IPV6);
  struct node_state *ns = calloc(1, sizeof *ns);
  if (ns != NULL) ns->region = reg;
  bool has4 = v4 && check_tls(in, r, n, ns, v4, 4, sum);
  bool has6 = v6 && check_tls(in, r, n, ns, v6, 6, sum);
  free(ns);
  if (has6 && !has4)
    msg(r, PROBE_MSG_IPV6_ONLY, n->host_name, NULL, NULL, 0);
  else if (has6 && has4)
    msg(r, PROBE_MSG_DUAL_STACK, n->host_name, NULL, NULL, 0);
  if (v4 && v6 && has4 != has6) { /* one family of a dual-stack node works */
    struct observed o = {.stage = PROBE_STAGE_FAMILY, .family = has4 ? 6 : 4};
    diagnose(r, in, n, NULL, NULL, &o);
  }
  check_captive_portal(in, r, n);
  /* Upstream moves on to the next node when no TLS check succeeded, so the
   * node's STUN check is skipped too (seen running v1.98.10; the spec's
   * "skip to STUN" misread it). */
  if (!has4 && !has6) return;
  check_derp(in, r, reg, n, sum);
  check_stun(in, r, n);
}

void client_probe_run(const struct client_probe_input *in, struct probe_report *r,
                      struct client_probe_summary *sum) {
  memset(sum, 0, sizeof *sum);
  if (in->map == NULL) {
    msg(r, PROBE_MSG_NO_DERP_MAP, NULL, NULL, NULL, 0);
    return;
  }
  const char *sel = in->region ? in->region : "";
  const struct derp_region *reg = derp_map_find_region(in->map, sel);
  if (reg == NULL) {
    struct probe_msg m = {.kind = PROBE_MSG_NO_SUCH_REGION, .text = sel};
    probe_report_message(r, &m);
    return;
  }
  struct probe_msg region = {.kind = PROBE_MSG_REGION,
                             .number = reg->region_id ? reg->region_id : reg->id,
                             .text = reg->code};
  probe_report_message(r, &region);
  if (in->map->region_count == 1) msg(r, PROBE_MSG_SINGLE_REGION, NULL, NULL, NULL, 0);
  if (reg->avoid) msg(r, PROBE_MSG_AVOID, NULL, NULL, NULL, 0);
  if (reg->node_count == 0) {
    msg(r, PROBE_MSG_NO_NODES, NULL, NULL, NULL, 0);
    return;
  }
  for (size_t i = 0; i < reg->node_count; i++) probe_node(in, r, reg, &reg->nodes[i], sum);
}
