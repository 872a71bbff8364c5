/* oracle_dump: the C verdicts on the certificate and JSON fuzz corpora, one
 * JSON line per input and reading, for the upstream comparison
 * (conformance/peers/oracle.sh runs Go's pin oracle over the certificate
 * lines and Go's json.Unmarshal into derp.ClientInfo and derp.ServerInfo
 * over the others).
 *
 * Usage: oracle_dump --now UNIX [--target T] PATH...
 *   PATH     a corpus file, or a directory (its regular non-dot files,
 *            sorted, one level deep)
 *   --target pin_verify | cert_fields | metacert | relay_client_info | derp_keyfile | derpmap |
 *            derpmap_policy | relay_config:
 *            the layout of the
 *            PATHs after it; without it a PATH's layout is the name of the
 *            directory (corpus/<t>/, corpus/regressions/<t>/)
 *   --now    the clock of inputs that carry none (cert_fields,
 *            metacert); pin_verify inputs carry their own
 *
 * Each input is decoded exactly as its fuzz target decodes it
 * (fuzz_inputs.h). Per input: the certificate list, pin, server name and
 * clock; pin_verify's verdict in every profile (not only the one the input
 * selects); and per certificate go_parse_certificate's verdict with the
 * fields cert_fields and pin_verify read. Cert inputs (cert_fields,
 * metacert) get a pin case too: the SHA-256 of their first
 * certificate, and as server name its first IP SAN, else its first DNS SAN,
 * else "".
 *
 * A relay_client_info input is a JSON text, read twice: as the relay reads
 * a ClientInfo (kind "clientinfo", relay_client_info_decode) and as the
 * client reads a ServerInfo (kind "serverinfo",
 * derp_client_decode_server_info); each line holds the verdict, the error
 * text and the fields.
 *
 * A derp_keyfile input is read twice: as derp-relay reads its -c key file
 * (kind "keyfile", derp_keyfile_parse; derper: json.Unmarshal into its
 * config{PrivateKey key.NodePrivate}) and its --mesh-psk-file (kind
 * "meshkey", derp_mesh_key_parse; derper: key.ParseDERPMesh of the file);
 * the key as its text form when accepted. Both error texts are partly
 * derpcheck's own, so marked "own_words".
 *
 * A derpmap_policy input (a tailnet policy file) is standardized as
 * derp-client --policy-file does (kind "hujson": hujson_standardize, then
 * Go's JSON syntax check of the result; tailscale: hujson.Standardize of
 * github.com/tailscale/hujson), the standard JSON as the field when
 * accepted.
 *
 * A derpmap input that is a JSON document (its first non-blank byte '{':
 * not derper's snippet lines, not node flags) is read as the client reads
 * a DERPMap file (kind "derpmap", derp_map_parse): the verdict and, when it
 * parsed, every field of the tree, flattened (derpmap_fields below). Its
 * error texts are derpcheck's own (they name the field): marked
 * "own_words", the Go side shows them but compares verdicts and fields
 * only.
 *
 * A relay_config input (fuzz_inputs.h) that is a --rate-config file is
 * read as derp-relay reads it (kind "rateconfig", relay_rateconfig_parse;
 * derper: derpserver.LoadRateConfig), the two values as fields; one that is
 * an -a address is split as derp-relay splits it (kind "hostport",
 * relay_split_host_port_any, without -a's IP rule; derper: net.SplitHostPort,
 * and net.Listen's reading of the port), host and port as fields. Its other
 * parsers' inputs are skipped.
 *
 * Byte strings (names, pins, messages, CN, SAN values, JSON) are hex, so the Go
 * side sees exactly the bytes C saw (JSON strings must be UTF-8). Nothing
 * here knows what crypto/tls does before the pin hook: that is the Go side's
 * business.
 *
 * Exit status: 0 when every PATH was read, 1 otherwise, 2 on usage errors
 * or when no input was found. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "derp/cert_fields.h"
#include "derp/client_session.h"
#include "derp/derp_keys.h"
#include "derp/derpmap.h"
#include "derp/go.h"
#include "derp/hex.h"
#include "derp/hujson.h"
#include "derp/pin_verify.h"
#include "derp/relay_core.h"
#include "fuzz_inputs.h"
#include "relay_hostport.h"
#include "relay_rateconfig.h"

#define DUMP_MAX_FILE (1024u * 1024u)

enum layout {
  LAYOUT_NONE,
  LAYOUT_PIN,
  LAYOUT_CERT,
  LAYOUT_METACERT,
  LAYOUT_CLIENT_INFO,
  LAYOUT_KEYFILE,
  LAYOUT_DERPMAP,
  LAYOUT_POLICY,
  LAYOUT_RELAY_CONFIG
};

static const struct {
  const char *name;
  enum layout layout;
} layouts[] = {{"pin_verify", LAYOUT_PIN},        {"cert_fields", LAYOUT_CERT},
               {"metacert", LAYOUT_METACERT},     {"relay_client_info", LAYOUT_CLIENT_INFO},
               {"derp_keyfile", LAYOUT_KEYFILE},  {"derpmap", LAYOUT_DERPMAP},
               {"derpmap_policy", LAYOUT_POLICY}, {"relay_config", LAYOUT_RELAY_CONFIG}};

static enum layout layout_from_name(const char *name) {
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    if (strcmp(name, layouts[i].name) == 0) return layouts[i].layout;
  return LAYOUT_NONE;
}

static const char *layout_name(enum layout l) {
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    if (layouts[i].layout == l) return layouts[i].name;
  return "?";
}

/* ---- JSON output ---- */

