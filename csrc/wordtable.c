/* See wordtable.h. */
#include "wordtable.h"

#include <stdlib.h>
#include <string.h>

static const char END_OF_SENTENCE[] = "</s>";

static uint64_t hash_bytes(const char *s, int n) {
    uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
    for (int i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int grow(void **p, int64_t count, size_t item) {
    void *q = realloc(*p, count * item);
    if (!q) return -1;
    *p = q;
    return 0;
}

static int rehash(wt_table *t, int64_t slot_count) {
    uint32_t *slots = (uint32_t *)calloc(slot_count, sizeof(uint32_t));
    if (!slots) return -1;
    free(t->slots);
    t->slots = slots;
    t->slot_mask = slot_count - 1;
    for (int64_t i = 0; i < t->size; i++) {
        uint64_t s = hash_bytes(t->arena + t->offsets[i], t->lengths[i]) & t->slot_mask;
        while (t->slots[s]) s = (s + 1) & t->slot_mask;
        t->slots[s] = (uint32_t)(i + 1);
    }
    return 0;
}

int wt_init(wt_table *t) {
    memset(t, 0, sizeof *t);
    t->capacity = 1024;
    t->arena_capacity = 1 << 16;
    t->min_reduce = 1;
    t->offsets = (int64_t *)malloc(t->capacity * sizeof(int64_t));
    t->lengths = (int32_t *)malloc(t->capacity * sizeof(int32_t));
    t->counts = (int64_t *)malloc(t->capacity * sizeof(int64_t));
    t->arena = (char *)malloc(t->arena_capacity);
    if (!t->offsets || !t->lengths || !t->counts || !t->arena || rehash(t, 2048)) {
        wt_free(t);
        return -1;
    }
    return 0;
}

void wt_free(wt_table *t) {
    free(t->slots); free(t->arena); free(t->offsets); free(t->lengths); free(t->counts);
    memset(t, 0, sizeof *t);
}

int64_t wt_find(const wt_table *t, const char *word, int length) {
    uint64_t s = hash_bytes(word, length) & t->slot_mask;
    while (t->slots[s]) {
        int64_t i = t->slots[s] - 1;
        if (t->lengths[i] == length && memcmp(t->arena + t->offsets[i], word, length) == 0)
            return i;
        s = (s + 1) & t->slot_mask;
    }
    return -1;
}

int64_t wt_add(wt_table *t, const char *word, int length) {
    int64_t found = wt_find(t, word, length);
    if (found >= 0) return found;
    if (t->size == t->capacity) {
        int64_t c = t->capacity * 2;
        if (grow((void **)&t->offsets, c, sizeof(int64_t)) ||
            grow((void **)&t->lengths, c, sizeof(int32_t)) ||
            grow((void **)&t->counts, c, sizeof(int64_t)))
            return -1;
        t->capacity = c;
    }
    if (t->arena_used + length > t->arena_capacity) {
        int64_t c = t->arena_capacity * 2 + length;
        if (grow((void **)&t->arena, c, 1)) return -1;
        t->arena_capacity = c;
    }
    int64_t i = t->size++;
    memcpy(t->arena + t->arena_used, word, length);
    t->offsets[i] = t->arena_used;
    t->lengths[i] = length;
    t->counts[i] = 0;
    t->arena_used += length;
    if (t->size * 2 > t->slot_mask + 1) {  /* keep the load factor under one half */
        if (rehash(t, (t->slot_mask + 1) * 2)) return -1;
    } else {
        uint64_t s = hash_bytes(word, length) & t->slot_mask;
        while (t->slots[s]) s = (s + 1) & t->slot_mask;
        t->slots[s] = (uint32_t)(i + 1);
    }
    return i;
}

int wt_reduce(wt_table *t) {
    int64_t kept = 0, used = 0;
    for (int64_t i = 0; i < t->size; i++) {
        if (i != 0 && t->counts[i] <= t->min_reduce) continue;
        /* compact in place: survivors only move towards the start */
        memmove(t->arena + used, t->arena + t->offsets[i], t->lengths[i]);
        t->offsets[kept] = used;
        t->lengths[kept] = t->lengths[i];
        t->counts[kept] = t->counts[i];
        used += t->lengths[i];
        kept++;
    }
    t->size = kept;
    t->arena_used = used;
    t->min_reduce++;
    return rehash(t, t->slot_mask + 1);
}

/* Length of the token once cut to WT_MAX_WORD bytes without splitting a UTF-8 character. */
static int cut_length(const wt_tokenizer *tok) {
    if (!tok->overflowed) return tok->length;
    int start = tok->length - 1;  /* find where the last character starts */
    while (start > 0 && ((unsigned char)tok->word[start] & 0xC0) == 0x80) start--;
    unsigned char lead = (unsigned char)tok->word[start];
    int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return start + need > tok->length ? start : tok->length;
}

/* Feed bytes to the tokenizer, calling `emit(word, length, ctx)` for each token
 * (and for "</s>" at each newline). Returns -1 as soon as emit does. */
typedef int (*emit_fn)(const char *word, int length, void *ctx);

static int tokenize(wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
                    emit_fn emit, void *ctx) {
    for (int64_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\r') continue;
        if (c == ' ' || c == '\t' || c == '\n') {
            if (tok->length) {
                if (emit(tok->word, cut_length(tok), ctx)) return -1;
                tok->length = 0;
                tok->overflowed = 0;
            }
            if (c == '\n' && emit(END_OF_SENTENCE, 4, ctx)) return -1;
            continue;
        }
        if (tok->length < WT_MAX_WORD) tok->word[tok->length++] = c;
        else tok->overflowed = 1;
    }
    if (end_of_file && tok->length) {
        if (emit(tok->word, cut_length(tok), ctx)) return -1;
        tok->length = 0;
        tok->overflowed = 0;
    }
    return 0;
}

typedef struct { wt_table *table; int64_t max_size; } count_ctx;

static int count_word(const char *word, int length, void *p) {
    count_ctx *ctx = (count_ctx *)p;
    int64_t i = wt_add(ctx->table, word, length);
    if (i < 0) return -1;
    ctx->table->counts[i]++;
    if (ctx->table->size > ctx->max_size) return wt_reduce(ctx->table);
    return 0;
}

int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
             int64_t max_size) {
    count_ctx ctx = {t, max_size};
    return tokenize(tok, buf, n, end_of_file, count_word, &ctx);
}

typedef struct { const wt_table *table; int32_t *out; int64_t written; } encode_ctx;

static int encode_word(const char *word, int length, void *p) {
    encode_ctx *ctx = (encode_ctx *)p;
    int64_t i = wt_find(ctx->table, word, length);
    if (i >= 0) ctx->out[ctx->written++] = (int32_t)i;
    return 0;
}

int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                  int end_of_file, int32_t *out) {
    encode_ctx ctx = {t, out, 0};
    tokenize(tok, buf, n, end_of_file, encode_word, &ctx);
    return ctx.written;
}

