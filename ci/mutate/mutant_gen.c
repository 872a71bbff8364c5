/* mutant_gen: the mutants of one C source file, for ci/mutate.sh.
 *
 *   mutant_gen FILE            list the mutants, one TSV line each:
 *                              index line col operator before after context
 *   mutant_gen FILE N          write the source with mutant N applied to stdout
 *
 * Operators (the classic sufficient set, as issue 15 asks):
 *   ror    relational boundary and negation: < <=, <= <, > >=, >= >, == !=, != ==
 *   lcr    && ||, || &&
 *   not    a unary ! deleted
 *   bool   true false, false true
 *   const  an integer literal n as n+1, and as 0 when n is not 0
 *   stmt   a simple statement (up to its ';') replaced by {}
 *
 * The file is lexed, not parsed: comments, string and character literals and
 * preprocessor lines (except #define bodies) are never mutated. Array sizes
 * in declarations are not mutated either: a buffer one byte larger changes
 * the object code but no behaviour. Replacements keep the newlines of what
 * they replace, so __LINE__ and every later line number stay the same. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { TOK_IDENT, TOK_NUMBER, TOK_PUNCT };

struct token {
  enum tok_kind kind;
  size_t off, len;
  unsigned line;
  bool in_define; /* inside a #define body */
};

struct mutant {
  size_t off, len; /* the bytes replaced */
  unsigned line;
  const char *op;
  char after[64];
};

struct source {
  const char *text;
  size_t len;
  struct token *toks;
  size_t ntoks, cap_toks;
  struct mutant *muts;
  size_t nmuts, cap_muts;
};

static void *grow(void *p, size_t *cap, size_t elem) {
  *cap = *cap ? *cap * 2 : 256;
  void *q = realloc(p, *cap * elem);
  if (!q) {
    fprintf(stderr, "mutant_gen: out of memory\n");
    exit(2);
  }
  return q;
}

static void push_tok(struct source *s, enum tok_kind k, size_t off, size_t len, unsigned line,
                     bool in_define) {
  if (s->ntoks == s->cap_toks) s->toks = grow(s->toks, &s->cap_toks, sizeof *s->toks);
  s->toks[s->ntoks++] = (struct token){k, off, len, line, in_define};
}

static const char *const PUNCTS[] = {"<<=", ">>=", "...", "->", "++", "--", "<<", ">>",
                                     "<=",  ">=",  "==",  "!=", "&&", "||", "+=", "-=",
                                     "*=",  "/=",  "%=",  "&=", "|=", "^=", "##"};

/* The longest punctuator at p (longest first in PUNCTS), else one byte. */
static size_t punct_len(const char *p, size_t left) {
  for (size_t k = 0; k < sizeof PUNCTS / sizeof *PUNCTS; k++) {
    size_t pl = strlen(PUNCTS[k]);
    if (left >= pl && memcmp(p, PUNCTS[k], pl) == 0) return pl;
  }
  return 1;
}

/* Skips a comment, string or character literal at *i; true if it did. */
static bool skip_noise(const struct source *s, size_t *i, unsigned *line) {
  const char *t = s->text;
  size_t n = s->len;
  if (t[*i] == '/' && *i + 1 < n && t[*i + 1] == '/') {
    while (*i < n && t[*i] != '\n') (*i)++;
    return true;
  }
  if (t[*i] == '/' && *i + 1 < n && t[*i + 1] == '*') {
    *i += 2;
    while (*i + 1 < n && !(t[*i] == '*' && t[*i + 1] == '/')) {
      if (t[*i] == '\n') (*line)++;
      (*i)++;
    }
    *i = *i + 2 <= n ? *i + 2 : n;
    return true;
  }
  if (t[*i] == '"' || t[*i] == '\'') {
    char q = t[(*i)++];
    while (*i < n && t[*i] != q && t[*i] != '\n') *i += t[*i] == '\\' ? 2 : 1;
    if (*i < n) (*i)++;
    return true;
  }
  return false;
}

/* A preprocessor line: only a #define's body yields tokens (its constants
 * and operators are part of the program); its name and parameters do not. */
