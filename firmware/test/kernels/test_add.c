/* ADD through its operator (prepare + eval): float against a + b computed by index,
 * int8 against the real-number sum requantized (exact where the scales make the
 * arithmetic exact, within one step elsewhere), broadcasting, fused activations,
 * saturation, and every prepare error. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"
#include "tg_test_ew_cases.h"

extern const tg_op tg_op_add;

static tg_ctx ctx;

static float add_f32(float x, float y) { return x + y; }

static void test_add_f32_broadcast_and_activation(void) {
  static const int32_t d1[] = {2, 3, 1, 4};
  static const int32_t d2[] = {3, 5, 1};
  static const int32_t dout[] = {2, 3, 5, 4};
  static float a[24], b[15];
  uint32_t seed = 7u;
  for (int i = 0; i < 24; ++i) a[i] = (float)tg_test_rand_range(&seed, -4000, 4000) / 500.0f;
  for (int i = 0; i < 15; ++i) b[i] = (float)tg_test_rand_range(&seed, -4000, 4000) / 500.0f;
  /* a layer's data: the int8 requantization or, in a union, the float32 clamp */
  ew_check_f32_broadcast(&tg_op_add, &ctx, 20, d1, 4, a, d2, 3, b, dout, add_f32);
}

/* Equal scales of 0.5 and a shared zero point: every step of TFLM's arithmetic is exact,
 * so the result is the integer sum, clamped. */
static void test_add_s8_exact_with_equal_scales(void) {
  static const int32_t dims[] = {1, 5, 7};
  static const float scale = 0.5f;
  static const int32_t zp = 10;
  static int8_t a[35], b[35], out[35];
  uint32_t seed = 99u;
  for (int i = 0; i < 35; ++i) {
    a[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
    b[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  }
  a[0] = 127, b[0] = 127;   /* saturates high */
  a[1] = -128, b[1] = -128; /* saturates low */
  tg_test_node tn;
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ctx.capacity = 20; /* what an int8 layer keeps: 3 multipliers, 3 shifts, the clamp */
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 3, dims, a), &scale, &zp);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 3, dims, b), &scale, &zp);
  ew_quant(ew_tensor(&ctx, 2, TG_INT8, 3, dims, out), &scale, &zp);
  TG_CHECK_EQ_INT(ew_run(&tg_op_add, &ctx, &tn), TG_OK);
  int8_t expect[35];
  for (int i = 0; i < 35; ++i) {
    const int32_t v = (a[i] - zp) + (b[i] - zp) + zp;
    expect[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
  TG_CHECK_EQ_ARRAY(out, expect, 35);
  TG_CHECK_EQ_INT(out[0], 127);
  TG_CHECK_EQ_INT(out[1], -128);
}

/* Differing scales and zero points, broadcasting a per-channel vector and a scalar:
 * within one quantization step of the real sum, and mostly exactly on it. */
static void test_add_s8_against_real_sum(void) {
  static const int32_t d1[] = {1, 3, 4, 6};
  static const int32_t dvec[] = {6};
  static const int32_t dscalar[] = {1};
  static const float s1 = 0.0731f, s2 = 0.0213f, so = 0.0917f;
  static const int32_t z1 = -17, z2 = 40, zo = 3;
  static int8_t a[72], b[6], out[72], expect[72];
  uint32_t seed = 2024u;
  for (int i = 0; i < 72; ++i) a[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  for (int i = 0; i < 6; ++i) b[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  for (int variant = 0; variant < 3; ++variant) {
    /* 0: tensor + vector, 1: vector + tensor (input order swapped), 2: tensor + scalar */
    tg_test_node tn;
    tg_test_node_init(&tn, 2, NULL, &ctx);
    const int32_t *db = variant == 2 ? dscalar : dvec;
    if (variant == 1) {
      ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, db, b), &s2, &z2);
      ew_quant(ew_tensor(&ctx, 1, TG_INT8, 4, d1, a), &s1, &z1);
    } else {
      ew_quant(ew_tensor(&ctx, 0, TG_INT8, 4, d1, a), &s1, &z1);
      ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, db, b), &s2, &z2);
    }
    ew_quant(ew_tensor(&ctx, 2, TG_INT8, 4, d1, out), &so, &zo);
    TG_CHECK_EQ_INT(ew_run(&tg_op_add, &ctx, &tn), TG_OK);
    int exact = 0;
    for (int32_t n = 0; n < 72; ++n) {
      const int8_t bv = variant == 2 ? b[0] : b[n % 6];
      const double real = ew_real(a[n], s1, z1) + ew_real(bv, s2, z2);
      expect[n] = (int8_t)ew_quantize(real, so, zo, -128, 127);
      exact += expect[n] == out[n];
    }
    TG_CHECK(ew_max_diff(out, expect, 72) <= 1);
    TG_CHECK(exact >= 68);
  }
}

