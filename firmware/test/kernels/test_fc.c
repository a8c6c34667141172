/* FULLY_CONNECTED: int8 and float kernels and the operator against a reference computed
 * here (exact int64 dot products, then TFLite's requantization), over batches, odd
 * depths, per-tensor (TFLM's float scale product), per-channel and asymmetric weights,
 * every fused activation and saturating inputs; keep_num_dims shapes; every prepare
 * error. */
#include <math.h>
#include <string.h>

#include "tg_kernels.h"
#include "tg_quant.h"
#include "tg_test.h"
#include "tg_test_layer.h"
#include "tg_test_ops.h"
#include "tg_test_ref.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

extern const tg_op tg_op_fully_connected;

#define MAXE 8192
#define MAXU 32

typedef struct {
  const char *name;
  int32_t batches, depth, units, per_channel, w_zp, act, fill;
} fc_case;

static const fc_case kCases[] = {
    /* name                              b  depth units pc w_zp act               fill */
    {"1x16 -> 16 per-tensor RELU", 1, 16, 16, 0, 0, TG_ACT_RELU, FILL_RANDOM},
    {"3 batches odd depth 33 -> 5", 3, 33, 5, 0, 0, TG_ACT_NONE, FILL_RANDOM},
    {"per-channel 250 -> 7 RELU6", 1, 250, 7, 1, 0, TG_ACT_RELU6, FILL_RANDOM},
    {"asymmetric weights zp 3", 2, 9, 4, 0, 3, TG_ACT_RELU_N1_TO_1, FILL_RANDOM},
    {"single unit depth 1", 4, 1, 1, 0, 0, TG_ACT_NONE, FILL_RANDOM},
    {"saturating inputs -128", 1, 64, 6, 1, 0, TG_ACT_NONE, FILL_MIN},
    {"saturating inputs 127", 2, 31, 6, 0, 0, TG_ACT_NONE, FILL_MAX},
};

typedef struct {
  tg_fc_args args;
  int32_t out_elems;
  int8_t in[MAXE], w[MAXE], out[MAXE], expect[MAXE];
  int32_t bias[MAXU];
  float w_scales[MAXU];
  int32_t w_zps[MAXU];
  float in_scale, out_scale, bias_scale;
  int32_t in_zp, out_zp;
  int32_t mult[MAXU];
  int8_t shift[MAXU];
  int32_t act_min, act_max;
  float fin[MAXE], fw[MAXE], fbias[MAXU], fout[MAXE], fexpect[MAXE];
  tg_act_f32 fact;
} gen_case;

static gen_case G;

static void generate(const fc_case *c, uint32_t seed) {
  memset(&G, 0, sizeof(G));
  G.args = (tg_fc_args){c->batches, c->depth, c->units};
  G.out_elems = c->batches * c->units;
  G.in_zp = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -20, 20) : 0;
  for (int32_t i = 0; i < c->batches * c->depth; ++i) {
    G.in[i] = (int8_t)(c->fill == FILL_MIN ? -128 : c->fill == FILL_MAX ? 127 : tg_test_rand_range(&seed, -128, 127));
    G.fin[i] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  for (int32_t i = 0; i < c->units * c->depth; ++i) {
    const int32_t u = i / c->depth;
    G.w[i] = (int8_t)(c->fill != FILL_RANDOM ? (u % 2 == 0 ? 127 : -128) : tg_test_rand_range(&seed, -128, 127));
    G.fw[i] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  G.in_scale = 0.031f;
  for (int32_t u = 0; u < c->units; ++u) {
    G.w_scales[u] = c->per_channel ? 0.007f * (0.5f + (float)tg_test_rand_range(&seed, 0, 1000) / 1000.0f) : 0.007f;
    G.w_zps[u] = c->w_zp;
    G.bias[u] = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -3000, 3000) : 0;
    G.fbias[u] = (float)tg_test_rand_range(&seed, -1000, 1000) / 1000.0f;
  }
  G.bias_scale = G.in_scale * G.w_scales[0];
  G.out_scale = G.in_scale * 0.007f * 5476.0f * sqrtf((float)c->depth) / 50.0f;
  G.out_zp = tg_test_rand_range(&seed, -10, 10);
  for (int32_t u = 0; u < c->units; ++u) {
    /* TFLM: per-tensor takes the input x weights scale product in float, per-channel in double. */
    const double product =
        c->per_channel ? (double)G.in_scale * (double)G.w_scales[u] : (double)(G.in_scale * G.w_scales[0]);
    tg_ref_multiplier(product / (double)G.out_scale, &G.mult[u], &G.shift[u]);
  }
  TG_CHECK_EQ_INT(tg_activation_range_s8(c->act, G.out_scale, G.out_zp, &G.act_min, &G.act_max), TG_OK);
  tg_activation_range_f32(c->act, &G.fact.min, &G.fact.max);
}

