/* scenario_load_dir: every scenario file of a directory, loaded and sorted
 * by id (the directory walk apart from the loading, scenario.c, which the
 * fuzz target drives). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_bounded.h"
#include "scenario.h"

void scenario_free_all(struct scenario *s, size_t n) {
  for (size_t i = 0; i < n; i++) scenario_free(&s[i]);
  free(s);
}

static int by_id(const void *a, const void *b) {
  return strcmp(((const struct scenario *)a)->id, ((const struct scenario *)b)->id);
}

bool scenario_load_dir(const char *dir, struct scenario **out, size_t *n, char *err,
                       size_t errlen) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (d == NULL) {
    fmt_bounded(err, errlen, "%s: cannot open scenario directory", dir);
    return false;
  }
  struct scenario *list = NULL;
  size_t count = 0, cap = 0;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 32;
      struct scenario *p = realloc(list, cap * sizeof *p);
      if (p == NULL) {
        fmt_bounded(err, errlen, "out of memory");
        ok = false;
        break;
      }
      list = p;
    }
    char path[4096];
    fmt_bounded(path, sizeof path, "%s/%s", dir, e->d_name);
    ok = scenario_load(path, &list[count], err, errlen);
    if (ok) count++;
  }
  closedir(d);
  if (ok) {
    qsort(list, count, sizeof *list, by_id);
    for (size_t i = 1; i < count && ok; i++) {
      if (strcmp(list[i - 1].id, list[i].id) == 0) {
        fmt_bounded(err, errlen, "%s and %s both have id %s", list[i - 1].path, list[i].path,
                    list[i].id);
        ok = false;
      }
    }
  }
  if (!ok) {
    scenario_free_all(list, count);
    return false;
  }
  *out = list;
  *n = count;
  return true;
}