static void put_hex(const void *p, size_t n) {
  const uint8_t *b = p;
  putchar('"');
  for (size_t at = 0; at < n; at += 64) {
    char chunk[2 * 64 + 1];
    derp_hex_lower(b + at, n - at < 64 ? n - at : 64, chunk);
    fputs(chunk, stdout);
  }
  putchar('"');
}

static void put_hex_str(const char *s) { put_hex(s, strlen(s)); }

/* Plain text we produce ourselves or a path: escape what JSON needs. */
static void put_str(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void put_verdict(const struct pin_verify_input *base, enum pin_profile profile) {
  struct pin_verify_input in = *base;
  in.profile = profile;
  /* Results are large (Go's messages can quote every SAN): not on the stack. */
  static struct pin_verify_result res;
  bool ok = pin_verify(&in, &res);
  put_str(pin_profile_name(profile));
  printf(":{\"ok\":%s,\"status\":", ok ? "true" : "false");
  put_str(pin_verify_status_name(res.status));
  printf(",\"index\":%zu,\"message_hex\":", res.cert_index);
  put_hex_str(res.message);
  printf(",\"truncated\":%s}", res.message_truncated ? "true" : "false");
}

/* What go_parse_certificate says of one certificate, and when it accepts,
 * the fields the pin check reads: Go's CommonName, serial, validity (unix
 * seconds as cert_fields reads them, and Go's time.Time string as
 * pin_verify prints it), and the dNSName / iPAddress SANs Go keeps
 * (primitive [2] and [7] only). */
static void put_cert(struct der_slice der) {
  struct cert_fields f;
  enum cert_fields_status st = cert_fields_parse(der.ptr, der.len, &f);
  const char *go_err = go_parse_certificate(der.ptr, der.len, &f);
  printf("{\"fields\":");
  put_str(cert_fields_status_str(st));
  printf(",\"go_ok\":%s,\"go_err\":", go_err ? "false" : "true");
  put_str(go_err ? go_err : "");
  if (go_err) {
    putchar('}');
    return;
  }
  char cn[1024];
  size_t cn_len = go_common_name(&f, cn, sizeof cn);
  printf(",\"cn_hex\":");
  put_hex(cn, cn_len < sizeof cn ? cn_len : sizeof cn - 1);
  printf(",\"cn_truncated\":%s,\"serial_hex\":", cn_len >= sizeof cn ? "true" : "false");
  put_hex(f.serial.ptr, f.serial.len);
  printf(",\"not_before\":%" PRId64 ",\"not_after\":%" PRId64, f.not_before, f.not_after);
  struct go_time t;
  char when[64];
  const struct {
    const char *key;
    uint8_t tag;
    struct der_slice text;
  } times[2] = {{"not_before_go", f.not_before_tag, f.not_before_text},
                {"not_after_go", f.not_after_tag, f.not_after_text}};
  for (int i = 0; i < 2; i++) {
    bool ok =
        go_time_parse(times[i].tag, times[i].text, &t) && go_time_string(&t, when, sizeof when);
    printf(",\"%s\":", times[i].key);
    put_str(ok ? when : "");
  }
  for (int pass = 0; pass < 2; pass++) {
    const uint8_t want = pass == 0 ? 0x82 : 0x87;
    printf(",\"%s\":[", pass == 0 ? "dns_hex" : "ip_hex");
    struct cert_san_iter it;
    cert_san_iter_init(&f, &it);
    unsigned tag;
    struct der_slice v;
    bool first = true;
    while (f.has_san && cert_san_next(&it, &tag, &v)) {
      if (it.identifier != want) continue;
      if (!first) putchar(',');
      put_hex(v.ptr, v.len);
      first = false;
    }
    putchar(']');
  }
  putchar('}');
}

/* The server name a cert input's pin case uses: its first IP SAN in Go's
 * text form, else its first DNS SAN, else "". */
static void cert_case_name(struct der_slice der, char *out, size_t cap) {
  out[0] = '\0';
  struct cert_fields f;
  if (cap == 0 || go_parse_certificate(der.ptr, der.len, &f) != NULL || !f.has_san) return;
  for (int pass = 0; pass < 2; pass++) {
    struct cert_san_iter it;
    cert_san_iter_init(&f, &it);
    unsigned tag;
    struct der_slice v;
    while (cert_san_next(&it, &tag, &v)) {
      if (pass == 0 && it.identifier == 0x87 && go_ip_string(v.ptr, v.len, out, cap)) return;
      if (pass == 1 && it.identifier == 0x82 && v.len < cap && memchr(v.ptr, '\0', v.len) == NULL) {
        memcpy(out, v.ptr, v.len);
        out[v.len] = '\0';
        return;
      }
    }
  }
}

static void put_case(const char *path, enum layout layout, const struct pin_verify_input *in) {
  printf("{\"file\":");
  put_str(path);
  printf(",\"target\":");
  put_str(layout_name(layout));
  printf(",\"kind\":\"%s\",\"now\":%" PRId64 ",\"server_name_hex\":",
         layout == LAYOUT_PIN ? "pin" : "cert", in->now);
  put_hex_str(in->server_name);
  printf(",\"pin_hex\":");
  put_hex_str(in->pin_hex);
  printf(",\"certs\":[");
  for (size_t i = 0; i < in->n_certs; i++) {
    if (i) putchar(',');
    put_hex(in->certs[i].ptr, in->certs[i].len);
  }
  printf("],\"verdicts\":{");
  const enum pin_profile profiles[3] = {PIN_PROFILE_TAILSCALE_1_82, PIN_PROFILE_TAILSCALE_1_84,
                                        PIN_PROFILE_CURRENT};
  for (int i = 0; i < 3; i++) {
    if (i) putchar(',');
    put_verdict(in, profiles[i]);
  }
  printf("},\"x509\":[");
  for (size_t i = 0; i < in->n_certs; i++) {
    if (i) putchar(',');
    put_cert(in->certs[i]);
  }
  printf("]}\n");
}

/* The head of a text layout's line: the input, the C verdict and its error
 * text ("own_words": derpcheck's words, shown but not compared with Go's);
 * the caller adds the fields and closes the line. */
static void put_text_case(const char *path, const char *target, const char *kind,
                          const uint8_t *text, size_t len, bool ok, bool own_words,
                          const char *err) {
  printf("{\"file\":");
  put_str(path);
  printf(",\"target\":\"%s\",\"kind\":\"%s\",\"json_hex\":", target, kind);
  put_hex(text, len);
  printf(",\"ok\":%s%s,\"err_hex\":", ok ? "true" : "false",
         own_words ? ",\"own_words\":true" : "");
  put_hex_str(ok ? "" : err);
}

/* One JSON text as the relay reads a ClientInfo and as the client reads a
 * ServerInfo (Go: json.Unmarshal into derp.ClientInfo, derp.ServerInfo):
 * a line per reading, with the verdict, the error text and the fields the
 * C side keeps, as text (the mesh key as its 32 bytes, zero when absent). */
static bool put_json_readings(const char *path, const uint8_t *json, size_t len) {
  /* Go's texts quote a field name, a type, a literal (whole: up to the input) */
  static char err[2 * CLIENT_INFO_FUZZ_MAX_INPUT + 256];
  struct relay_client_info ci;
  bool ok = relay_client_info_decode(json, len, &ci, err, sizeof err);
  put_text_case(path, "relay_client_info", "clientinfo", json, len, ok, false, err);
  char mesh[2 * DERP_KEY_LEN + 1];
  derp_hex_lower(ci.mesh_key, DERP_KEY_LEN, mesh);
  printf(",\"fields\":{\"version\":\"%" PRId64
         "\",\"meshKey\":\"%s\",\"CanAckPings\":\"%s\","
         "\"IsProber\":\"%s\"}}\n",
         ci.version, mesh, ci.can_ack_pings ? "true" : "false", ci.is_prober ? "true" : "false");
  struct derp_server_info_msg si;
  ok = derp_client_decode_server_info(json, len, &si, err, sizeof err);
  put_text_case(path, "relay_client_info", "serverinfo", json, len, ok, false, err);
  printf(",\"fields\":{\"version\":\"%" PRId64 "\",\"TokenBucketBytesPerSecond\":\"%" PRId64
         "\",\"TokenBucketBytesBurst\":\"%" PRId64 "\"}}\n",
         si.version, si.token_bucket_bytes_per_second, si.token_bucket_bytes_burst);
  return true;
}

/* A key file as the relay's -c file and as its mesh key file: a line each,
 * the key in its text form when accepted. */
static void put_key_case(const char *path, const char *kind, const uint8_t *text, size_t len,
                         bool ok, const char *err, const char *field, const char *key_text) {
  put_text_case(path, "derp_keyfile", kind, text, len, ok, true, err);
  printf(",\"fields\":{");
  if (ok) {
    put_str(field);
    putchar(':');
    put_str(key_text);
  }
  printf("}}\n");
}

static bool put_key_readings(const char *path, const uint8_t *text, size_t len) {
  char why[512], key_text[DERP_KEY_TEXT_SIZE];
  uint8_t key[DERP_KEY_LEN];
  bool ok = derp_keyfile_parse(text, len, key, why, sizeof why) == DERP_KEYFILE_OK;
  if (ok) derp_key_private_text(key, key_text);
  put_key_case(path, "keyfile", text, len, ok, why, "PrivateKey", key_text);
  ok = derp_mesh_key_parse(text, len, key, why, sizeof why);
  if (ok) derp_hex_lower(key, DERP_KEY_LEN, key_text);
  put_key_case(path, "meshkey", text, len, ok, why, "MeshKey", key_text);
  return true;
}

static bool put_hujson_reading(const char *path, const uint8_t *text, size_t len) {
  static char out[DERPMAP_FUZZ_MAX_INPUT];
  struct hujson_error herr = {0};
  char why[160] = "";
  size_t at;
  bool ok = hujson_standardize((const char *)text, len, out, &herr);
  if (!ok)
    snprintf(why, sizeof why, "%d:%d: %s", herr.line, herr.column, herr.msg);
  else if (!go_json_check_valid((const uint8_t *)out, len, &at, why, sizeof why))
    ok = false;
  put_text_case(path, "derpmap_policy", "hujson", text, len, ok, true, why);
  printf(",\"fields\":{");
  if (ok) {
    printf("\"standard_hex\":");
    put_hex(out, len);
  }
  printf("}}\n");
  return true;
}

/* A relay_config input's rate-config file (kind "rateconfig") or -a
 * address (kind "hostport", the split --mesh-with hosts share); its other
 * parsers have no upstream counterpart to compare with (skipped). */
static bool put_config_reading(const char *path, const uint8_t *data, size_t len) {
  static struct relay_config_fuzz_input in;
  static char err[2 * RELAY_CONFIG_FUZZ_MAX_INPUT + 256], host[RELAY_CONFIG_FUZZ_MAX_INPUT];
  if (!relay_config_fuzz_decode(data, len, &in)) return false;
  if (in.mode == RELAY_CONFIG_RATE) {
    struct relay_rate_config rc;
    bool ok = relay_rateconfig_parse(in.text, in.len, &rc, err, sizeof err);
    put_text_case(path, "relay_config", "rateconfig", in.text, in.len, ok, false, err);
    printf(",\"fields\":{\"PerClientRateLimitBytesPerSec\":\"%" PRIu64
           "\",\"PerClientRateBurstBytes\":\"%" PRIu64 "\"}}\n",
           rc.bytes_per_sec, rc.burst_bytes);
    return true;
  }
  if (in.mode != RELAY_CONFIG_LISTEN) return false;
  int port = 0;
  bool ok = relay_split_host_port_any(in.flag, host, sizeof host, &port, err, sizeof err);
  put_text_case(path, "relay_config", "hostport", (const uint8_t *)in.flag, strlen(in.flag), ok,
                false, err);
  printf(",\"fields\":{");
  if (ok) {
    printf("\"host_hex\":");
    put_hex_str(host);
    printf(",\"port\":\"%d\"", port);
  }
  printf("}}\n");
  return true;
}

/* A DERPMap's fields as flat text, the shape the Go side gives
 * tailcfg.DERPMap: "OmitDefaultRegions", "Regions" (the ids, ascending,
 * comma-separated), and per region "Regions.<id>.<Field>" and per node
 * "Regions.<id>.Nodes[<i>].<Field>" with Go's field names; strings as
 * they are, numbers in decimal, booleans true/false. A lone region or node
 * is the one region derp_map_parse makes of it (derpmap.h: its id is its
 * RegionID, 900 when that is 0). */
static void put_field(bool *first, const char *prefix, const char *field, const char *value) {
  char name[128];
  snprintf(name, sizeof name, "%s%s", prefix, field);
  if (!*first) putchar(',');
  *first = false;
  put_str(name);
  putchar(':');
  put_str(value);
}

static const char *bool_text(bool b) { return b ? "true" : "false"; }

static void derpmap_fields(const struct derp_map *m) {
  bool first = true;
  char v[64];
  printf(",\"fields\":{");
  put_field(&first, "", "OmitDefaultRegions", bool_text(m->omit_default_regions));
  /* (written out, not built in a buffer: a 64 KiB input holds thousands) */
  printf(",\"Regions\":\"");
  for (size_t i = 0; i < m->region_count; i++) printf("%s%" PRId64, i ? "," : "", m->regions[i].id);
  putchar('"');
  for (size_t i = 0; i < m->region_count; i++) {
    const struct derp_region *r = &m->regions[i];
    char rf[48];
    snprintf(rf, sizeof rf, "Regions.%" PRId64 ".", r->id);
    snprintf(v, sizeof v, "%" PRId64, r->region_id);
    put_field(&first, rf, "RegionID", v);
    put_field(&first, rf, "RegionCode", r->code);
    put_field(&first, rf, "RegionName", r->name);
    put_field(&first, rf, "Avoid", bool_text(r->avoid));
    put_field(&first, rf, "NoMeasureNoHome", bool_text(r->no_measure_no_home));
    snprintf(v, sizeof v, "%zu", r->node_count);
    put_field(&first, rf, "Nodes", v);
    for (size_t j = 0; j < r->node_count; j++) {
      const struct derp_node *n = &r->nodes[j];
      char nf[80];
      snprintf(nf, sizeof nf, "%sNodes[%zu].", rf, j);
      put_field(&first, nf, "Name", n->name);
      snprintf(v, sizeof v, "%" PRId64, n->region_id);
      put_field(&first, nf, "RegionID", v);
      put_field(&first, nf, "HostName", n->host_name);
      put_field(&first, nf, "CertName", n->cert_name);
      put_field(&first, nf, "IPv4", n->ipv4);
      put_field(&first, nf, "IPv6", n->ipv6);
      snprintf(v, sizeof v, "%d", n->stun_port);
      put_field(&first, nf, "STUNPort", v);
      put_field(&first, nf, "STUNOnly", bool_text(n->stun_only));
      snprintf(v, sizeof v, "%d", n->derp_port);
      put_field(&first, nf, "DERPPort", v);
      put_field(&first, nf, "InsecureForTests", bool_text(n->insecure_for_tests));
      put_field(&first, nf, "STUNTestIP", n->stun_test_ip);
      put_field(&first, nf, "CanPort80", bool_text(n->can_port80));
    }
  }
  putchar('}');
}

/* false: not a JSON document (derper's snippet lines, node flags). */
static bool put_derpmap_reading(const char *path, const uint8_t *text, size_t len) {
  size_t i = 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) i++;
  if (i == len || text[i] != '{') return false;
  struct derp_map *m = NULL;
  struct derp_map_error err;
  bool ok = derp_map_parse((const char *)text, len, &m, &err);
  put_text_case(path, "derpmap", "derpmap", text, len, ok, true, err.msg);
  if (ok) derpmap_fields(m);
  printf("}\n");
  derp_map_free(m);
  return true;
}

