/* gen_corpus: the seed-corpus generator shared declarations.
 *
 * One program writes every target's seeds (corpus/<target>/<name>) from code,
 * deterministically: certificates come from the harness factory with a fixed
 * seed and a fixed clock, boxes from the fixed keys of fuzz_keys.h, so a
 * regeneration rewrites byte-identical files. The one exception,
 * tls_client_handshake, records a live TLS server and is written only on
 * request. Seeds are the shapes that
 * matter (spec cases and their near misses); the engines find the rest. */
#ifndef DERP_FUZZ_GEN_CORPUS_H
#define DERP_FUZZ_GEN_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"
#include "harness/cert_factory.h"

/* 2026-01-01T00:00:00Z: the clock every generated certificate is made at. */
#define GEN_NOW 1767225600

struct corpus_sink {
  const char *root; /* corpus/ */
  const char *only; /* NULL, or the one target to write */
  unsigned written;
  bool failed;
};

/* Write one seed; failures are counted in the sink and reported at the end. */
void corpus_put(struct corpus_sink *s, const char *target, const char *name, const uint8_t *p,
                size_t n);
/* The bytes a byte_writer holds; a writer that overflowed marks the sink failed. */
void corpus_put_writer(struct corpus_sink *s, const char *target, const char *name,
                       const struct byte_writer *w, bool ok);
void corpus_put_text(struct corpus_sink *s, const char *target, const char *name, const char *text);

/* Fragments: certificate targets and Certificate messages (needs the
 * harness factory), text/packet targets, the two DERP frame targets, the
 * JSON text targets, derp-relay's configuration parsers, ipcert_pem's PEM pairs, and tls_client_handshake's
 * recorded flights (written only when that target is named: the server's
 * randomness makes them differ on every run). */
bool gen_cert_seeds(struct corpus_sink *s);
void gen_wire_seeds(struct corpus_sink *s);
void gen_frame_seeds(struct corpus_sink *s);
void gen_json_seeds(struct corpus_sink *s);
void gen_config_seeds(struct corpus_sink *s);
void gen_argv_seeds(struct corpus_sink *s);
void gen_report_seeds(struct corpus_sink *s);
void gen_pem_seeds(struct corpus_sink *s);
void gen_tls_handshake_seeds(struct corpus_sink *s);

/* The one CA the seeds' CA-signed chains hang from: "derpcheck test CA",
 * IP 10.0.0.1 without SANs, CA extensions, valid at `now`. */
struct cert_spec gen_test_ca_spec(int64_t now);

#endif
