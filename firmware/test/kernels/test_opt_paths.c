/* The kernel path each operator chooses in prepare (the one function per operator that
 * sets node->kernel_path, which the engine reports per layer) and what eval then runs:
 * with KERNELS=opt, int8 layers that meet a fast path report TG_PATH_OPT, the others
 * (grouped conv, depth multiplier 2, asymmetric FC weights, pooling windows over 256,
 * float32) TG_PATH_OPT_FALLBACK, and every output equals the reference kernel's; the
 * fast paths' own failures (no scratch buffer, no arena for the folded bias) are
 * provoked. With KERNELS=ref every layer reports TG_PATH_REF. Operators run on the test
 * stand-in of the core (tg_test_ops.h), whose scratch region refuses a request beyond
 * its scratch_capacity (lowered to 0 to provoke the failure). */
#include <string.h>

#include "tg_kernels.h"
#include "tg_quant.h"
#include "tg_test.h"
#include "tg_test_ops.h"
#include "tg_test_ref.h"

extern const tg_op tg_op_conv_2d;
extern const tg_op tg_op_depthwise_conv_2d;
extern const tg_op tg_op_fully_connected;
extern const tg_op tg_op_average_pool_2d;

#if TG_KERNELS_OPT
#define EXPECT_FAST TG_PATH_OPT
#define EXPECT_MISS TG_PATH_OPT_FALLBACK
#else
#define EXPECT_FAST TG_PATH_REF
#define EXPECT_MISS TG_PATH_REF
#endif

static tg_ctx C;
static tg_test_node N;
static tg_test_opts O;
static int8_t g_in[2048], g_w[2048], g_out[2048], g_ref[2048];
static int32_t g_bias[64], g_mult[64];
static int8_t g_shift[64];
static float g_fin[512], g_fw[512], g_fout[512], g_fbias[64];
static int32_t g_dims[4][4];
static float g_in_scale = 0.05f, g_out_scale = 0.11f, g_w_scales[64];
static int32_t g_in_zp = 7, g_out_zp = -3, g_w_zps[64];

static uint32_t g_rng = 99u;
static int32_t rnd_in(int32_t lo, int32_t hi) {
  g_rng = g_rng * 1664525u + 1013904223u;
  return lo + (int32_t)((g_rng >> 8) % (uint32_t)(hi - lo + 1));
}

static void fill_data(void) {
  for (size_t i = 0; i < sizeof(g_in); ++i) g_in[i] = (int8_t)rnd_in(-128, 127);
  for (size_t i = 0; i < sizeof(g_w); ++i) g_w[i] = (int8_t)rnd_in(-127, 127);
  for (int i = 0; i < 64; ++i) {
    g_bias[i] = rnd_in(-3000, 3000);
    g_w_scales[i] = 0.002f + 0.0001f * (float)i;
    g_w_zps[i] = 0;
    g_fbias[i] = 0.25f;
  }
  for (int i = 0; i < 512; ++i) g_fin[i] = 0.01f * (float)(i % 17), g_fw[i] = 0.02f * (float)(i % 5);
}

/* tensors[i] with dims d (rank 4 unless nd says otherwise); int8 ones quantized. */
static void tensor(int i, tg_type type, int nd, const int32_t *d, void *data) {
  memcpy(g_dims[i], d, sizeof(int32_t) * (size_t)nd);
  tg_test_tensor(&C.tensors[i], type, nd, g_dims[i], data);
}

