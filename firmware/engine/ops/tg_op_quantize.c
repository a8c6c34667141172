/* QUANTIZE: float32 -> int8 (round half away from zero, saturate) or int8 -> int8
 * requantization to another scale and zero point. Per-tensor output quantization only,
 * as TFLM. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

typedef struct {
  tg_quantize_f32_params f;
  tg_requantize_params q;
  const tg_tensor *in;
  const tg_tensor *out;
} quantize_data;

static tg_status quantize_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if (in->type != TG_FLOAT32 && in->type != TG_INT8) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "input type %s, expected FLOAT32 or INT8", tg_type_name(in->type));
  }
  if ((s = tg_op_check_type(ctx, out, "output", TG_INT8)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, in, "input", out)) != TG_OK) return s;
  if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
  quantize_data *d = (quantize_data *)tg_ew_alloc(ctx, sizeof(quantize_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  if (in->type == TG_FLOAT32) {
    d->f.elements = in->elements;
    d->f.scale = out->scales[0];
    d->f.zero_point = out->zero_point;
  } else {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    d->q.elements = in->elements;
    d->q.input_zero_point = in->zero_point;
    d->q.output_zero_point = out->zero_point;
    const double real = (double)in->scales[0] / (double)out->scales[0];
    if ((s = tg_ew_multiplier(ctx, real, "input/output scale ratio", &d->q.multiplier, &d->q.shift)) != TG_OK) return s;
  }
  d->in = in;
  d->out = out;
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status quantize_eval(tg_ctx *ctx, const tg_node *node) {
  (void)ctx;
  const quantize_data *d = (const quantize_data *)node->user_data;
  if (d->in->type == TG_FLOAT32) {
    tg_quantize_f32(&d->f, (const float *)d->in->data, (int8_t *)d->out->data);
  } else {
    tg_quantize_s8(&d->q, (const int8_t *)d->in->data, (int8_t *)d->out->data);
  }
  return TG_OK;
}

const tg_op tg_op_quantize = {TG_BUILTIN_QUANTIZE, "QUANTIZE", quantize_prepare, quantize_eval};
