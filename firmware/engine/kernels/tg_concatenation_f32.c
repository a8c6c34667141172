#include <string.h>

#include "tg_kernels_elementwise.h"

void tg_concatenation_f32(const tg_concat_params *p, const float *const *inputs, float *out) {
  for (int32_t k = 0; k < p->outer; ++k) {
    for (int32_t i = 0; i < p->n_inputs; ++i) {
      const int32_t n = p->copy_size[i];
      memcpy(out, inputs[i] + (int64_t)k * n, (size_t)n * sizeof(float));
      out += n;
    }
  }
}
