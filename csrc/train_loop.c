/* The training loop: word2vec.c's updates for skip-gram / CBOW with hierarchical softmax,
 * negative sampling or a full softmax, exactly as word2vec.c's TrainModelThread makes them.
 *
 * Its vector arithmetic is in train_vectors.h, the batched mode (--batch) in
 * train_batch.h; this file has the default mode and the entry point that reads sentences.
 *
 * Not compiled on its own: train_loop_generic.c, train_loop_avx2.c and train_loop_avx512.c
 * each include it under their instruction set, naming its entry point LOOP_ENTRY, and
 * train_kernels.c picks one at run time from the CPU's features (see w2v_kernel). */
#include <math.h>
#include <string.h>
#if W2V_VEC == 16 && defined(__x86_64__)
#include <immintrin.h>  /* the AVX-512 copy gathers table values (hs_gradients) */
#endif

#include "train_common.h"

/* Row i of each shared matrix. A matrix's rows are its stride apart, dim floats of them
 * used: the driver pads rows to whole cache lines, so that no vector load of a row
 * straddles two of them (a model read from a file may have unpadded rows). */
static inline real *input_row(const w2v_model *m, int64_t i) {
    return m->input_vectors + i * m->input_stride;
}
static inline real *hs_row(const w2v_model *m, int64_t i) {
    return m->hs_vectors + i * m->hs_stride;
}
static inline real *ns_row(const w2v_model *m, int64_t i) {
    return m->ns_vectors + i * m->ns_stride;
}
static inline real *softmax_row(const w2v_model *m, int64_t i) {
    return m->softmax_vectors + i * m->softmax_stride;
}

/* A word's Huffman path (its inner nodes, from the root) and code, in the tree's tables. */
static inline const int32_t *path_of(const w2v_model *m, int32_t word) {
    return m->points + (int64_t)word * W2V_MAX_CODE_LENGTH;
}
static inline const uint8_t *code_of(const w2v_model *m, int32_t word) {
    return m->codes + (int64_t)word * W2V_MAX_CODE_LENGTH;
}

/* Negative samples per prediction handled with every dot product taken first; more
 * than this (never sensible) go one by one, as word2vec.c does. */
#define W2V_MAX_NEGATIVE 63

#ifndef LOOP_ENTRY
#error "define LOOP_ENTRY before including train_loop.c"
#endif

#include "train_vectors.h"

/* -log p(label | f) outside the table's range [-6, 6]: the asymptote (NaN stays NaN, so
 * that the loss turns NaN and the driver stops the run). */
static inline double loss_outside(real f, int label) {
    if (f > 0) return label ? 0.0 : f;
    if (f < 0) return label ? -f : 0.0;
    return f;
}

/* Hierarchical softmax's gradients (times alpha) for n nodes of a path, from their
 * scores f (g may be f itself), and their loss: word2vec.c's table lookups, no update
 * outside (-6, 6) (g = 0 there; NaN too). With 16-float vectors, sixteen nodes at once:
 * each node's sigmoid and loss term are gathered as one 64-bit pair (m->hs_pairs), and
 * the same float operations give the same gradients; the loss terms are the same,
 * summed in another order. */
