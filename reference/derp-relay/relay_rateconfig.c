#include "relay_rateconfig.h"

#include <stdio.h>
#include <string.h>

#include "derp/byte_cursor.h"
#include "derp/go.h"

/* derpserver.LoadRateConfig: json.Unmarshal into RateConfig{uint64,
 * uint64} (the go module's model of it), its errors prefixed as derper
 * prefixes them; a syntax error also says where. */
bool relay_rateconfig_parse(const uint8_t *json, size_t len, struct relay_rate_config *out,
                            char *err, size_t cap) {
  *out = (struct relay_rate_config){0};
  size_t at;
  char go_err[320]; /* a syntax error quotes at most a character */
  if (!go_json_check_valid(json, len, &at, go_err, sizeof go_err)) {
    int line, column;
    text_line_column((const char *)json, len, at, &line, &column);
    snprintf(err, cap, "error parsing rate config: %s (line %d, column %d)", go_err, line, column);
    return false;
  }
  const struct go_json_field fields[] = {
      {"PerClientRateLimitBytesPerSec", GO_JSON_UINT64, &out->bytes_per_sec, NULL, NULL},
      {"PerClientRateBurstBytes", GO_JSON_UINT64, &out->burst_bytes, NULL, NULL},
  };
  const struct go_json_struct rc = {"derpserver.RateConfig", "RateConfig", fields, 2};
  /* Go's text goes straight after the prefix: it quotes a refused number
   * whole, however long (a cap too small for the prefix gets a cut prefix). */
  static const char prefix[] = "error parsing rate config: ";
  const size_t plen = sizeof prefix - 1;
  bool room = cap > plen;
  snprintf(err, cap, "%s", prefix);
  if (go_json_unmarshal_struct(json, len, &rc, room ? err + plen : go_err,
                               room ? cap - plen : sizeof go_err))
    return true;
  /* json.Unmarshal may have set a field before the error; LoadRateConfig
   * returns RateConfig{} then. */
  *out = (struct relay_rate_config){0};
  return false;
}
