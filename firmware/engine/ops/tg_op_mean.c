/* MEAN over a constant list of axes (negative axes count from the end, duplicates
 * ignored), keep_dims or not: int8 as TFLM's QuantizedMeanOrSum (requantized to the output
 * scale with 1/count folded into the multiplier) or float32. */
#include "tg_op_ew_support.h"

enum { kInput = 0, kAxis = 1 };
enum { kOptKeepDims = 0 }; /* ReducerOptions.keep_dims */

/* |sum of count int8 values| must fit int32 (the kernel sums in int32). */
#define TG_MEAN_MAX_COUNT (INT32_MAX / 256)

/* What an int8 layer keeps: the requantization with 1/count folded in (the zero points
 * are the tensors'). The reduced dims and their strides are rebuilt at eval from the
 * shapes and the constant axis tensor (mean_params); a float32 layer keeps nothing. */
typedef struct {
  int32_t multiplier;
  int32_t shift;
} mean_data;

/* Every axis value within [-ndims, ndims) (the values may repeat). */
static tg_status check_axes(tg_ctx *ctx, const tg_tensor *axis, const tg_tensor *in) {
  const int32_t *values = NULL;
  tg_status s = tg_ew_const_i32(ctx, axis, "axis", &values);
  if (s != TG_OK) return s;
  if (axis->ndims > 1) return tg_fail(ctx, TG_ERR_SHAPE, "axis rank %d, expected 0 or 1", (int)axis->ndims);
  for (int32_t i = 0; i < axis->elements; ++i) {
    if (values[i] < -in->ndims || values[i] >= in->ndims) {
      return tg_fail(ctx, TG_ERR_SHAPE, "axis %d outside input rank %d", (int)values[i], (int)in->ndims);
    }
  }
  return TG_OK;
}

/* Bit d set when input dim d is reduced (values checked by check_axes). */
static uint32_t reduced_dims(const tg_tensor *axis, int32_t ndims) {
  const int32_t *values = (const int32_t *)axis->data;
  uint32_t reduced = 0;
  for (int32_t i = 0; i < axis->elements; ++i) reduced |= 1u << (values[i] < 0 ? values[i] + ndims : values[i]);
  return reduced;
}

/* The output shape TFLite computes: reduced dims become 1 (keep_dims) or disappear. */
static tg_status check_output(tg_ctx *ctx, const tg_tensor *in, uint32_t reduced, uint8_t keep_dims,
                              const tg_tensor *out) {
  int32_t expect[TG_MAX_DIMS];
  int32_t n = 0;
  for (int32_t d = 0; d < in->ndims; ++d) {
    if (!(reduced >> d & 1u)) {
      expect[n++] = in->dims[d];
    } else if (keep_dims) {
      expect[n++] = 1;
    }
  }
  int same = n == out->ndims;
  for (int32_t d = 0; same && d < n; ++d) same = expect[d] == out->dims[d];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "output %s, expected %s (keep_dims %d)",
                   tg_ew_shape(out->dims, out->ndims, a, sizeof a), tg_ew_shape(expect, n, b, sizeof b),
                   (int)keep_dims);
  }
  return TG_OK;
}

/* The input dims split into kept and reduced ones, each with its stride, and the count
 * of values per mean; the int8 fields are left to the caller. */
static void mean_params(const tg_tensor *in, uint32_t reduced, tg_mean_params *p) {
  int32_t strides[TG_MAX_DIMS];
  int32_t stride = 1;
  for (int32_t dim = in->ndims - 1; dim >= 0; --dim) {
    strides[dim] = stride;
    stride *= in->dims[dim];
  }
  p->n_kept = 0;
  p->n_reduced = 0;
  p->count = 1;
  for (int32_t dim = 0; dim < in->ndims; ++dim) {
    if (reduced >> dim & 1u) {
      p->reduced_dims[p->n_reduced] = in->dims[dim];
      p->reduced_strides[p->n_reduced++] = strides[dim];
      p->count *= in->dims[dim];
    } else {
      p->kept_dims[p->n_kept] = in->dims[dim];
      p->kept_strides[p->n_kept++] = strides[dim];
    }
  }
}

/* TFLM folds 1/count into the multiplier: shift by floor(log2(count)) (at most 32 and
 * keeping the final shift >= -31), then divide by count in 64 bits. */
static void fold_count(int32_t count, int32_t *multiplier, int32_t *shift) {
  int32_t log2 = 0;
  while (((int64_t)1 << (log2 + 1)) <= (int64_t)count) ++log2;
  int32_t k = log2 < 32 ? log2 : 32;
  if (k > 31 + *shift) k = 31 + *shift;
  *multiplier = (int32_t)(((int64_t)*multiplier << k) / count);
  *shift -= k;
}

static tg_status mean_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *axis, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 2)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kAxis, "axis", 0, &axis)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in, "input", out)) != TG_OK) return s;
  if (in->ndims > TG_EW_DIMS) return tg_fail(ctx, TG_ERR_SHAPE, "input rank %d above %d", (int)in->ndims, TG_EW_DIMS);
  for (int32_t d = 0; d < in->ndims; ++d) {
    if (in->dims[d] <= 0) return tg_fail(ctx, TG_ERR_SHAPE, "input dimension %d is %d", (int)d, (int)in->dims[d]);
  }
  if ((s = check_axes(ctx, axis, in)) != TG_OK) return s;
  const uint32_t reduced = reduced_dims(axis, in->ndims);
  const uint8_t keep_dims = tg_fb_bool(tg_op_options(ctx), kOptKeepDims, 0);
  if ((s = check_output(ctx, in, reduced, keep_dims, out)) != TG_OK) return s;
  node->user_data = NULL;
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    tg_mean_params p;
    mean_params(in, reduced, &p);
    if (p.count > TG_MEAN_MAX_COUNT) {
      return tg_fail(ctx, TG_ERR_SHAPE, "%d elements per mean, above %d", (int)p.count, (int)TG_MEAN_MAX_COUNT);
    }
    mean_data q;
    const double real = (double)in->scales[0] / (double)out->scales[0];
    if ((s = tg_ew_multiplier(ctx, real, "input/output scale ratio", &q.multiplier, &q.shift)) != TG_OK) return s;
    fold_count(p.count, &q.multiplier, &q.shift);
    mean_data *d = (mean_data *)tg_ew_alloc(ctx, sizeof *d);
    if (d == NULL) return TG_ERR_ARENA_TOO_SMALL;
    node->user_data = d;
    *d = q;
  }
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status mean_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  tg_mean_params p;
  mean_params(in, reduced_dims(tg_tensor_at(ctx, node->inputs[kAxis]), in->ndims), &p);
  if (in->type == TG_INT8) {
    const mean_data *d = (const mean_data *)node->user_data;
    p.input_zero_point = in->zero_point;
    p.output_zero_point = out->zero_point;
    p.multiplier = d->multiplier;
    p.shift = d->shift;
    tg_mean_s8(&p, (const int8_t *)in->data, (int8_t *)out->data);
  } else {
    tg_mean_f32(&p, (const float *)in->data, (float *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_mean = {TG_BUILTIN_MEAN, "MEAN", mean_prepare, mean_eval};
