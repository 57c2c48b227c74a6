/* The training loop: word2vec.c's updates for skip-gram / CBOW with hierarchical softmax,
 * negative sampling or a full softmax, exactly as word2vec.c's TrainModelThread makes them.
 *
 * Not compiled on its own: train_loop_generic.c, train_loop_avx2.c and train_loop_avx512.c
 * each include it under their instruction set, naming its entry point LOOP_ENTRY, and
 * train_kernels.c picks one at run time from the CPU's features (see w2v_kernel). */
#include <math.h>
#include <string.h>

#include "train_common.h"

#ifndef LOOP_ENTRY
#error "define LOOP_ENTRY before including train_loop.c"
#endif

/* Vector helpers. The dot product keeps eight-float partial sums in GCC/Clang vector
 * types: a plain float sum is a serial dependency chain the compiler may not reorder
 * without -ffast-math (word2vec.c is built with -Ofast for that reason). */
typedef float float8 __attribute__((vector_size(32)));
typedef float float8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));

static inline float8 load8(const real *p) {
    return *(const float8_unaligned *)p;
}

static inline real dot(const real *a, const real *b, int n) {
    float8 acc0 = {0}, acc1 = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 += load8(a + i) * load8(b + i);
        acc1 += load8(a + i + 8) * load8(b + i + 8);
    }
    for (; i + 8 <= n; i += 8) acc0 += load8(a + i) * load8(b + i);
    acc0 += acc1;
    real s = ((acc0[0] + acc0[1]) + (acc0[2] + acc0[3])) + ((acc0[4] + acc0[5]) + (acc0[6] + acc0[7]));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline void axpy(real g, const real *restrict x, real *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] += g * x[i];
}

/* One logistic unit shared by hs and ns: updates `error` (the input's gradient) and
 * the output row, adds the unit's loss. Returns nothing; the caller picks the clipping. */
static inline void logistic_update(const real *in, real *out_row, real *error, real g, int dim) {
    axpy(g, out_row, error, dim);
    axpy(g, in, out_row, dim);
}

/* -log p(label | f): table lookup inside the clip range, the asymptote outside it. */
static inline double unit_loss(const w2v_model *m, real f, int label) {
    if (f > W2V_MAX_EXP) return label ? 0.0 : f;
    if (f < -W2V_MAX_EXP) return label ? -f : 0.0;
    if (f != f) return f;  /* NaN: the loss turns NaN, and the driver stops the run */
    int i = sigmoid_index(f);
    return label ? -m->log_sigmoid_table[i] : -m->log_one_minus_table[i];
}

/* Hierarchical softmax: predict `word` through its Huffman path from input `in`. */
static void hs_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    const uint8_t *code = m->codes + (int64_t)word * W2V_MAX_CODE_LENGTH;
    const int32_t *point = m->points + (int64_t)word * W2V_MAX_CODE_LENGTH;
    const int len = m->code_lengths[word];
    for (int d = 0; d < len; d++) {
        real *row = m->hs_vectors + (int64_t)point[d] * dim;
        real f = dot(in, row, dim);
        int label = 1 - code[d];
        t->loss += unit_loss(m, f, label);
        /* word2vec.c skips the update outside [-6, 6] for hs (but not for ns); written
         * so that NaN is skipped too and never reaches the table index */
        if (!(f > -W2V_MAX_EXP && f < W2V_MAX_EXP)) continue;
        real g = (label - m->sigmoid_table[sigmoid_index(f)]) * t->alpha;
        logistic_update(in, row, t->hidden_error, g, dim);
    }
}

