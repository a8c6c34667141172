/* Fixed-point requantization helpers with TensorFlow Lite Micro's reference semantics
 * (kernels/internal/common.h, quantization_util.cc; gemmlowp's fixedpoint). Every int8
 * kernel rescales its int32 accumulator with these, so bit-exactness of the engine
 * rests on them. Default build: TFLM's default "double rounding" (a rounding doubling
 * high multiply, then a rounding right shift); -DTG_SINGLE_ROUNDING=1 selects TFLM's
 * TFLITE_SINGLE_ROUNDING variant (one 64-bit multiply, one rounding). */
#ifndef TG_QUANT_H
#define TG_QUANT_H

#include <stdint.h>

#include "tg_status.h"

#ifndef TG_SINGLE_ROUNDING
#define TG_SINGLE_ROUNDING 0
#endif

/* ActivationFunctionType of the TFLite schema (fused activations). */
enum {
  TG_ACT_NONE = 0,
  TG_ACT_RELU = 1,
  TG_ACT_RELU_N1_TO_1 = 2,
  TG_ACT_RELU6 = 3,
  TG_ACT_TANH = 4,
  TG_ACT_SIGN_BIT = 5
};

/* real_multiplier = quantized_multiplier * 2^(shift - 31), quantized_multiplier in
 * [2^30, 2^31) (or 0 for a zero multiplier); shift > 0 means a left shift. Multipliers
 * below 2^-31 flush to zero like TFLM. Used in prepare only (double math). */
void tg_quantize_multiplier(double real_multiplier, int32_t *quantized_multiplier, int32_t *shift);

/* round(a * b / 2^31), saturating the single overflow case a == b == INT32_MIN. */
int32_t tg_saturating_rounding_doubling_high_mul(int32_t a, int32_t b);

/* x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31]. */
int32_t tg_rounding_divide_by_pot(int32_t x, int32_t exponent);

/* x * quantized_multiplier * 2^(shift - 31) with TFLM's rounding (see top of file);
 * shift in [-31, 30] (prepare refuses effective scales of 2^30 or more). */
int32_t tg_multiply_by_quantized_multiplier(int32_t x, int32_t quantized_multiplier, int32_t shift);

/* Clamp range of a fused activation for an int8 output with this scale and zero point,
 * as TFLM's CalculateActivationRangeQuantized. TANH and SIGN_BIT (never fused by the
 * converter, silently ignored by TFLM) and unknown values return TG_ERR_OPTIONS. */
tg_status tg_activation_range_s8(int activation, float scale, int32_t zero_point, int32_t *act_min,
                                 int32_t *act_max);

/* Clamp range of a fused activation for a float output (TFLM's CalculateActivationRange);
 * NONE and anything unknown give [-FLT_MAX, FLT_MAX]: validate with tg_activation_is_supported. */
void tg_activation_range_f32(int activation, float *act_min, float *act_max);

/* 1 for NONE, RELU, RELU_N1_TO_1, RELU6: the fused activations operators accept. */
int tg_activation_is_supported(int activation);

/* Name for error messages ("RELU6"), "?" when unknown. */
const char *tg_activation_name(int activation);

#endif
