#include "MamiKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

int mami_thread_nice(int nice) {
#if defined(__linux__)
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
#else
    (void)nice;
    return -1;
#endif
}

// Each kernel is built for AVX-512, AVX2+FMA and the baseline x86-64 CPU; the
// loader picks the best the machine has. Sums may be reordered (vectorized).
#if defined(__x86_64__)
#define MAMI_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MAMI_CLONES
#endif

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal: normalize
        int shift = 0;
        while (!(mantissa & 0x400)) { mantissa <<= 1; shift++; }
        bits = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3FF) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

MAMI_CLONES
void mami_q4_row(const uint8_t *row, int columns, float *out) {
    for (int b = 0; b < columns / MAMI_Q4_BLOCK; b++) {
        const uint8_t *block = row + b * MAMI_Q4_BLOCK_BYTES;
        float scale = half_to_float((uint16_t)(block[0] | block[1] << 8));
        float *o = out + b * MAMI_Q4_BLOCK;
        for (int j = 0; j < 16; j++) {
            o[j] = (float)((int)(block[2 + j] & 0x0F) - 8) * scale;
            o[j + 16] = (float)((int)(block[2 + j] >> 4) - 8) * scale;
        }
    }
}

/// Four weight rows (each `inputs` floats apart) against four token rows: sums[4 * row + token].
typedef void (*tile_kernel)(const float *w, const float *const *x, int inputs, float sums[16]);
/// One row of Q4_0 blocks as floats.
typedef void (*row_kernel)(const uint8_t *row, int columns, float *out);

static void tile_portable(const float *w, const float *const *x, int inputs, float sums[16]) {
    for (int r = 0; r < 4; r++) {
        for (int t = 0; t < 4; t++) {
            float s = 0;
            for (int k = 0; k < inputs; k++) s += w[r * inputs + k] * x[t][k];
            sums[4 * r + t] = s;
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static void tile_avx512(const float *w, const float *const *x, int inputs, float sums[16]) {
    __m512 s[16];
    for (int i = 0; i < 16; i++) s[i] = _mm512_setzero_ps();
    for (int k = 0; k < inputs; k += 16) {
        __m512 v[4];
        for (int t = 0; t < 4; t++) v[t] = _mm512_loadu_ps(x[t] + k);
        for (int r = 0; r < 4; r++) {
            __m512 weights = _mm512_loadu_ps(w + r * inputs + k);
            for (int t = 0; t < 4; t++) s[4 * r + t] = _mm512_fmadd_ps(v[t], weights, s[4 * r + t]);
        }
    }
    for (int i = 0; i < 16; i++) sums[i] = _mm512_reduce_add_ps(s[i]);
}

__attribute__((target("avx512f")))
static void row_avx512(const uint8_t *row, int columns, float *out) {
    const __m512 eight = _mm512_set1_ps(8.0f);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    for (int b = 0; b < columns / MAMI_Q4_BLOCK; b++) {
        const uint8_t *block = row + b * MAMI_Q4_BLOCK_BYTES;
        __m512 scale = _mm512_set1_ps(half_to_float((uint16_t)(block[0] | block[1] << 8)));
        __m128i q = _mm_loadu_si128((const __m128i *)(block + 2));
        __m128i low = _mm_and_si128(q, nibble), high = _mm_and_si128(_mm_srli_epi16(q, 4), nibble);
        __m512 a = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(low)), c = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(high));
        _mm512_storeu_ps(out + b * MAMI_Q4_BLOCK, _mm512_mul_ps(_mm512_sub_ps(a, eight), scale));
        _mm512_storeu_ps(out + b * MAMI_Q4_BLOCK + 16, _mm512_mul_ps(_mm512_sub_ps(c, eight), scale));
    }
}

__attribute__((target("avx2,fma")))
static float sum_avx2(__m256 v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}

/// Two weight rows at a time: AVX2 has half the registers.
__attribute__((target("avx2,fma")))
static void tile_avx2(const float *w, const float *const *x, int inputs, float sums[16]) {
    for (int pair = 0; pair < 4; pair += 2) {
        __m256 s[8];
        for (int i = 0; i < 8; i++) s[i] = _mm256_setzero_ps();
        for (int k = 0; k < inputs; k += 8) {
            __m256 a = _mm256_loadu_ps(w + pair * inputs + k), b = _mm256_loadu_ps(w + (pair + 1) * inputs + k);
            for (int t = 0; t < 4; t++) {
                __m256 v = _mm256_loadu_ps(x[t] + k);
                s[t] = _mm256_fmadd_ps(v, a, s[t]);
                s[4 + t] = _mm256_fmadd_ps(v, b, s[4 + t]);
            }
        }
        for (int i = 0; i < 8; i++) sums[4 * pair + i] = sum_avx2(s[i]);
    }
}
#endif

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void panels_avx512(const uint8_t *w, int inputs, int outputs, uint16_t *panels) {
    size_t rowBytes = (size_t)inputs / MAMI_Q4_BLOCK * MAMI_Q4_BLOCK_BYTES;
    float *rows = aligned_alloc(64, sizeof(float) * 16 * (size_t)inputs);
    for (int group = 0; group * 16 < outputs; group++) {
        for (int r = 0; r < 16; r++) {
            int o = group * 16 + r;
            if (o < outputs) row_avx512(w + (size_t)o * rowBytes, inputs, rows + (size_t)r * inputs);
            else memset(rows + (size_t)r * inputs, 0, sizeof(float) * (size_t)inputs);
        }
        uint16_t *panel = panels + (size_t)group * 16 * inputs;
        for (int k = 0; k < inputs; k++) {
            __m512 column = _mm512_set_ps(rows[15 * inputs + k], rows[14 * inputs + k], rows[13 * inputs + k], rows[12 * inputs + k],
                                          rows[11 * inputs + k], rows[10 * inputs + k], rows[9 * inputs + k], rows[8 * inputs + k],
                                          rows[7 * inputs + k], rows[6 * inputs + k], rows[5 * inputs + k], rows[4 * inputs + k],
                                          rows[3 * inputs + k], rows[2 * inputs + k], rows[inputs + k], rows[k]);
            _mm256_storeu_si256((__m256i *)(panel + (size_t)k * 16), _mm512_cvtps_ph(column, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        }
    }
    free(rows);
}

/// Up to eight tokens against two panels (32 outputs): sixteen accumulators, one broadcast per token and input.
__attribute__((target("avx512f"), always_inline))
static inline void panel_tile(const uint16_t *p0, const uint16_t *p1, const float *bias, const float *x, float *y,
                       int count, int inputs, int outputs, int o) {
    __m512 a[8], b[8];
    __m512 b0 = _mm512_loadu_ps(bias + o), b1 = _mm512_loadu_ps(bias + o + 16);
    for (int t = 0; t < 8; t++) { a[t] = b0; b[t] = b1; }
    for (int k = 0; k < inputs; k++) {
        __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p0 + (size_t)k * 16)));
        __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p1 + (size_t)k * 16)));
        for (int t = 0; t < 8; t++) {
            if (t < count) {
                __m512 v = _mm512_set1_ps(x[(size_t)t * inputs + k]);
                a[t] = _mm512_fmadd_ps(v, w0, a[t]);
                b[t] = _mm512_fmadd_ps(v, w1, b[t]);
            }
        }
    }
    for (int t = 0; t < count; t++) {
        _mm512_storeu_ps(y + (size_t)t * outputs + o, a[t]);
        _mm512_storeu_ps(y + (size_t)t * outputs + o + 16, b[t]);
    }
}

