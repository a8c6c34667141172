/* LOGISTIC (sigmoid): int8 (TFLM's fixed-point algorithm; output scale 1/256, zero point -128) or float32. */
#include "tg_op_ew_support.h"

enum { kInput = 0 };

typedef struct {
  tg_sigmoid_s8_params q;
  int32_t elements;
  const tg_tensor *in;
  const tg_tensor *out;
} logistic_data;

static tg_status logistic_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in, "input", out)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, in, "input", out)) != TG_OK) return s;
  logistic_data *d = (logistic_data *)tg_ew_alloc(ctx, sizeof(logistic_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    /* the kernel's output is fixed-point with this scale and zero point */
    if (out->zero_point != -128 || out->scales[0] != 1.0f / 256.0f) {
      return tg_fail(ctx, TG_ERR_QUANT, "output scale %g zero point %d, expected 1/256 and -128",
                     (double)out->scales[0], (int)out->zero_point);
    }
    if ((s = tg_ew_sigmoid_params(ctx, in, &d->q)) != TG_OK) return s;
  }
  d->elements = in->elements;
  d->in = in;
  d->out = out;
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status logistic_eval(tg_ctx *ctx, const tg_node *node) {
  (void)ctx;
  const logistic_data *d = (const logistic_data *)node->user_data;
  if (d->in->type == TG_INT8) {
    tg_logistic_s8(&d->q, (const int8_t *)d->in->data, (int8_t *)d->out->data);
  } else {
    tg_logistic_f32(d->elements, (const float *)d->in->data, (float *)d->out->data);
  }
  return TG_OK;
}

const tg_op tg_op_logistic = {TG_BUILTIN_LOGISTIC, "LOGISTIC", logistic_prepare, logistic_eval};
