#include "relay_flags.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "relay_mesh_peers.h"

/* A value as Go's %q shows it (the flag package quotes values so: a value
 * with a newline or a control byte stays on its line); cut when longer
 * than the buffer. */
#define QUOTED_CAP 512
static const char *quoted(const char *s, char buf[QUOTED_CAP]) {
  (void)go_quote(s, buf, QUOTED_CAP);
  return buf;
}

#define NS_PER_SECOND INT64_C(1000000000)
#define STUN_PORT_UNSET (-2)
#define STUN_PORT_DEFAULT 3478

/* Every message goes through here so a too-small buffer truncates instead of
 * overflowing. */
static void errf(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errcap, const char *fmt, ...) {
  if (err == NULL || errcap == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errcap, fmt, ap);
  va_end(ap);
}

void relay_flags_defaults(struct relay_flags *f, const char *default_certdir) {
  memset(f, 0, sizeof *f);
  f->addr = ":443";
  f->listen_port = 443;
  f->hostname = "derp.tailscale.com";
  /* derper defaults to letsencrypt; manual is the only mode here, so it is the
   * default rather than a default that always fails. */
  f->certmode = "manual";
  f->certdir = default_certdir != NULL ? default_certdir : "";
  f->stun = true;
  f->stun_port = STUN_PORT_UNSET; /* 3478, or 0 with -a ...:0 (see validate) */
  f->derp = true;
  f->http_port = -1;
  f->tcp_write_timeout_ns = 2 * NS_PER_SECOND;
  f->metacert = true;
  f->tls_min = RELAY_TLS_1_2;
  f->tls_max = RELAY_TLS_1_3;
  f->handshake_timeout_ns = 10 * NS_PER_SECOND;
}

/* ---- the flag table ---- */

enum flag_kind { FLAG_BOOL, FLAG_STRING, FLAG_INT, FLAG_DURATION, FLAG_ONOFF, FLAG_TLSVER };

struct flag_def {
  const char *name;
  enum flag_kind kind;
  size_t offset; /* into struct relay_flags */
  int min, max;  /* FLAG_INT range */
};

#define F(name, kind, field) \
  { name, kind, offsetof(struct relay_flags, field), 0, 0 }
#define FI(name, field, lo, hi) \
  { name, FLAG_INT, offsetof(struct relay_flags, field), lo, hi }

static const struct flag_def flag_defs[] = {
    F("a", FLAG_STRING, addr),
    F("hostname", FLAG_STRING, hostname),
    F("certmode", FLAG_STRING, certmode),
    F("certdir", FLAG_STRING, certdir),
    F("c", FLAG_STRING, keyfile),
    F("stun", FLAG_BOOL, stun),
    FI("stun-port", stun_port, 0, 65535),
    F("derp", FLAG_BOOL, derp),
    FI("http-port", http_port, -1, 65535),
    F("tcp-write-timeout", FLAG_DURATION, tcp_write_timeout_ns),
    F("verify-clients", FLAG_BOOL, verify_clients),
    F("verify-clients-file", FLAG_STRING, verify_clients_file),
    F("mesh-psk-file", FLAG_STRING, mesh_psk_file),
    F("mesh-with", FLAG_STRING, mesh_with),
    F("mesh-ca-file", FLAG_STRING, mesh_ca_file),
    F("mesh-pin", FLAG_STRING, mesh_pin),
    F("rate-config", FLAG_STRING, rate_config),
    F("metacert", FLAG_ONOFF, metacert),
    F("tls-min", FLAG_TLSVER, tls_min),
    F("tls-max", FLAG_TLSVER, tls_max),
    F("ready-file", FLAG_STRING, ready_file),
    F("handshake-timeout", FLAG_DURATION, handshake_timeout_ns),
};

/* derper flags a user may carry over, with why they are not here: a clearer
 * answer than "flag provided but not defined". */
struct unsupported_flag {
  const char *name;
  const char *why;
};

