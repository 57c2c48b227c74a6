/* The training loop: word2vec.c's updates for skip-gram / CBOW with hierarchical softmax,
 * negative sampling or a full softmax, exactly as word2vec.c's TrainModelThread makes them.
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

/* Vector helpers, in GCC/Clang vector types of W2V_VEC floats (8 unless the including file
 * says 16, for AVX-512, or 4, for the generic copy), with 4-float and scalar tails. The
 * dot product keeps partial sums in vectors: a plain float sum is a serial dependency
 * chain the compiler may not reorder without -ffast-math (word2vec.c is built with
 * -Ofast for that reason). */
#ifndef W2V_VEC
#define W2V_VEC 8
#endif
typedef float vecf __attribute__((vector_size(W2V_VEC * 4)));
typedef float vecf_unaligned __attribute__((vector_size(W2V_VEC * 4), aligned(4), may_alias));
typedef float vec4 __attribute__((vector_size(16)));
typedef float vec4_unaligned __attribute__((vector_size(16), aligned(4), may_alias));

static inline vecf loadv(const real *p) { return *(const vecf_unaligned *)p; }
static inline void storev(real *p, vecf v) { *(vecf_unaligned *)p = v; }
static inline vec4 load4(const real *p) { return *(const vec4_unaligned *)p; }
static inline void store4(real *p, vec4 v) { *(vec4_unaligned *)p = v; }

/* AVX-512 reads and writes the partial last slice of a row (dim not a multiple of 16:
 * 100 is six slices and four floats) with a lane mask, the missing lanes read as zeros
 * and left unwritten. The dot products and the batched update then take one more pass of
 * their vector loop instead of separate 4-wide and scalar tails (and, for the dot
 * products, a second fold of the tails' partial sums); see README, "Rows on cache
 * lines", for what it saves. */
#if W2V_VEC == 16 && defined(__x86_64__)
#define MASKED_TAIL 1
typedef __mmask16 lanes_t;
static inline lanes_t first_lanes(int count) { return (lanes_t)((1u << count) - 1); }
static inline vecf loadv_lanes(const real *p, lanes_t lanes) {
    return (vecf)_mm512_maskz_loadu_ps(lanes, p);
}
static inline void storev_lanes(real *p, vecf v, lanes_t lanes) {
    _mm512_mask_storeu_ps(p, lanes, (__m512)v);
}
#else
#define MASKED_TAIL 0
typedef int lanes_t;  /* unused: the tails are 4-wide and scalar */
static inline lanes_t first_lanes(int count) { return count; }
static inline vecf loadv_lanes(const real *p, lanes_t lanes) { (void)lanes; return loadv(p); }
static inline void storev_lanes(real *p, vecf v, lanes_t lanes) { (void)lanes; storev(p, v); }
#endif

static inline real sum4(vec4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

static inline real sumv(vecf v) {
    vec4 s = {v[0], v[1], v[2], v[3]};
    for (int k = 4; k < W2V_VEC; k += 4) s += (vec4){v[k], v[k + 1], v[k + 2], v[k + 3]};
    return sum4(s);
}

static inline real dot(const real *a, const real *b, int n) {
    vecf acc0 = {0}, acc1 = {0};
    int i = 0;
    for (; i + 2 * W2V_VEC <= n; i += 2 * W2V_VEC) {
        acc0 += loadv(a + i) * loadv(b + i);
        acc1 += loadv(a + i + W2V_VEC) * loadv(b + i + W2V_VEC);
    }
    if (i + W2V_VEC <= n) {
        acc0 += loadv(a + i) * loadv(b + i);
        i += W2V_VEC;
    }
    real s = sumv(acc0 + acc1);
    if (i + 4 <= n) {
        s += sum4(load4(a + i) * load4(b + i));
        i += 4;
    }
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* dot(in, rows[k]) for four rows at once: `in` is loaded once for the four, and the four
 * sums run side by side. Each is computed exactly as dot() computes it. */
static inline void dot4(const real *in, real *const rows[4], int n, real out[4]) {
    vecf acc0[4] = {{0}}, acc1[4] = {{0}};
    int i = 0;
    for (; i + 2 * W2V_VEC <= n; i += 2 * W2V_VEC) {
        vecf x0 = loadv(in + i), x1 = loadv(in + i + W2V_VEC);
        for (int k = 0; k < 4; k++) {
            acc0[k] += x0 * loadv(rows[k] + i);
            acc1[k] += x1 * loadv(rows[k] + i + W2V_VEC);
        }
    }
    if (i + W2V_VEC <= n) {
        vecf x0 = loadv(in + i);
        for (int k = 0; k < 4; k++) acc0[k] += x0 * loadv(rows[k] + i);
        i += W2V_VEC;
    }
    for (int k = 0; k < 4; k++) {
        real s = sumv(acc0[k] + acc1[k]);
        int j = i;
        if (j + 4 <= n) {
            s += sum4(load4(in + j) * load4(rows[k] + j));
            j += 4;
        }
        for (; j < n; j++) s += in[j] * rows[k][j];
        out[k] = s;
    }
}

/* Dot products eight at a time. A dot product of two 100-float rows is six vector
 * multiply-adds and then a horizontal sum of the partial-sum vector, which costs about as
 * much again. Eight partial-sum vectors fold instead into one vector of their eight sums:
 * each step adds two vectors' lanes pairwise, interleaved, so that three steps (and, for
 * 16 lanes, one half added to the other) leave lane j holding sum j. The sums are added
 * in another order than dot()'s, so they may differ from it in the last bit. */
typedef float vec8 __attribute__((vector_size(32)));

#if W2V_VEC == 16
#define FOLD1(a, b) (__builtin_shufflevector(a, b, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, \
                                             12, 28, 14, 30) +                                 \
                     __builtin_shufflevector(a, b, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, \
                                             13, 29, 15, 31))
