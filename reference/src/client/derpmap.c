/* DERPMap JSON: find the JSON in what the user pasted, decode it the way Go's
 * encoding/json fills tailcfg.DERPMap / DERPRegion / DERPNode, and own the
 * result. */
#include "derp/derpmap.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "derp/guard.h"

/* ---- errors and the field path they name ---- */

struct decode_ctx {
  char path[160];
  size_t path_len;
  struct derp_map_error *err;
};

__attribute__((format(printf, 2, 3))) static bool fail(struct decode_ctx *c, const char *fmt, ...) {
  size_t used = 0;
  if (c->path_len) {
    int n = snprintf(c->err->msg, sizeof c->err->msg, "%s: ", c->path);
    used = n > 0 ? (size_t)n : 0; /* the path buffer is half the message buffer */
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err->msg + used, sizeof c->err->msg - used, fmt, ap);
  va_end(ap);
  return false;
}

/* Appends a path segment; returns the length to restore with path_pop. A
 * path too long for the buffer is cut, which only shortens error text. */
__attribute__((format(printf, 2, 3))) static size_t path_push(struct decode_ctx *c, const char *fmt,
                                                              ...) {
  size_t saved = c->path_len;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(c->path + saved, sizeof c->path - saved, fmt, ap);
  va_end(ap);
  if (n > 0)
    c->path_len += (size_t)n < sizeof c->path - saved ? (size_t)n : sizeof c->path - saved - 1;
  return saved;
}

static void path_pop(struct decode_ctx *c, size_t saved) {
  c->path_len = saved;
  c->path[saved] = '\0';
}

/* Every decoded field pushes its name: a copy, not a vsnprintf (which was a
 * tenth of a parse). Cut like path_push when the buffer is full. */
static size_t path_push_field(struct decode_ctx *c, const char *name) {
  size_t saved = c->path_len;
  size_t room = sizeof c->path - 1 - saved;
  if (saved > 0 && room > 0) {
    c->path[c->path_len++] = '.';
    room--;
  }
  size_t n = strlen(name);
  if (n > room) n = room;
  memcpy(c->path + c->path_len, name, n);
  c->path_len += n;
  c->path[c->path_len] = '\0';
  return saved;
}

/* How a wrong value is shown in an error: the JSON text (ASCII-escaped, so
 * control bytes cannot reach a terminal), cut to a readable length. */
static void describe(const json_t *v, char *buf, size_t cap) {
  if (json_is_object(v)) {
    snprintf(buf, cap, "an object");
    return;
  }
  if (json_is_array(v)) {
    snprintf(buf, cap, "an array");
    return;
  }
  char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
  if (!s) {
    snprintf(buf, cap, "an unprintable value");
    return;
  }
  const size_t shown = 40;
  if (strlen(s) > shown)
    snprintf(buf, cap, "%.*s...", (int)shown, s);
  else
    snprintf(buf, cap, "%s", s);
  json_free_t release; /* json_dumps allocates with jansson's allocator, maybe not malloc */
  json_get_alloc_funcs(NULL, &release);
  release(s);
}

/* ---- field tables ---- */

enum field_kind {
  FIELD_STRING,
  FIELD_INT64,
  FIELD_PORT,      /* 0..65535 */
  FIELD_STUN_PORT, /* -1..65535 */
  FIELD_BOOL,
  FIELD_NUMBER,      /* known to Go as float64; checked, not kept */
  FIELD_HOME_PARAMS, /* Go's DERPHomeParams: checked as Go decodes it, not kept */
  FIELD_NESTED,      /* Regions / Nodes: decoded by the caller */
};

struct field_spec {
  const char *name;
  enum field_kind kind;
  size_t offset; /* into the destination struct, for kept scalars */
};

#define NODE_FIELD(name, kind, member) \
  { name, kind, offsetof(struct derp_node, member) }
static const struct field_spec node_fields[] = {
    NODE_FIELD("Name", FIELD_STRING, name),
    NODE_FIELD("RegionID", FIELD_INT64, region_id),
    NODE_FIELD("HostName", FIELD_STRING, host_name),
    NODE_FIELD("CertName", FIELD_STRING, cert_name),
    NODE_FIELD("IPv4", FIELD_STRING, ipv4),
    NODE_FIELD("IPv6", FIELD_STRING, ipv6),
    NODE_FIELD("STUNPort", FIELD_STUN_PORT, stun_port),
    NODE_FIELD("STUNOnly", FIELD_BOOL, stun_only),
    NODE_FIELD("DERPPort", FIELD_PORT, derp_port),
    NODE_FIELD("InsecureForTests", FIELD_BOOL, insecure_for_tests),
    NODE_FIELD("STUNTestIP", FIELD_STRING, stun_test_ip),
    NODE_FIELD("CanPort80", FIELD_BOOL, can_port80),
};
enum { NODE_HOSTNAME = 2, NODE_FIELD_COUNT = sizeof node_fields / sizeof node_fields[0] };