static void lex_directive(struct source *s, size_t *i, unsigned *line) {
  const char *t = s->text;
  size_t n = s->len, p = *i + 1;
  while (p < n && (t[p] == ' ' || t[p] == '\t')) p++;
  bool define = n - p >= 6 && strncmp(t + p, "define", 6) == 0;
  bool body = false;
  if (define) {
    p += 6;
    while (p < n && (t[p] == ' ' || t[p] == '\t')) p++;
    while (p < n && (isalnum((unsigned char)t[p]) || t[p] == '_')) p++;
    if (p < n && t[p] == '(') {
      while (p < n && t[p] != ')' && t[p] != '\n') p++;
      if (p < n && t[p] == ')') p++;
    }
    body = true;
  }
  while (p < n && t[p] != '\n') {
    if (t[p] == '\\' && p + 1 < n && t[p + 1] == '\n') {
      p += 2;
      (*line)++;
      continue;
    }
    if (skip_noise(s, &p, line)) continue;
    if (isspace((unsigned char)t[p])) {
      p++;
      continue;
    }
    size_t start = p;
    if (isalpha((unsigned char)t[p]) || t[p] == '_') {
      while (p < n && (isalnum((unsigned char)t[p]) || t[p] == '_')) p++;
      if (body) push_tok(s, TOK_IDENT, start, p - start, *line, true);
    } else if (isdigit((unsigned char)t[p])) {
      while (p < n && (isalnum((unsigned char)t[p]) || t[p] == '_' || t[p] == '.')) p++;
      if (body) push_tok(s, TOK_NUMBER, start, p - start, *line, true);
    } else {
      size_t len = punct_len(t + p, n - p);
      p += len;
      if (body) push_tok(s, TOK_PUNCT, start, len, *line, true);
    }
  }
  *i = p;
}

static void lex(struct source *s) {
  const char *t = s->text;
  size_t n = s->len, i = 0;
  unsigned line = 1;
  bool line_start = true;
  while (i < n) {
    char c = t[i];
    if (c == '\n') {
      line++;
      line_start = true;
      i++;
      continue;
    }
    if (isspace((unsigned char)c)) {
      i++;
      continue;
    }
    if (c == '#' && line_start) {
      lex_directive(s, &i, &line);
      continue;
    }
    line_start = false;
    if (skip_noise(s, &i, &line)) {
      if (c == '"' || c == '\'') push_tok(s, TOK_PUNCT, i - 1, 1, line, false); /* placeholder */
      continue;
    }
    size_t start = i;
    if (isalpha((unsigned char)c) || c == '_') {
      while (i < n && (isalnum((unsigned char)t[i]) || t[i] == '_')) i++;
      push_tok(s, TOK_IDENT, start, i - start, line, false);
    } else if (isdigit((unsigned char)c)) {
      while (i < n && (isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' ||
                       ((t[i] == '+' || t[i] == '-') && (t[i - 1] == 'e' || t[i - 1] == 'E'))))
        i++;
      push_tok(s, TOK_NUMBER, start, i - start, line, false);
    } else {
      size_t len = punct_len(t + i, n - i);
      push_tok(s, TOK_PUNCT, start, len, line, false);
      i += len;
    }
  }
}

static bool tok_is(const struct source *s, size_t k, const char *text) {
  if (k >= s->ntoks) return false;
  size_t l = strlen(text);
  return s->toks[k].len == l && memcmp(s->text + s->toks[k].off, text, l) == 0;
}

static void add(struct source *s, size_t off, size_t len, unsigned line, const char *op,
                const char *after) {
  if (s->nmuts == s->cap_muts) s->muts = grow(s->muts, &s->cap_muts, sizeof *s->muts);
  struct mutant *m = &s->muts[s->nmuts++];
  *m = (struct mutant){off, len, line, op, {0}};
  snprintf(m->after, sizeof m->after, "%s", after);
}

static const char *const KEYWORDS[] = {"return", "case", "sizeof", "else", "do", "goto"};

