#include "tg_kernels_elementwise.h"
#include "tg_quant.h"

/* TFLM's AddFunc. The offsets are in [-255, 255] after adding the zero point, so the
 * shift by 20 stays below 2^28 and the sum of two rescaled terms cannot overflow int32. */
static inline int8_t add_one(const tg_add_s8_params *p, int8_t x, int8_t y) {
  const int32_t shifted1 = (p->input1_offset + x) * (1 << p->left_shift);
  const int32_t shifted2 = (p->input2_offset + y) * (1 << p->left_shift);
  const int32_t scaled1 = tg_multiply_by_quantized_multiplier(shifted1, p->input1_multiplier, p->input1_shift);
  const int32_t scaled2 = tg_multiply_by_quantized_multiplier(shifted2, p->input2_multiplier, p->input2_shift);
  int32_t r = tg_multiply_by_quantized_multiplier(scaled1 + scaled2, p->output_multiplier, p->output_shift) +
              p->output_offset;
  r = r < p->act_min ? p->act_min : r;
  r = r > p->act_max ? p->act_max : r;
  return (int8_t)r;
}

void tg_add_s8(const tg_add_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
               int8_t *out) {
  if (b->flat) {
    for (int32_t i = 0; i < b->elements; ++i) out[i] = add_one(p, in1[i], in2[i]);
    return;
  }
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  for (int32_t i = 0; i < b->elements; ++i) {
    out[i] = add_one(p, in1[o1], in2[o2]);
    tg_broadcast_next(b, idx, &o1, &o2);
  }
}
