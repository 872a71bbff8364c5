/* client_modes: connect, send, recv, ping, stun, probe. */
#include "client_modes.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "client_probe.h"
#include "client_stun.h"
#include "client_time.h"
#include "derp/derp_keys.h"
#include "derp/hex.h"
#include "file_io.h"

bool client_write_ready_file(const char *path, const char *text) {
  char body[4096];
  int n = snprintf(body, sizeof body, "%s\n", text);
  if (n < 0 || (size_t)n >= sizeof body) return false;
  return file_io_publish(path, body, (size_t)n, 0644, true).step == FILE_IO_OK;
}

static void set_reason(struct client_verdict *v, const char *text) {
  snprintf(v->reason, sizeof v->reason, "%s", text);
}

/* What the TLS handshake and the upgrade showed, pass or fail. */
static void fill_connection_facts(const struct client_conn *c, struct client_verdict *v,
                                  bool session_started) {
  static char verify[64];
  if (c->setup.kind == CLIENT_VERIFY_PIN)
    snprintf(verify, sizeof verify, "sha256-raw pin, %s rules",
             pin_profile_name(c->setup.pin_profile));
  else
    snprintf(verify, sizeof verify, "%s", client_verify_kind_text(c->setup.kind));
  v->verify = verify;
  v->addr = c->addr[0] ? c->addr : NULL;
  v->tls_version = client_tls_version_name(&c->tls);
  if (c->tls.certmsg_ok) {
    v->has_certs = true;
    v->certs = &c->tls.certs;
  }
  if (session_started && c->session) {
    v->path = c->fast ? "fast" : "slow";
    v->has_server_key = derp_client_server_key(c->session, v->server_key);
  }
}

static enum client_exit fail(struct client_verdict *v, const char *reason) {
  v->pass = false;
  set_reason(v, reason);
  return CLIENT_EXIT_FAIL;
}

/* Wait for a Pong carrying `ping` (answering the relay's Pings meanwhile). */
static bool await_pong(struct client_conn *c, const uint8_t ping[DERP_PING_LEN], int64_t deadline,
                       char *err, size_t cap) {
  struct derp_client_event ev;
  for (;;) {
    if (!client_conn_next_event(c, deadline, &ev, err, cap)) return false;
    if (ev.kind == DERP_CLIENT_EV_PONG && memcmp(ev.ping, ping, DERP_PING_LEN) == 0) return true;
  }
}

static bool send_ping(struct client_conn *c, uint8_t ping[DERP_PING_LEN], int64_t deadline,
                      char *err, size_t cap) {
  if (RAND_bytes(ping, DERP_PING_LEN) != 1) {
    snprintf(err, cap, "no randomness for the ping");
    return false;
  }
  if (derp_client_send_ping(c->session, ping) != DERP_CLIENT_SEND_OK) {
    snprintf(err, cap, "%s", derp_client_send_error(c->session));
    return false;
  }
  return client_conn_flush(c, deadline, err, cap);
}

static enum client_exit do_send(const struct client_run *run, struct client_conn *c,
                                struct client_verdict *v, char *err, size_t cap) {
  int64_t deadline = run->conn.deadline_ms;
  enum derp_client_send_status st =
      run->flags->mode == CLIENT_MODE_FORWARD
          ? derp_client_send_forward_packet(c->session, run->conn.client_pub, run->flags->peer,
                                            run->packet, run->flags->packet_len)
          : derp_client_send_packet(c->session, client_now_ns(), run->flags->peer, run->packet,
                                    run->flags->packet_len);
  if (st != DERP_CLIENT_SEND_OK) return fail(v, derp_client_send_error(c->session));
  /* The relay handles frames in order: its Pong proves it took the packet,
   * so closing now cannot lose it. */
  uint8_t ping[DERP_PING_LEN];
  if (!send_ping(c, ping, deadline, err, cap) || !await_pong(c, ping, deadline, err, cap))
    return fail(v, err);
  return CLIENT_EXIT_PASS;
}

/* WatchConns, then every PeerPresent and PeerGone until the wait ends: a
 * line each for people, the keys in the verdict. */
static enum client_exit do_watch(const struct client_run *run, struct client_run_state *s,
                                 struct client_verdict *v, char *err, size_t cap) {
  struct client_conn *c = &s->conn;
  if (derp_client_send_watch_conns(c->session) != DERP_CLIENT_SEND_OK ||
      !client_conn_flush(c, run->conn.deadline_ms, err, cap))
    return fail(v, err[0] ? err : derp_client_send_error(c->session));
  int64_t deadline = client_now_ms() + run->flags->wait_ms;
  if (deadline > run->conn.deadline_ms) deadline = run->conn.deadline_ms;
  v->present = (const char(*)[65])s->present;
  v->gone = (const char(*)[65])s->gone;
  struct derp_client_event ev;
  while (client_conn_next_event(c, deadline, &ev, err, cap)) {
    bool here = ev.kind == DERP_CLIENT_EV_PEER_PRESENT, gone = ev.kind == DERP_CLIENT_EV_PEER_GONE;
    if (!here && !gone) continue;
    size_t *n = here ? &v->n_present : &v->n_gone;
    char(*list)[65] = here ? s->present : s->gone;
    if (*n < 256) derp_hex_lower(ev.key, 32, list[(*n)++]);
    if (!run->flags->json) {
      printf("%s %s\n", here ? "present" : "gone", list[*n - 1]);
      fflush(stdout);
    }
  }
  /* the wait ending is the normal end; the relay closing on us is not */
  if (strstr(err, "i/o timeout") == NULL) return fail(v, err);
  return CLIENT_EXIT_PASS;
}

