/* Vector arithmetic of the training loop, included by train_loop.c once per instruction
 * set (not a header of its own): GCC/Clang vector types of W2V_VEC floats (8 unless the
 * including file says 16, for AVX-512, or 4, for the generic copy), with 4-float and
 * scalar tails; dot products of one input against one to eight rows (and of two inputs
 * at a time for the batched scores); the default mode's fused updates. The dot products
 * keep partial sums in vectors: a plain float sum is a serial dependency chain the
 * compiler may not reorder without -ffast-math (word2vec.c is built with -Ofast for that
 * reason). */
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
#if MASKED_TAIL
    const int whole = dim - dim % W2V_VEC;
    if (whole < dim && dim - whole <= 8) {
        /* the partial last slice first, on 8-float vectors (the AMD Zen 4 machine splits
         * each 16-float operation in two), its products widened with zeros to start the
         * sums */
        const __mmask8 lanes = (__mmask8)((1u << (dim - whole)) - 1);
        const __m256 xt0 = _mm256_maskz_loadu_ps(lanes, x0 + whole);
        const __m256 xt1 = inputs > 1 ? _mm256_maskz_loadu_ps(lanes, x1 + whole) : xt0;
        for (int j = 0; j < width; j++) {
            __m256 r = _mm256_maskz_loadu_ps(lanes, rows[j] + whole);
            acc0[j] = (vecf)_mm512_zextps256_ps512(_mm256_mul_ps(xt0, r));
            if (inputs > 1) acc1[j] = (vecf)_mm512_zextps256_ps512(_mm256_mul_ps(xt1, r));
        }
        dim = whole;  /* done with the slice: the loops and tails below stop before it */
    }
#endif
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
