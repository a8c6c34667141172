/* The shared glue of the element-wise operators (see tg_op_ew_support.h): one copy in
 * flash instead of one per operator file. */
#include "tg_op_ew_support.h"

const char *tg_ew_shape(const int32_t *dims, int32_t ndims, char *buf, size_t size) {
  size_t n = 0;
  buf[n++] = '[';
  for (int32_t d = 0; d < ndims; ++d) {
    char digits[12];
    int32_t k = 0;
    int64_t v = dims[d];
    const int negative = v < 0;
    if (negative) v = -v;
    do {
      digits[k++] = (char)('0' + (int)(v % 10));
      v /= 10;
    } while (v > 0 && k < 11);
    /* room for ',', '-', the digits and, at worst, "...]" and the terminator after them */
    if (n + (size_t)k + 7 > size) {
      buf[n++] = '.';
      buf[n++] = '.';
      buf[n++] = '.';
      break;
    }
    if (d > 0) buf[n++] = ',';
    if (negative) buf[n++] = '-';
    while (k > 0) buf[n++] = digits[--k];
  }
  buf[n++] = ']';
  buf[n] = '\0';
  return buf;
}

tg_status tg_ew_arity(tg_ctx *ctx, const tg_node *node, int32_t n_inputs) {
  if (node->n_inputs != n_inputs) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d inputs, expected %d", (int)node->n_inputs, (int)n_inputs);
  }
  return TG_OK;
}

tg_status tg_ew_same_shape(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  int same = in->ndims == out->ndims;
  for (int32_t d = 0; same && d < in->ndims; ++d) same = in->dims[d] == out->dims[d];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS];
    char b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "%s shape %s differs from output shape %s", in_name,
                   tg_ew_shape(in->dims, in->ndims, a, sizeof a), tg_ew_shape(out->dims, out->ndims, b, sizeof b));
  }
  return TG_OK;
}

tg_status tg_ew_same_type(tg_ctx *ctx, const tg_tensor *in, const char *in_name, const tg_tensor *out) {
  if (in->type != TG_INT8 && in->type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT8 or FLOAT32", in_name,
                   tg_type_name(in->type));
  }
  return tg_op_check_type(ctx, out, "output", in->type);
}

tg_status tg_ew_same_quant(tg_ctx *ctx, const tg_tensor *a, const char *a_name, const tg_tensor *b,
                           const char *b_name) {
  if (a->scales[0] != b->scales[0] || a->zero_point != b->zero_point) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s quantization (scale %g, zero point %d) differs from %s (%g, %d)", a_name,
                   (double)a->scales[0], (int)a->zero_point, b_name, (double)b->scales[0],
                   (int)b->zero_point);
  }
  return TG_OK;
}

tg_status tg_ew_const_i32(tg_ctx *ctx, const tg_tensor *t, const char *name, const int32_t **values) {
  if (t->type != TG_INT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected INT32", name, tg_type_name(t->type));
  }
  if (!t->is_const || (t->elements > 0 && t->data == NULL)) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%s is not a constant tensor", name);
  }
  *values = (const int32_t *)t->data;
  return TG_OK;
}

void *tg_ew_alloc(tg_ctx *ctx, size_t bytes) {
  uint8_t *p = (uint8_t *)tg_alloc_persistent(ctx, bytes);
  if (p == NULL) {
    (void)tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
    return NULL;
  }
  for (size_t i = 0; i < bytes; ++i) p[i] = 0;
  return p;
}

tg_status tg_ew_multiplier(tg_ctx *ctx, double real, const char *what, int32_t *multiplier, int32_t *shift) {
  if (!(real >= 0.0 && real < 1073741824.0)) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s %g outside [0, 2^30): cannot be requantized", what, real);
  }
  tg_quantize_multiplier(real, multiplier, shift);
  return TG_OK;
}

/* ---- ADD, MUL --------------------------------------------------------------------- */