/* A fused RELU6 clamps at the quantized 0 and 6 of the output. */
static void test_add_s8_fused_relu6(void) {
  static const int32_t dims[] = {8};
  static const float s = 0.1f;
  static const int32_t zp = -20;
  static int8_t a[8] = {-128, -40, -21, -20, 0, 30, 40, 127};
  static int8_t b[8] = {-20, -20, -20, -20, -20, -20, 30, 127};
  static int8_t out[8];
  tg_test_opts o;
  tg_test_node tn;
  ew_set_activation(&o, 3);
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 1, dims, a), &s, &zp);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 1, dims, b), &s, &zp);
  ew_quant(ew_tensor(&ctx, 2, TG_INT8, 1, dims, out), &s, &zp);
  TG_CHECK_EQ_INT(ew_run(&tg_op_add, &ctx, &tn), TG_OK);
  /* real values: a + b - 2 zp, clamped to [0, 6] = [zp, zp + 60] */
  static const int8_t expect[8] = {-20, -20, -20, -20, 0, 30, 40, 40};
  TG_CHECK_EQ_ARRAY(out, expect, 8);
}

static void test_add_prepare_errors(void) {
  static const int32_t d4[] = {1, 2, 2, 3};
  static const int32_t d4b[] = {1, 2, 2, 4};
  static const int32_t d2[] = {2, 3};
  static const float s = 0.05f, tiny = 1e-9f;
  static const int32_t zp = 0;
  static int8_t x[16], y[16], out[16];
  static float f[16];
#define Q8(nd, d, p) {TG_INT8, nd, d, p, &s, &zp}
  static const ew_prepare_case cases[] = {
      {"shapes that do not broadcast", TG_ERR_SHAPE, 2, -1, 0, "[1,2,2,4]",
       {Q8(4, d4, x), Q8(4, d4b, y), Q8(4, d4, out)}},
      {"broadcastable inputs, wrong output shape", TG_ERR_SHAPE, 2, -1, 0, NULL,
       {Q8(4, d4, x), Q8(2, d2, y), Q8(2, d2, out)}},
      {"int8 + float", TG_ERR_UNSUPPORTED_TYPE, 2, -1, 0, NULL,
       {Q8(4, d4, x), {TG_FLOAT32, 4, d4, f, NULL, NULL}, Q8(4, d4, out)}},
      {"int16 is not supported", TG_ERR_UNSUPPORTED_TYPE, 2, -1, 0, NULL,
       {{TG_INT16, 1, d2, x, NULL, NULL}, {TG_INT16, 1, d2, y, NULL, NULL}, {TG_INT16, 1, d2, out, NULL, NULL}}},
      {"int8 without quantization parameters", TG_ERR_QUANT, 2, -1, 0, NULL,
       {Q8(4, d4, x), {TG_INT8, 4, d4, y, NULL, NULL}, Q8(4, d4, out)}},
      {"an output scale so small that the output multiplier reaches 1", TG_ERR_QUANT, 2, -1, 0, NULL,
       {Q8(4, d4, x), Q8(4, d4, y), {TG_INT8, 4, d4, out, &tiny, &zp}}},
      {"fused TANH is not an activation ADD can apply", TG_ERR_OPTIONS, 2, 4, 0, NULL,
       {Q8(4, d4, x), Q8(4, d4, y), Q8(4, d4, out)}},
      {"one input only", TG_ERR_MODEL_INVALID, 1, -1, 0, NULL, {Q8(4, d4, x), Q8(4, d4, out)}},
      {"no room for the operator data", TG_ERR_ARENA_TOO_SMALL, 2, -1, 19, NULL,
       {Q8(4, d4, x), Q8(4, d4, y), Q8(4, d4, out)}},
  };
#undef Q8
  ew_check_prepare_errors(&tg_op_add, &ctx, cases, sizeof(cases) / sizeof(cases[0]), "test_add_prepare_errors");
}

int main(void) {
  TG_RUN(test_add_f32_broadcast_and_activation);
  TG_RUN(test_add_s8_exact_with_equal_scales);
  TG_RUN(test_add_s8_against_real_sum);
  TG_RUN(test_add_s8_fused_relu6);
  TG_RUN(test_add_prepare_errors);
  return tg_test_summary("add");
}
