#include "tg_fixedpoint.h"
#include "tg_kernels_elementwise.h"

/* TFLM's reference_integer_ops::Logistic: the input rescaled to Q4.27, gemmlowp's
 * fixed-point logistic, the Q0.31 result rounded to 8 fractional bits; output scale
 * 1/256, zero point -128. */
void tg_logistic_s8(const tg_sigmoid_s8_params *p, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < p->elements; ++i) {
    const int32_t x = (int32_t)in[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      out[i] = -128;
    } else if (x >= p->input_range_radius) {
      out[i] = 127;
    } else {
      const int32_t q4 = tg_multiply_by_quantized_multiplier(x, p->input_multiplier, p->input_left_shift);
      int32_t r = tg_rounding_divide_by_pot(tg_fp_logistic(q4, 4), 31 - 8) - 128;
      r = r < -128 ? -128 : r;
      r = r > 127 ? 127 : r;
      out[i] = (int8_t)r;
    }
  }
}
