#include "harness/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Without inotify or a pidfd the waits fall back to polling at this period;
   the deadline still bounds the number of rounds. */
enum { FALLBACK_POLL_MS = 10, READY_FILE_MAX = 65536 };

int64_t proc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* err = "proc_start: <what>[: <strerror>]" */
static void set_err(char *err, size_t errlen, const char *what, int errnum) {
  if (err == NULL || errlen == 0) return;
  if (errnum != 0)
    snprintf(err, errlen, "proc_start: %s: %s", what, strerror(errnum));
  else
    snprintf(err, errlen, "proc_start: %s", what);
}

/* The child's environment is built before fork: setenv is not safe to call
   between fork and exec. Extra entries replace inherited ones of the same
   name. */
static char **build_env(const char *const *extra) {
  size_t n_env = 0, n_extra = 0;
  while (environ != NULL && environ[n_env] != NULL) n_env++;
  while (extra != NULL && extra[n_extra] != NULL) n_extra++;
  char **env = calloc(n_env + n_extra + 1, sizeof *env);
  if (env == NULL) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n_env; i++) {
    const char *eq = strchr(environ[i], '=');
    size_t name_len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
    bool replaced = false;
    for (size_t j = 0; j < n_extra && !replaced; j++)
      replaced = strncmp(extra[j], environ[i], name_len) == 0 && extra[j][name_len] == '=';
    if (!replaced) env[k++] = environ[i];
  }
  for (size_t j = 0; j < n_extra; j++) env[k++] = (char *)extra[j];
  env[k] = NULL;
  return env;
}

static int open_or_null(const char *path, int flags) {
  return open(path != NULL ? path : "/dev/null", flags | O_CLOEXEC, 0644);
}

/* Runs in the child between fork and exec: async-signal-safe calls only.
   Failures are reported to the parent as (step, errno) through `report`. */
