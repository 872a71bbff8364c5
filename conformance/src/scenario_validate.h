/* scenario_validate: the strict schema check behind scenario_load. Unknown
 * keys, wrong types, values outside their enums, dangling cert names and
 * malformed {placeholders} are errors naming the file and the JSON path. */
#ifndef DERPCHECK_SCENARIO_VALIDATE_H
#define DERPCHECK_SCENARIO_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* *relay_level: whether the scenario has steps the runner checks itself. */
bool scenario_validate(const json_t *doc, const char *file, bool *relay_level,
                       char *err, size_t errlen);

#endif
