// The float array stage of a tile read: the DAC levels of a block of samples times the
// tile's conductance matrix, packed once per readout (no repacking per call, unlike a BLAS
// sgemm), with every output one fused multiply-add chain over the rows in order, + 0 at the
// end, so that the AVX-512, AVX2 and portable variants give the same bits. The micro-kernels
// run under the blocked driver of tile_blocked.c, one k-step per row. Runs of rows whose
// inputs are zero for every sample of a block are skipped: a zero input adds a zero product,
// which changes the chain at most by the sign of a zero sum, and the final + 0 makes that +0.
#include "CTileKernels.h"
#include "kernels_common.h"

#include <string.h>

static inline long min_long(long a, long b) { return a < b ? a : b; }

size_t aimc_tile_gemm_workspace(long n, long rows) { return aimc_blocked_workspace(n, rows); }

// Rows whose |input| has no bits for a whole block (±0) are skipped; gaps of fewer than 3 zero
// rows stay inside a run.
#define ZERO_MASK 0x7FFFFFFFu
#define MIN_GAP 3

// a·b + c rounded once to float, without a hardware FMA: the product is exact in double,
// the double sum is made round-to-odd (its error found exactly by TwoSum, Knuth TAOCP vol. 2
// §4.2.2; a sum that is inexact and even moves one ulp towards the exact value), and rounding a
// round-to-odd double to float is the correct rounding of the exact value (Boldo & Melquiond,
// "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd",
// IEEE Trans. Computers 57, 2008; 53 ≥ 24 + 2 bits). Branch-free, so the loops vectorise
// with SSE2; the same bits as fmaf for finite operands.
static inline float fma_exact(float a, float b, float c) {
    double p = (double)a * (double)b, cd = (double)c;
    double s = p + cd;
    double bb = s - p;
    double e = (p - (s - bb)) + (cd - bb);
    int64_t bits;
    memcpy(&bits, &s, sizeof bits);
    int64_t even = (bits & 1) == 0 && e != 0;
    int64_t up = (e > 0) == (s > 0);  // the exact value lies further from zero than s
    bits += even ? (up ? 1 : -1) : 0;
    memcpy(&s, &bits, sizeof s);
    return (float)s;
}

// The portable variant: the same chain through fma_exact, 4 samples at a time (independent
// chains to hide the emulation's latency), over the runs of rows where one of them is non-zero.
static void gemm_portable(const float *a, long lda, long n, long rows, const float *packed, long panels, float *y, long ldy, float *work) {
    uint32_t *any = (uint32_t *)(void *)work;
    int32_t *runs = (int32_t *)(void *)(any + rows);
    enum { R = 4 };
    for (long i0 = 0; i0 < n; i0 += R) {
        long mr = min_long(R, n - i0);
        const float *x[R];
        for (long r = 0; r < R; r++) x[r] = a + (i0 + (r < mr ? r : 0)) * lda;
        long nruns = aimc_nonzero_runs(AIMC_TILE_PORTABLE, (const uint32_t *)(const void *)x[0], lda, mr, rows, ZERO_MASK, MIN_GAP, any, runs);
        for (long p = 0; p < panels; p++) {
            const float *b = packed + p * rows * AIMC_TILE_PANEL;
            float acc[R][AIMC_TILE_PANEL];
            memset(acc, 0, sizeof acc);
            for (long q = 0; q < nruns; q++) {
                for (long k = runs[2 * q]; k < runs[2 * q + 1]; k++) {
                    const float *bk = b + k * AIMC_TILE_PANEL;
                    for (long r = 0; r < R; r++) {
                        float v = x[r][k];
                        for (int j = 0; j < AIMC_TILE_PANEL; j++) acc[r][j] = fma_exact(v, bk[j], acc[r][j]);
                    }
                }
            }
            for (long r = 0; r < mr; r++) {
                for (int j = 0; j < AIMC_TILE_PANEL; j++) y[(i0 + r) * ldy + p * AIMC_TILE_PANEL + j] = acc[r][j] + 0.0f;
            }
        }
    }
}

#if defined(__x86_64__)

// The micro-kernels (aimc_micro2 / aimc_micro1) accumulate over the runs of rows within
// [k0, k1) into c (first: from +0); on the last pass (fin non-NULL) + 0 turns a zero of either
// sign into +0.

// ---- AVX-512: 12 samples × 32 channels (24 accumulators), or × 16 for a last odd panel.
#define A12(r) (((r) < 4 ? a0 : (r) < 8 ? a4 : a8)[((r) & 3) * lda + k])

