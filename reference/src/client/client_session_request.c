/* The HTTP upgrade request that opens a DERP connection (spec §3.3, §6.1),
 * byte for byte as Go's net/http writes derphttp's request. */
#include <string.h>

#include "derp/client_session.h"
#include "derp/guard.h"

/* A Host value that cannot change the request's meaning: visible ASCII
 * without the URL delimiters Go would have split the URL at. */
static bool host_is_safe(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c >= 0x7f || strchr("/?#@\\", c)) return false;
  }
  return true;
}

static bool header_value_is_safe(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/* An IPv6 literal (two colons or more) goes in brackets; one colon is
 * "host:port", as a URL with a port gives it (a mesh peer's). */
static bool needs_brackets(const char *host) {
  const char *colon = strchr(host, ':');
  return host[0] != '[' && colon != NULL && strchr(colon + 1, ':') != NULL;
}

static bool write_request(struct byte_writer *w, const char *host, const char *ideal_node,
                          bool fast_start) {
  bool bracket = needs_brackets(host);
  GUARD(byte_writer_str(w, "GET /derp HTTP/1.1\r\nHost: "));
  GUARD(!bracket || byte_writer_str(w, "["));
  GUARD(byte_writer_str(w, host));
  GUARD(!bracket || byte_writer_str(w, "]"));
  GUARD(byte_writer_str(w, "\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\n"));
  GUARD(!fast_start || byte_writer_str(w, "Derp-Fast-Start: 1\r\n"));
  if (ideal_node && *ideal_node) {
    GUARD(byte_writer_str(w, "Ideal-Node: "));
    GUARD(byte_writer_str(w, ideal_node));
    GUARD(byte_writer_str(w, "\r\n"));
  }
  return byte_writer_str(w, "Upgrade: DERP\r\n\r\n");
}

bool derp_client_write_upgrade_request(struct byte_writer *w, const char *host,
                                       const char *ideal_node, bool fast_start) {
  GUARD(host_is_safe(host));
  GUARD(!ideal_node || header_value_is_safe(ideal_node));
  size_t saved = w->len;
  if (write_request(w, host, ideal_node, fast_start)) return true;
  w->len = saved;
  return false;
}

bool derp_client_write_websocket_request(struct byte_writer *w, const char *host, const char *key) {
  GUARD(host_is_safe(host) && key != NULL && header_value_is_safe(key));
  size_t saved = w->len;
  bool bracket = needs_brackets(host);
  bool ok = byte_writer_str(w, "GET /derp HTTP/1.1\r\nHost: ") &&
            (!bracket || byte_writer_str(w, "[")) && byte_writer_str(w, host) &&
            (!bracket || byte_writer_str(w, "]")) &&
            byte_writer_str(w,
                            "\r\nUser-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: ") &&
            byte_writer_str(w, key) &&
            byte_writer_str(w,
                            "\r\nSec-WebSocket-Protocol: derp\r\nSec-WebSocket-Version: 13\r\n"
                            "Upgrade: websocket\r\n\r\n");
  if (!ok) w->len = saved;
  return ok;
}
