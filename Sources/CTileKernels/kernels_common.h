// What the C files of CTileKernels share (not part of the interface): the per-variant target
// attributes, the always-inlined body qualifier, the rounding constant, the search for runs
// of non-zero inputs that lets the products skip zero rows, and the blocked driver of both
// array stages (tile_blocked.c).
#ifndef AIMC_KERNELS_COMMON_H
#define AIMC_KERNELS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define T512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define T256 __attribute__((target("avx2,fma")))
#define BODY static inline __attribute__((always_inline))
#else
#define BODY static inline
#endif

// 1.5·2²³: adding and subtracting it rounds |v| < 2²² to an integer, ties to even.
#define ROUNDING_MAGIC 12582912.0f

// The runs [start, end) of the n entries with any[i] ≠ 0, written to runs as start, end
// pairs (at most n/2 + 1 of them); gaps of fewer than min_gap zero entries stay inside a run
// (skipping them would cost more than it saves). Returns how many.
static inline long aimc_runs_from_mask(const uint32_t *any, long n, long min_gap, int32_t *runs) {
    long count = 0, i = 0;
    while (i < n) {
        while (i < n && !any[i]) i++;
        if (i >= n) break;
        long s = i, zeros = 0;
        while (i < n && zeros < min_gap) {
            zeros = any[i] ? 0 : zeros + 1;
            i++;
        }
        runs[2 * count] = (int32_t)s;
        runs[2 * count + 1] = (int32_t)(i - zeros);
        count++;
    }
    return count;
}

// A micro-kernel's statements per sample of its block.
#define ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define ROWS12(X) ROWS6(X) X(6) X(7) X(8) X(9) X(10) X(11)

// The k-steps of run q within [k0, k1), as the head of a for loop:
// `for (FOR_RUN_STEPS(k, runs, q, k0, k1)) { … }`.
#define FOR_RUN_STEPS(k, runs, q, k0, k1) \
    long k = (runs)[2 * (q)] > (k0) ? (runs)[2 * (q)] : (k0), k##_end = (runs)[2 * (q) + 1] < (k1) ? (runs)[2 * (q) + 1] : (k1); k < k##_end; k++

// A micro-kernel of the blocked driver: MR samples' input words at a (stride lda words) over
// the k-steps of the runs within [k0, k1), times one or two panels of the packed matrix
// (b0, b1: 64 bytes per k-step), into c (stride ldc floats; first: from 0, else adding to
// what an earlier pass left there); fin non-NULL on the last pass (the integer kernels read
// their channel factors there).
typedef void (*aimc_micro2)(const uint32_t *a, long lda, const void *b0, const void *b1, const int32_t *runs, long nruns, long k0, long k1,
                            float *c, long ldc, int first, const double *fin);
typedef void (*aimc_micro1)(const uint32_t *a, long lda, const void *b0, const int32_t *runs, long nruns, long k0, long k1, float *c,
                            long ldc, int first, const double *fin);

// tile_blocked.c: the runs of k-steps where one of mr samples has a non-zero word (& mask);
// the driver of both array stages (variant: of the run search); its workspace in words.
long aimc_nonzero_runs(int variant, const uint32_t *a, long lda, long mr, long k, uint32_t mask, long min_gap, uint32_t *any, int32_t *runs);
void aimc_blocked(const uint32_t *a, long lda, long n, long k, uint32_t mask, long min_gap, const void *packed, long panels,
                  const double *factor, float *y, long ldy, uint32_t *work, int variant, long MR, aimc_micro2 kernel2, aimc_micro1 kernel1);
size_t aimc_blocked_workspace(long n, long k);

#endif
