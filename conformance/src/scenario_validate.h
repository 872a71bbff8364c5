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

/* The cert a scenario without relay.certs gets (chain and CertName pin
   default to it too). */
#define SCENARIO_DEFAULT_CERT "leaf"

/* The relay block's settings, the schema's defaults applied (strings
   borrowed from the document). */
struct scenario_relay {
  bool v6;              /* address: "v6" (::1), else "v4" (127.0.0.1) */
  const char *hostname; /* NULL: the address */
  const char *tls_min;  /* "1.2" */
  const char *tls_max;  /* "1.3" */
  const char *metacert; /* "on" or "off" */
  const char *proxy;    /* "none" or "strip-metacert" */
  bool chain_generate;  /* chain: "generate" (derper makes its own cert) */
  bool verify_clients;  /* verify_clients given (the relay admits only those keys) */
  /* A second relay meshed with the first both ways (--mesh-with, the
     client_ca as the mesh peers' roots): NULL, "same" (the implementation
     under test again) or "reference" (the reference relay). */
  const char *mesh_peer;
  bool rate_config; /* rate_config given: written as JSON, the relay's --rate-config */
};
void scenario_relay_of(const json_t *relay, struct scenario_relay *out);

/* The time limits a scenario may leave out (timeout_ms, wait_ms). */
enum {
  /* A client step: what the client is told ({timeout_ms}); the runner
     allows that plus its own --client-timeout. */
  SCENARIO_CLIENT_TIMEOUT_MS = 5000,
  /* The runner's peer opening a connection: TCP, TLS and, for a raw
     "open" past tls, the DERP handshake (also each tls_handshakes one). */
  SCENARIO_OPEN_TIMEOUT_MS = 5000,
  /* A raw op that waits for bytes or a close. */
  SCENARIO_WAIT_TIMEOUT_MS = 3000,
  /* A relay_log step, for each line. */
  SCENARIO_LOG_WAIT_MS = 3000,
  /* A udp step: for its reply, or for the silence to hold. */
  SCENARIO_UDP_REPLY_WAIT_MS = 2000,
  SCENARIO_UDP_SILENCE_WAIT_MS = 200,
};

/* A step's client block, the schema's defaults applied. */
struct scenario_client_step {
  const char *mode;     /* "connect" */
  long long timeout_ms; /* SCENARIO_CLIENT_TIMEOUT_MS */
  bool background;      /* false */
  bool websocket;       /* false: DERP over WebSocket (the client's --websocket) */
  int relay;            /* 1; 2: the scenario's mesh peer relay */
  const char *key;      /* identity names, NULL when absent */
  const char *peer;
  const char *packet_hex; /* "" */
  const json_t *expect;   /* profile -> expectation */
};
void scenario_client_step_of(const json_t *client, struct scenario_client_step *out);

/* A raw op's one action, in the order of scenario_raw_action_names. */
enum scenario_raw_action {
  RAW_OPEN,
  RAW_SEND_TEXT,
  RAW_SEND_HEX,
  RAW_SEND_FRAME,
  RAW_SEND_CLIENT_INFO,
  RAW_CLOSE,
  RAW_EXPECT_CLOSED,
  RAW_EXPECT_FRAME,
  RAW_EXPECT_HTTP,
  RAW_EXPECT_TEXT,
  RAW_SEND_BURST,
  RAW_EXPECT_BURST,
  RAW_EXPECT_WS,
  RAW_RESTART_MESH_PEER, /* stop relay.mesh_peer, start it again, await meshing */
};
/* Each action's key, NULL-terminated. */
extern const char *const scenario_raw_action_names[];

/* One op of a raw step. The action's own object (send_frame,
   expect_frame, ...) stays JSON, read by the one op that uses it: its
   optional lengths default to sizes known only at run time (the expanded
   hex's), and its other fields are required. */
struct scenario_raw_op {
  const json_t *json; /* the op object, borrowed */
  const char *conn;
  enum scenario_raw_action action;
  const char *open;     /* open's mode, when action is RAW_OPEN */
  const char *key;      /* identity of an open: the conn name */
  long long timeout_ms; /* SCENARIO_OPEN_TIMEOUT_MS to open, else
                           SCENARIO_WAIT_TIMEOUT_MS */
};
void scenario_raw_op_of(const json_t *op, struct scenario_raw_op *out);

struct scenario_udp_step {
  const char *send_hex;
  bool expect_reply;            /* expect: "reply" (else "silence") */
  const char *reply_prefix_hex; /* NULL: not checked */
  long long reply_len;          /* -1: not checked */
  int wait_ms;                  /* SCENARIO_UDP_REPLY_WAIT_MS or _SILENCE_ */
};

struct scenario_tls_handshakes_step {
  long long count;
  long long certs;     /* -1: not checked */
  bool same_chain;     /* false */
  const char *last_cn; /* NULL: not checked */
};

struct scenario_relay_log_step {
  const json_t *line_prefix; /* arrays of texts, NULL when absent */
  const json_t *line_contains;
  bool snippet_matches_certfile; /* false */
  int wait_ms;                   /* SCENARIO_LOG_WAIT_MS */
};

enum scenario_step_kind {
  STEP_CLIENT,
  STEP_RAW,
  STEP_UDP,
  STEP_TLS_HANDSHAKES,
  STEP_RELAY_LOG,
};

/* One entry of "steps", decoded. Every kind but STEP_CLIENT is a
   relay-level step the runner checks itself. */
struct scenario_step {
  const json_t *json; /* the step object, borrowed */
  enum scenario_step_kind kind;
  union {
    struct scenario_client_step client;
    struct {
      struct scenario_raw_op *ops; /* owned */
      size_t n_ops;
    } raw;
    struct scenario_udp_step udp;
    struct scenario_tls_handshakes_step tls_handshakes;
    struct scenario_relay_log_step relay_log;
  };
};
/* False when out of memory; scenario_step_free releases what it made. */
bool scenario_step_of(const json_t *step, struct scenario_step *out);
void scenario_step_free(struct scenario_step *st);

/* *relay_level: whether the scenario has steps the runner checks itself. */
bool scenario_validate(const json_t *doc, const char *file, bool *relay_level, char *err,
                       size_t errlen);

#endif