#define REGION_FIELD(name, kind, member) \
  { name, kind, offsetof(struct derp_region, member) }
static const struct field_spec region_fields[] = {
    REGION_FIELD("RegionID", FIELD_INT64, region_id),
    REGION_FIELD("RegionCode", FIELD_STRING, code),
    REGION_FIELD("RegionName", FIELD_STRING, name),
    {"Latitude", FIELD_NUMBER, 0},
    {"Longitude", FIELD_NUMBER, 0},
    REGION_FIELD("Avoid", FIELD_BOOL, avoid),
    REGION_FIELD("NoMeasureNoHome", FIELD_BOOL, no_measure_no_home),
    {"Nodes", FIELD_NESTED, 0},
};
enum { REGION_NODES = 7, REGION_FIELD_COUNT = sizeof region_fields / sizeof region_fields[0] };

static const struct field_spec map_fields[] = {
    {"HomeParams", FIELD_HOME_PARAMS, 0},
    {"Regions", FIELD_NESTED, 0},
    {"OmitDefaultRegions", FIELD_BOOL, offsetof(struct derp_map, omit_default_regions)},
};
enum { MAP_REGIONS = 1, MAP_FIELD_COUNT = sizeof map_fields / sizeof map_fields[0] };

enum { MAX_FIELDS = 12 };

/* The spec entry a key sets, by Go's rule (go_json_field_index). */
static int match_field(const struct field_spec *spec, size_t n, const char *key) {
  const char *names[MAX_FIELDS];
  for (size_t i = 0; i < n; i++) names[i] = spec[i].name;
  return go_json_field_index(key, strlen(key), names, n);
}

/* found[i] = the value for spec[i], or NULL. Two keys naming one field (which
 * Go would silently resolve by "last wins") are an error. */
static bool collect_fields(struct decode_ctx *c, json_t *obj, const struct field_spec *spec,
                           size_t n, json_t **found, size_t *known) {
  const char *keys[MAX_FIELDS] = {0};
  const char *key;
  json_t *value;
  *known = 0;
  for (size_t i = 0; i < n; i++) found[i] = NULL;
  json_object_foreach(obj, key, value) {
    int i = match_field(spec, n, key);
    if (i < 0) continue; /* unknown fields are ignored, as Go does */
    if (found[i]) {
      size_t saved = path_push_field(c, spec[i].name);
      bool r = fail(c, "duplicate key (\"%s\" and \"%s\")", keys[i], key);
      path_pop(c, saved);
      return r;
    }
    found[i] = value;
    keys[i] = key;
    (*known)++;
  }
  return true;
}

static bool decode_int(struct decode_ctx *c, const json_t *v, json_int_t lo, json_int_t hi,
                       json_int_t *out) {
  char got[64];
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
    describe(v, got, sizeof got);
    if (lo == INT64_MIN) return fail(c, "expected integer, got %s", got);
    return fail(c, "expected integer %lld..%lld, got %s", (long long)lo, (long long)hi, got);
  }
  *out = json_integer_value(v);
  return true;
}

static bool decode_home_params(struct decode_ctx *c, json_t *v);

static bool decode_scalar(struct decode_ctx *c, const struct field_spec *f, json_t *v, void *dst) {
  if (!v || json_is_null(v)) return true; /* Go: null leaves the zero value */
  char got[64];
  unsigned char *field = (unsigned char *)dst + f->offset;
  json_int_t i = 0;
  switch (f->kind) {
    case FIELD_STRING: {
      if (!json_is_string(v)) {
        describe(v, got, sizeof got);
        return fail(c, "expected string, got %s", got);
      }
      size_t len = json_string_length(v);
      ENSURE(len <= DERP_MAP_MAX_STRING,
             fail(c, "string too long (%zu bytes, limit %d)", len, DERP_MAP_MAX_STRING));
      char *s = strndup(json_string_value(v), len);
      ENSURE(s, fail(c, "out of memory"));
      memcpy(field, &s, sizeof s);
      return true;
    }
    case FIELD_INT64:
      GUARD(decode_int(c, v, INT64_MIN, INT64_MAX, &i));
      *(int64_t *)(void *)field = (int64_t)i;
      return true;
    case FIELD_PORT:
      GUARD(decode_int(c, v, 0, 65535, &i));
      *(int *)(void *)field = (int)i;
      return true;
    case FIELD_STUN_PORT:
      GUARD(decode_int(c, v, -1, 65535, &i));
      *(int *)(void *)field = (int)i;
      return true;
    case FIELD_BOOL:
      if (!json_is_boolean(v)) {
        describe(v, got, sizeof got);
        return fail(c, "expected true or false, got %s", got);
      }
      *(bool *)(void *)field = json_is_true(v);
      return true;
    case FIELD_NUMBER:
      if (!json_is_number(v)) {
        describe(v, got, sizeof got);
        return fail(c, "expected number, got %s", got);
      }
      return true;
    case FIELD_HOME_PARAMS: return decode_home_params(c, v);
    case FIELD_NESTED: return true;
  }
  return true;
}

