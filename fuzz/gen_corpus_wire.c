/* Seeds for the text and packet targets: http_head, stun, derpmap, go_text,
 * and derp_box (keys, nonce and message for the box contract).
 * Real requests come from the client's own writer, real STUN packets from
 * the stun module; the near misses are spelled out byte by byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derp/client_session.h"
#include "derp/derpmap.h"
#include "derp/hex.h"
#include "derp/stun.h"
#include "gen_corpus.h"

/* ---- http_head: u8 control (bit 0: DERP disabled) + bytes ---- */

static void http_seed(struct corpus_sink *s, const char *name, uint8_t control, const char *text) {
  uint8_t buf[2048];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = byte_writer_u8(&w, control) && byte_writer_str(&w, text);
  corpus_put_writer(s, "http_head", name, &w, ok);
}

static void http_client_request(struct corpus_sink *s, const char *name, const char *host,
                                const char *ideal, bool fast, const uint8_t *tail,
                                size_t tail_len) {
  uint8_t buf[2048];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = byte_writer_u8(&w, 0) && derp_client_write_upgrade_request(&w, host, ideal, fast) &&
            byte_writer_bytes(&w, tail, tail_len);
  corpus_put_writer(s, "http_head", name, &w, ok);
}

static void gen_http(struct corpus_sink *s) {
  static const uint8_t client_info_head[] = {0x02, 0x00, 0x00, 0x00, 0x5e};
  http_client_request(s, "go-client-slow", "127.0.0.1", NULL, false, NULL, 0);
  http_client_request(s, "go-client-fast-with-clientinfo", "127.0.0.1", NULL, true,
                      client_info_head, sizeof client_info_head);
  http_client_request(s, "go-client-ideal-node", "derp.example.com", "900a", false, NULL, 0);
  http_client_request(s, "go-client-ipv6-host", "::1", NULL, false, NULL, 0);

  http_seed(s, "upgrade-derp-disabled", 1,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\nConnection: Upgrade\r\n\r\n");
  http_seed(s, "upgrade-lowercase", 0, "GET /derp HTTP/1.1\r\nhost: h\r\nupgrade: derp\r\n\r\n");
  http_seed(s, "upgrade-websocket-derp", 0,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: derp\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n");
  http_seed(s, "upgrade-websocket-raw", 0,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n");
  http_seed(s, "upgrade-weird-value", 0,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\xff\r\n\r\n");
  /* a long odd value: the log note is cut when room runs short (control
   * bits 1-7 = 100 pick the room) */
  http_seed(s, "upgrade-weird-long-value-cut", 200,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: Weird\"\xc3\xa9-upgrade-"
            "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n\r\n");
  http_seed(s, "version-and-length-near-misses", 0,
            "POST /a%2fb HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n");
  http_seed(s, "response-reason-with-control", 0, "HTTP/1.1 200 O\x01K\r\n\r\n");
  http_seed(s, "response-version-letter", 0, "HTTP/1.x 200 OK\r\n\r\n");
  http_seed(s, "no-upgrade-426", 0, "GET /derp/sdf HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "fast-start-not-1", 0,
            "GET /derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\nDerp-Fast-Start: 01\r\n\r\n");
  http_seed(s, "probe-get", 0, "GET /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "probe-head", 0, "HEAD /derp/probe HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "probe-post-405", 0,
            "POST /derp/probe HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  http_seed(s, "latency-check", 0, "GET /derp/latency-check HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "generate-204-challenge", 0,
            "GET /generate_204 HTTP/1.1\r\nHost: h\r\nX-Tailscale-Challenge: "
            "ts_derp99b.tailscale.com\r\n\r\n");
  http_seed(s, "generate-204-bad-challenge", 0,
            "GET /generate_204 HTTP/1.1\r\nHost: h\r\nX-Tailscale-Challenge: foo bar\r\n\r\n");
  http_seed(s, "robots", 0, "GET /robots.txt HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "not-found", 0, "GET /nope?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "unclean-path", 0, "GET /derp/../derp HTTP/1.1\r\nHost: h\r\n\r\n");
  http_seed(s, "percent-path", 0, "GET /de%72p HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\n\r\n");
  http_seed(s, "absolute-form", 0,
            "GET http://h/derp HTTP/1.1\r\nHost: h\r\nUpgrade: DERP\r\n\r\n");
  http_seed(s, "http10-no-host", 0, "GET /derp/probe HTTP/1.0\r\n\r\n");
  http_seed(s, "http11-no-host", 0, "GET /derp/probe HTTP/1.1\r\n\r\n");
  http_seed(s, "two-hosts", 0, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  http_seed(s, "connect", 0, "CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n");
  http_seed(s, "connection-close", 0,
            "GET /derp/probe HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n");
  http_seed(s, "content-length-body", 0,
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
  http_seed(s, "transfer-encoding", 0,
            "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  http_seed(s, "duplicate-content-length", 0,
            "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
  http_seed(s, "bare-lf", 0, "GET /derp HTTP/1.1\nHost: h\n\n");
  http_seed(s, "obs-fold", 0, "GET /derp HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n");
  http_seed(s, "space-before-colon", 0, "GET /derp HTTP/1.1\r\nHost : h\r\n\r\n");
  http_seed(s, "http2-version", 0, "GET /derp HTTP/2.0\r\nHost: h\r\n\r\n");
  http_seed(s, "control-in-value", 0, "GET /derp HTTP/1.1\r\nHost: h\x01\r\n\r\n");
  http_seed(s, "partial-head", 0, "GET /derp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpg");

  http_seed(
      s, "response-101-exact", 0,
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: DERP\r\nConnection: Upgrade\r\nDerp-Version: "
      "2\r\n"
      "Derp-Public-Key: a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\r\n\r\n"
      "\x01\x00\x00\x00\x28"
      "DERP\xf0\x9f\x94\x91");
  http_seed(s, "response-101-no-reason", 0, "HTTP/1.1 101\r\n\r\n");
  http_seed(s, "response-426", 0,
            "HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "X-Content-Type-Options: nosniff\r\nDate: Thu, 01 Jan 2026 00:00:00 "
            "GMT\r\nContent-Length: 33\r\n\r\n"
            "DERP requires connection upgrade\n");
  http_seed(s, "response-chunked", 0,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  http_seed(s, "response-http10", 0, "HTTP/1.0 404 Not Found\r\n\r\n");
  http_seed(s, "response-status-1000", 0, "HTTP/1.1 1000 Nope\r\n\r\n");
}

/* ---- stun: u8 control + one UDP payload ---- */

static const uint8_t stun_txid[STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static void stun_seed(struct corpus_sink *s, const char *name, uint8_t control, const uint8_t *p,
                      size_t n) {
  uint8_t buf[256];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = byte_writer_u8(&w, control) && byte_writer_bytes(&w, p, n);
  corpus_put_writer(s, "stun", name, &w, ok);
}

/* Header + attributes; `fix_fingerprint` recomputes a trailing FINGERPRINT. */
static size_t stun_build(uint8_t *out, size_t cap, uint16_t type, const uint8_t *attrs,
                         size_t attrs_len, bool fix_fingerprint) {
  struct byte_writer w = byte_writer_init(out, cap);
  static const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};
  if (!byte_writer_u16be(&w, type) || !byte_writer_u16be(&w, (uint16_t)attrs_len) ||
      !byte_writer_bytes(&w, cookie, 4) || !byte_writer_bytes(&w, stun_txid, STUN_TXID_LEN) ||
      !byte_writer_bytes(&w, attrs, attrs_len))
    return 0;
  if (fix_fingerprint && w.len >= 28) {
    uint32_t fp = stun_crc32_ieee(out, w.len - 8) ^ 0x5354554eu;
    out[w.len - 4] = (uint8_t)(fp >> 24);
    out[w.len - 3] = (uint8_t)(fp >> 16);
    out[w.len - 2] = (uint8_t)(fp >> 8);
    out[w.len - 1] = (uint8_t)fp;
  }
  return w.len;
}

static void gen_stun(struct corpus_sink *s) {
  uint8_t pkt[128];
  struct byte_writer w = byte_writer_init(pkt, sizeof pkt);
  if (stun_write_request(&w, stun_txid) == STUN_OK)
    stun_seed(s, "request-tailscale", 0, pkt, w.len);

  struct stun_endpoint v4 = {false, {1, 2, 3, 4}, 254};
  struct stun_endpoint v6 = {
      true, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 257};
  struct stun_endpoint mapped = {
      true, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 3478};
  w = byte_writer_init(pkt, sizeof pkt);
  if (stun_write_response(&w, stun_txid, &v4) == STUN_OK)
    stun_seed(s, "response-xor-ipv4", 0, pkt, w.len);
  w = byte_writer_init(pkt, sizeof pkt);
  if (stun_write_response(&w, stun_txid, &v6) == STUN_OK)
    stun_seed(s, "response-xor-ipv6", 1, pkt, w.len);
  w = byte_writer_init(pkt, sizeof pkt);
  if (stun_write_response(&w, stun_txid, &mapped) == STUN_OK)
    stun_seed(s, "response-v4-mapped-other-txid", 3, pkt, w.len);

  static const uint8_t sw_fp[] = {0x80, 0x22, 0x00, 0x08, 't',  'a',  'i', 'l', 'n', 'o',
                                  'd',  'e',  0x80, 0x28, 0x00, 0x04, 0,   0,   0,   0};
  static const uint8_t wrong_sw[] = {0x80, 0x22, 0x00, 0x08, 'x',  'x',  'x', 'x', 'n', 'o',
                                     'd',  'e',  0x80, 0x28, 0x00, 0x04, 0,   0,   0,   0};
  static const uint8_t no_fp[] = {0x80, 0x22, 0x00, 0x08, 't', 'a', 'i', 'l', 'n', 'o', 'd', 'e'};
  static const uint8_t fp_not_last[] = {0x80, 0x28, 0x00, 0x04, 0,   0,   0,   0,   0x80, 0x22,
                                        0x00, 0x08, 't',  'a',  'i', 'l', 'n', 'o', 'd',  'e'};
  static const uint8_t truncated_attr[] = {0x80, 0x22, 0x00, 0x09, 't', 'a',
                                           'i',  'l',  'n',  'o',  'd', 'e'};
  static const uint8_t odd_software[] = {0x80, 0x22, 0x00, 0x07, 't',  'a',  'i', 'l', 'n', 'o',
                                         'd',  0,    0x80, 0x28, 0x00, 0x04, 0,   0,   0,   0};
  size_t n;
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, sw_fp, sizeof sw_fp, false)) > 0)
    stun_seed(s, "request-bad-fingerprint", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, wrong_sw, sizeof wrong_sw, true)) > 0)
    stun_seed(s, "request-wrong-software", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, no_fp, sizeof no_fp, false)) > 0)
    stun_seed(s, "request-no-fingerprint", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, fp_not_last, sizeof fp_not_last, false)) > 0)
    stun_seed(s, "request-fingerprint-not-last", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, truncated_attr, sizeof truncated_attr, false)) > 0)
    stun_seed(s, "request-truncated-attribute", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0001, odd_software, sizeof odd_software, true)) > 0)
    stun_seed(s, "request-padded-software", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0011, sw_fp, sizeof sw_fp, true)) > 0)
    stun_seed(s, "request-not-binding", 0, pkt, n);

  static const uint8_t plain_mapped[] = {0x00, 0x01, 0x00, 0x08, 0x00, 0x01,
                                         0x0d, 0x96, 10,   0,    0,    1};
  static const uint8_t alt_xor[] = {0x80, 0x20, 0x00, 0x08, 0x00, 0x01,
                                    0x21, 0xec, 0x20, 0x10, 0xa7, 0x46};
  static const uint8_t both[] = {0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x0d, 0x96,
                                 10,   0,    0,    1,    0x00, 0x20, 0x00, 0x08,
                                 0x00, 0x01, 0x21, 0xec, 0x20, 0x10, 0xa7, 0x46};
  static const uint8_t bad_family[] = {0x00, 0x20, 0x00, 0x08, 0x00, 0x03,
                                       0x21, 0xec, 0x20, 0x10, 0xa7, 0x46};
  static const uint8_t with_software[] = {0x80, 0x22, 0x00, 0x05, 'p',  'i',  'o',  'n',
                                          '!',  0,    0,    0,    0x00, 0x20, 0x00, 0x08,
                                          0x00, 0x01, 0x21, 0xec, 0x20, 0x10, 0xa7, 0x46};
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, plain_mapped, sizeof plain_mapped, false)) > 0)
    stun_seed(s, "response-mapped-address-only", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, alt_xor, sizeof alt_xor, false)) > 0)
    stun_seed(s, "response-xor-0x8020", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, both, sizeof both, false)) > 0)
    stun_seed(s, "response-mapped-and-xor", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, bad_family, sizeof bad_family, false)) > 0)
    stun_seed(s, "response-bad-family", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, with_software, sizeof with_software, false)) > 0)
    stun_seed(s, "response-with-software", 0, pkt, n);
  if ((n = stun_build(pkt, sizeof pkt, 0x0101, both, sizeof both, false)) > 0) {
    pkt[3] = 12; /* header length covers only the first attribute; the rest trails */
    stun_seed(s, "response-trailing-bytes", 0, pkt, n);
    pkt[3] = 40; /* header length beyond the packet */
    stun_seed(s, "response-length-overrun", 0, pkt, n);
  }
  stun_seed(s, "not-stun", 0, (const uint8_t *)"\xc0\x01\x00\x00not a stun packet!!!", 24);
}

