/* DEPTHWISE_CONV_2D: the int8 and float kernels and the operator (prepare + eval)
 * against a reference computed here over an explicitly padded input (tg_test_ref.h),
 * over a table of shapes: depth multipliers 1, 2 and 3, odd sizes, strides 1 and 2,
 * SAME and VALID, dilation 2, batch 2, per-tensor and per-channel weights, every fused
 * activation, saturating inputs. Then every prepare error. */
#include <string.h>

#include "tg_test_ops.h"

#include "tg_test_conv_layer.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

extern const tg_op tg_op_depthwise_conv_2d;

typedef struct {
  const char *name;
  int32_t n, h, w, ic, mult, kh, kw, sh, sw, dh, dw, padding, act, per_channel, fill;
} dw_case;

static const dw_case kCases[] = {
    /* name                              n  h   w  ic m kh kw sh sw dh dw padding       act               pc fill */
    {"odd 7x5 3x3 SAME s1 RELU m1", 1, 7, 5, 3, 1, 3, 3, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_RELU, 1, FILL_RANDOM},
    {"9x7 3x3 VALID s2 m2", 1, 9, 7, 2, 2, 3, 3, 2, 2, 1, 1, TG_TEST_VALID, TG_ACT_NONE, 1, FILL_RANDOM},
    {"even 8x6 SAME s2 RELU6 per-tensor", 1, 8, 6, 4, 1, 3, 3, 2, 2, 1, 1, TG_TEST_SAME, TG_ACT_RELU6, 0,
     FILL_RANDOM},
    {"dilation 2 SAME RELU_N1_TO_1 m2", 1, 9, 9, 3, 2, 3, 3, 1, 1, 2, 2, TG_TEST_SAME, TG_ACT_RELU_N1_TO_1, 1,
     FILL_RANDOM},
    {"batch 2 5x1 dilation 2x1 VALID s2x1 m3", 2, 11, 6, 2, 3, 5, 1, 2, 1, 2, 1, TG_TEST_VALID, TG_ACT_NONE, 1,
     FILL_RANDOM},
    {"KWS-like 10x4 SAME s2x2 m1 64ch", 1, 25, 5, 16, 1, 10, 4, 2, 2, 1, 1, TG_TEST_SAME, TG_ACT_RELU, 1,
     FILL_RANDOM},
    {"5x5 filter over 2x3 input SAME", 1, 2, 3, 2, 2, 5, 5, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_RELU, 1, FILL_RANDOM},
    {"SAME s2 odd 7x7 dilation 2 per-tensor", 1, 7, 7, 3, 1, 3, 3, 2, 2, 2, 2, TG_TEST_SAME, TG_ACT_NONE, 0,
     FILL_RANDOM},
    {"saturating inputs -128", 1, 5, 5, 3, 2, 3, 3, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_NONE, 1, FILL_MIN},
    {"saturating inputs 127", 1, 5, 5, 2, 2, 3, 3, 2, 2, 1, 1, TG_TEST_VALID, TG_ACT_RELU6, 1, FILL_MAX},
};

/* A row as the shared tests see it: the geometry and the options table in
 * DEPTHWISE_CONV_2D's field order. */
static conv_layer_case as_layer(const dw_case *c) {
  conv_layer_case lc;
  memset(&lc, 0, sizeof(lc));
  lc.name = c->name;
  lc.act = c->act;
  lc.per_channel = c->per_channel;
  lc.fill = c->fill;
  tg_conv_args *a = &lc.args;
  a->input = (tg_dims4){c->n, c->h, c->w, c->ic};
  a->filter = (tg_dims4){1, c->kh, c->kw, c->ic * c->mult};
  a->output = (tg_dims4){c->n, 0, 0, c->ic * c->mult};
  conv_layer_window(a, c->padding, c->sh, c->sw, c->dh, c->dw);
  a->depth_multiplier = c->mult;
  const tg_test_field fields[] = {{0, 1, c->padding}, {1, 4, c->sw}, {2, 4, c->sh}, {3, 4, c->mult},
                                  {4, 1, c->act},     {5, 4, c->dw}, {6, 4, c->dh}};
  memcpy(lc.fields, fields, sizeof(fields));
  lc.n_fields = 7;
  return lc;
}

#if TG_KERNELS_OPT
static int dw_fast(const tg_conv_args *a) { return tg_depthwise_conv_s8_opt_path(a) != TG_DW_OPT_NONE; }
#else
static int dw_fast(const tg_conv_args *a) {
  (void)a;
  return 0;
}
#endif

/* Depthwise; the filter [1, h, w, c * m] is quantized along dimension 3. */
static const conv_layer kLayer = {&tg_op_depthwise_conv_2d, tg_depthwise_conv_s8, tg_depthwise_conv_f32, 1, 3,
                                  dw_fast};

#define N_CASES (sizeof(kCases) / sizeof(kCases[0]))

static void test_kernels_against_reference(void) {
  for (size_t k = 0; k < N_CASES; ++k) {
    const conv_layer_case lc = as_layer(&kCases[k]);
    conv_layer_check_kernels(&kLayer, &lc, 1000u + (uint32_t)k);
  }
  tg_test_current = "test_kernels_against_reference";
}

static void test_kernel_without_bias(void) {
  const conv_layer_case lc = as_layer(&kCases[0]);
  conv_layer_check_kernels_without_bias(&kLayer, &lc, 77u);
}

/* A hand-computed case: 1x2x2x2 input, depth multiplier 2, 2x2 filter, VALID, zero
 * points 0, multiplier exactly 0.5. Channel 0 holds 1..4, channel 1 holds 10..40; the
 * four output channels weigh them by 1, 2 (from channel 0) and 1, -1 (from channel 1). */
