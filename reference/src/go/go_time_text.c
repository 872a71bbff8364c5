/* Go's time.Time printed and moved by calendar: Time.String(), the RFC3339
 * layout and AddDate,
 * on base/calendar's day arithmetic, so every year an int64 second reaches
 * prints as Go prints it (no gmtime and its time_t range). */
#include <stdio.h>

#include "derp/calendar.h"
#include "derp/go.h"
#include "derp/guard.h"

/* Go pads a year to four digits and puts a minus before a negative one. */
static const char *year_sign(int64_t year) { return year < 0 ? "-" : ""; }
static unsigned long long year_digits(int64_t year) {
  return year < 0 ? (unsigned long long)0 - (unsigned long long)year : (unsigned long long)year;
}

bool go_time_string(const struct go_time *t, char *out, size_t cap) {
  int64_t local;
  GUARD(!__builtin_add_overflow(t->unix_seconds, (int64_t)t->offset_seconds, &local));
  const struct calendar_time c = calendar_time_of(local);
  /* The fraction as ".999999999": trailing zeros dropped, none when zero. */
  char frac[12] = "";
  if (t->nanos != 0) {
    snprintf(frac, sizeof frac, ".%09u", (unsigned)(t->nanos % 1000000000u));
    size_t n = sizeof ".999999999" - 1;
    while (frac[n - 1] == '0') frac[--n] = '\0';
  }
  /* A fixed zone has no name, so Go prints its offset in the name's place.
   * Offsets are within +-25h (go_time_parse), so two digits each. */
  char zone[16];
  const int64_t off_signed = t->offset_seconds;
  const unsigned off = (unsigned)((off_signed < 0 ? -off_signed : off_signed) % 90000);
  snprintf(zone, sizeof zone, "%c%02u%02u", off_signed < 0 ? '-' : '+', off / 3600, off / 60 % 60);
  int n = snprintf(out, cap, "%s%04llu-%02u-%02u %02u:%02u:%02u%s %s %s", year_sign(c.date.year),
                   year_digits(c.date.year), c.date.month, c.date.day, c.hour, c.minute, c.second,
                   frac, zone, t->utc ? "UTC" : zone);
  return n > 0 && (size_t)n < cap;
}

bool go_utc_time_string(int64_t unix_seconds, char *out, size_t cap) {
  const struct go_time t = {.unix_seconds = unix_seconds, .utc = true};
  return go_time_string(&t, out, cap);
}

bool go_utc_rfc3339(int64_t unix_seconds, char *out, size_t cap) {
  const struct calendar_time c = calendar_time_of(unix_seconds);
  int n = snprintf(out, cap, "%s%04llu-%02u-%02uT%02u:%02u:%02uZ", year_sign(c.date.year),
                   year_digits(c.date.year), c.date.month, c.date.day, c.hour, c.minute, c.second);
  return n > 0 && (size_t)n < cap;
}

/* Years of int64 seconds: +-292277026596; a bound well inside keeps the
 * day arithmetic from overflowing. */
#define ADD_YEARS_MAX_SECONDS (INT64_C(1) << 60)

int64_t go_add_years(int64_t unix_seconds, int years) {
  if (unix_seconds > ADD_YEARS_MAX_SECONDS || unix_seconds < -ADD_YEARS_MAX_SECONDS)
    return unix_seconds;
  const struct calendar_time c = calendar_time_of(unix_seconds);
  struct calendar_date d = c.date;
  d.year += years;
  /* days_from_date is linear in the day, so Feb 29 of a common year counts
   * as Mar 1, Go's normalisation. */
  const int64_t days = calendar_days_from_date(d);
  return days * 86400 + (int64_t)(c.hour * 3600 + c.minute * 60 + c.second);
}