/* Negative sampling: `word` as positive, `negative` noise words as negatives. */
static void ns_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    int n = 0;
    /* Draw all targets first (same generator sequence as word2vec.c, which draws them one
     * by one) so their rows can be prefetched while earlier ones are computed. */
    t->negatives[n++] = word;
    for (int d = 0; d < m->negative; d++) {
        uint64_t r = next_rand(&t->next_random);
        int32_t target = draw_noise_word(m, r);
        /* word2vec.c: </s> drawn from the table is replaced by a uniform word id */
        if (target == 0) target = (int32_t)(r % (uint64_t)(m->vocab_size - 1) + 1);
        if (target == word) continue;  /* word2vec.c: a negative equal to the target is skipped */
        t->negatives[n++] = target;
        __builtin_prefetch(m->ns_vectors + (int64_t)target * dim);
    }
    for (int d = 0; d < n; d++) {
        real *row = m->ns_vectors + (int64_t)t->negatives[d] * dim;
        int label = d == 0;
        real f = dot(in, row, dim);
        real g;
        if (f > W2V_MAX_EXP) g = (label - 1) * t->alpha;
        else if (f < -W2V_MAX_EXP) g = (label - 0) * t->alpha;
        else if (f == f) g = (label - m->sigmoid_table[sigmoid_index(f)]) * t->alpha;
        else g = 0;  /* NaN: no table lookup; the loss turns NaN and the run stops */
        t->loss += unit_loss(m, f, label);
        logistic_update(in, row, t->hidden_error, g, dim);
    }
}

/* The exact softmax over the whole vocabulary (textbook objective; O(V * dim)). */
static void softmax_step(const w2v_model *m, w2v_thread *t, const real *in, int32_t word) {
    const int dim = m->dim;
    const int64_t V = m->vocab_size;
    real *scores = t->scores;
    real top = -INFINITY;
    for (int64_t j = 0; j < V; j++) {
        scores[j] = dot(in, m->softmax_vectors + j * dim, dim);
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
        logistic_update(in, m->softmax_vectors + j * dim, t->hidden_error, g, dim);
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

static void train_sentence_sg(const w2v_model *m, w2v_thread *t, int len) {
    const int dim = m->dim;
    const int32_t *sen = t->sentence;
    for (int pos = 0; pos < len; pos++) {
        int32_t word = sen[pos];
        /* dynamic window: word2vec.c shrinks it by b, uniform in 0..window-1 */
        int b = (int)(next_rand(&t->next_random) % (uint64_t)m->window);
        int lo, hi;
        window_span(m->window, b, pos, len, &lo, &hi);
        for (int a = lo; a < hi; a++) {
            if (a == m->window) continue;
            int c = pos - m->window + a;
            /* skip-gram in word2vec.c: the context word's vector predicts the centre word */
            real *in = m->input_vectors + (int64_t)sen[c] * dim;
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
        int32_t word = sen[pos];
        int b = (int)(next_rand(&t->next_random) % (uint64_t)m->window);
        int lo, hi, used = 0;
        window_span(m->window, b, pos, len, &lo, &hi);
        memset(hidden, 0, dim * sizeof(real));
        memset(t->hidden_error, 0, dim * sizeof(real));
        for (int a = lo; a < hi; a++) {
            int c = pos - m->window + a;
            if (a == m->window) continue;
            axpy(1, m->input_vectors + (int64_t)sen[c] * dim, hidden, dim);
            used++;
        }
        if (!used) continue;
        if (m->cbow_mean) {
            for (int i = 0; i < dim; i++) hidden[i] /= used;
        }
        output_steps(m, t, hidden, word);
        /* word2vec.c adds the whole gradient to every context word (not divided by used) */
        for (int a = lo; a < hi; a++) {
            int c = pos - m->window + a;
            if (a == m->window) continue;
            axpy(1, t->hidden_error, m->input_vectors + (int64_t)sen[c] * dim, dim);
        }
    }
}

int64_t LOOP_ENTRY(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) {
    int64_t i = 0;
    while (i < count) {
        if (t->words_pending > W2V_WORDS_PER_ALPHA_UPDATE) w2v_flush_words(m, t);
        int len = 0;
        while (i < count) {
            int32_t word = ids[i++];
            t->words_pending++;      /* counted before subsampling, </s> included */
            if (word == 0) break;    /* </s> ends the sentence and is never trained */
            if (m->keep_thresholds) {
                real ran = m->keep_thresholds[word];
                uint64_t r = next_rand(&t->next_random);
                if (ran < (r & 0xFFFF) / (real)65536) continue;
            }
            t->sentence[len++] = word;
            if (len >= W2V_MAX_SENTENCE) break;
        }
        if (m->cbow) train_sentence_cbow(m, t, len);
        else train_sentence_sg(m, t, len);
    }
    /* no flush here: alpha changes every 10k words wherever batches end, so one thread
     * gives the same vectors however the corpus was cut into batches (and files) */
    return count;
}
