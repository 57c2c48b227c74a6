/* See train_kernels.h. Every formula here is word2vec.c's unless a comment says otherwise.
 * The training loop itself is in train_loop.c, compiled once per instruction set. */
#include "train_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_common.h"

void w2v_fill_tables(real *sigmoid, real *log_sigmoid, real *log_one_minus) {
    for (int i = 0; i <= W2V_EXP_TABLE_SIZE; i++) {
        real e = (real)exp((i / (real)W2V_EXP_TABLE_SIZE * 2 - 1) * W2V_MAX_EXP);
        sigmoid[i] = e / (e + 1);
        log_sigmoid[i] = (real)log(sigmoid[i]);
        log_one_minus[i] = (real)log(1.0 - (double)sigmoid[i]);
    }
}

void w2v_init_input_vectors(real *vectors, int64_t vocab_size, int dim, int64_t stride,
                            uint64_t seed) {
    uint64_t state = seed;
    for (int64_t i = 0; i < vocab_size; i++)
        for (int c = 0; c < dim; c++) {
            uint64_t r = next_rand(&state);
            /* in double, as word2vec.c */
            vectors[i * stride + c] = (real)((((r & 0xFFFF) / (real)65536) - 0.5) / dim);
        }
}

void w2v_fill_hs_pairs(real *pairs, const real *sigmoid, const real *log_sigmoid,
                       const real *log_one_minus) {
    for (int code = 0; code < 2; code++)
        for (int i = 0; i <= W2V_EXP_TABLE_SIZE; i++) {
            real *pair = pairs + 2 * (code * (W2V_EXP_TABLE_SIZE + 1) + i);
            pair[0] = sigmoid[i];
            pair[1] = code ? log_one_minus[i] : log_sigmoid[i];
        }
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

real w2v_alpha_at(const w2v_model *m, int64_t words_done) {
    double done = (double)words_done;
    if (m->pass_decay < 1 && m->pass_words > 0) {
        /* --pass-decay: within a pass the rate takes only this share of the pass's fall;
         * the rest drops at the pass's end. gensim's corpus_file mode does this by
         * accident with 1/N for N workers, each measuring progress by its own words. */
        int64_t pass = words_done / m->pass_words;
        done = (double)pass * m->pass_words
             + m->pass_decay * (double)(words_done - pass * m->pass_words);
    }
    double progress = done / (double)m->total_words;
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
    w2v_sync_hot_rows(m, t);
}

void w2v_end_pass(const w2v_model *m, w2v_thread *t) {
    __atomic_add_fetch(m->words_done, t->words_pending, __ATOMIC_RELAXED);
    t->words_pending = 0;
}

void w2v_sync_hot_rows(const w2v_model *m, w2v_thread *t) {
    t->hot_pending = 0;
    if (!m->hot_slot || !t->hot_local) return;
    const int dim = m->dim;
    for (int s = 0; s < m->hot_count; s++) {
        real *shared = m->hs_vectors + (int64_t)t->hot_nodes[s] * m->hs_stride;
        real *local = t->hot_local + s * t->hot_stride, *base = t->hot_base + s * t->hot_stride;
        for (int i = 0; i < dim; i++) {
            real now = shared[i] + (local[i] - base[i]);  /* Hogwild, as every update */
            shared[i] = now;
            local[i] = base[i] = now;
        }
    }
}

/* ---------------------------------------------------------------- kernel dispatch */

int64_t w2v_train_ids_generic(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count);
#if defined(__x86_64__) && defined(__GNUC__)
#define W2V_X86_KERNELS 1
int64_t w2v_train_ids_avx2(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count);
int64_t w2v_train_ids_avx512(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count);
#endif

static int cpu_has(const char *name) {
#ifdef W2V_X86_KERNELS
    __builtin_cpu_init();
    if (!strcmp(name, "avx2"))
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(name, "avx512"))
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("fma");
#endif
    return !strcmp(name, "generic");
}

w2v_train_fn w2v_kernel(const char *name) {
    if (!cpu_has(name)) return NULL;
    if (!strcmp(name, "generic")) return w2v_train_ids_generic;
#ifdef W2V_X86_KERNELS
    if (!strcmp(name, "avx2")) return w2v_train_ids_avx2;
    if (!strcmp(name, "avx512")) return w2v_train_ids_avx512;
#endif
    return NULL;
}

const char *w2v_best_kernel(void) {
    static const char *const by_preference[] = {"avx512", "avx2", "generic"};
    for (int i = 0; i < 3; i++)
        if (w2v_kernel(by_preference[i])) return by_preference[i];
    return "generic";
}

int64_t w2v_train_ids(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) {
    return m->train(m, t, ids, count);
}
