/* RELU6: min(max(x, 0), 6); int8 through the same requantize-and-clamp kernel as RELU (TFLM's
 * RELU6 only clamps in the input's quantization, which gives the same values whenever
 * input and output share it, as the converter writes them; here a differing output
 * quantization is honoured instead of misread). */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

typedef struct {
  tg_relu_s8_params q;
  tg_relu_f32_params f;
  const tg_tensor *in;
  const tg_tensor *out;
} relu6_data;

static tg_status relu6_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in, "input", out)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, in, "input", out)) != TG_OK) return s;
  relu6_data *d = (relu6_data *)tg_ew_alloc(ctx, sizeof(relu6_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    if ((s = tg_ew_relu_params(ctx, in, out, 1, &d->q)) != TG_OK) return s;
  } else {
    d->f.elements = in->elements;
    d->f.lower = 0.0f;
    d->f.upper = 6.0f;
  }
  d->in = in;
  d->out = out;
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status relu6_eval(tg_ctx *ctx, const tg_node *node) {
  (void)ctx;
  const relu6_data *d = (const relu6_data *)node->user_data;
  if (d->in->type == TG_INT8) {
    tg_relu_s8(&d->q, (const int8_t *)d->in->data, (int8_t *)d->out->data);
  } else {
    tg_relu_f32(&d->f, (const float *)d->in->data, (float *)d->out->data);
  }
  return TG_OK;
}

const tg_op tg_op_relu6 = {TG_BUILTIN_RELU6, "RELU6", relu6_prepare, relu6_eval};
