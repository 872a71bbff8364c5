/* client_flags: argv -> struct client_flags. */
#include "client_flags.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"

#define MAX_PACKET 65536u

static const char *const mode_names[] = {"connect", "send",  "recv",  "ping",
                                         "stun",    "probe", "watch", "forward"};
static const char *const profile_names[] = {"current", "tailscale-1.82", "tailscale-1.84",
                                            "debug-legacy", "tailscale-1.80"};

const char *client_profile_name(enum client_profile p) {
  return (unsigned)p < sizeof profile_names / sizeof profile_names[0] ? profile_names[p] : "?";
}

bool client_profile_from_name(const char *name, enum client_profile *out) {
  for (size_t i = 0; i < sizeof profile_names / sizeof profile_names[0]; i++)
    if (strcmp(name, profile_names[i]) == 0) {
      *out = (enum client_profile)i;
      return true;
    }
  return false;
}

const char *client_flags_usage(void) {
  return "Usage: derp-client MODE [flags]\n"
         "\n"
         "derp-client: the derpcheck reference DERP client. MODE is one of\n"
         "  connect  dial, TLS, DERP handshake; print server key, path, TLS version, certificates\n"
         "  send     connect, send --packet-hex to --peer, confirm with a ping round trip\n"
         "  recv     connect, wait up to --timeout-ms for one packet; print it and its sender\n"
         "  ping     connect, send a DERP Ping, wait for the matching Pong\n"
         "  stun     send a Tailscale STUN binding request; print the mapped address\n"
         "  probe    the checks of `tailscale debug derp` (same order, texts, JSON), plus a\n"
         "           Diagnosis in plain words when something fails\n"
         "  watch    a mesh watcher (--mesh-key-file): WatchConns, then print every\n"
         "           PeerPresent and PeerGone for --timeout-ms (default 2s)\n"
         "  forward  as a mesh peer (--mesh-key-file), ForwardPacket --packet-hex to --peer,\n"
         "           from this client's key, confirmed by a ping round trip\n"
         "\n"
         "Where the relay is (one of; --snippet may accompany the others):\n"
         "  --derpmap FILE|TEXT  a DERPMap as Tailscale writes it (whole map, region or node);\n"
         "                       \"-\" reads stdin; text starting with '{' or ' ' is the JSON "
         "itself\n"
         "  --node FLAGS         one node: "
         "HostName=127.0.0.1,DERPPort=4443,CertName=sha256-raw:...\n"
         "                       (with --snippet: laid over the snippet's node, e.g. DERPPort=P)\n"
         "  --snippet LINE       the DERPMap line derp-relay/derper printed, pasted as is (with\n"
         "                       --derpmap: only the hash the Diagnosis compares against)\n"
         "  --policy-file FILE   the tailnet policy file (HuJSON: comments, trailing commas)\n"
         "                       whose \"derpMap\" holds the relay; \"-\" reads stdin\n"
         "  --region ID|CODE     region by id or RegionCode (default: the map's only region)\n"
         "\n"
         "TLS:\n"
         "  --profile P          current (default), tailscale-1.84, tailscale-1.82: how a\n"
         "                       \"sha256-raw:\" CertName is checked (spec 4.2); tailscale-1.80:\n"
         "                       before such pins, any CertName is a DNS name to verify (4.3);\n"
         "                       debug-legacy: the pre-1.100 `debug derp` TLS config (CertName\n"
         "                       used as server name)\n"
         "  --ca-file FILE       extra trusted roots (PEM) for CA verification\n"
         "  --tls-max 1.2|1.3    highest TLS version offered (default 1.3)\n"
         "  --tls-only           connect: stop after the TLS handshake and its certificate check\n"
         "  --websocket          DERP inside WebSocket binary messages (Upgrade: websocket,\n"
         "                       subprotocol derp), as browsers and WebSocket-only proxies do\n"
         "  --all-versions       probe: also connect as each client release range would\n"
         "                       (<= 1.81, 1.82.x, 1.84.x, 1.86+, debug derp < 1.100) and\n"
         "                       print a verdict per range\n"
         "\n"
         "Identity and packets:\n"
         "  --key-file FILE      node key {\"PrivateKey\":\"privkey:<hex>\"} (default: a fresh "
         "key)\n"
         "  --peer HEX           peer public key, 64 hex (or nodekey:HEX); alias --peer-key\n"
         "  --packet-hex HEX     packet for send (at most 65536 bytes)\n"
         "  --ready-file FILE    written (atomically) once connected\n"
         "  --mesh-key-file FILE watch: the relays' mesh key (--mesh-psk-file, 64 hex)\n"
         "  --record FILE        every DERP connection's bytes after TLS, per direction,\n"
         "                       in derpcheck's record format (its transcripts)\n"
         "  --timeout-ms N       how long recv waits for a packet (default: --timeout)\n"
         "\n"
         "General:\n"
         "  --timeout D          bound on the whole run: 10s (default), 500ms, 2m, or seconds\n"
         "  --json               the last stdout line is one JSON verdict object\n"
         "  -h, --help           this text\n"
         "\n"
         "Exit status: 0 pass, 1 the check failed, 2 usage or configuration error.\n";
}

