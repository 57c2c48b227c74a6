/* Tokenising, the word hash table, and the Huffman tree built from word counts.
 *
 * Tokens follow word2vec.c's ReadWord: they are separated by ' ', '\t' and '\n'; '\r' is
 * dropped wherever it appears (it does not separate: "a\rb" is "ab"); every newline is
 * the token "</s>". Bytes are never decoded, so any byte sequence is a word.
 *
 * Deliberate difference: a token longer than WT_MAX_WORD bytes keeps its first
 * WT_MAX_WORD bytes, cut back to the start of a UTF-8 character that would be split.
 * (word2vec.c keeps the first 98 bytes plus the token's last byte, which can leave
 * broken UTF-8 and merges unrelated long tokens.)
 *
 * No function here touches Python: the counting and encoding loops run without the GIL.
 */
#ifndef W2V_WORDTABLE_H
#define W2V_WORDTABLE_H

#include <stdint.h>

#define WT_MAX_WORD 99  /* word2vec.c: MAX_STRING 100, minus its terminating NUL */

/* One distinct word. Kept in first-seen order; the word's bytes live in the arena. */
typedef struct {
    int64_t count;
    int64_t offset;       /* start of the word in the arena */
    uint64_t prefix;      /* the first 8 bytes (zero-padded): short words compare here */
    uint32_t hash;        /* high bits of the word's hash: cheap rejection while probing */
    int32_t length;
} wt_entry;               /* 32 bytes: two per cache line */

/* Open addressing (linear probing) over entry indices; words stored back to back. */
typedef struct {
    uint32_t *slots;      /* entry index + 1; 0 = empty */
    uint64_t slot_mask;   /* slot count - 1; the slot count is a power of two */
    wt_entry *entries;
    int64_t size, capacity;
    char *arena;
    int64_t arena_used, arena_capacity;
    int64_t min_reduce;   /* word2vec.c's ReduceVocab threshold: starts at 1, +1 per prune */
} wt_table;

/* A token that began in an earlier chunk and has not ended yet. */
typedef struct {
    char word[WT_MAX_WORD];
    int length;           /* bytes held (at most WT_MAX_WORD) */
    int overflowed;       /* the token has more bytes than were held */
} wt_tokenizer;

/* Functions returning int give 0 on success and -1 when memory runs out. */
int wt_init(wt_table *t);
void wt_free(wt_table *t);
void wt_tokenizer_init(wt_tokenizer *tok);

/* Index of the word, appended with count 0 if new; -1 when out of memory. */
int64_t wt_add(wt_table *t, const char *word, int64_t length);
/* word2vec.c's ReduceVocab: drop every word but entry 0 ("</s>") whose count is
 * <= min_reduce, keep the survivors' order, then raise min_reduce by one. */
int wt_reduce(wt_table *t);

/* Add the words of `other` (a count of the text that follows t's) to t: its counts to
 * theirs, its new words after t's, in its order, which is the first-seen order of the
 * two texts read one after the other. 1 (t then half merged) as soon as t would hold
 * more than max_size words: counting the texts in one pass would have pruned. */
int wt_merge(wt_table *t, const wt_table *other, int64_t max_size);
/* Counting pass over n bytes: count each token (and "</s>" per newline), adding new
 * words; prune with wt_reduce whenever more than max_size words are held.
 * end_of_file ends a pending token (it does not make a "</s>"). */
int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
             int64_t max_size);
/* Encoding pass: writes the table index of every known token (newline = the index of
 * "</s>"), skipping unknown tokens; `out` needs room for n + 1 ids. Returns the count. */
int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                  int end_of_file, int32_t *out);
/* How many of the first `length` bytes of a token are kept (see the top of this file). */
int wt_kept_length(const char *word, int64_t length);

/* word2vec.c's CreateBinaryTree for V >= 2 counts (sorted by descending count, except
 * that entry 0 may be anything, as word2vec.c's "</s>"). codes and points are
 * V x max_length arrays, filled like word2vec.c's vocab[w].code and vocab[w].point.
 * Returns 0, -1 when out of memory, -2 when a code would be longer than max_length. */
int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
               int32_t *points, int32_t *lengths);

#endif
