/* CONV_2D float32: TFLM's reference_ops::Conv loop nest (same summation order, the bias
 * added after the sum, so results round exactly like the reference). */
#include "tg_kernels.h"

tg_status tg_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                      const float *filter, const float *bias, float *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t groups = in.c / fl.c;
  const int32_t filters_per_group = out.c / groups;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * args->stride_h - args->pad_h;
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * args->stride_w - args->pad_w;
        for (int32_t oc = 0; oc < out.c; ++oc) {
          const int32_t group = oc / filters_per_group;
          float total = 0.0f;
          for (int32_t ky = 0; ky < fl.h; ++ky) {
            const int32_t iy = in_y0 + args->dilation_h * ky;
            for (int32_t kx = 0; kx < fl.w; ++kx) {
              const int32_t ix = in_x0 + args->dilation_w * kx;
              if (ix < 0 || ix >= in.w || iy < 0 || iy >= in.h) {
                continue;
              }
              const float *x = input + ((b * in.h + iy) * in.w + ix) * in.c + group * fl.c;
              const float *w = filter + ((oc * fl.h + ky) * fl.w + kx) * fl.c;
              for (int32_t ic = 0; ic < fl.c; ++ic) {
                total += x[ic] * w[ic];
              }
            }
          }
          float v = total + (bias != NULL ? bias[oc] : 0.0f);
          v = v < act->min ? act->min : v;
          v = v > act->max ? act->max : v;
          output[((b * out.h + oy) * out.w + ox) * out.c + oc] = v;
        }
      }
    }
  }
  return TG_OK;
}
