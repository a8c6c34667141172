/* Validation helpers shared by the convolution, fully connected and pooling operators'
 * prepare: tensor lookup, type and quantization checks, per-channel multipliers. Every
 * failure goes through tg_fail with a message naming the tensor and the offending value
 * (the core prefixes "layer N: OP: "). Defined once in tg_op_support.c (not inline:
 * every operator would carry its own copy, kilobytes of flash). */
#ifndef TG_OP_SUPPORT_H
#define TG_OP_SUPPORT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_kernels.h"
#include "tg_op.h"
#include "tg_quant.h"

/* Inline (a few bytes): the board harness has a tg_type_name of its own. */
static inline const char *tg_type_name(tg_type t) {
  switch (t) {
  case TG_FLOAT32:
    return "FLOAT32";
  case TG_INT32:
    return "INT32";
  case TG_UINT8:
    return "UINT8";
  case TG_INT64:
    return "INT64";
  case TG_BOOL:
    return "BOOL";
  case TG_INT16:
    return "INT16";
  case TG_INT8:
    return "INT8";
  default:
    return "?";
  }
}

/* Input i of node (NULL when omitted and optional). */
tg_status tg_op_input(tg_ctx *ctx, const tg_node *node, int32_t i, const char *name,
                      int optional, tg_tensor **out);

tg_status tg_op_output(tg_ctx *ctx, const tg_node *node, tg_tensor **out);

tg_status tg_op_check_type(tg_ctx *ctx, const tg_tensor *t, const char *name, tg_type want);

/* The shape of a rank-4 tensor, unchecked (eval: prepare has checked it). */
static inline void tg_op_dims4_of(const tg_tensor *t, tg_dims4 *d) {
  d->n = t->dims[0];
  d->h = t->dims[1];
  d->w = t->dims[2];
  d->c = t->dims[3];
}

/* A rank-4 NHWC shape with positive dimensions. */
tg_status tg_op_dims4(tg_ctx *ctx, const tg_tensor *t, const char *name, tg_dims4 *d);

static inline int tg_op_scale_ok(float s) { return s > 0.0f && isfinite(s); }

/* An int8 activation tensor: one positive scale, zero point in [-128, 127]. */
tg_status tg_op_check_act_quant(tg_ctx *ctx, const tg_tensor *t, const char *name);

/* int8 weights: per-tensor (1 scale) or per-channel (channels scales along
 * quantized_dimension qdim), every scale positive; zero points all 0 unless
 * allow_zero_point (fully connected accepts asymmetric weights, as TFLM). */
tg_status tg_op_check_weight_quant(tg_ctx *ctx, const tg_tensor *w, int32_t channels, int32_t qdim,
                                   int allow_zero_point);

/* Optional bias: int32 (int8 ops) or float32 (float ops), exactly channels elements. */
tg_status tg_op_check_bias(tg_ctx *ctx, const tg_tensor *bias, tg_type want, int32_t channels);

/* tg_quantize_multiplier for an effective scale, refusing one of 2^30 or more: the
 * requantization shifts left by at most 30 (TFLM's int32 `1 << shift` would overflow
 * past that), and no sane model gets near it. */
tg_status tg_op_multiplier(tg_ctx *ctx, double real, int32_t *multiplier, int32_t *shift);

/* multiplier[c] * 2^(shift[c]-31) = input_scale * filter_scale[c] / output_scale in
 * double, as TFLM's PopulateConvolutionQuantizationParams (a single filter scale is
 * broadcast). Arrays come from the persistent arena: channels entries each. */
tg_status tg_op_channel_multipliers(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *filter,
                                    const tg_tensor *output, int32_t channels, int32_t **multiplier,
                                    int8_t **shift);

/* Input i of node at eval (NULL when omitted): prepare has checked it. */
static inline const tg_tensor *tg_op_eval_input(tg_ctx *ctx, const tg_node *node, int32_t i) {
  return i < node->n_inputs ? tg_tensor_at(ctx, node->inputs[i]) : NULL;
}

/* The tensors of a layer with weights (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED):
 * inputs 0-2 and output 0, looked up at eval rather than kept in the arena. */
typedef struct {
  const tg_tensor *input, *filter, *bias, *output; /* bias NULL when omitted */
} tg_op_layer_tensors;

static inline tg_op_layer_tensors tg_op_layer_tensors_of(tg_ctx *ctx, const tg_node *node) {
  const tg_op_layer_tensors t = {tg_op_eval_input(ctx, node, 0), tg_op_eval_input(ctx, node, 1),
                                 tg_op_eval_input(ctx, node, 2), tg_tensor_at(ctx, node->outputs[0])};
  return t;
}

/* Fused activation option: one the kernels implement. */
tg_status tg_op_check_activation(tg_ctx *ctx, int32_t activation);

/* Clamp range of the int8 output for the fused activation. */
tg_status tg_op_act_range_s8(tg_ctx *ctx, int32_t activation, const tg_tensor *output,
                             int32_t *act_min, int32_t *act_max);

/* Window options of a conv or pool: padding SAME (0) or VALID (1), positive strides and
 * dilations. Checks that the output's spatial size is what TFLite computes and fills
 * the top/left paddings. */
tg_status tg_op_window(tg_ctx *ctx, int32_t padding, int32_t stride_h, int32_t stride_w,
                       int32_t dilation_h, int32_t dilation_w, const tg_dims4 *in, int32_t kh,
                       int32_t kw, const tg_dims4 *out, int32_t *pad_h, int32_t *pad_w);

#endif
