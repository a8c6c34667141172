/* DEPTHWISE_CONV_2D int8, per-channel: TFLM's reference_integer_ops::DepthwiseConvPerChannel
 * (batch, out_y, out_x, in_channel, multiplier, filter_y, filter_x). The in-image taps of
 * each window are computed once per output position instead of tested per tap. */
#include "tg_kernels.h"
#include "tg_quant.h"

/* sum over n taps of w * (x + input_offset), x and w advancing by their own steps. At
 * most kh * kw <= TG_MAX_ACCUM_DEPTH products per output (prepare): no overflow. A
 * function of its own so that its values stay in registers (see TG_NOINLINE). */
TG_NOINLINE static int32_t taps_s8(const int8_t *x, int32_t x_step, const int8_t *w, int32_t w_step, int32_t n,
                                   int32_t input_offset) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) { /* indexed: a stepped pointer would leave the array */
    acc += (int32_t)w[i * w_step] * ((int32_t)x[i * x_step] + input_offset);
  }
  return acc;
}

tg_status tg_depthwise_conv_s8(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t mult = args->depth_multiplier;
  const int32_t stride_h = args->stride_h, stride_w = args->stride_w;
  const int32_t dil_h = args->dilation_h, dil_w = args->dilation_w;
  const int32_t input_offset = q->input_offset, output_offset = q->output_offset;
  const int32_t act_min = q->act_min, act_max = q->act_max;
  int8_t *o = output;
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
            /* Taps outside the image read the zero point: (zp + input_offset) * w == 0. */
            int32_t acc = 0;
            for (int32_t ky = ky0; ky < ky1 && kx0 < kx1; ++ky) {
              const int8_t *x = input + ((b * in.h + in_y0 + dil_h * ky) * in.w + in_x0 + dil_w * kx0) * in.c + ic;
              const int8_t *w = filter + (ky * fl.w + kx0) * fl.c + oc;
              acc += taps_s8(x, dil_w * in.c, w, fl.c, kx1 - kx0, input_offset);
            }
            if (bias != NULL) {
              acc = (int32_t)((uint32_t)acc + (uint32_t)bias[oc]); /* wraps like TFLM, never UB */
            }
            const int32_t ch = q->per_channel ? oc : 0;
            acc = tg_multiply_by_quantized_multiplier(acc, q->multiplier[ch], q->shift[ch]) + output_offset;
            acc = acc < act_min ? act_min : acc;
            acc = acc > act_max ? act_max : acc;
            o[oc] = (int8_t)acc;
          }
        }
        o += out.c;
      }
    }
  }
  return TG_OK;
}