static bool is_keyword(const struct source *s, size_t k) {
  for (size_t i = 0; i < sizeof KEYWORDS / sizeof *KEYWORDS; i++)
    if (tok_is(s, k, KEYWORDS[i])) return true;
  return false;
}

static const char *const TYPE_WORDS[] = {
    "const", "static", "struct", "enum", "union", "unsigned", "signed", "int",
    "char",  "short",  "long",   "bool", "void",  "float",    "double", "volatile"};

/* Deleting a declaration only ever fails to compile: not worth a compile.
 * `T x`, `T *x =`, and statements opening with a type word are declarations. */
static bool is_declaration(const struct source *s, size_t k) {
  for (size_t i = 0; i < sizeof TYPE_WORDS / sizeof *TYPE_WORDS; i++)
    if (tok_is(s, k, TYPE_WORDS[i])) return true;
  if (k + 1 >= s->ntoks || s->toks[k].kind != TOK_IDENT || is_keyword(s, k)) return false;
  if (s->toks[k + 1].kind == TOK_IDENT) return true;
  size_t j = k + 1;
  while (tok_is(s, j, "*")) j++;
  return j > k + 1 && j + 1 < s->ntoks && s->toks[j].kind == TOK_IDENT &&
         (tok_is(s, j + 1, "=") || tok_is(s, j + 1, ";") || tok_is(s, j + 1, "[") ||
          tok_is(s, j + 1, ","));
}

/* `T name[N]` or `T *name[N]`: N is an array size in a declaration. */
static bool in_declared_size(const struct source *s, size_t k) {
  size_t open = k;
  int depth = 0;
  while (open > 0) {
    open--;
    if (tok_is(s, open, "]")) depth++;
    if (tok_is(s, open, "[")) {
      if (depth == 0) break;
      depth--;
    }
    if (tok_is(s, open, ";") || tok_is(s, open, "{") || tok_is(s, open, "}")) return false;
  }
  if (!tok_is(s, open, "[") || open < 2) return false;
  const struct token *name = &s->toks[open - 1];
  if (name->kind != TOK_IDENT) return false;
  size_t before = open - 2;
  while (before > 0 && tok_is(s, before, "*")) before--;
  const struct token *type = &s->toks[before];
  return type->kind == TOK_IDENT && !is_keyword(s, before);
}

/* n+1 and 0 in the literal's own base, its suffix kept. */
static void mutate_number(struct source *s, size_t k) {
  const struct token *tk = &s->toks[k];
  char lit[64];
  if (tk->len >= sizeof lit) return;
  memcpy(lit, s->text + tk->off, tk->len);
  lit[tk->len] = 0;
  size_t digits = tk->len;
  while (digits > 0 && strchr("uUlL", lit[digits - 1])) digits--;
  const char *suffix = lit + digits;
  char body[64];
  memcpy(body, lit, digits);
  body[digits] = 0;
  bool hex = digits > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
  for (size_t i = hex ? 2 : 0; i < digits; i++)
    if (!(hex ? isxdigit((unsigned char)body[i]) : isdigit((unsigned char)body[i])))
      return; /* floats, binary literals, digit separators: not mutated */
  errno = 0;
  char *end;
  unsigned long long v = strtoull(body, &end, hex ? 16 : (body[0] == '0' && digits > 1 ? 8 : 10));
  if (errno || *end || v == ULLONG_MAX) return;
  char out[64];
  if (hex)
    snprintf(out, sizeof out, "0x%llx%s", v + 1, suffix);
  else if (body[0] == '0' && digits > 1)
    snprintf(out, sizeof out, "0%llo%s", v + 1, suffix);
  else
    snprintf(out, sizeof out, "%llu%s", v + 1, suffix);
  add(s, tk->off, tk->len, tk->line, "const", out);
  if (v != 0) {
    snprintf(out, sizeof out, "0%s", suffix);
    add(s, tk->off, tk->len, tk->line, "const", out);
  }
}

