#include "jobs.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/proc.h"
#include "remove_tree.h"

/* A worker's row, as written to its result file. */
static bool write_partial(const struct report *r, const char *path) {
  json_t *cells = json_array();
  for (size_t i = 0; i < r->n_cells; i++) {
    const struct report_cell *c = &r->cells[i];
    json_array_append_new(
        cells, json_pack("{s:s, s:s?, s:i, s:s?, s:s?, s:s?, s:s?, s:s?, s:f, s:s?, s:s?}",
                         "column", c->column, "profile", c->profile, "verdict", (int)c->verdict,
                         "expected", c->expected, "actual", c->actual, "detail", c->detail,
                         "deviation", c->deviation, "stale", c->stale, "ms", c->ms, "command",
                         c->command, "transcript", c->transcript));
  }
  const struct report_row *row = r->n_rows > 0 ? &r->rows[0] : NULL;
  json_t *doc = json_pack("{s:f, s:f, s:o}", "ms", row ? row->ms : 0.0, "floor_ms",
                          row ? row->floor_ms : 0.0, "cells", cells);
  bool ok = doc != NULL && json_dump_file(doc, path, 0) == 0;
  json_decref(doc);
  return ok;
}

/* Merge a worker's row; when there is none (the worker died), every column
   of the scenario becomes an error cell. */
static void merge_partial(const struct job *job, const char *path, const struct run_config *cfg,
                          const char *death, struct report *out) {
  const struct scenario *s = job->s;
  struct report_row row = {(char *)s->id,
                           (char *)job->relay->name,
                           (char *)s->description,
                           0,
                           0,
                           (char *)js_str(s->doc, "spec", NULL)};
  json_t *doc = json_load_file(path, 0, NULL);
  const json_t *cells = json_object_get(doc, "cells");
  if (doc == NULL || !json_is_array(cells)) {
    report_add_row(out, &row);
    const struct run_column *cols[COLUMNS_MAX];
    size_t n = run_columns_of(s, cfg, cols);
    for (size_t i = 0; i < n; i++) {
      struct report_cell c = {.scenario = row.id,
                              .relay = row.relay,
                              .column = (char *)cols[i]->name,
                              .profile = (char *)cols[i]->profile,
                              .verdict = REPORT_ERROR,
                              .detail = (char *)death};
      report_add_cell(out, &c);
    }
    json_decref(doc);
    return;
  }
  row.ms = json_real_value(json_object_get(doc, "ms"));
  row.floor_ms = json_real_value(json_object_get(doc, "floor_ms"));
  if (json_array_size(cells) > 0) report_add_row(out, &row);
  size_t i;
  json_t *c;
  json_array_foreach(cells, i, c) {
    long long v = js_int(c, "verdict", REPORT_ERROR);
    if (v < REPORT_MATCH || v >= REPORT_VERDICT_COUNT) v = REPORT_ERROR;
    struct report_cell cell = {.scenario = row.id,
                               .relay = row.relay,
                               .column = (char *)js_str(c, "column", "?"),
                               .profile = (char *)js_str(c, "profile", NULL),
                               .verdict = (enum report_verdict)v,
                               .expected = (char *)js_str(c, "expected", NULL),
                               .actual = (char *)js_str(c, "actual", NULL),
                               .detail = (char *)js_str(c, "detail", NULL),
                               .deviation = (char *)js_str(c, "deviation", NULL),
                               .stale = (char *)js_str(c, "stale", NULL),
                               .ms = json_real_value(json_object_get(c, "ms")),
                               .command = (char *)js_str(c, "command", NULL),
                               .transcript = (char *)js_str(c, "transcript", NULL)};
    report_add_cell(out, &cell);
  }
  json_decref(doc);
}

/* r holds the one job's row. */
static void print_progress(FILE *f, size_t done, size_t total, const struct report *r,
                           const struct job *job, bool by_relay) {
  if (f == NULL) return;
  char label[256];
  snprintf(label, sizeof label, "%s%s%s", job->s->id, by_relay ? " on " : "",
           by_relay ? job->relay->name : "");
  fprintf(f, "[%3zu/%zu] %-44s", done, total, label);
  for (size_t i = 0; i < r->n_cells; i++)
    fprintf(f, " %s%s", report_verdict_mark(r->cells[i].verdict), r->cells[i].column);
  fprintf(f, "  %.0f ms\n", r->n_rows > 0 ? r->rows[0].ms : 0.0);
  fflush(f);
}

