/* relay_rateconfig: derper's --rate-config file, read at start and again on
 * SIGHUP: JSON {"PerClientRateLimitBytesPerSec": N, "PerClientRateBurstBytes":
 * M}, decoded as Go's encoding/json fills derper's RateConfig (field names
 * match case-insensitively, unknown fields and null are ignored, values are
 * unsigned integers). Errors carry derper's wording: "error parsing rate
 * config: ..." (and relay_flag_files.h's reader "error reading rate config:
 * ..."). */
#ifndef DERP_RELAY_RATECONFIG_H
#define DERP_RELAY_RATECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct relay_rate_config {
  uint64_t bytes_per_sec; /* 0: no limit */
  uint64_t burst_bytes;
};

bool relay_rateconfig_parse(const uint8_t *json, size_t len, struct relay_rate_config *out,
                            char *err, size_t cap);

#endif
