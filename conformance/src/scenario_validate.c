/* The scenario schema: every key, type, enum and cross-reference a
   scenario file may have (conformance/README.md, "Scenario format"). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/hex.h"
#include "fmt_bounded.h"
#include "json_get.h"
#include "scenario_validate.h"

const char *const scenario_client_profiles[] = {
    "tailscale-1.80", "tailscale-1.82", "tailscale-1.84", "current", "debug-legacy", NULL};

bool scenario_is_profile(const char *name) {
  for (const char *const *p = scenario_client_profiles; *p != NULL; p++)
    if (strcmp(*p, name) == 0) return true;
  return false;
}

void scenario_profile_list(char *out, size_t len) {
  out[0] = '\0';
  for (const char *const *p = scenario_client_profiles; *p != NULL; p++)
    fmt_bounded(out + strlen(out), len - strlen(out), "%s%s",
                p == scenario_client_profiles ? "" : ", ", *p);
}

void scenario_relay_of(const json_t *relay, struct scenario_relay *out) {
  *out = (struct scenario_relay){
      .v6 = strcmp(js_str(relay, "address", "v4"), "v6") == 0,
      .hostname = js_str(relay, "hostname", NULL),
      .tls_min = js_str(relay, "tls_min", "1.2"),
      .tls_max = js_str(relay, "tls_max", "1.3"),
      .metacert = js_str(relay, "metacert", "on"),
      .proxy = js_str(relay, "proxy", "none"),
      .chain_generate = strcmp(js_str(relay, "chain", ""), "generate") == 0,
      .verify_clients = json_object_get(relay, "verify_clients") != NULL,
      .mesh_peer = js_str(relay, "mesh_peer", NULL),
      .rate_config = json_object_get(relay, "rate_config") != NULL,
  };
}

void scenario_client_step_of(const json_t *client, struct scenario_client_step *out) {
  *out = (struct scenario_client_step){
      .mode = js_str(client, "mode", "connect"),
      .timeout_ms = js_int(client, "timeout_ms", SCENARIO_CLIENT_TIMEOUT_MS),
      .background = js_bool(client, "background", false),
      .websocket = js_bool(client, "websocket", false),
      .relay = (int)js_int(client, "relay", 1),
      .key = js_str(client, "key", NULL),
      .peer = js_str(client, "peer", NULL),
      .packet_hex = js_str(client, "packet_hex", ""),
      .expect = json_object_get(client, "expect"),
  };
}

const char *const scenario_raw_action_names[] = {[RAW_OPEN] = "open",
                                                 [RAW_SEND_TEXT] = "send_text",
                                                 [RAW_SEND_HEX] = "send_hex",
                                                 [RAW_SEND_FRAME] = "send_frame",
                                                 [RAW_SEND_CLIENT_INFO] = "send_client_info",
                                                 [RAW_CLOSE] = "close",
                                                 [RAW_EXPECT_CLOSED] = "expect_closed",
                                                 [RAW_EXPECT_FRAME] = "expect_frame",
                                                 [RAW_EXPECT_HTTP] = "expect_http",
                                                 [RAW_EXPECT_TEXT] = "expect_text",
                                                 [RAW_SEND_BURST] = "send_burst",
                                                 [RAW_EXPECT_BURST] = "expect_burst",
                                                 [RAW_EXPECT_WS] = "expect_ws",
                                                 [RAW_RESTART_MESH_PEER] = "restart_mesh_peer",
                                                 NULL};

void scenario_raw_op_of(const json_t *op, struct scenario_raw_op *out) {
  enum scenario_raw_action action = RAW_OPEN; /* exactly one: validated */
  for (size_t a = 0; scenario_raw_action_names[a] != NULL; a++)
    if (json_object_get(op, scenario_raw_action_names[a]) != NULL)
      action = (enum scenario_raw_action)a;
  const char *conn = js_str(op, "conn", "?");
  bool opening = action == RAW_OPEN;
  *out = (struct scenario_raw_op){
      .json = op,
      .conn = conn,
      .action = action,
      .open = opening ? js_str(op, "open", "tls") : NULL,
      .key = js_str(op, "key", conn),
      .timeout_ms =
          js_int(op, "timeout_ms", opening ? SCENARIO_OPEN_TIMEOUT_MS : SCENARIO_WAIT_TIMEOUT_MS),
  };
}

static void udp_step_of(const json_t *udp, struct scenario_udp_step *out) {
  bool reply = strcmp(js_str(udp, "expect", "reply"), "reply") == 0;
  *out = (struct scenario_udp_step){
      .send_hex = js_str(udp, "send_hex", ""),
      .expect_reply = reply,
      .reply_prefix_hex = js_str(udp, "reply_prefix_hex", NULL),
      .reply_len = js_int(udp, "reply_len", -1),
      .wait_ms = (int)js_int(udp, "wait_ms",
                             reply ? SCENARIO_UDP_REPLY_WAIT_MS : SCENARIO_UDP_SILENCE_WAIT_MS),
  };
}

