/* FULLY_CONNECTED int8: TFLM's reference_integer_ops::FullyConnected, per-tensor or
 * per-channel (one multiplier per unit). */
#include "tg_kernels.h"
#include "tg_quant.h"

tg_status tg_fully_connected_s8(const tg_fc_args *args, const tg_quant_args *q, const int8_t *input,
                                const int8_t *weights, const int32_t *bias, int8_t *output) {
  const int32_t depth = args->depth;
  for (int32_t b = 0; b < args->batches; ++b) {
    const int8_t *x = input + b * depth;
    for (int32_t u = 0; u < args->output_depth; ++u) {
      const int8_t *w = weights + u * depth;
      /* depth <= TG_MAX_ACCUM_DEPTH (halved by prepare when the weights have a zero
       * point, whose products reach 255 * 255): no overflow. */
      int32_t acc = 0;
      for (int32_t d = 0; d < depth; ++d) {
        acc += ((int32_t)w[d] + q->filter_offset) * ((int32_t)x[d] + q->input_offset);
      }
      if (bias != NULL) {
        acc = (int32_t)((uint32_t)acc + (uint32_t)bias[u]); /* wraps like TFLM, never UB */
      }
      const int32_t ch = q->per_channel ? u : 0;
      acc = tg_multiply_by_quantized_multiplier(acc, q->multiplier[ch], q->shift[ch]);
      acc += q->output_offset;
      acc = acc < q->act_min ? q->act_min : acc;
      acc = acc > q->act_max ? q->act_max : acc;
      output[b * args->output_depth + u] = (int8_t)acc;
    }
  }
  return TG_OK;
}
