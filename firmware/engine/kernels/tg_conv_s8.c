/* CONV_2D int8, per-channel: TFLM's reference_integer_ops::ConvPerChannel loop nest
 * (batch, out_y, out_x, out_channel, filter_y, filter_x, in_channel). The in-image taps
 * of each window are computed once per output position instead of tested per tap, and
 * with dilation 1 and no groups a filter row's taps are one contiguous run in both the
 * input and the filter (NHWC / OHWI), so the innermost dot product covers the whole row. */
#include "tg_kernels.h"
#include "tg_quant.h"

/* sum of w[i] * (x[i] + input_offset). At most TG_MAX_ACCUM_DEPTH products per output
 * (checked in prepare): the int32 sum cannot overflow. A function of its own so that its
 * few values stay in registers (see TG_NOINLINE). */
TG_NOINLINE static int32_t dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t input_offset) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) {
    acc += (int32_t)w[i] * ((int32_t)x[i] + input_offset);
  }
  return acc;
}

tg_status tg_conv_s8(const tg_conv_args *args, const tg_quant_args *q, const int8_t *input,
                     const int8_t *filter, const int32_t *bias, int8_t *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 fl = args->filter;
  const tg_dims4 out = args->output;
  const int32_t stride_h = args->stride_h, stride_w = args->stride_w;
  const int32_t dil_h = args->dilation_h, dil_w = args->dilation_w;
  const int32_t input_offset = q->input_offset, output_offset = q->output_offset;
  const int32_t act_min = q->act_min, act_max = q->act_max;
  const int32_t groups = in.c / fl.c;
  const int32_t filters_per_group = out.c / groups;
  const int row_is_contiguous = dil_w == 1 && groups == 1;
  int8_t *o = output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * stride_h - args->pad_h;
      const int32_t ky0 = tg_first_tap(in_y0, dil_h), ky1 = tg_end_tap(in_y0, dil_h, in.h, fl.h);
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * stride_w - args->pad_w;
        const int32_t kx0 = tg_first_tap(in_x0, dil_w), kx1 = tg_end_tap(in_x0, dil_w, in.w, fl.w);
        for (int32_t oc = 0; oc < out.c; ++oc) {
          const int32_t group = oc / filters_per_group;
          /* Taps outside the image read the zero point: (zp + input_offset) * w == 0. */
          int32_t acc = 0;
          for (int32_t ky = ky0; ky < ky1 && kx0 < kx1; ++ky) {
            const int8_t *x = input + ((b * in.h + in_y0 + dil_h * ky) * in.w + in_x0 + dil_w * kx0) * in.c +
                              group * fl.c;
            const int8_t *w = filter + ((oc * fl.h + ky) * fl.w + kx0) * fl.c;
            if (row_is_contiguous) {
              acc += dot_s8(x, w, (kx1 - kx0) * fl.c, input_offset);
            } else {
              for (int32_t kx = 0; kx < kx1 - kx0; ++kx) {
                acc += dot_s8(x + kx * dil_w * in.c, w + kx * fl.c, fl.c, input_offset);
              }
            }
          }
          if (bias != NULL) {
            acc = (int32_t)((uint32_t)acc + (uint32_t)bias[oc]); /* wraps like TFLM, never UB */
          }
          const int32_t ch = q->per_channel ? oc : 0;
          acc = tg_multiply_by_quantized_multiplier(acc, q->multiplier[ch], q->shift[ch]) + output_offset;
          acc = acc < act_min ? act_min : acc;
          acc = acc > act_max ? act_max : acc;
          *o++ = (int8_t)acc;
        }
      }
    }
  }
  return TG_OK;
}
