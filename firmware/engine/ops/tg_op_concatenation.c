/* CONCATENATION of up to TG_CONCAT_MAX_INPUTS tensors along any axis (negative counts from
 * the end). int8 inputs must share the output's scale and zero point, as TFLM requires;
 * no fused activation. */
#include "tg_op_ew_support.h"

enum { kOptAxis = 0, kOptActivation = 1 }; /* ConcatenationOptions */

static const char *const kInputNames[TG_CONCAT_MAX_INPUTS] = {"input 0", "input 1", "input 2", "input 3", "input 4",
                                                              "input 5", "input 6", "input 7", "input 8", "input 9"};

/* What a layer keeps: the axis (an option, which eval cannot read); the copy sizes are
 * the tensors' shapes, rebuilt at eval (concat_params). */
typedef struct {
  int32_t axis;
} concat_data;

/* Every input has the output's rank and dims except along axis; the axis dims add up.
 * The inputs are present (checked by the caller). */
static tg_status check_shapes(tg_ctx *ctx, const tg_node *node, const tg_tensor *out, int32_t axis) {
  int64_t axis_sum = 0;
  for (int32_t i = 0; i < node->n_inputs; ++i) {
    const tg_tensor *t = tg_tensor_at(ctx, node->inputs[i]);
    int same = t->ndims == out->ndims;
    for (int32_t k = 0; same && k < out->ndims; ++k) same = k == axis || t->dims[k] == out->dims[k];
    if (!same) {
      char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS];
      return tg_fail(ctx, TG_ERR_SHAPE, "input %d shape %s does not fit output %s along axis %d", (int)i,
                     tg_ew_shape(t->dims, t->ndims, a, sizeof a), tg_ew_shape(out->dims, out->ndims, b, sizeof b),
                     (int)axis);
    }
    axis_sum += t->dims[axis];
  }
  if (axis_sum != out->dims[axis]) {
    return tg_fail(ctx, TG_ERR_SHAPE, "inputs add up to %d along axis %d, output has %d", (int)axis_sum, (int)axis,
                   (int)out->dims[axis]);
  }
  return TG_OK;
}

static tg_status concat_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *out;
  tg_status s;
  if (node->n_inputs < 1 || node->n_inputs > TG_CONCAT_MAX_INPUTS) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d inputs, expected 1 to %d", (int)node->n_inputs,
                   TG_CONCAT_MAX_INPUTS);
  }
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  const int32_t activation = tg_fb_i8(tg_op_options(ctx), kOptActivation, TG_ACT_NONE);
  if (activation != TG_ACT_NONE) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "fused activation %s not supported (NONE only)",
                   tg_activation_name(activation));
  }
  const int32_t axis_opt = tg_fb_i32(tg_op_options(ctx), kOptAxis, 0);
  const int32_t axis = axis_opt < 0 ? axis_opt + out->ndims : axis_opt;
  if (axis < 0 || axis >= out->ndims) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "axis %d outside output rank %d", (int)axis_opt, (int)out->ndims);
  }
  for (int32_t i = 0; i < node->n_inputs; ++i) {
    tg_tensor *t;
    const char *name = kInputNames[i];
    if ((s = tg_op_input(ctx, node, i, name, 0, &t)) != TG_OK) return s;
    if ((s = tg_ew_same_type(ctx, t, name, out)) != TG_OK) return s;
    if (t->type == TG_INT8) {
      if ((s = tg_op_check_act_quant(ctx, t, name)) != TG_OK) return s;
      if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
      if ((s = tg_ew_same_quant(ctx, t, name, out, "output")) != TG_OK) return s;
    }
  }
  if ((s = check_shapes(ctx, node, out, axis)) != TG_OK) return s;
  concat_data *d = (concat_data *)tg_ew_alloc(ctx, sizeof *d);
  if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
  node->user_data = d;
  d->axis = axis;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

/* The kernel's parameters from the shapes prepare checked: the rows before the axis and
 * the elements each input adds per row. */
static void concat_params(tg_ctx *ctx, const tg_node *node, const tg_tensor *out, int32_t axis,
                          tg_concat_params *p) {
  p->n_inputs = node->n_inputs;
  p->outer = 1;
  for (int32_t k = 0; k < axis; ++k) p->outer *= out->dims[k];
  for (int32_t i = 0; i < node->n_inputs; ++i) {
    const tg_tensor *t = tg_tensor_at(ctx, node->inputs[i]);
    int32_t inner = 1;
    for (int32_t k = axis; k < out->ndims; ++k) inner *= t->dims[k];
    p->copy_size[i] = inner;
  }
}

static tg_status concat_eval(tg_ctx *ctx, const tg_node *node) {
  const concat_data *d = (const concat_data *)node->user_data;
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  tg_concat_params p;
  concat_params(ctx, node, out, d->axis, &p);
  if (out->type == TG_INT8) {
    const int8_t *inputs[TG_CONCAT_MAX_INPUTS];
    for (int32_t i = 0; i < p.n_inputs; ++i) inputs[i] = (const int8_t *)tg_tensor_at(ctx, node->inputs[i])->data;
    tg_concatenation_s8(&p, inputs, (int8_t *)out->data);
  } else {
    const float *inputs[TG_CONCAT_MAX_INPUTS];
    for (int32_t i = 0; i < p.n_inputs; ++i) inputs[i] = (const float *)tg_tensor_at(ctx, node->inputs[i])->data;
    tg_concatenation_f32(&p, inputs, (float *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_concatenation = {TG_BUILTIN_CONCATENATION, "CONCATENATION", concat_prepare, concat_eval};
