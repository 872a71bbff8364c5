/* file_io: the file primitives of the two programs (derp-relay, derp-client),
 * kept apart from the sans-I/O cores under src/: mkdir -p, reading a whole
 * file up to a bound, and publishing a file in one step (temporary file,
 * exact mode, fsync, rename). Each call reports the step that failed and its
 * errno; the caller words the message, so each keeps its own (derper's or
 * Go's) error text. */
#ifndef DERP_FILE_IO_H
#define DERP_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum file_io_step {
  FILE_IO_OK = 0,
  FILE_IO_OPEN,        /* open failed (ENOENT: the file does not exist) */
  FILE_IO_STAT,        /* fstat failed */
  FILE_IO_NOT_REGULAR, /* not a regular file, and one was required */
  FILE_IO_TOO_LARGE,   /* more than the bound */
  FILE_IO_MEMORY,      /* no buffer for the contents */
  FILE_IO_READ,        /* read failed (EISDIR for a directory) */
  FILE_IO_CREATE,      /* the temporary file could not be made */
  FILE_IO_WRITE,       /* fchmod, write, fsync or close of it failed */
  FILE_IO_MOVE,        /* moving it into place failed (EEXIST: no-replace met a file) */
};

struct file_io_result {
  enum file_io_step step;
  int error; /* errno of the failed step; 0 for NOT_REGULAR / TOO_LARGE */
};

/* The whole of `path`, at most `max` bytes, in a fresh buffer of max + 1
 * with a NUL after the contents (caller frees). regular_only refuses
 * devices, pipes and directories before reading. */
struct file_io_result file_io_read(const char *path, size_t max, bool regular_only, uint8_t **out,
                                   size_t *len);
/* The same from an open descriptor (left open), e.g. standard input. */
struct file_io_result file_io_read_fd(int fd, size_t max, bool regular_only, uint8_t **out,
                                      size_t *len);

/* Go's os.MkdirAll(dir, mode): every missing level is created with mode; a
 * level that exists but is not a directory fails with ENOTDIR. Returns 0 or
 * the errno, with the level that failed copied into failed. */
int file_io_mkdir_all(const char *dir, mode_t mode, char *failed, size_t failed_cap);
/* file_io_mkdir_all of the directory part of path (nothing when it has none). */
int file_io_mkdir_parent(const char *path, mode_t mode, char *failed, size_t failed_cap);

/* Put `data` at `path` in one step: a temporary file beside it, given exactly
 * `mode` (no umask), written and synced, then renamed into place. replace
 * false never overwrites a file that exists (FILE_IO_MOVE with EEXIST). The
 * temporary file never outlives the call. */
struct file_io_result file_io_publish(const char *path, const void *data, size_t len, mode_t mode,
                                      bool replace);

#endif
