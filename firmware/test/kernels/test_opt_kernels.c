/* The opt kernel set against the reference kernels, bit for bit: the DSP operations of
 * tg_simd.h against their definitions, the inline requantizations against
 * tg_multiply_by_quantized_multiplier, and every fast path (conv 1x1 and im2col,
 * depthwise multiplier 1 and one-channel-as-conv, fully connected, average pool) against
 * tg_conv_s8, tg_depthwise_conv_s8, tg_fully_connected_s8 and tg_avg_pool_s8 over random
 * shapes that cover the SIMD steps and their scalar tails (depths and channel counts not
 * multiples of 4), strides, dilations, SAME/VALID padding, batches, per-tensor and
 * per-channel multipliers, clamps, absent biases and saturating inputs; and the cases that
 * miss a fast path (grouped conv, depth multiplier > 1 with several channels, asymmetric
 * weights, pooling windows over 256 positions), which the predicates must refuse and the
 * kernels reject with TG_ERR_ARG. The same program runs on the host under the sanitizers
 * (plain C inner loops), on the Cortex-M4 (ACLE and assembly loops) and on the Cortex-M3
 * (plain C) boards. Built with KERNELS=opt; a ref build has no opt kernels and says so. */
#include <string.h>

#include "tg_engine.h"
#include "tg_kernels.h"
#include "tg_quant.h"
#include "tg_test.h"

#if TG_KERNELS_OPT
#include "tg_kernels_opt.h"
#include "tg_simd.h"

#define MAXE 4096
#define MAXC 64

static uint32_t g_rng = 12345u;
static uint32_t rnd(void) {
  g_rng = g_rng * 1664525u + 1013904223u;
  return g_rng >> 8;
}
static int32_t rnd_in(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }
static int32_t rnd_word(void) { return (int32_t)((rnd() << 16) ^ rnd()); }

static void fill(int8_t *p, int32_t n, int mode) {
  for (int32_t i = 0; i < n; ++i) {
    p[i] = (int8_t)(mode == 1 ? -128 : mode == 2 ? 127 : rnd_in(-128, 127));
  }
}

typedef struct {
  int32_t mult[MAXC], bias[MAXC], folded[MAXC];
  int8_t shift[MAXC];
  tg_quant_args q;
} quant_case;

/* Multipliers in [2^30, 2^31) with shifts that keep outputs mostly inside int8 (some
 * saturate), a random output zero point and clamp. */
static void make_quant(quant_case *qc, int32_t channels, int per_channel, int32_t input_zp) {
  for (int32_t c = 0; c < channels; ++c) {
    qc->mult[c] = (int32_t)(0x40000000u + (rnd() % 0x40000000u));
    qc->shift[c] = (int8_t)rnd_in(-12, 1);
    qc->bias[c] = rnd_in(-20000, 20000);
  }
  memset(&qc->q, 0, sizeof(qc->q));
  qc->q.input_offset = -input_zp;
  qc->q.output_offset = rnd_in(-20, 20);
  qc->q.multiplier = qc->mult;
  qc->q.shift = qc->shift;
  qc->q.per_channel = per_channel;
  const int act = rnd_in(0, 2);
  qc->q.act_min = act == 0 ? -128 : act == 1 ? qc->q.output_offset : -100;
  qc->q.act_max = act == 2 ? 100 : 127;
}

static void check_bytes(const int8_t *got, const int8_t *want, int32_t n, const char *what, int iter) {
  for (int32_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      printf("     %s case %d: element %d: opt %d, ref %d\n", what, iter, (int)i, got[i], want[i]);
      TG_CHECK_EQ_INT(got[i], want[i]);
      return;
    }
  }
  TG_CHECK(1);
}

static void test_simd_operations(void) {
  for (int i = 0; i < 2000; ++i) {
    const int32_t a = rnd_word(), b = rnd_word(), acc = rnd_word();
    const int8_t *ab = (const int8_t *)&a; /* little-endian lanes */
    int16_t ah[2], bh[2];
    memcpy(ah, &a, 4);
    memcpy(bh, &b, 4);
    const int32_t e = tg_sxtb16(a), o = tg_sxtb16_ror8(a);
    int16_t eh[2], oh[2];
    memcpy(eh, &e, 4);
    memcpy(oh, &o, 4);
    TG_CHECK(eh[0] == ab[0] && eh[1] == ab[2] && oh[0] == ab[1] && oh[1] == ab[3]);
    const int32_t s = tg_sxtab16(b, a), so = tg_sxtab16_ror8(b, a);
    int16_t sh[2], soh[2];
    memcpy(sh, &s, 4);
    memcpy(soh, &so, 4);
    TG_CHECK(sh[0] == (int16_t)(uint16_t)(uint32_t)(bh[0] + ab[0]) && sh[1] == (int16_t)(uint16_t)(uint32_t)(bh[1] + ab[2]));
    TG_CHECK(soh[0] == (int16_t)(uint16_t)(uint32_t)(bh[0] + ab[1]) &&
             soh[1] == (int16_t)(uint16_t)(uint32_t)(bh[1] + ab[3]));
    const uint32_t dual = (uint32_t)acc + (uint32_t)(ah[0] * bh[0]) + (uint32_t)(ah[1] * bh[1]);
    TG_CHECK_EQ_INT(tg_smlad(a, b, acc), (int32_t)dual);
    TG_CHECK_EQ_INT(tg_smlabb(a, b, acc), (int32_t)((uint32_t)acc + (uint32_t)(ah[0] * bh[0])));
    TG_CHECK_EQ_INT(tg_smlatt(a, b, acc), (int32_t)((uint32_t)acc + (uint32_t)(ah[1] * bh[1])));
    const int64_t sum = (int64_t)a + b;
    TG_CHECK_EQ_INT(tg_qadd(a, b), sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : (int32_t)sum);
    const int32_t sat = tg_ssat8(a >> rnd_in(0, 28));
    TG_CHECK(sat >= -128 && sat <= 127);
  }
  TG_CHECK_EQ_INT(tg_ssat8(200), 127);
  TG_CHECK_EQ_INT(tg_ssat8(-200), -128);
  TG_CHECK_EQ_INT(tg_ssat8(-5), -5);
}

