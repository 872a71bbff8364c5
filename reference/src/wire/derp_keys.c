#include "derp/derp_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "derp/guard.h"

void derp_key_clamp(uint8_t priv[DERP_KEY_LEN]) {
  priv[0] &= 248;
  priv[31] = (uint8_t)((priv[31] & 127) | 64);
}

bool derp_key_is_zero(const uint8_t key[DERP_KEY_LEN]) {
  return sodium_is_zero(key, DERP_KEY_LEN) == 1;
}

bool derp_key_public_from_private(const uint8_t priv[DERP_KEY_LEN], uint8_t pub[DERP_KEY_LEN]) {
  GUARD(sodium_init() >= 0);
  return crypto_scalarmult_base(pub, priv) == 0;
}

bool derp_keypair_generate(struct derp_keypair *out) {
  GUARD(sodium_init() >= 0);
  randombytes_buf(out->priv, sizeof out->priv);
  derp_key_clamp(out->priv);
  return derp_key_public_from_private(out->priv, out->pub);
}

void derp_hex_lower(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool derp_key_from_hex(const char *hex, size_t len, uint8_t out[DERP_KEY_LEN]) {
  GUARD(hex != NULL && len == DERP_KEY_HEX_LEN);
  uint8_t tmp[DERP_KEY_LEN];
  for (size_t i = 0; i < DERP_KEY_LEN; i++) {
    int hi = hex_digit_value(hex[2 * i]);
    int lo = hex_digit_value(hex[2 * i + 1]);
    GUARD(hi >= 0 && lo >= 0);
    tmp[i] = (uint8_t)(hi << 4 | lo);
  }
  memcpy(out, tmp, sizeof tmp);
  return true;
}

static void key_text(const char *prefix, const uint8_t key[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]) {
  size_t plen = strlen(prefix);
  memcpy(out, prefix, plen);
  derp_hex_lower(key, DERP_KEY_LEN, out + plen);
}

void derp_key_public_text(const uint8_t pub[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]) {
  key_text(DERP_KEY_PUBLIC_PREFIX, pub, out);
}

void derp_key_private_text(const uint8_t priv[DERP_KEY_LEN], char out[DERP_KEY_TEXT_SIZE]) {
  key_text(DERP_KEY_PRIVATE_PREFIX, priv, out);
}

bool derp_key_parse_text(const char *text, size_t len, const char *prefix, uint8_t out[DERP_KEY_LEN]) {
  size_t plen = strlen(prefix);
  GUARD(text != NULL && len >= plen && memcmp(text, prefix, plen) == 0);
  return derp_key_from_hex(text + plen, len - plen, out);
}

/* ---- key file: pure parse/format ---- */

#define KEYFILE_FIELD "PrivateKey"

enum derp_keyfile_status derp_keyfile_parse(const uint8_t *json, size_t len, uint8_t priv[DERP_KEY_LEN],
                                            char *why, size_t why_cap) {
  json_error_t jerr;
  json_t *root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL) {
    snprintf(why, why_cap, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    return DERP_KEYFILE_ERR_JSON;
  }
  enum derp_keyfile_status st = DERP_KEYFILE_OK;
  json_t *value = NULL;
  unsigned matches = 0;
  if (!json_is_object(root)) {
    snprintf(why, why_cap, "want a JSON object, not %s", json_is_array(root) ? "an array" : "a scalar");
    st = DERP_KEYFILE_ERR_JSON;
    goto out;
  }
  const char *k;
  json_t *v;
  json_object_foreach(root, k, v) {
    if (strcasecmp(k, KEYFILE_FIELD) == 0) {
      value = v;
      matches++;
    }
  }
  if (matches == 0 || json_is_null(value)) {
    snprintf(why, why_cap, "no \"PrivateKey\" field");
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (matches > 1) {
    snprintf(why, why_cap, "\"PrivateKey\" given %u times (names match case-insensitively)", matches);
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (!json_is_string(value)) {
    snprintf(why, why_cap, "\"PrivateKey\" is not a string");
    st = DERP_KEYFILE_ERR_FIELD;
  } else if (!derp_key_parse_text(json_string_value(value), json_string_length(value), DERP_KEY_PRIVATE_PREFIX,
                                  priv)) {
    snprintf(why, why_cap, "\"PrivateKey\" must be \"privkey:\" followed by 64 hex digits");
    st = DERP_KEYFILE_ERR_KEY;
  }
out:
  json_decref(root);
  return st;
}

bool derp_keyfile_format(const uint8_t priv[DERP_KEY_LEN], char *out, size_t cap) {
  char text[DERP_KEY_TEXT_SIZE];
  derp_key_private_text(priv, text);
  int n = snprintf(out, cap, "{\n\t\"" KEYFILE_FIELD "\": \"%s\"\n}", text);
  sodium_memzero(text, sizeof text);
  return n > 0 && (size_t)n < cap;
}

/* ---- key file: I/O shell ---- */

static enum derp_keyfile_status fail_errno(char *err, size_t cap, const char *path, const char *op) {
  snprintf(err, cap, "key file \"%s\": %s: %s", path, op, strerror(errno));
  return DERP_KEYFILE_ERR_IO;
}

/* mkdir -p of path's parent directory, new levels 0700 (it holds a secret). */
static bool make_parent_dirs(const char *path) {
  char dir[PATH_MAX];
  size_t len = strlen(path);
  GUARD(len < sizeof dir);
  memcpy(dir, path, len + 1);
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) return true;
  *slash = '\0';
  for (char *p = dir + 1; *p != '\0'; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return false;
    *p = '/';
  }
  return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

/* 1: read into buf; 0: does not exist; -1: error (message in err). */
static int read_keyfile(const char *path, char *buf, size_t cap, size_t *len, enum derp_keyfile_status *st,
                        char *err, size_t err_cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    *st = fail_errno(err, err_cap, path, "open");
    return -1;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    *st = fail_errno(err, err_cap, path, "stat");
    close(fd);
    return -1;
  }
  if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)cap) {
    snprintf(err, err_cap, "key file \"%s\": %s", path,
             S_ISREG(sb.st_mode) ? "larger than 64 KiB" : "not a regular file");
    *st = DERP_KEYFILE_ERR_TOO_LARGE;
    close(fd);
    return -1;
  }
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd, buf + got, cap - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *st = fail_errno(err, err_cap, path, "read");
      close(fd);
      return -1;
    }
    if (n == 0) break;
    got += (size_t)n;
    if (got == cap) { /* grew past the bound since fstat */
      snprintf(err, err_cap, "key file \"%s\": larger than 64 KiB", path);
      *st = DERP_KEYFILE_ERR_TOO_LARGE;
      close(fd);
      return -1;
    }
  }
  close(fd);
  *len = got;
  return 1;
}

