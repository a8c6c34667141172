#include "tg_fixedpoint.h"
#include "tg_kernels_elementwise.h"

/* TFLM's reference int8 softmax (reference_ops::Softmax<int8_t, int8_t>): differences to
 * the row maximum are rescaled to Q5.26, exponentiated in fixed point, summed in Q12.19,
 * and each exp() is multiplied by the reciprocal of the sum. */
enum { SCALED_DIFF_BITS = 5, ACCUM_BITS = 12, OUTPUT_BITS = 8 };

/* x / 2^exponent rounded half away from zero, for exponents past 31 (a sum of exps above
 * 256 at one row: TFLM stops there with a failed check; this keeps the arithmetic defined). */
static int32_t rounding_divide_wide(int32_t x, int32_t exponent) {
  if (exponent <= 31) return tg_rounding_divide_by_pot(x, exponent);
  if (exponent > 62) return 0;
  const int64_t half = (int64_t)1 << (exponent - 1);
  const int64_t v = (int64_t)x;
  return (int32_t)(v >= 0 ? (v + half) >> exponent : -((-v + half) >> exponent));
}

void tg_softmax_s8(const tg_softmax_s8_params *p, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < p->outer; ++i) {
    const int8_t *row = in + (int64_t)i * p->depth;
    int8_t *orow = out + (int64_t)i * p->depth;
    int32_t max_in_row = -128;
    for (int32_t c = 0; c < p->depth; ++c) max_in_row = row[c] > max_in_row ? row[c] : max_in_row;

    int32_t sum_of_exps = 0; /* Q12.19; wraps like TFLM's only past 4096 maximal entries */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = tg_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        const int32_t e = tg_fp_exp_on_negative_values(scaled, SCALED_DIFF_BITS);
        sum_of_exps = tg_fp_add(sum_of_exps, tg_fp_rescale(e, 0, ACCUM_BITS));
      }
    }

    int num_bits_over_unit = 0;
    const int32_t shifted_scale = tg_fp_reciprocal(sum_of_exps, ACCUM_BITS, &num_bits_over_unit);
    const int32_t exponent = num_bits_over_unit + 31 - OUTPUT_BITS;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)row[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = tg_multiply_by_quantized_multiplier(diff, p->input_multiplier, p->input_left_shift);
        const int32_t e = tg_fp_exp_on_negative_values(scaled, SCALED_DIFF_BITS);
        int32_t r = rounding_divide_wide(tg_fp_mul(shifted_scale, e), exponent) - 128;
        r = r > 127 ? 127 : r;
        r = r < -128 ? -128 : r;
        orow[c] = (int8_t)r;
      } else {
        orow[c] = -128;
      }
    }
  }
}
