/* The contract derp_box.h promises, whichever implementation is linked:
 * libsodium here; a fuzzing build links the memoized variant, which must
 * give the same results (run this test from a fuzz build directory to
 * check it there: build/fuzz-libfuzzer/reference/src/wire/check_derp_box). */
#include "derp/derp_box.h"

#include <string.h>

#include "check_main.h"

static void keypair(uint8_t fill, uint8_t sec[32], uint8_t pub[32]) {
  memset(sec, fill, 32);
  ck_assert(derp_box_public_key(pub, sec));
}

START_TEST(both_ends_derive_the_same_key) {
  uint8_t a_sec[32], a_pub[32], b_sec[32], b_pub[32], ab[32], ba[32], other[32];
  keypair(0x21, a_sec, a_pub);
  keypair(0x42, b_sec, b_pub);
  ck_assert_mem_ne(a_pub, a_sec, 32);
  ck_assert(derp_box_beforenm(ab, b_pub, a_sec));
  ck_assert(derp_box_beforenm(ba, a_pub, b_sec));
  ck_assert_mem_eq(ab, ba, 32);
  ck_assert(derp_box_beforenm(other, a_pub, a_sec));
  ck_assert_mem_ne(ab, other, 32);
}
END_TEST

START_TEST(a_box_opens_only_as_sealed) {
  uint8_t a_sec[32], a_pub[32], b_sec[32], b_pub[32], k[32], wrong[32];
  keypair(0x21, a_sec, a_pub);
  keypair(0x42, b_sec, b_pub);
  ck_assert(derp_box_beforenm(k, b_pub, a_sec));
  ck_assert(derp_box_beforenm(wrong, a_pub, a_sec));
  const char msg[] = "{\"version\":2,\"CanAckPings\":true}";
  size_t n = sizeof msg - 1;
  uint8_t nonce[24], box[64 + 16], out[64];
  memset(nonce, 7, sizeof nonce);
  ck_assert(derp_box_seal(box, (const uint8_t *)msg, n, nonce, k));
  ck_assert_mem_ne(box + DERP_BOX_TAG_LEN, msg, n); /* not in the clear */
  ck_assert(derp_box_open(out, box, n + DERP_BOX_TAG_LEN, nonce, k));
  ck_assert_mem_eq(out, msg, n);
  /* any bit of the tag or ciphertext, the nonce, the key: refused */
  for (size_t i = 0; i < n + DERP_BOX_TAG_LEN; i += 7) {
    box[i] ^= 0x10;
    ck_assert(!derp_box_open(out, box, n + DERP_BOX_TAG_LEN, nonce, k));
    box[i] ^= 0x10;
  }
  nonce[3] ^= 1;
  ck_assert(!derp_box_open(out, box, n + DERP_BOX_TAG_LEN, nonce, k));
  nonce[3] ^= 1;
  ck_assert(!derp_box_open(out, box, n + DERP_BOX_TAG_LEN, nonce, wrong));
  ck_assert(!derp_box_open(out, box, DERP_BOX_TAG_LEN - 1, nonce, k));
  /* in place, and the empty message */
  ck_assert(derp_box_open(box, box, n + DERP_BOX_TAG_LEN, nonce, k));
  ck_assert_mem_eq(box, msg, n);
  uint8_t empty[DERP_BOX_TAG_LEN];
  ck_assert(derp_box_seal(empty, (const uint8_t *)"", 0, nonce, k));
  ck_assert(derp_box_open(out, empty, DERP_BOX_TAG_LEN, nonce, k));
}
END_TEST

START_TEST(x25519_as_rfc_7748_has_it) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  ck_assert(!derp_box_is_real());
#else
  ck_assert(derp_box_is_real());
#endif
  /* RFC 7748 §6.1: Alice's X25519 public key (twice: the memo's hit too) */
  static const uint8_t alice_sec[32] = {0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d,
                                        0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
                                        0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
                                        0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};
  static const uint8_t alice_pub[32] = {0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54,
                                        0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
                                        0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
                                        0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a};
  uint8_t pub[32];
  for (int i = 0; i < 2; i++) {
    ck_assert(derp_box_public_key(pub, alice_sec));
    ck_assert_mem_eq(pub, alice_pub, 32);
  }
}
END_TEST

static Suite *derp_box_suite(void) {
  Suite *s = suite_create("derp_box");
  TCase *tc = tcase_create("contract");
  tcase_add_test(tc, both_ends_derive_the_same_key);
  tcase_add_test(tc, a_box_opens_only_as_sealed);
  tcase_add_test(tc, x25519_as_rfc_7748_has_it);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(derp_box_suite)