static void test_requant_equals_reference(void) {
  static const int32_t kEdges[] = {0, 1, -1, 2, -2, 127, -128, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN, INT32_MAX - 1,
                                   INT32_MIN + 1, 0x40000000, -0x40000000};
  static const int32_t kMults[] = {0, 0x40000000, 0x40000001, 0x7FFFFFFF, 0x5A827999};
  int mismatches = 0;
  for (int32_t shift = -31; shift <= 30; ++shift) {
    for (size_t m = 0; m < sizeof(kMults) / sizeof(kMults[0]); ++m) {
      for (size_t x = 0; x < sizeof(kEdges) / sizeof(kEdges[0]); ++x) {
        mismatches += tg_requant_opt(kEdges[x], kMults[m], shift) !=
                      tg_multiply_by_quantized_multiplier(kEdges[x], kMults[m], shift);
      }
    }
  }
  for (int i = 0; i < 200000; ++i) {
    const int32_t x = i % 2 ? rnd_word() : rnd_in(-300000, 300000);
    const int32_t m = (int32_t)(0x40000000u + (rnd() % 0x40000000u));
    const int32_t shift = rnd_in(-31, 30);
    mismatches += tg_requant_opt(x, m, shift) != tg_multiply_by_quantized_multiplier(x, m, shift);
  }
  TG_CHECK_EQ_INT(mismatches, 0);
}

static int8_t g_in[MAXE], g_w[MAXE], g_wt[MAXE], g_ref[MAXE], g_opt[MAXE], g_scratch[MAXE];

/* Random conv geometry; padding 0 = SAME, 1 = VALID; 0 when the window does not fit. */
static int make_conv(tg_conv_args *a, int32_t groups, int one_by_one) {
  a->input.n = rnd_in(1, 2);
  a->input.h = rnd_in(1, 9);
  a->input.w = rnd_in(1, 9);
  a->filter.c = rnd_in(1, 9);
  a->input.c = a->filter.c * groups;
  a->output.c = rnd_in(1, 9) * groups;
  a->filter.n = a->output.c;
  a->filter.h = one_by_one ? 1 : rnd_in(1, 4);
  a->filter.w = one_by_one ? 1 : rnd_in(1, 4);
  a->stride_h = one_by_one ? 1 : rnd_in(1, 2);
  a->stride_w = one_by_one ? 1 : rnd_in(1, 2);
  a->dilation_h = rnd_in(1, 2);
  a->dilation_w = rnd_in(1, 2);
  a->depth_multiplier = 1;
  const int32_t padding = one_by_one ? 1 : rnd_in(0, 1);
  a->output.n = a->input.n;
  a->output.h = tg_conv_out_size(padding, a->input.h, a->filter.h, a->stride_h, a->dilation_h);
  a->output.w = tg_conv_out_size(padding, a->input.w, a->filter.w, a->stride_w, a->dilation_w);
  if (a->output.h == 0 || a->output.w == 0) return 0;
  a->pad_h = tg_conv_padding(a->stride_h, a->dilation_h, a->input.h, a->filter.h, a->output.h);
  a->pad_w = tg_conv_padding(a->stride_w, a->dilation_w, a->input.w, a->filter.w, a->output.w);
  return 1;
}

static int32_t elems(tg_dims4 d) { return d.n * d.h * d.w * d.c; }