static int reference(const fc_case *c) {
  int far = 0;
  for (int32_t b = 0; b < c->batches; ++b)
    for (int32_t u = 0; u < c->units; ++u) {
      int64_t acc = 0;
      double facc = 0.0;
      for (int32_t d = 0; d < c->depth; ++d) {
        acc += (int64_t)(G.w[u * c->depth + d] - c->w_zp) * (G.in[b * c->depth + d] - G.in_zp);
        facc += (double)G.fw[u * c->depth + d] * (double)G.fin[b * c->depth + d];
      }
      acc += G.bias[u];
      G.expect[b * c->units + u] = tg_ref_requant(acc, G.mult[u], G.shift[u], G.out_zp, G.act_min, G.act_max);
      const double real = (double)acc * G.in_scale * G.w_scales[u] / G.out_scale;
      far += fabs((double)tg_multiply_by_quantized_multiplier((int32_t)acc, G.mult[u], G.shift[u]) - real) > 1.0;
      G.fexpect[b * c->units + u] = tg_ref_clamp_f(facc + G.fbias[u], G.fact.min, G.fact.max);
    }
  return far;
}

static void test_kernels_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    const fc_case *c = &kCases[k];
    tg_test_current = c->name;
    generate(c, 300u + (uint32_t)k);
    TG_CHECK_EQ_INT(reference(c), 0);
    const tg_quant_args q = {-G.in_zp, -c->w_zp, G.out_zp, G.mult, G.shift, c->per_channel, G.act_min, G.act_max};
    memset(G.out, 0x55, sizeof(G.out));
    TG_CHECK_EQ_INT(tg_fully_connected_s8(&G.args, &q, G.in, G.w, G.bias, G.out), TG_OK);
    TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
    TG_CHECK_EQ_INT(tg_fully_connected_f32(&G.args, &G.fact, G.fin, G.fw, G.fbias, G.fout), TG_OK);
    TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
    if (c->fill != FILL_RANDOM) layer_check_clamped(G.expect, G.out_elems, G.act_min, G.act_max);
  }
  tg_test_current = "test_kernels_against_reference";
}

/* Hand-computed: one unit, weights {1, -1, 2}, input {10, 20, 30} with zero point 5
 * (so 5, 15, 25): 5 - 15 + 50 = 40; x 0.25 = 10, + output zero point 3 = 13. With bias
 * 2: 42 x 0.5 = 21 exactly, then / 2 = 10.5 rounds away from zero to 11, + 3 = 14. */
static void test_hand_computed(void) {
  const int8_t in[3] = {10, 20, 30};
  const int8_t w[3] = {1, -1, 2};
  int8_t out[1];
  const tg_fc_args a = {1, 3, 1};
  int32_t m;
  int8_t s;
  tg_ref_multiplier(0.25, &m, &s);
  const tg_quant_args q = {-5, 0, 3, &m, &s, 0, -128, 127};
  TG_CHECK_EQ_INT(tg_fully_connected_s8(&a, &q, in, w, NULL, out), TG_OK);
  TG_CHECK_EQ_INT(out[0], 13);
  const int32_t bias = 2;
  TG_CHECK_EQ_INT(tg_fully_connected_s8(&a, &q, in, w, &bias, out), TG_OK);
  TG_CHECK_EQ_INT(out[0], 14);
}