static const struct unsupported_flag unsupported_flags[] = {
    {"verify-client-url", "no admission webhook; use --verify-clients-file"},
    {"verify-client-url-fail-open", "no admission webhook; use --verify-clients-file"},
    {"socket", "there is no local tailscaled; use --verify-clients-file"},
    {"acme-ip-certs", "only --certmode=manual is supported"},
    {"acme-eab-kid", "only --certmode=manual is supported"},
    {"acme-eab-key", "only --certmode=manual is supported"},
    {"acme-email", "only --certmode=manual is supported"},
    {"dev", "use -a 127.0.0.1:0 --hostname 127.0.0.1 --certmode manual"},
    {"bootstrap-dns-names", "no /bootstrap-dns endpoint"},
    {"unpublished-bootstrap-dns-names", "no /bootstrap-dns endpoint"},
    {"home", "no home page"},
    {"accept-connection-limit", "no accept rate limiting"},
    {"accept-connection-burst", "no accept rate limiting"},
    {"tcp-user-timeout", "socket options are left at the OS defaults"},
    {"tcp-keepalive-time", "socket options are left at the OS defaults"},
};

static const struct flag_def *flag_find(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof flag_defs / sizeof flag_defs[0]; i++) {
    if (strlen(flag_defs[i].name) == n && memcmp(flag_defs[i].name, name, n) == 0) {
      return &flag_defs[i];
    }
  }
  return NULL;
}

static const struct unsupported_flag *unsupported_find(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof unsupported_flags / sizeof unsupported_flags[0]; i++) {
    if (strlen(unsupported_flags[i].name) == n && memcmp(unsupported_flags[i].name, name, n) == 0) {
      return &unsupported_flags[i];
    }
  }
  return NULL;
}

