#include "der_mutate.h"

#include <stdbool.h>
#include <string.h>

/* The mutator runs between a target's executions: coverage hooks in it only
 * slow the engine down (libFuzzer resets the counters before each run). */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), apply_to = function)
#endif

#define MAX_NODES 512
#define MAX_DEPTH 24
#define SCRATCH 4096 /* one replacement node's new content */

struct node {
  size_t start;        /* tag's offset */
  size_t tag_len, hdr; /* tag bytes; tag + length bytes */
  size_t len;          /* content bytes */
  int parent, first, next;
  bool children;     /* content parsed into child nodes */
  unsigned char tag; /* first tag byte */
};

struct tree {
  const uint8_t *buf;
  size_t size;
  struct node n[MAX_NODES];
  int count;
  int top; /* first top-level node; siblings via next */
};

/* ---- decoding -------------------------------------------------------- */

/* One TLV at buf[pos..end): DER lengths up to four bytes, tags up to four
 * bytes. False when it does not fit. */
static bool read_tlv(const uint8_t *buf, size_t pos, size_t end, struct node *out) {
  size_t p = pos;
  if (p >= end) return false;
  unsigned char t = buf[p++];
  if ((t & 0x1f) == 0x1f) { /* high tag number: base-128 digits */
    for (int more = 1;; more++) {
      if (p >= end || more > 4) return false;
      if (!(buf[p++] & 0x80)) break;
    }
  }
  size_t tag_len = p - pos;
  if (p >= end) return false;
  size_t len = buf[p++];
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || end - p < n) return false;
    len = 0;
    for (size_t i = 0; i < n; i++) len = len << 8 | buf[p++];
  }
  if (end - p < len) return false;
  out->start = pos;
  out->tag_len = tag_len;
  out->hdr = p - pos;
  out->len = len;
  out->tag = t;
  return true;
}

static int parse_list(struct tree *tr, size_t pos, size_t end, int parent, int depth);

/* Content that is itself DER: constructed nodes, and OCTET STRINGs that
 * wrap DER (an extension's value). */
static void parse_children(struct tree *tr, int i, int depth) {
  struct node *nd = &tr->n[i];
  bool constructed = nd->tag & 0x20;
  bool wraps = nd->tag == 0x04 && nd->len >= 2;
  if ((!constructed && !wraps) || depth >= MAX_DEPTH || nd->len == 0) return;
  int saved = tr->count;
  size_t from = nd->start + nd->hdr, to = from + nd->len;
  int first = parse_list(tr, from, to, i, depth + 1);
  if (first < 0) {
    tr->count = saved; /* not DER inside after all: a leaf */
    return;
  }
  tr->n[i].children = true;
  tr->n[i].first = first;
}

/* Every TLV in [pos, end), exactly; the first one's index, or -1. */
static int parse_list(struct tree *tr, size_t pos, size_t end, int parent, int depth) {
  int first = -1, prev = -1;
  while (pos < end) {
    if (tr->count == MAX_NODES) return -1;
    int i = tr->count++;
    struct node *nd = &tr->n[i];
    memset(nd, 0, sizeof *nd);
    if (!read_tlv(tr->buf, pos, end, nd)) return -1;
    nd->parent = parent;
    nd->first = nd->next = -1;
    if (prev >= 0) tr->n[prev].next = i;
    if (first < 0) first = i;
    prev = i;
    pos = nd->start + nd->hdr + nd->len;
    parse_children(tr, i, depth);
  }
  return first;
}

static bool parse(struct tree *tr, const uint8_t *buf, size_t size) {
  tr->buf = buf;
  tr->size = size;
  tr->count = 0;
  tr->top = size > 0 ? parse_list(tr, 0, size, -1, 0) : -1;
  return tr->top >= 0;
}

/* ---- encoding, with up to two nodes replaced ---------------------------- */

struct edits {
  int node[2];
  const uint8_t *bytes[2]; /* the node's whole new TLV (len 0: deleted) */
  size_t len[2];
  int n;
};

