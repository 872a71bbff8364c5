/* gen_corpus: regenerate the seed corpora. Usage:
 *   gen_corpus CORPUS_DIR [TARGET]
 * Writes CORPUS_DIR/<target>/<name> for every target (or just TARGET),
 * replacing same-named files and leaving others (merged finds) alone.
 * Deterministic: two runs write identical bytes (tls_client_handshake, which
 * only TARGET selects, excepted). See gen_corpus.h. */
#include "gen_corpus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool make_dir(const char *path) { return mkdir(path, 0755) == 0 || errno == EEXIST; }

void corpus_put(struct corpus_sink *s, const char *target, const char *name, const uint8_t *p,
                size_t n) {
  if (s->only && strcmp(s->only, target) != 0) return;
  char dir[4096], path[8192];
  if (snprintf(dir, sizeof dir, "%s/%s", s->root, target) >= (int)sizeof dir ||
      snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
    fprintf(stderr, "gen_corpus: path too long under %s\n", s->root);
    s->failed = true;
    return;
  }
  if (!make_dir(s->root) || !make_dir(dir)) {
    fprintf(stderr, "gen_corpus: cannot create %s: %s\n", dir, strerror(errno));
    s->failed = true;
    return;
  }
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
    fprintf(stderr, "gen_corpus: cannot write %s\n", path);
    s->failed = true;
    return;
  }
  s->written++;
}

void corpus_put_writer(struct corpus_sink *s, const char *target, const char *name,
                       const struct byte_writer *w, bool ok) {
  if (!ok) {
    fprintf(stderr, "gen_corpus: %s/%s did not fit its buffer\n", target, name);
    s->failed = true;
    return;
  }
  corpus_put(s, target, name, w->data, w->len);
}

void corpus_put_text(struct corpus_sink *s, const char *target, const char *name,
                     const char *text) {
  corpus_put(s, target, name, (const uint8_t *)text, strlen(text));
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || argv[1][0] == '-') {
    fprintf(stderr, "usage: gen_corpus CORPUS_DIR [TARGET]\n");
    return 2;
  }
  struct corpus_sink s = {argv[1], argc == 3 ? argv[2] : NULL, 0, false};
  if (!gen_cert_seeds(&s)) s.failed = true;
  gen_wire_seeds(&s);
  gen_frame_seeds(&s);
  gen_json_seeds(&s);
  gen_config_seeds(&s);
  gen_argv_seeds(&s);
  gen_report_seeds(&s);
  gen_pem_seeds(&s);
  gen_tls_handshake_seeds(&s);
  printf("gen_corpus: wrote %u seeds under %s\n", s.written, s.root);
  if (s.written == 0) {
    fprintf(stderr, "gen_corpus: nothing written (unknown target?)\n");
    return 1;
  }
  return s.failed ? 1 : 0;
}
