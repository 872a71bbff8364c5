/* derpcheck: the conformance runner's command line (list, run, diff). */
#include <fnmatch.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unistd.h>

#include "columns.h"
#include "expectations.h"
#include "flaky.h"
#include "floor.h"
#include "harness/proc.h"
#include "harness/report.h"
#include "jobs.h"
#include "peers.h"
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
#ifndef DERPCHECK_PEERS_FILE
#define DERPCHECK_PEERS_FILE "conformance/peers/peers.json"
#endif
#ifndef DERPCHECK_PEERS_DIR
#define DERPCHECK_PEERS_DIR "peers"
#endif
#ifndef DERPCHECK_PEERS_BUILD
#define DERPCHECK_PEERS_BUILD "conformance/peers/build.sh"
#endif
#ifndef DERPCHECK_EXPECTATIONS_DIR
#define DERPCHECK_EXPECTATIONS_DIR "conformance/expectations"
#endif

#define DEFAULT_RELAY_CMD                                            \
  "{relay_bin} -a {listen} --hostname {hostname} --certmode manual " \
  "--certdir {certdir} -c {keyfile} --metacert={metacert} "          \
  "--tls-min {tls_min} --tls-max {tls_max} --stun-port {stun_port} " \
  "{verify_clients_args} {mesh_args} {rate_args} --ready-file {ready_file}"
/* Registry relays (peers.json) take the reference relay's flags without the
   harness knobs; what they cannot serve is declared "unsupported". */
#define REGISTRY_RELAY_CMD                                           \
  "{relay_bin} -a {listen} --hostname {hostname} --certmode manual " \
  "--certdir {certdir} -c {keyfile} --stun-port {stun_port} "        \
  "{verify_clients_args} {mesh_args} {rate_args} --ready-file {ready_file}"
#define DEFAULT_CLIENT_CMD                                     \
  "{client_bin} {mode} --derpmap {derpmap} --region {region} " \
  "--profile {profile} --json {mode_args}"
#define OPENSSL_RELAY_CMD                                                  \
  "{adapters}/openssl-relay.sh --listen {listen} --cert {certfile} "       \
  "--key {certkey} --metacert {metacert} --metacert-file {metacert_file} " \
  "--tls-min {tls_min} --tls-max {tls_max} --ready-file {ready_file} "     \
  "--tmpdir {tmpdir}"
#define OPENSSL_CLIENT_CMD                                          \
  "{adapters}/openssl-client.sh --mode {mode} --profile {profile} " \
  "--dial {dial} --hostname {node_host} --certname {certname} "     \
  "--ca-file {ca_file}"

