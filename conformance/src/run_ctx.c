/* Columns of the row being built, and small helpers the step runners share. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_bounded.h"
#include "run_ctx.h"

struct column *run_column_named(struct ctx *c, const char *name) {
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
  for (const char *p = strstr(dst, " + "); p != NULL; p = strstr(p + 3, " + ")) last = p + 3;
  if (dst[0] != '\0' && strcmp(last, seg) == 0) return;
  append(dst, cap, " + ", seg);
}

void run_column_add(struct ctx *c, struct column *col, const char *label, enum report_verdict v,
                    const char *expected, const char *actual, const char *detail, double ms) {
  bool multi = c->s->n_steps > 1;
  if (!col->used || severity(v) >= severity(col->verdict)) {
    if (!col->used || severity(v) > severity(col->verdict)) col->verdict = v;
  }
  append_segment(col->expected, sizeof col->expected, expected);
  append_segment(col->actual, sizeof col->actual, actual);
  if (detail != NULL) {
    char d[2048];
    fmt_bounded(d, sizeof d, "%s%s%s", multi ? label : "", multi ? ": " : "", detail);
    append(col->detail, sizeof col->detail, "; ", d);
  }
  col->used = true;
  col->ms += ms;
}

void run_column_declared(struct column *col, enum report_verdict v, const struct outcome *o,
                         const struct tvars *vars) {
  if (col->dev == NULL || v != REPORT_MISMATCH) return;
  struct judgement j;
  outcome_judge(o, col->dev->upstream, vars, &j);
  if (j.verdict != REPORT_MATCH) {
    col->dev_missed = true;
    append(col->dev_detail, sizeof col->dev_detail, "; ", j.detail != NULL ? j.detail : "?");
  }
  judgement_free(&j);
}

void run_all_columns(struct ctx *c, enum report_verdict v, const char *detail) {
  for (size_t i = 0; i < c->n_cols; i++) {
    struct column *col = &c->cols[i];
    if (col->skip != NULL) continue;
    if (!col->used || severity(v) > severity(col->verdict)) col->verdict = v;
    if (col->dev != NULL && v == REPORT_MISMATCH) { /* no declaration says so */
      col->dev_missed = true;
      append(col->dev_detail, sizeof col->dev_detail, "; ", detail);
    }
    if (!col->used) {
      fmt_bounded(col->expected, sizeof col->expected, "(not run)");
      fmt_bounded(col->actual, sizeof col->actual, "error");
    }
    append(col->detail, sizeof col->detail, "; ", detail);
    col->used = true;
  }
}

void run_stderr_tail(const char *path, const char *what, char *out, size_t outlen) {
  char tail[TAIL_BYTES + 1];
  proc_file_tail(path, TAIL_BYTES, tail, sizeof tail);
  size_t n = strlen(tail);
  while (n > 0 && tail[n - 1] == '\n') tail[--n] = '\0';
  if (n > 0)
    fmt_bounded(out, outlen, "%s stderr: %s", what, tail);
  else
    fmt_bounded(out, outlen, "%s stderr: (empty)", what);
}

bool run_set_int(struct tvars *t, const char *name, long long v) {
  char buf[32];
  fmt_bounded(buf, sizeof buf, "%lld", v);
  return tvars_set(t, name, buf);
}

bool run_start_program(struct ctx *c, const char *tmpl, const struct tvars *vars, struct proc *p,
                       const char *out, const char *err_path, char *detail, size_t detail_len) {
  char **argv;
  char err[512];
  if (!template_expand(tmpl, vars, &argv, err, sizeof err)) {
    fmt_bounded(detail, detail_len, "command template: %s", err);
    return false;
  }
  /* For the report, as a shell would read it back. */
  size_t at = 0;
  c->last_command[0] = '\0';
  for (char **a = argv; *a != NULL && at + 4 < sizeof c->last_command; a++) {
    bool plain = **a != '\0' && strspn(*a,
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_./:=,@+%") == strlen(*a);
    int n = snprintf(c->last_command + at, sizeof c->last_command - at, "%s%s%s%s",
                     at > 0 ? " " : "", plain ? "" : "'", *a, plain ? "" : "'");
    if (n < 0) break;
    at += (size_t)n < sizeof c->last_command - at ? (size_t)n : sizeof c->last_command - at - 1;
  }
  if (c->cfg->log != NULL) {
    fprintf(c->cfg->log, "  [%s] $", c->s->id);
    for (char **a = argv; *a != NULL; a++) fprintf(c->cfg->log, " %s", *a);
    fputc('\n', c->cfg->log);
  }
  struct proc_spec spec = {
      .argv = (const char *const *)argv, .stdout_path = out, .stderr_path = err_path};
  enum proc_status st = proc_start(p, &spec, err, sizeof err);
  template_argv_free(argv);
  if (st != PROC_OK) {
    fmt_bounded(detail, detail_len, "%s", err);
    return false;
  }
  c->processes++;
  return true;
}

void run_column_transcript(struct column *col, const char *label, const char *text) {
  size_t old = col->transcript != NULL ? strlen(col->transcript) : 0;
  size_t need = old + strlen(label) + strlen(text) + 8;
  char *joined = realloc(col->transcript, need);
  if (joined == NULL) return;
  snprintf(joined + old, need - old, "%s%s:\n%s", old > 0 ? "\n" : "", label, text);
  col->transcript = joined;
}
