#include "relay_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "derp/go.h"

#define LOG_LINE_MAX 4096

/* Go's log stamp in the relay's local zone (the zone's offset from
 * localtime_r; the format is the go module's). */
static void log_prefix(time_t t, char out[GO_LOG_PREFIX_LEN + 1]) {
  struct tm tm;
  long offset = localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
  go_log_time_prefix((int64_t)t + offset, out);
}

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, p, n);
    if (w <= 0) return; /* nowhere left to report a broken stderr */
    p += w;
    n -= (size_t)w;
  }
}

void relay_log_printf(const char *fmt, ...) {
  char line[LOG_LINE_MAX];
  log_prefix(time(NULL), line);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + GO_LOG_PREFIX_LEN, sizeof line - GO_LOG_PREFIX_LEN - 1, fmt, ap);
  va_end(ap);
  size_t room = sizeof line - GO_LOG_PREFIX_LEN - 2; /* the text, then a newline */
  size_t len = GO_LOG_PREFIX_LEN + (n < 0 ? 0 : (size_t)n > room ? room : (size_t)n);
  line[len++] = '\n';
  write_all(line, len);
}

void relay_log_raw(const char *text, size_t len) {
  char line[LOG_LINE_MAX];
  if (len > sizeof line - 1) len = sizeof line - 1;
  memcpy(line, text, len);
  if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
  write_all(line, len);
}
