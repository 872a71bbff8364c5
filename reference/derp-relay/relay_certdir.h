/* relay_certdir: the `--certmode manual` certificate files (spec §1.3):
 * reads <certdir>/<name>.crt/.key, and when they are missing for an IP
 * hostname writes a generated pair there first. The decisions, the PEM bytes
 * and derper's messages are ipcert's; the files are here. */
#ifndef RELAY_CERTDIR_H
#define RELAY_CERTDIR_H

#include <stddef.h>
#include <stdint.h>

#include "derp/ipcert.h"

/* Both files (the directory made 0700 if missing, .crt 0644, .key 0600, no
 * umask), each under a temporary name first, then renamed over the old one.
 * err gets derper's wording ("failed to write key to <path>: open <path>: ..."). */
enum ipcert_status relay_certdir_write(const struct ipcert_paths *paths,
                                       const struct ipcert_pem_pair *pem, char *err,
                                       size_t err_cap);

/* §1.3 steps 1-4: load the pair, generating it when ipcert_should_generate
 * says so (out->generated tells). On error err holds derper's fatal message
 * (IPCERT_ERR_SIZE suffices). */
enum ipcert_status relay_certdir_load(const char *certdir, const char *hostname, int64_t now,
                                      struct ipcert_chain *out, char *err, size_t err_cap);

#endif
