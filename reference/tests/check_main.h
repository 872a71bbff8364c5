/* One main() for every Check test program.
 *
 * Each test file defines a `Suite *NAME_suite(void)` and ends with
 * CHECK_MAIN(NAME_suite). The runner fails when a test fails *and* when it ran
 * no checks at all (a misspelled CK_RUN_SUITE/CK_RUN_CASE otherwise passes
 * silently with 0 checks). CK_XML_LOG_FILE_NAME / CK_TAP_LOG_FILE_NAME and
 * CK_VERBOSITY work as documented by Check (we run with CK_ENV). */
#ifndef DERP_CHECK_MAIN_H
#define DERP_CHECK_MAIN_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_MAIN(suite_fn)                                          \
  int main(void) {                                                    \
    SRunner *sr = srunner_create(suite_fn());                         \
    srunner_run_all(sr, CK_ENV);                                      \
    int ran = srunner_ntests_run(sr);                                 \
    int failed = srunner_ntests_failed(sr);                           \
    srunner_free(sr);                                                 \
    if (ran == 0) {                                                   \
      fprintf(stderr,                                                 \
              "check: ran 0 checks (filter CK_RUN_SUITE/CK_RUN_CASE " \
              "matched nothing?)\n");                                 \
      return EXIT_FAILURE;                                            \
    }                                                                 \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                 \
  }

#endif
