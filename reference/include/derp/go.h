/* go: the Go behaviours the C code reproduces, each modelled once. Upstream
 * Tailscale is Go, so wherever a relay or client prints a text or accepts an
 * input, "correct" means "as Go's standard library does": IP literals
 * (net), quoting (strconv), JSON field names (encoding/json), TLS alert
 * texts (crypto/tls), durations and time texts (time), log time stamps
 * (log). Pure functions: no clock (callers pass the time), no allocation;
 * the x509 rules that need a certificate live in trust/. */
#ifndef DERP_GO_H
#define DERP_GO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derp/byte_cursor.h"

/* ASCII-only lowering, as Go's case-insensitive ASCII comparisons (x509
 * host names, HTTP tokens, JSON names, strconv prefixes) apply it; other
 * bytes are left alone. */
static inline char go_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
}

/* --- net --- */

/* net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 text, no zone.
 * Writes the 16-byte form (IPv4 as ::ffff:a.b.c.d). */
bool go_parse_ip(const char *s, size_t len, uint8_t out[16]);
/* An IPv4 address in 16-byte form (::ffff:a.b.c.d), as net.IP.To4 sees it. */
bool go_ip_is_v4(const uint8_t ip[16]);
/* net.IP.String() of a 4- or 16-byte address (IPv4-mapped prints as IPv4;
 * IPv6 in RFC 5952 form). Needs at most 46 bytes. */
bool go_ip_string(const uint8_t *ip, size_t len, char *out, size_t cap);
/* crypto/tls's hostnameInSNI: "" for an IP literal (brackets and a %zone
 * allowed), otherwise the name without trailing dots. Writes at most len+1
 * bytes including the NUL. */
void go_hostname_in_sni(const char *name, char *out, size_t cap);

/* --- strconv, unicode/utf8 --- */

/* One UTF-8 sequence at s as Go's decoder takes it (no overlongs, no
 * surrogates, <= U+10FFFF): its length 1..4 and *rune, or 0 if invalid. */
size_t go_utf8_rune(const uint8_t *s, size_t len, uint32_t *rune);
/* utf8.EncodeRune of a rune <= U+10FFFF (the callers' runes come from
 * go_utf8_rune, a \u escape or a byte): its 1..4 bytes into out. */
size_t go_utf8_encode(uint32_t rune, uint8_t out[4]);
/* unicode.IsSpace: ASCII \t \n \v \f \r and space, U+0085, U+00A0, and
 * Unicode's other White_Space runes (U+1680, U+2000..U+200A, U+2028,
 * U+2029, U+202F, U+205F, U+3000). */
bool go_is_space(uint32_t rune);
/* strings.TrimSpace: the length of s without leading and trailing
 * go_is_space runes, from *start (a byte that is not valid UTF-8 is no
 * space, as Go decodes it to RuneError). */
size_t go_trim_space(const uint8_t *s, size_t len, size_t *start);
/* strconv.IsPrint (what %q leaves unescaped): Go's own table, generated
 * from Go 1.26 (Unicode 15.0) by reference/src/go/gen_isprint.go. */
bool go_is_print(uint32_t rune);
/* strconv.Quote (Go's %q) of a C string. On overflow the quoted text is cut
 * (still NUL-terminated) and the result is false. */
bool go_quote(const char *s, char *out, size_t cap);
/* strconv.Quote of len bytes appended to w; false (w unchanged) when it
 * does not fit. */
bool go_quote_write(struct byte_writer *w, const uint8_t *s, size_t len);

/* strconv.ParseInt(s, base, 64) for base 0 (Go's literal syntax: 0x, 0o,
 * 0b and a leading 0 for octal, '_' between digits) or 2..36; an optional
 * sign. Syntax and range errors are told apart as Go's ErrSyntax and
 * ErrRange are. */
enum go_int_status { GO_INT_OK, GO_INT_SYNTAX, GO_INT_RANGE };
enum go_int_status go_parse_int(const char *s, size_t len, int base, int64_t *out);

/* --- encoding/json --- */

/* Which of a struct's n field names a JSON object key sets, as Go's
 * json.Unmarshal decides: an exact match first, else a match under Unicode
 * simple case folding (ASCII case, and U+017F 'ſ' ~ s, U+212A 'K' ~ k).
 * -1 when none (Go ignores unknown keys). */
int go_json_field_index(const char *key, size_t key_len, const char *const *names, size_t n);

/* json.Unmarshal's syntax check (checkValid, run over the whole input before
 * anything is decoded): true when text is one JSON value as Go's scanner
 * reads it; else err holds Go's SyntaxError text ("invalid character 'x'
 * looking for beginning of value", "unexpected end of JSON input", ...) and
 * *at (when at is not NULL) the offset of the byte at fault, len for the
 * end of the input. */
