/* CONV_2D float32: TFLM's reference_ops::Conv loop nest (filter_y, filter_x, in_channel
 * summed left to right from 0, the bias added after the sum), so results round exactly
 * like the reference. Tap ranges and contiguous rows as in tg_conv_s8.c: skipping the
 * out-of-image taps and summing a row's run in order adds the same terms in the same
 * order as the reference's per-tap test. */
#include "tg_kernels.h"

/* total + x[0] * w[0] + x[1] * w[1] + ..., left to right: the running total goes in so
 * the additions keep the reference's order. Apart for register allocation. */
TG_NOINLINE static float dot_f32(float total, const float *x, const float *w, int32_t n) {
  for (int32_t i = 0; i < n; ++i) {
    total += x[i] * w[i];
  }
  return total;
}

tg_status tg_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                      const float *filter, const float *bias, float *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t stride_h = args->stride_h, stride_w = args->stride_w;
  const int32_t dil_h = args->dilation_h, dil_w = args->dilation_w;
  const float act_min = act->min, act_max = act->max;
  const int32_t groups = in.c / fl.c;
  const int32_t filters_per_group = out.c / groups;
  const int row_is_contiguous = dil_w == 1 && groups == 1;
  float *o = output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * stride_h - args->pad_h;
      const int32_t ky0 = tg_first_tap(in_y0, dil_h), ky1 = tg_end_tap(in_y0, dil_h, in.h, fl.h);
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * stride_w - args->pad_w;
        const int32_t kx0 = tg_first_tap(in_x0, dil_w), kx1 = tg_end_tap(in_x0, dil_w, in.w, fl.w);
        for (int32_t oc = 0; oc < out.c; ++oc) {
          const int32_t group = oc / filters_per_group;
          float total = 0.0f;
          for (int32_t ky = ky0; ky < ky1 && kx0 < kx1; ++ky) {
            const float *x = input + ((b * in.h + in_y0 + dil_h * ky) * in.w + in_x0 + dil_w * kx0) * in.c +
                             group * fl.c;
            const float *w = filter + ((oc * fl.h + ky) * fl.w + kx0) * fl.c;
            if (row_is_contiguous) {
              total = dot_f32(total, x, w, (kx1 - kx0) * fl.c);
            } else {
              for (int32_t kx = 0; kx < kx1 - kx0; ++kx) {
                total = dot_f32(total, x + kx * dil_w * in.c, w + kx * fl.c, fl.c);
              }
            }
          }
          float v = total + (bias != NULL ? bias[oc] : 0.0f);
          v = v < act_min ? act_min : v;
          v = v > act_max ? act_max : v;
          *o++ = v;
        }
      }
    }
  }
  return TG_OK;
}