#define FOLD2(a, b) (__builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, \
                                             12, 13, 28, 29) +                                 \
                     __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, \
                                             14, 15, 30, 31))
#define FOLD4(a, b) (__builtin_shufflevector(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, \
                                             24, 25, 26, 27) +                                 \
                     __builtin_shufflevector(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, \
                                             28, 29, 30, 31))
static inline vec8 halves_added(vecf v) {
    return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
           __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
}
#elif W2V_VEC == 8
#define FOLD1(a, b) (__builtin_shufflevector(a, b, 0, 8, 2, 10, 4, 12, 6, 14) + \
                     __builtin_shufflevector(a, b, 1, 9, 3, 11, 5, 13, 7, 15))
#define FOLD2(a, b) (__builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13) + \
                     __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15))
#define FOLD4(a, b) (__builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + \
                     __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15))
static inline vec8 halves_added(vecf v) { return v; }
#elif W2V_VEC != 4  /* 4-float vectors fold as the tails do: fold8_4 */
#error "W2V_VEC must be 4, 8 or 16"
#endif

/* lane j of the result: the sum of t[j]'s four lanes */
static inline vec8 fold8_4(const vec4 t[8]) {
#define FOLD1_4(a, b) (__builtin_shufflevector(a, b, 0, 4, 2, 6) + \
                       __builtin_shufflevector(a, b, 1, 5, 3, 7))
#define FOLD2_4(a, b) (__builtin_shufflevector(a, b, 0, 1, 4, 5) + \
                       __builtin_shufflevector(a, b, 2, 3, 6, 7))
    vec4 lo = FOLD2_4(FOLD1_4(t[0], t[1]), FOLD1_4(t[2], t[3]));
    vec4 hi = FOLD2_4(FOLD1_4(t[4], t[5]), FOLD1_4(t[6], t[7]));
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
}

/* lane j of the result: the sum of acc[j]'s lanes */
static inline vec8 fold8(const vecf acc[8]) {
#if W2V_VEC == 4
    return fold8_4(acc);
#else
    vecf a = FOLD1(acc[0], acc[1]), b = FOLD1(acc[2], acc[3]);
    vecf c = FOLD1(acc[4], acc[5]), d = FOLD1(acc[6], acc[7]);
    return halves_added(FOLD4(FOLD2(a, b), FOLD2(c, d)));
#endif
}

/* The sums of dot_rows_of's partial-sum vectors (folded) and of the elements past them:
 * out[j] = x . rows[j] for the first `width` rows, from element c on. */
static inline __attribute__((always_inline)) void finish_sums(
        const real *x, const vecf acc[8], const real *const rows[8], int width, int dim,
        int c, real out[8]) {
    vec8 sum = fold8(acc);
    if (c + 4 <= dim) {  /* the elements past the last whole vector, four at a time */
        vec4 tail[8] = {{0}};
        for (; c + 4 <= dim; c += 4) {
            vec4 xc = load4(x + c);
            for (int j = 0; j < width; j++) tail[j] += xc * load4(rows[j] + c);
        }
        sum += fold8_4(tail);
    }
    for (; c < dim; c++)  /* then one at a time */
        for (int j = 0; j < width; j++) sum[j] += x[c] * rows[j][c];
    for (int j = 0; j < width; j++) out[j] = sum[j];
}

/* out0[j] = x[0] . rows[j] (and out1[j] = x[1] . rows[j] if `inputs` is 2; 1 or 2, a
 * constant where inlined) for the first `width` (at most eight, a constant where inlined)
 * of eight rows, by the fold above: the other sums stay zero and change none of these.
 * Each sum is computed the same way whatever `inputs` is. Two inputs share each load of
 * a row: the AMD Zen 4 machine loads one 16-float vector per cycle, so with one input the
 * loads (nine per eight multiply-adds), not the multiply-adds, set the pace. */
