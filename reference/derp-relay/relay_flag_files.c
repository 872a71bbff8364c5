/* relay_flag_files: reading the files derp-relay's flags name (the
 * --rate-config file, the --verify-clients-file list, the --mesh-psk-file
 * key), each handed to its parser; the parsers stay with the flags, free of
 * I/O (fuzz/relay_config drives them), the reading lives in the shell. */
#include "relay_flag_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/derp_keys.h"
#include "file_io.h"
#include "relay_allowlist.h"
#include "relay_rateconfig.h"

bool relay_rateconfig_load(const char *path, struct relay_rate_config *out, char *err, size_t cap) {
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(path, 1 << 16, false, &buf, &len);
  if (r.step != FILE_IO_OK) {
    snprintf(err, cap, "error reading rate config: open %s: %s", path,
             r.step == FILE_IO_TOO_LARGE ? "larger than 64 KiB" : strerror(r.error));
    free(buf);
    return false;
  }
  bool ok = relay_rateconfig_parse(buf, len, out, err, cap);
  free(buf);
  return ok;
}

bool relay_allowlist_load(const char *path, uint8_t (**keys)[32], size_t *count, char *err,
                          size_t errcap) {
  *keys = NULL;
  *count = 0;
  uint8_t *text = NULL;
  size_t size = 0;
  struct file_io_result r = file_io_read(path, RELAY_ALLOWLIST_MAX_BYTES, true, &text, &size);
  if (r.step == FILE_IO_OPEN) {
    snprintf(err, errcap, "--verify-clients-file %s: %s", path, strerror(r.error));
    return false;
  }
  if (r.step == FILE_IO_STAT || r.step == FILE_IO_NOT_REGULAR || r.step == FILE_IO_TOO_LARGE) {
    snprintf(err, errcap, "--verify-clients-file %s: not a regular file of at most %u bytes", path,
             RELAY_ALLOWLIST_MAX_BYTES);
    return false;
  }
  bool ok = false;
  char why[256] = "read failed";
  size_t n = 0;
  if (r.step == FILE_IO_OK && relay_allowlist_parse(text, size, NULL, 0, &n, why, sizeof why)) {
    *keys = n > 0 ? malloc(n * sizeof **keys) : NULL;
    ok = (n == 0 || *keys != NULL) &&
         relay_allowlist_parse(text, size, *keys, n, count, why, sizeof why);
  }
  free(text);
  if (!ok) {
    free(*keys);
    *keys = NULL;
    snprintf(err, errcap, "--verify-clients-file %s: %s", path, why);
  }
  return ok;
}

bool relay_meshkey_load(const char *path, uint8_t key[32], char *err, size_t cap) {
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(path, 4096, false, &buf, &len);
  if (r.step != FILE_IO_OK) {
    snprintf(err, cap, "%s: %s", path,
             r.step == FILE_IO_TOO_LARGE ? "larger than 4096 bytes" : strerror(r.error));
    free(buf);
    return false;
  }
  char why[128];
  bool ok = derp_mesh_key_parse(buf, len, key, why, sizeof why);
  if (!ok) snprintf(err, cap, "%s: %s", path, why);
  free(buf);
  return ok;
}
