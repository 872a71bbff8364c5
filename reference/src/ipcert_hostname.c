/* ipcert (c), step 4: Go's (*x509.Certificate).VerifyHostname and the text
 * of its HostnameError, so "cert invalid for hostname" reads as derper's. */
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/ipcert.h"

/* A message buffer that truncates instead of overflowing. */
struct text {
  char *buf;
  size_t cap;
  size_t len;
};

static void text_add(struct text *t, const char *s, size_t n) {
  if (t->cap == 0) return;
  size_t room = t->cap - 1 - t->len;
  if (n > room) n = room;
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

static void text_str(struct text *t, const char *s) { text_add(t, s, strlen(s)); }

/* Go's net.IP.String(): dotted IPv4 for 4-byte and IPv4-mapped addresses,
 * else RFC 5952 (lowercase, longest run of >= 2 zero groups as "::"). */
static void ip_string(const uint8_t *ip, size_t len, char out[48]) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (len == 16 && memcmp(ip, mapped, sizeof mapped) == 0) {
    ip += 12;
    len = 4;
  }
  if (len == 4) {
    snprintf(out, 48, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return;
  }
  unsigned groups[8];
  for (int i = 0; i < 8; i++) groups[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && groups[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  size_t n = 0;
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      n += (size_t)snprintf(out + n, 48 - n, "::");
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) n += (size_t)snprintf(out + n, 48 - n, ":");
    n += (size_t)snprintf(out + n, 48 - n, "%x", groups[i]);
  }
}

static char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Labels of [A-Za-z0-9_-] (no leading '-'), no empty label; a pattern may
 * start with a "*" label; an input may end with one '.'. */
static bool valid_hostname(const char *h, size_t n, bool pattern) {
  if (!pattern && n > 0 && h[n - 1] == '.') n--;
  GUARD(n > 0 && !(n == 1 && h[0] == '*'));
  size_t label_start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && h[i] != '.') continue;
    size_t llen = i - label_start;
    GUARD(llen > 0);
    bool wildcard = pattern && label_start == 0 && llen == 1 && h[0] == '*';
    for (size_t j = label_start; j < i && !wildcard; j++) {
      char c = h[j];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                (c == '-' && j != label_start);
      GUARD(ok);
    }
    label_start = i + 1;
  }
  return true;
}

/* Go's matchHostnames: same label count, labels equal ignoring ASCII case,
 * a leftmost "*" label matches any one label; host's trailing '.' ignored. */
static bool match_hostnames(const char *pat, size_t plen, const char *host, size_t hlen) {
  if (hlen > 0 && host[hlen - 1] == '.') hlen--;
  GUARD(plen > 0 && hlen > 0);
  size_t pi = 0, hi = 0;
  for (bool first = true;; first = false) {
    size_t pe = pi, he = hi;
    while (pe < plen && pat[pe] != '.') pe++;
    while (he < hlen && host[he] != '.') he++;
    bool star = first && pe - pi == 1 && pat[pi] == '*';
    if (!star) {
      GUARD(pe - pi == he - hi);
      for (size_t k = 0; k < pe - pi; k++) GUARD(lower_ascii(pat[pi + k]) == lower_ascii(host[hi + k]));
    }
    bool pat_done = pe == plen, host_done = he == hlen;
    if (pat_done || host_done) return pat_done && host_done;
    pi = pe + 1;
    hi = he + 1;
  }
}

static bool match_exactly(const char *a, size_t alen, const char *b, size_t blen) {
  GUARD(alen > 0 && !(alen == 1 && a[0] == '.') && blen > 0 && !(blen == 1 && b[0] == '.'));
  GUARD(alen == blen);
  for (size_t i = 0; i < alen; i++) GUARD(lower_ascii(a[i]) == lower_ascii(b[i]));
  return true;
}

static bool ip_equal(const uint8_t *san, int san_len, const uint8_t want16[16]) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (san_len == 16) return memcmp(san, want16, 16) == 0;
  return san_len == 4 && memcmp(want16, mapped, 12) == 0 && memcmp(want16 + 12, san, 4) == 0;
}

