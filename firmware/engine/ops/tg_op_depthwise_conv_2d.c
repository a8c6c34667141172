/* DEPTHWISE_CONV_2D: int8 (int8 weights per-channel along dimension 3, int32 bias) or
 * float32, any depth multiplier, dilation. */
#include <string.h>

#include "tg_op_support.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

enum { kInput = 0, kFilter = 1, kBias = 2 };
/* DepthwiseConv2DOptions field ids (schema.fbs). */
enum {
  kOptPadding = 0,
  kOptStrideW = 1,
  kOptStrideH = 2,
  kOptDepthMultiplier = 3,
  kOptActivation = 4,
  kOptDilationW = 5,
  kOptDilationH = 6
};
#define TG_BUILTIN_DEPTHWISE_CONV_2D 4

typedef struct {
  tg_conv_args args;
  tg_quant_args q;
  tg_act_f32 act;
  const tg_tensor *input;
  const tg_tensor *filter;
  const tg_tensor *bias;
  const tg_tensor *output;
  /* TG_PATH_OPT with one input channel: the layer as a conv (tg_dw_opt_path) */
  int32_t opt_as_conv;
  tg_conv_args opt_conv;
  const int8_t *opt_filter; /* the filter transposed to OHWI */
  const int32_t *opt_bias;  /* bias with the input offset folded in */
} depthwise_data;

#if TG_KERNELS_OPT
/* The one place DEPTHWISE_CONV_2D picks its kernel, and so the path the layer reports
 * (tg_depthwise_conv_s8_opt_path): int8 with depth multiplier 1 runs the 4-channel SIMD
 * kernel; int8 with one input channel (any multiplier) runs as a conv of M filters, whose
 * transposed filter and folded bias go to persistent memory, plus an im2col scratch
 * buffer; anything else (multiplier > 1 with several channels, float32) the reference. */
static tg_status depthwise_s8_opt_applies(tg_ctx *ctx, tg_node *node, depthwise_data *d) {
  node->kernel_path = TG_PATH_OPT_FALLBACK;
  const tg_dw_opt_path path = d->input->type == TG_INT8 ? tg_depthwise_conv_s8_opt_path(&d->args) : TG_DW_OPT_NONE;
  if (path == TG_DW_OPT_AS_CONV) {
    tg_depthwise_as_conv_args(&d->args, &d->opt_conv);
    const int32_t m = d->args.output.c, depth = d->args.filter.h * d->args.filter.w;
    int8_t *filter = (int8_t *)tg_alloc_persistent(ctx, (size_t)m * (size_t)depth);
    int32_t *bias = (int32_t *)tg_alloc_persistent(ctx, (size_t)m * sizeof(int32_t));
    if (filter == NULL || bias == NULL) {
      return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the transposed filter and folded bias");
    }
    tg_depthwise_transpose_filter(&d->args, (const int8_t *)d->filter->data, filter);
    tg_fold_bias_s8(filter, d->bias != NULL ? (const int32_t *)d->bias->data : NULL, m, depth, d->q.input_offset, bias);
    const size_t scratch = tg_conv_s8_opt_scratch_bytes(&d->opt_conv);
    if (scratch > 0) {
      const tg_status s = tg_request_scratch(ctx, scratch, &node->scratch_index);
      if (s != TG_OK) return tg_fail(ctx, s, "no scratch buffer of %lu bytes for im2col", (unsigned long)scratch);
    }
    d->opt_as_conv = 1;
    d->opt_filter = filter;
    d->opt_bias = bias;
  }
  if (path != TG_DW_OPT_NONE) node->kernel_path = TG_PATH_OPT;
  return TG_OK;
}

static tg_status depthwise_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const depthwise_data *d) {
  if (d->opt_as_conv) {
    int8_t *scratch = node->scratch_index >= 0 ? (int8_t *)tg_scratch(ctx, node->scratch_index) : NULL;
    return tg_conv_s8_opt(&d->opt_conv, &d->q, d->opt_bias, (const int8_t *)d->input->data, d->opt_filter, scratch,
                          (int8_t *)d->output->data);
  }
  return tg_depthwise_conv_s8_opt(&d->args, &d->q, (const int8_t *)d->input->data, (const int8_t *)d->filter->data,
                                  d->bias != NULL ? (const int32_t *)d->bias->data : NULL, (int8_t *)d->output->data);
}
#else
static tg_status depthwise_s8_opt_applies(tg_ctx *ctx, tg_node *node, depthwise_data *d) {
  (void)ctx;
  (void)d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status depthwise_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const depthwise_data *d) {
  (void)node;
  (void)d;
  return tg_fail(ctx, TG_ERR_STATE, "opt kernel path in a ref build");
}
#endif

