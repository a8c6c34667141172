/* Definitions of the operators' shared prepare helpers (tg_op_support.h). */
#include "tg_op_support.h"

tg_status tg_op_input(tg_ctx *ctx, const tg_node *node, int32_t i, const char *name,
                      int optional, tg_tensor **out) {
  *out = NULL;
  if (i >= node->n_inputs || node->inputs[i] < 0) {
    if (optional) return TG_OK;
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%s (input %d) missing", name, (int)i);
  }
  *out = tg_tensor_at(ctx, node->inputs[i]);
  if (*out == NULL) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%s: tensor index %d out of range", name, (int)node->inputs[i]);
  }
  return TG_OK;
}

tg_status tg_op_output(tg_ctx *ctx, const tg_node *node, tg_tensor **out) {
  *out = NULL;
  if (node->n_outputs != 1) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "%d outputs, expected 1", (int)node->n_outputs);
  }
  *out = tg_tensor_at(ctx, node->outputs[0]);
  if (*out == NULL) {
    return tg_fail(ctx, TG_ERR_MODEL_INVALID, "output: tensor index %d out of range", (int)node->outputs[0]);
  }
  return TG_OK;
}

tg_status tg_op_check_type(tg_ctx *ctx, const tg_tensor *t, const char *name, tg_type want) {
  if (t->type != want) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "%s type %s, expected %s", name, tg_type_name(t->type),
                   tg_type_name(want));
  }
  return TG_OK;
}

tg_status tg_op_dims4(tg_ctx *ctx, const tg_tensor *t, const char *name, tg_dims4 *d) {
  if (t->ndims != 4) {
    return tg_fail(ctx, TG_ERR_SHAPE, "%s rank %d, expected 4", name, (int)t->ndims);
  }
  for (int32_t i = 0; i < 4; ++i) {
    if (t->dims[i] <= 0) {
      return tg_fail(ctx, TG_ERR_SHAPE, "%s dimension %d is %d", name, (int)i, (int)t->dims[i]);
    }
  }
  tg_op_dims4_of(t, d);
  return TG_OK;
}

tg_status tg_op_check_act_quant(tg_ctx *ctx, const tg_tensor *t, const char *name) {
  if (t->n_scales != 1) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s has %d scales, expected 1 (per-tensor)", name, (int)t->n_scales);
  }
  if (!tg_op_scale_ok(t->scales[0])) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s scale is not a positive finite number", name);
  }
  if (t->zero_point < -128 || t->zero_point > 127) {
    return tg_fail(ctx, TG_ERR_QUANT, "%s zero point %d outside int8", name, (int)t->zero_point);
  }
  return TG_OK;
}

tg_status tg_op_check_weight_quant(tg_ctx *ctx, const tg_tensor *w, int32_t channels, int32_t qdim,
                                   int allow_zero_point) {
  if (w->n_scales != 1 && w->n_scales != channels) {
    return tg_fail(ctx, TG_ERR_QUANT, "filter has %d scales, expected 1 or %d (output channels)", (int)w->n_scales,
                   (int)channels);
  }
  if (w->n_scales > 1 && w->quantized_dimension != qdim) {
    return tg_fail(ctx, TG_ERR_QUANT, "filter quantized along dimension %d, expected %d",
                   (int)w->quantized_dimension, (int)qdim);
  }
  for (int32_t i = 0; i < w->n_scales; ++i) {
    if (!tg_op_scale_ok(w->scales[i])) {
      return tg_fail(ctx, TG_ERR_QUANT, "filter scale %d is not a positive finite number", (int)i);
    }
  }
  /* One zero point serves every channel (the reader refuses differing ones). */
  const int32_t zp = w->zero_point;
  if (allow_zero_point ? (zp < -128 || zp > 127) : zp != 0) {
    return tg_fail(ctx, TG_ERR_QUANT, "filter zero point %d, expected %s", (int)zp, allow_zero_point ? "an int8" : "0");
  }
  return TG_OK;
}