bool go_json_check_valid(const uint8_t *text, size_t len, size_t *at, char *err, size_t cap);
/* Go's unquote of a string token tok[0..len) (quotes included) from a valid
 * text: writes the first cap bytes of the string to out and returns its
 * whole length. Invalid UTF-8 and unpaired surrogate escapes become U+FFFD,
 * as Go does. */
size_t go_json_unquote(const uint8_t *tok, size_t len, uint8_t *out, size_t cap);

/* json.Unmarshal(text, &v) for a Go struct v of flat fields: Go's syntax
 * check first, then every member in order (duplicates too) into the field
 * go_json_field_index picks; null leaves a field alone; a value of the
 * wrong type is Go's UnmarshalTypeError (the first one, reported after the
 * rest was decoded); an Unmarshaler's error stops at once. A top-level
 * null sets nothing. err gets Go's text. */
enum go_json_kind {
  GO_JSON_INT,         /* dst: int64_t (Go's int on 64 bits) */
  GO_JSON_UINT64,      /* dst: uint64_t */
  GO_JSON_BOOL,        /* dst: bool */
  GO_JSON_STRING,      /* value checked, not kept (dst unused) */
  GO_JSON_UNMARSHALER, /* json.Unmarshaler: unmarshal(raw value, dst), null too */
  /* encoding.TextUnmarshaler: a string goes to unmarshal (the raw token,
   * quotes included: go_json_unquote it), null leaves the field, anything
   * else is Go's UnmarshalTypeError naming go_type */
  GO_JSON_TEXT_UNMARSHALER,
};
struct go_json_field {
  const char *name; /* the JSON name: the tag's, else the Go field's */
  enum go_json_kind kind;
  void *dst;
  bool (*unmarshal)(const uint8_t *value, size_t len, void *dst, char *err, size_t cap);
  const char *go_type; /* TEXT_UNMARSHALER: the type its errors name ("key.NodePrivate") */
};
#define GO_JSON_MAX_FIELDS 16
struct go_json_struct {
  const char *type_name;   /* "derp.ClientInfo" */
  const char *struct_name; /* "ClientInfo" */
  const struct go_json_field *fields;
  size_t count; /* at most GO_JSON_MAX_FIELDS */
};
bool go_json_unmarshal_struct(const uint8_t *text, size_t len, const struct go_json_struct *st,
                              char *err, size_t cap);

/* --- crypto/tls --- */

/* alertText of crypto/tls (alert.go) for a TLS alert code; NULL for a code
 * Go has no text for (Go then prints "alert(<code>)"). */
const char *go_tls_alert_text(int alert);

/* --- time --- */

/* time.ParseDuration: "[-+]" then one or more "<digits>[.<digits>]<unit>"
 * (units ns us µs μs ms s m h), or a bare "0". Fractions round as Go's
 * float64 arithmetic does; false on a syntax error or outside int64. */
bool go_parse_duration(const char *s, size_t len, int64_t *ns);

/* Go's time.Time as the C code meets it: an instant, its fraction, and the
 * zone it is shown in (UTC, or a fixed zone named by its "+hhmm" offset,
 * as a certificate's time gives it). */
struct go_time {
  int64_t unix_seconds;
  uint32_t nanos;
  int32_t offset_seconds; /* east of UTC */
  bool utc;
};
/* Time.String(): "2026-03-04 13:41:12 +0000 UTC",
 * "2026-03-04 14:41:12.5 +0100 +0100" (years below 0 or past 9999 as Go
 * prints them). Needs at most 64 bytes; false when cut. */
bool go_time_string(const struct go_time *t, char *out, size_t cap);
/* Time.String() of a whole-second UTC instant; 30 bytes suffice for years
 * 0..9999. */
bool go_utc_time_string(int64_t unix_seconds, char *out, size_t cap);
/* t.UTC().Format(time.RFC3339) of a whole second: "2026-03-04T13:41:12Z",
 * the year as Time.String prints it. Needs at most 40 bytes. */
bool go_utc_rfc3339(int64_t unix_seconds, char *out, size_t cap);
/* t.AddDate(years, 0, 0) in UTC: the same month, day and time of day, a
 * Feb 29 that does not exist normalised to Mar 1. The instant itself when
 * the result would leave int64's reach. */
int64_t go_add_years(int64_t unix_seconds, int years);

/* --- log --- */

#define GO_LOG_PREFIX_LEN 20
/* log.LstdFlags' prefix "2006/01/02 15:04:05 " for the given local time in
 * Unix seconds (UTC time plus the zone's offset). false (and out zeroed as
 * "0000/00/00 00:00:00 ") when the time cannot be represented. */
bool go_log_time_prefix(int64_t local_unix, char out[GO_LOG_PREFIX_LEN + 1]);

#endif
