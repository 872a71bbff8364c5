/* json_arena (the JSON targets' jansson allocator): what it promises in
 * place of ASan's and LeakSanitizer's view of jansson's own mallocs. */
#include "json_arena.h"

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "check_main.h"

#ifdef JSON_ARENA_ASAN
#define POISONED(p) (__asan_address_is_poisoned(p) != 0)
#endif

static const char *doc =
    "{\"Regions\":{\"1\":{\"Nodes\":[{\"HostName\":\"a\"},{\"HostName\":\"b\"}]}}}";

START_TEST(a_document_is_given_back_and_the_arena_reused) {
  json_arena_install();
  for (int i = 0; i < 3; i++) {
    json_t *v = json_loads(doc, 0, NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_msg(json_arena_owns(v), "the document is not on the arena");
    ck_assert_uint_gt(json_arena_state.live, 0);
    json_decref(v);
    ck_assert_uint_eq(json_arena_state.live, 0);
    json_arena_end();
    ck_assert_uint_eq(json_arena_state.top, 0);
  }
}
END_TEST

START_TEST(a_live_block_fails_the_input) {
  json_arena_install();
  json_t *v = json_loads(doc, 0, NULL);
  ck_assert_ptr_nonnull(v);
  json_arena_end(); /* v was never decref'd: the oracle aborts */
}
END_TEST

START_TEST(blocks_too_big_for_the_arena_come_from_malloc) {
  json_arena_install();
  void *big = json_arena_malloc(JSON_ARENA_BYTES);
  ck_assert_ptr_nonnull(big);
  ck_assert(!json_arena_owns(big));
  void *small = json_arena_malloc(8);
  ck_assert(json_arena_owns(small));
  ck_assert_uint_eq(json_arena_state.live, 2);
  json_arena_free(big);
  json_arena_free(small);
  json_arena_free(NULL);
  ck_assert_uint_eq(json_arena_state.live, 0);
  json_arena_end();
}
END_TEST

#ifdef JSON_ARENA_ASAN
START_TEST(asan_sees_past_a_block_and_after_its_free) {
  json_arena_install();
  unsigned char *p = json_arena_malloc(5);
  unsigned char *q = json_arena_malloc(16);
  ck_assert(!POISONED(p) && !POISONED(p + 4));
  ck_assert_msg(POISONED(p + 5) && POISONED(p - 1), "no redzone around a 5-byte block");
  ck_assert_msg(POISONED(q - 1) && POISONED(q + 16), "no redzone around a 16-byte block");
  json_arena_free(p);
  ck_assert_msg(POISONED(p), "a freed block is still addressable");
  ck_assert(!POISONED(q));
  json_arena_free(q);
  json_arena_end();
  ck_assert_msg(POISONED(json_arena_state.mem), "the arena is addressable after the input");
}
END_TEST
#endif

static Suite *json_arena_suite(void) {
  Suite *s = suite_create("json_arena");
  TCase *tc = tcase_create("arena");
  tcase_add_test(tc, a_document_is_given_back_and_the_arena_reused);
  tcase_add_test_raise_signal(tc, a_live_block_fails_the_input, SIGABRT);
  tcase_add_test(tc, blocks_too_big_for_the_arena_come_from_malloc);
#ifdef JSON_ARENA_ASAN
  tcase_add_test(tc, asan_sees_past_a_block_and_after_its_free);
#endif
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(json_arena_suite)
