/* SOFTMAX: the gemmlowp fixed-point pieces against double math, the int8 operator against
 * the real softmax quantized to 1/256 (within one step; exact on rows with a closed form),
 * float against double, odd depths and several rows, and the prepare errors. The golden
 * models (ic_resnet8, kws, micro_speech) check bit-exactness with TFLM on real data. */
#include "tg_test_ops.h"

#include "tg_fixedpoint.h"
#include "tg_test_ew.h"

extern const tg_op tg_op_softmax;

static tg_ctx ctx;

enum { kFieldBeta = 0 };

static void set_beta(tg_test_opts *o, float beta) {
  int32_t bits;
  memcpy(&bits, &beta, sizeof bits);
  const tg_test_field f[] = {{kFieldBeta, 4, bits}};
  tg_test_options(o, f, 1);
}

/* exp(x) for x <= 0 in Q5.26 -> Q0.31, 1/(1+x) and (1-x)/(1+x) on [0, 1): gemmlowp's
 * approximations are good to 2.5e-7 (exp: the fourth-order Taylor series on [-1/4, 0))
 * and a few units of 2^-31 (the reciprocals); a transcription error is far off. */
static void test_fixedpoint_functions(void) {
  double worst_exp = 0.0, worst_rec = 0.0, worst_tanhish = 0.0;
  for (int i = 0; i <= 2000; ++i) {
    const double x = -20.0 * i / 2000.0;
    const int32_t raw = (int32_t)llround(x * 67108864.0); /* 2^26 */
    const double got = tg_fp_exp_on_negative_values(raw, 5) / 2147483648.0;
    const double err = fabs(got - exp(raw / 67108864.0));
    worst_exp = err > worst_exp ? err : worst_exp;
  }
  for (int i = 0; i < 2000; ++i) {
    const double a = i / 2000.0;
    const int32_t raw = (int32_t)llround(a * 2147483648.0);
    const double ar = raw / 2147483648.0;
    const double r1 = fabs(tg_fp_one_over_one_plus_x(raw) / 2147483648.0 - 1.0 / (1.0 + ar));
    const double r2 = fabs(tg_fp_one_minus_x_over_one_plus_x(raw) / 2147483648.0 - (1.0 - ar) / (1.0 + ar));
    worst_rec = r1 > worst_rec ? r1 : worst_rec;
    worst_tanhish = r2 > worst_tanhish ? r2 : worst_tanhish;
  }
  TG_CHECK(worst_exp < 3e-7);
  TG_CHECK(worst_rec < 1e-8);
  TG_CHECK(worst_tanhish < 1e-8);
  TG_CHECK_EQ_INT(tg_fp_exp_on_negative_values(0, 5), INT32_MAX);
  int bits = 0;
  /* 1.25 in Q12.19: reciprocal 0.8, no bits over one */
  TG_CHECK_NEAR(tg_fp_reciprocal(5 << 17, 12, &bits) / 2147483648.0, 0.8, 1e-8);
  TG_CHECK_EQ_INT(bits, 0);
  /* 5.0: 5 = 1.25 * 2^2 */
  TG_CHECK_NEAR(tg_fp_reciprocal(5 << 19, 12, &bits) / 2147483648.0, 0.8, 1e-8);
  TG_CHECK_EQ_INT(bits, 2);
}

/* Runs the int8 operator on rows x depth values with input scale s and zero point z. */
static tg_status run_s8(const int8_t *in, int8_t *out, int32_t rows, int32_t depth, const float *s, const int32_t *z,
                        float beta) {
  static const float out_scale = 1.0f / 256.0f;
  static const int32_t out_zp = -128;
  const int32_t dims[] = {rows, depth};
  tg_test_opts o;
  tg_test_node tn;
  set_beta(&o, beta);
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, dims, (void *)in), s, z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, dims, out), &out_scale, &out_zp);
  return ew_run(&tg_op_softmax, &ctx, &tn);
}

/* softmax(beta * real(x)) quantized to scale 1/256, zero point -128. */
static void softmax_reference(const int8_t *in, int8_t *expect, int32_t rows, int32_t depth, float s, int32_t z,
                              float beta) {
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t *x = in + r * depth;
    double max = -1e300, sum = 0.0;
    for (int32_t c = 0; c < depth; ++c) max = fmax(max, ew_real(x[c], s, z));
    for (int32_t c = 0; c < depth; ++c) sum += exp(beta * (ew_real(x[c], s, z) - max));
    for (int32_t c = 0; c < depth; ++c) {
      expect[r * depth + c] = (int8_t)ew_quantize(exp(beta * (ew_real(x[c], s, z) - max)) / sum, 1.0f / 256.0f,
                                                  -128, -128, 127);
    }
  }
}

