#include <math.h>

#include "tg_kernels_elementwise.h"

void tg_tanh_f32(int32_t elements, const float *in, float *out) {
  for (int32_t i = 0; i < elements; ++i) out[i] = tanhf(in[i]);
}
