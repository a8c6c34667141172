/* RELU6: min(max(x, 0), 6); int8 through the same requantize-and-clamp kernel as RELU (TFLM's
 * RELU6 only clamps in the input's quantization, which gives the same values whenever
 * input and output share it, as the converter writes them; here a differing output
 * quantization is honoured instead of misread). The glue is RELU's, in tg_op_ew_support.c. */
#include "tg_op_ew_support.h"

static tg_status relu6_prepare(tg_ctx *ctx, tg_node *node) { return tg_ew_relu_prepare(ctx, node, 6.0f); }

static tg_status relu6_eval(tg_ctx *ctx, const tg_node *node) { return tg_ew_relu_eval(ctx, node, 6.0f); }

const tg_op tg_op_relu6 = {TG_BUILTIN_RELU6, "RELU6", relu6_prepare, relu6_eval};
