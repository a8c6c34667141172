/* RELU: max(x, 0); int8 requantizes to the output scale first, as TFLM's ReluQuantized.
 * The glue is RELU6's, in tg_op_ew_support.c, with no upper bound. */
#include "tg_op_ew_support.h"

static tg_status relu_prepare(tg_ctx *ctx, tg_node *node) { return tg_ew_relu_prepare(ctx, node, INFINITY); }

static tg_status relu_eval(tg_ctx *ctx, const tg_node *node) { return tg_ew_relu_eval(ctx, node, INFINITY); }

const tg_op tg_op_relu = {TG_BUILTIN_RELU, "RELU", relu_prepare, relu_eval};
