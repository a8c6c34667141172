/* gemmlowp-style Q-format fixed-point arithmetic (fixedpoint/fixedpoint.h) as TensorFlow
 * Lite Micro's integer SOFTMAX, LOGISTIC and TANH use it. A value in format "Qm" has m
 * integer bits and 31 - m fractional bits in an int32; products go through the rounding
 * doubling high multiply of tg_quant.h, so the integer bits of a product are the sum of
 * the operands'. Every constant and step below mirrors gemmlowp's so that results are
 * bit-exact; additions wrap in uint32 where gemmlowp relies on int32 wrap-around (no UB).
 * Header-only (static inline): the kernels that need it are few and hot. */
#ifndef TG_FIXEDPOINT_H
#define TG_FIXEDPOINT_H

#include <stdint.h>

#include "tg_quant.h"

static inline int32_t tg_fp_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t tg_fp_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t tg_fp_mul(int32_t a, int32_t b) { return tg_saturating_rounding_doubling_high_mul(a, b); }

/* x * 2^exponent for exponent > 0, saturating (gemmlowp's SaturatingRoundingMultiplyByPOT:
 * note the asymmetric threshold, -2^(31-e) saturates too). */
static inline int32_t tg_fp_sat_shl(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/* Changes the integer bits of a fixed-point value from src_bits to dst_bits. */
static inline int32_t tg_fp_rescale(int32_t x, int src_bits, int dst_bits) {
  const int exponent = src_bits - dst_bits;
  if (exponent > 0) return tg_fp_sat_shl(x, exponent);
  if (exponent < 0) return tg_rounding_divide_by_pot(x, -exponent);
  return x;
}

/* (a + b) / 2 rounded half away from zero, in 64 bits. */
static inline int32_t tg_fp_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

#define TG_FP_ONE_Q0 INT32_MAX /* 1.0 in Q0 is the largest value below it */

/* exp(a) for a in [-1/4, 0), a in Q0: Taylor series around -1/8. */
static inline int32_t tg_fp_exp_quarter(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0 */
  const int32_t one_third = 715827883;              /* 1/3 in Q0 */
  const int32_t x = tg_fp_add(a, 1 << 28);          /* a + 1/8 */
  const int32_t x2 = tg_fp_mul(x, x);
  const int32_t x3 = tg_fp_mul(x2, x);
  const int32_t x4 = tg_fp_mul(x2, x2);
  const int32_t x4_over_4 = tg_rounding_divide_by_pot(x4, 2);
  const int32_t poly =
      tg_rounding_divide_by_pot(tg_fp_add(tg_fp_mul(tg_fp_add(x4_over_4, x3), one_third), x2), 1);
  return tg_fp_add(exp_minus_one_eighth, tg_fp_mul(exp_minus_one_eighth, tg_fp_add(x, poly)));
}

/* exp(a) for a <= 0 given with integer_bits integer bits; result in Q0. The input is split
 * into a remainder in [-1/4, 0) and a sum of powers of two whose exp() are constants. */
static inline int32_t tg_fp_exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = tg_fp_sub(a & mask, one_quarter);
  int32_t result = tg_fp_exp_quarter(tg_fp_rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
  const int32_t remainder = tg_fp_sub(a_mod_quarter_minus_one_quarter, a);
  /* exp(-2^k) in Q0 for k = -2 .. 4 */
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                         39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if ((uint32_t)remainder & ((uint32_t)1 << shift)) {
        result = tg_fp_mul(result, multipliers[k + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = TG_FP_ONE_Q0;
  return result;
}

/* Newton-Raphson reciprocal shared by the two functions below: returns x ~ 1/(1+a) in Q2
 * after three iterations, with half_denominator = (1+a)/2 in Q0. */
static inline int32_t tg_fp_reciprocal_iterations(int32_t half_denominator) {
  const int32_t c48_over_17 = 1515870810;      /* 48/17 in Q2 */
  const int32_t c_neg32_over_17 = -1010580540; /* -32/17 in Q2 */
  const int32_t one_q2 = (int32_t)1 << 29; /* Q2: 29 fractional bits */
  int32_t x = tg_fp_add(c48_over_17, tg_fp_mul(half_denominator, c_neg32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tg_fp_mul(half_denominator, x);
    const int32_t one_minus = tg_fp_sub(one_q2, half_denominator_times_x);
    x = tg_fp_add(x, tg_fp_rescale(tg_fp_mul(x, one_minus), 4, 2));
  }
  return x;
}

/* 1 / (1 + a) for a in [0, 1), Q0 in and out. */
static inline int32_t tg_fp_one_over_one_plus_x(int32_t a) {
  const int32_t x = tg_fp_reciprocal_iterations(tg_fp_rounding_half_sum(a, TG_FP_ONE_Q0));
  return tg_fp_rescale(x, 1, 0); /* x/2 read as Q1, then to Q0 */
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0 in and out. */
static inline int32_t tg_fp_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t x = tg_fp_reciprocal_iterations(tg_fp_rounding_half_sum(a, TG_FP_ONE_Q0));
  return tg_fp_rescale(tg_fp_sub(x, (int32_t)1 << 29), 2, 0);
}

/* logistic(a) = 1 / (1 + exp(-a)); a with integer_bits integer bits, result Q0. */
static inline int32_t tg_fp_logistic(int32_t a, int integer_bits) {
  const int32_t abs_a = a > 0 ? a : tg_fp_sub(0, a);
  const int32_t positive = tg_fp_one_over_one_plus_x(tg_fp_exp_on_negative_values(tg_fp_sub(0, abs_a), integer_bits));
  if (a == 0) return (int32_t)1 << 30; /* 0.5 */
  return a > 0 ? positive : tg_fp_sub(TG_FP_ONE_Q0, positive);
}

/* tanh(a) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)) with the sign of a; result Q0. */
static inline int32_t tg_fp_tanh(int32_t a, int integer_bits) {
  const int32_t n = a < 0 ? a : tg_fp_sub(0, a);
  /* -2|a|: the same raw value read with one more integer bit */
  const int32_t t = tg_fp_one_minus_x_over_one_plus_x(tg_fp_exp_on_negative_values(n, integer_bits + 1));
  if (a == 0) return 0;
  return a < 0 ? tg_fp_sub(0, t) : t;
}

/* Reciprocal of a positive fixed-point x with x_integer_bits integer bits (TFLM's
 * GetReciprocal): returns 1/x' in Q0 where x' = x / 2^num_bits_over_unit is in [1, 2). */
static inline int32_t tg_fp_reciprocal(int32_t x, int x_integer_bits, int *num_bits_over_unit) {
  const int headroom_plus_one = x == 0 ? 32 : __builtin_clz((uint32_t)x);
  *num_bits_over_unit = x_integer_bits - headroom_plus_one;
  const uint32_t shifted = headroom_plus_one >= 32 ? 0u : (uint32_t)x << headroom_plus_one;
  const int32_t shifted_sum_minus_one = (int32_t)(shifted - ((uint32_t)1 << 31));
  return tg_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

#endif
