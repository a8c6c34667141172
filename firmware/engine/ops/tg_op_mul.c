/* MUL: int8 (the product of the two offset inputs rescaled by s1 * s2 / s_out) or
 * float32, numpy broadcasting up to 6 dimensions, fused activation. */
#include "tg_op_ew_support.h"

enum { kInput1 = 0, kInput2 = 1 };
enum { kOptActivation = 0 }; /* MulOptions.fused_activation_function */

typedef struct {
  tg_broadcast b;
  tg_mul_s8_params q;
  tg_act_f32 act;
  const tg_tensor *in1;
  const tg_tensor *in2;
  const tg_tensor *out;
} mul_data;

static tg_status mul_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in1, *in2, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 2)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput1, "input1", 0, &in1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput2, "input2", 0, &in2)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in1, "input1", out)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, in2, "input2", in1->type)) != TG_OK) return s;
  const int32_t activation = tg_fb_i8(tg_op_options(ctx), kOptActivation, TG_ACT_NONE);
  if ((s = tg_op_check_activation(ctx, activation)) != TG_OK) return s;

  mul_data *d = (mul_data *)tg_ew_alloc(ctx, sizeof(mul_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  int32_t bad = -1;
  if (tg_broadcast_shapes(in1->dims, in1->ndims, in2->dims, in2->ndims, out->dims, out->ndims, &d->b, &bad) != TG_OK) {
    char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS], c[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "input1 %s and input2 %s do not broadcast to output %s",
                   tg_ew_shape(in1->dims, in1->ndims, a, sizeof a), tg_ew_shape(in2->dims, in2->ndims, b, sizeof b),
                   tg_ew_shape(out->dims, out->ndims, c, sizeof c));
  }
  if (in1->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in1, "input1")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, in2, "input2")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    const double real = (double)in1->scales[0] * (double)in2->scales[0] / (double)out->scales[0];
    if ((s = tg_ew_multiplier(ctx, real, "scale ratio s1*s2/s_out", &d->q.output_multiplier, &d->q.output_shift)) !=
        TG_OK) {
      return s;
    }
    d->q.input1_offset = -in1->zero_point;
    d->q.input2_offset = -in2->zero_point;
    d->q.output_offset = out->zero_point;
    if ((s = tg_op_act_range_s8(ctx, activation, out, &d->q.act_min, &d->q.act_max)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  d->in1 = in1;
  d->in2 = in2;
  d->out = out;
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status mul_eval(tg_ctx *ctx, const tg_node *node) {
  (void)ctx;
  const mul_data *d = (const mul_data *)node->user_data;
  if (d->out->type == TG_INT8) {
    tg_mul_s8(&d->q, &d->b, (const int8_t *)d->in1->data, (const int8_t *)d->in2->data, (int8_t *)d->out->data);
  } else {
    tg_mul_f32(&d->act, &d->b, (const float *)d->in1->data, (const float *)d->in2->data, (float *)d->out->data);
  }
  return TG_OK;
}

const tg_op tg_op_mul = {TG_BUILTIN_MUL, "MUL", mul_prepare, mul_eval};
