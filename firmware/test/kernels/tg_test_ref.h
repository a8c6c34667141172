/* Independent reference pieces for the spatial kernels' tests. Instead of the kernels'
 * per-tap bounds checks, the input is copied into an explicitly padded buffer (filled
 * with the zero point, or 0.0 for float), and output sizes and paddings come from
 * TFLite's documented formulas written here a second time:
 *   SAME:  out = ceil(in / stride)
 *   VALID: out = ceil((in - effective_filter + 1) / stride)
 *   total padding = max(0, (out - 1) * stride + effective_filter - in), top/left = total / 2 */
#ifndef TG_TEST_REF_H
#define TG_TEST_REF_H

#include <stdint.h>

#include "tg_quant.h"

#define TG_TEST_SAME 0
#define TG_TEST_VALID 1

static inline int32_t tg_ref_out_size(int32_t padding, int32_t in, int32_t k, int32_t stride, int32_t dilation) {
  const int32_t eff = (k - 1) * dilation + 1;
  if (padding == TG_TEST_SAME) return (in + stride - 1) / stride;
  return in >= eff ? (in - eff + stride) / stride : 0;
}

static inline int32_t tg_ref_pad_before(int32_t in, int32_t k, int32_t stride, int32_t dilation, int32_t out) {
  const int32_t eff = (k - 1) * dilation + 1;
  const int32_t total = (out - 1) * stride + eff - in;
  return total > 0 ? total / 2 : 0;
}

/* Copies an NHWC tensor into a buffer of n x ph x pw x c (ph, pw large enough) at offset
 * (top, left), everything else = fill. */
#define TG_REF_PAD_BODY                                                                                      \
  for (int32_t i = 0; i < n * ph * pw * c; ++i) out[i] = fill;                                             \
  for (int32_t b = 0; b < n; ++b)                                                                          \
    for (int32_t y = 0; y < h; ++y)                                                                        \
      for (int32_t x = 0; x < w; ++x)                                                                      \
        for (int32_t ch = 0; ch < c; ++ch)                                                                 \
          out[((b * ph + y + top) * pw + x + left) * c + ch] = in[((b * h + y) * w + x) * c + ch];

static inline void tg_ref_pad_s8(const int8_t *in, int32_t n, int32_t h, int32_t w, int32_t c, int32_t top,
                                 int32_t left, int32_t ph, int32_t pw, int8_t fill, int8_t *out) {
  TG_REF_PAD_BODY
}

static inline void tg_ref_pad_f32(const float *in, int32_t n, int32_t h, int32_t w, int32_t c, int32_t top,
                                  int32_t left, int32_t ph, int32_t pw, float fill, float *out) {
  TG_REF_PAD_BODY
}

/* tg_quantize_multiplier with the shift in one byte, as the kernels take it (tg_quant_args). */
static inline void tg_ref_multiplier(double real, int32_t *mult, int8_t *shift) {
  int32_t s32;
  tg_quantize_multiplier(real, mult, &s32);
  *shift = (int8_t)s32;
}

/* The int8 output of an int32 accumulator: TFLite's requantization (tested on its own in
 * test_quant), output offset, clamp. */
static inline int8_t tg_ref_requant(int64_t acc, int32_t mult, int32_t shift, int32_t out_zp, int32_t lo,
                                    int32_t hi) {
  int32_t v = tg_multiply_by_quantized_multiplier((int32_t)acc, mult, shift) + out_zp;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return (int8_t)v;
}

static inline float tg_ref_clamp_f(double v, float lo, float hi) {
  const float f = (float)v;
  return f < lo ? lo : (f > hi ? hi : f);
}

#endif
