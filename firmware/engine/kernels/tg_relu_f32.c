#include "tg_kernels_elementwise.h"

/* TFLM's ReluFloat / Relu6Float: comparisons written so that NaN passes through. */
void tg_relu_f32(const tg_relu_f32_params *p, const float *in, float *out) {
  for (int32_t i = 0; i < p->elements; ++i) {
    const float v = in[i];
    out[i] = v > p->upper ? p->upper : v < p->lower ? p->lower : v;
  }
}
