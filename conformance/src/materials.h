/* materials: what a scenario's processes are given — certificates, keys,
 * key files, a CA file — made from the scenario's relay setup with the
 * harness certificate factory, deterministically from the run's seed.
 *
 * The runner knows every secret it hands out (the relay's DERP key, each
 * client identity's key), so expectations can name exact values: the server
 * key a client must learn, the hash a pin must hold, the notAfter an
 * expired-cert error must print. All of them become template variables
 * ({server_key}, {cert:leaf:sha256}, {cert:leaf:not_after}, {key:a}, ...).
 * Times are relative to an injected `now`. */
#ifndef DERPCHECK_MATERIALS_H
#define DERPCHECK_MATERIALS_H

#include <jansson.h>
#include <limits.h>

/* Temp dirs are kept short so every file path under them fits PATH_MAX. */
#define DIR_MAX 1024
#include <stdbool.h>
#include <stdint.h>

#include "harness/cert_factory.h"
#include "scenario_validate.h"
#include "template.h"

#define MATERIALS_MAX_IDS 8

struct scenario_cert {
  char *name;
  struct factory_cert *fc;
  int64_t not_before, not_after;
};

struct identity {
  char name[32];
  uint8_t priv[32], pub[32];
  char pub_hex[65];
  char keyfile[PATH_MAX];
};

struct materials {
  struct cert_factory *factory;
  uint64_t seed;
  int64_t now;
  char tmpdir[DIR_MAX];
  char addr[64];      /* 127.0.0.1 or ::1: where the relay listens */
  char hostname[256]; /* the relay's --hostname */
  char file_name[256];
  char certdir[DIR_MAX], certfile[PATH_MAX], certkey[PATH_MAX];
  char metacert_file[PATH_MAX], keyfile[PATH_MAX], ca_file[PATH_MAX];
  char verify_clients_file[PATH_MAX];
  char mesh_psk_file[PATH_MAX];    /* "" unless the scenario gives relay.mesh_key */
  char mesh_key_hex[65];           /* its key, "" likewise */
  char rate_config_file[PATH_MAX]; /* relay.rate_config as a file, else "" */
  bool generate;                   /* the relay makes its own cert (certdir left empty) */
  struct identity relay;
  struct identity ids[MATERIALS_MAX_IDS];
  size_t n_ids;
  struct scenario_cert *certs;
  size_t n_certs;
  struct factory_cert *metacert; /* the relay key's §2 metacert */
};

/* Make every file of the scenario (doc, its relay block decoded as
   settings) under tmpdir. */
bool materials_make(const json_t *doc, const struct scenario_relay *settings, const char *tmpdir,
                    uint64_t seed, int64_t now, struct materials *m, char *err, size_t errlen);
void materials_free(struct materials *m);

/* A client identity by name, made (and its key file written) on first use;
   NULL when there are too many. */
const struct identity *materials_identity(struct materials *m, const char *name);
const struct scenario_cert *materials_cert(const struct materials *m, const char *name);

/* Set {server_key}, {cert:<name>:sha256|sha256_upper|not_before|not_after|
   not_before_rfc3339|not_after_rfc3339}, {key:<name>} for every identity
   made so far, {hostname}, {addr}. */
bool materials_vars(const struct materials *m, struct tvars *t);

/* {snippet:sha256}: the 64 hex after "sha256-raw:" in the CertName the
   relay's DERPMap snippet printed (certname; NULL when the scenario does not
   take it from the snippet). Anything else leaves the name unavailable, so
   an expectation using it is an error that says why. */
bool materials_snippet_var(struct tvars *t, const char *certname);

/* derper's certdir file name: hostname without chars outside [A-Za-z0-9-.] */
void cert_file_name(const char *hostname, char *out, size_t outlen);

#endif
