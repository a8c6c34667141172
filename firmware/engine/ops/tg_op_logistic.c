/* LOGISTIC (sigmoid): int8 (TFLM's fixed-point algorithm; output scale 1/256, zero point -128) or float32.
 * The glue is TANH's, in tg_op_ew_support.c: only the kernels and the output quantization differ. */
#include "tg_op_ew_support.h"

static tg_status logistic_prepare(tg_ctx *ctx, tg_node *node) { return tg_ew_sigmoid_prepare(ctx, node, 256, -128); }

static tg_status logistic_eval(tg_ctx *ctx, const tg_node *node) {
  return tg_ew_sigmoid_eval(ctx, node, tg_logistic_s8, tg_logistic_f32);
}

const tg_op tg_op_logistic = {TG_BUILTIN_LOGISTIC, "LOGISTIC", logistic_prepare, logistic_eval};
