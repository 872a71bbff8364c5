/* derper's per-client receive rate limit (--rate-config): a token bucket of
 * rate_burst_bytes, refilled at rate_bytes_per_sec, charged per frame. Time
 * is relay_core's injected milliseconds, so the pacing is deterministic
 * under a test's clock. */
#include "relay_internal.h"

static bool limited(const struct relay_conn *c) {
  return c->relay->opt.rate_bytes_per_sec > 0 && !c->can_mesh && c->state == RELAY_CONN_ACTIVE;
}

void relay_rate_reset(struct relay_conn *c) {
  c->rate_tokens = (int64_t)c->relay->opt.rate_burst_bytes;
  c->rate_refilled_at = c->relay->now;
  c->read_paused_until = 0;
}

static void refill(struct relay_conn *c, uint64_t now) {
  const struct relay_options *o = &c->relay->opt;
  if (now <= c->rate_refilled_at) return;
  uint64_t elapsed = now - c->rate_refilled_at, bps = o->rate_bytes_per_sec;
  uint64_t room = (uint64_t)((int64_t)o->rate_burst_bytes - c->rate_tokens);
  if (elapsed >= (room * 1000 + bps - 1) / bps) { /* full (and no overflow below) */
    c->rate_tokens = (int64_t)o->rate_burst_bytes;
    c->rate_refilled_at = now;
    return;
  }
  /* whole bytes only: the remainder's time is kept for the next refill */
  uint64_t add = elapsed * bps / 1000;
  c->rate_tokens += (int64_t)add;
  c->rate_refilled_at += add * 1000 / bps;
}

void relay_rate_charge(struct relay_conn *c, uint32_t len) {
  if (!limited(c)) return;
  struct relay *r = c->relay;
  refill(c, r->now);
  c->rate_tokens -= len < RELAY_RATE_MIN_BURST ? (int64_t)len : (int64_t)RELAY_RATE_MIN_BURST;
  if (c->rate_tokens >= 0) return;
  /* until the debt is paid back, rounded up to the next millisecond */
  uint64_t debt = (uint64_t)-c->rate_tokens, bps = r->opt.rate_bytes_per_sec;
  c->read_paused_until = c->rate_refilled_at + (debt * 1000 + bps - 1) / bps;
  r->stats.rate_limit_waits++;
}

uint64_t relay_rate_tick(struct relay_conn *c, uint64_t now) {
  if (c->read_paused_until == 0) return UINT64_MAX;
  if (now < c->read_paused_until) return c->read_paused_until;
  c->read_paused_until = 0;
  return UINT64_MAX;
}

uint64_t relay_conn_read_paused_until(const struct relay_conn *c) {
  return c->read_paused_until > c->relay->now ? c->read_paused_until : 0;
}

/* Beyond this a limit limits nothing (and the arithmetic stays in range). */
#define RATE_MAX ((uint64_t)1 << 40)

uint64_t relay_set_rate_limit(struct relay *r, uint64_t bytes_per_sec, uint64_t burst_bytes) {
  if (bytes_per_sec > RATE_MAX) bytes_per_sec = RATE_MAX;
  if (burst_bytes > RATE_MAX) burst_bytes = RATE_MAX;
  r->opt.rate_bytes_per_sec = bytes_per_sec;
  r->opt.rate_burst_bytes = bytes_per_sec == 0                   ? 0
                            : burst_bytes < RELAY_RATE_MIN_BURST ? RELAY_RATE_MIN_BURST
                                                                 : burst_bytes;
  for (struct relay_conn *c = r->all; c; c = c->all_next) relay_rate_reset(c);
  return r->opt.rate_burst_bytes;
}