bool scenario_step_of(const json_t *step, struct scenario_step *out) {
  *out = (struct scenario_step){.json = step};
  const json_t *x;
  if ((x = json_object_get(step, "client")) != NULL) {
    out->kind = STEP_CLIENT;
    scenario_client_step_of(x, &out->client);
  } else if ((x = json_object_get(step, "raw")) != NULL) {
    out->kind = STEP_RAW;
    out->raw.n_ops = json_array_size(x);
    out->raw.ops = calloc(out->raw.n_ops, sizeof *out->raw.ops);
    if (out->raw.ops == NULL) return false;
    for (size_t i = 0; i < out->raw.n_ops; i++)
      scenario_raw_op_of(json_array_get(x, i), &out->raw.ops[i]);
  } else if ((x = json_object_get(step, "udp")) != NULL) {
    out->kind = STEP_UDP;
    udp_step_of(x, &out->udp);
  } else if ((x = json_object_get(step, "tls_handshakes")) != NULL) {
    out->kind = STEP_TLS_HANDSHAKES;
    out->tls_handshakes = (struct scenario_tls_handshakes_step){
        .count = js_int(x, "count", 1),
        .certs = js_int(x, "certs", -1),
        .same_chain = js_bool(x, "same_chain", false),
        .last_cn = js_str(x, "last_cn", NULL),
    };
  } else {
    x = json_object_get(step, "relay_log");
    out->kind = STEP_RELAY_LOG;
    out->relay_log = (struct scenario_relay_log_step){
        .line_prefix = json_object_get(x, "line_prefix"),
        .line_contains = json_object_get(x, "line_contains"),
        .snippet_matches_certfile = js_bool(x, "snippet_matches_certfile", false),
        .wait_ms = (int)js_int(x, "wait_ms", SCENARIO_LOG_WAIT_MS),
    };
  }
  return true;
}

void scenario_step_free(struct scenario_step *st) {
  if (st->kind == STEP_RAW) free(st->raw.ops);
  *st = (struct scenario_step){0};
}

bool schema_fail(struct schema *v, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fmt_bounded(v->err, v->errlen, "%s: %s: %s", v->file, path, msg);
  return false;
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list != NULL; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

bool schema_only_keys(struct schema *v, const json_t *obj, const char *path,
                      const char *const *keys) {
  const char *k;
  json_t *val;
  json_object_foreach((json_t *)obj, k, val) {
    (void)val;
    if (!in_list(k, keys)) {
      char p[512];
      fmt_bounded(p, sizeof p, "%s.%s", path, k);
      return schema_fail(v, p, "unknown key");
    }
  }
  return true;
}

static const char *type_name(json_type t) {
  switch (t) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    case JSON_NULL: return "null";
  }
  return "?";
}

/* obj[key] must be absent (unless required) or of type t. */
bool schema_field(struct schema *v, const json_t *obj, const char *path, const char *key,
                  json_type t, bool required) {
  const json_t *val = json_object_get(obj, key);
  char p[512];
  fmt_bounded(p, sizeof p, "%s.%s", path, key);
  if (val == NULL) return required ? schema_fail(v, p, "missing") : true;
  bool ok = t == JSON_TRUE ? json_is_boolean(val) : json_typeof(val) == t;
  if (!ok)
    return schema_fail(v, p, "expected %s, got %s", type_name(t), type_name(json_typeof(val)));
  return true;
}

bool schema_enum(struct schema *v, const json_t *obj, const char *path, const char *key,
                 const char *const *values, bool required) {
  if (!schema_field(v, obj, path, key, JSON_STRING, required)) return false;
  const char *s = js_str(obj, key, NULL);
  if (s == NULL || in_list(s, values)) return true;
  char p[512], allowed[256] = "";
  fmt_bounded(p, sizeof p, "%s.%s", path, key);
  for (const char *const *x = values; *x != NULL; x++) {
    strncat(allowed, *x, sizeof allowed - strlen(allowed) - 1);
    if (x[1] != NULL) strncat(allowed, "|", sizeof allowed - strlen(allowed) - 1);
  }
  return schema_fail(v, p, "\"%s\" is not one of %s", s, allowed);
}

static bool int_range(struct schema *v, const json_t *obj, const char *path, const char *key,
                      long long lo, long long hi, bool required) {
  if (!schema_field(v, obj, path, key, JSON_INTEGER, required)) return false;
  const json_t *val = json_object_get(obj, key);
  if (val == NULL) return true;
  long long x = (long long)json_integer_value(val);
  if (x >= lo && x <= hi) return true;
  char p[512];
  fmt_bounded(p, sizeof p, "%s.%s", path, key);
  return schema_fail(v, p, "%lld is outside %lld..%lld", x, lo, hi);
}

