/* derp-relay: the derpcheck reference DERP relay (see relay_flags_usage).
 *
 * main wires the pieces in start-up order: flags, DERP key, certificate and
 * TLS context (printing the snippet), allowlist, listeners, ready file, then
 * the event loop until SIGTERM/SIGINT, and frees everything on the way out so
 * a sanitizer run ends with no leaks. Exit status: 0 after a signal, 1 when
 * start-up fails, 2 on a flag error (as Go's flag package). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "derp/derp_keys.h"
#include "relay_allowlist.h"
#include "relay_flag_files.h"
#include "relay_flags.h"
#include "relay_keyfile.h"
#include "relay_log.h"
#include "relay_rateconfig.h"
#include "relay_ready.h"
#include "relay_server.h"
#include "relay_stun.h"
#include "relay_tls.h"

#define ERR_CAP 8192

/* os.UserCacheDir() + "/tailscale/derper-certs", derper's default. */
static void default_certdir(char *out, size_t cap) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  out[0] = '\0';
  if (xdg != NULL && xdg[0] == '/') {
    snprintf(out, cap, "%s/tailscale/derper-certs", xdg);
  } else if (home != NULL && home[0] != '\0') {
    snprintf(out, cap, "%s/.cache/tailscale/derper-certs", home);
  }
}

static bool load_key(const struct relay_flags *f, struct derp_keypair *kp, char *err, size_t cap) {
  char text[DERP_KEY_TEXT_SIZE];
  if (f->keyfile == NULL) {
    if (!derp_keypair_generate(kp)) {
      snprintf(err, cap, "cannot generate a DERP key");
      return false;
    }
    derp_key_public_text(kp->pub, text);
    relay_log_printf("no -c key file: using the ephemeral DERP key %s", text);
    return true;
  }
  bool created = false;
  if (relay_keyfile_load_or_create(f->keyfile, kp, &created, err, cap) != DERP_KEYFILE_OK) {
    return false;
  }
  derp_key_public_text(kp->pub, text);
  relay_log_printf("%s key file %s: DERP key %s", created ? "created" : "loaded", f->keyfile, text);
  return true;
}

static bool init_tls(const struct relay_flags *f, const struct derp_keypair *kp,
                     struct relay_tls *tls, char *err, size_t cap) {
  time_t now = time(NULL);
  struct tm local;
  localtime_r(&now, &local);
  struct relay_tls_options o = {
      .hostname = f->hostname,
      .certdir = f->certdir,
      .metacert = f->metacert,
      .tls_min = f->tls_min,
      .tls_max = f->tls_max,
      .derp_pub = kp->pub,
      .now = (int64_t)now,
      .utc_offset = (int32_t)local.tm_gmtoff,
  };
  char why[ERR_CAP];
  if (!relay_tls_init(tls, &o, why, sizeof why)) {
    snprintf(err, cap, "can not start cert provider: %.8000s", why); /* derper's wording */
    return false;
  }
  if (tls->snippet[0] != '\0') relay_log_raw(tls->snippet, strlen(tls->snippet));
  return true;
}

struct relay_program {
  struct relay_flags flags;
  uint8_t mesh_key[32];
  bool has_mesh_key;
  struct derp_keypair keys;
  struct relay_tls tls;
  uint8_t (*allowed)[32];
  size_t allowed_count;
  struct event_base *base;
  struct relay_server *server;
  struct relay_stun *stun;
  struct event *sig_term, *sig_int, *sig_hup;
  struct relay_rate_config rate;
};

static void log_rate_applied(uint64_t bytes_per_sec, uint64_t burst) {
  relay_log_printf("rate config applied: client-rate=%llu bytes/sec, client-burst=%llu bytes",
                   (unsigned long long)bytes_per_sec, (unsigned long long)burst);
}

