// The array stage in integers: the DAC level indices k (x = k·Δ) of a block of samples times
// a tile's matrix held as 16-bit integers per channel (w ≈ s_j·q, |q| ≤ a bound that keeps
// every dot product inside int32), y = RN_float(RN_double((Σ_k k·q) · f_j)) with
// f_j = s_j·Δ. The sums are exact integers, so every variant and blocking gives the same
// bits; the only approximation is the 16-bit representation of the weights (packed once per
// readout, NumericKernels.FixedPointTileMatrix). The micro-kernels run under the blocked
// driver of tile_blocked.c, one k-step per row pair (4 bytes of levels per sample, 64 bytes of
// weights per panel, as in the float stage). Variants: AVX-512 VNNI (vpdpwssd: 32 products
// per instruction, twice the float FMA's 16), AVX-512 BW and AVX2 (vpmaddwd + vpaddd), and
// portable C. Layout of the packed matrix: panels of 16 channels; in a panel, row pair
// p (rows 2p, 2p + 1) is 32 int16 at [p·32, p·32 + 32): channel j's two weights at 2j, 2j + 1
// (zeros beyond the last row and channel).
#include "CTileKernels.h"
#include "kernels_common.h"

#include <string.h>

static inline long min_l(long a, long b) { return a < b ? a : b; }

size_t aimc_tile_gemm_int16_workspace(long n, long rows) { return aimc_blocked_workspace(n, (rows + 1) / 2); }

// A row pair is skipped when both levels are 0 for a whole block; gaps of fewer than 2 zero
// pairs stay inside a run.
#define ZERO_MASK 0xFFFFFFFFu
#define MIN_GAP 2

static inline int32_t pair_at(const int16_t *x, long p) {
    int32_t w;
    memcpy(&w, x + 2 * p, sizeof w);
    return w;
}

// ---- Portable: 4 samples × 16 channels, plain integer C (exact on any target).
static void int16_portable(const int16_t *a, long lda, long n, long pairs, const int16_t *packed, long panels, const double *factor,
                           float *y, long ldy, int32_t *work) {
    enum { R = 4 };
    uint32_t *any = (uint32_t *)(void *)work;
    int32_t *runs = work + pairs;
    for (long i0 = 0; i0 < n; i0 += R) {
        long mr = min_l(R, n - i0);
        long nruns = aimc_nonzero_runs(AIMC_TILE_PORTABLE, (const uint32_t *)(const void *)(a + i0 * lda), lda / 2, mr, pairs, ZERO_MASK, MIN_GAP, any, runs);
        for (long pn = 0; pn < panels; pn++) {
            const int16_t *b = packed + pn * pairs * 32;
            int32_t acc[R][16];
            memset(acc, 0, sizeof acc);
            for (long q = 0; q < nruns; q++) {
                for (long p = runs[2 * q]; p < runs[2 * q + 1]; p++) {
                    const int16_t *bp = b + p * 32;
                    for (long r = 0; r < mr; r++) {
                        int32_t lo = a[(i0 + r) * lda + 2 * p], hi = a[(i0 + r) * lda + 2 * p + 1];
                        for (int j = 0; j < 16; j++) acc[r][j] += lo * bp[2 * j] + hi * bp[2 * j + 1];
                    }
                }
            }
            for (long r = 0; r < mr; r++) {
                for (int j = 0; j < 16; j++) y[(i0 + r) * ldy + pn * 16 + j] = (float)((double)acc[r][j] * factor[pn * 16 + j]);
            }
        }
    }
}

#if defined(__x86_64__)

// The micro-kernels (aimc_micro2 / aimc_micro1; lda in words = row pairs) accumulate into c
// as int32 (first: from 0) over the runs of pairs within [p0, p1); on the last pass (factor
// non-NULL) c becomes the floats (double)acc · f_j.
// tune=znver4: under the generic and Intel scheduling models LLVM's machine combiner splits
// vpdpwssd into vpmaddwd + vpaddd to shorten each accumulator's dependency chain, which the
// kernels' 12 or 24 independent accumulators do not need — half the products per instruction
// (measured: 138–176 against 210–318 GOP/s); the Zen 4 model keeps the instruction.
#define T512V __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512vnni,avx2,fma,tune=znver4")))

// Store 16 int32 lanes as floats (double)acc · f (two halves of 8 lanes in double).
#define OUT512(acc, dst, f)                                                                              \
    {                                                                                                    \
        __m512d lo = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(acc)), _mm512_loadu_pd(f)); \
        __m512d hi = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(acc, 1)), _mm512_loadu_pd((f) + 8)); \
        _mm256_storeu_ps(dst, _mm512_cvtpd_ps(lo));                                                      \
        _mm256_storeu_ps((dst) + 8, _mm512_cvtpd_ps(hi));                                                \
    }

