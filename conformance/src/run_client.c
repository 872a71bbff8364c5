/* Client steps: the implementation under test, started from the client
   template once per expected profile, judged by outcome.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_bounded.h"
#include "outcome.h"
#include "run_ctx.h"
#include "transcript.h"

static int tls_handshakes_of_mode(const char *mode) {
  if (strcmp(mode, "stun") == 0) return 0;
  if (strcmp(mode, "versions") == 0) return 11; /* a probe, then one per release range */
  if (strcmp(mode, "probe") == 0 || strcmp(mode, "diagnose") == 0)
    return 6; /* TLS check + 5 DERP connects */
  return 1;
}

/* The reference client's flags for a step (the {mode_args} placeholder). */
static bool client_vars(struct ctx *c, const struct column *col,
                        const struct scenario_client_step *cs, const char *profile,
                        const char *ready, const char *record, struct tvars *t, char *detail,
                        size_t len) {
  const char *words[32];
  size_t n = 0;
  const char *mode = cs->mode;
  const char *key = cs->key;
  const char *peer = cs->peer;
  const struct identity *kid = key ? materials_identity(&c->m, key) : NULL;
  const struct identity *pid = peer ? materials_identity(&c->m, peer) : NULL;
  if ((key != NULL && kid == NULL) || (peer != NULL && pid == NULL)) {
    fmt_bounded(detail, len, "too many client identities");
    return false;
  }
  char timeout[16];
  fmt_bounded(timeout, sizeof timeout, "%lld", cs->timeout_ms);
  char err[256];
  char *packet = template_subst(cs->packet_hex, t, err, sizeof err);
  if (packet == NULL) {
    fmt_bounded(detail, len, "packet_hex: %s", err);
    return false;
  }
  struct {
    bool on;
    const char *flag, *value;
  } flags[] = {
      {kid != NULL, "--key-file", kid ? kid->keyfile : NULL},
      {pid != NULL, "--peer", pid ? pid->pub_hex : NULL},
      {packet[0] != '\0', "--packet-hex", packet},
      {ready != NULL, "--ready-file", ready},
      {strcmp(mode, "recv") == 0 || strcmp(mode, "watch") == 0, "--timeout-ms", timeout},
      {strcmp(mode, "watch") == 0 || strcmp(mode, "forward") == 0, "--mesh-key-file",
       c->m.mesh_psk_file},
      {c->m.ca_file[0] != '\0', "--ca-file", c->m.ca_file},
      {record != NULL, "--record", record},
  };
  /* a reference-client flag: real peers have no such mode */
  if (c->cfg->tls_only && !col->def->real && strcmp(mode, "connect") == 0)
    words[n++] = "--tls-only";
  if (strcmp(mode, "versions") == 0) words[n++] = "--all-versions";
  if (cs->websocket) words[n++] = "--websocket";
  bool probe_like = strcmp(mode, "diagnose") == 0 || strcmp(mode, "versions") == 0;
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (!flags[i].on) continue;
    words[n++] = flags[i].flag;
    words[n++] = flags[i].value;
  }
  /* "relay": 2 — the mesh peer, same node otherwise */
  char dial2[300];
  run_host_port(c->m.addr, c->relay2_port, dial2, sizeof dial2);
  if (cs->relay == 2 && c->derpmap2[0] == '\0') {
    fmt_bounded(detail, len, "\"relay\": 2 needs relay.mesh_peer");
    free(packet);
    return false;
  }
  bool ok = (cs->relay != 2 ||
             (tvars_set(t, "derpmap", c->derpmap2) && run_set_int(t, "port", c->relay2_port) &&
              run_set_int(t, "dial_port", c->relay2_port) && tvars_set(t, "dial", dial2))) &&
            materials_vars(&c->m, t) && tvars_set(t, "profile", profile) &&
            (col->def->client_bin == NULL || tvars_set(t, "client_bin", col->def->client_bin)) &&
            /* diagnose, versions: a probe judged on derpcheck's additions */
            tvars_set(t, "mode", probe_like ? "probe" : mode) &&
            tvars_set(t, "client_keyfile", kid ? kid->keyfile : "") &&
            tvars_set(t, "peer_key", pid ? pid->pub_hex : "") &&
            tvars_set(t, "packet_hex", packet) && tvars_set(t, "ready_file", ready ? ready : "") &&
            tvars_set(t, "timeout_ms", timeout) && tvars_set_list(t, "mode_args", words, n);
  free(packet);
  if (!ok) fmt_bounded(detail, len, "out of memory");
  return ok;
}

/* The step's record (beside its stdout file: .out -> .rec), decoded and
   appended to the column's transcript. */
static void attach_transcript(struct column *col, const char *label, const char *out) {
  char path[PATH_MAX];
  size_t n = strlen(out);
  if (n < 4 || n >= sizeof path) return;
  memcpy(path, out, n - 4);
  memcpy(path + n - 4, ".rec", 5);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return;
  uint8_t *buf = malloc(TRANSCRIPT_MAX_RECORD);
  size_t len = buf != NULL ? fread(buf, 1, TRANSCRIPT_MAX_RECORD, f) : 0;
  fclose(f);
  char *text = buf != NULL ? transcript_decode(buf, len) : NULL;
  free(buf);
  if (text != NULL) run_column_transcript(col, label, text);
  free(text);
}

