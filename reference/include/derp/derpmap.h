/* derpmap: the client's view of where DERP relays are and how to reach them.
 *
 * A user hands the client a DERPMap the way Tailscale writes it: a whole map
 * ({"Regions":{"<id>":{...}}}), one region, one node, the node line derper
 * prints at start-up (pasted with its two leading spaces, or the whole
 * two-line log message), or a node spelled as comma-separated flags. All of
 * these parse into the same owned tree, so the rest of the client never cares
 * which one was given. JSON decoding follows Go's encoding/json as Tailscale
 * uses it (unknown fields ignored, field names matched exactly first and then
 * ASCII case-insensitively, null leaves a field at its zero value) but is
 * stricter where Go is silently lossy: duplicate keys, bad UTF-8, trailing
 * garbage and out-of-range ports are errors that name the field.
 *
 * The dial and TLS plans are pure functions of a node (spec §3.1): which
 * addresses to race in which family, what SNI to send, and how to verify the
 * certificate (the CertName dispatch). They do no DNS and no I/O: the shell
 * resolves names and dials. */
#ifndef DERP_DERPMAP_H
#define DERP_DERPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DERP_MAP_MAX_INPUT (1024u * 1024u) /* a real DERPMap is ~30 KiB */
#define DERP_MAP_MAX_STRING 255            /* bytes, any string field */
#define DERP_DEFAULT_DERP_PORT 443
#define DERP_DEFAULT_STUN_PORT 3478
/* Region id given to a lone node without RegionID: derper's snippet uses it,
 * and 900-999 is the range Tailscale reserves for custom regions. */
#define DERP_CUSTOM_REGION_ID 900

/* String fields are never NULL: an absent field is "". */
struct derp_node {
  char *name;
  int64_t region_id;
  char *host_name;
  char *cert_name;
  char *ipv4;    /* "" = use DNS; not an IPv4 address (e.g. "none") = no IPv4 */
  char *ipv6;    /* likewise for IPv6 */
  int stun_port; /* as written: 0 = default 3478, -1 = STUN disabled */
  bool stun_only;
  int derp_port; /* as written: 0 = default 443 */
  bool insecure_for_tests;
  char *stun_test_ip;
  bool can_port80;
};

struct derp_region {
  /* The key the region is found under: the Regions map key, or RegionID for
   * a lone region, or the node's RegionID (DERP_CUSTOM_REGION_ID when 0) for
   * a lone node. */
  int64_t id;
  int64_t region_id; /* the RegionID field as written (0 when absent) */
  char *code;
  char *name;
  bool avoid;
  bool no_measure_no_home;
  size_t node_count;
  struct derp_node *nodes;
};

/* Regions are sorted by ascending id, so lookups by code are deterministic
 * (Go iterates its map in random order). */
struct derp_map {
  size_t region_count;
  struct derp_region *regions;
  bool omit_default_regions;
};

struct derp_map_error {
  char msg[320]; /* e.g. `Regions.900.Nodes[0].DERPPort: expected integer 0..65535, got "x"` */
};

/* Parse any of the JSON forms described at the top. `text` need not be
 * NUL-terminated. On failure returns false, *out stays NULL and err->msg says
 * which field is wrong and how. */
bool derp_map_parse(const char *text, size_t len, struct derp_map **out,
                    struct derp_map_error *err);

/* Parse one node from flags: `HostName=127.0.0.1,DERPPort=443,CertName=...`.
 * Keys are the JSON field names, case-sensitive; values run to the next
 * comma (so cannot contain one); booleans are true/false. The result is a map
 * with one region holding that node. */
bool derp_map_parse_node_flags(const char *text, size_t len, struct derp_map **out,
                               struct derp_map_error *err);

/* The same, with the pairs laid over `base` (a node parsed earlier, e.g. the
 * relay's snippet line): a key given in `text` replaces the base's value,
 * every other base field is kept. base NULL = derp_map_parse_node_flags. */
bool derp_map_parse_node_flags_onto(const struct derp_node *base, const char *text, size_t len,
                                    struct derp_map **out, struct derp_map_error *err);

/* The "derpMap" of a tailnet policy file (HuJSON: comments, trailing
 * commas). Syntax errors read "LINE:COL: what" (prefix the file name);
 * field errors name the path from "derpMap.". */
