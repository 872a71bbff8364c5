#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct file_io_result result(enum file_io_step step, int error) {
  return (struct file_io_result){.step = step, .error = error};
}

struct file_io_result file_io_read_fd(int fd, size_t max, bool regular_only, uint8_t **out,
                                      size_t *len) {
  struct stat sb;
  if (fstat(fd, &sb) != 0) return result(FILE_IO_STAT, errno);
  if (regular_only && !S_ISREG(sb.st_mode)) return result(FILE_IO_NOT_REGULAR, 0);
  /* What read(2) of a directory would say, without trying it. */
  if (S_ISDIR(sb.st_mode)) return result(FILE_IO_READ, EISDIR);
  if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > max) return result(FILE_IO_TOO_LARGE, 0);
  /* The buffer starts at the size fstat gives (a pipe's is 0) and grows up
   * to one byte past the bound: that byte shows a file that grew since fstat
   * or a pipe that is too long, and holds the NUL otherwise. */
  size_t cap = (S_ISREG(sb.st_mode) ? (size_t)sb.st_size : 4096) + 1;
  if (cap > max + 1) cap = max + 1;
  uint8_t *buf = malloc(cap);
  if (buf == NULL) return result(FILE_IO_MEMORY, ENOMEM);
  size_t got = 0;
  for (;;) {
    if (got == cap && cap <= max) {
      size_t bigger = cap > (max + 1) / 2 ? max + 1 : 2 * cap;
      uint8_t *grown = realloc(buf, bigger);
      if (grown == NULL) {
        free(buf);
        return result(FILE_IO_MEMORY, ENOMEM);
      }
      buf = grown;
      cap = bigger;
    }
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (n > 0 && (got += (size_t)n) > max)) {
      struct file_io_result r = n < 0 ? result(FILE_IO_READ, errno) : result(FILE_IO_TOO_LARGE, 0);
      free(buf);
      return r;
    }
    if (n == 0) break;
  }
  buf[got] = '\0';
  *out = buf;
  *len = got;
  return result(FILE_IO_OK, 0);
}

struct file_io_result file_io_read(const char *path, size_t max, bool regular_only, uint8_t **out,
                                   size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return result(FILE_IO_OPEN, errno);
  struct file_io_result r = file_io_read_fd(fd, max, regular_only, out, len);
  close(fd);
  return r;
}

int file_io_mkdir_all(const char *dir, mode_t mode, char *failed, size_t failed_cap) {
  char buf[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof buf) {
    snprintf(failed, failed_cap, "%s", dir);
    return ENAMETOOLONG;
  }
  memcpy(buf, dir, len + 1);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    struct stat sb;
    int e = 0;
    if (stat(buf, &sb) != 0) {
      if (mkdir(buf, mode) != 0 && errno != EEXIST) e = errno;
    } else if (!S_ISDIR(sb.st_mode)) {
      e = ENOTDIR;
    }
    if (e != 0) {
      snprintf(failed, failed_cap, "%s", buf);
      return e;
    }
    *p = saved;
    if (saved == '\0') return 0;
  }
}

int file_io_mkdir_parent(const char *path, mode_t mode, char *failed, size_t failed_cap) {
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
    snprintf(failed, failed_cap, "%s", path);
    return ENAMETOOLONG;
  }
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) return 0;
  *slash = '\0';
  return file_io_mkdir_all(dir, mode, failed, failed_cap);
}

static bool write_all(int fd, const uint8_t *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Move tmp to path unless path exists. renameat2 does it in one step; on file
 * systems without RENAME_NOREPLACE a hard link gives the same guarantee. */
static bool move_no_replace(const char *tmp, const char *path) {
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  if (link(tmp, path) != 0) return false;
  unlink(tmp);
  return true;
}

struct file_io_result file_io_publish(const char *path, const void *data, size_t len, mode_t mode,
                                      bool replace) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp) {
    return result(FILE_IO_CREATE, ENAMETOOLONG);
  }
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) return result(FILE_IO_CREATE, errno);
  struct file_io_result r = result(FILE_IO_OK, 0);
  if (fchmod(fd, mode) != 0 || !write_all(fd, data, len) || fsync(fd) != 0) {
    r = result(FILE_IO_WRITE, errno);
  }
  if (close(fd) != 0 && r.step == FILE_IO_OK) r = result(FILE_IO_WRITE, errno);
  if (r.step == FILE_IO_OK && !(replace ? rename(tmp, path) == 0 : move_no_replace(tmp, path))) {
    r = result(FILE_IO_MOVE, errno);
  }
  if (r.step != FILE_IO_OK) unlink(tmp);
  return r;
}