/* Hex digits, allowing {placeholders} that expand to hex at run time. */
static bool hex_field(struct schema *v, const json_t *obj, const char *path, const char *key,
                      bool required) {
  if (!schema_field(v, obj, path, key, JSON_STRING, required)) return false;
  const char *s = js_str(obj, key, NULL);
  for (const char *p = s; p != NULL && *p != '\0'; p++) {
    const char *end = *p == '{' ? strchr(p, '}') : NULL;
    if (end != NULL) {
      p = end;
      continue;
    }
    if (derp_hex_digit_value((unsigned char)*p) < 0) {
      char pp[512];
      fmt_bounded(pp, sizeof pp, "%s.%s", path, key);
      return schema_fail(v, pp, "not hex at offset %zu", (size_t)(p - s));
    }
  }
  return true;
}

/* Texts filled by the runner ({placeholder}) must be well formed; a literal
   brace is written {{ or }}. Which names exist is known only at run time. */
static bool placeholders_ok(const char *s) {
  for (const char *p = s; *p != '\0'; p++) {
    if ((*p == '{' || *p == '}') && p[1] == *p) {
      p++;
      continue;
    }
    if (*p == '}') return false;
    if (*p == '{') {
      const char *end = strpbrk(p + 1, "{}");
      if (end == NULL || *end != '}' || end == p + 1) return false;
      p = end;
    }
  }
  return true;
}

static bool text_field(struct schema *v, const json_t *obj, const char *path, const char *key,
                       bool required) {
  if (!schema_field(v, obj, path, key, JSON_STRING, required)) return false;
  const char *t = js_str(obj, key, NULL);
  if (t == NULL || placeholders_ok(t)) return true;
  char p[512];
  fmt_bounded(p, sizeof p, "%s.%s", path, key);
  return schema_fail(v, p,
                     "bad {placeholder} syntax (write {{ and }} for literal "
                     "braces)");
}

static bool string_array(struct schema *v, const json_t *obj, const char *path, const char *key) {
  if (!schema_field(v, obj, path, key, JSON_ARRAY, false)) return false;
  const json_t *arr = json_object_get(obj, key);
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) {
    char p[512];
    fmt_bounded(p, sizeof p, "%s.%s[%zu]", path, key, i);
    if (!json_is_string(x)) return schema_fail(v, p, "expected string");
    if (!placeholders_ok(json_string_value(x)))
      return schema_fail(v, p,
                         "bad {placeholder} syntax (write {{ and }} for "
                         "literal braces)");
  }
  return true;
}

/* "now", or [+-]N followed by s|m|h|d|y ("y" only as +1y: a calendar year,
   as derper's notAfter). */
static bool rel_time_ok(const char *s) {
  if (strcmp(s, "now") == 0) return true;
  if (s[0] != '+' && s[0] != '-') return false;
  char *end;
  long long n = strtoll(s + 1, &end, 10);
  if (end == s + 1 || n < 0 || n > 100000 || strlen(end) != 1) return false;
  if (*end == 'y') return strcmp(s, "+1y") == 0;
  return strchr("smhd", *end) != NULL;
}

static bool cert_names_has(const json_t *certs, const char *name, size_t upto) {
  for (size_t i = 0; i < upto && i < json_array_size(certs); i++)
    if (strcmp(js_str(json_array_get(certs, i), "name", ""), name) == 0) return true;
  return false;
}

/* A cert name usable by node/client_ca: without relay.certs there is the
   default one. */
static bool cert_defined(const json_t *certs, const char *name) {
  if (certs == NULL) return strcmp(name, SCENARIO_DEFAULT_CERT) == 0;
  return cert_names_has(certs, name, SIZE_MAX);
}

