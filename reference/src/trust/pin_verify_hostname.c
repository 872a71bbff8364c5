/* Go's host name rules as the pin verifier meets them: net.ParseIP,
 * net.IP.String, crypto/tls hostnameInSNI, x509 VerifyHostname and the text
 * of x509.HostnameError, strconv.Quote. Written from Go's behaviour
 * (crypto/x509/verify.go, net/netip); byte-oriented like Go's strings,
 * never allocating. The names handled here are configuration strings and
 * SAN values already bounded by cert_fields, indexed within their lengths;
 * certificate bytes are read through cert_fields' iterators only. */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"

/* --- a bounded string builder: messages are cut, never overrun --- */

struct text_out {
  char *buf;
  size_t cap;
  size_t len;
  bool truncated;
};

static void text_init(struct text_out *t, char *buf, size_t cap) {
  *t = (struct text_out){buf, cap, 0, false};
  if (cap > 0) buf[0] = '\0';
}

static void text_bytes(struct text_out *t, const char *s, size_t n) {
  if (t->cap == 0) {
    t->truncated = t->truncated || n > 0;
    return;
  }
  size_t room = t->cap - 1 - t->len;
  if (n > room) {
    n = room;
    t->truncated = true;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

static void text_str(struct text_out *t, const char *s) { text_bytes(t, s, strlen(s)); }

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
  GUARD(pos == 3);
  out[3] = (uint8_t)val;
  return true;
}

static bool parse_ipv6(const char *s, size_t len, uint8_t ip[16]) {
  memset(ip, 0, 16);
  GUARD(memchr(s, '%', len) == NULL); /* ParseIP refuses zones */
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

bool go_parse_ip(const char *s, size_t len, uint8_t out[16]) {
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '.') {
      static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      memcpy(out, mapped_prefix, 12);
      return parse_ipv4_fields(s, len, out + 12);
    }
    if (s[i] == ':') return parse_ipv6(s, len, out);
    if (s[i] == '%') return false;
  }
  return false;
}

/* --- net.IP.String --- */

static bool is_ipv4_mapped(const uint8_t ip[16]) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(ip, prefix, 12) == 0;
}

