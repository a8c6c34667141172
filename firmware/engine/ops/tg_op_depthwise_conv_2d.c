/* DEPTHWISE_CONV_2D: int8 (int8 weights per-channel along dimension 3, int32 bias) or
 * float32, any depth multiplier, dilation. */
#include <string.h>

#include "tg_op_conv_layer.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

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
  tg_op_conv_layer layer;
#if TG_KERNELS_OPT
  /* TG_PATH_OPT with one input channel, the layer as a conv (tg_dw_opt_path): the filter
   * transposed to OHWI (NULL on the other paths) and the bias with the input offset folded in */
  const int8_t *opt_filter;
  const int32_t *opt_bias;
#endif
} depthwise_data;

#if TG_KERNELS_OPT
/* The one place DEPTHWISE_CONV_2D picks its kernel, and so the path the layer reports
 * (tg_depthwise_conv_s8_opt_path): int8 with depth multiplier 1 runs the 4-channel SIMD
 * kernel; int8 with one input channel (any multiplier) runs as a conv of M filters, whose
 * transposed filter and folded bias go to persistent memory, plus an im2col scratch
 * buffer; anything else (multiplier > 1 with several channels, float32) the reference. */
static tg_status depthwise_s8_opt_applies(tg_ctx *ctx, tg_node *node, depthwise_data *d, const tg_conv_args *a,
                                          const tg_op_layer_tensors *t) {
  node->kernel_path = TG_PATH_OPT_FALLBACK;
  const tg_dw_opt_path path = t->input->type == TG_INT8 ? tg_depthwise_conv_s8_opt_path(a) : TG_DW_OPT_NONE;
  if (path == TG_DW_OPT_AS_CONV) {
    tg_conv_args conv;
    tg_depthwise_as_conv_args(a, &conv);
    const int32_t m = a->output.c, depth = a->filter.h * a->filter.w;
    int8_t *filter = (int8_t *)tg_alloc_persistent(ctx, (size_t)m * (size_t)depth);
    int32_t *bias = (int32_t *)tg_alloc_persistent(ctx, (size_t)m * sizeof(int32_t));
    if (filter == NULL || bias == NULL) {
      return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the transposed filter and folded bias");
    }
    tg_depthwise_transpose_filter(a, (const int8_t *)t->filter->data, filter);
    tg_fold_bias_s8(filter, t->bias != NULL ? (const int32_t *)t->bias->data : NULL, m, depth,
                    d->layer.k.q.input_offset, bias);
    const size_t scratch = tg_conv_s8_opt_scratch_bytes(&conv);
    if (scratch > 0) {
      const tg_status s = tg_request_scratch(ctx, scratch, &node->scratch_index);
      if (s != TG_OK) return tg_fail(ctx, s, "no scratch buffer of %lu bytes for im2col", (unsigned long)scratch);
    }
    d->opt_filter = filter;
    d->opt_bias = bias;
  }
  if (path != TG_DW_OPT_NONE) node->kernel_path = TG_PATH_OPT;
  return TG_OK;
}

static tg_status depthwise_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const depthwise_data *d,
                                       const tg_conv_args *a, const tg_op_layer_tensors *t) {
  if (d->opt_filter != NULL) {
    tg_conv_args conv;
    tg_depthwise_as_conv_args(a, &conv);
    int8_t *scratch = node->scratch_index >= 0 ? (int8_t *)tg_scratch(ctx, node->scratch_index) : NULL;
    return tg_conv_s8_opt(&conv, &d->layer.k.q, d->opt_bias, (const int8_t *)t->input->data, d->opt_filter, scratch,
                          (int8_t *)t->output->data);
  }
  return tg_depthwise_conv_s8_opt(a, &d->layer.k.q, (const int8_t *)t->input->data, (const int8_t *)t->filter->data,
                                  t->bias != NULL ? (const int32_t *)t->bias->data : NULL, (int8_t *)t->output->data);
}
#else
static tg_status depthwise_s8_opt_applies(tg_ctx *ctx, tg_node *node, depthwise_data *d, const tg_conv_args *a,
                                          const tg_op_layer_tensors *t) {
  (void)ctx;
  (void)d;
  (void)a;
  (void)t;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status depthwise_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const depthwise_data *d,
                                       const tg_conv_args *a, const tg_op_layer_tensors *t) {
  (void)node;
  (void)d;
  (void)a;
  (void)t;
  return tg_fail(ctx, TG_ERR_STATE, "opt kernel path in a ref build");
}
#endif

static tg_status depthwise_prepare(tg_ctx *ctx, tg_node *node) {
  tg_op_layer_tensors t;
  tg_conv_args a;
  tg_status s = tg_op_conv_layer_tensors(ctx, node, &t, &a);
  if (s != TG_OK) return s;
  const tg_tensor *bias = t.bias;
  const tg_type type = (tg_type)t.input->type;
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
  static const tg_op_conv_fields fields = {kOptPadding, kOptStrideW, kOptStrideH, kOptActivation, kOptDilationW,
                                           kOptDilationH};
  depthwise_data *d = NULL;
  if ((s = tg_op_conv_layer_prepare(ctx, &t, &a, &fields, 3, sizeof(depthwise_data), (tg_op_conv_layer **)&d)) !=
      TG_OK)
    return s;
  node->user_data = d;
  return depthwise_s8_opt_applies(ctx, node, d, &a, &t);
}

static tg_status depthwise_eval(tg_ctx *ctx, const tg_node *node) {
  const depthwise_data *d = (const depthwise_data *)node->user_data;
  const tg_op_layer_tensors t = tg_op_layer_tensors_of(ctx, node);
  tg_conv_args a;
  tg_op_conv_args(&d->layer, t.input, t.filter, t.output, 1, &a);
  if (node->kernel_path == TG_PATH_OPT) {
    return depthwise_eval_s8_opt(ctx, node, d, &a, &t);
  }
  return tg_op_conv_eval_ref(&d->layer, &t, &a, tg_depthwise_conv_s8, tg_depthwise_conv_f32);
}

const tg_op tg_op_depthwise_conv_2d = {TG_BUILTIN_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", depthwise_prepare,
                                       depthwise_eval};
