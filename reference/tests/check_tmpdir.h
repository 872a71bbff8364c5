/* A fresh directory under $TMPDIR (or /tmp) for one test, removed with all it
 * holds afterwards, and files written into it. For the tests of the programs'
 * file I/O. */
#ifndef DERP_CHECK_TMPDIR_H
#define DERP_CHECK_TMPDIR_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char tmpdir[4096];

static inline void make_tmpdir(const char *test) {
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/%s.XXXXXX", base != NULL && base[0] != '\0' ? base : "/tmp",
           test);
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline int remove_tmpdir_entry(const char *path, const struct stat *sb, int flag,
                                      struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static inline void remove_tmpdir(void) {
  ck_assert_int_eq(nftw(tmpdir, remove_tmpdir_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static inline void write_bytes(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

static inline void write_str(const char *path, const char *s) { write_bytes(path, s, strlen(s)); }

#endif
