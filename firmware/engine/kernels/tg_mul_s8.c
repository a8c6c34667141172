#include "tg_kernels_elementwise.h"
#include "tg_quant.h"

/* TFLM's MulElementwise: the product of two offsets in [-255, 255] fits int32 easily. */
static inline int8_t mul_one(const tg_mul_s8_params *p, int8_t x, int8_t y) {
  const int32_t prod = (p->input1_offset + x) * (p->input2_offset + y);
  int32_t r = p->output_offset + tg_multiply_by_quantized_multiplier(prod, p->output_multiplier, p->output_shift);
  r = r < p->act_min ? p->act_min : r;
  r = r > p->act_max ? p->act_max : r;
  return (int8_t)r;
}

void tg_mul_s8(const tg_mul_s8_params *p, const tg_broadcast *b, const int8_t *in1, const int8_t *in2,
               int8_t *out) {
  if (b->flat) {
    for (int32_t i = 0; i < b->elements; ++i) out[i] = mul_one(p, in1[i], in2[i]);
    return;
  }
  int32_t idx[TG_EW_DIMS] = {0};
  int32_t o1 = 0;
  int32_t o2 = 0;
  for (int32_t i = 0; i < b->elements; ++i) {
    out[i] = mul_one(p, in1[o1], in2[o2]);
    tg_broadcast_next(b, idx, &o1, &o2);
  }
}