/* strconv.ParseBool */
static bool parse_go_bool(const char *s, bool *out) {
  static const char *const truthy[] = {"1", "t", "T", "TRUE", "true", "True"};
  static const char *const falsy[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (size_t i = 0; i < 6; i++) {
    if (strcmp(s, truthy[i]) == 0) {
      *out = true;
      return true;
    }
    if (strcmp(s, falsy[i]) == 0) {
      *out = false;
      return true;
    }
  }
  return false;
}

/* Go's flag package parses int flags with strconv.ParseInt(s, 0, 64). */
static bool parse_go_int(const char *s, long long *out, bool *range_err) {
  int64_t v = 0;
  enum go_int_status st = go_parse_int(s, strlen(s), 0, &v);
  *range_err = st == GO_INT_RANGE;
  *out = (long long)v;
  return st == GO_INT_OK;
}

static bool set_flag(struct relay_flags *f, const struct flag_def *d, const char *value, char *err,
                     size_t errcap) {
  void *field = (char *)f + d->offset;
  char q[QUOTED_CAP];
  switch (d->kind) {
    case FLAG_BOOL: {
      bool b;
      if (!parse_go_bool(value, &b)) {
        errf(err, errcap, "invalid boolean value %s for -%s: parse error", quoted(value, q),
             d->name);
        return false;
      }
      *(bool *)field = b;
      return true;
    }
    case FLAG_STRING: *(const char **)field = value; return true;
    case FLAG_INT: {
      long long v;
      bool range_err;
      if (!parse_go_int(value, &v, &range_err)) {
        errf(err, errcap, "invalid value %s for flag -%s: %s", quoted(value, q), d->name,
             range_err ? "value out of range" : "parse error");
        return false;
      }
      if (v < d->min || v > d->max) {
        errf(err, errcap, "invalid value %s for flag -%s: port out of range %d..%d",
             quoted(value, q), d->name, d->min, d->max);
        return false;
      }
      *(int *)field = (int)v;
      return true;
    }
    case FLAG_DURATION: {
      int64_t ns;
      if (!go_parse_duration(value, strlen(value), &ns)) {
        errf(err, errcap, "invalid value %s for flag -%s: parse error", quoted(value, q), d->name);
        return false;
      }
      *(int64_t *)field = ns;
      return true;
    }
    case FLAG_ONOFF: {
      bool b;
      if (strcmp(value, "on") == 0) {
        b = true;
      } else if (strcmp(value, "off") == 0) {
        b = false;
      } else {
        errf(err, errcap, "invalid value %s for flag -%s: want on or off", quoted(value, q),
             d->name);
        return false;
      }
      *(bool *)field = b;
      return true;
    }
    case FLAG_TLSVER: {
      enum relay_tls_version v;
      if (strcmp(value, "1.2") == 0) {
        v = RELAY_TLS_1_2;
      } else if (strcmp(value, "1.3") == 0) {
        v = RELAY_TLS_1_3;
      } else {
        errf(err, errcap, "invalid value %s for flag -%s: want 1.2 or 1.3", quoted(value, q),
             d->name);
        return false;
      }
      *(enum relay_tls_version *)field = v;
      return true;
    }
  }
  return false;
}

static bool is_help(const char *name, size_t n) {
  return (n == 1 && name[0] == 'h') || (n == 4 && memcmp(name, "help", 4) == 0);
}

/* Go's FlagSet.parseOne for one argument that starts with '-'. Returns 1 when
 * a flag was consumed (*i advanced past its value), 0 for help, -1 on error. */
static int parse_one(struct relay_flags *f, int argc, char *const argv[], int *i, char *err,
                     size_t errcap) {
  const char *arg = argv[*i];
  const char *name = arg + 1;
  if (*name == '-') name++;
  if (*name == '\0' || *name == '-' || *name == '=') {
    errf(err, errcap, "bad flag syntax: %s", arg);
    return -1;
  }
  const char *eq = strchr(name, '=');
  size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
  const char *value = eq != NULL ? eq + 1 : NULL;
  (*i)++;

  const struct flag_def *d = flag_find(name, n);
  if (d == NULL) {
    if (is_help(name, n)) return 0;
    const struct unsupported_flag *u = unsupported_find(name, n);
    if (u != NULL) {
      errf(err, errcap, "flag -%s is a derper flag derp-relay does not support: %s", u->name,
           u->why);
    } else {
      errf(err, errcap, "flag provided but not defined: -%.*s", (int)n, name);
    }
    return -1;
  }
  if (d->kind == FLAG_BOOL) {
    /* Go: a bare boolean flag means true; its value never comes from the
     * next argument. */
    return set_flag(f, d, value != NULL ? value : "true", err, errcap) ? 1 : -1;
  }
  if (value == NULL) {
    if (*i >= argc) {
      errf(err, errcap, "flag needs an argument: -%s", d->name);
      return -1;
    }
    value = argv[(*i)++];
  }
  return set_flag(f, d, value, err, errcap) ? 1 : -1;
}

static const char *tls_version_name(enum relay_tls_version v) {
  return v == RELAY_TLS_1_2 ? "1.2" : "1.3";
}

/* Cross-flag rules, checked once every flag is known. */
/* derper's rule, then ours: every peer and pin parses. */
static bool validate_mesh(const struct relay_flags *f, char *err, size_t errcap) {
  if (f->mesh_with == NULL || f->mesh_with[0] == '\0') {
    if (f->mesh_ca_file != NULL || f->mesh_pin != NULL) {
      errf(err, errcap, "--mesh-ca-file and --mesh-pin are only used with --mesh-with");
      return false;
    }
    return true;
  }
  if (f->mesh_psk_file == NULL) {
    errf(err, errcap, "--mesh-with requires --mesh-psk-file");
    return false;
  }
  struct relay_mesh_peer peers[RELAY_MESH_PEERS_MAX];
  char pins[RELAY_MESH_PINS_MAX][65];
  size_t n;
  char why[600];
  if (!relay_mesh_peers_parse(f->mesh_with, peers, RELAY_MESH_PEERS_MAX, &n, why, sizeof why) ||
      (f->mesh_pin != NULL &&
       !relay_mesh_pins_parse(f->mesh_pin, pins, RELAY_MESH_PINS_MAX, &n, why, sizeof why))) {
    errf(err, errcap, "%s", why);
    return false;
  }
  if (f->mesh_ca_file != NULL && f->mesh_ca_file[0] == '\0') {
    errf(err, errcap, "--mesh-ca-file must not be empty");
    return false;
  }
  return true;
}

static bool validate(struct relay_flags *f, char *err, size_t errcap) {
  if (strcmp(f->certmode, "letsencrypt") == 0 || strcmp(f->certmode, "gcp") == 0) {
    errf(err, errcap,
         "--certmode=%s is not supported by derp-relay: only --certmode=manual (certificates "
         "from --certdir, or a self-signed one for an IP --hostname)",
         f->certmode);
    return false;
  }
  if (strcmp(f->certmode, "manual") != 0) {
    char q[QUOTED_CAP];
    errf(err, errcap, "unsupport cert mode: %s", quoted(f->certmode, q));
    return false;
  }
  if (f->certdir == NULL || f->certdir[0] == '\0') {
    errf(err, errcap, "missing required --certdir flag");
    return false;
  }
  if (f->hostname[0] == '\0') {
    errf(err, errcap, "missing required --hostname flag");
    return false;
  }
  char aerr[600];
  if (!relay_split_host_port(f->addr, f->listen_host, sizeof f->listen_host, &f->listen_port, aerr,
                             sizeof aerr)) {
    errf(err, errcap, "invalid -a: %s", aerr);
    return false;
  }
  /* A harness that asks for an ephemeral TLS port runs relays side by side;
   * a fixed default STUN port would make the second one fail to start. */
  if (f->stun_port == STUN_PORT_UNSET) f->stun_port = f->listen_port == 0 ? 0 : STUN_PORT_DEFAULT;
  if (f->verify_clients && (f->verify_clients_file == NULL || f->verify_clients_file[0] == '\0')) {
    errf(err, errcap,
         "--verify-clients needs --verify-clients-file FILE (one nodekey:<hex> per line): "
         "derp-relay has no local tailscaled to ask");
    return false;
  }
  if (!f->verify_clients && f->verify_clients_file != NULL) {
    errf(err, errcap, "--verify-clients-file is only used with --verify-clients");
    return false;
  }
  if (!validate_mesh(f, err, errcap)) return false;
  if (f->tcp_write_timeout_ns < 0) {
    errf(err, errcap, "--tcp-write-timeout must not be negative (0 = none)");
    return false;
  }
  if (f->handshake_timeout_ns <= 0) {
    errf(err, errcap, "--handshake-timeout must be positive");
    return false;
  }
  if (f->tls_min > f->tls_max) {
    errf(err, errcap, "--tls-min %s is above --tls-max %s", tls_version_name(f->tls_min),
         tls_version_name(f->tls_max));
    return false;
  }
  if (f->ready_file != NULL && f->ready_file[0] == '\0') {
    errf(err, errcap, "--ready-file must not be empty");
    return false;
  }
  if (f->keyfile != NULL && f->keyfile[0] == '\0') {
    errf(err, errcap, "-c must not be empty (omit it for an ephemeral key)");
    return false;
  }
  return true;
}

enum relay_flags_result relay_flags_parse(struct relay_flags *f, int argc, char *const argv[],
                                          char *err, size_t errcap) {
  if (err != NULL && errcap > 0) err[0] = '\0';
  int i = 1;
  while (i < argc) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (arg[0] != '-' || arg[1] == '\0') break;
    int r = parse_one(f, argc, argv, &i, err, errcap);
    if (r == 0) return RELAY_FLAGS_HELP;
    if (r < 0) return RELAY_FLAGS_ERROR;
  }
  /* Go stops at the first non-flag and derper ignores the rest; a stray word
   * here is far more often a typo such as `--stun false`. */
  if (i < argc) {
    char q[QUOTED_CAP];
    errf(err, errcap, "unexpected argument %s (booleans take --flag=false)", quoted(argv[i], q));
    return RELAY_FLAGS_ERROR;
  }
  return validate(f, err, errcap) ? RELAY_FLAGS_OK : RELAY_FLAGS_ERROR;
}
