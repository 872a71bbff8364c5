/* The DERPMap inside a tailnet policy file: HuJSON made standard in place
 * (hujson.c, so positions stay the file's), decoded, its "derpMap" value
 * handed to the DERPMap decoder. Positional errors read "LINE:COL: ...",
 * so the caller's "FILE:" makes the usual FILE:LINE:COL. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derpmap.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hujson.h"

#define POLICY_KEY "derpMap"

/* The value Go's encoding/json would decode into a field `name` (an exact
 * key first, then one matching under Go's case folding, go_json_field_index),
 * or NULL. */
static json_t *go_field(json_t *obj, const char *name) {
  json_t *v = json_object_get(obj, name);
  if (v != NULL) return v;
  const char *key;
  json_object_foreach(obj, key, v) {
    if (go_json_field_index(key, strlen(key), &name, 1) == 0) return v;
  }
  return NULL;
}

/* jansson reports the offset just past the token it choked on, and names
 * the token ("... near 'junk'"): point at the token's first byte. */
static size_t token_start(const json_error_t *e) {
  size_t end = e->position > 0 ? (size_t)e->position : 0;
  const char *near = strstr(e->text, "near '");
  size_t n = near != NULL ? strlen(near + 6) : 0;
  size_t tok = n > 0 && near[6 + n - 1] == '\'' ? n - 1 : 1;
  return tok <= end ? end - tok : 0;
}

bool derp_map_parse_policy(const char *text, size_t len, struct derp_map **out,
                           struct derp_map_error *err) {
  *out = NULL;
  err->msg[0] = '\0';
  if (len > DERP_MAP_MAX_INPUT) {
    snprintf(err->msg, sizeof err->msg, "policy file too large (%zu bytes, limit %u)", len,
             DERP_MAP_MAX_INPUT);
    return false;
  }
  char *std = malloc(len + 1);
  if (std == NULL) {
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return false;
  }
  struct hujson_error herr;
  if (!hujson_standardize(text, len, std, &herr)) {
    snprintf(err->msg, sizeof err->msg, "%d:%d: %s", herr.line, herr.column, herr.msg);
    free(std);
    return false;
  }
  /* Syntax as Go's json.Unmarshal judges the standardized text, in its
   * words, at the byte at fault; then jansson's tree (jansson alone reads a
   * NUL after a number as nothing, and says "end of file" at any other). */
  size_t at = 0;
  char go_err[96];
  json_error_t jerr;
  bool go_ok = go_json_check_valid((const uint8_t *)std, len, &at, go_err, sizeof go_err);
  json_t *root = go_ok ? json_loadb(std, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
  free(std);
  if (root == NULL) {
    int line, column;
    text_line_column(text, len, go_ok ? token_start(&jerr) : at, &line, &column);
    snprintf(err->msg, sizeof err->msg, "%d:%d: %s", line, column, go_ok ? jerr.text : go_err);
    return false;
  }
  json_t *map = json_is_object(root) ? go_field(root, POLICY_KEY) : NULL;
  bool ok = false;
  if (!json_is_object(root)) {
    snprintf(err->msg, sizeof err->msg, "a policy file is a JSON object");
  } else if (map == NULL) {
    snprintf(err->msg, sizeof err->msg, "no \"%s\" in the policy file", POLICY_KEY);
  } else if (!json_is_object(map) || go_field(map, "Regions") == NULL) {
    snprintf(err->msg, sizeof err->msg, "%s: expected an object with \"Regions\"", POLICY_KEY);
  } else {
    char *one = json_dumps(map, JSON_COMPACT | JSON_PRESERVE_ORDER);
    struct derp_map_error inner = {{0}};
    ok = one != NULL && derp_map_parse(one, strlen(one), out, &inner);
    if (!ok) snprintf(err->msg, sizeof err->msg, "%s.%.300s", POLICY_KEY, one ? inner.msg : "?");
    json_free_t release; /* json_dumps allocates with jansson's allocator, maybe not malloc */
    json_get_alloc_funcs(NULL, &release);
    if (one) release(one);
  }
  json_decref(root);
  return ok;
}
