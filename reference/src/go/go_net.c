/* Go's net package as the C code meets it: net.ParseIP, net.IP.String,
 * and crypto/tls's hostnameInSNI (an IP test on a name). Written from Go's
 * behaviour (net/netip, crypto/tls); never allocating. */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"

/* --- net.ParseIP (netip.ParseAddr, zones refused) --- */

static bool parse_ipv4_fields(const char *s, size_t len, uint8_t out[4]) {
  unsigned val = 0, digits = 0, pos = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      GUARD(!(digits == 1 && val == 0)); /* leading zero */
      val = val * 10 + (unsigned)(c - '0');
      digits++;
      GUARD(val <= 255);
    } else if (c == '.') {
      GUARD(i != 0 && i != len - 1 && s[i - 1] != '.');
      GUARD(pos < 3);
      out[pos++] = (uint8_t)val;
      val = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  GUARD(pos >= 3); /* "IPv4 address too short"; the loop refused a fourth dot */
  out[3] = (uint8_t)val;
  return true;
}

static bool parse_ipv6(const char *s, size_t len, uint8_t ip[16]) {
  memset(ip, 0, 16);
  /* ParseIP refuses zones: a '%' fails below like any other stray byte. */
  int ellipsis = -1;
  size_t p = 0;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    p = 2;
    if (p == len) return true;
  }
  size_t i = 0;
  while (i < 16) {
    size_t off = 0;
    uint32_t acc = 0;
    for (; p + off < len; off++) {
      int h = derp_hex_digit_value(s[p + off]);
      if (h < 0) break;
      acc = (acc << 4) + (uint32_t)h;
      GUARD(off <= 3);
    }
    GUARD(off > 0);
    if (p + off < len && s[p + off] == '.') {
      GUARD(!(ellipsis < 0 && i != 12));
      GUARD(i + 4 <= 16);
      GUARD(parse_ipv4_fields(s + p, len - p, ip + i));
      p = len;
      i += 4;
      break;
    }
    ip[i] = (uint8_t)(acc >> 8);
    ip[i + 1] = (uint8_t)acc;
    i += 2;
    p += off;
    if (p == len) break;
    GUARD(s[p] == ':');
    GUARD(p + 1 < len);
    p++;
    if (s[p] == ':') {
      GUARD(ellipsis < 0);
      ellipsis = (int)i;
      p++;
      if (p == len) break;
    }
  }
  GUARD(p == len);
  if (i < 16) {
    GUARD(ellipsis >= 0);
    size_t n = 16 - i;
    for (int j = (int)i - 1; j >= ellipsis; j--) ip[j + (int)n] = ip[j];
    memset(ip + ellipsis, 0, n);
  } else {
    GUARD(ellipsis < 0); /* "::" must stand for at least one zero group */
  }
  return true;
}

/* netip.ParseAddr's dispatch on the first '.' or ':' (its '%' case only
 * names the error: neither parser takes a '%'). */
bool go_parse_ip(const char *s, size_t len, uint8_t out[16]) {
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      memcpy(out, mapped_prefix, 12);
      return parse_ipv4_fields(s, len, out + 12);
    }
    if (s[i] == ':') return parse_ipv6(s, len, out);
  }
  return false;
}

/* --- net.IP.String --- */

bool go_ip_is_v4(const uint8_t ip[16]) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(ip, prefix, 12) == 0;
}

bool go_ip_string(const uint8_t *ip, size_t len, char *out, size_t cap) {
  GUARD(len == 4 || len == 16);
  if (len == 16 && go_ip_is_v4(ip)) ip += 12, len = 4;
  int n;
  if (len == 4) {
    n = snprintf(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return (size_t)n < cap; /* a negative n (never) is huge as size_t */
  }
  unsigned group[8];
  for (int i = 0; i < 8; i++) group[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
  /* RFC 5952: the first longest run of two or more zero groups becomes "::"
   * (a run must beat length 1). */
  int zero_start = -1, zero_len = 1;
  for (int i = 0; i < 8; i++) {
    int j = i;
    while (j < 8 && group[j] == 0) j++;
    if (j - i > zero_len) {
      zero_start = i;
      zero_len = j - i;
    }
  }
  const int zero_end = zero_start + zero_len;
  struct text_out t;
  text_out_init(&t, out, cap);
  for (int i = 0; i < 8; i++) {
    if (i == zero_start) {
      text_out_str(&t, "::");
      i = zero_end - 1;
      continue;
    }
    if (i > 0 && i != zero_end) text_out_str(&t, ":");
    char hex[8];
    snprintf(hex, sizeof hex, "%x", group[i]);
    text_out_str(&t, hex);
  }
  return !t.truncated;
}

/* --- crypto/tls hostnameInSNI --- */

void go_hostname_in_sni(const char *name, char *out, size_t cap) {
  if (cap == 0) return;
  out[0] = '\0';
  if (name == NULL) return;
  size_t len = strlen(name);
  const char *host = name;
  size_t host_len = len;
  if (host_len > 0 && host[0] == '[' && host[host_len - 1] == ']') {
    host++;
    host_len -= 2;
  }
  for (size_t i = host_len; i > 1; i--) {
    if (host[i - 1] == '%') {
      host_len = i - 1;
      break;
    }
  }
  uint8_t ip[16];
  if (go_parse_ip(host, host_len, ip)) return;
  while (len > 0 && name[len - 1] == '.') len--;
  if (len >= cap) len = cap - 1;
  memcpy(out, name, len);
  out[len] = '\0';
}
