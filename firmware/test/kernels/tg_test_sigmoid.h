/* The table runner LOGISTIC's and TANH's tests share (test_logistic.c, test_tanh.c): the
 * two operators have the same glue around different kernels and fixed int8 output
 * quantizations, so one set of cases describes both. Int8: all 256 input values at
 * several input scales and zero points against the function quantized to the output
 * quantization (within one step; exact at the input zero point), saturation; float32
 * against the double function; the prepare errors; what a layer keeps in the arena.
 * Include after tg_test_ops.h, in one file per program. */
#ifndef TG_TEST_SIGMOID_H
#define TG_TEST_SIGMOID_H

#include <math.h>
#include <stdint.h>

#include "tg_test_ew.h"

typedef struct {
  const tg_op *op;
  float out_scale;            /* the kernel's fixed output quantization */
  int32_t out_zero_point;
  double (*real)(double x);   /* the function */
  float (*f32)(float x);      /* TFLM's float kernel, where it departs from real */
} sigmoid_spec;

static tg_ctx sigmoid_ctx;

static void sigmoid_s8_all_inputs(const sigmoid_spec *sp) {
  static const struct {
    float scale;
    int32_t zp;
  } cases[] = {
      {0.0625f, 0},   /* power of two, range +-8 */
      {0.0312f, -20}, /* the converter's usual scale for [-4, 4] */
      {0.1f, 30},     /* wide range: saturates well inside int8 */
      {0.0071f, -128},
      {1.0f / 2048.0f, 5}, /* narrow range around 0 */
  };
  static const int32_t dims[] = {2, 128};
  static int8_t in[256], out[256], expect[256];
  tg_ctx *ctx = &sigmoid_ctx;
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    tg_test_node tn;
    tg_test_node_init(&tn, 1, NULL, ctx);
    ew_quant(ew_tensor(ctx, 0, TG_INT8, 2, dims, in), &cases[k].scale, &cases[k].zp);
    ew_quant(ew_tensor(ctx, 1, TG_INT8, 2, dims, out), &sp->out_scale, &sp->out_zero_point);
    TG_CHECK_EQ_INT(ew_run(sp->op, ctx, &tn), TG_OK);
    for (int i = 0; i < 256; ++i) {
      const double real = sp->real(ew_real(in[i], cases[k].scale, cases[k].zp));
      expect[i] = (int8_t)ew_quantize(real, sp->out_scale, sp->out_zero_point, -128, 127);
    }
    TG_CHECK(ew_max_diff(out, expect, 256) <= 1);
    /* at the input zero point the result is exactly f(0) */
    TG_CHECK_EQ_INT(out[cases[k].zp + 128], ew_quantize(sp->real(0.0), sp->out_scale, sp->out_zero_point, -128, 127));
  }
}

static void sigmoid_s8_saturation(const sigmoid_spec *sp) {
  static const float scale = 0.25f; /* int8 spans +-32: beyond the fixed-point range */
  static const int32_t zp = 0;
  static const int32_t dims[] = {4};
  static int8_t in[4] = {-128, -100, 100, 127};
  static int8_t out[4];
  tg_ctx *ctx = &sigmoid_ctx;
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_quant(ew_tensor(ctx, 0, TG_INT8, 1, dims, in), &scale, &zp);
  ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &sp->out_scale, &sp->out_zero_point);
  TG_CHECK_EQ_INT(ew_run(sp->op, ctx, &tn), TG_OK);
  /* both functions span the whole int8 output range */
  static const int8_t expect[4] = {-128, -128, 127, 127};
  TG_CHECK_EQ_ARRAY(out, expect, 4);
}

static void sigmoid_f32(const sigmoid_spec *sp) {
  static const int32_t dims[] = {3, 7};
  static float in[21], out[21], expect[21];
  uint32_t seed = 3u;
  for (int i = 0; i < 21; ++i) in[i] = (float)tg_test_rand_range(&seed, -2000, 2000) / 100.0f;
  in[0] = 0.0f;
  in[1] = -30.0f;
  in[2] = 30.0f;
  tg_ctx *ctx = &sigmoid_ctx;
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_tensor(ctx, 0, TG_FLOAT32, 2, dims, in);
  ew_tensor(ctx, 1, TG_FLOAT32, 2, dims, out);
  TG_CHECK_EQ_INT(ew_run(sp->op, ctx, &tn), TG_OK);
  for (int i = 0; i < 21; ++i) expect[i] = sp->f32(in[i]);
  TG_CHECK_NEAR_ARRAY(out, expect, 21, 2e-6, 1e-12);
}

