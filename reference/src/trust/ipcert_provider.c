/* ipcert (c): derper's NewManualCertManager start-up sequence (§1.3). */
#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/ipcert.h"
#include "derp/pin_verify.h" /* go_quote: Go's %q */


static enum ipcert_status load_failed(enum ipcert_status st, const char *name, const char *cause, char *err,
                                      size_t err_cap) {
  char quoted[IPCERT_NAME_MAX + 3];
  go_quote(name, quoted, sizeof quoted);
  snprintf(err, err_cap, "can not load x509 key pair for hostname %s: %s", quoted, cause);
  return st;
}

static enum ipcert_status generate_and_write(const struct ipcert_paths *paths, const char *hostname,
                                             int64_t now, char *cause, size_t cause_cap) {
  X509 *cert = NULL;
  EVP_PKEY *key = NULL;
  enum ipcert_status st = ipcert_generate(hostname, now, &cert, &key);
  if (st != IPCERT_OK) {
    snprintf(cause, cause_cap, "failed to create certificate: %s", ipcert_status_str(st));
  } else {
    st = ipcert_write_files(paths, cert, key, cause, cause_cap);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return st;
}

enum ipcert_status ipcert_load_or_generate(const char *certdir, const char *hostname, int64_t now,
                                           struct ipcert_chain *out, char *err, size_t err_cap) {
  memset(out, 0, sizeof *out);
  ENSURE(hostname != NULL && certdir != NULL, IPCERT_ERR_ARG);
  struct ipcert_paths paths;
  if (ipcert_file_paths(certdir, hostname, &paths) != IPCERT_OK) {
    snprintf(err, err_cap, "%s", certdir[0] == '\0' ? "missing required --certdir flag"
                                                     : "certdir or hostname too long for a file name");
    return IPCERT_ERR_ARG;
  }
  uint8_t ip16[16];
  bool is_v4;
  bool hostname_is_ip = ipcert_parse_ip(hostname, ip16, &is_v4);

  char cause[IPCERT_ERR_SIZE];
  enum ipcert_status st = ipcert_load_files(&paths, out, cause, sizeof cause);
  if (st == IPCERT_ERR_NOT_FOUND && hostname_is_ip) {
    st = generate_and_write(&paths, hostname, now, cause, sizeof cause);
    if (st == IPCERT_OK) st = ipcert_load_files(&paths, out, cause, sizeof cause);
    out->generated = st == IPCERT_OK;
  }
  if (st != IPCERT_OK) return load_failed(st, paths.name, cause, err, err_cap);

  st = ipcert_verify_hostname(out->x509[0], hostname, cause, sizeof cause);
  if (st != IPCERT_OK) {
    char quoted[4 * IPCERT_HOSTNAME_MAX + 3];
    go_quote(hostname, quoted, sizeof quoted);
    snprintf(err, err_cap, "cert invalid for hostname %s: %s", quoted, cause);
    ipcert_chain_free(out);
    return st;
  }
  return IPCERT_OK;
}
