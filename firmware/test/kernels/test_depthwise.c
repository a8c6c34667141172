/* DEPTHWISE_CONV_2D: the int8 and float kernels and the operator (prepare + eval)
 * against a reference computed here over an explicitly padded input (tg_test_ref.h),
 * over a table of shapes: depth multipliers 1, 2 and 3, odd sizes, strides 1 and 2,
 * SAME and VALID, dilation 2, batch 2, per-tensor and per-channel weights, every fused
 * activation, saturating inputs. Then every prepare error. */
#include <math.h>
#include <string.h>

#include "tg_kernels.h"
#include "tg_quant.h"
#include "tg_test.h"
#include "tg_test_ops.h"
#include "tg_test_ref.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

extern const tg_op tg_op_depthwise_conv_2d;

#define MAXE 4096
#define MAXC 32

enum { FILL_RANDOM = 0, FILL_MIN = 1, FILL_MAX = 2 };

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

/* One generated case: data, quantization, and the expected output. */
typedef struct {
  tg_conv_args args;
  int32_t out_elems;
  int8_t in[MAXE], w[MAXE], out[MAXE], expect[MAXE], padded[2 * MAXE];
  int32_t bias[MAXC];
  float w_scales[MAXC];
  int32_t w_zps[MAXC];
  float in_scale, out_scale;
  int32_t in_zp, out_zp;
  int32_t mult[MAXC];
  int8_t shift[MAXC];
  int32_t act_min, act_max;
  float fin[MAXE], fw[MAXE], fbias[MAXC], fout[MAXE], fexpect[MAXE], fpadded[2 * MAXE];
  float fexact[MAXE]; /* float sums in the reference's order: must match bit for bit */
  tg_act_f32 fact;
} gen_case;

static gen_case G;
static tg_ctx C;

static void make_geometry(const dw_case *c, tg_conv_args *a) {
  a->input = (tg_dims4){c->n, c->h, c->w, c->ic};
  a->filter = (tg_dims4){1, c->kh, c->kw, c->ic * c->mult};
  a->output = (tg_dims4){c->n, tg_ref_out_size(c->padding, c->h, c->kh, c->sh, c->dh),
                         tg_ref_out_size(c->padding, c->w, c->kw, c->sw, c->dw), c->ic * c->mult};
  a->stride_h = c->sh;
  a->stride_w = c->sw;
  a->dilation_h = c->dh;
  a->dilation_w = c->dw;
  a->pad_h = tg_ref_pad_before(c->h, c->kh, c->sh, c->dh, a->output.h);
  a->pad_w = tg_ref_pad_before(c->w, c->kw, c->sw, c->dw, a->output.w);
  a->depth_multiplier = c->mult;
}

