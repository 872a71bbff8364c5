/* Fuzz target tls_certmsg: the TLS Certificate message splitter
 * (tls_certmsg_parse) in both layouts, against an offset-based walk of
 * RFC 8446 §4.4.2 / RFC 5246 §7.4.2 written out here, plus a re-encode ->
 * parse round trip.
 *
 * Input layout:
 *   u8  control  bit 0: TLS 1.3 layout (else TLS 1.2)
 *   ... the handshake message, 4-byte header included.
 *
 * Oracles:
 *  - the status equals the spec walk's (header type 11, u24 body length
 *    exactly filling the message, [u8 context], u24 list length exactly
 *    filling the body, entries u24 len > 0, cert, [u16 ext_len, ext], at most
 *    TLS_CERTMSG_MAX_CERTS); every status has a text;
 *  - OK: the slices are the spec walk's, each non-empty, inside the input,
 *    in increasing order and not overlapping;
 *  - OK: re-encoding the list (TLS 1.3: the input's context, empty
 *    extensions) in the same layout parses to the same certificate bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "derp/tls_certmsg.h"
#include "oracle_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CERTMSG_FUZZ_MAX_INPUT 65536u

struct spec_entry {
  size_t off, len;
};

struct spec_result {
  enum tls_certmsg_status status;
  size_t n;
  struct spec_entry e[TLS_CERTMSG_MAX_CERTS];
  size_t context_off, context_len;
};

static size_t u24_at(const uint8_t *p) { return (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]; }

static void spec_walk(const uint8_t *m, size_t len, bool tls13, struct spec_result *res) {
  memset(res, 0, sizeof *res);
  res->status = TLS_CERTMSG_ERR_TRUNCATED;
  if (len < 1) return;
  if (m[0] != TLS_HANDSHAKE_CERTIFICATE) {
    res->status = TLS_CERTMSG_ERR_NOT_CERTIFICATE;
    return;
  }
  if (len < 4) return;
  size_t body_len = u24_at(m + 1);
  if (body_len > len - 4) return;
  if (body_len < len - 4) {
    res->status = TLS_CERTMSG_ERR_TRAILING;
    return;
  }
  size_t pos = 4, end = len;
  if (tls13) {
    if (end - pos < 1) return;
    size_t clen = m[pos];
    pos += 1;
    if (clen > end - pos) return;
    res->context_off = pos;
    res->context_len = clen;
    pos += clen;
  }
  if (end - pos < 3) return;
  size_t list_len = u24_at(m + pos);
  pos += 3;
  if (list_len > end - pos) return;
  if (list_len < end - pos) {
    res->status = TLS_CERTMSG_ERR_TRAILING;
    return;
  }
  while (pos < end) {
    if (end - pos < 3) return;
    size_t clen = u24_at(m + pos);
    pos += 3;
    if (clen == 0) {
      res->status = TLS_CERTMSG_ERR_EMPTY_CERT;
      return;
    }
    if (clen > end - pos) return;
    size_t coff = pos;
    pos += clen;
    if (tls13) {
      if (end - pos < 2) return;
      size_t elen = (size_t)m[pos] << 8 | m[pos + 1];
      pos += 2;
      if (elen > end - pos) return;
      pos += elen;
    }
    if (res->n == TLS_CERTMSG_MAX_CERTS) {
      res->status = TLS_CERTMSG_ERR_TOO_MANY;
      return;
    }
    res->e[res->n].off = coff;
    res->e[res->n].len = clen;
    res->n++;
  }
  res->status = TLS_CERTMSG_OK;
}

static void put_u24(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 16);
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)v;
}

/* Re-encoding never grows the message (extensions become empty), so a
 * buffer the input's size suffices. */
static size_t encode(const uint8_t *m, const struct tls_certmsg *cm, bool tls13,
                     const struct spec_result *sr, uint8_t *out) {
  size_t pos = 4;
  if (tls13) {
    out[pos++] = (uint8_t)sr->context_len;
    memcpy(out + pos, m + sr->context_off, sr->context_len);
    pos += sr->context_len;
  }
  size_t list_at = pos;
  pos += 3;
  for (size_t i = 0; i < cm->n_certs; i++) {
    put_u24(out + pos, cm->certs[i].len);
    pos += 3;
    memcpy(out + pos, cm->certs[i].ptr, cm->certs[i].len);
    pos += cm->certs[i].len;
    if (tls13) {
      out[pos++] = 0;
      out[pos++] = 0;
    }
  }
  out[0] = TLS_HANDSHAKE_CERTIFICATE;
  put_u24(out + 1, pos - 4);
  put_u24(out + list_at, pos - list_at - 3);
  return pos;
}

