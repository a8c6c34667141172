/* ADD: int8 (TFLM's rescale-to-common-scale arithmetic) or float32, numpy broadcasting
 * up to 6 dimensions, fused activation. */
#include "tg_op_ew_support.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

enum { kInput1 = 0, kInput2 = 1 };
enum { kOptActivation = 0 }; /* AddOptions.fused_activation_function */

/* The tensors are looked up at eval, not kept: arena bytes. */
typedef struct {
  tg_broadcast b;
  union {
    tg_add_s8_params q; /* int8 */
    tg_act_f32 act;     /* float32 */
  };
} add_data;

/* TFLM's CalculateOpDataAdd for int8: both inputs are rescaled to twice the larger input
 * scale after a 20-bit left shift, which keeps every multiplier below 1. */
static tg_status add_quant(tg_ctx *ctx, const tg_tensor *in1, const tg_tensor *in2, const tg_tensor *out,
                           tg_add_s8_params *q) {
  const double s1 = (double)in1->scales[0];
  const double s2 = (double)in2->scales[0];
  const double so = (double)out->scales[0];
  const double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
  q->left_shift = 20;
  const double real_out = twice_max / ((double)(1 << q->left_shift) * so);
  if (!(real_out < 1.0)) {
    return tg_fail(ctx, TG_ERR_QUANT, "output scale %g too small for input scales %g and %g", so, s1, s2);
  }
  q->input1_offset = -in1->zero_point;
  q->input2_offset = -in2->zero_point;
  q->output_offset = out->zero_point;
  tg_quantize_multiplier(s1 / twice_max, &q->input1_multiplier, &q->input1_shift);
  tg_quantize_multiplier(s2 / twice_max, &q->input2_multiplier, &q->input2_shift);
  tg_quantize_multiplier(real_out, &q->output_multiplier, &q->output_shift);
  return TG_OK;
}

/* The one place ADD picks its kernel, and so the path the layer reports: int8 with
 * identical input shapes (tg_add_s8_opt_applies) takes the inlined fast loop;
 * broadcasting and float32 run the reference. */
#if TG_KERNELS_OPT
static void add_s8_opt_applies(tg_node *node, const add_data *d, const tg_tensor *out) {
  const int fast = out->type == TG_INT8 && tg_add_s8_opt_applies(&d->q, &d->b);
  node->kernel_path = fast ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK;
}

static tg_status add_eval_s8_opt(const add_data *d, const tg_tensor *in1, const tg_tensor *in2,
                                 const tg_tensor *out) {
  return tg_add_s8_opt(&d->q, &d->b, (const int8_t *)in1->data, (const int8_t *)in2->data, (int8_t *)out->data);
}
#else
static void add_s8_opt_applies(tg_node *node, const add_data *d, const tg_tensor *out) {
  (void)d;
  (void)out;
  node->kernel_path = TG_PATH_REF;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status add_eval_s8_opt(const add_data *d, const tg_tensor *in1, const tg_tensor *in2,
                                 const tg_tensor *out) {
  (void)d;
  (void)in1;
  (void)in2;
  (void)out;
  return TG_ERR_STATE;
}
#endif

static tg_status add_prepare(tg_ctx *ctx, tg_node *node) {
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

  add_data *d = (add_data *)tg_ew_alloc(ctx, sizeof(add_data));
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
    if ((s = add_quant(ctx, in1, in2, out, &d->q)) != TG_OK) return s;
    if ((s = tg_op_act_range_s8(ctx, activation, out, &d->q.act_min, &d->q.act_max)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  node->user_data = d;
  add_s8_opt_applies(node, d, out);
  return TG_OK;
}

static tg_status add_eval(tg_ctx *ctx, const tg_node *node) {
  const add_data *d = (const add_data *)node->user_data;
  const tg_tensor *in1 = tg_tensor_at(ctx, node->inputs[kInput1]);
  const tg_tensor *in2 = tg_tensor_at(ctx, node->inputs[kInput2]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (node->kernel_path == TG_PATH_OPT) return add_eval_s8_opt(d, in1, in2, out);
  if (out->type == TG_INT8) {
    tg_add_s8(&d->q, &d->b, (const int8_t *)in1->data, (const int8_t *)in2->data, (int8_t *)out->data);
  } else {
    tg_add_f32(&d->act, &d->b, (const float *)in1->data, (const float *)in2->data, (float *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_add = {TG_BUILTIN_ADD, "ADD", add_prepare, add_eval};
