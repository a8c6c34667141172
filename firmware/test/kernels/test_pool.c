/* AVERAGE_POOL_2D and MAX_POOL_2D: int8 and float kernels and operators against a
 * reference computed here over a padded input with a validity mask (padding positions
 * are not counted), rounding the int8 mean as floor(|sum| / count + 1/2) with the sum's
 * sign; hand-computed rounding cases; every prepare error. */
#include <float.h>
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

extern const tg_op tg_op_average_pool_2d;
extern const tg_op tg_op_max_pool_2d;

#define MAXE 8192

enum { FILL_RANDOM = 0, FILL_MIN = 1, FILL_MAX = 2 };

typedef struct {
  const char *name;
  int32_t n, h, w, c, fh, fw, sh, sw, padding, act, fill;
} pool_case;

static const pool_case kCases[] = {
    /* name                           n  h   w  c   fh fw sh sw padding        act                 fill */
    {"odd 7x5 3x3 SAME s1 RELU", 1, 7, 5, 3, 3, 3, 1, 1, TG_TEST_SAME, TG_ACT_RELU, FILL_RANDOM},
    {"8x6 2x2 VALID s2", 1, 8, 6, 2, 2, 2, 2, 2, TG_TEST_VALID, TG_ACT_NONE, FILL_RANDOM},
    {"9x7 3x3 SAME s2 RELU6", 1, 9, 7, 4, 3, 3, 2, 2, TG_TEST_SAME, TG_ACT_RELU6, FILL_RANDOM},
    {"global 5x5 VALID RELU_N1_TO_1", 1, 5, 5, 2, 5, 5, 1, 1, TG_TEST_VALID, TG_ACT_RELU_N1_TO_1, FILL_RANDOM},
    {"batch 2 3x2 SAME s2x1", 2, 6, 7, 3, 3, 2, 2, 1, TG_TEST_SAME, TG_ACT_NONE, FILL_RANDOM},
    {"KWS-like global 25x5x64", 1, 25, 5, 64, 25, 5, 1, 1, TG_TEST_VALID, TG_ACT_NONE, FILL_RANDOM},
    {"even 4x4 window 3 SAME s3", 1, 4, 4, 2, 3, 3, 3, 3, TG_TEST_SAME, TG_ACT_NONE, FILL_RANDOM},
    {"saturating inputs -128", 1, 5, 5, 2, 3, 3, 1, 1, TG_TEST_SAME, TG_ACT_NONE, FILL_MIN},
    {"saturating inputs 127", 1, 5, 5, 2, 2, 2, 2, 2, TG_TEST_SAME, TG_ACT_NONE, FILL_MAX},
    {"saturating -128 under RELU", 1, 4, 4, 1, 2, 2, 2, 2, TG_TEST_VALID, TG_ACT_RELU, FILL_MIN},
};

typedef struct {
  tg_pool_args args;
  int32_t out_elems;
  int8_t in[MAXE], out[MAXE], avg_expect[MAXE], max_expect[MAXE];
  float fin[MAXE], fout[MAXE], favg_expect[MAXE], fmax_expect[MAXE];
  int8_t padded[2 * MAXE], mask[2 * MAXE];
  float fpadded[2 * MAXE];
  float scale;
  int32_t zp, act_min, act_max;
  tg_act_f32 fact;
} gen_case;

static gen_case G;
static tg_ctx C;

