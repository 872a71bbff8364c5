#include "relay_certdir.h"

#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "check_tmpdir.h"
#include "ipcert_pairs.h"

/* Whole file, NUL-terminated; caller frees. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  static const size_t cap = 1 << 16;
  char *buf = malloc(cap + 1);
  ck_assert_ptr_nonnull(buf);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

static mode_t mode_of(const char *path) {
  struct stat sb;
  ck_assert_int_eq(stat(path, &sb), 0);
  return sb.st_mode & 07777;
}

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* Write a user-supplied pair into certdir under the name for `hostname`. */
static void install(const char *hostname, X509 *const *certs, size_t n, EVP_PKEY *key,
                    enum key_pem form, struct ipcert_paths *paths) {
  ck_assert_int_eq(ipcert_file_paths(tmpdir, hostname, paths), IPCERT_OK);
  static char buf[1 << 15];
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) pem_cert(certs[i], buf, sizeof buf);
  write_str(paths->crt, buf);
  pem_key(key, form, buf, sizeof buf);
  write_str(paths->key, buf);
}

START_TEST(written_files_have_exact_modes) {
  make_tmpdir("check_relay_certdir");
  umask(077); /* the modes must not depend on the umask */
  char dir[sizeof tmpdir + 64];
  snprintf(dir, sizeof dir, "%s/a/b", tmpdir);
  struct ipcert_paths paths;
  ck_assert_int_eq(ipcert_file_paths(dir, "1.2.3.4", &paths), IPCERT_OK);
  struct ipcert_pem_pair pem;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(ipcert_generate_pem("1.2.3.4", NOW, &pem, err, sizeof err), IPCERT_OK);
  ck_assert_int_eq(relay_certdir_write(&paths, &pem, err, sizeof err), IPCERT_OK);
  ck_assert_uint_eq(mode_of(dir), 0700);
  ck_assert_uint_eq(mode_of(paths.crt), 0644);
  ck_assert_uint_eq(mode_of(paths.key), 0600);
  /* The files hold exactly the pair's bytes. */
  size_t len;
  char *crt = slurp(paths.crt, &len);
  ck_assert_uint_eq(len, pem.crt_len);
  ck_assert_mem_eq(crt, pem.crt, len);
  free(crt);
  ipcert_pem_pair_free(&pem);
  remove_tmpdir();
}
END_TEST

START_TEST(both_missing_generates_then_reuses) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "127.0.0.1", NOW, &c, err, sizeof err), IPCERT_OK);
  ck_assert(c.generated);
  ck_assert_uint_eq(c.count, 1);
  ck_assert_ptr_nonnull(c.x509[0]);
  ck_assert_ptr_nonnull(c.key);
  ck_assert_int_eq(X509_check_private_key(c.x509[0], c.key), 1);
  uint8_t first[1024];
  size_t first_len = c.der[0].len;
  ck_assert_uint_le(first_len, sizeof first);
  memcpy(first, c.der[0].ptr, first_len);
  ipcert_chain_free(&c);

  ck_assert_int_eq(relay_certdir_load(tmpdir, "127.0.0.1", NOW + 100, &c, err, sizeof err),
                   IPCERT_OK);
  ck_assert(!c.generated);
  ck_assert_uint_eq(c.der[0].len, first_len);
  ck_assert_mem_eq(c.der[0].ptr, first, first_len);
  ipcert_chain_free(&c);
  remove_tmpdir();
}
END_TEST

static void regenerates_when_only(bool keep_crt) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  struct pair old = gen("1.2.3.4");
  install("1.2.3.4", &old.cert, 1, old.key, KEY_TRADITIONAL, &paths);
  ck_assert_int_eq(unlink(keep_crt ? paths.key : paths.crt), 0);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err), IPCERT_OK);
  ck_assert(c.generated);
  ck_assert(exists(paths.crt) && exists(paths.key));
  ck_assert_int_ne(X509_cmp(c.x509[0], old.cert), 0); /* the orphan was replaced */
  ck_assert_int_eq(X509_check_private_key(c.x509[0], c.key), 1);
  ipcert_chain_free(&c);
  pair_free(&old);
  remove_tmpdir();
}

START_TEST(only_crt_present_regenerates) { regenerates_when_only(true); }
END_TEST

START_TEST(only_key_present_regenerates) { regenerates_when_only(false); }
END_TEST

START_TEST(bad_pem_is_fatal) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  struct pair p = gen("1.2.3.4");
  install("1.2.3.4", &p.cert, 1, p.key, KEY_TRADITIONAL, &paths);
  write_str(paths.crt, "this is not PEM\n");
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err), IPCERT_ERR_PEM);
  ck_assert_str_eq(err,
                   "can not load x509 key pair for hostname \"1.2.3.4\": "
                   "tls: failed to find any PEM data in certificate input");
  char *crt = slurp(paths.crt, NULL);
  ck_assert_str_eq(crt, "this is not PEM\n"); /* not regenerated */
  free(crt);
  pair_free(&p);
  remove_tmpdir();
}
END_TEST

START_TEST(mismatched_key_is_fatal) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  struct pair a = gen("1.2.3.4"), b = gen("1.2.3.4");
  install("1.2.3.4", &a.cert, 1, b.key, KEY_PKCS8, &paths);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err),
                   IPCERT_ERR_KEY_MISMATCH);
  ck_assert_str_eq(err,
                   "can not load x509 key pair for hostname \"1.2.3.4\": tls: private key does not "
                   "match public key");
  ck_assert_ptr_null(c.key);
  pair_free(&a);
  pair_free(&b);
  remove_tmpdir();
}
END_TEST

