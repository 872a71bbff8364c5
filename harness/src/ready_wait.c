#include "harness/ready_wait.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool read_whole(const char *path, char *out, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, out, cap - 1);
  close(fd);
  if (n <= 0) return false;
  out[n] = '\0';
  return true;
}

int wait_ready_file(const char *path, int pid, int timeout_ms, char *out, size_t cap) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  const char *d = dirname(dir);
  int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) return -1;
  /* Watch before the first look, so a rename in between is not missed. */
  if (inotify_add_watch(in, d, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0) {
    close(in);
    return -1;
  }
  int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
  int64_t deadline = now_ms() + timeout_ms;
  int rc = -1;
  for (;;) {
    if (read_whole(path, out, cap)) {
      rc = 0;
      break;
    }
    int64_t left = deadline - now_ms();
    if (left <= 0) break;
    struct pollfd pfd[2] = {{.fd = in, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    int r = poll(pfd, pidfd >= 0 ? 2 : 1, (int)left);
    if (r < 0 && errno != EINTR) break;
    if (pidfd >= 0 && (pfd[1].revents & POLLIN)) {
      rc = read_whole(path, out, cap) ? 0 : -2; /* the process exited */
      break;
    }
    char buf[4096];
    while (read(in, buf, sizeof buf) > 0) {
    }
  }
  if (pidfd >= 0) close(pidfd);
  close(in);
  return rc;
}

bool wait_process_exit(int pid, int timeout_ms) {
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return errno == ESRCH; /* already gone */
  struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
  int64_t deadline = now_ms() + timeout_ms;
  int r;
  do {
    int64_t left = deadline - now_ms();
    r = poll(&pfd, 1, left > 0 ? (int)left : 0);
  } while (r < 0 && errno == EINTR);
  close(pidfd);
  return r > 0;
}