static void generate(const pool_case *c, uint32_t seed) {
  memset(&G, 0, sizeof(G));
  tg_pool_args *a = &G.args;
  a->input = (tg_dims4){c->n, c->h, c->w, c->c};
  a->output = (tg_dims4){c->n, tg_ref_out_size(c->padding, c->h, c->fh, c->sh, 1),
                         tg_ref_out_size(c->padding, c->w, c->fw, c->sw, 1), c->c};
  a->filter_h = c->fh;
  a->filter_w = c->fw;
  a->stride_h = c->sh;
  a->stride_w = c->sw;
  a->pad_h = tg_ref_pad_before(c->h, c->fh, c->sh, 1, a->output.h);
  a->pad_w = tg_ref_pad_before(c->w, c->fw, c->sw, 1, a->output.w);
  G.out_elems = a->output.n * a->output.h * a->output.w * a->output.c;
  for (int32_t i = 0; i < c->n * c->h * c->w * c->c; ++i) {
    G.in[i] = (int8_t)(c->fill == FILL_MIN ? -128 : c->fill == FILL_MAX ? 127 : tg_test_rand_range(&seed, -128, 127));
    G.fin[i] = (float)tg_test_rand_range(&seed, -8000, 8000) / 1000.0f;
  }
  G.scale = 0.05f;
  G.zp = c->fill == FILL_RANDOM ? tg_test_rand_range(&seed, -10, 10) : 0;
  TG_CHECK_EQ_INT(tg_activation_range_s8(c->act, G.scale, G.zp, &G.act_min, &G.act_max), TG_OK);
  tg_activation_range_f32(c->act, &G.fact.min, &G.fact.max);
}

static int32_t clamp_i(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static void reference(void) {
  const tg_pool_args *a = &G.args;
  const int32_t win_h = (a->output.h - 1) * a->stride_h + a->filter_h;
  const int32_t win_w = (a->output.w - 1) * a->stride_w + a->filter_w;
  const int32_t ph = win_h > a->input.h + a->pad_h ? win_h : a->input.h + a->pad_h;
  const int32_t pw = win_w > a->input.w + a->pad_w ? win_w : a->input.w + a->pad_w;
  static int8_t ones[MAXE];
  memset(ones, 1, sizeof(ones));
  TG_CHECK(a->input.n * ph * pw * a->input.c <= 2 * MAXE);
  tg_ref_pad_s8(G.in, a->input.n, a->input.h, a->input.w, a->input.c, a->pad_h, a->pad_w, ph, pw, 0, G.padded);
  tg_ref_pad_s8(ones, a->input.n, a->input.h, a->input.w, a->input.c, a->pad_h, a->pad_w, ph, pw, 0, G.mask);
  tg_ref_pad_f32(G.fin, a->input.n, a->input.h, a->input.w, a->input.c, a->pad_h, a->pad_w, ph, pw, 0.0f,
                 G.fpadded);
  for (int32_t b = 0; b < a->output.n; ++b)
    for (int32_t oy = 0; oy < a->output.h; ++oy)
      for (int32_t ox = 0; ox < a->output.w; ++ox)
        for (int32_t ch = 0; ch < a->output.c; ++ch) {
          int32_t sum = 0, count = 0, mx = -1000;
          double fsum = 0.0;
          float fmx = -FLT_MAX;
          for (int32_t ky = 0; ky < a->filter_h; ++ky)
            for (int32_t kx = 0; kx < a->filter_w; ++kx) {
              const int32_t pi = ((b * ph + oy * a->stride_h + ky) * pw + ox * a->stride_w + kx) * a->input.c + ch;
              if (!G.mask[pi]) continue;
              ++count;
              sum += G.padded[pi];
              mx = G.padded[pi] > mx ? G.padded[pi] : mx;
              fsum += G.fpadded[pi];
              fmx = G.fpadded[pi] > fmx ? G.fpadded[pi] : fmx;
            }
          TG_CHECK(count > 0);
          const int32_t oi = ((b * a->output.h + oy) * a->output.w + ox) * a->output.c + ch;
          const int32_t mean = (int32_t)floor(fabs((double)sum) / count + 0.5) * (sum < 0 ? -1 : 1);
          G.avg_expect[oi] = (int8_t)clamp_i(mean, G.act_min, G.act_max);
          G.max_expect[oi] = (int8_t)clamp_i(mx, G.act_min, G.act_max);
          G.favg_expect[oi] = tg_ref_clamp_f(fsum / count, G.fact.min, G.fact.max);
          G.fmax_expect[oi] = tg_ref_clamp_f(fmx, G.fact.min, G.fact.max);
        }
}

static void test_kernels_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    const pool_case *c = &kCases[k];
    tg_test_current = c->name;
    generate(c, 600u + (uint32_t)k);
    reference();
    TG_CHECK(G.out_elems > 0 && G.out_elems <= MAXE);
    TG_CHECK_EQ_INT(tg_avg_pool_s8(&G.args, G.act_min, G.act_max, G.in, G.out), TG_OK);
    TG_CHECK_EQ_ARRAY(G.out, G.avg_expect, G.out_elems);
    TG_CHECK_EQ_INT(tg_max_pool_s8(&G.args, G.act_min, G.act_max, G.in, G.out), TG_OK);
    TG_CHECK_EQ_ARRAY(G.out, G.max_expect, G.out_elems);
    TG_CHECK_EQ_INT(tg_avg_pool_f32(&G.args, &G.fact, G.fin, G.fout), TG_OK);
    TG_CHECK_NEAR_ARRAY(G.fout, G.favg_expect, G.out_elems, 1e-6, 1e-6);
    TG_CHECK_EQ_INT(tg_max_pool_f32(&G.args, &G.fact, G.fin, G.fout), TG_OK);
    TG_CHECK_NEAR_ARRAY(G.fout, G.fmax_expect, G.out_elems, 0.0, 0.0);
    if (c->fill != FILL_RANDOM) { /* every window of a constant input gives the constant, clamped */
      const int32_t v = clamp_i(c->fill == FILL_MIN ? -128 : 127, G.act_min, G.act_max);
      int bad = 0;
      for (int32_t i = 0; i < G.out_elems; ++i) bad += G.avg_expect[i] != v || G.max_expect[i] != v;
      TG_CHECK_EQ_INT(bad, 0);
    }
  }
  tg_test_current = "test_kernels_against_reference";
}

