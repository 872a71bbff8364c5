#include "relay_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "derp/go.h"

#define LOG_LINE_MAX 4096
/* Room for a burst of a few hundred lines while stderr is slow. */
#define LOG_BUFFER_BYTES (64 * 1024)

/* How lines reach stderr once attached. */
enum sink_mode {
  SINK_DIRECT,   /* not attached, or a regular file: write(2) as it comes */
  SINK_NONBLOCK, /* a non-blocking descriptor of the same pipe/tty */
  SINK_SOCKET,   /* a socket (e.g. journald): send with MSG_DONTWAIT */
  SINK_POLLED,   /* no non-blocking way: write at most PIPE_BUF when poll says so */
};

static struct {
  enum sink_mode mode;
  int fd;      /* where buffered lines go */
  bool own_fd; /* fd was opened here (a non-blocking reopen) */
  bool broken; /* stderr failed for good: lines are discarded */
  struct event *writable, *notice_timer;
  char buf[LOG_BUFFER_BYTES];
  size_t start, end;        /* pending bytes are buf[start, end) */
  uint64_t dropped_pending; /* dropped since the last notice */
  uint64_t suppressed_pending;
  uint64_t tokens_milli; /* rate limit of peer lines, in 1/1000 lines */
  uint64_t tokens_at_ms;
} log_state = {.mode = SINK_DIRECT,
               .fd = STDERR_FILENO,
               .tokens_milli = (uint64_t)RELAY_LOG_PEER_BURST * 1000};

/* Go's log stamp in the relay's local zone (the zone's offset from
 * localtime_r; the format is the go module's). */
static void log_prefix(time_t t, char out[GO_LOG_PREFIX_LEN + 1]) {
  struct tm tm;
  long offset = localtime_r(&t, &tm) != NULL ? tm.tm_gmtoff : 0;
  go_log_time_prefix((int64_t)t + offset, out);
}

static uint64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One non-blocking write of the pending bytes; the amount taken, 0 when
 * stderr is full for now, -1 when it is gone. */
