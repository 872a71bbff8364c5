#include "relay_rateconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "file_io.h"

/* Go's name for a JSON value's kind in "cannot unmarshal <kind>". */
static const char *json_kind(const json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "number";
  }
}

static bool field(const char *name, const json_t *v, uint64_t *out, char *err, size_t cap) {
  if (json_is_null(v)) return true;
  bool ok = json_is_integer(v) && json_integer_value(v) >= 0;
  if (!ok) {
    char num[64] = "";
    if (json_is_integer(v)) snprintf(num, sizeof num, " %lld", (long long)json_integer_value(v));
    if (json_is_real(v)) snprintf(num, sizeof num, " %g", json_real_value(v));
    snprintf(err, cap,
             "error parsing rate config: json: cannot unmarshal %s%s into Go struct field "
             "RateConfig.%s of type uint64",
             json_kind(v), num, name);
    return false;
  }
  *out = (uint64_t)json_integer_value(v);
  return true;
}

bool relay_rateconfig_parse(const uint8_t *json, size_t len, struct relay_rate_config *out,
                            char *err, size_t cap) {
  *out = (struct relay_rate_config){0};
  json_error_t je;
  /* Syntax as derper's json.Unmarshal judges it, in its words, at the byte
   * at fault; then jansson's tree (jansson alone reads a NUL after a number
   * as nothing, and says "end of file" at any other). */
  size_t at;
  char go_err[96];
  if (!go_json_check_valid(json, len, &at, go_err, sizeof go_err)) {
    int line, column;
    text_line_column((const char *)json, len, at, &line, &column);
    snprintf(err, cap, "error parsing rate config: %s (line %d, column %d)", go_err, line, column);
    return false;
  }
  json_t *doc = json_loadb((const char *)json, len, JSON_DECODE_ANY, &je);
  if (doc == NULL) {
    snprintf(err, cap, "error parsing rate config: %s (line %d, column %d)", je.text, je.line,
             je.column);
    return false;
  }
  bool ok = true;
  if (json_is_object(doc)) {
    static const char *const names[] = {"PerClientRateLimitBytesPerSec", "PerClientRateBurstBytes"};
    uint64_t *fields[] = {&out->bytes_per_sec, &out->burst_bytes};
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v) {
      int i = go_json_field_index(k, strlen(k), names, 2); /* Go's name matching */
      if (ok && i >= 0) ok = field(names[i], v, fields[i], err, cap);
    }
  } else if (!json_is_null(doc)) {
    snprintf(err, cap,
             "error parsing rate config: json: cannot unmarshal %s into Go value of type "
             "derpserver.RateConfig",
             json_kind(doc));
    ok = false;
  }
  json_decref(doc);
  return ok;
}

bool relay_rateconfig_load(const char *path, struct relay_rate_config *out, char *err, size_t cap) {
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(path, 1 << 16, false, &buf, &len);
  if (r.step != FILE_IO_OK) {
    snprintf(err, cap, "error reading rate config: open %s: %s", path,
             r.step == FILE_IO_TOO_LARGE ? "larger than 64 KiB" : strerror(r.error));
    free(buf);
    return false;
  }
  bool ok = relay_rateconfig_parse(buf, len, out, err, cap);
  free(buf);
  return ok;
}
