#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tvars_init(struct tvars *t) { memset(t, 0, sizeof *t); }

static void clear_var(struct tvar *v) {
  free(v->value);
  for (size_t i = 0; i < v->n_words; i++) free(v->words[i]);
  free(v->words);
  free(v->unavailable);
  v->value = NULL;
  v->words = NULL;
  v->n_words = 0;
  v->unavailable = NULL;
}

void tvars_free(struct tvars *t) {
  for (size_t i = 0; i < t->n; i++) {
    clear_var(&t->v[i]);
    free(t->v[i].name);
  }
  free(t->v);
  tvars_init(t);
}

static struct tvar *find(const struct tvars *t, const char *name, size_t len) {
  for (size_t i = 0; i < t->n; i++)
    if (strlen(t->v[i].name) == len && memcmp(t->v[i].name, name, len) == 0) return &t->v[i];
  return NULL;
}

static struct tvar *slot(struct tvars *t, const char *name) {
  struct tvar *v = find(t, name, strlen(name));
  if (v != NULL) {
    clear_var(v);
    return v;
  }
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    struct tvar *p = realloc(t->v, cap * sizeof *p);
    if (p == NULL) return NULL;
    t->v = p;
    t->cap = cap;
  }
  v = &t->v[t->n];
  memset(v, 0, sizeof *v);
  if ((v->name = strdup(name)) == NULL) return NULL;
  t->n++;
  return v;
}

bool tvars_set(struct tvars *t, const char *name, const char *value) {
  struct tvar *v = slot(t, name);
  return v != NULL && (v->value = strdup(value != NULL ? value : "")) != NULL;
}

bool tvars_set_list(struct tvars *t, const char *name, const char *const *words, size_t n) {
  struct tvar *v = slot(t, name);
  if (v == NULL || (v->words = calloc(n + 1, sizeof *v->words)) == NULL) return false;
  for (size_t i = 0; i < n; i++) {
    if ((v->words[i] = strdup(words[i])) == NULL) return false;
    v->n_words++;
  }
  return true;
}

bool tvars_set_unavailable(struct tvars *t, const char *name, const char *why) {
  struct tvar *v = slot(t, name);
  return v != NULL && (v->unavailable = strdup(why != NULL ? why : "no value")) != NULL;
}

const char *tvars_get(const struct tvars *t, const char *name) {
  const struct tvar *v = find(t, name, strlen(name));
  return v != NULL ? v->value : NULL;
}

bool tvars_copy(const struct tvars *from, struct tvars *to) {
  tvars_init(to);
  for (size_t i = 0; i < from->n; i++) {
    const struct tvar *v = &from->v[i];
    bool ok = v->unavailable != NULL ? tvars_set_unavailable(to, v->name, v->unavailable)
              : v->words != NULL
                  ? tvars_set_list(to, v->name, (const char *const *)v->words, v->n_words)
                  : tvars_set(to, v->name, v->value);
    if (!ok) return false;
  }
  return true;
}

/* A growable string. */
struct buf {
  char *p;
  size_t len, cap;
  bool oom;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

/* Substitute placeholders of s[0..n) into b. */
static bool subst_into(struct buf *b, const char *s, size_t n, const struct tvars *t, char *err,
                       size_t errlen) {
  for (size_t i = 0; i < n; i++) {
    if ((s[i] == '{' || s[i] == '}') && i + 1 < n && s[i + 1] == s[i]) {
      put(b, &s[i], 1);
      i++;
      continue;
    }
    if (s[i] != '{') {
      put(b, &s[i], 1);
      continue;
    }
    const char *end = memchr(s + i, '}', n - i);
    if (end == NULL) {
      snprintf(err, errlen, "unterminated placeholder at \"%.*s\"", (int)(n - i > 40 ? 40 : n - i),
               s + i);
      return false;
    }
    size_t nlen = (size_t)(end - (s + i + 1));
    const struct tvar *v = find(t, s + i + 1, nlen);
    if (v == NULL) {
      snprintf(err, errlen, "unknown placeholder {%.*s}", (int)nlen, s + i + 1);
      return false;
    }
    if (v->unavailable != NULL) {
      snprintf(err, errlen, "{%.*s} is unavailable: %s", (int)nlen, s + i + 1, v->unavailable);
      return false;
    }
    if (v->words != NULL) {
      for (size_t w = 0; w < v->n_words; w++) {
        if (w > 0) put(b, " ", 1);
        put(b, v->words[w], strlen(v->words[w]));
      }
    } else {
      put(b, v->value, strlen(v->value));
    }
    i += nlen + 1;
  }
  if (b->oom) snprintf(err, errlen, "out of memory");
  return !b->oom;
}

char *template_subst(const char *s, const struct tvars *t, char *err, size_t errlen) {
  struct buf b = {0};
  put(&b, "", 0);
  if (!subst_into(&b, s, strlen(s), t, err, errlen)) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

struct argv_list {
  char **v;
  size_t n, cap;
};

static bool push(struct argv_list *a, char *word) {
  if (word == NULL) return false;
  if (a->n + 2 > a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    char **p = realloc(a->v, cap * sizeof *p);
    if (p == NULL) {
      free(word);
      return false;
    }
    a->v = p;
    a->cap = cap;
  }
  a->v[a->n++] = word;
  a->v[a->n] = NULL;
  return true;
}

void template_argv_free(char **argv) {
  for (size_t i = 0; argv != NULL && argv[i] != NULL; i++) free(argv[i]);
  free(argv);
}

bool template_expand(const char *tmpl, const struct tvars *t, char ***argv, char *err,
                     size_t errlen) {
  *argv = NULL;
  if (errlen > 0) err[0] = '\0';
  struct argv_list a = {0};
  const char *p = tmpl;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    if (*p == '\0') break;
    /* Collect one raw word (quotes removed), remembering if it was quoted:
       a quoted "{mode_args}" stays one word. */
    struct buf raw = {0};
    put(&raw, "", 0);
    bool quoted = false;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
      if (*p == '\'' || *p == '"') {
        char q = *p++;
        const char *close = strchr(p, q);
        if (close == NULL) {
          snprintf(err, errlen, "unterminated %c quote in template", q);
          free(raw.p);
          template_argv_free(a.v);
          return false;
        }
        put(&raw, p, (size_t)(close - p));
        p = close + 1;
        quoted = true;
      } else {
        put(&raw, p++, 1);
      }
    }
    bool ok = !raw.oom;
    const struct tvar *list = NULL;
    if (ok && !quoted && raw.len > 2 && raw.p[0] == '{' && raw.p[raw.len - 1] == '}' &&
        strchr(raw.p + 1, '{') == NULL)
      list = find(t, raw.p + 1, raw.len - 2);
    if (list != NULL && list->words != NULL) {
      for (size_t w = 0; ok && w < list->n_words; w++) ok = push(&a, strdup(list->words[w]));
    } else if (ok) {
      struct buf word = {0};
      put(&word, "", 0);
      if (subst_into(&word, raw.p, raw.len, t, err, errlen)) {
        ok = push(&a, word.p); /* push frees the word when it fails */
      } else {
        free(word.p);
        ok = false;
      }
    }
    free(raw.p);
    if (!ok) {
      if (err[0] == '\0') snprintf(err, errlen, "out of memory");
      template_argv_free(a.v);
      return false;
    }
  }
  if (a.n == 0) {
    snprintf(err, errlen, "empty command template");
    free(a.v);
    return false;
  }
  *argv = a.v;
  return true;
}