static bool check_cert(struct schema *v, const json_t *certs, size_t idx, const char *path) {
  static const char *const keys[] = {"name",     "profile",    "key",       "cn",      "no_cn",
                                     "serial",   "not_before", "not_after", "ip_sans", "dns_sans",
                                     "uri_sans", "issuer",     NULL};
  static const char *const profiles[] = {"derper-ip", "metacert",         "ca",       "none",
                                         "web-root",  "web-intermediate", "web-leaf", NULL};
  static const char *const keytypes[] = {"p256", "p384", "ed25519", "rsa2048", NULL};
  const json_t *c = json_array_get(certs, idx);
  if (!json_is_object(c)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, c, path, keys) || !schema_field(v, c, path, "name", JSON_STRING, true) ||
      !schema_enum(v, c, path, "profile", profiles, false) ||
      !schema_enum(v, c, path, "key", keytypes, false) || !text_field(v, c, path, "cn", false) ||
      !schema_field(v, c, path, "no_cn", JSON_TRUE, false) ||
      !string_array(v, c, path, "ip_sans") || !string_array(v, c, path, "dns_sans") ||
      !string_array(v, c, path, "uri_sans") ||
      !schema_field(v, c, path, "issuer", JSON_STRING, false))
    return false;
  const char *name = js_str(c, "name", "");
  if (name[0] == '\0') return schema_fail(v, path, "empty name");
  if (cert_names_has(certs, name, idx))
    return schema_fail(v, path, "duplicate cert name \"%s\"", name);
  const json_t *serial = json_object_get(c, "serial");
  if (serial != NULL && !(json_is_integer(serial) && json_integer_value(serial) >= 0) &&
      !(json_is_string(serial) && strcmp(json_string_value(serial), "random128") == 0))
    return schema_fail(v, path, "serial: expected a non-negative integer or \"random128\"");
  static const char *const times[] = {"not_before", "not_after", NULL};
  for (const char *const *t = times; *t != NULL; t++) {
    if (!schema_field(v, c, path, *t, JSON_STRING, false)) return false;
    const char *s = js_str(c, *t, NULL);
    if (s != NULL && !rel_time_ok(s))
      return schema_fail(v, path, "%s: \"%s\" is not now, [+-]N(s|m|h|d) or +1y", *t, s);
  }
  const char *issuer = js_str(c, "issuer", NULL);
  if (issuer != NULL && !cert_names_has(certs, issuer, idx))
    return schema_fail(v, path, "issuer \"%s\" is not a cert defined before this one", issuer);
  const char *profile = js_str(c, "profile", "derper-ip");
  if (issuer == NULL &&
      (strcmp(profile, "web-intermediate") == 0 || strcmp(profile, "web-leaf") == 0))
    return schema_fail(v, path, "profile %s needs an issuer", profile);
  return true;
}

static bool check_relay(struct schema *v, const json_t *relay) {
  static const char *const keys[] = {
      "address", "hostname",   "certs",          "chain",    "metacert",  "tls_min",     "tls_max",
      "proxy",   "proxy_cert", "verify_clients", "mesh_key", "mesh_peer", "rate_config", NULL};
  static const char *const mesh_peers[] = {"same", "reference", NULL};
  static const char *const fam[] = {"v4", "v6", NULL};
  static const char *const onoff[] = {"on", "off", NULL};
  static const char *const tls[] = {"1.2", "1.3", NULL};
  static const char *const proxy[] = {
      "none",        "strip-metacert",     "nginx", "nginx-no-upgrade", "nginx-resign",
      "nginx-plain", "haproxy-two-relays", NULL};
  if (!json_is_object(relay)) return schema_fail(v, "relay", "expected object");
  if (!schema_only_keys(v, relay, "relay", keys) ||
      !schema_enum(v, relay, "relay", "address", fam, false) ||
      !schema_field(v, relay, "relay", "hostname", JSON_STRING, false) ||
      !schema_field(v, relay, "relay", "certs", JSON_ARRAY, false) ||
      !schema_enum(v, relay, "relay", "metacert", onoff, false) ||
      !schema_enum(v, relay, "relay", "tls_min", tls, false) ||
      !schema_enum(v, relay, "relay", "tls_max", tls, false) ||
      !schema_enum(v, relay, "relay", "proxy", proxy, false) ||
      !schema_field(v, relay, "relay", "proxy_cert", JSON_STRING, false) ||
      !hex_field(v, relay, "relay", "mesh_key", false) ||
      !schema_enum(v, relay, "relay", "mesh_peer", mesh_peers, false) ||
      !schema_field(v, relay, "relay", "rate_config", JSON_OBJECT, false) ||
      !string_array(v, relay, "relay", "verify_clients"))
    return false;
  const json_t *certs = json_object_get(relay, "certs");
  for (size_t i = 0; i < json_array_size(certs); i++) {
    char p[64];
    fmt_bounded(p, sizeof p, "relay.certs[%zu]", i);
    if (!check_cert(v, certs, i, p)) return false;
  }
  const json_t *chain = json_object_get(relay, "chain");
  if (json_is_string(chain)) {
    if (strcmp(json_string_value(chain), "generate") != 0)
      return schema_fail(v, "relay.chain",
                         "expected an array of cert names or "
                         "\"generate\"");
  } else if (chain != NULL) {
    if (!json_is_array(chain) || json_array_size(chain) == 0)
      return schema_fail(v, "relay.chain", "expected a non-empty array");
    size_t i;
    json_t *x;
    json_array_foreach(chain, i, x) {
      if (!json_is_string(x) || !cert_names_has(certs, json_string_value(x), SIZE_MAX)) {
        char p[64];
        fmt_bounded(p, sizeof p, "relay.chain[%zu]", i);
        return schema_fail(v, p, "not the name of a cert in relay.certs");
      }
    }
  } else if (certs != NULL) {
    return schema_fail(v, "relay.chain", "missing (required with relay.certs)");
  }
  const char *proxy_cert = js_str(relay, "proxy_cert", NULL);
  if (proxy_cert != NULL && !cert_names_has(certs, proxy_cert, SIZE_MAX))
    return schema_fail(v, "relay.proxy_cert", "not the name of a cert in relay.certs");
  if ((proxy_cert != NULL) != (strcmp(js_str(relay, "proxy", "none"), "nginx-resign") == 0))
    return schema_fail(v, "relay.proxy_cert", "given exactly when proxy is nginx-resign");
  struct scenario_relay r;
  scenario_relay_of(relay, &r);
  if (r.mesh_peer != NULL && (json_object_get(relay, "mesh_key") == NULL ||
                              strcmp(r.proxy, "none") != 0 || r.chain_generate))
    return schema_fail(v, "relay.mesh_peer",
                       "needs relay.mesh_key, relay.certs (the peers' roots: client_ca) and "
                       "no proxy");
  if (strcmp(r.tls_min, r.tls_max) > 0)
    return schema_fail(v, "relay", "tls_min %s is above tls_max %s", r.tls_min, r.tls_max);
  return true;
}

