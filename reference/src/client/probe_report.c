/* probe_report: the report model and the §5.1 message texts. */
#include "derp/probe_report.h"
#include "derp/go.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "derp/guard.h"
#include "derp/pin_verify.h"

void probe_report_init(struct probe_report *r) {
  memset(r->count, 0, sizeof r->count);
  r->arena_used = 0;
  r->truncated = false;
  r->arena[0] = '\0';
}

/* Copy text into the arena (cut to what fits); its offset in *at. */
static bool arena_put(struct probe_report *r, const char *text, uint32_t *at) {
  if (text == NULL) text = "";
  if (r->arena_used >= sizeof r->arena) {
    r->truncated = true;
    return false;
  }
  size_t room = sizeof r->arena - r->arena_used - 1; /* keep one byte for the NUL */
  size_t len = strlen(text);
  if (len > room) {
    len = room;
    /* Do not cut a UTF-8 sequence in half: back up to its first byte. */
    while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80) len--;
    r->truncated = true;
  }
  memcpy(r->arena + r->arena_used, text, len);
  r->arena[r->arena_used + len] = '\0';
  *at = (uint32_t)r->arena_used;
  r->arena_used += len + 1;
  return true;
}

bool probe_report_add(struct probe_report *r, enum probe_section s, const char *text) {
  GUARD(r != NULL && (unsigned)s < PROBE_SECTION_COUNT);
  if (r->count[s] >= PROBE_REPORT_MAX_ENTRIES) {
    r->truncated = true;
    return false;
  }
  GUARD(arena_put(r, text, &r->offset[s][r->count[s]]));
  if (s == PROBE_DIAGNOSIS) { /* a bare text: no code, no fix */
    r->diag_code[r->count[s]] = "unnamed";
    r->diag_severity[r->count[s]] = PROBE_SEVERITY_ERROR;
    r->diag_fix[r->count[s]] =
        r->offset[s][r->count[s]] + (uint32_t)strlen(r->arena + r->offset[s][r->count[s]]);
  }
  r->count[s]++;
  return true;
}

const char *probe_severity_name(enum probe_severity s) {
  switch (s) {
    case PROBE_SEVERITY_INFO: return "info";
    case PROBE_SEVERITY_WARNING: return "warning";
    case PROBE_SEVERITY_ERROR: return "error";
  }
  return "error";
}

bool probe_report_add_diagnosis(struct probe_report *r, const struct probe_diagnosis *d) {
  GUARD(r != NULL && d != NULL && d->code != NULL);
  for (size_t i = 0; i < r->count[PROBE_DIAGNOSIS]; i++)
    if (strcmp(r->diag_code[i], d->code) == 0 &&
        strcmp(r->arena + r->offset[PROBE_DIAGNOSIS][i], d->text) == 0)
      return true;
  size_t i = r->count[PROBE_DIAGNOSIS];
  uint32_t fix_at;
  GUARD(probe_report_add(r, PROBE_DIAGNOSIS, d->text));
  r->diag_code[i] = d->code;
  r->diag_severity[i] = (uint8_t)d->severity;
  if (arena_put(r, d->fix, &fix_at)) r->diag_fix[i] = fix_at;
  return true;
}

size_t probe_report_diagnosis_count(const struct probe_report *r) {
  return probe_report_count(r, PROBE_DIAGNOSIS);
}

bool probe_report_diagnosis_at(const struct probe_report *r, size_t i, const char **code,
                               enum probe_severity *severity, const char **text, const char **fix) {
  GUARD(r != NULL && i < r->count[PROBE_DIAGNOSIS]);
  *code = r->diag_code[i];
  *severity = (enum probe_severity)r->diag_severity[i];
  *text = r->arena + r->offset[PROBE_DIAGNOSIS][i];
  *fix = r->arena + r->diag_fix[i];
  return true;
}

enum probe_severity probe_report_worst_severity(const struct probe_report *r) {
  enum probe_severity worst = PROBE_SEVERITY_INFO;
  for (size_t i = 0; r != NULL && i < r->count[PROBE_DIAGNOSIS]; i++)
    if (r->diag_severity[i] > worst) worst = (enum probe_severity)r->diag_severity[i];
  return worst;
}

size_t probe_report_count(const struct probe_report *r, enum probe_section s) {
  ENSURE(r != NULL && (unsigned)s < PROBE_SECTION_COUNT, 0);
  return r->count[s];
}

const char *probe_report_item(const struct probe_report *r, enum probe_section s, size_t i) {
  ENSURE(r != NULL && (unsigned)s < PROBE_SECTION_COUNT && i < r->count[s], NULL);
  return r->arena + r->offset[s][i];
}

bool probe_report_contains(const struct probe_report *r, enum probe_section s, const char *text) {
  for (size_t i = 0; i < probe_report_count(r, s); i++)
    if (strcmp(probe_report_item(r, s, i), text) == 0) return true;
  return false;
}

enum probe_section probe_msg_section(enum probe_msg_kind kind) {
  switch (kind) {
    case PROBE_MSG_REGION:
    case PROBE_MSG_STUN_ONLY:
    case PROBE_MSG_DUAL_STACK:
    case PROBE_MSG_DERP_OK:
    case PROBE_MSG_STUN_OK: return PROBE_INFO;
    case PROBE_MSG_SINGLE_REGION:
    case PROBE_MSG_AVOID:
    case PROBE_MSG_IPV6_ONLY:
    case PROBE_MSG_CAPTIVE_INTERNAL:
    case PROBE_MSG_CAPTIVE_FAILED:
    case PROBE_MSG_STUN_NONE: return PROBE_WARNINGS;
    default: return PROBE_ERRORS;
  }
}

