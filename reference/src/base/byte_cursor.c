/* text_out; the byte cursors themselves are inline in byte_cursor.h. */
#include "derp/byte_cursor.h"

#include <string.h>

void text_out_init(struct text_out *t, char *buf, size_t cap) {
  *t = (struct text_out){buf, cap, 0, false};
  if (cap > 0) buf[0] = '\0';
}

void text_out_bytes(struct text_out *t, const char *s, size_t n) {
  if (t->cap == 0) {
    t->truncated = t->truncated || n > 0;
    return;
  }
  size_t room = t->cap - 1 - t->len;
  if (n > room) {
    n = room;
    t->truncated = true;
  }
  if (n) memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

void text_out_str(struct text_out *t, const char *s) { text_out_bytes(t, s, strlen(s)); }