static void judge_client(struct ctx *c, struct column *col, const char *label, struct proc *p,
                         const char *out, const char *err, const json_t *expect,
                         const struct tvars *vars, int64_t t0) {
  struct outcome o;
  outcome_read(out, p->reaped ? proc_exit_code(p) : -1, &o);
  struct judgement j;
  outcome_judge(&o, expect, vars, &j);
  attach_transcript(col, label, out);
  char detail[2048] = "";
  if (j.detail != NULL) {
    char tail[TAIL_BYTES + 64];
    run_stderr_tail(err, "client", tail, sizeof tail);
    fmt_bounded(detail, sizeof detail, "%s; %s", j.detail, tail);
  }
  double ms = (double)(proc_now_ns() - t0) / 1e6;
  if (c->cfg->log != NULL)
    fprintf(c->cfg->log, "  [%s] %s: exit %d after %.1f ms\n", c->s->id, label, o.exit_code, ms);
  run_column_add(c, col, label, j.verdict, j.expected, j.actual, j.detail != NULL ? detail : NULL,
                 ms);
  run_column_declared(col, j.verdict, &o, vars);
  judgement_free(&j);
  outcome_free(&o);
}

void run_client_step(struct ctx *c, size_t idx, const struct scenario_client_step *cs) {
  bool background = cs->background;
  const char *mode = cs->mode;
  for (size_t k = 0; k < c->n_cols; k++) {
    struct column *col = &c->cols[k];
    if (col->def->profile == NULL || col->skip != NULL || (c->pass != NULL && c->pass != col))
      continue;
    const char *profile = column_profile(col->def, mode);
    const json_t *e = json_object_get(cs->expect, profile);
    if (e == NULL) continue; /* nothing expected of this column here */
    /* (no profile name is part of another) */
    if (strstr(col->judged, profile) == NULL) {
      size_t used = strlen(col->judged);
      fmt_bounded(col->judged + used, sizeof col->judged - used, "%s%s", used ? ", " : "", profile);
    }
    const char *tmpl = col->def->client_cmd != NULL ? col->def->client_cmd : c->cfg->client_cmd;
    char label[64], out[PATH_MAX], err[PATH_MAX], ready[PATH_MAX];
    fmt_bounded(label, sizeof label, "step %zu (%s)", idx, mode);
    fmt_bounded(out, sizeof out, "%s/client-%zu-%s.out", c->tmpdir, idx, col->name);
    fmt_bounded(err, sizeof err, "%s/client-%zu-%s.err", c->tmpdir, idx, col->name);
    /* the reference client records its connections, and registry peers
       that do not declare "record" unsupported */
    bool records = col->def->real ? js_str(col->def->unsupported, "record", NULL) == NULL
                                  : c->cfg->client_records;
    char record[PATH_MAX];
    fmt_bounded(record, sizeof record, "%s/client-%zu-%s.rec", c->tmpdir, idx, col->name);
    fmt_bounded(ready, sizeof ready, "%s/client-%zu-%s.ready", c->tmpdir, idx, col->name);
    char detail[1024];
    struct tvars t;
    int64_t t0 = proc_now_ns();
    if (!tvars_copy(&c->vars, &t) ||
        !client_vars(c, col, cs, profile, background ? ready : NULL, records ? record : NULL, &t,
                     detail, sizeof detail)) {
      run_column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail, 0);
      tvars_free(&t);
      continue;
    }
    struct proc p;
    if (!run_start_program(c, tmpl, &t, &p, out, err, detail, sizeof detail)) {
      run_column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail, 0);
      tvars_free(&t);
      continue;
    }
    fmt_bounded(col->command, sizeof col->command, "%s", c->last_command);
    c->handshakes += tls_handshakes_of_mode(mode);
    int budget = (int)cs->timeout_ms + c->cfg->client_timeout_ms;
    if (background) {
      /* A background client (e.g. recv) runs while later steps do; it says
         it is connected through its ready file. */
      enum proc_status st_ready =
          c->n_bg < MAX_BACKGROUND
              ? proc_wait_line(&p, ready, NULL, c->cfg->ready_timeout_ms, NULL, 0)
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
        run_stderr_tail(err, "client", tail, sizeof tail);
        fmt_bounded(detail, sizeof detail, "%s; %s",
                    st_ready == PROC_ERR_ARG ? "too many background clients in one scenario"
                                             : "background client wrote no ready file in time",
                    tail);
        run_column_add(c, col, label, REPORT_ERROR, "(client)", "error", detail,
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

void run_join_background(struct ctx *c) {
  materials_vars(&c->m, &c->vars); /* identities made by later steps */
  for (size_t i = 0; i < c->n_bg; i++) {
    struct bg_client *b = &c->bg[i];
    if (proc_wait_exit(&b->p, c->cfg->client_timeout_ms) != PROC_OK)
      proc_stop(&b->p, STOP_GRACE_MS);
    judge_client(c, b->col, b->label, &b->p, b->out, b->err, b->expect, &c->vars, b->t0);
    proc_release(&b->p);
  }
  c->n_bg = 0;
}
