/* Prepare-time helpers of the element-wise, activation, reduction and data-movement
 * operators (ADD ... RELU6): builtin codes, shape formatting for error messages and the
 * checks several of them share. Builds on tg_op_support.h (tensor lookup, type names,
 * int8 activation quantization). Header-only, like tg_op_support.h. */
#ifndef TG_OP_EW_SUPPORT_H
#define TG_OP_EW_SUPPORT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_kernels_elementwise.h"
#include "tg_op.h"
#include "tg_op_support.h"
#include "tg_quant.h"

/* BuiltinOperator codes of the TFLite schema. */
enum {
  TG_BUILTIN_ADD = 0,
  TG_BUILTIN_CONCATENATION = 2,
  TG_BUILTIN_DEQUANTIZE = 6,
  TG_BUILTIN_LOGISTIC = 14,
  TG_BUILTIN_MUL = 18,
  TG_BUILTIN_RELU = 19,
  TG_BUILTIN_RELU6 = 21,
  TG_BUILTIN_RESHAPE = 22,
  TG_BUILTIN_SOFTMAX = 25,
  TG_BUILTIN_TANH = 28,
  TG_BUILTIN_PAD = 34,
  TG_BUILTIN_MEAN = 40,
  TG_BUILTIN_QUANTIZE = 114
};

/* "[1,8,8,16]" into buf (at least 8 bytes; truncated with "..." when short). No libc. */
static inline const char *tg_ew_shape(const int32_t *dims, int32_t ndims, char *buf, size_t size) {
  size_t n = 0;
  buf[n++] = '[';
  for (int32_t d = 0; d < ndims; ++d) {
    char digits[12];
    int32_t k = 0;
    int64_t v = dims[d];
    const int negative = v < 0;
    if (negative) v = -v;
    do {
      digits[k++] = (char)('0' + (int)(v % 10));
      v /= 10;
    } while (v > 0 && k < 11);
    if (n + (size_t)k + 6 > size) {
      buf[n++] = '.';
      buf[n++] = '.';
      buf[n++] = '.';
      break;
    }
    if (d > 0) buf[n++] = ',';
    if (negative) buf[n++] = '-';
    while (k > 0) buf[n++] = digits[--k];
  }
  buf[n++] = ']';
  buf[n] = '\0';
  return buf;
}

#define TG_EW_SHAPE_CHARS 80

/* Exactly n_inputs inputs (tg_op_input then checks each is present, tg_op_output the output). */
static inline tg_status tg_ew_arity(tg_ctx *ctx, const tg_node *node, int32_t n_inputs) {
  if (node->n_inputs != n_inputs) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d inputs, expected %d", (int)node->n_inputs, (int)n_inputs);
  }
  return TG_OK;
}

/* Same dimensions (MatchingFlatSize in TFLM). */
static inline tg_status tg_ew_same_shape(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  int same = in->ndims == out->ndims;
  for (int32_t d = 0; same && d < in->ndims; ++d) same = in->dims[d] == out->dims[d];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS];
    char b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "%s shape %s differs from output shape %s", in_name,
                   tg_ew_shape(in->dims, in->ndims, a, sizeof a), tg_ew_shape(out->dims, out->ndims, b, sizeof b));
  }
  return TG_OK;
}

/* INT8 or FLOAT32 input, the output of the same type. */
static inline tg_status tg_ew_same_type(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  if (in->type != TG_INT8 && in->type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT8 or FLOAT32", in_name,
                   tg_type_name(in->type));
  }
  return tg_op_check_type(ctx, out, "output", in->type);
}

/* Same scale and zero point: operators that move int8 values without rescaling them. */
static inline tg_status tg_ew_same_quant(tg_ctx *ctx, const tg_tensor *a, const char *a_name, const tg_tensor *b,
                                         const char *b_name) {
  if (a->scales[0] != b->scales[0] || a->zero_points[0] != b->zero_points[0]) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s quantization (scale %g, zero point %d) differs from %s (%g, %d)", a_name,
                   (double)a->scales[0], (int)a->zero_points[0], b_name, (double)b->scales[0],
                   (int)b->zero_points[0]);
  }
  return TG_OK;
}

