#ifndef MAMI_KERNELS_H
#define MAMI_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Weights in Q4_0: blocks of 32, each an fp16 scale then 16 bytes whose low
/// nibbles are weights 0-15 and high nibbles 16-31; a weight is (nibble - 8) * scale.
enum { MAMI_Q4_BLOCK = 32, MAMI_Q4_BLOCK_BYTES = 18 };

/// `columns` weights of one Q4_0 row as floats.
void mami_q4_row(const uint8_t *row, int columns, float *out);

/// y[t][o] = bias[o] + sum_k x[t][k] * w[o][k]: `w` holds `outputs` Q4_0 rows of
/// `inputs` weights (a multiple of 32); x is tokens x inputs, y tokens x outputs.
void mami_q4_linear(const uint8_t *w, const float *bias, const float *x, float *y, int tokens, int inputs, int outputs);

/// Whether this CPU runs the panel kernels below (AVX-512F).
int mami_panels_supported(void);

/// The uint16 elements of the panels of a matrix of `outputs` rows of `inputs` weights.
size_t mami_panels_count(int inputs, int outputs);

/// Repacks Q4_0 rows (`outputs` of `inputs` weights) as fp16 panels: for each group of 16 outputs,
/// for each input k, the 16 weights w[o][k] side by side (a missing output is 0). AVX-512F only.
void mami_q4_to_panels(const uint8_t *w, int inputs, int outputs, uint16_t *panels);

/// y[t][o] = bias[o] + sum_k x[t][k] * w[o][k] from panels (mami_q4_to_panels), eight tokens and 32
/// outputs at a time with no horizontal sums. AVX-512F only; `outputs` a multiple of 32.
void mami_panel_linear(const uint16_t *panels, const float *bias, const float *x, float *y, int tokens, int inputs, int outputs);

/// Each of the `tokens` rows of x (width `width`) becomes layernorm(x + residual) (residual may be NULL).
void mami_add_layer_norm(float *x, const float *residual, int tokens, int width,
                         const float *weight, const float *bias, float epsilon);

/// x = x * Phi(x), the exact (erf) GELU, for `count` values.
void mami_gelu(float *x, size_t count);

/// Self-attention: for each head h (of width hidden / heads), context[i][h] = sum_j softmax_j(q_i.k_j / sqrt(width)) v_j.
/// q, k, v and context are tokens x hidden; scores holds `tokens` floats.
void mami_attention(const float *q, const float *k, const float *v, float *context, int tokens, int hidden, int heads, float *scores);

/// Sets the calling thread's nice value (Linux schedules threads by their own nice); 0 on success, -1 elsewhere.
int mami_thread_nice(int nice);

#endif
