/* ipcert (c): derper's NewManualCertManager start-up sequence (§1.3). */
#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/ipcert.h"

/* Go's %q (strconv.Quote) for the message texts. Valid multi-byte UTF-8 is
 * copied as is (Go would escape the rare non-printable runes among it). */
static void go_quote(const char *s, char *out, size_t cap) {
  size_t n = 0;
  if (cap < 3) {
    if (cap > 0) out[0] = '\0';
    return;
  }
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
    char piece[8];
    size_t plen = 0;
    unsigned char c = *p;
    static const char escapes[] = "\a\b\f\n\r\t\v";
    static const char letters[] = "abfnrtv";
    const char *e = c != 0 ? strchr(escapes, c) : NULL;
    size_t seq = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool utf8_ok = seq > 1;
    for (size_t k = 1; k < seq && utf8_ok; k++) utf8_ok = (p[k] & 0xc0) == 0x80;
    if (c == '"' || c == '\\') {
      plen = (size_t)snprintf(piece, sizeof piece, "\\%c", c);
    } else if (e != NULL) {
      plen = (size_t)snprintf(piece, sizeof piece, "\\%c", letters[e - escapes]);
    } else if (c >= 0x20 && c < 0x7f) {
      piece[0] = (char)c;
      plen = 1;
    } else if (utf8_ok) {
      memcpy(piece, p, seq);
      plen = seq;
      p += seq - 1;
    } else {
      plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
    }
    if (n + plen + 2 > cap) break;
    memcpy(out + n, piece, plen);
    n += plen;
  }
  out[n++] = '"';
  out[n] = '\0';
}

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
