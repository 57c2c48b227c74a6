/* Where the batched mode's hierarchical softmax spends its time, phase by phase, with
 * every row in cache: the AVX-512 copy of csrc/train_loop.c is included here, so its
 * static functions can be timed one at a time on made-up positions. Built and run by
 * hs_batch_phases.py (see there).
 *
 * Positions: contexts per position 2, 4, ..., 10 as word2vec.c's shrunk windows give them
 * (window 5), code lengths drawn from those of the words trained on the first 5M words of
 * the shared corpus (sample 1e-4), vocabulary `V` words so that the rows fit in cache.
 * Each phase is timed over the same 4096 positions many times, from the same rows; the
 * fastest repeat is reported (the machine is shared: the minimum is the repeat nothing
 * interrupted). The default mode's hs_step, one context after the other, is timed on
 * the same positions for comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,prefer-vector-width=512")
#define LOOP_ENTRY w2v_train_ids_avx512
#define W2V_VEC 16
#include "train_loop.c"

enum { POSITIONS = 4096, MAX_CONTEXTS = 10 };
enum { WHOLE, SCORES, GRADIENTS, UPDATE, DEFAULT_MODE, PHASES };
static const char *const PHASE_NAMES[] = {"whole position (hs_position)", "scores",
                                          "gradients (hs_gradients)",
                                          "update (update_path)",
                                          "default mode (hs_step per context)"};
/* share of trained words with each code length 0..20 (scripts/bench_arith.py's counts) */
static const double CODE_LENGTHS[] = {0, 0, 0, 0, .005, .01, .013, .019, .023, .024, .037,
                                      .072, .134, .158, .147, .113, .088, .063, .045, .035,
                                      .014};

static real uniform(void) { return rand() / (real)RAND_MAX - 0.5f; }

static real *matrix(size_t floats) {  /* rows from a cache line on, as the driver's */
    return aligned_alloc(64, (floats * sizeof(real) + 63) / 64 * 64);
}

