/* scenario_validate: the strict schema check behind scenario_load. Unknown
 * keys, wrong types, values outside their enums, dangling cert names and
 * malformed {placeholders} are errors naming the file and the JSON path. */
#ifndef DERPCHECK_SCENARIO_VALIDATE_H
#define DERPCHECK_SCENARIO_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The first error wins and names file and JSON path. The helpers below
   are shared with the other strictly loaded files (peers.json, the
   declared deviations in expectations/). */
struct schema {
  const char *file;
  char *err;
  size_t errlen;
};

/* Always false: err = "<file>: <path>: <message>". */
__attribute__((format(printf, 3, 4))) bool schema_fail(struct schema *v, const char *path,
                                                       const char *fmt, ...);
/* Every key of obj is in the NULL-terminated keys. */
bool schema_only_keys(struct schema *v, const json_t *obj, const char *path,
                      const char *const *keys);
/* obj[key] absent (unless required) or of type t (JSON_TRUE: a boolean). */
bool schema_field(struct schema *v, const json_t *obj, const char *path, const char *key,
                  json_type t, bool required);
/* obj[key] absent (unless required) or one of values. */
bool schema_enum(struct schema *v, const json_t *obj, const char *path, const char *key,
                 const char *const *values, bool required);
/* A client expectation object ({"result": ..., "reason": ...}) at path. */
bool schema_expectation(struct schema *v, const json_t *e, const char *path);

/* The client profiles a scenario may state expectations for, and the
   pseudo-profile of relay-level steps (checked by the runner itself). */
extern const char *const scenario_client_profiles[];
#define SCENARIO_RELAY_COLUMN "relay"
bool scenario_is_profile(const char *name);
/* "tailscale-1.80, tailscale-1.82, ..." for messages. */
void scenario_profile_list(char *out, size_t len);

/* The relay block's settings, the schema's defaults applied (strings
   borrowed from the document). */
struct scenario_relay {
  const char *tls_min;  /* "1.2" */
  const char *tls_max;  /* "1.3" */
  const char *metacert; /* "on" or "off" */
  const char *proxy;    /* "none" or "strip-metacert" */
  bool chain_generate;  /* chain: "generate" (derper makes its own cert) */
};
void scenario_relay_of(const json_t *relay, struct scenario_relay *out);

/* A step's client block, the schema's defaults applied. */
struct scenario_client_step {
  const char *mode;     /* "connect" */
  long long timeout_ms; /* 5000: the client's own time limit */
  bool background;      /* false */
  const char *key;      /* identity names, NULL when absent */
  const char *peer;
  const char *packet_hex; /* "" */
  const json_t *expect;   /* profile -> expectation */
};
void scenario_client_step_of(const json_t *client, struct scenario_client_step *out);

/* A raw script op's action: its one action key ("open", "send_hex",
   "expect_frame", ...), "?" when it has none. */
const char *scenario_raw_op_action(const json_t *op);
/* A raw script op's timeout_ms, the schema's default applied. */
long long scenario_raw_op_timeout_ms(const json_t *op);

/* *relay_level: whether the scenario has steps the runner checks itself. */
bool scenario_validate(const json_t *doc, const char *file, bool *relay_level, char *err,
                       size_t errlen);

#endif
