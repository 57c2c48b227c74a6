/* The training loop (train_loop.c) compiled for AVX-512 (F, VL, BW, DQ) with 512-bit vectors. */
#if defined(__x86_64__) && defined(__GNUC__)
#if defined(__clang__)
/* clang rejects prefer-vector-width in a target attribute and then ignores the whole
 * attribute, which left this copy compiled for SSE2; its 16-float vector types need no
 * such hint to use 512-bit registers */
#pragma clang attribute push (__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), \
                              apply_to = function)
#else
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,prefer-vector-width=512")
#endif
#define LOOP_ENTRY w2v_train_ids_avx512
#define W2V_VEC 16
#include "train_loop.c"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int w2v_no_avx512_kernel_here;  /* not an x86-64 build: nothing to compile */
#endif