/* A constant int32 tensor (axis lists, shapes): its values, or a failure naming it. */
static inline tg_status tg_ew_const_i32(tg_ctx *ctx, const tg_tensor *t, const char *name, const int32_t **values) {
  if (t->type != TG_INT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT32", name, tg_type_name(t->type));
  }
  if (!t->is_const || (t->elements > 0 && t->data == NULL)) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%s is not a constant tensor", name);
  }
  *values = (const int32_t *)t->data;
  return TG_OK;
}

/* A node-data block from the persistent arena, zeroed. */
static inline void *tg_ew_alloc(tg_ctx *ctx, size_t bytes) {
  uint8_t *p = (uint8_t *)tg_alloc_persistent(ctx, bytes);
  if (p != NULL) {
    for (size_t i = 0; i < bytes; ++i) p[i] = 0;
  }
  return p;
}

/* TFLM's CalculateInputRadius: the largest |input - zero point| whose rescaled value stays
 * inside the fixed-point range of integer_bits, floor((2^ib - 1) * 2^(31 - ib) / 2^shift). */
static inline int32_t tg_ew_input_radius(int32_t integer_bits, int32_t left_shift) {
  const double r = ldexp((double)((1 << integer_bits) - 1), 31 - integer_bits - left_shift);
  return r >= 2147483647.0 ? INT32_MAX : (int32_t)floor(r);
}

/* TFLM's LOGISTIC/TANH int8 prepare: the input scale times 2^27 (Q4.27) as a multiplier
 * from frexp, and the radius past which the output saturates. A multiplier that rounds
 * up to 2^31 is renormalised (TFLM would overflow there). */
static inline tg_status tg_ew_sigmoid_params(tg_ctx *ctx, const tg_tensor *in, tg_sigmoid_s8_params *p) {
  const int32_t integer_bits = 4;
  int shift = 0;
  const double q = frexp((double)in->scales[0] * (double)(1 << (31 - integer_bits)), &shift);
  int64_t m = (int64_t)round(q * (double)(1LL << 31));
  if (m == (1LL << 31)) {
    m /= 2;
    ++shift;
  }
  if (shift < 0 || shift > 62) {
    return tg_fail(ctx, TG_ERR_QUANT, "input scale %g outside the range of the int8 kernel", (double)in->scales[0]);
  }
  p->elements = in->elements;
  p->input_zero_point = in->zero_points[0];
  p->input_multiplier = (int32_t)m;
  p->input_left_shift = shift;
  p->input_range_radius = tg_ew_input_radius(integer_bits, shift);
  return TG_OK;
}

/* tg_quantize_multiplier for a scale ratio; fails when the ratio is so large (above 2^31)
 * that the left shift of the requantization would leave 32 bits. */
static inline tg_status tg_ew_multiplier(tg_ctx *ctx, double real, const char *what, int32_t *multiplier,
                                         int32_t *shift) {
  if (!(real < 2147483648.0)) return tg_fail(ctx, TG_ERR_QUANT, "%s %g is too large to requantize", what, real);
  tg_quantize_multiplier(real, multiplier, shift);
  return TG_OK;
}

/* TFLM's CalculateReluOpData for int8: multiplier = input scale / output scale; the clamp
 * is the quantized 0 (and, for RELU6, the quantized 6) of the output, within int8. */
static inline tg_status tg_ew_relu_params(tg_ctx *ctx, const tg_tensor *in, const tg_tensor *out, int relu6,
                                          tg_relu_s8_params *p) {
  const float so = out->scales[0];
  const int32_t zo = out->zero_points[0];
  p->elements = in->elements;
  p->input_zero_point = in->zero_points[0];
  p->output_offset = zo;
  const tg_status s =
      tg_ew_multiplier(ctx, (double)in->scales[0] / (double)so, "input/output scale ratio", &p->multiplier, &p->shift);
  if (s != TG_OK) return s;
  p->act_min = zo > -128 ? zo : -128; /* zero point + round(0 / scale) */
  p->act_max = 127;
  if (relu6) {
    const float six = roundf(6.0f / so);
    const int32_t q = six >= 256.0f ? 256 : (int32_t)six + zo;
    p->act_max = q < 127 ? q : 127;
  }
  return TG_OK;
}

#endif
