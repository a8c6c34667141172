/* MAX_POOL_2D int8: TFLM's reference_integer_ops::MaxPool (no rescale: input and output
 * share quantization). */
#include "tg_kernels.h"

tg_status tg_max_pool_s8(const tg_pool_args *args, int32_t act_min, int32_t act_max, const int8_t *input,
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
          int32_t max = -128;
          for (int32_t ky = ky_start; ky < ky_end; ++ky) {
            for (int32_t kx = kx_start; kx < kx_end; ++kx) {
              const int32_t v = input[((b * in.h + in_y0 + ky) * in.w + in_x0 + kx) * in.c + c];
              max = v > max ? v : max;
            }
          }
          max = max < act_min ? act_min : max;
          max = max > act_max ? act_max : max;
          output[((b * out.h + oy) * out.w + ox) * out.c + c] = (int8_t)max;
        }
      }
    }
  }
  return TG_OK;
}
