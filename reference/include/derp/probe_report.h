/* probe_report: the report `derp-client probe` prints, sans I/O.
 *
 * Why: `tailscale debug derp <region>` is what self-hosters run when a relay
 * "pings but won't connect", and its report is what they paste into issues.
 * derp-client's probe reproduces it (spec §5): the same checks in the same
 * order, the same message texts, the same JSON shape
 * ({"Info":[...],"Warnings":[...],"Errors":[...]}, each null when empty).
 * On top of upstream it adds a Diagnosis list: plain-words explanations
 * derived from facts the probe collected (how many certificates the server
 * presented, which were metacerts, the hash of the leaf, the pin, the
 * profile, the error text), e.g. "server presented 2 certificates (leaf +
 * metacert); clients 1.82.x reject this — ...".
 *
 * Everything here is pure: messages are formatted from arguments, the
 * diagnosis is a function of a facts struct, and output goes to a caller's
 * byte_writer. Nothing allocates: the report keeps its texts in a fixed
 * arena, and a message that does not fit is cut (the report is then marked
 * truncated) rather than refused, so a hostile error text can never make the
 * probe lose an entry. */
#ifndef DERP_PROBE_REPORT_H
#define DERP_PROBE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

#define PROBE_REPORT_ARENA 32768
#define PROBE_REPORT_MAX_ENTRIES 64 /* per section */
#define PROBE_MESSAGE_MAX 4096      /* one entry, NUL included */

enum probe_section {
  PROBE_INFO = 0,
  PROBE_WARNINGS,
  PROBE_ERRORS,
  PROBE_DIAGNOSIS,
  PROBE_SECTION_COUNT,
};

struct probe_report {
  size_t count[PROBE_SECTION_COUNT];
  uint32_t offset[PROBE_SECTION_COUNT][PROBE_REPORT_MAX_ENTRIES];
  size_t arena_used;
  bool truncated; /* an entry was cut or dropped for lack of room */
  /* Diagnosis i: its text is PROBE_DIAGNOSIS item i, its fix the arena
   * string at diag_fix[i]. */
  const char *diag_code[PROBE_REPORT_MAX_ENTRIES];
  uint8_t diag_severity[PROBE_REPORT_MAX_ENTRIES];
  uint32_t diag_fix[PROBE_REPORT_MAX_ENTRIES];
  char arena[PROBE_REPORT_ARENA];
};

void probe_report_init(struct probe_report *r);
/* Appends text (cut to what fits). False when nothing could be stored. */
bool probe_report_add(struct probe_report *r, enum probe_section s, const char *text);
size_t probe_report_count(const struct probe_report *r, enum probe_section s);
/* NULL when i is out of range. */
const char *probe_report_item(const struct probe_report *r, enum probe_section s, size_t i);
bool probe_report_contains(const struct probe_report *r, enum probe_section s, const char *text);

/* ---- the §5.1 messages ---- */

