#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_bounded.h"
#include "scenario.h"
#include "scenario_validate.h"
#include "template.h"

static const char *const relay_caps[] = {"metacert_off",   "tls_versions", "verify_clients",
                                         "chain_generate", "rate_config",  NULL};
static const char *const client_caps[] = {"connect", "probe",   "diagnose", "versions", "stun",
                                          "send",    "recv",    "ping",     "record",   "websocket",
                                          "watch",   "forward", NULL};

static bool in_list(const char *s, const char *const *list) {
  for (; *list != NULL; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

/* Names end up in column names, file names and globs: keep them plain. */
static bool plain_name(const char *s) {
  if (*s == '\0') return false;
  for (; *s != '\0'; s++)
    if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "0123456789-._",
               *s) == NULL)
      return false;
  return true;
}

/* "unsupported": {capability: non-empty why}, capabilities from caps. */
static bool check_unsupported(struct schema *v, const json_t *obj, const char *path,
                              const char *const *caps) {
  const json_t *u = json_object_get(obj, "unsupported");
  if (u == NULL) return true;
  char p[512];
  fmt_bounded(p, sizeof p, "%s.unsupported", path);
  if (!json_is_object(u)) return schema_fail(v, p, "expected object");
  const char *k;
  json_t *why;
  json_object_foreach((json_t *)u, k, why) {
    char kp[600];
    fmt_bounded(kp, sizeof kp, "%s.%s", p, k);
    if (!in_list(k, caps)) {
      char known[256] = "";
      for (const char *const *c = caps; *c != NULL; c++)
        fmt_bounded(known + strlen(known), sizeof known - strlen(known), "%s%s",
                    c == caps ? "" : ", ", *c);
      return schema_fail(v, kp, "unknown capability (known: %s)", known);
    }
    if (!json_is_string(why) || json_string_length(why) == 0)
      return schema_fail(v, kp, "expected a non-empty reason");
  }
  return true;
}

static bool check_profile(struct schema *v, const json_t *obj, const char *path, const char *key,
                          bool required) {
  if (!schema_field(v, obj, path, key, JSON_STRING, required)) return false;
  const char *p = js_str(obj, key, NULL);
  if (p == NULL || scenario_is_profile(p)) return true;
  char known[256], kp[512];
  scenario_profile_list(known, sizeof known);
  fmt_bounded(kp, sizeof kp, "%s.%s", path, key);
  return schema_fail(v, kp, "unknown profile \"%s\" (known: %s)", p, known);
}

/* One implementation entry; versions as {version: {...}} (clients, and
   relays that need per-version notes) or [version, ...] (relays). */
static bool check_impl(struct schema *v, const char *kind, const char *name, const json_t *impl,
                       bool client) {
  static const char *const keys[] = {"description", "binary", "versions", "unsupported", NULL};
  static const char *const client_vkeys[] = {"profile", "probe_profile", "note", "unsupported",
                                             NULL};
  static const char *const relay_vkeys[] = {"note", "unsupported", NULL};
  char path[512];
  fmt_bounded(path, sizeof path, "%s.%s", kind, name);
  if (!plain_name(name) || strcmp(name, "reference") == 0)
    return schema_fail(v, path,
                       "implementation names are [A-Za-z0-9-._] "
                       "and not \"reference\"");
  if (!json_is_object(impl)) return schema_fail(v, path, "expected object");
  if (!schema_only_keys(v, impl, path, keys) ||
      !schema_field(v, impl, path, "description", JSON_STRING, false) ||
      !schema_field(v, impl, path, "binary", JSON_STRING, true) ||
      !check_unsupported(v, impl, path, client ? client_caps : relay_caps))
    return false;
  const json_t *vers = json_object_get(impl, "versions");
  char vp[600];
  fmt_bounded(vp, sizeof vp, "%s.versions", path);
  if (json_is_array(vers) && !client) {
    size_t i;
    json_t *x;
    json_array_foreach(vers, i, x) {
      char p[700];
      fmt_bounded(p, sizeof p, "%s[%zu]", vp, i);
      if (!json_is_string(x) || !plain_name(json_string_value(x)) ||
          strcmp(json_string_value(x), "all") == 0)
        return schema_fail(v, p, "expected a version string");
    }
    if (json_array_size(vers) > 0) return true;
  } else if (json_is_object(vers)) {
    const char *ver;
    json_t *x;
    json_object_foreach((json_t *)vers, ver, x) {
      char p[700];
      fmt_bounded(p, sizeof p, "%s.%s", vp, ver);
      if (!plain_name(ver) || strcmp(ver, "all") == 0)
        return schema_fail(v, p, "not a version name");
      if (!json_is_object(x)) return schema_fail(v, p, "expected object");
      if (!schema_only_keys(v, x, p, client ? client_vkeys : relay_vkeys) ||
          !schema_field(v, x, p, "note", JSON_STRING, false) ||
          (client && !check_profile(v, x, p, "profile", true)) ||
          (client && !check_profile(v, x, p, "probe_profile", false)) ||
          !check_unsupported(v, x, p, client ? client_caps : relay_caps))
        return false;
    }
    if (json_object_size(vers) > 0) return true;
  }
  return schema_fail(
      v, vp, client ? "expected a non-empty object" : "expected a non-empty array or object");
}

