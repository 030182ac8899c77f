// Standard normal samples for the simulator's noise: Box–Muller in float (polynomial log and
// sincos, IEEE square root) of 64-bit random words, compiled for the x86-64 baseline, AVX2
// and AVX-512 from one body with only IEEE operations (-ffp-contract=off), so every variant
// gives the same bits; and the words of the counter-based output-noise stream, ARS-7.
//
// ARS (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
// the AES round function applied R times to a 128-bit counter XOR the key, the round keys
// stepped by the Weyl constants (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B) per 64-bit lane
// instead of AES's key schedule; R = 7 is Random123's default (ARS-5 already passes
// TestU01's BigCrush). The rounds run on the CPU's AES instructions (VAES on 4 or 2 blocks at
// once, AES-NI on one) or, on a CPU without them, on the software round below (FIPS-197);
// the block is defined by AES, so all give the same words (tested, with Random123's
// known-answer vectors of ARS-10).
#include "CTileKernels.h"
#include "kernels_common.h"

#include <pthread.h>
#include <string.h>

static const uint64_t WEYL_LO = 0x9E3779B97F4A7C15ull, WEYL_HI = 0xBB67AE8584CAA73Bull;
#define ARS_ROUNDS 7

// ---- The Box–Muller transform of one word.

static inline float fbits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline uint32_t bitsf(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }

// ln x for normal x in (0, 1]: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s),
// s = (m − 1)/(m + 1), |s| ≤ 0.1716, by its series to s⁷ (the next term, 2s⁹/9, is below
// 3·10⁻⁸). Error < 2·10⁻⁷ + one ulp of the result on [2⁻²⁴, 1] (tested against libm).
BODY float bm_log(float x) {
    uint32_t b = bitsf(x);
    int32_t e = (int32_t)(b >> 23) - 127;
    float m = fbits((b & 0x007FFFFFu) | 0x3F800000u);
    int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e += big;
    float s = (m - 1) / (m + 1), s2 = s * s;
    float p = 2.0f / 7;
    p = p * s2 + 2.0f / 5;
    p = p * s2 + 2.0f / 3;
    p = p * s2 + 2.0f;
    return s * p + (float)e * 0.693147180559945f;
}

// sin and cos of 2π·k/2²⁴ for k in [0, 2²⁴): the quadrant q = round(4k/2²⁴) from the integer,
// t = 2π·k/2²⁴ − q·π/2 in [−π/4, π/4], then the minimax polynomials of the Cephes library's
// sinf and cosf on that interval (S. L. Moshier, Cephes Math Library 2.2, 1992), the result
// rotated by q quarter turns (swap and sign bits). Error < 2·10⁻⁷ (tested against libm).
BODY void bm_sincos(int32_t k, float *so, float *co) {
    int32_t q = (k + (1 << 21)) >> 22;
    float t = (float)(k - (q << 22)) * (6.283185307179586f / 16777216.0f);
    float t2 = t * t;
    float s = -1.9515295891e-4f;
    s = s * t2 + 8.3321608736e-3f;
    s = s * t2 - 1.6666654611e-1f;
    s = s * t2 * t + t;
    float c = 2.443315711809948e-5f;
    c = c * t2 - 1.388731625493765e-3f;
    c = c * t2 + 4.166664568298827e-2f;
    c = c * t2 * t2 - 0.5f * t2 + 1.0f;
    uint32_t qq = (uint32_t)q & 3u;
    int swap = (int)(qq & 1u);
    float sv = swap ? c : s, cv = swap ? s : c;
    *so = fbits(bitsf(sv) ^ ((qq >> 1) << 31));            // sin < 0 in quadrants 2, 3
    *co = fbits(bitsf(cv) ^ (((qq ^ (qq >> 1)) & 1u) << 31));  // cos < 0 in quadrants 1, 2
}

// Word x → the pair (r·cos θ, r·sin θ): u₁ = (bits 40…63 + 1)/2²⁴ in (0, 1],
// r = √(−2 ln u₁), θ = 2π·(bits 8…31)/2²⁴.
BODY void bm_pair(uint64_t x, float *cos_out, float *sin_out) {
    float u1 = ((float)(int32_t)(x >> 40) + 1) * (1.0f / 16777216.0f);
    int32_t k = (int32_t)((x >> 8) & 0xFFFFFFu);
    float r = __builtin_sqrtf(-2 * bm_log(u1));
    float s, c;
    bm_sincos(k, &s, &c);
    *cos_out = r * c;
    *sin_out = r * s;
}

