/* MAX_POOL_2D: int8 (input and output share quantization, as the reference kernel
 * assumes) or float32; SAME/VALID padding, strides, fused activation. */
#include "tg_op_pool_layer.h"

enum { kInput = 0 };
#define TG_BUILTIN_MAX_POOL_2D 17

typedef tg_op_pool_layer pool_data;

static tg_status pool_prepare(tg_ctx *ctx, tg_node *node) {
  const tg_tensor *input = NULL;
  return tg_op_pool_prepare(ctx, node, &input);
}

static tg_status pool_eval(tg_ctx *ctx, const tg_node *node) {
  const pool_data *d = (const pool_data *)node->user_data;
  const tg_tensor *input = tg_tensor_at(ctx, node->inputs[kInput]);
  const tg_tensor *output = tg_tensor_at(ctx, node->outputs[0]);
  tg_status s;
  if (input->type == TG_INT8) {
    s = tg_max_pool_s8(&d->args, d->act_min, d->act_max, (const int8_t *)input->data, (int8_t *)output->data);
  } else {
    s = tg_max_pool_f32(&d->args, &d->act, (const float *)input->data, (float *)output->data);
  }
  if (s != TG_OK) {
    return tg_fail(ctx, s, "a pooling window holds no input position");
  }
  return TG_OK;
}

const tg_op tg_op_max_pool_2d = {TG_BUILTIN_MAX_POOL_2D, "MAX_POOL_2D", pool_prepare, pool_eval};