static bool check_node(struct schema *v, const json_t *node, const json_t *certs) {
  static const char *const keys[] = {"HostName", "IPv4",     "IPv6", "CertName",
                                     "DERPPort", "STUNPort", NULL};
  static const char *const cn_keys[] = {"pin", "upper", "append", "from_snippet", NULL};
  static const char *const closed[] = {"closed", NULL};
  if (!json_is_object(node)) return schema_fail(v, "node", "expected object");
  if (!schema_only_keys(v, node, "node", keys) ||
      !schema_enum(v, node, "node", "DERPPort", closed, false) ||
      !schema_enum(v, node, "node", "STUNPort", closed, false) ||
      !schema_field(v, node, "node", "HostName", JSON_STRING, false) ||
      !schema_field(v, node, "node", "IPv4", JSON_STRING, false) ||
      !schema_field(v, node, "node", "IPv6", JSON_STRING, false))
    return false;
  const json_t *cn = json_object_get(node, "CertName");
  if (cn == NULL || json_is_string(cn)) return true;
  if (!json_is_object(cn)) return schema_fail(v, "node.CertName", "expected a string or an object");
  if (!schema_only_keys(v, cn, "node.CertName", cn_keys) ||
      !schema_field(v, cn, "node.CertName", "pin", JSON_STRING, false) ||
      !schema_field(v, cn, "node.CertName", "upper", JSON_TRUE, false) ||
      !schema_field(v, cn, "node.CertName", "append", JSON_STRING, false) ||
      !schema_field(v, cn, "node.CertName", "from_snippet", JSON_TRUE, false))
    return false;
  const char *pin = js_str(cn, "pin", NULL);
  bool snippet = js_bool(cn, "from_snippet", false);
  if ((pin != NULL) == snippet)
    return schema_fail(v, "node.CertName", "needs exactly one of pin, from_snippet");
  if (pin != NULL && !cert_defined(certs, pin))
    return schema_fail(v, "node.CertName.pin", "\"%s\" is not a cert in relay.certs", pin);
  return true;
}

bool schema_expectation(struct schema *v, const json_t *e, const char *path) {
  static const char *const keys[] = {"result",     "reason",      "reason_contains",
                                     "path",       "tls_version", "certs",
                                     "server_key", "output",      NULL};
  static const char *const results[] = {"pass", "fail", NULL};
  static const char *const paths[] = {"fast", "slow", NULL};
  static const char *const check_keys[] = {"field", "equals", "contains", "not_contains", NULL};
  if (!json_is_object(e)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, e, path, keys) || !schema_enum(v, e, path, "result", results, true) ||
      !text_field(v, e, path, "reason", false) ||
      !text_field(v, e, path, "reason_contains", false) ||
      !schema_enum(v, e, path, "path", paths, false) ||
      !schema_field(v, e, path, "tls_version", JSON_STRING, false) ||
      !int_range(v, e, path, "certs", 0, 64, false) ||
      !schema_field(v, e, path, "server_key", JSON_TRUE, false) ||
      !schema_field(v, e, path, "output", JSON_ARRAY, false))
    return false;
  if (json_object_get(e, "reason") && json_object_get(e, "reason_contains"))
    return schema_fail(v, path, "reason and reason_contains are exclusive");
  if (strcmp(js_str(e, "result", ""), "fail") == 0 && !json_object_get(e, "reason") &&
      !json_object_get(e, "reason_contains"))
    return schema_fail(v, path, "a fail expectation needs reason or reason_contains");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(e, "output"), i, c) {
    char p[512];
    fmt_bounded(p, sizeof p, "%s.output[%zu]", path, i);
    if (!json_is_object(c)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, c, p, check_keys) ||
        !schema_field(v, c, p, "field", JSON_STRING, true) ||
        !text_field(v, c, p, "contains", false) || !text_field(v, c, p, "not_contains", false))
      return false;
    int ops = (json_object_get(c, "equals") != NULL) + (json_object_get(c, "contains") != NULL) +
              (json_object_get(c, "not_contains") != NULL);
    if (ops != 1) return schema_fail(v, p, "needs exactly one of equals, contains, not_contains");
  }
  return true;
}

