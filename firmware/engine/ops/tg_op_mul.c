/* MUL: int8 (the product of the two offset inputs rescaled by s1 * s2 / s_out) or
 * float32, numpy broadcasting up to 6 dimensions, fused activation. Prepare and the
 * broadcast are ADD's (tg_ew_binary_prepare). */
#include "tg_op_ew_support.h"

/* What a layer keeps: for int8 the requantization and the clamp (the zero points are the
 * tensors', rebuilt into tg_mul_s8_params at eval), for float32 the clamp. */
typedef union {
  struct {
    int32_t multiplier;
    int8_t shift; /* at most 31: tg_ew_multiplier refuses ratios of 2^30 or more */
    int8_t act_min;
    int8_t act_max;
  } q;
  tg_act_f32 act;
} mul_data;

static tg_status mul_quant(tg_ctx *ctx, const tg_ew_binary *t, int32_t activation, mul_data *d) {
  const double real = (double)t->in1->scales[0] * (double)t->in2->scales[0] / (double)t->out->scales[0];
  int32_t shift, lo, hi;
  tg_status s = tg_ew_multiplier(ctx, real, "scale ratio s1*s2/s_out", &d->q.multiplier, &shift);
  if (s != TG_OK) return s;
  if ((s = tg_op_act_range_s8(ctx, activation, t->out, &lo, &hi)) != TG_OK) return s;
  d->q.shift = (int8_t)shift;
  d->q.act_min = (int8_t)lo; /* within int8 */
  d->q.act_max = (int8_t)hi;
  return TG_OK;
}

static tg_status mul_prepare(tg_ctx *ctx, tg_node *node) {
  tg_ew_binary t;
  int32_t activation;
  tg_status s;
  if ((s = tg_ew_binary_prepare(ctx, node, &t, &activation)) != TG_OK) return s;
  mul_data *d = (mul_data *)tg_ew_alloc(ctx, sizeof *d);
  if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
  node->user_data = d;
  if (t.in1->type == TG_INT8) {
    if ((s = mul_quant(ctx, &t, activation, d)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status mul_eval(tg_ctx *ctx, const tg_node *node) {
  const mul_data *d = (const mul_data *)node->user_data;
  tg_ew_binary t;
  tg_ew_binary_of(ctx, node, &t);
  if (t.out->type == TG_INT8) {
    const tg_mul_s8_params q = {-t.in1->zero_point, -t.in2->zero_point, t.out->zero_point, d->q.multiplier,
                                d->q.shift,         d->q.act_min,       d->q.act_max};
    tg_mul_s8(&q, &t.b, (const int8_t *)t.in1->data, (const int8_t *)t.in2->data, (int8_t *)t.out->data);
  } else {
    tg_mul_f32(&d->act, &t.b, (const float *)t.in1->data, (const float *)t.in2->data, (float *)t.out->data);
  }
  return TG_OK;
}

const tg_op tg_op_mul = {TG_BUILTIN_MUL, "MUL", mul_prepare, mul_eval};