#define KERNEL512(NAME, TARGET, MAC)                                                                                            \
    TARGET static void NAME(const uint32_t *aw, long lda, const void *pb0, const void *pb1, const int32_t *runs, long nruns,     \
                            long p0, long p1, float *c, long ldc, int first, const double *factor) {                             \
        const int16_t *a = (const int16_t *)(const void *)aw, *b0 = (const int16_t *)pb0, *b1 = (const int16_t *)pb1;             \
        int32_t *ci = (int32_t *)(void *)c;                                                                                      \
        ROWS12(INIT512)                                                                                                          \
        const int16_t *a0 = a, *a4 = a + 8 * lda, *a8 = a + 16 * lda;                                                            \
        for (long q = 0; q < nruns; q++) {                                                                                       \
            for (FOR_RUN_STEPS(p, runs, q, p0, p1)) {                                                                            \
                __m512i x0 = _mm512_load_si512((const void *)(b0 + p * 32)), x1 = _mm512_load_si512((const void *)(b1 + p * 32)); \
                ROWS12(MAC)                                                                                                      \
            }                                                                                                                    \
        }                                                                                                                        \
        if (factor) {                                                                                                            \
            ROWS12(FIN512)                                                                                                       \
        } else {                                                                                                                 \
            ROWS12(ST512)                                                                                                        \
        }                                                                                                                        \
    }
#define INIT512(r)                                                                                 \
    __m512i c##r##a = first ? _mm512_setzero_si512() : _mm512_loadu_si512((const void *)(ci + r * ldc)); \
    __m512i c##r##b = first ? _mm512_setzero_si512() : _mm512_loadu_si512((const void *)(ci + r * ldc + 16));
#define AP(r) _mm512_set1_epi32(pair_at((r) < 4 ? a0 : (r) < 8 ? a4 : a8, ((r) & 3) * lda + p))
#define VNNI(r)                                           \
    {                                                     \
        __m512i v = AP(r);                                \
        c##r##a = _mm512_dpwssd_epi32(c##r##a, v, x0);    \
        c##r##b = _mm512_dpwssd_epi32(c##r##b, v, x1);    \
    }
#define MADD(r)                                                           \
    {                                                                     \
        __m512i v = AP(r);                                                \
        c##r##a = _mm512_add_epi32(c##r##a, _mm512_madd_epi16(v, x0));   \
        c##r##b = _mm512_add_epi32(c##r##b, _mm512_madd_epi16(v, x1));   \
    }
#define FIN512(r) OUT512(c##r##a, c + r * ldc, factor) OUT512(c##r##b, c + r * ldc + 16, factor + 16)
#define ST512(r) _mm512_storeu_si512((void *)(ci + r * ldc), c##r##a); _mm512_storeu_si512((void *)(ci + r * ldc + 16), c##r##b);

KERNEL512(kv512_12x32, T512V, VNNI)
KERNEL512(km512_12x32, T512, MADD)

// 12 samples × 16 channels, for a last odd panel.
#define KERNEL512_1(NAME, TARGET, MAC)                                                                                          \
    TARGET static void NAME(const uint32_t *aw, long lda, const void *pb0, const int32_t *runs, long nruns, long p0, long p1,     \
                            float *c, long ldc, int first, const double *factor) {                                               \
        const int16_t *a = (const int16_t *)(const void *)aw, *b0 = (const int16_t *)pb0;                                         \
        int32_t *ci = (int32_t *)(void *)c;                                                                                      \
        ROWS12(INIT512_1)                                                                                                        \
        const int16_t *a0 = a, *a4 = a + 8 * lda, *a8 = a + 16 * lda;                                                            \
        for (long q = 0; q < nruns; q++) {                                                                                       \
            for (FOR_RUN_STEPS(p, runs, q, p0, p1)) {                                                                            \
                __m512i x0 = _mm512_load_si512((const void *)(b0 + p * 32));                                                     \
                ROWS12(MAC)                                                                                                      \
            }                                                                                                                    \
        }                                                                                                                        \
        if (factor) {                                                                                                            \
            ROWS12(FIN512_1)                                                                                                     \
        } else {                                                                                                                 \
            ROWS12(ST512_1)                                                                                                      \
        }                                                                                                                        \
    }
