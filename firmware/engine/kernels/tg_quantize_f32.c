#include <math.h>

#include "tg_kernels_elementwise.h"

/* TFLM's AffineQuantize: zero_point + round(x / scale) (half away from zero), clamped.
 * Past +-256 every zero point saturates, so the value is clamped before the int
 * conversion, which would be undefined for huge values; NaN saturates low. */
void tg_quantize_f32(const tg_quantize_f32_params *p, const float *in, int8_t *out) {
  for (int32_t i = 0; i < p->elements; ++i) {
    const float t = roundf(in[i] / p->scale);
    int32_t r;
    if (!(t >= -256.0f)) {
      r = -128;
    } else if (t > 256.0f) {
      r = 127;
    } else {
      r = (int32_t)t + p->zero_point;
      r = r < -128 ? -128 : r;
      r = r > 127 ? 127 : r;
    }
    out[i] = (int8_t)r;
  }
}