static inline __attribute__((always_inline)) void dot_rows_of(
        const real *const *x, int inputs, const real *const rows[8], int width, int dim,
        real out0[8], real out1[8]) {
    vecf acc0[8] = {{0}}, acc1[8] = {{0}};
    const real *x0 = x[0], *x1 = inputs > 1 ? x[1] : x[0];
    int c = 0;
    for (; c + W2V_VEC <= dim; c += W2V_VEC) {
        const vecf xc0 = loadv(x0 + c), xc1 = inputs > 1 ? loadv(x1 + c) : xc0;
        for (int j = 0; j < width; j++) {
            vecf r = loadv(rows[j] + c);
            /* in a register: else the compiler loads it again for each input */
            if (inputs > 1) __asm__("" : "+v"(r));
            acc0[j] += xc0 * r;
            if (inputs > 1) acc1[j] += xc1 * r;
        }
    }
#if MASKED_TAIL
    if (c < dim) {
        const lanes_t lanes = first_lanes(dim - c);
        const vecf xc0 = loadv_lanes(x0 + c, lanes);
        const vecf xc1 = inputs > 1 ? loadv_lanes(x1 + c, lanes) : xc0;
        for (int j = 0; j < width; j++) {
            vecf r = loadv_lanes(rows[j] + c, lanes);
            if (inputs > 1) __asm__("" : "+v"(r));
            acc0[j] += xc0 * r;
            if (inputs > 1) acc1[j] += xc1 * r;
        }
        c = dim;
    }
#endif
    finish_sums(x0, acc0, rows, width, dim, c, out0);
    if (inputs > 1) finish_sums(x1, acc1, rows, width, dim, c, out1);
}

/* out[j] = x . rows[j] for the first `width` of eight rows */
static inline __attribute__((always_inline)) void dot_rows(
        const real *x, const real *const rows[8], int width, int dim, real out[8]) {
    dot_rows_of(&x, 1, rows, width, dim, out, out);
}

/* all eight (dots(): a short block repeats its last row) */
static inline void dot8(const real *x, const real *const rows[8], int dim, real out[8]) {
    dot_rows(x, rows, 8, dim, out);
}

/* out[k] = in . rows[k] for `count` rows: eight at a time while more than four are left
 * (a short block repeats the last row, its extra sums dropped), then four, then one. */
static inline void dots(const real *in, real *const *rows, int count, int n, real *out) {
    int k = 0;
    for (; k + 4 < count; k += 8) {
        const real *block[8];
        real sums[8];
        for (int j = 0; j < 8; j++) block[j] = rows[k + j < count ? k + j : count - 1];
        dot8(in, block, n, sums);
        for (int j = 0; j < 8 && k + j < count; j++) out[k + j] = sums[j];
    }
    if (k + 4 <= count) {
        dot4(in, rows + k, n, out + k);
        k += 4;
    }
    for (; k < count; k++) out[k] = dot(in, rows[k], n);
}

/* Several logistic units' updates from one input, in one pass: for each element, the
 * error gets g[k] times row k as it was, then row k gets g[k] times the input, for k in
 * order. The same operations in the same order as one unit after the other (the rows
 * must be distinct), with the error element kept in a register throughout. */
static inline void logistic_updates(const real *restrict in, real *const *rows,
                                    const real *g, int count, real *restrict error, int dim) {
    int i = 0;
    /* Three vectors at a time: each element's error is a chain of `count` multiply-adds,
     * and three independent chains keep the FMA units busy while each waits. */
    for (; i + 3 * W2V_VEC <= dim; i += 3 * W2V_VEC) {
        vecf e0 = loadv(error + i), e1 = loadv(error + i + W2V_VEC),
             e2 = loadv(error + i + 2 * W2V_VEC);
        vecf x0 = loadv(in + i), x1 = loadv(in + i + W2V_VEC), x2 = loadv(in + i + 2 * W2V_VEC);
        for (int k = 0; k < count; k++) {
            real *row = rows[k] + i;
            vecf r0 = loadv(row), r1 = loadv(row + W2V_VEC), r2 = loadv(row + 2 * W2V_VEC);
            e0 += g[k] * r0;
            e1 += g[k] * r1;
            e2 += g[k] * r2;
            storev(row, r0 + g[k] * x0);
            storev(row + W2V_VEC, r1 + g[k] * x1);
            storev(row + 2 * W2V_VEC, r2 + g[k] * x2);
        }
        storev(error + i, e0);
        storev(error + i + W2V_VEC, e1);
        storev(error + i + 2 * W2V_VEC, e2);
    }
    for (; i + W2V_VEC <= dim; i += W2V_VEC) {
        vecf e = loadv(error + i), x = loadv(in + i);
        for (int k = 0; k < count; k++) {
            vecf r = loadv(rows[k] + i);
            e += g[k] * r;
            storev(rows[k] + i, r + g[k] * x);
        }
        storev(error + i, e);
    }
    if (i + 4 <= dim) {
        vec4 e = load4(error + i), x = load4(in + i);
        for (int k = 0; k < count; k++) {
            vec4 r = load4(rows[k] + i);
            e += g[k] * r;
            store4(rows[k] + i, r + g[k] * x);
        }
        store4(error + i, e);
        i += 4;
    }
    for (; i < dim; i++) {
        real e = error[i];
        for (int k = 0; k < count; k++) {
            real r = rows[k][i];
            e += g[k] * r;
            rows[k][i] = r + g[k] * in[i];
        }
        error[i] = e;
    }
}

