/* replay_driver: a main() that feeds files to LLVMFuzzerTestOneInput.
 *
 * Linked into every fuzz target when no fuzzing engine is configured, so the
 * seed corpus and every regression crash replay under gcc, clang and the
 * sanitizers in plain ctest (OpenSSL's test-corpus.c idea). Each argument is a
 * file or a directory (its regular, non-dot files, sorted, one level deep).
 * Each input lives in its own exact-size heap buffer, so ASan reports a read
 * one byte past the end. Arguments starting with '-' (libFuzzer flags such as
 * -runs=0) are ignored, so the same command line serves a libFuzzer binary.
 *
 * Exit status: 0 when at least one input ran and nothing failed; 1 when an
 * argument could not be read or the target returned a value libFuzzer
 * reserves; 2 when no input ran at all (an empty or misspelled corpus path
 * must not pass silently). Crashes abort the process, as under an engine. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Larger inputs are refused rather than read: a corpus file this big is a
 * mistake, and the engines' own defaults cap inputs far below it. */
#define REPLAY_MAX_INPUT (64u * 1024u * 1024u)

struct replay_totals {
  unsigned long executed;
  unsigned long errors;
};

static int read_whole_file(const char *path, uint8_t **out, size_t *out_len) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno ? errno : EIO;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > REPLAY_MAX_INPUT) {
    fclose(f);
    return EFBIG;
  }
  size_t len = (size_t)st.st_size;
  /* An empty input still gets a non-NULL pointer, as under libFuzzer; under
   * ASan malloc(0) has no addressable bytes, so any read of it is reported. */
  uint8_t *buf = malloc(len);
  if (!buf && len == 0) buf = malloc(1);
  if (!buf) {
    fclose(f);
    return ENOMEM;
  }
  size_t got = len ? fread(buf, 1, len, f) : 0;
  int read_failed = ferror(f) || got != len;
  fclose(f);
  if (read_failed) {
    free(buf);
    return EIO;
  }
  *out = buf;
  *out_len = len;
  return 0;
}

static void run_file(const char *path, struct replay_totals *t) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int err = read_whole_file(path, &buf, &len);
  if (err) {
    fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(err));
    t->errors++;
    return;
  }
  /* Named before running so a sanitizer report that follows is attributable. */
  fprintf(stderr, "replay: running %s (%zu bytes)\n", path, len);
  int rc = LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  t->executed++;
  if (rc != 0 && rc != -1) {
    fprintf(stderr, "replay: %s: target returned %d (only 0 and -1 are allowed)\n", path, rc);
    t->errors++;
  }
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void run_directory(const char *dir, struct replay_totals *t) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "replay: cannot open directory %s: %s\n", dir, strerror(errno));
    t->errors++;
    return;
  }
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue; /* ., .., .gitkeep, editor files */
    if (count == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      char **grown = realloc(names, ncap * sizeof *names);
      if (!grown) break;
      names = grown;
      cap = ncap;
    }
    size_t n = strlen(dir) + 1 + strlen(e->d_name) + 1;
    names[count] = malloc(n);
    if (!names[count]) break;
    snprintf(names[count], n, "%s/%s", dir, e->d_name);
    count++;
  }
  closedir(d);
  /* Sorted so two runs replay in the same order (readdir order is not). */
  if (count) qsort(names, count, sizeof *names, compare_names);
  for (size_t i = 0; i < count; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) run_file(names[i], t);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  struct replay_totals t = {0, 0};
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] == '-') continue; /* an engine flag: meaningless here */
    struct stat st;
    if (stat(arg, &st) != 0) {
      fprintf(stderr, "replay: cannot access %s: %s\n", arg, strerror(errno));
      t.errors++;
    } else if (S_ISDIR(st.st_mode)) {
      run_directory(arg, &t);
    } else {
      run_file(arg, &t);
    }
  }
  printf("replay: executed %lu inputs, %lu errors\n", t.executed, t.errors);
  if (t.errors) return 1;
  if (t.executed == 0) {
    fprintf(stderr, "replay: nothing ran (give files or non-empty directories)\n");
    return 2;
  }
  return 0;
}
