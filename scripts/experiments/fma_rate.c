/* One core's multiply-add rate, measured: the benchmark's "of peak" column divides by a
 * peak computed from the nominal clock in /proc/cpuinfo (scripts/bench_arith.py), and a
 * core that runs above it (turbo) does more than that. Twelve independent chains of
 * vector FMAs, enough to cover the FMA latency, run for about a second each with 512-,
 * 256- and 128-bit vectors; the rate is printed in multiply-adds (float lanes) per second.
 *
 *     cc -O2 -mavx512f -mfma scripts/experiments/fma_rate.c -o /tmp/fma_rate && /tmp/fma_rate
 *
 * (-mfma alone, on a machine without AVX-512, skips the 512-bit line.) Run one copy per
 * core at once for the rate of every core busy. */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* a = a * b + c on twelve accumulators, `rounds` times; the values stay normal floats
 * (b just below 1, c tiny), so no denormal slows the units down */
#define CHAINS(type, fma, set1, lanes, label)                                              \
    do {                                                                                    \
        type a0 = set1(1.00f), a1 = set1(1.01f), a2 = set1(1.02f), a3 = set1(1.03f);        \
        type a4 = set1(1.04f), a5 = set1(1.05f), a6 = set1(1.06f), a7 = set1(1.07f);        \
        type a8 = set1(1.08f), a9 = set1(1.09f), a10 = set1(1.10f), a11 = set1(1.11f);      \
        const type b = set1(0.9999999f), c = set1(1e-7f);                                   \
        const long rounds = 100000000;                                                      \
        double start = seconds();                                                           \
        for (long r = 0; r < rounds; r++) {                                                 \
            a0 = fma(a0, b, c); a1 = fma(a1, b, c); a2 = fma(a2, b, c); a3 = fma(a3, b, c); \
            a4 = fma(a4, b, c); a5 = fma(a5, b, c); a6 = fma(a6, b, c); a7 = fma(a7, b, c); \
            a8 = fma(a8, b, c); a9 = fma(a9, b, c); a10 = fma(a10, b, c);                   \
            a11 = fma(a11, b, c);                                                           \
            /* values the compiler must treat as changed: no folding the loop away */     \
            __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3));                  \
        }                                                                                   \
        double elapsed = seconds() - start;                                                 \
        type sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;            \
        printf("%-8s %6.1f G multiply-adds/s (%.2f G FMA instructions/s)%s\n", label,      \
               12.0 * rounds * (lanes) / elapsed / 1e9, 12.0 * rounds / elapsed / 1e9,      \
               sum[0] > 1e30f ? " !" : "");                                                 \
    } while (0)

int main(void) {
#ifdef __AVX512F__
    CHAINS(__m512, _mm512_fmadd_ps, _mm512_set1_ps, 16, "512-bit");
#endif
#ifdef __FMA__
    CHAINS(__m256, _mm256_fmadd_ps, _mm256_set1_ps, 8, "256-bit");
    CHAINS(__m128, _mm_fmadd_ps, _mm_set1_ps, 4, "128-bit");
#else
    fprintf(stderr, "compile with -mfma (and -mavx512f where there is AVX-512)\n");
    return 1;
#endif
    return 0;
}
