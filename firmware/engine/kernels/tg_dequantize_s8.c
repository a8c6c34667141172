#include "tg_kernels_elementwise.h"

/* TFLM computes (float)(double(scale) * (q - zp)); a float scale times an integer below
 * 2^9 is exact in double, so one float multiply rounds to the same value. */
void tg_dequantize_s8(const tg_dequantize_params *p, const int8_t *in, float *out) {
  for (int32_t i = 0; i < p->elements; ++i) out[i] = p->scale * (float)((int32_t)in[i] - p->zero_point);
}
