#include "tg_quant.h"

#include <float.h>
#include <math.h>

void tg_quantize_multiplier(double real_multiplier, int32_t *quantized_multiplier, int32_t *shift) {
  if (real_multiplier == 0.0) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  int exponent = 0;
  const double q = frexp(real_multiplier, &exponent); /* q in [0.5, 1) */
  /* round() is half away from zero, as TfLiteRound (std::round). */
  int64_t q_fixed = (int64_t)round(q * (double)(1LL << 31));
  if (q_fixed == (1LL << 31)) { /* q rounded up to 1.0: renormalise */
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) { /* every bit would be shifted out: flush to zero like TFLM */
    exponent = 0;
    q_fixed = 0;
  }
#if TG_SINGLE_ROUNDING
  if (exponent > 30) { /* the single-rounding multiply cannot shift left past 30 */
    exponent = 30;
    q_fixed = (1LL << 31) - 1;
  }
#endif
  *quantized_multiplier = (int32_t)q_fixed;
  *shift = (int32_t)exponent;
}

int32_t tg_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1LL - (1LL << 30));
  /* Division truncates toward zero, as gemmlowp's (not an arithmetic shift). */
  return (int32_t)((ab + nudge) / (1LL << 31));
}

int32_t tg_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  /* >> of a negative int32 is arithmetic on every compiler we target (gcc, clang). */
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

#if TG_SINGLE_ROUNDING
int32_t tg_multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int32_t shift) {
  const int32_t total_shift = 31 - shift;
  const int64_t round_half = (int64_t)1 << (total_shift - 1);
  const int64_t result = ((int64_t)x * (int64_t)quantized_multiplier + round_half) >> total_shift;
  return (int32_t)result;
}
#else
int32_t tg_multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int32_t shift) {
  const int32_t left_shift = shift > 0 ? shift : 0;
  const int32_t right_shift = shift > 0 ? 0 : -shift;
  /* TFLM computes x * (1 << left_shift) in int32; done in uint32 here so an overflow
   * wraps exactly as on the target instead of being undefined behaviour. */
  const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
  return tg_rounding_divide_by_pot(tg_saturating_rounding_doubling_high_mul(shifted, quantized_multiplier),
                                   right_shift);
}
#endif

int tg_activation_is_supported(int activation) {
  return activation == TG_ACT_NONE || activation == TG_ACT_RELU || activation == TG_ACT_RELU_N1_TO_1 ||
         activation == TG_ACT_RELU6;
}

const char *tg_activation_name(int activation) {
  switch (activation) {
  case TG_ACT_NONE:
    return "NONE";
  case TG_ACT_RELU:
    return "RELU";
  case TG_ACT_RELU_N1_TO_1:
    return "RELU_N1_TO_1";
  case TG_ACT_RELU6:
    return "RELU6";
  case TG_ACT_TANH:
    return "TANH";
  case TG_ACT_SIGN_BIT:
    return "SIGN_BIT";
  default:
    return "?";
  }
}

/* zero_point + round(f / scale) in float, as TFLM's Quantize(); fails when the value
 * does not fit an int32 (absurd scales). */
static tg_status quantize_f(float scale, int32_t zero_point, float f, int32_t *q) {
  const float t = roundf(f / scale);
  if (!(t >= -2147483648.0f && t <= 2147483520.0f)) { /* largest float below 2^31 */
    return TG_ERR_QUANT;
  }
  *q = zero_point + (int32_t)t;
  return TG_OK;
}

tg_status tg_activation_range_s8(int activation, float scale, int32_t zero_point, int32_t *act_min,
                                 int32_t *act_max) {
  const int32_t qmin = -128;
  const int32_t qmax = 127;
  if (!tg_activation_is_supported(activation)) {
    return TG_ERR_OPTIONS;
  }
  if (!(scale > 0.0f) || !isfinite(scale)) {
    return TG_ERR_QUANT;
  }
  int32_t lo = qmin;
  int32_t hi = qmax;
  int32_t q = 0;
  tg_status s = TG_OK;
  if (activation == TG_ACT_RELU || activation == TG_ACT_RELU6) {
    if ((s = quantize_f(scale, zero_point, 0.0f, &q)) != TG_OK) return s;
    lo = q > qmin ? q : qmin;
  }
  if (activation == TG_ACT_RELU6) {
    if ((s = quantize_f(scale, zero_point, 6.0f, &q)) != TG_OK) return s;
    hi = q < qmax ? q : qmax;
  }
  if (activation == TG_ACT_RELU_N1_TO_1) {
    if ((s = quantize_f(scale, zero_point, -1.0f, &q)) != TG_OK) return s;
    lo = q > qmin ? q : qmin;
    if ((s = quantize_f(scale, zero_point, 1.0f, &q)) != TG_OK) return s;
    hi = q < qmax ? q : qmax;
  }
  *act_min = lo;
  *act_max = hi;
  return TG_OK;
}

void tg_activation_range_f32(int activation, float *act_min, float *act_max) {
  switch (activation) {
  case TG_ACT_RELU:
    *act_min = 0.0f;
    *act_max = FLT_MAX;
    break;
  case TG_ACT_RELU6:
    *act_min = 0.0f;
    *act_max = 6.0f;
    break;
  case TG_ACT_RELU_N1_TO_1:
    *act_min = -1.0f;
    *act_max = 1.0f;
    break;
  default:
    *act_min = -FLT_MAX;
    *act_max = FLT_MAX;
    break;
  }
}