/* A conv (depthwise when dw) over in [1, h, w, ic], filter kh x kw, out channels oc. */
static void setup_conv(int dw, tg_type type, int32_t h, int32_t w, int32_t ic, int32_t oc, int32_t k, int32_t groups,
                       int32_t stride) {
  const int f = type == TG_FLOAT32;
  const int32_t oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride; /* SAME */
  const int32_t in[4] = {1, h, w, ic};
  const int32_t fl[4] = {dw ? 1 : oc, k, k, dw ? oc : ic / groups};
  const int32_t b[1] = {oc};
  const int32_t out[4] = {1, oh, ow, oc};
  tensor(0, type, 4, in, f ? (void *)g_fin : (void *)g_in);
  tensor(1, type, 4, fl, f ? (void *)g_fw : (void *)g_w);
  tensor(2, f ? TG_FLOAT32 : TG_INT32, 1, b, f ? (void *)g_fbias : (void *)g_bias);
  tensor(3, type, 4, out, f ? (void *)g_fout : (void *)g_out);
  if (!f) {
    tg_test_quant(&C.tensors[0], 1, &g_in_scale, &g_in_zp, 0);
    tg_test_quant(&C.tensors[1], oc, g_w_scales, g_w_zps, dw ? 3 : 0);
    tg_test_quant(&C.tensors[3], 1, &g_out_scale, &g_out_zp, 0);
  }
  const tg_test_field conv_fields[] = {{0, 1, 0}, {1, 4, stride}, {2, 4, stride}, {3, 1, TG_ACT_NONE}};
  const tg_test_field dw_fields[] = {{0, 1, 0}, {1, 4, stride}, {2, 4, stride}, {3, 4, oc / ic}, {4, 1, TG_ACT_NONE}};
  if (dw) {
    tg_test_options(&O, dw_fields, 5);
  } else {
    tg_test_options(&O, conv_fields, 4);
  }
  tg_test_node_init(&N, 3, &O, &C);
}

/* The reference kernel over the same tensors, with the operator's own arguments. */
static void reference_conv(int dw, int32_t stride, int32_t groups) {
  const tg_tensor *in = &C.tensors[0], *fl = &C.tensors[1], *out = &C.tensors[3];
  tg_conv_args a = {{in->dims[0], in->dims[1], in->dims[2], in->dims[3]},
                    {fl->dims[0], fl->dims[1], fl->dims[2], fl->dims[3]},
                    {out->dims[0], out->dims[1], out->dims[2], out->dims[3]},
                    stride,
                    stride,
                    0,
                    0,
                    1,
                    1,
                    dw ? out->dims[3] / in->dims[3] : 1};
  a.pad_h = tg_conv_padding(stride, 1, a.input.h, a.filter.h, a.output.h);
  a.pad_w = tg_conv_padding(stride, 1, a.input.w, a.filter.w, a.output.w);
  (void)groups;
  for (int32_t c = 0; c < a.output.c; ++c) {
    tg_ref_multiplier((double)g_in_scale * (double)g_w_scales[c] / (double)g_out_scale, &g_mult[c], &g_shift[c]);
  }
  const tg_quant_args q = {-g_in_zp, 0, g_out_zp, g_mult, g_shift, 1, -128, 127};
  if (dw) {
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&a, &q, g_in, g_w, g_bias, g_ref), TG_OK);
  } else {
    TG_CHECK_EQ_INT(tg_conv_s8(&a, &q, g_in, g_w, g_bias, g_ref), TG_OK);
  }
}

/* prepare, the path, eval, and the output against the reference (int8). */
static void run(const tg_op *op, int expect_path, int dw, int32_t stride, int32_t groups) {
  TG_CHECK_EQ_INT(op->prepare(&C, &N.node), TG_OK);
  if (C.last != TG_OK) printf("     %s\n", C.message);
  TG_CHECK_EQ_INT(N.node.kernel_path, expect_path);
  memset(g_out, 0x55, sizeof(g_out));
  TG_CHECK_EQ_INT(op->eval(&C, &N.node), TG_OK);
  if (C.tensors[0].type == TG_INT8) {
    reference_conv(dw, stride, groups);
    TG_CHECK_EQ_ARRAY(g_out, g_ref, C.tensors[3].elements);
  }
}

