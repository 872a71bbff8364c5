/* report_internal: what the report module's renderers (report.c,
 * report_html.c) share. Not a public header. */
#ifndef HARNESS_REPORT_INTERNAL_H
#define HARNESS_REPORT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "harness/report.h"

/* A copy that is valid UTF-8: bad bytes become the text \xNN; with
   `controls`, so do control characters. Caller frees; NULL for NULL. */
char *report_clean_text(const char *s, bool controls);
/* A JSON string of the cleaned text (jansson refuses invalid UTF-8); null
   for NULL. */
json_t *report_json_text(const char *s);
/* A matrix cell's short text ("✓ pass (fast)", "✗ got ≠ want exp");
   caller frees. */
char *report_cell_text(const struct report_cell *c);

#endif
