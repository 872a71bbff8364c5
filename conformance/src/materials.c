#include "materials.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "derp/go.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"
#include "scenario.h"

void cert_file_name(const char *hostname, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = hostname; *p != '\0' && o + 1 < outlen; p++)
    if (isalnum((unsigned char)*p) || *p == '-' || *p == '.') out[o++] = *p;
  out[o] = '\0';
}

static bool is_ip(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* X25519 private key for `name`: SHA-256(seed || purpose || name), clamped
   as Go's key.NewNode does, so any implementation loads it unchanged. */
static void derive_identity(uint64_t seed, const char *purpose, const char *name,
                            struct identity *id) {
  crypto_hash_sha256_state st;
  uint8_t seed_be[8];
  for (int i = 0; i < 8; i++) seed_be[i] = (uint8_t)(seed >> (56 - 8 * i));
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, seed_be, sizeof seed_be);
  crypto_hash_sha256_update(&st, (const uint8_t *)purpose, strlen(purpose));
  crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name) + 1);
  crypto_hash_sha256_final(&st, id->priv);
  id->priv[0] &= 248;
  id->priv[31] = (id->priv[31] & 127) | 64;
  crypto_scalarmult_base(id->pub, id->priv);
  derp_hex_lower(id->pub, 32, id->pub_hex);
  snprintf(id->name, sizeof id->name, "%s", name);
}

/* The -c key file format of derper (§7.3): {"PrivateKey":"privkey:<hex>"} */
static bool write_key_file(const char *path, const struct identity *id) {
  char hex[65];
  derp_hex_lower(id->priv, 32, hex);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  FILE *f = fdopen(fd, "w");
  if (f == NULL) {
    close(fd);
    return false;
  }
  fprintf(f, "{\"PrivateKey\":\"privkey:%s\"}\n", hex);
  return fclose(f) == 0;
}

const struct identity *materials_identity(struct materials *m, const char *name) {
  for (size_t i = 0; i < m->n_ids; i++)
    if (strcmp(m->ids[i].name, name) == 0) return &m->ids[i];
  if (m->n_ids == MATERIALS_MAX_IDS || strlen(name) >= sizeof m->ids[0].name) return NULL;
  struct identity *id = &m->ids[m->n_ids];
  derive_identity(m->seed, "derpcheck client key ", name, id);
  snprintf(id->keyfile, sizeof id->keyfile, "%s/client-%s.key", m->tmpdir, name);
  if (!write_key_file(id->keyfile, id)) return NULL;
  m->n_ids++;
  return id;
}

const struct scenario_cert *materials_cert(const struct materials *m, const char *name) {
  for (size_t i = 0; i < m->n_certs; i++)
    if (strcmp(m->certs[i].name, name) == 0) return &m->certs[i];
  return NULL;
}

/* "now" | [+-]N(s|m|h|d) | "+1y" (validated at load) */
static int64_t rel_time(const char *s, int64_t now) {
  if (strcmp(s, "now") == 0) return now;
  if (strcmp(s, "+1y") == 0) return cert_add_one_year(now);
  long long n = strtoll(s + 1, NULL, 10);
  const char *unit = s + strlen(s) - 1;
  long long mult = *unit == 'd' ? 86400 : *unit == 'h' ? 3600 : *unit == 'm' ? 60 : 1;
  return s[0] == '-' ? now - n * mult : now + n * mult;
}

struct cert_defaults {
  enum cert_ext_profile profile;
  enum cert_key_type key;
  const char *cn;
  const char *not_before, *not_after;
  uint64_t serial; /* 0 with random: 128-bit random */
  bool random_serial;
};

static struct cert_defaults defaults_for(const char *profile) {
  if (strcmp(profile, "metacert") == 0)
    return (struct cert_defaults){
        CERT_EXT_METACERT, CERT_KEY_ED25519, "derpkey{server_key}", "-30d", "+30d", 2, false};
  if (strcmp(profile, "ca") == 0)
    return (struct cert_defaults){CERT_EXT_CA, CERT_KEY_P256, "derpcheck test CA", "-1d", "+1y",
                                  1,           false};
  if (strcmp(profile, "none") == 0)
    return (struct cert_defaults){CERT_EXT_NONE, CERT_KEY_P256, "{hostname}", "now", "+1y", 1,
                                  false};
  return (struct cert_defaults){
      CERT_EXT_DERPER_IP, CERT_KEY_P256, "{hostname}", "now", "+1y", 0, true};
}