static tg_status binary_broadcast(tg_ew_binary *t) {
  int32_t bad_dim;
  return tg_broadcast_shapes(t->in1->dims, t->in1->ndims, t->in2->dims, t->in2->ndims, t->out->dims, t->out->ndims,
                             &t->b, &bad_dim);
}

tg_status tg_ew_binary_prepare(tg_ctx *ctx, const tg_node *node, tg_ew_binary *t, int32_t *activation) {
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 2)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, 0, "input1", 0, &t->in1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, 1, "input2", 0, &t->in2)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &t->out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, t->in1, "input1", t->out)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, t->in2, "input2", t->in1->type)) != TG_OK) return s;
  *activation = tg_fb_i8(tg_op_options(ctx), 0 /* fused_activation_function */, TG_ACT_NONE);
  if ((s = tg_op_check_activation(ctx, *activation)) != TG_OK) return s;
  if (binary_broadcast(t) != TG_OK) {
    char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS], c[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "input1 %s and input2 %s do not broadcast to output %s",
                   tg_ew_shape(t->in1->dims, t->in1->ndims, a, sizeof a),
                   tg_ew_shape(t->in2->dims, t->in2->ndims, b, sizeof b),
                   tg_ew_shape(t->out->dims, t->out->ndims, c, sizeof c));
  }
  if (t->in1->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, t->in1, "input1")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, t->in2, "input2")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, t->out, "output")) != TG_OK) return s;
  }
  return TG_OK;
}

void tg_ew_binary_of(tg_ctx *ctx, const tg_node *node, tg_ew_binary *t) {
  t->in1 = tg_tensor_at(ctx, node->inputs[0]);
  t->in2 = tg_tensor_at(ctx, node->inputs[1]);
  t->out = tg_tensor_at(ctx, node->outputs[0]);
  (void)binary_broadcast(t); /* succeeded in prepare, on the same shapes */
}

/* ---- the one-input operators ------------------------------------------------------ */

/* One input and one output of the same type (INT8 or FLOAT32) and shape, and for int8 the
 * activation quantization of both: LOGISTIC, TANH, RELU, RELU6. */
static tg_status unary_prepare(tg_ctx *ctx, const tg_node *node, tg_tensor **in, tg_tensor **out) {
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 1)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, 0, "input", 0, in)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, *in, "input", *out)) != TG_OK) return s;
  if ((s = tg_ew_same_shape(ctx, *in, "input", *out)) != TG_OK) return s;
  if ((*in)->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, *in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, *out, "output")) != TG_OK) return s;
  }
  return TG_OK;
}

int32_t tg_ew_input_radius(int32_t integer_bits, int32_t left_shift) {
  const double r = ldexp((double)((1 << integer_bits) - 1), 31 - integer_bits - left_shift);
  return r >= 2147483647.0 ? INT32_MAX : (int32_t)floor(r);
}

/* TFLM's LOGISTIC/TANH int8 prepare: the input scale times 2^27 (Q4.27) as a multiplier
 * from frexp, and the radius past which the output saturates. A multiplier that rounds
 * up to 2^31 is renormalised (TFLM would overflow there). */
static tg_status sigmoid_layer(tg_ctx *ctx, const tg_tensor *in, tg_ew_sigmoid_layer *l) {
  const int32_t integer_bits = 4;
  int shift = 0;
  const double q = frexp((double)in->scales[0] * (double)(1 << (31 - integer_bits)), &shift);
  int64_t m = (int64_t)round(q * (double)(1LL << 31));
  if (m == (1LL << 31)) {
    m /= 2;
    ++shift;
  }
  if (shift < 0 || shift > 62) {
    return tg_fail(ctx, TG_ERR_QUANT, "input scale %g outside the range of the int8 kernel", (double)in->scales[0]);
  }
  l->input_multiplier = (int32_t)m;
  l->input_left_shift = shift;
  l->input_range_radius = tg_ew_input_radius(integer_bits, shift);
  return TG_OK;
}

