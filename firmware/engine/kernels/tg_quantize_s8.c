#include "tg_kernels_elementwise.h"
#include "tg_quant.h"

/* TFLM's reference Requantize for int8 -> int8. */
void tg_quantize_s8(const tg_requantize_params *p, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < p->elements; ++i) {
    int32_t r = tg_multiply_by_quantized_multiplier((int32_t)in[i] - p->input_zero_point, p->multiplier, p->shift) +
                p->output_zero_point;
    r = r < -128 ? -128 : r;
    r = r > 127 ? 127 : r;
    out[i] = (int8_t)r;
  }
}
