/* The training kernels: word2vec.c's updates for skip-gram / CBOW with hierarchical
 * softmax, negative sampling or a full softmax, run by N threads on shared matrices
 * without locks (Hogwild), exactly as word2vec.c's TrainModelThread does.
 *
 * Plain C with no Python in sight, so the loops run without the GIL and can be tested
 * and profiled on their own. */
#ifndef W2V_TRAIN_KERNELS_H
#define W2V_TRAIN_KERNELS_H

#include <stdint.h>

#define W2V_MAX_EXP 6             /* word2vec.c: sigmoid clipped outside [-6, 6] */
#define W2V_EXP_TABLE_SIZE 1000   /* word2vec.c: 1000 precomputed sigmoid values */
#define W2V_MAX_CODE_LENGTH 40    /* word2vec.c: longest Huffman code */
#define W2V_MAX_SENTENCE 1000     /* word2vec.c: kept words per sentence */
#define W2V_WORDS_PER_ALPHA_UPDATE 10000  /* word2vec.c re-computes alpha every 10k words */

typedef float real;

/* Learning-rate schedules. word2vec.c's: alpha * (1 - progress), never below its floor
 * min_alpha = alpha * 1e-4. Linear: from alpha down to min_alpha exactly (gensim's). */
#define W2V_SCHEDULE_WORD2VEC 0
#define W2V_SCHEDULE_LINEAR 1

struct w2v_model;
struct w2v_thread;
/* A compiled copy of the training loop (see w2v_kernel). */
typedef int64_t (*w2v_train_fn)(const struct w2v_model *m, struct w2v_thread *t,
                                const int32_t *ids, int64_t count);

/* Words between synchronisations of a thread's copies of the tree's top rows (see
 * hot_slot). Every 10,000 words (as before), SG-HS on 2 threads scored 0.54 analogy
 * points lower over 5 passes: 35.43 % against 35.97 %, means of 6 runs each on the shared
 * corpus, at the same speed; --batch, 34.73 % (4 runs) against 35.40 % (5 runs), 6 %
 * slower (47 s against 50 s). A synchronisation costs about 3 x hot rows x dim float
 * operations: at 1,023 rows of 100, 300 per word, against some 25,000 multiply-adds.
 * More often does not pay: every 250 words scored 35.53 % (5 runs; 35.60 % with copies
 * of 6 levels only) against 35.58 % at 1,000 (5 runs, the same day). No copies at all:
 * 36.03 % against 35.76 % (10 runs each, within the noise) in 2-3 times the time. */
#define W2V_HOT_SYNC_WORDS 1000
/* --batch-positions: at most this many consecutive positions share one draw of negatives */
#define W2V_BATCH_POSITIONS 64

/* Everything the threads share; filled once by the driver, read-only but for the
 * matrices (updated Hogwild) and the word counter (updated atomically). */
typedef struct w2v_model {
    real *input_vectors;          /* syn0: V x dim, the vectors written out */
    real *hs_vectors;             /* syn1: (V - 1) x dim Huffman inner nodes, or NULL */
    real *ns_vectors;             /* syn1neg: V x dim output vectors, or NULL */
    real *softmax_vectors;        /* V x dim output vectors of the exact softmax, or NULL */
    const real *sigmoid_table;    /* W2V_EXP_TABLE_SIZE + 1 entries */
    const real *log_sigmoid_table;     /* log(sigmoid) on the same grid, for the loss */
    const real *log_one_minus_table;   /* log(1 - sigmoid) on the same grid */
    const real *hs_pairs;         /* see w2v_fill_hs_pairs */
    const uint8_t *codes;         /* V x W2V_MAX_CODE_LENGTH */
    const int32_t *points;        /* V x W2V_MAX_CODE_LENGTH */
    const int32_t *code_lengths;  /* V */
    const uint64_t *noise_thresholds;  /* alias-method sampler of unigram^0.75: */
    const int32_t *noise_aliases;      /* see w2v_build_alias */
    const real *keep_thresholds;  /* subsampling: word2vec.c's `ran` per word, or NULL */
    int64_t vocab_size;
    /* floats from one row of each matrix to the next (>= dim) */
    int64_t input_stride, hs_stride, ns_stride, softmax_stride;
    int dim, window, negative, hs, softmax, cbow, cbow_mean;
    int batch;                    /* --batch: positions sharing one draw of negatives (0: off) */
    int ns_skip_saturated;        /* gensim's rule: no NS update when |f| >= 6 */
    /* With several threads, the top of the Huffman tree (the nodes every path starts
     * with) is written by every update of every thread, and its rows' cache lines travel
     * between the cores all the time. hot_slot[node] >= 0 marks those nodes: each thread
     * then updates a copy of their rows and adds its changes to the shared rows (and
     * takes the other threads') at the first sentence start after W2V_HOT_SYNC_WORDS
     * words. NULL: off (one thread: word2vec.c's updates exactly). */
    const int32_t *hot_slot;      /* V, or NULL */
    int hot_count;
    int hot_levels;               /* each path's top rows in the copies; 0: none */
    int cbow_gradient_mean;       /* CBOW: divide the context gradient by the count */
    int sample_high_bits;         /* subsampling draws bits 16-31, not word2vec.c's 0-15 */
    double starting_alpha, min_alpha;
    int schedule;                 /* W2V_SCHEDULE_*: how alpha falls to min_alpha */
    int64_t total_words;          /* iter * train_words + 1, the decay horizon */
    double pass_decay;            /* share of a pass's fall taken within it (1: all) */
    int64_t pass_words;           /* words per pass, to tell passes apart */
    int64_t *words_done;          /* shared progress counter (atomic) */
    w2v_train_fn train;           /* the loop compiled for this CPU: see w2v_kernel */
} w2v_model;

