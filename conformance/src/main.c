/* derpcheck: the conformance runner's command line (list, run). */
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "harness/proc.h"
#include "harness/report.h"
#include "jobs.h"
#include "scenario.h"
#include "scenario_run.h"
#include "template.h"

/* Paths compiled in by conformance/CMakeLists.txt. */
#ifndef DERPCHECK_SCENARIO_DIR
#define DERPCHECK_SCENARIO_DIR "conformance/scenarios"
#endif
#ifndef DERPCHECK_ADAPTERS_DIR
#define DERPCHECK_ADAPTERS_DIR "conformance/adapters"
#endif
#ifndef DERPCHECK_PROXY_BIN
#define DERPCHECK_PROXY_BIN "derpcheck-proxy"
#endif
#ifndef DERPCHECK_RELAY_BIN
#define DERPCHECK_RELAY_BIN "derp-relay"
#endif
#ifndef DERPCHECK_CLIENT_BIN
#define DERPCHECK_CLIENT_BIN "derp-client"
#endif

#define DEFAULT_RELAY_CMD                                                      \
  "{relay_bin} -a {listen} --hostname {hostname} --certmode manual "           \
  "--certdir {certdir} -c {keyfile} --metacert={metacert} "                    \
  "--tls-min {tls_min} --tls-max {tls_max} --stun-port {stun_port} "           \
  "--ready-file {ready_file}"
#define DEFAULT_CLIENT_CMD                                                     \
  "{client_bin} {mode} --derpmap {derpmap} --region {region} "                 \
  "--profile {profile} --json {mode_args}"
#define OPENSSL_RELAY_CMD                                                      \
  "{adapters}/openssl-relay.sh --listen {listen} --cert {certfile} "           \
  "--key {certkey} --metacert {metacert} --metacert-file {metacert_file} "     \
  "--tls-min {tls_min} --tls-max {tls_max} --ready-file {ready_file} "         \
  "--tmpdir {tmpdir}"
#define OPENSSL_CLIENT_CMD                                                     \
  "{adapters}/openssl-client.sh --mode {mode} --profile {profile} "            \
  "--dial {dial} --hostname {node_host} --certname {certname} "                \
  "--ca-file {ca_file}"

static const char usage_text[] =
    "usage: derpcheck list [--scenarios DIR] [--filter GLOB] [--layer L]\n"
    "       derpcheck run [options]\n"
    "\n"
    "Conformance runner for DERP relays and clients: runs each scenario\n"
    "(conformance/scenarios/<name>.json) against real processes on loopback and\n"
    "prints a matrix of scenario x profile, expected vs actual.\n"
    "\n"
    "selection:\n"
    "  --filter GLOB[,GLOB...]  scenarios whose id matches (fnmatch), e.g.\n"
    "                           'pin::*' (default: all)\n"
    "  --profile P[,P...]       matrix columns to run: tailscale-1.82,\n"
    "                           tailscale-1.84, current, debug-legacy, relay\n"
    "                           (repeatable; default: all)\n"
    "  --layer tls|derp|all     scenarios of a layer (default: all)\n"
    "  --scenarios DIR          scenario directory (default: %s)\n"
    "\n"
    "implementations under test (templates: see conformance/README.md):\n"
    "  --relay-cmd TEMPLATE     relay command (default: the reference relay:\n"
    "                           %s)\n"
    "  --client-cmd TEMPLATE    client command (default: the reference client:\n"
    "                           %s)\n"
    "  --relay-bin PATH         {relay_bin} (default: %s)\n"
    "  --client-bin PATH        {client_bin} (default: %s)\n"
    "  --openssl                openssl s_server/s_client adapters for the TLS\n"
    "                           layer (= --layer tls --profile current,relay and\n"
    "                           the adapter templates)\n"
    "  --adapters DIR           {adapters} (default: %s)\n"
    "  --proxy-bin PATH         metacert-stripping TLS proxy (default: %s)\n"
    "\n"
    "running:\n"
    "  --jobs N                 scenarios in parallel (default: 1)\n"
    "  --seed N                 seed for certificates and keys (default: 1)\n"
    "  --keep                   keep each scenario's temp dir (printed)\n"
    "  --tls-only               the relay is a plain TLS peer (e.g. an openssl\n"
    "                           s_server --relay-cmd): the reference client's\n"
    "                           connect steps stop after the certificate check\n"
    "  --tmpdir DIR             where temp dirs go (default: $TMPDIR or /tmp)\n"
    "  --ready-timeout MS       relay/proxy/background client readiness\n"
    "                           deadline (default: 10000)\n"
    "  --client-timeout MS      a client's deadline to exit (default: 20000)\n"
    "  -v, --verbose            print commands as they start\n"
    "\n"
    "reports:\n"
    "  --json FILE              the matrix as JSON\n"
    "  --junit FILE             the matrix as JUnit XML (one testcase per cell)\n"
    "  -q, --quiet              no progress lines\n"
    "\n"
    "exit status: 0 every cell matches; 1 a cell mismatched or errored, or\n"
    "no scenario was selected; 2 usage or scenario file error.\n";

