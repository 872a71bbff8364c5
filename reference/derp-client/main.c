/* derp-client: the derpcheck reference DERP client. See client_flags.c for
 * the command line and client_output.h for what it prints. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_flags.h"
#include "client_modes.h"
#include "client_output.h"
#include "client_time.h"
#include "client_tls.h"
#include "derp/derp_keys.h"
#include "derp/derpmap.h"
#include "file_io.h"

#define PIN_PREFIX "sha256-raw:"

/* Reads at most `max` bytes of a file ("-" = stdin). NUL-terminated. */
static char *read_bounded(const char *path, size_t max, size_t *len, char *err, size_t cap) {
  uint8_t *buf = NULL;
  struct file_io_result r = strcmp(path, "-") == 0
                                ? file_io_read_fd(STDIN_FILENO, max, false, &buf, len)
                                : file_io_read(path, max, false, &buf, len);
  switch (r.step) {
    case FILE_IO_OK: return (char *)buf;
    case FILE_IO_OPEN: snprintf(err, cap, "open %s: %s", path, strerror(r.error)); break;
    case FILE_IO_TOO_LARGE: snprintf(err, cap, "%s: larger than %zu bytes", path, max); break;
    case FILE_IO_MEMORY: snprintf(err, cap, "out of memory"); break;
    default: snprintf(err, cap, "read %s: %s", path, strerror(r.error)); break;
  }
  return NULL;
}

/* The DERPMap from --derpmap (file, stdin, or inline text); or from --node
 * laid over the --snippet's node (so `--snippet LINE --node DERPPort=P`
 * keeps the snippet's HostName and CertName); or from --snippet alone. */
static struct derp_map *load_map(const struct client_flags *f, char *err, size_t cap) {
  struct derp_map *m = NULL;
  struct derp_map_error e = {{0}};
  if (f->policy_file) {
    size_t len = 0;
    char *text = read_bounded(f->policy_file, DERP_MAP_MAX_INPUT, &len, err, cap);
    if (text == NULL) return NULL;
    bool ok = derp_map_parse_policy(text, len, &m, &e);
    free(text);
    /* "FILE:LINE:COL: what" for syntax, "FILE: derpMap.<path>: what" else */
    const char *name = strcmp(f->policy_file, "-") == 0 ? "<stdin>" : f->policy_file;
    bool positional = e.msg[0] >= '0' && e.msg[0] <= '9';
    if (!ok) snprintf(err, cap, "%s:%s%s", name, positional ? "" : " ", e.msg);
    return ok ? m : NULL;
  }
  if (f->derpmap && f->snippet) {
    struct derp_map *snippet = NULL;
    if (!derp_map_parse(f->snippet, strlen(f->snippet), &snippet, &e)) {
      snprintf(err, cap, "--snippet: %s", e.msg);
      return NULL;
    }
    derp_map_free(snippet);
  }
  if (f->derpmap) {
    const char *d = f->derpmap;
    bool inline_text = d[0] == '{' || d[0] == ' ';
    size_t len = 0;
    char *text = inline_text ? NULL : read_bounded(d, DERP_MAP_MAX_INPUT, &len, err, cap);
    if (!inline_text && text == NULL) return NULL;
    bool ok = derp_map_parse(inline_text ? d : text, inline_text ? strlen(d) : len, &m, &e);
    free(text);
    if (!ok) snprintf(err, cap, "--derpmap: %s", e.msg);
    return ok ? m : NULL;
  }
  struct derp_map *snippet = NULL;
  if (f->snippet) {
    if (!derp_map_parse(f->snippet, strlen(f->snippet), &snippet, &e)) {
      snprintf(err, cap, "--snippet: %s", e.msg);
      return NULL;
    }
    if (!f->node) return snippet;
  }
  const struct derp_node *base =
      snippet && snippet->region_count > 0 && snippet->regions[0].node_count > 0
          ? &snippet->regions[0].nodes[0]
          : NULL;
  bool ok = derp_map_parse_node_flags_onto(base, f->node, strlen(f->node), &m, &e);
  derp_map_free(snippet);
  if (!ok) snprintf(err, cap, "--node: %s", e.msg);
  return ok ? m : NULL;
}

/* The pinned hash the relay's snippet announces, for the Diagnosis. */
static bool snippet_hash(const char *snippet, char out[DERP_MAP_MAX_STRING + 1]) {
  struct derp_map *m = NULL;
  struct derp_map_error e;
  if (snippet == NULL || !derp_map_parse(snippet, strlen(snippet), &m, &e)) return false;
  bool ok = m->region_count > 0 && m->regions[0].node_count > 0 &&
            strncmp(m->regions[0].nodes[0].cert_name, PIN_PREFIX, strlen(PIN_PREFIX)) == 0;
  if (ok)
    snprintf(out, DERP_MAP_MAX_STRING + 1, "%s",
             m->regions[0].nodes[0].cert_name + strlen(PIN_PREFIX));
  derp_map_free(m);
  return ok;
}

static bool load_keys(const struct client_flags *f, struct client_conn_options *o, char *err,
                      size_t cap) {
  struct derp_keypair kp;
  if (f->key_file == NULL) {
    if (!derp_keypair_generate(&kp)) {
      snprintf(err, cap, "cannot generate a node key");
      return false;
    }
  } else {
    size_t len;
    char *text = read_bounded(f->key_file, DERP_KEYFILE_MAX_BYTES, &len, err, cap);
    if (text == NULL) return false;
    char why[256];
    enum derp_keyfile_status st =
        derp_keyfile_parse((const uint8_t *)text, len, kp.priv, why, sizeof why);
    free(text);
    if (st != DERP_KEYFILE_OK || !derp_key_public_from_private(kp.priv, kp.pub)) {
      snprintf(err, cap, "key file \"%s\": %s", f->key_file,
               st != DERP_KEYFILE_OK ? why : "bad key");
      return false;
    }
  }
  memcpy(o->client_priv, kp.priv, 32);
  memcpy(o->client_pub, kp.pub, 32);
  return true;
}