static void generate(const dw_case *c, uint32_t seed) {
  memset(&G, 0, sizeof(G));
  make_geometry(c, &G.args);
  const tg_conv_args *a = &G.args;
  const int32_t in_elems = a->input.n * a->input.h * a->input.w * a->input.c;
  const int32_t w_elems = a->filter.n * a->filter.h * a->filter.w * a->filter.c;
  const int32_t depth = a->filter.h * a->filter.w;
  G.out_elems = a->output.n * a->output.h * a->output.w * a->output.c;
  G.in_zp = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -20, 20) : 0;
  for (int32_t i = 0; i < in_elems; ++i) {
    G.in[i] = (int8_t)(c->fill == FILL_MIN ? -128 : c->fill == FILL_MAX ? 127 : tg_test_rand_range(&seed, -128, 127));
    G.fin[i] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  for (int32_t i = 0; i < w_elems; ++i) {
    const int32_t o = i % a->filter.c;
    G.w[i] = (int8_t)(c->fill != FILL_RANDOM ? (o % 2 == 0 ? 127 : -128) : tg_test_rand_range(&seed, -128, 127));
    G.fw[i] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  G.in_scale = 0.05f;
  for (int32_t o = 0; o < a->output.c; ++o) {
    G.w_scales[o] = c->per_channel ? 0.01f * (0.5f + (float)tg_test_rand_range(&seed, 0, 1000) / 1000.0f) : 0.01f;
    G.bias[o] = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -3000, 3000) : 0;
    G.fbias[o] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  /* Random products have a spread of about 74 * 74 per term: aim the output at ~50 units. */
  G.out_scale = G.in_scale * 0.01f * 5476.0f * sqrtf((float)depth) / 50.0f;
  G.out_zp = tg_test_rand_range(&seed, -10, 10);
  for (int32_t o = 0; o < a->output.c; ++o) {
    tg_ref_multiplier((double)G.in_scale * (double)G.w_scales[o] / (double)G.out_scale, &G.mult[o],
                           &G.shift[o]);
  }
  TG_CHECK_EQ_INT(tg_activation_range_s8(c->act, G.out_scale, G.out_zp, &G.act_min, &G.act_max), TG_OK);
  tg_activation_range_f32(c->act, &G.fact.min, &G.fact.max);
}

/* Expected outputs over the padded input; counts requantized values more than one unit
 * away from the real-valued result (must be none). */
static int reference(const dw_case *c) {
  const tg_conv_args *a = &G.args;
  const int32_t ph = (a->output.h - 1) * a->stride_h + (a->filter.h - 1) * a->dilation_h + 1;
  const int32_t pw = (a->output.w - 1) * a->stride_w + (a->filter.w - 1) * a->dilation_w + 1;
  const int32_t ph2 = ph > a->input.h + a->pad_h ? ph : a->input.h + a->pad_h;
  const int32_t pw2 = pw > a->input.w + a->pad_w ? pw : a->input.w + a->pad_w;
  TG_CHECK(a->input.n * ph2 * pw2 * a->input.c <= 2 * MAXE);
  tg_ref_pad_s8(G.in, a->input.n, a->input.h, a->input.w, a->input.c, a->pad_h, a->pad_w, ph2, pw2,
                (int8_t)G.in_zp, G.padded);
  tg_ref_pad_f32(G.fin, a->input.n, a->input.h, a->input.w, a->input.c, a->pad_h, a->pad_w, ph2, pw2, 0.0f,
                 G.fpadded);
  const int32_t m = c->mult;
  int far = 0;
  for (int32_t b = 0; b < a->output.n; ++b)
    for (int32_t oy = 0; oy < a->output.h; ++oy)
      for (int32_t ox = 0; ox < a->output.w; ++ox)
        for (int32_t o = 0; o < a->output.c; ++o) {
          const int32_t ic = o / m; /* output channel o = ic * m + j reads input channel ic */
          int64_t acc = 0;
          double facc = 0.0;
          float fsum = 0.0f;
          for (int32_t ky = 0; ky < a->filter.h; ++ky)
            for (int32_t kx = 0; kx < a->filter.w; ++kx) {
              const int32_t y = oy * a->stride_h + ky * a->dilation_h;
              const int32_t x = ox * a->stride_w + kx * a->dilation_w;
              const int32_t pi = ((b * ph2 + y) * pw2 + x) * a->input.c + ic;
              const int32_t wi = (ky * a->filter.w + kx) * a->filter.c + o;
              acc += (int64_t)G.w[wi] * (G.padded[pi] - G.in_zp);
              facc += (double)G.fpadded[pi] * (double)G.fw[wi];
              fsum += G.fpadded[pi] * G.fw[wi]; /* padding adds 0: same value as skipping */
            }
          acc += G.bias[o];
          const int32_t oi = ((b * a->output.h + oy) * a->output.w + ox) * a->output.c + o;
          G.expect[oi] = tg_ref_requant(acc, G.mult[o], G.shift[o], G.out_zp, G.act_min, G.act_max);
          const double real = (double)acc * G.in_scale * G.w_scales[o] / G.out_scale;
          far += fabs((double)tg_multiply_by_quantized_multiplier((int32_t)acc, G.mult[o], G.shift[o]) - real) > 1.0;
          G.fexpect[oi] = tg_ref_clamp_f(facc + G.fbias[o], G.fact.min, G.fact.max);
          G.fexact[oi] = tg_ref_clamp_f(fsum + G.fbias[o], G.fact.min, G.fact.max);
        }
  return far;
}

static tg_quant_args quant_args(void) {
  tg_quant_args q = {-G.in_zp, 0, G.out_zp, G.mult, G.shift, 1, G.act_min, G.act_max};
  return q;
}

static void test_kernels_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    const dw_case *c = &kCases[k];
    tg_test_current = c->name;
    generate(c, 1000u + (uint32_t)k);
    TG_CHECK(G.out_elems > 0 && G.out_elems <= MAXE);
    TG_CHECK_EQ_INT(reference(c), 0);
    const tg_quant_args q = quant_args();
    memset(G.out, 0x55, sizeof(G.out));
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&G.args, &q, G.in, G.w, G.bias, G.out), TG_OK);
    TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
    TG_CHECK_EQ_INT(tg_depthwise_conv_f32(&G.args, &G.fact, G.fin, G.fw, G.fbias, G.fout), TG_OK);
    TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
    TG_CHECK_NEAR_ARRAY(G.fout, G.fexact, G.out_elems, 0.0, 0.0);
    if (c->fill != FILL_RANDOM) { /* the case is only meaningful if the clamp engaged */
      int lo = 0, hi = 0;
      for (int32_t i = 0; i < G.out_elems; ++i) {
        lo += G.expect[i] == G.act_min;
        hi += G.expect[i] == G.act_max;
      }
      TG_CHECK(lo > 0 && hi > 0);
    }
  }
  tg_test_current = "test_kernels_against_reference";
}

