#include "harness/det_rand.h"

#include <limits.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#define DET_RAND_PROVIDER "derpcheck-det-rand"
#define DET_RAND_ALGORITHM "DERPCHECK-DET"

/* One stream for the whole process: OpenSSL creates several DRBG instances
 * per context (primary, public, private per thread) and we want a reseed to
 * pin down whatever any of them returns next. */
static uint64_t stream_state;
static uint8_t stream_block[8];
static size_t stream_used = sizeof stream_block;

static uint64_t splitmix64_next(void) {
  uint64_t z = (stream_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void det_rand_reseed(uint64_t seed) {
  stream_state = seed;
  stream_used = sizeof stream_block;
}

void det_rand_fill(uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (stream_used == sizeof stream_block) {
      uint64_t v = splitmix64_next();
      for (size_t b = 0; b < sizeof stream_block; b++) stream_block[b] = (uint8_t)(v >> (8 * b));
      stream_used = 0;
    }
    out[i] = stream_block[stream_used++];
  }
}

/* --- the provider: a RAND algorithm whose instances only track state --- */

static OSSL_FUNC_rand_newctx_fn det_newctx;
static OSSL_FUNC_rand_freectx_fn det_freectx;
static OSSL_FUNC_rand_instantiate_fn det_instantiate;
static OSSL_FUNC_rand_uninstantiate_fn det_uninstantiate;
static OSSL_FUNC_rand_generate_fn det_generate;
static OSSL_FUNC_rand_reseed_fn det_reseed_cb;
static OSSL_FUNC_rand_enable_locking_fn det_enable_locking;
static OSSL_FUNC_rand_gettable_ctx_params_fn det_gettable_ctx_params;
static OSSL_FUNC_rand_get_ctx_params_fn det_get_ctx_params;

static void *det_newctx(void *provctx, void *parent, const OSSL_DISPATCH *parent_calls) {
  (void)provctx;
  (void)parent;
  (void)parent_calls;
  int *state = OPENSSL_malloc(sizeof *state);
  if (state != NULL) *state = EVP_RAND_STATE_UNINITIALISED;
  return state;
}

static void det_freectx(void *vctx) { OPENSSL_free(vctx); }

static int det_instantiate(void *vctx, unsigned int strength, int prediction_resistance,
                           const unsigned char *pstr, size_t pstr_len, const OSSL_PARAM params[]) {
  (void)strength;
  (void)prediction_resistance;
  (void)pstr;
  (void)pstr_len;
  (void)params;
  *(int *)vctx = EVP_RAND_STATE_READY;
  return 1;
}

static int det_uninstantiate(void *vctx) {
  *(int *)vctx = EVP_RAND_STATE_UNINITIALISED;
  return 1;
}

static int det_generate(void *vctx, unsigned char *out, size_t outlen, unsigned int strength,
                        int prediction_resistance, const unsigned char *adin, size_t adin_len) {
  (void)vctx;
  (void)strength;
  (void)prediction_resistance;
  (void)adin;
  (void)adin_len;
  det_rand_fill(out, outlen);
  return 1;
}

/* Reseeding from OpenSSL's side (prediction resistance, reseed intervals)
 * must not disturb the stream: only det_rand_reseed moves it. */
static int det_reseed_cb(void *vctx, int prediction_resistance, const unsigned char *entropy,
                         size_t entropy_len, const unsigned char *adin, size_t adin_len) {
  (void)vctx;
  (void)prediction_resistance;
  (void)entropy;
  (void)entropy_len;
  (void)adin;
  (void)adin_len;
  return 1;
}

static int det_enable_locking(void *vctx) {
  (void)vctx;
  return 1;
}

static const OSSL_PARAM *det_gettable_ctx_params(void *vctx, void *provctx) {
  (void)vctx;
  (void)provctx;
  static const OSSL_PARAM known[] = {
      OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
      OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
      OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
      OSSL_PARAM_END,
  };
  return known;
}

static int det_get_ctx_params(void *vctx, OSSL_PARAM params[]) {
  OSSL_PARAM *p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE);
  if (p != NULL && !OSSL_PARAM_set_int(p, *(int *)vctx)) return 0;
  /* Claim enough strength for any key size the factory asks for. */
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH);
  if (p != NULL && !OSSL_PARAM_set_uint(p, 1024)) return 0;
  p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST);
  if (p != NULL && !OSSL_PARAM_set_size_t(p, INT_MAX)) return 0;
  return 1;
}

static const OSSL_DISPATCH det_rand_functions[] = {
    {OSSL_FUNC_RAND_NEWCTX, (void (*)(void))det_newctx},
    {OSSL_FUNC_RAND_FREECTX, (void (*)(void))det_freectx},
    {OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))det_instantiate},
    {OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))det_uninstantiate},
    {OSSL_FUNC_RAND_GENERATE, (void (*)(void))det_generate},
    {OSSL_FUNC_RAND_RESEED, (void (*)(void))det_reseed_cb},
    {OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))det_enable_locking},
    {OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))det_gettable_ctx_params},
    {OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))det_get_ctx_params},
    {0, NULL},
};

static const OSSL_ALGORITHM det_rand_algorithms[] = {
    {DET_RAND_ALGORITHM, "provider=" DET_RAND_PROVIDER, det_rand_functions, NULL},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *det_query(void *provctx, int operation_id, int *no_cache) {
  (void)provctx;
  *no_cache = 0;
  return operation_id == OSSL_OP_RAND ? det_rand_algorithms : NULL;
}

static const OSSL_DISPATCH det_provider_functions[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))det_query},
    {0, NULL},
};

static int det_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                             const OSSL_DISPATCH **out, void **provctx) {
  (void)handle;
  (void)in;
  *out = det_provider_functions;
  *provctx = NULL;
  return 1;
}

bool det_rand_install(OSSL_LIB_CTX *libctx, uint64_t seed, struct det_rand_providers *out) {
  det_rand_reseed(seed);
  out->det = out->base = NULL;
  if (!OSSL_PROVIDER_add_builtin(libctx, DET_RAND_PROVIDER, det_provider_init)) return false;
  out->base = OSSL_PROVIDER_load(libctx, "default");
  out->det = OSSL_PROVIDER_load(libctx, DET_RAND_PROVIDER);
  if (out->base == NULL || out->det == NULL ||
      RAND_set_DRBG_type(libctx, DET_RAND_ALGORITHM, NULL, NULL, NULL) != 1) {
    det_rand_uninstall(out);
    return false;
  }
  return true;
}

void det_rand_uninstall(struct det_rand_providers *p) {
  if (p->det != NULL) OSSL_PROVIDER_unload(p->det);
  if (p->base != NULL) OSSL_PROVIDER_unload(p->base);
  p->det = p->base = NULL;
}