START_TEST(non_ip_hostname_missing_files_is_fatal) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE], want[sizeof tmpdir + 256];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "derp.example.com", NOW, &c, err, sizeof err),
                   IPCERT_ERR_NOT_FOUND);
  snprintf(
      want, sizeof want,
      "can not load x509 key pair for hostname \"derp.example.com\": open %s/derp.example.com.crt: "
      "no such file or directory",
      tmpdir);
  ck_assert_str_eq(err, want);
  struct ipcert_paths paths;
  ck_assert_int_eq(ipcert_file_paths(tmpdir, "derp.example.com", &paths), IPCERT_OK);
  ck_assert(!exists(paths.crt) && !exists(paths.key));
  remove_tmpdir();
}
END_TEST

START_TEST(user_cert_for_other_ip_is_rejected) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  struct pair p = gen("5.6.7.8");
  install("1.2.3.4", &p.cert, 1, p.key, KEY_TRADITIONAL, &paths);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err),
                   IPCERT_ERR_HOSTNAME);
  ck_assert_str_eq(
      err,
      "cert invalid for hostname \"1.2.3.4\": x509: certificate is valid for 5.6.7.8, not 1.2.3.4");
  ck_assert_uint_eq(c.count, 0);
  pair_free(&p);
  remove_tmpdir();
}
END_TEST

START_TEST(ipv6_hostname_generates_into_colonless_files) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE], path[sizeof tmpdir + 64];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "2001:db8::1", NOW, &c, err, sizeof err), IPCERT_OK);
  ck_assert(c.generated);
  snprintf(path, sizeof path, "%s/2001db81.crt", tmpdir);
  ck_assert(exists(path));
  ck_assert_int_eq(X509_check_ip_asc(c.x509[0], "2001:db8::1", 0), 1);
  ipcert_chain_free(&c);
  remove_tmpdir();
}
END_TEST

START_TEST(chain_keeps_intermediates_in_order) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  struct pair leaf = gen("1.2.3.4"), mid1 = gen("10.0.0.1"), mid2 = gen("10.0.0.2");
  X509 *certs[] = {leaf.cert, mid1.cert, mid2.cert};
  install("1.2.3.4", certs, 3, leaf.key, KEY_TRADITIONAL, &paths);
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err), IPCERT_OK);
  ck_assert(!c.generated);
  ck_assert_uint_eq(c.count, 3);
  for (size_t i = 0; i < 3; i++) {
    unsigned char *der = NULL;
    int len = i2d_X509(certs[i], &der);
    ck_assert_uint_eq(c.der[i].len, (size_t)len);
    ck_assert_mem_eq(c.der[i].ptr, der, (size_t)len);
    ck_assert_int_eq(X509_cmp(c.x509[i], certs[i]), 0);
    OPENSSL_free(der);
  }
  ipcert_chain_free(&c);
  pair_free(&leaf);
  pair_free(&mid1);
  pair_free(&mid2);
  remove_tmpdir();
}
END_TEST

START_TEST(unreadable_inputs_are_io_errors) {
  make_tmpdir("check_relay_certdir");
  struct ipcert_paths paths;
  ck_assert_int_eq(ipcert_file_paths(tmpdir, "1.2.3.4", &paths), IPCERT_OK);
  ck_assert_int_eq(mkdir(paths.crt, 0700), 0); /* a directory where the .crt should be */
  write_str(paths.key, "x");
  struct ipcert_chain c;
  char err[IPCERT_ERR_SIZE], want[PATH_MAX + 128];
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err), IPCERT_ERR_IO);
  snprintf(want, sizeof want,
           "can not load x509 key pair for hostname \"1.2.3.4\": read %s: is a directory",
           paths.crt);
  ck_assert_str_eq(err, want);
  ck_assert_int_eq(rmdir(paths.crt), 0);
  /* Over the size bound: refused before parsing. */
  char *big = malloc(IPCERT_MAX_FILE_BYTES + 2);
  ck_assert_ptr_nonnull(big);
  memset(big, 'A', IPCERT_MAX_FILE_BYTES + 1);
  write_bytes(paths.crt, big, IPCERT_MAX_FILE_BYTES + 1);
  free(big);
  ck_assert_int_eq(relay_certdir_load(tmpdir, "1.2.3.4", NOW, &c, err, sizeof err),
                   IPCERT_ERR_TOO_LARGE);
  remove_tmpdir();
}
END_TEST

static Suite *relay_certdir_suite(void) {
  Suite *s = suite_create("relay_certdir");
  TCase *tc = tcase_create("certdir");
  tcase_add_test(tc, written_files_have_exact_modes);
  tcase_add_test(tc, both_missing_generates_then_reuses);
  tcase_add_test(tc, only_crt_present_regenerates);
  tcase_add_test(tc, only_key_present_regenerates);
  tcase_add_test(tc, bad_pem_is_fatal);
  tcase_add_test(tc, mismatched_key_is_fatal);
  tcase_add_test(tc, non_ip_hostname_missing_files_is_fatal);
  tcase_add_test(tc, user_cert_for_other_ip_is_rejected);
  tcase_add_test(tc, ipv6_hostname_generates_into_colonless_files);
  tcase_add_test(tc, chain_keeps_intermediates_in_order);
  tcase_add_test(tc, unreadable_inputs_are_io_errors);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(relay_certdir_suite)
