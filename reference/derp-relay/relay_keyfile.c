#include "relay_keyfile.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

static enum derp_keyfile_status fail_errno(char *err, size_t cap, const char *path, const char *op,
                                           int e) {
  snprintf(err, cap, "key file \"%s\": %s: %s", path, op, strerror(e));
  return DERP_KEYFILE_ERR_IO;
}

/* 1: read into *buf; 0: does not exist; -1: error (message in err). */
static int read_keyfile(const char *path, uint8_t **buf, size_t *len, enum derp_keyfile_status *st,
                        char *err, size_t err_cap) {
  struct file_io_result r = file_io_read(path, DERP_KEYFILE_MAX_BYTES, true, buf, len);
  switch (r.step) {
    case FILE_IO_OK: return 1;
    case FILE_IO_OPEN:
      if (r.error == ENOENT) return 0;
      *st = fail_errno(err, err_cap, path, "open", r.error);
      return -1;
    case FILE_IO_STAT: *st = fail_errno(err, err_cap, path, "stat", r.error); return -1;
    case FILE_IO_NOT_REGULAR:
    case FILE_IO_TOO_LARGE:
      snprintf(err, err_cap, "key file \"%s\": %s", path,
               r.step == FILE_IO_TOO_LARGE ? "larger than 64 KiB" : "not a regular file");
      *st = DERP_KEYFILE_ERR_TOO_LARGE;
      return -1;
    default: *st = fail_errno(err, err_cap, path, "read", r.error); return -1;
  }
}

/* Create `path` holding a fresh key. Returns 1 created, 0 someone else created
 * it meanwhile (caller loads that one), -1 error. */
static int create_keyfile(const char *path, struct derp_keypair *kp, enum derp_keyfile_status *st,
                          char *err, size_t err_cap) {
  if (!derp_keypair_generate(kp)) {
    snprintf(err, err_cap, "key file \"%s\": no randomness for a new key", path);
    *st = DERP_KEYFILE_ERR_RANDOM;
    return -1;
  }
  char failed[PATH_MAX];
  int e = file_io_mkdir_parent(path, 0700, failed, sizeof failed); /* it holds a secret */
  if (e != 0) {
    *st = fail_errno(err, err_cap, path, "create directory", e);
    return -1;
  }
  char body[128];
  if (!derp_keyfile_format(kp->priv, body, sizeof body)) {
    *st = fail_errno(err, err_cap, path, "write", EOVERFLOW);
    return -1;
  }
  struct file_io_result r = file_io_publish(path, body, strlen(body), 0600, false);
  sodium_memzero(body, sizeof body);
  if (r.step == FILE_IO_MOVE && r.error == EEXIST) return 0;
  if (r.step != FILE_IO_OK) {
    const char *op = r.step == FILE_IO_CREATE  ? "create"
                     : r.step == FILE_IO_WRITE ? "write"
                                               : "rename";
    *st = fail_errno(err, err_cap, path, op, r.error);
    return -1;
  }
  return 1;
}

enum derp_keyfile_status relay_keyfile_load_or_create(const char *path, struct derp_keypair *out,
                                                      bool *created, char *err, size_t err_cap) {
  enum derp_keyfile_status st = DERP_KEYFILE_ERR_IO;
  *created = false;
  if (path == NULL || path[0] == '\0' || strlen(path) >= PATH_MAX - 16) {
    snprintf(err, err_cap, "key file \"%s\": empty or too long a path", path ? path : "");
    return DERP_KEYFILE_ERR_IO;
  }
  uint8_t *buf = NULL;
  size_t len = 0;
  int r = 0;
  /* Two rounds at most: a lost creation race is followed by one load. */
  for (int round = 0; round < 2 && r == 0; round++) {
    r = read_keyfile(path, &buf, &len, &st, err, err_cap);
    if (r != 0) break;
    if (round == 1) return fail_errno(err, err_cap, path, "open", ENOENT);
    int c = create_keyfile(path, out, &st, err, err_cap);
    if (c != 0) {
      *created = c > 0;
      return c > 0 ? DERP_KEYFILE_OK : st;
    }
  }
  if (r < 0) return st;
  char why[256];
  st = derp_keyfile_parse(buf, len, out->priv, why, sizeof why);
  sodium_memzero(buf, len);
  free(buf);
  if (st != DERP_KEYFILE_OK) {
    snprintf(err, err_cap, "key file \"%s\": %s", path, why);
    return st;
  }
  if (!derp_key_public_from_private(out->priv, out->pub)) {
    snprintf(err, err_cap, "key file \"%s\": private key gives no usable public key", path);
    return DERP_KEYFILE_ERR_KEY;
  }
  return DERP_KEYFILE_OK;
}