static bool write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= (size_t)n;
  }
  return true;
}

/* Move tmp to path unless path exists. renameat2 does it in one step; on file
 * systems without RENAME_NOREPLACE a hard link gives the same guarantee. */
static int publish_no_replace(const char *tmp, const char *path) {
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (link(tmp, path) != 0) return -1;
  unlink(tmp);
  return 0;
}

/* Create `path` holding a fresh key. Returns 1 created, 0 someone else created
 * it meanwhile (caller loads that one), -1 error. */
static int create_keyfile(const char *path, struct derp_keypair *kp, enum derp_keyfile_status *st, char *err,
                          size_t err_cap) {
  if (!derp_keypair_generate(kp)) {
    snprintf(err, err_cap, "key file \"%s\": no randomness for a new key", path);
    *st = DERP_KEYFILE_ERR_RANDOM;
    return -1;
  }
  if (!make_parent_dirs(path)) {
    *st = fail_errno(err, err_cap, path, "create directory");
    return -1;
  }
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    *st = fail_errno(err, err_cap, path, "create");
    return -1;
  }
  int fd = mkostemp(tmp, O_CLOEXEC);
  if (fd < 0) {
    *st = fail_errno(err, err_cap, path, "create");
    return -1;
  }
  char body[128];
  bool ok = derp_keyfile_format(kp->priv, body, sizeof body) && fchmod(fd, 0600) == 0 &&
            write_all(fd, body, strlen(body)) && fsync(fd) == 0;
  sodium_memzero(body, sizeof body);
  if (close(fd) != 0) ok = false;
  if (!ok) {
    *st = fail_errno(err, err_cap, path, "write");
    unlink(tmp);
    return -1;
  }
  if (publish_no_replace(tmp, path) != 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    if (errno == EEXIST) return 0;
    *st = fail_errno(err, err_cap, path, "rename");
    return -1;
  }
  return 1;
}

enum derp_keyfile_status derp_keyfile_load_or_create(const char *path, struct derp_keypair *out, bool *created,
                                                     char *err, size_t err_cap) {
  enum derp_keyfile_status st = DERP_KEYFILE_ERR_IO;
  *created = false;
  if (path == NULL || path[0] == '\0' || strlen(path) >= PATH_MAX - 16) {
    snprintf(err, err_cap, "key file \"%s\": empty or too long a path", path ? path : "");
    return DERP_KEYFILE_ERR_IO;
  }
  char *buf = malloc(DERP_KEYFILE_MAX_BYTES);
  if (buf == NULL) return fail_errno(err, err_cap, path, "read");
  size_t len = 0;
  int r = 0;
  /* Two rounds at most: a lost creation race is followed by one load. */
  for (int round = 0; round < 2 && r == 0; round++) {
    r = read_keyfile(path, buf, DERP_KEYFILE_MAX_BYTES, &len, &st, err, err_cap);
    if (r != 0) break;
    if (round == 1) {
      errno = ENOENT;
      st = fail_errno(err, err_cap, path, "open");
      r = -1;
      break;
    }
    int c = create_keyfile(path, out, &st, err, err_cap);
    if (c != 0) {
      free(buf);
      *created = c > 0;
      return c > 0 ? DERP_KEYFILE_OK : st;
    }
  }
  if (r < 0) {
    free(buf);
    return st;
  }
  char why[256];
  st = derp_keyfile_parse((const uint8_t *)buf, len, out->priv, why, sizeof why);
  sodium_memzero(buf, len);
  free(buf);
  if (st != DERP_KEYFILE_OK) {
    snprintf(err, err_cap, "key file \"%s\": %s", path, why);
    return st;
  }
  if (!derp_key_public_from_private(out->priv, out->pub)) {
    snprintf(err, err_cap, "key file \"%s\": private key gives no usable public key", path);
    return DERP_KEYFILE_ERR_KEY;
  }
  return DERP_KEYFILE_OK;
}
