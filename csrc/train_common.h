/* Small helpers shared by the dispatcher (train_kernels.c) and every compiled copy of the
 * training loop (train_loop.c): word2vec.c's generator, its sigmoid-table index, and the
 * alias-method noise sampler. Private to csrc/. */
#ifndef W2V_TRAIN_COMMON_H
#define W2V_TRAIN_COMMON_H

#include "train_kernels.h"

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

#endif
