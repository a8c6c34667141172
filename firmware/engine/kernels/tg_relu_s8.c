#include "tg_kernels_elementwise.h"
#include "tg_quant.h"

/* TFLM's ReluQuantized: requantize to the output scale, then clamp to the quantized
 * activation range. RELU6 uses the same path with an upper bound of 6 (TFLM's RELU6 only
 * clamps, which is the same result when input and output share their quantization:
 * the multiplier is then exactly 1). */
void tg_relu_s8(const tg_relu_s8_params *p, const int8_t *in, int8_t *out) {
  for (int32_t i = 0; i < p->elements; ++i) {
    int32_t r = p->output_offset +
                tg_multiply_by_quantized_multiplier((int32_t)in[i] - p->input_zero_point, p->multiplier, p->shift);
    r = r < p->act_min ? p->act_min : r;
    r = r > p->act_max ? p->act_max : r;
    out[i] = (int8_t)r;
  }
}
