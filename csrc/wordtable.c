/* See wordtable.h. */
#include "wordtable.h"

#include <stdlib.h>
#include <string.h>

static const char END_OF_SENTENCE[] = "</s>";

/* Byte classes for the tokenizer (everything not listed is part of a word). */
enum { WORD_BYTE = 0, BLANK, NEWLINE, CARRIAGE_RETURN };
static const unsigned char BYTE_CLASS[256] = {
    [' '] = BLANK, ['\t'] = BLANK, ['\n'] = NEWLINE, ['\r'] = CARRIAGE_RETURN,
};

/* ---------------------------------------------------------------- hashing */

#define GOLDEN 0x9E3779B97F4A7C15ULL

/* Up to 8 bytes as a little-endian number, zero-padded. `readable` (>= n) is how many
 * bytes may be read from s: with 8 or more, one unaligned load and a mask replace the
 * byte loop (same value). */
static inline uint64_t load_block(const char *s, int64_t n, int64_t readable) {
    uint64_t block = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (readable >= 8) {
        memcpy(&block, s, 8);
        return n >= 8 ? block : block & ((1ULL << (8 * n)) - 1);
    }
#endif
    if (n >= 8) {
        memcpy(&block, s, 8);
        return block;  /* the same on either byte order: only compared and hashed here */
    }
    for (int64_t k = 0; k < n; k++) block |= (uint64_t)(unsigned char)s[k] << (8 * k);
    return block;
}

/* A 64-bit hash reading 8 bytes at a time. Its low bits pick the slot (so they must be
 * well mixed for linear probing); its high 32 bits are kept in the entry for rejection.
 * `first` is the first block, load_block(s, n, ...), which the caller has already. */
static inline uint64_t hash_blocks(const char *s, int64_t n, int64_t readable,
                                   uint64_t first) {
    uint64_t h = 0x6A09E667F3BCC909ULL ^ ((uint64_t)n * GOLDEN);
    for (uint64_t block = first; n > 0; block = load_block(s, n, readable)) {
        h = (h ^ block) * GOLDEN;
        h ^= h >> 29;
        s += 8;
        n -= 8;
        readable -= 8;
    }
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h;
}

static inline uint64_t hash_bytes(const char *s, int64_t n) {
    return hash_blocks(s, n, n, load_block(s, n, n));
}

/* A token on its way to the table: hashed when cut out, looked up a little later so
 * that the memory it needs can be prefetched meanwhile. length -1 is a newline. */
typedef struct {
    const char *word;
    int64_t length;
    uint64_t hash, prefix;
} token;

/* `readable` (>= length) bytes may be read from `word`. */
static inline token make_token(const char *word, int64_t length, int64_t readable) {
    uint64_t prefix = load_block(word, length, readable);
    token k = {word, length, hash_blocks(word, length, readable, prefix), prefix};
    return k;
}

/* ---------------------------------------------------------------- the table */

static int rebuild_slots(wt_table *t, uint64_t slot_count) {
    uint32_t *slots = (uint32_t *)calloc(slot_count, sizeof(uint32_t));
    if (!slots) return -1;
    free(t->slots);
    t->slots = slots;
    t->slot_mask = slot_count - 1;
    for (int64_t i = 0; i < t->size; i++) {
        const wt_entry *e = &t->entries[i];
        uint64_t s = hash_bytes(t->arena + e->offset, e->length) & t->slot_mask;
        while (t->slots[s]) s = (s + 1) & t->slot_mask;
        t->slots[s] = (uint32_t)(i + 1);
    }
    return 0;
}

void wt_tokenizer_init(wt_tokenizer *tok) {
    tok->length = 0;
    tok->overflowed = 0;
}

int wt_init(wt_table *t) {
    memset(t, 0, sizeof *t);
    t->min_reduce = 1;
    t->capacity = 1024;
    t->arena_capacity = 1 << 16;
    t->entries = (wt_entry *)malloc(t->capacity * sizeof(wt_entry));
    t->arena = (char *)malloc(t->arena_capacity);
    if (!t->entries || !t->arena || rebuild_slots(t, 2048) ||
        wt_add(t, END_OF_SENTENCE, 4) != 0) {  /* "</s>" is entry 0, always */
        wt_free(t);
        return -1;
    }
    return 0;
}

