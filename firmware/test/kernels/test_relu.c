/* RELU and RELU6 through their operators: all 256 int8 inputs with a shared quantization
 * (exactly max(q, zp) and min(max(q, zp), zp + round(6 / s)), TFLM's results) and with a
 * differing output quantization (the real max(x, 0) / min(max(x, 0), 6) requantized,
 * within one step), float including NaN and signed zero, and the prepare errors. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"

extern const tg_op tg_op_relu;
extern const tg_op tg_op_relu6;

static tg_ctx ctx;

static const int32_t kDims[] = {2, 128};

static tg_status run_s8(const tg_op *op, int8_t *in, int8_t *out, const float *si, const int32_t *zi, const float *so,
                        const int32_t *zo) {
  tg_test_node tn;
  tg_test_node_init(&tn, 1, NULL, &ctx);
  ctx.capacity = 8; /* what an int8 layer keeps: multiplier, shift, upper clamp */
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, kDims, in), si, zi);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, kDims, out), so, zo);
  return ew_run(op, &ctx, &tn);
}

static void test_relu_s8_shared_quantization(void) {
  static const float s = 0.05f;
  static const int32_t zps[] = {-128, -40, 0, 90};
  static int8_t in[256], out[256], expect[256];
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  for (int k = 0; k < 4; ++k) {
    const int32_t z = zps[k];
    TG_CHECK_EQ_INT(run_s8(&tg_op_relu, in, out, &s, &z, &s, &z), TG_OK);
    for (int i = 0; i < 256; ++i) expect[i] = (int8_t)(in[i] < z ? z : in[i]);
    TG_CHECK_EQ_ARRAY(out, expect, 256);
    TG_CHECK_EQ_INT(run_s8(&tg_op_relu6, in, out, &s, &z, &s, &z), TG_OK);
    const int32_t six = z + 120 > 127 ? 127 : z + 120; /* 6 / 0.05 = 120 */
    for (int i = 0; i < 256; ++i) expect[i] = (int8_t)(in[i] < z ? z : (in[i] > six ? six : in[i]));
    TG_CHECK_EQ_ARRAY(out, expect, 256);
  }
}

static void test_relu_s8_requantizing(void) {
  static const float si = 0.071f, so = 0.033f;
  static const int32_t zi = 17, zo = -100;
  static int8_t in[256], out[256], expect[256];
  for (int i = 0; i < 256; ++i) in[i] = (int8_t)(i - 128);
  for (int relu6 = 0; relu6 <= 1; ++relu6) {
    TG_CHECK_EQ_INT(run_s8(relu6 ? &tg_op_relu6 : &tg_op_relu, in, out, &si, &zi, &so, &zo), TG_OK);
    for (int i = 0; i < 256; ++i) {
      double x = ew_real(in[i], si, zi);
      x = x < 0.0 ? 0.0 : x;
      if (relu6 && x > 6.0) x = 6.0;
      expect[i] = (int8_t)ew_quantize(x, so, zo, -128, 127);
    }
    TG_CHECK(ew_max_diff(out, expect, 256) <= 1);
    TG_CHECK_EQ_INT(out[0], zo);          /* the most negative input clamps at the quantized 0 */
    TG_CHECK_EQ_INT(out[255], relu6 ? 82 : 127); /* 6 / 0.033 = 181.8 above zo: 82 */
  }
}

static void test_relu_f32(void) {
  static const int32_t dims[] = {9};
  static float in[9] = {-3.5f, -0.0f, 0.0f, 0.25f, 5.99f, 6.0f, 6.01f, 1e30f, 0.0f};
  static float out[9];
  in[8] = NAN;
  for (int relu6 = 0; relu6 <= 1; ++relu6) {
    tg_test_node tn;
    tg_test_node_init(&tn, 1, NULL, &ctx);
    ctx.capacity = 0; /* a float32 layer keeps nothing */
    ew_tensor(&ctx, 0, TG_FLOAT32, 1, dims, in);
    ew_tensor(&ctx, 1, TG_FLOAT32, 1, dims, out);
    TG_CHECK_EQ_INT(ew_run(relu6 ? &tg_op_relu6 : &tg_op_relu, &ctx, &tn), TG_OK);
    const float hi = relu6 ? 6.0f : 1e30f;
    const float expect[8] = {0.0f, -0.0f, 0.0f, 0.25f, 5.99f, 6.0f, relu6 ? 6.0f : 6.01f, hi};
    TG_CHECK_NEAR_ARRAY(out, expect, 8, 0.0, 0.0);
    TG_CHECK(isnan(out[8])); /* NaN passes through, as TFLM's comparisons let it */
  }
}

static void test_relu_prepare_errors(void) {
  static const int32_t dims_b[] = {256};
  static const float s = 0.1f, huge = 1e30f, tiny = 1e-30f;
  static const int32_t z = 0;
  static int8_t q[256];
  static float f[256];
  for (int relu6 = 0; relu6 <= 1; ++relu6) {
    const tg_op *op = relu6 ? &tg_op_relu6 : &tg_op_relu;
    tg_test_node tn;

    tg_test_node_init(&tn, 1, NULL, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, kDims, q), &s, &z);
    ew_tensor(&ctx, 1, TG_FLOAT32, 2, kDims, f);
    TG_CHECK_EQ_INT(op->prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

    tg_test_node_init(&tn, 1, NULL, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, kDims, q), &s, &z);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims_b, q), &s, &z);
    TG_CHECK_EQ_INT(op->prepare(&ctx, &tn.node), TG_ERR_SHAPE);

    tg_test_node_init(&tn, 1, NULL, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, kDims, q), &huge, &z);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, kDims, q), &tiny, &z);
    TG_CHECK_EQ_INT(op->prepare(&ctx, &tn.node), TG_ERR_QUANT);

    tg_test_node_init(&tn, 1, NULL, &ctx);
    ew_tensor(&ctx, 0, TG_INT8, 2, kDims, q);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, kDims, q), &s, &z);
    TG_CHECK_EQ_INT(op->prepare(&ctx, &tn.node), TG_ERR_QUANT);

    /* no room for the operator data */
    tg_test_node_init(&tn, 1, NULL, &ctx);
    ctx.capacity = 7;
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, kDims, q), &s, &z);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, kDims, q), &s, &z);
    TG_CHECK_EQ_INT(op->prepare(&ctx, &tn.node), TG_ERR_ARENA_TOO_SMALL);
  }
}

int main(void) {
  TG_RUN(test_relu_s8_shared_quantization);
  TG_RUN(test_relu_s8_requantizing);
  TG_RUN(test_relu_f32);
  TG_RUN(test_relu_prepare_errors);
  return tg_test_summary("relu");
}