static void test_conv_fast_paths(void) {
  static quant_case qc;
  int runs = 0, by_path[4] = {0, 0, 0, 0};
  for (int iter = 0; iter < 600; ++iter) {
    tg_conv_args a;
    if (!make_conv(&a, 1, iter % 4 == 0)) continue;
    const int32_t depth = a.filter.h * a.filter.w * a.filter.c;
    const int mode = iter % 13 == 0 ? 1 : iter % 17 == 0 ? 2 : 0;
    fill(g_in, elems(a.input), mode);
    fill(g_w, a.filter.n * depth, mode);
    const int32_t zp = rnd_in(-128, 127);
    make_quant(&qc, a.output.c, iter % 5 != 0, zp);
    const int with_bias = iter % 7 != 0;
    const tg_conv_opt_path path = tg_conv_s8_opt_path(&a);
    TG_CHECK(path == TG_CONV_OPT_1X1 || path == TG_CONV_OPT_IM2COL || path == TG_CONV_OPT_IM2COL_PAD);
    if (path != TG_CONV_OPT_1X1) TG_CHECK_EQ_INT(path == TG_CONV_OPT_IM2COL_PAD, (depth & 3) == 3);
    ++by_path[path];
    TG_CHECK(tg_conv_s8_opt_scratch_bytes(&a) <= sizeof(g_scratch));
    tg_fold_bias_s8(g_w, with_bias ? qc.bias : NULL, a.output.c, depth, qc.q.input_offset, qc.folded);
    TG_CHECK_EQ_INT(tg_conv_s8(&a, &qc.q, g_in, g_w, with_bias ? qc.bias : NULL, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    TG_CHECK_EQ_INT(tg_conv_s8_opt(&a, &qc.q, qc.folded, g_in, g_w, g_scratch, g_opt), TG_OK);
    check_bytes(g_opt, g_ref, elems(a.output), "conv", iter);
    ++runs;
  }
  TG_CHECK(runs > 400 && by_path[TG_CONV_OPT_1X1] > 50 && by_path[TG_CONV_OPT_IM2COL] > 250 &&
           by_path[TG_CONV_OPT_IM2COL_PAD] > 5);
  /* the padded filter's limit: 3x3x3 filters, 73 rows of 28 bytes fit, 74 do not */
  tg_conv_args big = {{1, 8, 8, 3}, {73, 3, 3, 3}, {1, 8, 8, 73}, 1, 1, 1, 1, 1, 1, 1};
  TG_CHECK_EQ_INT(tg_conv_s8_opt_path(&big), TG_CONV_OPT_IM2COL_PAD);
  TG_CHECK_EQ_INT((int)tg_conv_s8_opt_scratch_bytes(&big), 75 * 28);
  big.filter.n = big.output.c = 74;
  TG_CHECK_EQ_INT(tg_conv_s8_opt_path(&big), TG_CONV_OPT_IM2COL);
  TG_CHECK_EQ_INT((int)tg_conv_s8_opt_scratch_bytes(&big), 2 * 27);
  /* grouped: no fast path, and the kernel refuses it */
  tg_conv_args g;
  while (!make_conv(&g, 2, 0)) {
  }
  TG_CHECK_EQ_INT(tg_conv_s8_opt_path(&g), TG_CONV_OPT_NONE);
  TG_CHECK_EQ_INT((int)tg_conv_s8_opt_scratch_bytes(&g), 0);
  TG_CHECK_EQ_INT(tg_conv_s8_opt(&g, &qc.q, qc.folded, g_in, g_w, g_scratch, g_opt), TG_ERR_ARG);
}

/* The padded im2col path alone (depths 4k + 3, as a 3-channel image under a 3x3 filter):
 * geometries of make_conv drawn until their depth qualifies, up to 64 output channels
 * (padded filters up to TG_CONV_OPT_PAD_FILTER bytes), extreme zero points and
 * saturating inputs, on a scratch buffer full of stale bytes. */
static void test_conv_padded_depth(void) {
  static quant_case qc;
  int runs = 0;
  while (runs < 300) {
    tg_conv_args a;
    if (!make_conv(&a, 1, 0)) continue;
    const int32_t depth = a.filter.h * a.filter.w * a.filter.c;
    if ((depth & 3) != 3 || tg_conv_s8_opt_path(&a) != TG_CONV_OPT_IM2COL_PAD) continue;
    /* every third case the most rows the padded filter may hold (or MAXC) */
    const int32_t pixels = a.output.n * a.output.h * a.output.w;
    int32_t most = TG_CONV_OPT_PAD_FILTER / (depth + 1) < MAXC ? TG_CONV_OPT_PAD_FILTER / (depth + 1) : MAXC;
    most = MAXE / pixels < most ? MAXE / pixels : most;
    a.output.c = a.filter.n = runs % 3 == 0 ? most : rnd_in(1, most < 16 ? most : 16);
    TG_CHECK_EQ_INT(tg_conv_s8_opt_path(&a), TG_CONV_OPT_IM2COL_PAD);
    TG_CHECK(tg_conv_s8_opt_scratch_bytes(&a) <= sizeof(g_scratch));
    const int mode = runs % 11 == 0 ? 1 : runs % 13 == 0 ? 2 : 0;
    fill(g_in, elems(a.input), mode);
    fill(g_w, a.filter.n * depth, mode);
    const int32_t zp = runs % 7 == 0 ? -128 : runs % 7 == 1 ? 127 : rnd_in(-128, 127);
    make_quant(&qc, a.output.c, runs % 4 != 0, zp);
    const int32_t *bias = runs % 5 != 0 ? qc.bias : NULL;
    tg_fold_bias_s8(g_w, bias, a.output.c, depth, qc.q.input_offset, qc.folded);
    TG_CHECK_EQ_INT(tg_conv_s8(&a, &qc.q, g_in, g_w, bias, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    memset(g_scratch, 0x77, sizeof(g_scratch)); /* stale bytes must not leak into sums */
    TG_CHECK_EQ_INT(tg_conv_s8_opt(&a, &qc.q, qc.folded, g_in, g_w, g_scratch, g_opt), TG_OK);
    check_bytes(g_opt, g_ref, elems(a.output), "conv padded", runs);
    ++runs;
  }
}

/* The matrix multiply's requantization over every accumulator range: zero weights make
 * each accumulator its bias, so edge and random int32 values (INT32_MIN and INT32_MAX
 * included) meet every shift from -31 to 30 and multipliers 0, 2^30 and 2^31 - 1, per
 * channel, against tg_multiply_by_quantized_multiplier and the clamp (output offset 0:
 * the conv tests cover offsets). */
static void test_mat_mult_requant_edges(void) {
  static const int32_t kAcc[] = {0, 1, -1, 2, -2, 3, -3, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1,
                                 0x40000000, -0x40000000, 0x3FFFFFFF, -0x3FFFFFFF, 1 << 20, -(1 << 20)};
  const int32_t n_acc = (int32_t)(sizeof(kAcc) / sizeof(kAcc[0]));
  static quant_case qc;
  memset(g_w, 0, 64 * 4);
  memset(g_in, 0x7F, 2 * 4);
  int mismatches = 0;
  for (int iter = 0; iter < 400; ++iter) {
    const int32_t rows = 64;
    make_quant(&qc, rows, 1, 0);
    qc.q.output_offset = 0; /* the reference's int32 sum with it overflows near INT32_MAX */
    for (int32_t r = 0; r < rows; ++r) {
      const int32_t e = (iter * rows + r) % (62 * 3);
      qc.shift[r] = (int8_t)(e % 62 - 31);
      qc.mult[r] = e / 62 == 0 ? (int32_t)(0x40000000u + rnd() % 0x40000000u) : e / 62 == 1 ? INT32_MAX : 0x40000000;
      if (iter % 9 == 0 && r % 7 == 0) qc.mult[r] = 0;
      qc.bias[r] = iter % 2 ? kAcc[(iter / 2 + r) % n_acc] : rnd_word();
    }
    TG_CHECK_EQ_INT(tg_mat_mult_s8_opt(g_w, g_in, qc.bias, rows, 2, 4, &qc.q, g_opt), TG_OK);
    for (int32_t r = 0; r < rows; ++r) {
      int32_t v = tg_multiply_by_quantized_multiplier(qc.bias[r], qc.mult[r], qc.shift[r]) + qc.q.output_offset;
      v = v < qc.q.act_min ? qc.q.act_min : v > qc.q.act_max ? qc.q.act_max : v;
      mismatches += (g_opt[r] != v) + (g_opt[rows + r] != v);
    }
  }
  TG_CHECK_EQ_INT(mismatches, 0);
}

static void test_depthwise_fast_paths(void) {
  static quant_case qc;
  int mult1 = 0, as_conv = 0;
  for (int iter = 0; iter < 600; ++iter) {
    tg_conv_args a;
    if (!make_conv(&a, 1, 0)) continue;
    const int one_channel = iter % 2;
    a.depth_multiplier = one_channel ? rnd_in(1, 9) : 1;
    a.input.c = one_channel ? 1 : rnd_in(2, 13);
    a.output.c = a.input.c * a.depth_multiplier;
    a.filter.n = 1;
    a.filter.c = a.output.c;
    const int mode = iter % 13 == 0 ? 1 : iter % 17 == 0 ? 2 : 0;
    fill(g_in, elems(a.input), mode);
    fill(g_w, a.filter.h * a.filter.w * a.filter.c, mode);
    make_quant(&qc, a.output.c, 1, rnd_in(-128, 127));
    const int with_bias = iter % 7 != 0;
    const int32_t *bias = with_bias ? qc.bias : NULL;
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&a, &qc.q, g_in, g_w, bias, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    const tg_dw_opt_path path = tg_depthwise_conv_s8_opt_path(&a);
    if (one_channel) {
      TG_CHECK_EQ_INT(path, TG_DW_OPT_AS_CONV);
      tg_conv_args c;
      tg_depthwise_as_conv_args(&a, &c);
      tg_depthwise_transpose_filter(&a, g_w, g_wt);
      tg_fold_bias_s8(g_wt, bias, a.output.c, a.filter.h * a.filter.w, qc.q.input_offset, qc.folded);
      TG_CHECK(tg_conv_s8_opt_scratch_bytes(&c) <= sizeof(g_scratch));
      TG_CHECK_EQ_INT(tg_conv_s8_opt(&c, &qc.q, qc.folded, g_in, g_wt, g_scratch, g_opt), TG_OK);
      ++as_conv;
    } else {
      TG_CHECK_EQ_INT(path, TG_DW_OPT_MULT1);
      TG_CHECK_EQ_INT(tg_depthwise_conv_s8_opt(&a, &qc.q, g_in, g_w, bias, g_opt), TG_OK);
      ++mult1;
    }
    check_bytes(g_opt, g_ref, elems(a.output), one_channel ? "depthwise as conv" : "depthwise mult 1", iter);
  }
  TG_CHECK(mult1 > 200 && as_conv > 200);
  /* multiplier 2 over 3 channels: no fast path, the kernel refuses it */
  tg_conv_args m;
  while (!make_conv(&m, 1, 0)) {
  }
  m.input.c = 3;
  m.depth_multiplier = 2;
  m.output.c = m.filter.c = 6;
  m.filter.n = 1;
  TG_CHECK_EQ_INT(tg_depthwise_conv_s8_opt_path(&m), TG_DW_OPT_NONE);
  TG_CHECK_EQ_INT(tg_depthwise_conv_s8_opt(&m, &qc.q, g_in, g_w, NULL, g_opt), TG_ERR_ARG);
}

/* The multiplier-1 kernel's specialised shapes: 3x3 windows (the sign-extended weight
 * tables and their shifted left / right columns, runs down the interior rows), inputs
 * 1 to 7 wide and high so that padding cuts every edge and corner, strides 1 and 2,
 * dilations (dilation_w 2 takes the raw taps), channel counts that are and are not
 * multiples of 4, and requantizations over the whole range: biases anywhere in int32
 * (sums that wrap), shifts from -31 to -1 (the one-SMLAL requantization) and groups with
 * a shift >= 0 (which run one channel at a time). */
static void test_depthwise_3x3_runs(void) {
  static quant_case qc;
  static const int32_t kChannels[] = {1, 2, 3, 4, 5, 7, 8, 12, 13, 16, 64};
  int tables = 0;
  for (int iter = 0; iter < 500; ++iter) {
    tg_conv_args a;
    memset(&a, 0, sizeof(a));
    a.input.c = kChannels[iter % (int)(sizeof(kChannels) / sizeof(kChannels[0]))];
    a.input.n = a.input.c >= 16 ? 1 : rnd_in(1, 2);
    a.input.h = rnd_in(1, 7);
    a.input.w = rnd_in(1, 7);
    a.filter = (tg_dims4){1, 3, 3, a.input.c};
    a.stride_h = rnd_in(1, 2);
    a.stride_w = rnd_in(1, 2);
    a.dilation_h = rnd_in(1, 2);
    a.dilation_w = iter % 5 == 0 ? 2 : 1;
    a.depth_multiplier = 1;
    const int32_t padding = iter % 4 == 3; /* mostly SAME */
    a.output = (tg_dims4){a.input.n, tg_conv_out_size(padding, a.input.h, 3, a.stride_h, a.dilation_h),
                          tg_conv_out_size(padding, a.input.w, 3, a.stride_w, a.dilation_w), a.input.c};
    if (a.output.h == 0 || a.output.w == 0) continue;
    a.pad_h = tg_conv_padding(a.stride_h, a.dilation_h, a.input.h, 3, a.output.h);
    a.pad_w = tg_conv_padding(a.stride_w, a.dilation_w, a.input.w, 3, a.output.w);
    const int mode = iter % 11 == 0 ? 1 : iter % 13 == 0 ? 2 : 0;
    fill(g_in, elems(a.input), mode);
    fill(g_w, 9 * a.input.c, mode);
    make_quant(&qc, a.input.c, 1, rnd_in(-128, 127));
    for (int32_t c = 0; c < a.input.c; ++c) {
      qc.shift[c] = (int8_t)(iter % 9 == 0 ? rnd_in(-3, 2) : rnd_in(-31, -1));
      if (iter % 3 == 0) qc.bias[c] = rnd_word();
    }
    if (iter % 7 == 0) qc.bias[0] = INT32_MAX, qc.bias[a.input.c - 1] = INT32_MIN;
    const int32_t *bias = iter % 10 != 9 ? qc.bias : NULL;
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8(&a, &qc.q, g_in, g_w, bias, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8_opt_path(&a), a.input.c == 1 ? TG_DW_OPT_AS_CONV : TG_DW_OPT_MULT1);
    if (a.input.c == 1) continue; /* one channel: the conv path, tested above */
    TG_CHECK_EQ_INT(tg_depthwise_conv_s8_opt(&a, &qc.q, g_in, g_w, bias, g_opt), TG_OK);
    check_bytes(g_opt, g_ref, elems(a.output), "depthwise 3x3", iter);
    tables += a.dilation_w == 1 && a.input.w >= 3 && a.input.c >= 4;
  }
  TG_CHECK(tables > 100);
}

static void test_fully_connected_fast_path(void) {
  static quant_case qc;
  for (int iter = 0; iter < 400; ++iter) {
    tg_fc_args a = {rnd_in(1, 3), rnd_in(1, 70), rnd_in(1, 20)};
    const int mode = iter % 13 == 0 ? 1 : iter % 17 == 0 ? 2 : 0;
    fill(g_in, a.batches * a.depth, mode);
    fill(g_w, a.output_depth * a.depth, mode);
    make_quant(&qc, a.output_depth, iter % 2, rnd_in(-128, 127));
    const int32_t *bias = iter % 7 != 0 ? qc.bias : NULL;
    TG_CHECK(tg_fully_connected_s8_opt_applies(&a, &qc.q));
    tg_fold_bias_s8(g_w, bias, a.output_depth, a.depth, qc.q.input_offset, qc.folded);
    TG_CHECK_EQ_INT(tg_fully_connected_s8(&a, &qc.q, g_in, g_w, bias, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    TG_CHECK_EQ_INT(tg_fully_connected_s8_opt(&a, &qc.q, qc.folded, g_in, g_w, g_opt), TG_OK);
    check_bytes(g_opt, g_ref, a.batches * a.output_depth, "fully connected", iter);
  }
  /* asymmetric weights: the input-sum term is not folded, so no fast path */
  tg_fc_args a = {1, 8, 4};
  qc.q.filter_offset = -3;
  TG_CHECK(!tg_fully_connected_s8_opt_applies(&a, &qc.q));
  TG_CHECK_EQ_INT(tg_fully_connected_s8_opt(&a, &qc.q, qc.folded, g_in, g_w, g_opt), TG_ERR_ARG);
}

static void test_avg_pool_fast_path(void) {
  int runs = 0;
  for (int iter = 0; iter < 500; ++iter) {
    tg_pool_args a;
    a.input.n = rnd_in(1, 2);
    a.input.h = rnd_in(1, 12);
    a.input.w = rnd_in(1, 12);
    a.input.c = rnd_in(1, 13);
    a.filter_h = rnd_in(1, 5);
    a.filter_w = rnd_in(1, 5);
    a.stride_h = rnd_in(1, 3);
    a.stride_w = rnd_in(1, 3);
    if (iter % 10 == 0) { /* global pooling, as KWS and ResNet-8 end */
      a.filter_h = a.input.h, a.filter_w = a.input.w;
    }
    const int32_t padding = rnd_in(0, 1);
    a.output = a.input;
    a.output.h = tg_conv_out_size(padding, a.input.h, a.filter_h, a.stride_h, 1);
    a.output.w = tg_conv_out_size(padding, a.input.w, a.filter_w, a.stride_w, 1);
    if (a.output.h == 0 || a.output.w == 0) continue;
    a.pad_h = tg_conv_padding(a.stride_h, 1, a.input.h, a.filter_h, a.output.h);
    a.pad_w = tg_conv_padding(a.stride_w, 1, a.input.w, a.filter_w, a.output.w);
    fill(g_in, elems(a.input), iter % 13 == 0 ? 1 : iter % 17 == 0 ? 2 : 0);
    const int32_t act_min = iter % 3 == 0 ? rnd_in(-128, 0) : -128, act_max = iter % 4 == 0 ? rnd_in(0, 127) : 127;
    TG_CHECK(tg_avg_pool_s8_opt_applies(&a));
    TG_CHECK_EQ_INT(tg_avg_pool_s8(&a, act_min, act_max, g_in, g_ref), TG_OK);
    memset(g_opt, 0x5A, sizeof(g_opt));
    TG_CHECK_EQ_INT(tg_avg_pool_s8_opt(&a, act_min, act_max, g_in, g_opt), TG_OK);
    check_bytes(g_opt, g_ref, elems(a.output), "average pool", iter);
    ++runs;
  }
  TG_CHECK(runs > 300);
  /* a window of 257 positions could overflow a 16-bit lane: no fast path */
  tg_pool_args big = {{1, 17, 17, 4}, {1, 1, 1, 4}, 17, 17, 1, 1, 0, 0};
  TG_CHECK(!tg_avg_pool_s8_opt_applies(&big));
  TG_CHECK_EQ_INT(tg_avg_pool_s8_opt(&big, -128, 127, g_in, g_opt), TG_ERR_ARG);
  /* the largest window that applies, every input -128: the lane sum is exactly -32768 */
  tg_pool_args edge = {{1, 16, 16, 4}, {1, 1, 1, 4}, 16, 16, 1, 1, 0, 0};
  fill(g_in, 16 * 16 * 4, 1);
  TG_CHECK(tg_avg_pool_s8_opt_applies(&edge));
  TG_CHECK_EQ_INT(tg_avg_pool_s8_opt(&edge, -128, 127, g_in, g_opt), TG_OK);
  TG_CHECK(g_opt[0] == -128 && g_opt[3] == -128);
}

static void test_channel_requant_equals_reference(void) {
  int mismatches = 0;
  for (int i = 0; i < 100000; ++i) {
    const int32_t x = i % 2 ? rnd_word() : rnd_in(-300000, 300000);
    const int32_t m = i % 1000 == 0 ? 0 : (int32_t)(0x40000000u + (rnd() % 0x40000000u));
    const int32_t shift = rnd_in(-31, 30);
    mismatches += tg_requant_channel(x, tg_channel_requant_of(m, shift)) !=
                  tg_multiply_by_quantized_multiplier(x, m, shift);
  }
  TG_CHECK_EQ_INT(mismatches, 0);
}

/* SMMLAR (the ADD fast path's output step) against its definition. */
static void test_smmlar(void) {
  static const int32_t kEdges[] = {0, 1, -1, INT32_MAX, INT32_MIN, 0x40000000, -0x40000000, 0x7FFF, -0x8000};
  const size_t n = sizeof(kEdges) / sizeof(kEdges[0]);
  int mismatches = 0;
  for (int i = 0; i < 20000 + (int)(n * n * n); ++i) {
    const int e = i - 20000;
    const int32_t a = e >= 0 ? kEdges[e % n] : rnd_word(), b = e >= 0 ? kEdges[e / n % n] : rnd_word();
    const int32_t acc = e >= 0 ? kEdges[e / n / n] : rnd_word();
    const int64_t high = ((int64_t)a * b + 0x80000000LL) >> 32; /* in [-2^30, 2^30] */
    mismatches += tg_smmlar(a, b, acc) != (int32_t)((uint32_t)acc + (uint32_t)(int32_t)high);
  }
  TG_CHECK_EQ_INT(mismatches, 0);
}

#define ADD_PAIRS 65536
#define ADD_CHUNK 4096
static int8_t g_add1[ADD_CHUNK + 4], g_add2[ADD_CHUNK + 4], g_add_ref[ADD_CHUNK + 4], g_add_opt[ADD_CHUNK + 4];

/* Parameters of set k: even sets as ADD's prepare makes them from random scales and zero
 * points (tg_add_s8_opt_applies must hold), odd sets at the edges the predicate allows
 * (extreme offsets, input shifts 0 and -31, output shifts -1 and -31, multipliers 0 and
 * 2^31 - 1, left shifts below 20, narrow clamps). */
static void add_params(int k, tg_add_s8_params *p) {
  if (k % 2 == 0) {
    const double s1 = 0.001 * rnd_in(1, 300), s2 = 0.001 * rnd_in(1, 300);
    const double twice_max = 2.0 * (s1 > s2 ? s1 : s2), so = twice_max * rnd_in(30, 300) / 200.0;
    p->left_shift = 20;
    tg_quantize_multiplier(s1 / twice_max, &p->input1_multiplier, &p->input1_shift);
    tg_quantize_multiplier(s2 / twice_max, &p->input2_multiplier, &p->input2_shift);
    tg_quantize_multiplier(twice_max / ((double)(1 << 20) * so), &p->output_multiplier, &p->output_shift);
    p->input1_offset = rnd_in(-127, 128), p->input2_offset = rnd_in(-127, 128);
    p->output_offset = rnd_in(-128, 127);
    p->act_min = k % 4 == 0 ? -128 : p->output_offset < -128 ? -128 : p->output_offset;
    p->act_max = 127;
    return;
  }
  const int e = k / 2;
  p->left_shift = e % 3 == 2 ? rnd_in(0, 19) : 20;
  p->input1_offset = e % 2 ? 128 : -127;
  p->input2_offset = e % 4 < 2 ? -127 : 128;
  p->input1_multiplier = e % 5 == 0 ? INT32_MAX : e % 5 == 1 ? 0 : (int32_t)(0x40000000u + rnd() % 0x40000000u);
  p->input1_shift = e % 3 == 0 ? 0 : e % 3 == 1 ? -31 : rnd_in(-31, 0);
  p->input2_multiplier = e % 2 ? INT32_MAX : 0x40000000;
  p->input2_shift = e % 4 == 3 ? -31 : 0;
  p->output_multiplier = e % 3 == 1 ? INT32_MAX : (int32_t)(0x40000000u + rnd() % 0x40000000u);
  p->output_shift = e % 4 == 0 ? -1 : e % 4 == 1 ? -31 : rnd_in(-24, -2);
  p->output_offset = e % 2 ? 127 : -128;
  p->act_min = e % 3 == 0 ? rnd_in(-128, 0) : -128;
  p->act_max = e % 5 == 0 ? rnd_in(0, 127) : 127;
}

/* The ADD fast path against tg_add_s8 over every one of the 65,536 input pairs, per
 * parameter set: 16 calls of 4,096 elements at varying byte offsets (unaligned words, the
 * assembly loop's 4 elements per step), then the lengths 0 to 9 (the scalar tail). */
static void test_add_exhaustive(void) {
  for (int k = 0; k < 16; ++k) {
    tg_add_s8_params p;
    add_params(k, &p);
    const int32_t dims[1] = {ADD_CHUNK};
    tg_broadcast b;
    int32_t bad;
    TG_CHECK_EQ_INT(tg_broadcast_shapes(dims, 1, dims, 1, dims, 1, &b, &bad), TG_OK);
    TG_CHECK(tg_add_s8_opt_applies(&p, &b));
    for (int32_t start = 0; start < ADD_PAIRS; start += ADD_CHUNK) {
      const int32_t o1 = (start >> 12) & 3, o2 = (start >> 14) & 3, oo = ((start >> 12) + k) & 3;
      for (int32_t i = 0; i < ADD_CHUNK; ++i) {
        g_add1[o1 + i] = (int8_t)((start + i) & 0xFF);
        g_add2[o2 + i] = (int8_t)((start + i) >> 8);
      }
      tg_add_s8(&p, &b, g_add1 + o1, g_add2 + o2, g_add_ref + oo);
      TG_CHECK_EQ_INT(tg_add_s8_opt(&p, &b, g_add1 + o1, g_add2 + o2, g_add_opt + oo), TG_OK);
      check_bytes(g_add_opt + oo, g_add_ref + oo, ADD_CHUNK, "add", k);
    }
    for (int32_t n = 0; n < 10; ++n) {
      const int32_t d[1] = {n};
      TG_CHECK_EQ_INT(tg_broadcast_shapes(d, 1, d, 1, d, 1, &b, &bad), TG_OK);
      fill(g_add1, n, 0);
      fill(g_add2, n, 0);
      memset(g_add_opt, 0x5A, n + 4);
      tg_add_s8(&p, &b, g_add1, g_add2, g_add_ref);
      TG_CHECK_EQ_INT(tg_add_s8_opt(&p, &b, g_add1, g_add2, g_add_opt), TG_OK);
      check_bytes(g_add_opt, g_add_ref, n, "add tail", n);
      TG_CHECK_EQ_INT(g_add_opt[n], 0x5A); /* nothing written past the end */
    }
  }
}

/* ---- The matrix multiply over every inner-product tail: MVE builds (the Cortex-M55)
 * run tg_mat_mult_s8_mve.c's 16-byte steps and VCTP8-predicated last step, the others
 * their 4-byte DSP or plain C steps and scalar tails. ---- */

/* Depths 1 to 40 (every tail of 16- and 4-byte steps), 64 and 576 (whole steps, ResNet-8's
 * deepest layer). */
static int32_t tail_depth(int i) { return i < 40 ? i + 1 : i == 40 ? 64 : 576; }
#define TAIL_DEPTHS 42

/* tg_mat_mult_s8_opt against the reference FULLY_CONNECTED (batches = columns, units =
 * rows: the same output order), per depth: 6 cases each with 1 to 64 rows (up to one
 * whole run of TG_ROW_PAIRS row pairs) as the buffers allow, 1 to 5 columns (odd rows
 * and columns take the 1x1 product), operands at byte offsets 0 to 15, random and
 * extreme input zero points (the folded bias), per-tensor and per-channel multipliers,
 * saturating inputs. */
static void test_mat_mult_depths(void) {
  static quant_case qc;
  int runs = 0;
  for (int d = 0; d < TAIL_DEPTHS; ++d) {
    const int32_t depth = tail_depth(d);
    for (int k = 0; k < 6; ++k, ++runs) {
      const int32_t most_rows = (MAXE - 16) / depth < MAXC ? (MAXE - 16) / depth : MAXC;
      const int32_t rows = rnd_in(1, most_rows);
      const int32_t most_cols = (MAXE - 16) / depth < 5 ? (MAXE - 16) / depth : 5;
      const int32_t cols = k == 0 ? 1 : rnd_in(1, most_cols);
      const int32_t ow = rnd_in(0, 15), ox = rnd_in(0, 15);
      const int mode = k == 4 ? 1 : k == 5 ? 2 : 0;
      fill(g_w + ow, rows * depth, mode);
      fill(g_in + ox, cols * depth, mode);
      const int32_t zp = k == 1 ? -128 : k == 2 ? 127 : rnd_in(-128, 127);
      make_quant(&qc, rows, k % 2, zp);
      tg_fc_args a = {cols, depth, rows};
      tg_fold_bias_s8(g_w + ow, qc.bias, rows, depth, qc.q.input_offset, qc.folded);
      TG_CHECK_EQ_INT(tg_fully_connected_s8(&a, &qc.q, g_in + ox, g_w + ow, qc.bias, g_ref), TG_OK);
      memset(g_opt, 0x5A, sizeof(g_opt));
      TG_CHECK_EQ_INT(tg_mat_mult_s8_opt(g_w + ow, g_in + ox, qc.folded, rows, cols, depth, &qc.q, g_opt), TG_OK);
      check_bytes(g_opt, g_ref, rows * cols, "matrix multiply", depth);
      TG_CHECK_EQ_INT(g_opt[rows * cols], 0x5A); /* nothing written past the outputs */
    }
  }
  TG_CHECK_EQ_INT(runs, TAIL_DEPTHS * 6);
}

#if TG_SIMD_MVE
/* w[0..n) . x[0..n) + acc modulo 2^32: the definition the MVE products must equal. */
static int32_t dot_wrap(const int8_t *w, const int8_t *x, int32_t n, int32_t acc) {
  uint32_t a = (uint32_t)acc;
  for (int32_t i = 0; i < n; ++i) a += (uint32_t)(w[i] * x[i]);
  return (int32_t)a;
}

/* The MVE inner products alone, against dot_wrap, per depth of tail_depth: rows and
 * columns packed end to end at byte offsets 0 to 15 and followed by 16 bytes of 0x7F and
 * 0x81 (a last step that counted a lane past the depth would change a sum), biases at
 * INT32_MAX, INT32_MIN and random words (the sums wrap as the reference's), saturating
 * operands (-128 x -128 products); nothing written past the 4 x pairs accumulators. */
static void test_mve_inner_products(void) {
  static int32_t acc[4 * 33], bias[66];
  int mismatches = 0;
  for (int d = 0; d < TAIL_DEPTHS; ++d) {
    const int32_t depth = tail_depth(d);
    for (int k = 0; k < 8; ++k) {
      const int32_t most = (MAXE - 48) / (2 * depth) < 32 ? (MAXE - 48) / (2 * depth) : 32;
      const int32_t pairs = k == 0 ? 1 : rnd_in(1, most);
      const int32_t ow = rnd_in(0, 15), ox = rnd_in(0, 15);
      int8_t *const w = g_w + ow, *const x = g_in + ox;
      const int mode = k == 6 ? 1 : k == 7 ? 2 : 0;
      fill(w, 2 * pairs * depth, mode);
      fill(x, 2 * depth, mode);
      for (int32_t i = 0; i < 16; ++i) {
        w[2 * pairs * depth + i] = (int8_t)(i % 2 ? 0x7F : -127);
        x[2 * depth + i] = (int8_t)(i % 2 ? -127 : 0x7F);
      }
      for (int32_t r = 0; r < 2 * pairs; ++r) {
        bias[r] = k == 1 ? INT32_MAX - r : k == 2 ? INT32_MIN + r : rnd_word();
      }
      for (int32_t i = 0; i < 4 * 33; ++i) acc[i] = 0x5A5A5A5A;
      tg_mat_mult_s8_mve_rows_2x2(acc, w, x, depth, bias, pairs);
      for (int32_t p = 0; p < pairs; ++p) {
        const int8_t *w0 = w + 2 * p * depth, *w1 = w0 + depth;
        mismatches += acc[4 * p] != dot_wrap(w0, x, depth, bias[2 * p]);
        mismatches += acc[4 * p + 1] != dot_wrap(w0, x + depth, depth, bias[2 * p]);
        mismatches += acc[4 * p + 2] != dot_wrap(w1, x, depth, bias[2 * p + 1]);
        mismatches += acc[4 * p + 3] != dot_wrap(w1, x + depth, depth, bias[2 * p + 1]);
      }
      TG_CHECK_EQ_INT(acc[4 * pairs], 0x5A5A5A5A);
      const int32_t r = rnd_in(0, 2 * pairs - 1);
      mismatches += tg_mat_mult_s8_mve_1x1(w + r * depth, x, depth, bias[r]) != dot_wrap(w + r * depth, x, depth, bias[r]);
      /* the last row and column, whose next bytes are the guard */
      const int8_t *last = w + (2 * pairs - 1) * depth;
      mismatches += tg_mat_mult_s8_mve_1x1(last, x + depth, depth, bias[0]) != dot_wrap(last, x + depth, depth, bias[0]);
    }
  }
  TG_CHECK_EQ_INT(mismatches, 0);
}
#endif

/* The engine names the kernel set it was built with (reported to the host). */
static void test_kernel_set_name(void) { TG_CHECK(strcmp(tg_engine_kernel_set(), "opt") == 0); }

int main(void) {
  printf("opt kernels: DSP operations %s\n", TG_SIMD_NAME);
  TG_RUN(test_kernel_set_name);
  TG_RUN(test_smmlar);
  TG_RUN(test_add_exhaustive);
  TG_RUN(test_conv_padded_depth);
  TG_RUN(test_mat_mult_requant_edges);
  TG_RUN(test_channel_requant_equals_reference);
  TG_RUN(test_avg_pool_fast_path);
  TG_RUN(test_simd_operations);
  TG_RUN(test_requant_equals_reference);
  TG_RUN(test_conv_fast_paths);
  TG_RUN(test_depthwise_fast_paths);
  TG_RUN(test_depthwise_3x3_runs);
  TG_RUN(test_fully_connected_fast_path);
  TG_RUN(test_mat_mult_depths);
#if TG_SIMD_MVE
  printf("opt kernels: matrix multiply inner products MVE (VLDRB.S8 + VMLADAVA.S8)\n");
  TG_RUN(test_mve_inner_products);
#endif
  return tg_test_summary("opt kernels");
}
#else
/* A ref build has no opt kernels: it must say so to the host, and nothing else here runs. */
static void test_kernel_set_name(void) { TG_CHECK(strcmp(tg_engine_kernel_set(), "ref") == 0); }

int main(void) {
  printf("opt kernels: not in this build (KERNELS=ref); run with KERNELS=opt\n");
  TG_RUN(test_kernel_set_name);
  return tg_test_summary("opt kernels (KERNELS=ref: kernel set name only)");
}
#endif
