/* Validity times: OpenSSL's reading of UTCTime/GeneralizedTime. Pure integer
 * arithmetic (no timegm/gmtime: those depend on the C library's time_t
 * range and on nothing we control). */
#include <stdio.h>

#include "derp/byte_cursor.h"
#include "derp/calendar.h"
#include "derp/cert_fields.h"
#include "derp/go.h"
#include "derp/guard.h"

#define TAG_UTCTIME 0x17
#define TAG_GENERALIZEDTIME 0x18

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
  GUARD(two_digits(&r, 1, calendar_days_in_month(year, month), &day));
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
  const int64_t t = calendar_days_from_date((struct calendar_date){year, month, day}) * 86400 +
                    hour * 3600 + minute * 60 + second - offset;
  if (offset != 0) {
    /* OpenSSL applies an offset with OPENSSL_gmtime_adj, which refuses
     * results outside the years 1900..9999 (a "Z" time skips it). */
    const int64_t y = calendar_time_of(t).date.year;
    GUARD(y >= 1900 && y <= 9999);
  }
  *unix_seconds = t;
  return true;
}

bool cert_time_format_go(int64_t unix_seconds, char *out, size_t cap) {
  return go_utc_time_string(unix_seconds, out, cap);
}
