/* json_get: reading a JSON object that a strict loader has already checked
 * (scenarios, peers.json, declared deviations): a key of the expected type,
 * or the given fallback when it is absent. */
#ifndef DERPCHECK_JSON_GET_H
#define DERPCHECK_JSON_GET_H

#include <jansson.h>
#include <stdbool.h>

const char *js_str(const json_t *obj, const char *key, const char *dflt);
long long js_int(const json_t *obj, const char *key, long long dflt);
bool js_bool(const json_t *obj, const char *key, bool dflt);

#endif
