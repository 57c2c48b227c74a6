/* See train_kernels.h. Every formula here is word2vec.c's unless a comment says otherwise. */
#include "train_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* word2vec.c indexes its table with (int)((f + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2)),
 * an integer division: 1000 / 6 / 2 = 83 slots per unit. Kept as is, to match its numbers. */
#define SIGMOID_SCALE (W2V_EXP_TABLE_SIZE / W2V_MAX_EXP / 2)

static inline uint64_t next_rand(uint64_t *state) {
    /* word2vec.c's linear congruential generator */
    *state = *state * (uint64_t)25214903917ULL + 11;
    return *state;
}

static inline int sigmoid_index(real f) {
    return (int)((f + W2V_MAX_EXP) * SIGMOID_SCALE);
}

void w2v_fill_tables(real *sigmoid, real *log_sigmoid, real *log_one_minus) {
    for (int i = 0; i <= W2V_EXP_TABLE_SIZE; i++) {
        real e = (real)exp((i / (real)W2V_EXP_TABLE_SIZE * 2 - 1) * W2V_MAX_EXP);
        sigmoid[i] = e / (e + 1);
        log_sigmoid[i] = (real)log(sigmoid[i]);
        log_one_minus[i] = (real)log(1.0 - (double)sigmoid[i]);
    }
}

void w2v_init_input_vectors(real *vectors, int64_t vocab_size, int dim, uint64_t seed) {
    uint64_t state = seed;
    for (int64_t i = 0; i < vocab_size * dim; i++) {
        uint64_t r = next_rand(&state);
        vectors[i] = (real)((((r & 0xFFFF) / (real)65536) - 0.5) / dim);  /* in double, as word2vec.c */
    }
}

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

#define ALIAS_BITS 48
#define ALIAS_ONE ((uint64_t)1 << ALIAS_BITS)

static inline int32_t draw_noise_word(const w2v_model *m, uint64_t r) {
    /* the generator's top 48 bits, as word2vec.c's (r >> 16), split by one multiplication
     * into a uniform column and a uniform fraction */
    unsigned __int128 x = (unsigned __int128)(r >> 16) * (uint64_t)m->vocab_size;
    int64_t column = (int64_t)(x >> ALIAS_BITS);
    uint64_t fraction = (uint64_t)x & (ALIAS_ONE - 1);
    return fraction < m->noise_thresholds[column] ? (int32_t)column : m->noise_aliases[column];
}

int32_t w2v_draw_noise_word(const w2v_model *m, uint64_t r) {
    return draw_noise_word(m, r);
}

void w2v_build_alias(const double *weights, int64_t n, uint64_t *thresholds, int32_t *aliases) {
    /* Vose's method: columns below the mean are topped up by one column above it. */
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += weights[i];
    double *scaled = (double *)malloc(n * sizeof(double));
    int64_t *small = (int64_t *)malloc(n * sizeof(int64_t));
    int64_t *large = (int64_t *)malloc(n * sizeof(int64_t));
    int64_t n_small = 0, n_large = 0;
    for (int64_t i = 0; i < n; i++) {
        scaled[i] = total > 0 ? weights[i] * n / total : 1.0;
        aliases[i] = (int32_t)i;
        if (scaled[i] < 1.0) small[n_small++] = i; else large[n_large++] = i;
    }
    while (n_small && n_large) {
        int64_t s = small[--n_small], l = large[n_large - 1];
        thresholds[s] = (uint64_t)(scaled[s] * (double)ALIAS_ONE);
        aliases[s] = (int32_t)l;
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) { n_large--; small[n_small++] = l; }
    }
    /* what is left is 1.0 up to rounding: always keep the column itself */
    while (n_large) thresholds[large[--n_large]] = ALIAS_ONE;
    while (n_small) thresholds[small[--n_small]] = ALIAS_ONE;
    free(scaled); free(small); free(large);
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

real w2v_alpha_at(const w2v_model *m, int64_t words_done) {
    double progress = words_done / (double)m->total_words;
    double a = m->schedule == W2V_SCHEDULE_LINEAR
        ? m->starting_alpha - (m->starting_alpha - m->min_alpha) * progress
        : m->starting_alpha * (1 - progress);
    return (real)(a < m->min_alpha ? m->min_alpha : a);
}

int64_t w2v_words_done(const w2v_model *m) {
    return __atomic_load_n(m->words_done, __ATOMIC_RELAXED);
}

void w2v_flush_words(const w2v_model *m, w2v_thread *t) {
    int64_t done = __atomic_add_fetch(m->words_done, t->words_pending, __ATOMIC_RELAXED);
    t->words_pending = 0;
    t->alpha = w2v_alpha_at(m, done);
}

int64_t w2v_train_ids(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) {
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