// Words w[0 ..< pairs] → out[2j], out[2j + 1]; the first `count` ≤ 2·pairs values are written.
BODY void box_muller_body(const uint64_t *w, long pairs, long count, float *out) {
    long whole = count / 2;
    for (long j = 0; j < whole; j++) bm_pair(w[j], out + 2 * j, out + 2 * j + 1);
    if (count % 2 == 1 && whole < pairs) {
        float unused;
        bm_pair(w[whole], out + 2 * whole, &unused);
    }
}

static void box_muller_portable(const uint64_t *w, long pairs, long count, float *out) { box_muller_body(w, pairs, count, out); }
#if defined(__x86_64__)
T256 static void box_muller_avx2(const uint64_t *w, long pairs, long count, float *out) { box_muller_body(w, pairs, count, out); }
T512 static void box_muller_avx512(const uint64_t *w, long pairs, long count, float *out) { box_muller_body(w, pairs, count, out); }
#endif

void aimc_box_muller(int variant, const uint64_t *words, long pairs, long count, float *out) {
    if (pairs <= 0 || count <= 0) return;
#if defined(__x86_64__)
    if (variant == AIMC_TILE_AVX512) { box_muller_avx512(words, pairs, count, out); return; }
    if (variant == AIMC_TILE_AVX2) { box_muller_avx2(words, pairs, count, out); return; }
#endif
    box_muller_portable(words, pairs, count, out);
}

float aimc_gaussian_log(float x) { return bm_log(x); }

void aimc_gaussian_sincos(int32_t k, float *s, float *c) { bm_sincos(k, s, c); }

// ---- ARS on 128-bit blocks: bytes as AES's state (little-endian 64-bit lanes lo, hi).

// The AES S-box (FIPS-197 §5.1.1), made once from its definition: the multiplicative inverse
// in GF(2⁸) mod x⁸ + x⁴ + x³ + x + 1 followed by the affine map with constant 0x63.
static uint8_t sbox[256];
static pthread_once_t sbox_once = PTHREAD_ONCE_INIT;

static uint8_t gf_mul(uint8_t a, uint8_t b) {
    uint8_t p = 0;
    for (int i = 0; i < 8; i++) {
        if (b & 1) p ^= a;
        uint8_t hi = a & 0x80;
        a = (uint8_t)(a << 1);
        if (hi) a ^= 0x1B;
        b >>= 1;
    }
    return p;
}

static void make_sbox(void) {
    for (int x = 0; x < 256; x++) {
        uint8_t inv = 0;
        if (x) {
            for (int y = 1; y < 256; y++) {
                if (gf_mul((uint8_t)x, (uint8_t)y) == 1) { inv = (uint8_t)y; break; }
            }
        }
        uint8_t s = inv;
        for (int i = 1; i < 5; i++) s ^= (uint8_t)((inv << i) | (inv >> (8 - i)));
        sbox[x] = s ^ 0x63;
    }
}

// One AES encryption round on state st (16 bytes, column-major as in FIPS-197): SubBytes,
// ShiftRows, MixColumns (skipped for the last round), AddRoundKey — what AESENC and
// AESENCLAST compute.
static void aes_round_sw(uint8_t st[16], const uint8_t rk[16], int last) {
    uint8_t t[16];
    for (int c = 0; c < 4; c++) {
        for (int r = 0; r < 4; r++) t[4 * c + r] = sbox[st[4 * ((c + r) & 3) + r]];
    }
    if (!last) {
        for (int c = 0; c < 4; c++) {
            uint8_t a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
            t[4 * c] = (uint8_t)(gf_mul(a0, 2) ^ gf_mul(a1, 3) ^ a2 ^ a3);
            t[4 * c + 1] = (uint8_t)(a0 ^ gf_mul(a1, 2) ^ gf_mul(a2, 3) ^ a3);
            t[4 * c + 2] = (uint8_t)(a0 ^ a1 ^ gf_mul(a2, 2) ^ gf_mul(a3, 3));
            t[4 * c + 3] = (uint8_t)(gf_mul(a0, 3) ^ a1 ^ a2 ^ gf_mul(a3, 2));
        }
    }
    for (int i = 0; i < 16; i++) st[i] = t[i] ^ rk[i];
}