static inline void axpy(real g, const real *restrict x, real *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] += g * x[i];
}

/* One logistic unit's update, in one pass over the output row: the input's gradient
 * `error` gets g times the row as it was, then the row gets g times the input (word2vec.c's
 * two loops, fused: the same operations on every element, in the same order). */
static inline void logistic_update(const real *in, real *out_row, real *error, real g,
                                   int dim) {
    /* no `restrict`: with --tied, out_row may be the input row itself */
    for (int i = 0; i < dim; i++) {
        real r = out_row[i];
        error[i] += g * r;
        out_row[i] = r + g * in[i];
    }
}

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
 * each position (or block of positions) after the first. */
static inline void update_alpha_if_due(const w2v_model *m, w2v_thread *t) {
    if (t->words_pending > W2V_WORDS_PER_ALPHA_UPDATE)
        w2v_flush_words(m, t);  /* synchronises the hot rows too */
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

/* ------------------------------------------------------------- batched mode (--batch)
 *
 * Skip-gram in the spirit of pWord2Vec's HogBatch (Ji et al., 2016): the contexts of one
 * target word share its outputs, the target's Huffman path or one set of negative samples
 * drawn once for the position instead of once per context, so that the k context rows I
 * and the n output rows O meet in three small matrix products on rows held in cache:
 *
 *     S = I O^T,  G = (label - sigmoid(S)) alpha,  I += G O,  O += G^T I
 *
 * every product taken with the values from before the position's updates. word2vec.c
 * instead updates context by context, each seeing the previous ones' changes, and draws
 * fresh negatives for every context.
 *
 * --batch-positions N goes further for negative sampling: N consecutive positions share
 * one draw, and their contexts (which overlap, the windows sliding by one word) and
 * outputs meet in one set of products, each distinct row once. Fewer draws, rows and
 * products per position, and less accurate vectors (README, "The batched mode"). */

/* word2vec.c's negative-sampling gradient for one unit, and its loss. */
static inline real ns_gradient(const w2v_model *m, real f, int label, real alpha,
                               double *loss) {
    if (f > W2V_MAX_EXP) {
        *loss += loss_outside(f, label);
        return m->ns_skip_saturated ? 0 : (label - 1) * alpha;
    }
    if (f < -W2V_MAX_EXP) {
        *loss += loss_outside(f, label);
        return m->ns_skip_saturated ? 0 : (label - 0) * alpha;
    }
    if (f != f) {
        *loss += f;
        return 0;
    }
    int i = sigmoid_index(f);
    *loss -= label ? m->log_sigmoid_table[i] : m->log_one_minus_table[i];
    return (label - m->sigmoid_table[i]) * alpha;
}

/* err[i] = sum_j G[i][j] O[j] for the k inputs (the old O), then O[j] += sum_i G[i][j]
 * I[i] (the old I), then I[i] += err[i]. Rows may repeat (a word twice in a window, a
 * noise word drawn twice): every delta is then added, none lost. */
static void batch_update(real *const *in, int k, real *const *out, int n, const real *G,
                         real *err, int dim) {
    for (int i = 0; i < k; i++) {
        real *e = err + (int64_t)i * dim;
        const real *g = G + (int64_t)i * n;
        int c = 0;
        for (; c + W2V_VEC <= dim; c += W2V_VEC) {
            vecf acc = {0};
            for (int j = 0; j < n; j++) acc += g[j] * loadv(out[j] + c);
            storev(e + c, acc);
        }
        for (; c < dim; c++) {
            real acc = 0;
            for (int j = 0; j < n; j++) acc += g[j] * out[j][c];
            e[c] = acc;
        }
    }
    for (int j = 0; j < n; j++) {
        real *o = out[j];
        int c = 0;
        for (; c + W2V_VEC <= dim; c += W2V_VEC) {
            vecf acc = loadv(o + c);
            for (int i = 0; i < k; i++) acc += G[(int64_t)i * n + j] * loadv(in[i] + c);
            storev(o + c, acc);
        }
        for (; c < dim; c++) {
            real acc = o[c];
            for (int i = 0; i < k; i++) acc += G[(int64_t)i * n + j] * in[i][c];
            o[c] = acc;
        }
    }
    for (int i = 0; i < k; i++) {
        real *row = in[i];
        const real *e = err + (int64_t)i * dim;
        int c = 0;
        for (; c + W2V_VEC <= dim; c += W2V_VEC) storev(row + c, loadv(row + c) + loadv(e + c));
        for (; c < dim; c++) row[c] += e[c];
    }
}

/* Merge repeated rows (a word twice in a window): rows become distinct, in first-seen
 * order, and weight[] counts each one's occurrences. Quadratic, for the few rows of one
 * position. */
static inline int merge_repeats(real **rows, real *weight, int count) {
    int unique = 0;
    for (int a = 0; a < count; a++) {
        int b = 0;
        while (b < unique && rows[b] != rows[a]) b++;
        if (b == unique) {
            rows[unique] = rows[a];
            weight[unique++] = 1;
        } else {
            weight[b] += 1;
        }
    }
    return unique;
}

#define OUTPUT_BLOCK 8  /* output rows updated together, their vectors held in registers */

/* BLOCK(w) for the constant w equal to `width` (1 to 8): each width gets its own inlined
 * copy, whose per-row vectors the compiler can keep in registers. */
#define SWITCH_WIDTH(width, BLOCK)      \
    switch (width) {                    \
    case 8: BLOCK(8); break;            \
    case 7: BLOCK(7); break;            \
    case 6: BLOCK(6); break;            \
    case 5: BLOCK(5); break;            \
    case 4: BLOCK(4); break;            \
    case 3: BLOCK(3); break;            \
    case 2: BLOCK(2); break;            \
    case 1: BLOCK(1); break;            \
    }
#define BATCH_MERGED_CONTEXTS 64   /* more contexts (a huge window): the general update */

/* The update of one slice of one block of batch_update_distinct, on vectors of type V
 * read and written by LOAD and STORE: elements [c, c + the vector's width) of the
 * block's `width` output rows, then of the inputs' errors. Written once for the two
 * functions below, whose parameters (and LOAD and STORE) it uses. */
#define UPDATE_SLICE(V)                                                 \
    do {                                                                \
        V o[OUTPUT_BLOCK], acc[OUTPUT_BLOCK];                           \
        for (int j = 0; j < width; j++) {                               \
            o[j] = LOAD(rows[j] + c);                                   \
            acc[j] = o[j];                                              \
        }                                                               \
        for (int u = 0; u < k; u++) {                                   \
            real *eu_at = e + (int64_t)u * dim + c;                     \
            V xu = LOAD(in[u] + c), eu = LOAD(eu_at);                   \
            const real *g = G + (int64_t)u * stride + j0;               \
            for (int j = 0; j < width; j++) {                           \
                eu += g[j] * o[j];                                      \
                acc[j] += g[j] * xu;                                    \
            }                                                           \
            STORE(eu_at, eu);                                           \
        }                                                               \
        for (int j = 0; j < width; j++) STORE(rows[j] + c, acc[j]);     \
    } while (0)

/* One slice of one block of batch_update_distinct: W2V_VEC elements from c on of its
 * `width` output rows (`partial`: only the `lanes` of the last slice). */
static inline __attribute__((always_inline)) void update_block_slice(
        real *const *in, int k, real *const *rows, const real *G, int stride, int j0,
        real *e, int dim, int c, int partial, lanes_t lanes, int width) {
#define LOAD(p) (partial ? loadv_lanes(p, lanes) : loadv(p))
#define STORE(p, v) (partial ? storev_lanes(p, v, lanes) : storev(p, v))
    UPDATE_SLICE(vecf);
#undef LOAD
#undef STORE
}

#if MASKED_TAIL
/* The same for a last slice of at most eight elements, on 8-float vectors: the AMD Zen 4
 * machine splits each 16-float operation in two, so a masked 16-float slice would cost
 * twice as much for the same elements. */
static inline __attribute__((always_inline)) void update_block_half_slice(
        real *const *in, int k, real *const *rows, const real *G, int stride, int j0,
        real *e, int dim, int c, __mmask8 lanes, int width) {
#define LOAD(p) ((vec8)_mm256_maskz_loadu_ps(lanes, p))
#define STORE(p, v) _mm256_mask_storeu_ps(p, lanes, (__m256)(v))
    UPDATE_SLICE(vec8);
#undef LOAD
#undef STORE
}
#endif

/* One block of batch_update_distinct, slice after slice: the whole slices, then with
 * AVX-512 the partial last one (masked, on 8-float vectors when it fits them). */
static inline __attribute__((always_inline)) void update_block(
        real *const *in, int k, real *const *rows, const real *G, int stride, int j0,
        real *e, int dim, int whole, int sliced, lanes_t lanes, int width) {
    for (int c = 0; c < whole; c += W2V_VEC)
        update_block_slice(in, k, rows, G, stride, j0, e, dim, c, 0, 0, width);
    if (sliced == whole)
        return;
#if MASKED_TAIL
    if (dim - whole <= 8)
        update_block_half_slice(in, k, rows, G, stride, j0, e, dim, whole, (__mmask8)lanes,
                                width);
    else
#endif
        update_block_slice(in, k, rows, G, stride, j0, e, dim, whole, 1, lanes, width);
}

/* batch_update for distinct input rows and distinct output rows. One block of eight
 * output rows at a time (the last one as wide as the rows left), one slice of W2V_VEC
 * elements of them at a time (update_block_slice): the slice of each output row is read
 * once into registers, the k input rows' slices are read against it, their errors
 * accumulate in `e` (k x dim, block after block in order) and every output row is
 * written once; then each input row gets its error. G is k x n with row stride
 * `stride`. Distinct rows of two different matrices (no --tied): no update is seen by a
 * read. */
static void batch_update_distinct(real *const *in, int k, real *const *out, int n,
                                  const real *G, int stride, real *scratch, int dim) {
    /* the vector slices: whole ones, and with AVX-512 the partial last one (masked) */
    const int whole = dim - dim % W2V_VEC, sliced = MASKED_TAIL ? dim : whole;
    const lanes_t lanes = MASKED_TAIL && whole < dim ? first_lanes(dim - whole) : 0;
    real *e = scratch;
    for (int u = 0; u < k; u++)
        for (int c = 0; c < sliced; c += W2V_VEC)
            storev_lanes(e + (int64_t)u * dim + c, (vecf){0}, c < whole ? -1 : lanes);
    for (int j0 = 0; j0 < n; j0 += OUTPUT_BLOCK) {
        real *const *rows = out + j0;
        /* one constant width each, so that the block's rows stay in registers */
#define BLOCK(width) update_block(in, k, rows, G, stride, j0, e, dim, whole, sliced, lanes, \
                                  width)
        SWITCH_WIDTH(n - j0 < OUTPUT_BLOCK ? n - j0 : OUTPUT_BLOCK, BLOCK);
#undef BLOCK
    }
    for (int u = 0; u < k; u++)
        for (int c = 0; c < sliced; c += W2V_VEC) {
            real *row = in[u] + c;
            const lanes_t part = c < whole ? -1 : lanes;
            storev_lanes(row, loadv_lanes(row, part) + loadv_lanes(e + (int64_t)u * dim + c,
                                                                  part), part);
        }
    if (sliced == dim)
        return;
    int c = whole;
    real *x = scratch;  /* the tails' copies of the input elements, and their errors */
    e = scratch + 4 * k;
    for (; c + 4 <= dim; c += 4) {  /* then four at a time */
        vec4 *x4 = (vec4 *)x, *e4 = (vec4 *)e;
        for (int u = 0; u < k; u++) {
            x4[u] = load4(in[u] + c);
            e4[u] = (vec4){0};
        }
        for (int j = 0; j < n; j++) {
            vec4 o = load4(out[j] + c), acc = o;
            for (int u = 0; u < k; u++) {
                real g = G[(int64_t)u * stride + j];
                e4[u] += g * o;
                acc += g * x4[u];
            }
            store4(out[j] + c, acc);
        }
        for (int u = 0; u < k; u++) store4(in[u] + c, x4[u] + e4[u]);
    }
    for (; c < dim; c++) {  /* the last few elements, one at a time, in the same order */
        for (int u = 0; u < k; u++) {
            x[u] = in[u][c];
            e[u] = 0;
        }
        for (int j = 0; j < n; j++) {
            real acc = out[j][c];
            for (int u = 0; u < k; u++) {
                real g = G[(int64_t)u * stride + j];
                e[u] += g * out[j][c];
                acc += g * x[u];
            }
            out[j][c] = acc;
        }
        for (int u = 0; u < k; u++) in[u][c] = x[u] + e[u];
    }
}

