/* Relay-level steps, checked by the runner itself (the "relay" column):
   raw conversations, UDP/STUN, repeated handshakes, the relay's log. */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/pin_verify.h"
#include "fixtures.h"
#include "fmt_bounded.h"
#include "raw_peer.h"
#include "run_ctx.h"
#include "scenario.h"
#include "transcript.h"

char *run_certname_from_snippet(struct ctx *c, char *detail, size_t len) {
  char line[1024];
  const char *prefix = "  {\"Name\":\"custom\"";
  if (proc_wait_line(&c->relay, c->relay_err, prefix, 3000, line, sizeof line) != PROC_OK) {
    fmt_bounded(detail, len,
                "relay printed no DERPMap snippet line starting "
                "with two spaces and {\"Name\":\"custom\"");
    return NULL;
  }
  char full[1100];
  fmt_bounded(full, sizeof full, "%s%s", prefix + 2, line);
  json_t *j = json_loads(full, JSON_REJECT_DUPLICATES, NULL);
  const char *cn = js_str(j, "CertName", NULL);
  char *out = cn != NULL ? strdup(cn) : NULL;
  if (out == NULL)
    fmt_bounded(detail, len, "snippet line is not a node with CertName: %.200s", full);
  json_decref(j);
  return out;
}

static bool snippet_matches_certfile(struct ctx *c, char *detail, size_t len) {
  char err[256];
  char *cn = run_certname_from_snippet(c, err, sizeof err);
  if (cn == NULL) {
    fmt_bounded(detail, len, "%s", err);
    return false;
  }
  FILE *f = fopen(c->m.certfile, "r");
  X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) fclose(f);
  unsigned char *der = NULL;
  int der_len = x != NULL ? i2d_X509(x, &der) : -1;
  X509_free(x);
  char want[80] = "sha256-raw:";
  bool ok = der_len > 0 && pin_hex_of_der(der, (size_t)der_len, want + strlen(want));
  OPENSSL_free(der);
  if (!ok)
    fmt_bounded(detail, len, "no certificate in %s to compare with the snippet", c->m.certfile);
  else if (strcmp(cn, want) != 0) {
    fmt_bounded(detail, len, "snippet CertName %s, but the leaf in %s hashes to %s", cn,
                c->m.certfile, want);
    ok = false;
  }
  free(cn);
  return ok;
}

static bool relay_log_step(struct ctx *c, const struct scenario_relay_log_step *spec, char *detail,
                           size_t len) {
  const struct {
    const char *key;
    const json_t *texts;
    bool prefix; /* else contains */
  } lists[] = {{"line_prefix", spec->line_prefix, true},
               {"line_contains", spec->line_contains, false}};
  for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
    size_t i;
    json_t *x;
    json_array_foreach(lists[l].texts, i, x) {
      char err[256];
      char *want = template_subst(json_string_value(x), &c->vars, err, sizeof err);
      if (want == NULL) {
        fmt_bounded(detail, len, "%s[%zu]: %s", lists[l].key, i, err);
        return false;
      }
      enum proc_status st =
          lists[l].prefix
              ? proc_wait_line(&c->relay, c->relay_err, want, spec->wait_ms, NULL, 0)
              : proc_wait_line_containing(&c->relay, c->relay_err, want, spec->wait_ms, NULL, 0);
      if (st != PROC_OK)
        fmt_bounded(detail, len, "relay stderr has no line %s \"%s\"",
                    lists[l].prefix ? "starting with" : "containing", want);
      free(want);
      if (st != PROC_OK) return false;
    }
  }
  if (spec->snippet_matches_certfile) return snippet_matches_certfile(c, detail, len);
  return true;
}

/* The runner's own connections of a raw step, decoded into the relay
   column's transcript. */
static void attach_record(struct column *col, const char *label, FILE *rec) {
  long len = ftell(rec);
  if (len > (long)TRANSCRIPT_MAX_RECORD) len = (long)TRANSCRIPT_MAX_RECORD;
  if (len <= 0 || fseek(rec, 0, SEEK_SET) != 0) return;
  uint8_t *buf = malloc((size_t)len);
  char *text = buf != NULL && fread(buf, 1, (size_t)len, rec) == (size_t)len
                   ? transcript_decode(buf, (size_t)len)
                   : NULL;
  free(buf);
  if (text != NULL) run_column_transcript(col, label, text);
  free(text);
}

void run_relay_step(struct ctx *c, size_t idx, const struct scenario_step *st) {
  struct column *col = run_column_named(c, SCENARIO_RELAY_COLUMN);
  if (col == NULL || col->skip != NULL || !c->first_pass) return;
  int64_t t0 = proc_now_ns();
  char detail[2048] = "", label[64];
  char rec_path[PATH_MAX];
  fmt_bounded(rec_path, sizeof rec_path, "%s/relay-step-%zu.rec", c->tmpdir, idx);
  FILE *rec = st->kind == STEP_RAW ? fopen(rec_path, "w+b") : NULL;
  if (rec != NULL) fputs(TRANSCRIPT_MAGIC, rec);
  struct peer_target t = {c->m.addr,
                          c->relay_port,
                          c->stun_port,
                          c->m.hostname,
                          rec,
                          c->s->relay.mesh_peer != NULL ? fixture_restart_mesh_peer : NULL,
                          c};
  bool ok;
  if (st->kind == STEP_RAW) {
    fmt_bounded(label, sizeof label, "step %zu (raw)", idx);
    ok = raw_script_run(st->raw.ops, st->raw.n_ops, c->peer_ctx, &t, &c->m, &c->vars,
                        &c->handshakes, detail, sizeof detail);
  } else if (st->kind == STEP_UDP) {
    fmt_bounded(label, sizeof label, "step %zu (udp)", idx);
    ok = udp_step_run(&st->udp, &t, &c->vars, detail, sizeof detail);
  } else if (st->kind == STEP_TLS_HANDSHAKES) {
    fmt_bounded(label, sizeof label, "step %zu (tls_handshakes)", idx);
    ok = tls_handshakes_run(&st->tls_handshakes, c->peer_ctx, &t, &c->vars, &c->handshakes, detail,
                            sizeof detail);
  } else {
    fmt_bounded(label, sizeof label, "step %zu (relay_log)", idx);
    ok = relay_log_step(c, &st->relay_log, detail, sizeof detail);
  }
  if (rec != NULL) {
    attach_record(col, label, rec);
    fclose(rec);
  }
  enum report_verdict v = ok ? REPORT_MATCH : REPORT_MISMATCH;
  run_column_add(c, col, label, v, "ok", ok ? "ok" : "failed", ok ? NULL : detail,
                 (double)(proc_now_ns() - t0) / 1e6);
  /* A declaration for the relay column reads the step as a client verdict:
     "fail" with what went wrong as its reason. */
  struct outcome o = {.exit_code = ok ? 0 : 1,
                      .json = json_pack("{s:s, s:s?}", "result", ok ? "pass" : "fail", "reason",
                                        ok ? NULL : detail)};
  run_column_declared(col, v, &o, &c->vars);
  outcome_free(&o);
}
