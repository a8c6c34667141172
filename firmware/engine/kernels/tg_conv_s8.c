/* CONV_2D int8, per-channel: TFLM's reference_integer_ops::ConvPerChannel loop nest. */
#include "tg_kernels.h"
#include "tg_quant.h"

tg_status tg_conv_s8(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output) {
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
          /* Bounded by TG_MAX_ACCUM_DEPTH products (checked in prepare): no overflow. */
          int32_t acc = 0;
          for (int32_t ky = 0; ky < fl.h; ++ky) {
            const int32_t iy = in_y0 + args->dilation_h * ky;
            for (int32_t kx = 0; kx < fl.w; ++kx) {
              const int32_t ix = in_x0 + args->dilation_w * kx;
              if (ix < 0 || ix >= in.w || iy < 0 || iy >= in.h) {
                continue; /* padding holds the zero point: (zp + input_offset) * w == 0 */
              }
              const int8_t *x = input + ((b * in.h + iy) * in.w + ix) * in.c + group * fl.c;
              const int8_t *w = filter + ((oc * fl.h + ky) * fl.w + kx) * fl.c;
              for (int32_t ic = 0; ic < fl.c; ++ic) {
                acc += (int32_t)w[ic] * ((int32_t)x[ic] + q->input_offset);
              }
            }
          }
          if (bias != NULL) {
            acc = (int32_t)((uint32_t)acc + (uint32_t)bias[oc]); /* wraps like TFLM, never UB */
          }
          const int32_t ch = q->per_channel ? oc : 0;
          acc = tg_multiply_by_quantized_multiplier(acc, q->multiplier[ch], q->shift[ch]);
          acc += q->output_offset;
          acc = acc < q->act_min ? q->act_min : acc;
          acc = acc > q->act_max ? q->act_max : acc;
          output[((b * out.h + oy) * out.w + ox) * out.c + oc] = (int8_t)acc;
        }
      }
    }
  }
  return TG_OK;
}