static const char usage_text[] =
    "usage: derpcheck list [--scenarios DIR] [--filter GLOB] [--layer L]\n"
    "       derpcheck run [options]\n"
    "       derpcheck diff OLD.json NEW.json   cells that changed between two\n"
    "                                          --json reports; exit 1 if worse\n"
    "\n"
    "Conformance runner for DERP relays and clients: runs each scenario\n"
    "(conformance/scenarios/<name>.json) against real processes on loopback and\n"
    "prints a matrix of scenario x column, expected vs actual, per relay.\n"
    "\n"
    "selection:\n"
    "  --filter GLOB[,GLOB...]  scenarios whose id matches (fnmatch), e.g.\n"
    "                           'pin::*' (default: all)\n"
    "  --profile P[,P...]       reference client columns to run (repeatable;\n"
    "                           default: all, or none with --client):\n"
    "                           %s, relay\n"
    "  --client NAME[@VERSION][,...]  real client columns from the peers\n"
    "                           registry, e.g. tailscale@v1.82.5; NAME or\n"
    "                           NAME@all: every version (repeatable). Each is\n"
    "                           judged by the profile the registry maps it to\n"
    "  --relay NAME[@VERSION][,...]  run every scenario once per relay:\n"
    "                           reference (the default: --relay-cmd), or a\n"
    "                           registry relay, e.g. derper@v1.102.5\n"
    "                           (repeatable)\n"
    "  --layer tls|derp|all     scenarios of a layer (default: all)\n"
    "  --scenarios DIR          scenario directory (default: %s)\n"
    "\n"
    "implementations under test (templates: see conformance/README.md):\n"
    "  --relay-cmd TEMPLATE     relay command (default: the reference relay:\n"
    "                           %s)\n"
    "  --client-cmd TEMPLATE    client command of the reference client columns\n"
    "                           (default: %s)\n"
    "  --relay-bin PATH         {relay_bin} (default: %s)\n"
    "  --client-bin PATH        {client_bin} (default: %s)\n"
    "  --openssl                openssl s_server/s_client adapters for the TLS\n"
    "                           layer (= --layer tls --profile current,relay and\n"
    "                           the adapter templates)\n"
    "  --adapters DIR           {adapters} (default: %s)\n"
    "  --proxy-bin PATH         metacert-stripping TLS proxy (default: %s)\n"
    "\n"
    "real peers and declared deviations:\n"
    "  --peers FILE             peers registry (default: %s)\n"
    "  --peers-dir DIR          where the peer binaries are, as\n"
    "                           conformance/peers/build.sh --out DIR builds\n"
    "                           them (default: %s)\n"
    "  --expectations DIR       declared upstream deviations,\n"
    "                           <implementation>.json (default: %s)\n"
    "\n"
    "running:\n"
    "  --jobs N                 scenarios in parallel (default: 1)\n"
    "  --seed N                 seed for certificates and keys (default: 1)\n"
    "  --keep                   keep each scenario's temp dir (printed)\n"
    "  --record DIR             keep every connection's bytes after TLS (the\n"
    "                           transcripts' records, per direction) as\n"
    "                           DIR/<relay>/<scenario>/<step>.rec: seeds for the\n"
    "                           fuzz targets (fuzz/gen_corpus.sh --from-records)\n"
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
    "  --html FILE              one self-contained page: the matrix with filters,\n"
    "                           a click on a cell shows expected vs actual, why,\n"
    "                           the command and the transcript\n"
    "  --format text|markdown   the matrix on stdout (markdown: for CI summaries)\n"
    "  --baseline FILE          compare with an earlier --json report as\n"
    "                           `derpcheck diff` does; worse cells fail the run\n"
    "  --repeat N               run every cell N times; cells whose runs\n"
    "                           disagree are flaky and fail the run\n"
    "  -q, --quiet              no progress lines\n"
    "\n"
    "cells: ✓ match, ≈ known deviation (declared in --expectations), ✗\n"
    "mismatch, ! error, - skipped (the relay cannot serve what the scenario\n"
    "needs; the reason is listed), ~ flaky (--repeat).\n"
    "exit status: 0 no mismatch, error, flaky cell or stale declaration (nor a\n"
    "worse cell than --baseline), and some cell\n"
    "ran; 1 otherwise, or no scenario was selected; 2 usage, scenario,\n"
    "registry or declaration file error, or a peer binary is missing.\n";

static void usage(FILE *f) {
  char profiles[256];
  scenario_profile_list(profiles, sizeof profiles);
  fprintf(f, usage_text, profiles, DERPCHECK_SCENARIO_DIR, DEFAULT_RELAY_CMD, DEFAULT_CLIENT_CMD,
          DERPCHECK_RELAY_BIN, DERPCHECK_CLIENT_BIN, DERPCHECK_ADAPTERS_DIR, DERPCHECK_PROXY_BIN,
          DERPCHECK_PEERS_FILE, DERPCHECK_PEERS_DIR, DERPCHECK_EXPECTATIONS_DIR);
}

struct options {
  const char *command;
  char filter[1024];
  const char *profiles[16];
  size_t n_profiles;
  char profile_buf[1024];
  char clients[1024], relays[1024]; /* --client / --relay, comma-joined */
  const char *layer;
  const char *scenarios;
  const char *relay_cmd, *client_cmd, *relay_bin, *client_bin;
  const char *adapters, *proxy_bin, *tmpdir;
  const char *peers_file, *peers_dir, *expectations;
  const char *json, *junit, *html, *baseline, *record;
  bool markdown;
  int repeat;
  const char *diff_old, *diff_new;
  bool openssl, keep, verbose, quiet, tls_only;
  int jobs, ready_timeout, client_timeout;
  unsigned long long seed;
};

