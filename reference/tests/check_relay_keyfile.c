#include "relay_keyfile.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "check_tmpdir.h"

static const char hex64[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

START_TEST(keyfile_created_when_missing_with_mode_0600) {
  make_tmpdir("check_relay_keyfile");
  char path[sizeof tmpdir + 64], err[DERP_KEYFILE_ERR_SIZE];
  snprintf(path, sizeof path, "%s/sub/dir/derper.key", tmpdir);
  struct derp_keypair kp;
  bool created = false;
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_OK);
  ck_assert(created);
  struct stat sb;
  ck_assert_int_eq(stat(path, &sb), 0);
  ck_assert_uint_eq(sb.st_mode & 07777, 0600);
  uint8_t pub[32];
  ck_assert(derp_key_public_from_private(kp.priv, pub));
  ck_assert_mem_eq(pub, kp.pub, 32);
  /* The parent directories were made private, and no temporary file is left. */
  char dir[sizeof tmpdir + 64];
  snprintf(dir, sizeof dir, "%s/sub", tmpdir);
  ck_assert_int_eq(stat(dir, &sb), 0);
  ck_assert_uint_eq(sb.st_mode & 0777, 0700);
  snprintf(dir, sizeof dir, "%s/sub/dir", tmpdir);
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int entries = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') entries++;
  closedir(d);
  ck_assert_int_eq(entries, 1);
  remove_tmpdir();
}
END_TEST

START_TEST(keyfile_second_load_gives_same_key) {
  make_tmpdir("check_relay_keyfile");
  char path[sizeof tmpdir + 64], err[DERP_KEYFILE_ERR_SIZE];
  snprintf(path, sizeof path, "%s/derper.key", tmpdir);
  struct derp_keypair a, b;
  bool created;
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &a, &created, err, sizeof err),
                   DERP_KEYFILE_OK);
  ck_assert(created);
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &b, &created, err, sizeof err),
                   DERP_KEYFILE_OK);
  ck_assert(!created);
  ck_assert_mem_eq(a.priv, b.priv, 32);
  ck_assert_mem_eq(a.pub, b.pub, 32);
  remove_tmpdir();
}
END_TEST

START_TEST(keyfile_loads_existing_file) {
  make_tmpdir("check_relay_keyfile");
  char path[sizeof tmpdir + 64], body[160], err[DERP_KEYFILE_ERR_SIZE];
  snprintf(path, sizeof path, "%s/k.json", tmpdir);
  snprintf(body, sizeof body, "{\"PrivateKey\": \"privkey:%s\"}\n", hex64);
  write_str(path, body);
  struct derp_keypair kp;
  bool created = true;
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_OK);
  ck_assert(!created);
  uint8_t want[32];
  ck_assert(derp_key_from_hex(hex64, 64, want));
  ck_assert_mem_eq(kp.priv, want, 32);
  remove_tmpdir();
}
END_TEST

START_TEST(keyfile_error_names_file_and_problem) {
  make_tmpdir("check_relay_keyfile");
  char path[sizeof tmpdir + 64], err[DERP_KEYFILE_ERR_SIZE], want[sizeof tmpdir + 256];
  snprintf(path, sizeof path, "%s/bad.key", tmpdir);
  write_str(path, "{\"PrivateKey\":\"privkey:abc\"}");
  struct derp_keypair kp;
  bool created;
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_ERR_KEY);
  snprintf(want, sizeof want,
           "key file \"%s\": PrivateKey: key hex has the wrong size, got 3 want 64", path);
  ck_assert_str_eq(err, want);
  write_str(path, "not json");
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_ERR_JSON);
  snprintf(want, sizeof want, "key file \"%s\": invalid JSON", path);
  ck_assert(strncmp(err, want, strlen(want)) == 0);
  remove_tmpdir();
}
END_TEST

START_TEST(keyfile_rejects_directory_and_oversize) {
  make_tmpdir("check_relay_keyfile");
  char path[sizeof tmpdir + 64], err[DERP_KEYFILE_ERR_SIZE];
  struct derp_keypair kp;
  bool created;
  ck_assert_int_eq(relay_keyfile_load_or_create(tmpdir, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_ERR_TOO_LARGE);
  ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
  snprintf(path, sizeof path, "%s/big.key", tmpdir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  for (int i = 0; i < DERP_KEYFILE_MAX_BYTES + 1; i++) fputc(' ', f);
  fclose(f);
  ck_assert_int_eq(relay_keyfile_load_or_create(path, &kp, &created, err, sizeof err),
                   DERP_KEYFILE_ERR_TOO_LARGE);
  ck_assert(!created);
  remove_tmpdir();
}
END_TEST

START_TEST(keyfile_unwritable_directory_is_io_error) {
  char err[DERP_KEYFILE_ERR_SIZE];
  struct derp_keypair kp;
  bool created;
  /* /proc refuses new files for everyone, root included. */
  ck_assert_int_eq(
      relay_keyfile_load_or_create("/proc/derpcheck-no/derper.key", &kp, &created, err, sizeof err),
      DERP_KEYFILE_ERR_IO);
  ck_assert_ptr_nonnull(strstr(err, "key file \"/proc/derpcheck-no/derper.key\": "));
  ck_assert(!created);
}
END_TEST

static Suite *relay_keyfile_suite(void) {
  Suite *s = suite_create("relay_keyfile");
  TCase *file = tcase_create("keyfile");
  tcase_add_test(file, keyfile_created_when_missing_with_mode_0600);
  tcase_add_test(file, keyfile_second_load_gives_same_key);
  tcase_add_test(file, keyfile_loads_existing_file);
  tcase_add_test(file, keyfile_error_names_file_and_problem);
  tcase_add_test(file, keyfile_rejects_directory_and_oversize);
  tcase_add_test(file, keyfile_unwritable_directory_is_io_error);
  suite_add_tcase(s, file);
  return s;
}

CHECK_MAIN(relay_keyfile_suite)