static void report(const uint8_t *m, const struct tls_certmsg *cm, enum tls_certmsg_status st,
                   const struct spec_result *sr) {
  oracle_view("module: %s, %zu certs", tls_certmsg_status_str(st), cm->n_certs);
  for (size_t i = 0; st == TLS_CERTMSG_OK && i < cm->n_certs && i < TLS_CERTMSG_MAX_CERTS; i++)
    oracle_view("  module cert %zu at %td len %zu", i, cm->certs[i].ptr - m, cm->certs[i].len);
  oracle_view("spec:   %s, %zu certs", tls_certmsg_status_str(sr->status), sr->n);
  for (size_t i = 0; i < sr->n; i++)
    oracle_view("  spec cert %zu at %zu len %zu", i, sr->e[i].off, sr->e[i].len);
}

static uint8_t reencoded[CERTMSG_FUZZ_MAX_INPUT];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > CERTMSG_FUZZ_MAX_INPUT) return -1;
  bool tls13 = data[0] & 1;
  const uint8_t *m = data + 1;
  size_t n = size - 1;

  struct tls_certmsg cm;
  memset(&cm, 0xa5, sizeof cm);
  enum tls_certmsg_status st = tls_certmsg_parse(m, n, tls13, &cm);
  struct spec_result sr;
  spec_walk(m, n, tls13, &sr);
  ORACLE_ASSERT(strcmp(tls_certmsg_status_str(st), "unknown tls_certmsg status") != 0,
                "status %d has no text", (int)st);

  bool same = st == sr.status;
  if (same && st == TLS_CERTMSG_OK) {
    same = cm.n_certs == sr.n;
    for (size_t i = 0; same && i < sr.n; i++)
      same = cm.certs[i].ptr == m + sr.e[i].off && cm.certs[i].len == sr.e[i].len;
  }
  if (!same) {
    oracle_mismatch("tls_certmsg_parse (%s layout)", tls13 ? "TLS 1.3" : "TLS 1.2");
    report(m, &cm, st, &sr);
    oracle_abort();
  }
  if (st != TLS_CERTMSG_OK) return 0;

  /* Independent of the spec walk: plain slice invariants. */
  const uint8_t *prev_end = m;
  for (size_t i = 0; i < cm.n_certs; i++) {
    const struct der_slice *c = &cm.certs[i];
    ORACLE_ASSERT(c->len > 0, "cert %zu is empty", i);
    ORACLE_ASSERT(c->ptr >= m + 4 && c->ptr <= m + n && c->len <= (size_t)(m + n - c->ptr),
                  "cert %zu lies outside the message", i);
    ORACLE_ASSERT(c->ptr >= prev_end, "cert %zu overlaps or precedes cert %zu", i, i - 1);
    prev_end = c->ptr + c->len;
  }

  size_t rn = encode(m, &cm, tls13, &sr, reencoded);
  ORACLE_ASSERT(rn <= n, "re-encoding grew the message: %zu > %zu", rn, n);
  struct tls_certmsg back;
  enum tls_certmsg_status bst = tls_certmsg_parse(reencoded, rn, tls13, &back);
  bool equal = bst == TLS_CERTMSG_OK && back.n_certs == cm.n_certs;
  for (size_t i = 0; equal && i < cm.n_certs; i++)
    equal = back.certs[i].len == cm.certs[i].len &&
            memcmp(back.certs[i].ptr, cm.certs[i].ptr, cm.certs[i].len) == 0;
  if (!equal) {
    oracle_mismatch("re-encoded Certificate message does not parse to the same certificates");
    oracle_view("re-parse: %s, %zu certs (want %zu)", tls_certmsg_status_str(bst),
                bst == TLS_CERTMSG_OK ? back.n_certs : 0, cm.n_certs);
    oracle_hex("re-encoded", reencoded, rn);
    oracle_abort();
  }
  /* The same bytes read in the other layout: only bounds are checked (by the
   * sanitizers), any verdict is fine. */
  struct tls_certmsg other;
  (void)tls_certmsg_parse(m, n, !tls13, &other);
  return 0;
}
