/* Seeds for the JSON text targets: derp_keyfile (the relay's `-c` key file)
 * and relay_client_info (the ClientInfo JSON the relay decrypts). Each seed
 * is the input text itself; JSON escapes such as \u212a stay as written. */
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

void gen_json_seeds(struct corpus_sink *s) {
  put_all(s, "derp_keyfile", keyfile_seeds, sizeof keyfile_seeds / sizeof keyfile_seeds[0]);
  put_all(s, "relay_client_info", client_info_seeds,
          sizeof client_info_seeds / sizeof client_info_seeds[0]);
}
