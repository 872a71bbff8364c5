/* Open addressing with linear probing and backward-shift deletion: no
 * tombstones, so lookups stay short however many clients come and go. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "derp/guard.h"
#include "relay_internal.h"

#define KEYMAP_MIN_CAP 8

void relay_keymap_init(struct relay_keymap *m, const uint8_t *seed) {
  memset(m, 0, sizeof *m);
  m->seed = seed;
}

void relay_keymap_free(struct relay_keymap *m) {
  free(m->slots);
  m->slots = NULL;
  m->cap = 0;
  m->count = 0;
}

static size_t slot_of(const struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN]) {
  uint8_t h[crypto_shorthash_BYTES];
  crypto_shorthash(h, key, DERP_KEY_LEN, m->seed);
  uint64_t v;
  memcpy(&v, h, sizeof v);
  return (size_t)(v & (m->cap - 1));
}

static struct relay_keymap_slot *find(const struct relay_keymap *m,
                                      const uint8_t key[DERP_KEY_LEN]) {
  if (m->cap == 0) return NULL;
  for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
    struct relay_keymap_slot *s = &m->slots[i];
    if (!s->used) return NULL;
    if (memcmp(s->key, key, DERP_KEY_LEN) == 0) return s;
  }
}

void *relay_keymap_get(const struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN]) {
  struct relay_keymap_slot *s = find(m, key);
  return s ? s->value : NULL;
}

static void insert_fresh(struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN], void *value) {
  size_t i = slot_of(m, key);
  while (m->slots[i].used) i = (i + 1) & (m->cap - 1);
  memcpy(m->slots[i].key, key, DERP_KEY_LEN);
  m->slots[i].value = value;
  m->slots[i].used = true;
  m->count++;
}

static bool grow(struct relay_keymap *m) {
  size_t cap = m->cap ? m->cap * 2 : KEYMAP_MIN_CAP;
  GUARD(cap > m->cap && cap <= SIZE_MAX / sizeof(struct relay_keymap_slot));
  struct relay_keymap_slot *slots = calloc(cap, sizeof *slots);
  GUARD(slots != NULL);
  struct relay_keymap old = *m;
  m->slots = slots;
  m->cap = cap;
  m->count = 0;
  for (size_t i = 0; i < old.cap; i++) {
    if (old.slots[i].used) insert_fresh(m, old.slots[i].key, old.slots[i].value);
  }
  free(old.slots);
  return true;
}

bool relay_keymap_put(struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN], void *value) {
  struct relay_keymap_slot *s = find(m, key);
  if (s) {
    s->value = value;
    return true;
  }
  /* Keep the load at or under one half so probes stay short. */
  if ((m->count + 1) * 2 > m->cap) GUARD(grow(m));
  insert_fresh(m, key, value);
  return true;
}

void relay_keymap_remove(struct relay_keymap *m, const uint8_t key[DERP_KEY_LEN]) {
  struct relay_keymap_slot *s = find(m, key);
  if (!s) return;
  size_t mask = m->cap - 1;
  size_t hole = (size_t)(s - m->slots);
  m->slots[hole].used = false;
  m->count--;
  /* Pull later members of the probe run back so none sits behind a hole. */
  for (size_t i = (hole + 1) & mask; m->slots[i].used; i = (i + 1) & mask) {
    size_t home = slot_of(m, m->slots[i].key);
    bool movable = ((i - home) & mask) >= ((i - hole) & mask);
    if (movable) {
      m->slots[hole] = m->slots[i];
      m->slots[i].used = false;
      hole = i;
    }
  }
}

bool relay_keymap_next(const struct relay_keymap *m, size_t *pos, const uint8_t **key,
                       void **value) {
  for (; *pos < m->cap; (*pos)++) {
    const struct relay_keymap_slot *s = &m->slots[*pos];
    if (s->used) {
      *key = s->key;
      *value = s->value;
      (*pos)++;
      return true;
    }
  }
  return false;
}
