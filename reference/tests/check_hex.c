#include "derp/hex.h"

#include <string.h>

#include "check_main.h"

START_TEST(lower_writes_two_digits_per_byte_and_a_nul) {
  const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  char out[16];
  memset(out, 'x', sizeof out);
  derp_hex_lower(in, sizeof in, out);
  ck_assert_str_eq(out, "00017f80abff");
  ck_assert_int_eq(out[13], 'x'); /* 2n+1 bytes, not one more */
  derp_hex_lower(in, 0, out);
  ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(write_lower_fits_exactly_or_writes_nothing) {
  const uint8_t in[] = {0xde, 0xad, 0xbe, 0xef};
  uint8_t buf[9];
  memset(buf, 'x', sizeof buf);
  struct byte_writer w = byte_writer_init(buf, 8);
  ck_assert(derp_hex_write_lower(&w, in, sizeof in));
  ck_assert_uint_eq(w.len, 8);
  ck_assert_mem_eq(buf, "deadbeefx", 9); /* no NUL */
  ck_assert(derp_hex_write_lower(&w, in, 0));
  ck_assert(!derp_hex_write_lower(&w, in, 1));
  w = byte_writer_init(buf, 3); /* one byte fits, two do not: none written */
  ck_assert(!derp_hex_write_lower(&w, in, 2));
  ck_assert_uint_eq(w.len, 0);
  ck_assert(derp_hex_write_lower(&w, in + 3, 1));
  ck_assert_mem_eq(buf, "ef", 2);
}
END_TEST

START_TEST(digit_value_takes_both_cases_and_nothing_else) {
  static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
  for (int i = 0; i < 16; i++) {
    ck_assert_int_eq(derp_hex_digit_value(lower[i]), i);
    ck_assert_int_eq(derp_hex_digit_value(upper[i]), i);
  }
  int digits = 0;
  for (int c = -1; c < 256; c++)
    if (derp_hex_digit_value(c) >= 0) digits++;
  ck_assert_int_eq(digits, 22);
  const int not_digits[] = {'/', ':', '@', 'G', '`', 'g', ' ', 0, 0xff, -1, (char)0xc3};
  for (size_t i = 0; i < sizeof not_digits / sizeof not_digits[0]; i++)
    ck_assert_int_eq(derp_hex_digit_value(not_digits[i]), -1);
}
END_TEST

START_TEST(decode_takes_exact_length_either_case) {
  uint8_t out[3];
  ck_assert(derp_hex_decode("00Ff7a", 6, out, 3));
  const uint8_t want[] = {0x00, 0xff, 0x7a};
  ck_assert_mem_eq(out, want, sizeof want);
  ck_assert(derp_hex_decode("", 0, out, 0));
}
END_TEST

START_TEST(decode_refusal_leaves_output_untouched) {
  uint8_t out[3] = {1, 2, 3};
  const uint8_t kept[] = {1, 2, 3};
  ck_assert(!derp_hex_decode("00ff7", 5, out, 3));    /* short */
  ck_assert(!derp_hex_decode("00ff7a00", 8, out, 3)); /* long */
  ck_assert(!derp_hex_decode("00ff7", 5, out, 2));    /* odd */
  ck_assert(!derp_hex_decode("00ff7g", 6, out, 3));   /* last digit bad */
  ck_assert(!derp_hex_decode("0 ff7a", 6, out, 3));
  ck_assert(!derp_hex_decode("00\0f7a", 6, out, 3)); /* NUL is not a digit */
  ck_assert(!derp_hex_decode(NULL, 6, out, 3));
  ck_assert_mem_eq(out, kept, sizeof kept);
}
END_TEST

START_TEST(decode_inverts_lower) {
  uint8_t in[256], back[256];
  for (int i = 0; i < 256; i++) in[i] = (uint8_t)i;
  char text[513];
  derp_hex_lower(in, sizeof in, text);
  ck_assert_uint_eq(strlen(text), 512);
  ck_assert(derp_hex_decode(text, 512, back, sizeof back));
  ck_assert_mem_eq(back, in, sizeof in);
}
END_TEST

static Suite *hex_suite(void) {
  Suite *s = suite_create("hex");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, lower_writes_two_digits_per_byte_and_a_nul);
  tcase_add_test(tc, write_lower_fits_exactly_or_writes_nothing);
  tcase_add_test(tc, digit_value_takes_both_cases_and_nothing_else);
  tcase_add_test(tc, decode_takes_exact_length_either_case);
  tcase_add_test(tc, decode_refusal_leaves_output_untouched);
  tcase_add_test(tc, decode_inverts_lower);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(hex_suite)
