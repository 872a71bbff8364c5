#include "harness/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"

/* Each test gets a private directory for ready files and captured output. */
static char dir[64];
static char path_a[128], path_b[128];

static void setup(void) {
  snprintf(dir, sizeof dir, "%s/check_proc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path_a, sizeof path_a, "%s/a", dir);
  snprintf(path_b, sizeof path_b, "%s/b", dir);
}

static void teardown(void) {
  unlink(path_a);
  unlink(path_b);
  char tmp[160];
  snprintf(tmp, sizeof tmp, "%s/a.tmp", dir);
  unlink(tmp);
  rmdir(dir);
}

/* Start `sh -c script sh path_a path_b`, stdout to path_a unless told. */
static void start_sh(struct proc *p, const char *script, const char *out, const char *err_path) {
  const char *argv[] = {"/bin/sh", "-c", script, "sh", path_a, path_b, NULL};
  struct proc_spec spec = {.argv = argv, .stdout_path = out, .stderr_path = err_path};
  char err[256] = "";
  ck_assert_msg(proc_start(p, &spec, err, sizeof err) == PROC_OK, "%s", err);
}

static size_t slurp(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return 0;
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  fclose(f);
  return n;
}

START_TEST(start_reports_exit_code) {
  struct proc p;
  start_sh(&p, "exit 3", NULL, NULL);
  ck_assert_int_eq(proc_exit_code(&p), -1);
  ck_assert_int_eq(proc_wait_exit(&p, 5000), PROC_OK);
  ck_assert_int_eq(proc_exit_code(&p), 3);
  ck_assert(!proc_running(&p));
  proc_release(&p);
}
END_TEST

START_TEST(start_reports_exec_failure) {
  const char *argv[] = {"/nonexistent/derp-relay", NULL};
  struct proc_spec spec = {.argv = argv};
  struct proc p;
  char err[256] = "";
  ck_assert_int_eq(proc_start(&p, &spec, err, sizeof err), PROC_ERR_SPAWN);
  ck_assert_ptr_nonnull(strstr(err, "exec /nonexistent/derp-relay"));
  ck_assert_ptr_nonnull(strstr(err, "No such file"));
  proc_release(&p);
}
END_TEST

START_TEST(start_rejects_empty_argv) {
  const char *argv[] = {NULL};
  struct proc_spec spec = {.argv = argv};
  struct proc p;
  char err[128] = "";
  ck_assert_int_eq(proc_start(&p, &spec, err, sizeof err), PROC_ERR_ARG);
  ck_assert_int_eq(proc_start(&p, NULL, err, sizeof err), PROC_ERR_ARG);
  ck_assert_str_eq(err, "proc_start: empty argv");
}
END_TEST

START_TEST(start_reports_unwritable_stdout) {
  const char *argv[] = {"/bin/true", NULL};
  struct proc_spec spec = {.argv = argv, .stdout_path = "/nonexistent/dir/out"};
  struct proc p;
  char err[256] = "";
  ck_assert_int_eq(proc_start(&p, &spec, err, sizeof err), PROC_ERR_SPAWN);
  ck_assert_ptr_nonnull(strstr(err, "stdout"));
  proc_release(&p);
}
END_TEST

START_TEST(output_is_captured_to_files) {
  struct proc p;
  start_sh(&p, "echo out; echo err >&2", path_a, path_b);
  ck_assert_int_eq(proc_wait_exit(&p, 5000), PROC_OK);
  char buf[64];
  slurp(path_a, buf, sizeof buf);
  ck_assert_str_eq(buf, "out\n");
  slurp(path_b, buf, sizeof buf);
  ck_assert_str_eq(buf, "err\n");
  proc_release(&p);
}
END_TEST

START_TEST(env_extra_overrides_inherited) {
  setenv("DERP_PROC_TEST", "inherited", 1);
  const char *env[] = {"DERP_PROC_TEST=extra", "DERP_PROC_NEW=new", NULL};
  const char *argv[] = {"/bin/sh", "-c", "echo $DERP_PROC_TEST $DERP_PROC_NEW", NULL};
  struct proc_spec spec = {.argv = argv, .stdout_path = path_a, .env_extra = env};
  struct proc p;
  char err[128];
  ck_assert_int_eq(proc_start(&p, &spec, err, sizeof err), PROC_OK);
  ck_assert_int_eq(proc_wait_exit(&p, 5000), PROC_OK);
  char buf[64];
  slurp(path_a, buf, sizeof buf);
  ck_assert_str_eq(buf, "extra new\n");
  proc_release(&p);
}
END_TEST

START_TEST(ready_file_written_by_rename) {
  struct proc p;
  start_sh(&p,
           "printf '127.0.0.1:43121\\n' > \"$1.tmp\" && mv \"$1.tmp\" \"$1\" "
           "&& exec sleep 30",
           NULL, NULL);
  char line[64] = "";
  ck_assert_int_eq(proc_wait_line(&p, path_a, NULL, 5000, line, sizeof line), PROC_OK);
  ck_assert_str_eq(line, "127.0.0.1:43121");
  ck_assert(proc_running(&p));
  ck_assert(!proc_stop(&p, 2000)); /* SIGTERM was enough */
  ck_assert_int_eq(proc_exit_code(&p), 128 + SIGTERM);
  proc_release(&p);
}
END_TEST

START_TEST(unfinished_line_is_not_ready) {
  struct proc p;
  start_sh(&p, "printf '127.0.0.1:1' > \"$1\"; exec sleep 30", NULL, NULL);
  char line[64] = "unchanged";
  int64_t t0 = proc_now_ns();
  ck_assert_int_eq(proc_wait_line(&p, path_a, NULL, 200, line, sizeof line), PROC_ERR_TIMEOUT);
  int64_t ms = (proc_now_ns() - t0) / 1000000;
  ck_assert_int_ge(ms, 190);
  ck_assert_int_lt(ms, 2000);
  ck_assert_str_eq(line, "unchanged");
  proc_stop(&p, 2000);
  proc_release(&p);
}
END_TEST

START_TEST(prefixed_line_in_growing_stdout) {
  struct proc p;
  start_sh(&p,
           "echo 'Using default temp DH parameters'; echo 'ACCEPT [::1]:4433'; "
           "exec sleep 30",
           path_a, NULL);
  char line[64] = "";
  ck_assert_int_eq(proc_wait_line(&p, path_a, "ACCEPT ", 5000, line, sizeof line), PROC_OK);
  ck_assert_str_eq(line, "[::1]:4433");
  proc_stop(&p, 2000);
  proc_release(&p);
}
END_TEST

START_TEST(line_containing_text_anywhere) {
  struct proc p;
  start_sh(&p,
           "echo '2026/03/04 13:41:12 Using self-signed certificate for IP "
           "address \"127.0.0.1\". Configure it' >&2; exec sleep 30",
           NULL, path_b);
  char line[256] = "";
  ck_assert_int_eq(
      proc_wait_line_containing(&p, path_b, "Using self-signed", 5000, line, sizeof line), PROC_OK);
  ck_assert_str_eq(line,
                   "2026/03/04 13:41:12 Using self-signed certificate "
                   "for IP address \"127.0.0.1\". Configure it");
  ck_assert_int_eq(proc_wait_line_containing(&p, path_b, "absent", 50, NULL, 0), PROC_ERR_TIMEOUT);
  ck_assert_int_eq(proc_wait_line_containing(&p, path_b, "", 50, NULL, 0), PROC_ERR_ARG);
  proc_stop(&p, 2000);
  proc_release(&p);
}
END_TEST

START_TEST(early_exit_is_noticed_with_stderr) {
  struct proc p;
  start_sh(&p, "echo 'derp-relay: cannot bind' >&2; exit 7", NULL, path_b);
  int64_t t0 = proc_now_ns();
  ck_assert_int_eq(proc_wait_line(&p, path_a, NULL, 10000, NULL, 0), PROC_ERR_EXITED);
  ck_assert_int_lt((proc_now_ns() - t0) / 1000000, 5000);
  ck_assert_int_eq(proc_exit_code(&p), 7);
  char tail[128];
  proc_file_tail(path_b, 100, tail, sizeof tail);
  ck_assert_str_eq(tail, "derp-relay: cannot bind\n");
  proc_release(&p);
}
END_TEST

START_TEST(wait_exit_times_out_on_running_program) {
  struct proc p;
  start_sh(&p, "exec sleep 30", NULL, NULL);
  ck_assert_int_eq(proc_wait_exit(&p, 100), PROC_ERR_TIMEOUT);
  ck_assert(proc_running(&p));
  proc_stop(&p, 2000);
  ck_assert(!proc_running(&p));
  proc_release(&p);
}
END_TEST

START_TEST(stop_escalates_to_sigkill) {
  struct proc p;
  start_sh(&p, "trap '' TERM; echo ready > \"$1\"; exec sleep 30", NULL, NULL);
  ck_assert_int_eq(proc_wait_line(&p, path_a, NULL, 5000, NULL, 0), PROC_OK);
  int64_t t0 = proc_now_ns();
  ck_assert(proc_stop(&p, 150));
  ck_assert_int_lt((proc_now_ns() - t0) / 1000000, 2000);
  ck_assert_int_eq(proc_exit_code(&p), 128 + SIGKILL);
  ck_assert(!proc_stop(&p, 150)); /* idempotent */
  proc_release(&p);
}
END_TEST

START_TEST(stop_ends_the_whole_group) {
  /* Become the reaper of orphans so the background child's fate is
     observable with a plain waitpid. */
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct proc p;
  start_sh(&p, "sleep 30 & echo $! > \"$1\"; exec sleep 30", NULL, NULL);
  char line[32] = "";
  ck_assert_int_eq(proc_wait_line(&p, path_a, NULL, 5000, line, sizeof line), PROC_OK);
  pid_t bg = (pid_t)atoi(line);
  ck_assert_int_gt(bg, 0);
  proc_stop(&p, 2000);
  int status;
  ck_assert_int_eq(waitpid(bg, &status, 0), bg);
  ck_assert(WIFSIGNALED(status));
  proc_release(&p);
}
END_TEST

START_TEST(exited_program_stragglers_are_ended) {
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  struct proc p;
  start_sh(&p, "sleep 30 & echo $! > \"$1\"", NULL, NULL);
  ck_assert_int_eq(proc_wait_exit(&p, 5000), PROC_OK);
  ck_assert_int_eq(proc_exit_code(&p), 0);
  char buf[32];
  slurp(path_a, buf, sizeof buf);
  pid_t bg = (pid_t)atoi(buf);
  int status;
  ck_assert_int_eq(waitpid(bg, &status, 0), bg);
  ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  proc_release(&p);
}
END_TEST

START_TEST(file_tail_starts_at_a_line) {
  FILE *f = fopen(path_a, "w");
  ck_assert_ptr_nonnull(f);
  fputs("first line\nsecond line\nthird\n", f);
  fclose(f);
  char out[64];
  ck_assert_uint_eq(proc_file_tail(path_a, 15, out, sizeof out), 6);
  ck_assert_str_eq(out, "third\n");
  ck_assert_uint_eq(proc_file_tail(path_a, 1000, out, sizeof out), 29);
  ck_assert_uint_eq(proc_file_tail(path_a, 1000, out, 8), 6); /* bounded by outlen */
  ck_assert_uint_eq(proc_file_tail("/nonexistent", 10, out, sizeof out), 0);
  ck_assert_str_eq(out, "");
}
END_TEST

/* A ready signal that is a socket (haproxy's stats socket): existence, not
   a line, is the signal; a program that dies first ends the wait. */
START_TEST(existence_is_the_signal) {
  struct proc p;
  start_sh(&p, "mkfifo \"$1\"; exec sleep 30", NULL, NULL);
  ck_assert_int_eq(proc_wait_exists(&p, path_a, 5000), PROC_OK);
  proc_stop(&p, 2000);
  proc_release(&p);
  unlink(path_a);
  start_sh(&p, "exit 0", NULL, NULL);
  ck_assert_int_eq(proc_wait_exists(&p, path_b, 30000), PROC_ERR_EXITED);
  proc_release(&p);
}
END_TEST

START_TEST(watched_process_ready_file_is_read_whole) {
  FILE *f = fopen(path_a, "w");
  ck_assert_ptr_nonnull(f);
  fputs("127.0.0.1:443\nstun 127.0.0.1:3478\n", f);
  fclose(f);
  struct proc p;
  proc_watch(&p, getpid()); /* running, not our child: never signalled */
  char out[128];
  ck_assert_int_eq(proc_wait_file(&p, path_a, 1000, out, sizeof out), PROC_OK);
  ck_assert_str_eq(out, "127.0.0.1:443\nstun 127.0.0.1:3478\n");
  ck_assert(!proc_stop(&p, 10));
  proc_release(&p);
}
END_TEST

START_TEST(watched_process_exit_ends_the_wait) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) _exit(0);
  struct proc p;
  proc_watch(&p, pid);
  char out[64];
  /* no file ever appears: the exit (pidfd), not the deadline, ends this */
  ck_assert_int_eq(proc_wait_file(&p, path_b, 30000, out, sizeof out), PROC_ERR_EXITED);
  ck_assert_int_eq(proc_wait_exit(&p, 1000), PROC_OK);
  proc_release(&p);
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid); /* still ours to reap */
}
END_TEST