/* ---- the operator ------------------------------------------------------------------ */
static int32_t g_in_dims[4], g_w_dims[2], g_b_dims[1], g_out_dims[4];
static float g_in_scale[1], g_out_scale[1], g_bias_scale[1];
static int32_t g_in_zp[1], g_out_zp[1], g_bias_zp[1];

/* keep_num_dims: input [1, batches, 1, depth] -> output [1, batches, 1, units]; else
 * input [batches, depth] -> output [batches, units]. */
static void setup_op(const fc_case *c, tg_type type, int keep_num_dims) {
  const int f = type == TG_FLOAT32;
  int32_t rank;
  if (keep_num_dims) {
    rank = 4;
    g_in_dims[0] = 1, g_in_dims[1] = c->batches, g_in_dims[2] = 1, g_in_dims[3] = c->depth;
    g_out_dims[0] = 1, g_out_dims[1] = c->batches, g_out_dims[2] = 1, g_out_dims[3] = c->units;
  } else {
    rank = 2;
    g_in_dims[0] = c->batches, g_in_dims[1] = c->depth;
    g_out_dims[0] = c->batches, g_out_dims[1] = c->units;
  }
  g_w_dims[0] = c->units, g_w_dims[1] = c->depth;
  g_b_dims[0] = c->units;
  tg_test_tensor(&C.tensors[0], type, rank, g_in_dims, f ? (void *)G.fin : (void *)G.in);
  tg_test_tensor(&C.tensors[1], type, 2, g_w_dims, f ? (void *)G.fw : (void *)G.w);
  tg_test_tensor(&C.tensors[2], f ? TG_FLOAT32 : TG_INT32, 1, g_b_dims, f ? (void *)G.fbias : (void *)G.bias);
  tg_test_tensor(&C.tensors[3], type, rank, g_out_dims, f ? (void *)G.fout : (void *)G.out);
  if (!f) {
    g_in_scale[0] = G.in_scale, g_in_zp[0] = G.in_zp, g_out_scale[0] = G.out_scale, g_out_zp[0] = G.out_zp;
    g_bias_scale[0] = G.bias_scale, g_bias_zp[0] = 0;
    tg_test_quant(&C.tensors[0], 1, g_in_scale, g_in_zp, 0);
    tg_test_quant(&C.tensors[1], c->per_channel ? c->units : 1, G.w_scales, G.w_zps, 0);
    tg_test_quant(&C.tensors[2], 1, g_bias_scale, g_bias_zp, 0);
    tg_test_quant(&C.tensors[3], 1, g_out_scale, g_out_zp, 0);
  }
  const tg_test_field fields[] = {{0, 1, c->act}, {1, 1, 0}, {2, 1, keep_num_dims}};
  tg_test_options(&g_opts, fields, 3);
  tg_test_node_init(&g_node, 3, &g_opts, &C);
}

/* KERNELS=opt: the operator's fast-path predicate for case c (layer_expected_path). */
#if TG_KERNELS_OPT
#define fc_fast(c) (tg_fully_connected_s8_opt_applies(&G.args, &(tg_quant_args){.filter_offset = -(c)->w_zp}))
#else
#define fc_fast(c) 0
#endif

static void test_operator_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    const fc_case *c = &kCases[k];
    tg_test_current = c->name;
    generate(c, 400u + (uint32_t)k);
    TG_CHECK_EQ_INT(reference(c), 0);
    for (int t = 0; t < 4; ++t) {
      const tg_type type = t % 2 == 0 ? TG_INT8 : TG_FLOAT32;
      setup_op(c, type, t / 2);
      TG_CHECK_EQ_INT(tg_op_fully_connected.prepare(&C, &g_node.node), TG_OK);
      if (C.last != TG_OK) printf("     %s\n", C.message);
      TG_CHECK_EQ_INT(g_node.node.kernel_path, layer_expected_path(type == TG_INT8 && fc_fast(c)));
      memset(G.out, 0x55, sizeof(G.out));
      memset(G.fout, 0, sizeof(G.fout));
      TG_CHECK_EQ_INT(tg_op_fully_connected.eval(&C, &g_node.node), TG_OK);
      if (type == TG_INT8) {
        TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
      } else {
        TG_CHECK_NEAR_ARRAY(G.fout, G.fexpect, G.out_elems, 1e-5, 1e-5);
      }
    }
  }
  tg_test_current = "test_operator_against_reference";
}

