/* Each client's queue of relayed packets, as derper keeps it: a short queue
 * per client (32 packets, and another 32 for disco packets), and when it is
 * full the *oldest* packet is dropped, so a receiver slower than its sender
 * loses packets, not its connection, and gets the freshest ones. Only a
 * client whose writes stall past the write timeout is cut (relay_core.c).
 *
 * A packet waits here as its finished RecvPacket frame; it moves to the
 * connection's byte queue (what the shell writes) while that holds less
 * than RELAY_PACKET_STAGE_BYTES, about what Go has in flight in its bufio
 * writer and the write call. */
#include <stdlib.h>
#include <string.h>

#include "relay_internal.h"

struct relay_packet {
  size_t len;
  uint8_t frame[];
};

static bool ring_full(const struct relay_packet_ring *q, size_t depth) { return q->count == depth; }

static struct relay_packet *ring_pop(struct relay_packet_ring *q, size_t depth) {
  struct relay_packet *p = q->slots[q->head];
  q->slots[q->head] = NULL;
  q->head = (q->head + 1) % depth;
  q->count--;
  if (q->count == 0) {
    /* Idle receivers hold no slot array (10k clients). */
    free(q->slots);
    q->slots = NULL;
    q->head = 0;
  }
  return p;
}

static bool ring_push(struct relay_packet_ring *q, size_t depth, struct relay_packet *p) {
  if (q->slots == NULL) {
    q->slots = calloc(depth, sizeof *q->slots);
    if (q->slots == NULL) return false;
  }
  q->slots[(q->head + q->count) % depth] = p;
  q->count++;
  return true;
}

void relay_packets_free(struct relay_conn *c) {
  const size_t depth = c->relay->opt.packet_queue_depth;
  struct relay_packet_ring *rings[] = {&c->disco_packets, &c->data_packets};
  for (size_t i = 0; i < 2; i++) {
    while (rings[i]->count > 0) free(ring_pop(rings[i], depth));
  }
}

/* Whether a frame of `len` goes to the byte queue now: it is short of the
 * stage, and the frame fits under its cap (so staging never overflows it). */
static bool stage_has_room(const struct relay_conn *c, size_t len) {
  return c->out.len < RELAY_PACKET_STAGE_BYTES && len <= c->out.limit - c->out.len;
}

/* Frame packets into the byte queue while the stage has room. */
void relay_packets_pump(struct relay_conn *c) {
  const size_t depth = c->relay->opt.packet_queue_depth;
  while (!c->doomed) {
    /* Disco first: a few small packets that decide the path. */
    struct relay_packet_ring *q = c->disco_packets.count > 0  ? &c->disco_packets
                                  : c->data_packets.count > 0 ? &c->data_packets
                                                              : NULL;
    if (q == NULL || !stage_has_room(c, q->slots[q->head]->len)) return;
    struct relay_packet *p = ring_pop(q, depth);
    struct byte_writer w;
    bool ok = relay_conn_reserve(c, p->len, &w) && byte_writer_bytes(&w, p->frame, p->len);
    if (ok) relay_conn_commit(c, &w);
    free(p);
    if (!ok) return; /* reserve closed c, or it never fit: nothing left to do */
  }
}

bool relay_packets_queue(struct relay_conn *dst, const uint8_t src[DERP_KEY_LEN],
                         const uint8_t *pkt, size_t len) {
  struct relay *r = dst->relay;
  const size_t depth = r->opt.packet_queue_depth;
  const size_t frame_len = DERP_FRAME_HEADER_LEN + DERP_KEY_LEN + len;
  struct relay_packet_ring *q =
      derp_looks_like_disco(pkt, len) ? &dst->disco_packets : &dst->data_packets;
  /* Nothing waiting and room on the stage: straight into the byte queue. */
  if (dst->disco_packets.count == 0 && dst->data_packets.count == 0 &&
      stage_has_room(dst, frame_len)) {
    struct byte_writer w;
    if (!relay_conn_reserve(dst, frame_len, &w) || !derp_encode_recv_packet(&w, src, pkt, len)) {
      return false;
    }
    relay_conn_commit(dst, &w);
    return true;
  }
  struct relay_packet *p = malloc(sizeof *p + frame_len);
  if (p == NULL) return false;
  struct byte_writer w = byte_writer_init(p->frame, frame_len);
  if (!derp_encode_recv_packet(&w, src, pkt, len)) {
    free(p);
    return false;
  }
  p->len = w.len;
  if (ring_full(q, depth)) {
    free(ring_pop(q, depth));
    r->stats.drops_queue_head++;
  }
  if (!ring_push(q, depth, p)) {
    free(p);
    return false;
  }
  return true;
}