/* With 32 vector registers (AVX-512), the scores take two inputs at a time: their sixteen
 * partial sums fit, as they do not in the sixteen of AVX2 and SSE. */
#define PAIRED_SCORES (W2V_VEC == 16)

/* One block of scores: the `width` (1 to 8, a constant where inlined) outputs from j0 on
 * against every input, two at a time where PAIRED_SCORES allows. */
static inline __attribute__((always_inline)) void scores_block(
        real *const *in, int k, real *const *out, int j0, int width, real *G, int stride,
        int dim) {
    const real *const *rows = (const real *const *)out + j0;
    real sums[2][8];
    int u = 0;
    if (PAIRED_SCORES)
        for (; u + 2 <= k; u += 2) {
            dot_rows_of((const real *const *)in + u, 2, rows, width, dim, sums[0], sums[1]);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < width; j++)
                    G[(int64_t)(u + i) * stride + j0 + j] = sums[i][j];
        }
    for (; u < k; u++) {
        dot_rows(in[u], rows, width, dim, sums[0]);
        for (int j = 0; j < width; j++) G[(int64_t)u * stride + j0 + j] = sums[0][j];
    }
}

/* G[u * stride + j] = in[u] . out[j] for the k inputs and n outputs, eight outputs at a
 * time and the last block exactly as wide as the outputs left. */