static void test_softmax_s8_against_real(void) {
  static const struct {
    float scale;
    int32_t zp;
    float beta;
    int32_t rows;
    int32_t depth;
  } cases[] = {
      {0.0937f, 12, 1.0f, 3, 10}, /* logits as the classifiers end */
      {0.25f, -128, 1.0f, 2, 7},  /* odd depth, wide range: small entries underflow */
      {0.02f, 0, 2.5f, 4, 13},    /* beta != 1 */
      {0.5f, 5, 0.7f, 1, 1},      /* depth 1: always probability 1 */
      {0.0039f, -3, 1.0f, 1, 37}, /* nearly flat row */
  };
  static int8_t in[64], out[64], expect[64];
  uint32_t seed = 4242u;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    const int32_t n = cases[k].rows * cases[k].depth;
    for (int32_t i = 0; i < n; ++i) in[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
    const tg_status s = run_s8(in, out, cases[k].rows, cases[k].depth, &cases[k].scale, &cases[k].zp, cases[k].beta);
    TG_CHECK_EQ_INT(s, TG_OK);
    softmax_reference(in, expect, cases[k].rows, cases[k].depth, cases[k].scale, cases[k].zp, cases[k].beta);
    TG_CHECK(ew_max_diff(out, expect, n) <= 1);
  }
}

static void test_softmax_s8_closed_forms(void) {
  static const float s = 0.1f;
  static const int32_t z = 0;
  static int8_t out[8];
  /* four equal entries: 1/4 each = 64/256 -> -64 */
  static const int8_t flat[4] = {17, 17, 17, 17};
  TG_CHECK_EQ_INT(run_s8(flat, out, 1, 4, &s, &z, 1.0f), TG_OK);
  static const int8_t quarter[4] = {-64, -64, -64, -64};
  TG_CHECK_EQ_ARRAY(out, quarter, 4);
  /* one entry 25.5 above the rest: it takes everything (saturates at 255/256), the others
   * fall below diff_min or round to 0 */
  static const int8_t peak[3] = {-128, 127, -128};
  TG_CHECK_EQ_INT(run_s8(peak, out, 1, 3, &s, &z, 1.0f), TG_OK);
  static const int8_t peak_out[3] = {-128, 127, -128};
  TG_CHECK_EQ_ARRAY(out, peak_out, 3);
  /* depth 1 */
  static const int8_t one[1] = {-90};
  TG_CHECK_EQ_INT(run_s8(one, out, 1, 1, &s, &z, 1.0f), TG_OK);
  TG_CHECK_EQ_INT(out[0], 127);
}

static void test_softmax_f32(void) {
  static const int32_t dims[] = {3, 1, 5};
  static float in[15], out[15], expect[15];
  uint32_t seed = 8u;
  for (int i = 0; i < 15; ++i) in[i] = (float)tg_test_rand_range(&seed, -5000, 5000) / 400.0f;
  const float beta = 0.8f;
  tg_test_opts o;
  tg_test_node tn;
  set_beta(&o, beta);
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 3, dims, in);
  ew_tensor(&ctx, 1, TG_FLOAT32, 3, dims, out);
  TG_CHECK_EQ_INT(ew_run(&tg_op_softmax, &ctx, &tn), TG_OK);
  for (int r = 0; r < 3; ++r) {
    double max = -1e300, sum = 0.0;
    for (int c = 0; c < 5; ++c) max = fmax(max, in[r * 5 + c]);
    for (int c = 0; c < 5; ++c) sum += exp(beta * (in[r * 5 + c] - max));
    for (int c = 0; c < 5; ++c) expect[r * 5 + c] = (float)(exp(beta * (in[r * 5 + c] - max)) / sum);
  }
  TG_CHECK_NEAR_ARRAY(out, expect, 15, 1e-5, 1e-7);
}

static void test_softmax_prepare_errors(void) {
  static const int32_t d2[] = {2, 5};
  static const int32_t d2b[] = {2, 4};
  static const float s = 0.1f, one_256 = 1.0f / 256.0f, one_128 = 1.0f / 128.0f;
  static const int32_t z = 0, zm128 = -128;
  static int8_t x[10], out[10];
  static float f[10];
  tg_test_opts o;
  tg_test_node tn;

  /* output zero point 0 instead of -128 */
  set_beta(&o, 1.0f);
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, d2, x), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, d2, out), &one_256, &z);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* output scale 1/128 */
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, d2, x), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, d2, out), &one_128, &zm128);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* beta absent (0): the int8 multiplier cannot be formed */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, d2, x), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, d2, out), &one_256, &zm128);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_OPTIONS);

  /* shapes differ */
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, d2, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d2b, f);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* a scalar has no last dimension */
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 0, d2, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 0, d2, f);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* int8 in, float out (the int8 -> int16 variant is not built either) */
  tg_test_node_init(&tn, 1, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, d2, x), &s, &z);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, d2, f);
  TG_CHECK_EQ_INT(tg_op_softmax.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);
}

int main(void) {
  TG_RUN(test_fixedpoint_functions);
  TG_RUN(test_softmax_s8_against_real);
  TG_RUN(test_softmax_s8_closed_forms);
  TG_RUN(test_softmax_f32);
  TG_RUN(test_softmax_prepare_errors);
  return tg_test_summary("softmax");
}