int main(int argc, char **argv) {
    const int V = argc > 1 ? atoi(argv[1]) : 200, repeats = argc > 2 ? atoi(argv[2]) : 200;
    /* read at run time, as the kernels get it: a constant would let the compiler
     * specialise their loops as the real build cannot */
    const int dim = argc > 3 ? atoi(argv[3]) : 100;
    /* floats from one row to the next: hs_batch_phases.py passes _train.row_stride's */
    const int stride = argc > 4 ? atoi(argv[4]) : dim;
    if (!__builtin_cpu_supports("avx512f")) {
        printf("this CPU has no AVX-512: nothing measured\n");
        return 0;
    }
    static real sigmoid[W2V_EXP_TABLE_SIZE + 1], log_sig[W2V_EXP_TABLE_SIZE + 1],
        log_one_minus[W2V_EXP_TABLE_SIZE + 1], hs_pairs[4 * (W2V_EXP_TABLE_SIZE + 1)];
    w2v_fill_tables(sigmoid, log_sig, log_one_minus);
    w2v_fill_hs_pairs(hs_pairs, sigmoid, log_sig, log_one_minus);
    w2v_model m = {0};
    m.dim = dim, m.input_stride = m.hs_stride = stride, m.hs = 1, m.vocab_size = V, m.window = 5, m.batch = 1;
    m.sigmoid_table = sigmoid, m.log_sigmoid_table = log_sig;
    m.log_one_minus_table = log_one_minus, m.hs_pairs = hs_pairs;
    m.input_vectors = matrix((size_t)V * stride);
    m.hs_vectors = matrix((size_t)V * stride);
    uint8_t *codes = calloc(V, W2V_MAX_CODE_LENGTH);
    int32_t *points = calloc((size_t)V * W2V_MAX_CODE_LENGTH, 4), *lengths = calloc(V, 4);
    srand(7);
    for (int64_t i = 0; i < (int64_t)V * stride; i++) {
        m.input_vectors[i] = uniform() / 2;
        m.hs_vectors[i] = uniform() / 2;
    }
    for (int w = 0; w < V; w++) {
        double r = rand() / (double)RAND_MAX, below = 0;
        int length = 20;
        for (int l = 4; l <= 20; l++)
            if (r < (below += CODE_LENGTHS[l])) {
                length = l;
                break;
            }
        lengths[w] = length;
        for (int d = 0, node = 0; d < length; d++) {  /* down a binary tree: distinct nodes */
            codes[w * W2V_MAX_CODE_LENGTH + d] = rand() & 1;
            points[w * W2V_MAX_CODE_LENGTH + d] = node % (V - 1);
            node = 2 * node + 1 + codes[w * W2V_MAX_CODE_LENGTH + d];
        }
    }
    m.codes = codes, m.points = points, m.code_lengths = lengths;
    /* every repeat starts from these rows: trained on, they would drift towards scores
     * outside [-6, 6], which take no update in the default mode and change its work */
    real *first_in = matrix((size_t)V * stride), *first_hs = matrix((size_t)V * stride);
    memcpy(first_in, m.input_vectors, sizeof(real) * V * stride);
    memcpy(first_hs, m.hs_vectors, sizeof(real) * V * stride);
    w2v_thread t = {0};
    t.alpha = 0.025f;
    t.hidden_error = calloc(dim, sizeof(real));
    t.batch_in = calloc(64, sizeof(real *));
    t.batch_out = calloc(64, sizeof(real *));
    t.batch_grad = calloc(2 * 64 * 64, sizeof(real));
    t.batch_err = calloc(64 * (dim + 16), sizeof(real));
    real *gradients = t.batch_grad + 64 * 64;  /* the gradients phase writes here */
    static int target[POSITIONS], contexts[POSITIONS], context[POSITIONS][MAX_CONTEXTS];
    double units = 0;  /* (context, node) pairs, for the multiply-adds */
    for (int p = 0; p < POSITIONS; p++) {
        target[p] = rand() % V;
        contexts[p] = 2 * (5 - rand() % 5);
        for (int c = 0; c < contexts[p]; c++) context[p][c] = rand() % V;
        units += (double)contexts[p] * lengths[target[p]];
    }
    double loss = 0;
    printf("vocabulary %d words (rows %.1f MB, %d floats apart), %d positions, fastest of %d "
           "repeats\n", V, 2.0 * V * stride * sizeof(real) / 1e6, stride, POSITIONS, repeats);
    printf("multiply-adds per position: %.0f (3 x contexts x code length x %d)\n",
           3 * units * dim / POSITIONS, dim);
    for (int phase = 0; phase < PHASES; phase++) {
        double best = 1e30;
        for (int r = 0; r < repeats; r++) {
            memcpy(m.input_vectors, first_in, sizeof(real) * V * stride);
            memcpy(m.hs_vectors, first_hs, sizeof(real) * V * stride);
            uint64_t start = __rdtsc();
            for (int p = 0; p < POSITIONS; p++) {
                real *in[MAX_CONTEXTS];
                const int k = contexts[p], n = lengths[target[p]];
                for (int c = 0; c < k; c++)
                    in[c] = m.input_vectors + (int64_t)context[p][c] * stride;
                if (phase == WHOLE || phase == DEFAULT_MODE) {
                    if (phase == WHOLE)
                        hs_position(&m, &t, target[p], in, k, &loss);
                    else
                        for (int u = 0; u < k; u++) hs_step(&m, &t, in[u], target[p]);
                    continue;
                }
                real **out = t.batch_out;
                for (int d = 0; d < n; d++)
                    out[d] = m.hs_vectors +
                             (int64_t)points[target[p] * W2V_MAX_CODE_LENGTH + d] * stride;
                if (phase == SCORES)
                    scores(in, k, out, n, t.batch_grad, n, dim);
                else if (phase == GRADIENTS) {
                    /* in one pass, as hs_position for contexts without repeats */
                    uint8_t path_codes[MAX_CONTEXTS * W2V_MAX_CODE_LENGTH];
                    for (int u = 0; u < k; u++)
                        memcpy(path_codes + u * n, codes + target[p] * W2V_MAX_CODE_LENGTH,
                               W2V_MAX_CODE_LENGTH);
                    loss += hs_gradients(&m, t.batch_grad, path_codes, k * n, t.alpha,
                                         gradients);
                }
                else
                    update_path(in, k, out, n, gradients, t.batch_err, dim);
            }
            double cycles = (double)(__rdtsc() - start) / POSITIONS;
            if (cycles < best) best = cycles;
        }
        printf("%-36s %6.0f reference cycles per position\n", PHASE_NAMES[phase], best);
    }
    return loss != loss;  /* (uses the loss, so no phase is optimised away) */
}