static void mutate_token(struct source *s, size_t k) {
  const struct token *tk = &s->toks[k];
  static const char *const ROR[][2] = {{"<", "<="}, {"<=", "<"},  {">", ">="},
                                       {">=", ">"}, {"==", "!="}, {"!=", "=="}};
  static const char *const LCR[][2] = {{"&&", "||"}, {"||", "&&"}};
  static const char *const BOOL[][2] = {{"true", "false"}, {"false", "true"}};
  if (tk->kind == TOK_NUMBER) {
    if (!in_declared_size(s, k)) mutate_number(s, k);
    return;
  }
  for (size_t i = 0; i < 6; i++)
    if (tk->kind == TOK_PUNCT && tok_is(s, k, ROR[i][0]))
      add(s, tk->off, tk->len, tk->line, "ror", ROR[i][1]);
  for (size_t i = 0; i < 2; i++)
    if (tk->kind == TOK_PUNCT && tok_is(s, k, LCR[i][0]))
      add(s, tk->off, tk->len, tk->line, "lcr", LCR[i][1]);
  for (size_t i = 0; i < 2; i++)
    if (tk->kind == TOK_IDENT && tok_is(s, k, BOOL[i][0]))
      add(s, tk->off, tk->len, tk->line, "bool", BOOL[i][1]);
  if (tok_is(s, k, "!")) add(s, tk->off, tk->len, tk->line, "not", "");
}

/* Statement deletion needs to know where statements start inside function
 * bodies: after ; { } of code, after the ) of an if/for/while/switch header,
 * after else and do, and after a case/default/goto label. Braces that open
 * initializers, struct bodies and compound literals hold data, not code. */
static void mutate_statements(struct source *s) {
  enum { MAX_DEPTH = 256 };
  bool code[MAX_DEPTH] = {false}; /* code[d]: brace level d holds statements */
  int depth = 0;
  int paren = 0, header_paren = -1; /* paren depth at which a header opened */
  bool at_start = false;            /* the next token starts a statement */
  size_t stmt_start = 0;
  bool in_stmt = false;
  bool in_case = false;
  for (size_t k = 0; k < s->ntoks; k++) {
    const struct token *tk = &s->toks[k];
    if (tk->in_define) continue;
    bool in_code = depth > 0 && code[depth];
    if (in_code && paren == 0 && at_start && !in_stmt) {
      if (tok_is(s, k, "case") || tok_is(s, k, "default")) {
        in_case = true;
        at_start = false;
      } else if (tk->kind == TOK_IDENT && tok_is(s, k + 1, ":") && !is_keyword(s, k)) {
        k++; /* a goto label */
        continue;
      } else if (!tok_is(s, k, "{") && !tok_is(s, k, "}") && !tok_is(s, k, ";") &&
                 !tok_is(s, k, "if") && !tok_is(s, k, "for") && !tok_is(s, k, "while") &&
                 !tok_is(s, k, "switch") && !tok_is(s, k, "else") && !tok_is(s, k, "do")) {
        in_stmt = true;
        stmt_start = k;
      }
    }
    if (tok_is(s, k, "(")) {
      paren++;
    } else if (tok_is(s, k, ")")) {
      paren--;
      if (paren == header_paren) {
        header_paren = -1;
        at_start = true;
        continue;
      }
    } else if (paren == 0 && (tok_is(s, k, "if") || tok_is(s, k, "for") || tok_is(s, k, "while") ||
                              tok_is(s, k, "switch"))) {
      if (in_code) header_paren = 0;
      at_start = false;
      continue;
    } else if (paren == 0 && (tok_is(s, k, "else") || tok_is(s, k, "do"))) {
      at_start = in_code;
      continue;
    } else if (paren == 0 && in_case && tok_is(s, k, ":")) {
      in_case = false;
      at_start = true;
      continue;
    } else if (tok_is(s, k, "{")) {
      bool opens_code;
      if (depth == 0)
        opens_code = k > 0 && tok_is(s, k - 1, ")"); /* a function body */
      else
        opens_code = in_code && paren == 0 && at_start && !in_stmt;
      if (depth + 1 < MAX_DEPTH) code[++depth] = opens_code;
      at_start = opens_code;
      continue;
    } else if (tok_is(s, k, "}")) {
      if (in_stmt && paren == 0) in_stmt = false; /* a statement ended by its block */
      if (depth > 0) depth--;
      at_start = depth > 0 && code[depth];
      continue;
    } else if (tok_is(s, k, ";") && paren == 0) {
      if (in_stmt && in_code && !is_declaration(s, stmt_start)) {
        const struct token *first = &s->toks[stmt_start];
        add(s, first->off, tk->off + tk->len - first->off, first->line, "stmt", "{}");
      }
      in_stmt = false;
      at_start = in_code;
      continue;
    }
    if (!in_stmt && paren == 0) at_start = false;
  }
}

