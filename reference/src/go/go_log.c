/* The time stamp Go's log package puts before every line (log.LstdFlags).
 * The caller supplies the local time: cores never read the clock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "derp/go.h"

bool go_log_time_prefix(int64_t local_unix, char out[GO_LOG_PREFIX_LEN + 1]) {
  time_t t = (time_t)local_unix;
  struct tm tm;
  if (gmtime_r(&t, &tm) != NULL && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
    int n =
        snprintf(out, GO_LOG_PREFIX_LEN + 1, "%04d/%02d/%02d %02d:%02d:%02d ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n == GO_LOG_PREFIX_LEN) return true;
  }
  memcpy(out, "0000/00/00 00:00:00 ", GO_LOG_PREFIX_LEN + 1);
  return false;
}
