/* Go's time.ParseDuration, the syntax of every duration flag a Go program
 * takes (derper's among them). Written from Go 1.26's behaviour, including
 * its float64 arithmetic for fractions, so the same text gives the same
 * nanoseconds. */
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"

/* Go sums magnitudes in a uint64 up to 1<<63, the size of the most negative
 * Duration; only a positive result must then fit int64. */
#define DURATION_MAGNITUDE_MAX (UINT64_C(1) << 63)

struct duration_unit {
  const char *name;
  uint64_t ns;
};

static const struct duration_unit duration_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC greek mu */
    {"ms", 1000000},
    {"s", UINT64_C(1000000000)},
    {"m", UINT64_C(60000000000)},
    {"h", UINT64_C(3600000000000)},
};

static const struct duration_unit *duration_unit_find(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
    if (strlen(duration_units[i].name) == n && memcmp(duration_units[i].name, s, n) == 0) {
      return &duration_units[i];
    }
  }
  return NULL;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* The digits before a unit's '.': more than 1<<63 is an error. */
static bool duration_whole(const char *s, size_t len, size_t *i, uint64_t *out) {
  uint64_t v = 0;
  for (; *i < len && is_digit(s[*i]); (*i)++) {
    GUARD(v <= DURATION_MAGNITUDE_MAX / 10);
    v = v * 10 + (uint64_t)(s[*i] - '0');
    GUARD(v <= DURATION_MAGNITUDE_MAX);
  }
  *out = v;
  return true;
}

/* The digits after the '.': value = *frac / *scale. Digits past what fits
 * are read but ignored, as Go does, so a long fraction is never an error. */
static void duration_fraction(const char *s, size_t len, size_t *i, uint64_t *frac, double *scale) {
  uint64_t v = 0;
  double sc = 1;
  bool full = false;
  for (; *i < len && is_digit(s[*i]); (*i)++) {
    if (full) continue;
    uint64_t next = v * 10 + (uint64_t)(s[*i] - '0');
    full = v > (DURATION_MAGNITUDE_MAX - 1) / 10 || next > DURATION_MAGNITUDE_MAX;
    if (full) continue;
    v = next;
    sc *= 10;
  }
  *frac = v;
  *scale = sc;
}

bool go_parse_duration(const char *s, size_t len, int64_t *ns) {
  size_t i = 0;
  bool neg = false;
  if (len > 0 && (s[0] == '-' || s[0] == '+')) neg = s[i++] == '-';
  if (len - i == 1 && s[i] == '0') {
    *ns = 0;
    return true;
  }
  GUARD(i < len);
  uint64_t total = 0;
  while (i < len) {
    GUARD(s[i] == '.' || is_digit(s[i]));
    size_t start = i;
    uint64_t whole, frac = 0;
    double scale = 1;
    GUARD(duration_whole(s, len, &i, &whole));
    bool digits = i > start;
    if (i < len && s[i] == '.') {
      size_t frac_start = ++i;
      duration_fraction(s, len, &i, &frac, &scale);
      digits = digits || i > frac_start;
    }
    GUARD(digits);
    size_t unit_start = i;
    while (i < len && s[i] != '.' && !is_digit(s[i])) i++;
    const struct duration_unit *unit = duration_unit_find(s + unit_start, i - unit_start);
    GUARD(unit != NULL);
    GUARD(whole <= DURATION_MAGNITUDE_MAX / unit->ns);
    uint64_t v = whole * unit->ns;
    if (frac > 0) {
      /* float64, in Go's order of operations: the result must round alike. */
      v += (uint64_t)((double)frac * ((double)unit->ns / scale));
      GUARD(v <= DURATION_MAGNITUDE_MAX);
    }
    total += v; /* wraps past 2^64 exactly as Go's uint64 does */
    GUARD(total <= DURATION_MAGNITUDE_MAX);
  }
  if (!neg) GUARD(total <= (uint64_t)INT64_MAX);
  *ns = neg ? (int64_t)(0 - total) : (int64_t)total;
  return true;
}
