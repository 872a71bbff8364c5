/* Validity times: OpenSSL's reading of UTCTime/GeneralizedTime, and Go's
 * printing of an instant. Pure integer arithmetic (no timegm/gmtime: those
 * depend on the C library's time_t range and on nothing we control). */
#include <stdio.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"

#define TAG_UTCTIME 0x17
#define TAG_GENERALIZEDTIME 0x18

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil): valid for every year an int64 can carry here. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Two decimal digits in [lo, hi]. */
static bool two_digits(struct byte_reader *r, unsigned lo, unsigned hi, unsigned *out) {
  uint8_t a, b;
  GUARD(byte_reader_u8(r, &a) && byte_reader_u8(r, &b));
  GUARD(is_digit(a) && is_digit(b));
  unsigned v = (unsigned)(a - '0') * 10 + (unsigned)(b - '0');
  GUARD(v >= lo && v <= hi);
  *out = v;
  return true;
}

static bool peek_is(const struct byte_reader *r, uint8_t c) {
  return byte_reader_remaining(r) > 0 && byte_reader_peek(r)[0] == c;
}

/* The grammar of OpenSSL's ossl_asn1_time_to_tm without the X509 strict flag
 * (what X509_get0_notBefore times go through): YY or YYYY, MM, DD, hh, mm,
 * optional ss, for GeneralizedTime an optional fraction, then "Z" or an
 * offset "+hhmm"/"-hhmm" with hh <= 12, and nothing after. */
bool cert_time_parse_openssl(uint8_t tag, struct der_slice text, int64_t *unix_seconds) {
  GUARD(tag == TAG_UTCTIME || tag == TAG_GENERALIZEDTIME);
  const bool utc = tag == TAG_UTCTIME;
  GUARD(text.len >= (utc ? 11u : 13u));
  struct byte_reader r = byte_reader_init(text.ptr, text.len);
  int64_t year;
  unsigned a, b, month, day, hour, minute, second = 0;
  if (utc) {
    GUARD(two_digits(&r, 0, 99, &a));
    year = a < 50 ? 2000 + a : 1900 + a;
  } else {
    GUARD(two_digits(&r, 0, 99, &a) && two_digits(&r, 0, 99, &b));
    year = (int64_t)a * 100 + b;
  }
  GUARD(two_digits(&r, 1, 12, &month));
  GUARD(two_digits(&r, 1, days_in_month(year, month), &day));
  GUARD(two_digits(&r, 0, 23, &hour) && two_digits(&r, 0, 59, &minute));
  if (!peek_is(&r, 'Z') && !peek_is(&r, '+') && !peek_is(&r, '-')) {
    GUARD(two_digits(&r, 0, 59, &second));
    if (!utc && peek_is(&r, '.')) {
      GUARD(byte_reader_skip(&r, 1));
      size_t digits = 0;
      while (byte_reader_remaining(&r) > 0 && is_digit(byte_reader_peek(&r)[0])) {
        GUARD(byte_reader_skip(&r, 1));
        digits++;
      }
      GUARD(digits > 0);
    }
  }
  uint8_t zone;
  GUARD(byte_reader_u8(&r, &zone));
  int64_t offset = 0;
  if (zone == '+' || zone == '-') {
    unsigned oh, om;
    GUARD(two_digits(&r, 0, 12, &oh) && two_digits(&r, 0, 59, &om));
    offset = (int64_t)(oh * 3600 + om * 60);
    if (zone == '-') offset = -offset;
  } else {
    GUARD(zone == 'Z');
  }
  GUARD(byte_reader_remaining(&r) == 0);
  const int64_t t =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (offset != 0) {
    /* OpenSSL applies an offset with OPENSSL_gmtime_adj, which refuses
     * results outside the years 1900..9999 (a "Z" time skips it). */
    int64_t y;
    unsigned m, d;
    civil_from_days(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), &y, &m, &d);
    GUARD(y >= 1900 && y <= 9999);
  }
  *unix_seconds = t;
  return true;
}

/* Go's Time.String() for a UTC instant: "2006-01-02 15:04:05 +0000 UTC",
 * the year at least four digits, a minus sign before negative years. */
bool cert_time_format_go(int64_t unix_seconds, char *out, size_t cap) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  civil_from_days(days, &year, &month, &day);
  const char *sign = year < 0 ? "-" : "";
  uint64_t abs_year = year < 0 ? (uint64_t)0 - (uint64_t)year : (uint64_t)year;
  int n = snprintf(out, cap, "%s%04llu-%02u-%02u %02u:%02u:%02u +0000 UTC", sign,
                   (unsigned long long)abs_year, month, day, (unsigned)(secs / 3600),
                   (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
  return n > 0 && (size_t)n < cap;
}
