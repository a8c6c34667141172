/* Prepare-time helpers of the element-wise, activation, reduction and data-movement
 * operators (ADD ... RELU6): builtin codes, shape formatting for error messages and the
 * checks several of them share (tg_op_ew_support.c). Builds on tg_op_support.h (tensor
 * lookup, type names, int8 activation quantization). */
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
const char *tg_ew_shape(const int32_t *dims, int32_t ndims, char *buf, size_t size);

#define TG_EW_SHAPE_CHARS 80

/* Exactly n_inputs inputs (tg_op_input then checks each is present, tg_op_output the output). */
tg_status tg_ew_arity(tg_ctx *ctx, const tg_node *node, int32_t n_inputs);

/* Same dimensions (MatchingFlatSize in TFLM). */
tg_status tg_ew_same_shape(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out);

/* INT8 or FLOAT32 input, the output of the same type. */
tg_status tg_ew_same_type(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out);

/* Same scale and zero point: operators that move int8 values without rescaling them. */
tg_status tg_ew_same_quant(tg_ctx *ctx, const tg_tensor *a, const char *a_name, const tg_tensor *b,
                           const char *b_name);

/* A constant int32 tensor (axis lists, shapes): its values, or a failure naming it. */
tg_status tg_ew_const_i32(tg_ctx *ctx, const tg_tensor *t, const char *name, const int32_t **values);

/* A node-data block from the persistent arena, zeroed. */
void *tg_ew_alloc(tg_ctx *ctx, size_t bytes);

/* TFLM's CalculateInputRadius: the largest |input - zero point| whose rescaled value stays
 * inside the fixed-point range of integer_bits, floor((2^ib - 1) * 2^(31 - ib) / 2^shift). */
int32_t tg_ew_input_radius(int32_t integer_bits, int32_t left_shift);

/* TFLM's LOGISTIC/TANH int8 prepare: the input scale times 2^27 (Q4.27) as a multiplier
 * from frexp, and the radius past which the output saturates. A multiplier that rounds
 * up to 2^31 is renormalised (TFLM would overflow there). */
tg_status tg_ew_sigmoid_params(tg_ctx *ctx, const tg_tensor *in, tg_sigmoid_s8_params *p);

/* tg_quantize_multiplier for a scale ratio, refusing one of 2^30 or more as tg_op_multiplier
 * does: the requantization shifts left by at most 30 (TFLM's int32 `1 << shift` would
 * overflow past that). */
tg_status tg_ew_multiplier(tg_ctx *ctx, double real, const char *what, int32_t *multiplier, int32_t *shift);

/* TFLM's CalculateReluOpData for int8: multiplier = input scale / output scale; the clamp
 * is the quantized 0 (and, for RELU6, the quantized 6) of the output, within int8. */
tg_status tg_ew_relu_params(tg_ctx *ctx, const tg_tensor *in, const tg_tensor *out, int relu6,
                            tg_relu_s8_params *p);

#endif
