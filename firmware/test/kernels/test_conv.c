/* CONV_2D: the int8 and float kernels and the operator (prepare + eval) against a
 * reference computed here over an explicitly padded input (tg_test_ref.h), over a table
 * of shapes: odd sizes, strides 1 and 2, SAME and VALID, dilation 2, groups, batch 2,
 * per-tensor and per-channel weights, every fused activation, saturating inputs. Then
 * every prepare error. */
#include <string.h>

#include "tg_test_ops.h"

#include "tg_test_conv_layer.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

extern const tg_op tg_op_conv_2d;

typedef struct {
  const char *name;
  int32_t n, h, w, ic, oc, kh, kw, sh, sw, dh, dw, padding, act, per_channel, groups, fill;
} conv_case;

static const conv_case kCases[] = {
    /* name                            n  h   w  ic oc kh kw sh sw dh dw padding       act               pc g fill */
    {"odd 7x5 3x3 SAME s1 RELU", 1, 7, 5, 3, 4, 3, 3, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_RELU, 1, 1, FILL_RANDOM},
    {"9x7 3x3 VALID s2 NONE", 1, 9, 7, 2, 3, 3, 3, 2, 2, 1, 1, TG_TEST_VALID, TG_ACT_NONE, 1, 1, FILL_RANDOM},
    {"even 8x6 SAME s2 RELU6 per-tensor", 1, 8, 6, 4, 5, 3, 3, 2, 2, 1, 1, TG_TEST_SAME, TG_ACT_RELU6, 0, 1,
     FILL_RANDOM},
    {"dilation 2 SAME RELU_N1_TO_1", 1, 9, 9, 3, 2, 3, 3, 1, 1, 2, 2, TG_TEST_SAME, TG_ACT_RELU_N1_TO_1, 1, 1,
     FILL_RANDOM},
    {"batch 2 5x1 dilation 2x1 VALID s2x1", 2, 11, 6, 2, 3, 5, 1, 2, 1, 2, 1, TG_TEST_VALID, TG_ACT_NONE, 1, 1,
     FILL_RANDOM},
    {"1x1 VALID", 1, 4, 4, 8, 6, 1, 1, 1, 1, 1, 1, TG_TEST_VALID, TG_ACT_NONE, 1, 1, FILL_RANDOM},
    {"grouped 2 groups SAME", 1, 5, 5, 6, 4, 3, 3, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_NONE, 1, 2, FILL_RANDOM},
    {"5x5 filter over 2x3 input SAME", 1, 2, 3, 2, 3, 5, 5, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_RELU, 1, 1,
     FILL_RANDOM},
    {"SAME s2 odd 7x7 dilation 2", 1, 7, 7, 3, 3, 3, 3, 2, 2, 2, 2, TG_TEST_SAME, TG_ACT_NONE, 0, 1, FILL_RANDOM},
    {"saturating inputs -128", 1, 5, 5, 3, 4, 3, 3, 1, 1, 1, 1, TG_TEST_SAME, TG_ACT_NONE, 1, 1, FILL_MIN},
    {"saturating inputs 127", 1, 5, 5, 3, 4, 3, 3, 2, 2, 1, 1, TG_TEST_VALID, TG_ACT_RELU6, 1, 1, FILL_MAX},
};

/* A row as the shared tests see it: the geometry and the options table in CONV_2D's
 * field order. */
static conv_layer_case as_layer(const conv_case *c) {
  conv_layer_case lc;
  memset(&lc, 0, sizeof(lc));
  lc.name = c->name;
  lc.act = c->act;
  lc.per_channel = c->per_channel;
  lc.fill = c->fill;
  tg_conv_args *a = &lc.args;
  a->input = (tg_dims4){c->n, c->h, c->w, c->ic};
  a->filter = (tg_dims4){c->oc, c->kh, c->kw, c->ic / c->groups};
  a->output = (tg_dims4){c->n, 0, 0, c->oc};
  conv_layer_window(a, c->padding, c->sh, c->sw, c->dh, c->dw);
  a->depth_multiplier = 1;
  const tg_test_field fields[] = {{0, 1, c->padding}, {1, 4, c->sw}, {2, 4, c->sh},
                                  {3, 1, c->act},     {4, 4, c->dw}, {5, 4, c->dh}};
  memcpy(lc.fields, fields, sizeof(fields));
  lc.n_fields = 6;
  return lc;
}

#if TG_KERNELS_OPT
static int conv_fast(const tg_conv_args *a) { return tg_conv_s8_opt_path(a) != TG_CONV_OPT_NONE; }
#else
static int conv_fast(const tg_conv_args *a) {
  (void)a;
  return 0;
}
#endif

static const conv_layer kLayer = {&tg_op_conv_2d, tg_conv_s8, tg_conv_f32, 0, 0, conv_fast};

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

/* A hand-computed case: 1x3x3x1 input, 2x2 filter of ones, VALID, zero points 0,
 * multiplier exactly 0.5 (in 1.0 x w 0.5 / out 1.0): out = round_half_up(sum / 2). */