void wt_free(wt_table *t) {
    free(t->slots);
    free(t->entries);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

/* Index of the token's word, or -1 with *empty_slot set to where it would go. */
static inline int64_t probe(const wt_table *t, const token *k, uint64_t *empty_slot) {
    uint32_t tag = (uint32_t)(k->hash >> 32);
    uint64_t s = k->hash & t->slot_mask;
    for (;;) {
        uint32_t v = t->slots[s];
        if (!v) {
            *empty_slot = s;
            return -1;
        }
        const wt_entry *e = &t->entries[v - 1];
        if (e->hash == tag && e->length == k->length && e->prefix == k->prefix &&
            (k->length <= 8 ||
             memcmp(t->arena + e->offset + 8, k->word + 8, (size_t)(k->length - 8)) == 0))
            return (int64_t)v - 1;
        s = (s + 1) & t->slot_mask;
    }
}

static int64_t add_token(wt_table *t, const token *k) {
    uint64_t slot;
    int64_t found = probe(t, k, &slot);
    if (found >= 0) return found;
    if (t->size >= (int64_t)UINT32_MAX - 1) return -1;  /* slots hold 32-bit indices */
    if (t->size == t->capacity) {
        int64_t capacity = t->capacity * 2;
        wt_entry *entries = (wt_entry *)realloc(t->entries, capacity * sizeof(wt_entry));
        if (!entries) return -1;
        t->entries = entries;
        t->capacity = capacity;
    }
    if (t->arena_used + k->length > t->arena_capacity) {
        int64_t capacity = t->arena_capacity * 2 + k->length;
        char *arena = (char *)realloc(t->arena, capacity);
        if (!arena) return -1;
        t->arena = arena;
        t->arena_capacity = capacity;
    }
    int64_t i = t->size++;
    wt_entry *e = &t->entries[i];
    e->count = 0;
    e->offset = t->arena_used;
    e->prefix = k->prefix;
    e->hash = (uint32_t)(k->hash >> 32);
    e->length = (int32_t)k->length;
    memcpy(t->arena + t->arena_used, k->word, (size_t)k->length);
    t->arena_used += k->length;
    /* keep the load under 2/3: short probe runs in a third less memory than 1/2 */
    if ((uint64_t)t->size * 3 > (t->slot_mask + 1) * 2) {
        if (rebuild_slots(t, (t->slot_mask + 1) * 2)) return -1;
    } else {
        t->slots[slot] = (uint32_t)(i + 1);
    }
    return i;
}

int64_t wt_add(wt_table *t, const char *word, int64_t length) {
    token k = make_token(word, length, length);
    return add_token(t, &k);
}

int wt_reduce(wt_table *t) {
    int64_t kept = 0, used = 0;
    for (int64_t i = 0; i < t->size; i++) {
        wt_entry e = t->entries[i];
        if (i != 0 && e.count <= t->min_reduce) continue;
        /* survivors only move towards the start, so compacting in place is safe */
        memmove(t->arena + used, t->arena + e.offset, (size_t)e.length);
        e.offset = used;
        used += e.length;
        t->entries[kept++] = e;
    }
    t->size = kept;
    t->arena_used = used;
    t->min_reduce++;
    return rebuild_slots(t, t->slot_mask + 1);
}

int wt_merge(wt_table *t, const wt_table *other, int64_t max_size) {
    t->entries[0].count += other->entries[0].count;  /* both entry 0s are "</s>" */
    for (int64_t i = 1; i < other->size; i++) {
        const wt_entry *e = &other->entries[i];
        int64_t j = wt_add(t, other->arena + e->offset, e->length);
        if (j < 0) return -1;
        t->entries[j].count += e->count;
        if (t->size > max_size) return 1;
    }
    return 0;
}

/* Prefetch what looking up a batch of tokens will touch: first their slots, then (once
 * those have arrived) the entries the slots name. A hint only: the lookups that follow
 * probe the table as it is then, even if it changed meanwhile. */
static inline void prefetch_batch(const wt_table *t, const token *batch, int n) {
    for (int j = 0; j < n; j++)
        if (batch[j].length >= 0) __builtin_prefetch(&t->slots[batch[j].hash & t->slot_mask]);
    for (int j = 0; j < n; j++) {
        if (batch[j].length < 0) continue;
        uint32_t v = t->slots[batch[j].hash & t->slot_mask];
        if (v) __builtin_prefetch(&t->entries[v - 1]);
    }
}

/* ---------------------------------------------------------------- tokenizing */

/* wt_kept_length's common case inline: a token short enough is kept whole. */
static inline int64_t kept_length(const char *word, int64_t length) {
    return length <= WT_MAX_WORD ? length : wt_kept_length(word, length);
}

/* 0x80 in each byte of v (8 bytes of text) below 0x21, the separators ' ', '\t', '\n'
 * and '\r' among them; 0 elsewhere. Exact: no carry crosses a byte. */
static inline uint64_t low_bytes(uint64_t v) {
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL, high = 0x8080808080808080ULL;
    return ~(((v & low7) + 0x5F5F5F5F5F5F5F5FULL) | v) & high;
}

/* The index of the first byte at or after i that is not a word byte, or n. Eight bytes
 * at a time: a word of up to seven bytes costs one load and one test, instead of a
 * loop (and a mispredicted exit) per byte. */
static inline int64_t word_end(const unsigned char *bytes, int64_t i, int64_t n) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= n) {
        uint64_t v;
        memcpy(&v, bytes + i, 8);
        uint64_t low = low_bytes(v);
        if (!low) {
            i += 8;
            continue;
        }
        i += __builtin_ctzll(low) >> 3;
        if (BYTE_CLASS[bytes[i]] != WORD_BYTE) return i;
        i++;  /* a control byte that is part of the word */
    }