static bool decode_scalars(struct decode_ctx *c, const struct field_spec *spec, size_t n,
                           json_t **found, void *dst) {
  for (size_t i = 0; i < n; i++) {
    size_t saved = path_push_field(c, spec[i].name);
    bool ok = decode_scalar(c, &spec[i], found[i], dst);
    path_pop(c, saved);
    GUARD(ok);
  }
  return true;
}

/* Absent strings become "" so no consumer ever checks for NULL. */
static bool fill_empty(char **s) {
  if (*s) return true;
  *s = strdup("");
  return *s != NULL;
}

static void node_free(struct derp_node *n) {
  free(n->name);
  free(n->host_name);
  free(n->cert_name);
  free(n->ipv4);
  free(n->ipv6);
  free(n->stun_test_ip);
}

static void region_free(struct derp_region *r) {
  free(r->code);
  free(r->name);
  for (size_t i = 0; i < r->node_count; i++) node_free(&r->nodes[i]);
  free(r->nodes);
}

void derp_map_free(struct derp_map *m) {
  if (!m) return;
  for (size_t i = 0; i < m->region_count; i++) region_free(&m->regions[i]);
  free(m->regions);
  free(m);
}

/* ---- the three object kinds ---- */

static bool expect_object(struct decode_ctx *c, const json_t *v) {
  char got[64];
  if (json_is_object(v)) return true;
  describe(v, got, sizeof got);
  return fail(c, "expected object, got %s", got);
}

static bool decode_node(struct decode_ctx *c, json_t *obj, struct derp_node *n) {
  json_t *found[MAX_FIELDS];
  size_t known;
  GUARD(expect_object(c, obj));
  GUARD(collect_fields(c, obj, node_fields, NODE_FIELD_COUNT, found, &known));
  GUARD(decode_scalars(c, node_fields, NODE_FIELD_COUNT, found, n));
  ENSURE(fill_empty(&n->name) && fill_empty(&n->host_name) && fill_empty(&n->cert_name) &&
             fill_empty(&n->ipv4) && fill_empty(&n->ipv6) && fill_empty(&n->stun_test_ip),
         fail(c, "out of memory"));
  if (n->host_name[0] == '\0') {
    size_t saved = path_push_field(c, "HostName");
    bool r = fail(c, found[NODE_HOSTNAME] && !json_is_null(found[NODE_HOSTNAME])
                         ? "must not be empty"
                         : "missing required field");
    path_pop(c, saved);
    return r;
  }
  return true;
}

static bool decode_nodes(struct decode_ctx *c, json_t *arr, struct derp_region *r) {
  if (!arr || json_is_null(arr)) return true; /* a region with no nodes */
  size_t saved = path_push_field(c, "Nodes");
  char got[64];
  if (!json_is_array(arr)) {
    describe(arr, got, sizeof got);
    return fail(c, "expected array, got %s", got);
  }
  size_t count = json_array_size(arr);
  if (count) {
    r->nodes = calloc(count, sizeof *r->nodes);
    ENSURE(r->nodes, fail(c, "out of memory"));
  }
  for (size_t i = 0; i < count; i++) {
    size_t elem = path_push(c, "[%zu]", i);
    r->node_count = i + 1; /* so a partial node is freed on error */
    GUARD(decode_node(c, json_array_get(arr, i), &r->nodes[i]));
    path_pop(c, elem);
  }
  path_pop(c, saved);
  return true;
}

static bool decode_region(struct decode_ctx *c, json_t *obj, struct derp_region *r) {
  json_t *found[MAX_FIELDS];
  size_t known;
  GUARD(expect_object(c, obj));
  GUARD(collect_fields(c, obj, region_fields, REGION_FIELD_COUNT, found, &known));
  GUARD(decode_scalars(c, region_fields, REGION_FIELD_COUNT, found, r));
  ENSURE(fill_empty(&r->code) && fill_empty(&r->name), fail(c, "out of memory"));
  return decode_nodes(c, found[REGION_NODES], r);
}

