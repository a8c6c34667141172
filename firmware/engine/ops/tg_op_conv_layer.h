/* What CONV_2D and DEPTHWISE_CONV_2D share (TFLM's conv.cc and depthwise_conv.cc look alike
 * too): the layer data they keep, the checks and option reading of their prepare, and the
 * rebuilding of the kernel arguments at eval. Defined in tg_op_conv_layer.c. */
#ifndef TG_OP_CONV_LAYER_H
#define TG_OP_CONV_LAYER_H

#include "tg_op_support.h"

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

/* Field ids of a conv-like operator's window options (Conv2DOptions and
 * DepthwiseConv2DOptions number them differently). */
typedef struct {
  int padding, stride_w, stride_h, activation, dilation_w, dilation_h;
} tg_op_conv_fields;

/* The rest of a conv-like layer's prepare once its shapes are checked: the window options
 * (fields), the fused activation, the int8 quantization (per-channel filter scales along
 * qdim), then the layer data: `bytes` from the arena, a tg_op_conv_layer first, with its
 * geometry and requantization, into *layer. a->depth_multiplier is the caller's. */
tg_status tg_op_conv_layer_prepare(tg_ctx *ctx, const tg_op_layer_tensors *t, tg_conv_args *a,
                                   const tg_op_conv_fields *fields, int32_t qdim, size_t bytes,
                                   tg_op_conv_layer **layer);

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

#endif