/* The text layouts: the largest input the target takes, and the reader
 * that prints an input's lines (false: nothing to compare in it). */
static const struct {
  enum layout layout;
  size_t max;
  bool (*put)(const char *path, const uint8_t *text, size_t len);
} text_layouts[] = {
    {LAYOUT_CLIENT_INFO, CLIENT_INFO_FUZZ_MAX_INPUT, put_json_readings},
    {LAYOUT_KEYFILE, KEYFILE_FUZZ_MAX_INPUT, put_key_readings},
    {LAYOUT_POLICY, DERPMAP_FUZZ_MAX_INPUT, put_hujson_reading},
    {LAYOUT_DERPMAP, DERPMAP_FUZZ_MAX_INPUT, put_derpmap_reading},
    {LAYOUT_RELAY_CONFIG, RELAY_CONFIG_FUZZ_MAX_INPUT, put_config_reading},
};

/* ---- inputs ---- */

struct totals {
  unsigned long dumped, skipped, errors;
};

static void dump_input(const char *path, enum layout layout, const uint8_t *data, size_t size,
                       int64_t now, struct totals *t) {
  switch (layout) {
    case LAYOUT_PIN: {
      static struct pin_fuzz_input fin;
      if (!pin_fuzz_decode(data, size, &fin)) break;
      put_case(path, layout, &fin.call);
      t->dumped++;
      return;
    }
    case LAYOUT_CERT:
    case LAYOUT_METACERT: {
      struct der_slice certs[METACERT_FUZZ_MAX_CERTS];
      size_t n = 0;
      if (layout == LAYOUT_CERT) {
        if (size > CERT_FIELDS_FUZZ_MAX) break;
        certs[n++] = (struct der_slice){data, size};
      } else {
        struct metacert_fuzz_input min;
        if (!metacert_fuzz_decode(data, size, &min)) break;
        n = min.n_certs;
        memcpy(certs, min.certs, n * sizeof certs[0]);
      }
      char pin[65] = "", name[256];
      name[0] = '\0';
      if (n > 0) {
        (void)pin_hex_of_der(certs[0].ptr, certs[0].len, pin);
        cert_case_name(certs[0], name, sizeof name);
      }
      const struct pin_verify_input in = {certs, n, pin, name, now, PIN_PROFILE_CURRENT};
      put_case(path, layout, &in);
      t->dumped++;
      return;
    }
    case LAYOUT_CLIENT_INFO:
    case LAYOUT_KEYFILE:
    case LAYOUT_POLICY:
    case LAYOUT_DERPMAP:
    case LAYOUT_RELAY_CONFIG:
      for (size_t i = 0; i < sizeof text_layouts / sizeof text_layouts[0]; i++) {
        if (text_layouts[i].layout != layout) continue;
        if (size > text_layouts[i].max) break;
        if (text_layouts[i].put(path, data, size))
          t->dumped++;
        else
          t->skipped++; /* (quietly: e.g. derpmap's flags and snippets, not JSON documents) */
        return;
      }
      break;
    case LAYOUT_NONE: break;
  }
  /* The target itself skips these (larger than it takes). */
  fprintf(stderr, "oracle_dump: %s: skipped (%zu bytes, more than %s takes)\n", path, size,
          layout_name(layout));
  t->skipped++;
}

