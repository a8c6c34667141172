/* PAD: every output element against the definition (inside the input window: the input
 * value at index - before; elsewhere the pad value: 0.0, or the int8 zero point) for
 * several ranks and int32 / int64 paddings, and the prepare errors. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"

extern const tg_op tg_op_pad;

static tg_ctx ctx;

/* Input index of output element n, or -1 when it lies in the padding. */
static int32_t source_index(int32_t n, const int32_t *out_dims, const int32_t *in_dims, const int32_t *before,
                            int32_t ndims) {
  int32_t idx[6];
  ew_unflatten(n, out_dims, ndims, idx);
  int32_t off = 0;
  for (int32_t d = 0; d < ndims; ++d) {
    const int32_t i = idx[d] - before[d];
    if (i < 0 || i >= in_dims[d]) return -1;
    off = off * in_dims[d] + i;
  }
  return off;
}

static void test_pad_f32_4d(void) {
  static const int32_t in_dims[] = {1, 3, 2, 3};
  static int32_t paddings[] = {0, 0, 1, 2, 2, 0, 1, 1}; /* [4, 2] */
  static const int32_t pad_dims[] = {4, 2};
  static const int32_t out_dims[] = {1, 6, 4, 5};
  static const int32_t before[] = {0, 1, 2, 1};
  static float in[18], out[120], expect[120];
  for (int i = 0; i < 18; ++i) in[i] = 0.5f + (float)i;
  tg_test_node tn;
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ctx.capacity = 0; /* a layer keeps nothing: eval reads the shapes and the paddings again */
  ew_tensor(&ctx, 0, TG_FLOAT32, 4, in_dims, in);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims, paddings)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 4, out_dims, out);
  for (int i = 0; i < 120; ++i) out[i] = -99.0f; /* every element must be written */
  TG_CHECK_EQ_INT(ew_run(&tg_op_pad, &ctx, &tn), TG_OK);
  for (int32_t n = 0; n < 120; ++n) {
    const int32_t src = source_index(n, out_dims, in_dims, before, 4);
    expect[n] = src < 0 ? 0.0f : in[src];
  }
  TG_CHECK_NEAR_ARRAY(out, expect, 120, 0.0, 0.0);
}

/* int8 with int64 paddings, rank 2 and rank 1: pad value is the zero point. */
static void test_pad_s8_zero_point(void) {
  static const float s = 0.2f;
  static const int32_t z = -37;
  static int8_t in[15], out[64], expect[64];
  for (int i = 0; i < 15; ++i) in[i] = (int8_t)(i * 17 - 128);
  static const struct {
    int32_t ndims;
    int32_t in_dims[2];
    int64_t pads[4];
    int32_t out_dims[2];
  } cases[] = {
      {2, {3, 5}, {2, 1, 0, 3}, {6, 8}},
      {1, {15, 0}, {4, 7, 0, 0}, {26, 0}},
  };
  for (int k = 0; k < 2; ++k) {
    static int64_t pads[4];
    memcpy(pads, cases[k].pads, sizeof pads);
    const int32_t pad_dims[] = {cases[k].ndims, 2};
    int32_t before[2];
    int32_t n_out = 1;
    for (int32_t d = 0; d < cases[k].ndims; ++d) {
      before[d] = (int32_t)cases[k].pads[2 * d];
      n_out *= cases[k].out_dims[d];
    }
    tg_test_node tn;
    tg_test_node_init(&tn, 2, NULL, &ctx);
    ctx.capacity = 0; /* nor an int8 layer: the pad value is the output zero point */
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, cases[k].ndims, cases[k].in_dims, in), &s, &z);
    tg_tensor *p = ew_tensor(&ctx, 1, TG_INT64, 2, pad_dims, pads);
    p->is_const = 1;
    p->bytes = p->elements * 8;
    ew_quant(ew_tensor(&ctx, 2, TG_INT8, cases[k].ndims, cases[k].out_dims, out), &s, &z);
    memset(out, 0x55, sizeof out);
    TG_CHECK_EQ_INT(ew_run(&tg_op_pad, &ctx, &tn), TG_OK);
    for (int32_t n = 0; n < n_out; ++n) {
      const int32_t src = source_index(n, cases[k].out_dims, cases[k].in_dims, before, cases[k].ndims);
      expect[n] = src < 0 ? (int8_t)z : in[src];
    }
    TG_CHECK_EQ_ARRAY(out, expect, n_out);
  }
}

static void test_pad_prepare_errors(void) {
  static const int32_t in_dims[] = {2, 3};
  static const int32_t out_dims[] = {4, 3};
  static const int32_t pad_dims[] = {2, 2};
  static const int32_t pad_dims_bad[] = {3, 2};
  static int32_t pads[] = {1, 1, 0, 0};
  static int32_t pads_neg[] = {1, 1, -1, 1};
  static const float s = 0.1f, s2 = 0.2f;
  static const int32_t z = 0;
  static float f[12];
  static int8_t q[12], qo[12];
  tg_test_node tn;

  /* negative padding */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, in_dims, f);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims, pads_neg)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, out_dims, f);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* paddings for 3 dims on a rank-2 input */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, in_dims, f);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims_bad, pads)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, out_dims, f);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* output shape not the padded input's */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, in_dims, f);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims, pads)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, in_dims, f);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* paddings computed at run time */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, in_dims, f);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims, pads);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, out_dims, f);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_MODEL_INVALID);

  /* float paddings */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, in_dims, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, pad_dims, pads)->is_const = 1;
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, out_dims, f);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* int8 output with another scale: values are copied, not rescaled */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, in_dims, q), &s, &z);
  ew_tensor(&ctx, 1, TG_INT32, 2, pad_dims, pads)->is_const = 1;
  ew_quant(ew_tensor(&ctx, 2, TG_INT8, 2, out_dims, qo), &s2, &z);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* PADV2's third input is not accepted by PAD */
  tg_test_node_init(&tn, 3, NULL, &ctx);
  TG_CHECK_EQ_INT(tg_op_pad.prepare(&ctx, &tn.node), TG_ERR_MODEL_INVALID);
}

int main(void) {
  TG_RUN(test_pad_f32_4d);
  TG_RUN(test_pad_s8_zero_point);
  TG_RUN(test_pad_prepare_errors);
  return tg_test_summary("pad");
}
