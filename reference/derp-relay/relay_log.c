#include "relay_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

/* "YYYY/MM/DD HH:MM:SS " for t in local time. */
static void log_prefix(time_t t, char out[21]) {
  struct tm tm;
  if (localtime_r(&t, &tm) == NULL || strftime(out, 21, "%Y/%m/%d %H:%M:%S ", &tm) != 20) {
    memcpy(out, "0000/00/00 00:00:00 ", 21);
  }
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
  int n = vsnprintf(line + 20, sizeof line - 21, fmt, ap);
  va_end(ap);
  size_t len = 20 + (n < 0 ? 0 : (size_t)n > sizeof line - 22 ? sizeof line - 22 : (size_t)n);
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