/* A user-chosen key as it may appear in an error: at most cap-1 bytes, each
 * byte outside printable ASCII shown as '?', so no terminal control (or a
 * split UTF-8 sequence) reaches the message. */
static void printable_prefix(const char *s, char *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++) out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  out[i] = '\0';
}

/* HomeParams: tailscale decodes it into DERPHomeParams{RegionScore
 * map[int]float64} and refuses the whole map when a score's key is not an
 * int or its value not a number (json-oracle found this accepted here).
 * Nothing of it is kept. */
static const struct field_spec home_params_fields[] = {{"RegionScore", FIELD_NESTED, 0}};

static bool decode_home_params(struct decode_ctx *c, json_t *v) {
  GUARD(expect_object(c, v));
  json_t *found[1];
  size_t known;
  GUARD(collect_fields(c, v, home_params_fields, 1, found, &known));
  if (!found[0] || json_is_null(found[0])) return true; /* Go: a nil map */
  size_t saved = path_push_field(c, "RegionScore");
  GUARD(expect_object(c, found[0]));
  const char *key;
  json_t *score;
  json_object_foreach(found[0], key, score) {
    int64_t id;
    char shown[41], got[64];
    printable_prefix(key, shown, sizeof shown);
    size_t k = path_push(c, ".%s", shown);
    ENSURE(go_parse_int(key, strlen(key), 10, &id) == GO_INT_OK,
           fail(c, "region key must be an integer"));
    if (!json_is_null(score) && !json_is_number(score)) {
      describe(score, got, sizeof got);
      return fail(c, "expected number, got %s", got);
    }
    path_pop(c, k);
  }
  path_pop(c, saved);
  return true;
}

struct region_entry {
  int64_t id;
  const char *key;
  json_t *value;
};

static int region_entry_cmp(const void *a, const void *b) {
  const struct region_entry *x = a, *y = b;
  return (x->id > y->id) - (x->id < y->id);
}

static bool decode_regions(struct decode_ctx *c, json_t *obj, struct derp_map *m) {
  if (!obj || json_is_null(obj)) return true; /* Go: a nil map */
  size_t saved = path_push_field(c, "Regions");
  GUARD(expect_object(c, obj));
  size_t count = json_object_size(obj);
  if (!count) {
    path_pop(c, saved);
    return true;
  }
  struct region_entry *entries = calloc(count, sizeof *entries);
  ENSURE(entries, fail(c, "out of memory"));
  bool ok = true;
  size_t n = 0;
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    if (go_parse_int(key, strlen(key), 10, &entries[n].id) != GO_INT_OK) {
      char shown[41];
      printable_prefix(key, shown, sizeof shown);
      size_t k = path_push(c, ".%s", shown);
      ok = fail(c, "region key must be an integer");
      path_pop(c, k);
      break;
    }
    entries[n].key = key;
    entries[n++].value = value;
  }
  if (ok) qsort(entries, n, sizeof *entries, region_entry_cmp);
  for (size_t i = 1; ok && i < n; i++)
    if (entries[i].id == entries[i - 1].id)
      ok = fail(c, "duplicate region id %lld (keys \"%.40s\" and \"%.40s\")",
                (long long)entries[i].id, entries[i - 1].key, entries[i].key);
  if (ok) {
    m->regions = calloc(n, sizeof *m->regions);
    ok = m->regions != NULL || fail(c, "out of memory");
  }
  for (size_t i = 0; ok && i < n; i++) {
    struct derp_region *r = &m->regions[i];
    size_t k = path_push(c, ".%.40s", entries[i].key);
    m->region_count = i + 1;
    r->id = entries[i].id;
    ok = decode_region(c, entries[i].value, r);
    if (ok && r->region_id != 0 && r->region_id != r->id) {
      size_t f = path_push_field(c, "RegionID");
      ok = fail(c, "%lld does not match the region key %.40s", (long long)r->region_id,
                entries[i].key);
      path_pop(c, f);
    }
    path_pop(c, k);
  }
  free(entries);
  GUARD(ok);
  path_pop(c, saved);
  return true;
}

static int64_t lone_region_id(int64_t region_id) {
  return region_id ? region_id : DERP_CUSTOM_REGION_ID;
}

/* Which of map / region / node the top-level object is, by its distinctive
 * field; a node is the fallback so a node missing HostName gets that named. */