static inline double hs_gradients(const w2v_model *m, const real *f, const uint8_t *code,
                                  int n, real alpha, real *g) {
    double loss = 0;
    int d = 0;
#if W2V_VEC == 16 && defined(__x86_64__)
    const __m512 low = _mm512_set1_ps(-W2V_MAX_EXP), high = _mm512_set1_ps(W2V_MAX_EXP);
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1);
    /* lanes 0, 2, 4, ... (the sigmoids) and 1, 3, 5, ... (the loss terms) of two vectors */
    const __m512i firsts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                             26, 28, 30);
    const __m512i seconds = _mm512_add_epi32(firsts, _mm512_set1_epi32(1));
    __m512d sum = _mm512_setzero_pd();
    for (; d < n; d += 16) {
        const __mmask16 lanes = n - d >= 16 ? 0xFFFF : (__mmask16)((1u << (n - d)) - 1);
        const __m512 x = _mm512_maskz_loadu_ps(lanes, f + d);
        const __m512i codes = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(lanes, code + d));
        const __m512 label = _mm512_sub_ps(one, _mm512_cvtepi32_ps(codes));  /* 1 - code */
        const __mmask16 inside = _mm512_cmp_ps_mask(x, low, _CMP_GT_OQ) &
                                 _mm512_cmp_ps_mask(x, high, _CMP_LT_OQ) & lanes;
        const __m512i i = _mm512_maskz_cvttps_epi32(  /* sigmoid_index (0 outside) */
            inside, _mm512_mul_ps(_mm512_add_ps(x, high), _mm512_set1_ps(SIGMOID_SCALE)));
        const __m512i pair = _mm512_add_epi32(  /* the pair's index: code's half, then i */
            i, _mm512_mullo_epi32(codes, _mm512_set1_epi32(W2V_EXP_TABLE_SIZE + 1)));
        const double *pairs = (const double *)m->hs_pairs;
        const __m512 low_pairs = _mm512_castpd_ps(
            _mm512_i32gather_pd(_mm512_castsi512_si256(pair), pairs, 8));
        const __m512 high_pairs = _mm512_castpd_ps(
            _mm512_i32gather_pd(_mm512_extracti64x4_epi64(pair, 1), pairs, 8));
        const __m512 sigmoid = _mm512_permutex2var_ps(low_pairs, firsts, high_pairs);
        _mm512_mask_storeu_ps(g + d, lanes, _mm512_maskz_mul_ps(
            inside, _mm512_sub_ps(label, sigmoid), _mm512_set1_ps(alpha)));
        const __mmask16 positive = _mm512_cmp_ps_mask(label, zero, _CMP_NEQ_OQ);
        const __m512 log = _mm512_permutex2var_ps(low_pairs, seconds, high_pairs);
        /* outside: loss_outside, max(0, f or -f by the label), NaN kept */
        const __m512 signed_f = _mm512_mask_sub_ps(x, positive, zero, x);
        const __m512 term = _mm512_mask_sub_ps(_mm512_maskz_max_ps(lanes, zero, signed_f),
                                               inside, zero, log);
        sum = _mm512_add_pd(sum, _mm512_cvtps_pd(_mm512_castps512_ps256(term)));
        sum = _mm512_add_pd(sum, _mm512_cvtps_pd(
            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(term), 1))));
    }
    loss = _mm512_reduce_add_pd(sum);
#endif
    for (; d < n; d++) {
        int label = 1 - code[d];
        if (!(f[d] > -W2V_MAX_EXP && f[d] < W2V_MAX_EXP)) {
            loss += loss_outside(f[d], label);
            g[d] = 0;
            continue;
        }
        int i = sigmoid_index(f[d]);
        loss -= label ? m->log_sigmoid_table[i] : m->log_one_minus_table[i];
        g[d] = (label - m->sigmoid_table[i]) * alpha;
    }
    return loss;
}

/* A row fetched into cache ahead of its use. The empty asm marks each address as used:
 * GCC 12 otherwise deletes whole loops of prefetches as code without effect (a Huffman
 * path's prefetches were compiled to nothing). */
static inline void prefetch_row_into(const real *row, int dim, int into_l1) {
    const char *p = (const char *)row, *end = (const char *)(row + dim);
    for (; p < end; p += 64) {
        if (into_l1)  /* a constant where inlined: the hint must be one */
            __builtin_prefetch(p, 0, 3);  /* prefetcht0: into L1 */
        else
            __builtin_prefetch(p, 0, 2);  /* prefetcht1: into L2 only */
        __asm__ volatile("" : : "r"(p));
    }
}

static inline void prefetch_row(const real *row, int dim) { prefetch_row_into(row, dim, 1); }

/* The row of tree node `node` this thread trains: its own copy of a hot row (several
 * threads, see hot_slot), else the shared row. */
static inline real *tree_row(const w2v_model *m, const w2v_thread *t, int32_t node) {
    const int slot = m->hot_slot ? m->hot_slot[node] : -1;
    return slot >= 0 && t->hot_local ? t->hot_local + slot * t->hot_stride : hs_row(m, node);
}

/* Hierarchical softmax: predict `word` through its Huffman path from input `in`.
 * word2vec.c walks the path node by node: dot, gradient, update. The nodes of a path are
 * distinct and `in` does not change along it, so every dot product can be taken first
 * (their rows are all in flight at once), then every update made in one pass: the same
 * numbers, in the same order, as the walk. */
#if defined(__GNUC__) && !defined(__clang__)
/* GCC cannot see that dots() reads only the `len` rows filled below, and warned that
 * `rows` may be used uninitialised at every build */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