/* ---- derpmap: the text itself ---- */

#define PIN "sha256-raw:2a5b5ce2c5d3bd3f1b5c7e2f0e8f6a5d4c3b2a1908f7e6d5c4b3a29180706050"

/* ---- ws_frame: control byte + a WebSocket stream ---- */

static void gen_ws(struct corpus_sink *s) {
  const char *t = "ws_frame";
  /* the RFC's masked "Hello" as binary, read by the server, whole */
  static const uint8_t hello[] = {0x0f, 0x82, 0x85, 0x37, 0xfa, 0x21,
                                  0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  corpus_put(s, t, "server-masked-binary", hello, sizeof hello);
  /* a server's ServerKey frame inside one binary message, byte by byte */
  uint8_t sk[2 + 5 + 40] = {0x00, 0x82, 45, 0x01, 0, 0, 0, 40, 'D', 'E', 'R', 'P'};
  corpus_put(s, t, "client-serverkey-message", sk, sizeof sk);
  /* fragments with a ping between them, 3-byte chunks, room 16 */
  static const uint8_t frag[] = {0x15,    0x02,    0x83, 1,    2, 3, 4,      'I' ^ 1,
                                 'd' ^ 2, 'x' ^ 3, 0x89, 0x80, 0, 0, 0,      0,
                                 0x80,    0x81,    9,    9,    9, 9, 'y' ^ 9};
  corpus_put(s, t, "server-fragments-and-ping", frag, sizeof frag);
  static const uint8_t close[] = {0x01, 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8};
  corpus_put(s, t, "server-close-1000", close, sizeof close);
  static const uint8_t unmasked[] = {0x01, 0x82, 0x01, 'x'};
  corpus_put(s, t, "server-unmasked-refused", unmasked, sizeof unmasked);
  static const uint8_t len16[] = {0x0e, 0x82, 0x7e, 0x00, 0x80};
  corpus_put(s, t, "client-len16-short", len16, sizeof len16);
}

/* derpmap takes DERPMap texts and node flags; derpmap_policy takes tailnet
 * policy files (HuJSON): the "policy-" seeds, the empty text, and every
 * map seed again as a policy file's "derpMap", as users write them. */
static void put_derpmap(struct corpus_sink *s, const char *name, const char *text) {
  if (strncmp(name, "policy-", 7) == 0) {
    corpus_put_text(s, "derpmap_policy", name, text);
    return;
  }
  corpus_put_text(s, "derpmap", name, text);
  if (text[0] == '\0') corpus_put_text(s, "derpmap_policy", name, text);
  if (text[0] != '{') return;
  size_t n = strlen(text) + 16;
  char *wrapped = malloc(n), policy_name[128];
  if (!wrapped) abort();
  snprintf(wrapped, n, "{\"derpMap\": %s}", text);
  snprintf(policy_name, sizeof policy_name, "in-policy-%s", name);
  corpus_put_text(s, "derpmap_policy", policy_name, wrapped);
  free(wrapped);
}

static void gen_derpmap(struct corpus_sink *s) {
  put_derpmap(s, "policy-file-hujson",
              "// Tailnet policy file\n{\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": "
              "[\"*\"], \"dst\": [\"*:*\"]}, // everyone\n  ],\n  /* our own relay */\n"
              "  \"derpMap\": {\"OmitDefaultRegions\": true, \"Regions\": {\"900\": "
              "{\"RegionID\": 900, \"RegionCode\": \"home\", \"Nodes\": [{\"Name\": \"900a\", "
              "\"RegionID\": 900, \"HostName\": \"127.0.0.1\", \"CertName\": \"" PIN
              "\",},],},},},\n}\n");
  put_derpmap(s, "policy-file-comment-in-string",
              "{\"derpMap\": {\"Regions\": {\"1\": {\"RegionCode\": \"a//b/*c*/\", "
              "\"Nodes\": [{\"HostName\": \"h\\\"//\"}]}}}}");
  put_derpmap(
      s, "full-map-pinned-ip",
      "{\"Regions\":{\"900\":{\"RegionID\":900,\"RegionCode\":\"custom\",\"RegionName\":\"Custom\","
      "\"Nodes\":[{\"Name\":\"900a\",\"RegionID\":900,\"HostName\":\"127.0.0.1\",\"CertName\":"
      "\"" PIN "\",\"DERPPort\":443}]}}}");
  put_derpmap(
      s, "derper-snippet-line",
      "  {\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"127.0.0.1\",\"CertName\":\"" PIN
      "\"}\n");
  put_derpmap(
      s, "derper-log-message",
      "2026/01/01 00:00:00 Using self-signed certificate for IP address \"127.0.0.1\". Configure "
      "it in "
      "DERPMap using: (https://tailscale.com/s/custom-derp)\n"
      "  {\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"127.0.0.1\",\"CertName\":\"" PIN
      "\"}\n");
  put_derpmap(s, "lone-region",
              "{\"RegionID\":901,\"RegionCode\":\"lab\",\"Nodes\":[{\"Name\":\"a\","
              "\"HostName\":\"derp.example.com\","
              "\"IPv4\":\"192.0.2.1\",\"IPv6\":\"2001:db8::1\",\"STUNPort\":-1},{\"Name\":"
              "\"b\",\"HostName\":\"::1\","
              "\"STUNOnly\":true}]}");
  put_derpmap(
      s, "multi-region",
      "{\"OmitDefaultRegions\":true,\"Regions\":{\"2\":{\"RegionID\":2,\"RegionCode\":\"x\","
      "\"Avoid\":true,"
      "\"Nodes\":[]},\"1\":{\"RegionID\":1,\"RegionCode\":\"x\",\"NoMeasureNoHome\":true,\"Nodes\":"
      "[{"
      "\"Name\":\"1a\",\"HostName\":\"[::1]\",\"CertName\":\"front.example.com\",\"DERPPort\":8443,"
      "\"InsecureForTests\":true,\"CanPort80\":true,\"STUNTestIP\":\"127.0.0.1\"}]}}}");
  put_derpmap(s, "case-insensitive-fields",
              "{\"regions\":{\"7\":{\"regionid\":7,\"NODES\":[{\"hostname\":\"derp.example.com."
              "\",\"certname\":"
              "\"derp.example.com\",\"ipv4\":\"none\",\"unknown\":[1,{\"x\":null}]}]}}}");
  put_derpmap(s, "null-fields", "{\"Name\":null,\"HostName\":\"fe80::1%eth0\",\"DERPPort\":null}");
  put_derpmap(s, "node-flags",
              "HostName=127.0.0.1,DERPPort=8443,CertName=" PIN ",InsecureForTests=false");
  put_derpmap(s, "node-flags-stun-only", "Name=s,HostName=192.0.2.7,STUNOnly=true,STUNPort=3479");
  put_derpmap(s, "duplicate-key", "{\"HostName\":\"a\",\"HostName\":\"b\"}");
  put_derpmap(s, "bad-utf8", "{\"HostName\":\"\xc3\x28\"}");
  put_derpmap(s, "trailing-garbage", "{\"HostName\":\"127.0.0.1\"} x");
  put_derpmap(s, "port-out-of-range", "{\"HostName\":\"127.0.0.1\",\"DERPPort\":65536}");
  put_derpmap(s, "region-key-not-number", "{\"Regions\":{\"abc\":{\"Nodes\":[]}}}");
  put_derpmap(s, "uppercase-pin", "{\"HostName\":\"127.0.0.1\",\"CertName\":\"sha256-raw:2A5B\"}");
  /* Where json-oracle (tailcfg's json.Unmarshal) and derp_map_parse part:
   * Go takes these, the parser refuses them on purpose (json-oracle.json),
   * except HomeParams, which Go refuses and the parser did not. */
  static const struct {
    const char *name, *text;
  } go_edges[] = {
      {"region-null", "{\"Regions\":{\"900\":null}}"},
      {"node-null", "{\"Regions\":{\"900\":{\"Nodes\":[null]}}}"},
      {"hostname-lone-surrogate", "{\"HostName\":\"h\\ud800\"}"},
      {"hostname-nul-escape", "{\"HostName\":\"h\\u0000x\"}"},
      {"no-known-field", "{\"x\":1}"},
      {"home-params-score-key-not-int",
       "{\"HomeParams\":{\"RegionScore\":{\"x\":1}},\"Regions\":{}}"},
      {"home-params-score-not-number",
       "{\"HomeParams\":{\"regionscore\":{\"900\":\"1\"}},\"Regions\":{}}"},
      {"home-params-scores",
       "{\"HomeParams\":{\"RegionScore\":{\"+900\":1.5,\"-3\":null}},\"Regions\":{}}"},
      {"region-key-plus-leading-zero",
       "{\"Regions\":{\"+0900\":{\"Nodes\":[{\"ho\xc5\xbf"
       "tName\":\"h\"}]}}}"},
  };
  for (size_t i = 0; i < sizeof go_edges / sizeof go_edges[0]; i++)
    put_derpmap(s, go_edges[i].name, go_edges[i].text);
  /* node flags: every key and kind, and each way a list goes wrong */
  static const struct {
    const char *name, *text;
  } flags[] = {
      {"node-flags-every-key",
       " Name=n,RegionID=901,HostName=h.example.com,CertName=c,IPv4=192.0.2.1,IPv6=2001:db8::1,"
       "STUNPort=3478,STUNOnly=false,DERPPort=443,InsecureForTests=true,STUNTestIP=192.0.2.2,"
       "CanPort80=true\r\n"},
      {"node-flags-int-not-a-number", "HostName=h,DERPPort=+443"},
      {"node-flags-int-overflow", "HostName=h,RegionID=99999999999999999999"},
      {"node-flags-bool-not-a-bool", "HostName=h,STUNOnly=yes"},
      {"node-flags-duplicate", "HostName=a,HostName=b"},
      {"node-flags-unknown-key", "hostname=a"},
      {"node-flags-empty-pair", "HostName=a,,DERPPort=1"},
      {"node-flags-no-equals", "HostName"},
      {"node-flags-only-spaces", " \t\r\n"},
      {"node-flags-bad-utf8", "HostName=\xc3\x28"},
      {"node-flags-trailing-comma", "HostName=a,"},
  };
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
    put_derpmap(s, flags[i].name, flags[i].text);
  /* tailnet policy files: the key in another case, broken HuJSON, a derpMap
   * that is not a map, one whose region does not decode */
  put_derpmap(s, "policy-key-other-case", "{\"DERPMAP\": {\"Regions\": {}}}");
  put_derpmap(s, "policy-unterminated-comment", "{\"acls\": [], /* \"derpMap\": {}\n}");
  put_derpmap(s, "policy-unterminated-string", "{\"derpMap\": {\"Regions\n}}");
  put_derpmap(s, "policy-derpmap-not-a-map", "{\"derpMap\": 5, // five\n}");
  put_derpmap(s, "policy-derpmap-bad-node",
              "{\"derpMap\": {\"Regions\": {\"1\": {\"Nodes\": [{\"HostName\": 5}]}}}}");
  put_derpmap(s, "node-every-field",
              "{\"Name\":\"s\",\"RegionID\":5,\"HostName\":\"h\",\"CertName\":\"c\",\"IPv4\":"
              "\"192.0.2.1\",\"IPv6\":\"::1\",\"STUNPort\":3479,\"STUNOnly\":true,\"DERPPort\":"
              "8443,\"InsecureForTests\":true,\"STUNTestIP\":\"192.0.2.9\",\"CanPort80\":true}");
  /* maps the decoder refuses, one field at a time */
  put_derpmap(s, "node-missing-hostname", "{\"Regions\":{\"1\":{\"Nodes\":[{\"Name\":\"a\"}]}}}");
  put_derpmap(s, "node-empty-hostname", "{\"Regions\":{\"1\":{\"Nodes\":[{\"HostName\":\"\"}]}}}");
  put_derpmap(s, "node-not-an-object", "{\"Regions\":{\"1\":{\"Nodes\":[[1]]}}}");
  put_derpmap(s, "nodes-not-an-array", "{\"Regions\":{\"1\":{\"Nodes\":{\"a\":1}}}}");
  put_derpmap(s, "region-not-an-object", "{\"Regions\":{\"1\":true}}");
  put_derpmap(s, "regions-not-an-object", "{\"Regions\":[1.5]}");
  put_derpmap(s, "top-level-array", "[{\"HostName\":\"h\"}]");
  put_derpmap(s, "int-as-float", "{\"HostName\":\"h\",\"DERPPort\":443.5}");
  put_derpmap(s, "string-as-int", "{\"HostName\":7}");
  static const char nul_flags[] = "HostName=a\0b";
  corpus_put(s, "derpmap", "node-flags-nul", (const uint8_t *)nul_flags, sizeof nul_flags - 1);
  /* the DERPMap's own fields: HomeParams (kept as "an object", not read),
   * OmitDefaultRegions of the wrong type, Regions named twice by Go's
   * case-insensitive match, two region keys naming one id */
  put_derpmap(s, "map-home-params",
              "{\"HomeParams\":{\"RegionScore\":{\"1\":2.0}},\"Regions\":{\"1\":{\"Nodes\":[{"
              "\"HostName\":\"derp1.example.com\"}]}}}");
  put_derpmap(s, "map-home-params-not-an-object", "{\"HomeParams\":[1],\"Regions\":{}}");
  put_derpmap(s, "map-omit-default-regions-not-a-bool",
              "{\"Regions\":{},\"OmitDefaultRegions\":\"yes\"}");
  put_derpmap(s, "map-regions-key-twice-other-case", "{\"Regions\":{},\"regions\":{}}");
  put_derpmap(s, "map-duplicate-region-id-leading-zero",
              "{\"Regions\":{\"1\":{\"Nodes\":[]},\"01\":{\"Nodes\":[]}}}");
  /* HuJSON: a comma straight after '{' trails no value, so it stays and the
   * decoder refuses it at its own position */
  put_derpmap(s, "policy-comma-after-open-brace", "{,\n  \"derpMap\": {\"Regions\": {}}}\n");

  /* region and node fields the decoder refuses, and regions without nodes */
  put_derpmap(s, "region-latitude-longitude",
              "{\"Regions\":{\"1\":{\"RegionCode\":\"fra\",\"Latitude\":50.1,\"Longitude\":8,"
              "\"Nodes\":[{\"HostName\":\"derp1.example.com\"}]}}}");
  put_derpmap(s, "region-latitude-not-a-number",
              "{\"Regions\":{\"1\":{\"Latitude\":\"north\",\"Nodes\":[]}}}");
  put_derpmap(s, "regions-without-nodes",
              "{\"Regions\":{\"1\":{\"RegionCode\":\"a\"},\"2\":{\"RegionCode\":\"b\","
              "\"Nodes\":null}}}");
  put_derpmap(s, "region-id-not-the-key", "{\"Regions\":{\"1\":{\"RegionID\":2}}}");
  put_derpmap(s, "region-field-twice-other-case",
              "{\"Regions\":{\"1\":{\"RegionCode\":\"a\",\"regioncode\":\"b\"}}}");
  put_derpmap(s, "node-field-twice-other-case",
              "{\"Regions\":{\"1\":{\"Nodes\":[{\"HostName\":\"a\",\"hostname\":\"b\"}]}}}");
  put_derpmap(s, "lone-region-nodes-twice-other-case", "{\"Nodes\":[],\"nodes\":[]}");
  put_derpmap(s, "lone-region-avoid-not-a-bool", "{\"Avoid\":\"yes\",\"Nodes\":[]}");
  put_derpmap(s, "lone-node-field-twice-other-case", "{\"HostName\":\"a\",\"HOSTNAME\":\"b\"}");
  put_derpmap(s, "stun-port-below-minus-one", "{\"HostName\":\"h\",\"STUNPort\":-2}");
  put_derpmap(s, "long-value-cut-in-message",
              "{\"HostName\":\"h\",\"DERPPort\":\"four hundred and forty-three, the usual TLS "
              "port\"}");
  /* a region key shown in its error: control bytes, DEL and UTF-8 as '?',
   * cut at 40 bytes */
  put_derpmap(s, "region-key-unprintable-and-long",
              "{\"Regions\":{\"\\u0001r\xc3\xa9gion\\u007f-with-a-name-far-longer-than-forty-"
              "bytes\":{}}}");
  {
    char host[300];
    int n = snprintf(host, sizeof host, "{\"HostName\":\"");
    for (int i = 0; i < DERP_MAP_MAX_STRING + 1; i++) host[n++] = 'a';
    snprintf(host + n, sizeof host - (size_t)n, "\"}");
    put_derpmap(s, "hostname-one-byte-too-long", host);
  }
  /* derper's log: a tab-indented snippet after a line that is not JSON */
  put_derpmap(s, "derper-log-tab-indented",
              "derper: Configure it in DERPMap using: (https://tailscale.com/s/custom-derp)\n"
              "  see below\n"
              "\t{\"Name\":\"custom\",\"RegionID\":900,\"HostName\":\"127.0.0.1\"}\n");

  /* node flags: an empty integer, booleans in the wrong case, a long unknown
   * key cut in the message, blanks around the list and nothing but blanks */
  put_derpmap(s, "node-flags-int-empty", "HostName=h,DERPPort=");
  put_derpmap(s, "node-flags-bool-capitalised", "HostName=h,STUNOnly=True,CanPort80=False");
  put_derpmap(s, "node-flags-long-unknown-key",
              "HostNameOfTheRelayServerAsTheClientDialsIt=derp.example.com");
  put_derpmap(s, "node-flags-trailing-blanks", "\tHostName=h.example.com \t\n");
  put_derpmap(s, "node-flags-only-tabs", " \t \t");

  /* policy files: empty, a derpMap without Regions, errors on later lines,
   * comments at the end and across lines, a string cut at a backslash */
  put_derpmap(s, "empty", "");
  put_derpmap(s, "policy-derpmap-without-regions", "{\"derpMap\": {\"OmitDefaultRegions\": true}}");
  put_derpmap(s, "policy-error-on-line-3",
              "{\n  \"derpMap\": {\n    \"Regions\": {\"1\": [,]}\n  }\n}\n");
  put_derpmap(s, "policy-block-comment-crlf",
              "{\r\n  /* one\r\n   * two */\r\n  \"derpMap\": {\"Regions\": {}}\r\n}\r\n"
              "// the end, no line end");
  put_derpmap(s, "policy-string-cut-at-backslash", "{\"derpMap\": \"\\");
  put_derpmap(s, "policy-trailing-slash", "{\"derpMap\": {\"Regions\": {}}} /");
  put_derpmap(s, "policy-leading-comma", ",{\"derpMap\": {\"Regions\": {}}}");
  put_derpmap(s, "policy-double-comma", "{\"derpMap\": {\"Regions\": {}},, }");
}

/* ---- go_text: ParseInt (selector below 0x80: the base) ---- */

static void gen_go_parse_int(struct corpus_sink *s) {
  static const struct {
    const char *name;
    uint8_t base;
    const char *text;
  } seeds[] = {
      {"parse-int-base10", 10, "-42"},
      {"parse-int-base0-hex", 0, "0x7fff_ffff"},
      {"parse-int-base0-octal", 0, "0o17"},
      {"parse-int-base0-leading-zero", 0, "0755"},
      {"parse-int-base0-binary", 0, "-0b1010"},
      {"parse-int-base0-underscores", 0, "1_000_000"},
      {"parse-int-base0-underscore-after-prefix", 0, "0x_1f"},
      {"parse-int-base0-underscore-trailing", 0, "12_"},
      {"parse-int-base0-double-underscore", 0, "1__2"},
      {"parse-int-base0-prefix-only", 0, "0x"},
      {"parse-int-base10-underscore", 10, "1_0"},
      {"parse-int-int64-max", 10, "9223372036854775807"},
      {"parse-int-int64-min", 10, "-9223372036854775808"},
      {"parse-int-int64-max-plus-one", 10, "9223372036854775808"},
      {"parse-int-uint64-overflow-then-junk", 0, "99999999999999999999z"},
      {"parse-int-base36", 36, "zz"},
      {"parse-int-base1", 1, "1"},
      {"parse-int-base37", 37, "1"},
      {"parse-int-sign-only", 10, "+"},
      {"parse-int-empty", 10, ""},
  };
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
    uint8_t buf[64];
    size_t n = strlen(seeds[i].text);
    buf[0] = seeds[i].base;
    memcpy(buf + 1, seeds[i].text, n);
    corpus_put(s, "go_text", seeds[i].name, buf, n + 1);
  }
}