struct slot {
  pid_t pid;
  size_t index;
};

static void worker(const struct job *job, const struct run_config *cfg, const char *result,
                   pid_t parent) {
  /* Die with the parent, so an interrupted run leaves nothing behind (each
     relay in turn dies with its worker). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(3);
  struct report r;
  report_init(&r);
  scenario_run(job->s, job->relay, cfg, &r);
  bool ok = write_partial(&r, result);
  report_free(&r);
  exit(ok ? 0 : 4);
}

bool jobs_run(const struct job *list, size_t n, const struct run_config *run_cfg, int jobs,
              struct report *out, FILE *progress) {
  /* One dir for the whole run: workers' results and their scenarios' temp
     dirs, so even a worker that crashed leaves nothing behind. */
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/derpcheck-run-XXXXXX", run_cfg->tmp_root);
  if (mkdtemp(dir) == NULL) {
    fprintf(stderr, "derpcheck: mkdtemp %s: %s\n", dir, strerror(errno));
    return false;
  }
  struct run_config worker_cfg = *run_cfg;
  worker_cfg.tmp_root = dir;
  const struct run_config *cfg = &worker_cfg;
  if (jobs < 1) jobs = 1;
  struct slot *slots = calloc((size_t)jobs, sizeof *slots);
  /* Rows are merged in scenario order once all are in, so reports do not
     depend on which worker finished first. */
  struct report *rows = calloc(n + 1, sizeof *rows);
  if (slots == NULL || rows == NULL) {
    free(slots);
    free(rows);
    remove_tree(dir);
    return false;
  }
  size_t next = 0, done = 0, running = 0;
  fflush(NULL); /* no buffered output duplicated into workers */
  while (done < n) {
    while (running < (size_t)jobs && next < n) {
      char result[PATH_MAX + 32];
      snprintf(result, sizeof result, "%s/%zu.json", dir, next);
      pid_t parent = getpid();
      pid_t pid = fork();
      if (pid == 0) worker(&list[next], cfg, result, parent);
      size_t k = 0;
      while (slots[k].pid != 0) k++;
      if (pid < 0) { /* cannot fork: record as an error row */
        report_init(&rows[next]);
        merge_partial(&list[next], "/nonexistent", cfg, "fork failed", &rows[next]);
        print_progress(progress, ++done, n, &rows[next], &list[next], out->by_relay);
        next++;
        continue;
      }
      slots[k] = (struct slot){pid, next++};
      running++;
    }
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    size_t k = 0;
    while (k < (size_t)jobs && slots[k].pid != pid) k++;
    if (k == (size_t)jobs) continue; /* not a worker */
    size_t idx = slots[k].index;
    slots[k].pid = 0;
    running--;
    char result[PATH_MAX + 32], death[128];
    snprintf(result, sizeof result, "%s/%zu.json", dir, idx);
    if (WIFSIGNALED(status))
      snprintf(death, sizeof death, "runner worker killed by signal %d", WTERMSIG(status));
    else
      snprintf(death, sizeof death, "runner worker exited with status %d", WEXITSTATUS(status));
    report_init(&rows[idx]);
    merge_partial(&list[idx], result, cfg, death, &rows[idx]);
    unlink(result);
    print_progress(progress, ++done, n, &rows[idx], &list[idx], out->by_relay);
  }
  for (size_t i = 0; i < n; i++) {
    struct report *r = &rows[i];
    for (size_t k = 0; k < r->n_rows; k++) report_add_row(out, &r->rows[k]);
    for (size_t k = 0; k < r->n_cells; k++) report_add_cell(out, &r->cells[k]);
    report_free(r);
  }
  free(rows);
  free(slots);
  if (cfg->keep)
    fprintf(stderr, "derpcheck: kept %s\n", dir);
  else
    remove_tree(dir);
  return true;
}