static void scores(real *const *in, int k, real *const *out, int n, real *G, int stride,
                   int dim) {
    for (int j0 = 0; j0 < n; j0 += 8) {
        /* one constant width each, as in batch_update_distinct: the sums stay in registers */
#define BLOCK(width) scores_block(in, k, out, j0, width, G, stride, dim)
        SWITCH_WIDTH(n - j0 < 8 ? n - j0 : 8, BLOCK);
#undef BLOCK
    }
}

/* Hierarchical softmax for one position of the batched mode: its k contexts share the
 * target's Huffman path, whose nodes are distinct. Repeated contexts become one row
 * weighted by their count; beyond BATCH_MERGED_CONTEXTS (a huge window) the general
 * update takes one row per occurrence. */
static void hs_position(const w2v_model *m, w2v_thread *t, int32_t word, real **in, int k,
                        double *loss) {
    const int dim = m->dim;
    const real alpha = t->alpha;
    real **out = t->batch_out, *G = t->batch_grad;
    const uint8_t *code = code_of(m, word);
    const int32_t *point = path_of(m, word);
    const int n = m->code_lengths[word];
    for (int d = 0; d < n; d++) {
        out[d] = tree_row(m, t, point[d]);
    }
    if (k > BATCH_MERGED_CONTEXTS) {
        for (int i = 0; i < k; i++) {
            real *g = G + (int64_t)i * n;
            dots(in[i], out, n, dim, g);  /* the scores, turned into gradients */
            *loss += hs_gradients(m, g, code, n, alpha, g);
        }
        batch_update(in, k, out, n, G, t->batch_err, dim);
        return;
    }
    real weight[BATCH_MERGED_CONTEXTS];
    const int contexts = k;
    k = merge_repeats(in, weight, k);
    scores(in, k, out, n, G, n, dim);
    if (k == contexts) {
        /* no context repeated: G's k x n gradients in one pass, against the path's code
         * once per context (each copy of the whole code slot overwrites the last one's
         * unused end) */
        uint8_t codes[BATCH_MERGED_CONTEXTS * W2V_MAX_CODE_LENGTH];
        for (int u = 0; u < k; u++) memcpy(codes + u * n, code, W2V_MAX_CODE_LENGTH);
        *loss += hs_gradients(m, G, codes, k * n, alpha, G);
    } else {
        for (int u = 0; u < k; u++) {
            real *g = G + (int64_t)u * n;
            *loss += hs_gradients(m, g, code, n, alpha, g) * weight[u];
            for (int d = 0; d < n; d++) g[d] *= weight[u];
        }
    }
    batch_update_distinct(in, k, out, n, G, n, t->batch_err, dim);
}