#endif
    while (i < n && BYTE_CLASS[bytes[i]] == WORD_BYTE) i++;
    return i;
}

int wt_kept_length(const char *word, int64_t length) {
    if (length <= WT_MAX_WORD) return (int)length;
    /* Only the first WT_MAX_WORD bytes are looked at (a pending token holds no more):
     * find where the last character among them starts (at most 3 continuation bytes
     * back) and drop it if its lead byte announces more bytes than fit. */
    const unsigned char *w = (const unsigned char *)word;
    int start = WT_MAX_WORD - 1;
    for (int back = 0; back < 3 && start > 0 && (w[start] & 0xC0) == 0x80; back++) start--;
    unsigned char lead = w[start];
    int needed = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3
               : (lead & 0xF8) == 0xF0 ? 4 : 1;
    return start + needed > WT_MAX_WORD ? start : WT_MAX_WORD;
}

static inline void hold(wt_tokenizer *tok, const char *bytes, int64_t n) {
    int64_t room = WT_MAX_WORD - tok->length;
    if (n > room) {
        tok->overflowed = 1;
        n = room;
    }
    memcpy(tok->word + tok->length, bytes, (size_t)n);
    tok->length += (int)n;
}

#define BATCH 32
typedef int (*batch_fn)(void *ctx, const token *batch, int n);

/* Split `buf` into tokens and hand them, in order, to `flush` in batches of up to BATCH
 * (a newline is a token of length -1). A token lying wholly inside `buf` is handed over
 * where it lies; only a token cut by the end of the chunk (or containing '\r') is copied
 * into `tok`, and the batch holding it is flushed before `tok` is reused. Always inlined,
 * so `flush` becomes a direct call. Returns -1 as soon as `flush` does. */
static inline __attribute__((always_inline)) int
tokenize(wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
         batch_fn flush, void *ctx) {
    const unsigned char *bytes = (const unsigned char *)buf;
    token batch[BATCH];
    int held = 0;
    int64_t i = 0;
#define PUSH(k) do { batch[held++] = (k); \
        if (held == BATCH) { if (flush(ctx, batch, held)) return -1; held = 0; } } while (0)
#define PUSH_PENDING() do { \
        PUSH(make_token(tok->word, kept_length(tok->word, \
                        tok->overflowed ? WT_MAX_WORD + 1 : tok->length), tok->length)); \
        if (held && flush(ctx, batch, held)) return -1; \
        held = 0; \
        wt_tokenizer_init(tok); } while (0)
    while (i < n) {
        int kind = BYTE_CLASS[bytes[i]];
        if (kind == BLANK || kind == NEWLINE) {
            if (tok->length) PUSH_PENDING();
            if (kind == NEWLINE) {
                token newline = {END_OF_SENTENCE, -1, 0, 0};
                PUSH(newline);
            }
            i++;
            continue;
        }
        if (kind == CARRIAGE_RETURN) {  /* word2vec.c drops it without ending the token */
            i++;
            continue;
        }
        int64_t start = i;
        i = word_end(bytes, i, n);
        if (tok->length == 0 && i < n && BYTE_CLASS[bytes[i]] != CARRIAGE_RETURN)
            PUSH(make_token(buf + start, kept_length(buf + start, i - start), n - start));
        else
            hold(tok, buf + start, i - start);
    }
    if (end_of_file && tok->length) PUSH_PENDING();
    if (held && flush(ctx, batch, held)) return -1;
    return 0;
