/* Seeds for relay_config: derp-relay's configuration parsers, each seed the
 * parser's byte (fuzz_inputs.h) and then the file's text or the flag's
 * value: the documented forms, derper's, and their near misses. And for
 * program_flags: whole command lines of derp-relay and derp-client (the
 * program's byte, then the arguments, each ended by a NUL). */
#include <stdbool.h>
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

struct argv_seed {
  const char *name;
  bool client;
  const char *args[16]; /* NULL-terminated */
};

static const struct argv_seed argv_seeds[] = {
    {"relay-harness",
     false,
     {"-a", "127.0.0.1:0", "--hostname", "127.0.0.1", "--certmode", "manual", "--certdir", "/tmp/c",
      "-c", "/tmp/k", "--stun-port", "0", "--ready-file", "/tmp/r", NULL}},
    {"relay-derper-style", false, {"--hostname=::1", "-a=[::1]:443", "--verify-clients", NULL}},
    {"relay-mesh", false, {"--mesh-psk-file", "/k", "--mesh-with", "a:8443/10.0.0.2,b", NULL}},
    {"relay-unsupported", false, {"--certmode", "letsencrypt", "--dev", NULL}},
    {"relay-help", false, {"-help", NULL}},
    {"relay-double-dash", false, {"--", "-a", NULL}},
    {"client-probe",
     true,
     {"probe", "--derpmap", "{\"Regions\":{}}", "--region", "900", "--profile", "current", "--json",
      "--timeout", "2s", NULL}},
    {"client-send",
     true,
     {"send", "--node", "127.0.0.1:443", "--peer",
      "nodekey:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "--packet",
      "00ff", "--tls-max", "1.2", NULL}},
    {"client-bad-packet", true, {"send", "--packet=abc", NULL}},
    {"client-watch", true, {"watch", "--mesh-key-file", "/k", "--websocket", NULL}},
};

void gen_argv_seeds(struct corpus_sink *s) {
  static uint8_t buf[1024];
  for (size_t i = 0; i < sizeof argv_seeds / sizeof argv_seeds[0]; i++) {
    const struct argv_seed *a = &argv_seeds[i];
    size_t n = 0;
    buf[n++] = a->client ? 1 : 0;
    for (const char *const *arg = a->args; *arg != NULL; arg++) {
      size_t k = strlen(*arg) + 1; /* with its NUL */
      memcpy(buf + n, *arg, k);
      n += k;
    }
    corpus_put(s, "program_flags", a->name, buf, n);
  }
}
