/* TANH: int8 (TFLM's fixed-point algorithm; output scale 1/128, zero point 0) or float32.
 * The glue is LOGISTIC's, in tg_op_ew_support.c: only the kernels and the output quantization differ. */
#include "tg_op_ew_support.h"

static tg_status tanh_prepare(tg_ctx *ctx, tg_node *node) { return tg_ew_sigmoid_prepare(ctx, node, 128, 0); }

static tg_status tanh_eval(tg_ctx *ctx, const tg_node *node) {
  return tg_ew_sigmoid_eval(ctx, node, tg_tanh_s8, tg_tanh_f32);
}

const tg_op tg_op_tanh = {TG_BUILTIN_TANH, "TANH", tanh_prepare, tanh_eval};