static bool validate(struct schema *v, const json_t *doc) {
  static const char *const keys[] = {"clients", "relays", NULL};
  if (!json_is_object(doc)) return schema_fail(v, "(top)", "expected object");
  if (!schema_only_keys(v, doc, "(top)", keys) ||
      !schema_field(v, doc, "(top)", "clients", JSON_OBJECT, false) ||
      !schema_field(v, doc, "(top)", "relays", JSON_OBJECT, false))
    return false;
  static const char *const kinds[] = {"clients", "relays", NULL};
  for (const char *const *k = kinds; *k != NULL; k++) {
    const char *name;
    json_t *impl;
    json_object_foreach(json_object_get(doc, *k), name, impl) {
      if (!check_impl(v, *k, name, impl, strcmp(*k, "clients") == 0)) return false;
    }
  }
  return true;
}

/* A merged copy of the implementation's and the version's "unsupported". */
static json_t *merged_unsupported(const json_t *impl, const json_t *ver) {
  json_t *u = json_deep_copy(json_object_get(impl, "unsupported"));
  if (u == NULL) u = json_object();
  const json_t *vu = json_object_get(ver, "unsupported");
  if (u != NULL && vu != NULL && json_object_update(u, (json_t *)vu) != 0) {
    json_decref(u);
    return NULL;
  }
  return u;
}

static bool add_peer(struct peer **list, size_t *n, const char *impl_name, const json_t *impl,
                     const char *ver, const json_t *vobj, const char *peers_dir, char *err,
                     size_t errlen) {
  struct peer *grown = realloc(*list, (*n + 1) * sizeof *grown);
  if (grown == NULL) {
    fmt_bounded(err, errlen, "out of memory");
    return false;
  }
  *list = grown;
  struct peer *p = &grown[*n];
  memset(p, 0, sizeof *p);
  p->impl = impl_name;
  p->version = ver;
  p->profile = js_str(vobj, "profile", NULL);
  p->probe_profile = js_str(vobj, "probe_profile", NULL);
  size_t len = strlen(impl_name) + strlen(ver) + 2;
  p->name = malloc(len);
  if (p->name != NULL) fmt_bounded(p->name, len, "%s@%s", impl_name, ver);
  struct tvars t;
  tvars_init(&t);
  char terr[256];
  char *rel = tvars_set(&t, "version", ver)
                  ? template_subst(js_str(impl, "binary", ""), &t, terr, sizeof terr)
                  : NULL;
  tvars_free(&t);
  if (rel != NULL) {
    len = strlen(peers_dir) + strlen(rel) + 2;
    p->binary = malloc(len);
    if (p->binary != NULL) fmt_bounded(p->binary, len, "%s/%s", peers_dir, rel);
  }
  free(rel);
  p->unsupported = merged_unsupported(impl, vobj);
  (*n)++; /* counted even when incomplete, so peers_free frees it */
  if (p->name == NULL || p->binary == NULL || p->unsupported == NULL) {
    fmt_bounded(err, errlen, "%s: binary \"%s\": %s", impl_name, js_str(impl, "binary", ""),
                rel == NULL ? "bad {placeholder} (only {version})" : "out of memory");
    return false;
  }
  return true;
}

