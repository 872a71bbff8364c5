/* A node given as `Key=value,Key=value` on a command line. The pairs are
 * turned into the equivalent JSON node object and decoded by the JSON path,
 * so a bad value gets exactly the message the same mistake in JSON gets. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/derpmap.h"
#include "derp/go.h"
#include "derp/guard.h"

enum flag_kind { FLAG_STRING, FLAG_INT, FLAG_BOOL };

static const struct {
  const char *key;
  enum flag_kind kind;
} node_keys[] = {
    {"Name", FLAG_STRING},           {"RegionID", FLAG_INT},      {"HostName", FLAG_STRING},
    {"CertName", FLAG_STRING},       {"IPv4", FLAG_STRING},       {"IPv6", FLAG_STRING},
    {"STUNPort", FLAG_INT},          {"STUNOnly", FLAG_BOOL},     {"DERPPort", FLAG_INT},
    {"InsecureForTests", FLAG_BOOL}, {"STUNTestIP", FLAG_STRING}, {"CanPort80", FLAG_BOOL},
};
enum { NODE_KEY_COUNT = sizeof node_keys / sizeof node_keys[0] };

__attribute__((format(printf, 2, 3))) static bool flag_fail(struct derp_map_error *err,
                                                            const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return false;
}

static int find_key(const char *key, size_t len) {
  for (size_t i = 0; i < NODE_KEY_COUNT; i++)
    if (strlen(node_keys[i].key) == len && memcmp(node_keys[i].key, key, len) == 0) return (int)i;
  return -1;
}

/* An integer the way JSON would spell it (ParseInt's syntax without a '+');
 * anything else stays a string so the decoder reports it as the wrong type. */
static bool parse_json_integer(const char *s, size_t len, json_int_t *out) {
  int64_t v;
  GUARD(len > 0 && s[0] != '+' && go_parse_int(s, len, 10, &v) == GO_INT_OK);
  *out = (json_int_t)v;
  return true;
}

static json_t *flag_value(enum flag_kind kind, const char *v, size_t len) {
  json_int_t i;
  if (kind == FLAG_INT && parse_json_integer(v, len, &i)) return json_integer(i);
  if (kind == FLAG_BOOL && len == 4 && memcmp(v, "true", 4) == 0) return json_true();
  if (kind == FLAG_BOOL && len == 5 && memcmp(v, "false", 5) == 0) return json_false();
  return json_stringn(v, len); /* NULL on invalid UTF-8 */
}

static void list_keys(char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < NODE_KEY_COUNT && used < cap; i++) {
    int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", node_keys[i].key);
    if (n < 0) break;
    used += (size_t)n;
  }
}

static bool add_pair(json_t *node, const char *item, size_t len, struct derp_map_error *err) {
  const char *eq = memchr(item, '=', len);
  ENSURE(eq, flag_fail(err, "\"%.*s\": expected Key=value", (int)(len > 40 ? 40 : len), item));
  size_t key_len = (size_t)(eq - item);
  int k = find_key(item, key_len);
  if (k < 0) {
    char known[200];
    list_keys(known, sizeof known);
    return flag_fail(err, "unknown key \"%.*s\" (keys are case-sensitive: %s)",
                     (int)(key_len > 40 ? 40 : key_len), item, known);
  }
  ENSURE(!json_object_get(node, node_keys[k].key),
         flag_fail(err, "duplicate key \"%s\"", node_keys[k].key));
  json_t *v = flag_value(node_keys[k].kind, eq + 1, len - key_len - 1);
  ENSURE(v, flag_fail(err, "%s: value is not valid UTF-8", node_keys[k].key));
  ENSURE(json_object_set_new(node, node_keys[k].key, v) == 0, flag_fail(err, "out of memory"));
  return true;
}