/* An argument as Go's %q shows it, so an error stays one line whatever the
 * argument holds (cut when longer than the buffer). */
#define QUOTED_CAP 512
static const char *quoted(const char *s, char buf[QUOTED_CAP]) {
  (void)go_quote(s, buf, QUOTED_CAP);
  return buf;
}

/* A flag name of len bytes as it is, or quoted when it holds what %q
 * escapes (a newline, a control byte, invalid UTF-8). */
static const char *shown(const char *name, size_t len, char buf[QUOTED_CAP]) {
  char plain[QUOTED_CAP];
  snprintf(plain, sizeof plain, "%.*s", (int)(len < QUOTED_CAP ? len : QUOTED_CAP - 1), name);
  (void)go_quote(plain, buf, QUOTED_CAP);
  size_t n = strlen(plain);
  bool escaped = strlen(buf) != n + 2 || memcmp(buf + 1, plain, n) != 0;
  return escaped ? buf : memcpy(buf, plain, n + 1);
}

__attribute__((format(printf, 3, 4))) static enum client_flags_result fail(char *err, size_t cap,
                                                                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, cap, fmt, ap);
  va_end(ap);
  return CLIENT_FLAGS_ERROR;
}

bool client_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *out_len) {
  size_t len = strlen(hex);
  GUARD(len % 2 == 0 && len / 2 <= cap);
  if (out != NULL) {
    GUARD(derp_hex_decode(hex, len, out, len / 2));
  } else { /* only whether it decodes: the caller sizes its buffer first */
    for (size_t i = 0; i < len; i++) GUARD(derp_hex_digit_value(hex[i]) >= 0);
  }
  *out_len = len / 2;
  return true;
}

bool client_parse_timeout(const char *s, int64_t *ms) {
  GUARD(s != NULL && *s >= '0' && *s <= '9');
  int64_t v = 0;
  const char *p = s;
  for (; *p >= '0' && *p <= '9'; p++) {
    GUARD(v <= CLIENT_MAX_TIMEOUT_MS);
    v = v * 10 + (*p - '0');
  }
  int64_t scale;
  if (strcmp(p, "") == 0 || strcmp(p, "s") == 0)
    scale = 1000;
  else if (strcmp(p, "ms") == 0)
    scale = 1;
  else if (strcmp(p, "m") == 0)
    scale = 60000;
  else
    return false;
  GUARD(v <= CLIENT_MAX_TIMEOUT_MS / scale);
  v *= scale;
  GUARD(v >= 1);
  *ms = v;
  return true;
}