/* The subject's last CN, as Go's pkix.Name keeps it. */
static bool last_cn(X509 *x, const char **cn, size_t *len) {
  X509_NAME *name = X509_get_subject_name(x);
  int idx = -1;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i))
    idx = i;
  GUARD(idx >= 0);
  ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  GUARD(s != NULL);
  *cn = (const char *)ASN1_STRING_get0_data(s);
  *len = (size_t)ASN1_STRING_length(s);
  return true;
}

/* Go's HostnameError.Error(). */
static void hostname_error(X509 *leaf, GENERAL_NAMES *sans, const char *host, bool host_is_ip, char *err,
                           size_t err_cap) {
  struct text t = {err, err_cap, 0};
  if (err_cap > 0) err[0] = '\0';
  const char *cn;
  size_t cn_len;
  if (X509_get_ext_by_NID(leaf, NID_subject_alt_name, -1) < 0 && last_cn(leaf, &cn, &cn_len) &&
      match_hostnames(cn, cn_len, host, strlen(host))) {
    text_str(&t, "x509: certificate relies on legacy Common Name field, use SANs instead");
    return;
  }
  unsigned listed = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
    char ip[48];
    if (host_is_ip && gn->type == GEN_IPADD && (gn->d.ip->length == 4 || gn->d.ip->length == 16)) {
      ip_string(gn->d.ip->data, (size_t)gn->d.ip->length, ip);
      if (listed++ == 0) text_str(&t, "x509: certificate is valid for ");
      else text_str(&t, ", ");
      text_str(&t, ip);
    } else if (!host_is_ip && gn->type == GEN_DNS) {
      if (listed++ == 0) text_str(&t, "x509: certificate is valid for ");
      else text_str(&t, ", ");
      text_add(&t, (const char *)gn->d.dNSName->data, (size_t)gn->d.dNSName->length);
    }
  }
  if (listed > 0) {
    text_str(&t, ", not ");
    text_str(&t, host);
  } else if (host_is_ip) {
    text_str(&t, "x509: cannot validate certificate for ");
    text_str(&t, host);
    text_str(&t, " because it doesn't contain any IP SANs");
  } else {
    text_str(&t, "x509: certificate is not valid for any names, but wanted to match ");
    text_str(&t, host);
  }
}

static bool san_matches(GENERAL_NAMES *sans, const char *host, bool host_is_ip, const uint8_t ip16[16]) {
  size_t hlen = strlen(host);
  bool valid_host = !host_is_ip && valid_hostname(host, hlen, false);
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
    if (host_is_ip) {
      if (gn->type == GEN_IPADD && ip_equal(gn->d.ip->data, gn->d.ip->length, ip16)) return true;
      continue;
    }
    if (gn->type != GEN_DNS) continue;
    const char *pat = (const char *)gn->d.dNSName->data;
    size_t plen = (size_t)gn->d.dNSName->length;
    bool hit = (valid_host && valid_hostname(pat, plen, true)) ? match_hostnames(pat, plen, host, hlen)
                                                                : match_exactly(pat, plen, host, hlen);
    if (hit) return true;
  }
  return false;
}

enum ipcert_status ipcert_verify_hostname(X509 *leaf, const char *hostname, char *err, size_t err_cap) {
  ENSURE(leaf != NULL && hostname != NULL && strlen(hostname) <= IPCERT_HOSTNAME_MAX, IPCERT_ERR_ARG);
  /* An IP may be written in brackets; the error then names it without. */
  char candidate[IPCERT_HOSTNAME_MAX + 1];
  size_t hlen = strlen(hostname);
  const char *host = hostname;
  if (hlen >= 3 && hostname[0] == '[' && hostname[hlen - 1] == ']') {
    memcpy(candidate, hostname + 1, hlen - 2);
    candidate[hlen - 2] = '\0';
    host = candidate;
  }
  uint8_t ip16[16];
  bool is_v4;
  bool host_is_ip = ipcert_parse_ip(host, ip16, &is_v4);
  if (!host_is_ip) host = hostname;

  GENERAL_NAMES *sans = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
  bool ok = san_matches(sans, host, host_is_ip, ip16);
  if (!ok) hostname_error(leaf, sans, host, host_is_ip, err, err_cap);
  GENERAL_NAMES_free(sans);
  return ok ? IPCERT_OK : IPCERT_ERR_HOSTNAME;
}
