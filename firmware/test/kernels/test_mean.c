/* MEAN: float against the double mean over the axes (4-D [1,2] keep_dims as the
 * classifiers use it, negative and repeated axes, every axis to a scalar), int8 against
 * the real mean requantized (exact for a shared quantization and power-of-two counts,
 * where TFLM's folded multiplier is exact; within one step otherwise), and the prepare
 * errors. */
#include "tg_test_ops.h"

#include "tg_quant.h"
#include "tg_test_ew.h"

extern const tg_op tg_op_mean;

static tg_ctx ctx;

enum { kFieldKeepDims = 0 };

/* Sets up input (tensor 0), a constant axis list (tensor 1) and the output (tensor 2), in
 * an arena cut to what a layer keeps: an int8 layer its requantization (8 bytes), a
 * float32 layer nothing (the reduced dims are rebuilt at eval from the axis tensor). */
static void setup(tg_test_node *tn, tg_test_opts *o, int keep_dims, tg_type type, int32_t in_ndims,
                  const int32_t *in_dims, void *in, int32_t n_axes, int32_t *axes, int32_t out_ndims,
                  const int32_t *out_dims, void *out) {
  const tg_test_field f[] = {{kFieldKeepDims, 1, keep_dims}};
  tg_test_options(o, f, 1);
  tg_test_node_init(tn, 2, o, &ctx);
  ew_tensor(&ctx, 0, type, in_ndims, in_dims, in);
  const int32_t axis_dims[] = {n_axes};
  ew_tensor(&ctx, 1, TG_INT32, 1, axis_dims, axes)->is_const = 1;
  ew_tensor(&ctx, 2, type, out_ndims, out_dims, out);
  ctx.capacity = type == TG_INT8 ? 8 : 0;
}

/* Mean of in (row-major, dims) over the marked dims, in double, output row-major. */
static void mean_reference(const double *in, const int32_t *dims, int32_t ndims, const int *reduced, double *out,
                           int32_t n_out) {
  double sums[128] = {0};
  int32_t counts[128] = {0};
  int32_t total = 1;
  for (int32_t d = 0; d < ndims; ++d) total *= dims[d];
  for (int32_t n = 0; n < total; ++n) {
    int32_t idx[6];
    ew_unflatten(n, dims, ndims, idx);
    int32_t o = 0;
    for (int32_t d = 0; d < ndims; ++d) {
      if (!reduced[d]) o = o * dims[d] + idx[d];
    }
    sums[o] += in[n];
    counts[o] += 1;
  }
  for (int32_t o = 0; o < n_out; ++o) out[o] = sums[o] / counts[o];
}

static void test_mean_f32(void) {
  static const int32_t dims[] = {2, 3, 4, 5};
  static float in[120], out[10];
  static double din[120], ref[10];
  uint32_t seed = 17u;
  for (int i = 0; i < 120; ++i) {
    in[i] = (float)tg_test_rand_range(&seed, -9000, 9000) / 1000.0f;
    din[i] = in[i];
  }
  tg_test_opts o;
  tg_test_node tn;
  float expect[10];

  /* axes [1, 2], keep_dims: [2, 1, 1, 5] */
  static int32_t axes12[] = {1, 2};
  static const int32_t out12[] = {2, 1, 1, 5};
  static const int red12[] = {0, 1, 1, 0};
  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, in, 2, axes12, 4, out12, out);
  TG_CHECK_EQ_INT(ew_run(&tg_op_mean, &ctx, &tn), TG_OK);
  mean_reference(din, dims, 4, red12, ref, 10);
  for (int i = 0; i < 10; ++i) expect[i] = (float)ref[i];
  TG_CHECK_NEAR_ARRAY(out, expect, 10, 1e-5, 1e-6);

  /* axes [-1, 0, -1] (negative, repeated), no keep_dims: [3, 4] */
  static int32_t axes_neg[] = {-1, 0, -1};
  static const int32_t out_neg[] = {3, 4};
  static const int red_neg[] = {1, 0, 0, 1};
  static float out12b[12];
  static double ref12[12];
  float expect12[12];
  setup(&tn, &o, 0, TG_FLOAT32, 4, dims, in, 3, axes_neg, 2, out_neg, out12b);
  TG_CHECK_EQ_INT(ew_run(&tg_op_mean, &ctx, &tn), TG_OK);
  mean_reference(din, dims, 4, red_neg, ref12, 12);
  for (int i = 0; i < 12; ++i) expect12[i] = (float)ref12[i];
  TG_CHECK_NEAR_ARRAY(out12b, expect12, 12, 1e-5, 1e-6);

  /* every axis, no keep_dims: a scalar */
  static int32_t axes_all[] = {0, 1, 2, 3};
  static const int red_all[] = {1, 1, 1, 1};
  setup(&tn, &o, 0, TG_FLOAT32, 4, dims, in, 4, axes_all, 0, out12, out);
  TG_CHECK_EQ_INT(ew_run(&tg_op_mean, &ctx, &tn), TG_OK);
  mean_reference(din, dims, 4, red_all, ref, 1);
  TG_CHECK_NEAR(out[0], ref[0], 1e-5);
}

/* Same scale and zero point in and out, 2x2 and 4x4 windows: the folded multiplier is
 * exact, so the result is the mean rounded (ties by the build's rounding mode). */
