/* Guard macros: early-return error handling in the style of s2n-tls.
 *
 * Every fallible function in the reference library returns a status value
 * (bool, an enum, or an int). The macros keep parsers flat: a failed check
 * leaves the function at once with the given value, and nothing after it can
 * run on unchecked input. */
#ifndef DERP_GUARD_H
#define DERP_GUARD_H

#include <stdbool.h>

/* Return `err` from the enclosing function unless `cond` holds. */
#define ENSURE(cond, err)      \
  do {                         \
    if (!(cond)) return (err); \
  } while (0)

/* Return false unless the bool-valued expression is true. */
#define GUARD(expr) ENSURE((expr), false)

/* Propagate a non-zero status (enum error codes where 0 means success). */
#define GUARD_STATUS(expr)                        \
  do {                                            \
    int guard_status_ = (int)(expr);              \
    if (guard_status_ != 0) return guard_status_; \
  } while (0)

#endif