static tg_status depthwise_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *input, *filter, *bias, *output;
  tg_status s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &input)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kFilter, "filter", 0, &filter)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kBias, "bias", 1, &bias)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &output)) != TG_OK) return s;

  const tg_type type = input->type;
  if (type == TG_FLOAT32 && filter->type == TG_INT8) {
    return tg_fail(ctx, TG_ERR_HYBRID, "float32 input with int8 filter (hybrid quantization) not supported");
  }
  if (type != TG_INT8 && type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "input type %s, expected INT8 or FLOAT32", tg_type_name(type));
  }
  if ((s = tg_op_check_type(ctx, filter, "filter", type)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, output, "output", type)) != TG_OK) return s;

  tg_conv_args a;
  if ((s = tg_op_dims4(ctx, input, "input", &a.input)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, filter, "filter", &a.filter)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, output, "output", &a.output)) != TG_OK) return s;
  if (a.filter.n != 1) {
    return tg_fail(ctx, TG_ERR_SHAPE, "filter dimension 0 is %d, expected 1", (int)a.filter.n);
  }
  if (a.filter.c != a.output.c) {
    return tg_fail(ctx, TG_ERR_SHAPE, "filter has %d channels, output has %d", (int)a.filter.c, (int)a.output.c);
  }
  if (a.output.c % a.input.c != 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output channels %d not a multiple of input channels %d", (int)a.output.c,
                   (int)a.input.c);
  }
  a.depth_multiplier = a.output.c / a.input.c;
  /* TFLM takes the option at its word; a value that disagrees with the shapes would make
   * it read past the filter, so it is refused here (0 = absent: derived from shapes). */
  const int32_t opt_mult = tg_fb_i32(tg_op_options(ctx), kOptDepthMultiplier, 0);
  if (opt_mult != 0 && opt_mult != a.depth_multiplier) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "depth_multiplier %d, but output channels %d / input channels %d = %d",
                   (int)opt_mult, (int)a.output.c, (int)a.input.c, (int)a.depth_multiplier);
  }
  if ((int64_t)a.filter.h * a.filter.w > TG_MAX_ACCUM_DEPTH) {
    return tg_fail(ctx, TG_ERR_SHAPE, "filter %dx%d exceeds the accumulation depth %d", (int)a.filter.h,
                   (int)a.filter.w, TG_MAX_ACCUM_DEPTH);
  }
  if ((s = tg_op_check_bias(ctx, bias, type == TG_INT8 ? TG_INT32 : TG_FLOAT32, a.output.c)) != TG_OK) return s;

  const int32_t padding = tg_fb_i8(tg_op_options(ctx), kOptPadding, 0);
  const int32_t activation = tg_fb_i8(tg_op_options(ctx), kOptActivation, TG_ACT_NONE);
  a.stride_w = tg_fb_i32(tg_op_options(ctx), kOptStrideW, 0);
  a.stride_h = tg_fb_i32(tg_op_options(ctx), kOptStrideH, 0);
  a.dilation_w = tg_fb_i32(tg_op_options(ctx), kOptDilationW, 1);
  a.dilation_h = tg_fb_i32(tg_op_options(ctx), kOptDilationH, 1);
  if ((s = tg_op_window(ctx, padding, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, &a.input, a.filter.h,
                        a.filter.w, &a.output, &a.pad_h, &a.pad_w)) != TG_OK)
    return s;
  if ((s = tg_op_check_activation(ctx, activation)) != TG_OK) return s;
  if (type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, input, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, output, "output")) != TG_OK) return s;
    if ((s = tg_op_check_weight_quant(ctx, filter, a.output.c, 3, 0)) != TG_OK) return s;
  }

  depthwise_data *d = (depthwise_data *)tg_alloc_persistent(ctx, sizeof(depthwise_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  memset(d, 0, sizeof(*d));
  d->args = a;
  d->input = input;
  d->filter = filter;
  d->bias = bias;
  d->output = output;
  if (type == TG_INT8) {
    int32_t *mult = NULL;
    int8_t *shift = NULL;
    if ((s = tg_op_channel_multipliers(ctx, input, filter, output, a.output.c, &mult, &shift)) != TG_OK) return s;
    d->q.input_offset = -input->zero_point;
    d->q.filter_offset = 0;
    d->q.output_offset = output->zero_point;
    d->q.multiplier = mult;
    d->q.shift = shift;
    d->q.per_channel = 1;
    if ((s = tg_op_act_range_s8(ctx, activation, output, &d->q.act_min, &d->q.act_max)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  node->user_data = d;
  return depthwise_s8_opt_applies(ctx, node, d);
}

static tg_status depthwise_eval(tg_ctx *ctx, const tg_node *node) {
  const depthwise_data *d = (const depthwise_data *)node->user_data;
  if (node->kernel_path == TG_PATH_OPT) {
    return depthwise_eval_s8_opt(ctx, node, d);
  }
  if (d->input->type == TG_INT8) {
    return tg_depthwise_conv_s8(&d->args, &d->q, (const int8_t *)d->input->data, (const int8_t *)d->filter->data,
                                d->bias != NULL ? (const int32_t *)d->bias->data : NULL, (int8_t *)d->output->data);
  }
  return tg_depthwise_conv_f32(&d->args, &d->act, (const float *)d->input->data, (const float *)d->filter->data,
                               d->bias != NULL ? (const float *)d->bias->data : NULL, (float *)d->output->data);
}

const tg_op tg_op_depthwise_conv_2d = {TG_BUILTIN_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", depthwise_prepare,
                                       depthwise_eval};
