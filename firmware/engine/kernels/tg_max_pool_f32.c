/* MAX_POOL_2D float32: TFLM's reference_ops::MaxPool. */
#include <float.h>

#include "tg_kernels.h"

tg_status tg_max_pool_f32(const tg_pool_args *args, const tg_act_f32 *act, const float *input,
                          float *output) {
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
          float max = -FLT_MAX;
          for (int32_t ky = ky_start; ky < ky_end; ++ky) {
            for (int32_t kx = kx_start; kx < kx_end; ++kx) {
              const float v = input[((b * in.h + in_y0 + ky) * in.w + in_x0 + kx) * in.c + c];
              max = v > max ? v : max;
            }
          }
          max = max < act->min ? act->min : max;
          max = max > act->max ? act->max : max;
          output[((b * out.h + oy) * out.w + ox) * out.c + c] = max;
        }
      }
    }
  }
  return TG_OK;
}