static int edit_of(const struct edits *e, int i) {
  for (int k = 0; k < e->n; k++)
    if (e->node[k] == i) return k;
  return -1;
}

static size_t len_bytes(size_t len) {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

/* Every node's encoded size and content size after the edits, in one
 * post-order pass (children are parsed after their parent, so a reverse
 * walk meets every child before its parent); the writer then needs no
 * subtree walk per constructed node. */
static size_t node_size[MAX_NODES], node_content[MAX_NODES];

static void compute_sizes(const struct tree *tr, const struct edits *e) {
  for (int i = tr->count - 1; i >= 0; i--) {
    const struct node *nd = &tr->n[i];
    int k = edit_of(e, i);
    size_t c = 0;
    if (k < 0 && nd->children)
      for (int ch = nd->first; ch >= 0; ch = tr->n[ch].next) c += node_size[ch];
    node_content[i] = c;
    node_size[i] = k >= 0         ? e->len[k]
                   : nd->children ? nd->tag_len + len_bytes(c) + c
                                  : nd->hdr + nd->len;
  }
}

struct out {
  uint8_t *p;
  size_t len, cap;
  bool full;
};

static void put(struct out *o, const void *p, size_t n) {
  if (o->full || o->cap - o->len < n) {
    o->full = true;
    return;
  }
  memcpy(o->p + o->len, p, n);
  o->len += n;
}

static void put_len(struct out *o, size_t len) {
  uint8_t b[5];
  size_t n = len_bytes(len);
  if (n == 1) {
    b[0] = (uint8_t)len;
  } else {
    b[0] = (uint8_t)(0x80 | (n - 1));
    for (size_t i = 1; i < n; i++) b[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
  }
  put(o, b, n);
}

static void write_node(const struct tree *tr, const struct edits *e, int i, struct out *o) {
  int k = edit_of(e, i);
  const struct node *nd = &tr->n[i];
  if (k >= 0) {
    put(o, e->bytes[k], e->len[k]);
  } else if (!nd->children) {
    put(o, tr->buf + nd->start, nd->hdr + nd->len);
  } else {
    put(o, tr->buf + nd->start, nd->tag_len);
    put_len(o, node_content[i]);
    for (int c = nd->first; c >= 0; c = tr->n[c].next) write_node(tr, e, c, o);
  }
}

static size_t encode(const struct tree *tr, const struct edits *e, uint8_t *out, size_t cap) {
  struct out o = {out, 0, cap, false};
  compute_sizes(tr, e);
  for (int i = tr->top; i >= 0; i = tr->n[i].next) write_node(tr, e, i, &o);
  return o.full || o.len == 0 ? 0 : o.len;
}

/* ---- values worth trying, per type -------------------------------------- */

struct rng {
  uint64_t s;
};

static uint32_t next(struct rng *r) {
  r->s = r->s * 6364136223846793005u + 1442695040888963407u;
  return (uint32_t)(r->s >> 33);
}

static uint32_t below(struct rng *r, uint32_t n) { return n ? next(r) % n : 0; }

#define V(s) \
  { (const uint8_t *)(s), sizeof(s) - 1 }
struct value {
  const uint8_t *p;
  size_t n;
};

static const struct value integers[] = {V("\x00"),
                                        V("\x01"),
                                        V("\x02"),
                                        V("\x7f"),
                                        V("\x80"),
                                        V("\xff"),
                                        V("\x00\x80"),
                                        V("\x00\xff"),
                                        V("\x00\x00\x01"),
                                        V(""),
                                        V("\x01\x00\x00\x00\x00\x00\x00\x00\x00"),
                                        V("\x7f\xff\xff\xff\xff\xff\xff\xff"),
                                        V("\xff\x7f")};
static const struct value oids[] = {V("\x55\x04\x03"),
                                    V("\x55\x04\x0a"),
                                    V("\x55\x1d\x11"),
                                    V("\x55\x1d\x13"),
                                    V("\x55\x1d\x0f"),
                                    V("\x55\x1d\x25"),
                                    V("\x55\x1d\x1e"),
                                    V("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"),
                                    V("\x2a\x86\x48\xce\x3d\x04\x03\x02"),
                                    V("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"),
                                    V("\x2a\x86\x48\xce\x3d\x02\x01"),
                                    V("\x2a\x86\x48\xce\x3d\x03\x01\x07"),
                                    V("\x2b\x65\x70"),
                                    V("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"),
                                    V("\x80"),
                                    V(""),
                                    V("\x55\x80"),
                                    V("\x55\x04\x83\x80\x80\x80\x80\x01")};
static const struct value utc_times[] = {
    V("491231235959Z"),   V("500101000000Z"), V("700101000000Z"),     V("991231235959Z"),
    V("000101000000Z"),   V("261205120000Z"), V("261205120000+0100"), V("2612051200Z"),
    V("261205120000.5Z"), V("26120512000Z"),  V("261305120000Z"),     V("261205246000Z")};
static const struct value gen_times[] = {
    V("20491231235959Z"),     V("20500101000000Z"), V("99991231235959Z"), V("19700101000000Z"),
    V("20261205120000.123Z"), V("20261205120000Z"), V("2026120512Z"),     V("00000101000000Z"),
    V("20261205120000"),      V("20260229120000Z"), V("21060207062816Z")};
static const struct value strings[] = {
    V("derpkey0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
    V("derpkey0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"),
    V("derpkey0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"),
    V("derpkey0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg"),
    V("derpkey"),
    V("127.0.0.1"),
    V("::1"),
    V("derp.example.com"),
    V("*.example.com"),
    V(""),
    V("a\x00b"),
    V("\xc3\xa9t\xc3\xa9"),
    V("\xff\xfe")};
static const struct value dns_names[] = {V("127.0.0.1"),
                                         V("derp.example.com"),
                                         V("*.example.com"),
                                         V("DERP.Example.COM"),
                                         V(""),
                                         V("a..b"),
                                         V("*"),
                                         V("x.*.example.com"),
                                         V("derp.example.com.")};
static const struct value ip_addresses[] = {
    V("\x7f\x00\x00\x01"), V("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"),
    V("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\x00\x01"),
    V("\x7f\x00\x00\x01\x00"), V("")};
static const struct value booleans[] = {V("\xff"), V("\x00"), V("\x01"), V("")};
/* Whole TLVs to add as a child: SAN entries, an extension, a name entry. */
static const struct value children[] = {
    V("\x82\x09"
      "127.0.0.1"),
    V("\x87\x04\x7f\x00\x00\x01"),
    V("\x30\x0f\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x05\x30\x03\x01\x01\xff"),
    V("\x30\x0c\x06\x03\x55\x1d\x11\x04\x05\x30\x03\x82\x01\x61"),
    V("\x31\x0d\x30\x0b\x06\x03\x55\x04\x03\x0c\x04\x64\x65\x72\x70"),
    V("\x05\x00")};
static const unsigned char tags[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x14, 0x16,
                                     0x17, 0x18, 0x1e, 0x30, 0x31, 0xa0, 0xa1, 0xa2, 0xa3, 0x80,
                                     0x81, 0x82, 0x86, 0x87, 0x88, 0x1c, 0x1a, 0x12};

#define PICK(r, arr) (&(arr)[below((r), sizeof(arr) / sizeof((arr)[0]))])

static const struct value *values_for(unsigned char tag, struct rng *r) {
  switch (tag) {
    case 0x01: return PICK(r, booleans);
    case 0x02: return PICK(r, integers);
    case 0x06: return PICK(r, oids);
    case 0x17: return PICK(r, utc_times);
    case 0x18: return PICK(r, gen_times);
    case 0x0c:
    case 0x13:
    case 0x14:
    case 0x16:
    case 0x1e: return PICK(r, strings);
    case 0x82: return PICK(r, dns_names);
    case 0x87: return PICK(r, ip_addresses);
    default: return NULL;
  }
}

/* tag ‖ length ‖ content into buf; `broken`: the length is off by one or
 * in a non-minimal long form, on purpose. */
static size_t make_tlv(uint8_t *buf, size_t cap, const uint8_t *tag, size_t tag_len,
                       const uint8_t *content, size_t n, unsigned broken) {
  struct out o = {buf, 0, cap, false};
  put(&o, tag, tag_len);
  if (broken == 1) {
    put_len(&o, n + 1);
  } else if (broken == 2 && n > 0) {
    put_len(&o, n - 1);
  } else if (broken == 3 && n < 0x100) {
    uint8_t nonmin[2] = {0x81, (uint8_t)n};
    put(&o, nonmin, 2);
  } else {
    put_len(&o, n);
  }
  put(&o, content, n);
  return o.full ? 0 : o.len;
}

/* ---- the mutations ------------------------------------------------------ */

static uint8_t scratch_a[SCRATCH + 16], scratch_b[2 * (SCRATCH + 16)];

static size_t mutate_tree(const struct tree *tr, uint8_t *out, size_t cap, struct rng *r) {
  int k = (int)below(r, (uint32_t)tr->count);
  const struct node *nd = &tr->n[k];
  const uint8_t *tlv = tr->buf + nd->start;
  size_t tlv_len = nd->hdr + nd->len;
  const uint8_t *content = tlv + nd->hdr;
  unsigned broken = below(r, 16) == 0 ? 1 + below(r, 3) : 0;
  struct edits e = {.n = 1, .node = {k, -1}};
  switch (below(r, 8)) {
    case 0: { /* another tag, same content */
      unsigned char t = tags[below(r, sizeof tags)];
      if (nd->len > SCRATCH) return 0;
      e.len[0] = make_tlv(scratch_a, sizeof scratch_a, &t, 1, content, nd->len, broken);
      e.bytes[0] = scratch_a;
      if (e.len[0] == 0) return 0;
      break;
    }
    case 1:
    case 2: { /* a value worth trying for its type, or random bytes */
      const struct value *v = values_for(nd->tag, r);
      uint8_t rnd[32];
      struct value random_bytes = {rnd, below(r, sizeof rnd + 1)};
      for (size_t i = 0; i < random_bytes.n; i++) rnd[i] = (uint8_t)next(r);
      if (v == NULL || below(r, 8) == 0) v = &random_bytes;
      e.len[0] = make_tlv(scratch_a, sizeof scratch_a, tlv, nd->tag_len, v->p, v->n, broken);
      e.bytes[0] = scratch_a;
      if (e.len[0] == 0) return 0;
      break;
    }
    case 3: /* twice (a duplicate extension, SAN entry, name) */
      if (2 * tlv_len > sizeof scratch_b) return 0;
      memcpy(scratch_b, tlv, tlv_len);
      memcpy(scratch_b + tlv_len, tlv, tlv_len);
      e.bytes[0] = scratch_b;
      e.len[0] = 2 * tlv_len;
      break;
    case 4: /* gone */
      if (tr->count == 1) return 0;
      e.bytes[0] = scratch_a;
      e.len[0] = 0;
      break;
    case 5: { /* swapped with the next sibling (extension order) */
      int j = nd->next;
      if (j < 0) return 0;
      const struct node *nj = &tr->n[j];
      e.n = 2;
      e.node[1] = j;
      e.bytes[0] = tr->buf + nj->start;
      e.len[0] = nj->hdr + nj->len;
      e.bytes[1] = tlv;
      e.len[1] = tlv_len;
      break;
    }
    case 6: { /* one more child in a constructed node */
      if (!nd->children || nd->len > SCRATCH) return 0;
      const struct value *c = PICK(r, children);
      uint8_t body[SCRATCH + 64];
      memcpy(body, content, nd->len);
      memcpy(body + nd->len, c->p, c->n);
      e.len[0] = make_tlv(scratch_a, sizeof scratch_a, tlv, nd->tag_len, body, nd->len + c->n, 0);
      e.bytes[0] = scratch_a;
      if (e.len[0] == 0) return 0;
      break;
    }
    default: { /* a few content bytes flipped, length kept */
      if (nd->children || nd->len == 0 || tlv_len > sizeof scratch_a) return 0;
      memcpy(scratch_a, tlv, tlv_len);
      for (uint32_t f = 1 + below(r, 3); f > 0; f--)
        scratch_a[nd->hdr + below(r, (uint32_t)nd->len)] ^= (uint8_t)(1u << below(r, 8));
      e.bytes[0] = scratch_a;
      e.len[0] = tlv_len;
      break;
    }
  }
  return encode(tr, &e, out, cap);
}

static struct tree tree_a, tree_b;

size_t der_mutate(const uint8_t *in, size_t len, uint8_t *out, size_t cap, uint32_t seed) {
  if (!parse(&tree_a, in, len)) return 0;
  struct rng r = {(uint64_t)seed * 0x9e3779b97f4a7c15u + 1};
  /* a mutation that does not apply to the node drawn: draw again */
  for (int tries = 0; tries < 8; tries++) {
    size_t n = mutate_tree(&tree_a, out, cap, &r);
    if (n > 0) return n;
  }
  return 0;
}

size_t der_crossover(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t *out,
                     size_t cap, uint32_t seed) {
  if (!parse(&tree_a, a, alen) || !parse(&tree_b, b, blen)) return 0;
  struct rng r = {(uint64_t)seed * 0x9e3779b97f4a7c15u + 7};
  int i = (int)below(&r, (uint32_t)tree_a.count);
  /* a donor node with the same tag, if b has one */
  int j = -1, seen = 0;
  for (int k = 0; k < tree_b.count; k++) {
    if (tree_b.n[k].tag != tree_a.n[i].tag) continue;
    if (below(&r, (uint32_t)++seen) == 0) j = k;
  }
  if (j < 0) j = (int)below(&r, (uint32_t)tree_b.count);
  const struct node *d = &tree_b.n[j];
  struct edits e = {.n = 1, .node = {i, -1}, .bytes = {b + d->start}, .len = {d->hdr + d->len}};
  return encode(&tree_a, &e, out, cap);
}

static bool pick_kind(const struct tree *tr, int k, enum der_pick_kind kind) {
  const struct node *nd = &tr->n[k];
  if (kind == DER_PICK_TIME) return nd->tag == 0x17 || nd->tag == 0x18;
  if (nd->tag == 0x82 || nd->tag == 0x87) return true; /* [2] dNSName, [7] iPAddress */
  /* the value after the commonName OID in an AttributeTypeAndValue */
  if (nd->tag == 0x06 || nd->children || nd->parent < 0) return false;
  int prev = tr->n[nd->parent].first;
  while (prev >= 0 && tr->n[prev].next != k) prev = tr->n[prev].next;
  if (prev < 0) return false;
  const struct node *oid = &tr->n[prev];
  return oid->tag == 0x06 && oid->len == 3 &&
         memcmp(tr->buf + oid->start + oid->hdr, "\x55\x04\x03", 3) == 0;
}

size_t der_pick(const uint8_t *in, size_t len, enum der_pick_kind kind, uint32_t seed,
                const uint8_t **content, uint8_t *tag) {
  if (!parse(&tree_a, in, len)) return 0;
  struct rng r = {(uint64_t)seed * 0x9e3779b97f4a7c15u + 11};
  int pick = -1;
  uint32_t seen = 0;
  for (int k = 0; k < tree_a.count; k++)
    if (pick_kind(&tree_a, k, kind) && below(&r, ++seen) == 0) pick = k;
  if (pick < 0) return 0;
  const struct node *nd = &tree_a.n[pick];
  *content = in + nd->start + nd->hdr;
  *tag = nd->tag;
  return nd->len;
}

#if defined(__clang__)
#pragma clang attribute pop
#endif
