/* Test operators for the core tests: the core suites link this registry instead of the
 * real one (engine/src/tg_ops.c), so they test the interpreter alone, independent of
 * which operator files exist. */
#include <string.h>

#include "tg_internal.h"

typedef struct {
  int32_t elements;
  int16_t scratch;
} add_data;

static tg_status add_prepare(tg_ctx *ctx, tg_node *node) {
  if (node->n_inputs != 2 || node->n_outputs != 1) return tg_fail(ctx, TG_ERR_MODEL_INVALID, "arity");
  const tg_tensor *a = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *b = tg_tensor_at(ctx, node->inputs[1]);
  const tg_tensor *o = tg_tensor_at(ctx, node->outputs[0]);
  if (a == NULL || b == NULL || o == NULL || a->type != TG_FLOAT32 || a->elements != b->elements ||
      a->elements != o->elements) {
    return tg_fail(ctx, TG_ERR_SHAPE, "inputs of %d and %d elements", a ? (int)a->elements : -1,
                   b ? (int)b->elements : -1);
  }
  add_data *d = tg_alloc_persistent(ctx, sizeof *d);
  if (d == NULL) return tg_fail(ctx, TG_ERR_ARENA_TOO_SMALL, "no room for op data");
  d->elements = a->elements;
  const tg_status s = tg_request_scratch(ctx, (size_t)a->elements * sizeof(float), &d->scratch);
  if (s != TG_OK) return s;
  node->user_data = d;
  node->scratch_index = d->scratch;
  /* The options carry a fused activation (field 0); RELU is the only one honoured. */
  node->kernel_path = tg_fb_i8(tg_op_options(ctx), 0, 0) == 1 ? TG_PATH_OPT : TG_PATH_REF;
  return TG_OK;
}

static tg_status add_eval(tg_ctx *ctx, const tg_node *node) {
  const add_data *d = node->user_data;
  float *tmp = tg_scratch(ctx, d->scratch);
  const float *a = tg_tensor_at(ctx, node->inputs[0])->data;
  const float *b = tg_tensor_at(ctx, node->inputs[1])->data;
  float *o = tg_tensor_at(ctx, node->outputs[0])->data;
  for (int32_t i = 0; i < d->elements; ++i) tmp[i] = a[i] + b[i];
  for (int32_t i = 0; i < d->elements; ++i) o[i] = node->kernel_path == TG_PATH_OPT && tmp[i] < 0 ? 0 : tmp[i];
  return TG_OK;
}

static tg_status relu_prepare(tg_ctx *ctx, tg_node *node) {
  if (node->n_inputs != 1 || node->n_outputs != 1) return tg_fail(ctx, TG_ERR_MODEL_INVALID, "arity");
  const tg_tensor *i = tg_tensor_at(ctx, node->inputs[0]);
  const tg_tensor *o = tg_tensor_at(ctx, node->outputs[0]);
  if (i == NULL || o == NULL || i->elements != o->elements) return tg_fail(ctx, TG_ERR_SHAPE, "shape");
  return TG_OK;
}

static tg_status relu_eval(tg_ctx *ctx, const tg_node *node) {
  const tg_tensor *in = tg_tensor_at(ctx, node->inputs[0]);
  const float *x = in->data;
  float *y = tg_tensor_at(ctx, node->outputs[0])->data;
  for (int32_t i = 0; i < in->elements; ++i) y[i] = x[i] > 0 ? x[i] : 0;
  return TG_OK;
}

/* MUL: prepare fails with a message naming the tensor. */
static tg_status mul_prepare(tg_ctx *ctx, tg_node *node) {
  return tg_fail(ctx, TG_ERR_SHAPE, "input tensor %d has a bad shape", (int)node->inputs[0]);
}
/* LOGISTIC: prepare fails without a message (the core must supply one). */
static tg_status logistic_prepare(tg_ctx *ctx, tg_node *node) {
  (void)ctx;
  (void)node;
  return TG_ERR_QUANT;
}
/* TANH: eval fails. */
static tg_status tanh_eval(tg_ctx *ctx, const tg_node *node) {
  (void)node;
  return tg_fail(ctx, TG_ERR_STATE, "eval refused");
}

/* MEAN: asks for two scratch buffers; the second is over the per-operator limit. */
static tg_status mean_prepare(tg_ctx *ctx, tg_node *node) {
  int16_t h;
  for (int i = 0; i < 2; ++i) {
    const tg_status s = tg_request_scratch(ctx, 100, &h);
    if (s != TG_OK) return s;
    node->scratch_index = h;
  }
  return TG_OK;
}

static const tg_op ops[] = {
    {40, "MEAN", mean_prepare, relu_eval},
    {0, "ADD", add_prepare, add_eval},
    {19, "RELU", relu_prepare, relu_eval},
    {18, "MUL", mul_prepare, relu_eval},
    {14, "LOGISTIC", logistic_prepare, relu_eval},
    {28, "TANH", relu_prepare, tanh_eval},
};

const tg_op *tg_find_op(int32_t builtin) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i) {
    if (ops[i].builtin == builtin) return &ops[i];
  }
  return NULL;
}
