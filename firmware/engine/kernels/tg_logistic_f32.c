#include <math.h>

#include "tg_kernels_elementwise.h"

/* TFLM's reference float Logistic, with its cut-offs: above 16.619... the result is 1,
 * below -9 exp(x) is used directly. */
void tg_logistic_f32(int32_t elements, const float *in, float *out) {
  const float cutoff_upper = 16.619047164916992188f;
  const float cutoff_lower = -9.0f;
  for (int32_t i = 0; i < elements; ++i) {
    const float v = in[i];
    float r;
    if (v > cutoff_upper) {
      r = 1.0f;
    } else if (v < cutoff_lower) {
      r = expf(v);
    } else {
      r = 1.0f / (1.0f + expf(-v));
    }
    out[i] = r;
  }
}