static void store_lanes(uint8_t b[16], uint64_t lo, uint64_t hi) {
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(lo >> (8 * i));
        b[8 + i] = (uint8_t)(hi >> (8 * i));
    }
}

static void ars_block_sw(uint64_t ctr_lo, uint64_t ctr_hi, uint64_t key_lo, uint64_t key_hi, int rounds, uint64_t out[2]) {
    pthread_once(&sbox_once, make_sbox);
    uint8_t st[16], rk[16];
    store_lanes(st, ctr_lo ^ key_lo, ctr_hi ^ key_hi);
    for (int r = 1; r <= rounds; r++) {
        key_lo += WEYL_LO;
        key_hi += WEYL_HI;
        store_lanes(rk, key_lo, key_hi);
        aes_round_sw(st, rk, r == rounds);
    }
    out[0] = out[1] = 0;
    for (int i = 0; i < 8; i++) {
        out[0] |= (uint64_t)st[i] << (8 * i);
        out[1] |= (uint64_t)st[8 + i] << (8 * i);
    }
}

#if defined(__x86_64__)
__attribute__((target("aes,sse4.1"))) static void ars_block_ni(uint64_t ctr_lo, uint64_t ctr_hi, uint64_t key_lo, uint64_t key_hi, int rounds,
                                                                 uint64_t out[2]) {
    const __m128i weyl = _mm_set_epi64x((long long)WEYL_HI, (long long)WEYL_LO);
    __m128i k = _mm_set_epi64x((long long)key_hi, (long long)key_lo);
    __m128i v = _mm_xor_si128(_mm_set_epi64x((long long)ctr_hi, (long long)ctr_lo), k);
    for (int r = 1; r < rounds; r++) {
        k = _mm_add_epi64(k, weyl);
        v = _mm_aesenc_si128(v, k);
    }
    k = _mm_add_epi64(k, weyl);
    v = _mm_aesenclast_si128(v, k);
    _mm_storeu_si128((__m128i *)(void *)out, v);
}

// Blocks first … first + n − 1 of counter (B, 0) under key (key, 0), ARS-7: words[2i], words[2i + 1].
__attribute__((target("aes,sse4.1"))) static void ars_words_ni(uint64_t key, uint64_t first, long n, uint64_t *words) {
    const __m128i weyl = _mm_set_epi64x((long long)WEYL_HI, (long long)WEYL_LO);
    __m128i k0 = _mm_set_epi64x(0, (long long)key), rk[ARS_ROUNDS], k = k0;
    for (int r = 0; r < ARS_ROUNDS; r++) rk[r] = k = _mm_add_epi64(k, weyl);
    for (long i = 0; i < n; i++) {
        __m128i v = _mm_xor_si128(_mm_set_epi64x(0, (long long)(first + (uint64_t)i)), k0);
        for (int r = 0; r < ARS_ROUNDS - 1; r++) v = _mm_aesenc_si128(v, rk[r]);
        v = _mm_aesenclast_si128(v, rk[ARS_ROUNDS - 1]);
        _mm_storeu_si128((__m128i *)(void *)(words + 2 * i), v);
    }
}