__attribute__((target("avx512f")))
static void panel_linear_avx512(const uint16_t *panels, const float *bias, const float *x, float *y, int tokens, int inputs, int outputs) {
    for (int o = 0; o < outputs; o += 32) {
        const uint16_t *p0 = panels + (size_t)o * inputs, *p1 = p0 + (size_t)16 * inputs;
        for (int t = 0; t < tokens; t += 8) {
            int count = tokens - t < 8 ? tokens - t : 8;
            if (count == 8) panel_tile(p0, p1, bias, x + (size_t)t * inputs, y + (size_t)t * outputs, 8, inputs, outputs, o);
            else panel_tile(p0, p1, bias, x + (size_t)t * inputs, y + (size_t)t * outputs, count, inputs, outputs, o);
        }
    }
}
#endif

int mami_panels_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

size_t mami_panels_count(int inputs, int outputs) { return (size_t)((outputs + 15) / 16) * 16 * (size_t)inputs; }

void mami_q4_to_panels(const uint8_t *w, int inputs, int outputs, uint16_t *panels) {
#if defined(__x86_64__)
    if (mami_panels_supported()) panels_avx512(w, inputs, outputs, panels);
#else
    (void)w; (void)inputs; (void)outputs; (void)panels;
#endif
}

void mami_panel_linear(const uint16_t *panels, const float *bias, const float *x, float *y, int tokens, int inputs, int outputs) {
#if defined(__x86_64__)
    if (mami_panels_supported()) panel_linear_avx512(panels, bias, x, y, tokens, inputs, outputs);
#else
    (void)panels; (void)bias; (void)x; (void)y; (void)tokens; (void)inputs; (void)outputs;
#endif
}