static enum cert_key_type key_type(const char *s, enum cert_key_type dflt) {
  if (s == NULL) return dflt;
  if (strcmp(s, "p384") == 0) return CERT_KEY_P384;
  if (strcmp(s, "ed25519") == 0) return CERT_KEY_ED25519;
  if (strcmp(s, "rsa2048") == 0) return CERT_KEY_RSA2048;
  return CERT_KEY_P256;
}

/* The web-PKI profiles start from the factory's specs (names, validity,
   the leaf's SANs: cert_factory.h); "key": "rsa2048" picks the RSA family. */
static bool web_spec(const char *profile, const json_t *c, const struct factory_cert *issuer,
                     int64_t now, struct cert_spec *out) {
  const char *key = js_str(c, "key", NULL);
  bool rsa = key != NULL && strcmp(key, "rsa2048") == 0;
  if (strcmp(profile, "web-root") == 0)
    *out = cert_spec_web_root(rsa, now);
  else if (strcmp(profile, "web-intermediate") == 0)
    *out = cert_spec_web_intermediate(rsa, issuer, now);
  else if (strcmp(profile, "web-leaf") == 0)
    *out = cert_spec_web_leaf(rsa, issuer, now);
  else
    return false;
  out->key_type = key_type(key, out->key_type);
  return true;
}

/* Each SAN list the scenario gives replaces the profile's of that kind. */
static void take_sans(const json_t *c, struct cert_spec *spec) {
  const json_t *ips = json_object_get(c, "ip_sans"), *dns = json_object_get(c, "dns_sans"),
               *uris = json_object_get(c, "uri_sans");
  if (ips != NULL) spec->ip_san_count = 0;
  for (size_t i = 0; i < json_array_size(ips) && i < CERT_SPEC_MAX_SANS; i++)
    spec->ip_sans[spec->ip_san_count++] = json_string_value(json_array_get(ips, i));
  if (dns != NULL) spec->dns_san_count = 0;
  for (size_t i = 0; i < json_array_size(dns) && i < CERT_SPEC_MAX_SANS; i++)
    spec->dns_sans[spec->dns_san_count++] = json_string_value(json_array_get(dns, i));
  if (uris != NULL) spec->uri_san_count = 0;
  for (size_t i = 0; i < json_array_size(uris) && i < CERT_SPEC_MAX_SANS; i++)
    spec->uri_sans[spec->uri_san_count++] = json_string_value(json_array_get(uris, i));
}

static bool make_cert(struct materials *m, const json_t *c, const struct tvars *cn_vars, char *err,
                      size_t errlen) {
  const char *name = js_str(c, "name", SCENARIO_DEFAULT_CERT);
  const char *profile = js_str(c, "profile", "derper-ip");
  const struct factory_cert *issuer_fc = NULL;
  const char *issuer = js_str(c, "issuer", NULL);
  if (issuer != NULL) {
    const struct scenario_cert *ic = materials_cert(m, issuer);
    if (ic == NULL) { /* load-time validation makes this unreachable */
      snprintf(err, errlen, "cert %s: unknown issuer %s", name, issuer);
      return false;
    }
    issuer_fc = ic->fc;
  }
  struct cert_defaults d = defaults_for(profile);
  struct cert_spec spec;
  bool web = web_spec(profile, c, issuer_fc, m->now, &spec);
  if (!web) {
    spec = (struct cert_spec){
        .key_type = key_type(js_str(c, "key", NULL), d.key),
        .ext_profile = d.profile,
        .not_before = rel_time(d.not_before, m->now),
        .not_after = rel_time(d.not_after, m->now),
        .serial_kind = d.random_serial ? CERT_SERIAL_RANDOM128 : CERT_SERIAL_SMALL,
        .serial_small = d.serial,
        .issuer = issuer_fc,
    };
    if (d.profile == CERT_EXT_DERPER_IP && is_ip(m->hostname))
      spec.ip_sans[spec.ip_san_count++] = m->hostname;
  }
  char *cn = NULL;
  if (!web || json_object_get(c, "cn") != NULL) {
    cn = template_subst(js_str(c, "cn", d.cn), cn_vars, err, errlen);
    if (cn == NULL) return false;
    spec.cn = cn;
  }
  char label[64];
  snprintf(label, sizeof label, "cert:%s", name);
  spec.label = label;
  spec.no_cn = js_bool(c, "no_cn", false);
  const char *nb = js_str(c, "not_before", NULL), *na = js_str(c, "not_after", NULL);
  if (nb != NULL) spec.not_before = rel_time(nb, m->now);
  if (na != NULL) spec.not_after = rel_time(na, m->now);
  const json_t *serial = json_object_get(c, "serial");
  if (json_is_integer(serial)) {
    spec.serial_kind = CERT_SERIAL_SMALL;
    spec.serial_small = (uint64_t)json_integer_value(serial);
  } else if (json_is_string(serial)) {
    spec.serial_kind = CERT_SERIAL_RANDOM128;
  }
  take_sans(c, &spec);
  struct factory_cert *fc = cert_factory_make(m->factory, &spec);
  free(cn);
  if (fc == NULL) {
    snprintf(err, errlen, "cert %s: %s", name, cert_factory_error(m->factory));
    return false;
  }
  struct scenario_cert *sc = &m->certs[m->n_certs];
  sc->name = strdup(name);
  sc->fc = fc;
  sc->not_before = spec.not_before;
  sc->not_after = spec.not_after;
  m->n_certs++;
  if (sc->name == NULL) {
    snprintf(err, errlen, "out of memory");
    return false;
  }
  return true;
}