bool go_ip_string(const uint8_t *ip, size_t len, char *out, size_t cap) {
  GUARD(len == 4 || len == 16);
  if (len == 16 && is_ipv4_mapped(ip)) ip += 12, len = 4;
  int n;
  if (len == 4) {
    n = snprintf(out, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return n > 0 && (size_t)n < cap;
  }
  unsigned group[8];
  for (int i = 0; i < 8; i++) group[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
  /* RFC 5952: the first longest run of two or more zero groups becomes "::". */
  int zero_start = -1, zero_end = -1;
  for (int i = 0; i < 8; i++) {
    int j = i;
    while (j < 8 && group[j] == 0) j++;
    if (j - i >= 2 && j - i > zero_end - zero_start) {
      zero_start = i;
      zero_end = j;
    }
  }
  struct text_out t;
  text_init(&t, out, cap);
  for (int i = 0; i < 8; i++) {
    if (i == zero_start) {
      text_str(&t, "::");
      i = zero_end - 1;
      continue;
    }
    if (i > 0 && i != zero_end) text_str(&t, ":");
    char hex[8];
    snprintf(hex, sizeof hex, "%x", group[i]);
    text_str(&t, hex);
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

/* --- x509 host name matching --- */

static char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool equal_fold_ascii(const char *a, size_t alen, const char *b, size_t blen) {
  GUARD(alen == blen);
  for (size_t i = 0; i < alen; i++) GUARD(lower_ascii(a[i]) == lower_ascii(b[i]));
  return true;
}

/* validHostname: labels of [A-Za-z0-9_-] ('-' not first), no empty label;
 * a pattern may start with a whole "*" label; an input may end in one '.'. */
static bool valid_hostname(const char *h, size_t len, bool is_pattern) {
  if (!is_pattern && len > 0 && h[len - 1] == '.') len--;
  GUARD(len > 0);
  size_t label_start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && h[i] != '.') continue;
    size_t label_len = i - label_start;
    GUARD(label_len > 0);
    bool wildcard = is_pattern && label_start == 0 && label_len == 1 && h[0] == '*';
    for (size_t j = label_start; j < i && !wildcard; j++) {
      char c = h[j];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || (c == '-' && j != label_start);
      GUARD(ok);
    }
    label_start = i + 1;
  }
  return true;
}

/* matchHostnames: same label count, the pattern's first label may be "*",
 * case-insensitive, the host's one trailing dot ignored. */
static bool match_hostnames(const char *pattern, size_t plen, const char *host, size_t hlen) {
  if (hlen > 0 && host[hlen - 1] == '.') hlen--;
  GUARD(plen > 0 && hlen > 0);
  size_t pi = 0, hi = 0;
  bool first = true;
  for (;;) {
    size_t pe = pi, he = hi;
    while (pe < plen && pattern[pe] != '.') pe++;
    while (he < hlen && host[he] != '.') he++;
    bool wildcard = first && pe - pi == 1 && pattern[pi] == '*';
    GUARD(wildcard || equal_fold_ascii(pattern + pi, pe - pi, host + hi, he - hi));
    bool p_done = pe == plen, h_done = he == hlen;
    GUARD(p_done == h_done);
    if (p_done) return true;
    pi = pe + 1;
    hi = he + 1;
    first = false;
  }
}

static bool match_exactly(const char *a, size_t alen, const char *b, size_t blen) {
  GUARD(!(alen == 0 || (alen == 1 && a[0] == '.')));
  GUARD(!(blen == 0 || (blen == 1 && b[0] == '.')));
  return equal_fold_ascii(a, alen, b, blen);
}

/* Go only reads extensions of v3 certificates; the SAN names it keeps are
 * primitive [2] dNSName and [7] iPAddress (4 or 16 bytes). */
static bool next_san(struct cert_san_iter *it, uint8_t identifier, struct der_slice *v) {
  unsigned tag;
  while (cert_san_next(it, &tag, v))
    if (it->identifier == identifier) return true;
  return false;
}

static void san_iter_for_go(const struct cert_fields *f, struct cert_san_iter *it) {
  cert_san_iter_init(f, it);
  if (f->version != 3) it->pos = it->end = NULL;
}

#define GO_CN_MAX 1024

static bool verify_ip(const struct cert_fields *f, const uint8_t want[16]) {
  struct cert_san_iter it;
  struct der_slice v;
  san_iter_for_go(f, &it);
  while (next_san(&it, 0x87, &v)) {
    if (v.len == 16 && memcmp(v.ptr, want, 16) == 0) return true;
    if (v.len == 4 && is_ipv4_mapped(want) && memcmp(v.ptr, want + 12, 4) == 0) return true;
  }
  return false;
}

static bool verify_dns(const struct cert_fields *f, const char *host, size_t hlen) {
  const bool valid_input = valid_hostname(host, hlen, false);
  struct cert_san_iter it;
  struct der_slice v;
  san_iter_for_go(f, &it);
  while (next_san(&it, 0x82, &v)) {
    const char *name = (const char *)v.ptr;
    if (valid_input && valid_hostname(name, v.len, true)) {
      if (match_hostnames(name, v.len, host, hlen)) return true;
    } else if (match_exactly(name, v.len, host, hlen)) {
      return true;
    }
  }
  return false;
}

/* x509.HostnameError.Error() */
static void hostname_error_text(const struct cert_fields *f, const char *host, size_t hlen,
                                struct text_out *t) {
  char cn[GO_CN_MAX];
  size_t cn_len = go_common_name(f, cn, sizeof cn);
  const bool has_san_ext = f->version == 3 && f->has_san;
  if (!has_san_ext && cn_len < sizeof cn && match_hostnames(cn, cn_len, host, hlen)) {
    text_str(t, "x509: certificate relies on legacy Common Name field, use SANs instead");
    return;
  }
  struct cert_san_iter it;
  struct der_slice v;
  uint8_t ip[16];
  size_t listed = 0;
  struct text_out valid;
  char valid_buf[PIN_VERIFY_MESSAGE_MAX];
  text_init(&valid, valid_buf, sizeof valid_buf);
  if (go_parse_ip(host, hlen, ip)) {
    san_iter_for_go(f, &it);
    while (next_san(&it, 0x87, &v)) {
      char s[64];
      if (!go_ip_string(v.ptr, v.len, s, sizeof s)) continue;
      if (listed++ > 0) text_str(&valid, ", ");
      text_str(&valid, s);
    }
    if (listed == 0) {
      text_str(t, "x509: cannot validate certificate for ");
      text_bytes(t, host, hlen);
      text_str(t, " because it doesn't contain any IP SANs");
      return;
    }
  } else {
    san_iter_for_go(f, &it);
    while (next_san(&it, 0x82, &v)) {
      if (listed++ > 0) text_str(&valid, ", ");
      text_bytes(&valid, (const char *)v.ptr, v.len);
    }
  }
  if (valid.len == 0) {
    text_str(t, "x509: certificate is not valid for any names, but wanted to match ");
    text_bytes(t, host, hlen);
    return;
  }
  text_str(t, "x509: certificate is valid for ");
  text_bytes(t, valid.buf, valid.len);
  t->truncated = t->truncated || valid.truncated;
  text_str(t, ", not ");
  text_bytes(t, host, hlen);
}

bool go_verify_hostname(const struct cert_fields *f, const char *host, char *err_out,
                        size_t err_cap) {
  if (host == NULL) host = "";
  size_t hlen = strlen(host);
  /* IP literals may come in brackets; the error then names the bare IP. */
  const char *candidate = host;
  size_t clen = hlen;
  if (hlen >= 3 && host[0] == '[' && host[hlen - 1] == ']') {
    candidate = host + 1;
    clen = hlen - 2;
  }
  uint8_t ip[16];
  struct text_out t;
  text_init(&t, err_out, err_cap);
  if (go_parse_ip(candidate, clen, ip)) {
    if (verify_ip(f, ip)) return true;
    hostname_error_text(f, candidate, clen, &t);
    return false;
  }
  if (verify_dns(f, host, hlen)) return true;
  hostname_error_text(f, host, hlen, &t);
  return false;
}

/* --- strconv.Quote --- */

size_t go_utf8_rune(const uint8_t *s, size_t len, uint32_t *rune) {
  if (len == 0) return 0;
  uint8_t b = s[0];
  size_t n;
  uint32_t r, min;
  if (b < 0x80) {
    *rune = b;
    return 1;
  } else if ((b & 0xe0) == 0xc0) {
    n = 2, r = b & 0x1f, min = 0x80;
  } else if ((b & 0xf0) == 0xe0) {
    n = 3, r = b & 0x0f, min = 0x800;
  } else if ((b & 0xf8) == 0xf0) {
    n = 4, r = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n > len) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    r = (r << 6) | (s[i] & 0x3f);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return 0;
  *rune = r;
  return n;
}

/* unicode.IsPrint, approximated outside ASCII: C1 controls, the soft
 * hyphen, line/paragraph separators, BOM and noncharacters U+FFFE/U+FFFF
 * are escaped, everything else printed (Go also escapes unassigned code
 * points, which this table does not know). */
static bool rune_printable(uint32_t r) {
  if (r < 0x80) return r >= 0x20 && r != 0x7f;
  if (r < 0xa0 || r == 0xad || r == 0x2028 || r == 0x2029 || r == 0xfeff) return false;
  return (r & 0xfffe) != 0xfffe;
}

bool go_quote(const char *s, char *out, size_t cap) {
  struct text_out t;
  text_init(&t, out, cap);
  const uint8_t *p = (const uint8_t *)(s != NULL ? s : "");
  size_t len = strlen((const char *)p);
  text_str(&t, "\"");
  for (size_t i = 0; i < len;) {
    uint32_t r;
    size_t n = go_utf8_rune(p + i, len - i, &r);
    char esc[16];
    if (n == 0) {
      snprintf(esc, sizeof esc, "\\x%02x", p[i]);
      text_str(&t, esc);
      i++;
      continue;
    }
    if (r == '"' || r == '\\') {
      esc[0] = '\\', esc[1] = (char)r, esc[2] = '\0';
      text_str(&t, esc);
    } else if (rune_printable(r)) {
      text_bytes(&t, (const char *)p + i, n);
    } else {
      static const char letters[] = "abtnvfr"; /* \a=7 .. \r=13 */
      if (r >= 7 && r <= 13) snprintf(esc, sizeof esc, "\\%c", letters[r - 7]);
      else if (r < 0x20 || r == 0x7f) snprintf(esc, sizeof esc, "\\x%02x", (unsigned)r);
      else if (r < 0x10000) snprintf(esc, sizeof esc, "\\u%04x", (unsigned)r);
      else snprintf(esc, sizeof esc, "\\U%08x", (unsigned)r);
      text_str(&t, esc);
    }
    i += n;
  }
  text_str(&t, "\"");
  return !t.truncated;
}
