// The float array stage of a tile read: the DAC levels of a block of samples times the
// tile's conductance matrix, packed once per readout (no repacking per call, unlike a BLAS
// sgemm), with every output one fused multiply-add chain over the rows in order, + 0 at the
// end, so that the AVX-512, AVX2 and portable variants give the same bits. The blocking
// follows Goto & van de Geijn, "Anatomy of high-performance matrix multiplication" (ACM TOMS
// 34, 2008) and the BLIS micro-kernel layout (Van Zee & van de Geijn, ACM TOMS 41, 2015): a
// micro-panel of B (KC rows × 16 or 32 channels) stays in L1 while the samples, broadcast one
// input at a time from where they lie (no packing), stream from L2. Runs of rows whose inputs
// are zero for every sample of a block are skipped: a zero input adds a zero product, which
// changes the chain at most by the sign of a zero sum, and the final + 0 makes that +0.
#include "CTileKernels.h"
#include "kernels_common.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Rows of the inputs per pass over a micro-panel of B (≈ 32 KiB of B for two panels).
#define KC 256

static inline long min_long(long a, long b) { return a < b ? a : b; }

// Rows per pass: at most KC, the passes of equal length (272 rows: 2 × 136, not 256 + 16).
static inline long even_step(long rows) {
    long passes = (rows + KC - 1) / KC;
    return (rows + passes - 1) / passes;
}

size_t aimc_tile_gemm_workspace(long n, long rows) {
    // The partial block (MR × rows floats), the scratch of nonzero_runs (rows words), and
    // per block of at least 6 samples its runs (rows + 2 words) and their count (one word).
    long blocks = (n + 5) / 6;
    return (size_t)((AIMC_TILE_ROW_BLOCK + 1) * rows + blocks * (rows + 3) + 1);
}

// The runs of rows [start, end) in which one of the `mr` samples at a (stride lda) has a
// non-zero input, written to runs as start, end pairs (at most rows/2 + 1 of them); returns
// how many. Gaps of fewer than MIN_GAP zero rows stay inside a run (skipping them would cost
// more than it saves). `any`: scratch of `rows` words.
#define MIN_GAP 3
static long nonzero_runs(const float *a, long lda, long mr, long rows, uint32_t *any, int32_t *runs) {
    memset(any, 0, (size_t)rows * sizeof(uint32_t));
    for (long r = 0; r < mr; r++) {
        const uint32_t *x = (const uint32_t *)(const void *)(a + r * lda);
        for (long k = 0; k < rows; k++) any[k] |= x[k] & 0x7FFFFFFFu;  // ±0 has no bits but the sign
    }
    return aimc_runs_from_mask(any, rows, MIN_GAP, runs);
}

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
        long nruns = nonzero_runs(x[0], lda, mr, rows, any, runs);
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

#define ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define ROWS12(X) ROWS6(X) X(6) X(7) X(8) X(9) X(10) X(11)

// The micro-kernels read the samples where they lie, MR rows of a at stride lda (the inputs
// are broadcast one at a time, so they need no packing), over the runs of rows within
// [k0, k1), accumulating into c (first: from +0; last: + 0 at the end, which turns a zero
// of either sign into +0).

// ---- AVX-512: 12 samples × 32 channels (24 accumulators), or × 16 for a last odd panel.
#define A12(r) (((r) < 4 ? a0 : (r) < 8 ? a4 : a8)[((r) & 3) * lda + k])

