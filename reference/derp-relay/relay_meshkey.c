#include "relay_meshkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/hex.h"
#include "file_io.h"

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool relay_meshkey_parse(const uint8_t *text, size_t len, uint8_t key[32], char *err, size_t cap) {
  while (len > 0 && is_space(text[0])) text++, len--;
  while (len > 0 && is_space(text[len - 1])) len--;
  if (len != 64) {
    snprintf(err, cap, "must hold 64 hex digits, found %zu characters", len);
    return false;
  }
  if (!derp_hex_decode((const char *)text, len, key, 32)) {
    snprintf(err, cap, "must hold 64 hex digits, found a character that is not one");
    return false;
  }
  return true;
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
  bool ok = relay_meshkey_parse(buf, len, key, why, sizeof why);
  if (!ok) snprintf(err, cap, "%s: %s", path, why);
  free(buf);
  return ok;
}
