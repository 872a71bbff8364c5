/* x509's host-name rules as the pin verifier meets them: VerifyHostname
 * and the text of x509.HostnameError. Written from Go's behaviour
 * (crypto/x509/verify.go); the names handled here are configuration strings
 * and SAN values already bounded by cert_fields, indexed within their
 * lengths; certificate bytes are read through cert_fields' iterators only.
 * The Go rules that need no certificate (net.ParseIP, %q) are in go/. */
#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/cert_fields.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/pin_verify.h"

/* --- x509 host name matching --- */

static bool equal_fold_ascii(const char *a, size_t alen, const char *b, size_t blen) {
  GUARD(alen == blen);
  for (size_t i = 0; i < alen; i++) GUARD(go_lower_ascii(a[i]) == go_lower_ascii(b[i]));
  return true;
}

/* validHostname: labels of [A-Za-z0-9_-] ('-' not first), no empty label;
 * a pattern may start with a whole "*" label but not be "*" alone; an input
 * may end in one '.'. */
static bool valid_hostname(const char *h, size_t len, bool is_pattern) {
  if (!is_pattern && len > 0 && h[len - 1] == '.') len--;
  GUARD(len > 0);
  GUARD(!(len == 1 && h[0] == '*'));
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
 * case-insensitive, the host's one trailing dot ignored. An empty host is
 * one empty label (strings.Split), which a pattern "*" matches. */
static bool match_hostnames(const char *pattern, size_t plen, const char *host, size_t hlen) {
  if (hlen > 0 && host[hlen - 1] == '.') hlen--;
  GUARD(plen > 0);
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

/* matchExactly: neither name "" nor ".", equal under ASCII case folding.
 * Equal names have equal lengths, so testing one of them is enough. */
static bool match_exactly(const char *a, size_t alen, const char *b, size_t blen) {
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
    if (v.len == 4 && go_ip_is_v4(want) && memcmp(v.ptr, want + 12, 4) == 0) return true;
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

/* HostnameError names at most this many SANs; from this many on it only
 * counts them (maxNamesIncluded). */
#define GO_MAX_NAMES_INCLUDED 100

/* x509.HostnameError.Error() */
static void hostname_error_text(const struct cert_fields *f, const char *host, size_t hlen,
                                struct text_out *t) {
  char cn[GO_CN_MAX];
  size_t cn_len = go_common_name(f, cn, sizeof cn);
  const bool has_san_ext = f->version == 3 && f->has_san;
  if (!has_san_ext && cn_len < sizeof cn && match_hostnames(cn, cn_len, host, hlen)) {
    text_out_str(t, "x509: certificate relies on legacy Common Name field, use SANs instead");
    return;
  }
  struct cert_san_iter it;
  struct der_slice v;
  uint8_t ip[16];
  const bool is_ip = go_parse_ip(host, hlen, ip);
  const uint8_t kind = is_ip ? 0x87 : 0x82;
  /* How many names of the kind, and whether their list (", "-joined)
   * would be empty: only when it is one empty dNSName or none. */
  size_t names = 0;
  bool empty_list = true;
  san_iter_for_go(f, &it);
  while (next_san(&it, kind, &v)) {
    names++;
    empty_list = empty_list && names == 1 && v.len == 0;
  }
  if (is_ip && names == 0) {
    text_out_str(t, "x509: cannot validate certificate for ");
    text_out_bytes(t, host, hlen);
    text_out_str(t, " because it doesn't contain any IP SANs");
    return;
  }
  if (names >= GO_MAX_NAMES_INCLUDED) {
    char head[96];
    snprintf(head, sizeof head, "x509: certificate is valid for %zu %s, but none matched ", names,
             is_ip ? "IP SANs" : "names");
    text_out_str(t, head);
    text_out_bytes(t, host, hlen);
    return;
  }
  if (empty_list) {
    text_out_str(t, "x509: certificate is not valid for any names, but wanted to match ");
    text_out_bytes(t, host, hlen);
    return;
  }
  text_out_str(t, "x509: certificate is valid for ");
  san_iter_for_go(f, &it);
  for (size_t i = 0; next_san(&it, kind, &v); i++) {
    if (i > 0) text_out_str(t, ", ");
    char s[64];
    /* IPs are 4 or 16 bytes: go_parse_certificate refuses other lengths. */
    if (!is_ip)
      text_out_bytes(t, (const char *)v.ptr, v.len);
    else if (go_ip_string(v.ptr, v.len, s, sizeof s))
      text_out_str(t, s);
  }
  text_out_str(t, ", not ");
  text_out_bytes(t, host, hlen);
}

bool go_verify_hostname(const struct cert_fields *f, const char *host, char *err_out,
                        size_t err_cap) {
  if (host == NULL) host = ""; /* the C API's NULL for Go's "" */
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
  text_out_init(&t, err_out, err_cap);
  if (go_parse_ip(candidate, clen, ip)) {
    if (verify_ip(f, ip)) return true;
    hostname_error_text(f, candidate, clen, &t);
    return false;
  }
  if (verify_dns(f, host, hlen)) return true;
  hostname_error_text(f, host, hlen, &t);
  return false;
}
