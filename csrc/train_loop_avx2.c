/* The training loop (train_loop.c) compiled for AVX2 with FMA (x86-64 since 2013). */
#if defined(__x86_64__) && defined(__GNUC__)
#if defined(__clang__)
#pragma clang attribute push (__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC target("avx2,fma")
#endif
#define LOOP_ENTRY w2v_train_ids_avx2
#include "train_loop.c"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int w2v_no_avx2_kernel_here;  /* not an x86-64 build: nothing to compile */
#endif
