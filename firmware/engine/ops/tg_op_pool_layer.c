/* The prepare AVERAGE_POOL_2D and MAX_POOL_2D share (tg_op_pool_layer.h). */
#include "tg_op_pool_layer.h"

#include <string.h>

/* Pool2DOptions field ids (schema.fbs). */
enum { kPoolPadding = 0, kPoolStrideW = 1, kPoolStrideH = 2, kPoolFilterW = 3, kPoolFilterH = 4, kPoolActivation = 5 };

tg_status tg_op_pool_prepare(tg_ctx *ctx, tg_node *node, const tg_tensor **input_out) {
  tg_tensor *input, *output;
  tg_status s;
  if ((s = tg_op_input(ctx, node, 0, "input", 0, &input)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &output)) != TG_OK) return s;
  const tg_type type = input->type;
  if (type != TG_INT8 && type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "input type %s, expected INT8 or FLOAT32", tg_type_name(type));
  }
  if ((s = tg_op_check_type(ctx, output, "output", type)) != TG_OK) return s;

  tg_pool_args a;
  if ((s = tg_op_dims4(ctx, input, "input", &a.input)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, output, "output", &a.output)) != TG_OK) return s;
  if (a.output.c != a.input.c) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output channels %d != input channels %d", (int)a.output.c, (int)a.input.c);
  }
  const int32_t padding = tg_fb_i8(tg_op_options(ctx), kPoolPadding, 0);
  const int32_t activation = tg_fb_i8(tg_op_options(ctx), kPoolActivation, TG_ACT_NONE);
  a.stride_w = tg_fb_i32(tg_op_options(ctx), kPoolStrideW, 0);
  a.stride_h = tg_fb_i32(tg_op_options(ctx), kPoolStrideH, 0);
  a.filter_w = tg_fb_i32(tg_op_options(ctx), kPoolFilterW, 0);
  a.filter_h = tg_fb_i32(tg_op_options(ctx), kPoolFilterH, 0);
  /* The int8 window sum of at most 2^23 values of |v| <= 128 stays below 2^30. */
  if (a.filter_w <= 0 || a.filter_h <= 0 || (int64_t)a.filter_w * a.filter_h > (1 << 23)) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "filter %dx%d must be positive and at most 2^23 positions", (int)a.filter_h,
                   (int)a.filter_w);
  }
  if ((s = tg_op_window(ctx, padding, a.stride_h, a.stride_w, 1, 1, &a.input, a.filter_h, a.filter_w, &a.output,
                        &a.pad_h, &a.pad_w)) != TG_OK)
    return s;
  if ((s = tg_op_check_activation(ctx, activation)) != TG_OK) return s;
  if (type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, input, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, output, "output")) != TG_OK) return s;
    if (input->scales[0] != output->scales[0] || input->zero_point != output->zero_point) {
      return tg_fail(ctx, TG_ERR_QUANT, "output quantization differs from the input's (zero points %d, %d)",
                     (int)input->zero_point, (int)output->zero_point);
    }
  }

  tg_op_pool_layer *d = (tg_op_pool_layer *)tg_alloc_persistent(ctx, sizeof(tg_op_pool_layer));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  memset(d, 0, sizeof(*d));
  d->args = a;
  if (type == TG_INT8) {
    if ((s = tg_op_act_range_s8(ctx, activation, output, &d->act_min, &d->act_max)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  node->user_data = d;
  node->kernel_path = TG_PATH_REF;
  *input_out = input;
  return TG_OK;
}
