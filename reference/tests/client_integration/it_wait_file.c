/* it_wait_file FILE PID TIMEOUT_MS: print FILE once it exists and is not
 * empty. Exit 0 found, 1 timeout, 2 process PID exited first, 3 usage.
 *
 * Why: the integration tests learn a server's port from its ready file and
 * must never sleep-poll; inotify reports the file's creation (the relay
 * renames it into place) and a pidfd reports the server's death, so the
 * wait ends at the first relevant kernel event. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints the file and returns true when it exists with content. */
static int print_if_ready(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  if (n == 0) return 0;
  fwrite(buf, 1, n, stdout);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: it_wait_file FILE PID TIMEOUT_MS\n");
    return 3;
  }
  const char *path = argv[1];
  int pid = atoi(argv[2]);
  long long deadline = now_ms() + atoll(argv[3]);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0 || inotify_add_watch(in, dirname(dir), IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    perror("inotify");
    return 3;
  }
  int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
  for (;;) {
    if (print_if_ready(path)) return 0; /* checked after arming: no lost event */
    long long left = deadline - now_ms();
    if (left <= 0) return 1;
    struct pollfd p[2] = {{.fd = in, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
    int r = poll(p, pidfd >= 0 ? 2 : 1, (int)left);
    if (r < 0 && errno != EINTR) return 1;
    if (r > 0 && pidfd >= 0 && (p[1].revents & POLLIN)) return print_if_ready(path) ? 0 : 2;
    char ev[4096];
    while (read(in, ev, sizeof ev) > 0) {
    }
  }
}