/// The widest kernels this CPU runs (inputs are a multiple of 32, so of every vector width).
static void best_kernels(tile_kernel *tile, row_kernel *row) {
    *tile = tile_portable;
    *row = mami_q4_row;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        *tile = tile_avx512;
        *row = row_avx512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        *tile = tile_avx2;
    }
#endif
}

void mami_q4_linear(const uint8_t *w, const float *bias, const float *x, float *y, int tokens, int inputs, int outputs) {
    tile_kernel tile;
    row_kernel row;
    best_kernels(&tile, &row);
    size_t rowBytes = (size_t)inputs / MAMI_Q4_BLOCK * MAMI_Q4_BLOCK_BYTES;
    float weights[4 * inputs];
    for (int o = 0; o < outputs; o += 4) {
        int rows = outputs - o < 4 ? outputs - o : 4;
        for (int r = 0; r < 4; r++) row(w + (size_t)(o + (r < rows ? r : 0)) * rowBytes, inputs, weights + r * inputs);
        for (int t = 0; t < tokens; t += 4) {
            int count = tokens - t < 4 ? tokens - t : 4;
            const float *xs[4];
            for (int i = 0; i < 4; i++) xs[i] = x + (size_t)(t + (i < count ? i : 0)) * inputs;
            float sums[16];
            tile(weights, xs, inputs, sums);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < count; i++) y[(size_t)(t + i) * outputs + o + r] = sums[4 * r + i] + bias[o + r];
            }
        }
    }
}

#pragma clang fp reassociate(on) contract(fast)
MAMI_CLONES
void mami_add_layer_norm(float *x, const float *residual, int tokens, int width,
                         const float *weight, const float *bias, float epsilon) {
    for (int t = 0; t < tokens; t++) {
        float *row = x + (size_t)t * width;
        if (residual) {
            const float *add = residual + (size_t)t * width;
            for (int i = 0; i < width; i++) row[i] += add[i];
        }
        float mean = 0, variance = 0;
        for (int i = 0; i < width; i++) mean += row[i];
        mean /= (float)width;
        for (int i = 0; i < width; i++) variance += (row[i] - mean) * (row[i] - mean);
        float inverse = 1.0f / sqrtf(variance / (float)width + epsilon);
        for (int i = 0; i < width; i++) row[i] = (row[i] - mean) * inverse * weight[i] + bias[i];
    }
}

/// e^x for x <= 0 within a few ulp: 2^n by the exponent bits, 2^f by a polynomial.
static inline float exp_negative(float x) {
    x = x < -87.0f ? -87.0f : x;
    float z = x * 1.44269504f, n = floorf(z), f = z - n;
    float p = 1.0f + f * (0.693147182f + f * (0.240226507f + f * (0.0555041087f + f * (0.00961812911f + f * (0.00133335581f + f * 0.000154035304f)))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/// erf(x) by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
static inline float erf_approx(float x) {
    float a = fabsf(x), t = 1.0f / (1.0f + 0.3275911f * a);
    float y = 1.0f - t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))) * exp_negative(-a * a);
    return copysignf(y, x);
}

MAMI_CLONES
void mami_gelu(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erf_approx(x[i] * 0.70710678f));
}

#pragma clang fp reassociate(on) contract(fast)
MAMI_CLONES
void mami_attention(const float *q, const float *k, const float *v, float *context, int tokens, int hidden, int heads, float *scores) {
    int width = hidden / heads;
    float scale = 1.0f / sqrtf((float)width);
    for (int h = 0; h < heads; h++) {
        int column = h * width;
        for (int i = 0; i < tokens; i++) {
            const float *qi = q + (size_t)i * hidden + column;
            float top = -INFINITY, total = 0;
            for (int j = 0; j < tokens; j++) {
                const float *kj = k + (size_t)j * hidden + column;
                float s = 0;
                for (int d = 0; d < width; d++) s += qi[d] * kj[d];
                scores[j] = s * scale;
                top = scores[j] > top ? scores[j] : top;
            }
            for (int j = 0; j < tokens; j++) { scores[j] = exp_negative(scores[j] - top); total += scores[j]; }
            float *out = context + (size_t)i * hidden + column;
            for (int d = 0; d < width; d++) out[d] = 0;
            for (int j = 0; j < tokens; j++) {
                const float *vj = v + (size_t)j * hidden + column;
                float p = scores[j] / total;
                for (int d = 0; d < width; d++) out[d] += p * vj[d];
            }
        }
    }
}