/* derper's watchRateConfig: a bad file keeps the limits in force. */
static void on_sighup(evutil_socket_t sig, short what, void *arg) {
  (void)sig;
  (void)what;
  struct relay_program *p = arg;
  relay_log_printf("derp-relay: received SIGHUP, reloading rate config from %s",
                   p->flags.rate_config);
  char err[600];
  struct relay_rate_config rc;
  if (!relay_rateconfig_load(p->flags.rate_config, &rc, err, sizeof err)) {
    relay_log_printf("derp-relay: rate config reload failed: %s", err);
    return;
  }
  p->rate = rc;
  uint64_t burst = relay_server_set_rate_limit(p->server, rc.bytes_per_sec, rc.burst_bytes);
  log_rate_applied(rc.bytes_per_sec, burst);
  relay_log_printf("derp-relay: rate config reloaded successfully");
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  struct relay_program *p = arg;
  relay_log_printf("derp-relay: got %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  event_base_loopbreak(p->base);
}

static bool start(struct relay_program *p, char *err, size_t cap) {
  if (!load_key(&p->flags, &p->keys, err, cap) ||
      !init_tls(&p->flags, &p->keys, &p->tls, err, cap)) {
    return false;
  }
  if (p->flags.verify_clients && !relay_allowlist_load(p->flags.verify_clients_file, &p->allowed,
                                                       &p->allowed_count, err, cap)) {
    return false;
  }
  /* The changelist folds the add/delete of a socket's write interest within
   * one loop iteration into one epoll_ctl (or none): each flush of a
   * relayed packet would otherwise cost two extra system calls. */
  struct event_config *ecfg = event_config_new();
  if (ecfg != NULL) {
    event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    p->base = event_base_new_with_config(ecfg);
    event_config_free(ecfg);
  }
  if (p->base == NULL) {
    snprintf(err, cap, "cannot create the event loop");
    return false;
  }
  if (!relay_log_attach(p->base)) {
    snprintf(err, cap, "cannot watch stderr from the event loop");
    return false;
  }
  p->sig_term = evsignal_new(p->base, SIGTERM, on_signal, p);
  p->sig_int = evsignal_new(p->base, SIGINT, on_signal, p);
  if (p->sig_term == NULL || p->sig_int == NULL || evsignal_add(p->sig_term, NULL) != 0 ||
      evsignal_add(p->sig_int, NULL) != 0) {
    snprintf(err, cap, "cannot install signal handlers");
    return false;
  }
  struct relay_server_config cfg = {
      .flags = &p->flags,
      .keys = &p->keys,
      .allowed = (const uint8_t(*)[DERP_KEY_LEN])p->allowed,
      .allowed_count = p->allowed_count,
      .tls = &p->tls,
      .mesh_key = p->has_mesh_key ? p->mesh_key : NULL,
      .rate_bytes_per_sec = p->rate.bytes_per_sec,
      .rate_burst_bytes = p->rate.burst_bytes,
  };
  char tls_addr[80], stun_addr[80];
  p->server = relay_server_start(p->base, &cfg, tls_addr, sizeof tls_addr, err, cap);
  if (p->server == NULL) return false;
  if (p->flags.rate_config != NULL) {
    log_rate_applied(
        p->rate.bytes_per_sec,
        relay_server_set_rate_limit(p->server, p->rate.bytes_per_sec, p->rate.burst_bytes));
    p->sig_hup = evsignal_new(p->base, SIGHUP, on_sighup, p);
    if (p->sig_hup == NULL || evsignal_add(p->sig_hup, NULL) != 0) {
      snprintf(err, cap, "cannot install the SIGHUP handler");
      return false;
    }
  }
  if (p->flags.stun) {
    p->stun = relay_stun_start(p->base, p->flags.listen_host, p->flags.stun_port, stun_addr,
                               sizeof stun_addr, err, cap);
    if (p->stun == NULL) return false;
    relay_log_printf("running STUN server on %s", stun_addr);
  }
  if (p->flags.verify_clients) {
    relay_log_printf("verify-clients: %zu node keys admitted from %s", p->allowed_count,
                     p->flags.verify_clients_file);
  }
  if (p->has_mesh_key)
    relay_log_printf("mesh: clients presenting the key of %s are mesh peers",
                     p->flags.mesh_psk_file);
  relay_log_printf(
      "derp-relay: serving on %s with TLS (%zu certs per handshake, metacert %s, DERP %s)",
      tls_addr, p->tls.served_certs, p->flags.metacert ? "on" : "off",
      p->flags.derp ? "on" : "off");
  if (p->flags.ready_file != NULL &&
      !relay_ready_write(p->flags.ready_file, tls_addr, p->flags.stun ? stun_addr : NULL, err,
                         cap)) {
    return false;
  }
  return true;
}

static void stop(struct relay_program *p) {
  relay_stun_free(p->stun);
  relay_server_free(p->server);
  if (p->sig_term != NULL) event_free(p->sig_term);
  if (p->sig_int != NULL) event_free(p->sig_int);
  if (p->sig_hup != NULL) event_free(p->sig_hup);
  relay_log_detach();
  if (p->base != NULL) event_base_free(p->base);
  relay_tls_free(&p->tls);
  free(p->allowed);
  sodium_memzero(&p->keys, sizeof p->keys);
  libevent_global_shutdown();
}

/* Every client is a descriptor; a 1024 soft limit would refuse the 1021st.
 * Raise the soft limit to the hard one, as Go's runtime does for derper. */
static void raise_nofile_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
}

int main(int argc, char **argv) {
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  /* a fuzz build keeps secrets in a memo (derp_box.h): never run it */
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "derp-relay: built in fuzzing mode (X25519 memoized, secrets kept): refusing to run\n");
  return 2;
#endif
  static struct relay_program p;
  static char certdir[4096], err[ERR_CAP];
  default_certdir(certdir, sizeof certdir);
  relay_flags_defaults(&p.flags, certdir);
  switch (relay_flags_parse(&p.flags, argc, argv, err, sizeof err)) {
    case RELAY_FLAGS_HELP: relay_flags_usage(stdout, "derp-relay"); return 0;
    case RELAY_FLAGS_ERROR:
      fprintf(stderr, "derp-relay: %s\nRun derp-relay --help for usage.\n", err);
      return 2;
    case RELAY_FLAGS_OK: break;
  }
  /* a bad mesh key is a configuration error, like a bad flag */
  if (p.flags.mesh_psk_file != NULL) {
    if (!relay_meshkey_load(p.flags.mesh_psk_file, p.mesh_key, err, sizeof err)) {
      fprintf(stderr, "derp-relay: --mesh-psk-file %s\n", err);
      return 2;
    }
    p.has_mesh_key = true;
  }
  /* derper: a rate config that does not load is fatal at start */
  if (p.flags.rate_config != NULL &&
      !relay_rateconfig_load(p.flags.rate_config, &p.rate, err, sizeof err)) {
    fprintf(stderr, "derp-relay: loading rate config: %s\n", err);
    return 1;
  }
  /* A peer that resets while we write must not kill the relay. */
  signal(SIGPIPE, SIG_IGN);
  raise_nofile_limit();
  if (sodium_init() < 0) {
    fprintf(stderr, "derp-relay: libsodium failed to initialise\n");
    return 1;
  }
  int rc = 0;
  if (start(&p, err, sizeof err)) {
    event_base_dispatch(p.base);
    relay_server_log_stats(p.server);
  } else {
    relay_log_printf("derp-relay: %s", err);
    rc = 1;
  }
  stop(&p);
  return rc;
}
