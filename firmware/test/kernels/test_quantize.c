/* QUANTIZE (float -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float) through their
 * operators: the published formulas q = zp + round(x / s) (half away from zero, saturated)
 * and x = s * (q - zp) computed here, requantization against the real value (exact for a
 * power-of-two scale ratio, within one step otherwise), edges (ties, saturation, NaN,
 * infinities), and the prepare errors. */
#include "tg_test_ops.h"

#include "tg_quant.h"
#include "tg_test_ew.h"

extern const tg_op tg_op_quantize;
extern const tg_op tg_op_dequantize;

static tg_ctx ctx;

static void test_quantize_f32(void) {
  static const float s = 0.05f;
  static const int32_t z = -10;
  static const int32_t dims[] = {2, 8};
  static float in[16] = {0.0f, 0.025f, -0.025f, 0.075f, -0.075f, 1.0f, -1.0f, 5.85f, 5.95f, 100.0f, -5.9f, -6.0f,
                         0.0f, 0.0f, 0.0f, 0.0f};
  static int8_t out[16], expect[16];
  in[12] = NAN;
  in[13] = INFINITY;
  in[14] = -INFINITY;
  in[15] = 3.3f;
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ctx.capacity = 0; /* a float32 -> int8 layer keeps nothing: the output holds its parameters */
  ew_tensor(&ctx, 0, TG_FLOAT32, 2, dims, in);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, dims, out), &s, &z);
  TG_CHECK_EQ_INT(ew_run(&tg_op_quantize, &ctx, &tn), TG_OK);
  for (int i = 0; i < 12; ++i) {
    /* the division in float, as TFLM: x / s, then round half away from zero */
    const float q = roundf(in[i] / s) + (float)z;
    expect[i] = (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : (int32_t)q));
  }
  expect[12] = -128; /* NaN: the low end, as TFLM's int conversion on x86 */
  expect[13] = 127;
  expect[14] = -128;
  expect[15] = (int8_t)(66 + z);
  TG_CHECK_EQ_ARRAY(out, expect, 16);
  /* spot values: 0.025 / 0.05 = 0.5 rounds away from zero */
  TG_CHECK_EQ_INT(out[1], 1 + z);
  TG_CHECK_EQ_INT(out[2], -1 + z);
  TG_CHECK_EQ_INT(out[9], 127);
  TG_CHECK_EQ_INT(out[11], -128);
}

static void test_requantize_s8(void) {
  static const int32_t dims[] = {256};
  static int8_t in[256], out[256], expect[256];
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  static const struct {
    float si;
    int32_t zi;
    float so;
    int32_t zo;
    int exact;
  } cases[] = {
      {0.5f, 3, 0.25f, -7, 1},  /* ratio 2: exact, saturating */
      {0.25f, 0, 1.0f, 0, 0},   /* ratio 1/4: see the double-rounding check below */
      {0.031f, -5, 0.047f, 12, 0},
      {0.1f, 0, 0.1f, -128, 1}, /* zero point shift only */
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    tg_test_node tn;
    tg_test_node_init(&tn, 1, NULL, &ctx);
    ctx.capacity = 8; /* what an int8 -> int8 layer keeps: multiplier and shift */
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, in), &cases[k].si, &cases[k].zi);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, out), &cases[k].so, &cases[k].zo);
    TG_CHECK_EQ_INT(ew_run(&tg_op_quantize, &ctx, &tn), TG_OK);
    for (int i = 0; i < 256; ++i) {
      expect[i] = (int8_t)ew_quantize(ew_real(in[i], cases[k].si, cases[k].zi), cases[k].so, cases[k].zo, -128, 127);
    }
    if (cases[k].exact) {
      TG_CHECK_EQ_ARRAY(out, expect, 256);
    } else {
      TG_CHECK(ew_max_diff(out, expect, 256) <= 1);
    }
    if (k == 1) {
      /* q = 1 is 0.25: TFLM's default double rounding rounds 0.5 (after the doubling high
       * multiply) up, then 0.5 again up: 1; single rounding gives 0 */
      TG_CHECK_EQ_INT(out[129], TG_SINGLE_ROUNDING ? 0 : 1);
      TG_CHECK_EQ_INT(out[130], 1); /* 0.5 -> 1 either way */
    }
  }
}

static void test_dequantize(void) {
  static const float s = 0.0371f;
  static const int32_t z = 17;
  static const int32_t dims[] = {4, 64};
  static int8_t in[256];
  static float out[256], expect[256];
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ctx.capacity = 0; /* a layer keeps nothing: the input holds its parameters */
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, dims, in), &s, &z);
  ew_tensor(&ctx, 1, TG_FLOAT32, 2, dims, out);
  TG_CHECK_EQ_INT(ew_run(&tg_op_dequantize, &ctx, &tn), TG_OK);
  /* TFLM: (float)(double(scale) * (q - zp)), exactly */
  for (int i = 0; i < 256; ++i) expect[i] = (float)((double)s * (double)(in[i] - z));
  TG_CHECK_NEAR_ARRAY(out, expect, 256, 0.0, 0.0);
  TG_CHECK(out[z + 128] == 0.0f);
}

static void test_quantize_prepare_errors(void) {
  static const int32_t dims[] = {5};
  static const int32_t dims_b[] = {6};
  static const float s = 0.1f, huge = 1e30f, tiny = 1e-30f;
  static const int32_t z = 0;
  static float f[6];
  static int8_t q[6];
  static int16_t h[6];
  tg_test_node tn;

  /* float -> float is not a quantization */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 1, dims, f);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* int16 input */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT16, 1, dims, h), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, q), &s, &z);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* output without quantization */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(&ctx, 1, TG_INT8, 1, dims, q);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* requantization ratio above 2^31 */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, q), &huge, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, q), &tiny, &z);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* no room for an int8 -> int8 layer's requantization */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ctx.capacity = 7;
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, q), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, q), &huge, &z);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_ARENA_TOO_SMALL);

  /* shapes differ */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims_b, q), &s, &z);
  TG_CHECK_EQ_INT(tg_op_quantize.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* DEQUANTIZE: float input, int8 output, missing quantization */
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, f);
  ew_tensor(&ctx, 1, TG_FLOAT32, 1, dims, f);
  TG_CHECK_EQ_INT(tg_op_dequantize.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, q), &s, &z);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, q), &s, &z);
  TG_CHECK_EQ_INT(tg_op_dequantize.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ew_tensor(&ctx, 0, TG_INT8, 1, dims, q);
  ew_tensor(&ctx, 1, TG_FLOAT32, 1, dims, f);
  TG_CHECK_EQ_INT(tg_op_dequantize.prepare(&ctx, &tn.node), TG_ERR_QUANT);
}

int main(void) {
  TG_RUN(test_quantize_f32);
  TG_RUN(test_requantize_s8);
  TG_RUN(test_dequantize);
  TG_RUN(test_quantize_prepare_errors);
  return tg_test_summary("quantize");
}
