/* The helpers CONV_2D and DEPTHWISE_CONV_2D share (tg_op_conv_layer.h). */
#include "tg_op_conv_layer.h"

#include <string.h>

tg_status tg_op_conv_layer_tensors(tg_ctx *ctx, const tg_node *node, tg_op_layer_tensors *t, tg_conv_args *a) {
  tg_tensor *input, *filter, *bias, *output;
  tg_status s;
  if ((s = tg_op_input(ctx, node, 0, "input", 0, &input)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, 1, "filter", 0, &filter)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, 2, "bias", 1, &bias)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &output)) != TG_OK) return s;
  const tg_type type = (tg_type)input->type;
  if (type == TG_FLOAT32 && filter->type == TG_INT8) {
    return tg_fail(ctx, TG_ERR_HYBRID, "float32 input with int8 filter (hybrid quantization) not supported");
  }
  if (type != TG_INT8 && type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "input type %s, expected INT8 or FLOAT32", tg_type_name(type));
  }
  if ((s = tg_op_check_type(ctx, filter, "filter", type)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, output, "output", type)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, input, "input", &a->input)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, filter, "filter", &a->filter)) != TG_OK) return s;
  if ((s = tg_op_dims4(ctx, output, "output", &a->output)) != TG_OK) return s;
  t->input = input;
  t->filter = filter;
  t->bias = bias;
  t->output = output;
  return TG_OK;
}

tg_status tg_op_conv_layer_prepare(tg_ctx *ctx, const tg_op_layer_tensors *t, tg_conv_args *a,
                                   const tg_op_conv_fields *fields, int32_t qdim, size_t bytes,
                                   tg_op_conv_layer **layer) {
  const tg_fb_table *o = tg_op_options(ctx);
  const int32_t padding = tg_fb_i8(o, fields->padding, 0);
  const int32_t activation = tg_fb_i8(o, fields->activation, TG_ACT_NONE);
  a->stride_w = tg_fb_i32(o, fields->stride_w, 0);
  a->stride_h = tg_fb_i32(o, fields->stride_h, 0);
  a->dilation_w = tg_fb_i32(o, fields->dilation_w, 1);
  a->dilation_h = tg_fb_i32(o, fields->dilation_h, 1);
  tg_status s = tg_op_window(ctx, padding, a->stride_h, a->stride_w, a->dilation_h, a->dilation_w, &a->input,
                             a->filter.h, a->filter.w, &a->output, &a->pad_h, &a->pad_w);
  if (s != TG_OK) return s;
  if ((s = tg_op_check_activation(ctx, activation)) != TG_OK) return s;
  if (t->input->type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, t->input, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, t->output, "output")) != TG_OK) return s;
    if ((s = tg_op_check_weight_quant(ctx, t->filter, a->output.c, qdim, 0)) != TG_OK) return s;
  }
  tg_op_conv_layer *l = (tg_op_conv_layer *)tg_alloc_persistent(ctx, bytes);
  if (l == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  memset(l, 0, bytes);
  if ((s = tg_op_conv_layer_geometry(ctx, a, l)) != TG_OK) return s;
  if ((s = tg_op_conv_layer_params(ctx, t->input, t->filter, t->output, a->output.c, activation, l)) != TG_OK) return s;
  *layer = l;
  return TG_OK;
}

tg_status tg_op_conv_layer_params(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *filter,
                                  const tg_tensor *output, int32_t channels, int32_t activation,
                                  tg_op_conv_layer *l) {
  if (input->type != TG_INT8) {
    tg_activation_range_f32(activation, &l->k.act.min, &l->k.act.max);
    return TG_OK;
  }
  tg_quant_args *q = &l->k.q;
  int32_t *mult = NULL;
  int8_t *shift = NULL;
  tg_status s = tg_op_channel_multipliers(ctx, input, filter, output, channels, &mult, &shift);
  if (s != TG_OK) return s;
  q->input_offset = -input->zero_point;
  q->filter_offset = 0;
  q->output_offset = output->zero_point;
  q->multiplier = mult;
  q->shift = shift;
  q->per_channel = 1;
  return tg_op_act_range_s8(ctx, activation, output, &q->act_min, &q->act_max);
}

tg_status tg_op_conv_layer_geometry(tg_ctx *ctx, const tg_conv_args *a, tg_op_conv_layer *l) {
  const int32_t v[6] = {a->stride_h, a->stride_w, a->pad_h, a->pad_w, a->dilation_h, a->dilation_w};
  static const char *const names[6] = {"stride_h", "stride_w", "padding height", "padding width", "dilation_h",
                                       "dilation_w"};
  for (int i = 0; i < 6; ++i) {
    if (v[i] < INT16_MIN || v[i] > INT16_MAX) {
      return tg_fail(ctx, TG_ERR_OPTIONS, "%s %d exceeds %d", names[i], (int)v[i], INT16_MAX);
    }
  }
  l->stride_h = (int16_t)v[0];
  l->stride_w = (int16_t)v[1];
  l->pad_h = (int16_t)v[2];
  l->pad_w = (int16_t)v[3];
  l->dilation_h = (int16_t)v[4];
  l->dilation_w = (int16_t)v[5];
  return TG_OK;
}

void tg_op_conv_args(const tg_op_conv_layer *l, const tg_tensor *input, const tg_tensor *filter,
                     const tg_tensor *output, int depthwise, tg_conv_args *a) {
  tg_op_dims4_of(input, &a->input);
  tg_op_dims4_of(filter, &a->filter);
  tg_op_dims4_of(output, &a->output);
  a->stride_h = l->stride_h;
  a->stride_w = l->stride_w;
  a->pad_h = l->pad_h;
  a->pad_w = l->pad_w;
  a->dilation_h = l->dilation_h;
  a->dilation_w = l->dilation_w;
  a->depth_multiplier = depthwise ? a->output.c / a->input.c : 1;
}

tg_status tg_op_conv_eval_ref(const tg_op_conv_layer *l, const tg_op_layer_tensors *t, const tg_conv_args *a,
                              tg_conv_s8_kernel s8, tg_conv_f32_kernel f32) {
  if (t->input->type == TG_INT8) {
    return s8(a, &l->k.q, (const int8_t *)t->input->data, (const int8_t *)t->filter->data,
              t->bias != NULL ? (const int32_t *)t->bias->data : NULL, (int8_t *)t->output->data);
  }
  return f32(a, &l->k.act, (const float *)t->input->data, (const float *)t->filter->data,
             t->bias != NULL ? (const float *)t->bias->data : NULL, (float *)t->output->data);
}
