/* client_modes: what each subcommand does once the node, the keys and the
 * deadline are known. Each fills a verdict and returns the exit status:
 * 0 pass, 1 the check failed, 2 configuration error. */
#ifndef DERP_CLIENT_MODES_H
#define DERP_CLIENT_MODES_H

#include "client_conn.h"
#include "client_flags.h"
#include "client_output.h"
#include "client_versions.h"
#include "derp/derpmap.h"
#include "derp/probe_report.h"

enum client_exit {
  CLIENT_EXIT_PASS = 0,
  CLIENT_EXIT_FAIL = 1,
  CLIENT_EXIT_USAGE = 2,
};

struct client_run {
  const struct client_flags *flags;
  const struct derp_map *map;
  const struct derp_region *region; /* NULL only for probe (it reports it) */
  const char *region_selector;      /* as given, or the only region's id */
  struct client_conn_options conn;
  const uint8_t *packet; /* send: decoded --packet-hex */
  const char *snippet_sha256;
};

/* What a verdict may point into: it must outlive the output. Large, so
 * allocate it. */
struct client_run_state {
  struct client_conn conn;
  uint8_t packet[DERP_MAX_PACKET_SIZE];
  struct probe_report report;
  struct client_versions versions;
  char present[256][65], gone[256][65];
  char mapped[64];
};

/* connect, send, recv, ping: a DERP connection to the region. */
enum client_exit client_run_derp(const struct client_run *run, struct client_run_state *st,
                                 struct client_verdict *v);
enum client_exit client_run_stun(const struct client_run *run, struct client_run_state *st,
                                 struct client_verdict *v);
enum client_exit client_run_probe(const struct client_run *run, struct client_run_state *st,
                                  struct client_verdict *v);

/* Write "<text>\n" to path atomically (temporary file, then rename). */
bool client_write_ready_file(const char *path, const char *text);

#endif
