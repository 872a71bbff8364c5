/* ready_wait: block until a --ready-file appears, without sleeping.
 *
 * Why inotify + pidfd: tests must learn the relay's port as soon as it is
 * listening, and must stop waiting at once if the relay dies first; both
 * are kernel events here, so there is no polling interval to tune. */
#ifndef HARNESS_READY_WAIT_H
#define HARNESS_READY_WAIT_H

#include <stdbool.h>
#include <stddef.h>

/* 0: the file exists and its contents are in out; -1: timeout or error;
 * -2: process `pid` (if > 0) exited before writing the file. */
int wait_ready_file(const char *path, int pid, int timeout_ms, char *out, size_t cap);

/* True once process `pid` has exited (it may be a zombie not yet reaped),
 * false after timeout_ms. */
bool wait_process_exit(int pid, int timeout_ms);

#endif