static void test_kernel_without_bias(void) {
  generate(&kCases[0], 77u);
  memset(G.bias, 0, sizeof(G.bias));
  memset(G.fbias, 0, sizeof(G.fbias));
  TG_CHECK_EQ_INT(reference(&kCases[0]), 0);
  const tg_quant_args q = quant_args();
  TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&G.args, &q, G.in, G.w, NULL, G.out), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
  TG_CHECK_EQ_INT(tg_depthwise_conv_f32(&G.args, &G.fact, G.fin, G.fw, NULL, G.fout), TG_OK);
  TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
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
static int32_t g_in_dims[4], g_w_dims[4], g_b_dims[1], g_out_dims[4];
static float g_in_scale[1], g_out_scale[1];
static int32_t g_in_zp[1], g_out_zp[1];
static tg_test_opts g_opts;
static tg_test_node g_node;

/* Tensors 0..3 (input, filter, bias, output) for the current G, int8 or float. */
static void setup_op(const dw_case *c, tg_type type) {
  const tg_conv_args *a = &G.args;
  g_in_dims[0] = a->input.n, g_in_dims[1] = a->input.h, g_in_dims[2] = a->input.w, g_in_dims[3] = a->input.c;
  g_w_dims[0] = a->filter.n, g_w_dims[1] = a->filter.h, g_w_dims[2] = a->filter.w, g_w_dims[3] = a->filter.c;
  g_b_dims[0] = a->output.c;
  g_out_dims[0] = a->output.n, g_out_dims[1] = a->output.h, g_out_dims[2] = a->output.w, g_out_dims[3] = a->output.c;
  const int f = type == TG_FLOAT32;
  tg_test_tensor(&C.tensors[0], type, 4, g_in_dims, f ? (void *)G.fin : (void *)G.in);
  tg_test_tensor(&C.tensors[1], type, 4, g_w_dims, f ? (void *)G.fw : (void *)G.w);
  tg_test_tensor(&C.tensors[2], f ? TG_FLOAT32 : TG_INT32, 1, g_b_dims, f ? (void *)G.fbias : (void *)G.bias);
  tg_test_tensor(&C.tensors[3], type, 4, g_out_dims, f ? (void *)G.fout : (void *)G.out);
  if (!f) {
    g_in_scale[0] = G.in_scale, g_in_zp[0] = G.in_zp, g_out_scale[0] = G.out_scale, g_out_zp[0] = G.out_zp;
    tg_test_quant(&C.tensors[0], 1, g_in_scale, g_in_zp, 0);
    tg_test_quant(&C.tensors[1], c->per_channel ? a->output.c : 1, G.w_scales, G.w_zps, 3);
    tg_test_quant(&C.tensors[3], 1, g_out_scale, g_out_zp, 0);
  }
  const tg_test_field fields[] = {{0, 1, c->padding}, {1, 4, c->sw}, {2, 4, c->sh}, {3, 4, c->mult},
                                  {4, 1, c->act},     {5, 4, c->dw}, {6, 4, c->dh}};
  tg_test_options(&g_opts, fields, 7);
  tg_test_node_init(&g_node, 3, &g_opts, &C);
}

