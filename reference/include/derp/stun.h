/* stun: the Tailscale dialect of STUN binding (spec §7.2), sans-I/O.
 *
 * Server side: derper answers only binding requests that say they come from
 * Tailscale, so generic STUN tools get no answer. stun_parse_binding_request
 * applies upstream's acceptance rules exactly (net/stun ParseBindingRequest),
 * quirks included, so a differential fuzz against Go agrees:
 *  - >= 20 bytes, top two bits of byte 0 zero, bytes 4-7 the magic cookie
 *    21 12 A4 42, bytes 0-1 = 0x0001 (binding request);
 *  - attributes are walked over every byte after the header (the header's
 *    length field is not consulted); each is type(2) length(2) value, padded
 *    to 4 bytes, and must fit, else the packet is malformed;
 *  - some SOFTWARE (0x8022) attribute is exactly "tailnode";
 *  - the last attribute is of type FINGERPRINT (0x8028), and the value of the
 *    latest 4-byte FINGERPRINT equals CRC-32/IEEE of the packet without its
 *    last 8 bytes, XOR 0x5354554e. For a well-formed request (a 4-byte
 *    FINGERPRINT last) this is "the CRC of everything before it".
 * The response carries one XOR-MAPPED-ADDRESS (0x0020), no SOFTWARE or
 * FINGERPRINT. An IPv4-mapped IPv6 peer address is answered as IPv4 (family
 * 1); upstream, on a dual-stack socket, answers such a peer with family 2
 * and relies on clients unmapping it.
 *
 * Client side: the 40-byte request (header, SOFTWARE "tailnode",
 * FINGERPRINT) and the response parser: type 0x0101, attributes within the
 * header's length, XOR-MAPPED-ADDRESS 0x0020 or its misnumbered twin 0x8020
 * (XOR-encoded too; the last one wins), else MAPPED-ADDRESS 0x0001 (plain);
 * addresses are unmapped to IPv4 when IPv4-mapped; the transaction ID must
 * match the one sent. */
#ifndef DERP_STUN_H
#define DERP_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

#define STUN_HEADER_LEN 20
#define STUN_TXID_LEN 12
#define STUN_REQUEST_LEN 40      /* 20 + SOFTWARE (4 + 8) + FINGERPRINT (4 + 4) */
#define STUN_RESPONSE_MAX_LEN 44 /* 20 + XOR-MAPPED-ADDRESS for IPv6 (4 + 20) */

#define STUN_ATTR_MAPPED_ADDRESS 0x0001
#define STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define STUN_ATTR_XOR_MAPPED_ADDRESS_ALT 0x8020
#define STUN_ATTR_SOFTWARE 0x8022
#define STUN_ATTR_FINGERPRINT 0x8028

/* A transport address without socket types, so the core stays I/O-free. */
struct stun_endpoint {
  bool is_ipv6; /* false: the IPv4 address is addr[0..3] */
  uint8_t addr[16];
  uint16_t port;
};

enum stun_status {
  STUN_OK = 0,
  STUN_ERR_NOT_STUN,             /* "response is not a STUN packet" */
  STUN_ERR_NOT_BINDING_REQUEST,  /* "STUN request not a binding request" */
  STUN_ERR_MALFORMED_ATTRS,      /* "STUN response has malformed attributes" */
  STUN_ERR_WRONG_SOFTWARE,       /* "STUN request came from non-Tailscale software" */
  STUN_ERR_NO_FINGERPRINT,       /* "STUN request didn't end in fingerprint" */
  STUN_ERR_WRONG_FINGERPRINT,    /* "STUN request had bogus fingerprint" */
  STUN_ERR_NOT_SUCCESS_RESPONSE, /* "STUN packet is not a response" */
  STUN_ERR_TXID_MISMATCH,        /* ours: the response answers another request */
  STUN_ERR_NO_SPACE,             /* ours: the writer is too small */
};

const char *stun_status_str(enum stun_status st);

/* Header-level check (upstream's stun.Is): length, top bits, cookie. */
bool stun_is(const uint8_t *pkt, size_t len);

/* Server: the acceptance rules above; on STUN_OK *txid is filled. */
enum stun_status stun_parse_binding_request(const uint8_t *pkt, size_t len,
                                            uint8_t txid[STUN_TXID_LEN]);
/* The same as a yes/no: true means "answer it". */
bool stun_is_binding_request_tailscale(const uint8_t *pkt, size_t len, uint8_t txid[STUN_TXID_LEN]);

/* Server: the binding success response for `peer` (32 or 44 bytes). */
enum stun_status stun_write_response(struct byte_writer *w, const uint8_t txid[STUN_TXID_LEN],
                                     const struct stun_endpoint *peer);

/* Client: the 40-byte Tailscale binding request. */
enum stun_status stun_write_request(struct byte_writer *w, const uint8_t txid[STUN_TXID_LEN]);

/* Client: parse a binding response. want_txid NULL skips the match (the
 * caller then reads the ID at pkt[8..20)). */
enum stun_status stun_parse_response(const uint8_t *pkt, size_t len,
                                     const uint8_t want_txid[STUN_TXID_LEN],
                                     struct stun_endpoint *mapped);

/* CRC-32/IEEE (reflected 0xEDB88320, init and final XOR 0xFFFFFFFF), as
 * zlib's crc32 and Go's crc32.ChecksumIEEE. */
uint32_t stun_crc32_ieee(const uint8_t *data, size_t len);

#endif