/* The slot of `word` among the first *count of words[], added at the end if new. */
static inline int slot_of(int32_t *words, int *count, int32_t word) {
    int s = 0;
    while (s < *count && words[s] != word) s++;
    if (s == *count) words[(*count)++] = word;
    return s;
}

/* Negative sampling for the positions [first, first + count) of the sentence, whose
 * windows are [lo[p], hi[p]) less the position itself: they share one draw of negatives.
 * Every distinct context row and every distinct output row takes part once; the score
 * of each (context, output) pair is taken once, and its gradient is weighted by how many
 * times the pair occurs across the positions. */
static void ns_positions(const w2v_model *m, w2v_thread *t, int first, int count,
                         const int *lo, const int *hi, double *loss) {
    const int dim = m->dim;
    const int32_t *sen = t->sentence;
    const real alpha = t->alpha;
    int span_lo = lo[0], span_hi = hi[0];
    for (int p = 1; p < count; p++) {
        if (lo[p] < span_lo) span_lo = lo[p];
        if (hi[p] > span_hi) span_hi = hi[p];
    }
    /* t->batch_slots holds the distinct context words, the context slot of each sentence
     * index in the span, the distinct output words, and each draw's word and slot */
    const int span = span_hi - span_lo, negatives = m->negative;
    int32_t *in_words = t->batch_slots, *slot = in_words + span;
    int32_t *out_words = slot + span, *drawn = out_words + count + negatives;
    int32_t *noise = drawn + negatives;
    int k = 0, n = 0;
    for (int a = span_lo; a < span_hi; a++) slot[a - span_lo] = -1;
    for (int p = 0; p < count; p++)
        for (int a = lo[p]; a < hi[p]; a++)
            if (a != first + p && slot[a - span_lo] < 0)
                slot[a - span_lo] = slot_of(in_words, &k, sen[a]);
    int target[W2V_BATCH_POSITIONS];
    for (int p = 0; p < count; p++) target[p] = slot_of(out_words, &n, sen[first + p]);
    for (int d = 0; d < negatives; d++) {
        int32_t word = noise_word(m, next_rand(&t->next_random));
        drawn[d] = word;
        noise[d] = slot_of(out_words, &n, word);
    }
    real **in = t->batch_in, **out = t->batch_out;
    for (int u = 0; u < k; u++) in[u] = input_row(m, in_words[u]);
    for (int j = 0; j < n; j++) out[j] = ns_row(m, out_words[j]);
    /* how often each pair occurs as a positive and as a negative */
    real *G = t->batch_grad, *positive = G + k * n, *negative = positive + k * n;
    memset(positive, 0, 2 * sizeof(real) * k * n);
    int predictions = 0;
    for (int p = 0; p < count; p++) {
        const int32_t word = sen[first + p];
        for (int a = lo[p]; a < hi[p]; a++) {
            if (a == first + p) continue;
            const int row = slot[a - span_lo] * n;
            predictions++;
            positive[row + target[p]] += 1;
            for (int d = 0; d < negatives; d++)  /* word2vec.c skips a draw equal to the target */
                if (drawn[d] != word) negative[row + noise[d]] += 1;
        }
    }
    scores(in, k, out, n, G, n, dim);
    for (int u = 0; u < k; u++) {
        real *g = G + (int64_t)u * n;
        for (int j = 0; j < n; j++) {
            const real f = g[j], wp = positive[u * n + j], wn = negative[u * n + j];
            real grad = 0;
            if (wp != 0) {
                double unit = 0;
                grad += wp * ns_gradient(m, f, 1, alpha, &unit);
                *loss += wp * unit;
            }
            if (wn != 0) {
                double unit = 0;
                grad += wn * ns_gradient(m, f, 0, alpha, &unit);
                *loss += wn * unit;
            }
            g[j] = grad;
        }
    }
    t->loss_examples += predictions;
    batch_update_distinct(in, k, out, n, G, n, t->batch_err, dim);
}