/* Append a comma list to a comma-joined buffer. */
static bool append_list(char *buf, size_t cap, const char *list) {
  if (strlen(buf) + strlen(list) + 2 > cap) return false;
  if (buf[0] != '\0') strcat(buf, ",");
  strcat(buf, list);
  return true;
}

static bool parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool known_column(const char *p) {
  return scenario_is_profile(p) || strcmp(p, SCENARIO_RELAY_COLUMN) == 0;
}

/* Split a comma list into o->profiles (in o->profile_buf). */
static bool add_profiles(struct options *o, const char *list) {
  size_t used = strlen(o->profile_buf);
  if (used + strlen(list) + 2 > sizeof o->profile_buf) return false;
  char *dst = o->profile_buf + used + (used ? 1 : 0);
  strcpy(dst, list);
  for (char *tok = strtok(dst, ","); tok != NULL; tok = strtok(NULL, ",")) {
    if (!known_column(tok)) {
      char known[256];
      scenario_profile_list(known, sizeof known);
      fprintf(stderr,
              "derpcheck: unknown profile '%s' (known: %s, relay; "
              "real clients: --client)\n",
              tok, known);
      return false;
    }
    if (o->n_profiles + 1 >= sizeof o->profiles / sizeof o->profiles[0]) return false;
    o->profiles[o->n_profiles++] = tok;
  }
  return true;
}

