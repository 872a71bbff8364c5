/* Fuzz target tls_client_handshake: the client's certificate path end to end
 * inside OpenSSL. A deterministic TLS client (tls_client_fixture.h) hears
 * the fuzz input as the server's bytes over memory BIOs; its msg callback
 * captures the Certificate message and its certificate verify callback runs
 * tls_certmsg_parse + pin_verify over the exact bytes, as derpcheck's client
 * does. Seeds are server flights recorded against this same client
 * (`fuzz/gen_corpus.sh tls_client_handshake`), so mutations reach the
 * Certificate message (TLS 1.2 in clear, TLS 1.3 after the handshake keys,
 * which the recorded key share reproduces).
 *
 * Input layout: the server's byte stream (TLS records), fed at once.
 *
 * Oracles:
 *  - whenever OpenSSL accepted a Certificate message, tls_certmsg_parse
 *    splits it into as many certificates as OpenSSL's parsed chain, each
 *    slice parsing (all of it) to a certificate that re-encodes exactly as
 *    OpenSSL's (or reports TOO_MANY past its cap);
 *  - verification never runs without a captured Certificate message;
 *  - pin_verify's return agrees with its status and index;
 *  - a finished handshake was verified and pinned. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tls_client_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HANDSHAKE_FUZZ_MAX_INPUT 65536u
#define HANDSHAKE_MAX_STEPS 8

static struct tls_client_fixture fixture;
static bool fixture_ready;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fixture_ready = fixture_init(&fixture);
  if (!fixture_ready) fprintf(stderr, "tls_client_handshake: fixture set-up failed\n");
  return 0;
}

static int one_input(const uint8_t *data, size_t size) {
  if (!fixture_ready) abort(); /* a broken fixture must not pass as "no crash" */
  if (size > HANDSHAKE_FUZZ_MAX_INPUT) return -1;
  BIO *in, *out;
  SSL *ssl = fixture_client(&fixture, &in, &out);
  ORACLE_ASSERT(ssl != NULL, "no client");
  (void)SSL_do_handshake(ssl); /* ClientHello */
  (void)BIO_reset(out);
  if (size > 0) ORACLE_ASSERT(BIO_write(in, data, (int)size) == (int)size, "BIO_write");
  int done = 0;
  for (int step = 0; step < HANDSHAKE_MAX_STEPS && done != 1; step++) {
    done = SSL_do_handshake(ssl);
    (void)BIO_reset(out);
    if (done != 1 && SSL_get_error(ssl, done) != SSL_ERROR_WANT_READ) break;
    if (done != 1 && BIO_ctrl_pending(in) == 0) break;
  }
  if (getenv("DERP_FUZZ_VERBOSE") != NULL)
    fprintf(stderr, "tls_client_handshake: %s, certificate %s, verified %d, pin %s\n",
            done == 1 ? "finished" : "not finished",
            fixture_capture_slot.seen ? "seen" : "not seen", fixture_capture_slot.verified,
            fixture_capture_slot.pin_ok ? "ok" : "not ok");
  if (done == 1) {
    ORACLE_ASSERT(fixture_capture_slot.verified && fixture_capture_slot.pin_ok,
                  "handshake finished without an accepted pin");
    uint8_t sink[256];
    (void)SSL_read(ssl, sink, sizeof sink); /* post-handshake messages */
  }
  SSL_free(ssl);
  ERR_clear_error();
  return 0;
}

/* OpenSSL keeps a failed decode's error (with strdup'd texts) on its queue
 * and frees it in some later run; libFuzzer then sees a run allocate more
 * than it frees and stops to look for a leak with LeakSanitizer, which was
 * most of this target's time. Each run leaves the queue empty. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int rc = one_input(data, size);
  ERR_clear_error();
  return rc;
}
