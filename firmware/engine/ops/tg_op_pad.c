/* PAD with a constant [rank, 2] paddings tensor (int32 or int64): zeros for float32, the
 * output zero point (the quantized 0) for int8. The output shape must be the padded
 * input's. */
#include "tg_op_ew_support.h"

enum { kInput = 0, kPaddings = 1 };

/* Paddings entry i (0 .. 2*rank-1) as int64, whatever the stored type. */
static int64_t padding_at(const tg_tensor *paddings, int32_t i) {
  if (paddings->type == TG_INT64) {
    const uint8_t *b = (const uint8_t *)paddings->data + 8 * i; /* little-endian in the model */
    uint64_t u = 0;
    for (int k = 7; k >= 0; --k) u = (u << 8) | b[k];
    return (int64_t)u;
  }
  return ((const int32_t *)paddings->data)[i];
}

/* The kernel's parameters from the input shape and the constant paddings: a layer keeps
 * nothing, eval rebuilds them (prepare has checked that they fit int32). */
static void pad_params(const tg_tensor *in, const tg_tensor *paddings, tg_pad_params *p) {
  p->ndims = in->ndims;
  for (int32_t d = 0; d < in->ndims; ++d) {
    const int64_t before = padding_at(paddings, 2 * d);
    p->in_dims[d] = in->dims[d];
    p->before[d] = (int32_t)before;
    p->out_dims[d] = (int32_t)(before + padding_at(paddings, 2 * d + 1) + in->dims[d]);
  }
}

static tg_status check_paddings(tg_ctx *ctx, const tg_tensor *paddings, const tg_tensor *in) {
  if (paddings->type != TG_INT32 && paddings->type != TG_INT64) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "paddings type %s, expected INT32 or INT64",
                   tg_type_name(paddings->type));
  }
  if (!paddings->is_const || paddings->data == NULL) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "paddings is not a constant tensor");
  }
  if (paddings->ndims != 2 || paddings->dims[0] != in->ndims || paddings->dims[1] != 2) {
    char a[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "paddings shape %s, expected [%d,2]",
                   tg_ew_shape(paddings->dims, paddings->ndims, a, sizeof a), (int)in->ndims);
  }
  for (int32_t d = 0; d < in->ndims; ++d) {
    const int64_t before = padding_at(paddings, 2 * d);
    const int64_t after = padding_at(paddings, 2 * d + 1);
    if (before < 0 || after < 0 || before + after + in->dims[d] > INT32_MAX) {
      return tg_fail(ctx, TG_ERR_SHAPE, "paddings of dimension %d are %d and %d", (int)d, (int)before, (int)after);
    }
  }
  return TG_OK;
}

static tg_status pad_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *paddings, *out;
  tg_status s;
  if ((s = tg_ew_arity(ctx, node, 2)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kPaddings, "paddings", 0, &paddings)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_ew_same_type(ctx, in, "input", out)) != TG_OK) return s;
  if (in->ndims < 1 || in->ndims > TG_EW_DIMS) {
    return tg_fail(ctx, TG_ERR_SHAPE, "input rank %d, expected 1 to %d", (int)in->ndims, TG_EW_DIMS);
  }
  for (int32_t d = 0; d < in->ndims; ++d) {
    if (in->dims[d] <= 0) return tg_fail(ctx, TG_ERR_SHAPE, "input dimension %d is %d", (int)d, (int)in->dims[d]);
  }
  if ((s = check_paddings(ctx, paddings, in)) != TG_OK) return s;
  tg_pad_params p;
  pad_params(in, paddings, &p);
  int same = out->ndims == in->ndims;
  for (int32_t i = 0; same && i < in->ndims; ++i) same = out->dims[i] == p.out_dims[i];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "output %s, padded input is %s", tg_ew_shape(out->dims, out->ndims, a, sizeof a),
                   tg_ew_shape(p.out_dims, in->ndims, b, sizeof b));
  }
  if (in->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, in, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, out, "output")) != TG_OK) return s;
    /* values are copied, not rescaled */
    if ((s = tg_ew_same_quant(ctx, in, "input", out, "output")) != TG_OK) return s;
  }
  node->user_data = NULL;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status pad_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  tg_pad_params p;
  pad_params(in, tg_tensor_at(ctx, node->inputs[kPaddings]), &p);
  if (in->type == TG_INT8) {
    /* the quantized 0: input and output share their quantization (checked by prepare) */
    tg_pad_s8(&p, (int8_t)out->zero_point, (const int8_t *)in->data, (int8_t *)out->data);
  } else {
    tg_pad_f32(&p, 0.0f, (const float *)in->data, (float *)out->data);
  }
  return TG_OK;
}

const tg_op tg_op_pad = {TG_BUILTIN_PAD, "PAD", pad_prepare, pad_eval};
