#include "relay_ready.h"

#include <stdio.h>
#include <string.h>

#include "file_io.h"

bool relay_ready_write(const char *path, const char *tls_addr, const char *stun_addr, char *err,
                       size_t errcap) {
  char body[256];
  int blen = stun_addr != NULL ? snprintf(body, sizeof body, "%s\nstun %s\n", tls_addr, stun_addr)
                               : snprintf(body, sizeof body, "%s\n", tls_addr);
  if (blen < 0 || (size_t)blen >= sizeof body) {
    snprintf(err, errcap, "ready file %s: address too long", path);
    return false;
  }
  /* In one step, so a waiter never reads half a file. */
  struct file_io_result res = file_io_publish(path, body, (size_t)blen, 0644, true);
  if (res.step != FILE_IO_OK) {
    snprintf(err, errcap, "ready file %s: %s", path, strerror(res.error));
    return false;
  }
  return true;
}