static int finish(const struct client_flags *f, struct client_verdict *v, enum client_exit rc) {
  if (rc == CLIENT_EXIT_USAGE) {
    v->pass = false;
    fprintf(stderr, "derp-client: %s\n", v->reason);
  }
  if (!client_output_write(stdout, v, f->json)) return CLIENT_EXIT_USAGE;
  return rc;
}

int main(int argc, char **argv) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  /* a fuzz build keeps secrets in a memo (derp_box.h): never run it */
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "derp-client: built in fuzzing mode (X25519 memoized, secrets kept): refusing to run\n");
  return 2;
#endif
  signal(SIGPIPE, SIG_IGN);
  struct client_flags f;
  char err[1024] = "";
  enum client_flags_result fr = client_flags_parse(argc, argv, &f, err, sizeof err);
  if (fr == CLIENT_FLAGS_HELP) {
    fputs(client_flags_usage(), stdout);
    return 0;
  }
  struct client_verdict v;
  client_verdict_init(&v);
  if (fr != CLIENT_FLAGS_OK) {
    snprintf(v.reason, sizeof v.reason, "%s", err);
    fprintf(stderr, "derp-client: %s\n%s", err, "Run 'derp-client --help' for usage.\n");
    if (f.json) client_output_write(stdout, &v, true);
    return CLIENT_EXIT_USAGE;
  }
  struct client_run run = {.flags = &f};
  run.conn.profile = f.profile;
  run.conn.legacy_tls = true; /* connect-like modes under debug-legacy use its TLS config */
  run.conn.ca_file = f.ca_file;
  run.conn.tls_max = f.tls_max;
  run.conn.tls_only = f.tls_only;
  run.conn.websocket = f.websocket;
  if (f.mesh_key_file != NULL) {
    char text[256], why[128];
    FILE *mf = fopen(f.mesh_key_file, "r");
    size_t n = mf != NULL ? fread(text, 1, sizeof text, mf) : 0;
    if (mf != NULL) fclose(mf);
    if (mf == NULL ||
        !derp_mesh_key_parse((const uint8_t *)text, n, run.conn.mesh_key, why, sizeof why)) {
      fprintf(stderr, "derp-client: --mesh-key-file %s: %s\n", f.mesh_key_file,
              mf == NULL ? strerror(errno) : why);
      return CLIENT_EXIT_USAGE;
    }
    run.conn.has_mesh_key = true;
  }
  run.conn.deadline_ms = client_now_ms() + f.timeout_ms;
  run.conn.now = client_unix_now();

  struct client_run_state *st = calloc(1, sizeof *st);
  uint8_t *packet = calloc(1, f.packet_len + 1);
  struct derp_map *map = NULL;
  enum client_exit rc = CLIENT_EXIT_USAGE;
  if (st == NULL || packet == NULL) {
    snprintf(v.reason, sizeof v.reason, "out of memory");
    goto out;
  }
  client_conn_init(&st->conn);
  map = load_map(&f, v.reason, sizeof v.reason);
  if (map == NULL) goto out;
  if (f.packet_hex) {
    size_t n;
    client_hex_decode(f.packet_hex, packet, f.packet_len, &n);
    run.packet = packet;
  }
  char snippet_sha[DERP_MAP_MAX_STRING + 1];
  if (snippet_hash(f.snippet, snippet_sha)) run.snippet_sha256 = snippet_sha;
  if (!load_keys(&f, &run.conn, v.reason, sizeof v.reason)) goto out;
  if (f.ca_file && !client_tls_check_ca_file(f.ca_file, v.reason, sizeof v.reason)) goto out;
  if (f.record != NULL) {
    run.conn.record = fopen(f.record, "wb");
    if (run.conn.record == NULL) {
      snprintf(v.reason, sizeof v.reason, "--record %s: %s", f.record, strerror(errno));
      goto out;
    }
    fputs("DERPREC1\n", run.conn.record);
  }
  run.map = map;

  char only_region[32];
  run.region_selector = f.region;
  if (run.region_selector == NULL && map->region_count == 1) {
    snprintf(only_region, sizeof only_region, "%lld", (long long)map->regions[0].id);
    run.region_selector = only_region;
  }
  run.region = run.region_selector ? derp_map_find_region(map, run.region_selector) : NULL;
  if (f.mode == CLIENT_MODE_PROBE) {
    rc = client_run_probe(&run, st, &v);
    goto out;
  }
  if (run.region == NULL) {
    if (run.region_selector == NULL)
      snprintf(v.reason, sizeof v.reason, "the DERPMap has %zu regions: choose one with --region",
               map->region_count);
    else
      snprintf(v.reason, sizeof v.reason, "no such region \"%s\" in DERP map", run.region_selector);
    goto out;
  }
  rc = f.mode == CLIENT_MODE_STUN ? client_run_stun(&run, st, &v) : client_run_derp(&run, st, &v);
out:;
  int status = finish(&f, &v, rc);
  if (st != NULL) client_conn_close(&st->conn);
  free(st);
  free(packet);
  derp_map_free(map);
  if (run.conn.record != NULL) fclose(run.conn.record);
  return status;
}