static bool pairs_to_node(const char *text, size_t len, json_t *node, struct derp_map_error *err) {
  while (len && (text[0] == ' ' || text[0] == '\t')) text++, len--;
  while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
                 text[len - 1] == '\r'))
    len--;
  ENSURE(len > 0, flag_fail(err, "no Key=value pairs given"));
  ENSURE(!memchr(text, '\0', len), flag_fail(err, "input contains a NUL byte"));
  size_t pos = 0;
  for (;;) {
    const char *comma = memchr(text + pos, ',', len - pos);
    size_t item_len = comma ? (size_t)(comma - (text + pos)) : len - pos;
    ENSURE(item_len > 0, flag_fail(err, "empty Key=value pair at byte %zu", pos));
    GUARD(add_pair(node, text + pos, item_len, err));
    if (!comma) return true;
    pos += item_len + 1;
  }
}

/* The JSON object of a parsed node, with only the fields it sets (the same
 * "absent = zero value" reading the decoder applies). */
static json_t *node_to_json(const struct derp_node *n) {
  json_t *o = json_object();
  if (!o) return NULL;
  const struct {
    const char *key;
    const char *value;
  } strings[] = {{"Name", n->name}, {"HostName", n->host_name}, {"CertName", n->cert_name},
                 {"IPv4", n->ipv4}, {"IPv6", n->ipv6},          {"STUNTestIP", n->stun_test_ip}};
  bool ok = true;
  for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
    if (strings[i].value && strings[i].value[0])
      ok = ok && json_object_set_new(o, strings[i].key, json_string(strings[i].value)) == 0;
  if (n->region_id) ok = ok && json_object_set_new(o, "RegionID", json_integer(n->region_id)) == 0;
  if (n->derp_port) ok = ok && json_object_set_new(o, "DERPPort", json_integer(n->derp_port)) == 0;
  if (n->stun_port) ok = ok && json_object_set_new(o, "STUNPort", json_integer(n->stun_port)) == 0;
  if (n->stun_only) ok = ok && json_object_set_new(o, "STUNOnly", json_true()) == 0;
  if (n->insecure_for_tests)
    ok = ok && json_object_set_new(o, "InsecureForTests", json_true()) == 0;
  if (n->can_port80) ok = ok && json_object_set_new(o, "CanPort80", json_true()) == 0;
  if (!ok) {
    json_decref(o);
    return NULL;
  }
  return o;
}

bool derp_map_parse_node_flags_onto(const struct derp_node *base, const char *text, size_t len,
                                    struct derp_map **out, struct derp_map_error *err) {
  *out = NULL;
  err->msg[0] = '\0';
  ENSURE(text != NULL || len == 0, flag_fail(err, "no input"));
  ENSURE(len <= DERP_MAP_MAX_INPUT,
         flag_fail(err, "input too large (%zu bytes, limit %u)", len, DERP_MAP_MAX_INPUT));
  json_t *flags = json_object();
  json_t *node = base ? node_to_json(base) : json_object();
  bool ok = flags && node;
  if (!ok) flag_fail(err, "out of memory");
  ok = ok && pairs_to_node(text, len, flags, err);
  /* Flags win over the base node: `--snippet LINE --node DERPPort=4443`. */
  if (ok && json_object_update(node, flags) != 0) ok = flag_fail(err, "out of memory");
  char *json = ok ? json_dumps(node, JSON_COMPACT) : NULL;
  json_decref(flags);
  json_decref(node);
  GUARD(ok);
  ENSURE(json, flag_fail(err, "out of memory"));
  ok = derp_map_parse(json, strlen(json), out, err);
  json_free_t release; /* json_dumps allocates with jansson's allocator, maybe not malloc */
  json_get_alloc_funcs(NULL, &release);
  release(json);
  return ok;
}

bool derp_map_parse_node_flags(const char *text, size_t len, struct derp_map **out,
                               struct derp_map_error *err) {
  return derp_map_parse_node_flags_onto(NULL, text, len, out, err);
}
