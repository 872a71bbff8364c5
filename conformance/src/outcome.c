#include "outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

/* How much of the end of a client's stdout is read for its last line. */
enum { STDOUT_MAX = 1 << 20 };

void outcome_read(const char *stdout_path, int exit_code, struct outcome *o) {
  memset(o, 0, sizeof *o);
  o->exit_code = exit_code;
  /* Only the end matters: the verdict is the last line, whatever came
     before it. */
  FILE *f = fopen(stdout_path, "r");
  char *buf = malloc(STDOUT_MAX + 1);
  size_t n = 0;
  if (f != NULL && buf != NULL) {
    if (fseek(f, 0, SEEK_END) == 0) {
      long size = ftell(f);
      fseek(f, size > STDOUT_MAX ? size - STDOUT_MAX : 0, SEEK_SET);
    }
    n = fread(buf, 1, STDOUT_MAX, f);
  }
  if (f != NULL) fclose(f);
  if (buf == NULL) {
    o->note = strdup("out of memory");
    return;
  }
  buf[n] = '\0';
  /* the last non-empty line */
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) buf[--n] = '\0';
  char *line = strrchr(buf, '\n');
  line = line != NULL ? line + 1 : buf;
  if (*line == '\0') {
    o->note = strdup("no output");
  } else {
    json_error_t e;
    json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &e);
    if (json_is_object(j)) {
      o->json = j;
    } else {
      json_decref(j);
      o->note = strdup("last stdout line is not a JSON object");
    }
  }
  free(buf);
}

void outcome_free(struct outcome *o) {
  json_decref(o->json);
  free(o->note);
  memset(o, 0, sizeof *o);
}

void judgement_free(struct judgement *j) {
  free(j->expected);
  free(j->actual);
  free(j->detail);
  memset(j, 0, sizeof *j);
}

const json_t *json_path_get(const json_t *root, const char *dotted) {
  char key[256];
  const json_t *cur = root;
  const char *p = dotted;
  while (cur != NULL && *p != '\0') {
    const char *dot = strchr(p, '.');
    size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
    if (len >= sizeof key) return NULL;
    memcpy(key, p, len);
    key[len] = '\0';
    cur = json_object_get(cur, key);
    p += len + (dot != NULL);
  }
  return cur;
}

