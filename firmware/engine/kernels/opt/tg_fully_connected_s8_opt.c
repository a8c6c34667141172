/* FULLY_CONNECTED int8 fast path (tg_kernels_opt.h): with symmetric weights, the layer is
 * tg_mat_mult_s8_opt of the weights (units x depth) and the input rows (batches x depth),
 * the input offset folded into the bias in prepare. */
#include "tg_kernels_opt.h"

int tg_fully_connected_s8_opt_applies(const tg_fc_args *args, const tg_quant_args *q) {
  return q->filter_offset == 0 && args->depth >= 1 && args->depth <= TG_MAX_ACCUM_DEPTH && args->batches >= 1 &&
         args->output_depth >= 1;
}

tg_status tg_fully_connected_s8_opt(const tg_fc_args *args, const tg_quant_args *q, const int32_t *bias,
                                    const int8_t *input, const int8_t *weights, int8_t *output) {
  if (!tg_fully_connected_s8_opt_applies(args, q)) {
    return TG_ERR_ARG;
  }
  return tg_mat_mult_s8_opt(weights, input, bias, args->output_depth, args->batches, args->depth, q, output);
}
