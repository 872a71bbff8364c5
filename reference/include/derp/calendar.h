/* calendar: the proleptic Gregorian calendar in whole days, the one date
 * arithmetic every time text uses (Go's time package and OpenSSL's ASN.1
 * times both count in it). Pure integer arithmetic: no gmtime/timegm,
 * whose reach depends on the C library's time_t. */
#ifndef DERP_CALENDAR_H
#define DERP_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

struct calendar_date {
  int64_t year;
  unsigned month; /* 1..12 */
  unsigned day;   /* 1..31 */
};

/* A broken-down instant: the date, the time of day and the weekday. */
struct calendar_time {
  struct calendar_date date;
  unsigned hour, minute, second;
  unsigned weekday; /* 0 = Sunday */
};

bool calendar_is_leap(int64_t year);
/* Days in a month (1..12) of a year. */
unsigned calendar_days_in_month(int64_t year, unsigned month);
/* Days since 1970-01-01 of a date (Hinnant's days_from_civil); any year
 * whose day count fits comfortably in an int64. */
int64_t calendar_days_from_date(struct calendar_date d);
/* The date of a day count since 1970-01-01 (Hinnant's civil_from_days). */
struct calendar_date calendar_date_from_days(int64_t days);
/* The UTC breakdown of Unix seconds, for every int64. */
struct calendar_time calendar_time_of(int64_t unix_seconds);

#endif