T512 static void k512_12x32(const float *a, long lda, const float *b0, const float *b1, const int32_t *runs, long nruns, long k0, long k1,
                            float *c, long ldc, int first, int last) {
#define I512_2(r) __m512 c##r##a = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc); \
                  __m512 c##r##b = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc + 16);
    ROWS12(I512_2)
    const float *a0 = a, *a4 = a + 4 * lda, *a8 = a + 8 * lda;
    for (long q = 0; q < nruns; q++) {
        long s = runs[2 * q] > k0 ? runs[2 * q] : k0, e = runs[2 * q + 1] < k1 ? runs[2 * q + 1] : k1;
        for (long k = s; k < e; k++) {
            __m512 x0 = _mm512_load_ps(b0 + k * 16), x1 = _mm512_load_ps(b1 + k * 16);
#define S512_2(r) { __m512 v = _mm512_set1_ps(A12(r)); c##r##a = _mm512_fmadd_ps(v, x0, c##r##a); c##r##b = _mm512_fmadd_ps(v, x1, c##r##b); }
            ROWS12(S512_2)
        }
    }
    if (last) {
        __m512 z = _mm512_setzero_ps();
#define Z512_2(r) c##r##a = _mm512_add_ps(c##r##a, z); c##r##b = _mm512_add_ps(c##r##b, z);
        ROWS12(Z512_2)
    }
#define W512_2(r) _mm512_storeu_ps(c + r * ldc, c##r##a); _mm512_storeu_ps(c + r * ldc + 16, c##r##b);
    ROWS12(W512_2)
}

T512 static void k512_12x16(const float *a, long lda, const float *b0, const int32_t *runs, long nruns, long k0, long k1,
                            float *c, long ldc, int first, int last) {
#define I512_1(r) __m512 c##r##a = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + r * ldc);
    ROWS12(I512_1)
    const float *a0 = a, *a4 = a + 4 * lda, *a8 = a + 8 * lda;
    for (long q = 0; q < nruns; q++) {
        long s = runs[2 * q] > k0 ? runs[2 * q] : k0, e = runs[2 * q + 1] < k1 ? runs[2 * q + 1] : k1;
        for (long k = s; k < e; k++) {
            __m512 x0 = _mm512_load_ps(b0 + k * 16);
#define S512_1(r) c##r##a = _mm512_fmadd_ps(_mm512_set1_ps(A12(r)), x0, c##r##a);
            ROWS12(S512_1)
        }
    }
    if (last) {
        __m512 z = _mm512_setzero_ps();
#define Z512_1(r) c##r##a = _mm512_add_ps(c##r##a, z);
        ROWS12(Z512_1)
    }
#define W512_1(r) _mm512_storeu_ps(c + r * ldc, c##r##a);
    ROWS12(W512_1)
}

// ---- AVX2: 6 samples × 16 channels (12 accumulators).
#define A6(r) (((r) < 3 ? a0 : a3)[((r) % 3) * lda + k])

T256 static void k256_6x16(const float *a, long lda, const float *b, const int32_t *runs, long nruns, long k0, long k1,
                           float *c, long ldc, int first, int last) {
#define I256(r) __m256 c##r##a = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc); \
                __m256 c##r##b = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + r * ldc + 8);
    ROWS6(I256)
    const float *a0 = a, *a3 = a + 3 * lda;
    for (long q = 0; q < nruns; q++) {
        long s = runs[2 * q] > k0 ? runs[2 * q] : k0, e = runs[2 * q + 1] < k1 ? runs[2 * q + 1] : k1;
        for (long k = s; k < e; k++) {
            __m256 x0 = _mm256_load_ps(b + k * 16), x1 = _mm256_load_ps(b + k * 16 + 8);
#define S256(r) { __m256 v = _mm256_broadcast_ss(&A6(r)); c##r##a = _mm256_fmadd_ps(v, x0, c##r##a); c##r##b = _mm256_fmadd_ps(v, x1, c##r##b); }
            ROWS6(S256)
        }
    }
    if (last) {
        __m256 z = _mm256_setzero_ps();
#define Z256(r) c##r##a = _mm256_add_ps(c##r##a, z); c##r##b = _mm256_add_ps(c##r##b, z);
        ROWS6(Z256)
    }
#define W256(r) _mm256_storeu_ps(c + r * ldc, c##r##a); _mm256_storeu_ps(c + r * ldc + 8, c##r##b);
    ROWS6(W256)
}

