/* DEQUANTIZE: int8 (per-tensor) -> float32. A layer keeps nothing: the kernel's
 * parameters are the input tensor's count, scale and zero point, read at eval. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

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
  node->user_data = NULL;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status dequantize_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_dequantize_params p = {in->elements, in->scales[0], in->zero_point};
  tg_dequantize_s8(&p, (const int8_t *)in->data, (float *)tg_tensor_at(ctx, node->outputs[0])->data);
  return TG_OK;
}

const tg_op tg_op_dequantize = {TG_BUILTIN_DEQUANTIZE, "DEQUANTIZE", dequantize_prepare, dequantize_eval};
