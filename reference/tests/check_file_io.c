#include "file_io.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "check_tmpdir.h"

static const char *in_tmpdir(const char *name) {
  static char path[sizeof tmpdir + 64];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  return path;
}

static int entries_in(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
  closedir(d);
  return n;
}

START_TEST(read_gives_contents_and_nul) {
  make_tmpdir("check_file_io");
  write_str(in_tmpdir("f"), "hello");
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(in_tmpdir("f"), 5, true, &buf, &len);
  ck_assert_int_eq(r.step, FILE_IO_OK);
  ck_assert_uint_eq(len, 5);
  ck_assert_str_eq((char *)buf, "hello");
  free(buf);
  remove_tmpdir();
}
END_TEST

START_TEST(read_refuses_one_byte_over_the_bound) {
  make_tmpdir("check_file_io");
  write_str(in_tmpdir("f"), "hello!");
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(in_tmpdir("f"), 5, false, &buf, &len);
  ck_assert_int_eq(r.step, FILE_IO_TOO_LARGE);
  ck_assert_ptr_null(buf);
  remove_tmpdir();
}
END_TEST

START_TEST(read_missing_is_open_enoent) {
  make_tmpdir("check_file_io");
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(in_tmpdir("none"), 5, false, &buf, &len);
  ck_assert_int_eq(r.step, FILE_IO_OPEN);
  ck_assert_int_eq(r.error, ENOENT);
  remove_tmpdir();
}
END_TEST

START_TEST(read_directory_is_eisdir_or_not_regular) {
  make_tmpdir("check_file_io");
  uint8_t *buf = NULL;
  size_t len = 0;
  struct file_io_result r = file_io_read(tmpdir, 5, false, &buf, &len);
  ck_assert_int_eq(r.step, FILE_IO_READ);
  ck_assert_int_eq(r.error, EISDIR);
  r = file_io_read(tmpdir, 5, true, &buf, &len);
  ck_assert_int_eq(r.step, FILE_IO_NOT_REGULAR);
  ck_assert_ptr_null(buf);
  remove_tmpdir();
}
END_TEST

START_TEST(read_fd_of_a_pipe_is_bounded) {
  int p[2];
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(write(p[1], "abcdef", 6), 6);
  close(p[1]);
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_eq(file_io_read_fd(p[0], 5, true, &buf, &len).step, FILE_IO_NOT_REGULAR);
  ck_assert_int_eq(file_io_read_fd(p[0], 5, false, &buf, &len).step, FILE_IO_TOO_LARGE);
  close(p[0]);
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(write(p[1], "abc", 3), 3);
  close(p[1]);
  ck_assert_int_eq(file_io_read_fd(p[0], 5, false, &buf, &len).step, FILE_IO_OK);
  ck_assert_str_eq((char *)buf, "abc");
  free(buf);
  close(p[0]);
  /* Longer than the first buffer: it grows up to the bound. */
  static char many[10000];
  memset(many, 'x', sizeof many);
  ck_assert_int_eq(pipe(p), 0);
  ck_assert_int_eq(write(p[1], many, sizeof many), (ssize_t)sizeof many);
  close(p[1]);
  ck_assert_int_eq(file_io_read_fd(p[0], 20000, false, &buf, &len).step, FILE_IO_OK);
  ck_assert_uint_eq(len, sizeof many);
  ck_assert_mem_eq(buf, many, sizeof many);
  free(buf);
  close(p[0]);
}
END_TEST

START_TEST(mkdir_all_makes_every_level_with_mode) {
  make_tmpdir("check_file_io");
  char failed[sizeof tmpdir + 64] = "";
  ck_assert_int_eq(file_io_mkdir_all(in_tmpdir("a/b/c"), 0700, failed, sizeof failed), 0);
  struct stat sb;
  ck_assert_int_eq(stat(in_tmpdir("a"), &sb), 0);
  ck_assert_uint_eq(sb.st_mode & 0777, 0700);
  ck_assert_int_eq(stat(in_tmpdir("a/b/c"), &sb), 0);
  ck_assert(S_ISDIR(sb.st_mode));
  /* Existing levels are fine. */
  ck_assert_int_eq(file_io_mkdir_all(in_tmpdir("a/b"), 0700, failed, sizeof failed), 0);
  remove_tmpdir();
}
END_TEST

