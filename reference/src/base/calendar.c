/* Civil dates from day counts and back, after Howard Hinnant's
 * "chrono-Compatible Low-Level Date Algorithms" (eras of 400 years). */
#include "derp/calendar.h"

bool calendar_is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned calendar_days_in_month(int64_t year, unsigned month) {
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && calendar_is_leap(year) ? 29 : mdays[month - 1];
}

int64_t calendar_days_from_date(struct calendar_date d) {
  const int64_t y = d.year - (d.month <= 2);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct calendar_date calendar_date_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  struct calendar_date d;
  d.day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  d.month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  d.year = yoe + era * 400 + (d.month <= 2);
  return d;
}

struct calendar_time calendar_time_of(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  struct calendar_time t;
  t.date = calendar_date_from_days(days);
  t.hour = (unsigned)(secs / 3600);
  t.minute = (unsigned)(secs / 60 % 60);
  t.second = (unsigned)(secs % 60);
  /* 1970-01-01 was a Thursday (4). */
  int64_t wd = (days % 7 + 7 + 4) % 7;
  t.weekday = (unsigned)wd;
  return t;
}
