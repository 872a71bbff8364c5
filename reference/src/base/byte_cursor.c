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

void text_line_column(const char *text, size_t len, size_t offset, int *line, int *column) {
  size_t end = offset < len ? offset : len, line_start = 0;
  int l = 1;
  for (const char *nl = end ? memchr(text, '\n', end) : NULL; nl != NULL;
       nl = memchr(nl + 1, '\n', end - (size_t)(nl + 1 - text))) {
    l++;
    line_start = (size_t)(nl - text) + 1;
  }
  *line = l;
  *column = (int)(end - line_start) + 1;
}
