/* The batched mode (--batch) of the training loop, included by train_loop.c once per
 * instruction set (not a header of its own), after the default mode, whose gradients,
 * prefetches, window and learning-rate schedule it shares.
 *
 * Skip-gram in the spirit of pWord2Vec's HogBatch (Ji et al., 2016): the contexts of one
 * target word share its outputs, the target's Huffman path or one set of negative samples
 * drawn once for the position instead of once per context, so that the k context rows I
 * and the n output rows O meet in three small matrix products on rows held in cache:
 *
 *     S = I O^T,  G = (label - sigmoid(S)) alpha,  I += E,  O += G^T I
 *
 * S, G and O's update from the values before the position's updates. For negative
 * sampling E = G O, also from the old values (HogBatch's update). For hierarchical
 * softmax E's row u, context u's error, takes the path's rows as contexts 1..u-1 left
 * them, as word2vec.c's does (the update has those values at hand as it adds the
 * contexts' terms to each row one by one): E = G O + L I, L the part of G G^T below its
 * diagonal. word2vec.c goes context by context: its scores too see the earlier
 * contexts' changes, and it draws fresh negatives for every context. (README, "The
 * batched mode": with HS's errors from the old values, 5-pass analogy accuracy was 0.4
 * points lower; with its scores from the old values, no lower.)
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

/* update_path's update for rows that may repeat (a word twice in a huge window):
 * context after context, in order, as word2vec.c goes, each context's error
 * taken against the output rows as the earlier contexts left them, each output row
 * moved by the context's old input row (logistic_updates: the output rows, one
 * target's path, are distinct); then every input row gets its errors, so that a repeated
 * input row takes all of them. */
static void batch_update(real *const *in, int k, real *const *out, int n, const real *G,
                         real *err, int dim) {
    for (int i = 0; i < k; i++) {
        real *e = err + (int64_t)i * dim;
        memset(e, 0, sizeof(real) * dim);
        logistic_updates(in[i], out, G + (int64_t)i * n, n, e, dim);
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
 * block's `width` output rows, then of the inputs' errors, each error against the rows
 * as they were (o) or, `sequential`, as the earlier inputs left them (acc). Written once
 * for the two functions below, whose parameters (and LOAD and STORE) it uses. */
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
                eu += g[j] * (sequential ? acc[j] : o[j]);              \
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
        real *e, int dim, int c, int partial, lanes_t lanes, int width, int sequential) {
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
        real *e, int dim, int c, __mmask8 lanes, int width, int sequential) {
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
        real *e, int dim, int whole, int sliced, lanes_t lanes, int width, int sequential) {
    for (int c = 0; c < whole; c += W2V_VEC)
        update_block_slice(in, k, rows, G, stride, j0, e, dim, c, 0, 0, width, sequential);
    if (sliced == whole)
        return;
#if MASKED_TAIL
    if (dim - whole <= 8)
        update_block_half_slice(in, k, rows, G, stride, j0, e, dim, whole, (__mmask8)lanes,
                                width, sequential);
    else
#endif
        update_block_slice(in, k, rows, G, stride, j0, e, dim, whole, 1, lanes, width,
                           sequential);
}

/* The batched update for distinct input rows and distinct output rows. One block of
 * eight output rows at a time (the last one as wide as the rows left), one slice of
 * W2V_VEC elements of them at a time (update_block_slice): the slice of each output row
 * is read once into registers, the k input rows' slices are read against it in order,
 * their errors accumulate in `e` (k x dim, block after block in order) and every output
 * row is written once; then each input row gets its error. Each input's error takes
 * the output rows as they were or, `sequential` (a constant where inlined), as the
 * earlier inputs left them: then the same sums in the same order as batch_update. G is
 * k x n with row stride `stride`. Distinct rows of two different matrices (no --tied). */
static inline __attribute__((always_inline)) void batch_update_distinct(
        real *const *in, int k, real *const *out, int n, const real *G, int stride,
        real *scratch, int dim, int sequential) {
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
                                  width, sequential)
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
                e4[u] += g * (sequential ? acc : o);
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
                /* out[j][c] read again, as before: then GCC compiles negative
                 * sampling's loop as before, to the same bytes */
                e[u] += g * (sequential ? acc : out[j][c]);
                acc += g * x[u];
            }
            out[j][c] = acc;
        }
        for (int u = 0; u < k; u++) in[u][c] = x[u] + e[u];
    }
}

/* Hierarchical softmax: the contexts share the target's path in word2vec.c too, and each
 * one's error there takes the path as the earlier contexts left it. So does this. */
static void update_path(real *const *in, int k, real *const *out, int n, const real *G,
                        real *scratch, int dim) {
    batch_update_distinct(in, k, out, n, G, n, scratch, dim, 1);
}

/* Negative sampling: word2vec.c draws other negatives for every context, and the shared
 * draw's errors are taken against the rows as they were (HogBatch's update). Taken as
 * the earlier contexts left them, the shared negatives' moves add up in every later
 * context's error, and 5-pass analogy accuracy fell from 37.6 and 37.9 % to 36.3 %
 * (README, "The batched mode"). */
static void update_shared(real *const *in, int k, real *const *out, int n, const real *G,
                          real *scratch, int dim) {
    batch_update_distinct(in, k, out, n, G, n, scratch, dim, 0);
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
    update_path(in, k, out, n, G, t->batch_err, dim);
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
    update_shared(in, k, out, n, G, t->batch_err, dim);
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