enum probe_msg_kind {
  PROBE_MSG_NO_DERP_MAP,    /* E "no DERP map (not connected?)" */
  PROBE_MSG_NO_SUCH_REGION, /* E "no such region %q in DERP map": text = selector */
  PROBE_MSG_REGION,         /* I "Region %v == %q": number = id, text = code */
  PROBE_MSG_SINGLE_REGION,  /* W single point of failure */
  PROBE_MSG_AVOID,          /* W "Region is marked with Avoid bit" */
  PROBE_MSG_NO_NODES,       /* E "Region has no nodes defined" */
  PROBE_MSG_STUN_ONLY,      /* I "Node %q is marked STUNOnly; skipped non-STUN checks" */
  PROBE_MSG_DIAL_ERROR,     /* E "Error connecting to node %q @ %q over IPv%d: %v" */
  PROBE_MSG_TLS_ERROR,  /* E "Error upgrading connection to node %q @ %q to TLS over IPv%d: %v" */
  PROBE_MSG_IPV6_ONLY,  /* W "Node %q only has IPv6 connectivity, not IPv4" */
  PROBE_MSG_DUAL_STACK, /* I "Node %q has working IPv4 and IPv6 connectivity" */
  PROBE_MSG_CAPTIVE_INTERNAL, /* W "Internal error creating request for captive portal check: %v" */
  PROBE_MSG_CAPTIVE_FAILED, /* W "Error making request to the captive portal check %q; is port 80 blocked?": addr = URL */
  PROBE_MSG_DERP_ERROR, /* E "Error connecting to node %q @ try %d: %v" */
  PROBE_MSG_DERP_OK,    /* I "Successfully established a DERP connection with node %q" */
  PROBE_MSG_MULTIPLE_KEYS, /* E "Received multiple server public keys (%d); is the DERP server behind a load balancer?" */
  PROBE_MSG_STUN_LISTEN_ERROR,  /* E "Error creating IPv4 STUN listener: %v" */
  PROBE_MSG_STUN_RESOLVE_ERROR, /* E "Error resolving node %q IPv4 addresses: %v" */
  PROBE_MSG_STUN_SEND_ERROR, /* E "Error sending IPv4 STUN packet to %v (%q): %v": addr = ip:port */
  PROBE_MSG_STUN_OK,         /* I "Node %q returned IPv4 STUN response: %v": addr = ip:port */
  PROBE_MSG_STUN_NONE,       /* W "Node %q did not return a IPv4 STUN response" */
};

/* Arguments of one message; the ones a kind does not use are ignored, a
 * NULL string is "". %q is Go's strconv.Quote. */
struct probe_msg {
  enum probe_msg_kind kind;
  const char *host; /* the node's HostName */
  const char *addr; /* "host:port" as Go's net.JoinHostPort, or a URL */
  const char *text; /* region selector / region code */
  const char *err;  /* the error, verbatim */
  int64_t number;   /* region id, IP family (4 or 6), try index, key count */
};

/* The section a kind belongs to. */
enum probe_section probe_msg_section(enum probe_msg_kind kind);
/* Format into out (always NUL-terminated when cap > 0). False if cut. */
bool probe_msg_format(const struct probe_msg *m, char *out, size_t cap);
/* Format and append to the right section. */
bool probe_report_message(struct probe_report *r, const struct probe_msg *m);

/* ---- the Diagnosis ---- */

enum probe_stage {
  PROBE_STAGE_DIAL = 0, /* TCP connect */
  PROBE_STAGE_TLS,      /* TLS handshake incl. certificate verification */
  PROBE_STAGE_DERP,     /* HTTP upgrade / DERP handshake */
  PROBE_STAGE_STUN,
  PROBE_STAGE_ACCEPT,    /* connected and ClientInfo sent, closed before ServerInfo */
  PROBE_STAGE_CAPTIVE,   /* the port-80 check had no answer */
  PROBE_STAGE_KEYS,      /* the DERP tries saw more than one server key */
  PROBE_STAGE_CONNECTED, /* a DERP connection worked: how (path, TLS version) */
  PROBE_STAGE_FAMILY,    /* a dual-stack node answered in one family only (family: the other) */
};

/* What was observed around one failure. Strings may be NULL (unknown). */
struct probe_facts {
  enum probe_stage stage;
  const char *error;          /* the failing step's error text, verbatim */
  const char *profile;        /* "current", "tailscale-1.82", ..., "debug-legacy" */
  const char *host_name;      /* DERPNode.HostName */
  const char *cert_name;      /* DERPNode.CertName as written */
  const char *addr;           /* what was dialled, host:port */
  int family;                 /* 4 or 6 when the dial was per family, else 0 */
  size_t certs_presented;     /* 0: unknown / none */
  size_t metacerts_presented; /* of those, how many had a "derpkey" CN */
  const char *leaf_sha256;    /* lowercase hex of the first non-metacert presented */
  bool leaf_self_signed;      /* its issuer equals its subject */
  bool has_leaf_validity;
  int64_t leaf_not_before; /* Unix seconds */
  int64_t leaf_not_after;
  int64_t now;                /* Unix seconds: this machine's clock (0: unknown) */
  const char *snippet_sha256; /* hex from the relay's snippet (--snippet), if known */
  const char *cert_file_stem; /* <name> of <certdir>/<name>.crt for the hostname */
  int stun_port;
  int http_status;      /* DERP stage: the status of a non-101 answer (0: none) */
  int tls_version;      /* CONNECTED: e.g. 0x0304 */
  bool fast_path;       /* CONNECTED: the metacert spared the upgrade round trip */
  size_t distinct_keys; /* KEYS: how many server keys the tries saw */
  int tries;            /* KEYS: over how many connections */
  /* What the fixed TLS logic (profile current) gave for the same node when
   * the failure came from an older profile: 0 not tried, 1 a DERP
   * connection was made, -1 it failed too (fixed_error says how). */
  int fixed_check;
  const char *fixed_error;
};