static void child_exec(const struct proc_spec *spec, char **env, int report, pid_t parent) {
  int step = 0;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  /* If the runner dies (e.g. a ctest timeout's SIGKILL), do not leave a
     relay listening behind it. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127); /* it died before prctl took effect */
  if (setpgid(0, 0) != 0) goto fail;
  step = 1;
  int in = open_or_null(spec->stdin_path, O_RDONLY);
  if (in < 0 || dup2(in, 0) < 0) goto fail;
  step = 2;
  int out = open_or_null(spec->stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (out < 0 || dup2(out, 1) < 0) goto fail;
  step = 3;
  int errfd = open_or_null(spec->stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
  if (errfd < 0 || dup2(errfd, 2) < 0) goto fail;
  step = 4;
  if (spec->cwd != NULL && chdir(spec->cwd) != 0) goto fail;
  step = 5;
  execvpe(spec->argv[0], (char *const *)spec->argv, env);
fail:;
  int msg[2] = {step, errno};
  ssize_t w = write(report, msg, sizeof msg);
  (void)w;
  _exit(127);
}

static void reaped_now(struct proc *p, int status) {
  p->reaped = true;
  p->wait_status = status;
  p->ended_ns = proc_now_ns();
  /* Stragglers of the group (e.g. a server an adapter script started in the
     background) must not outlive the program. The group id is our child's
     PID; it cannot be reused while any member is alive. */
  kill(-p->pid, SIGKILL);
}

enum proc_status proc_start(struct proc *p, const struct proc_spec *spec, char *err,
                            size_t errlen) {
  memset(p, 0, sizeof *p);
  p->pidfd = -1;
  if (spec == NULL || spec->argv == NULL || spec->argv[0] == NULL || spec->argv[0][0] == '\0') {
    set_err(err, errlen, "empty argv", 0);
    return PROC_ERR_ARG;
  }
  char **env = build_env(spec->env_extra);
  if (env == NULL) {
    set_err(err, errlen, "out of memory", 0);
    return PROC_ERR_SPAWN;
  }
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    set_err(err, errlen, "pipe", errno);
    free(env);
    return PROC_ERR_SPAWN;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    set_err(err, errlen, "fork", errno);
    close(report[0]);
    close(report[1]);
    free(env);
    return PROC_ERR_SPAWN;
  }
  if (pid == 0) child_exec(spec, env, report[1], parent);
  free(env);
  close(report[1]);
  /* Also set the group from the parent, so a stop that comes before the
     child ran its setpgid still reaches the right group. */
  setpgid(pid, pid);
  p->pid = pid;
  p->started_ns = proc_now_ns();
  int msg[2];
  ssize_t got;
  do {
    got = read(report[0], msg, sizeof msg);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof msg) {
    static const char *const steps[] = {"setpgid", "stdin", "stdout", "stderr", "chdir", "exec"};
    const char *what = msg[0] >= 0 && msg[0] <= 5 ? steps[msg[0]] : "?";
    char ctx[PATH_MAX + 32];
    snprintf(ctx, sizeof ctx, "%s %s", what, spec->argv[0]);
    set_err(err, errlen, ctx, msg[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    reaped_now(p, status);
    return PROC_ERR_SPAWN;
  }
  p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (p->pidfd >= 0) fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
  return PROC_OK;
}

void proc_watch(struct proc *p, pid_t pid) {
  *p = (struct proc){.pid = pid, .pidfd = -1, .watched = true, .started_ns = proc_now_ns()};
  if (pid > 0) p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (p->pidfd >= 0) fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
}

bool proc_running(struct proc *p) {
  if (p->pid <= 0 || p->reaped) return false;
  if (p->watched) {
    /* Someone else's child: its pidfd turns readable at exit (a zombie
       included); kill(pid, 0) only when there is no pidfd. */
    if (p->pidfd < 0) return kill(p->pid, 0) == 0;
    struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
    return poll(&pfd, 1, 0) == 0;
  }
  int status;
  pid_t r = waitpid(p->pid, &status, WNOHANG);
  if (r == p->pid) {
    reaped_now(p, status);
    return false;
  }
  return true;
}

static int remaining_ms(int64_t deadline_ns) {
  int64_t left = deadline_ns - proc_now_ns();
  if (left <= 0) return 0;
  int64_t ms = (left + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : (int)ms;
}

enum proc_status proc_wait_exit(struct proc *p, int timeout_ms) {
  if (p->pid <= 0) return PROC_ERR_ARG;
  int64_t deadline = proc_now_ns() + (int64_t)timeout_ms * 1000000;
  for (;;) {
    if (!proc_running(p)) return PROC_OK;
    int left = remaining_ms(deadline);
    if (left == 0) return PROC_ERR_TIMEOUT;
    if (p->pidfd >= 0) {
      struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
      poll(&pfd, 1, left);
    } else {
      poll(NULL, 0, left < FALLBACK_POLL_MS ? left : FALLBACK_POLL_MS);
    }
  }
}

enum line_match { MATCH_PREFIX, MATCH_CONTAINS, MATCH_WHOLE_FILE, MATCH_EXISTS };

/* Look for a complete line starting with (MATCH_PREFIX) or holding
   (MATCH_CONTAINS) `text`, or for any complete first line and then copy the
   whole file (MATCH_WHOLE_FILE); true when found. */
static bool find_line(const char *path, const char *text, enum line_match how, char *line,
                      size_t linelen) {
  if (how == MATCH_EXISTS) return access(path, F_OK) == 0; /* a socket has no lines */
  bool contains = how == MATCH_CONTAINS;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char *buf = malloc(READY_FILE_MAX + 1);
  if (buf == NULL) {
    close(fd);
    return false;
  }
  size_t have = 0;
  while (have < READY_FILE_MAX) {
    ssize_t n = read(fd, buf + have, READY_FILE_MAX - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += (size_t)n;
  }
  close(fd);
  buf[have] = '\0';
  if (how == MATCH_WHOLE_FILE) {
    bool ready = memchr(buf, '\n', have) != NULL;
    if (ready && line != NULL && linelen > 0) {
      size_t c = have < linelen - 1 ? have : linelen - 1;
      memcpy(line, buf, c);
      line[c] = '\0';
    }
    free(buf);
    return ready;
  }
  size_t plen = text != NULL ? strlen(text) : 0;
  bool found = false;
  for (size_t start = 0; start < have && !found;) {
    char *nl = memchr(buf + start, '\n', have - start);
    if (nl == NULL) break; /* an unfinished line is not a signal yet */
    size_t len = (size_t)(nl - (buf + start));
    *nl = '\0';
    size_t skip = plen; /* prefix mode returns the rest of the line */
    if (contains) {
      found = strstr(buf + start, text) != NULL;
      skip = 0;
    } else {
      found = plen == 0 || (len >= plen && memcmp(buf + start, text, plen) == 0);
    }
    if (found && line != NULL && linelen > 0) {
      size_t body = len - skip;
      if (body > 0 && buf[start + skip + body - 1] == '\r') body--;
      size_t c = body < linelen - 1 ? body : linelen - 1;
      memcpy(line, buf + start + skip, c);
      line[c] = '\0';
    }
    if (plen == 0) break; /* no text: only the first line counts */
    start += len + 1;
  }
  free(buf);
  return found;
}

static enum proc_status wait_line(struct proc *p, const char *path, const char *text,
                                  enum line_match contains, int timeout_ms, char *line,
                                  size_t linelen) {
  if (p == NULL || p->pid <= 0 || path == NULL) return PROC_ERR_ARG;
  int64_t deadline = proc_now_ns() + (int64_t)timeout_ms * 1000000;
  int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (ino >= 0) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    if (inotify_add_watch(ino, dirname(dir), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY) <
        0) {
      close(ino);
      ino = -1;
    }
  }
  enum proc_status st;
  for (;;) {
    /* The watch is armed before this look, so a write between the look
       and the poll still wakes the poll. */
    if (find_line(path, text, contains, line, linelen)) {
      st = PROC_OK;
      break;
    }
    if (!proc_running(p)) {
      st = find_line(path, text, contains, line, linelen) ? PROC_OK : PROC_ERR_EXITED;
      break;
    }
    int left = remaining_ms(deadline);
    if (left == 0) {
      st = PROC_ERR_TIMEOUT;
      break;
    }
    struct pollfd pfds[2];
    nfds_t n = 0;
    if (ino >= 0) pfds[n++] = (struct pollfd){.fd = ino, .events = POLLIN};
    if (p->pidfd >= 0) pfds[n++] = (struct pollfd){.fd = p->pidfd, .events = POLLIN};
    int wait = left;
    if (ino < 0 || p->pidfd < 0) wait = left < FALLBACK_POLL_MS ? left : FALLBACK_POLL_MS;
    int r = poll(pfds, n, wait);
    if (r < 0 && errno != EINTR) {
      st = PROC_ERR_IO;
      break;
    }
    if (ino >= 0) {
      char evbuf[4096];
      while (read(ino, evbuf, sizeof evbuf) > 0) {}
    }
  }
  if (ino >= 0) close(ino);
  return st;
}

enum proc_status proc_wait_line(struct proc *p, const char *path, const char *prefix,
                                int timeout_ms, char *line, size_t linelen) {
  return wait_line(p, path, prefix, MATCH_PREFIX, timeout_ms, line, linelen);
}

enum proc_status proc_wait_file(struct proc *p, const char *path, int timeout_ms, char *out,
                                size_t outlen) {
  return wait_line(p, path, NULL, MATCH_WHOLE_FILE, timeout_ms, out, outlen);
}

enum proc_status proc_wait_exists(struct proc *p, const char *path, int timeout_ms) {
  return wait_line(p, path, NULL, MATCH_EXISTS, timeout_ms, NULL, 0);
}

enum proc_status proc_wait_line_containing(struct proc *p, const char *path, const char *needle,
                                           int timeout_ms, char *line, size_t linelen) {
  if (needle == NULL || needle[0] == '\0') return PROC_ERR_ARG;
  return wait_line(p, path, needle, MATCH_CONTAINS, timeout_ms, line, linelen);
}

bool proc_stop(struct proc *p, int grace_ms) {
  if (p->pid <= 0 || p->watched || !proc_running(p)) return false;
  if (kill(-p->pid, SIGTERM) != 0) kill(p->pid, SIGTERM);
  if (proc_wait_exit(p, grace_ms) == PROC_OK) return false;
  kill(-p->pid, SIGKILL);
  kill(p->pid, SIGKILL);
  int status;
  pid_t r;
  do {
    r = waitpid(p->pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == p->pid) reaped_now(p, status);
  return true;
}

int proc_exit_code(const struct proc *p) {
  if (!p->reaped) return -1;
  if (WIFEXITED(p->wait_status)) return WEXITSTATUS(p->wait_status);
  if (WIFSIGNALED(p->wait_status)) return 128 + WTERMSIG(p->wait_status);
  return -1;
}

void proc_release(struct proc *p) {
  if (p->pidfd >= 0) close(p->pidfd);
  p->pidfd = -1;
}

size_t proc_file_tail(const char *path, size_t max, char *out, size_t outlen) {
  if (out == NULL || outlen == 0) return 0;
  out[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat stbuf;
  if (fstat(fd, &stbuf) != 0) {
    close(fd);
    return 0;
  }
  if (max > outlen - 1) max = outlen - 1;
  off_t size = stbuf.st_size;
  off_t from = size > (off_t)max ? size - (off_t)max : 0;
  size_t got = 0;
  while (got < max) {
    ssize_t n = pread(fd, out + got, max - got, from + (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  out[got] = '\0';
  if (from > 0) {
    char *nl = memchr(out, '\n', got);
    if (nl != NULL && nl + 1 < out + got) {
      size_t skip = (size_t)(nl + 1 - out);
      memmove(out, nl + 1, got - skip + 1);
      got -= skip;
    }
  }
  return got;
}