static void hs_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    const uint8_t *code = code_of(m, word);
    const int32_t *point = path_of(m, word);
    const int len = m->code_lengths[word];
    const real alpha = t->alpha;
    real *rows[W2V_MAX_CODE_LENGTH], f[W2V_MAX_CODE_LENGTH], g[W2V_MAX_CODE_LENGTH];
    for (int d = 0; d < len; d++) {
        rows[d] = tree_row(m, t, point[d]);
    }
    dots(in, rows, len, dim, f);
    t->loss += hs_gradients(m, f, code, len, alpha, g);
    /* word2vec.c skips the update outside [-6, 6] for hs (but not for ns): those nodes
     * (NaN too) leave the list */
    int active = 0;
    for (int d = 0; d < len; d++) {
        if (!(f[d] > -W2V_MAX_EXP && f[d] < W2V_MAX_EXP)) continue;
        g[active] = g[d];
        rows[active++] = rows[d];
    }
    logistic_updates(in, rows, g, active, t->hidden_error, dim);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* The rows of a word's Huffman path, fetched ahead of their use. With several threads
 * the top hot_levels rows of every path are read from the thread's own copies (see
 * hot_slot), which stay in cache: only the deeper rows are fetched. They are fetched
 * into L2, not L1: a path is some ninety lines, more than L1 can have in flight, and
 * the AMD Zen 4 machine trained hierarchical softmax faster so (README, "Two inputs per
 * load of a row"). Negative sampling was slower with its prefetches into L2: its rows
 * and the input rows stay fetched into L1. */
static inline void prefetch_path(const w2v_model *m, int32_t word) {
    const int32_t *point = path_of(m, word);
    const int len = m->code_lengths[word];
    for (int d = m->hot_levels; d < len; d++)  /* 0 without copies */
        prefetch_row_into(hs_row(m, point[d]), m->dim, 0);
}

/* A word's entry in the tree (code length, path, code), fetched ahead of prefetch_path,
 * which reads it: those lines are as far from cache as the rows (the paths alone are
 * 160 bytes a word). */
static inline void prefetch_tree_entry(const w2v_model *m, int32_t word) {
    const int32_t *point = path_of(m, word);
    __builtin_prefetch(m->code_lengths + word);
    __builtin_prefetch(point);
    __builtin_prefetch(point + 16);
    __builtin_prefetch(code_of(m, word));
}

/* What position `next` needs and the one before it did not: its target's Huffman path
 * (and the tree entry of the target after it) or output row, and the input row entering
 * its window. */
static inline void prefetch_next_position(const w2v_model *m, const int32_t *sen, int next,
                                          int len) {
    if (m->hs) {
        prefetch_path(m, sen[next]);
        if (next + 1 < len) prefetch_tree_entry(m, sen[next + 1]);
    }
    if (m->negative > 0) prefetch_row(ns_row(m, sen[next]), m->dim);
    if (next + m->window < len)
        prefetch_row(input_row(m, sen[next + m->window]), m->dim);
}

/* word2vec.c's noise word from generator value r: </s> from the table is replaced by a
 * uniform word id. */
static inline int32_t noise_word(const w2v_model *m, uint64_t r) {
    int32_t target = draw_noise_word(m, r);
    return target == 0 ? (int32_t)(r % (uint64_t)(m->vocab_size - 1) + 1) : target;
}

/* word2vec.c's negative draw for the target `word`: -1 when equal to it (skipped). */
static inline int32_t negative_for(const w2v_model *m, uint64_t r, int32_t word) {
    int32_t target = noise_word(m, r);
    return target == word ? -1 : target;
}

/* Negative sampling: `word` as positive, `negative` noise words as negatives. */
static void ns_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    const real alpha = t->alpha;
    real *error = t->hidden_error;
    int n = 0;
    /* Draw all targets first (same generator sequence as word2vec.c, which draws them one
     * by one) so their rows can be prefetched while earlier ones are computed. */
    t->negatives[n++] = word;
    for (int d = 0; d < m->negative; d++) {
        int32_t target = negative_for(m, next_rand(&t->next_random), word);
        if (target < 0) continue;  /* word2vec.c: a negative equal to the target is skipped */
        t->negatives[n++] = target;
        prefetch_row(ns_row(m, target), dim);
    }
    /* The next call (the next context of this word, usually) draws the next `negative`
     * values of the generator: their rows are fetched now, while this call computes.
     * The generator is only peeked at, never advanced. */
    uint64_t ahead = t->next_random;
    for (int d = 0; d < m->negative; d++) {
        int32_t target = draw_noise_word(m, next_rand(&ahead));
        __builtin_prefetch(ns_row(m, target));  /* whole rows: slower */
    }
    /* As in hs_step: when the targets are distinct (a noise word drawn twice is rare),
     * every dot product can be taken before any update, with the same numbers. */
    real *rows[W2V_MAX_NEGATIVE + 1], f[W2V_MAX_NEGATIVE + 1], g[W2V_MAX_NEGATIVE + 1];
    int distinct = n <= W2V_MAX_NEGATIVE + 1;
    for (int d = 0; d < n && distinct; d++) {
        rows[d] = ns_row(m, t->negatives[d]);
        distinct &= rows[d] != in;  /* --tied: a target may be the input row itself */
        for (int e = 1; e < d; e++) distinct &= t->negatives[e] != t->negatives[d];
    }
    double loss = 0;
    if (distinct) dots(in, rows, n, dim, f);
    for (int d = 0; d < n; d++) {
        real *row = ns_row(m, t->negatives[d]);
        int label = d == 0;
        real fd = distinct ? f[d] : dot(in, row, dim);
        real gd;
        if (fd > W2V_MAX_EXP) {
            gd = m->ns_skip_saturated ? 0 : (label - 1) * alpha;
            loss += loss_outside(fd, label);
        } else if (fd < -W2V_MAX_EXP) {
            gd = m->ns_skip_saturated ? 0 : (label - 0) * alpha;
            loss += loss_outside(fd, label);
        } else if (fd == fd) {
            int i = sigmoid_index(fd);
            gd = (label - m->sigmoid_table[i]) * alpha;
            loss -= label ? m->log_sigmoid_table[i] : m->log_one_minus_table[i];
        } else {
            gd = 0;  /* NaN: no table lookup; the loss turns NaN and the run stops */
            loss += fd;
        }
        if (distinct) g[d] = gd;
        else logistic_update(in, row, error, gd, dim);
    }
    if (distinct) logistic_updates(in, rows, g, n, error, dim);
    t->loss += loss;
}

