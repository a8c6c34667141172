/* LOGISTIC: the int8 operator over all 256 input values at several input scales and zero
 * points against logistic(x) = 1 / (1 + exp(-x)) quantized to the fixed output quantization (within one step;
 * exact at the zero point and in saturation), float against double math, and the
 * prepare errors. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"

extern const tg_op tg_op_logistic;

static tg_ctx ctx;

static const float kOutScale = 1.0f / 256.0f;
static const int32_t kOutZp = -128;

static double f_real(double x) { return 1.0 / (1.0 + exp(-x)); }

static void test_logistic_s8_all_inputs(void) {
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
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    tg_test_node tn;
    tg_test_node_init(&tn, 1, NULL, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, dims, in), &cases[k].scale, &cases[k].zp);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, dims, out), &kOutScale, &kOutZp);
    TG_CHECK_EQ_INT(ew_run(&tg_op_logistic, &ctx, &tn), TG_OK);
    for (int i = 0; i < 256; ++i) {
      const double real = f_real(ew_real(in[i], cases[k].scale, cases[k].zp));
      expect[i] = (int8_t)ew_quantize(real, kOutScale, kOutZp, -128, 127);
    }
    TG_CHECK(ew_max_diff(out, expect, 256) <= 1);
    /* at the input zero point the result is exactly f(0) */
    TG_CHECK_EQ_INT(out[cases[k].zp + 128], ew_quantize(f_real(0.0), kOutScale, kOutZp, -128, 127));
  }
}

static void test_logistic_s8_saturation(void) {
  static const float scale = 0.25f; /* int8 spans +-32: beyond the fixed-point range */
  static const int32_t zp = 0;
  static const int32_t dims[] = {4};
  static int8_t in[4] = {-128, -100, 100, 127};
  static int8_t out[4];
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, in), &scale, &zp);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &kOutScale, &kOutZp);
  TG_CHECK_EQ_INT(ew_run(&tg_op_logistic, &ctx, &tn), TG_OK);
  static const int8_t expect[4] = {-128, -128, 127, 127};
  TG_CHECK_EQ_ARRAY(out, expect, 4);
}

static void test_logistic_f32(void) {
  static const int32_t dims[] = {3, 7};
  static float in[21], out[21], expect[21];
  uint32_t seed = 3u;
  for (int i = 0; i < 21; ++i) in[i] = (float)tg_test_rand_range(&seed, -2000, 2000) / 100.0f;
  in[0] = 0.0f;
  in[1] = -30.0f;
  in[2] = 30.0f;
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, dims, in);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, dims, out);
  TG_CHECK_EQ_INT(ew_run(&tg_op_logistic, &ctx, &tn), TG_OK);
  /* TFLM's float logistic: exp(x) below -9, 1 above 16.619 */
  for (int i = 0; i < 21; ++i) {
    expect[i] = in[i] < -9.0f ? (float)exp(in[i]) : (in[i] > 16.619047164916992188f ? 1.0f : (float)f_real(in[i]));
  }
  TG_CHECK_NEAR_ARRAY(out, expect, 21, 2e-6, 1e-12);
}

static void test_logistic_prepare_errors(void) {
  static const int32_t dims[] = {6};
  static const int32_t dims_b[] = {2, 3};
  static const float s = 0.05f, tiny = 1e-12f;
  static const int32_t z = 0, bad_z = 0;
  static int8_t x[6], out[6];
  static float f[6];
  tg_test_node tn;

  /* output quantization other than the fixed one */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, x), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &kOutScale, &bad_z);
  TG_CHECK_EQ_INT(tg_op_logistic.prepare(&ctx, &tn.node), TG_ERR_QUANT);
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, x), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &s, &kOutZp);
  TG_CHECK_EQ_INT(tg_op_logistic.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* an input scale below the kernel's range */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, x), &tiny, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &kOutScale, &kOutZp);
  TG_CHECK_EQ_INT(tg_op_logistic.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* float in, int8 out */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &kOutScale, &kOutZp);
  TG_CHECK_EQ_INT(tg_op_logistic.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* shapes differ */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, dims_b, f);
  TG_CHECK_EQ_INT(tg_op_logistic.prepare(&ctx, &tn.node), TG_ERR_SHAPE);
}

int main(void) {
  TG_RUN(test_logistic_s8_all_inputs);
  TG_RUN(test_logistic_s8_saturation);
  TG_RUN(test_logistic_f32);
  TG_RUN(test_logistic_prepare_errors);
  return tg_test_summary("logistic");
}
