/* The peers registry (peers.c) and the matrix columns built from it
   (columns.c): loading, selection, capability gaps, column mapping. */
#include "columns.h"
#include "peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "check_tmpdir.h"

static char path[4200];

static void setup(void) {
  make_tmpdir("check_peers");
  snprintf(path, sizeof path, "%s/f.json", tmpdir);
}

static void teardown(void) { remove_tmpdir(); }

static void write_file(const char *text) { write_str(path, text); }

/* Load `text` as a registry; on failure the error must contain `want`
   (NULL: must load, and p stays loaded for the caller to free). */
static void load_expect(const char *text, const char *want, struct peers *p) {
  write_file(text);
  struct peers tmp;
  if (p == NULL) p = &tmp;
  char err[512] = "";
  bool ok = peers_load(path, "/peers", p, err, sizeof err);
  if (want == NULL) {
    ck_assert_msg(ok, "%s", err);
    if (p == &tmp) peers_free(p);
  } else {
    ck_assert_msg(!ok, "loaded, expected error containing: %s", want);
    ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
  }
}

static const struct peer *find(const struct peer *list, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].name, name) == 0) return &list[i];
  return NULL;
}

/* A scenario from JSON text (loaded strictly, like the runner does). */
static void scenario_from(const char *text, struct scenario *s) {
  write_file(text);
  char err[512];
  ck_assert_msg(scenario_load(path, s, err, sizeof err), "%s", err);
}

#define MINI_CLIENTS                                                        \
  "{\"clients\":{\"ts\":{\"binary\":\"ts@{version}/client\",\"versions\":{" \
  "\"v1\":{\"profile\":\"current\"}}}}"

START_TEST(shipped_registry_loads) {
  struct peers p;
  char err[512];
  ck_assert_msg(peers_load(DERPCHECK_PEERS_FILE, "/pd", &p, err, sizeof err), "%s", err);
  ck_assert_uint_ge(p.n_clients, 1);
  ck_assert_uint_ge(p.n_relays, 1);
  for (size_t i = 0; i < p.n_clients; i++) {
    ck_assert_msg(scenario_is_profile(p.clients[i].profile), "%s", p.clients[i].name);
    ck_assert(strncmp(p.clients[i].binary, "/pd/", 4) == 0);
  }
  const struct peer *c = find(p.clients, p.n_clients, "tailscale@v1.82.5");
  ck_assert_ptr_nonnull(c);
  ck_assert_str_eq(c->profile, "tailscale-1.82");
  ck_assert_str_eq(c->binary, "/pd/tailscale@v1.82.5/client");
  c = find(p.clients, p.n_clients, "tailscale@v1.80.3");
  ck_assert_ptr_nonnull(c);
  ck_assert_str_eq(c->profile, "tailscale-1.80");
  const struct peer *r = find(p.relays, p.n_relays, "derper@v1.102.5");
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(r->binary, "/pd/tailscale@v1.102.5/relay");
  ck_assert_ptr_nonnull(json_object_get(r->unsupported, "metacert_off"));
  peers_free(&p);
}
END_TEST

START_TEST(registry_is_strict) {
  load_expect(MINI_CLIENTS "}", NULL, NULL);
  load_expect("{\"client\":{}}", "(top).client: unknown key", NULL);
  load_expect(
      "{\"clients\":{\"ts\":{\"versions\":{\"v1\":{\"profile\":"
      "\"current\"}}}}}",
      "clients.ts.binary: missing", NULL);
  load_expect(
      "{\"clients\":{\"ts\":{\"binary\":\"b\",\"versions\":{\"v1\":{"
      "\"profile\":\"current\",\"profil\":\"x\"}}}}}",
      "clients.ts.versions.v1.profil: unknown key", NULL);
  load_expect(
      "{\"clients\":{\"ts\":{\"binary\":\"b\",\"versions\":{\"v1\":{"
      "\"profile\":\"tailscale-1.99\"}}}}}",
      "clients.ts.versions.v1.profile: unknown profile "
      "\"tailscale-1.99\"",
      NULL);
  load_expect("{\"clients\":{\"ts\":{\"binary\":\"b\",\"versions\":{}}}}",
              "clients.ts.versions: expected a non-empty object", NULL);
  load_expect(
      "{\"relays\":{\"d\":{\"binary\":\"b\",\"versions\":[\"v1\"],"
      "\"unsupported\":{\"metacert\":\"x\"}}}}",
      "relays.d.unsupported.metacert: unknown capability", NULL);
  load_expect(
      "{\"relays\":{\"d\":{\"binary\":\"b\",\"versions\":[\"v1\"],"
      "\"unsupported\":{\"metacert_off\":\"\"}}}}",
      "relays.d.unsupported.metacert_off: expected a non-empty "
      "reason",
      NULL);
  load_expect(
      "{\"relays\":{\"d\":{\"binary\":\"{vers}/r\",\"versions\":"
      "[\"v1\"]}}}",
      "bad {placeholder}", NULL);
  load_expect(
      "{\"relays\":{\"reference\":{\"binary\":\"b\",\"versions\":"
      "[\"v1\"]}}}",
      "not \"reference\"", NULL);
  load_expect("{\"relays\":{\"d\":{\"binary\":\"b\",\"versions\":[\"v 1\"]}}}",
              "relays.d.versions[0]: expected a version string", NULL);
}
END_TEST

