/* The glue the element-wise, activation, reduction and data-movement operators (ADD ...
 * RELU6) share: builtin codes, shape formatting for error messages, the checks several
 * of them make, and the prepare and eval of the operators that differ only in their
 * kernels (ADD and MUL, LOGISTIC and TANH, RELU and RELU6), as tg_op_support.c serves
 * the conv-like operators. Defined once in tg_op_ew_support.c. Builds on tg_op_support.h
 * (tensor lookup, type names, int8 activation quantization). */
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

/* A layer's data: a zeroed block of the persistent arena, or NULL after a
 * TG_ERR_ARENA_TOO_SMALL failure saying so (return that status). A layer keeps only what
 * prepare computes: its tensors, shapes and zero points are looked up again at eval
 * (tg_tensor_at), as the arena is the board's RAM. */
void *tg_ew_alloc(tg_ctx *ctx, size_t bytes);

/* TFLM's CalculateInputRadius: the largest |input - zero point| whose rescaled value stays
 * inside the fixed-point range of integer_bits, floor((2^ib - 1) * 2^(31 - ib) / 2^shift). */
int32_t tg_ew_input_radius(int32_t integer_bits, int32_t left_shift);

/* tg_quantize_multiplier for a scale ratio, refusing one of 2^30 or more as tg_op_multiplier
 * does: the requantization shifts left by at most 30 (TFLM's int32 `1 << shift` would
 * overflow past that). */
tg_status tg_ew_multiplier(tg_ctx *ctx, double real, const char *what, int32_t *multiplier, int32_t *shift);

/* ---- ADD, MUL: two inputs broadcast to the output ---------------------------------- */

/* The tensors of an ADD or MUL layer and how their shapes broadcast. */
typedef struct {
  tg_tensor *in1, *in2, *out;
  tg_broadcast b;
} tg_ew_binary;

/* prepare: two inputs and an output, all INT8 or all FLOAT32; shapes that broadcast to the
 * output's (the message names all three); int8 activation quantization on each; the
 * fused activation (field 0 of AddOptions and MulOptions) one the kernels apply. */
tg_status tg_ew_binary_prepare(tg_ctx *ctx, const tg_node *node, tg_ew_binary *t, int32_t *activation);

/* eval: the same tensors and broadcast, which prepare has checked (a few hundred
 * instructions per layer, against 80 arena bytes for a kept tg_broadcast). */
void tg_ew_binary_of(tg_ctx *ctx, const tg_node *node, tg_ew_binary *t);

/* ---- LOGISTIC, TANH --------------------------------------------------------------- */

/* What an int8 layer keeps (a float32 layer keeps nothing): TFLM's prepare of the input
 * rescaling to Q4.27, tg_sigmoid_s8_params without what the tensors hold. */
typedef struct {
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_left_shift;
} tg_ew_sigmoid_layer;

typedef void (*tg_ew_sigmoid_s8_fn)(const tg_sigmoid_s8_params *p, const int8_t *in, int8_t *out);
typedef void (*tg_ew_sigmoid_f32_fn)(int32_t elements, const float *in, float *out);

/* One input, one output of the same type (INT8 or FLOAT32) and shape; an int8 output must
 * have the kernel's fixed quantization, scale 1/out_scale_inverse and out_zero_point. */
tg_status tg_ew_sigmoid_prepare(tg_ctx *ctx, tg_node *node, int32_t out_scale_inverse, int32_t out_zero_point);
tg_status tg_ew_sigmoid_eval(tg_ctx *ctx, const tg_node *node, tg_ew_sigmoid_s8_fn s8, tg_ew_sigmoid_f32_fn f32);

/* ---- RELU, RELU6 ------------------------------------------------------------------ */

/* What an int8 layer keeps (a float32 layer keeps nothing): TFLM's CalculateReluOpData,
 * multiplier = input scale / output scale; the clamp's lower end is the output zero point
 * (the quantized 0, within int8) and its upper end act_max, the quantized 6 for RELU6. */
typedef struct {
  int32_t multiplier;
  int8_t shift; /* at most 31: tg_ew_multiplier refuses ratios of 2^30 or more */
  int8_t act_max;
} tg_ew_relu_layer;

/* One input, one output of the same type and shape; upper is 6 for RELU6, INFINITY for
 * RELU (the float clamp, and for int8 whether the quantized 6 bounds the output). */
tg_status tg_ew_relu_prepare(tg_ctx *ctx, tg_node *node, float upper);
tg_status tg_ew_relu_eval(tg_ctx *ctx, const tg_node *node, float upper);

#endif