static void test_hand_computed(void) {
  const int8_t in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const int8_t w[4] = {1, 1, 1, 1};
  int8_t out[4];
  tg_conv_args a = {{1, 3, 3, 1}, {1, 2, 2, 1}, {1, 2, 2, 1}, 1, 1, 0, 0, 1, 1, 1};
  int32_t m;
  int8_t s;
  tg_ref_multiplier(0.5, &m, &s);
  const tg_quant_args q = {0, 0, 0, &m, &s, 0, -128, 127};
  TG_CHECK_EQ_INT(tg_conv_s8(&a, &q, in, w, NULL, out), TG_OK);
  /* sums 12, 16, 24, 28 */
  const int8_t want[4] = {6, 8, 12, 14};
  TG_CHECK_EQ_ARRAY(out, want, 4);
  const int32_t bias = 1; /* 13/2 = 6.5 -> 7, 17/2 -> 9, 25/2 -> 13, 29/2 -> 15 */
  TG_CHECK_EQ_INT(tg_conv_s8(&a, &q, in, w, &bias, out), TG_OK);
  const int8_t want_b[4] = {7, 9, 13, 15};
  TG_CHECK_EQ_ARRAY(out, want_b, 4);
}

/* tg_conv_out_size / tg_conv_padding (used by every window operator's prepare) against
 * the formulas of tg_test_ref.h over a grid of sizes, windows, strides and dilations. */
static void test_padding_formulas(void) {
  int bad = 0;
  for (int32_t in = 1; in <= 12; ++in)
    for (int32_t k = 1; k <= 6; ++k)
      for (int32_t stride = 1; stride <= 4; ++stride)
        for (int32_t dil = 1; dil <= 3; ++dil)
          for (int32_t padding = 0; padding <= 1; ++padding) {
            const int32_t out = tg_conv_out_size(padding, in, k, stride, dil);
            bad += out != tg_ref_out_size(padding, in, k, stride, dil);
            if (out > 0) bad += tg_conv_padding(stride, dil, in, k, out) != tg_ref_pad_before(in, k, stride, dil, out);
          }
  TG_CHECK_EQ_INT(bad, 0);
  /* Worked examples: SAME 3x3 stride 2 on 7 -> 4 outputs, total padding 2 (1 on top);
   * on 8 -> 4 outputs, total 1 (0 on top, the extra row at the bottom). */
  TG_CHECK_EQ_INT(tg_conv_out_size(0, 7, 3, 2, 1), 4);
  TG_CHECK_EQ_INT(tg_conv_padding(2, 1, 7, 3, 4), 1);
  TG_CHECK_EQ_INT(tg_conv_out_size(0, 8, 3, 2, 1), 4);
  TG_CHECK_EQ_INT(tg_conv_padding(2, 1, 8, 3, 4), 0);
  TG_CHECK_EQ_INT(tg_conv_out_size(1, 9, 3, 1, 2), 5); /* VALID, dilation 2: effective 5 */
  TG_CHECK_EQ_INT(tg_conv_out_size(1, 4, 3, 1, 2), 0); /* does not fit */
  TG_CHECK_EQ_INT(tg_conv_out_size(0, 4, 3, 0, 1), 0); /* stride 0 */
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

/* Random shapes, strides, dilations, paddings, groups and activations: windows that
 * do not fit must be refused, the rest must match the reference. */
static void test_random_configurations(void) {
  uint32_t seed = 99991u;
  int ran = 0, refused = 0;
  for (int i = 0; i < 150; ++i) {
    conv_case c = {"random", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, FILL_RANDOM};
    c.n = tg_test_rand_range(&seed, 1, 2);
    c.h = tg_test_rand_range(&seed, 1, 10);
    c.w = tg_test_rand_range(&seed, 1, 10);
    c.groups = tg_test_rand_range(&seed, 1, 2);
    c.ic = c.groups * tg_test_rand_range(&seed, 1, 4);
    c.oc = c.groups * tg_test_rand_range(&seed, 1, 3);
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

/* The errors CONV_2D shares with DEPTHWISE_CONV_2D (conv_layer_check_prepare_errors),
 * then its own: filter shapes and groups, the accumulation depth, its option ids. */
static void test_prepare_errors(void) {
  const conv_layer_case valid = as_layer(&kCases[0]);
  conv_layer_generate(&kLayer, &valid, 5u);
  conv_layer_check_prepare_errors(&kLayer, &valid);
  static const tg_test_field tanh_act[] = {{1, 4, 1}, {2, 4, 1}, {3, 1, TG_ACT_TANH}};
  static const tg_test_field dilation0[] = {{1, 4, 1}, {2, 4, 1}, {4, 4, 0}};
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 2);  /* 3 input channels, filter 2 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[0] = 3);  /* filter 3 out channels, output 4 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 1);  /* 3 groups cannot share 4 output channels */
  /* 3x3x40000 taps: past the accumulation depth that keeps int32 exact */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[0])[3] = 40000; tg_test_dims(&C.tensors[1])[3] = 40000);
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(tanh_act, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(dilation0, 3));
}

int main(void) {
  TG_RUN(test_hand_computed);
  TG_RUN(test_padding_formulas);
  TG_RUN(test_kernels_against_reference);
  TG_RUN(test_kernel_without_bias);
  TG_RUN(test_operator_against_reference);
  TG_RUN(test_random_configurations);
  TG_RUN(test_operator_without_bias);
  TG_RUN(test_prepare_errors);
  return tg_test_summary("test_conv");
}
