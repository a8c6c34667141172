/* DEPTHWISE_CONV_2D float32: TFLM's reference_ops::DepthwiseConv loop nest (bias added
 * after the window sum, as the reference, so rounding matches). */
#include "tg_kernels.h"

tg_status tg_depthwise_conv_f32(const tg_conv_args *args, const tg_act_f32 *act, const float *input,
                                const float *filter, const float *bias, float *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t mult = args->depth_multiplier;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * args->stride_h - args->pad_h;
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * args->stride_w - args->pad_w;
        for (int32_t ic = 0; ic < in.c; ++ic) {
          for (int32_t m = 0; m < mult; ++m) {
            const int32_t oc = m + ic * mult;
            float total = 0.0f;
            for (int32_t ky = 0; ky < fl.h; ++ky) {
              const int32_t iy = in_y0 + args->dilation_h * ky;
              for (int32_t kx = 0; kx < fl.w; ++kx) {
                const int32_t ix = in_x0 + args->dilation_w * kx;
                if (ix < 0 || ix >= in.w || iy < 0 || iy >= in.h) {
                  continue;
                }
                total += input[((b * in.h + iy) * in.w + ix) * in.c + ic] *
                         filter[(ky * fl.w + kx) * fl.c + oc];
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
  }
  return TG_OK;
}