/* snprintf that reports whether everything fit. */
__attribute__((format(printf, 3, 4))) static bool fmt(char *out, size_t cap, const char *f, ...) {
  ENSURE(cap > 0, false);
  va_list ap;
  va_start(ap, f);
  int n = vsnprintf(out, cap, f, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < cap;
}

/* Go's %q of s; on overflow the quoted text is cut (still NUL-terminated). */
static bool quote(const char *s, char *out, size_t cap) { return go_quote(s ? s : "", out, cap); }

bool probe_msg_format(const struct probe_msg *m, char *out, size_t cap) {
  GUARD(m != NULL && out != NULL && cap > 0);
  out[0] = '\0';
  /* Quoted forms of the string arguments; each can be as long as a
   * message, so they are sized like one. */
  char host_q[PROBE_MESSAGE_MAX], addr_q[PROBE_MESSAGE_MAX], text_q[PROBE_MESSAGE_MAX];
  bool ok = quote(m->host, host_q, sizeof host_q) && quote(m->addr, addr_q, sizeof addr_q) &&
            quote(m->text, text_q, sizeof text_q);
  const char *err = m->err ? m->err : "";
  const char *addr = m->addr ? m->addr : "";
  long long n = (long long)m->number;
  bool fit;
  switch (m->kind) {
    case PROBE_MSG_NO_DERP_MAP: fit = fmt(out, cap, "no DERP map (not connected?)"); break;
    case PROBE_MSG_NO_SUCH_REGION:
      fit = fmt(out, cap, "no such region %s in DERP map", text_q);
      break;
    case PROBE_MSG_REGION: fit = fmt(out, cap, "Region %lld == %s", n, text_q); break;
    case PROBE_MSG_SINGLE_REGION:
      fit = fmt(out, cap,
                "Having only a single DERP region (i.e. removing the default Tailscale-provided "
                "regions) is a single point of failure and could hamper connectivity");
      break;
    case PROBE_MSG_AVOID: fit = fmt(out, cap, "Region is marked with Avoid bit"); break;
    case PROBE_MSG_NO_NODES: fit = fmt(out, cap, "Region has no nodes defined"); break;
    case PROBE_MSG_STUN_ONLY:
      fit = fmt(out, cap, "Node %s is marked STUNOnly; skipped non-STUN checks", host_q);
      break;
    case PROBE_MSG_DIAL_ERROR:
      fit = fmt(out, cap, "Error connecting to node %s @ %s over IPv%lld: %s", host_q, addr_q, n,
                err);
      break;
    case PROBE_MSG_TLS_ERROR:
      fit = fmt(out, cap, "Error upgrading connection to node %s @ %s to TLS over IPv%lld: %s",
                host_q, addr_q, n, err);
      break;
    case PROBE_MSG_IPV6_ONLY:
      fit = fmt(out, cap, "Node %s only has IPv6 connectivity, not IPv4", host_q);
      break;
    case PROBE_MSG_DUAL_STACK:
      fit = fmt(out, cap, "Node %s has working IPv4 and IPv6 connectivity", host_q);
      break;
    case PROBE_MSG_CAPTIVE_INTERNAL:
      fit = fmt(out, cap, "Internal error creating request for captive portal check: %s", err);
      break;
    case PROBE_MSG_CAPTIVE_FAILED:
      fit = fmt(out, cap,
                "Error making request to the captive portal check %s; is port 80 blocked?", addr_q);
      break;
    case PROBE_MSG_DERP_ERROR:
      fit = fmt(out, cap, "Error connecting to node %s @ try %lld: %s", host_q, n, err);
      break;
    case PROBE_MSG_DERP_OK:
      fit = fmt(out, cap, "Successfully established a DERP connection with node %s", host_q);
      break;
    case PROBE_MSG_MULTIPLE_KEYS:
      fit = fmt(out, cap,
                "Received multiple server public keys (%lld); is the DERP server behind a load "
                "balancer?",
                n);
      break;
    case PROBE_MSG_STUN_LISTEN_ERROR:
      fit = fmt(out, cap, "Error creating IPv4 STUN listener: %s", err);
      break;
    case PROBE_MSG_STUN_RESOLVE_ERROR:
      fit = fmt(out, cap, "Error resolving node %s IPv4 addresses: %s", host_q, err);
      break;
    case PROBE_MSG_STUN_SEND_ERROR:
      fit = fmt(out, cap, "Error sending IPv4 STUN packet to %s (%s): %s", addr, host_q, err);
      break;
    case PROBE_MSG_STUN_OK:
      fit = fmt(out, cap, "Node %s returned IPv4 STUN response: %s", host_q, addr);
      break;
    case PROBE_MSG_STUN_NONE:
      fit = fmt(out, cap, "Node %s did not return a IPv4 STUN response", host_q);
      break;
    default: return false;
  }
  return ok && fit;
}

bool probe_report_message(struct probe_report *r, const struct probe_msg *m) {
  GUARD(r != NULL && m != NULL);
  char text[PROBE_MESSAGE_MAX];
  if (!probe_msg_format(m, text, sizeof text)) {
    if (text[0] == '\0') return false;
    r->truncated = true;
  }
  return probe_report_add(r, probe_msg_section(m->kind), text);
}
