#ifndef AIMC_CTILEKERNELS_H
#define AIMC_CTILEKERNELS_H

#include <stddef.h>

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
/// M packed as described at AIMC_TILE_PANEL. Every output is one fused multiply-add chain
/// over k = 0, 1, …, rows − 1 from +0, whatever the variant, block sizes or the other
/// samples, so every variant gives bit-identical results.
///   a: [n × lda] (lda ≥ rows); y: [n × ldy] (ldy ≥ 16·panels), every element written;
///   work: aimc_tile_gemm_workspace(n, rows) floats (any alignment).
void aimc_tile_gemm(
    int variant, const float *a, long lda, long n, long rows, const float *packed, long panels, float *y, long ldy,
    float *work);

#endif
