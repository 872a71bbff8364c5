#include "relay_hostport.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "derp/go.h"

/* ---- addresses ---- */

/* Go's net.AddrError text: "address <addr>: <why>", or <why> alone when the
 * address is empty. */
static void addr_error(char *err, size_t errcap, const char *addr, const char *why) {
  if (addr[0] == '\0')
    snprintf(err, errcap, "%s", why);
  else
    snprintf(err, errcap, "address %s: %s", addr, why);
}

/* The port as net.Listen reads it (net.LookupPort("tcp", s)): a number with
 * an optional sign, any number of digits (an empty one is 0), in 0..65535;
 * or a service name, of which only http and https are known here (Go also
 * asks /etc/services). Go's texts on failure. */
static bool lookup_port(const char *s, int *port, char *err, size_t errcap) {
  const char *d = s + (*s == '+' || *s == '-');
  bool negative = *s == '-';
  size_t digits = strspn(d, "0123456789");
  if (d[digits] == '\0') {
    /* Go saturates at 2^30; only the sign and the range matter after. */
    uint32_t n = 0;
    for (size_t i = 0; i < digits && n < (1u << 30); i++) n = n * 10 + (uint32_t)(d[i] - '0');
    if (negative ? n != 0 : n > 65535) {
      addr_error(err, errcap, s, "invalid port");
      return false;
    }
    *port = (int)n;
    return true;
  }
  if (strcasecmp(s, "https") == 0 || strcasecmp(s, "http") == 0) {
    *port = strcasecmp(s, "https") == 0 ? 443 : 80;
    return true;
  }
  snprintf(err, errcap, "lookup tcp/%s: unknown port", s);
  return false;
}

/* Go's net.SplitHostPort: the port follows the last colon; a host with
 * colons must be bracketed, and no other bracket may appear. */
bool relay_split_host_port_any(const char *addr, char *host, size_t hostcap, int *port, char *err,
                               size_t errcap) {
  const char *colon = strrchr(addr, ':');
  if (colon == NULL) {
    addr_error(err, errcap, addr, "missing port in address");
    return false;
  }
  const char *h = addr;
  size_t hlen = (size_t)(colon - addr);
  const char *no_open = addr, *no_close = addr; /* where stray brackets are looked for */
  if (addr[0] == '[') {
    const char *close = strchr(addr, ']');
    if (close == NULL) {
      addr_error(err, errcap, addr, "missing ']' in address");
      return false;
    }
    if (close + 1 != colon) {
      /* ']' not directly before the last ':' */
      addr_error(err, errcap, addr,
                 close[1] == ':' ? "too many colons in address" : "missing port in address");
      return false;
    }
    h = addr + 1;
    hlen = (size_t)(close - h);
    no_open = addr + 1;
    no_close = close + 1;
  } else if (memchr(addr, ':', hlen) != NULL) {
    addr_error(err, errcap, addr, "too many colons in address");
    return false;
  }
  if (strchr(no_open, '[') != NULL) {
    addr_error(err, errcap, addr, "unexpected '[' in address");
    return false;
  }
  if (strchr(no_close, ']') != NULL) {
    addr_error(err, errcap, addr, "unexpected ']' in address");
    return false;
  }
  if (hlen >= hostcap) {
    addr_error(err, errcap, addr, "host too long");
    return false;
  }
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  return lookup_port(colon + 1, port, err, errcap);
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