static void train_sentence_sg_batch(const w2v_model *m, w2v_thread *t, int len) {
    const int dim = m->dim;
    const int32_t *sen = t->sentence;
    const int positions = m->batch;
    real **in = t->batch_in;
    for (int first = 0; first < len; first += positions) {
        if (first == positions) update_alpha_if_due(m, t);
        const int count = len - first < positions ? len - first : positions;
        int lo[W2V_BATCH_POSITIONS], hi[W2V_BATCH_POSITIONS];
        for (int p = 0; p < count; p++) {
            int b = (int)(next_rand(&t->next_random) % (uint64_t)m->window);
            const int pos = first + p;
            window_span(m->window, b, pos, len, &lo[p], &hi[p]);
            lo[p] += pos - m->window;   /* sentence indices */
            hi[p] += pos - m->window;
        }
        /* what the next positions need and these do not */
        for (int p = first + count; p < first + 2 * count && p < len; p++)
            prefetch_next_position(m, sen, p, len);
        double loss = 0;
        if (m->hs) {
            for (int p = 0; p < count; p++) {
                int k = 0;
                for (int a = lo[p]; a < hi[p]; a++)
                    if (a != first + p) in[k++] = input_row(m, sen[a]);
                if (!k) continue;
                hs_position(m, t, sen[first + p], in, k, &loss);
                if (!m->negative) t->loss_examples += k;
            }
        }
        if (m->negative > 0) {
            int contexts = 0;  /* a window always holds its own position */
            for (int p = 0; p < count; p++) contexts += hi[p] - lo[p] - 1;
            if (contexts) {
                uint64_t ahead = t->next_random;  /* the next positions' draws, peeked at */
                for (int p = 0; p < m->negative + positions; p++) next_rand(&ahead);
                for (int d = 0; d < m->negative; d++) {
                    int32_t noise = draw_noise_word(m, next_rand(&ahead));
                    prefetch_row(ns_row(m, noise), dim);
                }
                ns_positions(m, t, first, count, lo, hi, &loss);
            }
        }
        t->loss += loss;
    }
}

int64_t LOOP_ENTRY(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) {
    int64_t i = 0;
    /* (a batch with no word still ends the sentence left open, unless told to keep it) */
    while (i < count || (t->open && !t->keep_open)) {
        int len = 0, ended = 0;
        if (t->open) {              /* the rest of the sentence the last batch left open */
            len = t->open_len;
            t->open = 0;
        } else if (t->words_pending > W2V_WORDS_PER_ALPHA_UPDATE) {
            w2v_flush_words(m, t);  /* after a sentence of one position or none */
        } else if (t->hot_local && t->hot_pending >= W2V_HOT_SYNC_WORDS) {
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