static void sigmoid_prepare_errors(const sigmoid_spec *sp) {
  static const int32_t dims[] = {6};
  static const int32_t dims_b[] = {2, 3};
  static const float s = 0.05f, tiny = 1e-12f;
  static const int32_t z = 0;
  static int8_t x[6], out[6];
  static float f[6];
  const int32_t bad_z = sp->out_zero_point + 1;
  tg_ctx *ctx = &sigmoid_ctx;
  tg_test_node tn;

  /* output quantization other than the fixed one: zero point, then scale */
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_quant(ew_tensor(ctx, 0, TG_INT8, 1, dims, x), &s, &z);
  ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &sp->out_scale, &bad_z);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_QUANT);
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_quant(ew_tensor(ctx, 0, TG_INT8, 1, dims, x), &s, &z);
  ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &s, &sp->out_zero_point);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_QUANT);

  /* an input scale below the kernel's range */
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_quant(ew_tensor(ctx, 0, TG_INT8, 1, dims, x), &tiny, &z);
  ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &sp->out_scale, &sp->out_zero_point);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_QUANT);

  /* float in, int8 out */
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_tensor(ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &sp->out_scale, &sp->out_zero_point);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* shapes differ */
  tg_test_node_init(&tn, 1, NULL, ctx);
  ew_tensor(ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(ctx, 1, TG_FLOAT32, 2, dims_b, f);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_SHAPE);

  /* two inputs */
  tg_test_node_init(&tn, 2, NULL, ctx);
  ew_tensor(ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(ctx, 1, TG_FLOAT32, 1, dims, f);
  ew_tensor(ctx, 2, TG_FLOAT32, 1, dims, f);
  TG_CHECK_EQ_INT(sp->op->prepare(ctx, &tn.node), TG_ERR_MODEL_INVALID);
}

/* An int8 layer keeps its input rescaling, 12 bytes; a float32 layer nothing. */
static void sigmoid_layer_data(const sigmoid_spec *sp) {
  static const int32_t dims[] = {5};
  static const float s = 0.0625f;
  static const int32_t z = 0;
  static int8_t x[5] = {-128, -16, 0, 16, 127}, out[5], expect_q[5];
  static float f[5] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f}, fout[5], expect[5];
  tg_ctx *ctx = &sigmoid_ctx;
  tg_test_node tn;

  tg_test_node_init(&tn, 1, NULL, ctx);
  ctx->capacity = 0;
  ew_tensor(ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(ctx, 1, TG_FLOAT32, 1, dims, fout);
  TG_CHECK_EQ_INT(ew_run(sp->op, ctx, &tn), TG_OK);
  for (int i = 0; i < 5; ++i) expect[i] = sp->f32(f[i]);
  TG_CHECK_NEAR_ARRAY(fout, expect, 5, 2e-6, 1e-12);

  for (size_t capacity = 8; capacity <= 12; capacity += 4) {
    tg_test_node_init(&tn, 1, NULL, ctx);
    ctx->capacity = capacity;
    ew_quant(ew_tensor(ctx, 0, TG_INT8, 1, dims, x), &s, &z);
    ew_quant(ew_tensor(ctx, 1, TG_INT8, 1, dims, out), &sp->out_scale, &sp->out_zero_point);
    TG_CHECK_EQ_INT(ew_run(sp->op, ctx, &tn), capacity < 12 ? TG_ERR_ARENA_TOO_SMALL : TG_OK);
  }
  for (int i = 0; i < 5; ++i) {
    expect_q[i] = (int8_t)ew_quantize(sp->real(ew_real(x[i], s, z)), sp->out_scale, sp->out_zero_point, -128, 127);
  }
  TG_CHECK(ew_max_diff(out, expect_q, 5) <= 1);
}

#endif
