/* Input offset folded into the bias (see tg_kernels_opt.h), computed once in prepare. */
#include "tg_kernels_opt.h"

void tg_fold_bias_s8(const int8_t *filter, const int32_t *bias, int32_t rows, int32_t depth,
                     int32_t input_offset, int32_t *bias_out) {
  for (int32_t r = 0; r < rows; ++r) {
    int32_t sum = 0; /* |sum| <= 128 * TG_MAX_ACCUM_DEPTH = 2^22 */
    const int8_t *w = filter + (size_t)r * (size_t)depth;
    for (int32_t d = 0; d < depth; ++d) {
      sum += w[d];
    }
    const uint32_t b = bias != NULL ? (uint32_t)bias[r] : 0u;
    bias_out[r] = (int32_t)(b + (uint32_t)input_offset * (uint32_t)sum); /* modulo 2^32, never UB */
  }
}