static void dump_file(const char *path, enum layout layout, int64_t now, struct totals *t) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > DUMP_MAX_FILE) {
    fprintf(stderr, "oracle_dump: cannot read %s (or larger than %u bytes)\n", path, DUMP_MAX_FILE);
    if (f) fclose(f);
    t->errors++;
    return;
  }
  size_t len = (size_t)st.st_size;
  uint8_t *buf = malloc(len ? len : 1);
  bool ok = buf && (len == 0 || fread(buf, 1, len, f) == len);
  fclose(f);
  if (ok)
    dump_input(path, layout, buf, len, now, t);
  else {
    fprintf(stderr, "oracle_dump: cannot read %s\n", path);
    t->errors++;
  }
  free(buf);
}

static int visible(const struct dirent *e) { return e->d_name[0] != '.'; }

/* The layout a path implies: its own name for a directory, its parent's
 * for a file. */
static enum layout layout_of_path(const char *path, bool is_dir) {
  char copy[4096];
  snprintf(copy, sizeof copy, "%s", path);
  size_t n = strlen(copy);
  while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
  if (!is_dir) {
    char *slash = strrchr(copy, '/');
    if (!slash) return LAYOUT_NONE;
    *slash = '\0';
  }
  const char *base = strrchr(copy, '/');
  return layout_from_name(base ? base + 1 : copy);
}