static bool check_client_step(struct schema *v, const json_t *c, const char *path) {
  static const char *const keys[] = {"mode",       "key",        "peer",   "packet_hex",
                                     "background", "timeout_ms", "expect", "websocket",
                                     "relay",      NULL};
  static const char *const modes[] = {"connect", "probe", "diagnose", "versions", "stun", "send",
                                      "recv",    "ping",  "watch",    "forward",  NULL};
  if (!json_is_object(c)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, c, path, keys) || !schema_enum(v, c, path, "mode", modes, true) ||
      !schema_field(v, c, path, "key", JSON_STRING, false) ||
      !schema_field(v, c, path, "peer", JSON_STRING, false) ||
      !hex_field(v, c, path, "packet_hex", false) ||
      !schema_field(v, c, path, "background", JSON_TRUE, false) ||
      !schema_field(v, c, path, "websocket", JSON_TRUE, false) ||
      !int_range(v, c, path, "timeout_ms", 100, 60000, false) ||
      !int_range(v, c, path, "relay", 1, 2, false) ||
      !schema_field(v, c, path, "expect", JSON_OBJECT, true))
    return false;
  const json_t *exp = json_object_get(c, "expect");
  if (json_object_size(exp) == 0) return schema_fail(v, path, "expect: needs at least one profile");
  const char *prof;
  json_t *e;
  json_object_foreach((json_t *)exp, prof, e) {
    char p[512];
    fmt_bounded(p, sizeof p, "%s.expect.%s", path, prof);
    if (!in_list(prof, scenario_client_profiles)) {
      char known[256];
      scenario_profile_list(known, sizeof known);
      return schema_fail(v, p, "unknown profile (known: %s)", known);
    }
    if (!schema_expectation(v, e, p)) return false;
  }
  /* Two background clients of one step would share a key, and a relay
     replaces a connection when the same key connects again. */
  struct scenario_client_step cs;
  scenario_client_step_of(c, &cs);
  if (cs.background && json_object_size(exp) != 1)
    return schema_fail(v, path, "a background client step takes exactly one profile");
  return true;
}