static ssize_t write_some(const char *p, size_t n) {
  if (log_state.mode == SINK_POLLED) {
    struct pollfd pfd = {.fd = log_state.fd, .events = POLLOUT};
    if (poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLOUT) == 0) return 0;
    if (n > PIPE_BUF) n = PIPE_BUF;
  }
  for (;;) {
    ssize_t w = log_state.mode == SINK_SOCKET
                    ? send(log_state.fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL)
                    : write(log_state.fd, p, n);
    if (w >= 0) return w;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

/* Write what stderr takes now; wait for it to be writable otherwise. */
static void drain(void) {
  while (log_state.start < log_state.end) {
    ssize_t w = write_some(log_state.buf + log_state.start, log_state.end - log_state.start);
    if (w < 0) {
      log_state.broken = true;
      break;
    }
    if (w == 0) {
      if (log_state.writable != NULL) event_add(log_state.writable, NULL);
      return;
    }
    log_state.start += (size_t)w;
  }
  log_state.start = log_state.end = 0;
}

static bool buffer_put(const char *line, size_t n) {
  if (log_state.broken) return true;
  if (LOG_BUFFER_BYTES - (log_state.end - log_state.start) < n) return false;
  if (LOG_BUFFER_BYTES - log_state.end < n) {
    memmove(log_state.buf, log_state.buf + log_state.start, log_state.end - log_state.start);
    log_state.end -= log_state.start;
    log_state.start = 0;
  }
  memcpy(log_state.buf + log_state.end, line, n);
  log_state.end += n;
  return true;
}

static size_t format_line(char line[LOG_LINE_MAX], const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static size_t format_line(char line[LOG_LINE_MAX], const char *fmt, va_list ap) {
  log_prefix(time(NULL), line);
  int n = vsnprintf(line + GO_LOG_PREFIX_LEN, LOG_LINE_MAX - GO_LOG_PREFIX_LEN - 1, fmt, ap);
  size_t room = LOG_LINE_MAX - GO_LOG_PREFIX_LEN - 2; /* the text, then a newline */
  size_t len = GO_LOG_PREFIX_LEN + (n < 0 ? 0 : (size_t)n > room ? room : (size_t)n);
  line[len++] = '\n';
  return len;
}

static size_t format(char line[LOG_LINE_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static size_t format(char line[LOG_LINE_MAX], const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = format_line(line, fmt, ap);
  va_end(ap);
  return n;
}

/* The notices of what was lost go in before the next line that fits, so
 * the log shows where the gap is. */
static void put_notices(void) {
  char line[LOG_LINE_MAX];
  if (log_state.dropped_pending > 0) {
    size_t n = format(line, "derp-relay: log: %llu lines dropped (stderr was not keeping up)",
                      (unsigned long long)log_state.dropped_pending);
    if (buffer_put(line, n)) log_state.dropped_pending = 0;
  }
  if (log_state.suppressed_pending > 0 && log_state.dropped_pending == 0) {
    size_t n = format(
        line, "derp-relay: log: %llu peer failure lines suppressed (more than %d per second)",
        (unsigned long long)log_state.suppressed_pending, RELAY_LOG_PEER_RATE);
    if (buffer_put(line, n)) log_state.suppressed_pending = 0;
  }
}

static void arm_notice_timer(void) {
  if (log_state.notice_timer == NULL || evtimer_pending(log_state.notice_timer, NULL)) return;
  if (log_state.dropped_pending == 0 && log_state.suppressed_pending == 0) return;
  struct timeval one_second = {.tv_sec = 1, .tv_usec = 0};
  evtimer_add(log_state.notice_timer, &one_second);
}

/* Unattached (or a regular file), drain's write(2) blocks until all is
 * written, so the buffer is empty again when this returns. */
static void emit(const char *line, size_t n) {
  put_notices();
  if (!buffer_put(line, n)) log_state.dropped_pending++;
  drain();
  arm_notice_timer();
}

static void emit_formatted(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void emit_formatted(const char *fmt, va_list ap) {
  char line[LOG_LINE_MAX];
  size_t n = format_line(line, fmt, ap);
  emit(line, n);
}

void relay_log_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit_formatted(fmt, ap);
  va_end(ap);
}

/* Token bucket: RELAY_LOG_PEER_RATE lines per second, RELAY_LOG_PEER_BURST
 * at most saved up. */
static bool peer_line_allowed(void) {
  const uint64_t now = monotonic_ms();
  const uint64_t cap = (uint64_t)RELAY_LOG_PEER_BURST * 1000;
  uint64_t t = log_state.tokens_milli + (now - log_state.tokens_at_ms) * RELAY_LOG_PEER_RATE;
  log_state.tokens_milli = t > cap ? cap : t;
  log_state.tokens_at_ms = now;
  if (log_state.tokens_milli < 1000) return false;
  log_state.tokens_milli -= 1000;
  return true;
}

void relay_log_peer_printf(const char *fmt, ...) {
  if (!peer_line_allowed()) {
    log_state.suppressed_pending++;
    arm_notice_timer();
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  emit_formatted(fmt, ap);
  va_end(ap);
}

void relay_log_raw(const char *text, size_t len) {
  char line[LOG_LINE_MAX];
  if (len > sizeof line - 1) len = sizeof line - 1;
  memcpy(line, text, len);
  if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
  emit(line, len);
}

static void on_writable(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  put_notices();
  drain();
}

static void on_notice_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  put_notices();
  drain();
  arm_notice_timer();
}

/* A descriptor of stderr's pipe or tty that does not block, without
 * setting O_NONBLOCK on the description the relay shares with its parent
 * (that would make the parent's own writes fail with EAGAIN). */
static enum sink_mode choose_sink(int *fd, bool *own) {
  struct stat st;
  *fd = STDERR_FILENO;
  *own = false;
  if (fstat(STDERR_FILENO, &st) != 0 || S_ISREG(st.st_mode)) return SINK_DIRECT;
  if (S_ISSOCK(st.st_mode)) return SINK_SOCKET;
  int flags = fcntl(STDERR_FILENO, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0) return SINK_NONBLOCK;
  int reopened = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (reopened >= 0) {
    *fd = reopened;
    *own = true;
    return SINK_NONBLOCK;
  }
  return SINK_POLLED;
}

bool relay_log_attach(struct event_base *base) {
  int fd;
  bool own;
  /* A regular file never stalls the way a pipe does: written directly. */
  enum sink_mode mode = choose_sink(&fd, &own);
  if (mode != SINK_DIRECT) log_state.writable = event_new(base, fd, EV_WRITE, on_writable, NULL);
  log_state.notice_timer = evtimer_new(base, on_notice_timer, NULL);
  if ((mode != SINK_DIRECT && log_state.writable == NULL) || log_state.notice_timer == NULL) {
    if (own) close(fd);
    relay_log_detach();
    return false;
  }
  log_state.fd = fd;
  log_state.own_fd = own;
  log_state.mode = mode;
  return true;
}

/* At exit, a reader that is just slow gets this long to take the rest. */
#define DETACH_FLUSH_MS 500

void relay_log_detach(void) {
  put_notices();
  drain();
  const uint64_t until = monotonic_ms() + DETACH_FLUSH_MS;
  for (int i = 0; i < 1000 && log_state.start < log_state.end && !log_state.broken; i++) {
    const uint64_t now = monotonic_ms();
    if (now >= until) break;
    struct pollfd pfd = {.fd = log_state.fd, .events = POLLOUT};
    if (poll(&pfd, 1, (int)(until - now)) != 1) break;
    drain();
  }
  if (log_state.writable != NULL) event_free(log_state.writable);
  if (log_state.notice_timer != NULL) event_free(log_state.notice_timer);
  log_state.writable = log_state.notice_timer = NULL;
  if (log_state.own_fd) close(log_state.fd);
  log_state.fd = STDERR_FILENO;
  log_state.own_fd = false;
  log_state.mode = SINK_DIRECT;
  log_state.start = log_state.end = 0;
}
