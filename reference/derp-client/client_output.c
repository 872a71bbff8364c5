/* client_output: verdict line (JSON) and the human summary. */
#include "client_output.h"

#include <stdlib.h>
#include <string.h>

#include "derp/cert_fields.h"
#include "derp/derp_keys.h"
#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/metacert.h"
#include "derp/pin_verify.h"

void client_verdict_init(struct client_verdict *v) { memset(v, 0, sizeof *v); }

/* What the summary says about one presented certificate. */
struct cert_summary {
  bool parsed;
  bool metacert;
  bool self_signed;
  char cn[128];
  char sha256[PIN_HEX_LEN + 1];
  char not_before[64];
  char not_after[64];
};

static void summarise(const struct der_slice *der, struct cert_summary *s) {
  memset(s, 0, sizeof *s);
  (void)pin_hex_of_der(der->ptr, der->len, s->sha256); /* "" (JSON null) if it fails */
  struct cert_fields f;
  if (cert_fields_parse(der->ptr, der->len, &f) != CERT_FIELDS_OK) return;
  s->parsed = true;
  go_common_name(&f, s->cn, sizeof s->cn);
  /* The CN is the server's text: keep terminals safe in the human form
   * (JSON escapes it anyway). */
  for (char *p = s->cn; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  s->metacert = strncmp(s->cn, METACERT_CN_PREFIX, strlen(METACERT_CN_PREFIX)) == 0;
  s->self_signed =
      f.issuer.len == f.subject.len && memcmp(f.issuer.ptr, f.subject.ptr, f.issuer.len) == 0;
  go_utc_time_string(f.not_before, s->not_before, sizeof s->not_before);
  go_utc_time_string(f.not_after, s->not_after, sizeof s->not_after);
}

static bool put_str_or_null(struct byte_writer *w, const char *s) {
  return s && s[0] ? probe_json_write_string(w, s) : byte_writer_str(w, "null");
}

static bool put_key_value(struct byte_writer *w, const char *key, const char *s) {
  GUARD(byte_writer_u8(w, ','));
  GUARD(probe_json_write_string(w, key));
  GUARD(byte_writer_u8(w, ':'));
  return put_str_or_null(w, s);
}

static bool put_hex(struct byte_writer *w, const uint8_t *p, size_t n) {
  GUARD(byte_writer_u8(w, '"'));
  GUARD(derp_hex_write_lower(w, p, n));
  return byte_writer_u8(w, '"');
}

static bool put_chain(struct byte_writer *w, const struct tls_certmsg *certs) {
  GUARD(byte_writer_str(w, ",\"chain\":["));
  for (size_t i = 0; i < certs->n_certs; i++) {
    struct cert_summary s;
    summarise(&certs->certs[i], &s);
    if (i > 0) GUARD(byte_writer_u8(w, ','));
    GUARD(byte_writer_str(w, "{\"cn\":"));
    GUARD(put_str_or_null(w, s.parsed ? s.cn : NULL));
    GUARD(put_key_value(w, "sha256", s.sha256));
    GUARD(put_key_value(w, "not_before", s.parsed ? s.not_before : NULL));
    GUARD(put_key_value(w, "not_after", s.parsed ? s.not_after : NULL));
    GUARD(byte_writer_str(w, s.metacert ? ",\"metacert\":true" : ",\"metacert\":false"));
    GUARD(byte_writer_str(w, s.self_signed ? ",\"self_signed\":true}" : ",\"self_signed\":false}"));
  }
  return byte_writer_u8(w, ']');
}

/* "Versions":[{"clients":..,"profile":..,"result":..,"path":..,"reason":..,
 * "code":..,"summary":..}] */
static bool write_versions_json(struct byte_writer *w, const struct client_versions *vs) {
  GUARD(byte_writer_str(w, ",\"Versions\":["));
  for (size_t i = 0; i < vs->n; i++) {
    const struct client_version_row *r = &vs->rows[i];
    if (i > 0) GUARD(byte_writer_u8(w, ','));
    GUARD(byte_writer_str(w, "{\"clients\":"));
    GUARD(probe_json_write_string(w, r->clients));
    GUARD(put_key_value(w, "profile", r->profile));
    GUARD(put_key_value(w, "result", r->works ? "pass" : "fail"));
    GUARD(put_key_value(w, "path", r->path));
    GUARD(put_key_value(w, "reason", r->reason));
    GUARD(put_key_value(w, "code", r->code));
    GUARD(put_key_value(w, "summary", r->summary));
    GUARD(byte_writer_u8(w, '}'));
  }
  return byte_writer_u8(w, ']');
}

static bool write_json(struct byte_writer *w, const struct client_verdict *v) {
  GUARD(byte_writer_str(w, v->pass ? "{\"result\":\"pass\"" : "{\"result\":\"fail\""));
  GUARD(put_key_value(w, "reason", v->reason));
  GUARD(put_key_value(w, "path", v->path));
  GUARD(put_key_value(w, "tls_version", v->tls_version));
  GUARD(byte_writer_str(w, ",\"server_key\":"));
  GUARD(v->has_server_key ? put_hex(w, v->server_key, 32) : byte_writer_str(w, "null"));
  GUARD(byte_writer_str(w, ",\"certs\":"));
  if (v->has_certs && v->certs) {
    char n[24];
    snprintf(n, sizeof n, "%zu", v->certs->n_certs);
    GUARD(byte_writer_str(w, n));
    GUARD(put_chain(w, v->certs));
  } else {
    GUARD(byte_writer_str(w, "null"));
  }
  if (v->has_packet) {
    GUARD(byte_writer_str(w, ",\"packet_hex\":"));
    GUARD(put_hex(w, v->packet, v->packet_len));
    GUARD(byte_writer_str(w, ",\"from\":"));
    GUARD(put_hex(w, v->from, 32));
  }
  if (v->mapped) GUARD(put_key_value(w, "mapped", v->mapped));
  if (v->present != NULL) {
    const char(*lists[2])[65] = {v->present, v->gone};
    size_t counts[2] = {v->n_present, v->n_gone};
    static const char *const names[2] = {",\"present\":[", ",\"gone\":["};
    for (int l = 0; l < 2; l++) {
      GUARD(byte_writer_str(w, names[l]));
      for (size_t i = 0; i < counts[l]; i++) {
        if (i > 0) GUARD(byte_writer_u8(w, ','));
        GUARD(probe_json_write_string(w, lists[l][i]));
      }
      GUARD(byte_writer_u8(w, ']'));
    }
  }
  if (v->report) {
    GUARD(byte_writer_str(w, ",\"report\":"));
    GUARD(probe_report_write_json(w, v->report, false));
    GUARD(byte_writer_str(w, ",\"Diagnosis\":"));
    GUARD(probe_json_write_diagnosis(w, v->report));
  }
  if (v->versions) GUARD(write_versions_json(w, v->versions));
  return byte_writer_str(w, "}\n");
}

static void write_human_versions(FILE *out, const struct client_versions *vs) {
  fprintf(out, "\nBy client version:\n");
  for (size_t i = 0; i < vs->n; i++) {
    const struct client_version_row *r = &vs->rows[i];
    if (r->works)
      fprintf(out, "  %-19s works%s%s%s\n", r->clients, r->path ? " (" : "", r->path ? r->path : "",
              r->path ? " path)" : "");
    else
      fprintf(out, "  %-19s fails%s%s%s: %s\n", r->clients, r->code ? " [" : "",
              r->code ? r->code : "", r->code ? "]" : "", r->reason);
  }
}

static void write_human_chain(FILE *out, const struct tls_certmsg *certs) {
  fprintf(out, "certificates presented: %zu\n", certs->n_certs);
  for (size_t i = 0; i < certs->n_certs; i++) {
    struct cert_summary s;
    summarise(&certs->certs[i], &s);
    const char *role = s.metacert ? "metacert" : (i == 0 ? "leaf" : "extra");
    if (!s.parsed) {
      fprintf(out, "  [%zu] %zu bytes, not a parseable certificate, sha256 %s\n", i,
              certs->certs[i].len, s.sha256);
      continue;
    }
    fprintf(out, "  [%zu] %-8s CN=%s%s\n       sha256 %s\n       valid %s .. %s\n", i, role, s.cn,
            s.self_signed ? " (self-signed)" : "", s.sha256, s.not_before, s.not_after);
  }
}

static bool write_human(FILE *out, const struct client_verdict *v) {
  if (v->report) {
    size_t cap = probe_report_output_bound(v->report);
    uint8_t *buf = malloc(cap);
    if (buf == NULL) return false;
    struct byte_writer w = byte_writer_init(buf, cap);
    bool ok = probe_report_write_human(&w, v->report);
    if (ok) fwrite(buf, 1, w.len, out);
    free(buf);
    if (!ok) return false;
    if (v->versions) write_human_versions(out, v->versions);
    fprintf(out, "\nresult: %s\n", v->pass ? "pass" : "fail");
    return true;
  }
  fprintf(out, "result: %s\n", v->pass ? "pass" : "fail");
  if (v->reason[0]) fprintf(out, "reason: %s\n", v->reason);
  if (v->addr) fprintf(out, "address: %s\n", v->addr);
  if (v->verify) fprintf(out, "certificate check: %s\n", v->verify);
  if (v->tls_version) fprintf(out, "tls: %s\n", v->tls_version);
  if (v->path)
    fprintf(out, "path: %s\n",
            strcmp(v->path, "fast") == 0 ? "fast (Derp-Fast-Start, key from the metacert)"
                                         : "slow (HTTP 101, then ServerKey)");
  if (v->has_server_key) {
    char key[DERP_KEY_TEXT_SIZE];
    derp_key_public_text(v->server_key, key);
    fprintf(out, "server key: %s\n", key);
  }
  if (v->has_certs && v->certs) write_human_chain(out, v->certs);
  if (v->has_packet) {
    char from[DERP_KEY_TEXT_SIZE];
    derp_key_public_text(v->from, from);
    fprintf(out, "packet from %s: %zu bytes\n  ", from, v->packet_len);
    for (size_t at = 0; at < v->packet_len; at += 64) {
      char hex[2 * 64 + 1];
      derp_hex_lower(v->packet + at, v->packet_len - at < 64 ? v->packet_len - at : 64, hex);
      fputs(hex, out);
    }
    fprintf(out, "\n");
  }
  if (v->mapped) fprintf(out, "mapped address: %s\n", v->mapped);
  return true;
}

bool client_output_write(FILE *out, const struct client_verdict *v, bool json) {
  bool ok;
  if (!json) {
    ok = write_human(out, v);
  } else {
    size_t cap = 4096 + 8 * strlen(v->reason) + 2 * v->packet_len + 70 * (v->n_present + v->n_gone);
    if (v->certs) cap += 1024 * v->certs->n_certs;
    if (v->report) cap += probe_report_output_bound(v->report);
    if (v->versions) cap += v->versions->n * 8 * (sizeof v->versions->rows[0].summary + 256);
    uint8_t *buf = malloc(cap);
    if (buf == NULL) return false;
    struct byte_writer w = byte_writer_init(buf, cap);
    ok = write_json(&w, v);
    if (ok) fwrite(buf, 1, w.len, out);
    free(buf);
  }
  return fflush(out) == 0 && ok;
}