static void test_conv_paths(void) {
  fill_data();
  setup_conv(0, TG_INT8, 6, 5, 8, 6, 1, 1, 1); /* 1x1, stride 1: no scratch needed */
  run(&tg_op_conv_2d, EXPECT_FAST, 0, 1, 1);
  setup_conv(0, TG_INT8, 5, 5, 6, 4, 3, 2, 1); /* grouped: the reference */
  TG_CHECK_EQ_INT(tg_op_conv_2d.prepare(&C, &N.node), TG_OK);
  TG_CHECK_EQ_INT(N.node.kernel_path, EXPECT_MISS);
  setup_conv(0, TG_FLOAT32, 4, 4, 3, 2, 1, 1, 1); /* float32: no fast path */
  run(&tg_op_conv_2d, EXPECT_MISS, 0, 1, 1);
  /* 3x3 needs an im2col scratch buffer: it runs with one, and fails without */
  setup_conv(0, TG_INT8, 5, 5, 4, 4, 3, 1, 1);
  run(&tg_op_conv_2d, EXPECT_FAST, 0, 1, 1);
  setup_conv(0, TG_INT8, 5, 5, 4, 4, 3, 1, 1);
  C.scratch_capacity = 0;
#if TG_KERNELS_OPT
  TG_CHECK_EQ_INT(tg_op_conv_2d.prepare(&C, &N.node), TG_ERR_ARENA_TOO_SMALL);
  TG_CHECK(strstr(C.message, "scratch") != NULL);
#else
  run(&tg_op_conv_2d, TG_PATH_REF, 0, 1, 1);
#endif
  /* no arena left for the folded bias: the last allocation of the 1x1 path */
  setup_conv(0, TG_INT8, 6, 5, 8, 6, 1, 1, 1);
  TG_CHECK_EQ_INT(tg_op_conv_2d.prepare(&C, &N.node), TG_OK);
  const size_t used = C.used;
  setup_conv(0, TG_INT8, 6, 5, 8, 6, 1, 1, 1);
  C.capacity = used - 1;
#if TG_KERNELS_OPT
  TG_CHECK_EQ_INT(tg_op_conv_2d.prepare(&C, &N.node), TG_ERR_ARENA_TOO_SMALL);
  TG_CHECK(strstr(C.message, "folded bias") != NULL);
#else
  TG_CHECK_EQ_INT(tg_op_conv_2d.prepare(&C, &N.node), TG_ERR_ARENA_TOO_SMALL);
#endif
}

static void test_depthwise_paths(void) {
  fill_data();
  setup_conv(1, TG_INT8, 7, 6, 8, 8, 3, 1, 1); /* multiplier 1 */
  run(&tg_op_depthwise_conv_2d, EXPECT_FAST, 1, 1, 1);
  setup_conv(1, TG_INT8, 7, 6, 5, 5, 3, 1, 2); /* multiplier 1, odd channels, stride 2 */
  run(&tg_op_depthwise_conv_2d, EXPECT_FAST, 1, 2, 1);
  setup_conv(1, TG_INT8, 5, 5, 2, 4, 3, 1, 1); /* multiplier 2 over 2 channels */
  run(&tg_op_depthwise_conv_2d, EXPECT_MISS, 1, 1, 1);
  setup_conv(1, TG_FLOAT32, 4, 4, 3, 3, 3, 1, 1);
  run(&tg_op_depthwise_conv_2d, EXPECT_MISS, 1, 1, 1);
  /* one input channel runs as a conv, with an im2col scratch buffer (and fails without) */
  setup_conv(1, TG_INT8, 6, 6, 1, 4, 3, 1, 1);
  run(&tg_op_depthwise_conv_2d, EXPECT_FAST, 1, 1, 1);
  setup_conv(1, TG_INT8, 6, 6, 1, 4, 3, 1, 1);
  C.scratch_capacity = 0;
#if TG_KERNELS_OPT
  TG_CHECK_EQ_INT(tg_op_depthwise_conv_2d.prepare(&C, &N.node), TG_ERR_ARENA_TOO_SMALL);
  TG_CHECK(strstr(C.message, "scratch") != NULL);
#else
  run(&tg_op_depthwise_conv_2d, TG_PATH_REF, 1, 1, 1);
#endif
}

static void setup_fc(tg_type type, int32_t batches, int32_t depth, int32_t units, int32_t weight_zp) {
  const int f = type == TG_FLOAT32;
  const int32_t in[2] = {batches, depth}, w[2] = {units, depth}, b[1] = {units}, out[2] = {batches, units};
  tensor(0, type, 2, in, f ? (void *)g_fin : (void *)g_in);
  tensor(1, type, 2, w, f ? (void *)g_fw : (void *)g_w);
  tensor(2, f ? TG_FLOAT32 : TG_INT32, 1, b, f ? (void *)g_fbias : (void *)g_bias);
  tensor(3, type, 2, out, f ? (void *)g_fout : (void *)g_out);
  if (!f) {
    g_w_zps[0] = weight_zp;
    tg_test_quant(&C.tensors[0], 1, &g_in_scale, &g_in_zp, 0);
    tg_test_quant(&C.tensors[1], 1, g_w_scales, g_w_zps, 0);
    tg_test_quant(&C.tensors[3], 1, &g_out_scale, &g_out_zp, 0);
  }
  const tg_test_field fields[] = {{0, 1, TG_ACT_RELU}};
  tg_test_options(&O, fields, 1);
  tg_test_node_init(&N, 3, &O, &C);
}