static int parse_args(int argc, char **argv, struct options *o) {
  enum {
    O_FILTER = 256,
    O_PROFILE,
    O_LAYER,
    O_SCEN,
    O_RELAY_CMD,
    O_CLIENT_CMD,
    O_RELAY_BIN,
    O_CLIENT_BIN,
    O_OPENSSL,
    O_ADAPTERS,
    O_PROXY,
    O_JOBS,
    O_SEED,
    O_KEEP,
    O_RECORD,
    O_TLS_ONLY,
    O_TMPDIR,
    O_READY,
    O_CLIENT_T,
    O_JSON,
    O_JUNIT,
    O_HTML,
    O_FORMAT,
    O_BASELINE,
    O_REPEAT,
    O_CLIENT,
    O_RELAY,
    O_PEERS,
    O_PEERS_DIR,
    O_EXPECT,
  };
  static const struct option longopts[] = {{"filter", required_argument, NULL, O_FILTER},
                                           {"profile", required_argument, NULL, O_PROFILE},
                                           {"client", required_argument, NULL, O_CLIENT},
                                           {"relay", required_argument, NULL, O_RELAY},
                                           {"peers", required_argument, NULL, O_PEERS},
                                           {"peers-dir", required_argument, NULL, O_PEERS_DIR},
                                           {"expectations", required_argument, NULL, O_EXPECT},
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
                                           {"record", required_argument, NULL, O_RECORD},
                                           {"tls-only", no_argument, NULL, O_TLS_ONLY},
                                           {"tmpdir", required_argument, NULL, O_TMPDIR},
                                           {"ready-timeout", required_argument, NULL, O_READY},
                                           {"client-timeout", required_argument, NULL, O_CLIENT_T},
                                           {"json", required_argument, NULL, O_JSON},
                                           {"junit", required_argument, NULL, O_JUNIT},
                                           {"html", required_argument, NULL, O_HTML},
                                           {"format", required_argument, NULL, O_FORMAT},
                                           {"baseline", required_argument, NULL, O_BASELINE},
                                           {"repeat", required_argument, NULL, O_REPEAT},
                                           {"verbose", no_argument, NULL, 'v'},
                                           {"quiet", no_argument, NULL, 'q'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  int c;
  long v;
  while ((c = getopt_long(argc, argv, "vqh", longopts, NULL)) != -1) {
    switch (c) {
      case O_FILTER:
        if (!append_list(o->filter, sizeof o->filter, optarg)) return 2;
        break;
      case O_CLIENT:
        if (!append_list(o->clients, sizeof o->clients, optarg)) return 2;
        break;
      case O_RELAY:
        if (!append_list(o->relays, sizeof o->relays, optarg)) return 2;
        break;
      case O_PEERS: o->peers_file = optarg; break;
      case O_PEERS_DIR: o->peers_dir = optarg; break;
      case O_EXPECT: o->expectations = optarg; break;
      case O_PROFILE:
        if (!add_profiles(o, optarg)) return 2;
        break;
      case O_LAYER:
        if (strcmp(optarg, "tls") && strcmp(optarg, "derp") && strcmp(optarg, "all")) {
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
      case O_RECORD: o->record = optarg; break;
      case O_TLS_ONLY: o->tls_only = true; break;
      case O_TMPDIR: o->tmpdir = optarg; break;
      case O_JSON: o->json = optarg; break;
      case O_JUNIT: o->junit = optarg; break;
      case O_HTML: o->html = optarg; break;
      case O_BASELINE: o->baseline = optarg; break;
      case O_FORMAT:
        if (strcmp(optarg, "text") != 0 && strcmp(optarg, "markdown") != 0) {
          fprintf(stderr, "derpcheck: --format takes text or markdown\n");
          return 2;
        }
        o->markdown = strcmp(optarg, "markdown") == 0;
        break;
      case O_REPEAT:
        if (!parse_int(optarg, 1, 100, &v)) {
          fprintf(stderr, "derpcheck: --repeat takes 1..100, not '%s'\n", optarg);
          return 2;
        }
        o->repeat = (int)v;
        break;
      case 'v': o->verbose = true; break;
      case 'q': o->quiet = true; break;
      case 'h': usage(stdout); exit(0);
      case O_JOBS:
      case O_READY:
      case O_CLIENT_T:
        if (!parse_int(optarg, c == O_JOBS ? 1 : 100, c == O_JOBS ? 64 : 600000, &v)) {
          fprintf(stderr, "derpcheck: bad number '%s'\n", optarg);
          return 2;
        }
        if (c == O_JOBS)
          o->jobs = (int)v;
        else if (c == O_READY)
          o->ready_timeout = (int)v;
        else
          o->client_timeout = (int)v;
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
  if (strcmp(o->command, "diff") == 0) {
    if (argc - optind != 3) {
      fprintf(stderr, "derpcheck: diff takes two reports: derpcheck diff OLD.json NEW.json\n");
      return 2;
    }
    o->diff_old = argv[optind + 1];
    o->diff_new = argv[optind + 2];
    return 0;
  }
  if (optind + 1 < argc) {
    fprintf(stderr, "derpcheck: unexpected argument '%s'\n", argv[optind + 1]);
    return 2;
  }
  if (strcmp(o->command, "list") && strcmp(o->command, "run")) {
    fprintf(stderr, "derpcheck: unknown command '%s' (list, run, diff)\n", o->command);
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
  if (o->layer != NULL && strcmp(o->layer, "all") != 0 && strcmp(o->layer, s->layer) != 0)
    return false;
  if (o->filter[0] == '\0') return true;
  char buf[sizeof o->filter];
  strcpy(buf, o->filter);
  char *save;
  for (char *g = strtok_r(buf, ",", &save); g != NULL; g = strtok_r(NULL, ",", &save))
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
static bool template_check(const char *tmpl, bool client, char *err, size_t errlen) {
  static const char *const common[] = {"relay_bin",  "client_bin", "addr",   "port",
                                       "hostname",   "adapters",   "tmpdir", "server_key",
                                       "relay_port", NULL};
  static const char *const relay[] = {"listen",
                                      "certdir",
                                      "certfile",
                                      "certkey",
                                      "metacert_file",
                                      "keyfile",
                                      "ready_file",
                                      "metacert",
                                      "tls_min",
                                      "tls_max",
                                      "stun_port",
                                      "verify_clients_file",
                                      "verify_clients_args",
                                      "mesh_args",
                                      "rate_args",
                                      NULL};
  static const char *const clientv[] = {
      "derpmap",    "region",         "profile",    "mode",           "peer_key",  "ca_file",
      "packet_hex", "client_keyfile", "ready_file", "timeout_ms",     "node_host", "dial_addr",
      "dial_port",  "dial",           "certname",   "node_stun_port", NULL};
  struct tvars t;
  tvars_init(&t);
  for (const char *const *k = common; *k != NULL; k++) tvars_set(&t, *k, "x");
  for (const char *const *k = client ? clientv : relay; *k != NULL; k++) tvars_set(&t, *k, "x");
  if (client) tvars_set_list(&t, "mode_args", NULL, 0);
  if (!client) tvars_set_list(&t, "verify_clients_args", NULL, 0);
  if (!client) tvars_set_list(&t, "mesh_args", NULL, 0);
  if (!client) tvars_set_list(&t, "rate_args", NULL, 0);
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
    for (size_t k = 0; k < s->n_columns; k++) printf("%s%s", k ? "," : "", s->columns[k]);
    printf("\n    %s\n", s->description);
  }
  printf("%zu scenarios\n", n);
  return 0;
}

enum { MAX_RELAYS = 32 };

/* What a run runs: its columns and relays, the registry and declarations
   they come from. */
struct plan {
  struct peers peers;
  struct expectations expect;
  const struct peer *clients[COLUMNS_MAX];
  size_t n_clients;
  struct run_relay relays[MAX_RELAYS];
  size_t n_relays;
  bool registry_relay; /* some relay is a registry peer */
  struct run_column columns[COLUMNS_MAX];
  size_t n_columns;
};

/* A registry peer's binary must exist: say which and how to build it. */
static bool peer_built(const struct peer *p, const char *peers_dir) {
  if (access(p->binary, X_OK) == 0) return true;
  fprintf(stderr,
          "derpcheck: %s: %s is missing (not built?); build it with:\n"
          "  %s --out %s %s\n",
          p->name, p->binary, DERPCHECK_PEERS_BUILD, peers_dir, p->version);
  return false;
}

/* --client / --relay specs against the registry; 0 or an exit status. */
static int plan_peers(const struct options *o, const char *peers_dir, struct plan *pl) {
  bool *chosen_c = calloc(pl->peers.n_clients + 1, sizeof *chosen_c);
  bool *chosen_r = calloc(pl->peers.n_relays + 1, sizeof *chosen_r);
  char specs[1024], err[1024];
  int rc = chosen_c != NULL && chosen_r != NULL ? 0 : 2;
  bool reference = o->relays[0] == '\0';
  snprintf(specs, sizeof specs, "%s", o->clients);
  char *save;
  for (char *t = strtok_r(specs, ",", &save); rc == 0 && t != NULL;
       t = strtok_r(NULL, ",", &save)) {
    if (!peers_select(pl->peers.clients, pl->peers.n_clients, t, chosen_c, err, sizeof err)) {
      fprintf(stderr, "derpcheck: --client: %s\n", err);
      rc = 2;
    }
  }
  snprintf(specs, sizeof specs, "%s", o->relays);
  for (char *t = strtok_r(specs, ",", &save); rc == 0 && t != NULL;
       t = strtok_r(NULL, ",", &save)) {
    if (strcmp(t, "reference") == 0) {
      reference = true;
    } else if (!peers_select(pl->peers.relays, pl->peers.n_relays, t, chosen_r, err, sizeof err)) {
      fprintf(stderr, "derpcheck: --relay: %s (or reference)\n", err);
      rc = 2;
    }
  }
  for (size_t i = 0; rc == 0 && i < pl->peers.n_clients; i++) {
    if (!chosen_c[i]) continue;
    if (pl->n_clients == COLUMNS_MAX) {
      fprintf(stderr, "derpcheck: --client: at most %d clients\n", COLUMNS_MAX);
      rc = 2;
    } else if (!peer_built(&pl->peers.clients[i], peers_dir)) {
      rc = 2;
    } else {
      pl->clients[pl->n_clients++] = &pl->peers.clients[i];
    }
  }
  if (rc == 0 && reference) {
    /* the relay --relay-cmd starts, named for what it is */
    const char *name = o->openssl                     ? "openssl"
                       : o->relay_cmd || o->relay_bin ? "custom"
                                                      : "reference";
    pl->relays[pl->n_relays++] =
        (struct run_relay){name, o->relay_cmd ? o->relay_cmd : DEFAULT_RELAY_CMD,
                           o->relay_bin ? o->relay_bin : DERPCHECK_RELAY_BIN, NULL};
  }
  for (size_t i = 0; rc == 0 && i < pl->peers.n_relays; i++) {
    const struct peer *p = &pl->peers.relays[i];
    if (!chosen_r[i]) continue;
    if (pl->n_relays == MAX_RELAYS) {
      fprintf(stderr, "derpcheck: --relay: at most %d relays\n", MAX_RELAYS);
      rc = 2;
    } else if (!peer_built(p, peers_dir)) {
      rc = 2;
    } else {
      pl->relays[pl->n_relays++] =
          (struct run_relay){p->name, REGISTRY_RELAY_CMD, p->binary, p->unsupported};
      pl->registry_relay = true;
    }
  }
  free(chosen_c);
  free(chosen_r);
  return rc;
}

/* Registry, declarations, peers and columns; 0 or an exit status. */
static int plan_load(struct options *o, const struct scenario *all, size_t n_all, struct plan *pl) {
  char err[1024];
  const char *peers_dir = o->peers_dir ? o->peers_dir : DERPCHECK_PEERS_DIR;
  if (!peers_load(o->peers_file ? o->peers_file : DERPCHECK_PEERS_FILE, peers_dir, &pl->peers, err,
                  sizeof err)) {
    fprintf(stderr, "derpcheck: %s\n", err);
    return 2;
  }
  /* declarations are per registry implementation (a list's versions of
     one implementation are adjacent) */
  const char *impls[2 * COLUMNS_MAX + 1];
  size_t n = 0;
  const struct peer *lists[] = {pl->peers.clients, pl->peers.relays};
  size_t counts[] = {pl->peers.n_clients, pl->peers.n_relays};
  for (size_t l = 0; l < 2; l++)
    for (size_t i = 0; i < counts[l] && n < 2 * COLUMNS_MAX; i++)
      if (i == 0 || strcmp(lists[l][i].impl, lists[l][i - 1].impl) != 0)
        impls[n++] = lists[l][i].impl;
  impls[n] = NULL;
  const char *dir = o->expectations ? o->expectations : DERPCHECK_EXPECTATIONS_DIR;
  if (!expectations_load(dir, impls, &pl->expect, err, sizeof err) ||
      !expectations_check_scenarios(&pl->expect, all, n_all, err, sizeof err)) {
    fprintf(stderr, "derpcheck: %s\n", err);
    return 2;
  }
  int rc = plan_peers(o, peers_dir, pl);
  if (rc != 0) return rc;
  o->profiles[o->n_profiles] = NULL;
  pl->n_columns = columns_select(o->profiles, o->n_profiles, pl->clients, pl->n_clients,
                                 DEFAULT_CLIENT_CMD, pl->columns, COLUMNS_MAX);
  if (pl->n_columns == 0) {
    fprintf(stderr, "derpcheck: too many columns (at most %d)\n", COLUMNS_MAX);
    return 2;
  }
  return 0;
}

static void plan_free(struct plan *pl) {
  expectations_free(&pl->expect);
  peers_free(&pl->peers);
}

/* The source tree's commit, for the report header ("unknown" outside git). */
static void source_commit(char *out, size_t cap) {
  snprintf(out, cap, "unknown");
  FILE *p = popen("git -C '" DERPCHECK_SOURCE_DIR "' describe --always --dirty 2>/dev/null", "r");
  if (p == NULL) return;
  char line[128];
  if (fgets(line, sizeof line, p) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] != '\0') snprintf(out, cap, "commit %.100s", line);
  }
  pclose(p);
}

static json_t *load_report_json(const char *path) {
  json_error_t e;
  json_t *doc = json_load_file(path, 0, &e);
  if (doc == NULL) fprintf(stderr, "derpcheck: %s:%d:%d: %s\n", path, e.line, e.column, e.text);
  return doc;
}

/* 0 nothing worse than the baseline, 1 worse, 2 the baseline is unusable. */
static int against_baseline(const char *path, const struct report *r) {
  json_t *old = load_report_json(path);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = old != NULL ? open_memstream(&buf, &len) : NULL;
  bool wrote = mem != NULL && report_write_json(r, mem);
  if (mem != NULL) fclose(mem);
  json_t *now = wrote ? json_loadb(buf, len, 0, NULL) : NULL;
  free(buf);
  int rc = 2;
  if (old != NULL && now != NULL) {
    char why[256];
    printf("\nagainst the baseline %s:\n", path);
    rc = report_diff(old, now, stdout, why, sizeof why);
    if (rc < 0) {
      fprintf(stderr, "derpcheck: --baseline %s: %s\n", path, why);
      rc = 2;
    }
  }
  json_decref(old);
  json_decref(now);
  return rc;
}

static int cmd_diff(const struct options *o) {
  json_t *a = load_report_json(o->diff_old), *b = a != NULL ? load_report_json(o->diff_new) : NULL;
  char why[256];
  int rc = a != NULL && b != NULL ? report_diff(a, b, stdout, why, sizeof why) : -2;
  if (rc == -1) fprintf(stderr, "derpcheck: %s\n", why);
  json_decref(a);
  json_decref(b);
  return rc < 0 ? 2 : rc;
}

/* Run the jobs (relay-major, so rows come grouped per relay) and report;
   the exit status. */
static int run_matrix(const struct plan *pl, struct scenario *const *sel, size_t n,
                      struct run_config *cfg, const struct options *o) {
  size_t repeat = o->repeat > 0 ? (size_t)o->repeat : 1;
  size_t n_jobs = n * pl->n_relays * repeat;
  struct job *jobs = calloc(n_jobs, sizeof *jobs);
  if (jobs == NULL) return 2;
  /* a job's repeats run back to back, so its rows come in one group */
  for (size_t k = 0; k < pl->n_relays; k++)
    for (size_t i = 0; i < n; i++)
      for (size_t t = 0; t < repeat; t++)
        jobs[(k * n + i) * repeat + t] = (struct job){sel[i], &pl->relays[k]};
  cfg->proc_floor_ms = floor_process_ms();
  cfg->tls_floor_ms = floor_tls_ms(o->seed);
  struct report r;
  report_init(&r);
  r.jobs = o->jobs;
  r.seed = o->seed;
  r.by_relay = pl->n_relays > 1 || pl->registry_relay;
  /* Columns in matrix order; only those some selected scenario fills. */
  for (size_t p = 0; p < pl->n_columns; p++) {
    bool used = false;
    for (size_t i = 0; i < n && !used; i++) {
      const struct run_column *cols[COLUMNS_MAX];
      size_t k = run_columns_of(sel[i], cfg, cols);
      while (k > 0 && !used) used = cols[--k] == &pl->columns[p];
    }
    if (used) report_add_column(&r, pl->columns[p].name);
  }
  char started[64], commit[128];
  time_t now = time(NULL);
  strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
  source_commit(commit, sizeof commit);
  r.started = started;
  r.commit = commit;
  int64_t t0 = proc_now_ns();
  bool ok = jobs_run(jobs, n_jobs, cfg, o->jobs, &r, o->quiet ? NULL : stderr);
  if (repeat > 1) {
    struct report folded;
    report_init(&folded);
    ok = flaky_fold(&r, repeat, &folded) && ok;
    folded.jobs = r.jobs;
    folded.seed = r.seed;
    folded.by_relay = r.by_relay;
    folded.started = r.started;
    folded.commit = r.commit;
    report_free(&r);
    r = folded;
  }
  r.wall_ms = (double)(proc_now_ns() - t0) / 1e6;
  if (!o->quiet) putchar('\n');
  if (o->markdown) {
    report_write_markdown(&r, stdout);
  } else {
    report_write_matrix(&r, stdout);
    printf(
        "floor: process start %.2f ms, TLS handshake %.2f ms (this "
        "machine)\n",
        cfg->proc_floor_ms, cfg->tls_floor_ms);
  }
  if (o->json != NULL) ok = write_report(o->json, &r, report_write_json) && ok;
  if (o->junit != NULL) ok = write_report(o->junit, &r, report_write_junit) && ok;
  if (o->html != NULL) ok = write_report(o->html, &r, report_write_html) && ok;
  int rc = ok && report_ok(&r) ? 0 : 1;
  if (o->baseline != NULL) {
    int d = against_baseline(o->baseline, &r);
    rc = d == 2 ? 2 : rc != 0 || d != 0 ? 1 : 0;
  }
  fflush(stdout); /* the summary first, whole, then where the page is */
  if (o->html != NULL && !o->quiet) fprintf(stderr, "derpcheck: HTML report %s\n", o->html);
  report_free(&r);
  free(jobs);
  return rc;
}

/* Plan, check the templates, select the scenarios, run; the exit status. */
static int cmd_run_plan(struct plan *pl, struct scenario *all, size_t n_all, struct scenario **sel,
                        struct options *o) {
  int rc = plan_load(o, all, n_all, pl);
  if (rc != 0) return rc;
  const char *client_cmd = o->client_cmd ? o->client_cmd : DEFAULT_CLIENT_CMD;
  char err[256];
  for (size_t i = 0; i <= pl->n_relays; i++) {
    bool client = i == pl->n_relays;
    if (!template_check(client ? client_cmd : pl->relays[i].cmd, client, err, sizeof err)) {
      fprintf(stderr, "derpcheck: command template: %s\n", err);
      return 2;
    }
  }
  const char *tmp = o->tmpdir ? o->tmpdir : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  struct run_config cfg = {
      .client_cmd = client_cmd,
      .client_bin = o->client_bin ? o->client_bin : DERPCHECK_CLIENT_BIN,
      .proxy_bin = o->proxy_bin ? o->proxy_bin : DERPCHECK_PROXY_BIN,
      .reference_relay_cmd = DEFAULT_RELAY_CMD,
      .reference_relay_bin = o->relay_bin && !o->relay_cmd ? o->relay_bin : DERPCHECK_RELAY_BIN,
      .adapters_dir = o->adapters ? o->adapters : DERPCHECK_ADAPTERS_DIR,
      .tmp_root = tmp,
      .keep = o->keep,
      .record_dir = o->record,
      .client_records = o->client_cmd == NULL && !o->openssl,
      .tls_only = o->tls_only,
      .seed = o->seed,
      .columns = pl->columns,
      .n_columns = pl->n_columns,
      .expectations = &pl->expect,
      .ready_timeout_ms = o->ready_timeout,
      .client_timeout_ms = o->client_timeout,
      .log = o->verbose || o->keep ? stderr : NULL,
  };
  /* scenarios with a cell in some selected column */
  size_t n = 0;
  for (size_t i = 0; i < n_all; i++) {
    const struct run_column *cols[COLUMNS_MAX];
    if (selected(&all[i], o) && run_columns_of(&all[i], &cfg, cols) > 0) sel[n++] = &all[i];
  }
  if (n == 0) {
    fprintf(stderr, "derpcheck: no scenario selected\n");
    return 1;
  }
  return run_matrix(pl, sel, n, &cfg, o);
}

static int cmd_run(struct scenario *all, size_t n_all, struct options *o) {
  struct plan *pl = calloc(1, sizeof *pl);
  struct scenario **sel = calloc(n_all + 1, sizeof *sel);
  int rc = pl != NULL && sel != NULL ? cmd_run_plan(pl, all, n_all, sel, o) : 2;
  if (pl != NULL) plan_free(pl);
  free(pl);
  free(sel);
  return rc;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN); /* a relay that resets is an observation */
  struct options o = {.jobs = 1, .seed = 1, .ready_timeout = 10000, .client_timeout = 20000};
  int rc = parse_args(argc, argv, &o);
  if (rc != 0) return rc;
  if (strcmp(o.command, "diff") == 0) return cmd_diff(&o);
  const char *dir = o.scenarios ? o.scenarios : DERPCHECK_SCENARIO_DIR;
  struct scenario *all;
  size_t n_all;
  char err[1024];
  if (!scenario_load_dir(dir, &all, &n_all, err, sizeof err)) {
    fprintf(stderr, "derpcheck: %s\n", err);
    return 2;
  }
  if (strcmp(o.command, "run") == 0) {
    rc = cmd_run(all, n_all, &o);
    scenario_free_all(all, n_all);
    return rc;
  }
  struct scenario **sel = calloc(n_all + 1, sizeof *sel);
  size_t n = 0;
  for (size_t i = 0; sel != NULL && i < n_all; i++) {
    /* a scenario none of whose columns is selected has nothing to list */
    bool any = o.n_profiles == 0;
    for (size_t k = 0; !any && k < all[i].n_columns; k++)
      for (size_t p = 0; p < o.n_profiles; p++)
        any = any || strcmp(all[i].columns[k], o.profiles[p]) == 0;
    if (any && selected(&all[i], &o)) sel[n++] = &all[i];
  }
  rc = sel == NULL ? 2 : cmd_list(sel, n);
  free(sel);
  scenario_free_all(all, n_all);
  return rc;
}
