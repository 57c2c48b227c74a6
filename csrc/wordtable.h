/* Tokenising and the word hash table behind vocabulary counting and corpus encoding.
 *
 * word2vec.c's rules: tokens are separated by ' ', '\t' and '\n'; '\r' is dropped; each
 * newline is the token "</s>". Bytes are never decoded. Tokens longer than
 * WT_MAX_WORD bytes are cut there, at a UTF-8 character boundary. */
#ifndef W2V_WORDTABLE_H
#define W2V_WORDTABLE_H

#include <stdint.h>

#define WT_MAX_WORD 99  /* word2vec.c: MAX_STRING 100, minus its terminating NUL */

typedef struct {
    uint32_t *slots;      /* open addressing: word index + 1, 0 = empty */
    int64_t slot_mask;    /* slot count - 1 (a power of two) */
    char *arena;          /* word bytes, back to back */
    int64_t arena_used, arena_capacity;
    int64_t *offsets;     /* per word: start in the arena */
    int32_t *lengths;
    int64_t *counts;
    int64_t size, capacity;
    int64_t min_reduce;   /* word2vec.c's ReduceVocab threshold, raised after each prune */
} wt_table;

typedef struct {
    char word[WT_MAX_WORD + 1];
    int length;
    int overflowed;       /* the token had more than WT_MAX_WORD bytes */
} wt_tokenizer;

/* 0 on success, -1 when out of memory (for all functions returning int). */
int wt_init(wt_table *t);
void wt_free(wt_table *t);
/* Index of the word, or -1. */
int64_t wt_find(const wt_table *t, const char *word, int length);
/* Index of the word, added with count 0 if new; -1 when out of memory. */
int64_t wt_add(wt_table *t, const char *word, int length);
/* word2vec.c's ReduceVocab: drop words (but index 0) with count <= min_reduce, then
 * raise min_reduce. Order of the survivors is kept. */
int wt_reduce(wt_table *t);

/* Counting pass: tokenise `n` bytes and count every token; prune whenever more than
 * `max_size` words are held. `end_of_file` ends a pending token. */
int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
             int64_t max_size);
/* Encoding pass: the ids (table indices) of the in-vocabulary tokens, newline = index 0,
 * unknown tokens skipped. `out` needs room for n + 1 ids. Returns the number written. */
int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                  int end_of_file, int32_t *out);

/* word2vec.c's CreateBinaryTree over counts sorted in descending order: codes and points
 * are V x max_length. Returns 0, or -1 when a code would exceed max_length. */
int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
               int32_t *points, int32_t *lengths);

#endif