int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
               int32_t *points, int32_t *lengths) {
    /* Two sorted queues: leaves (counts, descending, read from the end) and inner nodes
     * (created in ascending order). Each step joins the two smallest; ties prefer the
     * leaf, and the second node picked gets code bit 1, as in word2vec.c. */
    int64_t *count = (int64_t *)malloc(2 * V * sizeof(int64_t));
    int64_t *parent = (int64_t *)malloc(2 * V * sizeof(int64_t));
    uint8_t *bit = (uint8_t *)calloc(2 * V, 1);
    int status = 0;
    if (!count || !parent || !bit) { status = -2; goto done; }
    for (int64_t a = 0; a < V; a++) count[a] = counts[a];
    for (int64_t a = V; a < 2 * V; a++) count[a] = (int64_t)1e15;
    int64_t leaf = V - 1, inner = V;
    for (int64_t a = 0; a < V - 1; a++) {
        int64_t pick[2];
        for (int k = 0; k < 2; k++) {
            if (leaf >= 0 && count[leaf] < count[inner]) pick[k] = leaf--;
            else pick[k] = inner++;
        }
        count[V + a] = count[pick[0]] + count[pick[1]];
        parent[pick[0]] = V + a;
        parent[pick[1]] = V + a;
        bit[pick[1]] = 1;
    }
    for (int64_t a = 0; a < V; a++) {
        /* walk up to the root, then store the path root-first; points are inner-node
         * numbers (node - V), the root being V - 2 */
        uint8_t code[64];
        int64_t node_path[64];
        int len = 0;
        for (int64_t b = a; b != 2 * V - 2; b = parent[b]) {
            if (len == max_length) { status = -1; goto done; }
            code[len] = bit[b];
            node_path[len] = b;
            len++;
        }
        lengths[a] = len;
        uint8_t *c = codes + a * max_length;
        int32_t *p = points + a * max_length;
        p[0] = (int32_t)(V - 2);
        for (int b = 0; b < len; b++) {
            c[len - b - 1] = code[b];
            if (len - b < max_length) p[len - b] = (int32_t)(node_path[b] - V);
        }
    }
done:
    free(count); free(parent); free(bit);
    return status;
}
