/* digest: SHA-1 and SHA-256 of bytes, through OpenSSL, each implementation
 * fetched once per process.
 *
 * Why not EVP_Digest with EVP_sha1()/EVP_sha256(): under OpenSSL 3 that
 * fetches the implementation again on every call (a lock, a name lookup and
 * a copy of the name), which costs more than hashing a certificate or a
 * WebSocket key. Thread-safe; a failed fetch is tried again on the next
 * call. */
#ifndef DERP_DIGEST_H
#define DERP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DERP_SHA1_LEN 20
#define DERP_SHA256_LEN 32

/* False only when OpenSSL cannot provide or run the digest. */
bool derp_sha1(const void *data, size_t len, uint8_t out[DERP_SHA1_LEN]);
bool derp_sha256(const void *data, size_t len, uint8_t out[DERP_SHA256_LEN]);

#endif
