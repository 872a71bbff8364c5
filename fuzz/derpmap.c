/* Fuzz target derpmap: DERPMap text (any of the JSON forms, and the
 * comma-separated node flags) into the client's map, dial plan and TLS plan.
 *
 * Input: the text itself, given to derp_map_parse and
 * derp_map_parse_node_flags. (Tailnet policy files, HuJSON around a
 * derpMap, have their own target: derpmap_policy.c.)
 *
 * Oracles, beyond "no crash / no leak" (derpmap_oracle.h):
 *  - failure leaves *out NULL and a non-empty, NUL-terminated message;
 *  - a parsed map holds no NULL string, no string over DERP_MAP_MAX_STRING,
 *    ports in range, regions in ascending id order;
 *  - region lookup: every region is found by its decimal id and, when its
 *    code is not itself a decimal integer, by its code (the first region in
 *    id order carrying it);
 *  - dial plan: 0..2 targets per node, IPv4 before IPv6, none for STUNOnly,
 *    the region plan is exactly the nodes' targets in order;
 *  - TLS plan: the CertName dispatch of spec §3.1 (sha256-raw: prefix -> pin
 *    with the remainder verbatim; empty -> CA; anything else but HostName ->
 *    verify as that name), no SNI for an IP-literal HostName, else HostName
 *    without trailing dots;
 *  - node flags on top of a parsed node (derp_map_parse_node_flags_onto):
 *    accepted, the flags win, every other field survives. */
#include <stddef.h>
#include <stdint.h>

#include "derpmap_oracle.h"
#include "json_arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

JSON_ARENA_INITIALIZE()

FUZZ_ORACLE int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > DERPMAP_FUZZ_MAX_INPUT) return -1;
  run_parser("derp_map_parse", derp_map_parse, (const char *)data, size);
  run_parser("derp_map_parse_node_flags", derp_map_parse_node_flags, (const char *)data, size);
  json_arena_end();
  return 0;
}