enum probe_severity {
  PROBE_SEVERITY_INFO = 0, /* works, but not the best way */
  PROBE_SEVERITY_WARNING,  /* some clients or features are affected */
  PROBE_SEVERITY_ERROR,    /* clients cannot use the relay this way */
};

#define PROBE_FIX_MAX 1024

/* One cause, named: a stable code for machines (`upgrade-stripped`,
 * `cert-replaced`, ...; the list is in README "Troubleshooting your
 * relay"), a sentence saying what is wrong, and what to do about it. */
struct probe_diagnosis {
  const char *code; /* static */
  enum probe_severity severity;
  char text[PROBE_MESSAGE_MAX];
  char fix[PROBE_FIX_MAX]; /* "" when there is nothing to do (informational) */
};

const char *probe_severity_name(enum probe_severity s); /* "info", "warning", "error" */

/* The diagnosis for these facts, or false (d->code NULL) when no rule applies. */
bool probe_diagnose(const struct probe_facts *f, struct probe_diagnosis *d);
/* probe_diagnose, added to the report unless the same code and text are
 * already there. */
bool probe_report_diagnose(struct probe_report *r, const struct probe_facts *f);
bool probe_report_add_diagnosis(struct probe_report *r, const struct probe_diagnosis *d);
size_t probe_report_diagnosis_count(const struct probe_report *r);
/* The i-th diagnosis: code, severity, text and fix (borrowed from r). */
bool probe_report_diagnosis_at(const struct probe_report *r, size_t i, const char **code,
                               enum probe_severity *severity, const char **text, const char **fix);
/* The worst severity in the report; PROBE_SEVERITY_INFO when there is none. */
enum probe_severity probe_report_worst_severity(const struct probe_report *r);

/* ---- output ---- */

/* A JSON string literal as Go's encoding/json writes it: ", \ and control
 * bytes escaped (\n \r \t, else \u00XX), <, > and & as \u003c \u003e \u0026,
 * U+2028/U+2029 escaped, invalid UTF-8 replaced by \ufffd. */
bool probe_json_write_string(struct byte_writer *w, const char *s);
/* An array of the section's strings, or null when it is empty. */
bool probe_json_write_section(struct byte_writer *w, const struct probe_report *r,
                              enum probe_section s);
/* The Diagnosis as [{"code":..,"severity":..,"text":..,"fix":..}], or null. */
bool probe_json_write_diagnosis(struct byte_writer *w, const struct probe_report *r);
/* Upstream's object {"Info":..,"Warnings":..,"Errors":..}: compact, or as
 * the tailscale CLI prints it (json.MarshalIndent with a one-space indent). */
bool probe_report_write_json(struct byte_writer *w, const struct probe_report *r, bool indent);
/* The indented JSON, then "Diagnosis:" and per entry "  - <severity>
 * <code>: <text>" and, when there is one, "    fix: <fix>" (nothing when
 * there are none). */
bool probe_report_write_human(struct byte_writer *w, const struct probe_report *r);
/* Bytes that any of the writers above may need for r (an upper bound). */
size_t probe_report_output_bound(const struct probe_report *r);

#endif
