#include "derp/hujson.h"

#include <stdio.h>
#include <string.h>

void hujson_position(const char *text, size_t len, size_t offset, int *line, int *column) {
  int l = 1, c = 1;
  for (size_t i = 0; i < offset && i < len; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *column = c;
}

static bool fail(const char *in, size_t len, size_t at, const char *msg, struct hujson_error *err) {
  err->offset = at;
  hujson_position(in, len, at, &err->line, &err->column);
  snprintf(err->msg, sizeof err->msg, "%s", msg);
  return false;
}

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* Blank [from, to) except line ends, so positions after it do not move. */
static void blank(char *out, const char *in, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) out[i] = in[i] == '\n' || in[i] == '\r' ? in[i] : ' ';
}

bool hujson_standardize(const char *in, size_t len, char *out, struct hujson_error *err) {
  memcpy(out, in, len);
  /* The last comma seen outside strings whose fate is open: blanked if
   * the next significant byte closes an object or array. Only a comma
   * after a value trails one: in "[,]" or "1,,]" it stays, for the JSON
   * decoder to refuse (and a second pass to leave alone). */
  bool comma_open = false;
  size_t comma_at = 0;
  char prev = '\0'; /* the previous significant byte; '"' for a string */
  size_t i = 0;
  while (i < len) {
    char ch = in[i];
    if (ch == '"') {
      size_t start = i++;
      while (i < len && in[i] != '"') {
        if (in[i] == '\\' && i + 1 < len) i++;
        if (in[i] == '\n') break; /* JSON strings hold no raw newline */
        i++;
      }
      if (i >= len || in[i] != '"') return fail(in, len, start, "unterminated string", err);
      i++;
      comma_open = false;
      prev = '"';
      continue;
    }
    if (ch == '/' && i + 1 < len && in[i + 1] == '/') {
      size_t start = i;
      while (i < len && in[i] != '\n') i++;
      blank(out, in, start, i);
      continue;
    }
    if (ch == '/' && i + 1 < len && in[i + 1] == '*') {
      size_t start = i;
      i += 2;
      while (i + 1 < len && !(in[i] == '*' && in[i + 1] == '/')) i++;
      if (i + 1 >= len) return fail(in, len, start, "unterminated block comment", err);
      i += 2;
      blank(out, in, start, i);
      continue;
    }
    if (is_space(ch)) {
      i++;
      continue;
    }
    if ((ch == '}' || ch == ']') && comma_open) out[comma_at] = ' ';
    comma_open = ch == ',' && prev != '\0' && prev != ',' && prev != '[' && prev != '{';
    comma_at = i;
    prev = ch;
    i++;
  }
  return true;
}
