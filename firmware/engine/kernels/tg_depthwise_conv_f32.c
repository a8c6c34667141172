/* DEPTHWISE_CONV_2D float32: TFLM's reference_ops::DepthwiseConv loop nest (taps summed
 * in filter_y, filter_x order from 0, bias added after), so rounding matches. In-image
 * tap ranges as in tg_depthwise_conv_s8.c: skipping the out-of-image taps up front adds
 * the same terms in the same order as the reference's per-tap test. */
#include "tg_kernels.h"

/* total + x * w over n taps, left to right, x and w advancing by their own steps. */
TG_NOINLINE static float taps_f32(float total, const float *x, int32_t x_step, const float *w, int32_t w_step,
                                  int32_t n) {
  for (int32_t i = 0; i < n; ++i) { /* indexed: a stepped pointer would leave the array */
    total += x[i * x_step] * w[i * w_step];
  }
  return total;
}

tg_status tg_depthwise_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                                const float *filter, const float *bias, float *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t mult = args->depth_multiplier;
  const int32_t stride_h = args->stride_h, stride_w = args->stride_w;
  const int32_t dil_h = args->dilation_h, dil_w = args->dilation_w;
  const float act_min = act->min, act_max = act->max;
  float *o = output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * stride_h - args->pad_h;
      const int32_t ky0 = tg_first_tap(in_y0, dil_h), ky1 = tg_end_tap(in_y0, dil_h, in.h, fl.h);
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * stride_w - args->pad_w;
        const int32_t kx0 = tg_first_tap(in_x0, dil_w), kx1 = tg_end_tap(in_x0, dil_w, in.w, fl.w);
        for (int32_t ic = 0; ic < in.c; ++ic) {
          for (int32_t m = 0; m < mult; ++m) {
            const int32_t oc = m + ic * mult;
            float total = 0.0f;
            for (int32_t ky = ky0; ky < ky1 && kx0 < kx1; ++ky) {
              const float *x = input + ((b * in.h + in_y0 + dil_h * ky) * in.w + in_x0 + dil_w * kx0) * in.c + ic;
              const float *w = filter + (ky * fl.w + kx0) * fl.c + oc;
              total = taps_f32(total, x, dil_w * in.c, w, fl.c, kx1 - kx0);
            }
            float v = total + (bias != NULL ? bias[oc] : 0.0f);
            v = v < act_min ? act_min : v;
            v = v > act_max ? act_max : v;
            o[oc] = v;
          }
        }
        o += out.c;
      }
    }
  }
  return TG_OK;
}