/* The exact softmax over the whole vocabulary (textbook objective; O(V * dim)). */
static void softmax_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    const int64_t V = m->vocab_size;
    real *scores = t->scores;
    real top = -INFINITY;
    for (int64_t j = 0; j < V; j++) {
        scores[j] = dot(in, softmax_row(m, j), dim);
        if (scores[j] > top) top = scores[j];
    }
    double total = 0;
    for (int64_t j = 0; j < V; j++) {
        scores[j] = (real)exp((double)(scores[j] - top));
        total += scores[j];
    }
    t->loss += -log(scores[word] / total);
    for (int64_t j = 0; j < V; j++) {
        real g = ((j == word) - (real)(scores[j] / total)) * t->alpha;
        logistic_update(in, softmax_row(m, j), t->hidden_error, g, dim);
    }
}

static inline void output_steps(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    if (m->hs) hs_step(m, t, in, word);
    if (m->negative > 0) ns_step(m, t, in, word);
    if (m->softmax) softmax_step(m, t, in, word);
    t->loss_examples++;
}

/* word2vec.c's window loop runs a from b to 2 * window - b and skips the positions
 * c = pos - window + a outside the sentence; this gives the a for which c is inside, so
 * that a huge --window costs no more than the sentence (same updates, same order). */
static inline void window_span(int window, int b, int pos, int len, int *lo, int *hi) {
    int64_t first = (int64_t)window - pos;               /* a giving c = 0 */
    int64_t past = (int64_t)window + len - pos;          /* a giving c = len */
    int64_t start = b > first ? b : first;
    int64_t stop = (int64_t)window * 2 + 1 - b;
    if (stop > past) stop = past;
    *lo = (int)start;
    *hi = (int)(stop > start ? stop : start);
}

/* word2vec.c checks its word count before every position for a new learning rate, but
 * the count grows only as a sentence is read: the sentence that passes 10,000 words
 * trains its first position at the old rate and the rest at the new one. Called before
 * each position (or block of positions) after the first, and before each sentence;
 * 1 if it flushed. */
static inline int update_alpha_if_due(const w2v_model *m, w2v_thread *t) {
    if (t->words_pending <= W2V_WORDS_PER_ALPHA_UPDATE)
        return 0;
    w2v_flush_words(m, t);  /* synchronises the hot rows too */
    return 1;
}