static void usage(FILE *f) {
  fprintf(f, usage_text, DERPCHECK_SCENARIO_DIR, DEFAULT_RELAY_CMD,
          DEFAULT_CLIENT_CMD, DERPCHECK_RELAY_BIN, DERPCHECK_CLIENT_BIN,
          DERPCHECK_ADAPTERS_DIR, DERPCHECK_PROXY_BIN);
}

struct options {
  const char *command;
  char filter[1024];
  const char *profiles[16];
  size_t n_profiles;
  char profile_buf[1024];
  const char *layer;
  const char *scenarios;
  const char *relay_cmd, *client_cmd, *relay_bin, *client_bin;
  const char *adapters, *proxy_bin, *tmpdir;
  const char *json, *junit;
  bool openssl, keep, verbose, quiet, tls_only;
  int jobs, ready_timeout, client_timeout;
  unsigned long long seed;
};

static bool parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool known_column(const char *p) {
  for (const char *const *k = scenario_client_profiles; *k != NULL; k++)
    if (strcmp(*k, p) == 0) return true;
  return strcmp(p, SCENARIO_RELAY_COLUMN) == 0;
}

/* Split a comma list into o->profiles (in o->profile_buf). */
static bool add_profiles(struct options *o, const char *list) {
  size_t used = strlen(o->profile_buf);
  if (used + strlen(list) + 2 > sizeof o->profile_buf) return false;
  char *dst = o->profile_buf + used + (used ? 1 : 0);
  strcpy(dst, list);
  for (char *tok = strtok(dst, ","); tok != NULL; tok = strtok(NULL, ",")) {
    if (!known_column(tok)) {
      fprintf(stderr, "derpcheck: unknown profile '%s' (known: "
                      "tailscale-1.82, tailscale-1.84, current, "
                      "debug-legacy, relay)\n", tok);
      return false;
    }
    if (o->n_profiles + 1 >= sizeof o->profiles / sizeof o->profiles[0])
      return false;
    o->profiles[o->n_profiles++] = tok;
  }
  return true;
}

