#include "relay_go_syntax.h"

#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"

#define NS_PER_SECOND INT64_C(1000000000)

/* ---- Go duration syntax (time.ParseDuration) ---- */

struct duration_unit {
  const char *name;
  int64_t ns;
};

static const struct duration_unit duration_units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC greek mu */
    {"ms", 1000000},
    {"s", NS_PER_SECOND},
    {"m", 60 * NS_PER_SECOND},
    {"h", 3600 * NS_PER_SECOND},
};

static const struct duration_unit *duration_unit_find(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
    if (strlen(duration_units[i].name) == n && memcmp(duration_units[i].name, s, n) == 0) {
      return &duration_units[i];
    }
  }
  return NULL;
}

/* One "<int>[.<frac>]<unit>" component; adds its value to *total. */
static bool duration_component(const char **sp, uint64_t *total) {
  const char *s = *sp;
  uint64_t whole = 0;
  bool digits = false;
  while (*s >= '0' && *s <= '9') {
    ENSURE(whole <= (UINT64_MAX - 9) / 10, false);
    whole = whole * 10 + (uint64_t)(*s - '0');
    digits = true;
    s++;
  }
  /* Fraction kept as numerator/scale, digits beyond what int64 ns can use are
   * dropped (Go does the same). */
  uint64_t frac = 0, scale = 1;
  if (*s == '.') {
    s++;
    while (*s >= '0' && *s <= '9') {
      if (scale <= UINT64_MAX / 100) {
        frac = frac * 10 + (uint64_t)(*s - '0');
        scale *= 10;
      }
      digits = true;
      s++;
    }
  }
  ENSURE(digits, false);
  const char *u = s;
  while (*s != '\0' && *s != '.' && !(*s >= '0' && *s <= '9')) s++;
  const struct duration_unit *unit = duration_unit_find(u, (size_t)(s - u));
  ENSURE(unit != NULL, false);
  uint64_t unit_ns = (uint64_t)unit->ns;
  ENSURE(whole <= (uint64_t)INT64_MAX / unit_ns, false);
  uint64_t v = whole * unit_ns;
  if (frac > 0) {
    /* frac/scale * unit_ns without overflow: unit_ns <= 3.6e12, scale <= 1e17. */
    long double add = (long double)frac * (long double)unit_ns / (long double)scale;
    v += (uint64_t)add;
  }
  ENSURE(v <= (uint64_t)INT64_MAX && *total <= (uint64_t)INT64_MAX - v, false);
  *total += v;
  *sp = s;
  return true;
}

bool relay_parse_duration(const char *s, int64_t *ns) {
  ENSURE(s != NULL && ns != NULL, false);
  bool neg = false;
  if (*s == '-' || *s == '+') {
    neg = *s == '-';
    s++;
  }
  if (strcmp(s, "0") == 0) {
    *ns = 0;
    return true;
  }
  ENSURE(*s != '\0', false);
  uint64_t total = 0;
  while (*s != '\0') GUARD(duration_component(&s, &total));
  *ns = neg ? -(int64_t)total : (int64_t)total;
  return true;
}

/* ---- addresses ---- */

static bool parse_port(const char *s, int *port) {
  if (strcmp(s, "https") == 0) {
    *port = 443;
    return true;
  }
  if (strcmp(s, "http") == 0) {
    *port = 80;
    return true;
  }
  ENSURE(*s != '\0' && strlen(s) <= 5, false);
  int v = 0;
  for (; *s != '\0'; s++) {
    ENSURE(*s >= '0' && *s <= '9', false);
    v = v * 10 + (*s - '0');
  }
  ENSURE(v <= 65535, false);
  *port = v;
  return true;
}

bool relay_split_host_port(const char *addr, char *host, size_t hostcap, int *port, char *err,
                           size_t errcap) {
  const char *colon = strrchr(addr, ':');
  if (colon == NULL) {
    snprintf(err, errcap, "address %s: missing port in address", addr);
    return false;
  }
  const char *h = addr;
  size_t hlen = (size_t)(colon - addr);
  if (addr[0] == '[') {
    const char *close = strchr(addr, ']');
    if (close == NULL) {
      snprintf(err, errcap, "address %s: missing ']' in address", addr);
      return false;
    }
    if (close + 1 != colon) {
      /* ']' not directly before the last ':' */
      snprintf(err, errcap, "address %s: %s in address", addr,
               close[1] == ':' ? "too many colons" : "missing port");
      return false;
    }
    h = addr + 1;
    hlen = (size_t)(close - h);
    if (memchr(h, '[', hlen) != NULL) {
      snprintf(err, errcap, "address %s: unexpected '[' in address", addr);
      return false;
    }
  } else {
    if (memchr(addr, ':', hlen) != NULL) {
      snprintf(err, errcap, "address %s: too many colons in address", addr);
      return false;
    }
    if (memchr(addr, '[', hlen) != NULL || memchr(addr, ']', hlen) != NULL) {
      snprintf(err, errcap, "address %s: unexpected '[' in address", addr);
      return false;
    }
  }
  if (strchr(colon + 1, ']') != NULL || strchr(colon + 1, '[') != NULL) {
    snprintf(err, errcap, "address %s: unexpected ']' in address", addr);
    return false;
  }
  if (hlen >= hostcap) {
    snprintf(err, errcap, "address %s: host too long", addr);
    return false;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  if (!parse_port(colon + 1, port)) {
    snprintf(err, errcap, "address %s: invalid port %s (want 0..65535)", addr, colon + 1);
    return false;
  }
  uint8_t ip[16];
  if (host[0] != '\0' && !go_parse_ip(host, hlen, ip)) {
    snprintf(err, errcap, "address %s: host %s is not an IP address", addr, host);
    return false;
  }
  return true;
}
