/* ADD: int8 (TFLM's rescale-to-common-scale arithmetic) or float32, numpy broadcasting
 * up to 6 dimensions, fused activation. Prepare and the broadcast are MUL's
 * (tg_ew_binary_prepare). */
#include "tg_op_ew_support.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

enum { kLeftShift = 20 };

/* What a layer keeps: for int8 the three requantizations and the clamp (the zero points
 * are the tensors', rebuilt into tg_add_s8_params at eval), for float32 the clamp. */
typedef union {
  struct {
    int32_t multiplier[3]; /* input1, input2, output */
    int8_t shift[3];       /* within [-31, 1]: every ADD multiplier is below 1 */
    int8_t act_min;
    int8_t act_max;
  } q;
  tg_act_f32 act;
} add_data;

/* The kernel's parameters from what prepare kept and the tensors' zero points. */
static void add_params(const add_data *d, const tg_ew_binary *t, tg_add_s8_params *q) {
  q->input1_offset = -t->in1->zero_point;
  q->input2_offset = -t->in2->zero_point;
  q->output_offset = t->out->zero_point;
  q->left_shift = kLeftShift;
  q->input1_multiplier = d->q.multiplier[0];
  q->input1_shift = d->q.shift[0];
  q->input2_multiplier = d->q.multiplier[1];
  q->input2_shift = d->q.shift[1];
  q->output_multiplier = d->q.multiplier[2];
  q->output_shift = d->q.shift[2];
  q->act_min = d->q.act_min;
  q->act_max = d->q.act_max;
}

/* TFLM's CalculateOpDataAdd for int8: both inputs are rescaled to twice the larger input
 * scale after a 20-bit left shift, which keeps every multiplier below 1. */
static tg_status add_quant(tg_ctx *ctx, const tg_ew_binary *t, int32_t activation, add_data *d) {
  const double s1 = (double)t->in1->scales[0];
  const double s2 = (double)t->in2->scales[0];
  const double so = (double)t->out->scales[0];
  const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
  const double real_out = twice_max / ((double)(1 << kLeftShift) * so);
  if (!(real_out < 1.0)) {
    return tg_fail(ctx, TG_ERR_QUANT, "output scale %g too small for input scales %g and %g", so, s1, s2);
  }
  const double real[3] = {s1 / twice_max, s2 / twice_max, real_out};
  for (int k = 0; k < 3; ++k) {
    int32_t shift;
    tg_quantize_multiplier(real[k], &d->q.multiplier[k], &shift);
    d->q.shift[k] = (int8_t)shift;
  }
  int32_t lo, hi;
  const tg_status s = tg_op_act_range_s8(ctx, activation, t->out, &lo, &hi);
  if (s != TG_OK) return s;
  d->q.act_min = (int8_t)lo; /* within int8 */
  d->q.act_max = (int8_t)hi;
  return TG_OK;
}

/* The one place ADD picks its kernel, and so the path the layer reports: int8 with
 * identical input shapes (tg_add_s8_opt_applies) takes the inlined fast loop;
 * broadcasting and float32 run the reference. */
#if TG_KERNELS_OPT
static void add_s8_opt_applies(tg_node *node, const add_data *d, const tg_ew_binary *t) {
  int fast = 0;
  if (t->out->type == TG_INT8) {
    tg_add_s8_params q;
    add_params(d, t, &q);
    fast = tg_add_s8_opt_applies(&q, &t->b);
  }
  node->kernel_path = fast ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK;
}

static tg_status add_eval_s8_opt(const tg_add_s8_params *q, const tg_ew_binary *t) {
  return tg_add_s8_opt(q, &t->b, (const int8_t *)t->in1->data, (const int8_t *)t->in2->data, (int8_t *)t->out->data);
}
#else
static void add_s8_opt_applies(tg_node *node, const add_data *d, const tg_ew_binary *t) {
  (void)d;
  (void)t;
  node->kernel_path = TG_PATH_REF;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status add_eval_s8_opt(const tg_add_s8_params *q, const tg_ew_binary *t) {
  (void)q;
  (void)t;
  return TG_ERR_STATE;
}
#endif

static tg_status add_prepare(tg_ctx *ctx, tg_node *node) {
  tg_ew_binary t;
  int32_t activation;
  tg_status s;
  if ((s = tg_ew_binary_prepare(ctx, node, &t, &activation)) != TG_OK) return s;
  add_data *d = (add_data *)tg_ew_alloc(ctx, sizeof *d);
  if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
  node->user_data = d;
  if (t.in1->type == TG_INT8) {
    if ((s = add_quant(ctx, &t, activation, d)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  add_s8_opt_applies(node, d, &t);
  return TG_OK;
}

static tg_status add_eval(tg_ctx *ctx, const tg_node *node) {
  const add_data *d = (const add_data *)node->user_data;
  tg_ew_binary t;
  tg_ew_binary_of(ctx, node, &t);
  if (t.out->type == TG_INT8) {
    tg_add_s8_params q;
    add_params(d, &t, &q);
    if (node->kernel_path == TG_PATH_OPT) return add_eval_s8_opt(&q, &t);
    tg_add_s8(&q, &t.b, (const int8_t *)t.in1->data, (const int8_t *)t.in2->data, (int8_t *)t.out->data);
  } else {
    tg_add_f32(&d->act, &t.b, (const float *)t.in1->data, (const float *)t.in2->data, (float *)t.out->data);
  }
  return TG_OK;
}

const tg_op tg_op_add = {TG_BUILTIN_ADD, "ADD", add_prepare, add_eval};
