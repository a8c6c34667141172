/* ADD's kernel choice and its opt fast path against the reference kernel, bit for bit:
 * through the operator (prepare picks the path, eval runs it) on random shapes of rank 1
 * to 4, random scales, zero points and fused activations, identical shapes (the fast
 * path with KERNELS=opt) and broadcasting ones (the fallback: the reference); with
 * KERNELS=opt also the kernel alone over edge parameters and its refusal of broadcasting.
 * The expected output is always tg_add_s8 (the reference kernel) on the same parameters
 * that prepare derived, so the comparison holds whichever path ran. */
#include <string.h>

#include "tg_quant.h"
#include "tg_test_ops.h"

#include "tg_test_ew.h"
#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#endif

extern const tg_op tg_op_add;

#define MAXE 4700

static tg_ctx ctx;
static int8_t g_a[MAXE], g_b[MAXE], g_out[MAXE], g_expect[MAXE];

static const float kScales[] = {0.0039f, 0.02f, 0.05f, 0.11f, 0.5f, 1.7f};

/* One random ADD layer: shape of rank 1..4 (input 2 optionally broadcasting along
 * random dims), random quantization and activation; prepare + eval, path and output. */
static void run_case(uint32_t *seed, int broadcast) {
  int32_t rank = tg_test_rand_range(seed, 1, 4);
  int32_t d1[4], d2[4], dout[4];
  int32_t elements = 1;
  for (int32_t k = 0; k < rank; ++k) {
    dout[k] = tg_test_rand_range(seed, 1, k == rank - 1 ? 37 : 5);
    elements *= dout[k];
  }
  int any = 0;
  for (int32_t k = 0; k < rank; ++k) {
    d1[k] = dout[k];
    d2[k] = broadcast && dout[k] > 1 && tg_test_rand_range(seed, 0, 1) ? (any = 1, 1) : dout[k];
  }
  if (broadcast && !any) { /* make it broadcast: a size-2 dim against 1 */
    dout[0] = d1[0] = 2; /* 2 * 5^2 * 37 elements at most */
    d2[0] = 1;
    elements = 1;
    for (int32_t k = 0; k < rank; ++k) elements *= dout[k];
  }
  TG_CHECK(elements <= MAXE);
  if (elements > MAXE) return;
  for (int32_t i = 0; i < elements; ++i) {
    g_a[i] = (int8_t)tg_test_rand_range(seed, -128, 127);
    g_b[i] = (int8_t)tg_test_rand_range(seed, -128, 127);
  }
  float s1 = kScales[tg_test_rand_range(seed, 0, 5)], s2 = kScales[tg_test_rand_range(seed, 0, 5)];
  float so = (s1 > s2 ? s1 : s2) * (float)tg_test_rand_range(seed, 60, 300) / 100.0f;
  int32_t z1 = tg_test_rand_range(seed, -128, 127), z2 = tg_test_rand_range(seed, -128, 127);
  int32_t zo = tg_test_rand_range(seed, -128, 127);
  const int32_t act = tg_test_rand_range(seed, 0, 3); /* NONE, RELU, RELU_N1_TO_1, RELU6 */
  tg_test_opts o;
  const tg_test_field f[] = {{0, 1, act}};
  tg_test_options(&o, f, 1);
  tg_test_node tn;
  tg_test_node_init(&tn, 2, &o, &ctx);
  ew_quant(ew_tensor(&ctx, 0, TG_INT8, rank, d1, g_a), &s1, &z1);
  ew_quant(ew_tensor(&ctx, 1, TG_INT8, rank, d2, g_b), &s2, &z2);
  ew_quant(ew_tensor(&ctx, 2, TG_INT8, rank, dout, g_out), &so, &zo);
  memset(g_out, 0x55, sizeof g_out);
  const tg_status s = ew_run(&tg_op_add, &ctx, &tn); /* checks the path against the predicate */
  TG_CHECK_EQ_INT(s, TG_OK);
#if TG_KERNELS_OPT
  TG_CHECK_EQ_INT(tn.node.kernel_path, broadcast ? TG_PATH_OPT_FALLBACK : TG_PATH_OPT);
#else
  TG_CHECK_EQ_INT(tn.node.kernel_path, TG_PATH_REF);
#endif
  /* the reference kernel on TFLM's parameters (CalculateOpDataAdd), worked out here */
  tg_broadcast b;
  int32_t bad;
  TG_CHECK_EQ_INT(tg_broadcast_shapes(d1, rank, d2, rank, dout, rank, &b, &bad), TG_OK);
  TG_CHECK_EQ_INT(b.flat, !broadcast);
  tg_add_s8_params qp;
  const double twice_max = 2.0 * (double)(s1 > s2 ? s1 : s2);
  qp.left_shift = 20;
  qp.input1_offset = -z1, qp.input2_offset = -z2, qp.output_offset = zo;
  tg_quantize_multiplier((double)s1 / twice_max, &qp.input1_multiplier, &qp.input1_shift);
  tg_quantize_multiplier((double)s2 / twice_max, &qp.input2_multiplier, &qp.input2_shift);
  tg_quantize_multiplier(twice_max / ((double)(1 << 20) * (double)so), &qp.output_multiplier, &qp.output_shift);
  TG_CHECK_EQ_INT(tg_activation_range_s8(act, so, zo, &qp.act_min, &qp.act_max), TG_OK);
  const tg_add_s8_params *q = &qp;
  memset(g_expect, 0x33, sizeof g_expect);
  tg_add_s8(q, &b, g_a, g_b, g_expect);
  TG_CHECK_EQ_ARRAY(g_out, g_expect, elements);
}

