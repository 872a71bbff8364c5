/* The readers of the files derp-relay's flags name (relay_flag_files.h):
 * each reads the file and hands it to its parser (check_relay_flags tests
 * the parsers); here what only reading adds, the file's own errors. */
#include "relay_flag_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "check_tmpdir.h"

#define KEY_B "nodekey:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static char err[512];

/* A file in the test's own directory holding text. */
static void put_file(char *path, size_t cap, const char *name, const char *text) {
  snprintf(path, cap, "%s/%s", tmpdir, name);
  write_str(path, text);
}

START_TEST(allowlist_load_file_and_errors) {
  make_tmpdir("check_relay_flag_files");
  char path[sizeof tmpdir + 64];
  put_file(path, sizeof path, "allow", KEY_B "\n");
  uint8_t(*keys)[32] = NULL;
  size_t n = 0;
  ck_assert(relay_allowlist_load(path, &keys, &n, err, sizeof err));
  ck_assert_uint_eq(n, 1);
  ck_assert_uint_eq(keys[0][0], 0xff);
  free(keys);
  unlink(path);
  ck_assert(!relay_allowlist_load(path, &keys, &n, err, sizeof err));
  ck_assert_ptr_null(keys);
  char want[sizeof path + 96];
  snprintf(want, sizeof want, "--verify-clients-file %s: No such file or directory", path);
  ck_assert_str_eq(err, want);
  ck_assert(!relay_allowlist_load(tmpdir, &keys, &n, err, sizeof err));
  ck_assert(strstr(err, "not a regular file") != NULL);
  remove_tmpdir();
}
END_TEST

START_TEST(rateconfig_load_file_and_errors) {
  make_tmpdir("check_relay_flag_files");
  char path[sizeof tmpdir + 64];
  put_file(path, sizeof path, "rate.json", "{\"PerClientRateLimitBytesPerSec\": 4096}\n");
  struct relay_rate_config rc;
  ck_assert_msg(relay_rateconfig_load(path, &rc, err, sizeof err), "%s", err);
  ck_assert_uint_eq(rc.bytes_per_sec, 4096);
  put_file(path, sizeof path, "rate.json", "[]");
  ck_assert(!relay_rateconfig_load(path, &rc, err, sizeof err));
  ck_assert_str_eq(err,
                   "error parsing rate config: json: cannot unmarshal array into Go value of type "
                   "derpserver.RateConfig");
  unlink(path);
  char want[sizeof path + 96];
  snprintf(want, sizeof want, "error reading rate config: open %s: No such file or directory",
           path);
  ck_assert(!relay_rateconfig_load(path, &rc, err, sizeof err));
  ck_assert_str_eq(err, want);
  remove_tmpdir();
}
END_TEST

START_TEST(meshkey_load_names_the_file) {
  make_tmpdir("check_relay_flag_files");
  char path[sizeof tmpdir + 64];
  uint8_t key[32];
  put_file(path, sizeof path, "mesh.key",
           " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
  ck_assert_msg(relay_meshkey_load(path, key, err, sizeof err), "%s", err);
  ck_assert_uint_eq(key[0], 0x01);
  put_file(path, sizeof path, "mesh.key", "0123");
  ck_assert(!relay_meshkey_load(path, key, err, sizeof err));
  char want[sizeof path + 96];
  snprintf(want, sizeof want, "%s: must hold 64 hex digits, found 4 characters", path);
  ck_assert_str_eq(err, want);
  ck_assert(!relay_meshkey_load("/nonexistent/mesh.key", key, err, sizeof err));
  ck_assert_str_eq(err, "/nonexistent/mesh.key: No such file or directory");
  remove_tmpdir();
}
END_TEST

static Suite *relay_flag_files_suite(void) {
  Suite *s = suite_create("relay_flag_files");
  TCase *t = tcase_create("files");
  tcase_add_test(t, allowlist_load_file_and_errors);
  tcase_add_test(t, rateconfig_load_file_and_errors);
  tcase_add_test(t, meshkey_load_names_the_file);
  suite_add_tcase(s, t);
  return s;
}

CHECK_MAIN(relay_flag_files_suite)