/* The kernel path prepare must report: with KERNELS=opt the operator's own fast-path
 * predicate decides (int8 only; float32 and shapes that miss it fall back), with
 * KERNELS=ref every layer runs the reference. */
#if TG_KERNELS_OPT
#define dw_fast(a) (tg_depthwise_conv_s8_opt_path(a) != TG_DW_OPT_NONE)
static uint8_t expected_path(int fast_int8) { return fast_int8 ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK; }
#else
#define dw_fast(a) 0
static uint8_t expected_path(int fast_int8) {
  (void)fast_int8;
  return TG_PATH_REF;
}
#endif

/* prepare + eval of the operator, int8 then float, against the reference. */
static void run_operator(const dw_case *c, uint32_t seed) {
  generate(c, seed);
  TG_CHECK_EQ_INT(reference(c), 0);
  for (int t = 0; t < 2; ++t) {
    setup_op(c, t == 0 ? TG_INT8 : TG_FLOAT32);
    TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
    if (C.last != TG_OK) printf("     %s\n", C.message);
    TG_CHECK_EQ_INT(g_node.node.kernel_path, expected_path(t == 0 && dw_fast(&G.args)));
    memset(G.out, 0x55, sizeof(G.out));
    memset(G.fout, 0, sizeof(G.fout));
    TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.eval(&C, &g_node.node), TG_OK);
    if (t == 0) {
      TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
    } else {
      TG_CHECK_NEAR_ARRAY(G.fout, G.fexact, G.out_elems, 0.0, 0.0);
    }
  }
}

static void test_operator_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    tg_test_current = kCases[k].name;
    run_operator(&kCases[k], 2000u + (uint32_t)k);
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
    const uint32_t data_seed = tg_test_rand(&seed);
    if (tg_ref_out_size(c.padding, c.h, c.kh, c.sh, c.dh) == 0 ||
        tg_ref_out_size(c.padding, c.w, c.kw, c.sw, c.dw) == 0) {
      generate(&c, data_seed);
      setup_op(&c, TG_INT8);
      TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_ERR_SHAPE);
      ++refused;
      continue;
    }
    run_operator(&c, data_seed);
    ++ran;
  }
  TG_CHECK(ran > 50 && refused > 5); /* both branches exercised */
}