static void test_mean_s8_exact_power_of_two_counts(void) {
  static const float s = 0.04f;
  static const int32_t z = -7;
  static int32_t axes[] = {1, 2};
  static int8_t in[1 * 4 * 4 * 3], out[12], expect[12];
  uint32_t seed = 55u;
  for (int i = 0; i < 48; ++i) in[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
  in[0] = in[3] = in[6] = in[9] = 127; /* channel 0 of the 2x2 window all maxima: stays 127 */
  for (int32_t win = 2; win <= 4; win += 2) {
    const int32_t dims[] = {1, win, win, 3};
    const int32_t odims[] = {1, 1, 1, 3};
    tg_test_opts o;
    tg_test_node tn;
    setup(&tn, &o, 1, TG_INT8, 4, dims, in, 2, axes, 4, odims, out);
    ew_quant(&ctx.tensors[0], &s, &z);
    ew_quant(&ctx.tensors[2], &s, &z);
    TG_CHECK_EQ_INT(ew_run(&tg_op_mean, &ctx, &tn), TG_OK);
    for (int c = 0; c < 3; ++c) {
      double sum = 0.0;
      for (int i = 0; i < win * win; ++i) sum += in[i * 3 + c] - z;
      /* ties: away from zero with TFLM's default double rounding, upward with single */
      const double mean = sum / (win * win);
      const double q = TG_SINGLE_ROUNDING ? floor(mean + 0.5) + z : round(mean) + z;
      expect[c] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    }
    TG_CHECK_EQ_ARRAY(out, expect, 3);
    if (win == 2) TG_CHECK_EQ_INT(out[0], 127);
  }
}

/* Requantizing mean over 5x5 windows and over the channel axis. */
static void test_mean_s8_against_real(void) {
  static const int32_t dims[] = {1, 5, 5, 4};
  static const float si = 0.031f, so = 0.017f;
  static const int32_t zi = 9, zo = -30;
  static int8_t in[100], out[25], expect[25];
  static double din[100], ref[25];
  uint32_t seed = 909u;
  for (int i = 0; i < 100; ++i) {
    in[i] = (int8_t)tg_test_rand_range(&seed, -128, 127);
    din[i] = ew_real(in[i], si, zi);
  }
  static const struct {
    int32_t n_axes;
    int32_t axes[2];
    int keep;
    int32_t out_ndims;
    int32_t out_dims[4];
    int reduced[4];
    int32_t n_out;
  } cases[] = {
      {2, {2, 1}, 1, 4, {1, 1, 1, 4}, {0, 1, 1, 0}, 4},
      {1, {3, 0}, 0, 3, {1, 5, 5}, {0, 0, 0, 1}, 25},
  };
  for (int k = 0; k < 2; ++k) {
    int32_t axes[2] = {cases[k].axes[0], cases[k].axes[1]};
    tg_test_opts o;
    tg_test_node tn;
    setup(&tn, &o, cases[k].keep, TG_INT8, 4, dims, in, cases[k].n_axes, axes, cases[k].out_ndims,
          cases[k].out_dims, out);
    ew_quant(&ctx.tensors[0], &si, &zi);
    ew_quant(&ctx.tensors[2], &so, &zo);
    TG_CHECK_EQ_INT(ew_run(&tg_op_mean, &ctx, &tn), TG_OK);
    mean_reference(din, dims, 4, cases[k].reduced, ref, cases[k].n_out);
    for (int i = 0; i < cases[k].n_out; ++i) expect[i] = (int8_t)ew_quantize(ref[i], so, zo, -128, 127);
    TG_CHECK(ew_max_diff(out, expect, cases[k].n_out) <= 1);
  }
}

static void test_mean_prepare_errors(void) {
  static const int32_t dims[] = {1, 3, 3, 2};
  static const int32_t odims[] = {1, 1, 1, 2};
  static const int32_t odims_flat[] = {1, 2};
  static const float s = 0.1f;
  static const int32_t z = 0;
  static float f[18], fo[2];
  static int8_t q[18], qo[2];
  static int32_t axes[] = {1, 2};
  static int32_t axes_bad[] = {1, 4};
  tg_test_opts o;
  tg_test_node tn;

  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, f, 2, axes_bad, 4, odims, fo);
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* keep_dims set, output without the kept 1s */
  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, f, 2, axes, 2, odims_flat, fo);
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_SHAPE);

  /* axis computed at run time */
  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, f, 2, axes, 4, odims, fo);
  ctx.tensors[1].is_const = 0;
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_MODEL_INVALID);

  /* axis of the wrong type */
  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, f, 2, axes, 4, odims, fo);
  ctx.tensors[1].type = TG_INT64;
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* float in, int8 out */
  setup(&tn, &o, 1, TG_FLOAT32, 4, dims, f, 2, axes, 4, odims, qo);
  ctx.tensors[2].type = TG_INT8;
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_UNSUPPORTED_TYPE);

  /* int8 output without quantization */
  setup(&tn, &o, 1, TG_INT8, 4, dims, q, 2, axes, 4, odims, qo);
  ew_quant(&ctx.tensors[0], &s, &z);
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_QUANT);

  /* no room for an int8 layer's requantization */
  setup(&tn, &o, 1, TG_INT8, 4, dims, q, 2, axes, 4, odims, qo);
  ew_quant(&ctx.tensors[0], &s, &z);
  ew_quant(&ctx.tensors[2], &s, &z);
  ctx.capacity = 7;
  TG_CHECK_EQ_INT(tg_op_mean.prepare(&ctx, &tn.node), TG_ERR_ARENA_TOO_SMALL);
}

int main(void) {
  TG_RUN(test_mean_f32);
  TG_RUN(test_mean_s8_exact_power_of_two_counts);
  TG_RUN(test_mean_s8_against_real);
  TG_RUN(test_mean_prepare_errors);
  return tg_test_summary("mean");
}
