/* run_ctx: the state of one scenario run, shared by scenario_run.c (setup,
 * relay and proxy, DERPMap, teardown), run_client.c (client steps) and
 * run_relay.c (relay-level steps). Internal to the runner. */
#ifndef DERPCHECK_RUN_CTX_H
#define DERPCHECK_RUN_CTX_H

#include <jansson.h>
#include <limits.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/proc.h"
#include "harness/report.h"
#include "materials.h"
#include "outcome.h"
#include "scenario_run.h"
#include "template.h"

enum {
  MAX_COLUMNS = COLUMNS_MAX,
  MAX_BACKGROUND = 4,
  STOP_GRACE_MS = 2000,
  TAIL_BYTES = 400,
  REGION_ID = 900,
  MAX_HELD = 4,
};

/* One column of the row being built, merged over the scenario's steps. */
struct column {
  const struct run_column *def;
  const char *name; /* def->name */
  bool used;
  enum report_verdict verdict;
  char expected[1024], actual[1024], detail[2048];
  double ms;
  char judged[64];    /* the profile(s) its steps were judged by */
  char command[1024]; /* its client's command line (the last client step's) */
  char *transcript;   /* its client steps' decoded records (malloc'd), or NULL */
  const char *skip;   /* not run: the capability it lacks */
  char skip_why[512];
  /* The declared deviation governing this cell, and whether a step that
     missed the scenario's expectation missed the declared one too. */
  const struct deviation *dev;
  bool dev_missed;
  char dev_detail[1024];
};

/* A client started in the background, judged after the last step. */
struct bg_client {
  struct proc p;
  char out[PATH_MAX], err[PATH_MAX];
  const json_t *expect;
  struct column *col;
  char label[64];
  int64_t t0;
};

/* One scenario's run: its materials, processes, variables and row. */
struct ctx {
  const struct scenario *s;
  const struct run_config *cfg;
  const struct run_relay *relay_def; /* the relay implementation */
  /* The column this pass runs (NULL: all); relay-level steps run in the
     first pass only. */
  const struct column *pass;
  bool first_pass;
  char tmpdir[DIR_MAX];
  struct materials m;
  bool have_materials;
  struct tvars vars;        /* relay vars + materials + node; clients add theirs */
  struct proc relay, proxy; /* proxy: derpcheck-proxy, or a fixture's nginx/haproxy */
  struct proc relay2;       /* fixtures: the second relay (haproxy's, or the mesh peer) */
  int relay2_port;          /* the mesh peer's, picked before either relay starts */
  char derpmap2[PATH_MAX];  /* the mesh peer as a DERPMap ("relay": 2 client steps) */
  bool relay_started, proxy_started, relay2_started;
  char relay_out[PATH_MAX], relay_err[PATH_MAX], proxy_err[PATH_MAX], relay2_err[PATH_MAX];
  int relay_port, node_port, stun_port;
  /* ports held closed for the scenario (scenario_run.c) */
  struct {
    int fd, type, port; /* type: SOCK_STREAM or SOCK_DGRAM */
    char addr[64];
  } held[MAX_HELD];
  size_t n_held;
  char derpmap[PATH_MAX];
  struct column cols[MAX_COLUMNS];
  size_t n_cols;
  struct bg_client bg[MAX_BACKGROUND];
  size_t n_bg;
  SSL_CTX *peer_ctx;
  char last_command[1024]; /* run_start_program's last command line, quoted */
  /* for the floor */
  double relay_start_ms;
  int processes, handshakes;
};

struct column *run_column_named(struct ctx *c, const char *name);
/* Merge one step's judgement into a column. */
void run_column_add(struct ctx *c, struct column *col, const char *label, enum report_verdict v,
                    const char *expected, const char *actual, const char *detail, double ms);
/* A step judged `v` against the scenario: check the outcome against the
   column's declared upstream behaviour too, when it has one. */
void run_column_declared(struct column *col, enum report_verdict v, const struct outcome *o,
                         const struct tvars *vars);
/* Append a step's decoded transcript to the column's, under its label. */
void run_column_transcript(struct column *col, const char *label, const char *text);
/* Every column becomes at least as bad as v (setup failures, a relay that
   died). */
void run_all_columns(struct ctx *c, enum report_verdict v, const char *detail);
/* "<what> stderr: <last lines>" of a captured stderr file. */
void run_stderr_tail(const char *path, const char *what, char *out, size_t outlen);
bool run_set_int(struct tvars *t, const char *name, long long v);
/* Expand a template and start it, output to files. */
bool run_start_program(struct ctx *c, const char *tmpl, const struct tvars *vars, struct proc *p,
                       const char *out, const char *err_path, char *detail, size_t detail_len);
/* A free port on addr (SOCK_STREAM or SOCK_DGRAM): bound to 0, read, let
   go; -1 on failure. */
int run_free_port(const char *addr, int sock_type);
/* "host:port", "[v6]:port". */
void run_host_port(const char *host, int port, char *out, size_t outlen);
/* {mesh_args} of a relay whose mesh peer listens on peer_port. */
bool run_mesh_args(struct ctx *c, struct tvars *t, int peer_port);
/* CertName from the relay's printed DERPMap snippet (spec §1.5 line 2). */
char *run_certname_from_snippet(struct ctx *c, char *detail, size_t len);

/* Steps. */
void run_client_step(struct ctx *c, size_t idx, const struct scenario_client_step *cs);
void run_join_background(struct ctx *c);
void run_relay_step(struct ctx *c, size_t idx, const struct scenario_step *st);

#endif