__attribute__((target("avx2,vaes,aes"))) static void ars_words_vaes256(uint64_t key, uint64_t first, long n, uint64_t *words) {
    const __m256i weyl = _mm256_set_epi64x((long long)WEYL_HI, (long long)WEYL_LO, (long long)WEYL_HI, (long long)WEYL_LO);
    __m256i k0 = _mm256_set_epi64x(0, (long long)key, 0, (long long)key), rk[ARS_ROUNDS], k = k0;
    for (int r = 0; r < ARS_ROUNDS; r++) rk[r] = k = _mm256_add_epi64(k, weyl);
    __m256i ctr = _mm256_set_epi64x(0, (long long)(first + 1), 0, (long long)first);
    const __m256i two = _mm256_set_epi64x(0, 2, 0, 2);
    long i = 0;
    for (; i + 2 <= n; i += 2) {
        __m256i v = _mm256_xor_si256(ctr, k0);
        for (int r = 0; r < ARS_ROUNDS - 1; r++) v = _mm256_aesenc_epi128(v, rk[r]);
        v = _mm256_aesenclast_epi128(v, rk[ARS_ROUNDS - 1]);
        _mm256_storeu_si256((__m256i *)(void *)(words + 2 * i), v);
        ctr = _mm256_add_epi64(ctr, two);
    }
    if (i < n) ars_words_ni(key, first + (uint64_t)i, n - i, words + 2 * i);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,vaes,aes"))) static void ars_words_vaes512(uint64_t key, uint64_t first, long n,
                                                                                                        uint64_t *words) {
    const __m512i weyl = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)WEYL_HI, (long long)WEYL_LO));
    __m512i k0 = _mm512_broadcast_i32x4(_mm_set_epi64x(0, (long long)key)), rk[ARS_ROUNDS], k = k0;
    for (int r = 0; r < ARS_ROUNDS; r++) rk[r] = k = _mm512_add_epi64(k, weyl);
    __m512i ctr = _mm512_set_epi64(0, (long long)(first + 3), 0, (long long)(first + 2), 0, (long long)(first + 1), 0, (long long)first);
    const __m512i four = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        __m512i v = _mm512_xor_si512(ctr, k0);
        for (int r = 0; r < ARS_ROUNDS - 1; r++) v = _mm512_aesenc_epi128(v, rk[r]);
        v = _mm512_aesenclast_epi128(v, rk[ARS_ROUNDS - 1]);
        _mm512_storeu_si512((void *)(words + 2 * i), v);
        ctr = _mm512_add_epi64(ctr, four);
    }
    if (i < n) ars_words_ni(key, first + (uint64_t)i, n - i, words + 2 * i);
}
#endif

static void ars_words_sw(uint64_t key, uint64_t first, long n, uint64_t *words) {
    for (long i = 0; i < n; i++) ars_block_sw(first + (uint64_t)i, 0, key, 0, ARS_ROUNDS, words + 2 * i);
}

// The widest implementation of the ARS words that the variant and the CPU allow (all give
// the same words).
static void ars_words(int variant, uint64_t key, uint64_t first, long n, uint64_t *words) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int aes = __builtin_cpu_supports("aes"), vaes = __builtin_cpu_supports("vaes");
    if (aes && vaes && variant == AIMC_TILE_AVX512) { ars_words_vaes512(key, first, n, words); return; }
    if (aes && vaes && variant >= AIMC_TILE_AVX2 && __builtin_cpu_supports("avx2")) { ars_words_vaes256(key, first, n, words); return; }
    if (aes) { ars_words_ni(key, first, n, words); return; }
#else
    (void)variant;
#endif
    ars_words_sw(key, first, n, words);
}

void aimc_ars_block(uint64_t ctr_lo, uint64_t ctr_hi, uint64_t key_lo, uint64_t key_hi, int rounds, int hardware, uint64_t out[2]) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (hardware && __builtin_cpu_supports("aes")) { ars_block_ni(ctr_lo, ctr_hi, key_lo, key_hi, rounds, out); return; }
#endif
    (void)hardware;
    ars_block_sw(ctr_lo, ctr_hi, key_lo, key_hi, rounds, out);
}

void aimc_ars_words(int variant, int hardware, uint64_t key, uint64_t first_block, long blocks, uint64_t *words) {
    if (blocks <= 0) return;
    if (hardware) ars_words(variant, key, first_block, blocks, words);
    else ars_words_sw(key, first_block, blocks, words);
}

// Pairs first_pair … first_pair + pairs − 1 of the stream: pair P is Box–Muller of word P,
// the (P mod 2)-th 64-bit lane of ARS block ⌊P/2⌋ (counter (⌊P/2⌋, 0), key (key, 0)).
void aimc_gaussian_stream(int variant, uint64_t key, uint64_t first_pair, long pairs, float *out) {
    enum { CHUNK = 128 };  // pairs per step: 1 KiB of words in L1
    uint64_t words[CHUNK + 2];
    long done = 0;
    while (done < pairs) {
        long m = pairs - done < CHUNK ? pairs - done : CHUNK;
        uint64_t p0 = first_pair + (uint64_t)done;
        uint64_t b0 = p0 >> 1, b1 = (p0 + (uint64_t)m - 1) >> 1;
        ars_words(variant, key, b0, (long)(b1 - b0 + 1), words);
        aimc_box_muller(variant, words + (p0 & 1), m, 2 * m, out + 2 * done);
        done += m;
    }
}