static bool parse_mode(const char *s, enum client_mode *out) {
  for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
    if (strcmp(s, mode_names[i]) == 0) {
      *out = (enum client_mode)i;
      return true;
    }
  return false;
}

/* Flags that take a value; the order matches the switch in apply(). */
static const char *const value_flags[] = {
    "derpmap",    "node",    "snippet",     "region",     "profile",       "ca-file",
    "key-file",   "peer",    "peer-key",    "packet-hex", "ready-file",    "timeout",
    "timeout-ms", "tls-max", "policy-file", "record",     "mesh-key-file",
};

static enum client_flags_result apply(struct client_flags *f, size_t which, const char *v,
                                      char *err, size_t cap) {
  char q[QUOTED_CAP];
  switch (which) {
    case 0: f->derpmap = v; break;
    case 1: f->node = v; break;
    case 2: f->snippet = v; break;
    case 3: f->region = v; break;
    case 4:
      if (!client_profile_from_name(v, &f->profile))
        return fail(err, cap,
                    "invalid value %s for --profile: want current, tailscale-1.84, "
                    "tailscale-1.82, tailscale-1.80 or debug-legacy",
                    quoted(v, q));
      break;
    case 5: f->ca_file = v; break;
    case 6: f->key_file = v; break;
    case 7:
    case 8: {
      const char *hex = strncmp(v, "nodekey:", 8) == 0 ? v + 8 : v;
      size_t n;
      if (strlen(hex) != 64 || !client_hex_decode(hex, f->peer, sizeof f->peer, &n))
        return fail(err, cap, "invalid value %s for --peer: want 64 hex digits", quoted(v, q));
      f->has_peer = true;
      break;
    }
    case 9:
      if (!client_hex_decode(v, NULL, MAX_PACKET, &f->packet_len))
        return fail(err, cap,
                    "invalid value for --packet-hex: want an even number of hex digits, at most "
                    "%u bytes",
                    MAX_PACKET);
      f->packet_hex = v;
      break;
    case 10: f->ready_file = v; break;
    case 11:
      if (!client_parse_timeout(v, &f->timeout_ms))
        return fail(err, cap, "invalid value %s for --timeout: want e.g. 10s, 500ms, 2m",
                    quoted(v, q));
      f->timeout_given = true;
      break;
    case 12: {
      char with_unit[32];
      if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 10 ||
          snprintf(with_unit, sizeof with_unit, "%sms", v) < 0 ||
          !client_parse_timeout(with_unit, &f->wait_ms))
        return fail(err, cap, "invalid value %s for --timeout-ms: want 1..3600000", quoted(v, q));
      break;
    }
    case 13:
      if (strcmp(v, "1.2") == 0)
        f->tls_max = 0x0303;
      else if (strcmp(v, "1.3") == 0)
        f->tls_max = 0x0304;
      else
        return fail(err, cap, "invalid value %s for --tls-max: want 1.2 or 1.3", quoted(v, q));
      break;
    case 14: f->policy_file = v; break;
    case 15: f->record = v; break;
    case 16: f->mesh_key_file = v; break;
    default: return fail(err, cap, "internal flag table error");
  }
  return CLIENT_FLAGS_OK;
}