static Suite *proc_suite(void) {
  Suite *s = suite_create("proc");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 20);
  tcase_add_test(tc, start_reports_exit_code);
  tcase_add_test(tc, start_reports_exec_failure);
  tcase_add_test(tc, start_rejects_empty_argv);
  tcase_add_test(tc, start_reports_unwritable_stdout);
  tcase_add_test(tc, output_is_captured_to_files);
  tcase_add_test(tc, env_extra_overrides_inherited);
  tcase_add_test(tc, ready_file_written_by_rename);
  tcase_add_test(tc, unfinished_line_is_not_ready);
  tcase_add_test(tc, prefixed_line_in_growing_stdout);
  tcase_add_test(tc, line_containing_text_anywhere);
  tcase_add_test(tc, early_exit_is_noticed_with_stderr);
  tcase_add_test(tc, wait_exit_times_out_on_running_program);
  tcase_add_test(tc, stop_escalates_to_sigkill);
  tcase_add_test(tc, stop_ends_the_whole_group);
  tcase_add_test(tc, exited_program_stragglers_are_ended);
  tcase_add_test(tc, file_tail_starts_at_a_line);
  tcase_add_test(tc, watched_process_ready_file_is_read_whole);
  tcase_add_test(tc, watched_process_exit_ends_the_wait);
  tcase_add_test(tc, existence_is_the_signal);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(proc_suite)
