/* ipcert (a): certdir file names, and what counts as an IP hostname. */
#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/ipcert.h"

const char *ipcert_status_str(enum ipcert_status st) {
  switch (st) {
    case IPCERT_OK: return "ok";
    case IPCERT_ERR_ARG: return "unusable hostname or certdir";
    case IPCERT_ERR_NOT_FOUND: return "certificate or key file missing";
    case IPCERT_ERR_IO: return "read error";
    case IPCERT_ERR_TOO_LARGE: return "file too large or too many certificates";
    case IPCERT_ERR_PEM: return "PEM block missing";
    case IPCERT_ERR_CERT: return "certificate does not parse";
    case IPCERT_ERR_KEY: return "private key does not parse";
    case IPCERT_ERR_KEY_MISMATCH: return "private key does not match certificate";
    case IPCERT_ERR_HOSTNAME: return "certificate not valid for hostname";
    case IPCERT_ERR_GENERATE: return "certificate generation failed";
    case IPCERT_ERR_WRITE: return "writing certificate files failed";
  }
  return "unknown status";
}

/* derper's regexp [^a-zA-Z0-9-\.] deletes everything else, byte by byte. */
static bool kept_in_name(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

bool ipcert_file_name(const char *hostname, char *out, size_t cap) {
  GUARD(hostname != NULL && out != NULL && cap > 0);
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)hostname; *p != '\0'; p++) {
    if (!kept_in_name(*p)) continue;
    GUARD(n + 1 < cap && n < IPCERT_NAME_MAX);
    out[n++] = (char)*p;
  }
  out[n] = '\0';
  return true;
}

enum ipcert_status ipcert_file_paths(const char *certdir, const char *hostname,
                                     struct ipcert_paths *out) {
  ENSURE(certdir != NULL && certdir[0] != '\0' && hostname != NULL, IPCERT_ERR_ARG);
  ENSURE(strlen(hostname) <= IPCERT_HOSTNAME_MAX, IPCERT_ERR_ARG);
  ENSURE(ipcert_file_name(hostname, out->name, sizeof out->name), IPCERT_ERR_ARG);
  size_t dlen = strlen(certdir);
  while (dlen > 1 && certdir[dlen - 1] == '/') dlen--;
  const char *sep = (dlen == 1 && certdir[0] == '/') ? "" : "/";
  ENSURE(dlen < sizeof out->crt, IPCERT_ERR_ARG);
  int n = snprintf(out->crt, sizeof out->crt, "%.*s%s%s.crt", (int)dlen, certdir, sep, out->name);
  ENSURE(n > 0 && (size_t)n < sizeof out->crt, IPCERT_ERR_ARG);
  n = snprintf(out->key, sizeof out->key, "%.*s%s%s.key", (int)dlen, certdir, sep, out->name);
  ENSURE(n > 0 && (size_t)n < sizeof out->key, IPCERT_ERR_ARG);
  return IPCERT_OK;
}