static int parse_args(int argc, char **argv, struct options *o) {
  enum {
    O_FILTER = 256, O_PROFILE, O_LAYER, O_SCEN, O_RELAY_CMD, O_CLIENT_CMD,
    O_RELAY_BIN, O_CLIENT_BIN, O_OPENSSL, O_ADAPTERS, O_PROXY, O_JOBS,
    O_SEED, O_KEEP, O_TLS_ONLY, O_TMPDIR, O_READY, O_CLIENT_T, O_JSON, O_JUNIT,
  };
  static const struct option longopts[] = {
      {"filter", required_argument, NULL, O_FILTER},
      {"profile", required_argument, NULL, O_PROFILE},
      {"layer", required_argument, NULL, O_LAYER},
      {"scenarios", required_argument, NULL, O_SCEN},
      {"relay-cmd", required_argument, NULL, O_RELAY_CMD},
      {"client-cmd", required_argument, NULL, O_CLIENT_CMD},
      {"relay-bin", required_argument, NULL, O_RELAY_BIN},
      {"client-bin", required_argument, NULL, O_CLIENT_BIN},
      {"openssl", no_argument, NULL, O_OPENSSL},
      {"adapters", required_argument, NULL, O_ADAPTERS},
      {"proxy-bin", required_argument, NULL, O_PROXY},
      {"jobs", required_argument, NULL, O_JOBS},
      {"seed", required_argument, NULL, O_SEED},
      {"keep", no_argument, NULL, O_KEEP},
      {"tls-only", no_argument, NULL, O_TLS_ONLY},
      {"tmpdir", required_argument, NULL, O_TMPDIR},
      {"ready-timeout", required_argument, NULL, O_READY},
      {"client-timeout", required_argument, NULL, O_CLIENT_T},
      {"json", required_argument, NULL, O_JSON},
      {"junit", required_argument, NULL, O_JUNIT},
      {"verbose", no_argument, NULL, 'v'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  long v;
  while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
    switch (c) {
    case O_FILTER:
      if (strlen(o->filter) + strlen(optarg) + 2 > sizeof o->filter) return 2;
      if (o->filter[0] != '\0') strcat(o->filter, ",");
      strcat(o->filter, optarg);
      break;
    case O_PROFILE:
      if (!add_profiles(o, optarg)) return 2;
      break;
    case O_LAYER:
      if (strcmp(optarg, "tls") && strcmp(optarg, "derp") &&
          strcmp(optarg, "all")) {
        fprintf(stderr, "derpcheck: --layer takes tls, derp or all\n");
        return 2;
      }
      o->layer = optarg;
      break;
    case O_SCEN: o->scenarios = optarg; break;
    case O_RELAY_CMD: o->relay_cmd = optarg; break;
    case O_CLIENT_CMD: o->client_cmd = optarg; break;
    case O_RELAY_BIN: o->relay_bin = optarg; break;
    case O_CLIENT_BIN: o->client_bin = optarg; break;
    case O_OPENSSL: o->openssl = true; break;
    case O_ADAPTERS: o->adapters = optarg; break;
    case O_PROXY: o->proxy_bin = optarg; break;
    case O_KEEP: o->keep = true; break;
    case O_TLS_ONLY: o->tls_only = true; break;
    case O_TMPDIR: o->tmpdir = optarg; break;
    case O_JSON: o->json = optarg; break;
    case O_JUNIT: o->junit = optarg; break;
    case 'v': o->verbose = true; break;
    case 'q': o->quiet = true; break;
    case 'h': usage(stdout); exit(0);
    case O_JOBS:
    case O_READY:
    case O_CLIENT_T:
      if (!parse_int(optarg, c == O_JOBS ? 1 : 100, c == O_JOBS ? 64 : 600000,
                     &v)) {
        fprintf(stderr, "derpcheck: bad number '%s'\n", optarg);
        return 2;
      }
      if (c == O_JOBS) o->jobs = (int)v;
      else if (c == O_READY) o->ready_timeout = (int)v;
      else o->client_timeout = (int)v;
      break;
    case O_SEED: {
      char *end;
      o->seed = strtoull(optarg, &end, 0);
      if (*optarg == '\0' || *end != '\0') {
        fprintf(stderr, "derpcheck: bad seed '%s'\n", optarg);
        return 2;
      }
      break;
    }
    default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  o->command = argv[optind];
  if (optind + 1 < argc) {
    fprintf(stderr, "derpcheck: unexpected argument '%s'\n", argv[optind + 1]);
    return 2;
  }
  if (strcmp(o->command, "list") && strcmp(o->command, "run")) {
    fprintf(stderr, "derpcheck: unknown command '%s' (list, run)\n",
            o->command);
    return 2;
  }
  if (o->openssl) {
    if (o->relay_cmd == NULL) o->relay_cmd = OPENSSL_RELAY_CMD;
    if (o->client_cmd == NULL) o->client_cmd = OPENSSL_CLIENT_CMD;
    if (o->layer == NULL) o->layer = "tls";
    if (o->n_profiles == 0 && !add_profiles(o, "current,relay")) return 2;
  }
  return 0;
}

static bool selected(const struct scenario *s, const struct options *o) {
  if (o->layer != NULL && strcmp(o->layer, "all") != 0 &&
      strcmp(o->layer, s->layer) != 0)
    return false;
  if (o->filter[0] == '\0') return true;
  char buf[sizeof o->filter];
  strcpy(buf, o->filter);
  char *save;
  for (char *g = strtok_r(buf, ",", &save); g != NULL;
       g = strtok_r(NULL, ",", &save))
    if (fnmatch(g, s->id, 0) == 0) return true;
  return false;
}

static bool write_report(const char *path, const struct report *r,
                         bool (*fn)(const struct report *, FILE *)) {
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    perror(path);
    return false;
  }
  bool ok = fn(r, f);
  if (fclose(f) != 0) ok = false;
  if (!ok) fprintf(stderr, "derpcheck: writing %s failed\n", path);
  return ok;
}

/* Expand a template with every placeholder the runner provides, so a typo
   is a usage error before anything runs. */
static bool template_check(const char *tmpl, bool client, char *err,
                           size_t errlen) {
  static const char *const common[] = {
      "relay_bin", "client_bin", "addr", "port", "hostname", "adapters",
      "tmpdir", "server_key", "relay_port", NULL};
  static const char *const relay[] = {
      "listen", "certdir", "certfile", "certkey", "metacert_file", "keyfile",
      "ready_file", "metacert", "tls_min", "tls_max", "stun_port",
      "verify_clients_file", NULL};
  static const char *const clientv[] = {
      "derpmap", "region", "profile", "mode", "peer_key", "ca_file",
      "packet_hex", "client_keyfile", "ready_file", "timeout_ms", "node_host",
      "dial_addr", "dial_port", "dial", "certname", NULL};
  struct tvars t;
  tvars_init(&t);
  for (const char *const *k = common; *k != NULL; k++) tvars_set(&t, *k, "x");
  for (const char *const *k = client ? clientv : relay; *k != NULL; k++)
    tvars_set(&t, *k, "x");
  if (client) tvars_set_list(&t, "mode_args", NULL, 0);
  char **argv;
  bool ok = template_expand(tmpl, &t, &argv, err, errlen);
  if (ok) template_argv_free(argv);
  tvars_free(&t);
  return ok;
}

static int cmd_list(struct scenario *const *sel, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const struct scenario *s = sel[i];
    printf("%-44s %-4s ", s->id, s->layer);
    for (size_t k = 0; k < s->n_columns; k++)
      printf("%s%s", k ? "," : "", s->columns[k]);
    printf("\n    %s\n", s->description);
  }
  printf("%zu scenarios\n", n);
  return 0;
}

static int cmd_run(struct scenario *const *sel, size_t n, struct options *o) {
  if (n == 0) {
    fprintf(stderr, "derpcheck: no scenario selected\n");
    return 1;
  }
  const char *relay_cmd = o->relay_cmd ? o->relay_cmd : DEFAULT_RELAY_CMD;
  const char *client_cmd = o->client_cmd ? o->client_cmd : DEFAULT_CLIENT_CMD;
  char err[256];
  if (!template_check(relay_cmd, false, err, sizeof err) ||
      !template_check(client_cmd, true, err, sizeof err)) {
    fprintf(stderr, "derpcheck: command template: %s\n", err);
    return 2;
  }
  const char *tmp = o->tmpdir ? o->tmpdir
                              : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  o->profiles[o->n_profiles] = NULL;
  struct run_config cfg = {
      .relay_cmd = relay_cmd,
      .client_cmd = client_cmd,
      .relay_bin = o->relay_bin ? o->relay_bin : DERPCHECK_RELAY_BIN,
      .client_bin = o->client_bin ? o->client_bin : DERPCHECK_CLIENT_BIN,
      .proxy_bin = o->proxy_bin ? o->proxy_bin : DERPCHECK_PROXY_BIN,
      .adapters_dir = o->adapters ? o->adapters : DERPCHECK_ADAPTERS_DIR,
      .tmp_root = tmp,
      .keep = o->keep,
      .tls_only = o->tls_only,
      .seed = o->seed,
      .profiles = o->n_profiles ? o->profiles : NULL,
      .ready_timeout_ms = o->ready_timeout,
      .client_timeout_ms = o->client_timeout,
      .log = o->verbose || o->keep ? stderr : NULL,
  };
  cfg.proc_floor_ms = floor_process_ms();
  cfg.tls_floor_ms = floor_tls_ms(o->seed);
  struct report r;
  report_init(&r);
  r.jobs = o->jobs;
  r.seed = o->seed;
  /* Columns in a fixed order: the profiles, then relay; only those some
     selected scenario fills. */
  static const char *const order[] = {"tailscale-1.82", "tailscale-1.84",
                                      "current", "debug-legacy",
                                      SCENARIO_RELAY_COLUMN, NULL};
  for (const char *const *p = order; *p != NULL; p++) {
    bool used = false;
    for (size_t i = 0; i < n && !used; i++)
      for (size_t k = 0; k < sel[i]->n_columns; k++)
        used = used || strcmp(sel[i]->columns[k], *p) == 0;
    if (used && run_config_selects(&cfg, *p)) report_add_column(&r, *p);
  }
  int64_t t0 = proc_now_ns();
  bool ok = jobs_run((const struct scenario *const *)sel, n, &cfg, o->jobs, &r,
                     o->quiet ? NULL : stderr);
  r.wall_ms = (double)(proc_now_ns() - t0) / 1e6;
  if (!o->quiet) putchar('\n');
  report_write_matrix(&r, stdout);
  printf("floor: process start %.2f ms, TLS handshake %.2f ms (this "
         "machine)\n",
         cfg.proc_floor_ms, cfg.tls_floor_ms);
  if (o->json != NULL) ok = write_report(o->json, &r, report_write_json) && ok;
  if (o->junit != NULL)
    ok = write_report(o->junit, &r, report_write_junit) && ok;
  int rc = ok && report_all_match(&r) ? 0 : 1;
  report_free(&r);
  return rc;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a relay that resets is an observation */
  struct options o = {.jobs = 1, .seed = 1, .ready_timeout = 10000,
                      .client_timeout = 20000};
  int rc = parse_args(argc, argv, &o);
  if (rc != 0) return rc;
  const char *dir = o.scenarios ? o.scenarios : DERPCHECK_SCENARIO_DIR;
  struct scenario *all;
  size_t n_all;
  char err[1024];
  if (!scenario_load_dir(dir, &all, &n_all, err, sizeof err)) {
    fprintf(stderr, "derpcheck: %s\n", err);
    return 2;
  }
  struct scenario **sel = calloc(n_all + 1, sizeof *sel);
  size_t n = 0;
  for (size_t i = 0; sel != NULL && i < n_all; i++) {
    /* a scenario none of whose columns is selected has nothing to run */
    bool any = o.n_profiles == 0;
    for (size_t k = 0; !any && k < all[i].n_columns; k++)
      for (size_t p = 0; p < o.n_profiles; p++)
        any = any || strcmp(all[i].columns[k], o.profiles[p]) == 0;
    if (any && selected(&all[i], &o)) sel[n++] = &all[i];
  }
  if (sel == NULL) rc = 2;
  else if (strcmp(o.command, "list") == 0) rc = cmd_list(sel, n);
  else rc = cmd_run(sel, n, &o);
  free(sel);
  scenario_free_all(all, n_all);
  return rc;
}
