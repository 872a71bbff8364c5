/* The keys this relay reaches through its mesh peers (derper's clientsMesh):
 * key -> the shell's forwarders, first registered first used, plus the local
 * connections that received packets from the key, owed a PeerGone when the
 * key leaves the region. */
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "relay_internal.h"

struct relay_mesh_entry *relay_mesh_entry(const struct relay *r, const uint8_t key[DERP_KEY_LEN]) {
  return relay_keymap_get(&r->mesh, key);
}

size_t relay_mesh_keys(const struct relay *r) { return r->mesh.count; }

bool relay_mesh_add(struct relay *r, const uint8_t key[DERP_KEY_LEN], void *fwd) {
  GUARD(r->opt.forward != NULL && fwd != NULL);
  struct relay_mesh_entry *e = relay_mesh_entry(r, key);
  if (e == NULL) {
    e = calloc(1, sizeof *e);
    if (e == NULL || !relay_keymap_put(&r->mesh, key, e)) {
      free(e);
      return false;
    }
    relay_keymap_init(&e->receivers, r->seed);
  }
  for (size_t i = 0; i < e->n; i++) {
    if (e->fwd[i] == fwd) return true; /* a repeated PeerPresent */
  }
  if (e->n == RELAY_MESH_MAX_FORWARDERS) {
    char text[RELAY_KEY_TEXT_LEN];
    relay_key_text(key, text);
    relay_logf(r, "mesh: %s is present at more than %d mesh peers; ignoring one more", text,
               RELAY_MESH_MAX_FORWARDERS);
    return false;
  }
  e->fwd[e->n++] = fwd;
  return true;
}

/* The key's last forwarder is gone. Unless the key is connected here too,
 * it has left the region: whoever received from it is told so. */
static void entry_drop(struct relay *r, const uint8_t key[DERP_KEY_LEN],
                       struct relay_mesh_entry *e) {
  uint8_t k[DERP_KEY_LEN];
  memcpy(k, key, DERP_KEY_LEN); /* `key` may live in the map's slot */
  const struct relay_client *local = relay_keymap_get(&r->clients, k);
  size_t pos = 0;
  const uint8_t *dst_key;
  void *v;
  while (relay_keymap_next(&e->receivers, &pos, &dst_key, &v)) {
    struct relay_conn *dst = v;
    /* dst's saw_src also stands for a local sender of the same key. */
    if (local == NULL || relay_keymap_get(&local->receivers, dst_key) != dst) {
      relay_keymap_remove(&dst->saw_src, k);
    }
    if (local != NULL && local->active != NULL) continue;
    const struct relay_client *de = relay_keymap_get(&r->clients, dst_key);
    if (de && de->active == dst && !dst->doomed && dst->state == RELAY_CONN_ACTIVE) {
      relay_send_peer_gone(dst, k, DERP_PEER_GONE_DISCONNECTED);
    }
  }
  relay_keymap_free(&e->receivers);
  relay_keymap_remove(&r->mesh, k);
  free(e);
}

static bool entry_remove(struct relay *r, const uint8_t key[DERP_KEY_LEN],
                         struct relay_mesh_entry *e, void *fwd) {
  for (size_t i = 0; i < e->n; i++) {
    if (e->fwd[i] != fwd) continue;
    memmove(&e->fwd[i], &e->fwd[i + 1], (e->n - i - 1) * sizeof e->fwd[0]);
    e->n--;
    if (e->n == 0) entry_drop(r, key, e);
    return true;
  }
  return false;
}

void relay_mesh_remove(struct relay *r, const uint8_t key[DERP_KEY_LEN], void *fwd) {
  struct relay_mesh_entry *e = relay_mesh_entry(r, key);
  if (e != NULL) entry_remove(r, key, e, fwd);
  relay_flush_doomed(r);
}

static bool entry_has(const struct relay_mesh_entry *e, const void *fwd) {
  for (size_t i = 0; i < e->n; i++) {
    if (e->fwd[i] == fwd) return true;
  }
  return false;
}

size_t relay_mesh_remove_all(struct relay *r, void *fwd) {
  /* Removing reshuffles the map (backward-shift deletion): collect first. */
  size_t n = 0, pos = 0;
  const uint8_t *key;
  void *v;
  uint8_t(*keys)[DERP_KEY_LEN] = malloc((r->mesh.count + 1) * sizeof *keys);
  while (keys != NULL && relay_keymap_next(&r->mesh, &pos, &key, &v)) {
    if (entry_has(v, fwd)) memcpy(keys[n++], key, DERP_KEY_LEN);
  }
  for (size_t i = 0; i < n; i++) {
    struct relay_mesh_entry *e = relay_mesh_entry(r, keys[i]);
    if (e != NULL) entry_remove(r, keys[i], e, fwd);
  }
  free(keys);
  /* Out of memory for the list: rescan after each removal instead. */
  for (bool again = keys == NULL; again;) {
    again = false;
    pos = 0;
    while (relay_keymap_next(&r->mesh, &pos, &key, &v)) {
      if (!entry_has(v, fwd)) continue;
      uint8_t k[DERP_KEY_LEN];
      memcpy(k, key, DERP_KEY_LEN);
      entry_remove(r, k, v, fwd);
      n++;
      again = true;
      break;
    }
  }
  relay_flush_doomed(r);
  return n;
}

void relay_mesh_forward(struct relay *r, struct relay_mesh_entry *e,
                        const uint8_t src[DERP_KEY_LEN], const uint8_t dst[DERP_KEY_LEN],
                        const uint8_t *pkt, size_t len) {
  if (r->opt.forward(r->opt.forward_ctx, e->fwd[0], src, dst, pkt, len)) {
    r->stats.packets_forwarded_out++;
  } else {
    r->stats.drops_forward_failed++;
  }
}

void relay_mesh_free(struct relay *r) {
  size_t pos = 0;
  const uint8_t *key;
  void *v;
  while (relay_keymap_next(&r->mesh, &pos, &key, &v)) {
    struct relay_mesh_entry *e = v;
    relay_keymap_free(&e->receivers);
    free(e);
  }
  relay_keymap_free(&r->mesh);
}