START_TEST(per_version_unsupported_adds_to_the_implementation_s) {
  struct peers p;
  load_expect(
      "{\"relays\":{\"d\":{\"binary\":\"b/{version}\",\"unsupported\":"
      "{\"metacert_off\":\"always on\"},\"versions\":{\"v1\":{"
      "\"unsupported\":{\"chain_generate\":\"cannot\"}},\"v2\":{}}}}}",
      NULL, &p);
  ck_assert_uint_eq(p.n_relays, 2);
  ck_assert_str_eq(p.relays[0].name, "d@v1");
  ck_assert_uint_eq(json_object_size(p.relays[0].unsupported), 2);
  ck_assert_uint_eq(json_object_size(p.relays[1].unsupported), 1);
  ck_assert_str_eq(p.relays[1].binary, "/peers/b/v2");
  peers_free(&p);
}
END_TEST

START_TEST(select_by_name_version_or_all) {
  struct peers p;
  load_expect(
      "{\"clients\":{\"ts\":{\"binary\":\"b\",\"versions\":{"
      "\"v1\":{\"profile\":\"current\"},"
      "\"v2\":{\"profile\":\"current\"}}},"
      "\"other\":{\"binary\":\"b\",\"versions\":{"
      "\"v1\":{\"profile\":\"current\"}}}}}",
      NULL, &p);
  ck_assert_uint_eq(p.n_clients, 3);
  bool chosen[3] = {false};
  char err[512];
  ck_assert(peers_select(p.clients, 3, "ts@v2", chosen, err, sizeof err));
  ck_assert(!chosen[0] && chosen[1] && !chosen[2]);
  memset(chosen, 0, sizeof chosen);
  ck_assert(peers_select(p.clients, 3, "ts", chosen, err, sizeof err));
  ck_assert(chosen[0] && chosen[1] && !chosen[2]);
  memset(chosen, 0, sizeof chosen);
  ck_assert(peers_select(p.clients, 3, "ts@all", chosen, err, sizeof err));
  ck_assert(chosen[0] && chosen[1] && !chosen[2]);
  ck_assert(!peers_select(p.clients, 3, "ts@v3", chosen, err, sizeof err));
  ck_assert_str_eq(err, "unknown version 'ts@v3' (known: ts@v1, ts@v2)");
  ck_assert(!peers_select(p.clients, 3, "tx", chosen, err, sizeof err));
  ck_assert_str_eq(err, "unknown implementation 'tx' (known: ts, other)");
  peers_free(&p);
}
END_TEST

START_TEST(relay_gap_maps_scenario_fields_to_capabilities) {
  json_t *all = json_pack("{s:s, s:s, s:s, s:s}", "metacert_off", "m", "tls_versions", "t",
                          "verify_clients", "v", "chain_generate", "g");
  struct {
    const char *relay; /* the scenario's "relay" object, JSON */
    const char *cap;   /* expected gap, NULL: none */
  } cases[] = {
      {"{}", NULL},
      {"{\"metacert\":\"on\",\"tls_min\":\"1.2\",\"tls_max\":\"1.3\"}", NULL},
      {"{\"metacert\":\"off\"}", "metacert_off"},
      {"{\"tls_max\":\"1.2\"}", "tls_versions"},
      {"{\"tls_min\":\"1.3\"}", "tls_versions"},
      {"{\"verify_clients\":[\"a\"]}", "verify_clients"},
      {"{\"chain\":\"generate\"}", "chain_generate"},
      {"{\"proxy\":\"strip-metacert\"}", NULL}, /* the proxy strips it */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *relay = json_loads(cases[i].relay, 0, NULL);
    struct scenario_relay r;
    scenario_relay_of(relay, &r);
    const char *why = NULL;
    const char *gap = peers_relay_gap(all, &r, &why);
    if (cases[i].cap == NULL) {
      ck_assert_msg(gap == NULL, "%s: %s", cases[i].relay, gap);
    } else {
      ck_assert_msg(gap != NULL && strcmp(gap, cases[i].cap) == 0, "%s: %s", cases[i].relay,
                    gap ? gap : "(none)");
      ck_assert_ptr_nonnull(why);
    }
    /* a relay that declares nothing unsupported runs everything */
    ck_assert_ptr_null(peers_relay_gap(NULL, &r, &why));
    json_decref(relay);
  }
  json_decref(all);
}
END_TEST

static const struct peer real_peers[] = {
    {.name = "ts@v82", .profile = "tailscale-1.82", .binary = "/b82"},
    {.name = "ts@v98", .profile = "current", .probe_profile = "debug-legacy", .binary = "/b98"},
};