static void test_operator_without_bias(void) {
  generate(&kCases[1], 9u);
  memset(G.bias, 0, sizeof(G.bias));
  TG_CHECK_EQ_INT(reference(&kCases[1]), 0);
  setup_op(&kCases[1], TG_INT8, 0);
  g_node.inputs[2] = -1;
  TG_CHECK_EQ_INT(tg_op_fully_connected.prepare(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_INT(tg_op_fully_connected.eval(&C, &g_node.node), TG_OK);
  TG_CHECK_EQ_ARRAY(G.out, G.expect, G.out_elems);
}

/* Prepare on the valid int8 case 1 after `mutate`: expects `want`. */
#define EXPECT_PREPARE(want, mutate) \
  LAYER_EXPECT_PREPARE(&tg_op_fully_connected, setup_op(&kCases[1], TG_INT8, 0), want, mutate)

static void test_prepare_errors(void) {
  generate(&kCases[1], 5u);
  static const float two_scales[2] = {0.01f, 0.02f};
  static const int32_t zp_big[1] = {3};
  static const float bad_bias_scale[1] = {1.0f};
  static const tg_test_field shuffled[] = {{1, 1, 1}};
  static const tg_test_field tanh_act[] = {{0, 1, TG_ACT_TANH}};
  static const tg_test_field keep[] = {{2, 1, 1}};
  EXPECT_PREPARE(TG_ERR_MODEL_INVALID, g_node.node.n_inputs = 1);
  EXPECT_PREPARE(TG_ERR_MODEL_INVALID, g_node.inputs[0] = 9);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[0].type = TG_UINT8; C.tensors[1].type = TG_UINT8);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[3].type = TG_INT16);
  EXPECT_PREPARE(TG_ERR_UNSUPPORTED_TYPE, C.tensors[2].type = TG_INT8);
  EXPECT_PREPARE(TG_ERR_HYBRID, C.tensors[0].type = TG_FLOAT32; C.tensors[3].type = TG_FLOAT32);
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[1].ndims = 3);
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[0].elements = 100); /* not a multiple of depth 33 */
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[3])[1] = 4);    /* last dimension != units */
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[3].elements = 10);  /* 2 batches of 5, not 3 */
  EXPECT_PREPARE(TG_ERR_SHAPE, layer_use_options(keep, 1); C.tensors[0].ndims = 3); /* ranks differ */
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[3].ndims = 3; tg_test_dims(&C.tensors[3])[2] = 5); /* rank 3 without keep */
  EXPECT_PREPARE(TG_ERR_SHAPE, C.tensors[2].elements = 4);
  EXPECT_PREPARE(TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[1] = 20000; tg_test_dims(&C.tensors[0])[1] = 20000;
                 C.tensors[0].elements = 3 * 20000; C.tensors[1].zero_point = zp_big[0]); /* asymmetric, deep */
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[1].n_scales = 2; C.tensors[1].scales = two_scales);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[2].scales = bad_bias_scale);
  EXPECT_PREPARE(TG_ERR_QUANT, C.tensors[3].n_scales = 0);
  EXPECT_PREPARE(TG_ERR_QUANT, g_out_scale[0] = 1e-20f; C.tensors[2].n_scales = 0); /* scale past 2^30 */
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(shuffled, 1));
  EXPECT_PREPARE(TG_ERR_OPTIONS, layer_use_options(tanh_act, 1));
  EXPECT_PREPARE(TG_ERR_ARENA_TOO_SMALL, C.capacity = 8);
}

int main(void) {
  TG_RUN(test_hand_computed);
  TG_RUN(test_kernels_against_reference);
  TG_RUN(test_operator_against_reference);
  TG_RUN(test_operator_without_bias);
  TG_RUN(test_prepare_errors);
  return tg_test_summary("test_fc");
}
