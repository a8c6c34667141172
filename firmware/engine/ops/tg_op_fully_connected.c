/* FULLY_CONNECTED: int8 (int8 weights per-tensor or per-channel, optional int32 bias) or
 * float32; weights [units, depth] in the DEFAULT format; keep_num_dims. */
#include <math.h>
#include <string.h>

#include "tg_op_support.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

enum { kInput = 0, kWeights = 1, kBias = 2 };
/* FullyConnectedOptions field ids (schema.fbs). */
enum { kOptActivation = 0, kOptWeightsFormat = 1, kOptKeepNumDims = 2 };
#define TG_BUILTIN_FULLY_CONNECTED 9

/* The tensors are looked up at eval (tg_op_layer_tensors_of), not kept: arena bytes. */
typedef struct {
  tg_fc_args args;
  union {
    tg_quant_args q; /* int8 */
    tg_act_f32 act;  /* float32 */
  };
  int32_t multiplier; /* per-tensor requantization lives here */
  int8_t shift;
#if TG_KERNELS_OPT
  const int32_t *opt_bias; /* TG_PATH_OPT: bias with the input offset folded in */
#endif
} fc_data;

#if TG_KERNELS_OPT
/* The one place FULLY_CONNECTED picks its kernel, and so the path the layer reports: int8
 * with symmetric weights (tg_fully_connected_s8_opt_applies) takes the SMLAD matrix
 * multiply with its folded bias in persistent memory; asymmetric weights and float32
 * run the reference. */
static tg_status fc_s8_opt_applies(tg_ctx *ctx, tg_node *node, fc_data *d, const tg_op_layer_tensors *t) {
  node->kernel_path = TG_PATH_OPT_FALLBACK;
  if (t->input->type != TG_INT8 || !tg_fully_connected_s8_opt_applies(&d->args, &d->q)) return TG_OK;
  int32_t *bias = (int32_t *)tg_alloc_persistent(ctx, (size_t)d->args.output_depth * sizeof(int32_t));
  if (bias == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the folded bias");
  tg_fold_bias_s8((const int8_t *)t->filter->data, t->bias != NULL ? (const int32_t *)t->bias->data : NULL,
                  d->args.output_depth, d->args.depth, d->q.input_offset, bias);
  d->opt_bias = bias;
  node->kernel_path = TG_PATH_OPT;
  return TG_OK;
}

static tg_status fc_eval_s8_opt(const fc_data *d, const tg_op_layer_tensors *t) {
  return tg_fully_connected_s8_opt(&d->args, &d->q, d->opt_bias, (const int8_t *)t->input->data,
                                   (const int8_t *)t->filter->data, (int8_t *)t->output->data);
}
#else
static tg_status fc_s8_opt_applies(tg_ctx *ctx, tg_node *node, fc_data *d, const tg_op_layer_tensors *t) {
  (void)ctx;
  (void)d;
  (void)t;
  node->kernel_path = TG_PATH_REF;
  return TG_OK;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status fc_eval_s8_opt(const fc_data *d, const tg_op_layer_tensors *t) {
  (void)d;
  (void)t;
  return TG_ERR_STATE;
}
#endif

/* The output must hold batches x units, shaped as keep_num_dims says. */
static tg_status check_output_shape(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *output, int32_t batches,
                                    int32_t units, uint8_t keep_num_dims) {
  if (output->ndims < 1 || output->dims[output->ndims - 1] != units ||
      (int64_t)output->elements != (int64_t)batches * units) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output has %d elements (last dimension %d), expected %d x %d units",
                   (int)output->elements, output->ndims > 0 ? (int)output->dims[output->ndims - 1] : -1, (int)batches,
                   (int)units);
  }
  if (keep_num_dims ? output->ndims != input->ndims : output->ndims != 2) {
    return tg_fail(ctx, TG_ERR_SHAPE, "output rank %d with keep_num_dims %d and input rank %d", (int)output->ndims,
                   (int)keep_num_dims, (int)input->ndims);
  }
  return TG_OK;
}

/* TFLM's per-tensor multiplier: the input x filter scale product is taken in float, then
 * widened (GetQuantizedConvolutionMultipler); the bias scale must agree with it. */
static tg_status per_tensor_multiplier(tg_ctx *ctx, const tg_tensor *input, const tg_tensor *weights,
                                       const tg_tensor *bias, const tg_tensor *output, fc_data *d) {
  const double product = (double)(input->scales[0] * weights->scales[0]);
  if (bias != NULL && bias->n_scales >= 1) {
    const double diff = fabs(product - (double)bias->scales[0]);
    if (diff / (double)output->scales[0] > 0.02) {
      return tg_fail(ctx, TG_ERR_QUANT, "bias scale disagrees with input scale x weights scale");
    }
  }
  int32_t shift;
  const tg_status s = tg_op_multiplier(ctx, product / (double)output->scales[0], &d->multiplier, &shift);
  if (s != TG_OK) return s;
  d->shift = (int8_t)shift; /* within [-31, 31] (tg_op_multiplier) */
  d->q.multiplier = &d->multiplier;
  d->q.shift = &d->shift;
  d->q.per_channel = 0;
  return TG_OK;
}

