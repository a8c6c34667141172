/* CONCATENATION: every output element against the definition (the input whose slice of the
 * axis holds it, at the index shifted by the earlier inputs' extents) for each axis,
 * negative axes, 1 to 4 inputs, int8 and float, and the prepare errors. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"

extern const tg_op tg_op_concatenation;

static tg_ctx ctx;

enum { kFieldAxis = 0, kFieldActivation = 1 };

static void set_axis(tg_test_opts *o, int32_t axis, int32_t activation) {
  const tg_test_field f[] = {{kFieldAxis, 4, axis}, {kFieldActivation, 1, activation}};
  tg_test_options(o, f, 2);
}

/* Value at output element n: which input and where, by the definition. */
static float expected_at(int32_t n, const int32_t *out_dims, int32_t ndims, int32_t axis, int32_t in_dims[][3],
                         float *const *inputs) {
  int32_t idx[3];
  ew_unflatten(n, out_dims, ndims, idx);
  int32_t k = 0;
  while (idx[axis] >= in_dims[k][axis]) idx[axis] -= in_dims[k++][axis];
  int32_t off = 0;
  for (int32_t d = 0; d < ndims; ++d) off = off * in_dims[k][d] + idx[d];
  return inputs[k][off];
}

static void test_concat_f32_each_axis(void) {
  static float a[60], b[60], c[60], out[240], expect[240];
  float *inputs[3] = {a, b, c};
  for (int i = 0; i < 60; ++i) {
    a[i] = (float)i;
    b[i] = 100.0f + (float)i;
    c[i] = 200.0f + (float)i;
  }
  /* three inputs of shape [2,3,4] except along the axis, where they are 1, 2 and 3 */
  for (int32_t axis = -3; axis < 3; ++axis) {
    const int32_t ax = axis < 0 ? axis + 3 : axis;
    int32_t in_dims[3][3];
    int32_t out_dims[3] = {2, 3, 4};
    for (int k = 0; k < 3; ++k) {
      for (int d = 0; d < 3; ++d) in_dims[k][d] = out_dims[d];
      in_dims[k][ax] = k + 1;
    }
    out_dims[ax] = 6;
    tg_test_opts o;
    tg_test_node tn;
    set_axis(&o, axis, 0);
    tg_test_node_init(&tn, 3, &o, &ctx);
    ctx.capacity = 4; /* what a layer keeps: the axis (the copy sizes are rebuilt at eval) */
    for (int k = 0; k < 3; ++k) ew_tensor(&ctx, k, TG_FLOAT32, 3, in_dims[k], inputs[k]);
    ew_tensor(&ctx, 3, TG_FLOAT32, 3, out_dims, out);
    TG_CHECK_EQ_INT(ew_run(&tg_op_concatenation, &ctx, &tn), TG_OK);
    const int32_t n_out = out_dims[0] * out_dims[1] * out_dims[2];
    for (int32_t n = 0; n < n_out; ++n) expect[n] = expected_at(n, out_dims, 3, ax, in_dims, inputs);
    TG_CHECK_NEAR_ARRAY(out, expect, n_out, 0.0, 0.0);
  }
}

/* int8, four inputs along the channels of an NHWC tensor (as inception-style blocks do),
 * and a single input (a copy). */
static void test_concat_s8(void) {
  static const float s = 0.3f;
  static const int32_t z = 4;
  static int8_t in[4][24], out[96];
  static const int32_t widths[4] = {1, 3, 2, 6};
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 24; ++i) in[k][i] = (int8_t)(k * 50 - 100 + i);
  }
  tg_test_opts o;
  tg_test_node tn;
  set_axis(&o, 3, 0);
  tg_test_node_init(&tn, 4, &o, &ctx);
  ctx.capacity = 4; /* the axis */
  for (int k = 0; k < 4; ++k) {
    const int32_t dims[] = {1, 2, 2, widths[k]};
    ew_quant(ew_tensor(&ctx, k, TG_INT8, 4, dims, in[k]), &s, &z);
  }
  static const int32_t out_dims[] = {1, 2, 2, 12};
  ew_quant(ew_tensor(&ctx, 4, TG_INT8, 4, out_dims, out), &s, &z);
  TG_CHECK_EQ_INT(ew_run(&tg_op_concatenation, &ctx, &tn), TG_OK);
  int8_t expect[48];
  for (int pixel = 0; pixel < 4; ++pixel) {
    int c = 0;
    for (int k = 0; k < 4; ++k) {
      for (int j = 0; j < widths[k]; ++j) expect[pixel * 12 + c++] = in[k][pixel * widths[k] + j];
    }
  }
  TG_CHECK_EQ_ARRAY(out, expect, 48);

  static const int32_t one_dims[] = {2, 3};
  set_axis(&o, 0, 0);
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, one_dims, in[2]), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, one_dims, out), &s, &z);
  TG_CHECK_EQ_INT(ew_run(&tg_op_concatenation, &ctx, &tn), TG_OK);
  TG_CHECK_EQ_ARRAY(out, in[2], 6);
}

static void test_concat_prepare_errors(void) {
  static const int32_t d1[] = {2, 3};
  static const int32_t d2[] = {2, 4};
  static const int32_t d_bad[] = {3, 4};
  static const int32_t dout[] = {2, 7};
  static const float s = 0.1f, s2 = 0.11f;
  static const int32_t z = 0, z2 = 1;
  static float f[16];
  static int8_t q[16];
  tg_test_opts o;
  tg_test_node tn;

  /* other dims disagree */
  set_axis(&o, 1, 0);
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d_bad, f);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* axis extents do not add up */
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* axis outside the rank */
  set_axis(&o, 2, 0);
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d2, f);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_OPTIONS);

  /* a fused activation */
  set_axis(&o, 1, 1);
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d2, f);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_OPTIONS);

  /* int8 inputs with differing scales or zero points */
  set_axis(&o, 1, 0);
  for (int k = 0; k < 2; ++k) {
    tg_test_node_init(&tn, 2, &o, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, d1, q), &s, &z);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, d2, q), k == 0 ? &s2 : &s, k == 0 ? &z : &z2);
    ew_quant(ew_tensor(&ctx, 2, TG_INT8, 2, dout, q), &s, &z);
    TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_QUANT);
    TG_CHECK(strstr(ctx.message, "input 1") != NULL);
  }

  /* mixed types */
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, d2, q), &s, &z);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* no room for the axis */
  set_axis(&o, 1, 0);
  tg_test_node_init(&tn, 2, &o, &ctx);
  ctx.capacity = 3;
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d1, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d2, f);
  ew_tensor(&ctx, 2, TG_FLOAT32, 2, dout, f);
  TG_CHECK_EQ_INT(tg_op_concatenation.prepare(&ctx, &tn.node), TG_ERR_ARENA_TOO_SMALL);
}

int main(void) {
  TG_RUN(test_concat_f32_each_axis);
  TG_RUN(test_concat_s8);
  TG_RUN(test_concat_prepare_errors);
  return tg_test_summary("concat");
}