static bool decode_top(struct decode_ctx *c, json_t *root, struct derp_map *m) {
  json_t *found[MAX_FIELDS];
  size_t known;
  char got[64];
  if (!json_is_object(root)) {
    describe(root, got, sizeof got);
    return fail(c, "expected a JSON object, got %s", got);
  }
  GUARD(collect_fields(c, root, map_fields, MAP_FIELD_COUNT, found, &known));
  if (found[MAP_REGIONS]) {
    GUARD(decode_scalars(c, map_fields, MAP_FIELD_COUNT, found, m));
    return decode_regions(c, found[MAP_REGIONS], m);
  }
  m->regions = calloc(1, sizeof *m->regions);
  ENSURE(m->regions, fail(c, "out of memory"));
  m->region_count = 1;
  struct derp_region *r = &m->regions[0];
  GUARD(collect_fields(c, root, region_fields, REGION_FIELD_COUNT, found, &known));
  if (found[REGION_NODES]) {
    GUARD(decode_region(c, root, r));
    r->id = lone_region_id(r->region_id);
    return true;
  }
  GUARD(collect_fields(c, root, node_fields, NODE_FIELD_COUNT, found, &known));
  ENSURE(known > 0,
         fail(c,
              "expected a DERPMap (with \"Regions\"), a region (with \"Nodes\") or a node "
              "(with \"HostName\"), found none of these fields"));
  ENSURE(fill_empty(&r->code) && fill_empty(&r->name), fail(c, "out of memory"));
  r->nodes = calloc(1, sizeof *r->nodes);
  ENSURE(r->nodes, fail(c, "out of memory"));
  r->node_count = 1;
  GUARD(decode_node(c, root, &r->nodes[0]));
  r->region_id = r->nodes[0].region_id;
  r->id = lone_region_id(r->region_id);
  return true;
}

/* ---- finding the JSON in pasted text ---- */

static bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* The JSON starts the text (after blanks), or, for derper's two-line log
 * message, starts a later line after its indentation. *lines_before counts
 * the lines skipped so error positions refer to the user's text. */
static bool locate_json(const char *text, size_t len, size_t *start, int *lines_before) {
  size_t i = 0;
  while (i < len && is_blank(text[i])) i++;
  if (i < len && (text[i] == '{' || text[i] == '[')) {
    *start = 0;
    *lines_before = 0;
    return true;
  }
  int lines = 0;
  for (size_t p = 0; p < len; p++) {
    if (text[p] != '\n') continue;
    lines++;
    size_t q = p + 1;
    while (q < len && (text[q] == ' ' || text[q] == '\t')) q++;
    if (q < len && text[q] == '{') {
      *start = p + 1;
      *lines_before = lines;
      return true;
    }
  }
  return false;
}

bool derp_map_parse(const char *text, size_t len, struct derp_map **out,
                    struct derp_map_error *err) {
  struct decode_ctx c = {.err = err};
  *out = NULL;
  err->msg[0] = '\0';
  ENSURE(text != NULL || len == 0, fail(&c, "no input"));
  ENSURE(len <= DERP_MAP_MAX_INPUT,
         fail(&c, "input too large (%zu bytes, limit %u)", len, DERP_MAP_MAX_INPUT));
  size_t start;
  int lines_before;
  ENSURE(locate_json(text, len, &start, &lines_before),
         fail(&c,
              "no JSON object found (expected a DERPMap, region or node, or derper's "
              "\"Configure it in DERPMap using:\" lines)"));
  /* Syntax as Go's json.Unmarshal judges it, in its words, at the byte at
   * fault; then jansson's tree. jansson alone reads a NUL after a number as
   * nothing, and says "end of file" at any other. */
  json_error_t jerr;
  char why[sizeof jerr.text];
  size_t at;
  if (!go_json_check_valid((const uint8_t *)text + start, len - start, &at, why, sizeof why)) {
    int line, column;
    text_line_column(text, len, start + at, &line, &column);
    return fail(&c, "invalid JSON at line %d, column %d: %s", line, column, why);
  }
  json_t *root = json_loadb(text + start, len - start, JSON_REJECT_DUPLICATES, &jerr);
  printable_prefix(jerr.text, why, sizeof why); /* jansson quotes the offending input */
  ENSURE(root, fail(&c, "invalid JSON at line %d, column %d: %s", jerr.line + lines_before,
                    jerr.column, why));
  struct derp_map *m = calloc(1, sizeof *m);
  bool ok = m != NULL ? decode_top(&c, root, m) : fail(&c, "out of memory");
  json_decref(root);
  if (!ok) {
    derp_map_free(m);
    return false;
  }
  *out = m;
  return true;
}
