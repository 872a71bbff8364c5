/* template: command templates with {placeholders}, expanded into argv.
 *
 * Any relay or client can be put under test by a command template
 * (--relay-cmd, --client-cmd) whose placeholders the runner fills per
 * scenario: {addr}, {port}, {certdir}, {derpmap}... (conformance/README.md
 * lists them). Templates are split into words first (whitespace; '...' and
 * "..." group, no other shell syntax) and placeholders are substituted
 * inside words, so a value with spaces never splits into two arguments and
 * nothing is interpreted by a shell. A word that is exactly a list-valued
 * placeholder ({mode_args}) becomes zero or more words. `{{` and `}}` are
 * literal braces. An unknown placeholder is an error, not an empty string:
 * a misspelt template must not run a different command.
 *
 * The same substitution (without splitting) fills expected texts and hex in
 * scenarios, e.g. "cert expired {cert:leaf:not_after}".
 *
 * A variable can be known but unavailable in one run ({snippet:sha256} when
 * the relay printed no pin): using it is an error that says why, so an
 * expectation fails loudly instead of comparing with an empty string. */
#ifndef DERPCHECK_TEMPLATE_H
#define DERPCHECK_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct tvar {
  char *name;
  char *value;  /* scalar */
  char **words; /* list-valued when non-NULL */
  size_t n_words;
  char *unavailable; /* non-NULL: why using it is an error (no value) */
};

struct tvars {
  struct tvar *v;
  size_t n, cap;
};

void tvars_init(struct tvars *t);
void tvars_free(struct tvars *t);
/* Set or replace; copies. False on allocation failure. */
bool tvars_set(struct tvars *t, const char *name, const char *value);
bool tvars_set_list(struct tvars *t, const char *name, const char *const *words, size_t n);
/* A name whose use fails with "{name} is unavailable: <why>". */
bool tvars_set_unavailable(struct tvars *t, const char *name, const char *why);
/* NULL for an unknown or unavailable name. */
const char *tvars_get(const struct tvars *t, const char *name);
/* `to` (uninitialised) becomes a copy of `from`; false on allocation
   failure (to is then still freeable). */
bool tvars_copy(const struct tvars *from, struct tvars *to);

/* Words of tmpl with placeholders filled; NULL-terminated, owned. */
bool template_expand(const char *tmpl, const struct tvars *t, char ***argv, char *err,
                     size_t errlen);
void template_argv_free(char **argv);

/* One string with placeholders filled (list values joined by spaces); NULL
   with err set on an unknown placeholder. Caller frees. */
char *template_subst(const char *s, const struct tvars *t, char *err, size_t errlen);

#endif
