/* DEQUANTIZE: int8 (per-tensor) -> float32. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

typedef struct {
  tg_dequantize_params p;
  const tg_tensor *in;
  const tg_tensor *out;
} dequantize_data;

static tg_status dequantize_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, in, "input", TG_INT8)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, out, "output", TG_FLOAT32)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, in, "input", out)) != TG_OK) return s;
  if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
  dequantize_data *d = (dequantize_data *)tg_ew_alloc(ctx, sizeof(dequantize_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  d->p.elements = in->elements;
  d->p.scale = in->scales[0];
  d->p.zero_point = in->zero_point;
  d->in = in;
  d->out = out;
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status dequantize_eval(tg_ctx *ctx, const tg_node *node) {
  (void)ctx;
  const dequantize_data *d = (const dequantize_data *)node->user_data;
  tg_dequantize_s8(&d->p, (const int8_t *)d->in->data, (float *)d->out->data);
  return TG_OK;
}

const tg_op tg_op_dequantize = {TG_BUILTIN_DEQUANTIZE, "DEQUANTIZE", dequantize_prepare, dequantize_eval};
