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

/* What a CONV_2D or DEPTHWISE_CONV_2D layer keeps from prepare to eval: its window
 * geometry and its requantization (int8) or clamp (float32). The shapes are not kept:
 * they are the layer's tensors', rebuilt into the kernel arguments at eval by
 * tg_op_conv_args (a few instructions per layer, against 76 arena bytes per layer). */
typedef struct {
  union {
    tg_quant_args q; /* int8 */
    tg_act_f32 act;  /* float32 */
  } k;
  int16_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
} tg_op_conv_layer;

/* The requantization (int8: per-channel multipliers over `channels`, offsets, the fused
 * activation's clamp) or the float32 clamp of a conv-like layer, into l->k. */
tg_status tg_op_conv_layer_params(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *filter,
                                  const tg_tensor *output, int32_t channels, int32_t activation,
                                  tg_op_conv_layer *l);

/* Keeps a's strides, paddings and dilations in l; TG_ERR_OPTIONS (naming the value) when
 * one does not fit 16 bits, far past any real model. */
tg_status tg_op_conv_layer_geometry(tg_ctx *ctx, const tg_conv_args *a, tg_op_conv_layer *l);

/* The kernel arguments at eval: input, filter and output shapes from the tensors (rank 4,
 * checked by prepare), geometry from l; depth_multiplier = output / input channels for a
 * depthwise layer, 1 for a conv. */
void tg_op_conv_args(const tg_op_conv_layer *l, const tg_tensor *input, const tg_tensor *filter,
                     const tg_tensor *output, int depthwise, tg_conv_args *a);

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

/* The first checks of a conv-like layer's prepare: inputs 0-2 (bias optional) and output 0
 * found, int8 or float32 throughout (float input with int8 filter: TG_ERR_HYBRID), input,
 * filter and output rank 4 with positive dimensions, their shapes into a. */
tg_status tg_op_conv_layer_tensors(tg_ctx *ctx, const tg_node *node, tg_op_layer_tensors *t, tg_conv_args *a);

/* The reference kernels of a conv-like layer (CONV_2D's or DEPTHWISE_CONV_2D's: the same
 * signature), run on its tensors by tg_op_conv_eval_ref for int8 or float32. */
typedef tg_status (*tg_conv_s8_kernel)(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                                       const int8_t *filter, const int32_t *bias, int8_t *output);
typedef tg_status (*tg_conv_f32_kernel)(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                                        const float *filter, const float *bias, float *output);
tg_status tg_op_conv_eval_ref(const tg_op_conv_layer *l, const tg_op_layer_tensors *t, const tg_conv_args *a,
                              tg_conv_s8_kernel s8, tg_conv_f32_kernel f32);

/* What AVERAGE_POOL_2D and MAX_POOL_2D keep from prepare to eval (their tensors are
 * looked up at eval): the window and the int8 clamp or the float32 one. */
typedef struct {
  tg_pool_args args;
  union {
    struct {
      int32_t act_min; /* int8 */
      int32_t act_max;
    };
    tg_act_f32 act; /* float32 */
  };
} tg_op_pool_layer;

/* The whole prepare of AVERAGE_POOL_2D and MAX_POOL_2D (they differ only in the kernel):
 * checks types, shapes, Pool2DOptions and quantization, stores a tg_op_pool_layer in
 * node->user_data, sets the reference path and returns the input for a fast-path test. */
tg_status tg_op_pool_prepare(tg_ctx *ctx, tg_node *node, const tg_tensor **input);

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
