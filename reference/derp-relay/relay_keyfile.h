/* relay_keyfile: the relay's `-c` key file on disk (spec §7.3). The bytes are
 * derp_keys' (derp_keyfile_parse / derp_keyfile_format); this is the file:
 * load it, or create it with a fresh key when it does not exist (parent
 * directories 0700, the file 0600, written under a temporary name and moved
 * into place without replacing a file that appeared meanwhile). */
#ifndef RELAY_KEYFILE_H
#define RELAY_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "derp/derp_keys.h"

/* *created tells whether the file was made. On failure err holds
 * `key file "<path>": <what is wrong>` (DERP_KEYFILE_ERR_SIZE suffices). */
enum derp_keyfile_status relay_keyfile_load_or_create(const char *path, struct derp_keypair *out,
                                                      bool *created, char *err, size_t err_cap);

#endif
