/* scenario_validate: the strict schema check behind scenario_load. Unknown
 * keys, wrong types, values outside their enums, dangling cert names and
 * malformed {placeholders} are errors naming the file and the JSON path. */
#ifndef DERPCHECK_SCENARIO_VALIDATE_H
#define DERPCHECK_SCENARIO_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The first error wins and names file and JSON path. The helpers below
   are shared with the other strictly loaded files (peers.json, the
   declared deviations in expectations/). */
struct schema {
  const char *file;
  char *err;
  size_t errlen;
};

/* Always false: err = "<file>: <path>: <message>". */
__attribute__((format(printf, 3, 4))) bool
schema_fail(struct schema *v, const char *path, const char *fmt, ...);
/* Every key of obj is in the NULL-terminated keys. */
bool schema_only_keys(struct schema *v, const json_t *obj, const char *path,
                      const char *const *keys);
/* obj[key] absent (unless required) or of type t (JSON_TRUE: a boolean). */
bool schema_field(struct schema *v, const json_t *obj, const char *path,
                  const char *key, json_type t, bool required);
/* obj[key] absent (unless required) or one of values. */
bool schema_enum(struct schema *v, const json_t *obj, const char *path,
                 const char *key, const char *const *values, bool required);
/* A client expectation object ({"result": ..., "reason": ...}) at path. */
bool schema_expectation(struct schema *v, const json_t *e, const char *path);

/* *relay_level: whether the scenario has steps the runner checks itself. */
bool scenario_validate(const json_t *doc, const char *file, bool *relay_level,
                       char *err, size_t errlen);

#endif