static void run_fc(int expect_path, int32_t weight_zp) {
  TG_CHECK_EQ_INT(tg_op_fully_connected.prepare(&C, &N.node), TG_OK);
  if (C.last != TG_OK) printf("     %s\n", C.message);
  TG_CHECK_EQ_INT(N.node.kernel_path, expect_path);
  memset(g_out, 0x55, sizeof(g_out));
  TG_CHECK_EQ_INT(tg_op_fully_connected.eval(&C, &N.node), TG_OK);
  if (C.tensors[0].type != TG_INT8) return;
  const tg_fc_args a = {C.tensors[0].dims[0], C.tensors[0].dims[1], C.tensors[1].dims[0]};
  int32_t mult, act_min, act_max;
  int8_t shift;
  tg_ref_multiplier((double)(g_in_scale * g_w_scales[0]) / (double)g_out_scale, &mult, &shift);
  TG_CHECK_EQ_INT(tg_activation_range_s8(TG_ACT_RELU, g_out_scale, g_out_zp, &act_min, &act_max), TG_OK);
  const tg_quant_args q = {-g_in_zp, -weight_zp, g_out_zp, &mult, &shift, 0, act_min, act_max};
  TG_CHECK_EQ_INT(tg_fully_connected_s8(&a, &q, g_in, g_w, g_bias, g_ref), TG_OK);
  TG_CHECK_EQ_ARRAY(g_out, g_ref, a.batches * a.output_depth);
}

static void test_fully_connected_paths(void) {
  fill_data();
  setup_fc(TG_INT8, 1, 37, 9, 0); /* symmetric weights, odd depth */
  run_fc(EXPECT_FAST, 0);
  setup_fc(TG_INT8, 3, 16, 5, 0); /* 3 batches */
  run_fc(EXPECT_FAST, 0);
  setup_fc(TG_INT8, 2, 12, 4, 5); /* asymmetric weights */
  run_fc(EXPECT_MISS, 5);
  setup_fc(TG_FLOAT32, 1, 8, 3, 0);
  run_fc(EXPECT_MISS, 0);
}

static void setup_pool(int32_t h, int32_t w, int32_t c, int32_t k) {
  const int32_t in[4] = {1, h, w, c}, out[4] = {1, 1, 1, c};
  tensor(0, TG_INT8, 4, in, g_in);
  tensor(1, TG_INT8, 4, out, g_out);
  tg_test_quant(&C.tensors[0], 1, &g_in_scale, &g_in_zp, 0);
  tg_test_quant(&C.tensors[1], 1, &g_in_scale, &g_in_zp, 0);
  const tg_test_field fields[] = {{0, 1, 1}, {1, 4, k}, {2, 4, k}, {3, 4, k}, {4, 4, k}, {5, 1, TG_ACT_NONE}};
  tg_test_options(&O, fields, 6);
  tg_test_node_init(&N, 1, &O, &C);
}

static void test_average_pool_paths(void) {
  fill_data();
  for (int big = 0; big < 2; ++big) {
    const int32_t k = big ? 17 : 5; /* 289 positions miss the 16-bit lane bound */
    setup_pool(k, k, 6, k);
    TG_CHECK_EQ_INT(tg_op_average_pool_2d.prepare(&C, &N.node), TG_OK);
    TG_CHECK_EQ_INT(N.node.kernel_path, big ? EXPECT_MISS : EXPECT_FAST);
    TG_CHECK_EQ_INT(tg_op_average_pool_2d.eval(&C, &N.node), TG_OK);
    const tg_pool_args a = {{1, k, k, 6}, {1, 1, 1, 6}, k, k, k, k, 0, 0};
    TG_CHECK_EQ_INT(tg_avg_pool_s8(&a, -128, 127, g_in, g_ref), TG_OK);
    TG_CHECK_EQ_ARRAY(g_out, g_ref, 6);
  }
}

int main(void) {
  TG_RUN(test_conv_paths);
  TG_RUN(test_depthwise_paths);
  TG_RUN(test_fully_connected_paths);
  TG_RUN(test_average_pool_paths);
  return tg_test_summary("opt paths");
}