static bool write_chain(struct materials *m, const json_t *chain, char *err, size_t errlen) {
  size_t n = json_array_size(chain);
  const struct factory_cert **fcs = calloc(n + 1, sizeof *fcs);
  if (fcs == NULL) {
    snprintf(err, errlen, "out of memory");
    return false;
  }
  for (size_t i = 0; i < n; i++)
    fcs[i] = materials_cert(m, json_string_value(json_array_get(chain, i)))->fc;
  bool ok = factory_write_chain_pem(m->certfile, fcs, n);
  /* derper writes SEC1 "EC PRIVATE KEY"; other key types as PKCS#8. */
  enum cert_key_format fmt = EVP_PKEY_get_base_id(fcs[0]->key) == EVP_PKEY_EC
                                 ? CERT_KEY_PEM_TRADITIONAL
                                 : CERT_KEY_PEM_PKCS8;
  ok = ok && factory_write_key_pem(m->certkey, fcs[0], fmt);
  free(fcs);
  if (!ok) snprintf(err, errlen, "writing %s / %s failed", m->certfile, m->certkey);
  return ok;
}

static bool write_verify_clients(struct materials *m, const json_t *names, char *err,
                                 size_t errlen) {
  FILE *f = fopen(m->verify_clients_file, "w");
  if (f == NULL) {
    snprintf(err, errlen, "%s: %s", m->verify_clients_file, strerror(errno));
    return false;
  }
  for (size_t i = 0; i < json_array_size(names); i++) {
    const struct identity *id = materials_identity(m, json_string_value(json_array_get(names, i)));
    if (id == NULL) {
      fclose(f);
      snprintf(err, errlen, "too many client identities");
      return false;
    }
    fprintf(f, "nodekey:%s\n", id->pub_hex);
  }
  return fclose(f) == 0;
}