/* Means of 2x2 windows (VALID, one window each): 5/4 -> 1, 6/4 = 1.5 -> 2, -5/4 -> -1,
 * -6/4 = -1.5 -> -2 (half away from zero, as TFLM), 507/4 -> 127; then SAME padding
 * whose edge windows hold two positions and one. */
static void test_avg_rounding_hand_computed(void) {
  const int8_t in[5][4] = {{1, 2, 2, 0}, {1, 2, 2, 1}, {-1, -2, -2, 0}, {-1, -2, -2, -1}, {127, 127, 127, 126}};
  const int8_t want[5] = {1, 2, -1, -2, 127};
  const tg_pool_args a = {{1, 2, 2, 1}, {1, 1, 1, 1}, 2, 2, 1, 1, 0, 0};
  for (int i = 0; i < 5; ++i) {
    int8_t out = 0;
    TG_CHECK_EQ_INT(tg_avg_pool_s8(&a, -128, 127, in[i], &out), TG_OK);
    TG_CHECK_EQ_INT(out, want[i]);
  }
  /* 3x3 input, 2x2 window, stride 2, SAME: output 2x2, no top/left padding; the
   * bottom-right window holds only input (2, 2) = 9. */
  const int8_t in3[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const tg_pool_args s = {{1, 3, 3, 1}, {1, 2, 2, 1}, 2, 2, 2, 2, 0, 0};
  int8_t out[4];
  TG_CHECK_EQ_INT(tg_avg_pool_s8(&s, -128, 127, in3, out), TG_OK);
  const int8_t want3[4] = {3, 5, 8, 9}; /* 12/4, 9/2 = 4.5 -> 5, 15/2 = 7.5 -> 8, 9 */
  TG_CHECK_EQ_ARRAY(out, want3, 4);
  TG_CHECK_EQ_INT(tg_max_pool_s8(&s, -128, 127, in3, out), TG_OK);
  const int8_t want3m[4] = {5, 6, 8, 9};
  TG_CHECK_EQ_ARRAY(out, want3m, 4);
}

static void test_avg_empty_window_is_an_error(void) {
  const int8_t in[4] = {1, 2, 3, 4};
  int8_t out[1];
  float fin[4] = {1, 2, 3, 4}, fout[1];
  const tg_act_f32 act = {-FLT_MAX, FLT_MAX};
  /* padding 3 with a 2x2 window: the first window lies entirely in the padding */
  const tg_pool_args a = {{1, 2, 2, 1}, {1, 1, 1, 1}, 2, 2, 1, 1, 3, 3};
  TG_CHECK_EQ_INT(tg_avg_pool_s8(&a, -128, 127, in, out), TG_ERR_SHAPE);
  TG_CHECK_EQ_INT(tg_avg_pool_f32(&a, &act, fin, fout), TG_ERR_SHAPE);
}

/* ---- the operators ----------------------------------------------------------------- */
static int32_t g_in_dims[4], g_out_dims[4];
static float g_in_scale[1], g_out_scale[1];
static int32_t g_in_zp[1], g_out_zp[1];
static tg_test_opts g_opts;
static tg_test_node g_node;

static void setup_op(const pool_case *c, tg_type type) {
  const tg_pool_args *a = &G.args;
  g_in_dims[0] = a->input.n, g_in_dims[1] = a->input.h, g_in_dims[2] = a->input.w, g_in_dims[3] = a->input.c;
  g_out_dims[0] = a->output.n, g_out_dims[1] = a->output.h, g_out_dims[2] = a->output.w, g_out_dims[3] = a->output.c;
  const int f = type == TG_FLOAT32;
  tg_test_tensor(&C.tensors[0], type, 4, g_in_dims, f ? (void *)G.fin : (void *)G.in);
  tg_test_tensor(&C.tensors[1], type, 4, g_out_dims, f ? (void *)G.fout : (void *)G.out);
  if (!f) {
    g_in_scale[0] = g_out_scale[0] = G.scale;
    g_in_zp[0] = g_out_zp[0] = G.zp;
    tg_test_quant(&C.tensors[0], 1, g_in_scale, g_in_zp, 0);
    tg_test_quant(&C.tensors[1], 1, g_out_scale, g_out_zp, 0);
  }
  const tg_test_field fields[] = {{0, 1, c->padding}, {1, 4, c->sw}, {2, 4, c->sh},
                                  {3, 4, c->fw},      {4, 4, c->fh}, {5, 1, c->act}};
  tg_test_options(&g_opts, fields, 6);
  tg_test_node_init(&g_node, 1, &g_opts, &C);
}

/* The kernel path prepare must report: with KERNELS=opt the operator's own fast-path
 * predicate decides (int8 only; float32 and shapes that miss it fall back), with
 * KERNELS=ref every layer runs the reference. */
#if TG_KERNELS_OPT
#define avg_fast(a) tg_avg_pool_s8_opt_applies(a)
static uint8_t expected_path(int fast_int8) { return fast_int8 ? TG_PATH_OPT : TG_PATH_OPT_FALLBACK; }
#else
#define avg_fast(a) 0
static uint8_t expected_path(int fast_int8) {
  (void)fast_int8;
  return TG_PATH_REF;
}
#endif

/* prepare + eval of both operators, int8 and float, against the reference. */
static void run_operators(const pool_case *c, uint32_t seed) {
  generate(c, seed);
  reference();
  for (int t = 0; t < 4; ++t) {
    const tg_op *op = t < 2 ? &tg_op_average_pool_2d : &tg_op_max_pool_2d;
    const tg_type type = t % 2 == 0 ? TG_INT8 : TG_FLOAT32;
    setup_op(c, type);
    TG_CHECK_EQ_INT(op->prepare(&C, &g_node.node), TG_OK);
    if (C.last != TG_OK) printf("     %s\n", C.message);
    /* MAX_POOL_2D has no opt kernel: it reports the reference in both sets */
    TG_CHECK_EQ_INT(g_node.node.kernel_path, t >= 2 ? TG_PATH_REF : expected_path(t == 0 && avg_fast(&G.args)));
    memset(G.out, 0x55, sizeof(G.out));
    memset(G.fout, 0, sizeof(G.fout));
    TG_CHECK_EQ_INT(op->eval(&C, &g_node.node), TG_OK);
    if (type == TG_INT8) {
      TG_CHECK_EQ_ARRAY(G.out, t < 2 ? G.avg_expect : G.max_expect, G.out_elems);
    } else {
      TG_CHECK_NEAR_ARRAY(G.fout, t < 2 ? G.favg_expect : G.fmax_expect, G.out_elems, 1e-6, 1e-6);
    }
  }
}

static void test_operators_against_reference(void) {
  for (size_t k = 0; k < sizeof(kCases) / sizeof(kCases[0]); ++k) {
    tg_test_current = kCases[k].name;
    run_operators(&kCases[k], 700u + (uint32_t)k);
  }
  tg_test_current = "test_operators_against_reference";
}

/* Random shapes, windows, strides, paddings and activations: windows that do not fit
 * must be refused by both operators, the rest must match the reference. */
static void test_random_configurations(void) {
  uint32_t seed = 4711u;
  int ran = 0, refused = 0;
  for (int i = 0; i < 150; ++i) {
    pool_case c = {"random", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, FILL_RANDOM};
    c.n = tg_test_rand_range(&seed, 1, 2);
    c.h = tg_test_rand_range(&seed, 1, 10);
    c.w = tg_test_rand_range(&seed, 1, 10);
    c.c = tg_test_rand_range(&seed, 1, 5);
    c.fh = tg_test_rand_range(&seed, 1, 5);
    c.fw = tg_test_rand_range(&seed, 1, 5);
    c.sh = tg_test_rand_range(&seed, 1, 3);
    c.sw = tg_test_rand_range(&seed, 1, 3);
    c.padding = tg_test_rand_range(&seed, 0, 1);
    c.act = tg_test_rand_range(&seed, 0, 3);
    const uint32_t data_seed = tg_test_rand(&seed);
    if (tg_ref_out_size(c.padding, c.h, c.fh, c.sh, 1) == 0 || tg_ref_out_size(c.padding, c.w, c.fw, c.sw, 1) == 0) {
      generate(&c, data_seed);
      setup_op(&c, TG_INT8);
      TG_CHECK_EQ_INT(tg_op_average_pool_2d.prepare(&C, &g_node.node), TG_ERR_SHAPE);
      setup_op(&c, TG_FLOAT32);
      TG_CHECK_EQ_INT(tg_op_max_pool_2d.prepare(&C, &g_node.node), TG_ERR_SHAPE);
      ++refused;
      continue;
    }
    run_operators(&c, data_seed);
    ++ran;
  }
  TG_CHECK(ran > 50 && refused > 5); /* both branches exercised */
}

static void use_options(const tg_test_field *f, int n) {
  tg_test_options(&g_opts, f, n);
  C.options = g_opts.table;
}

#define EXPECT_PREPARE(op, want, mutate)                                                                       \
  do {                                                                                                         \
    setup_op(&kCases[0], TG_INT8);                                                                             \
    mutate;                                                                                                    \
    const tg_status st_ = (op).prepare(&C, &g_node.node);                                                      \
    TG_CHECK_EQ_INT(st_, want);                                                                                \
    TG_CHECK(C.last == (want) && C.message[0] != '\0');                                                        \
  } while (0)

static void prepare_errors(const tg_op *op) {
  generate(&kCases[0], 5u);
  static const float other_scale[1] = {0.06f};
  static const int32_t other_zp[1] = {4};
  static const tg_test_field filter0[] = {{1, 4, 1}, {2, 4, 1}, {3, 4, 0}, {4, 4, 3}};
  static const tg_test_field stride0[] = {{1, 4, 0}, {2, 4, 1}, {3, 4, 3}, {4, 4, 3}};
  static const tg_test_field padding3[] = {{0, 1, 3}, {1, 4, 1}, {2, 4, 1}, {3, 4, 3}, {4, 4, 3}};
  static const tg_test_field tanh_act[] = {{1, 4, 1}, {2, 4, 1}, {3, 4, 3}, {4, 4, 3}, {5, 1, TG_ACT_TANH}};
  static const tg_test_field too_big[] = {{0, 1, TG_TEST_VALID}, {1, 4, 1}, {2, 4, 1}, {3, 4, 9}, {4, 4, 9}};
  static const tg_test_field huge[] = {{1, 4, 1}, {2, 4, 1}, {3, 4, 4096}, {4, 4, 4096}};
  EXPECT_PREPARE(*op, TG_ERR_MODEL_INVALID, g_node.node.n_inputs = 0);
  EXPECT_PREPARE(*op, TG_ERR_MODEL_INVALID, g_node.outputs[0] = 5);
  EXPECT_PREPARE(*op, TG_ERR_UNSUPPORTED_TYPE, C.tensors[0].type = TG_INT16; C.tensors[1].type = TG_INT16);
  EXPECT_PREPARE(*op, TG_ERR_UNSUPPORTED_TYPE, C.tensors[1].type = TG_FLOAT32);
  EXPECT_PREPARE(*op, TG_ERR_SHAPE, C.tensors[0].ndims = 3);
  EXPECT_PREPARE(*op, TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[3] = 2);  /* channels */
  EXPECT_PREPARE(*op, TG_ERR_SHAPE, tg_test_dims(&C.tensors[1])[2] += 1); /* width disagrees with SAME */
  EXPECT_PREPARE(*op, TG_ERR_SHAPE, use_options(too_big, 5));  /* 9x9 VALID on 7x5 */
  EXPECT_PREPARE(*op, TG_ERR_QUANT, C.tensors[1].scales = other_scale);
  EXPECT_PREPARE(*op, TG_ERR_QUANT, C.tensors[1].zero_point = other_zp[0]);
  EXPECT_PREPARE(*op, TG_ERR_QUANT, C.tensors[0].n_scales = 0);
  EXPECT_PREPARE(*op, TG_ERR_OPTIONS, use_options(filter0, 4));
  EXPECT_PREPARE(*op, TG_ERR_OPTIONS, use_options(stride0, 4));
  EXPECT_PREPARE(*op, TG_ERR_OPTIONS, use_options(padding3, 5));
  EXPECT_PREPARE(*op, TG_ERR_OPTIONS, use_options(tanh_act, 5));
  EXPECT_PREPARE(*op, TG_ERR_OPTIONS, use_options(huge, 4)); /* 2^24 window positions */
  EXPECT_PREPARE(*op, TG_ERR_ARENA_TOO_SMALL, C.capacity = 8);
}

static void test_average_pool_prepare_errors(void) { prepare_errors(&tg_op_average_pool_2d); }
static void test_max_pool_prepare_errors(void) { prepare_errors(&tg_op_max_pool_2d); }

int main(void) {
  TG_RUN(test_avg_rounding_hand_computed);
  TG_RUN(test_avg_empty_window_is_an_error);
  TG_RUN(test_kernels_against_reference);
  TG_RUN(test_operators_against_reference);
  TG_RUN(test_random_configurations);
  TG_RUN(test_average_pool_prepare_errors);
  TG_RUN(test_max_pool_prepare_errors);
  return tg_test_summary("test_pool");
}
