#include "relay_mesh_peers.h"

#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "relay_hostport.h"

static bool copy_text(char *out, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) return false;
  memcpy(out, s, n + 1);
  return true;
}

/* One "host[:port][/dial-host]" entry of len bytes. */
static bool parse_entry(const char *s, size_t len, struct relay_mesh_peer *p, char *err,
                        size_t errcap) {
  char entry[2 * RELAY_MESH_HOST_MAX + 16];
  if (len == 0 || len >= sizeof entry) {
    snprintf(err, errcap, "--mesh-with: %s entry", len == 0 ? "empty" : "overlong");
    return false;
  }
  memcpy(entry, s, len);
  entry[len] = '\0';
  char *slash = strchr(entry, '/');
  if (slash != NULL && strchr(slash + 1, '/') != NULL) {
    snprintf(err, errcap, "--mesh-with: too many components in host tuple \"%s\"", entry);
    return false;
  }
  if (slash != NULL) *slash = '\0';
  const char *host = entry, *dial = slash != NULL ? slash + 1 : NULL;
  if (host[0] == '\0' || (dial != NULL && dial[0] == '\0')) {
    snprintf(err, errcap, "--mesh-with: empty host in \"%.*s\"", (int)len, s);
    return false;
  }
  memset(p, 0, sizeof *p);
  /* A port is present when Go's SplitHostPort accepts the host as host:port. */
  char split_err[300];
  int port = 0;
  if (relay_split_host_port_any(host, p->name, sizeof p->name, &port, split_err,
                                sizeof split_err)) {
    if (port == 0) {
      snprintf(err, errcap, "--mesh-with: port 0 in \"%s\"", host);
      return false;
    }
    p->port = port;
  } else {
    if (!copy_text(p->name, sizeof p->name, host)) {
      snprintf(err, errcap, "--mesh-with: host too long");
      return false;
    }
    /* An IPv6 literal without a port must be bracketed in a URL. */
    const char *colon = strchr(host, ':');
    if (colon != NULL) {
      bool v6 = strchr(colon + 1, ':') != NULL;
      snprintf(err, errcap, "--mesh-with: \"%s\": %s%s", host, split_err,
               v6 ? " (write [v6] or [v6]:port)" : "");
      return false;
    }
    p->port = 443;
  }
  for (const char *c = p->name; *c; c++) {
    if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || strchr("/?#@\\[]", *c)) {
      snprintf(err, errcap, "--mesh-with: bad host \"%s\"", p->name);
      return false;
    }
  }
  if (p->name[0] == '\0') {
    snprintf(err, errcap, "--mesh-with: empty host in \"%s\"", host);
    return false;
  }
  uint8_t ip16[16];
  p->name_is_ip = go_parse_ip(p->name, strlen(p->name), ip16);
  if (!copy_text(p->url_host, sizeof p->url_host, host) ||
      !copy_text(p->dial, sizeof p->dial, dial != NULL ? dial : p->name)) {
    snprintf(err, errcap, "--mesh-with: host too long");
    return false;
  }
  return true;
}

bool relay_mesh_peers_parse(const char *list, struct relay_mesh_peer *out, size_t cap, size_t *n,
                            char *err, size_t errcap) {
  *n = 0;
  for (const char *s = list;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
    if (*n == cap) {
      snprintf(err, errcap, "--mesh-with: more than %zu peers", cap);
      return false;
    }
    if (!parse_entry(s, len, &out[*n], err, errcap)) return false;
    (*n)++;
    if (comma == NULL) return true;
    s = comma + 1;
  }
}

bool relay_mesh_pins_parse(const char *list, char out[][65], size_t cap, size_t *n, char *err,
                           size_t errcap) {
  static const char prefix[] = "sha256-raw:";
  const size_t plen = sizeof prefix - 1;
  *n = 0;
  for (const char *s = list;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
    bool ok = len == plen + 64 && memcmp(s, prefix, plen) == 0;
    for (size_t i = plen; ok && i < len; i++) {
      ok = strchr("0123456789abcdefABCDEF", s[i]) != NULL;
    }
    if (!ok) {
      snprintf(err, errcap, "--mesh-pin: \"%.*s\" is not sha256-raw:<64 hex digits>",
               (int)(len > 100 ? 100 : len), s);
      return false;
    }
    if (*n == cap) {
      snprintf(err, errcap, "--mesh-pin: more than %zu pins", cap);
      return false;
    }
    for (size_t i = 0; i < 64; i++) {
      char c = s[plen + i];
      out[*n][i] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    out[*n][64] = '\0';
    (*n)++;
    if (comma == NULL) return true;
    s = comma + 1;
  }
}
