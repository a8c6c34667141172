/* SOFTMAX over the last dimension: int8 -> int8 (output scale 1/256, zero point -128, TFLM's
 * fixed-point algorithm) or float32, with SoftmaxOptions.beta. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };
enum { kOptBeta = 0 }; /* SoftmaxOptions.beta */

/* The tensors are looked up at eval, not kept: arena bytes. */
typedef union {
  tg_softmax_s8_params q; /* int8 */
  tg_softmax_f32_params f; /* float32 */
} softmax_data;

/* TFLM's PreprocessSoftmaxScaling with 5 integer bits for the scaled difference. */
static tg_status softmax_quant(tg_ctx *ctx, float beta, const tg_tensor *in, tg_softmax_s8_params *q) {
  const int32_t scaled_diff_bits = 5;
#if TG_SINGLE_ROUNDING
  const double max_real = (double)((1LL << 30) - 1);
#else
  const double max_real = (double)((1LL << 31) - 1);
#endif
  double real = (double)beta * (double)in->scales[0] * (double)(1 << (31 - scaled_diff_bits));
  if (real > max_real) real = max_real;
  if (!(real > 1.0)) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "beta %g times input scale %g is too small for the int8 kernel", (double)beta,
                   (double)in->scales[0]);
  }
  tg_quantize_multiplier(real, &q->input_multiplier, &q->input_left_shift);
  q->diff_min = -tg_ew_input_radius(scaled_diff_bits, q->input_left_shift);
  return TG_OK;
}

static tg_status softmax_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in, "input", out)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, in, "input", out)) != TG_OK) return s;
  if (in->ndims < 1 || in->dims[in->ndims - 1] <= 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "input rank %d: softmax needs a non-empty last dimension", (int)in->ndims);
  }
  const float beta = tg_fb_f32(tg_op_options(ctx), kOptBeta, 0.0f);
  softmax_data *d = (softmax_data *)tg_ew_alloc(ctx, sizeof(softmax_data));
  if (d == NULL) return TG_ERR_ARENA_TOO_SMALL; /* tg_ew_alloc has said so */
  const int32_t depth = in->dims[in->ndims - 1];
  const int32_t outer = in->elements / depth;
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    if (out->zero_point != -128 || out->scales[0] != 1.0f / 256.0f) {
      return tg_fail(ctx, TG_ERR_QUANT, "output scale %g zero point %d, expected 1/256 and -128",
                     (double)out->scales[0], (int)out->zero_point);
    }
    if ((s = softmax_quant(ctx, beta, in, &d->q)) != TG_OK) return s;
    d->q.outer = outer;
    d->q.depth = depth;
  } else {
    d->f.beta = beta;
    d->f.outer = outer;
    d->f.depth = depth;
  }
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status softmax_eval(tg_ctx *ctx, const tg_node *node) {
  const softmax_data *d = (const softmax_data *)node->user_data;
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (in->type == TG_INT8) {
    tg_softmax_s8(&d->q, (const int8_t *)in->data, (int8_t *)out->data);
  } else {
    tg_softmax_f32(&d->f, (const float *)in->data, (float *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_softmax = {TG_BUILTIN_SOFTMAX, "SOFTMAX", softmax_prepare, softmax_eval};
