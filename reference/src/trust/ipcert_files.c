/* ipcert file I/O: writing the generated pair, reading a .crt/.key pair.
 * Error texts follow Go's os package ("open <path>: <errno text>"). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "derp/guard.h"
#include "derp/ipcert.h"

/* Go's syscall error strings are strerror's with a lowercase first letter. */
static void errno_text(int e, char *out, size_t cap) {
  snprintf(out, cap, "%s", strerror(e));
  out[0] = (char)tolower((unsigned char)out[0]);
}

static void path_error(char *err, size_t cap, const char *op, const char *path, int e) {
  char text[128];
  errno_text(e, text, sizeof text);
  snprintf(err, cap, "%s %s: %s", op, path, text);
}

/* Go's os.MkdirAll(dir, 0700): every missing level is created 0700. */
static bool make_dirs(const char *dir, char *failed, size_t failed_cap) {
  char buf[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof buf) {
    errno = ENAMETOOLONG;
    snprintf(failed, failed_cap, "%s", dir);
    return false;
  }
  memcpy(buf, dir, len + 1);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    struct stat sb;
    if (stat(buf, &sb) != 0) {
      if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
        snprintf(failed, failed_cap, "%s", buf);
        return false;
      }
    } else if (!S_ISDIR(sb.st_mode)) {
      errno = ENOTDIR;
      snprintf(failed, failed_cap, "%s", buf);
      return false;
    }
    *p = saved;
    if (saved == '\0') return true;
  }
}

static bool write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* Replace `path` with `data` in one step: temporary file in the same
 * directory, exact mode (no umask), fsync, rename. errno set on failure. */
static bool replace_file(const char *path, const void *data, size_t len, mode_t mode) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return false;
  }
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fchmod(fd, mode) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && rename(tmp, path) == 0) return true;
  if (ok) saved = errno;
  unlink(tmp);
  errno = saved;
  return false;
}

/* PEM text of the certificate or (SEC1 "EC PRIVATE KEY") key into a mem BIO. */
static BIO *pem_of(X509 *cert, EVP_PKEY *key) {
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio == NULL) return NULL;
  int ok = cert != NULL ? PEM_write_bio_X509(bio, cert)
                        : PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
  if (ok != 1) {
    BIO_free(bio);
    return NULL;
  }
  return bio;
}

static enum ipcert_status write_pem(const char *path, X509 *cert, EVP_PKEY *key, mode_t mode, const char *what,
                                    char *err, size_t err_cap) {
  BIO *bio = pem_of(cert, key);
  if (bio == NULL) {
    snprintf(err, err_cap, "unable to marshal %s", what);
    return IPCERT_ERR_GENERATE;
  }
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  bool ok = len > 0 && replace_file(path, data, (size_t)len, mode);
  int saved = errno;
  BIO_free(bio);
  if (!ok) {
    char cause[PATH_MAX + 160];
    path_error(cause, sizeof cause, "open", path, saved);
    snprintf(err, err_cap, "failed to write %s to %s: %s", what, path, cause);
    return IPCERT_ERR_WRITE;
  }
  return IPCERT_OK;
}

enum ipcert_status ipcert_write_files(const struct ipcert_paths *paths, X509 *cert, EVP_PKEY *key, char *err,
                                      size_t err_cap) {
  ENSURE(paths != NULL && cert != NULL && key != NULL, IPCERT_ERR_ARG);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", paths->crt);
  char *slash = strrchr(dir, '/');
  if (slash != NULL && slash != dir) {
    *slash = '\0';
    char failed[PATH_MAX];
    if (!make_dirs(dir, failed, sizeof failed)) {
      char cause[PATH_MAX + 160];
      path_error(cause, sizeof cause, "mkdir", failed, errno);
      snprintf(err, err_cap, "failed to create directory for certificate: %s", cause);
      return IPCERT_ERR_WRITE;
    }
  }
  GUARD_STATUS(write_pem(paths->crt, cert, NULL, 0644, "certificate", err, err_cap));
  return write_pem(paths->key, NULL, key, 0600, "key", err, err_cap);
}

/* Whole file into a fresh buffer (caller frees). Go's os.ReadFile errors. */
static enum ipcert_status read_file(const char *path, uint8_t **out, size_t *out_len, char *err, size_t err_cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    path_error(err, err_cap, "open", path, e);
    return e == ENOENT ? IPCERT_ERR_NOT_FOUND : IPCERT_ERR_IO;
  }
  struct stat sb;
  enum ipcert_status st = IPCERT_OK;
  if (fstat(fd, &sb) != 0) {
    path_error(err, err_cap, "stat", path, errno);
    st = IPCERT_ERR_IO;
  } else if (S_ISDIR(sb.st_mode)) {
    path_error(err, err_cap, "read", path, EISDIR);
    st = IPCERT_ERR_IO;
  } else if (sb.st_size > (off_t)IPCERT_MAX_FILE_BYTES) {
    snprintf(err, err_cap, "read %s: file larger than %u bytes", path, IPCERT_MAX_FILE_BYTES);
    st = IPCERT_ERR_TOO_LARGE;
  }
  uint8_t *buf = st == IPCERT_OK ? malloc(IPCERT_MAX_FILE_BYTES + 1) : NULL;
  if (st == IPCERT_OK && buf == NULL) {
    path_error(err, err_cap, "read", path, ENOMEM);
    st = IPCERT_ERR_IO;
  }
  size_t got = 0;
  while (st == IPCERT_OK) {
    ssize_t n = read(fd, buf + got, IPCERT_MAX_FILE_BYTES + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      path_error(err, err_cap, "read", path, errno);
      st = IPCERT_ERR_IO;
    } else if (n == 0) {
      break;
    } else if ((got += (size_t)n) > IPCERT_MAX_FILE_BYTES) { /* grew since fstat */
      snprintf(err, err_cap, "read %s: file larger than %u bytes", path, IPCERT_MAX_FILE_BYTES);
      st = IPCERT_ERR_TOO_LARGE;
    }
  }
  close(fd);
  if (st != IPCERT_OK) {
    free(buf);
    return st;
  }
  *out = buf;
  *out_len = got;
  return IPCERT_OK;
}

enum ipcert_status ipcert_load_files(const struct ipcert_paths *paths, struct ipcert_chain *out, char *err,
                                     size_t err_cap) {
  memset(out, 0, sizeof *out);
  uint8_t *crt = NULL, *key = NULL;
  size_t crt_len = 0, key_len = 0;
  /* Go reads the certificate file first, then the key file. */
  enum ipcert_status st = read_file(paths->crt, &crt, &crt_len, err, err_cap);
  if (st == IPCERT_OK) st = read_file(paths->key, &key, &key_len, err, err_cap);
  if (st == IPCERT_OK) st = ipcert_chain_from_pem(crt, crt_len, key, key_len, out, err, err_cap);
  if (key != NULL) OPENSSL_cleanse(key, key_len);
  free(crt);
  free(key);
  return st;
}
