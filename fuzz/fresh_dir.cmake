# cmake -DDIR=<path> -P fresh_dir.cmake: leave an empty directory at DIR.
# The libFuzzer smoke tests start from an empty scratch corpus every run.
if(NOT DIR)
  message(FATAL_ERROR "fresh_dir.cmake: pass -DDIR=<path>")
endif()
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