// The blocked product for a micro-kernel of MR samples × one or two panels of 16 channels
// (kernel2 NULL: one panel at a time): the runs of non-zero rows found per block of MR
// samples, then per pass of `step` rows and per panel (pair) every block of samples, so
// that the panel's rows of the pass stay in L1 while the samples stream from L2. The last,
// partial block of samples is copied to `work` with zero rows after it, so that every
// kernel reads MR rows at one stride.
typedef void (*kernel_two)(const float *, long, const float *, const float *, const int32_t *, long, long, long, float *, long, int, int);
typedef void (*kernel_one)(const float *, long, const float *, const int32_t *, long, long, long, float *, long, int, int);

static void blocked(const float *a, long lda, long n, long rows, const float *packed, long panels, float *y, long ldy, float *work,
                    long MR, kernel_two kernel2, kernel_one kernel1) {
    long blocks = (n + MR - 1) / MR;
    long tail = n - (blocks - 1) * MR;  // samples in the last block
    float *partial = work;  // MR × rows
    uint32_t *any = (uint32_t *)(void *)(work + MR * rows);
    int32_t *runs = (int32_t *)(void *)(any + rows);
    int32_t *nruns = runs + blocks * (rows + 2);
    if (tail < MR) {
        memset(partial, 0, (size_t)(MR * rows) * sizeof(float));
        for (long r = 0; r < tail; r++) memcpy(partial + r * rows, a + ((blocks - 1) * MR + r) * lda, (size_t)rows * sizeof(float));
    }
    for (long ib = 0; ib < blocks; ib++) {
        long mr = min_long(MR, n - ib * MR);
        nruns[ib] = (int32_t)nonzero_runs(a + ib * MR * lda, lda, mr, rows, any, runs + ib * (rows + 2));
    }
    float tmp[AIMC_TILE_ROW_BLOCK * 32] __attribute__((aligned(64)));
    memset(tmp, 0, sizeof tmp);
    long step = even_step(rows);
    for (long k0 = 0; k0 < rows; k0 += step) {
        long k1 = min_long(k0 + step, rows);
        int first = k0 == 0, last = k1 == rows;
        for (long p = 0; p < panels;) {
            int two = kernel2 && p + 1 < panels;
            long width = two ? 32 : 16;
            const float *b0 = packed + p * rows * 16, *b1 = b0 + rows * 16;
            for (long ib = 0; ib < blocks; ib++) {
                long mr = min_long(MR, n - ib * MR);
                const float *ab = mr < MR ? partial : a + ib * MR * lda;
                long la = mr < MR ? rows : lda;
                const int32_t *rb = runs + ib * (rows + 2);
                float *c = y + ib * MR * ldy + p * 16;
                float *cc = c;
                long ldc = ldy;
                if (mr < MR) {  // the partial block's outputs go through tmp
                    if (!first) for (long r = 0; r < mr; r++) memcpy(tmp + r * 32, c + r * ldy, (size_t)width * sizeof(float));
                    cc = tmp;
                    ldc = 32;
                }
                if (two) kernel2(ab, la, b0, b1, rb, nruns[ib], k0, k1, cc, ldc, first, last);
                else kernel1(ab, la, b0, rb, nruns[ib], k0, k1, cc, ldc, first, last);
                if (mr < MR) for (long r = 0; r < mr; r++) memcpy(c + r * ldy, tmp + r * 32, (size_t)width * sizeof(float));
            }
            p += two ? 2 : 1;
        }
    }
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
    if (variant == AIMC_TILE_AVX512) { blocked(a, lda, n, rows, packed, panels, y, ldy, work, 12, k512_12x32, k512_12x16); return; }
    if (variant == AIMC_TILE_AVX2) { blocked(a, lda, n, rows, packed, panels, y, ldy, work, 6, NULL, k256_6x16); return; }
#endif
    gemm_portable(a, lda, n, rows, packed, panels, y, ldy, work);
}
