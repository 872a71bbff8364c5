/* Seeds for the JSON text targets: derp_keyfile (the relay's `-c` key file)
 * and relay_client_info (the ClientInfo JSON the relay decrypts), each seed
 * the input text itself (JSON escapes such as \u212a stay as written); and
 * report_diff (two derpcheck reports behind their split). */
#include <string.h>

#include "gen_corpus.h"

#define KEY_HEX "8f0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40"
#define MESH_HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct text_seed {
  const char *name;
  const char *text;
};

static void put_all(struct corpus_sink *s, const char *target, const struct text_seed *seeds,
                    size_t n) {
  for (size_t i = 0; i < n; i++) corpus_put_text(s, target, seeds[i].name, seeds[i].text);
}

static const struct text_seed keyfile_seeds[] = {
    /* What derp_keyfile_format writes (Go's json.MarshalIndent with a tab). */
    {"go_layout", "{\n\t\"PrivateKey\": \"privkey:" KEY_HEX "\"\n}"},
    {"compact", "{\"PrivateKey\":\"privkey:" KEY_HEX "\"}"},
    {"lower_field", "{\"privatekey\":\"privkey:" KEY_HEX "\"}"},
    {"upper_hex",
     "{\"PrivateKey\":\"privkey:"
     "8F0C3A1E5D7B9F2C4E6A8B0D1F3E5C7A9B1D3F5E7C9A0B2D4F6E8A1C3E5B7D40\"}"},
    {"extra_fields",
     "{\"Other\":[1,{\"a\":null}],\"PrivateKey\":\"privkey:" KEY_HEX "\",\"x\":true}"},
    {"nodekey_prefix", "{\"PrivateKey\":\"nodekey:" KEY_HEX "\"}"},
    {"upper_prefix", "{\"PrivateKey\":\"PRIVKEY:" KEY_HEX "\"}"},
    {"short_hex", "{\"PrivateKey\":\"privkey:8f0c\"}"},
    {"long_hex", "{\"PrivateKey\":\"privkey:" KEY_HEX "00\"}"},
    {"nonhex",
     "{\"PrivateKey\":\"privkey:"
     "zf0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40\"}"},
    {"null_value", "{\"PrivateKey\":null}"},
    /* derper's --mesh-psk-file and the "nodekey:" text form, same target */
    {"mesh_key_line", MESH_HEX "\n"},
    {"mesh_key_spaced", " \t" MESH_HEX " \r\n"},
    {"mesh_key_short", "0123456789abcdef\n"},
    {"mesh_key_nonhex", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"},
    {"nodekey_text", "nodekey:" KEY_HEX},
    {"nodekey_text_upper",
     "nodekey:8F0C3A1E5D7B9F2C4E6A8B0D1F3E5C7A9B1D3F5E7C9A0B2D4F6E8A1C3E5B7D40"},
    {"number_value", "{\"PrivateKey\":1}"},
    {"missing", "{}"},
    {"duplicate",
     "{\"PrivateKey\":\"privkey:" KEY_HEX "\",\"privateKey\":\"privkey:" KEY_HEX "\"}"},
    {"array", "[\"privkey:" KEY_HEX "\"]"},
    {"empty", ""},
    {"truncated", "{\"PrivateKey\":\"privkey:" KEY_HEX},
    {"escaped",
     "{\"PrivateKey\":\"privkey:"
     "\\u0038f0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40\"}"},
    {"long_s_field", "{\"Private\\u212aey\":\"privkey:" KEY_HEX "\"}"},
    {"zero_key",
     "{\"PrivateKey\":\"privkey:"
     "0000000000000000000000000000000000000000000000000000000000000000\"}"},
    {"trailing_garbage", "{\"PrivateKey\":\"privkey:" KEY_HEX "\"} x"},
    /* derper's json.Unmarshal takes what it ignores, whatever it holds
     * (json-oracle: jansson had refused these), and names the key's type */
    {"ignored_big_int", "{\"PrivateKey\":\"privkey:" KEY_HEX "\",\"x\":99999999999999999999999}"},
    {"ignored_lone_surrogate", "{\"PrivateKey\":\"privkey:" KEY_HEX "\",\"x\":\"\\ud800\"}"},
    {"ignored_nul_escapes", "{\"a\\u0000\":\"b\\u0000\",\"PrivateKey\":\"privkey:" KEY_HEX "\"}"},
    {"bool_value", "{\"PrivateKey\":true}"},
    {"object_value", "{\"PrivateKey\":{}}"},
    /* derper trims its mesh key file as strings.TrimSpace does; a BOM is
     * no space */
    {"mesh_key_go_spaces", "\v\f\xc2\xa0" MESH_HEX "\xe3\x80\x80\xc2\x85"},
    {"mesh_key_bom", "\xef\xbb\xbf" MESH_HEX},
};

static const struct text_seed client_info_seeds[] = {
    {"version", "{\"version\":2}"},
    {"full", "{\"version\":2,\"meshKey\":\"" MESH_HEX
             "\",\"CanAckPings\":true,\"IsProber\":false,\"AppName\":\"derpcheck\"}"},
    {"mesh_upper",
     "{\"MESHKEY\":\"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"}"},
    {"mesh_short", "{\"meshKey\":\"0123\"}"},
    {"mesh_nonhex",
     "{\"meshKey\":\"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"},
    {"mesh_number", "{\"meshKey\":12}"},
    {"mesh_null", "{\"meshKey\":null,\"version\":null}"},
    {"long_s", "{\"ver\\u017fion\":3}"},
    {"kelvin", "{\"\\u212aey\":1,\"canackpings\":true}"},
    {"version_string", "{\"version\":\"2\"}"},
    {"version_float", "{\"version\":1.5}"},
    {"version_big", "{\"version\":99999999999999999999}"},
    {"prober", "{\"isprober\":true,\"IsProber\":false}"},
    {"array", "[1,2,3]"},
    {"string", "\"x\""},
    {"empty", ""},
    {"truncated", "{\"version\":"},
    {"nested", "{\"AppName\":{\"a\":[{\"b\":null}]},\"version\":-1}"},
    {"dup", "{\"version\":1,\"version\":2}"},
    {"bool_type", "{\"CanAckPings\":\"yes\"}"},
    {"nul_in_string", "{\"AppName\":\"a\\u0000b\"}"},
    {"escaped_key",
     "{\"meshKey\":\"\\u0030123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"},
    {"whitespace", " { \"version\" : 0 } "},
    {"bad_utf8", "{\"AppName\":\"\xff\"}"},
};

/* Where Go's encoding/json and a general JSON library part ways (each
 * verdict and text checked against tailscale.com's json.Unmarshal into
 * derp.ClientInfo by conformance/peers' json-oracle). Lengths are
 * explicit: some hold NUL bytes. */
#define BYTES(name, lit) \
  { name, lit, sizeof lit - 1 }
static const struct {
  const char *name, *bytes;
  size_t len;
} client_info_byte_seeds[] = {
    BYTES("nul_after_number", "{\"version\":2\0}"),
    BYTES("nul_after_literal", "{\"CanAckPings\":true\0}"),
    BYTES("nul_after_top_level", "{\"version\":2} \0"),
    BYTES("nul_raw_in_string", "{\"AppName\":\"a\0b\"}"),
    BYTES("lone_surrogate", "{\"AppName\":\"\\ud800\"}"),
    BYTES("surrogate_pair", "{\"AppName\":\"\\ud83d\\ude00\"}"),
    BYTES("utf8_encoded_surrogate", "{\"AppName\":\"\xed\xa0\x80\"}"),
    BYTES("bad_utf8_key", "{\"\xffversion\":2}"),
    BYTES("big_int_unknown_field", "{\"foo\":99999999999999999999}"),
    BYTES("big_real_unknown_field", "{\"foo\":1e400}"),
    BYTES("version_exponent", "{\"version\":1e2}"),
    BYTES("version_int64_min", "{\"version\":-9223372036854775808}"),
    BYTES("version_below_int64", "{\"version\":-9223372036854775809}"),
    BYTES("dup_type_error_then_value", "{\"version\":\"x\",\"version\":3}"),
    BYTES("type_error_then_mesh_error", "{\"version\":\"x\",\"meshKey\":\"zz\"}"),
    BYTES("mesh_object", "{\"meshKey\":{\"a\":1}}"),
    BYTES("mesh_65_digits", "{\"meshKey\":\"" MESH_HEX "0\"}"),
    /* U+FFFD (3 bytes) for the bad byte, then 61 digits: 64 bytes, so the
     * hex decoder gets to it */
    BYTES("mesh_invalid_utf8",
          "{\"meshKey\":\"\xff"
          "23456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\"}"),
    BYTES("trunc_after_dot", "{\"version\":1."),
    BYTES("trunc_in_escape", "{\"AppName\":\"\\u12"),
    BYTES("after_top_level", "{} x"),
    BYTES("literal_typo", "{\"IsProber\":fals }"),
    BYTES("latin1_byte", "\xe9"),
    BYTES("trailing_comma", "{\"version\":2,}"),
};

void gen_json_seeds(struct corpus_sink *s) {
  put_all(s, "derp_keyfile", keyfile_seeds, sizeof keyfile_seeds / sizeof keyfile_seeds[0]);
  put_all(s, "relay_client_info", client_info_seeds,
          sizeof client_info_seeds / sizeof client_info_seeds[0]);
  for (size_t i = 0; i < sizeof client_info_byte_seeds / sizeof client_info_byte_seeds[0]; i++)
    corpus_put(s, "relay_client_info", client_info_byte_seeds[i].name,
               (const uint8_t *)client_info_byte_seeds[i].bytes, client_info_byte_seeds[i].len);
}

/* report_diff: u16be length of the old report, the old report, the new. */
struct report_pair {
  const char *name, *old_text, *new_text;
};

#define REPORT_HEAD "{\"derpcheck_report\":2,\"scenarios\":["
#define CELL(col, verdict) "{\"column\":\"" col "\",\"verdict\":\"" verdict "\"}"

static const struct report_pair report_pairs[] = {
    {"same", REPORT_HEAD "{\"id\":\"pin::one-cert\",\"cells\":[" CELL("current", "match") "]}]}",
     REPORT_HEAD "{\"id\":\"pin::one-cert\",\"cells\":[" CELL("current", "match") "]}]}"},
    {"worse-and-gone",
     REPORT_HEAD "{\"id\":\"a::b\",\"relay\":\"reference\",\"cells\":[" CELL(
         "current", "match") "," CELL("tailscale-1.82", "known deviation") "]}]}",
     REPORT_HEAD "{\"id\":\"a::b\",\"relay\":\"reference\",\"cells\":[{\"column\":\"current\","
                 "\"verdict\":\"mismatch\",\"actual\":\"fail: x\",\"detail\":\"why\"}]}]}"},
    {"better-new-stale", REPORT_HEAD "{\"id\":\"a::b\",\"cells\":[" CELL("current", "error") "]}]}",
     REPORT_HEAD "{\"id\":\"a::b\",\"cells\":[" CELL(
         "current", "skipped") ",{\"column\":\"relay\","
                               "\"verdict\":\"match\",\"stale\":\"tailscale.json[0]\"}]}]}"},
    {"not-a-report", "{\"derpcheck_report\":1,\"scenarios\":[]}", REPORT_HEAD "]}"},
};

void gen_report_seeds(struct corpus_sink *s) {
  static uint8_t buf[4096];
  for (size_t i = 0; i < sizeof report_pairs / sizeof report_pairs[0]; i++) {
    const struct report_pair *p = &report_pairs[i];
    size_t a = strlen(p->old_text), b = strlen(p->new_text);
    buf[0] = (uint8_t)(a >> 8);
    buf[1] = (uint8_t)a;
    memcpy(buf + 2, p->old_text, a);
    memcpy(buf + 2 + a, p->new_text, b);
    corpus_put(s, "report_diff", p->name, buf, 2 + a + b);
  }
}