static bool build_list(const json_t *impls, const char *peers_dir, struct peer **list, size_t *n,
                       char *err, size_t errlen) {
  const char *name;
  json_t *impl;
  json_object_foreach((json_t *)impls, name, impl) {
    const json_t *vers = json_object_get(impl, "versions");
    size_t i;
    json_t *x;
    const char *ver;
    if (json_is_array(vers)) {
      json_array_foreach(vers, i, x) {
        if (!add_peer(list, n, name, impl, json_string_value(x), NULL, peers_dir, err, errlen))
          return false;
      }
    } else {
      json_object_foreach((json_t *)vers, ver, x) {
        if (!add_peer(list, n, name, impl, ver, x, peers_dir, err, errlen)) return false;
      }
    }
  }
  return true;
}

bool peers_load(const char *file, const char *peers_dir, struct peers *p, char *err,
                size_t errlen) {
  memset(p, 0, sizeof *p);
  json_error_t je;
  p->doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
  if (p->doc == NULL) {
    fmt_bounded(err, errlen, "%s:%d:%d: %s", file, je.line, je.column, je.text);
    return false;
  }
  struct schema v = {file, err, errlen};
  bool ok = validate(&v, p->doc) &&
            build_list(json_object_get(p->doc, "clients"), peers_dir, &p->clients, &p->n_clients,
                       err, errlen) &&
            build_list(json_object_get(p->doc, "relays"), peers_dir, &p->relays, &p->n_relays, err,
                       errlen);
  if (!ok) peers_free(p);
  return ok;
}

static void free_list(struct peer *list, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(list[i].name);
    free(list[i].binary);
    json_decref(list[i].unsupported);
  }
  free(list);
}

void peers_free(struct peers *p) {
  free_list(p->clients, p->n_clients);
  free_list(p->relays, p->n_relays);
  json_decref(p->doc);
  memset(p, 0, sizeof *p);
}

bool peers_select(const struct peer *list, size_t n, const char *spec, bool *chosen, char *err,
                  size_t errlen) {
  const char *at = strchr(spec, '@');
  size_t impl_len = at != NULL ? (size_t)(at - spec) : strlen(spec);
  const char *ver = at != NULL ? at + 1 : "all";
  bool impl_known = false, any = false;
  for (size_t i = 0; i < n; i++) {
    if (strlen(list[i].impl) != impl_len || strncmp(list[i].impl, spec, impl_len) != 0) continue;
    impl_known = true;
    if (strcmp(ver, "all") == 0 || strcmp(ver, list[i].version) == 0) {
      chosen[i] = true;
      any = true;
    }
  }
  if (any) return true;
  /* name what exists, so a typo is one look away from its fix */
  char known[1024] = "";
  for (size_t i = 0; i < n; i++) {
    if (impl_known &&
        (strlen(list[i].impl) != impl_len || strncmp(list[i].impl, spec, impl_len) != 0))
      continue;
    if (!impl_known && i > 0 && strcmp(list[i].impl, list[i - 1].impl) == 0) continue;
    fmt_bounded(known + strlen(known), sizeof known - strlen(known), "%s%s", known[0] ? ", " : "",
                impl_known ? list[i].name : list[i].impl);
  }
  fmt_bounded(err, errlen, "unknown %s '%s' (known: %s)", impl_known ? "version" : "implementation",
              spec, known[0] ? known : "none");
  return false;
}

/* Does the scenario's relay setup need capability `cap`? */
static bool needs(const struct scenario_relay *r, const char *cap) {
  if (strcmp(cap, "metacert_off") == 0) return strcmp(r->metacert, "off") == 0;
  if (strcmp(cap, "tls_versions") == 0)
    return strcmp(r->tls_min, "1.2") != 0 || strcmp(r->tls_max, "1.3") != 0;
  if (strcmp(cap, "verify_clients") == 0) return r->verify_clients;
  if (strcmp(cap, "chain_generate") == 0) return r->chain_generate;
  if (strcmp(cap, "rate_config") == 0) return r->rate_config;
  return false;
}

const char *peers_relay_gap(const json_t *unsupported, const struct scenario_relay *relay,
                            const char **why) {
  for (const char *const *c = relay_caps; *c != NULL; c++) {
    const char *w = js_str(unsupported, *c, NULL);
    if (w != NULL && needs(relay, *c)) {
      if (why != NULL) *why = w;
      return *c;
    }
  }
  return NULL;
}
