/* FULLY_CONNECTED int8: TFLM's reference_integer_ops::FullyConnected, per-tensor or
 * per-channel (one multiplier per unit). */
#include "tg_kernels.h"
#include "tg_quant.h"

/* sum of (w[i] + filter_offset) * (x[i] + input_offset). depth <= TG_MAX_ACCUM_DEPTH
 * (halved by prepare when the weights have a zero point, whose products reach
 * 255 * 255): no overflow. Apart so its values stay in registers. */
TG_NOINLINE static int32_t dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t input_offset,
                                  int32_t filter_offset) {
  int32_t acc = 0;
  for (int32_t i = 0; i < n; ++i) {
    acc += ((int32_t)w[i] + filter_offset) * ((int32_t)x[i] + input_offset);
  }
  return acc;
}

tg_status tg_fully_connected_s8(const tg_fc_args *args, const tg_quant_args *q, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output) {
  const int32_t depth = args->depth;
  const int32_t input_offset = q->input_offset, filter_offset = q->filter_offset;
  const int32_t output_offset = q->output_offset;
  const int32_t act_min = q->act_min, act_max = q->act_max;
  int8_t *o = output;
  for (int32_t b = 0; b < args->batches; ++b) {
    const int8_t *x = input + b * depth;
    for (int32_t u = 0; u < args->output_depth; ++u) {
      int32_t acc = dot_s8(x, weights + u * depth, depth, input_offset, filter_offset);
      if (bias != NULL) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)bias[u]); /* wraps like TFLM, never UB */
      }
      const int32_t ch = q->per_channel ? u : 0;
      acc = tg_multiply_by_quantized_multiplier(acc, q->multiplier[ch], q->shift[ch]) + output_offset;
      acc = acc < act_min ? act_min : acc;
      acc = acc > act_max ? act_max : acc;
      *o++ = (int8_t)acc;
    }
  }
  return TG_OK;
}
