// What the float (tile_gemm.c) and integer (tile_gemm_int16.c) array stages share: the search
// for runs of non-zero inputs, the workspace, and the blocked driver around their
// micro-kernels. Both run over K "k-steps" — a float row, or a pair of int16 rows — with 4 bytes
// of input per sample and 64 bytes of the packed matrix per panel of 16 channels, so one
// driver serves both. The blocking follows Goto & van de Geijn, "Anatomy of high-performance
// matrix multiplication" (ACM TOMS 34, 2008) and the BLIS micro-kernel layout (Van Zee & van de
// Geijn, ACM TOMS 41, 2015): a micro-panel (a pass of k-steps × 16 or 32 channels) stays in L1
// while the samples, broadcast one word at a time from where they lie (no packing), stream
// from L2.
#include "CTileKernels.h"
#include "kernels_common.h"

#include <string.h>

// K-steps per pass over a micro-panel (two panels: 256 × 2 × 64 B = 32 KiB).
#define KC 256

static inline long min_long(long a, long b) { return a < b ? a : b; }

size_t aimc_blocked_workspace(long n, long k) {
    // The partial block (12 × K words), the scratch of the run search (K words), and per
    // block of at least 6 samples its runs (K + 2 words) and their count (one word).
    long blocks = (n + 5) / 6;
    return (size_t)((AIMC_TILE_ROW_BLOCK + 1) * k + blocks * (k + 3) + 1);
}

// any[k] = OR over the mr samples at a (stride lda words) of their word k, masked: a loop that
// vectorises, compiled per variant.
BODY void or_words_body(const uint32_t *a, long lda, long mr, long k, uint32_t mask, uint32_t *any) {
    memset(any, 0, (size_t)k * sizeof(uint32_t));
    for (long r = 0; r < mr; r++) {
        const uint32_t *x = a + r * lda;
        for (long i = 0; i < k; i++) any[i] |= x[i] & mask;
    }
}

static void or_words_portable(const uint32_t *a, long lda, long mr, long k, uint32_t mask, uint32_t *any) {
    or_words_body(a, lda, mr, k, mask, any);
}
#if defined(__x86_64__)
T256 static void or_words_avx2(const uint32_t *a, long lda, long mr, long k, uint32_t mask, uint32_t *any) {
    or_words_body(a, lda, mr, k, mask, any);
}
T512 static void or_words_avx512(const uint32_t *a, long lda, long mr, long k, uint32_t mask, uint32_t *any) {
    or_words_body(a, lda, mr, k, mask, any);
}
#endif

long aimc_nonzero_runs(int variant, const uint32_t *a, long lda, long mr, long k, uint32_t mask, long min_gap, uint32_t *any, int32_t *runs) {
#if defined(__x86_64__)
    if (variant == AIMC_TILE_AVX512) or_words_avx512(a, lda, mr, k, mask, any);
    else if (variant == AIMC_TILE_AVX2) or_words_avx2(a, lda, mr, k, mask, any);
    else or_words_portable(a, lda, mr, k, mask, any);
#else
    (void)variant;
    or_words_portable(a, lda, mr, k, mask, any);
#endif
    return aimc_runs_from_mask(any, k, min_gap, runs);
}

// Marks the last pass for kernels that take no factors (the float ones): any non-NULL pointer.
static const double last_pass[1] = {0};

void aimc_blocked(const uint32_t *a, long lda, long n, long k, uint32_t mask, long min_gap, const void *packed, long panels,
                  const double *factor, float *y, long ldy, uint32_t *work, int variant, long MR, aimc_micro2 kernel2, aimc_micro1 kernel1) {
    long blocks = (n + MR - 1) / MR;
    long tail = n - (blocks - 1) * MR;  // samples in the last block
    uint32_t *partial = work;           // MR × K words
    uint32_t *any = work + MR * k;
    int32_t *runs = (int32_t *)(void *)(any + k);
    int32_t *nruns = runs + blocks * (k + 2);
    // The last, partial block of samples is copied with zero samples after it, so that every
    // kernel reads MR samples at one stride; its outputs go through tmp.
    if (tail < MR) {
        memset(partial, 0, (size_t)(MR * k) * sizeof(uint32_t));
        for (long r = 0; r < tail; r++) memcpy(partial + r * k, a + ((blocks - 1) * MR + r) * lda, (size_t)k * sizeof(uint32_t));
    }
    for (long ib = 0; ib < blocks; ib++) {
        long mr = min_long(MR, n - ib * MR);
        nruns[ib] = (int32_t)aimc_nonzero_runs(variant, a + ib * MR * lda, lda, mr, k, mask, min_gap, any, runs + ib * (k + 2));
    }
    float tmp[AIMC_TILE_ROW_BLOCK * 32] __attribute__((aligned(64)));
    memset(tmp, 0, sizeof tmp);
    // Passes of equal length, at most KC k-steps (272: 2 × 136, not 256 + 16).
    long passes = (k + KC - 1) / KC, step = (k + passes - 1) / passes;
    const uint8_t *b = (const uint8_t *)packed;
    for (long k0 = 0; k0 < k; k0 += step) {
        long k1 = min_long(k0 + step, k);
        int first = k0 == 0, last = k1 == k;
        for (long p = 0; p < panels;) {
            int two = kernel2 && p + 1 < panels;
            long width = two ? 32 : 16;
            const uint8_t *b0 = b + p * k * 64, *b1 = b0 + k * 64;
            const double *fin = !last ? NULL : factor ? factor + p * 16 : last_pass;
            for (long ib = 0; ib < blocks; ib++) {
                long mr = min_long(MR, n - ib * MR);
                const uint32_t *ab = mr < MR ? partial : a + ib * MR * lda;
                long la = mr < MR ? k : lda;
                const int32_t *rb = runs + ib * (k + 2);
                float *c = y + ib * MR * ldy + p * 16, *cc = c;
                long ldc = ldy;
                if (mr < MR) {
                    if (!first) for (long r = 0; r < mr; r++) memcpy(tmp + r * 32, c + r * ldy, (size_t)width * sizeof(float));
                    cc = tmp;
                    ldc = 32;
                }
                if (two) kernel2(ab, la, b0, b1, rb, nruns[ib], k0, k1, cc, ldc, first, fin);
                else kernel1(ab, la, b0, rb, nruns[ib], k0, k1, cc, ldc, first, fin);
                if (mr < MR) for (long r = 0; r < mr; r++) memcpy(c + r * ldy, tmp + r * 32, (size_t)width * sizeof(float));
            }
            p += two ? 2 : 1;
        }
    }
}
