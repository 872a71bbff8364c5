#include "derp/byte_cursor.h"

#include "check_main.h"

START_TEST(reader_reads_big_endian) {
  const uint8_t in[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  struct byte_reader r = byte_reader_init(in, sizeof in);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  ck_assert(byte_reader_u8(&r, &a));
  ck_assert(byte_reader_u16be(&r, &b));
  ck_assert(byte_reader_u32be(&r, &c));
  ck_assert_uint_eq(a, 0x01);
  ck_assert_uint_eq(b, 0x0203);
  ck_assert_uint_eq(c, 0x04050607);
  ck_assert_uint_eq(byte_reader_remaining(&r), 0);
}
END_TEST

START_TEST(reader_refuses_overread_without_moving) {
  const uint8_t in[] = {0xaa, 0xbb, 0xcc};
  struct byte_reader r = byte_reader_init(in, sizeof in);
  uint32_t v;
  ck_assert(!byte_reader_u32be(&r, &v));
  ck_assert_uint_eq(r.pos, 0);
  ck_assert(!byte_reader_skip(&r, 4));
  ck_assert(byte_reader_skip(&r, 3));
  uint8_t b;
  ck_assert(!byte_reader_u8(&r, &b));
}
END_TEST

START_TEST(reader_sub_is_bounded) {
  const uint8_t in[] = {1, 2, 3, 4};
  struct byte_reader r = byte_reader_init(in, sizeof in);
  struct byte_reader sub;
  ck_assert(byte_reader_sub(&r, 2, &sub));
  ck_assert_uint_eq(byte_reader_remaining(&sub), 2);
  ck_assert(!byte_reader_skip(&sub, 3));
  ck_assert(!byte_reader_sub(&r, 3, &sub));
  ck_assert_uint_eq(byte_reader_remaining(&r), 2);
}
END_TEST

START_TEST(reader_null_is_empty) {
  struct byte_reader r = byte_reader_init(NULL, 10);
  ck_assert_uint_eq(byte_reader_remaining(&r), 0);
  /* no arithmetic on NULL (UBSan: "applying zero offset to null pointer") */
  ck_assert_ptr_null(byte_reader_peek(&r));
  const uint8_t *p = (const uint8_t *)"x";
  ck_assert(byte_reader_borrow(&r, 0, &p));
  ck_assert_ptr_null(p);
  ck_assert(!byte_reader_borrow(&r, 1, &p));
}
END_TEST

START_TEST(writer_refuses_overflow_atomically) {
  uint8_t buf[5];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  ck_assert(byte_writer_u32be(&w, 0x01020304));
  ck_assert(!byte_writer_u16be(&w, 0xffff));
  ck_assert_uint_eq(w.len, 4);
  ck_assert(byte_writer_u8(&w, 5));
  ck_assert(!byte_writer_str(&w, "x"));
  const uint8_t want[] = {1, 2, 3, 4, 5};
  ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST

static Suite *byte_cursor_suite(void) {
  Suite *s = suite_create("byte_cursor");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, reader_reads_big_endian);
  tcase_add_test(tc, reader_refuses_overread_without_moving);
  tcase_add_test(tc, reader_sub_is_bounded);
  tcase_add_test(tc, reader_null_is_empty);
  tcase_add_test(tc, writer_refuses_overflow_atomically);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(byte_cursor_suite)