#undef PUSH
#undef PUSH_PENDING
}

typedef struct {
    wt_table *table;
    int64_t max_size;
} count_ctx;

static int count_batch(void *p, const token *batch, int n) {
    count_ctx *ctx = (count_ctx *)p;
    wt_table *t = ctx->table;
    prefetch_batch(t, batch, n);
    for (int j = 0; j < n; j++) {
        if (batch[j].length < 0) {
            t->entries[0].count++;  /* entry 0 is "</s>" */
            continue;
        }
        int64_t i = add_token(t, &batch[j]);
        if (i < 0) return -1;
        t->entries[i].count++;
        /* word2vec.c checks after every token: prune once the table holds too many */
        if (t->size > ctx->max_size && wt_reduce(t)) return -1;
    }
    return 0;
}

int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
             int64_t max_size) {
    count_ctx ctx = {t, max_size};
    return tokenize(tok, buf, n, end_of_file, count_batch, &ctx);
}

typedef struct {
    const wt_table *table;
    int32_t *out;
    int64_t written;
} encode_ctx;

static int encode_batch(void *p, const token *batch, int n) {
    encode_ctx *ctx = (encode_ctx *)p;
    const wt_table *t = ctx->table;
    prefetch_batch(t, batch, n);
    for (int j = 0; j < n; j++) {
        uint64_t unused;
        int64_t i = batch[j].length < 0 ? 0 : probe(t, &batch[j], &unused);
        if (i >= 0) ctx->out[ctx->written++] = (int32_t)i;  /* unknown words: skipped */
    }
    return 0;
}

int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                  int end_of_file, int32_t *out) {
    encode_ctx ctx = {t, out, 0};
    tokenize(tok, buf, n, end_of_file, encode_batch, &ctx);
    return ctx.written;
}

/* ---------------------------------------------------------------- Huffman tree */

int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
               int32_t *points, int32_t *lengths) {
    /* Nodes 0..V-1 are the words, V..2V-2 the inner nodes in the order they are made.
     * Words are taken from the rare end of the count order and inner nodes are made in
     * non-decreasing weight, so the two lightest nodes are always at one of two fronts.
     * As in word2vec.c: on equal weights the inner node is taken, and the second node
     * of each pair gets bit 1. word2vec.c lets not-yet-made nodes weigh 1e15, which picks
     * one of them (garbage) when a count exceeds that; here they are never taken. */
    int64_t *weight = (int64_t *)malloc(2 * V * sizeof(int64_t));
    int64_t *parent = (int64_t *)malloc(2 * V * sizeof(int64_t));
    uint8_t *bit = (uint8_t *)calloc(2 * V, 1);
    int status = 0;
    if (!weight || !parent || !bit) {
        status = -1;
        goto done;
    }
    memcpy(weight, counts, V * sizeof(int64_t));
    int64_t next_word = V - 1, next_inner = V;
    for (int64_t made = V; made < 2 * V - 1; made++) {
        int64_t pair[2];
        for (int k = 0; k < 2; k++) {
            int inner_ready = next_inner < made;
            if (next_word >= 0 && (!inner_ready || weight[next_word] < weight[next_inner]))
                pair[k] = next_word--;
            else
                pair[k] = next_inner++;
        }
        weight[made] = weight[pair[0]] + weight[pair[1]];
        parent[pair[0]] = parent[pair[1]] = made;
        bit[pair[1]] = 1;
    }
    const int64_t root = 2 * V - 2;
    for (int64_t w = 0; w < V; w++) {
        int length = 0;
        for (int64_t node = w; node != root; node = parent[node]) {
            if (++length > max_length) {
                status = -2;
                goto done;
            }
        }
        lengths[w] = length;
        /* Codes and points are stored root first. Points name inner nodes as node - V
         * (the root is V - 2); like word2vec.c, point[length] gets the word's own
         * (negative) node - V when it fits, though no trainer reads it. */
        uint8_t *code = codes + w * max_length;
        int32_t *point = points + w * max_length;
        point[0] = (int32_t)(V - 2);
        int depth = length;
        for (int64_t node = w; node != root; node = parent[node]) {
            depth--;
            code[depth] = bit[node];
            if (depth + 1 < max_length) point[depth + 1] = (int32_t)(node - V);
        }
    }
done:
    free(weight);
    free(parent);
    free(bit);
    return status;
}
