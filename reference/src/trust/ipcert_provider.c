/* ipcert (c): the decisions and messages of derper's NewManualCertManager
 * start-up (§1.3). Reading and writing certdir is derp-relay's
 * (relay_certdir); this takes and returns bytes. */
#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/ipcert.h"
#include "derp/pin_verify.h"

bool ipcert_should_generate(enum ipcert_status read_status, const char *hostname) {
  uint8_t ip16[16];
  return read_status == IPCERT_ERR_NOT_FOUND && hostname != NULL &&
         go_parse_ip(hostname, strlen(hostname), ip16);
}

enum ipcert_status ipcert_load_failed(enum ipcert_status st, const struct ipcert_paths *paths,
                                      const char *cause, char *err, size_t err_cap) {
  char quoted[IPCERT_NAME_MAX + 3];
  go_quote(paths->name, quoted, sizeof quoted);
  snprintf(err, err_cap, "can not load x509 key pair for hostname %s: %s", quoted, cause);
  return st;
}

enum ipcert_status ipcert_accept_pair(const char *hostname, const struct ipcert_paths *paths,
                                      const uint8_t *crt_pem, size_t crt_len,
                                      const uint8_t *key_pem, size_t key_len,
                                      struct ipcert_chain *out, char *err, size_t err_cap) {
  char cause[IPCERT_ERR_SIZE];
  enum ipcert_status st =
      ipcert_chain_from_pem(crt_pem, crt_len, key_pem, key_len, out, cause, sizeof cause);
  if (st != IPCERT_OK) return ipcert_load_failed(st, paths, cause, err, err_cap);
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
