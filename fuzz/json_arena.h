/* json_arena: jansson's allocator for the JSON fuzz targets, reset per input.
 *
 * Why: jansson allocates every value, key and hashtable on its own, and
 * under ASan each of those mallocs records a stack trace and goes through
 * the quarantine; in the derpmap target that was about a third of the time.
 * jansson is not under test, our use of its values is, so the arena keeps
 * what ASan and LeakSanitizer gave us there:
 *  - every block has poisoned redzones, so our code reading past a jansson
 *    string or array still trips ASan;
 *  - a freed block stays poisoned until the input ends (use after free);
 *  - json_arena_end() fails the input when a block is still live, as
 *    LeakSanitizer would for a missing json_decref;
 *  - after the input the whole arena is poisoned, so a value kept across
 *    inputs is caught.
 * Blocks that do not fit (a hostile input's huge document) come from
 * malloc, as before. Without ASan the poisoning is a no-op. */
#ifndef DERP_FUZZ_JSON_ARENA_H
#define DERP_FUZZ_JSON_ARENA_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_report.h"

#if defined(__SANITIZE_ADDRESS__)
#define JSON_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_ARENA_ASAN 1
#endif
#endif
#ifdef JSON_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define JSON_ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define JSON_ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define JSON_ARENA_POISON(p, n) ((void)(p), (void)(n))
#define JSON_ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define JSON_ARENA_BYTES (4u << 20)
#define JSON_ARENA_REDZONE 16u /* before every block: its size lives here */

struct json_arena {
  _Alignas(16) unsigned char mem[JSON_ARENA_BYTES];
  size_t top;
  size_t live; /* blocks handed out and not yet freed, arena or malloc */
};

static struct json_arena json_arena_state;

FUZZ_ORACLE static inline int json_arena_owns(const void *p) {
  const unsigned char *b = p;
  return b >= json_arena_state.mem && b < json_arena_state.mem + JSON_ARENA_BYTES;
}

FUZZ_ORACLE static void *json_arena_malloc(size_t n) {
  struct json_arena *a = &json_arena_state;
  size_t rounded = (n + 15u) & ~(size_t)15u;
  if (n == 0 || rounded < n || rounded > JSON_ARENA_BYTES - JSON_ARENA_REDZONE ||
      a->top > JSON_ARENA_BYTES - JSON_ARENA_REDZONE - rounded) {
    void *p = malloc(n ? n : 1);
    if (p) a->live++;
    return p;
  }
  unsigned char *zone = a->mem + a->top;
  JSON_ARENA_UNPOISON(zone, sizeof(size_t));
  memcpy(zone, &n, sizeof n);
  JSON_ARENA_POISON(zone, JSON_ARENA_REDZONE);
  unsigned char *p = zone + JSON_ARENA_REDZONE;
  JSON_ARENA_UNPOISON(p, n);
  a->top += JSON_ARENA_REDZONE + rounded;
  a->live++;
  return p;
}

FUZZ_ORACLE static void json_arena_free(void *p) {
  if (p == NULL) return;
  json_arena_state.live--;
  if (!json_arena_owns(p)) {
    free(p);
    return;
  }
  unsigned char *zone = (unsigned char *)p - JSON_ARENA_REDZONE;
  size_t n;
  JSON_ARENA_UNPOISON(zone, sizeof n);
  memcpy(&n, zone, sizeof n);
  JSON_ARENA_POISON(zone, JSON_ARENA_REDZONE + n);
}

/* Once per process, before jansson allocates anything. */
static inline void json_arena_install(void) {
  JSON_ARENA_POISON(json_arena_state.mem, JSON_ARENA_BYTES);
  json_set_alloc_funcs(json_arena_malloc, json_arena_free);
}

/* The LLVMFuzzerInitialize of a target whose only set-up is the arena (as
 * CERT_MUTATOR defines the mutator entry points). */
#define JSON_ARENA_INITIALIZE()                       \
  int LLVMFuzzerInitialize(int *argc, char ***argv);  \
  int LLVMFuzzerInitialize(int *argc, char ***argv) { \
    (void)argc;                                       \
    (void)argv;                                       \
    json_arena_install();                             \
    return 0;                                         \
  }

/* After each input: every block given back, then the arena is empty again. */
FUZZ_ORACLE static inline void json_arena_end(void) {
  struct json_arena *a = &json_arena_state;
  ORACLE_ASSERT(a->live == 0,
                "%zu jansson blocks still live after the input (a missing json_decref)", a->live);
  JSON_ARENA_POISON(a->mem, a->top);
  a->top = 0;
}

#endif
