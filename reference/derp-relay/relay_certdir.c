#include "relay_certdir.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "file_io.h"

/* Go's *os.PathError text, "<op> <path>: <errno text>"; Go's errno strings
 * are strerror's with a lowercase first letter. */
static void path_error(char *err, size_t cap, const char *op, const char *path, int e) {
  char text[128];
  snprintf(text, sizeof text, "%s", strerror(e));
  text[0] = (char)tolower((unsigned char)text[0]);
  snprintf(err, cap, "%s %s: %s", op, path, text);
}

static enum ipcert_status write_pem(const char *path, const uint8_t *data, size_t len, mode_t mode,
                                    const char *what, char *err, size_t err_cap) {
  struct file_io_result r = file_io_publish(path, data, len, mode, true);
  if (r.step != FILE_IO_OK) {
    char cause[PATH_MAX + 160];
    path_error(cause, sizeof cause, "open", path, r.error);
    snprintf(err, err_cap, "failed to write %s to %s: %s", what, path, cause);
    return IPCERT_ERR_WRITE;
  }
  return IPCERT_OK;
}

enum ipcert_status relay_certdir_write(const struct ipcert_paths *paths,
                                       const struct ipcert_pem_pair *pem, char *err,
                                       size_t err_cap) {
  ENSURE(paths != NULL && pem != NULL, IPCERT_ERR_ARG);
  char failed[PATH_MAX];
  int e = file_io_mkdir_parent(paths->crt, 0700, failed, sizeof failed);
  if (e != 0) {
    char cause[PATH_MAX + 160];
    path_error(cause, sizeof cause, "mkdir", failed, e);
    snprintf(err, err_cap, "failed to create directory for certificate: %s", cause);
    return IPCERT_ERR_WRITE;
  }
  GUARD_STATUS(write_pem(paths->crt, pem->crt, pem->crt_len, 0644, "certificate", err, err_cap));
  return write_pem(paths->key, pem->key, pem->key_len, 0600, "key", err, err_cap);
}

/* Whole file as Go's os.ReadFile reports it (caller frees *out). */
static enum ipcert_status read_file(const char *path, uint8_t **out, size_t *len, char *err,
                                    size_t err_cap) {
  struct file_io_result r = file_io_read(path, IPCERT_MAX_FILE_BYTES, false, out, len);
  switch (r.step) {
    case FILE_IO_OK: return IPCERT_OK;
    case FILE_IO_OPEN:
      path_error(err, err_cap, "open", path, r.error);
      return r.error == ENOENT ? IPCERT_ERR_NOT_FOUND : IPCERT_ERR_IO;
    case FILE_IO_STAT: path_error(err, err_cap, "stat", path, r.error); return IPCERT_ERR_IO;
    case FILE_IO_TOO_LARGE:
      snprintf(err, err_cap, "read %s: file larger than %u bytes", path, IPCERT_MAX_FILE_BYTES);
      return IPCERT_ERR_TOO_LARGE;
    default: path_error(err, err_cap, "read", path, r.error); return IPCERT_ERR_IO;
  }
}

struct pem_files {
  uint8_t *crt, *key;
  size_t crt_len, key_len;
};

static void pem_files_free(struct pem_files *f) {
  if (f->key != NULL) OPENSSL_cleanse(f->key, f->key_len);
  free(f->crt);
  free(f->key);
  memset(f, 0, sizeof *f);
}

/* Go reads the certificate file first, then the key file. */
static enum ipcert_status read_pair(const struct ipcert_paths *paths, struct pem_files *f,
                                    char *err, size_t err_cap) {
  pem_files_free(f);
  enum ipcert_status st = read_file(paths->crt, &f->crt, &f->crt_len, err, err_cap);
  if (st == IPCERT_OK) st = read_file(paths->key, &f->key, &f->key_len, err, err_cap);
  return st;
}

static enum ipcert_status generate_and_write(const struct ipcert_paths *paths, const char *hostname,
                                             int64_t now, char *cause, size_t cause_cap) {
  struct ipcert_pem_pair pem;
  enum ipcert_status st = ipcert_generate_pem(hostname, now, &pem, cause, cause_cap);
  if (st == IPCERT_OK) st = relay_certdir_write(paths, &pem, cause, cause_cap);
  ipcert_pem_pair_free(&pem);
  return st;
}

enum ipcert_status relay_certdir_load(const char *certdir, const char *hostname, int64_t now,
                                      struct ipcert_chain *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  ENSURE(hostname != NULL && certdir != NULL, IPCERT_ERR_ARG);
  struct ipcert_paths paths;
  if (ipcert_file_paths(certdir, hostname, &paths) != IPCERT_OK) {
    snprintf(err, err_cap, "%s",
             certdir[0] == '\0' ? "missing required --certdir flag"
                                : "certdir or hostname too long for a file name");
    return IPCERT_ERR_ARG;
  }
  struct pem_files f = {0};
  char cause[IPCERT_ERR_SIZE];
  bool generated = false;
  enum ipcert_status st = read_pair(&paths, &f, cause, sizeof cause);
  if (ipcert_should_generate(st, hostname)) {
    st = generate_and_write(&paths, hostname, now, cause, sizeof cause);
    if (st == IPCERT_OK) st = read_pair(&paths, &f, cause, sizeof cause);
    generated = true;
  }
  if (st == IPCERT_OK) {
    st =
        ipcert_accept_pair(hostname, &paths, f.crt, f.crt_len, f.key, f.key_len, out, err, err_cap);
    out->generated = st == IPCERT_OK && generated;
  } else {
    ipcert_load_failed(st, &paths, cause, err, err_cap);
  }
  pem_files_free(&f);
  return st;
}
