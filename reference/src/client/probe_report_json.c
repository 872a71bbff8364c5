/* probe_report output: upstream's JSON (Go's encoding/json escaping, the
 * CLI's one-space indent) and the human form with the Diagnosis. */
#include <string.h>

#include "derp/go.h"
#include "derp/guard.h"
#include "derp/hex.h"
#include "derp/pin_verify.h"
#include "derp/probe_report.h"

static bool put_escape_u(struct byte_writer *w, uint32_t cp) {
  const uint8_t be16[2] = {(uint8_t)(cp >> 8), (uint8_t)cp};
  char e[7] = {'\\', 'u'};
  derp_hex_lower(be16, sizeof be16, e + 2);
  return byte_writer_bytes(w, e, 6);
}

bool probe_json_write_string(struct byte_writer *w, const char *s) {
  const uint8_t *p = (const uint8_t *)(s ? s : "");
  size_t len = strlen((const char *)p);
  GUARD(byte_writer_u8(w, '"'));
  for (size_t i = 0; i < len;) {
    uint8_t b = p[i];
    if (b < 0x80) {
      bool ok;
      switch (b) {
        case '"': ok = byte_writer_str(w, "\\\""); break;
        case '\\': ok = byte_writer_str(w, "\\\\"); break;
        case '\b': ok = byte_writer_str(w, "\\b"); break;
        case '\f': ok = byte_writer_str(w, "\\f"); break;
        case '\n': ok = byte_writer_str(w, "\\n"); break;
        case '\r': ok = byte_writer_str(w, "\\r"); break;
        case '\t': ok = byte_writer_str(w, "\\t"); break;
        case '<':
        case '>':
        case '&': ok = put_escape_u(w, b); break;
        default: ok = b < 0x20 ? put_escape_u(w, b) : byte_writer_u8(w, b); break;
      }
      GUARD(ok);
      i++;
      continue;
    }
    uint32_t r;
    size_t n = go_utf8_rune(p + i, len - i, &r);
    if (n == 0) {
      GUARD(put_escape_u(w, 0xfffd));
      i++;
    } else if (r == 0x2028 || r == 0x2029) {
      GUARD(put_escape_u(w, r));
      i += n;
    } else {
      GUARD(byte_writer_bytes(w, p + i, n));
      i += n;
    }
  }
  return byte_writer_u8(w, '"');
}

/* indent: 0 = compact, else the nesting depth of the array's key. */
static bool write_section(struct byte_writer *w, const struct probe_report *r, enum probe_section s,
                          int indent) {
  size_t n = probe_report_count(r, s);
  if (n == 0) return byte_writer_str(w, "null");
  GUARD(byte_writer_u8(w, '['));
  for (size_t i = 0; i < n; i++) {
    if (i > 0) GUARD(byte_writer_u8(w, ','));
    if (indent > 0) {
      GUARD(byte_writer_u8(w, '\n'));
      for (int k = 0; k <= indent; k++) GUARD(byte_writer_u8(w, ' '));
    }
    GUARD(probe_json_write_string(w, probe_report_item(r, s, i)));
  }
  if (indent > 0) {
    GUARD(byte_writer_u8(w, '\n'));
    for (int k = 0; k < indent; k++) GUARD(byte_writer_u8(w, ' '));
  }
  return byte_writer_u8(w, ']');
}

bool probe_json_write_section(struct byte_writer *w, const struct probe_report *r,
                              enum probe_section s) {
  return write_section(w, r, s, 0);
}

bool probe_report_write_json(struct byte_writer *w, const struct probe_report *r, bool indent) {
  static const char *const keys[] = {"Info", "Warnings", "Errors"};
  GUARD(byte_writer_u8(w, '{'));
  for (int s = PROBE_INFO; s <= PROBE_ERRORS; s++) {
    if (s > PROBE_INFO) GUARD(byte_writer_u8(w, ','));
    if (indent) GUARD(byte_writer_str(w, "\n "));
    GUARD(probe_json_write_string(w, keys[s]));
    GUARD(byte_writer_str(w, indent ? ": " : ":"));
    GUARD(write_section(w, r, (enum probe_section)s, indent ? 1 : 0));
  }
  if (indent) GUARD(byte_writer_u8(w, '\n'));
  return byte_writer_u8(w, '}');
}

bool probe_json_write_diagnosis(struct byte_writer *w, const struct probe_report *r) {
  size_t n = probe_report_diagnosis_count(r);
  if (n == 0) return byte_writer_str(w, "null");
  GUARD(byte_writer_u8(w, '['));
  for (size_t i = 0; i < n; i++) {
    const char *code, *text, *fix;
    enum probe_severity sev;
    GUARD(probe_report_diagnosis_at(r, i, &code, &sev, &text, &fix));
    if (i > 0) GUARD(byte_writer_u8(w, ','));
    GUARD(byte_writer_str(w, "{\"code\":"));
    GUARD(probe_json_write_string(w, code));
    GUARD(byte_writer_str(w, ",\"severity\":"));
    GUARD(probe_json_write_string(w, probe_severity_name(sev)));
    GUARD(byte_writer_str(w, ",\"text\":"));
    GUARD(probe_json_write_string(w, text));
    GUARD(byte_writer_str(w, ",\"fix\":"));
    GUARD(probe_json_write_string(w, fix));
    GUARD(byte_writer_u8(w, '}'));
  }
  return byte_writer_u8(w, ']');
}

bool probe_report_write_human(struct byte_writer *w, const struct probe_report *r) {
  GUARD(probe_report_write_json(w, r, true));
  GUARD(byte_writer_u8(w, '\n'));
  size_t n = probe_report_diagnosis_count(r);
  if (n == 0) return true;
  GUARD(byte_writer_str(w, "\nDiagnosis:\n"));
  for (size_t i = 0; i < n; i++) {
    const char *code, *text, *fix;
    enum probe_severity sev;
    GUARD(probe_report_diagnosis_at(r, i, &code, &sev, &text, &fix));
    GUARD(byte_writer_str(w, "  - "));
    GUARD(byte_writer_str(w, probe_severity_name(sev)));
    GUARD(byte_writer_u8(w, ' '));
    GUARD(byte_writer_str(w, code));
    GUARD(byte_writer_str(w, ": "));
    GUARD(byte_writer_str(w, text));
    GUARD(byte_writer_u8(w, '\n'));
    if (fix[0] != '\0') {
      GUARD(byte_writer_str(w, "    fix: "));
      GUARD(byte_writer_str(w, fix));
      GUARD(byte_writer_u8(w, '\n'));
    }
  }
  return true;
}

size_t probe_report_output_bound(const struct probe_report *r) {
  size_t entries = 0;
  for (int s = 0; s < PROBE_SECTION_COUNT; s++) entries += r->count[s];
  /* Escaping turns one byte into at most 6 ("\u003c"); the human form also
   * prints the Diagnosis raw; each entry adds quotes, a comma, a newline and
   * an indent, a diagnosis its keys, code and severity. */
  return 7 * r->arena_used + 16 * entries + 128 * r->count[PROBE_DIAGNOSIS] + 512;
}