#define INIT512_1(r) __m512i c##r##a = first ? _mm512_setzero_si512() : _mm512_loadu_si512((const void *)(ci + r * ldc));
#define VNNI_1(r) c##r##a = _mm512_dpwssd_epi32(c##r##a, AP(r), x0);
#define MADD_1(r) c##r##a = _mm512_add_epi32(c##r##a, _mm512_madd_epi16(AP(r), x0));
#define FIN512_1(r) OUT512(c##r##a, c + r * ldc, factor)
#define ST512_1(r) _mm512_storeu_si512((void *)(ci + r * ldc), c##r##a);

KERNEL512_1(kv512_12x16, T512V, VNNI_1)
KERNEL512_1(km512_12x16, T512, MADD_1)

// AVX2: 6 samples × 16 channels (12 accumulators), vpmaddwd + vpaddd.
#define OUT256(acc, dst, f)                                                                               \
    {                                                                                                     \
        __m256d lo = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(acc)), _mm256_loadu_pd(f));  \
        __m256d hi = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(acc, 1)), _mm256_loadu_pd((f) + 4)); \
        _mm_storeu_ps(dst, _mm256_cvtpd_ps(lo));                                                          \
        _mm_storeu_ps((dst) + 4, _mm256_cvtpd_ps(hi));                                                    \
    }
T256 static void km256_6x16(const uint32_t *aw, long lda, const void *pb, const int32_t *runs, long nruns, long p0, long p1, float *c,
                            long ldc, int first, const double *factor) {
    const int16_t *a = (const int16_t *)(const void *)aw, *b = (const int16_t *)pb;
    int32_t *ci = (int32_t *)(void *)c;
#define INIT256(r)                                                                                  \
    __m256i c##r##a = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const void *)(ci + r * ldc)); \
    __m256i c##r##b = first ? _mm256_setzero_si256() : _mm256_loadu_si256((const void *)(ci + r * ldc + 8));
    ROWS6(INIT256)
    const int16_t *a0 = a, *a3 = a + 6 * lda;
    for (long q = 0; q < nruns; q++) {
        for (FOR_RUN_STEPS(p, runs, q, p0, p1)) {
            __m256i x0 = _mm256_load_si256((const void *)(b + p * 32)), x1 = _mm256_load_si256((const void *)(b + p * 32 + 16));
#define MADD256(r)                                                                                   \
    {                                                                                                \
        __m256i v = _mm256_set1_epi32(pair_at((r) < 3 ? a0 : a3, ((r) % 3) * lda + p));              \
        c##r##a = _mm256_add_epi32(c##r##a, _mm256_madd_epi16(v, x0));                               \
        c##r##b = _mm256_add_epi32(c##r##b, _mm256_madd_epi16(v, x1));                               \
    }
            ROWS6(MADD256)
        }
    }
    if (factor) {
#define FIN256(r) OUT256(c##r##a, c + r * ldc, factor) OUT256(c##r##b, c + r * ldc + 8, factor + 8)
        ROWS6(FIN256)
    } else {
#define ST256(r) _mm256_storeu_si256((void *)(ci + r * ldc), c##r##a); _mm256_storeu_si256((void *)(ci + r * ldc + 8), c##r##b);
        ROWS6(ST256)
    }
}

#endif

int aimc_tile_int16_has_vnni(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

void aimc_tile_gemm_int16(int variant, const int16_t *a, long lda, long n, long rows, const int16_t *packed, long panels,
                          const double *factor, float *y, long ldy, int32_t *work) {
    if (n <= 0 || panels <= 0) return;
    long pairs = (rows + 1) / 2;
    if (pairs == 0) {
        for (long i = 0; i < n; i++) memset(y + i * ldy, 0, (size_t)(panels * 16) * sizeof(float));
        return;
    }
#if defined(__x86_64__)
    const uint32_t *aw = (const uint32_t *)(const void *)a;  // a word per row pair
    uint32_t *ww = (uint32_t *)(void *)work;
    if (variant == AIMC_TILE_AVX512) {
        int vnni = aimc_tile_int16_has_vnni();
        aimc_blocked(aw, lda / 2, n, pairs, ZERO_MASK, MIN_GAP, packed, panels, factor, y, ldy, ww, variant, 12,
                     vnni ? kv512_12x32 : km512_12x32, vnni ? kv512_12x16 : km512_12x16);
        return;
    }
    if (variant == AIMC_TILE_AVX2) {
        aimc_blocked(aw, lda / 2, n, pairs, ZERO_MASK, MIN_GAP, packed, panels, factor, y, ldy, ww, variant, 6, NULL, km256_6x16);
        return;
    }
#endif
    int16_portable(a, lda, n, pairs, packed, panels, factor, y, ldy, work);
}
