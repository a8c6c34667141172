/* AVERAGE_POOL_2D: int8 (input and output share quantization, as the reference kernel
 * assumes) or float32; SAME/VALID padding, strides, fused activation. */

#include "tg_op_pool_layer.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

enum { kInput = 0 };
#define TG_BUILTIN_AVERAGE_POOL_2D 1

typedef tg_op_pool_layer pool_data;

#if TG_KERNELS_OPT
/* The one place AVERAGE_POOL_2D picks its kernel, and so the path the layer reports: int8
 * windows of at most TG_AVG_POOL_OPT_MAX_WINDOW positions (tg_avg_pool_s8_opt_applies)
 * take the 4-channel SIMD kernel; larger windows and float32 the reference. */
static void avg_pool_s8_opt_applies(tg_node *node, const pool_data *d, const tg_tensor *input) {
  const int fast = input->type == TG_INT8 && tg_avg_pool_s8_opt_applies(&d->args);
  node->kernel_path = fast ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK;
}

static tg_status avg_pool_eval_s8_opt(const pool_data *d, const tg_tensor *input, const tg_tensor *output) {
  return tg_avg_pool_s8_opt(&d->args, d->act_min, d->act_max, (const int8_t *)input->data,
                            (int8_t *)output->data);
}
#else
static void avg_pool_s8_opt_applies(tg_node *node, const pool_data *d, const tg_tensor *input) {
  (void)d;
  (void)input;
  node->kernel_path = TG_PATH_REF;
}

/* Never reached: a ref build sets no layer to TG_PATH_OPT. */
static tg_status avg_pool_eval_s8_opt(const pool_data *d, const tg_tensor *input, const tg_tensor *output) {
  (void)d;
  (void)input;
  (void)output;
  return TG_ERR_STATE;
}
#endif

static tg_status pool_prepare(tg_ctx *ctx, tg_node *node) {
  const tg_tensor *input = NULL;
  const tg_status s = tg_op_pool_prepare(ctx, node, &input);
  if (s != TG_OK) return s;
  avg_pool_s8_opt_applies(node, (const pool_data *)node->user_data, input);
  return TG_OK;
}

static tg_status pool_eval(tg_ctx *ctx, const tg_node *node) {
  const pool_data *d = (const pool_data *)node->user_data;
  const tg_tensor *input = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_tensor *output = tg_tensor_at(ctx, node->outputs[0]);
  tg_status s;
  if (node->kernel_path == TG_PATH_OPT) {
    s = avg_pool_eval_s8_opt(d, input, output);
  } else if (input->type == TG_INT8) {
    s = tg_avg_pool_s8(&d->args, d->act_min, d->act_max, (const int8_t *)input->data, (int8_t *)output->data);
  } else {
    s = tg_avg_pool_f32(&d->args, &d->act, (const float *)input->data, (float *)output->data);
  }
  if (s != TG_OK) {
    return tg_fail(ctx, s, "a pooling window holds no input position");
  }
  return TG_OK;
}

const tg_op tg_op_average_pool_2d = {TG_BUILTIN_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", pool_prepare, pool_eval};