static enum client_flags_result check_combination(struct client_flags *f, char *err, size_t cap) {
  if (!f->derpmap && !f->node && !f->snippet && !f->policy_file)
    return fail(err, cap, "no relay given: use --derpmap, --policy-file, --node or --snippet");
  if (f->derpmap && f->node) return fail(err, cap, "--derpmap and --node are exclusive");
  if (f->policy_file && (f->derpmap || f->node))
    return fail(err, cap, "--policy-file is exclusive with --derpmap and --node");
  bool sends = f->mode == CLIENT_MODE_SEND || f->mode == CLIENT_MODE_FORWARD;
  if (sends && (!f->has_peer || !f->packet_hex))
    return fail(err, cap, "%s needs --peer and --packet-hex",
                f->mode == CLIENT_MODE_SEND ? "send" : "forward");
  if (!sends && f->packet_hex)
    return fail(err, cap, "--packet-hex only applies to send and forward");
  if (f->mode != CLIENT_MODE_CONNECT && f->tls_only)
    return fail(err, cap, "--tls-only only applies to connect");
  bool mesh = f->mode == CLIENT_MODE_WATCH || f->mode == CLIENT_MODE_FORWARD;
  if (mesh != (f->mesh_key_file != NULL))
    return fail(err, cap, "watch and forward need --mesh-key-file, and only they take it");
  if (f->mode == CLIENT_MODE_STUN && f->websocket)
    return fail(err, cap, "--websocket does not apply to stun");
  if (f->mode != CLIENT_MODE_PROBE && f->all_versions)
    return fail(err, cap, "--all-versions only applies to probe");
  if (f->wait_ms == 0) f->wait_ms = f->timeout_ms;
  /* recv must be able to wait as long as asked and still connect first. */
  if (!f->timeout_given && f->mode == CLIENT_MODE_RECV && f->wait_ms + 5000 > f->timeout_ms)
    f->timeout_ms = f->wait_ms + 5000;
  return CLIENT_FLAGS_OK;
}

enum client_flags_result client_flags_parse(int argc, char *const argv[], struct client_flags *out,
                                            char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  out->timeout_ms = CLIENT_DEFAULT_TIMEOUT_MS;
  if (err_cap > 0) err[0] = '\0';
  char q[QUOTED_CAP];
  if (argc < 2)
    return fail(err, err_cap,
                "no mode given (connect, send, recv, ping, stun, probe, watch, forward)");
  const char *m = argv[1];
  if (strcmp(m, "-h") == 0 || strcmp(m, "--help") == 0 || strcmp(m, "-help") == 0 ||
      strcmp(m, "help") == 0)
    return CLIENT_FLAGS_HELP;
  if (!parse_mode(m, &out->mode))
    return fail(err, err_cap,
                "unknown mode %s (want connect, send, recv, ping, stun, probe, watch or forward)",
                quoted(m, q));
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0')
      return fail(err, err_cap, "unexpected argument %s", quoted(a, q));
    const char *name = a + (a[1] == '-' ? 2 : 1);
    if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) return CLIENT_FLAGS_HELP;
    const char *eq = strchr(name, '=');
    size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
    bool *switch_flag = name_len == 4 && strncmp(name, "json", 4) == 0       ? &out->json
                        : name_len == 8 && strncmp(name, "tls-only", 8) == 0 ? &out->tls_only
                        : name_len == 12 && strncmp(name, "all-versions", 12) == 0
                            ? &out->all_versions
                        : name_len == 9 && strncmp(name, "websocket", 9) == 0 ? &out->websocket
                                                                              : NULL;
    if (switch_flag != NULL) {
      if (eq) return fail(err, err_cap, "-%.*s takes no value", (int)name_len, name);
      *switch_flag = true;
      continue;
    }
    size_t which = sizeof value_flags / sizeof value_flags[0];
    for (size_t k = 0; k < sizeof value_flags / sizeof value_flags[0]; k++)
      if (strlen(value_flags[k]) == name_len && strncmp(value_flags[k], name, name_len) == 0)
        which = k;
    if (which == sizeof value_flags / sizeof value_flags[0])
      return fail(err, err_cap, "flag provided but not defined: -%s", shown(name, name_len, q));
    const char *value;
    if (eq) {
      value = eq + 1;
    } else {
      if (i + 1 >= argc) return fail(err, err_cap, "flag needs an argument: -%s", name);
      value = argv[++i];
    }
    enum client_flags_result r = apply(out, which, value, err, err_cap);
    if (r != CLIENT_FLAGS_OK) return r;
  }
  return check_combination(out, err, err_cap);
}
