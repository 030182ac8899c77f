#ifndef AIMC_CTILEKERNELS_H
#define AIMC_CTILEKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Channels per panel of a packed tile matrix: the matrix [channels × rows] is stored as
/// ceil(channels / 16) panels, panel p holding channels 16p ..< 16p + 16 (zeros beyond the
/// last channel) for every row k at floats [p·rows·16 + k·16, +16).
#define AIMC_TILE_PANEL 16

/// Samples that every variant's row blocking divides (the AVX-512 micro-kernel's 12 rows).
#define AIMC_TILE_ROW_BLOCK 12

/// Instruction-set variants (the values of NumericKernels.Kernels.InstructionSet).
enum {
    AIMC_TILE_PORTABLE = 0,
    AIMC_TILE_AVX2 = 1,
    AIMC_TILE_AVX512 = 2,
};

/// Floats of workspace that aimc_tile_gemm needs for `n` samples of `rows` inputs.
size_t aimc_tile_gemm_workspace(long n, long rows);

/// y[i, j] = Σ_k a[i·lda + k] · M[j, k] for samples i < n and channels j < 16·panels, with
/// M (finite) packed as described at AIMC_TILE_PANEL. Every output is one fused multiply-add
/// chain over k = 0, 1, …, rows − 1 from +0, then + 0 (rows of zero inputs may be skipped:
/// they change nothing once the final + 0 has turned a −0 into +0), whatever the variant,
/// block sizes or the other samples, so every variant gives bit-identical results.
///   a: [n × lda] (lda ≥ rows); y: [n × ldy] (ldy ≥ 16·panels), every element written;
///   work: aimc_tile_gemm_workspace(n, rows) floats (any alignment; runs of non-zero rows and
///   a copy of a last partial block of samples).
void aimc_tile_gemm(
    int variant, const float *a, long lda, long n, long rows, const float *packed, long panels, float *y, long ldy,
    float *work);

/// The integer array stage (tile_gemm_int16.c): y[i, j] = (float)((double)Σ_k a[i·lda + k]·q[j, k]
/// · factor[j]) for samples i < n and channels j < 16·panels, with the level indices a
/// ([n × lda] int16, lda even ≥ rows rounded up to even, the element after an odd row count
/// 0) and the weights q packed per panel of 16 channels and row pair (32 int16 per pair:
/// channel j's weights of rows 2p and 2p + 1 at 2j and 2j + 1). Exact integer sums (the
/// caller bounds |a|·|q|·rows below 2³¹), so every variant gives the same bits.
///   factor: 16·panels doubles; y: [n × ldy], ldy ≥ 16·panels, every element written;
///   work: aimc_tile_gemm_int16_workspace(n, rows) int32 words.
void aimc_tile_gemm_int16(int variant, const int16_t *a, long lda, long n, long rows, const int16_t *packed, long panels,
                          const double *factor, float *y, long ldy, int32_t *work);

/// Words of workspace that aimc_tile_gemm_int16 needs for `n` samples of `rows` inputs.
size_t aimc_tile_gemm_int16_workspace(long n, long rows);

/// Whether this CPU has AVX-512 VNNI (the integer product's fastest kernel).
int aimc_tile_int16_has_vnni(void);

/// Box–Muller of 64-bit words (gaussian.c): word j gives out[2j] = r·cos θ and
/// out[2j + 1] = r·sin θ, r = √(−2 ln u₁), u₁ = (bits 40…63 + 1)/2²⁴, θ = 2π·(bits 8…31)/2²⁴;
/// the first `count` ≤ 2·pairs values are written (an odd count ends on a cos value).
void aimc_box_muller(int variant, const uint64_t *words, long pairs, long count, float *out);

/// Pairs first_pair ..< first_pair + pairs of the counter-based Gaussian stream `key`:
/// Box–Muller of word P = lane P mod 2 of ARS-7 block ⌊P/2⌋; 2·pairs floats.
void aimc_gaussian_stream(int variant, uint64_t key, uint64_t first_pair, long pairs, float *out);

/// The transform's log and sincos (for tests): ln x on (0, 1]; sin, cos of 2π·k/2²⁴.
float aimc_gaussian_log(float x);
void aimc_gaussian_sincos(int32_t k, float *s, float *c);

/// One ARS block (for tests): `rounds` AES rounds of (ctr_hi:ctr_lo) ⊕ key with the Weyl key
/// steps, on AES-NI when `hardware` and the CPU has it, else the software round; out[0] is the
/// low 64-bit lane.
void aimc_ars_block(uint64_t ctr_lo, uint64_t ctr_hi, uint64_t key_lo, uint64_t key_hi, int rounds, int hardware, uint64_t out[2]);

/// ARS-7 words of blocks first_block ..< first_block + blocks (counter (B, 0), key (key, 0)),
/// 2 per block, on the widest AES instructions the variant and CPU allow (hardware) or the
/// software round (for tests).
void aimc_ars_words(int variant, int hardware, uint64_t key, uint64_t first_block, long blocks, uint64_t *words);

/// The constants of one uniform converter (NumericKernels' ConverterLevels): step Δ and
/// 1/Δ, lowest and highest level index, and the input range [lower, upper].
typedef struct {
    float step, inverse_step, lowest, highest, lower, upper;
} aimc_converter_levels;

/// The largest |x_i| of n values as the bits of a float with its sign cleared (0 for n ≤ 0;
/// ≥ 0x7F800000 when a value is NaN or ±Inf).
uint32_t aimc_abs_max_bits(int variant, const float *x, long n);

/// DAC: dst[i] = k_i·Δ = Q(src[i] · inverse_scale), the level index k_i clamping v/Δ to
/// [lowest, highest] and rounding half to even (|k| < 2²²); indices (may be NULL) receive
/// k_i as int16 (the caller ensures |k| ≤ 32767). Returns how many scaled inputs lay beyond
/// [lower, upper].
long aimc_encode(int variant, const float *src, float *dst, int16_t *indices, long n, float inverse_scale, const aimc_converter_levels *c);

/// Output noise and ADC: dst[j] = Q(src[j] + sigma · noise[j]) (noise NULL: Q(src[j])),
/// counting conversions beyond the range (clipped) and non-zero values that gave level 0
/// (zeroed).
void aimc_digitise(int variant, const float *src, const float *noise, float sigma, float *dst, long n, const aimc_converter_levels *c,
                   long *clipped, long *zeroed);

/// Asks the CPU to bring `bytes` bytes at p into its caches (a software prefetch per 64-byte
/// line; no effect on results): the next sample's inputs while this one is converted.
void aimc_prefetch(const void *p, long bytes);

/// Digital accumulation: dst[j] += src[j] · factor · column_factor[j].
void aimc_accumulate(int variant, const float *src, float factor, const float *column_factor, float *dst, long n);

#endif