tg_status tg_op_check_bias(tg_ctx *ctx, const tg_tensor *bias, tg_type want, int32_t channels) {
  if (bias == NULL) return TG_OK;
  tg_status s = tg_op_check_type(ctx, bias, "bias", want);
  if (s != TG_OK) return s;
  if (bias->elements != channels) {
    return tg_fail(ctx, TG_ERR_SHAPE, "bias has %d elements, expected %d (output channels)", (int)bias->elements,
                   (int)channels);
  }
  return TG_OK;
}

tg_status tg_op_multiplier(tg_ctx *ctx, double real, int32_t *multiplier, int32_t *shift) {
  if (!(real >= 0.0 && real < 1073741824.0)) {
    return tg_fail(ctx, TG_ERR_QUANT, "effective scale (input x filter / output) out of range [0, 2^30)");
  }
  tg_quantize_multiplier(real, multiplier, shift);
  return TG_OK;
}

tg_status tg_op_channel_multipliers(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *filter,
                                    const tg_tensor *output, int32_t channels, int32_t **multiplier,
                                    int8_t **shift) {
  int32_t *m = (int32_t *)tg_alloc_persistent(ctx, (size_t)channels * (sizeof(int32_t) + sizeof(int8_t)));
  if (m == NULL) {
    return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for %d channel multipliers", (int)channels);
  }
  int8_t *sh = (int8_t *)(m + channels);
  for (int32_t c = 0; c < channels; ++c) {
    const float fs = filter->scales[filter->n_scales > 1 ? c : 0];
    const double real = (double)input->scales[0] * (double)fs / (double)output->scales[0];
    int32_t shift32;
    const tg_status s = tg_op_multiplier(ctx, real, &m[c], &shift32);
    if (s != TG_OK) return s;
    sh[c] = (int8_t)shift32; /* within [-31, 30]: tg_op_multiplier refuses larger scales */
  }
  *multiplier = m;
  *shift = sh;
  return TG_OK;
}

tg_status tg_op_check_activation(tg_ctx *ctx, int32_t activation) {
  if (!tg_activation_is_supported(activation)) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "fused activation %s (%d) not supported", tg_activation_name(activation),
                   (int)activation);
  }
  return TG_OK;
}

tg_status tg_op_act_range_s8(tg_ctx *ctx, int32_t activation, const tg_tensor *output,
                             int32_t *act_min, int32_t *act_max) {
  const tg_status s = tg_activation_range_s8(activation, output->scales[0], output->zero_point, act_min, act_max);
  if (s != TG_OK) {
    return tg_fail(ctx, s, "fused activation %s cannot be applied to the output quantization",
                   tg_activation_name(activation));
  }
  return TG_OK;
}

tg_status tg_op_window(tg_ctx *ctx, int32_t padding, int32_t stride_h, int32_t stride_w,
                       int32_t dilation_h, int32_t dilation_w, const tg_dims4 *in, int32_t kh,
                       int32_t kw, const tg_dims4 *out, int32_t *pad_h, int32_t *pad_w) {
  if (padding != 0 && padding != 1) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "padding %d is neither SAME (0) nor VALID (1)", (int)padding);
  }
  if (stride_h <= 0 || stride_w <= 0) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "strides %dx%d must be positive", (int)stride_h, (int)stride_w);
  }
  if (dilation_h <= 0 || dilation_w <= 0) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "dilations %dx%d must be positive", (int)dilation_h, (int)dilation_w);
  }
  const int32_t oh = tg_conv_out_size(padding, in->h, kh, stride_h, dilation_h);
  const int32_t ow = tg_conv_out_size(padding, in->w, kw, stride_w, dilation_w);
  if (oh == 0 || ow == 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "window %dx%d (dilation %dx%d) does not fit input %dx%d", (int)kh, (int)kw,
                   (int)dilation_h, (int)dilation_w, (int)in->h, (int)in->w);
  }
  if (out->h != oh || out->w != ow || out->n != in->n) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output %dx%dx%d, expected %dx%dx%d (batch x height x width)", (int)out->n,
                   (int)out->h, (int)out->w, (int)in->n, (int)oh, (int)ow);
  }
  *pad_h = tg_conv_padding(stride_h, dilation_h, in->h, kh, oh);
  *pad_w = tg_conv_padding(stride_w, dilation_w, in->w, kw, ow);
  return TG_OK;
}

