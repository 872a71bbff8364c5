#include "derp/calendar.h"

#include "check_main.h"

static struct calendar_date date(int64_t y, unsigned m, unsigned d) {
  return (struct calendar_date){.year = y, .month = m, .day = d};
}

START_TEST(days_count_from_the_unix_epoch) {
  ck_assert_int_eq(calendar_days_from_date(date(1970, 1, 1)), 0);
  ck_assert_int_eq(calendar_days_from_date(date(1969, 12, 31)), -1);
  ck_assert_int_eq(calendar_days_from_date(date(2000, 3, 1)), 11017);
  ck_assert_int_eq(calendar_days_from_date(date(0, 1, 1)), -719528);
  ck_assert_int_eq(calendar_days_from_date(date(-1, 12, 31)), -719529);
}
END_TEST

START_TEST(dates_round_trip_across_eras) {
  for (int64_t days = -800000; days <= 3000000; days += 997) {
    struct calendar_date d = calendar_date_from_days(days);
    ck_assert_uint_ge(d.month, 1);
    ck_assert_uint_le(d.month, 12);
    ck_assert_uint_ge(d.day, 1);
    ck_assert_uint_le(d.day, calendar_days_in_month(d.year, d.month));
    ck_assert_int_eq(calendar_days_from_date(d), days);
  }
}
END_TEST

START_TEST(leap_years_follow_the_gregorian_rule) {
  ck_assert(calendar_is_leap(2000));
  ck_assert(!calendar_is_leap(1900));
  ck_assert(calendar_is_leap(2024));
  ck_assert(!calendar_is_leap(2026));
  ck_assert(calendar_is_leap(0));
  ck_assert_uint_eq(calendar_days_in_month(2024, 2), 29);
  ck_assert_uint_eq(calendar_days_in_month(2100, 2), 28);
  ck_assert_uint_eq(calendar_days_in_month(2026, 12), 31);
  ck_assert_uint_eq(calendar_days_in_month(2026, 4), 30);
}
END_TEST

START_TEST(time_of_breaks_down_every_int64) {
  struct calendar_time t = calendar_time_of(INT64_C(1772631672)); /* 2026-03-04 13:41:12 */
  ck_assert_int_eq(t.date.year, 2026);
  ck_assert_uint_eq(t.date.month, 3);
  ck_assert_uint_eq(t.date.day, 4);
  ck_assert_uint_eq(t.hour, 13);
  ck_assert_uint_eq(t.minute, 41);
  ck_assert_uint_eq(t.second, 12);
  ck_assert_uint_eq(t.weekday, 3); /* a Wednesday */
  t = calendar_time_of(-1);
  ck_assert_int_eq(t.date.year, 1969);
  ck_assert_uint_eq(t.hour, 23);
  ck_assert_uint_eq(t.second, 59);
  ck_assert_uint_eq(t.weekday, 3);
  t = calendar_time_of(INT64_MAX);
  ck_assert_int_eq(t.date.year, INT64_C(292277026596));
  ck_assert_uint_le(t.weekday, 6);
  t = calendar_time_of(INT64_MIN);
  ck_assert_int_eq(t.date.year, INT64_C(-292277022657));
  ck_assert_uint_le(t.weekday, 6);
}
END_TEST

static Suite *calendar_suite(void) {
  Suite *s = suite_create("calendar");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, days_count_from_the_unix_epoch);
  tcase_add_test(tc, dates_round_trip_across_eras);
  tcase_add_test(tc, leap_years_follow_the_gregorian_rule);
  tcase_add_test(tc, time_of_breaks_down_every_int64);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(calendar_suite)