/* Growable text for detail/actual strings. */
struct text {
  char buf[2048];
  size_t len;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...) {
  if (t->len >= sizeof t->buf - 1) return;
  if (t->len > 0 && t->len + 2 < sizeof t->buf) {
    memcpy(t->buf + t->len, "; ", 3);
    t->len += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
  va_end(ap);
  if (n > 0) t->len += (size_t)n;
  if (t->len >= sizeof t->buf) t->len = sizeof t->buf - 1;
}

/* An expected text with its placeholders filled. One that cannot be filled
   ({snippet:sha256} without a pin, a misspelt name) is noted in `bad` and
   makes the cell an error: comparing with the raw text would only blame the
   client with a mismatch. */
static char *expand(const char *s, const struct tvars *vars, struct text *bad) {
  char err[256];
  char *x = template_subst(s, vars, err, sizeof err);
  if (x != NULL) return x;
  add(bad, "expected text \"%.120s\": %s", s, err);
  return strdup(s);
}

static const char *jstring_or_null(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Does `actual` (string, or array of strings) contain `needle`? */
static bool json_contains(const json_t *actual, const char *needle) {
  if (json_is_string(actual)) return strstr(json_string_value(actual), needle) != NULL;
  size_t i;
  json_t *x;
  json_array_foreach(actual, i, x) {
    if (json_is_string(x) && strstr(json_string_value(x), needle) != NULL) return true;
  }
  return false;
}

/* "A[].b": the b of every element of array A, as a new array (absent when
   A is not an array); any other path as json_path_get, referenced. */
json_t *json_path_collect(const json_t *root, const char *path) {
  const char *mark = strstr(path, "[].");
  if (mark == NULL) {
    const json_t *v = json_path_get(root, path);
    return v != NULL ? json_incref((json_t *)v) : NULL;
  }
  char head[256];
  size_t n = (size_t)(mark - path);
  if (n >= sizeof head) return NULL;
  memcpy(head, path, n);
  head[n] = '\0';
  const json_t *arr = json_path_get(root, head);
  if (!json_is_array(arr)) return NULL;
  json_t *out = json_array();
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) {
    json_t *v = json_path_collect(x, mark + 3);
    if (v != NULL) json_array_append_new(out, v);
  }
  return out;
}

static void check_output(const json_t *out, const json_t *check, const struct tvars *vars,
                         struct text *why, struct text *bad) {
  const char *field = js_str(check, "field", "");
  json_t *owned = out != NULL ? json_path_collect(out, field) : NULL;
  const json_t *actual = owned;
  const json_t *eq = json_object_get(check, "equals");
  const char *has = js_str(check, "contains", NULL);
  const char *hasnt = js_str(check, "not_contains", NULL);
  if (out == NULL) {
    add(why, "output.%s: no JSON output to check", field);
    return;
  }
  if (eq != NULL) {
    json_t *want;
    if (json_is_string(eq)) {
      char *tmp = expand(json_string_value(eq), vars, bad);
      want = json_string(tmp);
      free(tmp);
    } else {
      want = json_incref((json_t *)eq);
    }
    if (!json_equal(want, actual)) {
      char *w = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
      char *a = actual != NULL ? json_dumps(actual, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
      add(why, "output.%s: expected %s, got %s", field, w ? w : "?", a ? a : "(absent)");
      free(w);
      free(a);
    }
    json_decref(want);
  } else if (has != NULL) {
    char *n = expand(has, vars, bad);
    if (!json_contains(actual, n)) add(why, "output.%s: nothing contains \"%s\"", field, n);
    free(n);
  } else if (hasnt != NULL) {
    char *n = expand(hasnt, vars, bad);
    if (json_contains(actual, n)) add(why, "output.%s: unexpectedly contains \"%s\"", field, n);
    free(n);
  }
  json_decref(owned);
}

void outcome_judge(const struct outcome *o, const json_t *expect, const struct tvars *vars,
                   struct judgement *j) {
  memset(j, 0, sizeof *j);
  const char *want_result = js_str(expect, "result", "pass");
  const char *want_path = js_str(expect, "path", NULL);
  char *want_reason = NULL;
  bool reason_is_contains = false;
  struct text exp = {0}, act = {0}, why = {0}, bad = {0};
  if (js_str(expect, "reason", NULL) != NULL) {
    want_reason = expand(js_str(expect, "reason", ""), vars, &bad);
  } else if (js_str(expect, "reason_contains", NULL) != NULL) {
    want_reason = expand(js_str(expect, "reason_contains", ""), vars, &bad);
    reason_is_contains = true;
  }
  exp.len = (size_t)snprintf(exp.buf, sizeof exp.buf, "%s", want_result);
  if (want_reason != NULL)
    exp.len += (size_t)snprintf(exp.buf + exp.len, sizeof exp.buf - exp.len, "%s%s",
                                reason_is_contains ? " ~ " : ": ", want_reason);
  if (want_path != NULL) snprintf(exp.buf + exp.len, sizeof exp.buf - exp.len, " (%s)", want_path);

  enum report_verdict verdict = REPORT_MATCH;
  const json_t *out = o->json;
  const char *got_result = NULL;
  if (o->exit_code < 0) {
    verdict = REPORT_ERROR;
    add(&why, "client did not exit before its deadline (killed)");
  } else if (o->exit_code == 2) {
    verdict = REPORT_ERROR;
    const char *r = out != NULL ? jstring_or_null(out, "reason") : NULL;
    add(&why, "client usage/config error (exit 2)%s%s", r ? ": " : "", r ? r : "");
  } else if (o->exit_code != 0 && o->exit_code != 1) {
    verdict = REPORT_ERROR;
    add(&why, "client ended with exit status %d (not a verdict)", o->exit_code);
  } else {
    got_result = o->exit_code == 0 ? "pass" : "fail";
    const char *jr = out != NULL ? jstring_or_null(out, "result") : NULL;
    if (out != NULL && (jr == NULL || strcmp(jr, got_result) != 0)) {
      verdict = REPORT_ERROR;
      add(&why, "exit code %d but JSON result is %s", o->exit_code, jr != NULL ? jr : "missing");
    }
  }
  if (verdict == REPORT_ERROR) {
    act.len = (size_t)snprintf(act.buf, sizeof act.buf, "error");
  } else {
    const char *reason = out != NULL ? jstring_or_null(out, "reason") : NULL;
    const char *path = out != NULL ? jstring_or_null(out, "path") : NULL;
    act.len = (size_t)snprintf(act.buf, sizeof act.buf, "%s", got_result);
    if (reason != NULL)
      act.len += (size_t)snprintf(act.buf + act.len, sizeof act.buf - act.len, ": %s", reason);
    if (path != NULL)
      act.len += (size_t)snprintf(act.buf + act.len, sizeof act.buf - act.len, " (%s)", path);
    if (out == NULL)
      snprintf(act.buf + act.len, sizeof act.buf - act.len, " (unchecked: %s)",
               o->note ? o->note : "no JSON");

    if (strcmp(got_result, want_result) != 0)
      add(&why, "result: expected %s, got %s", want_result, got_result);
    if (want_reason != NULL && out != NULL) {
      if (reason == NULL)
        add(&why, "reason: expected \"%s\", got null", want_reason);
      else if (reason_is_contains ? strstr(reason, want_reason) == NULL
                                  : strcmp(reason, want_reason) != 0)
        add(&why, "reason: expected %s\"%s\", got \"%s\"",
            reason_is_contains ? "text containing " : "", want_reason, reason);
    }
    /* A field the client reports as null (or omits) is unchecked. */
    if (want_path != NULL && path != NULL && strcmp(path, want_path) != 0)
      add(&why, "path: expected %s, got %s", want_path, path);
    const char *want_tls = js_str(expect, "tls_version", NULL);
    const char *tls = out != NULL ? jstring_or_null(out, "tls_version") : NULL;
    if (want_tls != NULL && tls != NULL && strcmp(tls, want_tls) != 0)
      add(&why, "tls_version: expected %s, got %s", want_tls, tls);
    long long want_certs = js_int(expect, "certs", -1);
    const json_t *certs = out != NULL ? json_object_get(out, "certs") : NULL;
    if (want_certs >= 0 && json_is_integer(certs) && json_integer_value(certs) != want_certs)
      add(&why, "certs: expected %lld, got %lld", want_certs, (long long)json_integer_value(certs));
    const char *key = out != NULL ? jstring_or_null(out, "server_key") : NULL;
    const char *want_key = tvars_get(vars, "server_key");
    if (js_bool(expect, "server_key", false) && key != NULL && want_key != NULL &&
        strcmp(key, want_key) != 0)
      add(&why, "server_key: expected %s, got %s", want_key, key);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(expect, "output"), i, c)
        check_output(out, c, vars, &why, &bad);
    if (why.len > 0) verdict = REPORT_MISMATCH;
  }
  if (bad.len > 0) { /* the comparisons above meant nothing */
    verdict = REPORT_ERROR;
    why = bad;
  }
  free(want_reason);
  j->verdict = verdict;
  j->expected = strdup(exp.buf);
  j->actual = strdup(act.buf);
  j->detail = why.len > 0 ? strdup(why.buf) : NULL;
}
