#include <string.h>

#include "tg_kernels_elementwise.h"

/* TFLM's reference Concatenation: for each outer index, the slices of every input in turn. */
void tg_concatenation_s8(const tg_concat_params *p, const int8_t *const *inputs, int8_t *out) {
  for (int32_t k = 0; k < p->outer; ++k) {
    for (int32_t i = 0; i < p->n_inputs; ++i) {
      const int32_t n = p->copy_size[i];
      memcpy(out, inputs[i] + (int64_t)k * n, (size_t)n);
      out += n;
    }
  }
}
