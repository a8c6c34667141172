/* FULLY_CONNECTED float32: TFLM's reference_ops::FullyConnected (sum, then bias). */
#include "tg_kernels.h"

tg_status tg_fully_connected_f32(const tg_fc_args *args, const tg_act_f32 *act, const float *input,
                                 const float *weights, const float *bias, float *output) {
  const int32_t depth = args->depth;
  for (int32_t b = 0; b < args->batches; ++b) {
    const float *x = input + b * depth;
    for (int32_t u = 0; u < args->output_depth; ++u) {
      const float *w = weights + u * depth;
      float total = 0.0f;
      for (int32_t d = 0; d < depth; ++d) {
        total += x[d] * w[d];
      }
      float v = total + (bias != NULL ? bias[u] : 0.0f);
      v = v < act->min ? act->min : v;
      v = v > act->max ? act->max : v;
      output[b * args->output_depth + u] = v;
    }
  }
  return TG_OK;
}