static void test_operator_without_bias(void) {
  generate(&kCases[1], 99u);
  memset(G.bias, 0, sizeof(G.bias));
  reference(&kCases[1]);
  setup_op(&kCases[1], TG_INT8);
  g_node.node.n_inputs = 2; /* bias omitted by count */
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.eval(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
  setup_op(&kCases[1], TG_INT8);
  g_node.inputs[2] = -1; /* bias omitted by index */
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.eval(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
}

/* Runs prepare on the valid int8 case after `mutate` and expects `want`. */
#define EXPECT_PREPARE(want, mutate)                                                                           \
  do {                                                                                                         \
    setup_op(&kCases[0], TG_INT8);                                                                             \
    mutate;                                                                                                    \
    const tg_status st_ = tg_op_depthwise_conv_2d.prepare(&C, &g_node.node);                                   \
    TG_CHECK_EQ_INT(st_, want);                                                                                \
    TG_CHECK(C.last == (want) && C.message[0] != '\0');                                                        \
  } while (0)

static void use_options(const tg_test_field *f, int n) {
  tg_test_options(&g_opts, f, n);
  C.options = g_opts.table;
}

static void test_prepare_errors(void) {
  generate(&kCases[0], 5u);
  static const float two_scales[2] = {0.01f, 0.02f};
  static const tg_test_field valid_1x1[] = {{0, 1, TG_TEST_VALID}, {1, 4, 1}, {2, 4, 1}};
  static const tg_test_field stride0[] = {{0, 1, 0}, {1, 4, 0}, {2, 4, 1}};
  static const tg_test_field padding2[] = {{0, 1, 2}, {1, 4, 1}, {2, 4, 1}};
  static const tg_test_field tanh_act[] = {{1, 4, 1}, {2, 4, 1}, {4, 1, TG_ACT_TANH}};
  static const tg_test_field dilation0[] = {{1, 4, 1}, {2, 4, 1}, {5, 4, 0}};
  static const tg_test_field mult2[] = {{1, 4, 1}, {2, 4, 1}, {3, 4, 2}};
  static const tg_test_field mult_absent[] = {{1, 4, 1}, {2, 4, 1}};
  EXPECT_PREPARE(TG_ERR_MODEL_INVALID, g_node.node.n_inputs = 1);
  EXPECT_PREPARE(TG_ERR_MODEL_INVALID, g_node.inputs[1] = 7);
  EXPECT_PREPARE(TG_ERR_MODEL_INVALID, g_node.node.n_outputs = 0);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[0].type = TG_INT16; C.tensors[1].type = TG_INT16);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[3].type = TG_FLOAT32);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[2].type = TG_FLOAT32);
  EXPECT_PREPARE(TG_ERR_HYBRID, C.tensors[0].type = TG_FLOAT32; C.tensors[3].type = TG_FLOAT32);
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[0].ndims = 3);
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 2); /* filter 2 channels, output 3 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[0] = 3); /* filter must be 1 x h x w x c */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 4; tg_test_dims(&C.tensors[3])[3] = 4); /* 4 not a multiple of 3 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[3])[1] += 1); /* output height disagrees with SAME */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[3])[0] = 2);  /* batch */
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[2].elements = 2); /* bias of 2, 3 channels */
  /* 200x200 taps: past the accumulation depth that keeps int32 exact */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[1] = 200; tg_test_dims(&C.tensors[1])[2] = 200);
  /* a 9x9 VALID window does not fit a 7x5 input */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[1] = 9; tg_test_dims(&C.tensors[1])[2] = 9; use_options(valid_1x1, 3));
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[1].n_scales = 2; C.tensors[1].scales = two_scales);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[1].zero_point = 1);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[1].quantized_dimension = 0);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[0].n_scales = 0);
  EXPECT_PREPARE(TG_ERR_QUANT, g_out_scale[0] = 0.0f);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[0].zero_point = 300);
  EXPECT_PREPARE(TG_ERR_OPTIONS, use_options(stride0, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, use_options(padding2, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, use_options(tanh_act, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, use_options(dilation0, 3));
  EXPECT_PREPARE(TG_ERR_OPTIONS, use_options(mult2, 3)); /* option says 2, shapes say 1 */
  setup_op(&kCases[0], TG_INT8);
  use_options(mult_absent, 2); /* absent depth_multiplier: derived from the shapes */
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
  EXPECT_PREPARE(TG_ERR_OPTIONS, C.options.table = 0); /* no options: stride 0 */
  EXPECT_PREPARE(TG_ERR_ARENA_TOO_SMALL, C.capacity = 16);
  /* One byte less than a successful prepare used: the multipliers no longer fit. */
  setup_op(&kCases[0], TG_INT8);
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &g_node.node), TG_OK);
  const size_t used = C.used;
  EXPECT_PREPARE(TG_ERR_ARENA_TOO_SMALL, C.capacity = used - 1);
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