static enum client_exit do_recv(const struct client_run *run, struct client_run_state *s,
                                struct client_verdict *v, char *err, size_t cap) {
  struct client_conn *c = &s->conn;
  int64_t deadline = client_now_ms() + run->flags->wait_ms;
  if (deadline > run->conn.deadline_ms) deadline = run->conn.deadline_ms;
  struct derp_client_event ev;
  for (;;) {
    if (!client_conn_next_event(c, deadline, &ev, err, cap)) {
      if (strstr(err, "i/o timeout") != NULL)
        snprintf(err, cap, "no packet received within %lld ms", (long long)run->flags->wait_ms);
      return fail(v, err);
    }
    if (ev.kind != DERP_CLIENT_EV_RECV_PACKET) continue;
    size_t n = ev.data_len < sizeof s->packet ? ev.data_len : sizeof s->packet;
    memcpy(s->packet, ev.data, n);
    v->has_packet = true;
    v->packet = s->packet;
    v->packet_len = n;
    memcpy(v->from, ev.key, 32);
    return CLIENT_EXIT_PASS;
  }
}

enum client_exit client_run_derp(const struct client_run *run, struct client_run_state *s,
                                 struct client_verdict *v) {
  struct client_conn *c = &s->conn;
  char err[CLIENT_REASON_MAX];
  client_conn_init(c);
  enum client_conn_status st = client_conn_open_region(c, run->region, &run->conn, err, sizeof err);
  if (st == CLIENT_CONN_CONFIG_ERROR) {
    set_reason(v, err);
    return CLIENT_EXIT_USAGE;
  }
  fill_connection_facts(c, v, st == CLIENT_CONN_OK);
  if (st != CLIENT_CONN_OK) return fail(v, err);
  if (run->conn.tls_only) {
    v->pass = true;
    return CLIENT_EXIT_PASS;
  }
  /* Beyond Go's Connect(): ServerInfo proves the relay accepted us and,
   * on the fast path, that the metacert's key was really its key. */
  if (!client_conn_await_server_info(c, run->conn.deadline_ms, err, sizeof err))
    return fail(v, err);
  fill_connection_facts(c, v, true);
  if (run->flags->ready_file != NULL) {
    char text[DERP_KEY_TEXT_SIZE + 16];
    derp_key_public_text(run->conn.client_pub, text);
    if (!client_write_ready_file(run->flags->ready_file, text)) {
      set_reason(v, "cannot write --ready-file");
      return CLIENT_EXIT_USAGE;
    }
  }
  enum client_exit rc = CLIENT_EXIT_PASS;
  switch (run->flags->mode) {
    case CLIENT_MODE_SEND:
    case CLIENT_MODE_FORWARD: rc = do_send(run, c, v, err, sizeof err); break;
    case CLIENT_MODE_RECV: rc = do_recv(run, s, v, err, sizeof err); break;
    case CLIENT_MODE_WATCH: rc = do_watch(run, s, v, err, sizeof err); break;
    case CLIENT_MODE_PING: {
      uint8_t ping[DERP_PING_LEN];
      if (!send_ping(c, ping, run->conn.deadline_ms, err, sizeof err) ||
          !await_pong(c, ping, run->conn.deadline_ms, err, sizeof err))
        rc = fail(v, err);
      break;
    }
    default: break;
  }
  v->pass = rc == CLIENT_EXIT_PASS;
  return rc;
}

enum client_exit client_run_stun(const struct client_run *run, struct client_run_state *s,
                                 struct client_verdict *v) {
  const struct derp_region *r = run->region;
  for (size_t i = 0; i < r->node_count; i++) {
    const struct derp_node *n = &r->nodes[i];
    int port = derp_node_stun_port(n);
    if (port < 0) continue;
    /* STUN goes to the node's addresses, IPv4 first (STUNOnly nodes too). */
    struct derp_node copy = *n;
    copy.stun_only = false;
    struct derp_dial_target t[2];
    size_t nt = derp_node_dial_targets(&copy, t);
    for (size_t k = 0; k < nt; k++) {
      struct client_stun_result res;
      client_stun_query(t[k].host, t[k].family, (uint16_t)port, run->conn.deadline_ms, &res);
      v->addr = NULL;
      if (res.status == CLIENT_STUN_OK) {
        snprintf(s->mapped, sizeof s->mapped, "%s", res.mapped);
        v->mapped = s->mapped;
        v->pass = true;
        return CLIENT_EXIT_PASS;
      }
      set_reason(v, res.err);
    }
  }
  if (v->reason[0] == '\0') {
    set_reason(v, "no node of the region has STUN enabled");
    return CLIENT_EXIT_USAGE;
  }
  return CLIENT_EXIT_FAIL;
}

enum client_exit client_run_probe(const struct client_run *run, struct client_run_state *s,
                                  struct client_verdict *v) {
  probe_report_init(&s->report);
  struct client_probe_input in = {.map = run->map,
                                  .region = run->region_selector,
                                  .conn = &run->conn,
                                  .snippet_sha256 = run->snippet_sha256};
  struct client_probe_summary sum;
  client_probe_run(&in, &s->report, &sum);
  v->report = &s->report;
  if (run->flags->all_versions && run->region != NULL) {
    client_versions_run(run->region, &run->conn, &s->versions);
    v->versions = &s->versions;
  }
  v->pass = probe_report_count(&s->report, PROBE_ERRORS) == 0;
  if (!v->pass) set_reason(v, probe_report_item(&s->report, PROBE_ERRORS, 0));
  if (sum.connected) {
    v->path = sum.path;
    v->tls_version = sum.tls_version;
    v->has_server_key = true;
    memcpy(v->server_key, sum.server_key, 32);
  }
  return v->pass ? CLIENT_EXIT_PASS : CLIENT_EXIT_FAIL;
}
