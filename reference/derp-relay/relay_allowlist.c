#include "relay_allowlist.h"

#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/derp_keys.h"
#include "derp/guard.h"

static bool is_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r'; }

bool relay_allowlist_parse(const uint8_t *text, size_t len, uint8_t (*keys)[32], size_t cap,
                           size_t *count, char *err, size_t errcap) {
  struct byte_reader r = byte_reader_init(text, len);
  size_t n = 0, line_no = 0;
  while (byte_reader_remaining(&r) > 0) {
    line_no++;
    const uint8_t *start = byte_reader_peek(&r);
    const uint8_t *nl = memchr(start, '\n', byte_reader_remaining(&r));
    size_t line_len = nl != NULL ? (size_t)(nl - start) : byte_reader_remaining(&r);
    const uint8_t *line;
    GUARD(byte_reader_borrow(&r, line_len, &line));
    if (nl != NULL) GUARD(byte_reader_skip(&r, 1));
    while (line_len > 0 && is_blank(line[0])) {
      line++;
      line_len--;
    }
    while (line_len > 0 && is_blank(line[line_len - 1])) line_len--;
    if (line_len == 0 || line[0] == '#') continue;
    uint8_t key[32];
    if (!derp_key_parse_text((const char *)line, line_len, DERP_KEY_PUBLIC_PREFIX, key)) {
      snprintf(err, errcap, "line %zu: want nodekey:<64 hex digits>, got \"%.*s\"", line_no,
               line_len > 80 ? 80 : (int)line_len, (const char *)line);
      return false;
    }
    if (keys != NULL) {
      if (n >= cap) {
        snprintf(err, errcap, "line %zu: more than %zu keys", line_no, cap);
        return false;
      }
      memcpy(keys[n], key, 32);
    }
    n++;
  }
  *count = n;
  return true;
}