static void test_operator_random_shapes(void) {
  uint32_t seed = 4242u;
  for (int i = 0; i < 300; ++i) run_case(&seed, i % 3 == 2);
}

#if TG_KERNELS_OPT
/* The kernel alone, against the reference, over parameters at their edges: input shifts
 * from -31 to 0, output shifts from -31 to -1, the extreme zero points, multipliers near
 * 2^31, outputs saturating. */
static void test_kernel_edges(void) {
  uint32_t seed = 77u;
  for (int i = 0; i < 2000; ++i) {
    tg_add_s8_params p;
    p.input1_offset = tg_test_rand_range(&seed, -127, 128);
    p.input2_offset = i % 7 == 0 ? 128 : tg_test_rand_range(&seed, -127, 128);
    p.output_offset = tg_test_rand_range(&seed, -128, 127);
    p.left_shift = i % 5 == 0 ? tg_test_rand_range(&seed, 0, 20) : 20;
    p.input1_multiplier = i % 11 == 0 ? INT32_MAX : tg_test_rand_range(&seed, 1 << 30, INT32_MAX);
    p.input1_shift = tg_test_rand_range(&seed, -31, 0);
    p.input2_multiplier = tg_test_rand_range(&seed, 1 << 30, INT32_MAX);
    p.input2_shift = i % 13 == 0 ? 0 : tg_test_rand_range(&seed, -12, 0);
    p.output_multiplier = tg_test_rand_range(&seed, 1 << 30, INT32_MAX);
    p.output_shift = i % 17 == 0 ? -1 : tg_test_rand_range(&seed, -31, -1);
    p.act_min = i % 3 == 0 ? 0 : -128;
    p.act_max = i % 4 == 0 ? 100 : 127;
    const int32_t n = tg_test_rand_range(&seed, 1, 64);
    const int32_t dims[1] = {n};
    tg_broadcast b;
    int32_t bad;
    TG_CHECK_EQ_INT(tg_broadcast_shapes(dims, 1, dims, 1, dims, 1, &b, &bad), TG_OK);
    for (int32_t k = 0; k < n; ++k) {
      g_a[k] = (int8_t)(k % 9 == 0 ? -128 : k % 9 == 1 ? 127 : tg_test_rand_range(&seed, -128, 127));
      g_b[k] = (int8_t)(k % 5 == 0 ? 127 : tg_test_rand_range(&seed, -128, 127));
    }
    TG_CHECK(tg_add_s8_opt_applies(&p, &b));
    TG_CHECK_EQ_INT(tg_add_s8_opt(&p, &b, g_a, g_b, g_out), TG_OK);
    tg_add_s8(&p, &b, g_a, g_b, g_expect);
    TG_CHECK_EQ_ARRAY(g_out, g_expect, n);
  }
}

/* Broadcasting shapes and out-of-range parameters miss the predicate; the kernel
 * refuses them rather than computing something else. */
static void test_kernel_refuses(void) {
  const int32_t d1[2] = {2, 3}, d2[2] = {1, 3};
  tg_broadcast b;
  int32_t bad;
  TG_CHECK_EQ_INT(tg_broadcast_shapes(d1, 2, d2, 2, d1, 2, &b, &bad), TG_OK);
  tg_add_s8_params p = {0, 0, 0, 20, 1 << 30, -1, 1 << 30, -1, 1 << 30, -10, -128, 127};
  TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
  TG_CHECK_EQ_INT(tg_add_s8_opt(&p, &b, g_a, g_b, g_out), TG_ERR_ARG);
  TG_CHECK_EQ_INT(tg_broadcast_shapes(d1, 2, d1, 2, d1, 2, &b, &bad), TG_OK);
  TG_CHECK(tg_add_s8_opt_applies(&p, &b));
  p.left_shift = 21;
  TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
  p.left_shift = 20;
  p.output_multiplier = -1;
  TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
  p.output_multiplier = 1 << 30;
  p.input1_offset = -128;
  TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
  p.input1_offset = 0;
  /* the output step needs a right shift of at least 1, the input tables' bound shifts <= 0 */
  for (int32_t shift = 0; shift <= 1; ++shift) {
    p.output_shift = shift;
    TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
    TG_CHECK_EQ_INT(tg_add_s8_opt(&p, &b, g_a, g_b, g_out), TG_ERR_ARG);
  }
  p.output_shift = -10;
  TG_CHECK(tg_add_s8_opt_applies(&p, &b));
  p.input2_shift = 1;
  TG_CHECK(!tg_add_s8_opt_applies(&p, &b));
}
#endif

int main(void) {
  TG_RUN(test_operator_random_shapes);
#if TG_KERNELS_OPT
  TG_RUN(test_kernel_edges);
  TG_RUN(test_kernel_refuses);
#endif
  return tg_test_summary("add opt");
}