static void test_hand_computed(void) {
  const int8_t in[8] = {1, 10, 2, 20, 3, 30, 4, 40};
  const int8_t w[16] = {1, 2, 1, -1, 1, 2, 1, -1, 1, 2, 1, -1, 1, 2, 1, -1};
  int8_t out[4];
  tg_conv_args a = {{1, 2, 2, 2}, {1, 2, 2, 4}, {1, 1, 1, 4}, 1, 1, 0, 0, 1, 1, 2};
  int32_t m;
  int8_t s;
  tg_ref_multiplier(0.5, &m, &s);
  const tg_quant_args q = {0, 0, 0, &m, &s, 0, -128, 127};
  TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&a, &q, in, w, NULL, out), TG_OK);
  const int8_t want[4] = {5, 10, 50, -50}; /* sums 10, 20, 100, -100 */
  TG_CHECK_EQ_ARRAY(out, want, 4);
  /* +1 bias: 5.5 -> 6, 10.5 -> 11, 50.5 -> 51, -49.5 -> -49 (TFLM rounds half up) */
  const int32_t bias[4] = {1, 1, 1, 1};
  TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&a, &q, in, w, bias, out), TG_OK);
  const int8_t want_b[4] = {6, 11, 51, -49};
  TG_CHECK_EQ_ARRAY(out, want_b, 4);
}

/* ---- the operator ------------------------------------------------------------------ */
static void test_operator_against_reference(void) {
  for (size_t k = 0; k < N_CASES; ++k) {
    const conv_layer_case lc = as_layer(&kCases[k]);
    tg_test_current = lc.name;
    conv_layer_run_operator(&kLayer, &lc, 2000u + (uint32_t)k);
  }
  tg_test_current = "test_operator_against_reference";
}

/* Random shapes, multipliers, strides, dilations, paddings and activations: windows
 * that do not fit must be refused, the rest must match the reference. */
static void test_random_configurations(void) {
  uint32_t seed = 99991u;
  int ran = 0, refused = 0;
  for (int i = 0; i < 150; ++i) {
    dw_case c = {"random", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, FILL_RANDOM};
    c.n = tg_test_rand_range(&seed, 1, 2);
    c.h = tg_test_rand_range(&seed, 1, 10);
    c.w = tg_test_rand_range(&seed, 1, 10);
    c.ic = tg_test_rand_range(&seed, 1, 5);
    c.mult = tg_test_rand_range(&seed, 1, 3);
    c.kh = tg_test_rand_range(&seed, 1, 5);
    c.kw = tg_test_rand_range(&seed, 1, 5);
    c.sh = tg_test_rand_range(&seed, 1, 3);
    c.sw = tg_test_rand_range(&seed, 1, 3);
    c.dh = tg_test_rand_range(&seed, 1, 3);
    c.dw = tg_test_rand_range(&seed, 1, 3);
    c.padding = tg_test_rand_range(&seed, 0, 1);
    c.act = tg_test_rand_range(&seed, 0, 3);
    c.per_channel = tg_test_rand_range(&seed, 0, 1);
    const conv_layer_case lc = as_layer(&c);
    conv_layer_run_random(&kLayer, &lc, tg_test_rand(&seed), &ran, &refused);
  }
  TG_CHECK(ran > 50 && refused > 5); /* both branches exercised */
}

static void test_operator_without_bias(void) {
  const conv_layer_case lc = as_layer(&kCases[1]);
  conv_layer_check_operator_without_bias(&kLayer, &lc, 99u);
}

/* Prepare on the valid int8 case 0 (`valid`, generated first) after `mutate`: expects `want`. */
#define EXPECT_PREPARE(want, mutate) CONV_LAYER_EXPECT_PREPARE(&kLayer, &valid, want, mutate)

/* The errors DEPTHWISE_CONV_2D shares with CONV_2D (conv_layer_check_prepare_errors),
 * then its own: filter shapes and multipliers, the accumulation depth, its option ids. */
static void test_prepare_errors(void) {
  const conv_layer_case valid = as_layer(&kCases[0]);
  conv_layer_generate(&kLayer, &valid, 5u);
  conv_layer_check_prepare_errors(&kLayer, &valid);
  static const tg_test_field tanh_act[] = {{1, 4, 1}, {2, 4, 1}, {4, 1, TG_ACT_TANH}};
  static const tg_test_field dilation0[] = {{1, 4, 1}, {2, 4, 1}, {5, 4, 0}};
  static const tg_test_field mult2[] = {{1, 4, 1}, {2, 4, 1}, {3, 4, 2}};
  static const tg_test_field mult_absent[] = {{1, 4, 1}, {2, 4, 1}};
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 2); /* filter 2 channels, output 3 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[0] = 3); /* filter must be 1 x h x w x c */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 4; tg_test_dims(&C.tensors[3])[3] = 4); /* 4 not a multiple of 3 */
  /* 200x200 taps: past the accumulation depth that keeps int32 exact */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[1] = 200; tg_test_dims(&C.tensors[1])[2] = 200);
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(tanh_act, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(dilation0, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(mult2, 3)); /* option says 2, shapes say 1 */
  conv_layer_setup(&kLayer, &valid, TG_INT8);
  layer_use_options(mult_absent, 2); /* absent depth_multiplier: derived from the shapes */
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
}

int main(void) {
  TG_RUN(test_hand_computed);
  TG_RUN(test_kernels_against_reference);
  TG_RUN(test_kernel_without_bias);
  TG_RUN(test_operator_against_reference);
  TG_RUN(test_random_configurations);
  TG_RUN(test_operator_without_bias);
  TG_RUN(test_prepare_errors);
  return tg_test_summary("test_depthwise");
}