START_TEST(columns_select_by_profile_and_client) {
  struct run_column cols[COLUMNS_MAX];
  const struct peer *clients[] = {&real_peers[0], &real_peers[1]};
  /* nothing named: every reference profile, then relay */
  size_t n = columns_select(NULL, 0, NULL, 0, "T", cols, COLUMNS_MAX);
  ck_assert_uint_eq(n, 6);
  ck_assert_str_eq(cols[0].name, "tailscale-1.80");
  ck_assert_str_eq(cols[3].name, "current");
  ck_assert_str_eq(cols[3].profile, "current");
  ck_assert_ptr_null(cols[3].client_cmd); /* the run's --client-cmd */
  ck_assert_str_eq(cols[5].name, "relay");
  ck_assert_ptr_null(cols[5].profile);
  /* --client alone: those clients and relay */
  n = columns_select(NULL, 0, clients, 2, "T", cols, COLUMNS_MAX);
  ck_assert_uint_eq(n, 3);
  ck_assert_str_eq(cols[0].name, "ts@v82");
  ck_assert_str_eq(cols[0].profile, "tailscale-1.82");
  ck_assert_str_eq(cols[0].client_bin, "/b82");
  ck_assert_str_eq(cols[0].client_cmd, "T");
  ck_assert(cols[0].real);
  ck_assert_str_eq(cols[2].name, "relay");
  /* --profile adds reference columns; relay only when named */
  const char *profiles[] = {"current", NULL};
  n = columns_select(profiles, 1, clients, 1, "T", cols, COLUMNS_MAX);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(cols[0].name, "current");
  ck_assert_str_eq(cols[1].name, "ts@v82");
  const char *with_relay[] = {"relay", "tailscale-1.82", NULL};
  n = columns_select(with_relay, 2, NULL, 0, "T", cols, COLUMNS_MAX);
  ck_assert_uint_eq(n, 2);
  ck_assert_str_eq(cols[0].name, "tailscale-1.82");
  ck_assert_str_eq(cols[1].name, "relay");
  /* too many for the room given */
  ck_assert_uint_eq(columns_select(NULL, 0, NULL, 0, "T", cols, 3), 0);
}
END_TEST

START_TEST(columns_of_scenario_follow_the_judging_profile) {
  struct scenario s;
  scenario_from(
      "{\"id\":\"a::b\",\"description\":\"d\",\"steps\":["
      "{\"client\":{\"mode\":\"connect\",\"expect\":{"
      "\"current\":{\"result\":\"pass\"}}}},"
      "{\"client\":{\"mode\":\"probe\",\"expect\":{"
      "\"debug-legacy\":{\"result\":\"fail\",\"reason\":\"x\"}}}},"
      "{\"udp\":{\"send_hex\":\"00\",\"expect\":\"silence\"}}]}",
      &s);
  const struct peer *clients[] = {&real_peers[0], &real_peers[1]};
  struct run_column cols[COLUMNS_MAX];
  size_t n = columns_select(NULL, 0, clients, 2, "T", cols, COLUMNS_MAX);
  const struct run_column *of[COLUMNS_MAX];
  size_t k = columns_of_scenario(&s, cols, n, of, COLUMNS_MAX);
  /* ts@v82 (tailscale-1.82) has no expectation here; ts@v98 is judged by
     current, and by debug-legacy in the probe step */
  ck_assert_uint_eq(k, 2);
  ck_assert_str_eq(of[0]->name, "ts@v98");
  ck_assert_str_eq(column_profile(of[0], "connect"), "current");
  ck_assert_str_eq(column_profile(of[0], "probe"), "debug-legacy");
  ck_assert_str_eq(of[1]->name, "relay");
  /* a client without the probe mode is no client of this scenario */
  json_t *u = json_pack("{s:s}", "probe", "not derphttp");
  cols[1].unsupported = u;
  const char *why = NULL;
  ck_assert_str_eq(column_gap(&cols[1], &s, &why), "probe");
  ck_assert_str_eq(why, "not derphttp");
  k = columns_of_scenario(&s, cols, n, of, COLUMNS_MAX);
  ck_assert_uint_eq(k, 1);
  ck_assert_str_eq(of[0]->name, "relay");
  /* judged by current in every step, it has no probe step to lack */
  cols[1].probe_profile = NULL;
  ck_assert_ptr_null(column_gap(&cols[1], &s, &why));
  ck_assert_uint_eq(columns_of_scenario(&s, cols, n, of, COLUMNS_MAX), 2);
  json_decref(u);
  scenario_free(&s);
}
END_TEST

static Suite *peers_suite(void) {
  Suite *s = suite_create("peers");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, shipped_registry_loads);
  tcase_add_test(tc, registry_is_strict);
  tcase_add_test(tc, per_version_unsupported_adds_to_the_implementation_s);
  tcase_add_test(tc, select_by_name_version_or_all);
  tcase_add_test(tc, relay_gap_maps_scenario_fields_to_capabilities);
  tcase_add_test(tc, columns_select_by_profile_and_client);
  tcase_add_test(tc, columns_of_scenario_follow_the_judging_profile);
  suite_add_tcase(s, tc);
  return s;
}

CHECK_MAIN(peers_suite)