tg_status tg_ew_sigmoid_prepare(tg_ctx *ctx, tg_node *node, int32_t out_scale_inverse, int32_t out_zero_point) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = unary_prepare(ctx, node, &in, &out)) != TG_OK) return s;
  node->user_data = NULL; /* float32: the kernel needs only the element count */
  if (in->type == TG_INT8) {
    /* the kernel's output is fixed-point with this scale and zero point */
    if (out->zero_point != out_zero_point || out->scales[0] != 1.0f / (float)out_scale_inverse) {
      return tg_fail(ctx, TG_ERR_QUANT, "output scale %g zero point %d, expected 1/%d and %d", (double)out->scales[0],
                     (int)out->zero_point, (int)out_scale_inverse, (int)out_zero_point);
    }
    tg_ew_sigmoid_layer l;
    if ((s = sigmoid_layer(ctx, in, &l)) != TG_OK) return s;
    tg_ew_sigmoid_layer *d = (tg_ew_sigmoid_layer *)tg_ew_alloc(ctx, sizeof *d);
    if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
    node->user_data = d;
    *d = l;
  }
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

tg_status tg_ew_sigmoid_eval(tg_ctx *ctx, const tg_node *node, tg_ew_sigmoid_s8_fn s8, tg_ew_sigmoid_f32_fn f32) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (in->type == TG_INT8) {
    const tg_ew_sigmoid_layer *l = (const tg_ew_sigmoid_layer *)node->user_data;
    const tg_sigmoid_s8_params p = {in->elements, in->zero_point, l->input_range_radius, l->input_multiplier,
                                    l->input_left_shift};
    s8(&p, (const int8_t *)in->data, (int8_t *)out->data);
  } else {
    f32(in->elements, (const float *)in->data, (float *)out->data);
  }
  return TG_OK;
}

tg_status tg_ew_relu_prepare(tg_ctx *ctx, tg_node *node, float upper) {
  tg_tensor *in, *out;
  tg_status s;
  if ((s = unary_prepare(ctx, node, &in, &out)) != TG_OK) return s;
  node->user_data = NULL; /* float32: the clamp is the operator's, the count the tensor's */
  if (in->type == TG_INT8) {
    const float so = out->scales[0];
    int32_t multiplier, shift;
    s = tg_ew_multiplier(ctx, (double)in->scales[0] / (double)so, "input/output scale ratio", &multiplier, &shift);
    if (s != TG_OK) return s;
    int32_t act_max = 127;
    if (upper < INFINITY) { /* zero point + round(upper / scale), within int8 */
      const float q = roundf(upper / so);
      act_max = q >= 256.0f ? 256 : (int32_t)q + out->zero_point;
      act_max = act_max < 127 ? act_max : 127;
    }
    tg_ew_relu_layer *d = (tg_ew_relu_layer *)tg_ew_alloc(ctx, sizeof *d);
    if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
    node->user_data = d;
    d->multiplier = multiplier;
    d->shift = (int8_t)shift;
    d->act_max = (int8_t)act_max;
  }
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

tg_status tg_ew_relu_eval(tg_ctx *ctx, const tg_node *node, float upper) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (in->type == TG_INT8) {
    const tg_ew_relu_layer *l = (const tg_ew_relu_layer *)node->user_data;
    /* the lower end: zero point + round(0 / scale), the zero point itself (within int8) */
    const tg_relu_s8_params p = {in->elements, in->zero_point, out->zero_point, l->multiplier,
                                 l->shift,     out->zero_point, l->act_max};
    tg_relu_s8(&p, (const int8_t *)in->data, (int8_t *)out->data);
  } else {
    const tg_relu_f32_params p = {in->elements, 0.0f, upper};
    tg_relu_f32(&p, (const float *)in->data, (float *)out->data);
  }
  return TG_OK;
}