static bool check_raw_op(struct schema *v, const json_t *op, const char *path) {
  static const char *const keys[] = {"conn",
                                     "open",
                                     "key",
                                     "send_text",
                                     "send_hex",
                                     "send_frame",
                                     "send_client_info",
                                     "close",
                                     "expect_closed",
                                     "expect_frame",
                                     "expect_http",
                                     "expect_text",
                                     "send_burst",
                                     "expect_burst",
                                     "expect_ws",
                                     "restart_mesh_peer",
                                     "timeout_ms",
                                     NULL};
  static const char *const opens[] = {"tls", "upgraded", "derp", "fast", NULL};
  static const char *const frame_keys[] = {"type", "payload_hex", "payload_len", "length", NULL};
  static const char *const ci_keys[] = {"json", "corrupt_box", "pad_to", NULL};
  static const char *const ef_keys[] = {"type", "payload_hex", "payload_prefix_hex", "skip_others",
                                        NULL};
  static const char *const http_keys[] = {"status", "body_contains", NULL};
  if (!json_is_object(op)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, op, path, keys) ||
      !schema_field(v, op, path, "conn", JSON_STRING, true) ||
      !schema_enum(v, op, path, "open", opens, false) ||
      !schema_field(v, op, path, "key", JSON_STRING, false) ||
      !text_field(v, op, path, "send_text", false) || !hex_field(v, op, path, "send_hex", false) ||
      !schema_field(v, op, path, "close", JSON_TRUE, false) ||
      !schema_field(v, op, path, "expect_closed", JSON_TRUE, false) ||
      !schema_field(v, op, path, "restart_mesh_peer", JSON_TRUE, false) ||
      !int_range(v, op, path, "timeout_ms", 10, 30000, false))
    return false;
  int n = 0;
  for (const char *const *a = scenario_raw_action_names; *a != NULL; a++)
    n += json_object_get(op, *a) != NULL;
  if (n != 1)
    return schema_fail(v, path,
                       "needs exactly one action (open, send_text, "
                       "send_hex, send_frame, send_client_info, close, "
                       "expect_closed, expect_frame, expect_http, "
                       "expect_text, send_burst, expect_burst, expect_ws, "
                       "restart_mesh_peer)");
  char p[512];
  const json_t *f;
  if ((f = json_object_get(op, "send_frame")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.send_frame", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, frame_keys) || !int_range(v, f, p, "type", 0, 255, true) ||
        !hex_field(v, f, p, "payload_hex", false) ||
        !int_range(v, f, p, "payload_len", 0, 1 << 22, false) ||
        !int_range(v, f, p, "length", 0, 0xffffffffLL, false))
      return false;
  }
  if ((f = json_object_get(op, "send_client_info")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.send_client_info", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, ci_keys) || !schema_field(v, f, p, "json", JSON_STRING, true) ||
        !schema_field(v, f, p, "corrupt_box", JSON_TRUE, false) ||
        !int_range(v, f, p, "pad_to", 0, 1 << 22, false))
      return false;
  }
  if ((f = json_object_get(op, "expect_frame")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.expect_frame", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, ef_keys) || !int_range(v, f, p, "type", 0, 255, true) ||
        !hex_field(v, f, p, "payload_hex", false) ||
        !hex_field(v, f, p, "payload_prefix_hex", false) ||
        !schema_field(v, f, p, "skip_others", JSON_TRUE, false))
      return false;
  }
  if ((f = json_object_get(op, "expect_text")) != NULL) {
    static const char *const text_keys[] = {"equals", NULL};
    fmt_bounded(p, sizeof p, "%s.expect_text", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, text_keys) || !text_field(v, f, p, "equals", true)) return false;
  }
  if ((f = json_object_get(op, "expect_ws")) != NULL) {
    static const char *const ws_keys[] = {"opcode", "status", "payload_prefix_hex", NULL};
    fmt_bounded(p, sizeof p, "%s.expect_ws", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, ws_keys) || !int_range(v, f, p, "opcode", 0, 15, true) ||
        !int_range(v, f, p, "status", 1000, 4999, false) ||
        !hex_field(v, f, p, "payload_prefix_hex", false))
      return false;
  }
  if ((f = json_object_get(op, "send_burst")) != NULL) {
    static const char *const burst_keys[] = {"to", "count", "size", NULL};
    fmt_bounded(p, sizeof p, "%s.send_burst", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, burst_keys) || !schema_field(v, f, p, "to", JSON_STRING, true) ||
        !int_range(v, f, p, "count", 1, 1000000, true) ||
        !int_range(v, f, p, "size", 8, 65535, true))
      return false;
  }
  if ((f = json_object_get(op, "expect_burst")) != NULL) {
    static const char *const burst_keys[] = {"from", "count", "some_dropped", "min_ms", NULL};
    fmt_bounded(p, sizeof p, "%s.expect_burst", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, burst_keys) ||
        !schema_field(v, f, p, "from", JSON_STRING, true) ||
        !int_range(v, f, p, "count", 1, 1000000, true) ||
        !schema_field(v, f, p, "some_dropped", JSON_TRUE, false) ||
        !int_range(v, f, p, "min_ms", 0, 60000, false))
      return false;
  }
  if ((f = json_object_get(op, "expect_http")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.expect_http", path);
    if (!json_is_object(f)) return schema_fail(v, p, "expected object");
    if (!schema_only_keys(v, f, p, http_keys) || !int_range(v, f, p, "status", 100, 599, true) ||
        !schema_field(v, f, p, "body_contains", JSON_STRING, false))
      return false;
  }
  return true;
}

