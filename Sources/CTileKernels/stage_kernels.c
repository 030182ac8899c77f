// The element-wise stages of a tile read (abs-max input scale, DAC, ADC, digital
// accumulation), each body written once as plain C and compiled three times — for the
// x86-64 baseline, AVX2 and AVX-512 (function `target` attributes; clang vectorises the
// loops 4, 8 and 16 lanes wide) — with only IEEE operations that every instruction set
// computes identically (no fused multiply-add: the file is compiled with
// -ffp-contract=off), so that all variants give the same bits.
//
// The clamps are written as `lo > t ? lo : t` and `hi < t ? hi : t`, which map to single
// max/min instructions; they give the same bits as Swift's `min(max(t, lo), hi)` in
// `SIMDKernels.KernelBodies` (equal values at ties, NaN passed through) once the rounding
// by the 1.5·2²³ trick has turned a zero of either sign into +0.
#include "CTileKernels.h"
#include "kernels_common.h"

#include <string.h>

// The level index of v: v/Δ clamped to [lo, hi] and rounded half to even (an integral float).
BODY float level_index(float v, float inverse_step, float lo, float hi) {
    float t = v * inverse_step;
    t = lo > t ? lo : t;
    t = hi < t ? hi : t;
    return (t + ROUNDING_MAGIC) - ROUNDING_MAGIC;
}

BODY uint32_t abs_max_bits_body(const float *x, long n) {
    uint32_t largest = 0;
    for (long i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, x + i, sizeof b);
        b &= 0x7FFFFFFFu;
        largest = b > largest ? b : largest;
    }
    return largest;
}

BODY long encode_body(const float *src, float *dst, int16_t *indices, long n, float inverse_scale, const aimc_converter_levels *c) {
    const float step = c->step, inverse_step = c->inverse_step, lo = c->lowest, hi = c->highest, upper = c->upper, lower = c->lower;
    int32_t clipped = 0;
    if (indices) {
        for (long i = 0; i < n; i++) {
            float v = src[i] * inverse_scale;
            clipped += (v > upper) | (v < lower);
            float k = level_index(v, inverse_step, lo, hi);
            dst[i] = k * step;
            indices[i] = (int16_t)(int32_t)k;
        }
    } else {
        for (long i = 0; i < n; i++) {
            float v = src[i] * inverse_scale;
            clipped += (v > upper) | (v < lower);
            dst[i] = level_index(v, inverse_step, lo, hi) * step;
        }
    }
    return clipped;
}

BODY void digitise_body(const float *src, const float *noise, float sigma, float *dst, long n, const aimc_converter_levels *c,
                        long *clipped_out, long *zeroed_out) {
    const float step = c->step, inverse_step = c->inverse_step, lo = c->lowest, hi = c->highest, upper = c->upper, lower = c->lower;
    int32_t clipped = 0, zeroed = 0;
    // Two loops, so that the one without noise loads nothing for it.
#define DIGITISE(V)                                                 \
    for (long j = 0; j < n; j++) {                                  \
        float v = (V);                                              \
        clipped += (v > upper) | (v < lower);                       \
        float q = level_index(v, inverse_step, lo, hi) * step;      \
        zeroed += (q == 0) & (v != 0);                              \
        dst[j] = q;                                                 \
    }
    if (noise) {
        DIGITISE(src[j] + sigma * noise[j])
    } else {
        DIGITISE(src[j])
    }
#undef DIGITISE
    *clipped_out = clipped;
    *zeroed_out = zeroed;
}

BODY void accumulate_body(const float *src, float factor, const float *column_factor, float *dst, long n) {
    for (long j = 0; j < n; j++) dst[j] += src[j] * factor * column_factor[j];
}

// One function per variant and body; `variant` (AIMC_TILE_*) picks one at run time.
#if defined(__x86_64__)
#define DISPATCH(name, args) \
    (variant == AIMC_TILE_AVX512 ? name##_avx512 args : variant == AIMC_TILE_AVX2 ? name##_avx2 args : name##_portable args)
#else
#define DISPATCH(name, args) (name##_portable args)
#endif

#if defined(__x86_64__)
#define VARIANTS(ret, name, params, args)                                   \
    static ret name##_portable params { return name##_body args; }          \
    T256 static ret name##_avx2 params { return name##_body args; }         \
    T512 static ret name##_avx512 params { return name##_body args; }
#else
#define VARIANTS(ret, name, params, args) static ret name##_portable params { return name##_body args; }
#endif

VARIANTS(uint32_t, abs_max_bits, (const float *x, long n), (x, n))
VARIANTS(long, encode, (const float *src, float *dst, int16_t *k, long n, float s, const aimc_converter_levels *c), (src, dst, k, n, s, c))
VARIANTS(void, digitise, (const float *src, const float *z, float sigma, float *dst, long n, const aimc_converter_levels *c, long *cl, long *ze),
         (src, z, sigma, dst, n, c, cl, ze))
VARIANTS(void, accumulate, (const float *src, float f, const float *cf, float *dst, long n), (src, f, cf, dst, n))

uint32_t aimc_abs_max_bits(int variant, const float *x, long n) { return DISPATCH(abs_max_bits, (x, n)); }

long aimc_encode(int variant, const float *src, float *dst, int16_t *indices, long n, float inverse_scale, const aimc_converter_levels *c) {
    return DISPATCH(encode, (src, dst, indices, n, inverse_scale, c));
}

void aimc_digitise(int variant, const float *src, const float *noise, float sigma, float *dst, long n, const aimc_converter_levels *c,
                   long *clipped, long *zeroed) {
    DISPATCH(digitise, (src, noise, sigma, dst, n, c, clipped, zeroed));
}

void aimc_accumulate(int variant, const float *src, float factor, const float *column_factor, float *dst, long n) {
    DISPATCH(accumulate, (src, factor, column_factor, dst, n));
}

void aimc_prefetch(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 3);
}
