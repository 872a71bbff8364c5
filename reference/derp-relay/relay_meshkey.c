#include "relay_meshkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/derp_keys.h"
#include "file_io.h"

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