bool derp_map_parse_policy(const char *text, size_t len, struct derp_map **out,
                           struct derp_map_error *err);
void derp_map_free(struct derp_map *m);

/* Region by selector, as `tailscale debug derp <region>` does (§5.1): a
 * decimal integer (Go strconv.Atoi: optional sign, no spaces) selects by id;
 * anything else selects the first region (by id order) whose RegionCode
 * equals it exactly. NULL when none. */
const struct derp_region *derp_map_find_region(const struct derp_map *m, const char *selector);

uint16_t derp_node_derp_port(const struct derp_node *n);
/* -1 when the node disables STUN. */
int derp_node_stun_port(const struct derp_node *n);

/* ---- dialing (§3.1 "Dialing") ---- */

enum derp_family { DERP_FAMILY_IPV4 = 4, DERP_FAMILY_IPV6 = 6 };

struct derp_dial_target {
  enum derp_family family;
  /* An address literal (from the IPv4/IPv6 field, or an IP-literal
   * HostName with any [brackets] removed), or a DNS name the shell must
   * resolve in `family` only. NUL-terminated. */
  char host[DERP_MAP_MAX_STRING + 1];
  bool is_literal;
  uint16_t port;
};

/* The targets to race for one node, IPv4 first: 0, 1 or 2 entries (0 for a
 * STUNOnly node or when both families are disabled). */
size_t derp_node_dial_targets(const struct derp_node *n, struct derp_dial_target out[2]);

struct derp_dial_step {
  size_t node_index; /* into region->nodes; steps of one node are raced */
  struct derp_dial_target target;
};

/* The region's nodes in order, STUNOnly nodes skipped. Returns how many steps
 * exist (may exceed cap; only the first cap are written). */
size_t derp_region_dial_plan(const struct derp_region *r, struct derp_dial_step *out, size_t cap);

/* ---- TLS configuration and the CertName dispatch (§3.1 steps 2-4) ---- */

enum derp_tls_verify {
  /* Empty CertName (or CertName == HostName, which Go treats the same): CA
   * verification (§4.1) for the SNI name; with no SNI (IP HostName) the
   * chain is checked but no name is. */
  DERP_TLS_VERIFY_CA,
  /* CertName "sha256-raw:<hex>": pin the leaf hash (§4.2c); pin_hex is the
   * remainder exactly as written (no trimming, no case folding). */
  DERP_TLS_VERIFY_PIN,
  /* Any other CertName (any CertName at all under DERP_CERTNAME_NAME_ONLY):
   * domain fronting (§4.3), verify the chain as if the server were
   * verify_name, while SNI stays HostName. */
  DERP_TLS_VERIFY_NAME,
};

struct derp_tls_plan {
  /* What to send as SNI: HostName with trailing dots removed, or "" (send
   * none) when HostName is an IP literal, bracketed or with a %zone, as Go's
   * crypto/tls decides. */
  char sni[DERP_MAP_MAX_STRING + 1];
  enum derp_tls_verify verify;
  const char *pin_hex; /* PIN: points into node->cert_name; else NULL */
  /* NAME: the CertName the chain must be valid for (node->cert_name); else
   * NULL (CA verifies for `sni`, "" meaning chain only; PIN has its own
   * rules). */
  const char *verify_name;
  /* InsecureForTests clears the CA check only: with PIN or NAME the
   * CertName check still runs, because Go applies CertName afterwards. */
  bool insecure_for_tests;
};

/* Which CertName forms a client release knows: the `sha256-raw:` prefix
 * arrived in v1.82.0. Before that every non-empty CertName went to
 * SetConfigExpectedCert (§4.3), so a pin is verified as a DNS name
 * "sha256-raw:<hex>", which no certificate names. */
enum derp_certname_rules {
  DERP_CERTNAME_PIN_AWARE = 0, /* v1.82.0 and later */
  DERP_CERTNAME_NAME_ONLY,     /* before v1.82.0 */
};

/* The plan of a client that knows pins (= derp_node_tls_plan_for(n,
 * DERP_CERTNAME_PIN_AWARE)). */
struct derp_tls_plan derp_node_tls_plan(const struct derp_node *n);
struct derp_tls_plan derp_node_tls_plan_for(const struct derp_node *n,
                                            enum derp_certname_rules rules);

#endif
