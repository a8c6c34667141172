/* CONV_2D: int8 (int8 weights, per-channel or per-tensor, int32 bias) or float32.
 * prepare validates everything and precomputes the requantization; eval runs the kernel. */
#include <string.h>

#include "tg_op_conv_layer.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

/* Conv2DOptions field ids (schema.fbs). */
enum { kOptPadding = 0, kOptStrideW = 1, kOptStrideH = 2, kOptActivation = 3, kOptDilationW = 4, kOptDilationH = 5 };
#define TG_BUILTIN_CONV_2D 3

typedef struct {
  tg_op_conv_layer layer;
#if TG_KERNELS_OPT
  const int32_t *opt_bias; /* TG_PATH_OPT: bias with the input offset folded in */
#endif
} conv_data;

#if TG_KERNELS_OPT
/* The one place CONV_2D picks its kernel, and so the path the layer reports: an int8
 * layer whose shape meets tg_conv_s8_opt_path (ungrouped, depth <= TG_MAX_ACCUM_DEPTH)
 * takes the fast path, with its folded bias in persistent memory and, for im2col, a
 * scratch buffer of 2 columns; anything else (grouped, float32) runs the reference. */
static tg_status conv_s8_opt_applies(tg_ctx *ctx, tg_node *node, conv_data *d, const tg_conv_args *a,
                                     const tg_op_layer_tensors *t) {
  node->kernel_path = TG_PATH_OPT_FALLBACK;
  if (t->input->type != TG_INT8 || tg_conv_s8_opt_path(a) == TG_CONV_OPT_NONE) return TG_OK;
  int32_t *bias = (int32_t *)tg_alloc_persistent(ctx, (size_t)a->output.c * sizeof(int32_t));
  if (bias == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the folded bias");
  tg_fold_bias_s8((const int8_t *)t->filter->data, t->bias != NULL ? (const int32_t *)t->bias->data : NULL,
                  a->output.c, a->filter.h * a->filter.w * a->filter.c, d->layer.k.q.input_offset, bias);
  const size_t scratch = tg_conv_s8_opt_scratch_bytes(a);
  if (scratch > 0) {
    const tg_status s = tg_request_scratch(ctx, scratch, &node->scratch_index);
    if (s != TG_OK) return tg_fail(ctx, s, "no scratch buffer of %lu bytes for im2col", (unsigned long)scratch);
  }
  d->opt_bias = bias;
  node->kernel_path = TG_PATH_OPT;
  return TG_OK;
}

static tg_status conv_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const conv_data *d, const tg_conv_args *a,
                                  const tg_op_layer_tensors *t) {
  int8_t *scratch = node->scratch_index >= 0 ? (int8_t *)tg_scratch(ctx, node->scratch_index) : NULL;
  return tg_conv_s8_opt(a, &d->layer.k.q, d->opt_bias, (const int8_t *)t->input->data,
                        (const int8_t *)t->filter->data, scratch, (int8_t *)t->output->data);
}
#else
static tg_status conv_s8_opt_applies(tg_ctx *ctx, tg_node *node, conv_data *d, const tg_conv_args *a,
                                     const tg_op_layer_tensors *t) {
  (void)ctx;
  (void)d;
  (void)a;
  (void)t;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status conv_eval_s8_opt(tg_ctx *ctx, const tg_node *node, const conv_data *d, const tg_conv_args *a,
                                  const tg_op_layer_tensors *t) {
  (void)node;
  (void)d;
  (void)a;
  (void)t;
  return tg_fail(ctx, TG_ERR_STATE, "opt kernel path in a ref build");
}
#endif

static tg_status conv_prepare(tg_ctx *ctx, tg_node *node) {
  tg_op_layer_tensors t;
  tg_conv_args a;
  tg_status s = tg_op_conv_layer_tensors(ctx, node, &t, &a);
  if (s != TG_OK) return s;
  const tg_tensor *bias = t.bias;
  const tg_type type = (tg_type)t.input->type;
  if (a.input.c % a.filter.c != 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "input channels %d not a multiple of filter input channels %d",
                   (int)a.input.c, (int)a.filter.c);
  }
  const int32_t groups = a.input.c / a.filter.c;
  if (a.filter.n != a.output.c) {
    return tg_fail(ctx, TG_ERR_SHAPE, "filter has %d output channels, output has %d", (int)a.filter.n,
                   (int)a.output.c);
  }
  if (a.output.c % groups != 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output channels %d not divisible into %d groups", (int)a.output.c,
                   (int)groups);
  }
  if ((int64_t)a.filter.h * a.filter.w * a.filter.c > TG_MAX_ACCUM_DEPTH) {
    return tg_fail(ctx, TG_ERR_SHAPE, "filter %dx%dx%d exceeds the accumulation depth %d", (int)a.filter.h,
                   (int)a.filter.w, (int)a.filter.c, TG_MAX_ACCUM_DEPTH);
  }
  if ((s = tg_op_check_bias(ctx, bias, type == TG_INT8 ? TG_INT32 : TG_FLOAT32, a.output.c)) != TG_OK) return s;
  a.depth_multiplier = 1;
  static const tg_op_conv_fields fields = {kOptPadding, kOptStrideW, kOptStrideH, kOptActivation, kOptDilationW,
                                           kOptDilationH};
  conv_data *d = NULL;
  if ((s = tg_op_conv_layer_prepare(ctx, &t, &a, &fields, 0, sizeof(conv_data), (tg_op_conv_layer **)&d)) != TG_OK)
    return s;
  node->user_data = d;
  return conv_s8_opt_applies(ctx, node, d, &a, &t);
}

static tg_status conv_eval(tg_ctx *ctx, const tg_node *node) {
  const conv_data *d = (const conv_data *)node->user_data;
  const tg_op_layer_tensors t = tg_op_layer_tensors_of(ctx, node);
  tg_conv_args a;
  tg_op_conv_args(&d->layer, t.input, t.filter, t.output, 0, &a);
  if (node->kernel_path == TG_PATH_OPT) {
    return conv_eval_s8_opt(ctx, node, d, &a, &t);
  }
  return tg_op_conv_eval_ref(&d->layer, &t, &a, tg_conv_s8, tg_conv_f32);
}

const tg_op tg_op_conv_2d = {TG_BUILTIN_CONV_2D, "CONV_2D", conv_prepare, conv_eval};
