/* Fuzz target report_diff: `derpcheck diff OLD.json NEW.json`, two JSON
 * reports compared cell by cell (harness report_diff).
 *
 * Input layout: u16be n, then the old report's text (n bytes, fewer if the
 * input ends), then the new report's. Texts jansson cannot read are skipped
 * (its parser is not under test); the rest goes to report_diff, whose
 * output is written to memory.
 *
 * Oracles, beyond "no crash, no leak":
 *  - the answer is -1 (with why), 0 or 1; -1 exactly when one of the two
 *    documents is not a report (as each compared with itself says);
 *  - a report compared with itself is never worse, and lists no cell;
 *  - the count line comes last and agrees with the answer (1 exactly when
 *    it counts a worse cell). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPORT_DIFF_FUZZ_MAX_INPUT (64u * 1024u)

struct diff_run {
  int rc;
  char why[256];
  char *text; /* what report_diff wrote */
  size_t len;
};

static void run(const json_t *old_doc, const json_t *new_doc, struct diff_run *r) {
  r->why[0] = '\0';
  r->text = NULL;
  r->len = 0;
  FILE *out = open_memstream(&r->text, &r->len);
  ORACLE_ASSERT(out != NULL, "open_memstream failed");
  r->rc = report_diff(old_doc, new_doc, out, r->why, sizeof r->why);
  ORACLE_ASSERT(fclose(out) == 0, "memstream close failed");
}

/* The last line: "<w> worse, <b> better, ..." */
FUZZ_ORACLE static void check_counts(const struct diff_run *r, const char *what) {
  ORACLE_ASSERT(r->rc >= -1 && r->rc <= 1, "%s: answer %d", what, r->rc);
  if (r->rc == -1) {
    ORACLE_ASSERT(r->why[0] != '\0', "%s: not a report, without a why", what);
    return;
  }
  ORACLE_ASSERT(r->len > 0 && r->text[r->len - 1] == '\n', "%s: no count line", what);
  const char *last = r->text + r->len - 1;
  while (last > r->text && last[-1] != '\n') last--;
  unsigned long worse = 0;
  ORACLE_ASSERT(sscanf(last, "%lu worse, ", &worse) == 1, "%s: last line \"%s\"", what, last);
  ORACLE_ASSERT((worse > 0) == (r->rc == 1), "%s: %lu worse counted, answer %d", what, worse,
                r->rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > REPORT_DIFF_FUZZ_MAX_INPUT) return 0;
  size_t n = (size_t)data[0] << 8 | data[1];
  size_t rest = size - 2;
  if (n > rest) n = rest;
  json_t *old_doc = json_loadb((const char *)data + 2, n, 0, NULL);
  json_t *new_doc = json_loadb((const char *)data + 2 + n, rest - n, 0, NULL);
  if (old_doc != NULL && new_doc != NULL) {
    struct diff_run both, old_self, new_self;
    run(old_doc, new_doc, &both);
    run(old_doc, old_doc, &old_self);
    run(new_doc, new_doc, &new_self);
    check_counts(&both, "old -> new");
    check_counts(&old_self, "old -> old");
    check_counts(&new_self, "new -> new");
    ORACLE_ASSERT((both.rc == -1) == (old_self.rc == -1 || new_self.rc == -1),
                  "old -> new answers %d, old alone %d, new alone %d", both.rc, old_self.rc,
                  new_self.rc);
    ORACLE_ASSERT(old_self.rc != 1 && new_self.rc != 1, "a report is worse than itself");
    const struct diff_run *selves[] = {&old_self, &new_self};
    for (size_t i = 0; i < 2; i++) {
      const struct diff_run *r = selves[i];
      ORACLE_ASSERT(r->rc != 0 || memchr(r->text, '\n', r->len) == r->text + r->len - 1,
                    "a report compared with itself lists cells:\n%s", r->text);
    }
    free(both.text);
    free(old_self.text);
    free(new_self.text);
  }
  json_decref(old_doc);
  json_decref(new_doc);
  return 0;
}
