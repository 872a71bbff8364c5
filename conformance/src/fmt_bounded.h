/* fmt_bounded: snprintf for texts where truncation is acceptable (JSON
 * paths in messages, details in reports, paths under a bounded temp dir).
 * Going through one function keeps gcc's -Wformat-truncation for the calls
 * where truncation would be a bug, while these stay quiet and explicit. */
#ifndef DERPCHECK_FMT_BOUNDED_H
#define DERPCHECK_FMT_BOUNDED_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

__attribute__((format(printf, 3, 4))) static inline void fmt_bounded(char *out, size_t outlen,
                                                                     const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out, outlen, fmt, ap);
  va_end(ap);
}

#endif
