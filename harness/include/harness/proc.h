/* proc: loopback process control for conformance runs.
 *
 * The conformance runner drives real relay and client processes (design
 * principle 4). This module starts one program with its output captured to
 * files, waits for the readiness signal the program itself gives (a "ready
 * file" holding a line, written atomically), notices when the program dies
 * before it is ready (so a crashed relay is reported with its stderr instead
 * of a timeout), and stops it by PID: SIGTERM, a bounded wait, then SIGKILL,
 * and always a reap. Nothing here sleeps for synchronisation: waits block on
 * inotify and a pidfd, each with a deadline.
 *
 * Every started program runs in its own process group whose id is its PID, so
 * stopping a wrapper (an adapter shell script) also stops what it started
 * (e.g. `openssl s_server`), and only that. */
#ifndef HARNESS_PROC_H
#define HARNESS_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum proc_status {
  PROC_OK = 0,
  PROC_ERR_ARG,     /* bad arguments (empty argv, NULL paths...) */
  PROC_ERR_SPAWN,   /* fork/exec or redirection failed */
  PROC_ERR_TIMEOUT, /* the deadline passed first */
  PROC_ERR_EXITED,  /* the program exited before it was ready */
  PROC_ERR_IO,      /* reading the ready file or waiting failed */
};

struct proc_spec {
  /* argv[0] is searched in PATH when it has no '/'; NULL-terminated. */
  const char *const *argv;
  const char *stdin_path;  /* NULL: /dev/null */
  const char *stdout_path; /* NULL: /dev/null; created/truncated, mode 0644 */
  const char *stderr_path; /* NULL: /dev/null */
  const char *cwd;         /* NULL: inherit */
  /* Extra "NAME=value" entries added to the inherited environment;
     NULL-terminated, or NULL for none. */
  const char *const *env_extra;
};

struct proc {
  pid_t pid;       /* > 0 once started; stays set after the reap */
  int pidfd;       /* readable when the program exits; -1 if unavailable */
  bool reaped;     /* wait_status is valid */
  int wait_status; /* as from waitpid() */
  int64_t started_ns;
  int64_t ended_ns; /* monotonic time of the reap */
  bool watched;     /* not our child (proc_watch): never signalled or reaped */
};

/* Monotonic clock in nanoseconds (for durations; never for protocol time). */
int64_t proc_now_ns(void);

/* Start the program. On error `err` says what failed (including an exec
   failure of the child, reported through a close-on-exec pipe). */
enum proc_status proc_start(struct proc *p, const struct proc_spec *spec, char *err, size_t errlen);

/* Wait until `path` holds a complete line (ending in '\n') starting with
   `prefix` ("" or NULL: the first line), for at most timeout_ms. Only the
   first 64 KiB of the file are looked at (ready files, start-up logs). The line
   without prefix and newline goes to `line`. PROC_ERR_EXITED when the program
   ended first (it is then reaped). Works both for a ready file written by
   rename and for a captured stdout that grows. */
enum proc_status proc_wait_line(struct proc *p, const char *path, const char *prefix,
                                int timeout_ms, char *line, size_t linelen);

/* Same, for a complete line that contains `needle` anywhere (non-empty);
   the whole line goes to `line`. For log lines with a variable prefix (Go's
   log date). */
enum proc_status proc_wait_line_containing(struct proc *p, const char *path, const char *needle,
                                           int timeout_ms, char *line, size_t linelen);

/* Wait until `path` holds a complete first line, then copy the whole file
   (the first 64 KiB; cut to outlen-1 bytes) to `out`: for ready files that
   are renamed into place and may hold more lines (derp-relay's "stun ...").
   PROC_ERR_EXITED as for proc_wait_line. */
enum proc_status proc_wait_file(struct proc *p, const char *path, int timeout_ms, char *out,
                                size_t outlen);

/* Wait until `path` exists, of any type: for programs whose readiness is a
   socket they bind (haproxy's stats socket, renamed into place once its
   listeners are up). PROC_ERR_EXITED as for proc_wait_line. */
enum proc_status proc_wait_exists(struct proc *p, const char *path, int timeout_ms);

/* Watch a process this program did not start (one a test script started):
   the waits above then end when it exits (its pidfd; without one, kill(pid,
   0)), and it is never signalled or reaped here. proc_release ends the
   watch. */
void proc_watch(struct proc *p, pid_t pid);

/* Reap the program if it has exited; true while it still runs. */
bool proc_running(struct proc *p);

/* Wait up to timeout_ms for the program to exit and reap it. */
enum proc_status proc_wait_exit(struct proc *p, int timeout_ms);

/* Stop by PID: SIGTERM to the program's process group, wait up to grace_ms,
   then SIGKILL and reap. Idempotent. Returns true when SIGKILL was needed. */
bool proc_stop(struct proc *p, int grace_ms);

/* Exit code 0..255; 128+N when killed by signal N; -1 before the reap. */
int proc_exit_code(const struct proc *p);

/* Release the pidfd (the process must have been reaped or stopped). */
void proc_release(struct proc *p);

/* The last `max` bytes of a file, starting at a line boundary when one
   exists in that window; NUL-terminated into out. Returns the length. Used
   to show a failed program's stderr. */
size_t proc_file_tail(const char *path, size_t max, char *out, size_t outlen);

#endif
