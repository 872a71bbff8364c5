#include "relay_hostport.h"

#include <stdio.h>
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"

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

bool relay_split_host_port_any(const char *addr, char *host, size_t hostcap, int *port, char *err,
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
  return true;
}

bool relay_split_host_port(const char *addr, char *host, size_t hostcap, int *port, char *err,
                           size_t errcap) {
  if (!relay_split_host_port_any(addr, host, hostcap, port, err, errcap)) return false;
  uint8_t ip[16];
  if (host[0] != '\0' && !go_parse_ip(host, strlen(host), ip)) {
    snprintf(err, errcap, "address %s: host %s is not an IP address", addr, host);
    return false;
  }
  return true;
}
