/* encoding/json's choice of struct field for an object key. Verified
 * against Go 1.26 (json.Unmarshal into a struct): "privatekey",
 * "PRIVATEKEY", "private\u212aey" all set PrivateKey; "\u017fkip" sets
 * Skip; "Private_Key" and "privatekéy" set nothing. */
#include <string.h>

#include "derp/go.h"

/* Simple case folding as far as it can reach an ASCII field name: ASCII
 * case, plus the two non-ASCII runes whose fold orbit holds an ASCII
 * letter: U+017F (UTF-8 c5 bf) ~ 's' and U+212A (e2 84 aa) ~ 'k'. */
static bool folds_to(const char *key, size_t key_len, const char *name) {
  size_t i = 0;
  for (; *name; name++) {
    char w = go_lower_ascii(*name);
    if (i < key_len && go_lower_ascii(key[i]) == w) {
      i++;
    } else if (w == 's' && key_len - i >= 2 && memcmp(key + i, "\xc5\xbf", 2) == 0) {
      i += 2;
    } else if (w == 'k' && key_len - i >= 3 && memcmp(key + i, "\xe2\x84\xaa", 3) == 0) {
      i += 3;
    } else {
      return false;
    }
  }
  return i == key_len;
}

int go_json_field_index(const char *key, size_t key_len, const char *const *names, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strlen(names[i]) == key_len && memcmp(names[i], key, key_len) == 0) return (int)i;
  for (size_t i = 0; i < n; i++)
    if (folds_to(key, key_len, names[i])) return (int)i;
  return -1;
}