static void dump_path(const char *path, enum layout forced, int64_t now, struct totals *t) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "oracle_dump: %s: %s\n", path, strerror(errno));
    t->errors++;
    return;
  }
  bool is_dir = S_ISDIR(st.st_mode);
  enum layout layout = forced != LAYOUT_NONE ? forced : layout_of_path(path, is_dir);
  if (layout == LAYOUT_NONE) {
    fprintf(
        stderr,
        "oracle_dump: %s: layout unknown (name the directory pin_verify, cert_fields, "
        "metacert, relay_client_info, derp_keyfile, derpmap, derpmap_policy or relay_config, or "
        "pass --target)\n",
        path);
    t->errors++;
    return;
  }
  if (!is_dir) {
    dump_file(path, layout, now, t);
    return;
  }
  struct dirent **names = NULL;
  int count = scandir(path, &names, visible, alphasort);
  if (count < 0) {
    fprintf(stderr, "oracle_dump: cannot list %s: %s\n", path, strerror(errno));
    t->errors++;
    return;
  }
  for (int i = 0; i < count; i++) {
    char file[4096];
    snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
    if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) dump_file(file, layout, now, t);
    free(names[i]);
  }
  free(names);
}

static int usage(void) {
  fprintf(stderr,
          "usage: oracle_dump --now UNIX "
          "[--target pin_verify|cert_fields|metacert|relay_client_info|derp_keyfile|derpmap|"
          "derpmap_policy|relay_config] "
          "PATH...\n");
  return 2;
}

int main(int argc, char **argv) {
  bool have_now = false;
  int64_t now = 0;
  /* First pass: options that apply to every path. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
      char *end = NULL;
      errno = 0;
      long long v = strtoll(argv[++i], &end, 10);
      if (errno || !end || *end || end == argv[i]) return usage();
      now = (int64_t)v;
      have_now = true;
    }
  }
  if (!have_now) return usage();
  struct totals t = {0, 0, 0};
  enum layout forced = LAYOUT_NONE;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--now") == 0) {
      i++;
    } else if (strcmp(argv[i], "--target") == 0) {
      if (i + 1 >= argc || (forced = layout_from_name(argv[++i])) == LAYOUT_NONE) return usage();
    } else if (argv[i][0] == '-') {
      return usage();
    } else {
      dump_path(argv[i], forced, now, &t);
    }
  }
  fflush(stdout);
  fprintf(stderr, "oracle_dump: %lu inputs, %lu skipped, %lu errors\n", t.dumped, t.skipped,
          t.errors);
  if (t.errors) return 1;
  return t.dumped ? 0 : 2;
}
