# cmake "-DCMD=prog|arg|..." -P expect_crash.cmake: pass when the command dies
# from a signal (abort, a sanitizer report) or exits non-zero. ctest's
# WILL_FAIL only inverts exit codes; a crashed process stays a failure there.
if(NOT CMD)
  message(FATAL_ERROR "expect_crash.cmake: pass -DCMD=prog|arg|...")
endif()
string(REPLACE "|" ";" argv "${CMD}")
execute_process(COMMAND ${argv} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc STREQUAL "0")
  message(FATAL_ERROR "expected a crash or a failure, but `${CMD}` succeeded")
endif()
message(STATUS "failed as expected: ${rc}")
