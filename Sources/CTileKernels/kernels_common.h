// What the C files of CTileKernels share (not part of the interface): the per-variant target
// attributes, the always-inlined body qualifier, the rounding constant, and the search for
// runs of non-zero rows that lets the products skip zero inputs.
#ifndef AIMC_KERNELS_COMMON_H
#define AIMC_KERNELS_COMMON_H

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

#endif
