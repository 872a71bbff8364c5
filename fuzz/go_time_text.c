/* Fuzz target go_time_text: Go's time.Time printed (Time.String, the
 * RFC 3339 layout) and moved by years (AddDate) on base/calendar's day
 * arithmetic, as the client's and the verifier's messages print
 * certificate times.
 *
 * Input: i64be Unix seconds, i32be zone offset (folded into Go's +-25 h),
 * u32be nanoseconds (folded below 1e9), u8 flags (bit 0: the zone is UTC),
 * i16be years to add.
 *
 * Oracles, beyond "no crash / no leak", wherever the C library's gmtime_r
 * and timegm reach and the year is 0..9999:
 *  - the RFC 3339 text is gmtime's fields printed "YYYY-MM-DDThh:mm:ssZ";
 *  - Time.String() is gmtime's fields of the instant moved by the offset,
 *    then the fraction without trailing zeros, then "+hhmm" and the zone's
 *    name ("UTC" or the offset again);
 *  - AddDate(years, 0, 0) is timegm of the date with the year moved (Feb 29
 *    of a common year rolling to Mar 1, as both Go and timegm normalise);
 *  - a buffer one byte short for any of the texts is refused. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define YEAR_SECONDS_MIN INT64_C(-62135596800) /* 0001-01-01 */
#define YEAR_SECONDS_MAX INT64_C(253402300799) /* 9999-12-31 23:59:59 */

FUZZ_ORACLE static bool utc_fields(int64_t t, struct tm *out) {
  if (t < YEAR_SECONDS_MIN || t > YEAR_SECONDS_MAX) return false;
  time_t tt = (time_t)t;
  return gmtime_r(&tt, out) != NULL;
}

/* The text fits exactly: one byte less is refused. */
FUZZ_ORACLE static void check_exact(const char *what, const char *want,
                                    bool (*fmt)(int64_t, char *, size_t), int64_t t) {
  char got[96];
  ORACLE_ASSERT(fmt(t, got, sizeof got) && strcmp(got, want) == 0, "%s(%lld) = \"%s\", want \"%s\"",
                what, (long long)t, got, want);
  ORACLE_ASSERT(!fmt(t, got, strlen(want)), "%s(%lld) fit in %zu bytes", what, (long long)t,
                strlen(want));
}

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct byte_reader r = byte_reader_init(data, size);
  uint32_t hi = 0, lo = 0, off = 0, nanos = 0;
  uint16_t years = 0;
  uint8_t flags = 0;
  (void)(byte_reader_u32be(&r, &hi) && byte_reader_u32be(&r, &lo) && byte_reader_u32be(&r, &off) &&
         byte_reader_u32be(&r, &nanos) && byte_reader_u8(&r, &flags) &&
         byte_reader_u16be(&r, &years));
  const int64_t t = (int64_t)(((uint64_t)hi << 32) | lo);
  struct go_time gt = {t, nanos % 1000000000u, (int32_t)((int64_t)(int32_t)off % 90000), flags & 1};
  if (gt.utc) gt.offset_seconds = 0;

  /* Every instant prints (64 bytes hold any year), refused one byte short. */
  char s[96];
  int64_t shown;
  bool representable = !__builtin_add_overflow(t, (int64_t)gt.offset_seconds, &shown);
  ORACLE_ASSERT(go_time_string(&gt, s, 64) == representable,
                "Time.String of %lld (offset %d): fits 64 bytes %d, representable %d", (long long)t,
                gt.offset_seconds, !representable, representable);

  struct tm tm;
  if (utc_fields(t, &tm)) {
    char want[64];
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    check_exact("go_utc_rfc3339", want, go_utc_rfc3339, t);
    snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d +0000 UTC", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    check_exact("go_utc_time_string", want, go_utc_time_string, t);

    int y = (int16_t)years;
    struct tm moved = tm;
    moved.tm_year += y;
    if (moved.tm_year + 1900 >= 1 && moved.tm_year + 1900 <= 9999) {
      int64_t want_t = (int64_t)timegm(&moved);
      ORACLE_ASSERT(go_add_years(t, y) == want_t, "AddDate(%d) of %lld: %lld, timegm says %lld", y,
                    (long long)t, (long long)go_add_years(t, y), (long long)want_t);
    }
  }

  struct tm local;
  if (representable && utc_fields(shown, &local)) {
    char frac[16] = "", zone[16], want[112];
    if (gt.nanos != 0) {
      snprintf(frac, sizeof frac, ".%09u", (unsigned)gt.nanos);
      for (size_t n = strlen(frac); frac[n - 1] == '0'; n--) frac[n - 1] = '\0';
    }
    int32_t o = gt.offset_seconds;
    unsigned a = (unsigned)(o < 0 ? -o : o);
    snprintf(zone, sizeof zone, "%c%02u%02u", o < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d%s %s %s", local.tm_year + 1900,
             local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, frac, zone,
             gt.utc ? "UTC" : zone);
    ORACLE_ASSERT(go_time_string(&gt, s, sizeof s) && strcmp(s, want) == 0,
                  "Time.String = \"%s\", want \"%s\"", s, want);
    ORACLE_ASSERT(!go_time_string(&gt, s, strlen(want)), "Time.String fit in %zu bytes",
                  strlen(want));
  }
  return 0;
}