static void generate(struct source *s) {
  for (size_t k = 0; k < s->ntoks; k++) mutate_token(s, k);
  mutate_statements(s);
  /* Listing order is source order: ids stay put when one line changes. */
  for (size_t i = 1; i < s->nmuts; i++) {
    struct mutant m = s->muts[i];
    size_t j = i;
    while (j > 0 && s->muts[j - 1].off > m.off) {
      s->muts[j] = s->muts[j - 1];
      j--;
    }
    s->muts[j] = m;
  }
}

/* One line of text for a TSV field: tabs and newlines become spaces, cut. */
static void put_field(const char *p, size_t len, size_t max) {
  bool cut = len > max;
  if (cut) len = max;
  for (size_t i = 0; i < len; i++) putchar(p[i] == '\t' || p[i] == '\n' ? ' ' : p[i]);
  if (cut) fputs("...", stdout);
}

static void list(const struct source *s) {
  for (size_t i = 0; i < s->nmuts; i++) {
    const struct mutant *m = &s->muts[i];
    size_t bol = m->off;
    while (bol > 0 && s->text[bol - 1] != '\n') bol--;
    size_t eol = m->off;
    while (eol < s->len && s->text[eol] != '\n') eol++;
    size_t lead = bol;
    while (lead < eol && (s->text[lead] == ' ' || s->text[lead] == '\t')) lead++;
    printf("%zu\t%u\t%zu\t%s\t", i, m->line, m->off - lead + 1, m->op);
    put_field(s->text + m->off, m->len, 60);
    printf("\t%s\t", m->after);
    put_field(s->text + lead, eol - lead, 200);
    putchar('\n');
  }
}

static void apply(const struct source *s, size_t n) {
  const struct mutant *m = &s->muts[n];
  fwrite(s->text, 1, m->off, stdout);
  fputs(m->after, stdout);
  for (size_t i = m->off; i < m->off + m->len; i++)
    if (s->text[i] == '\n') putchar('\n');
  fwrite(s->text + m->off + m->len, 1, s->len - m->off - m->len, stdout);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "mutant_gen: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) free(buf);
      buf = b;
    }
  }
  bool err = ferror(f);
  fclose(f);
  if (!buf || err) {
    fprintf(stderr, "mutant_gen: %s: read failed\n", path);
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fprintf(argc == 2 ? stdout : stderr,
            "usage: mutant_gen FILE        list FILE's mutants (TSV: index line col operator "
            "before after context)\n"
            "       mutant_gen FILE INDEX  print FILE with mutant INDEX applied\n");
    return argc == 2 ? 0 : 2;
  }
  struct source s = {0};
  char *text = read_all(argv[1], &s.len);
  if (!text) return 2;
  s.text = text;
  lex(&s);
  generate(&s);
  int rc = 0;
  if (argc == 2) {
    list(&s);
  } else {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(argv[2], &end, 10);
    if (errno || *end || argv[2][0] == '\0' || argv[2][0] == '-' || n >= s.nmuts) {
      fprintf(stderr, "mutant_gen: %s: no mutant '%s' (it has %zu)\n", argv[1], argv[2], s.nmuts);
      rc = 2;
    } else {
      apply(&s, (size_t)n);
    }
  }
  free(s.toks);
  free(s.muts);
  free(text);
  return rc;
}