static tg_status fc_prepare(tg_ctx *ctx, tg_node *node) {
  tg_tensor *input, *weights, *bias, *output;
  tg_status s;
  if ((s = tg_op_input(ctx, node, kInput, "input", 0, &input)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kWeights, "weights", 0, &weights)) != TG_OK) return s;
  if ((s = tg_op_input(ctx, node, kBias, "bias", 1, &bias)) != TG_OK) return s;
  if ((s = tg_op_output(ctx, node, &output)) != TG_OK) return s;

  const tg_type type = input->type;
  if (type == TG_FLOAT32 && weights->type == TG_INT8) {
    return tg_fail(ctx, TG_ERR_HYBRID, "float32 input with int8 weights (hybrid quantization) not supported");
  }
  if (type != TG_INT8 && type != TG_FLOAT32) {
    return tg_fail(ctx, TG_ERR_UNSUPPORTED_TYPE, "input type %s, expected INT8 or FLOAT32", tg_type_name(type));
  }
  if ((s = tg_op_check_type(ctx, weights, "weights", type)) != TG_OK) return s;
  if ((s = tg_op_check_type(ctx, output, "output", type)) != TG_OK) return s;

  const int32_t activation = tg_fb_i8(tg_op_options(ctx), kOptActivation, TG_ACT_NONE);
  const int32_t format = tg_fb_i8(tg_op_options(ctx), kOptWeightsFormat, 0);
  const uint8_t keep_num_dims = tg_fb_bool(tg_op_options(ctx), kOptKeepNumDims, 0);
  if (format != 0) {
    return tg_fail(ctx, TG_ERR_OPTIONS, "weights_format %d not supported (only DEFAULT)", (int)format);
  }
  if ((s = tg_op_check_activation(ctx, activation)) != TG_OK) return s;

  if (weights->ndims != 2 || weights->dims[0] <= 0 || weights->dims[1] <= 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "weights rank %d, expected [units, depth]", (int)weights->ndims);
  }
  tg_fc_args a;
  a.output_depth = weights->dims[0];
  a.depth = weights->dims[1];
  if (input->elements <= 0 || input->elements % a.depth != 0) {
    return tg_fail(ctx, TG_ERR_SHAPE, "input has %d elements, not a multiple of weights depth %d",
                   (int)input->elements, (int)a.depth);
  }
  a.batches = input->elements / a.depth;
  if ((s = check_output_shape(ctx, input, output, a.batches, a.output_depth, keep_num_dims)) != TG_OK) return s;
  if ((s = tg_op_check_bias(ctx, bias, type == TG_INT8 ? TG_INT32 : TG_FLOAT32, a.output_depth)) != TG_OK) return s;
  if (type == TG_INT8) {
    if ((s = tg_op_check_act_quant(ctx, input, "input")) != TG_OK) return s;
    if ((s = tg_op_check_act_quant(ctx, output, "output")) != TG_OK) return s;
    if ((s = tg_op_check_weight_quant(ctx, weights, a.output_depth, 0, 1)) != TG_OK) return s;
    /* Asymmetric weights make products reach 255 * 255: half the depth keeps the
     * accumulator below 2^30 (see TG_MAX_ACCUM_DEPTH). */
    const int32_t max_depth = weights->zero_point != 0 ? TG_MAX_ACCUM_DEPTH / 2 : TG_MAX_ACCUM_DEPTH;
    if (a.depth > max_depth) {
      return tg_fail(ctx, TG_ERR_SHAPE, "depth %d exceeds the accumulation depth %d", (int)a.depth, (int)max_depth);
    }
  }

  fc_data *d = (fc_data *)tg_alloc_persistent(ctx, sizeof(fc_data));
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no arena left for the operator data");
  memset(d, 0, sizeof(*d));
  d->args = a;
  if (type == TG_INT8) {
    d->q.input_offset = -input->zero_point;
    d->q.filter_offset = -weights->zero_point;
    d->q.output_offset = output->zero_point;
    if (weights->n_scales > 1) {
      int32_t *mult = NULL;
    int8_t *shift = NULL;
      s = tg_op_channel_multipliers(ctx, input, weights, output, a.output_depth, &mult, &shift);
      if (s != TG_OK) return s;
      d->q.multiplier = mult;
      d->q.shift = shift;
      d->q.per_channel = 1;
    } else if ((s = per_tensor_multiplier(ctx, input, weights, bias, output, d)) != TG_OK) {
      return s;
    }
    if ((s = tg_op_act_range_s8(ctx, activation, output, &d->q.act_min, &d->q.act_max)) != TG_OK) return s;
  } else {
    tg_activation_range_f32(activation, &d->act.min, &d->act.max);
  }
  node->user_data = d;
  const tg_op_layer_tensors t = {input, weights, bias, output};
  return fc_s8_opt_applies(ctx, node, d, &t);
}

static tg_status fc_eval(tg_ctx *ctx, const tg_node *node) {
  const fc_data *d = (const fc_data *)node->user_data;
  const tg_op_layer_tensors t = tg_op_layer_tensors_of(ctx, node);
  if (node->kernel_path == TG_PATH_OPT) {
    return fc_eval_s8_opt(d, &t);
  }
  if (t.input->type == TG_INT8) {
    return tg_fully_connected_s8(&d->args, &d->q, (const int8_t *)t.input->data, (const int8_t *)t.filter->data,
                                 t.bias != NULL ? (const int32_t *)t.bias->data : NULL, (int8_t *)t.output->data);
  }
  return tg_fully_connected_f32(&d->args, &d->act, (const float *)t.input->data, (const float *)t.filter->data,
                                t.bias != NULL ? (const float *)t.bias->data : NULL, (float *)t.output->data);
}

const tg_op tg_op_fully_connected = {TG_BUILTIN_FULLY_CONNECTED, "FULLY_CONNECTED", fc_prepare, fc_eval};
