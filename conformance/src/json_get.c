#include "json_get.h"

const char *js_str(const json_t *obj, const char *key, const char *dflt) {
  const json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : dflt;
}

long long js_int(const json_t *obj, const char *key, long long dflt) {
  const json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool js_bool(const json_t *obj, const char *key, bool dflt) {
  const json_t *v = json_object_get(obj, key);
  return json_is_boolean(v) ? json_is_true(v) : dflt;
}