bool materials_make(const json_t *doc, const struct scenario_relay *settings, const char *tmpdir,
                    uint64_t seed, int64_t now, struct materials *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (sodium_init() < 0) {
    snprintf(err, errlen, "sodium_init failed");
    return false;
  }
  m->seed = seed;
  m->now = now;
  snprintf(m->tmpdir, sizeof m->tmpdir, "%s", tmpdir);
  const json_t *relay = json_object_get(doc, "relay");
  snprintf(m->addr, sizeof m->addr, "%s", settings->v6 ? "::1" : "127.0.0.1");
  snprintf(m->hostname, sizeof m->hostname, "%s",
           settings->hostname != NULL ? settings->hostname : m->addr);
  cert_file_name(m->hostname, m->file_name, sizeof m->file_name);
  snprintf(m->certdir, sizeof m->certdir, "%s/certs", tmpdir);
  snprintf(m->certfile, sizeof m->certfile, "%s/%s.crt", m->certdir, m->file_name);
  snprintf(m->certkey, sizeof m->certkey, "%s/%s.key", m->certdir, m->file_name);
  snprintf(m->metacert_file, sizeof m->metacert_file, "%s/metacert.pem", tmpdir);
  snprintf(m->keyfile, sizeof m->keyfile, "%s/relay-key.json", tmpdir);
  snprintf(m->verify_clients_file, sizeof m->verify_clients_file, "%s/verify-clients.txt", tmpdir);
  if (mkdir(m->certdir, 0700) != 0) {
    snprintf(err, errlen, "mkdir %s: %s", m->certdir, strerror(errno));
    return false;
  }
  derive_identity(seed, "derpcheck relay key ", "relay", &m->relay);
  if (!write_key_file(m->keyfile, &m->relay)) {
    snprintf(err, errlen, "writing %s failed", m->keyfile);
    return false;
  }
  m->factory = cert_factory_new(seed);
  if (m->factory == NULL) {
    snprintf(err, errlen, "cert_factory_new failed");
    return false;
  }

  struct tvars cn_vars;
  tvars_init(&cn_vars);
  char upper[65];
  for (int i = 0; i < 65; i++) upper[i] = (char)toupper((unsigned char)m->relay.pub_hex[i]);
  char hex63[64];
  snprintf(hex63, sizeof hex63, "%.63s", m->relay.pub_hex);
  bool ok = tvars_set(&cn_vars, "server_key", m->relay.pub_hex) &&
            tvars_set(&cn_vars, "server_key_upper", upper) &&
            tvars_set(&cn_vars, "server_key_63", hex63) &&
            tvars_set(&cn_vars, "hostname", m->hostname);
  if (!ok) snprintf(err, errlen, "out of memory");

  json_t *dflt_certs = NULL, *dflt_chain = NULL;
  const json_t *certs = json_object_get(relay, "certs");
  const json_t *chain = json_object_get(relay, "chain");
  if (certs == NULL) {
    certs = dflt_certs = json_pack("[{s:s}]", "name", SCENARIO_DEFAULT_CERT);
    if (chain == NULL) chain = dflt_chain = json_pack("[s]", SCENARIO_DEFAULT_CERT);
  }
  m->certs = calloc(json_array_size(certs) + 1, sizeof *m->certs);
  ok = ok && certs != NULL && chain != NULL && m->certs != NULL;
  for (size_t i = 0; ok && i < json_array_size(certs); i++)
    ok = make_cert(m, json_array_get(certs, i), &cn_vars, err, errlen);
  tvars_free(&cn_vars);

  m->generate = json_is_string(chain);
  if (ok && !m->generate) ok = write_chain(m, chain, err, errlen);
  json_decref(dflt_certs);
  json_decref(dflt_chain);

  if (ok) {
    char cn[72];
    cert_metacert_cn(m->relay.pub, cn);
    struct cert_spec ms = cert_spec_metacert(cn, now);
    ms.label = "relay-metacert";
    m->metacert = cert_factory_make(m->factory, &ms);
    const struct factory_cert *one[1] = {m->metacert};
    ok = m->metacert != NULL && factory_write_chain_pem(m->metacert_file, one, 1);
    if (!ok) snprintf(err, errlen, "metacert: %s", cert_factory_error(m->factory));
  }
  const char *ca = js_str(doc, "client_ca", NULL);
  if (ok && ca != NULL) {
    snprintf(m->ca_file, sizeof m->ca_file, "%s/ca.pem", tmpdir);
    const struct factory_cert *one[1] = {materials_cert(m, ca)->fc};
    ok = factory_write_chain_pem(m->ca_file, one, 1);
    if (!ok) snprintf(err, errlen, "writing %s failed", m->ca_file);
  }
  if (ok) ok = write_verify_clients(m, json_object_get(relay, "verify_clients"), err, errlen);
  const char *mesh = js_str(relay, "mesh_key", NULL);
  if (ok && mesh != NULL) { /* derper's --mesh-psk-file: the hex and a newline */
    snprintf(m->mesh_key_hex, sizeof m->mesh_key_hex, "%s", mesh);
    snprintf(m->mesh_psk_file, sizeof m->mesh_psk_file, "%s/mesh-psk.txt", tmpdir);
    FILE *f = fopen(m->mesh_psk_file, "w");
    ok = f != NULL && fprintf(f, "%s\n", mesh) > 0;
    if (f != NULL && fclose(f) != 0) ok = false;
    if (!ok) snprintf(err, errlen, "writing %s failed", m->mesh_psk_file);
  }
  const json_t *rate = json_object_get(relay, "rate_config");
  if (ok && rate != NULL) { /* derper's --rate-config: the object as JSON */
    snprintf(m->rate_config_file, sizeof m->rate_config_file, "%s/rate-config.json", tmpdir);
    ok = json_dump_file(rate, m->rate_config_file, JSON_COMPACT) == 0;
    if (!ok) snprintf(err, errlen, "writing %s failed", m->rate_config_file);
  }
  return ok;
}