T512 static void k512_12x32(const uint32_t *aw, long lda, const void *pb0, const void *pb1, const int32_t *runs, long nruns, long k0, long k1,
                            float *c, long ldc, int first, const double *fin) {
    const float *a = (const float *)(const void *)aw, *b0 = (const float *)pb0, *b1 = (const float *)pb1;
#define I512_2(r) __m512 c##r##a = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc); \
                  __m512 c##r##b = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc + 16);
    ROWS12(I512_2)
    const float *a0 = a, *a4 = a + 4 * lda, *a8 = a + 8 * lda;
    for (long q = 0; q < nruns; q++) {
        for (FOR_RUN_STEPS(k, runs, q, k0, k1)) {
            __m512 x0 = _mm512_load_ps(b0 + k * 16), x1 = _mm512_load_ps(b1 + k * 16);
#define S512_2(r) { __m512 v = _mm512_set1_ps(A12(r)); c##r##a = _mm512_fmadd_ps(v, x0, c##r##a); c##r##b = _mm512_fmadd_ps(v, x1, c##r##b); }
            ROWS12(S512_2)
        }
    }
    if (fin) {
        __m512 z = _mm512_setzero_ps();
#define Z512_2(r) c##r##a = _mm512_add_ps(c##r##a, z); c##r##b = _mm512_add_ps(c##r##b, z);
        ROWS12(Z512_2)
    }
#define W512_2(r) _mm512_storeu_ps(c + r * ldc, c##r##a); _mm512_storeu_ps(c + r * ldc + 16, c##r##b);
    ROWS12(W512_2)
}

T512 static void k512_12x16(const uint32_t *aw, long lda, const void *pb0, const int32_t *runs, long nruns, long k0, long k1,
                            float *c, long ldc, int first, const double *fin) {
    const float *a = (const float *)(const void *)aw, *b0 = (const float *)pb0;
#define I512_1(r) __m512 c##r##a = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc);
    ROWS12(I512_1)
    const float *a0 = a, *a4 = a + 4 * lda, *a8 = a + 8 * lda;
    for (long q = 0; q < nruns; q++) {
        for (FOR_RUN_STEPS(k, runs, q, k0, k1)) {
            __m512 x0 = _mm512_load_ps(b0 + k * 16);
#define S512_1(r) c##r##a = _mm512_fmadd_ps(_mm512_set1_ps(A12(r)), x0, c##r##a);
            ROWS12(S512_1)
        }
    }
    if (fin) {
        __m512 z = _mm512_setzero_ps();
#define Z512_1(r) c##r##a = _mm512_add_ps(c##r##a, z);
        ROWS12(Z512_1)
    }
#define W512_1(r) _mm512_storeu_ps(c + r * ldc, c##r##a);
    ROWS12(W512_1)
}

// ---- AVX2: 6 samples × 16 channels (12 accumulators).
#define A6(r) (((r) < 3 ? a0 : a3)[((r) % 3) * lda + k])

T256 static void k256_6x16(const uint32_t *aw, long lda, const void *pb, const int32_t *runs, long nruns, long k0, long k1,
                           float *c, long ldc, int first, const double *fin) {
    const float *a = (const float *)(const void *)aw, *b = (const float *)pb;
#define I256(r) __m256 c##r##a = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc); \
                __m256 c##r##b = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc + 8);
    ROWS6(I256)
    const float *a0 = a, *a3 = a + 3 * lda;
    for (long q = 0; q < nruns; q++) {
        for (FOR_RUN_STEPS(k, runs, q, k0, k1)) {
            __m256 x0 = _mm256_load_ps(b + k * 16), x1 = _mm256_load_ps(b + k * 16 + 8);
#define S256(r) { __m256 v = _mm256_broadcast_ss(&A6(r)); c##r##a = _mm256_fmadd_ps(v, x0, c##r##a); c##r##b = _mm256_fmadd_ps(v, x1, c##r##b); }
            ROWS6(S256)
        }
    }
    if (fin) {
        __m256 z = _mm256_setzero_ps();
#define Z256(r) c##r##a = _mm256_add_ps(c##r##a, z); c##r##b = _mm256_add_ps(c##r##b, z);
        ROWS6(Z256)
    }
#define W256(r) _mm256_storeu_ps(c + r * ldc, c##r##a); _mm256_storeu_ps(c + r * ldc + 8, c##r##b);
    ROWS6(W256)
}

#endif

void aimc_tile_gemm(
    int variant, const float *a, long lda, long n, long rows, const float *packed, long panels, float *y, long ldy,
    float *work) {
    if (n <= 0 || panels <= 0) return;
    if (rows <= 0) {
        for (long i = 0; i < n; i++) memset(y + i * ldy, 0, (size_t)(panels * AIMC_TILE_PANEL) * sizeof(float));
        return;
    }
#if defined(__x86_64__)
    const uint32_t *aw = (const uint32_t *)(const void *)a;
    uint32_t *ww = (uint32_t *)(void *)work;
    if (variant == AIMC_TILE_AVX512) {
        aimc_blocked(aw, lda, n, rows, ZERO_MASK, MIN_GAP, packed, panels, NULL, y, ldy, ww, variant, 12, k512_12x32, k512_12x16);
        return;
    }
    if (variant == AIMC_TILE_AVX2) {
        aimc_blocked(aw, lda, n, rows, ZERO_MASK, MIN_GAP, packed, panels, NULL, y, ldy, ww, variant, 6, NULL, k256_6x16);
        return;
    }
#endif
    gemm_portable(a, lda, n, rows, packed, panels, y, ldy, work);
}
