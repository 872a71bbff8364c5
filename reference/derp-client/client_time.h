/* client_time: the only place derp-client reads clocks. Deadlines are
 * absolute monotonic milliseconds; certificate checks get wall-clock Unix
 * seconds as a parameter. */
#ifndef DERP_CLIENT_TIME_H
#define DERP_CLIENT_TIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t client_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t client_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int64_t client_unix_now(void) { return (int64_t)time(NULL); }

/* Milliseconds left until deadline, at least 0, at most INT32_MAX (poll). */
static inline int client_ms_left(int64_t deadline_ms) {
  int64_t left = deadline_ms - client_now_ms();
  if (left < 0) return 0;
  return left > INT32_MAX ? INT32_MAX : (int)left;
}

#endif