void materials_free(struct materials *m) {
  for (size_t i = 0; i < m->n_certs; i++) {
    free(m->certs[i].name);
    factory_cert_free(m->certs[i].fc);
  }
  free(m->certs);
  factory_cert_free(m->metacert);
  cert_factory_free(m->factory);
  memset(m, 0, sizeof *m);
}

bool materials_vars(const struct materials *m, struct tvars *t) {
  bool ok = tvars_set(t, "server_key", m->relay.pub_hex) && tvars_set(t, "hostname", m->hostname) &&
            tvars_set(t, "addr", m->addr);
  for (size_t i = 0; ok && i < m->n_certs; i++) {
    const struct scenario_cert *c = &m->certs[i];
    char name[128], upper[65], tbuf[40];
    for (int k = 0; k < 65; k++) upper[k] = (char)toupper((unsigned char)c->fc->sha256_hex[k]);
    snprintf(name, sizeof name, "cert:%s:sha256", c->name);
    ok = ok && tvars_set(t, name, c->fc->sha256_hex);
    snprintf(name, sizeof name, "cert:%s:sha256_upper", c->name);
    ok = ok && tvars_set(t, name, upper);
    go_utc_time_string(c->not_before, tbuf, sizeof tbuf);
    snprintf(name, sizeof name, "cert:%s:not_before", c->name);
    ok = ok && tvars_set(t, name, tbuf);
    go_utc_time_string(c->not_after, tbuf, sizeof tbuf);
    snprintf(name, sizeof name, "cert:%s:not_after", c->name);
    ok = ok && tvars_set(t, name, tbuf);
    if (!go_utc_rfc3339(c->not_before, tbuf, sizeof tbuf)) tbuf[0] = '\0';
    snprintf(name, sizeof name, "cert:%s:not_before_rfc3339", c->name);
    ok = ok && tvars_set(t, name, tbuf);
    if (!go_utc_rfc3339(c->not_after, tbuf, sizeof tbuf)) tbuf[0] = '\0';
    snprintf(name, sizeof name, "cert:%s:not_after_rfc3339", c->name);
    ok = ok && tvars_set(t, name, tbuf);
  }
  for (size_t i = 0; ok && i < m->n_ids; i++) {
    char name[64];
    snprintf(name, sizeof name, "key:%s", m->ids[i].name);
    ok = tvars_set(t, name, m->ids[i].pub_hex);
  }
  return ok;
}

bool materials_snippet_var(struct tvars *t, const char *certname) {
  static const char prefix[] = "sha256-raw:";
  if (certname == NULL)
    return tvars_set_unavailable(t, "snippet:sha256",
                                 "the scenario's node.CertName is not {\"from_snippet\": true}");
  const char *hex =
      strncmp(certname, prefix, strlen(prefix)) == 0 ? certname + strlen(prefix) : NULL;
  bool ok = hex != NULL && strlen(hex) == 64;
  for (size_t i = 0; ok && i < 64; i++) ok = isxdigit((unsigned char)hex[i]) != 0;
  if (ok) return tvars_set(t, "snippet:sha256", hex);
  /* Say what the relay printed: an empty pin must not expand to "" and
     quietly match a prefix. */
  char why[200];
  snprintf(why, sizeof why,
           "the relay's snippet CertName \"%.100s\" is not "
           "sha256-raw:<64 hex>",
           certname);
  return tvars_set_unavailable(t, "snippet:sha256", why);
}
