/* bench_d2i: the exec/s floor of a certificate fuzz target — how fast
 * OpenSSL's d2i_X509 alone gets through the certificates in the same inputs.
 *
 * Usage: bench_d2i LAYOUT SECONDS FILE_OR_DIR...
 *   LAYOUT   cert_fields | metacert | pin_verify: how a target's input
 *            carries its certificates (see the layout comment of fuzz/<t>.c)
 * Prints one line: "bench_d2i: <layout> <inputs> inputs, <certs> certs,
 * <d2i>/s d2i_X509, <inputs>/s inputs" — inputs/s is the rate a target that
 * calls d2i_X509 once per certificate and nothing else could reach, the floor
 * the bench puts beside the target's own exec/s (OpenSSL 3.0 spends ~100 us
 * per d2i_X509 here, mostly decoding the public key). */
#include <dirent.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_inputs.h"

#define MAX_INPUTS 4096
#define MAX_CERTS_PER_INPUT 4

struct cert_ref {
  const uint8_t *p;
  size_t n;
};

struct input {
  uint8_t *data;
  size_t len;
  struct cert_ref certs[MAX_CERTS_PER_INPUT];
  size_t n_certs;
};

static struct input inputs[MAX_INPUTS];
static size_t n_inputs;

/* Non-empty certificates, decoded as the targets decode them (fuzz_inputs.h). */
static void take_certs(const struct der_slice *certs, size_t n, struct input *in) {
  for (size_t i = 0; i < n && in->n_certs < MAX_CERTS_PER_INPUT; i++)
    if (certs[i].len) in->certs[in->n_certs++] = (struct cert_ref){certs[i].ptr, certs[i].len};
}

static bool split(const char *layout, struct input *in) {
  if (strcmp(layout, "cert_fields") == 0) {
    if (in->len) in->certs[in->n_certs++] = (struct cert_ref){in->data, in->len};
    return true;
  }
  if (strcmp(layout, "metacert") == 0) {
    struct metacert_fuzz_input m;
    if (metacert_fuzz_decode(in->data, in->len, &m)) take_certs(m.certs, m.n_certs, in);
    return true;
  }
  if (strcmp(layout, "pin_verify") == 0) {
    static struct pin_fuzz_input p;
    if (pin_fuzz_decode(in->data, in->len, &p)) take_certs(p.certs, p.call.n_certs, in);
    return true;
  }
  return false;
}

static void load_file(const char *path) {
  if (n_inputs == MAX_INPUTS) return;
  FILE *f = fopen(path, "rb");
  if (!f) return;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && st.st_size < (1 << 24)) {
    struct input *in = &inputs[n_inputs];
    in->len = (size_t)st.st_size;
    in->data = malloc(in->len);
    if (in->data && fread(in->data, 1, in->len, f) == in->len)
      n_inputs++;
    else
      free(in->data);
  }
  fclose(f);
}

static void load(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    load_file(path);
    return;
  }
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char full[4096];
    if (snprintf(full, sizeof full, "%s/%s", path, e->d_name) < (int)sizeof full) load_file(full);
  }
  closedir(d);
}

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_d2i cert_fields|metacert|pin_verify SECONDS FILE_OR_DIR...\n");
    return 2;
  }
  const char *layout = argv[1];
  double budget = atof(argv[2]);
  for (int i = 3; i < argc; i++) load(argv[i]);
  size_t certs = 0;
  for (size_t i = 0; i < n_inputs; i++) {
    if (!split(layout, &inputs[i])) {
      fprintf(stderr, "bench_d2i: unknown layout %s\n", layout);
      return 2;
    }
    certs += inputs[i].n_certs;
  }
  if (n_inputs == 0 || budget <= 0) {
    fprintf(stderr, "bench_d2i: no inputs (or no time)\n");
    return 2;
  }
  unsigned long long calls = 0, passes = 0;
  double start = seconds_now(), elapsed = 0;
  do {
    for (size_t i = 0; i < n_inputs; i++) {
      for (size_t c = 0; c < inputs[i].n_certs; c++) {
        const unsigned char *p = inputs[i].certs[c].p;
        X509_free(d2i_X509(NULL, &p, (long)inputs[i].certs[c].n));
        calls++;
      }
    }
    passes++;
    elapsed = seconds_now() - start;
  } while (elapsed < budget);
  printf("bench_d2i: %s %zu inputs, %zu certs, %.0f/s d2i_X509, %.0f/s inputs\n", layout, n_inputs,
         certs, (double)calls / elapsed, (double)(passes * n_inputs) / elapsed);
  for (size_t i = 0; i < n_inputs; i++) free(inputs[i].data);
  return 0;
}
