/* AVERAGE_POOL_2D int8: TFLM's reference_integer_ops::AveragePool. Input and output
 * share scale and zero point, so the mean of the raw values is the output; the window
 * sum of at most 2^23 int8 values cannot overflow int32 (prepare bounds the window). */
#include "tg_kernels.h"

tg_status tg_avg_pool_s8(const tg_pool_args *args, int32_t act_min, int32_t act_max, const int8_t *input,
                         int8_t *output) {
  const tg_dims4 in = args->input;
  const tg_dims4 out = args->output;
  for (int32_t b = 0; b < in.n; ++b) {
    for (int32_t oy = 0; oy < out.h; ++oy) {
      const int32_t in_y0 = oy * args->stride_h - args->pad_h;
      const int32_t ky_start = in_y0 < 0 ? -in_y0 : 0;
      const int32_t ky_end = args->filter_h < in.h - in_y0 ? args->filter_h : in.h - in_y0;
      for (int32_t ox = 0; ox < out.w; ++ox) {
        const int32_t in_x0 = ox * args->stride_w - args->pad_w;
        const int32_t kx_start = in_x0 < 0 ? -in_x0 : 0;
        const int32_t kx_end = args->filter_w < in.w - in_x0 ? args->filter_w : in.w - in_x0;
        for (int32_t c = 0; c < in.c; ++c) {
          int32_t acc = 0;
          int32_t count = 0;
          for (int32_t ky = ky_start; ky < ky_end; ++ky) {
            for (int32_t kx = kx_start; kx < kx_end; ++kx) {
              acc += input[((b * in.h + in_y0 + ky) * in.w + in_x0 + kx) * in.c + c];
              ++count;
            }
          }
          if (count == 0) {
            return TG_ERR_SHAPE;
          }
          /* Round half away from zero; C division truncates toward zero, as C++'s. */
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = acc < act_min ? act_min : acc;
          acc = acc > act_max ? act_max : acc;
          output[((b * out.h + oy) * out.w + ox) * out.c + c] = (int8_t)acc;
        }
      }
    }
  }
  return TG_OK;
}
