/* QUANTIZE: float32 -> int8 (round half away from zero, saturate) or int8 -> int8
 * requantization to another scale and zero point. Per-tensor output quantization only,
 * as TFLM. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

/* What an int8 -> int8 layer keeps: the requantization (the zero points are the
 * tensors'). A float32 -> int8 layer keeps nothing: its parameters are the output's
 * scale and zero point. */
typedef struct {
  int32_t multiplier; /* input scale / output scale */
  int32_t shift;
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
  node->user_data = NULL;
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    quantize_data q;
    const double real = (double)in->scales[0] / (double)out->scales[0];
    if ((s = tg_ew_multiplier(ctx, real, "input/output scale ratio", &q.multiplier, &q.shift)) != TG_OK) return s;
    quantize_data *d = (quantize_data *)tg_ew_alloc(ctx, sizeof *d);
    if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
    node->user_data = d;
    *d = q;
  }
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status quantize_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (in->type == TG_FLOAT32) {
    const tg_quantize_f32_params p = {in->elements, out->scales[0], out->zero_point};
    tg_quantize_f32(&p, (const float *)in->data, (int8_t *)out->data);
  } else {
    const quantize_data *d = (const quantize_data *)node->user_data;
    const tg_requantize_params p = {in->elements, in->zero_point, out->zero_point, d->multiplier, d->shift};
    tg_quantize_s8(&p, (const int8_t *)in->data, (int8_t *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_quantize = {TG_BUILTIN_QUANTIZE, "QUANTIZE", quantize_prepare, quantize_eval};
