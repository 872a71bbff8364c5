/* oracle_report: how a fuzz target says "two views of this input disagree".
 *
 * A fuzz target checks more than "no crash": it compares our parser with an
 * independent view (OpenSSL, a round trip, an invariant). On disagreement it
 * prints both views to stderr and calls abort(), which every engine (libFuzzer,
 * AFL++, the replay driver under ctest) records as a crash with the input
 * saved. Never exit(): an engine treats exit as a clean end of the process. */
#ifndef DERP_FUZZ_ORACLE_REPORT_H
#define DERP_FUZZ_ORACLE_REPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "derp/hex.h"

/* A target's oracle and bookkeeping code (taps, sets of what was sent,
 * invariant checks): not instrumented for coverage. Its edges say nothing
 * about the code under test, and tracing them was a fifth of a frame
 * target's time. */
#if defined(__clang__)
#define FUZZ_ORACLE __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_ORACLE
#endif

/* Print "<label>: <n> bytes <hex>" (long values are cut, the length is not). */
static inline void oracle_hex(const char *label, const uint8_t *p, size_t n) {
  fprintf(stderr, "  %s: %zu bytes ", label, n);
  char hex[2 * 96 + 1];
  derp_hex_lower(p, n < 96 ? n : 96, hex);
  fprintf(stderr, "%s%s\n", hex, n > 96 ? "..." : "");
}

/* Start a mismatch report; follow with ORACLE_VIEW lines, then oracle_abort. */
__attribute__((format(printf, 1, 2))) static inline void oracle_mismatch(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "\n==== oracle mismatch: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}

__attribute__((format(printf, 1, 2))) static inline void oracle_view(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "  ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}

__attribute__((noreturn)) static inline void oracle_abort(void) {
  fprintf(stderr, "==== end of mismatch report\n");
  fflush(stderr);
  abort();
}

/* One-line form for simple invariants: ORACLE_ASSERT(cond, "what", ...). */
#define ORACLE_ASSERT(cond, ...)                                    \
  do {                                                              \
    if (!(cond)) {                                                  \
      oracle_mismatch(__VA_ARGS__);                                 \
      oracle_view("failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
      oracle_abort();                                               \
    }                                                               \
  } while (0)

#endif
