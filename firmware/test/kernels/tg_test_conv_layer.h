/* The tests CONV_2D and DEPTHWISE_CONV_2D share: one generated case (data, quantization,
 * expected outputs from a reference over an explicitly padded input, tg_test_ref.h), the
 * kernels and the operator (prepare + eval) held against it, random configurations, the
 * layer without bias. Each test file keeps what is its own: the table of shapes, how a
 * row becomes a geometry and an options table (conv_layer_case), the hand-computed case
 * and the prepare errors. Include after tg_test_ops.h, in one file per program. */
#ifndef TG_TEST_CONV_LAYER_H
#define TG_TEST_CONV_LAYER_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tg_kernels.h"
#include "tg_quant.h"
#include "tg_test.h"
#include "tg_test_layer.h"
#include "tg_test_ops.h"
#include "tg_test_ref.h"

#define MAXE 4096
#define MAXC 32

/* The operator and kernels under test. A depthwise layer has a [1, h, w, c * m] filter
 * and reads input channel o / m for output channel o; a convolution has an
 * [oc, h, w, ic / groups] filter and reads the input channels of o's group. */
typedef struct {
  const tg_op *op;
  tg_status (*kernel_s8)(const tg_conv_args *, const tg_quant_args *, const int8_t *, const int8_t *,
                         const int32_t *, int8_t *);
  tg_status (*kernel_f32)(const tg_conv_args *, const tg_act_f32 *, const float *, const float *, const float *,
                          float *);
  int depthwise;
  int32_t filter_qdim; /* the filter's quantized dimension: its output channels */
  int (*fast_s8)(const tg_conv_args *); /* KERNELS=opt: the operator's fast-path predicate */
} conv_layer;

/* One case as the shared code sees it: the geometry (output 0 x 0 when the window does
 * not fit), the quantization choices and the operator's options table. */
typedef struct {
  const char *name;
  tg_conv_args args;
  int32_t act, per_channel, fill;
  tg_test_field fields[8];
  int n_fields;
} conv_layer_case;

/* The window part of a geometry whose input and filter are set: output height and width
 * (0 when the window does not fit), strides, dilations and the padding before, by the
 * formulas of tg_test_ref.h. */
static inline void conv_layer_window(tg_conv_args *a, int32_t padding, int32_t sh, int32_t sw, int32_t dh,
                                     int32_t dw) {
  a->output.h = tg_ref_out_size(padding, a->input.h, a->filter.h, sh, dh);
  a->output.w = tg_ref_out_size(padding, a->input.w, a->filter.w, sw, dw);
  a->stride_h = sh;
  a->stride_w = sw;
  a->dilation_h = dh;
  a->dilation_w = dw;
  a->pad_h = tg_ref_pad_before(a->input.h, a->filter.h, sh, dh, a->output.h);
  a->pad_w = tg_ref_pad_before(a->input.w, a->filter.w, sw, dw, a->output.w);
}

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

/* Taps one output value sums over, per (ky, kx): the filter's depth, or 1 (depthwise). */
static inline int32_t conv_layer_taps(const conv_layer *L, const tg_conv_args *a) {
  return L->depthwise ? 1 : a->filter.c;
}

static inline void conv_layer_generate(const conv_layer *L, const conv_layer_case *c, uint32_t seed) {
  memset(&G, 0, sizeof(G));
  G.args = c->args;
  const tg_conv_args *a = &G.args;
  const int32_t in_elems = a->input.n * a->input.h * a->input.w * a->input.c;
  const int32_t w_elems = a->filter.n * a->filter.h * a->filter.w * a->filter.c;
  const int32_t depth = a->filter.h * a->filter.w * conv_layer_taps(L, a);
  G.out_elems = a->output.n * a->output.h * a->output.w * a->output.c;
  G.in_zp = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -20, 20) : 0;
  for (int32_t i = 0; i < in_elems; ++i) {
    G.in[i] = (int8_t)(c->fill == FILL_MIN ? -128 : c->fill == FILL_MAX ? 127 : tg_test_rand_range(&seed, -128, 127));
    G.fin[i] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  for (int32_t i = 0; i < w_elems; ++i) {
    const int32_t o = L->depthwise ? i % a->filter.c : i / depth; /* the weight's output channel */
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
    tg_ref_multiplier((double)G.in_scale * (double)G.w_scales[o] / (double)G.out_scale, &G.mult[o], &G.shift[o]);
  }
  TG_CHECK_EQ_INT(tg_activation_range_s8(c->act, G.out_scale, G.out_zp, &G.act_min, &G.act_max), TG_OK);
  tg_activation_range_f32(c->act, &G.fact.min, &G.fact.max);
}

