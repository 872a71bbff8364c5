/* Seeds for relay_config: derp-relay's configuration parsers, each seed the
 * parser's byte (fuzz_inputs.h) and then the file's text or the flag's
 * value: the documented forms, derper's, and their near misses. */
#include <string.h>

#include "fuzz_inputs.h"
#include "gen_corpus.h"

#define HEX64 "8f0c3a1e5d7b9f2c4e6a8b0d1f3e5c7a9b1d3f5e7c9a0b2d4f6e8a1c3e5b7d40"
#define HEX64_UPPER "8F0C3A1E5D7B9F2C4E6A8B0D1F3E5C7A9B1D3F5E7C9A0B2D4F6E8A1C3E5B7D40"

struct config_seed {
  const char *name;
  enum relay_config_mode mode;
  const char *text;
};

static const struct config_seed config_seeds[] = {
    /* --rate-config: derpserver.RateConfig as json.Unmarshal reads it */
    {"rate-both", RELAY_CONFIG_RATE,
     "{\"PerClientRateLimitBytesPerSec\": 1000000, \"PerClientRateBurstBytes\": 2000000}\n"},
    {"rate-field-case", RELAY_CONFIG_RATE, "{\"perclientratelimitbytespersec\":4096}"},
    {"rate-uint64-max", RELAY_CONFIG_RATE,
     "{\"PerClientRateLimitBytesPerSec\":18446744073709551615}"},
    {"rate-uint64-overflow", RELAY_CONFIG_RATE,
     "{\"PerClientRateBurstBytes\":18446744073709551616}"},
    {"rate-long-number", RELAY_CONFIG_RATE,
     "{\"PerClientRateBurstBytes\":"
     "1844674407370955161618446744073709551616184467440737095516161844674407370955161618446744"
     "0737095516161844674407370955161618446744073709551616e5}"},
    {"rate-negative", RELAY_CONFIG_RATE, "{\"PerClientRateLimitBytesPerSec\":-1}"},
    {"rate-fraction", RELAY_CONFIG_RATE, "{\"PerClientRateLimitBytesPerSec\":1.5}"},
    {"rate-exponent", RELAY_CONFIG_RATE, "{\"PerClientRateLimitBytesPerSec\":1e3}"},
    {"rate-string", RELAY_CONFIG_RATE, "{\"PerClientRateBurstBytes\":\"10\"}"},
    {"rate-null", RELAY_CONFIG_RATE, "{\"PerClientRateLimitBytesPerSec\":null}"},
    {"rate-unknown-fields", RELAY_CONFIG_RATE, "{\"x\":[1,{\"y\":null}],\"z\":\"\\u00e9\"}"},
    {"rate-syntax", RELAY_CONFIG_RATE, "{\n  \"PerClientRateBurstBytes\": ,\n}"},
    {"rate-array", RELAY_CONFIG_RATE, "[1]"},
    {"rate-empty", RELAY_CONFIG_RATE, ""},
    /* --verify-clients-file */
    {"allow-two-keys", RELAY_CONFIG_ALLOWLIST,
     "# admitted\nnodekey:" HEX64 "\n\n  nodekey:" HEX64_UPPER " \r\n"},
    {"allow-no-final-newline", RELAY_CONFIG_ALLOWLIST, "nodekey:" HEX64},
    {"allow-privkey", RELAY_CONFIG_ALLOWLIST, "nodekey:" HEX64 "\nprivkey:" HEX64 "\n"},
    {"allow-short-key", RELAY_CONFIG_ALLOWLIST, "nodekey:" HEX64 "\nnodekey:8f0c\n"},
    {"allow-comments-only", RELAY_CONFIG_ALLOWLIST, "# nobody\n\t\n"},
    {"allow-empty", RELAY_CONFIG_ALLOWLIST, ""},
    /* -a: net.SplitHostPort, then an IP host */
    {"listen-port-only", RELAY_CONFIG_LISTEN, ":443"},
    {"listen-v4", RELAY_CONFIG_LISTEN, "127.0.0.1:3340"},
    {"listen-v6", RELAY_CONFIG_LISTEN, "[::1]:8443"},
    {"listen-v6-zone", RELAY_CONFIG_LISTEN, "[fe80::1%eth0]:80"},
    {"listen-service", RELAY_CONFIG_LISTEN, ":https"},
    {"listen-service-case", RELAY_CONFIG_LISTEN, "[::1]:HTTP"},
    {"listen-service-other", RELAY_CONFIG_LISTEN, "127.0.0.1:ssh"},
    {"listen-port-empty", RELAY_CONFIG_LISTEN, "127.0.0.1:"},
    {"listen-no-port", RELAY_CONFIG_LISTEN, "127.0.0.1"},
    {"listen-v6-no-port", RELAY_CONFIG_LISTEN, "[::1]"},
    {"listen-v6-unbracketed", RELAY_CONFIG_LISTEN, "::1:443"},
    {"listen-after-bracket", RELAY_CONFIG_LISTEN, "[::1]x:443"},
    {"listen-close-bracket", RELAY_CONFIG_LISTEN, "a]b:1"},
    {"listen-bracket-in-port", RELAY_CONFIG_LISTEN, "[a]:["},
    {"listen-unclosed", RELAY_CONFIG_LISTEN, "[::1:443"},
    {"listen-name", RELAY_CONFIG_LISTEN, "derp.example.com:443"},
    {"listen-port-range", RELAY_CONFIG_LISTEN, ":65536"},
    {"listen-port-sign", RELAY_CONFIG_LISTEN, ":+80"},
    {"listen-empty", RELAY_CONFIG_LISTEN, ""},
    /* --mesh-with: host[:port][/dial-host], comma-separated */
    {"mesh-with-names", RELAY_CONFIG_MESH_WITH, "derp1a.example.com,derp1b.example.com"},
    {"mesh-with-dial", RELAY_CONFIG_MESH_WITH, "derp1b.example.com:8443/10.0.0.2"},
    {"mesh-with-v6", RELAY_CONFIG_MESH_WITH, "[::1]:443,[fd7a::2]:8443/[fd7a::2]"},
    {"mesh-with-v6-bare", RELAY_CONFIG_MESH_WITH, "::1"},
    {"mesh-with-three-parts", RELAY_CONFIG_MESH_WITH, "a/b/c"},
    {"mesh-with-empty-dial", RELAY_CONFIG_MESH_WITH, "a/,b"},
    {"mesh-with-empty-entry", RELAY_CONFIG_MESH_WITH, "a,,b"},
    {"mesh-with-port-zero", RELAY_CONFIG_MESH_WITH, "a:0"},
    {"mesh-with-userinfo", RELAY_CONFIG_MESH_WITH, "user@a"},
    /* --mesh-pin */
    {"mesh-pin-two", RELAY_CONFIG_MESH_PIN, "sha256-raw:" HEX64 ",sha256-raw:" HEX64_UPPER},
    {"mesh-pin-short", RELAY_CONFIG_MESH_PIN, "sha256-raw:8f0c"},
    {"mesh-pin-prefix", RELAY_CONFIG_MESH_PIN, "sha256:" HEX64},
    {"mesh-pin-trailing-comma", RELAY_CONFIG_MESH_PIN, "sha256-raw:" HEX64 ","},
};

void gen_config_seeds(struct corpus_sink *s) {
  static uint8_t buf[RELAY_CONFIG_FUZZ_MAX_INPUT];
  for (size_t i = 0; i < sizeof config_seeds / sizeof config_seeds[0]; i++) {
    const struct config_seed *c = &config_seeds[i];
    size_t n = strlen(c->text);
    buf[0] = (uint8_t)c->mode;
    memcpy(buf + 1, c->text, n);
    corpus_put(s, "relay_config", c->name, buf, n + 1);
  }
}