/* One per thread: its random generator, scratch vectors and running loss. */
typedef struct w2v_thread {
    uint64_t next_random;
    real alpha;
    int64_t words_pending;        /* read but not yet added to *words_done */
    int keep_open;                /* set by the caller: a sentence this batch does not end
                                   * waits for the next batch (0: trained as it is) */
    int open, open_len;           /* a sentence the last batch left open: its kept words
                                   * are sentence[0, open_len), not trained yet */
    double loss;                  /* float64: a float32 total saturates on real corpora */
    int64_t loss_examples;
    real *hidden;                 /* neu1: the CBOW input average, dim */
    real *hidden_error;           /* neu1e: the input gradient, dim */
    real *scores;                 /* vocab_size, for the exact softmax only */
    int32_t sentence[W2V_MAX_SENTENCE + 1];
    int32_t *negatives;           /* negative + 1 targets drawn ahead, to prefetch their rows */
    /* batched mode's scratch: a position's context rows and output rows, its gradients
     * (contexts x outputs) and its input errors (contexts x dim) */
    real **batch_in;
    real **batch_out;
    real *batch_grad;
    real *batch_err;              /* also the slices of the distinct-rows update */
    int32_t *batch_slots;         /* word ids and slots of a block of positions' rows */
    real *hot_local;              /* hot_count rows: this thread's copy of the hot rows */
    real *hot_base;               /* hot_count rows: the shared rows as last synchronised */
    int64_t hot_stride;           /* floats from one row of these copies to the next */
    int64_t hot_pending;          /* words read since the copies were last synchronised */
    const int32_t *hot_nodes;     /* hot_count: the node of each slot */
} w2v_thread;

void w2v_fill_tables(real *sigmoid, real *log_sigmoid, real *log_one_minus);

/* For a node with code c (0 or 1) and table index i, the pair {sigmoid[i], the node's loss
 * term}: log_sigmoid[i] if c is 0 (label 1), log_one_minus[i] if c is 1; pair (c, i) at
 * pairs[2 * (c * (W2V_EXP_TABLE_SIZE + 1) + i)]. The AVX-512 kernel fetches both values
 * of sixteen nodes with two 64-bit gathers instead of three 32-bit ones (gathers are slow
 * on AMD's Zen 4). 4 * (W2V_EXP_TABLE_SIZE + 1) floats. */
void w2v_fill_hs_pairs(real *pairs, const real *sigmoid, const real *log_sigmoid,
                       const real *log_one_minus);

/* word2vec.c's initial input vectors: uniform in [-0.5, 0.5) / dim from its generator
 * started at `seed` (word2vec.c uses 1, our default too, so both start identical); rows
 * `stride` floats apart. */
void w2v_init_input_vectors(real *vectors, int64_t vocab_size, int dim, int64_t stride,
                            uint64_t seed);

/* Walker's alias tables for drawing word i with probability weights[i] / sum: pick a
 * column uniformly, keep it if a uniform 48-bit fraction is below thresholds[column],
 * else take aliases[column]. Same distribution as word2vec.c's 10^8-entry unigram table
 * (exact, where the table rounds to 1e-8), in 12 bytes per word instead of 400 MB, and
 * small enough to stay in cache: the table lookup was the skip-gram kernel's top miss. */
void w2v_build_alias(const double *weights, int64_t n, uint64_t *thresholds, int32_t *aliases);

/* One draw of the negative sampler from the generator value r. */
int32_t w2v_draw_noise_word(const w2v_model *m, uint64_t r);

/* Current learning rate for a given global word count (word2vec.c's linear decay). */
real w2v_alpha_at(const w2v_model *m, int64_t words_done);

/* Train on `count` word ids (0 = end of sentence), as word2vec.c's thread loop does on
 * the words it reads: counts, subsamples, cuts sentences at </s> or 1000 kept words,
 * and updates alpha every 10k words (keeping the remainder pending for the next batch:
 * call w2v_flush_words when the thread is done). A sentence the ids do not end waits
 * for the next call if t->keep_open, else is trained as it is. Returns `count`. */
int64_t w2v_train_ids(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count);

/* The training loop compiled for an instruction set: "generic" (any CPU of the
 * architecture), "avx2" (AVX2 + FMA) or "avx512" (AVX-512 F/VL/BW/DQ); NULL when this
 * CPU (or this build) cannot run it. The copies make the same updates in the same order;
 * only the rounding of fused multiply-adds can differ. */
w2v_train_fn w2v_kernel(const char *name);

/* The fastest kernel this CPU runs. */
const char *w2v_best_kernel(void);

/* The shared word counter, read atomically (for progress from another thread). */
int64_t w2v_words_done(const w2v_model *m);

/* Add the thread's pending word count to the shared counter (and synchronise its copy
 * of the hot tree rows, if any). */
void w2v_flush_words(const w2v_model *m, w2v_thread *t);

/* The end of the thread's pass, as word2vec.c ends one: its pending words join the shared
 * counter, but alpha stays until the next pass has read 10,000 words. */
void w2v_end_pass(const w2v_model *m, w2v_thread *t);

/* Add the changes of the thread's hot rows to the shared rows, and take theirs. */
void w2v_sync_hot_rows(const w2v_model *m, w2v_thread *t);

#endif