START_TEST(mkdir_all_names_the_level_that_is_a_file) {
  make_tmpdir("check_file_io");
  write_str(in_tmpdir("f"), "x");
  char failed[sizeof tmpdir + 64] = "";
  ck_assert_int_eq(file_io_mkdir_all(in_tmpdir("f/b"), 0700, failed, sizeof failed), ENOTDIR);
  ck_assert_str_eq(failed, in_tmpdir("f"));
  ck_assert_int_eq(file_io_mkdir_all(in_tmpdir("f"), 0700, failed, sizeof failed), ENOTDIR);
  remove_tmpdir();
}
END_TEST

START_TEST(mkdir_parent_of_a_bare_name_does_nothing) {
  char failed[64] = "";
  ck_assert_int_eq(file_io_mkdir_parent("derper.key", 0700, failed, sizeof failed), 0);
  ck_assert_int_eq(file_io_mkdir_parent("/derper.key", 0700, failed, sizeof failed), 0);
  ck_assert_str_eq(failed, "");
}
END_TEST

START_TEST(publish_sets_exact_mode_despite_umask) {
  make_tmpdir("check_file_io");
  mode_t old = umask(0077);
  struct file_io_result r = file_io_publish(in_tmpdir("f"), "data", 4, 0644, true);
  umask(old);
  ck_assert_int_eq(r.step, FILE_IO_OK);
  struct stat sb;
  ck_assert_int_eq(stat(in_tmpdir("f"), &sb), 0);
  ck_assert_uint_eq(sb.st_mode & 07777, 0644);
  ck_assert_int_eq(sb.st_size, 4);
  ck_assert_int_eq(entries_in(tmpdir), 1);
  remove_tmpdir();
}
END_TEST

START_TEST(publish_replace_overwrites) {
  make_tmpdir("check_file_io");
  write_str(in_tmpdir("f"), "old contents");
  ck_assert_int_eq(file_io_publish(in_tmpdir("f"), "new", 3, 0600, true).step, FILE_IO_OK);
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_eq(file_io_read(in_tmpdir("f"), 64, true, &buf, &len).step, FILE_IO_OK);
  ck_assert_str_eq((char *)buf, "new");
  free(buf);
  ck_assert_int_eq(entries_in(tmpdir), 1);
  remove_tmpdir();
}
END_TEST

START_TEST(publish_no_replace_keeps_the_file_there) {
  make_tmpdir("check_file_io");
  write_str(in_tmpdir("f"), "first");
  struct file_io_result r = file_io_publish(in_tmpdir("f"), "second", 6, 0600, false);
  ck_assert_int_eq(r.step, FILE_IO_MOVE);
  ck_assert_int_eq(r.error, EEXIST);
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_eq(file_io_read(in_tmpdir("f"), 64, true, &buf, &len).step, FILE_IO_OK);
  ck_assert_str_eq((char *)buf, "first");
  free(buf);
  ck_assert_int_eq(entries_in(tmpdir), 1); /* no temporary file left */
  ck_assert_int_eq(file_io_publish(in_tmpdir("g"), "new", 3, 0600, false).step, FILE_IO_OK);
  remove_tmpdir();
}
END_TEST

START_TEST(publish_into_missing_directory_is_create_enoent) {
  make_tmpdir("check_file_io");
  struct file_io_result r = file_io_publish(in_tmpdir("no/f"), "x", 1, 0600, true);
  ck_assert_int_eq(r.step, FILE_IO_CREATE);
  ck_assert_int_eq(r.error, ENOENT);
  remove_tmpdir();
}
END_TEST

static Suite *file_io_suite(void) {
  Suite *s = suite_create("file_io");
  TCase *read = tcase_create("read");
  tcase_add_test(read, read_gives_contents_and_nul);
  tcase_add_test(read, read_refuses_one_byte_over_the_bound);
  tcase_add_test(read, read_missing_is_open_enoent);
  tcase_add_test(read, read_directory_is_eisdir_or_not_regular);
  tcase_add_test(read, read_fd_of_a_pipe_is_bounded);
  suite_add_tcase(s, read);
  TCase *dirs = tcase_create("mkdir");
  tcase_add_test(dirs, mkdir_all_makes_every_level_with_mode);
  tcase_add_test(dirs, mkdir_all_names_the_level_that_is_a_file);
  tcase_add_test(dirs, mkdir_parent_of_a_bare_name_does_nothing);
  suite_add_tcase(s, dirs);
  TCase *publish = tcase_create("publish");
  tcase_add_test(publish, publish_sets_exact_mode_despite_umask);
  tcase_add_test(publish, publish_replace_overwrites);
  tcase_add_test(publish, publish_no_replace_keeps_the_file_there);
  tcase_add_test(publish, publish_into_missing_directory_is_create_enoent);
  suite_add_tcase(s, publish);
  return s;
}

CHECK_MAIN(file_io_suite)