static void train_sentence_sg(const w2v_model *m, w2v_thread *t, int len) {
    const int dim = m->dim;
    const int32_t *sen = t->sentence;
    for (int pos = 0; pos < len; pos++) {
        if (pos == 1) update_alpha_if_due(m, t);
        int32_t word = sen[pos];
        /* what the next position needs and this one does not: its target's path, and
         * the input row entering its window */
        if (pos + 1 < len) prefetch_next_position(m, sen, pos + 1, len);
        /* dynamic window: word2vec.c shrinks it by b, uniform in 0..window-1 */
        int b = (int)(next_rand(&t->next_random) % (uint64_t)m->window);
        int lo, hi;
        window_span(m->window, b, pos, len, &lo, &hi);
        for (int a = lo; a < hi; a++) {
            if (a == m->window) continue;
            int c = pos - m->window + a;
            /* skip-gram in word2vec.c: the context word's vector predicts the centre word */
            real *in = input_row(m, sen[c]);
            memset(t->hidden_error, 0, dim * sizeof(real));
            output_steps(m, t, in, word);
            axpy(1, t->hidden_error, in, dim);
        }
    }
}

static void train_sentence_cbow(const w2v_model *m, w2v_thread *t, int len) {
    const int dim = m->dim;
    const int32_t *sen = t->sentence;
    real *hidden = t->hidden;
    for (int pos = 0; pos < len; pos++) {
        if (pos == 1) update_alpha_if_due(m, t);
        int32_t word = sen[pos];
        if (pos + 1 < len) prefetch_next_position(m, sen, pos + 1, len);
        int b = (int)(next_rand(&t->next_random) % (uint64_t)m->window);
        int lo, hi, used = 0;
        window_span(m->window, b, pos, len, &lo, &hi);
        memset(hidden, 0, dim * sizeof(real));
        memset(t->hidden_error, 0, dim * sizeof(real));
        for (int a = lo; a < hi; a++) {
            int c = pos - m->window + a;
            if (a == m->window) continue;
            axpy(1, input_row(m, sen[c]), hidden, dim);
            used++;
        }
        if (!used) continue;
        if (m->cbow_mean) {
            for (int i = 0; i < dim; i++) hidden[i] /= used;
        }
        output_steps(m, t, hidden, word);
        /* word2vec.c adds the whole gradient to every context word (not divided by used);
         * --cbow-gradient mean divides it, the true gradient of the mean (Irsoy et al.) */
        if (m->cbow_gradient_mean && m->cbow_mean) {
            for (int i = 0; i < dim; i++) t->hidden_error[i] /= used;
        }
        for (int a = lo; a < hi; a++) {
            int c = pos - m->window + a;
            if (a == m->window) continue;
            axpy(1, t->hidden_error, input_row(m, sen[c]), dim);
        }
    }
}

#include "train_batch.h"

int64_t LOOP_ENTRY(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) {
    int64_t i = 0;
    /* (a batch with no word still ends the sentence left open, unless told to keep it) */
    while (i < count || (t->open && !t->keep_open)) {
        int len = 0, ended = 0;
        if (t->open) {              /* the rest of the sentence the last batch left open */
            len = t->open_len;
            t->open = 0;
        } else if (!update_alpha_if_due(m, t)  /* after a sentence of one position or none */
                   && t->hot_local && t->hot_pending >= W2V_HOT_SYNC_WORDS) {
            w2v_sync_hot_rows(m, t);
        }
        while (i < count) {
            int32_t word = ids[i++];
            t->words_pending++;      /* counted before subsampling, </s> included */
            t->hot_pending++;
            if (word == 0) {         /* </s> ends the sentence and is never trained */
                ended = 1;
                break;
            }
            if (m->keep_thresholds) {
                real ran = m->keep_thresholds[word];
                uint64_t r = next_rand(&t->next_random);
                /* word2vec.c compares with the generator's lowest 16 bits, which repeat
                 * every 65,536 draws; --sample-bits high takes bits 16-31 (gensim draws
                 * 32 bits from the same place) */
                uint64_t bits = m->sample_high_bits ? (r >> 16) & 0xFFFF : r & 0xFFFF;
                if (ran < bits / (real)65536) continue;
            }
            t->sentence[len++] = word;
            if (len >= W2V_MAX_SENTENCE) {
                ended = 1;
                break;
            }
        }
        if (!ended && t->keep_open) {  /* the next batch holds the rest of this sentence */
            t->open = 1;
            t->open_len = len;
            break;
        }
        /* A sentence left with no word (a blank line, or every word subsampled away):
         * word2vec.c still goes through its position 0, which draws the window and finds
         * no context, so its generator moves on once. */
        if (!len && ended) next_rand(&t->next_random);
        if (m->cbow) train_sentence_cbow(m, t, len);
        else if (m->batch) train_sentence_sg_batch(m, t, len);
        else train_sentence_sg(m, t, len);
    }
    /* no flush here: alpha changes every 10k words wherever batches end, so one thread
     * gives the same vectors however the corpus was cut into batches (and files) */
    return count;
}
