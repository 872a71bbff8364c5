/* The time stamp Go's log package puts before every line (log.LstdFlags).
 * The caller supplies the local time: cores never read the clock. */
#include <stdio.h>
#include <string.h>

#include "derp/calendar.h"
#include "derp/go.h"

bool go_log_time_prefix(int64_t local_unix, char out[GO_LOG_PREFIX_LEN + 1]) {
  const struct calendar_time c = calendar_time_of(local_unix);
  if (c.date.year >= 0 && c.date.year <= 9999) {
    int n = snprintf(out, GO_LOG_PREFIX_LEN + 1, "%04d/%02u/%02u %02u:%02u:%02u ", (int)c.date.year,
                     c.date.month, c.date.day, c.hour, c.minute, c.second);
    if (n == GO_LOG_PREFIX_LEN) return true;
  }
  memcpy(out, "0000/00/00 00:00:00 ", GO_LOG_PREFIX_LEN + 1);
  return false;
}