static bool check_step(struct schema *v, const json_t *s, const char *path, bool *relay_level) {
  static const char *const keys[] = {"name",           "client",    "raw", "udp",
                                     "tls_handshakes", "relay_log", NULL};
  static const char *const kinds[] = {"client", "raw", "udp", "tls_handshakes", "relay_log", NULL};
  if (!json_is_object(s)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, s, path, keys) || !schema_field(v, s, path, "name", JSON_STRING, false))
    return false;
  int n = 0;
  for (const char *const *k = kinds; *k != NULL; k++) n += json_object_get(s, *k) != NULL;
  if (n != 1)
    return schema_fail(v, path,
                       "needs exactly one of client, raw, udp, "
                       "tls_handshakes, relay_log");
  char p[512];
  const json_t *x;
  if ((x = json_object_get(s, "client")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.client", path);
    return check_client_step(v, x, p);
  }
  *relay_level = true;
  if ((x = json_object_get(s, "raw")) != NULL) {
    fmt_bounded(p, sizeof p, "%s.raw", path);
    if (!json_is_array(x) || json_array_size(x) == 0)
      return schema_fail(v, p, "expected a non-empty array of operations");
    size_t i;
    json_t *op;
    json_array_foreach(x, i, op) {
      fmt_bounded(p, sizeof p, "%s.raw[%zu]", path, i);
      if (!check_raw_op(v, op, p)) return false;
    }
    return true;
  }
  if ((x = json_object_get(s, "udp")) != NULL) {
    static const char *const ukeys[] = {"send_hex",  "expect",  "reply_prefix_hex",
                                        "reply_len", "wait_ms", NULL};
    static const char *const uexp[] = {"reply", "silence", NULL};
    fmt_bounded(p, sizeof p, "%s.udp", path);
    if (!json_is_object(x)) return schema_fail(v, p, "expected object");
    return schema_only_keys(v, x, p, ukeys) && hex_field(v, x, p, "send_hex", true) &&
           schema_enum(v, x, p, "expect", uexp, true) &&
           hex_field(v, x, p, "reply_prefix_hex", false) &&
           int_range(v, x, p, "reply_len", 0, 65535, false) &&
           int_range(v, x, p, "wait_ms", 10, 10000, false);
  }
  if ((x = json_object_get(s, "tls_handshakes")) != NULL) {
    static const char *const hkeys[] = {"count", "certs", "same_chain", "last_cn", NULL};
    fmt_bounded(p, sizeof p, "%s.tls_handshakes", path);
    if (!json_is_object(x)) return schema_fail(v, p, "expected object");
    return schema_only_keys(v, x, p, hkeys) && int_range(v, x, p, "count", 1, 10000, true) &&
           int_range(v, x, p, "certs", 0, 64, false) &&
           schema_field(v, x, p, "same_chain", JSON_TRUE, false) &&
           text_field(v, x, p, "last_cn", false);
  }
  x = json_object_get(s, "relay_log");
  static const char *const lkeys[] = {"line_prefix", "line_contains", "snippet_matches_certfile",
                                      "wait_ms", NULL};
  fmt_bounded(p, sizeof p, "%s.relay_log", path);
  if (!json_is_object(x)) return schema_fail(v, p, "expected object");
  return schema_only_keys(v, x, p, lkeys) && string_array(v, x, p, "line_prefix") &&
         string_array(v, x, p, "line_contains") &&
         schema_field(v, x, p, "snippet_matches_certfile", JSON_TRUE, false) &&
         int_range(v, x, p, "wait_ms", 10, 10000, false);
}

static bool id_ok(const char *id) {
  const char *sep = strstr(id, "::");
  if (sep == NULL || sep == id || sep[2] == '\0') return false;
  for (const char *p = id; *p != '\0'; p++) {
    if (p == sep || p == sep + 1) continue;
    if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-._", *p) == NULL) return false;
  }
  return strstr(sep + 2, "::") == NULL;
}

static bool validate(struct schema *v, const json_t *doc, bool *relay_level) {
  static const char *const keys[] = {"id",   "description", "layer", "spec", "relay",
                                     "node", "client_ca",   "steps", NULL};
  static const char *const layers[] = {"tls", "derp", NULL};
  if (!json_is_object(doc)) return schema_fail(v, "(top)", "expected object");
  if (!schema_only_keys(v, doc, "(top)", keys) ||
      !schema_field(v, doc, "(top)", "id", JSON_STRING, true) ||
      !schema_field(v, doc, "(top)", "description", JSON_STRING, true) ||
      !schema_enum(v, doc, "(top)", "layer", layers, false) ||
      !schema_field(v, doc, "(top)", "spec", JSON_STRING, false) ||
      !schema_field(v, doc, "(top)", "client_ca", JSON_STRING, false) ||
      !schema_field(v, doc, "(top)", "steps", JSON_ARRAY, true))
    return false;
  if (!id_ok(js_str(doc, "id", "")))
    return schema_fail(v, "id", "\"%s\" is not namespace::name in [a-z0-9-._]",
                       js_str(doc, "id", ""));
  const json_t *relay = json_object_get(doc, "relay");
  if (relay != NULL && !check_relay(v, relay)) return false;
  const json_t *certs = json_object_get(relay, "certs");
  const json_t *node = json_object_get(doc, "node");
  if (node != NULL && !check_node(v, node, certs)) return false;
  const char *ca = js_str(doc, "client_ca", NULL);
  if (ca != NULL && !cert_defined(certs, ca))
    return schema_fail(v, "client_ca", "\"%s\" is not a cert in relay.certs", ca);
  bool meshed = js_str(relay, "mesh_peer", NULL) != NULL;
  if (meshed && ca == NULL)
    return schema_fail(v, "client_ca", "needed with relay.mesh_peer: the relays' mesh roots");
  const json_t *steps = json_object_get(doc, "steps");
  if (json_array_size(steps) == 0) return schema_fail(v, "steps", "empty");
  size_t i;
  json_t *s;
  json_array_foreach(steps, i, s) {
    char p[64];
    fmt_bounded(p, sizeof p, "steps[%zu]", i);
    if (!check_step(v, s, p, relay_level)) return false;
  }
  return true;
}

bool scenario_validate(const json_t *doc, const char *file, bool *relay_level, char *err,
                       size_t errlen) {
  struct schema v = {file, err, errlen};
  *relay_level = false;
  return validate(&v, doc, relay_level);
}
