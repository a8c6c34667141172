/* RESHAPE: a copy (the planner never aliases the output onto the input). The new shape
 * comes from the shape tensor (input 1) when it is constant, else from
 * ReshapeOptions.new_shape, else the output's own; one -1 is inferred from the element
 * count, and the result must be the output tensor's shape. */
#include <string.h>

#include "tg_op_ew_support.h"

enum { kInput = 0, kShape = 1 };
enum { kOptNewShape = 0 }; /* ReshapeOptions.new_shape */

/* Resolves -1 in shape against the input element count; compares with the output. */
static tg_status check_new_shape(tg_ctx *ctx, const int32_t *shape, int32_t n, const char *source,
                                 const tg_tensor *in, const tg_tensor *out) {
  if (n > TG_MAX_DIMS) {
    return tg_fail(ctx, TG_ERR_SHAPE, "%s has %d dimensions, more than %d", source, (int)n, TG_MAX_DIMS);
  }
  int32_t resolved[TG_MAX_DIMS];
  int32_t infer = -1;
  int64_t known = 1;
  for (int32_t d = 0; d < n; ++d) {
    resolved[d] = shape[d];
    if (shape[d] == -1) {
      if (infer >= 0) return tg_fail(ctx, TG_ERR_SHAPE, "%s has more than one -1", source);
      infer = d;
    } else if (shape[d] < 0) {
      return tg_fail(ctx, TG_ERR_SHAPE, "%s dimension %d is %d", source, (int)d, (int)shape[d]);
    } else {
      known *= shape[d];
      if (known > INT32_MAX) return tg_fail(ctx, TG_ERR_SHAPE, "%s has too many elements", source);
    }
  }
  if (infer >= 0) {
    if (known == 0 || in->elements % known != 0) {
      char a[TG_EW_SHAPE_CHARS];
      return tg_fail(ctx, TG_ERR_SHAPE, "%s %s cannot hold %d elements", source, tg_ew_shape(shape, n, a, sizeof a),
                     (int)in->elements);
    }
    resolved[infer] = (int32_t)(in->elements / known);
    known = in->elements;
  }
  if (known != in->elements) {
    char a[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "%s %s has %d elements, input has %d", source,
                   tg_ew_shape(shape, n, a, sizeof a), (int)known, (int)in->elements);
  }
  int same = n == out->ndims;
  for (int32_t d = 0; same && d < n; ++d) same = resolved[d] == out->dims[d];
  if (!same) {
    char a[TG_EW_SHAPE_CHARS], b[TG_EW_SHAPE_CHARS];
    return tg_fail(ctx, TG_ERR_SHAPE, "%s resolves to %s, output is %s", source,
                   tg_ew_shape(resolved, n, a, sizeof a), tg_ew_shape(out->dims, out->ndims, b, sizeof b));
  }
  return TG_OK;
}

static tg_status reshape_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *in, *shape, *out;
  tg_status s;
  if (node->n_inputs < 1 || node->n_inputs > 2) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d inputs, expected 1 or 2", (int)node->n_inputs);
  }
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &in)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kShape, "shape", 1, &shape)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &out)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, out, "output", in->type)) != TG_OK) return s;
  if (out->elements != in->elements || out->bytes != in->bytes) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output has %d elements, input %d", (int)out->elements, (int)in->elements);
  }
  int32_t opt_shape[TG_MAX_DIMS + 1];
  if (shape != NULL && shape->is_const && shape->ndims <= 1) {
    const int32_t *values = NULL;
    if ((s = tg_ew_const_i32(ctx, shape, "shape", &values)) != TG_OK) return s;
    if ((s = check_new_shape(ctx, values, shape->elements, "shape tensor", in, out)) != TG_OK) return s;
  } else {
    const int32_t n = tg_fb_i32_vector(tg_op_options(ctx), kOptNewShape, opt_shape, TG_MAX_DIMS + 1);
    if (n < 0) return tg_fail(ctx, TG_ERR_OPTIONS, "ReshapeOptions.new_shape is malformed");
    if (n > 0 && (s = check_new_shape(ctx, opt_shape, n, "new_shape", in, out)) != TG_OK) return s;
  }
  node->user_data = NULL; /* nothing to keep: eval copies the input tensor's bytes */
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

static tg_status reshape_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *out = tg_tensor_at(ctx, node->outputs[0]);
  if (in->bytes > 0 && out->data != in->data) memcpy(out->data, in->data, (size_t)in->bytes);
  return TG_OK;
}

const tg_op tg_op_reshape = {TG_BUILTIN_RESHAPE, "RESHAPE", reshape_prepare, reshape_eval};