/* Expected outputs over the padded input; counts requantized values more than one unit
 * away from the real-valued result (must be none). */
static inline int conv_layer_reference(const conv_layer *L) {
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
  const int32_t taps = conv_layer_taps(L, a);
  const int32_t groups = L->depthwise ? 1 : a->input.c / a->filter.c;
  const int32_t per_group = a->output.c / groups; /* convolution: output channels a group */
  int far = 0;
  for (int32_t b = 0; b < a->output.n; ++b)
    for (int32_t oy = 0; oy < a->output.h; ++oy)
      for (int32_t ox = 0; ox < a->output.w; ++ox)
        for (int32_t o = 0; o < a->output.c; ++o) {
          /* depthwise: output channel o = ic * m + j reads input channel ic; convolution:
           * the filter.c channels of group o / per_group */
          const int32_t first_ic = L->depthwise ? o / a->depth_multiplier : o / per_group * a->filter.c;
          int64_t acc = 0;
          double facc = 0.0;
          float fsum = 0.0f;
          for (int32_t ky = 0; ky < a->filter.h; ++ky)
            for (int32_t kx = 0; kx < a->filter.w; ++kx)
              for (int32_t i = 0; i < taps; ++i) {
                const int32_t y = oy * a->stride_h + ky * a->dilation_h;
                const int32_t x = ox * a->stride_w + kx * a->dilation_w;
                const int32_t pi = ((b * ph2 + y) * pw2 + x) * a->input.c + first_ic + i;
                const int32_t wi = L->depthwise ? (ky * a->filter.w + kx) * a->filter.c + o
                                                : ((o * a->filter.h + ky) * a->filter.w + kx) * taps + i;
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

static inline tg_quant_args conv_layer_quant_args(void) {
  tg_quant_args q = {-G.in_zp, 0, G.out_zp, G.mult, G.shift, 1, G.act_min, G.act_max};
  return q;
}

/* The int8 and float kernels on one case against the reference. */
static inline void conv_layer_check_kernels(const conv_layer *L, const conv_layer_case *c, uint32_t seed) {
  tg_test_current = c->name;
  conv_layer_generate(L, c, seed);
  TG_CHECK(G.out_elems > 0 && G.out_elems <= MAXE);
  TG_CHECK_EQ_INT(conv_layer_reference(L), 0);
  const tg_quant_args q = conv_layer_quant_args();
  memset(G.out, 0x55, sizeof(G.out));
  TG_CHECK_EQ_INT(L->kernel_s8(&G.args, &q, G.in, G.w, G.bias, G.out), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
  TG_CHECK_EQ_INT(L->kernel_f32(&G.args, &G.fact, G.fin, G.fw, G.fbias, G.fout), TG_OK);
  TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
  TG_CHECK_NEAR_ARRAY(G.fout, G.fexact, G.out_elems, 0.0, 0.0);
  if (c->fill != FILL_RANDOM) layer_check_clamped(G.expect, G.out_elems, G.act_min, G.act_max);
}

/* The kernels with a NULL bias: the reference with zero biases. */
static inline void conv_layer_check_kernels_without_bias(const conv_layer *L, const conv_layer_case *c,
                                                         uint32_t seed) {
  conv_layer_generate(L, c, seed);
  memset(G.bias, 0, sizeof(G.bias));
  memset(G.fbias, 0, sizeof(G.fbias));
  TG_CHECK_EQ_INT(conv_layer_reference(L), 0);
  const tg_quant_args q = conv_layer_quant_args();
  TG_CHECK_EQ_INT(L->kernel_s8(&G.args, &q, G.in, G.w, NULL, G.out), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
  TG_CHECK_EQ_INT(L->kernel_f32(&G.args, &G.fact, G.fin, G.fw, NULL, G.fout), TG_OK);
  TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
}

/* ---- the operator ------------------------------------------------------------------ */
static int32_t g_in_dims[4], g_w_dims[4], g_b_dims[1], g_out_dims[4];
static float g_in_scale[1], g_out_scale[1];
static int32_t g_in_zp[1], g_out_zp[1];

static inline void conv_layer_dims(int32_t *d, tg_dims4 s) { d[0] = s.n, d[1] = s.h, d[2] = s.w, d[3] = s.c; }

/* Tensors 0..3 (input, filter, bias, output) for the current G, int8 or float. */
static inline void conv_layer_setup(const conv_layer *L, const conv_layer_case *c, tg_type type) {
  const tg_conv_args *a = &G.args;
  conv_layer_dims(g_in_dims, a->input);
  conv_layer_dims(g_w_dims, a->filter);
  g_b_dims[0] = a->output.c;
  conv_layer_dims(g_out_dims, a->output);
  const int f = type == TG_FLOAT32;
  tg_test_tensor(&C.tensors[0], type, 4, g_in_dims, f ? (void *)G.fin : (void *)G.in);
  tg_test_tensor(&C.tensors[1], type, 4, g_w_dims, f ? (void *)G.fw : (void *)G.w);
  tg_test_tensor(&C.tensors[2], f ? TG_FLOAT32 : TG_INT32, 1, g_b_dims, f ? (void *)G.fbias : (void *)G.bias);
  tg_test_tensor(&C.tensors[3], type, 4, g_out_dims, f ? (void *)G.fout : (void *)G.out);
  if (!f) {
    g_in_scale[0] = G.in_scale, g_in_zp[0] = G.in_zp, g_out_scale[0] = G.out_scale, g_out_zp[0] = G.out_zp;
    tg_test_quant(&C.tensors[0], 1, g_in_scale, g_in_zp, 0);
    tg_test_quant(&C.tensors[1], c->per_channel ? a->output.c : 1, G.w_scales, G.w_zps, L->filter_qdim);
    tg_test_quant(&C.tensors[3], 1, g_out_scale, g_out_zp, 0);
  }
  tg_test_options(&g_opts, c->fields, c->n_fields);
  tg_test_node_init(&g_node, 3, &g_opts, &C);
}

/* prepare + eval of the operator, int8 then float, against the reference. */
static inline void conv_layer_run_operator(const conv_layer *L, const conv_layer_case *c, uint32_t seed) {
  conv_layer_generate(L, c, seed);
  TG_CHECK_EQ_INT(conv_layer_reference(L), 0);
  for (int t = 0; t < 2; ++t) {
    conv_layer_setup(L, c, t == 0 ? TG_INT8 : TG_FLOAT32);
    TG_CHECK_EQ_INT(L->op->prepare(&C, &g_node.node), TG_OK);
    if (C.last != TG_OK) printf("     %s\n", C.message);
    TG_CHECK_EQ_INT(g_node.node.kernel_path, layer_expected_path(t == 0 && L->fast_s8(&G.args)));
    memset(G.out, 0x55, sizeof(G.out));
    memset(G.fout, 0, sizeof(G.fout));
    TG_CHECK_EQ_INT(L->op->eval(&C, &g_node.node), TG_OK);
    if (t == 0) {
      TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
    } else {
      TG_CHECK_NEAR_ARRAY(G.fout, G.fexact, G.out_elems, 0.0, 0.0);
    }
  }
}

/* One random configuration: a window that does not fit must be refused, any other must
 * match the reference. Counts which of the two it was. */
static inline void conv_layer_run_random(const conv_layer *L, const conv_layer_case *c, uint32_t seed, int *ran,
                                         int *refused) {
  if (c->args.output.h == 0 || c->args.output.w == 0) {
    conv_layer_generate(L, c, seed);
    conv_layer_setup(L, c, TG_INT8);
    TG_CHECK_EQ_INT(L->op->prepare(&C, &g_node.node), TG_ERR_SHAPE);
    ++*refused;
    return;
  }
  conv_layer_run_operator(L, c, seed);
  ++*ran;
}

/* The operator without its bias, omitted by count and by index. */
static inline void conv_layer_check_operator_without_bias(const conv_layer *L, const conv_layer_case *c,
                                                          uint32_t seed) {
  conv_layer_generate(L, c, seed);
  memset(G.bias, 0, sizeof(G.bias));
  TG_CHECK_EQ_INT(conv_layer_reference(L), 0);
  for (int by_index = 0; by_index < 2; ++by_index) {
    conv_layer_setup(L, c, TG_INT8);
    if (by_index) {
      g_node.inputs[2] = -1;
    } else {
      g_node.node.n_inputs = 2;
    }
    TG_CHECK_EQ_INT(L->op->prepare(&C, &g_node.node), TG_OK);
    TG_CHECK_EQ_INT(L->op->eval(&C, &g_node.node), TG_OK);
    TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
  }
}

/* The prepare errors both operators share, each on the valid int8 case `valid` (a 7x5
 * SAME layer with 3x3 filters, generated by the caller) after one mutation. The window
 * options used here have the same field ids in both operators (padding 0, stride_w 1,
 * stride_h 2). */
#define CONV_LAYER_EXPECT_PREPARE(L, valid, want, mutate) \
  LAYER_EXPECT_PREPARE((L)->op, conv_layer_setup(L, valid, TG_INT8), want, mutate)

static inline void conv_layer_check_prepare_errors(const conv_layer *L, const conv_layer_case *valid) {
  static const float two_scales[2] = {0.01f, 0.02f};
  static const tg_test_field valid_1x1[] = {{0, 1, TG_TEST_VALID}, {1, 4, 1}, {2, 4, 1}};
  static const tg_test_field stride0[] = {{0, 1, 0}, {1, 4, 0}, {2, 4, 1}};
  static const tg_test_field padding2[] = {{0, 1, 2}, {1, 4, 1}, {2, 4, 1}};
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_MODEL_INVALID, g_node.node.n_inputs = 1);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_MODEL_INVALID, g_node.inputs[1] = 7);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_MODEL_INVALID, g_node.node.n_outputs = 0);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_UNSUPPORTED_TYPE, C.tensors[0].type = TG_INT16;
                            C.tensors[1].type = TG_INT16);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_UNSUPPORTED_TYPE, C.tensors[3].type = TG_FLOAT32);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_UNSUPPORTED_TYPE, C.tensors[2].type = TG_FLOAT32);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_HYBRID, C.tensors[0].type = TG_FLOAT32;
                            C.tensors[3].type = TG_FLOAT32);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_SHAPE, C.tensors[0].ndims = 3);
  /* output height disagrees with SAME */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_SHAPE, tg_test_dims(&C.tensors[3])[1] += 1);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_SHAPE, tg_test_dims(&C.tensors[3])[0] = 2); /* batch */
  /* a bias one short of the output channels */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_SHAPE, C.tensors[2].elements = valid->args.output.c - 1);
  /* a 9x9 VALID window does not fit a 7x5 input */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[1] = 9;
                            tg_test_dims(&C.tensors[1])[2] = 9; layer_use_options(valid_1x1, 3));
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, C.tensors[1].n_scales = 2; C.tensors[1].scales = two_scales);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, C.tensors[1].zero_point = 1);
  /* per-channel scales along a dimension other than the output channels */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, C.tensors[1].quantized_dimension = L->filter_qdim == 0 ? 3 : 0);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, C.tensors[0].n_scales = 0);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, g_out_scale[0] = 0.0f);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, C.tensors[0].zero_point = 300);
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_QUANT, g_out_scale[0] = 1e-20f); /* effective scale past 2^30 */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_OPTIONS, layer_use_options(stride0, 3));
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_OPTIONS, layer_use_options(padding2, 3));
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_OPTIONS, C.options.table = 0); /* no options: stride 0 */
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_ARENA_TOO_SMALL, C.capacity = 16);
  /* One byte less than a successful prepare used: the multipliers no longer fit. */
  conv_layer_setup(L, valid, TG_INT8);
  TG_CHECK_EQ_INT(L->op->prepare(&C, &g_node.node), TG_OK);
  const size_t used = C.used;
  CONV_LAYER_EXPECT_PREPARE(L, valid, TG_ERR_ARENA_TOO_SMALL, C.capacity = used - 1);
}

#endif