/* ---- go_text: time texts (selector 0x80, then seconds, offset,
 * nanoseconds, flags, years) ---- */

static void go_time_seed(struct corpus_sink *s, const char *name, int64_t t, int32_t off,
                         uint32_t nanos, uint8_t flags, int16_t years) {
  uint8_t b[20];
  struct byte_writer w = byte_writer_init(b, sizeof b);
  (void)(byte_writer_u8(&w, 0x80) && byte_writer_u32be(&w, (uint32_t)((uint64_t)t >> 32)) &&
         byte_writer_u32be(&w, (uint32_t)t) && byte_writer_u32be(&w, (uint32_t)off) &&
         byte_writer_u32be(&w, nanos) && byte_writer_u8(&w, flags) &&
         byte_writer_u16be(&w, (uint16_t)years));
  corpus_put(s, "go_text", name, b, w.len);
}

static void gen_go_time_text(struct corpus_sink *s) {
  go_time_seed(s, "time-utc-2026", 1772631672, 0, 0, 1, 1);
  go_time_seed(s, "time-offset-plus-0100-half-second", 1772631672, 3600, 500000000, 0, 0);
  go_time_seed(s, "time-offset-minus-0530-nanos", 1772631672, -19800, 123456789, 0, -3);
  go_time_seed(s, "time-leap-day-plus-one-year", 1709164800, 0, 0, 1, 1); /* 2024-02-29 */
  go_time_seed(s, "time-year-1", INT64_C(-62135596800), 0, 0, 1, 0);
  go_time_seed(s, "time-year-9999-end", INT64_C(253402300799), 0, 0, 1, -1);
  go_time_seed(s, "time-year-10000", INT64_C(253402300800), 0, 0, 1, 0);
  go_time_seed(s, "time-negative-year", INT64_C(-62198755200), 0, 0, 1, 0);
  go_time_seed(s, "time-int64-max-with-offset", INT64_MAX, 3600, 0, 0, 0);
  go_time_seed(s, "time-short", 0, 0, 0, 0, 0);
}

