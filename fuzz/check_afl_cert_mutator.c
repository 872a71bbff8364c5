/* The AFL++ custom mutator libraries (afl_cert_mutator.c), loaded as
 * afl-fuzz loads them: the afl_custom_* entry points exist, outputs stay
 * within max_size, a seed gives the same mutations again, most outputs
 * still hold certificates in the target's layout, and splicing works. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "fuzz_inputs.h"

typedef void *(*init_fn)(void *afl, unsigned int seed);
typedef size_t (*fuzz_fn)(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                          uint8_t *add_buf, size_t add_buf_size, size_t max_size);
typedef void (*deinit_fn)(void *data);

struct lib {
  void *handle;
  init_fn init;
  fuzz_fn fuzz;
  deinit_fn deinit;
};

static struct lib open_lib(const char *path) {
  struct lib l;
  l.handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg(l.handle != NULL, "dlopen %s: %s", path, dlerror());
  l.init = (init_fn)dlsym(l.handle, "afl_custom_init");
  l.fuzz = (fuzz_fn)dlsym(l.handle, "afl_custom_fuzz");
  l.deinit = (deinit_fn)dlsym(l.handle, "afl_custom_deinit");
  ck_assert_msg(l.init && l.fuzz && l.deinit, "%s lacks an afl_custom_* entry point", path);
  return l;
}

static size_t load(const char *path, uint8_t *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  ck_assert_uint_gt(n, 0);
  return n;
}

static bool holds_certs(bool pin_layout, const uint8_t *p, size_t n) {
  if (pin_layout) {
    static struct pin_fuzz_input in;
    return pin_fuzz_decode(p, n, &in) && in.call.n_certs > 0;
  }
  return n > 2 && p[0] == 0x30; /* one certificate: a SEQUENCE */
}

static void exercise(const char *lib_path, const char *seed_path, bool pin_layout) {
  static uint8_t seed[1 << 16], other[1 << 16];
  size_t n = load(seed_path, seed, sizeof seed);
  memcpy(other, seed, n);
  struct lib l = open_lib(lib_path);
  enum { RUNS = 1500, MAX = 1 << 15 };
  uint64_t first_hash = 0;
  for (int round = 0; round < 2; round++) {
    void *m = l.init(NULL, 42);
    ck_assert_ptr_nonnull(m);
    uint64_t h = 0xcbf29ce484222325u;
    int holds = 0, changed = 0;
    for (int i = 0; i < RUNS; i++) {
      uint8_t *out = NULL;
      size_t got = i % 5 == 4 ? l.fuzz(m, seed, n, &out, other, n, MAX)
                              : l.fuzz(m, seed, n, &out, NULL, 0, MAX);
      ck_assert_ptr_nonnull(out);
      ck_assert_uint_le(got, MAX);
      holds += holds_certs(pin_layout, out, got);
      changed += got != n || memcmp(out, seed, n) != 0;
      for (size_t k = 0; k < got; k++) h = (h ^ out[k]) * 0x100000001b3u;
    }
    ck_assert_int_gt(changed, RUNS * 9 / 10);
    ck_assert_msg(holds > RUNS / 2, "%d of %d outputs hold certificates", holds, RUNS);
    if (round == 0)
      first_hash = h;
    else
      ck_assert_msg(h == first_hash, "the same seed gave other mutations");
    l.deinit(m);
  }
  /* max_size below the input: nothing larger comes back */
  void *m = l.init(NULL, 7);
  for (int i = 0; i < 200; i++) {
    uint8_t *out = NULL;
    ck_assert_uint_le(l.fuzz(m, seed, n, &out, NULL, 0, n / 2), n / 2);
  }
  l.deinit(m);
  dlclose(l.handle);
}

START_TEST(pin_layout_library) {
  exercise(AFL_CERT_MUTATOR_PIN, DERP_FUZZ_CORPUS_DIR "/pin_verify/chain-metacert-current", true);
}
END_TEST

START_TEST(whole_layout_library) {
  exercise(AFL_CERT_MUTATOR_WHOLE, DERP_FUZZ_CORPUS_DIR "/cert_fields/many-sans", false);
}
END_TEST

static Suite *afl_cert_mutator_suite(void) {
  Suite *s = suite_create("afl_cert_mutator");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, pin_layout_library);
  tcase_add_test(tc, whole_layout_library);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(afl_cert_mutator_suite)
