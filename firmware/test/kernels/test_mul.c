/* MUL through its operator: float against a * b by index with broadcasting and fused
 * activations, int8 against the real product requantized (exact where the scales make it
 * exact, within one step elsewhere), saturation, and the prepare errors. */
#include "tg_test_ops.h"

#include "tg_test_ew.h"
#include "tg_test_ew_cases.h"

extern const tg_op tg_op_mul;

static tg_ctx ctx;

static float mul_f32(float x, float y) { return x * y; }

static void test_mul_f32_broadcast_and_activation(void) {
  static const int32_t d1[] = {3, 1, 5};
  static const int32_t d2[] = {2, 1, 4, 1};
  static const int32_t dout[] = {2, 3, 4, 5};
  static float a[15], b[8];
  uint32_t seed = 31u;
  for (int i = 0; i < 15; ++i) a[i] = (float)tg_test_rand_range(&seed, -3000, 3000) / 700.0f;
  for (int i = 0; i < 8; ++i) b[i] = (float)tg_test_rand_range(&seed, -3000, 3000) / 700.0f;
  /* what a float32 layer keeps: its clamp */
  ew_check_f32_broadcast(&tg_op_mul, &ctx, 8, d1, 3, a, d2, 4, b, dout, mul_f32);
}

/* Scales 0.25, 0.5 and 0.125: s1 * s2 / s_out = 1, the product is exact. */
static void test_mul_s8_exact_power_of_two_scales(void) {
  static const int32_t dims[] = {4, 9};
  static const float s1 = 0.25f, s2 = 0.5f, so = 0.125f;
  static const int32_t z1 = 3, z2 = -5, zo = -1;
  static int8_t a[36], b[36], out[36], expect[36];
  uint32_t seed = 5u;
  for (int i = 0; i < 36; ++i) {
    a[i] = (int8_t)tg_test_rand_range(&seed, -20, 20);
    b[i] = (int8_t)tg_test_rand_range(&seed, -12, 12);
  }
  a[0] = 127, b[0] = 127;   /* far above 127: saturates */
  a[1] = -128, b[1] = 127;  /* far below -128 */
  tg_test_node tn;
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ctx.capacity = 8; /* what an int8 layer keeps: multiplier, shift, clamp */
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, 2, dims, a), &s1, &z1);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, 2, dims, b), &s2, &z2);
  ew_quant(ew_tensor(&ctx, 2, TG_INT8, 2, dims, out), &so, &zo);
  TG_CHECK_EQ_INT(ew_run(&tg_op_mul, &ctx, &tn), TG_OK);
  for (int i = 0; i < 36; ++i) {
    const int32_t v = (a[i] - z1) * (b[i] - z2) + zo;
    expect[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
  TG_CHECK_EQ_ARRAY(out, expect, 36);
  TG_CHECK_EQ_INT(out[0], 127);
  TG_CHECK_EQ_INT(out[1], -128);

  /* the same layer with one byte less: no room for the operator data */
  tg_test_node_init(&tn, 2, NULL, &ctx);
  ctx.capacity = 7;
  TG_CHECK_EQ_INT(tg_op_mul.prepare(&ctx, &tn.node), TG_ERR_ARENA_TOO_SMALL);
}

static void test_mul_s8_against_real_product(void) {
  static const int32_t d1[] = {2, 3, 5};
  static const int32_t d2[] = {2, 1, 5};
  static const float s1 = 0.0371f, s2 = 0.0563f, so = 0.0402f;
  static const int32_t z1 = 11, z2 = -64, zo = -9;
  static int8_t a[30], b[10], out[30], expect[30];
  uint32_t seed = 77u;
  for (int i = 0; i < 30; ++i) a[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  for (int i = 0; i < 10; ++i) b[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  for (int32_t act = 0; act <= 1; ++act) { /* NONE, RELU */
    tg_test_opts o;
    tg_test_node tn;
    ew_set_activation(&o, act);
    tg_test_node_init(&tn, 2, &o, &ctx);
    ew_quant(ew_tensor(&ctx, 0, TG_INT8, 3, d1, a), &s1, &z1);
    ew_quant(ew_tensor(&ctx, 1, TG_INT8, 3, d2, b), &s2, &z2);
    ew_quant(ew_tensor(&ctx, 2, TG_INT8, 3, d1, out), &so, &zo);
    TG_CHECK_EQ_INT(ew_run(&tg_op_mul, &ctx, &tn), TG_OK);
    int exact = 0;
    for (int32_t n = 0; n < 30; ++n) {
      int32_t idx[3];
      ew_unflatten(n, d1, 3, idx);
      double real = ew_real(a[n], s1, z1) * ew_real(b[ew_bcast_offset(idx, 3, d2, 3)], s2, z2);
      if (act == 1 && real < 0.0) real = 0.0;
      expect[n] = (int8_t)ew_quantize(real, so, zo, -128, 127);
      exact += expect[n] == out[n];
    }
    TG_CHECK(ew_max_diff(out, expect, 30) <= 1);
    TG_CHECK(exact >= 27);
  }
}

static void test_mul_prepare_errors(void) {
  static const int32_t d3[] = {2, 3, 4};
  static const int32_t d3b[] = {2, 2, 4};
  static const float s = 0.05f, huge = 1e30f, tiny = 1e-30f;
  static const int32_t zp = 0, bad_zp = 300;
  static int8_t x[24], y[24], out[24];
  static float f[24];
#define Q8(d, p) {TG_INT8, 3, d, p, &s, &zp}
#define F32 {TG_FLOAT32, 3, d3, f, NULL, NULL}
  static const ew_prepare_case cases[] = {
      {"shapes that do not broadcast", TG_ERR_SHAPE, 2, -1, 0, NULL, {Q8(d3, x), Q8(d3b, y), Q8(d3, out)}},
      {"float inputs, int8 output", TG_ERR_UNSUPPORTED_TYPE, 2, -1, 0, NULL, {F32, F32, Q8(d3, out)}},
      {"zero point outside int8", TG_ERR_QUANT, 2, -1, 0, NULL,
       {{TG_INT8, 3, d3, x, &s, &bad_zp}, Q8(d3, y), Q8(d3, out)}},
      {"s1 * s2 / s_out far above 2^31", TG_ERR_QUANT, 2, -1, 0, NULL,
       {{TG_INT8, 3, d3, x, &huge, &zp}, Q8(d3, y), {TG_INT8, 3, d3, out, &tiny, &zp}}},
      {"fused SIGN_BIT", TG_ERR_OPTIONS, 2, 5, 0, NULL, {F32, F32, F32}},
  };
#undef Q8
#undef F32
  ew_check_prepare_errors(&tg_op_mul, &ctx, cases, sizeof(cases) / sizeof(cases[0]), "test_mul_prepare_errors");
}

int main(void) {
  TG_RUN(test_mul_f32_broadcast_and_activation);
  TG_RUN(test_mul_s8_exact_power_of_two_scales);
  TG_RUN(test_mul_s8_against_real_product);
  TG_RUN(test_mul_prepare_errors);
  return tg_test_summary("mul");
}