/* ---- go_text: Go's %q (selector 0xc0, u16be cut, the text) ---- */

static void go_quote_seed(struct corpus_sink *s, const char *name, uint16_t cut, const char *text) {
  uint8_t b[64];
  struct byte_writer w = byte_writer_init(b, sizeof b);
  bool ok = byte_writer_u8(&w, 0xc0) && byte_writer_u16be(&w, cut) && byte_writer_str(&w, text);
  corpus_put_writer(s, "go_text", name, &w, ok);
}

static void gen_go_quote(struct corpus_sink *s) {
  go_quote_seed(s, "quote-plain", 5, "websocket");
  go_quote_seed(s, "quote-quote-and-backslash", 3, "a\"b\\c");
  go_quote_seed(s, "quote-c-escapes", 9, "\a\b\t\n\v\f\r");
  go_quote_seed(s, "quote-control-and-del", 4, "\x01\x1f\x7f");
  go_quote_seed(s, "quote-utf8-printable", 6, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  go_quote_seed(s, "quote-utf8-not-printable", 2, "\xe2\x80\x8b\xc2\x85\xf3\xa0\x80\x81");
  go_quote_seed(s, "quote-invalid-utf8-run", 40,
                "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"
                "\x90\x91\xc3x\xed\xa0\x80\xf4\x90\x80\x80");
  go_quote_seed(s, "quote-cut-inside-escape", 3, "\xff");
  go_quote_seed(s, "quote-empty", 0, "");
}

/* ---- derp_box: [32] secret a, [32] secret b, [32] raw peer, [24] nonce,
 * u8 control (bit 0: the raw peer, bit 1: libsodium fails to initialize),
 * u16be cut, message ---- */

static void box_seed(struct corpus_sink *s, const char *name, uint8_t control, const char *peer_hex,
                     uint16_t cut, const char *msg) {
  uint8_t buf[256], secret[32], peer[32] = {0}, nonce[24];
  struct byte_writer w = byte_writer_init(buf, sizeof buf);
  bool ok = true;
  for (int i = 0; i < 2; i++) {
    memset(secret, 0x31 + 0x22 * i, sizeof secret);
    ok = ok && byte_writer_bytes(&w, secret, sizeof secret);
  }
  if (peer_hex) ok = ok && derp_hex_decode(peer_hex, strlen(peer_hex), peer, sizeof peer);
  memset(nonce, 0x4e, sizeof nonce);
  ok = ok && byte_writer_bytes(&w, peer, sizeof peer) &&
       byte_writer_bytes(&w, nonce, sizeof nonce) && byte_writer_u8(&w, control) &&
       byte_writer_u16be(&w, cut) && byte_writer_str(&w, msg);
  corpus_put_writer(s, "derp_box", name, &w, ok);
}

static void gen_box(struct corpus_sink *s) {
  box_seed(s, "pair-clientinfo", 0, NULL, 0x2005, "{\"version\":2,\"CanAckPings\":true}");
  box_seed(s, "pair-empty-message", 0, NULL, 7, "");
  box_seed(s, "pair-cut-into-tag", 0, NULL, 9, "x");
  box_seed(s, "sodium-init-fails", 2, NULL, 0, "{\"version\":2}");
  /* Curve25519 points of small order and non-canonical encodings: libsodium
   * refuses the first (an all-zero shared key), takes the others. */
  box_seed(s, "raw-peer-zero", 1,
           "0000000000000000000000000000000000000000000000000000000000000000", 0, "m");
  box_seed(s, "raw-peer-one", 1, "0100000000000000000000000000000000000000000000000000000000000000",
           0, "m");
  box_seed(s, "raw-peer-order8", 1,
           "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", 0, "m");
  box_seed(s, "raw-peer-p", 1, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           0, "m");
  box_seed(s, "raw-peer-high-bit", 1,
           "09000000000000000000000000000000000000000000000000000000000000c0", 3, "message");
}

void gen_wire_seeds(struct corpus_sink *s) {
  gen_go_parse_int(s);
  gen_go_time_text(s);
  gen_go_quote(s);
  gen_http(s);
  gen_stun(s);
  gen_ws(s);
  gen_derpmap(s);
  gen_box(s);
}
